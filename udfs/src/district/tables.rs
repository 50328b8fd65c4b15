//! The `ref` tables of districts, registration offices, police districts and state codes, built
//! from the same parsed data as the functions.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};

use crate::reference::{DISTRICTS, POLICE_DISTRICTS, RTO_CODES, STATE_CODES};

/// Days since 1970-01-01 of an ISO date (`2023-08-07`); `None` if it is not one.
fn date32(iso: &str) -> Option<i32> {
    let mut parts = iso.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (proleptic Gregorian calendar), after Howard Hinnant.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    i32::try_from(era * 146_097 + day_of_era - 719_468).ok()
}

fn text<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}

fn batch(columns: Vec<(&str, ArrayRef, bool)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array, nullable)| Field::new(*name, array.data_type().clone(), *nullable))
        .collect();
    let arrays = columns.into_iter().map(|(_, array, _)| array).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .expect("reference table columns agree with their schema")
}

/// `ref.districts`: the 41 current and 9 abolished districts.
pub fn districts() -> RecordBatch {
    let d = || DISTRICTS.iter();
    let aliases: Vec<Option<String>> = d()
        .map(|d| (!d.aliases.is_empty()).then(|| d.aliases.join("|")))
        .collect();
    batch(vec![
        ("name", text(d().map(|d| Some(d.name.as_str()))), false),
        (
            "name_hi",
            text(d().map(|d| Some(d.name_hi.as_str()))),
            false,
        ),
        ("aliases", text(aliases.iter().map(Option::as_deref)), true),
        ("division", text(d().map(|d| d.division.as_deref())), true),
        (
            "lgd_code",
            Arc::new(d().map(|d| d.lgd_code).collect::<Int64Array>()),
            true,
        ),
        (
            "census_2011_code",
            Arc::new(d().map(|d| d.census_2011_code).collect::<Int64Array>()),
            true,
        ),
        ("status", text(d().map(|d| Some(d.status.as_str()))), false),
        (
            "created",
            Arc::new(
                d().map(|d| d.created.as_deref().and_then(date32))
                    .collect::<Date32Array>(),
            ),
            true,
        ),
        (
            "abolished",
            Arc::new(
                d().map(|d| d.abolished.as_deref().and_then(date32))
                    .collect::<Date32Array>(),
            ),
            true,
        ),
        ("successor", text(d().map(|d| d.successor.as_deref())), true),
        (
            "hq_lat",
            Arc::new(d().map(|d| d.hq_lat).collect::<Float64Array>()),
            true,
        ),
        (
            "hq_lon",
            Arc::new(d().map(|d| d.hq_lon).collect::<Float64Array>()),
            true,
        ),
    ])
}

/// `ref.rto_codes`: Rajasthan registration offices.
pub fn rto_codes() -> RecordBatch {
    let r = || RTO_CODES.iter();
    let non_empty = |s: &'static String| (!s.is_empty()).then_some(s.as_str());
    batch(vec![
        ("rto_code", text(r().map(|r| Some(r.code.as_str()))), false),
        (
            "office_type",
            text(r().map(|r| non_empty(&r.office_type))),
            true,
        ),
        ("office", text(r().map(|r| non_empty(&r.office))), true),
        ("district", text(r().map(|r| non_empty(&r.district))), true),
        ("source", text(r().map(|r| non_empty(&r.source))), true),
    ])
}

/// `ref.police_districts`: police districts that are not revenue districts.
pub fn police_districts() -> RecordBatch {
    let p = || POLICE_DISTRICTS.iter();
    batch(vec![
        (
            "police_district",
            text(p().map(|p| Some(p.police_district.as_str()))),
            false,
        ),
        (
            "revenue_district",
            text(p().map(|p| Some(p.revenue_district.as_str()))),
            false,
        ),
        ("kind", text(p().map(|p| Some(p.kind.as_str()))), false),
        ("note", text(p().map(|p| p.note.as_deref())), true),
    ])
}

/// `ref.state_codes`: state and union-territory codes on number plates.
pub fn state_codes() -> RecordBatch {
    let s = || STATE_CODES.iter();
    batch(vec![
        ("code", text(s().map(|s| Some(s.code.as_str()))), false),
        ("name", text(s().map(|s| Some(s.name.as_str()))), false),
        (
            "status",
            text(s().map(|s| Some(if s.current { "current" } else { "old" }))),
            false,
        ),
        (
            "note",
            text(s().map(|s| (!s.note.is_empty()).then_some(s.note.as_str()))),
            true,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(date32("1970-01-01"), Some(0));
        assert_eq!(date32("2000-03-01"), Some(11_017));
        assert_eq!(date32("2023-08-07"), Some(19_576));
        assert_eq!(date32("2024-12-28"), Some(20_085));
        assert_eq!(date32("2024-13-01"), None);
        assert_eq!(date32(""), None);
    }
}
