//! The plan of the demo lake: every entity and every planted link, as small numbers, decided
//! before any table is written.
//!
//! Planning is sequential and cheap (it draws no text); the tables are then rendered from the
//! plan in parallel, each job with its own random stream. Whatever two tables must agree on —
//! which vehicle was stolen, who the accused are, which SIM an accused person holds, which
//! post shows a weapon — is decided here, and the ground truth is read off the plan.

use std::collections::HashSet;

use super::calendar::{self, DAY_MICROS, DayClock, DayPicker, MICROS};
use super::geo::GEO;
use super::law::{self, CRIMES, CrimeKind};
use super::mess;
use super::people::{People, Person};
use super::plates::{self, Plate};
use super::rng::{self, Distributions, Rng, Weighted};

/// Rows of each table at scale 1.
pub mod base {
    pub const FIR: f64 = 200_000.0;
    pub const REGISTRATIONS: f64 = 1_000_000.0;
    pub const CAMERAS: f64 = 2_000.0;
    pub const ANPR_READS: f64 = 5_000_000.0;
    pub const DIAL112_CALLS: f64 = 500_000.0;
    pub const SUBSCRIBERS: f64 = 1_000_000.0;
    pub const COMPLAINTS: f64 = 200_000.0;
    pub const POSTS: f64 = 200_000.0;
    /// Days of ANPR reads at scale 1 (two years); fewer at smaller scales, so that a day's
    /// partition keeps about the same size.
    pub const ANPR_DAYS: f64 = 730.0;
}

/// The fewest rows a table gets at tiny scales.
pub const MIN_ROWS: usize = 20;
/// The fewest days of ANPR reads.
pub const MIN_ANPR_DAYS: usize = 7;
/// The fewest stolen vehicles (vehicle-theft FIRs).
pub const MIN_STOLEN: usize = 5;

/// Target row counts for a scale.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub fir: usize,
    pub registrations: usize,
    pub cameras: usize,
    pub anpr_reads: usize,
    pub anpr_days: usize,
    pub dial112_calls: usize,
    pub subscribers: usize,
    pub complaints: usize,
    pub posts: usize,
}

impl Sizes {
    pub fn at(scale: f64) -> Sizes {
        let rows = |base: f64| ((base * scale).round() as usize).max(MIN_ROWS);
        Sizes {
            fir: rows(base::FIR),
            registrations: rows(base::REGISTRATIONS),
            cameras: rows(base::CAMERAS),
            anpr_reads: rows(base::ANPR_READS),
            anpr_days: ((base::ANPR_DAYS * scale).round() as usize)
                .clamp(MIN_ANPR_DAYS, base::ANPR_DAYS as usize),
            dial112_calls: rows(base::DIAL112_CALLS),
            subscribers: rows(base::SUBSCRIBERS),
            complaints: rows(base::COMPLAINTS),
            posts: rows(base::POSTS),
        }
    }
}

/// One FIR. Its id is its index + 1 (FIRs are numbered in order of registration).
#[derive(Debug, Clone, Copy)]
pub struct Fir {
    pub registered_at: i64,
    pub occurred_at: i64,
    pub district: u8,
    pub station: u8,
    pub crime: u8,
    /// Serial of the FIR at its station in its year.
    pub fir_no: u32,
    pub accused: u8,
}

impl Fir {
    pub fn year(&self) -> i32 {
        calendar::year_of(self.day())
    }

    pub fn day(&self) -> i32 {
        self.registered_at.div_euclid(DAY_MICROS) as i32
    }

    /// The day the offence was committed.
    pub fn occurred_day(&self) -> i32 {
        self.occurred_at.div_euclid(DAY_MICROS) as i32
    }

    pub fn crime(&self) -> &'static law::Crime {
        &CRIMES[self.crime as usize]
    }

    /// Whether the offence falls under the BNS (committed from 1 July 2024).
    pub fn under_bns(&self) -> bool {
        self.occurred_day() >= calendar::BNS_FROM
    }
}

/// How an accused person's phone was written in one FIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneShown {
    Missing,
    Invalid,
    Valid,
}

/// One row of `cctns.accused`: accused id = index + 1.
#[derive(Debug, Clone, Copy)]
pub struct Accused {
    pub fir: u32,
    pub person: u32,
    /// 0 for the person's first FIR, 1 for the second, ...
    pub appearance: u8,
    pub phone: PhoneShown,
}

/// The SIM an accused person's phone number is registered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sim {
    /// No record in `telecom.subscribers`.
    None,
    /// In the holder's own name and Aadhaar.
    Own,
    /// In the holder's own name, spelt differently.
    OwnVariant,
    /// In the holder's name with an invalid Aadhaar number.
    InvalidAadhaar,
    /// In another person's name and Aadhaar: a stranger (a person of the general public), or,
    /// with `stranger` None, the holder's father at the family's address — a family SIM,
    /// which is no mismatch (a decoy in `truth.decoys`).
    OtherPerson { stranger: Option<u64> },
    /// In another person's name, with an invalid Aadhaar number.
    OtherPersonInvalidAadhaar { stranger: Option<u64> },
}

impl Sim {
    /// The reason recorded in `truth.sim_identity_mismatch`, if the SIM is one. A SIM in the
    /// father's name at the family's address is not, unless its Aadhaar number is invalid.
    pub fn mismatch(&self) -> Option<&'static str> {
        match self {
            Sim::InvalidAadhaar | Sim::OtherPersonInvalidAadhaar { stranger: None } => {
                Some("invalid_aadhaar")
            }
            Sim::OtherPerson { stranger: Some(_) } => Some("other_person"),
            Sim::OtherPersonInvalidAadhaar { stranger: Some(_) } => {
                Some("other_person_invalid_aadhaar")
            }
            _ => None,
        }
    }

    /// A SIM registered to the holder's father at the family's address.
    pub fn is_family(&self) -> bool {
        matches!(
            self,
            Sim::OtherPerson { stranger: None } | Sim::OtherPersonInvalidAadhaar { stranger: None }
        )
    }
}

/// A person accused in at least one FIR. The person id is the index.
#[derive(Debug, Clone, Copy)]
pub struct AccusedPerson {
    pub district: u8,
    pub sim: Sim,
    /// Social posts linked to the person's phone.
    pub posts: u8,
    /// The repeat offender whose name this person shares, from another district and with
    /// another father: a decoy for `truth.decoys`.
    pub namesake_of: Option<u32>,
}

/// One vehicle of the Rajasthan register (`vahan.registrations`).
#[derive(Debug, Clone, Copy)]
pub struct Vehicle {
    pub plate: Plate,
    /// Index into the district's RTO codes.
    pub rto: u8,
    pub district: u8,
    pub model: u8,
    pub colour: u8,
    pub registered_on: i32,
    pub owner: u64,
}

/// A vehicle stolen in a vehicle-theft FIR.
#[derive(Debug, Clone, Copy)]
pub struct Stolen {
    pub fir: u32,
    pub vehicle: u32,
    pub recovered_on: Option<i32>,
}

/// An ANPR camera; its id is its index + 1.
#[derive(Debug, Clone)]
pub struct Camera {
    pub district: u8,
    pub lat: f64,
    pub lon: f64,
    pub location: String,
    pub traffic: f64,
    /// The camera's clock error, camera time minus true time (µs): its reads' `seen_at`
    /// carry it, and `abhay.cameras.clock_offset_seconds` records it.
    pub clock_offset: i64,
}

/// A read planted on a day: a stolen vehicle, or a look-alike of one, passing a camera.
#[derive(Debug, Clone, Copy)]
pub struct Planted {
    pub vehicle: u32,
    pub camera: u32,
    /// Microseconds since midnight.
    pub time: i64,
    pub read: PlantedRead,
}

/// What a planted read is, for the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedRead {
    /// A sighting of the stolen vehicle (index into [`World::stolen`]).
    Sighting(u32),
    /// The stolen vehicle read when it is no sighting: before the theft, after the recovery.
    NotSighting,
    /// A decoy: another vehicle whose plate is one character away from that of the stolen
    /// vehicle (index into [`World::stolen`]), a character no OCR confuses with it.
    LookAlike(u32),
    /// A decoy: the stolen vehicle (index into [`World::stolen`]) read by its owner shortly
    /// before the theft by a camera whose fast clock records the read after it.
    ClockSkewed(u32),
}

impl PlantedRead {
    /// The stolen vehicle the read is planted for, if it is a sighting or a decoy of one.
    pub fn stolen(self) -> Option<u32> {
        match self {
            PlantedRead::Sighting(s) | PlantedRead::LookAlike(s) | PlantedRead::ClockSkewed(s) => {
                Some(s)
            }
            PlantedRead::NotSighting => None,
        }
    }

    /// The kind of decoy in `truth.decoys`, if the read is one.
    pub fn decoy(self) -> Option<&'static str> {
        match self {
            PlantedRead::LookAlike(_) => Some("plate_one_off"),
            PlantedRead::ClockSkewed(_) => Some("camera_clock_skew"),
            _ => None,
        }
    }
}

/// One day of ANPR reads.
#[derive(Debug, Clone)]
pub struct AnprDay {
    pub day: i32,
    pub first_read_id: i64,
    pub background: usize,
    pub planted: Vec<Planted>,
}

impl AnprDay {
    pub fn rows(&self) -> usize {
        self.background + self.planted.len()
    }
}

/// Who wrote a social post.
#[derive(Debug, Clone, Copy)]
pub enum Author {
    Accused(u32),
    Public { person: u64, linked: bool },
}

#[derive(Debug, Clone, Copy)]
pub struct Post {
    pub posted_at: i64,
    pub author: Author,
    pub platform: u8,
    pub weapon: bool,
    /// The image shows a toy or replica weapon, which the classifier flags as a weapon and
    /// the text gives away: a decoy for `truth.decoys`.
    pub toy: bool,
}

/// The whole plan.
pub struct World {
    pub seed: u64,
    pub sizes: Sizes,
    pub people: People,
    pub firs: Vec<Fir>,
    /// FIR index ranges per year, oldest first.
    pub fir_years: Vec<(i32, std::ops::Range<usize>)>,
    pub accused: Vec<Accused>,
    pub accused_people: Vec<AccusedPerson>,
    /// The first person id of the general public, and how many there are.
    pub public_base: u64,
    pub public_size: u64,
    pub vehicles: Vec<Vehicle>,
    /// Vehicles of other states (not registered in Rajasthan).
    pub outsiders: Vec<Plate>,
    /// Whether each registered vehicle was stolen.
    pub is_stolen: Vec<bool>,
    pub stolen: Vec<Stolen>,
    pub cameras: Vec<Camera>,
    pub anpr_days: Vec<AnprDay>,
    /// Dial-112 calls per year: (year, first call id, calls).
    pub call_years: Vec<(i32, i64, usize)>,
    /// `telecom.subscribers` rows: person ids (accused persons below `public_base`).
    pub subscribers: Vec<u64>,
    /// `social.posts` in order of posting; post id = index + 1.
    pub posts: Vec<Post>,
}

/// A vehicle model: make, model, VAHAN class, fuels, weight, years sold.
pub struct Model {
    pub make: &'static str,
    pub model: &'static str,
    pub class: &'static str,
    pub fuels: &'static [&'static str],
    pub weight: f64,
    pub years: (i32, i32),
}

const TWO_WHEELER: &str = "M-Cycle/Scooter(2WN)";
const CAR: &str = "Motor Car(LMV)";
const TRACTOR: &str = "Tractor (Agricultural)";

const fn model(
    make: &'static str,
    model: &'static str,
    class: &'static str,
    fuels: &'static [&'static str],
    weight: f64,
    years: (i32, i32),
) -> Model {
    Model {
        make,
        model,
        class,
        fuels,
        weight,
        years,
    }
}

pub const MODELS: [Model; 32] = [
    model(
        "HERO",
        "SPLENDOR PLUS",
        TWO_WHEELER,
        &["PETROL"],
        16.0,
        (2011, 2025),
    ),
    model(
        "HERO HONDA",
        "SPLENDOR",
        TWO_WHEELER,
        &["PETROL"],
        10.0,
        (1994, 2011),
    ),
    model(
        "HERO HONDA",
        "CD 100",
        TWO_WHEELER,
        &["PETROL"],
        4.0,
        (1985, 2005),
    ),
    model(
        "HERO",
        "HF DELUXE",
        TWO_WHEELER,
        &["PETROL"],
        8.0,
        (2011, 2025),
    ),
    model(
        "HONDA",
        "ACTIVA",
        TWO_WHEELER,
        &["PETROL"],
        8.0,
        (2001, 2025),
    ),
    model(
        "HONDA",
        "SHINE",
        TWO_WHEELER,
        &["PETROL"],
        6.0,
        (2006, 2025),
    ),
    model(
        "BAJAJ",
        "PULSAR 150",
        TWO_WHEELER,
        &["PETROL"],
        5.0,
        (2001, 2025),
    ),
    model(
        "BAJAJ",
        "PLATINA",
        TWO_WHEELER,
        &["PETROL"],
        4.0,
        (2006, 2025),
    ),
    model(
        "BAJAJ",
        "CHETAK",
        TWO_WHEELER,
        &["PETROL"],
        3.0,
        (1975, 2006),
    ),
    model(
        "YEZDI",
        "ROADKING",
        TWO_WHEELER,
        &["PETROL"],
        1.0,
        (1978, 1996),
    ),
    model(
        "TVS",
        "APACHE RTR 160",
        TWO_WHEELER,
        &["PETROL"],
        3.0,
        (2007, 2025),
    ),
    model(
        "TVS",
        "JUPITER",
        TWO_WHEELER,
        &["PETROL"],
        3.0,
        (2013, 2025),
    ),
    model(
        "ROYAL ENFIELD",
        "CLASSIC 350",
        TWO_WHEELER,
        &["PETROL"],
        2.5,
        (2009, 2025),
    ),
    model(
        "ROYAL ENFIELD",
        "BULLET 350",
        TWO_WHEELER,
        &["PETROL"],
        1.0,
        (1975, 2025),
    ),
    model(
        "ATHER",
        "450X",
        TWO_WHEELER,
        &["ELECTRIC(BOV)"],
        0.4,
        (2020, 2025),
    ),
    model(
        "MARUTI SUZUKI",
        "SWIFT",
        CAR,
        &["PETROL", "PETROL/CNG", "DIESEL"],
        4.0,
        (2005, 2025),
    ),
    model(
        "MARUTI SUZUKI",
        "ALTO 800",
        CAR,
        &["PETROL", "PETROL/CNG"],
        3.0,
        (2000, 2025),
    ),
    model(
        "MARUTI SUZUKI",
        "WAGON R",
        CAR,
        &["PETROL", "PETROL/CNG"],
        3.0,
        (1999, 2025),
    ),
    model(
        "MARUTI SUZUKI",
        "DZIRE",
        CAR,
        &["PETROL", "DIESEL", "PETROL/CNG"],
        2.0,
        (2008, 2025),
    ),
    model("MARUTI", "800", CAR, &["PETROL"], 2.0, (1983, 2014)),
    model(
        "HINDUSTAN MOTORS",
        "AMBASSADOR",
        CAR,
        &["DIESEL", "PETROL"],
        0.8,
        (1958, 2014),
    ),
    model(
        "HYUNDAI",
        "CRETA",
        CAR,
        &["DIESEL", "PETROL"],
        1.5,
        (2015, 2025),
    ),
    model(
        "HYUNDAI",
        "I20",
        CAR,
        &["PETROL", "DIESEL"],
        1.2,
        (2008, 2025),
    ),
    model("MAHINDRA", "BOLERO", CAR, &["DIESEL"], 3.0, (2000, 2025)),
    model("MAHINDRA", "SCORPIO", CAR, &["DIESEL"], 2.0, (2002, 2025)),
    model(
        "TATA",
        "NEXON",
        CAR,
        &["PETROL", "DIESEL", "ELECTRIC(BOV)"],
        1.2,
        (2017, 2025),
    ),
    model(
        "TOYOTA",
        "INNOVA CRYSTA",
        "Motor Cab",
        &["DIESEL"],
        1.0,
        (2016, 2025),
    ),
    model(
        "MAHINDRA",
        "575 DI",
        TRACTOR,
        &["DIESEL"],
        3.0,
        (1985, 2025),
    ),
    model("SWARAJ", "744 FE", TRACTOR, &["DIESEL"], 2.0, (1985, 2025)),
    model(
        "TATA",
        "LPT 1613",
        "Goods Carrier(HGV)",
        &["DIESEL"],
        1.2,
        (1985, 2025),
    ),
    model(
        "ASHOK LEYLAND",
        "DOST",
        "Goods Carrier(LGV)",
        &["DIESEL"],
        0.8,
        (2011, 2025),
    ),
    model(
        "BAJAJ",
        "RE COMPACT",
        "Three Wheeler (Passenger)",
        &["CNG ONLY", "LPG ONLY", "DIESEL"],
        1.2,
        (2000, 2025),
    ),
];

pub const COLOURS: [&str; 10] = [
    "Black",
    "Red",
    "Blue",
    "Silver",
    "White",
    "Grey",
    "Black-Red",
    "Maroon",
    "Green",
    "Golden",
];

impl World {
    pub fn plan(seed: u64, scale: f64) -> World {
        let sizes = Sizes::at(scale);
        let people = People::new(seed);
        let mut world = World {
            seed,
            sizes,
            people,
            firs: Vec::new(),
            fir_years: Vec::new(),
            accused: Vec::new(),
            accused_people: Vec::new(),
            public_base: 0,
            public_size: 0,
            vehicles: Vec::new(),
            outsiders: Vec::new(),
            is_stolen: Vec::new(),
            stolen: Vec::new(),
            cameras: Vec::new(),
            anpr_days: Vec::new(),
            call_years: Vec::new(),
            subscribers: Vec::new(),
            posts: Vec::new(),
        };
        world.plan_firs();
        world.plan_accused();
        world.public_base = world.accused_people.len() as u64;
        world.public_size = (sizes.subscribers + sizes.registrations) as u64;
        world.plan_vehicles();
        world.plan_stolen();
        world.plan_cameras();
        world.plan_anpr();
        world.plan_calls();
        world.plan_accused_links();
        world.plan_subscribers();
        world.plan_posts();
        world
    }

    fn rng(&self, stream: &str) -> Rng {
        Rng::stream(self.seed, rng::key(stream), 0)
    }

    /// A person of the general public, drawn at random.
    pub fn random_public(&self, rng: &mut Rng) -> u64 {
        self.public_base + rng.below(self.public_size)
    }

    fn plan_firs(&mut self) {
        let mut rng = self.rng("plan-fir");
        let n = self.sizes.fir;
        let days = DayPicker::new(calendar::FIRST_DAY, calendar::LAST_DAY, |d| {
            let sunday = if calendar::weekday(d) == 6 { 0.8 } else { 1.0 };
            calendar::year_weight(calendar::year_of(d)) * sunday
        });
        let office = DayClock::new(&calendar::hours::OFFICE);
        let crimes = Weighted::new(CRIMES.iter().map(|c| c.weight));
        let accused_factor = law::accused_factor();
        let mut crime_of: Vec<usize> = (0..n).map(|_| crimes.sample(&mut rng)).collect();
        // At tiny scales, still a few vehicle thefts.
        let theft = CRIMES
            .iter()
            .position(|c| c.kind == CrimeKind::VehicleTheft)
            .unwrap();
        let wanted = MIN_STOLEN.min(n);
        let mut have = crime_of.iter().filter(|&&c| c == theft).count();
        for c in crime_of.iter_mut() {
            if have >= wanted {
                break;
            }
            if *c != theft {
                *c = theft;
                have += 1;
            }
        }
        let mut firs: Vec<(Fir, usize)> = Vec::with_capacity(n);
        for (i, &crime_index) in crime_of.iter().enumerate() {
            let crime = &CRIMES[crime_index];
            let day = days.sample(&mut rng);
            let registered_at = day as i64 * DAY_MICROS + office.time_of_day(&mut rng);
            let mean_delay_hours = match crime.kind {
                CrimeKind::VehicleTheft => 30.0,
                CrimeKind::AgainstWomen => 400.0,
                CrimeKind::Cyber => 200.0,
                CrimeKind::Ordinary => 12.0,
            };
            let delay_seconds = (rng.exponential() * mean_delay_hours * 3600.0) as i64 + 600;
            let occurred_at = (registered_at / MICROS - delay_seconds) / 60 * 60 * MICROS;
            let district = GEO.sample(&mut rng);
            let d = GEO.district(district);
            let station = match crime.kind {
                CrimeKind::AgainstWomen if rng.chance(0.4) => d.mahila_station,
                CrimeKind::Cyber if rng.chance(0.5) => d.cyber_station,
                _ => d.station_weights.sample(&mut rng),
            };
            let accused = rng.poisson(crime.accused * accused_factor).min(12) as u8;
            let fir = Fir {
                registered_at,
                occurred_at,
                district: district as u8,
                station: station as u8,
                crime: crime_index as u8,
                fir_no: 0,
                accused,
            };
            firs.push((fir, i));
        }
        firs.sort_by_key(|(f, i)| (f.registered_at, *i));
        let mut serials = std::collections::HashMap::new();
        for (fir, _) in &mut firs {
            let serial = serials
                .entry((fir.district, fir.station, fir.year()))
                .or_insert(0u32);
            *serial += 1;
            fir.fir_no = *serial;
        }
        self.firs = firs.into_iter().map(|(f, _)| f).collect();
        let mut start = 0;
        for year in calendar::FIRST_YEAR..=calendar::LAST_YEAR {
            let end = start + self.firs[start..].partition_point(|f| f.year() <= year);
            if end > start {
                self.fir_years.push((year, start..end));
            }
            start = end;
        }
    }

    /// Assigns a person to every accused slot of every FIR. Persons live in the district of
    /// their FIRs; a tenth are repeat offenders named in 2-6 FIRs.
    fn plan_accused(&mut self) {
        let mut rng = self.rng("plan-accused");
        let mut slots_by_district: Vec<Vec<(u32, u8)>> = vec![Vec::new(); GEO.districts.len()];
        for (i, fir) in self.firs.iter().enumerate() {
            for slot in 0..fir.accused {
                slots_by_district[fir.district as usize].push((i as u32, slot));
            }
        }
        // (fir, slot, person)
        let mut rows: Vec<(u32, u8, u32)> = Vec::new();
        let mut persons: Vec<AccusedPerson> = Vec::new();
        let mut firs_by_person: Vec<u8> = Vec::new();
        for (district, mut slots) in slots_by_district.into_iter().enumerate() {
            shuffle(&mut rng, &mut slots);
            let mut pos = 0;
            while pos < slots.len() {
                let wanted = if rng.chance(mess::REPEAT_OFFENDER) {
                    2 + rng.poisson(0.8).min(4) as usize
                } else {
                    1
                };
                let person = persons.len() as u32;
                let mut firs_of_person: Vec<u32> = Vec::with_capacity(wanted);
                while firs_of_person.len() < wanted && pos < slots.len() {
                    let (fir, slot) = slots[pos];
                    if firs_of_person.contains(&fir) {
                        break;
                    }
                    firs_of_person.push(fir);
                    rows.push((fir, slot, person));
                    pos += 1;
                }
                persons.push(AccusedPerson {
                    district: district as u8,
                    sim: Sim::None,
                    posts: 0,
                    namesake_of: None,
                });
                firs_by_person.push(firs_of_person.len() as u8);
            }
        }
        // Namesakes, from a stream of their own: persons of one FIR in another district who
        // bear a repeat offender's name.
        let mut rng = self.rng("plan-namesakes");
        let single: Vec<u32> = (0..persons.len() as u32)
            .filter(|&p| firs_by_person[p as usize] == 1)
            .collect();
        for offender in 0..persons.len() {
            if firs_by_person[offender] < 2 || single.is_empty() || !rng.chance(mess::NAMESAKE) {
                continue;
            }
            let namesake = rng.pick(&single) as usize;
            if persons[namesake].district != persons[offender].district
                && persons[namesake].namesake_of.is_none()
            {
                persons[namesake].namesake_of = Some(offender as u32);
            }
        }
        rows.sort_unstable();
        let mut seen = vec![0u8; persons.len()];
        let mut phones = self.rng("plan-accused-phones");
        self.accused = rows
            .into_iter()
            .map(|(fir, _, person)| {
                let appearance = seen[person as usize];
                seen[person as usize] += 1;
                let phone = if phones.chance(mess::ACCUSED_PHONE_MISSING) {
                    PhoneShown::Missing
                } else if phones.chance(mess::PHONE_INVALID) {
                    PhoneShown::Invalid
                } else {
                    PhoneShown::Valid
                };
                Accused {
                    fir,
                    person,
                    appearance,
                    phone,
                }
            })
            .collect();
        self.accused_people = persons;
    }

    fn plan_vehicles(&mut self) {
        let mut rng = self.rng("plan-vehicles");
        let n = self.sizes.registrations;
        // More vehicles were registered each year: weight (year - 1975)².
        let years = Weighted::new((1989..=2025).map(|y: i32| {
            let age = (y - 1975) as f64;
            age * age
        }));
        // Models on sale in each year 1980..=2025.
        let models: Vec<Weighted> = (1980..=2025)
            .map(|year| {
                Weighted::new(MODELS.iter().map(|m| {
                    let (from, to) = m.years;
                    if (from..=to).contains(&year) {
                        m.weight
                    } else {
                        0.0
                    }
                }))
            })
            .collect();
        let mut keys: HashSet<u128> = HashSet::with_capacity(n + n / 20 + 64);
        let mut vehicles = Vec::with_capacity(n);
        for _ in 0..n {
            let district = GEO.sample(&mut rng);
            let d = GEO.district(district);
            let rto = d.rto_weights.sample(&mut rng);
            let old = rng.chance(mess::VAHAN_OLD);
            let year = if old {
                rng.range(1980, 1988) as i32
            } else {
                1989 + years.sample(&mut rng) as i32
            };
            let first = calendar::days_from_civil(year, 1, 1);
            let last = calendar::days_from_civil(year, 12, 31).min(calendar::LAST_DAY);
            let registered_on = rng.range(first as i64, last as i64) as i32;
            let bharat =
                registered_on >= calendar::BHARAT_SERIES_FROM && rng.chance(mess::VAHAN_BHARAT);
            let plate = loop {
                let plate = if old {
                    plates::old(&mut rng)
                } else if bharat {
                    plates::bharat(&mut rng, year)
                } else {
                    plates::rajasthan(&mut rng, d.rtos[rto])
                };
                if keys.insert(plate.class_key()) {
                    break plate;
                }
            };
            let model = models[(year - 1980) as usize].sample(&mut rng);
            vehicles.push(Vehicle {
                plate,
                rto: rto as u8,
                district: district as u8,
                model: model as u8,
                colour: rng.index(COLOURS.len()) as u8,
                registered_on,
                owner: self.public_base + rng.below(self.public_size),
            });
        }
        vehicles.sort_by(|a, b| {
            (a.registered_on, a.plate.as_str()).cmp(&(b.registered_on, b.plate.as_str()))
        });
        self.vehicles = vehicles;
        let outsiders = (n / 25).max(MIN_ROWS);
        self.outsiders = (0..outsiders)
            .map(|_| {
                loop {
                    let plate = plates::other_state(&mut rng);
                    if keys.insert(plate.class_key()) {
                        break plate;
                    }
                }
            })
            .collect();
    }

    /// Picks the vehicle of every vehicle-theft FIR, mostly two-wheelers registered in the
    /// district, before the theft; a quarter are recovered.
    fn plan_stolen(&mut self) {
        let mut rng = self.rng("plan-stolen");
        let by_district = self.vehicles_by_district(|_| true);
        self.is_stolen = vec![false; self.vehicles.len()];
        let mut stolen = Vec::new();
        for (i, fir) in self.firs.iter().enumerate() {
            if fir.crime().kind != CrimeKind::VehicleTheft {
                continue;
            }
            let theft_day = fir.occurred_day();
            let mut chosen = None;
            for attempt in 0..60 {
                let local = &by_district[fir.district as usize];
                let v = if rng.chance(0.6) && !local.is_empty() {
                    rng.pick(local)
                } else {
                    rng.index(self.vehicles.len()) as u32
                };
                let vehicle = &self.vehicles[v as usize];
                if self.is_stolen[v as usize] {
                    continue;
                }
                let appeal = match MODELS[vehicle.model as usize].class {
                    TWO_WHEELER => 1.0,
                    CAR => 0.5,
                    _ => 0.25,
                };
                let in_time = vehicle.registered_on < theft_day;
                if attempt >= 40 || (in_time && rng.chance(appeal)) {
                    chosen = Some(v);
                    break;
                }
            }
            let Some(vehicle) = chosen else { continue };
            self.is_stolen[vehicle as usize] = true;
            let recovered_on = rng
                .chance(mess::STOLEN_RECOVERED)
                .then(|| theft_day + 1 + (rng.exponential() * 45.0) as i32);
            stolen.push(Stolen {
                fir: i as u32,
                vehicle,
                recovered_on: recovered_on.filter(|&d| d <= calendar::LAST_DAY),
            });
        }
        self.stolen = stolen;
    }

    /// Registered vehicles per district, filtered.
    pub fn vehicles_by_district(&self, keep: impl Fn(usize) -> bool) -> Vec<Vec<u32>> {
        let mut by_district = vec![Vec::new(); GEO.districts.len()];
        for (i, v) in self.vehicles.iter().enumerate() {
            if keep(i) {
                by_district[v.district as usize].push(i as u32);
            }
        }
        by_district
    }

    fn plan_cameras(&mut self) {
        let mut rng = self.rng("plan-cameras");
        const PLACES: [&str; 8] = [
            "bus stand",
            "railway station road",
            "main chauraha",
            "toll plaza",
            "bypass",
            "collectorate circle",
            "police chowki",
            "mandi gate",
        ];
        const HIGHWAYS: [&str; 9] = ["48", "52", "62", "11", "21", "27", "58", "148D", "248A"];
        self.cameras = (0..self.sizes.cameras)
            .map(|_| {
                let district = GEO.sample(&mut rng);
                let d = GEO.district(district);
                let town = d.town(&mut rng);
                let highway = rng.chance(0.25);
                let location = if highway {
                    format!("NH-{} near {town}", rng.pick(&HIGHWAYS))
                } else {
                    format!("{town} {}", rng.pick(&PLACES))
                };
                let spread = if town == d.hq_town && !highway {
                    0.03
                } else {
                    0.18
                };
                let (lat, lon) = d.point(&mut rng, spread);
                let traffic = rng.uniform(0.4, 2.5) * if highway { 1.6 } else { 1.0 };
                Camera {
                    district: district as u8,
                    lat,
                    lon,
                    location,
                    traffic,
                    clock_offset: 0,
                }
            })
            .collect();
        // Clocks, from a stream of their own: a few run fast or slow by minutes to hours.
        let mut rng = self.rng("plan-camera-clocks");
        for camera in &mut self.cameras {
            if rng.chance(mess::CAMERA_CLOCK_SKEWED) {
                let seconds = rng.range(15 * 60, 3 * 3600);
                let sign = if rng.chance(0.6) { 1 } else { -1 };
                camera.clock_offset = sign * seconds * MICROS;
            }
        }
    }

    /// Accused person `id`, with a namesake's name where the person is one.
    pub fn accused_person(&self, id: u32) -> Person {
        let accused = &self.accused_people[id as usize];
        let person = self.people.accused(id as u64, accused.district as usize);
        match accused.namesake_of {
            Some(other) => {
                let district = self.accused_people[other as usize].district as usize;
                person.named_as(&self.people.accused(other as u64, district))
            }
            None => person,
        }
    }

    /// Cameras per district.
    pub fn cameras_by_district(&self) -> Vec<Vec<u32>> {
        let mut by_district = vec![Vec::new(); GEO.districts.len()];
        for (i, c) in self.cameras.iter().enumerate() {
            by_district[c.district as usize].push(i as u32);
        }
        by_district
    }

    /// The days of ANPR reads (the last `anpr_days` of the lake's history) and the reads
    /// planted on them: sightings of unrecovered stolen vehicles after their theft, and reads
    /// of stolen vehicles that are not sightings (before the theft, after the recovery).
    fn plan_anpr(&mut self) {
        let mut rng = self.rng("plan-anpr");
        let days = self.sizes.anpr_days as i32;
        let first_day = calendar::LAST_DAY - days + 1;
        let mut planted: Vec<Vec<Planted>> = vec![Vec::new(); days as usize];
        let cameras = self.cameras_by_district();
        let traffic = DayClock::new(&calendar::hours::TRAFFIC);
        let mut plant = |rng: &mut Rng, day: i32, vehicle: u32, district: usize, read| {
            let local = &cameras[district];
            let camera = if !local.is_empty() && rng.chance(0.8) {
                rng.pick(local)
            } else {
                rng.index(self.cameras.len()) as u32
            };
            planted[(day - first_day) as usize].push(Planted {
                vehicle,
                camera,
                time: traffic.time_of_day(rng),
                read,
            });
        };
        for (s, stolen) in self.stolen.iter().enumerate() {
            let fir = &self.firs[stolen.fir as usize];
            let theft_day = fir.occurred_day();
            // The thief's beat: mostly the district of the theft.
            let beat = if rng.chance(0.7) {
                fir.district as usize
            } else {
                GEO.sample(&mut rng)
            };
            match stolen.recovered_on {
                None => {
                    let from = (theft_day + 1).max(first_day);
                    if from <= calendar::LAST_DAY && rng.chance(mess::STOLEN_SIGHTED) {
                        let sightings = 1 + rng.poisson(1.2).min(5);
                        for _ in 0..sightings {
                            let day = rng.range(from as i64, calendar::LAST_DAY as i64) as i32;
                            plant(
                                &mut rng,
                                day,
                                stolen.vehicle,
                                beat,
                                PlantedRead::Sighting(s as u32),
                            );
                        }
                    }
                }
                Some(recovered) => {
                    let from = (recovered + 1).max(first_day);
                    if from <= calendar::LAST_DAY && rng.chance(mess::RECOVERED_READ) {
                        let owner_district =
                            self.vehicles[stolen.vehicle as usize].district as usize;
                        for _ in 0..1 + rng.below(2) {
                            let day = rng.range(from as i64, calendar::LAST_DAY as i64) as i32;
                            plant(
                                &mut rng,
                                day,
                                stolen.vehicle,
                                owner_district,
                                PlantedRead::NotSighting,
                            );
                        }
                    }
                }
            }
            // Driven by its owner before the theft.
            if theft_day > first_day && rng.chance(0.3) {
                let day = rng.range(first_day as i64, theft_day as i64 - 1) as i32;
                let owner_district = self.vehicles[stolen.vehicle as usize].district as usize;
                plant(
                    &mut rng,
                    day,
                    stolen.vehicle,
                    owner_district,
                    PlantedRead::NotSighting,
                );
            }
        }
        // Decoys, from a stream of their own: look-alike vehicles read after a theft.
        let mut rng = self.rng("plan-anpr-decoys");
        for (s, stolen) in self.stolen.iter().enumerate() {
            let fir = &self.firs[stolen.fir as usize];
            let theft_day = fir.occurred_day();
            let from = (theft_day + 1).max(first_day);
            if stolen.recovered_on.is_none()
                && from <= calendar::LAST_DAY
                && rng.chance(mess::STOLEN_LOOK_ALIKE_READ)
            {
                let day = rng.range(from as i64, calendar::LAST_DAY as i64) as i32;
                let district = fir.district as usize;
                plant(
                    &mut rng,
                    day,
                    stolen.vehicle,
                    district,
                    PlantedRead::LookAlike(s as u32),
                );
            }
        }
        let fast: Vec<u32> = (0..self.cameras.len() as u32)
            .filter(|&c| self.cameras[c as usize].clock_offset > 0)
            .collect();
        for (s, stolen) in self.stolen.iter().enumerate() {
            let fir = &self.firs[stolen.fir as usize];
            let theft_day = fir.occurred_day();
            let theft_time = fir.occurred_at.rem_euclid(DAY_MICROS);
            if theft_day < first_day
                || fast.is_empty()
                || !rng.chance(mess::STOLEN_CLOCK_SKEWED_READ)
            {
                continue;
            }
            // Read up to the camera's error before the theft, so that it is recorded after.
            let camera = rng.pick(&fast);
            let offset = self.cameras[camera as usize].clock_offset;
            let time = theft_time - rng.range(MICROS, offset - MICROS);
            if time >= 0 {
                planted[(theft_day - first_day) as usize].push(Planted {
                    vehicle: stolen.vehicle,
                    camera,
                    time,
                    read: PlantedRead::ClockSkewed(s as u32),
                });
            }
        }
        let planted_total: usize = planted.iter().map(Vec::len).sum();
        let background_total = self.sizes.anpr_reads.saturating_sub(planted_total);
        let weights: Vec<f64> = (first_day..=calendar::LAST_DAY)
            .map(|d| if calendar::weekday(d) == 6 { 0.85 } else { 1.0 })
            .collect();
        let background = apportion(background_total, &weights);
        let mut next_id = 1i64;
        self.anpr_days = planted
            .into_iter()
            .zip(background)
            .enumerate()
            .map(|(i, (planted, background))| {
                let day = AnprDay {
                    day: first_day + i as i32,
                    first_read_id: next_id,
                    background,
                    planted,
                };
                next_id += day.rows() as i64;
                day
            })
            .collect();
    }

    fn plan_calls(&mut self) {
        let years: Vec<i32> = (calendar::FIRST_YEAR..=calendar::LAST_YEAR).collect();
        let weights: Vec<f64> = years.iter().map(|&y| calendar::year_weight(y)).collect();
        let counts = apportion(self.sizes.dial112_calls, &weights);
        let mut next_id = 1i64;
        self.call_years = years
            .into_iter()
            .zip(counts)
            .map(|(year, count)| {
                let entry = (year, next_id, count);
                next_id += count as i64;
                entry
            })
            .collect();
    }

    /// Decides each accused person's SIM and social-media posts.
    fn plan_accused_links(&mut self) {
        let mut rng = self.rng("plan-accused-links");
        let (public_base, public_size) = (self.public_base, self.public_size);
        for person in &mut self.accused_people {
            if rng.chance(mess::ACCUSED_PHONE_IN_SUBSCRIBERS) {
                let stranger = |rng: &mut Rng| {
                    (!rng.chance(0.3)).then(|| public_base + rng.below(public_size))
                };
                let u = rng.unit();
                person.sim = if u < mess::SIM_OTHER_PERSON {
                    if rng.chance(0.15) {
                        Sim::OtherPersonInvalidAadhaar {
                            stranger: stranger(&mut rng),
                        }
                    } else {
                        Sim::OtherPerson {
                            stranger: stranger(&mut rng),
                        }
                    }
                } else if u < mess::SIM_OTHER_PERSON + mess::SIM_INVALID_AADHAAR {
                    Sim::InvalidAadhaar
                } else if rng.chance(mess::SIM_NAME_VARIANT) {
                    Sim::OwnVariant
                } else {
                    Sim::Own
                };
            }
            if rng.chance(mess::ACCUSED_POSTER) {
                person.posts = 1 + rng.below(5) as u8;
            }
        }
    }

    /// Subscriber rows: the accused persons' SIMs among SIMs of the general public, shuffled.
    fn plan_subscribers(&mut self) {
        let mut rng = self.rng("plan-subscribers");
        let mut rows: Vec<u64> = self
            .accused_people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.sim != Sim::None)
            .map(|(i, _)| i as u64)
            .collect();
        let public = self.sizes.subscribers.saturating_sub(rows.len());
        rows.extend((0..public as u64).map(|k| self.public_base + k));
        shuffle(&mut rng, &mut rows);
        self.subscribers = rows;
    }

    fn plan_posts(&mut self) {
        let mut rng = self.rng("plan-posts");
        let days = DayPicker::new(calendar::FIRST_DAY, calendar::LAST_DAY, |d| {
            let growth = 1.0 + (d - calendar::FIRST_DAY) as f64 / 900.0;
            growth * if calendar::is_festival(d) { 2.5 } else { 1.0 }
        });
        let clock = DayClock::new(&calendar::hours::ONLINE);
        let platforms = Weighted::new([0.15, 0.35, 0.30, 0.20]);
        let mut posts = Vec::new();
        let when = |rng: &mut Rng| days.sample(rng) as i64 * DAY_MICROS + clock.time_of_day(rng);
        let mut toys = self.rng("plan-posts-toys");
        for (i, person) in self.accused_people.iter().enumerate() {
            let favourite = platforms.sample(&mut rng) as u8;
            for _ in 0..person.posts {
                let mut post = Post {
                    posted_at: when(&mut rng),
                    author: Author::Accused(i as u32),
                    platform: if rng.chance(0.7) {
                        favourite
                    } else {
                        platforms.sample(&mut rng) as u8
                    },
                    weapon: rng.chance(mess::ACCUSED_WEAPON_POST),
                    toy: false,
                };
                post.toy = !post.weapon && toys.chance(mess::ACCUSED_TOY_WEAPON_POST);
                posts.push(post);
            }
        }
        let public = self.sizes.posts.saturating_sub(posts.len());
        for _ in 0..public {
            posts.push(Post {
                posted_at: when(&mut rng),
                author: Author::Public {
                    person: self.public_base + rng.below(self.public_size),
                    linked: rng.chance(mess::PUBLIC_POST_LINKED),
                },
                platform: platforms.sample(&mut rng) as u8,
                weapon: rng.chance(mess::PUBLIC_WEAPON_POST),
                toy: false,
            });
        }
        // Stable: equal times keep their planned order.
        posts.sort_by_key(|p| p.posted_at);
        self.posts = posts;
    }

    /// The accused rows (ids) of each accused person.
    pub fn accused_rows_by_person(&self) -> Vec<Vec<u32>> {
        let mut rows = vec![Vec::new(); self.accused_people.len()];
        for (i, a) in self.accused.iter().enumerate() {
            rows[a.person as usize].push(i as u32);
        }
        rows
    }

    /// The station's global number, for officers' names.
    pub fn station_key(fir: &Fir) -> u64 {
        fir.district as u64 * 64 + fir.station as u64
    }
}

/// Fisher-Yates.
pub fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.index(i + 1);
        items.swap(i, j);
    }
}

/// Splits `total` into parts proportional to `weights` (largest remainder), exactly.
pub fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = total - parts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.partial_cmp(&ra)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(0, &[1.0, 2.0]), vec![0, 0]);
        assert_eq!(apportion(7, &[0.85, 1.0]).iter().sum::<usize>(), 7);
    }

    #[test]
    fn small_plan_is_consistent() {
        let world = World::plan(1, 0.002);
        assert!(world.stolen.len() >= MIN_STOLEN);
        assert_eq!(world.anpr_days.len(), MIN_ANPR_DAYS);
        let reads: usize = world.anpr_days.iter().map(AnprDay::rows).sum();
        assert_eq!(reads, world.sizes.anpr_reads);
        let keys: HashSet<u128> = world
            .vehicles
            .iter()
            .map(|v| v.plate.class_key())
            .chain(world.outsiders.iter().map(Plate::class_key))
            .collect();
        assert_eq!(keys.len(), world.vehicles.len() + world.outsiders.len());
        // Every FIR's accused are distinct persons.
        for rows in world.accused.chunk_by(|a, b| a.fir == b.fir) {
            let mut persons: Vec<u32> = rows.iter().map(|a| a.person).collect();
            persons.sort_unstable();
            persons.dedup();
            assert_eq!(persons.len(), rows.len());
        }
    }
}
