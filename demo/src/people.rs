//! Synthetic people: names from lists of common Rajasthani first names and surnames (no real
//! person), addresses, phone numbers, Aadhaar and IMEI numbers, social-media handles.
//!
//! A person is a number. Everything about person `id` derives from the seed and the id, so
//! every table that mentions the person agrees on name, father, address, phone and Aadhaar
//! without any table holding a list of people. Phone numbers and Aadhaar numbers are
//! bijections of the id: two people never share either.

use std::fmt::Write;
use std::sync::LazyLock;

use jaanch_udfs::person::{luhn_check_digit, verhoeff_check_digit};

use super::geo::GEO;
use super::mess;
use super::rng::{self, Rng, Weighted};

const HINDU_MALE: [&str; 64] = [
    "Ramesh",
    "Suresh",
    "Mahesh",
    "Mukesh",
    "Rajesh",
    "Dinesh",
    "Naresh",
    "Rakesh",
    "Sunil",
    "Anil",
    "Vijay",
    "Ajay",
    "Sanjay",
    "Manoj",
    "Mahendra",
    "Surendra",
    "Narendra",
    "Jitendra",
    "Rajendra",
    "Devendra",
    "Bhanwar",
    "Shankar",
    "Om Prakash",
    "Ram Prasad",
    "Shyam",
    "Gopal",
    "Kishan",
    "Mohan",
    "Sohan",
    "Hanuman",
    "Bhagirath",
    "Prakash",
    "Deepak",
    "Vikram",
    "Pradeep",
    "Rohit",
    "Amit",
    "Sandeep",
    "Kuldeep",
    "Lokesh",
    "Pawan",
    "Rahul",
    "Vishnu",
    "Govind",
    "Jagdish",
    "Madan",
    "Banwari",
    "Kailash",
    "Harish",
    "Dharmendra",
    "Yogesh",
    "Lalit",
    "Nitin",
    "Tarun",
    "Ankit",
    "Arjun",
    "Manish",
    "Ravi",
    "Kamal",
    "Hemant",
    "Bhupendra",
    "Gajendra",
    "Sawai",
    "Bhairu",
];
const HINDU_FEMALE: [&str; 40] = [
    "Sunita", "Anita", "Kavita", "Savita", "Pooja", "Priyanka", "Rekha", "Manju", "Santosh",
    "Kamla", "Sharda", "Geeta", "Sita", "Laxmi", "Radha", "Suman", "Neha", "Komal", "Nisha",
    "Seema", "Mamta", "Saroj", "Shanti", "Bhanwari", "Kanta", "Lalita", "Pinky", "Priya", "Anjali",
    "Jyoti", "Kiran", "Sushila", "Pushpa", "Usha", "Meera", "Vimla", "Durga", "Rinku", "Sapna",
    "Mohini",
];
const HINDU_SURNAMES: [&str; 56] = [
    "Sharma",
    "Meena",
    "Choudhary",
    "Rathore",
    "Shekhawat",
    "Gurjar",
    "Bairwa",
    "Jangid",
    "Kumawat",
    "Saini",
    "Mali",
    "Agarwal",
    "Jain",
    "Bishnoi",
    "Rajpurohit",
    "Parihar",
    "Solanki",
    "Yadav",
    "Verma",
    "Gupta",
    "Soni",
    "Prajapat",
    "Regar",
    "Meghwal",
    "Bhil",
    "Garasia",
    "Raigar",
    "Swami",
    "Sain",
    "Chouhan",
    "Bhati",
    "Tanwar",
    "Panwar",
    "Deora",
    "Rawat",
    "Dhaka",
    "Godara",
    "Poonia",
    "Beniwal",
    "Sihag",
    "Jakhar",
    "Kaswan",
    "Mahala",
    "Naruka",
    "Hada",
    "Sisodia",
    "Mathur",
    "Kothari",
    "Mehta",
    "Bhandari",
    "Khandelwal",
    "Joshi",
    "Vyas",
    "Purohit",
    "Dadhich",
    "Vaishnav",
];
/// Surnames after which men usually carry `Singh` as a middle name.
const RAJPUT_SURNAMES: [&str; 12] = [
    "Rathore",
    "Shekhawat",
    "Parihar",
    "Solanki",
    "Chouhan",
    "Bhati",
    "Tanwar",
    "Panwar",
    "Deora",
    "Naruka",
    "Hada",
    "Sisodia",
];
const HINDU_ELDERS: [&str; 30] = [
    "Mohan Lal",
    "Bhanwar Lal",
    "Mangi Lal",
    "Chhagan Lal",
    "Ram Niwas",
    "Shiv Ram",
    "Sukh Ram",
    "Gopal Lal",
    "Hanuman Sahay",
    "Ram Swaroop",
    "Kanhaiya Lal",
    "Ramdev",
    "Babu Lal",
    "Ganesh Ram",
    "Prabhu Dayal",
    "Jagdish Prasad",
    "Mool Chand",
    "Nathu Ram",
    "Bhagwan Sahay",
    "Ram Kishan",
    "Girdhari Lal",
    "Kalu Ram",
    "Shankar Lal",
    "Poonam Chand",
    "Heera Lal",
    "Madan Lal",
    "Ratan Lal",
    "Devi Lal",
    "Sohan Lal",
    "Ram Chandra",
];
const MUSLIM_MALE: [&str; 16] = [
    "Mohammed", "Salim", "Rafiq", "Aslam", "Irfan", "Shahrukh", "Imran", "Javed", "Sabir", "Akbar",
    "Anwar", "Iqbal", "Sharif", "Yusuf", "Naseem", "Arif",
];
const MUSLIM_FEMALE: [&str; 8] = [
    "Shabana", "Rukhsar", "Nasreen", "Farzana", "Salma", "Shahnaz", "Reshma", "Nazma",
];
const MUSLIM_SURNAMES: [&str; 9] = [
    "Khan", "Qureshi", "Ansari", "Pathan", "Sheikh", "Siddiqui", "Mansuri", "Rangrez", "Meo",
];
const MUSLIM_ELDERS: [&str; 8] = [
    "Abdul Rashid",
    "Mohammed Ismail",
    "Noor Mohammed",
    "Abdul Gaffar",
    "Shakoor",
    "Abdul Aziz",
    "Rahim Bux",
    "Gafoor",
];
const SIKH_MALE: [&str; 8] = [
    "Gurpreet",
    "Harpreet",
    "Jaswant",
    "Baljeet",
    "Manjeet",
    "Sukhwinder",
    "Paramjeet",
    "Gurmeet",
];
const SIKH_FEMALE: [&str; 6] = [
    "Jaspreet", "Manpreet", "Harjeet", "Amandeep", "Navneet", "Simran",
];
const SIKH_SURNAMES: [&str; 6] = ["Brar", "Sandhu", "Gill", "Sidhu", "Dhillon", "Mann"];
const SIKH_ELDERS: [&str; 6] = [
    "Gurdev Singh",
    "Harbhajan Singh",
    "Balwant Singh",
    "Karnail Singh",
    "Jagir Singh",
    "Mohinder Singh",
];

/// Other spellings of the same name, as found across police records.
const SPELLINGS: [(&str, &[&str]); 40] = [
    ("Choudhary", &["Chaudhary", "Chaudhari", "Choudhry"]),
    ("Rathore", &["Rathor", "Rathod"]),
    ("Meena", &["Mina", "Meenaa"]),
    ("Shekhawat", &["Shekawat"]),
    ("Gurjar", &["Gujar", "Gujjar"]),
    ("Kumawat", &["Kumhawat"]),
    ("Jangid", &["Jangir"]),
    ("Bairwa", &["Berwa", "Bairva"]),
    ("Prajapat", &["Prajapati"]),
    ("Qureshi", &["Kureshi", "Quraishi"]),
    ("Bishnoi", &["Vishnoi"]),
    ("Verma", &["Varma"]),
    ("Poonia", &["Punia"]),
    ("Sihag", &["Siyag"]),
    ("Bhati", &["Bhatti"]),
    ("Chouhan", &["Chauhan"]),
    ("Tanwar", &["Tanvar", "Tomar"]),
    ("Meghwal", &["Meghval"]),
    ("Vaishnav", &["Vaishnaw"]),
    ("Mohammed", &["Mohd.", "Mohammad", "Md."]),
    ("Sunil", &["Suneel"]),
    ("Pooja", &["Puja"]),
    ("Laxmi", &["Lakshmi"]),
    ("Vijay", &["Vijai"]),
    ("Mahendra", &["Mahender"]),
    ("Surendra", &["Surender"]),
    ("Narendra", &["Narender"]),
    ("Rajendra", &["Rajender"]),
    ("Jitendra", &["Jitender"]),
    ("Devendra", &["Devender"]),
    ("Dharmendra", &["Dharmender"]),
    ("Om Prakash", &["Omprakash", "O.P."]),
    ("Ram Prasad", &["Ramprasad"]),
    ("Pradeep", &["Pardeep"]),
    ("Kuldeep", &["Kuldip"]),
    ("Sanjay", &["Sanjai"]),
    ("Kailash", &["Kelash"]),
    ("Jagdish", &["Jagdeesh"]),
    ("Geeta", &["Gita"]),
    ("Seema", &["Sima"]),
];
/// Nicknames recorded as aliases (`Ramesh Meena @ Kalu`).
const ALIASES: [&str; 12] = [
    "Kalu", "Pappu", "Bablu", "Guddu", "Raju", "Munna", "Chhotu", "Lalla", "Sonu", "Monu", "Tinku",
    "Bunty",
];

const COLONIES: [&str; 18] = [
    "Shastri Nagar",
    "Gandhi Nagar",
    "Subhash Colony",
    "Indira Colony",
    "Nehru Nagar",
    "Ram Nagar",
    "Shiv Colony",
    "Krishna Nagar",
    "Adarsh Nagar",
    "Housing Board",
    "Civil Lines",
    "Station Road",
    "Bapu Nagar",
    "Ambedkar Colony",
    "Mahaveer Nagar",
    "Tilak Nagar",
    "Pratap Nagar",
    "Sanjay Colony",
];
const VILLAGE_STEMS: [&str; 16] = [
    "Ram", "Shyam", "Kishan", "Gopal", "Hanuman", "Bhim", "Mohan", "Nand", "Har", "Deo", "Jai",
    "Laxman", "Bhagwan", "Kalyan", "Sultan", "Moti",
];
const VILLAGE_ENDINGS: [&str; 12] = [
    "pura",
    "garh",
    "sar",
    "was",
    "gaon",
    "khera",
    "nagar",
    "wali",
    "pur",
    " ka Bas",
    " ki Dhani",
    "bari",
];

/// The community a synthetic person's names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Community {
    Hindu,
    Muslim,
    Sikh,
}

/// One synthetic person.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: u64,
    pub male: bool,
    community: Community,
    pub first: &'static str,
    pub middle: Option<&'static str>,
    pub surname: Option<&'static str>,
    pub father: &'static str,
    pub father_surname: Option<&'static str>,
    pub birth_year: i32,
    /// Home district (index into [`GEO`]).
    pub district: usize,
    pub msisdn: u64,
    /// A valid Aadhaar number (12 digits, Verhoeff check digit).
    pub aadhaar: u64,
}

/// Person ids of police officers (investigating officers) start here: officer `k` of station
/// `s` is `OFFICER_BASE + s * 8 + k`.
pub const OFFICER_BASE: u64 = 2_000_000_000;
/// The father of person `id` is person `RELATIVE_BASE + id`. Every id stays below the
/// 4 billion of the phone-number bijection.
pub const RELATIVE_BASE: u64 = 3_000_000_000;

/// Phone and Aadhaar numbers are bijections of the person id, offset by the seed.
#[derive(Debug, Clone, Copy)]
pub struct People {
    seed: u64,
    msisdn_offset: u64,
    aadhaar_offset: u64,
}

const MSISDN_SPACE: u64 = 4_000_000_000; // 6000000000..=9999999999
const MSISDN_MULTIPLIER: u64 = 2_654_435_761; // odd, not a multiple of 5: coprime with the space
const AADHAAR_SPACE: u64 = 80_000_000_000; // 11-digit bodies 20000000000..=99999999999
const AADHAAR_MULTIPLIER: u64 = 48_271_098_637; // odd, not a multiple of 5

impl People {
    pub fn new(seed: u64) -> People {
        People {
            seed,
            msisdn_offset: rng::mix(seed ^ rng::key("msisdn")) % MSISDN_SPACE,
            aadhaar_offset: rng::mix(seed ^ rng::key("aadhaar")) % AADHAAR_SPACE,
        }
    }

    pub fn msisdn(&self, id: u64) -> u64 {
        let n = ((id as u128 * MSISDN_MULTIPLIER as u128 + self.msisdn_offset as u128)
            % MSISDN_SPACE as u128) as u64;
        6_000_000_000 + n
    }

    pub fn aadhaar(&self, id: u64) -> u64 {
        let body = ((id as u128 * AADHAAR_MULTIPLIER as u128 + self.aadhaar_offset as u128)
            % AADHAAR_SPACE as u128) as u64
            + 20_000_000_000;
        body * 10 + verhoeff_check_digit(body) as u64
    }

    /// Person `id` of the general public: home district by population, either sex.
    pub fn general(&self, id: u64) -> Person {
        let mut rng = Rng::stream(self.seed, rng::key("person"), id);
        let district = GEO.sample(&mut rng);
        self.derive(id, &mut rng, district, 0.5, (1950, 2006))
    }

    /// An accused person: mostly men aged 18-50 at the time, from `district`.
    pub fn accused(&self, id: u64, district: usize) -> Person {
        let mut rng = Rng::stream(self.seed, rng::key("accused-person"), id);
        self.derive(id, &mut rng, district, 0.92, (1958, 2001))
    }

    fn derive(
        &self,
        id: u64,
        rng: &mut Rng,
        district: usize,
        male_share: f64,
        born: (i32, i32),
    ) -> Person {
        let male = rng.chance(male_share);
        // Sikh names are common in the canal districts of the north.
        let sikh_share = match GEO.district(district).name {
            "Sri Ganganagar" | "Hanumangarh" => 0.25,
            _ => 0.01,
        };
        let u = rng.unit();
        let community = if u < sikh_share {
            Community::Sikh
        } else if u < sikh_share + 0.09 {
            Community::Muslim
        } else {
            Community::Hindu
        };
        let (first, middle, surname, father) = match community {
            Community::Hindu => {
                let surname = rng.pick(&HINDU_SURNAMES);
                let first = if male {
                    rng.pick(&HINDU_MALE)
                } else {
                    rng.pick(&HINDU_FEMALE)
                };
                let rajput = RAJPUT_SURNAMES.contains(&surname);
                let middle = match (male, rajput) {
                    (true, true) if rng.chance(0.8) => Some("Singh"),
                    (true, false) if rng.chance(0.25) => Some("Kumar"),
                    (false, true) if rng.chance(0.6) => Some("Kanwar"),
                    (false, false) if rng.chance(0.3) => Some("Devi"),
                    _ => None,
                };
                (first, middle, Some(surname), rng.pick(&HINDU_ELDERS))
            }
            Community::Muslim => {
                let first = if male {
                    rng.pick(&MUSLIM_MALE)
                } else {
                    rng.pick(&MUSLIM_FEMALE)
                };
                (
                    first,
                    None,
                    Some(rng.pick(&MUSLIM_SURNAMES)),
                    rng.pick(&MUSLIM_ELDERS),
                )
            }
            Community::Sikh => {
                let first = if male {
                    rng.pick(&SIKH_MALE)
                } else {
                    rng.pick(&SIKH_FEMALE)
                };
                let middle = if male { "Singh" } else { "Kaur" };
                let surname = rng.chance(0.5).then(|| rng.pick(&SIKH_SURNAMES));
                (first, Some(middle), surname, rng.pick(&SIKH_ELDERS))
            }
        };
        // Fathers in the north-west often carry no surname in records.
        let father_surname = if community == Community::Sikh || rng.chance(0.35) {
            None
        } else {
            surname
        };
        let birth_year = {
            let span = (born.1 - born.0) as f64;
            // Younger people are more numerous: a triangular-ish distribution.
            let t = rng.unit().max(rng.unit());
            born.0 + (t * span) as i32
        };
        Person {
            id,
            male,
            community,
            first,
            middle,
            surname,
            father,
            father_surname,
            birth_year,
            district,
            msisdn: self.msisdn(id),
            aadhaar: self.aadhaar(id),
        }
    }

    /// The father of `person`, as a person of his own (a SIM may be registered in his name).
    pub fn father_of(&self, person: &Person) -> Person {
        let id = RELATIVE_BASE + person.id;
        let mut rng = Rng::stream(self.seed, rng::key("father"), person.id);
        let father = match person.community {
            Community::Hindu => rng.pick(&HINDU_ELDERS),
            Community::Muslim => rng.pick(&MUSLIM_ELDERS),
            Community::Sikh => rng.pick(&SIKH_ELDERS),
        };
        Person {
            id,
            male: true,
            community: person.community,
            first: person.father,
            middle: None,
            surname: person.father_surname.or(person.surname),
            father,
            father_surname: None,
            birth_year: person.birth_year - 22 - rng.range(0, 12) as i32,
            district: person.district,
            msisdn: self.msisdn(id),
            aadhaar: self.aadhaar(id),
        }
    }

    /// Writes the name and rank of officer `slot` (0-5) of station `station`.
    pub fn write_officer(&self, station: u64, slot: u64, out: &mut String) {
        let officer = self.general(OFFICER_BASE + station * 8 + slot);
        out.push_str(match slot {
            0 => "Inspector ",
            1..=3 => "SI ",
            4 => "ASI ",
            _ => "HC ",
        });
        officer.write_name(out);
    }

    /// The person's address, the same wherever it is written.
    pub fn write_address(&self, person: &Person, out: &mut String) {
        let mut rng = Rng::stream(self.seed, rng::key("address"), person.id);
        let d = GEO.district(person.district);
        let town = d.town(&mut rng);
        let pin = (rng.chance(0.4) && !d.pincodes.is_empty()).then(|| rng.pick(&d.pincodes));
        match rng.below(4) {
            0 | 1 => {
                let _ = write!(
                    out,
                    "Village {}{}, Tehsil {town}, Distt. {}",
                    rng.pick(&VILLAGE_STEMS),
                    rng.pick(&VILLAGE_ENDINGS),
                    d.name
                );
            }
            2 => {
                let _ = write!(
                    out,
                    "H.No. {}, {}, {town}",
                    rng.range(1, 480),
                    rng.pick(&COLONIES)
                );
            }
            _ => {
                let _ = write!(
                    out,
                    "Ward No. {}, {}, {town}, {}",
                    rng.range(1, 45),
                    rng.pick(&COLONIES),
                    d.name
                );
            }
        }
        if let Some(pin) = pin {
            let _ = write!(out, " - {pin}");
        }
    }

    /// A social-media handle of the person on a platform.
    pub fn write_handle(&self, person: &Person, platform: usize, out: &mut String) {
        let mut rng = Rng::stream(
            self.seed,
            rng::key("handle"),
            person.id * 8 + platform as u64,
        );
        let first = person.first.replace(' ', "").to_lowercase();
        let last = person.surname.unwrap_or("official").to_lowercase();
        out.push('@');
        let _ = match rng.below(5) {
            0 => write!(out, "{first}_{last}{}", rng.range(1, 99)),
            1 => write!(out, "{first}{last}{}", person.birth_year % 100),
            2 => write!(out, "{first}.{last}"),
            3 => write!(out, "the_{first}_{}", rng.range(100, 9999)),
            _ => write!(out, "{last}_{first}_official"),
        };
    }
}

impl Person {
    /// This person bearing `other`'s name (a namesake): `other`'s first, middle and family
    /// names, with a father of the same community who is not `other`'s father.
    pub fn named_as(self, other: &Person) -> Person {
        let elders: &[&'static str] = match other.community {
            Community::Hindu => &HINDU_ELDERS,
            Community::Muslim => &MUSLIM_ELDERS,
            Community::Sikh => &SIKH_ELDERS,
        };
        let mut k = self.id as usize % elders.len();
        if elders[k] == other.father {
            k = (k + 1) % elders.len();
        }
        Person {
            male: other.male,
            community: other.community,
            first: other.first,
            middle: other.middle,
            surname: other.surname,
            father: elders[k],
            father_surname: self.father_surname.and(other.surname),
            ..self
        }
    }

    /// The name as first recorded: `Ramesh Kumar Meena`, `Gurpreet Singh Brar`.
    pub fn write_name(&self, out: &mut String) {
        out.push_str(self.first);
        for part in [self.middle, self.surname].into_iter().flatten() {
            out.push(' ');
            out.push_str(part);
        }
    }

    pub fn name(&self) -> String {
        let mut name = String::new();
        self.write_name(&mut name);
        name
    }

    /// The father's name: `Mohan Lal Meena`, or without surname.
    pub fn write_father(&self, out: &mut String) {
        out.push_str(self.father);
        if let Some(surname) = self.father_surname {
            out.push(' ');
            out.push_str(surname);
        }
    }

    /// The name spelt another way, as another clerk would write it: a different spelling of
    /// the first name or surname, the middle name dropped or joined, capitals, an initial, or
    /// a nickname after `@`. Never identical to [`Person::write_name`].
    pub fn write_name_variant(&self, rng: &mut Rng, out: &mut String) {
        let canonical = self.name();
        for _ in 0..6 {
            let mut first = self.first.to_string();
            let mut middle = self.middle.map(str::to_string);
            let mut surname = self.surname.map(str::to_string);
            let mut alias = None;
            let changes = 1 + rng.chance(0.3) as usize;
            for _ in 0..changes {
                match rng.below(7) {
                    0 => first = respell(rng, &first),
                    1 => surname = surname.map(|s| respell(rng, &s)),
                    2 => {
                        middle = match middle {
                            Some(_) => None,
                            None if self.male && self.community == Community::Hindu => {
                                Some("Kumar".to_string())
                            }
                            None => None,
                        }
                    }
                    3 => {
                        if let Some(m) = middle.take() {
                            first = format!("{first}{}", m.to_lowercase());
                        }
                    }
                    4 => {
                        first = first.to_uppercase();
                        middle = middle.map(|m| m.to_uppercase());
                        surname = surname.map(|s| s.to_uppercase());
                    }
                    5 => {
                        if middle.is_some() {
                            let initial = first.chars().next().unwrap_or('X');
                            first = format!("{initial}.");
                        } else {
                            first = respell(rng, &first);
                        }
                    }
                    _ => alias = Some(rng.pick(&ALIASES)),
                }
            }
            let mut name = first;
            for part in [middle, surname].into_iter().flatten() {
                name.push(' ');
                name.push_str(&part);
            }
            if let Some(alias) = alias {
                name.push_str(" @ ");
                name.push_str(alias);
            }
            if name != canonical {
                out.push_str(&name);
                return;
            }
        }
        out.push_str(&canonical.to_uppercase());
    }

    /// Age in a given year.
    pub fn age_in(&self, year: i32) -> i32 {
        year - self.birth_year
    }
}

/// Another spelling of a name from [`SPELLINGS`], or the name itself.
fn respell(rng: &mut Rng, name: &str) -> String {
    let upper = name.chars().all(|c| !c.is_lowercase());
    let key = if upper {
        title_case(name)
    } else {
        name.to_string()
    };
    match SPELLINGS.iter().find(|(n, _)| *n == key) {
        Some((_, others)) => {
            let other = rng.pick(others).to_string();
            if upper { other.to_uppercase() } else { other }
        }
        None => {
            // A doubled or dropped vowel: "Suresh" → "Sureesh", "Meena" → "Mena".
            let chars: Vec<char> = name.chars().collect();
            match chars.iter().skip(1).position(|c| "aeiou".contains(*c)) {
                Some(i) => {
                    let i = i + 1;
                    let mut out: String = chars[..=i].iter().collect();
                    if i + 1 < chars.len() && chars[i + 1] == chars[i] {
                        out.extend(&chars[i + 2..]);
                    } else {
                        out.push(chars[i]);
                        out.extend(&chars[i + 1..]);
                    }
                    out
                }
                None => name.to_string(),
            }
        }
    }
}

fn title_case(name: &str) -> String {
    name.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(c) => c
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

// ----- Phones ----------------------------------------------------------------------------

/// How a phone number was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneStyle {
    Plain,
    Spaced,
    Trunk,
    Country,
    Plus,
    Dashed,
    PlusDashed,
}

static PHONE_STYLE_WEIGHTS: LazyLock<Weighted> =
    LazyLock::new(|| Weighted::new(mess::PHONE_STYLES.iter().map(|(_, w)| *w)));

/// Writes a valid mobile number in one of the styles of [`mess::PHONE_STYLES`].
pub fn write_phone(rng: &mut Rng, msisdn: u64, out: &mut String) {
    let style = mess::PHONE_STYLES[PHONE_STYLE_WEIGHTS.sample(rng)].0;
    write_phone_in(style, msisdn, out);
}

pub fn write_phone_in(style: PhoneStyle, msisdn: u64, out: &mut String) {
    let (head, tail) = (msisdn / 100_000, msisdn % 100_000);
    let _ = match style {
        PhoneStyle::Plain => write!(out, "{msisdn}"),
        PhoneStyle::Spaced => write!(out, "+91 {head} {tail:05}"),
        PhoneStyle::Trunk => write!(out, "0{msisdn}"),
        PhoneStyle::Country => write!(out, "91{msisdn}"),
        PhoneStyle::Plus => write!(out, "+91{msisdn}"),
        PhoneStyle::Dashed => write!(out, "{head}-{tail:05}"),
        PhoneStyle::PlusDashed => write!(out, "+91-{msisdn}"),
    };
}

/// Writes a number that is no valid mobile number, derived from a real one by a slip: a digit
/// dropped (9 digits), a digit doubled (11 digits), or a first digit 1-5.
pub fn write_invalid_phone(rng: &mut Rng, msisdn: u64, out: &mut String) {
    let digits = msisdn.to_string();
    let i = 1 + rng.index(8);
    match rng.below(3) {
        0 => {
            out.push_str(&digits[..i]);
            out.push_str(&digits[i + 1..]);
        }
        1 => {
            out.push_str(&digits[..=i]);
            out.push_str(&digits[i..]);
        }
        _ => {
            out.push(char::from(b'1' + rng.below(5) as u8));
            out.push_str(&digits[1..]);
        }
    }
}

/// A phone number as written, valid or (with probability [`mess::PHONE_INVALID`]) not;
/// returns whether it is valid.
pub fn write_messy_phone(rng: &mut Rng, msisdn: u64, out: &mut String) -> bool {
    if rng.chance(mess::PHONE_INVALID) {
        write_invalid_phone(rng, msisdn, out);
        false
    } else {
        write_phone(rng, msisdn, out);
        true
    }
}

/// Writes a 12-digit Aadhaar number, in groups of four or not.
pub fn write_aadhaar(rng: &mut Rng, number: u64, out: &mut String) {
    if rng.chance(mess::AADHAAR_SPACED) {
        let _ = write!(
            out,
            "{:04} {:04} {:04}",
            number / 100_000_000,
            number / 10_000 % 10_000,
            number % 10_000
        );
    } else {
        let _ = write!(out, "{number:012}");
    }
}

/// `number` with a wrong check digit.
pub fn break_check_digit(rng: &mut Rng, number: u64) -> u64 {
    let check = number % 10;
    number - check + (check + 1 + rng.below(9)) % 10
}

/// Writes the IMEI of the handset using `msisdn`: a type allocation code, a serial and the
/// Luhn check digit — wrong, or left off, in the proportions of [`mess::IMEI_INVALID`] and
/// [`mess::IMEI_SHORT`]. Returns whether it is valid.
pub fn write_imei(seed: u64, msisdn: u64, out: &mut String) -> bool {
    let mut rng = Rng::stream(seed, rng::key("imei"), msisdn);
    let tac_prefix = rng.pick(&[35u64, 35, 35, 86, 86, 1]);
    let body = (tac_prefix * 1_000_000 + rng.below(1_000_000)) * 1_000_000 + rng.below(1_000_000);
    let check = luhn_check_digit(body) as u64;
    let u = rng.unit();
    if u < mess::IMEI_SHORT {
        let _ = write!(out, "{body:014}");
        false
    } else if u < mess::IMEI_SHORT + mess::IMEI_INVALID {
        let wrong = (check + 1 + rng.below(9)) % 10;
        let _ = write!(out, "{:015}", body * 10 + wrong);
        false
    } else {
        let _ = write!(out, "{:015}", body * 10 + check);
        true
    }
}

/// Writes an identity document number other than Aadhaar.
pub fn write_other_id(rng: &mut Rng, id_type: &str, person: &Person, out: &mut String) {
    let letter = |rng: &mut Rng| char::from(b'A' + rng.below(26) as u8);
    match id_type {
        "Voter ID" => {
            for _ in 0..3 {
                out.push(letter(rng));
            }
            let _ = write!(out, "{:07}", rng.below(10_000_000));
        }
        "Driving Licence" => {
            let d = GEO.district(person.district);
            let rto = rng.pick(&d.rtos);
            let year = (person.birth_year + 18 + rng.range(0, 20) as i32).min(2025);
            let _ = write!(out, "{rto}{year}{:07}", rng.below(10_000_000));
        }
        "PAN" => {
            for _ in 0..3 {
                out.push(letter(rng));
            }
            out.push('P');
            out.push(
                person
                    .surname
                    .and_then(|s| s.chars().next())
                    .unwrap_or_else(|| person.first.chars().next().unwrap_or('X'))
                    .to_ascii_uppercase(),
            );
            let _ = write!(out, "{:04}", rng.below(10_000));
            out.push(letter(rng));
        }
        _ => {
            out.push(rng.pick(&['J', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'T', 'U', 'V', 'W']));
            let _ = write!(out, "{:07}", rng.below(10_000_000));
        }
    }
}

/// A valid mobile number written in its canonical form, `+919829012345`.
pub fn canonical_phone(msisdn: u64) -> String {
    format!("+91{msisdn}")
}

#[cfg(test)]
mod tests {
    use jaanch_udfs::person::verhoeff_is_valid;

    use super::*;

    #[test]
    fn numbers_are_bijective_and_valid() {
        let people = People::new(42);
        let mut phones: Vec<u64> = (0..10_000).map(|i| people.msisdn(i)).collect();
        phones.sort_unstable();
        phones.dedup();
        assert_eq!(phones.len(), 10_000);
        assert!(
            phones
                .iter()
                .all(|&p| (6_000_000_000..10_000_000_000).contains(&p))
        );
        for id in 0..1000 {
            let aadhaar = people.aadhaar(id);
            assert!((200_000_000_000..1_000_000_000_000).contains(&aadhaar));
            assert!(verhoeff_is_valid(aadhaar.to_string().as_bytes()));
        }
    }

    #[test]
    fn name_variants_differ() {
        let people = People::new(7);
        let mut rng = Rng::new(1);
        for id in 0..300 {
            let person = people.accused(id, 16);
            let mut variant = String::new();
            person.write_name_variant(&mut rng, &mut variant);
            assert_ne!(variant, person.name());
        }
    }

    #[test]
    fn phone_styles() {
        let mut out = String::new();
        write_phone_in(PhoneStyle::Spaced, 9_829_012_345, &mut out);
        assert_eq!(out, "+91 98290 12345");
        out.clear();
        write_phone_in(PhoneStyle::Dashed, 9_829_012_345, &mut out);
        assert_eq!(out, "98290-12345");
    }
}
