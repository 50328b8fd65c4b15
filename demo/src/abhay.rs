//! `abhay.cameras`, `abhay.anpr_reads` (one file per day) and `abhay.dial112_calls` (one
//! file per year).

use std::path::Path;

use super::calendar::{self, DAY_MICROS, DayClock, DayPicker, MICROS};
use super::geo::{self, GEO};
use super::mess;
use super::people;
use super::plates::{self, Plate, ReadNoise};
use super::rng::{self, Distributions, Rng, Weighted};
use super::tables;
use super::world::{PlantedRead, World};
use super::write::TableFile;
use jaanch::Error;

/// `abhay/cameras/part-0.parquet`.
pub fn cameras(world: &World, root: &Path) -> Result<usize, Error> {
    let spec = &tables::CAMERAS;
    let mut file = TableFile::create_in(root, spec, "part-0.parquet")?;
    for (i, camera) in world.cameras.iter().enumerate() {
        file.i64(i as i64 + 1);
        file.text(GEO.district(camera.district as usize).name);
        file.text(&camera.location);
        file.f64(camera.lat);
        file.f64(camera.lon);
        file.i64(camera.clock_offset / MICROS);
        file.end_row()?;
    }
    file.finish()
}

/// What ANPR reads draw from, shared by the days.
pub struct Traffic {
    /// Registered vehicles that were never stolen, per district and all together.
    local: Vec<Vec<u32>>,
    all: Vec<u32>,
    cameras: Weighted,
    clock: DayClock,
}

impl Traffic {
    pub fn new(world: &World) -> Traffic {
        let local = world.vehicles_by_district(|i| !world.is_stolen[i]);
        let all = (0..world.vehicles.len() as u32)
            .filter(|&i| !world.is_stolen[i as usize])
            .collect();
        Traffic {
            local,
            all,
            cameras: Weighted::new(world.cameras.iter().map(|c| c.traffic)),
            clock: DayClock::new(&calendar::hours::TRAFFIC),
        }
    }
}

/// A planted read as written: a row of `truth.stolen_sightings`, or of `truth.decoys` if it
/// is a decoy of a sighting.
#[derive(Debug, Clone)]
pub struct Sighting {
    pub fir_id: i64,
    pub plate: Plate,
    pub read_id: i64,
    pub camera_id: i64,
    pub seen_at: i64,
    pub plate_text: String,
    /// The read carries the plate: it is not garbled (a character lost or misread outside
    /// its look-alike class).
    pub readable: bool,
    /// The kind of decoy (`plate_one_off`, `camera_clock_skew`), if the read is one.
    pub decoy: Option<&'static str>,
}

/// A read of a stolen vehicle, at any time: a row of `truth.stolen_vehicle_reads`.
#[derive(Debug, Clone)]
pub struct StolenRead {
    /// The vehicle (index into [`World::vehicles`]).
    pub vehicle: u32,
    pub read_id: i64,
    pub readable: bool,
}

/// An ANPR day's reads of stolen vehicles, for the ground truth.
#[derive(Debug, Default)]
pub struct DayTruth {
    /// The reads that are sightings or decoys of them.
    pub sightings: Vec<Sighting>,
    /// Every read of a stolen vehicle.
    pub stolen_reads: Vec<StolenRead>,
}

/// What a read is of.
#[derive(Clone, Copy)]
enum Subject {
    Registered(u32),
    Outsider(u32),
    /// A vehicle whose plate is one character away from the registered vehicle's.
    LookAlike(u32),
}

/// The reads of one day: `abhay/anpr_reads/dt=YYYY-MM-DD/part-0.parquet`; returns the rows
/// and the day's reads of stolen vehicles.
pub fn anpr_day(
    world: &World,
    traffic: &Traffic,
    root: &Path,
    index: usize,
) -> Result<(usize, DayTruth), Error> {
    let day = &world.anpr_days[index];
    let spec = &tables::ANPR_READS;
    let mut rng = Rng::stream(world.seed, rng::key("anpr"), day.day as u64);
    // (time, camera, subject, what the read is planted as)
    let mut reads: Vec<(i64, u32, Subject, PlantedRead)> = Vec::with_capacity(day.rows());
    for _ in 0..day.background {
        let camera = traffic.cameras.sample(&mut rng) as u32;
        let time = traffic.clock.time_of_day(&mut rng);
        let district = world.cameras[camera as usize].district as usize;
        let subject = if rng.chance(mess::READ_OUT_OF_STATE) || traffic.all.is_empty() {
            Subject::Outsider(rng.index(world.outsiders.len()) as u32)
        } else if rng.chance(mess::READ_LOCAL) && !traffic.local[district].is_empty() {
            Subject::Registered(rng.pick(&traffic.local[district]))
        } else {
            Subject::Registered(rng.pick(&traffic.all))
        };
        reads.push((time, camera, subject, PlantedRead::NotSighting));
    }
    for planted in &day.planted {
        let subject = match planted.read {
            PlantedRead::LookAlike(_) => Subject::LookAlike(planted.vehicle),
            _ => Subject::Registered(planted.vehicle),
        };
        reads.push((planted.time, planted.camera, subject, planted.read));
    }
    // Stable: reads at the same second and camera keep their generated order.
    reads.sort_by_key(|r| (r.0, r.1));
    let part = format!("dt={}/part-0.parquet", calendar::iso_date(day.day));
    let mut file = TableFile::create_in(root, spec, part)?;
    let mut truth = DayTruth::default();
    let mut text = String::new();
    for (k, &(time, camera, subject, planted)) in reads.iter().enumerate() {
        let (plate, noise) = match subject {
            Subject::Registered(v) => (world.vehicles[v as usize].plate, None),
            Subject::Outsider(o) => (world.outsiders[o as usize], None),
            // Read with any noise but garbling, which could bring back the stolen plate.
            Subject::LookAlike(v) => (
                world.vehicles[v as usize].plate.one_off(&mut rng),
                Some(match plates::read_noise(&mut rng) {
                    ReadNoise::Garbled => ReadNoise::Clean,
                    noise => noise,
                }),
            ),
        };
        let read_id = day.first_read_id + k as i64;
        // As the camera's clock has it.
        let seen_at =
            day.day as i64 * DAY_MICROS + time + world.cameras[camera as usize].clock_offset;
        text.clear();
        let (noise, confidence) = match noise {
            Some(noise) => plate.write_read_as(noise, &mut rng, &mut text),
            None => plate.write_read(&mut rng, &mut text),
        };
        file.i64(read_id);
        file.i64(camera as i64 + 1);
        file.timestamp(seen_at);
        file.text(&text);
        file.f64(confidence);
        file.end_row()?;
        if let Subject::Registered(v) = subject
            && world.is_stolen[v as usize]
        {
            truth.stolen_reads.push(StolenRead {
                vehicle: v,
                read_id,
                readable: noise != ReadNoise::Garbled,
            });
        }
        if let Some(s) = planted.stolen() {
            let stolen = &world.stolen[s as usize];
            truth.sightings.push(Sighting {
                fir_id: stolen.fir as i64 + 1,
                plate: world.vehicles[stolen.vehicle as usize].plate,
                read_id,
                camera_id: camera as i64 + 1,
                seen_at,
                plate_text: text.clone(),
                readable: noise != ReadNoise::Garbled,
                decoy: planted.decoy(),
            });
        }
    }
    Ok((file.finish()?, truth))
}

const CALL_CATEGORIES: [(&str, f64, f64); 12] = [
    // category, share, response-time factor
    ("Quarrel", 0.22, 1.0),
    ("Road accident", 0.12, 0.8),
    ("Domestic violence", 0.10, 1.0),
    ("Woman harassment", 0.07, 0.9),
    ("Theft", 0.08, 1.2),
    ("Medical emergency", 0.07, 0.8),
    ("Suspicious person", 0.06, 1.2),
    ("Nuisance", 0.09, 1.4),
    ("Fire", 0.02, 0.7),
    ("Missing person", 0.03, 1.1),
    ("Cyber fraud", 0.04, 1.5),
    ("Other", 0.10, 1.3),
];

/// The calls of one year: `abhay/dial112_calls/part-YYYY.parquet`, with their districts'
/// ground truth (`truth/dial112_calls/part-YYYY.parquet`). Returns the rows of the two.
pub fn dial112_year(world: &World, root: &Path, index: usize) -> Result<[usize; 2], Error> {
    let (year, first_id, count) = world.call_years[index];
    let spec = &tables::DIAL112_CALLS;
    let part = format!("part-{year}.parquet");
    let mut rng = Rng::stream(world.seed, rng::key("dial112"), year as u64);
    let first = calendar::days_from_civil(year, 1, 1);
    let last = calendar::days_from_civil(year, 12, 31);
    let days = DayPicker::new(first, last, |d| {
        let weekend = if calendar::weekday(d) >= 5 { 1.2 } else { 1.0 };
        weekend * if calendar::is_festival(d) { 1.8 } else { 1.0 }
    });
    let clock = DayClock::new(&calendar::hours::CALLS);
    let mut times: Vec<i64> = (0..count)
        .map(|_| days.sample(&mut rng) as i64 * DAY_MICROS + clock.time_of_day(&mut rng))
        .collect();
    times.sort_unstable();
    let categories = Weighted::new(CALL_CATEGORIES.iter().map(|c| c.1));
    let mut file = TableFile::create_in(root, spec, &part)?;
    let mut districts = TableFile::create_in(root, &tables::TRUTH_DIAL112_CALLS, &part)?;
    let mut text = String::new();
    for (k, &received_at) in times.iter().enumerate() {
        let caller = world.people.general(world.random_public(&mut rng));
        let district = if rng.chance(0.8) {
            caller.district
        } else {
            GEO.sample(&mut rng)
        };
        let d = GEO.district(district);
        let (category, _, factor) = CALL_CATEGORIES[categories.sample(&mut rng)];
        file.i64(first_id + k as i64);
        districts.i64(first_id + k as i64);
        districts.text(d.name);
        districts.end_row()?;
        file.timestamp(received_at);
        text.clear();
        people::write_messy_phone(&mut rng, caller.msisdn, &mut text);
        file.text(&text);
        text.clear();
        geo::write_district_free_text(&mut rng, d, &mut text);
        file.text(&text);
        file.text(category);
        let urban = rng.chance(0.55);
        let (lat, lon) = d.point(&mut rng, if urban { 0.04 } else { 0.2 });
        file.f64(lat);
        file.f64(lon);
        if rng.chance(0.04) {
            file.null();
        } else {
            let base = if urban { 420.0 } else { 780.0 };
            let seconds = 120.0 + rng.exponential() * base * factor;
            file.i32(seconds as i32);
        }
        file.end_row()?;
    }
    Ok([file.finish()?, districts.finish()?])
}
