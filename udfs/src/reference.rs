//! Reference facts embedded at build time from `udfs/data/` (sources in `data/SOURCES.md`).
//!
//! Each table is parsed once, on first use, into lookup structures shared by the functions and
//! by the `ref.*` tables, so both always agree.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Splits CSV text into records of fields: RFC 4180 quoting (`"a, b"`, `""` for a quote).
/// The header line is skipped. The embedded files are known-good; this is not a general reader.
pub(crate) fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => in_quotes = !in_quotes,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records.remove(0);
    records
}

/// A state or union-territory code used on number plates.
#[derive(Debug, Clone)]
pub struct StateCode {
    pub code: String,
    pub name: String,
    /// `false` for codes no longer issued (TS, OR, UA, DN, CT) but still on old vehicles.
    pub current: bool,
    pub note: String,
}

pub static STATE_CODES: LazyLock<Vec<StateCode>> = LazyLock::new(|| {
    csv_records(include_str!("../data/india_state_codes.csv"))
        .into_iter()
        .map(|r| StateCode {
            code: r[0].clone(),
            name: r[1].clone(),
            current: r[2] == "current",
            note: r[3].clone(),
        })
        .collect()
});

static STATE_BY_CODE: LazyLock<HashMap<&'static str, &'static StateCode>> =
    LazyLock::new(|| STATE_CODES.iter().map(|s| (s.code.as_str(), s)).collect());

/// The state or UT a two-letter plate code belongs to (`"RJ"` → Rajasthan).
pub fn state_code(code: &str) -> Option<&'static StateCode> {
    STATE_BY_CODE.get(code).copied()
}

/// A Rajasthan registration office (RTO / DTO).
#[derive(Debug, Clone)]
pub struct RtoCode {
    pub code: String,
    pub office_type: String,
    pub office: String,
    /// Current district the office lies in.
    pub district: String,
    pub source: String,
}

pub static RTO_CODES: LazyLock<Vec<RtoCode>> = LazyLock::new(|| {
    csv_records(include_str!("../data/rajasthan_rto_codes.csv"))
        .into_iter()
        .map(|r| RtoCode {
            code: r[0].clone(),
            office_type: r[1].clone(),
            office: r[2].clone(),
            district: r[3].clone(),
            source: r[4].clone(),
        })
        .collect()
});

static RTO_BY_CODE: LazyLock<HashMap<&'static str, &'static RtoCode>> =
    LazyLock::new(|| RTO_CODES.iter().map(|r| (r.code.as_str(), r)).collect());

/// The registration office of a canonical RTO code such as `"RJ14"`.
pub fn rto_code(code: &str) -> Option<&'static RtoCode> {
    RTO_BY_CODE.get(code).copied()
}

/// The current district of a canonical Rajasthan RTO code (`"RJ14"` → Jaipur). RJ54..RJ59 are
/// valid codes whose district is not known: `None`.
pub fn rto_district(code: &str) -> Option<&'static str> {
    rto_code(code).map(|r| r.district.as_str())
}

/// A Rajasthan district: one of the 41 current districts, or one of the 9 created in August
/// 2023 and abolished on 28 December 2024.
#[derive(Debug, Clone)]
pub struct District {
    pub name: String,
    pub name_hi: String,
    /// Other English spellings (`Chittaurgarh`, `Ganganagar`, ...).
    pub aliases: Vec<String>,
    pub division: Option<String>,
    /// Local Government Directory code; unknown for the districts created in 2023.
    pub lgd_code: Option<i64>,
    pub census_2011_code: Option<i64>,
    /// `current` or `abolished`.
    pub status: String,
    /// ISO dates (`2023-08-07`).
    pub created: Option<String>,
    pub abolished: Option<String>,
    /// For an abolished district, the current district its area went back to.
    pub successor: Option<String>,
    pub hq_lat: Option<f64>,
    pub hq_lon: Option<f64>,
}

impl District {
    pub fn is_current(&self) -> bool {
        self.status == "current"
    }
}

fn non_empty(field: &str) -> Option<String> {
    (!field.is_empty()).then(|| field.to_string())
}

pub static DISTRICTS: LazyLock<Vec<District>> = LazyLock::new(|| {
    csv_records(include_str!("../data/rajasthan_districts.csv"))
        .into_iter()
        .map(|r| District {
            name: r[0].clone(),
            name_hi: r[1].clone(),
            aliases: r[2]
                .split('|')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            division: non_empty(&r[3]),
            lgd_code: r[4].parse().ok(),
            census_2011_code: r[5].parse().ok(),
            status: r[6].clone(),
            created: non_empty(&r[7]),
            abolished: non_empty(&r[8]),
            successor: non_empty(&r[9]),
            hq_lat: r[10].parse().ok(),
            hq_lon: r[11].parse().ok(),
        })
        .collect()
});

/// A police district that is not a revenue district (commissionerate, rural, railway police).
#[derive(Debug, Clone)]
pub struct PoliceDistrict {
    pub police_district: String,
    /// The current revenue district it lies in.
    pub revenue_district: String,
    pub kind: String,
    pub note: Option<String>,
}

pub static POLICE_DISTRICTS: LazyLock<Vec<PoliceDistrict>> = LazyLock::new(|| {
    csv_records(include_str!("../data/rajasthan_police_districts.csv"))
        .into_iter()
        .map(|r| PoliceDistrict {
            police_district: r[0].clone(),
            revenue_district: r[1].clone(),
            kind: r[2].clone(),
            note: non_empty(&r[3]),
        })
        .collect()
});

/// A Rajasthan PIN code of the India Post directory, with its district names as the directory
/// gives them: upper case, from the 33 districts before 2023 (`GANGANAGAR`, `JHUNJHUNU`).
#[derive(Debug, Clone)]
pub struct Pincode {
    pub pincode: u32,
    pub district: String,
    /// The second district of a PIN that spans two (24 PINs).
    pub other_district: Option<String>,
}

pub static PINCODES: LazyLock<Vec<Pincode>> = LazyLock::new(|| {
    csv_records(include_str!("../data/rajasthan_pincodes_33_districts.csv"))
        .into_iter()
        .filter_map(|r| {
            Some(Pincode {
                pincode: r[1].parse().ok()?,
                district: r[2].clone(),
                other_district: non_empty(&r[3]),
            })
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_and_commas() {
        let rows = csv_records("a,b\n1,\"x, \"\"y\"\"\"\n2,\n");
        assert_eq!(rows, vec![vec!["1", "x, \"y\""], vec!["2", ""]]);
    }

    #[test]
    fn rto_and_state_lookups() {
        assert_eq!(rto_district("RJ14"), Some("Jaipur"));
        assert_eq!(rto_code("RJ51").unwrap().office, "Shahpura, Bhilwara");
        assert_eq!(rto_district("RJ57"), None);
        assert_eq!(state_code("RJ").unwrap().name, "Rajasthan");
        assert!(!state_code("TS").unwrap().current);
        assert!(state_code("XX").is_none());
    }

    #[test]
    fn districts_police_districts_and_pincodes_parse() {
        assert_eq!(DISTRICTS.len(), 50);
        assert_eq!(DISTRICTS.iter().filter(|d| d.is_current()).count(), 41);
        let ganganagar = DISTRICTS
            .iter()
            .find(|d| d.name == "Sri Ganganagar")
            .unwrap();
        assert_eq!(ganganagar.aliases[0], "Ganganagar");
        assert_eq!(ganganagar.lgd_code, Some(100));
        assert_eq!(ganganagar.hq_lat, Some(29.9282));
        let dudu = DISTRICTS.iter().find(|d| d.name == "Dudu").unwrap();
        assert_eq!(dudu.successor.as_deref(), Some("Jaipur"));
        assert_eq!(dudu.division, None);
        assert_eq!(dudu.abolished.as_deref(), Some("2024-12-28"));
        assert_eq!(POLICE_DISTRICTS.len(), 13);
        assert_eq!(POLICE_DISTRICTS[10].revenue_district, "Khairthal-Tijara");
        assert_eq!(PINCODES.len(), 1004);
        assert_eq!(
            PINCODES
                .iter()
                .filter(|p| p.other_district.is_some())
                .count(),
            24
        );
    }
}
