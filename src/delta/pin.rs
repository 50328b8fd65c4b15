//! Which state of a Delta table to read: a version number, or the moment it was the latest.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The lake's time zone: India Standard Time, UTC+05:30 all year. A moment written without an
/// offset (`2024-06-30`, `2024-06-30 18:00`) is a moment in IST.
pub const LAKE_OFFSET_SECONDS: i32 = 5 * 3600 + 30 * 60;

fn lake_zone() -> FixedOffset {
    FixedOffset::east_opt(LAKE_OFFSET_SECONDS).expect("+05:30 is a valid offset")
}

/// A Delta table's state to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pin {
    /// Version `n` of the table's log.
    Version(u64),
    /// The latest version committed at or before this moment.
    At(DateTime<Utc>),
}

impl Pin {
    /// Reads a pin as users write it: `v12` (or `version 12`) for a version; an RFC 3339
    /// timestamp (`2024-06-30T23:59:59+05:30`, `…Z`); a date and time without offset (IST); or a
    /// date alone, which means the end of that day in IST (`2024-06-30` is everything committed
    /// on 30 June).
    pub fn parse(text: &str) -> Result<Pin, String> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        let version = lower
            .strip_prefix("version")
            .map(str::trim_start)
            .or_else(|| lower.strip_prefix('v'));
        if let Some(digits) = version
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            return digits
                .parse()
                .map(Pin::Version)
                .map_err(|_| format!("version {digits} is too large"));
        }
        Pin::parse_moment(text).map(Pin::At).ok_or_else(|| {
            format!(
                "cannot read {text:?} as a version or a moment: write v12, 2024-06-30 (the end of that day, IST), 2024-06-30 18:00 (IST) or 2024-06-30T18:00:00+05:30"
            )
        })
    }

    fn parse_moment(text: &str) -> Option<DateTime<Utc>> {
        if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
            return Some(moment.with_timezone(&Utc));
        }
        let local = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let last = NaiveTime::from_hms_milli_opt(23, 59, 59, 999)?;
            day.and_time(last)
        } else {
            [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())?
        };
        let moment = lake_zone().from_local_datetime(&local).single()?;
        Some(moment.with_timezone(&Utc))
    }

    /// The pin as a table name's suffix (`fir@v12`, `fir@2024-06-30T18:29:59.999Z`), which
    /// [`Pin::parse`] reads back.
    pub fn suffix(&self) -> String {
        match self {
            Pin::Version(version) => format!("v{version}"),
            Pin::At(moment) => moment.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        }
    }
}

/// A moment as the lake shows it: in IST, to the second (or millisecond where it has one).
pub fn show_moment(moment: &DateTime<Utc>) -> String {
    moment
        .with_timezone(&lake_zone())
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::Version(version) => write!(f, "version {version}"),
            Pin::At(moment) => write!(f, "{}", show_moment(moment)),
        }
    }
}

/// Splits a table name into the table and the pin it carries, if any: `fir@v3` is version 3 of
/// `fir`. Names without `@` carry none.
pub fn split_pinned(name: &str) -> Option<(&str, Result<Pin, String>)> {
    let (table, pin) = name.split_once('@')?;
    Some((table, Pin::parse(pin)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        match Pin::parse(text).unwrap() {
            Pin::At(moment) => moment.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn versions() {
        assert_eq!(Pin::parse("v12"), Ok(Pin::Version(12)));
        assert_eq!(Pin::parse("V0"), Ok(Pin::Version(0)));
        assert_eq!(Pin::parse("version 7"), Ok(Pin::Version(7)));
        assert!(Pin::parse("v").is_err());
        assert!(Pin::parse("v-1").is_err());
        assert!(
            Pin::parse("v99999999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn moments_in_ist_unless_offset_given() {
        assert_eq!(at("2024-06-30"), "2024-06-30T18:29:59.999Z");
        assert_eq!(at("2024-06-30 18:00"), "2024-06-30T12:30:00.000Z");
        assert_eq!(at("2024-06-30T18:00:05"), "2024-06-30T12:30:05.000Z");
        assert_eq!(at("2024-06-30T23:59:59+05:30"), "2024-06-30T18:29:59.000Z");
        assert_eq!(at("2024-06-30T10:00:00Z"), "2024-06-30T10:00:00.000Z");
        assert_eq!(at("2024-06-30T10:00:00-04:00"), "2024-06-30T14:00:00.000Z");
    }

    #[test]
    fn bad_moments_say_what_is_accepted() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "30/06/2024",
            "2024-06-30 25:00",
        ] {
            let error = Pin::parse(bad).unwrap_err();
            assert!(error.contains("write v12"), "{bad}: {error}");
        }
    }

    #[test]
    fn suffix_reads_back() {
        for text in ["v3", "2024-06-30", "2024-06-30T10:00:00.123Z"] {
            let pin = Pin::parse(text).unwrap();
            assert_eq!(Pin::parse(&pin.suffix()), Ok(pin), "{text}");
        }
        assert_eq!(
            Pin::parse("2024-06-30").unwrap().to_string(),
            "2024-06-30T23:59:59.999+05:30"
        );
        assert!(split_pinned("fir").is_none());
        assert_eq!(split_pinned("fir@v2").unwrap().1, Ok(Pin::Version(2)));
    }
}
