//! Rajasthan's geography for the demo lake: the 41 current districts (from the reference data
//! the police functions embed), their towns and police stations, RTO codes and PIN codes,
//! points near a district's headquarters, and district names as people write them.

use std::sync::LazyLock;

use jaanch_udfs::reference::{DISTRICTS, PINCODES, POLICE_DISTRICTS, RTO_CODES};

use super::mess;
use super::rng::{Distributions, Rng, Weighted};

/// Per district: population weight (lakh, Census 2011; estimates for the districts created in
/// 2023), headquarters town, and other towns with a police station.
const DISTRICT_FACTS: [(&str, f64, &str, &[&str]); 41] = [
    (
        "Ajmer",
        22.0,
        "Ajmer",
        &["Kishangarh", "Nasirabad", "Pushkar", "Sarwar"],
    ),
    (
        "Alwar",
        30.0,
        "Alwar",
        &[
            "Rajgarh",
            "Laxmangarh",
            "Kathumar",
            "Thanagazi",
            "Malakhera",
        ],
    ),
    (
        "Banswara",
        18.0,
        "Banswara",
        &["Kushalgarh", "Garhi", "Bagidora"],
    ),
    (
        "Baran",
        12.0,
        "Baran",
        &["Chhabra", "Atru", "Shahabad", "Kishanganj"],
    ),
    (
        "Barmer",
        18.0,
        "Barmer",
        &["Chohtan", "Ramsar", "Sheo", "Gudamalani"],
    ),
    (
        "Bharatpur",
        18.0,
        "Bharatpur",
        &["Bayana", "Nadbai", "Rupbas", "Bhusawar"],
    ),
    (
        "Bhilwara",
        24.0,
        "Bhilwara",
        &["Mandal", "Gulabpura", "Asind", "Mandalgarh", "Jahazpur"],
    ),
    (
        "Bikaner",
        24.0,
        "Bikaner",
        &["Nokha", "Kolayat", "Lunkaransar", "Deshnok"],
    ),
    (
        "Bundi",
        11.0,
        "Bundi",
        &["Hindoli", "Nainwa", "Keshoraipatan", "Lakheri"],
    ),
    (
        "Chittorgarh",
        15.0,
        "Chittorgarh",
        &["Nimbahera", "Begun", "Kapasan", "Rawatbhata"],
    ),
    (
        "Churu",
        20.0,
        "Churu",
        &["Sujangarh", "Ratangarh", "Sardarshahar", "Rajgarh"],
    ),
    (
        "Dausa",
        16.0,
        "Dausa",
        &["Bandikui", "Lalsot", "Sikrai", "Mahwa"],
    ),
    ("Dholpur", 12.0, "Dholpur", &["Bari", "Rajakhera", "Basedi"]),
    (
        "Dungarpur",
        14.0,
        "Dungarpur",
        &["Sagwara", "Aspur", "Simalwara"],
    ),
    (
        "Sri Ganganagar",
        20.0,
        "Sri Ganganagar",
        &["Suratgarh", "Raisinghnagar", "Padampur", "Sadulshahar"],
    ),
    (
        "Hanumangarh",
        18.0,
        "Hanumangarh",
        &["Nohar", "Bhadra", "Rawatsar", "Pilibanga"],
    ),
    (
        "Jaipur",
        58.0,
        "Jaipur",
        &["Chomu", "Sanganer", "Bassi", "Chaksu", "Phagi", "Jobner"],
    ),
    (
        "Jaisalmer",
        7.0,
        "Jaisalmer",
        &["Pokaran", "Ramgarh", "Mohangarh"],
    ),
    (
        "Jalore",
        18.0,
        "Jalore",
        &["Bhinmal", "Ahore", "Raniwara", "Sanchore"],
    ),
    (
        "Jhalawar",
        14.0,
        "Jhalawar",
        &["Bhawani Mandi", "Khanpur", "Aklera", "Pirawa"],
    ),
    (
        "Jhunjhunu",
        21.0,
        "Jhunjhunu",
        &["Nawalgarh", "Chirawa", "Khetri", "Udaipurwati", "Pilani"],
    ),
    (
        "Jodhpur",
        31.0,
        "Jodhpur",
        &["Bilara", "Pipar City", "Luni", "Osian", "Bhopalgarh"],
    ),
    (
        "Karauli",
        15.0,
        "Karauli",
        &["Hindaun City", "Todabhim", "Sapotra"],
    ),
    (
        "Kota",
        20.0,
        "Kota",
        &["Ramganj Mandi", "Sangod", "Itawa", "Digod"],
    ),
    (
        "Nagaur",
        20.0,
        "Nagaur",
        &["Merta City", "Degana", "Jayal", "Khinvsar"],
    ),
    ("Pali", 18.0, "Pali", &["Sojat", "Sumerpur", "Bali", "Rani"]),
    (
        "Pratapgarh",
        9.0,
        "Pratapgarh",
        &["Chhoti Sadri", "Arnod", "Dhariawad"],
    ),
    (
        "Rajsamand",
        11.0,
        "Rajsamand",
        &["Nathdwara", "Kumbhalgarh", "Deogarh", "Amet"],
    ),
    (
        "Sawai Madhopur",
        13.0,
        "Sawai Madhopur",
        &["Gangapur City", "Bamanwas", "Bonli", "Khandar"],
    ),
    (
        "Sikar",
        24.0,
        "Sikar",
        &[
            "Fatehpur",
            "Laxmangarh",
            "Danta Ramgarh",
            "Sri Madhopur",
            "Neem Ka Thana",
        ],
    ),
    (
        "Sirohi",
        10.0,
        "Sirohi",
        &["Abu Road", "Mount Abu", "Pindwara", "Sheoganj"],
    ),
    (
        "Tonk",
        14.0,
        "Tonk",
        &["Malpura", "Niwai", "Deoli", "Uniara"],
    ),
    (
        "Udaipur",
        28.0,
        "Udaipur",
        &["Gogunda", "Mavli", "Vallabhnagar", "Jhadol"],
    ),
    (
        "Balotra",
        9.0,
        "Balotra",
        &["Pachpadra", "Siwana", "Sindhari"],
    ),
    ("Beawar", 9.0, "Beawar", &["Masuda", "Jawaja", "Raipur"]),
    ("Deeg", 8.0, "Deeg", &["Kumher", "Kaman", "Nagar"]),
    (
        "Didwana-Kuchaman",
        16.0,
        "Didwana",
        &["Kuchaman City", "Ladnun", "Makrana", "Nawa"],
    ),
    (
        "Khairthal-Tijara",
        10.0,
        "Khairthal",
        &["Tijara", "Kishangarh Bas", "Bhiwadi", "Kotkasim"],
    ),
    (
        "Kotputli-Behror",
        12.0,
        "Kotputli",
        &["Behror", "Neemrana", "Bansur", "Paota"],
    ),
    ("Phalodi", 7.0, "Phalodi", &["Bap", "Lohawat", "Bapini"]),
    (
        "Salumbar",
        6.0,
        "Salumbar",
        &["Sarada", "Semari", "Lasadia"],
    ),
];

/// City police stations of the larger towns (besides their Kotwali and Sadar stations).
const CITY_STATIONS: [(&str, &[&str]); 8] = [
    (
        "Jaipur",
        &[
            "Vidhyadhar Nagar",
            "Malviya Nagar",
            "Jawahar Circle",
            "Bajaj Nagar",
            "Shyam Nagar",
            "Manak Chowk",
            "Vaishali Nagar",
            "Murlipura",
            "Transport Nagar",
            "Pratap Nagar",
        ],
    ),
    (
        "Jodhpur",
        &[
            "Ratanada",
            "Sardarpura",
            "Shastri Nagar",
            "Udai Mandir",
            "Pratap Nagar",
        ],
    ),
    (
        "Kota",
        &[
            "Gumanpura",
            "Nayapura",
            "Kunhari",
            "Vigyan Nagar",
            "Mahaveer Nagar",
        ],
    ),
    (
        "Udaipur",
        &["Hathipole", "Surajpole", "Bhupalpura", "Ambamata"],
    ),
    ("Ajmer", &["Ganj", "Civil Lines", "Alwar Gate", "Dargah"]),
    ("Bikaner", &["Kotgate", "Nayashahar", "JNV Colony"]),
    ("Alwar", &["Aravali Vihar", "Shivaji Park", "NEB"]),
    ("Bharatpur", &["Mathura Gate", "Atal Bandh"]),
];

/// The district each district created in 2023 was carved from: its PIN codes and, where it
/// has no RTO of its own, its RTO codes.
const PARENTS: [(&str, &str); 8] = [
    ("Balotra", "Barmer"),
    ("Beawar", "Ajmer"),
    ("Deeg", "Bharatpur"),
    ("Didwana-Kuchaman", "Nagaur"),
    ("Khairthal-Tijara", "Alwar"),
    ("Kotputli-Behror", "Jaipur"),
    ("Phalodi", "Jodhpur"),
    ("Salumbar", "Udaipur"),
];

/// Rajasthan's bounding box: generated points stay inside it.
const LAT_RANGE: (f64, f64) = (23.06, 30.18);
const LON_RANGE: (f64, f64) = (69.48, 78.27);

/// What a police station is, which decides which cases it registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationKind {
    /// Kotwali, Sadar and city stations of the headquarters town.
    City,
    /// The station of another town.
    Town,
    /// Mahila Thana: crimes against women.
    Mahila,
    /// Cyber Thana: IT Act and online fraud.
    Cyber,
}

#[derive(Debug, Clone)]
pub struct Station {
    pub name: String,
    pub kind: StationKind,
    /// Whether it lies in the headquarters town (points cluster tighter).
    pub urban: bool,
}

/// One current district with everything the generator draws from it.
#[derive(Debug, Clone)]
pub struct District {
    pub name: &'static str,
    pub name_hi: &'static str,
    pub aliases: Vec<&'static str>,
    pub hq_lat: f64,
    pub hq_lon: f64,
    pub hq_town: &'static str,
    pub towns: &'static [&'static str],
    pub stations: Vec<Station>,
    /// Stations by weight for ordinary cases (not Mahila or Cyber Thana).
    pub station_weights: Weighted,
    pub mahila_station: usize,
    pub cyber_station: usize,
    /// Police districts (Jaipur East, Kota City, ...) covering it.
    pub police_districts: Vec<&'static str>,
    /// Districts of 2023-2024 whose area it took back (Dudu, Kekri, ...).
    pub abolished: Vec<&'static str>,
    /// Hindi names of those abolished districts.
    pub abolished_hi: Vec<&'static str>,
    /// RTO codes (`RJ14`) registering its vehicles, with weights.
    pub rtos: Vec<&'static str>,
    pub rto_weights: Weighted,
    pub pincodes: Vec<u32>,
}

pub struct Geo {
    pub districts: Vec<District>,
    /// Districts by population.
    pub weights: Weighted,
}

pub static GEO: LazyLock<Geo> = LazyLock::new(build);

fn build() -> Geo {
    let mut districts = Vec::with_capacity(DISTRICT_FACTS.len());
    let mut weights = Vec::with_capacity(DISTRICT_FACTS.len());
    for &(name, weight, hq_town, towns) in &DISTRICT_FACTS {
        let reference = DISTRICTS
            .iter()
            .find(|d| d.name == name && d.is_current())
            .unwrap_or_else(|| panic!("district {name} is in the reference data"));
        let parent = PARENTS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p);
        let stations = stations(name, hq_town, towns);
        let ordinary: Vec<f64> = stations
            .iter()
            .map(|s| match s.kind {
                StationKind::City if s.name.ends_with("Kotwali") => 3.0,
                StationKind::City => 2.0,
                StationKind::Town => 1.0,
                StationKind::Mahila | StationKind::Cyber => 0.0,
            })
            .collect();
        let mahila_station = stations
            .iter()
            .position(|s| s.kind == StationKind::Mahila)
            .unwrap();
        let cyber_station = stations
            .iter()
            .position(|s| s.kind == StationKind::Cyber)
            .unwrap();
        let police_districts = POLICE_DISTRICTS
            .iter()
            .filter(|p| p.revenue_district == name)
            .map(|p| p.police_district.as_str())
            .collect();
        let abolished: Vec<_> = DISTRICTS
            .iter()
            .filter(|d| d.successor.as_deref() == Some(name))
            .collect();
        let mut rtos: Vec<&'static str> = RTO_CODES
            .iter()
            .filter(|r| r.district == name)
            .map(|r| r.code.as_str())
            .collect();
        if rtos.is_empty() {
            let parent = parent.expect("a district without an RTO has a parent");
            rtos = RTO_CODES
                .iter()
                .filter(|r| r.district == parent)
                .map(|r| r.code.as_str())
                .collect();
        }
        // The main office of a district registers most of its vehicles.
        let rto_weights = Weighted::new(rtos.iter().map(|code| {
            let office = &RTO_CODES.iter().find(|r| r.code == *code).unwrap().office;
            if office == name || office.starts_with(name) {
                4.0
            } else {
                1.0
            }
        }));
        let pin_district = parent.unwrap_or(name);
        let names_upper: Vec<String> = std::iter::once(pin_district.to_string())
            .chain(
                DISTRICTS
                    .iter()
                    .find(|d| d.name == pin_district)
                    .into_iter()
                    .flat_map(|d| d.aliases.iter().cloned()),
            )
            .map(|n| n.to_ascii_uppercase())
            .collect();
        let pincodes = PINCODES
            .iter()
            .filter(|p| names_upper.contains(&p.district))
            .map(|p| p.pincode)
            .collect();
        districts.push(District {
            name,
            name_hi: reference.name_hi.as_str(),
            aliases: reference.aliases.iter().map(String::as_str).collect(),
            hq_lat: reference.hq_lat.expect("current districts have an HQ"),
            hq_lon: reference.hq_lon.expect("current districts have an HQ"),
            hq_town,
            towns,
            station_weights: Weighted::new(ordinary),
            stations,
            mahila_station,
            cyber_station,
            police_districts,
            abolished: abolished.iter().map(|d| d.name.as_str()).collect(),
            abolished_hi: abolished.iter().map(|d| d.name_hi.as_str()).collect(),
            rtos,
            rto_weights,
            pincodes,
        });
        weights.push(weight);
    }
    Geo {
        districts,
        weights: Weighted::new(weights),
    }
}

fn stations(district: &str, hq: &str, towns: &[&str]) -> Vec<Station> {
    let city = |name: String| Station {
        name,
        kind: StationKind::City,
        urban: true,
    };
    let mut stations = vec![city(format!("{hq} Kotwali")), city(format!("{hq} Sadar"))];
    if let Some((_, names)) = CITY_STATIONS.iter().find(|(d, _)| *d == district) {
        stations.extend(names.iter().map(|n| city(n.to_string())));
    }
    stations.extend(towns.iter().map(|&town| Station {
        name: town.to_string(),
        kind: StationKind::Town,
        urban: false,
    }));
    stations.push(Station {
        name: format!("Mahila Thana {district}"),
        kind: StationKind::Mahila,
        urban: true,
    });
    stations.push(Station {
        name: format!("Cyber Thana {district}"),
        kind: StationKind::Cyber,
        urban: true,
    });
    stations
}

impl Geo {
    pub fn district(&self, index: usize) -> &District {
        &self.districts[index]
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        self.weights.sample(rng)
    }

    #[cfg(test)]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.districts.iter().position(|d| d.name == name)
    }
}

impl District {
    /// A town of the district: the headquarters half the time.
    pub fn town(&self, rng: &mut Rng) -> &'static str {
        if rng.chance(0.5) || self.towns.is_empty() {
            self.hq_town
        } else {
            rng.pick(self.towns)
        }
    }

    /// A point near the headquarters: within a few km in town (`spread` ≈ 0.03°), tens of km
    /// for the district (≈ 0.2°). Rounded to 5 decimals (about a metre).
    pub fn point(&self, rng: &mut Rng, spread: f64) -> (f64, f64) {
        let lat = (self.hq_lat + rng.normal() * spread).clamp(LAT_RANGE.0, LAT_RANGE.1);
        let lon = (self.hq_lon + rng.normal() * spread * 1.1).clamp(LON_RANGE.0, LON_RANGE.1);
        (round5(lat), round5(lon))
    }
}

pub fn round5(x: f64) -> f64 {
    (x * 100_000.0).round() / 100_000.0
}

/// How a district name was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistrictStyle {
    Canonical,
    Case,
    Alias,
    Hindi,
    Police,
    Abolished,
    Typo,
}

/// Writes district `d` as a person would into `out`, in the proportions of
/// [`mess::DISTRICT_STYLES`]; returns the style used. Styles a district does not have (no
/// police district, no abolished district, no alias) fall back to a typo or a case variant so
/// that the share of non-canonical values stays the same everywhere.
pub fn write_district(rng: &mut Rng, d: &District, out: &mut String) -> DistrictStyle {
    let style = mess::DISTRICT_STYLES[DISTRICT_STYLE_WEIGHTS.sample(rng)].0;
    let style = match style {
        DistrictStyle::Police if d.police_districts.is_empty() => DistrictStyle::Typo,
        DistrictStyle::Abolished if d.abolished.is_empty() => DistrictStyle::Typo,
        DistrictStyle::Alias if d.aliases.is_empty() => DistrictStyle::Case,
        other => other,
    };
    match style {
        DistrictStyle::Canonical => out.push_str(d.name),
        DistrictStyle::Case => {
            if rng.chance(0.6) {
                out.push_str(&d.name.to_uppercase());
            } else {
                out.push_str(&d.name.to_lowercase());
            }
        }
        DistrictStyle::Alias => out.push_str(rng.pick(&d.aliases)),
        DistrictStyle::Hindi => out.push_str(d.name_hi),
        DistrictStyle::Police => out.push_str(rng.pick(&d.police_districts)),
        DistrictStyle::Abolished => {
            let i = rng.index(d.abolished.len());
            if rng.chance(0.15) {
                out.push_str(d.abolished_hi[i]);
            } else {
                out.push_str(d.abolished[i]);
            }
        }
        DistrictStyle::Typo => write_typo(rng, d.name, out),
    }
    style
}

static DISTRICT_STYLE_WEIGHTS: LazyLock<Weighted> =
    LazyLock::new(|| Weighted::new(mess::DISTRICT_STYLES.iter().map(|(_, w)| *w)));

/// A district as typed into a free-text field (Dial-112): the styles of [`write_district`],
/// sometimes with words around it.
pub fn write_district_free_text(rng: &mut Rng, d: &District, out: &mut String) -> DistrictStyle {
    if !rng.chance(mess::FREE_TEXT_DECORATED) {
        return write_district(rng, d, out);
    }
    let mut name = String::new();
    let style = write_district(rng, d, &mut name);
    match rng.below(6) {
        0 => {
            out.push_str("Distt. ");
            out.push_str(&name);
        }
        1 => {
            out.push_str(&name);
            out.push_str(" (Raj.)");
        }
        2 => {
            out.push_str(&name);
            out.push_str(", Rajasthan");
        }
        3 => {
            out.push_str(&name.to_lowercase());
            out.push_str(" city");
        }
        4 => {
            out.push_str("near ");
            out.push_str(&name);
        }
        _ => {
            out.push_str(&name);
            out.push_str(" district");
        }
    }
    style
}

/// One typing slip: two letters swapped, one dropped or doubled, or a vowel changed. Never
/// the first letter, and never the name itself.
pub fn write_typo(rng: &mut Rng, name: &str, out: &mut String) {
    let chars: Vec<char> = name.chars().collect();
    for _ in 0..8 {
        let mut typo = chars.clone();
        let i = 1 + rng.index(chars.len() - 1);
        match rng.below(4) {
            0 if i + 1 < typo.len() => typo.swap(i, i + 1),
            1 => {
                typo.remove(i);
            }
            2 => typo.insert(i, chars[i]),
            _ => {
                const VOWELS: [char; 5] = ['a', 'e', 'i', 'o', 'u'];
                if let Some(v) = VOWELS.iter().position(|&v| v == typo[i]) {
                    typo[i] = VOWELS[(v + 1 + rng.index(4)) % 5];
                } else {
                    typo.insert(i, 'a');
                }
            }
        }
        let typo: String = typo.into_iter().collect();
        if typo != name && typo.trim() == typo && !typo.contains("  ") {
            out.push_str(&typo);
            return;
        }
    }
    out.push_str(&name.to_lowercase());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_current_district_has_stations_rtos_and_pincodes() {
        assert_eq!(GEO.districts.len(), 41);
        for d in &GEO.districts {
            assert!(d.stations.len() >= 5, "{}", d.name);
            assert!(!d.rtos.is_empty(), "{}", d.name);
            assert!(!d.pincodes.is_empty(), "{}", d.name);
        }
        let jaipur = &GEO.districts[GEO.index_of("Jaipur").unwrap()];
        assert!(jaipur.police_districts.contains(&"Jaipur East"));
        assert!(jaipur.abolished.contains(&"Dudu"));
        assert!(jaipur.rtos.contains(&"RJ14"));
        let deeg = &GEO.districts[GEO.index_of("Deeg").unwrap()];
        assert_eq!(deeg.rtos, vec!["RJ05"]);
    }

    #[test]
    fn typos_differ_from_the_name() {
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let mut out = String::new();
            write_typo(&mut rng, "Sawai Madhopur", &mut out);
            assert_ne!(out, "Sawai Madhopur");
        }
    }
}
