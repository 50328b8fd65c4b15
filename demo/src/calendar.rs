//! Dates and times of the demo lake: days as `Date32` numbers (days since 1970-01-01), times
//! as microseconds of local time (IST, stored without a time zone), and the daily, weekly and
//! yearly rhythms events follow.

use super::rng::{Rng, Weighted};

/// Microseconds in a second and a day.
pub const MICROS: i64 = 1_000_000;
pub const DAY_MICROS: i64 = 86_400 * MICROS;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub const fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// The civil date `(year, month, day)` of a day number.
pub const fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe as i32 + era * 400 + (month <= 2) as i32;
    (year, month, day)
}

/// Day of the week, 0 = Monday .. 6 = Sunday.
pub const fn weekday(days: i32) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

pub const fn year_of(days: i32) -> i32 {
    civil_from_days(days).0
}

/// First and last day of the lake's history (FIRs, calls, complaints, posts).
pub const FIRST_DAY: i32 = days_from_civil(2019, 1, 1);
pub const LAST_DAY: i32 = days_from_civil(2025, 12, 31);
pub const FIRST_YEAR: i32 = 2019;
pub const LAST_YEAR: i32 = 2025;

/// The Bharatiya Nyaya Sanhita replaced the Indian Penal Code for offences from this day.
pub const BNS_FROM: i32 = days_from_civil(2024, 7, 1);
/// Bharat-series (`BH`) registrations began on this day.
pub const BHARAT_SERIES_FROM: i32 = days_from_civil(2021, 9, 15);

/// Holi and Diwali of each year: calls and posts spike around them.
const FESTIVALS: [(i32, u32, u32); 14] = [
    (2019, 3, 21),
    (2019, 10, 27),
    (2020, 3, 10),
    (2020, 11, 14),
    (2021, 3, 29),
    (2021, 11, 4),
    (2022, 3, 18),
    (2022, 10, 24),
    (2023, 3, 8),
    (2023, 11, 12),
    (2024, 3, 25),
    (2024, 11, 1),
    (2025, 3, 14),
    (2025, 10, 20),
];

/// Whether `days` is a festival day or the day before one.
pub fn is_festival(days: i32) -> bool {
    FESTIVALS.iter().any(|&(y, m, d)| {
        let f = days_from_civil(y, m, d);
        days == f || days + 1 == f
    })
}

/// Relative volume of events in each year: a rising trend with the 2020 lockdown dip.
pub fn year_weight(year: i32) -> f64 {
    match year {
        2019 => 1.0,
        2020 => 0.82,
        2021 => 0.95,
        2022 => 1.05,
        2023 => 1.1,
        2024 => 1.14,
        _ => 1.18,
    }
}

/// Hourly profiles (relative volume per hour of the day).
pub mod hours {
    /// Traffic past ANPR cameras: by day, with morning and evening peaks.
    pub const TRAFFIC: [f64; 24] = [
        0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 1.0, 1.6, 2.2, 2.5, 2.4, 2.3, 2.2, 2.2, 2.2, 2.3, 2.5, 2.7,
        2.8, 2.5, 2.0, 1.5, 1.0, 0.6,
    ];
    /// Dial-112 calls: more in the evening and late night.
    pub const CALLS: [f64; 24] = [
        1.2, 0.9, 0.7, 0.5, 0.4, 0.4, 0.6, 0.8, 1.0, 1.1, 1.2, 1.3, 1.3, 1.3, 1.3, 1.4, 1.5, 1.7,
        2.0, 2.3, 2.5, 2.4, 2.0, 1.6,
    ];
    /// FIR registration at the police station: office hours.
    pub const OFFICE: [f64; 24] = [
        0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.0, 2.4, 2.5, 2.5, 2.4, 2.3, 2.2, 2.1, 2.0,
        1.8, 1.5, 1.2, 0.9, 0.6, 0.3,
    ];
    /// Web portal and social media: daytime and evening.
    pub const ONLINE: [f64; 24] = [
        0.5, 0.3, 0.2, 0.1, 0.1, 0.2, 0.5, 0.9, 1.3, 1.6, 1.8, 1.8, 1.7, 1.6, 1.6, 1.6, 1.6, 1.7,
        1.8, 1.9, 2.0, 1.9, 1.5, 1.0,
    ];
}

/// Samples a time of day (microseconds) from an hourly profile.
#[derive(Debug, Clone)]
pub struct DayClock {
    hours: Weighted,
}

impl DayClock {
    pub fn new(profile: &[f64; 24]) -> DayClock {
        DayClock {
            hours: Weighted::new(profile.iter().copied()),
        }
    }

    /// Microseconds since midnight, to the second.
    pub fn time_of_day(&self, rng: &mut Rng) -> i64 {
        let hour = self.hours.sample(rng) as i64;
        (hour * 3600 + rng.range(0, 3599)) * MICROS
    }
}

/// Samples days of a range in proportion to a weight per day.
#[derive(Debug, Clone)]
pub struct DayPicker {
    first: i32,
    days: Weighted,
}

impl DayPicker {
    /// Days `first..=last`, weighted by `weight(day)`.
    pub fn new(first: i32, last: i32, weight: impl Fn(i32) -> f64) -> DayPicker {
        DayPicker {
            first,
            days: Weighted::new((first..=last).map(weight)),
        }
    }

    pub fn sample(&self, rng: &mut Rng) -> i32 {
        self.first + self.days.sample(rng) as i32
    }
}

/// `YYYY-MM-DD`.
pub fn iso_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `DD-MM-YYYY`, as dates are written in Indian forms.
pub fn indian_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{d:02}-{m:02}-{y:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_weekday() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 7, 1), 19905);
        for days in [-1000, 0, 19905, FIRST_DAY, LAST_DAY, 20_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // 1 July 2024 was a Monday.
        assert_eq!(weekday(BNS_FROM), 0);
        assert_eq!(iso_date(LAST_DAY), "2025-12-31");
        assert_eq!(indian_date(BNS_FROM), "01-07-2024");
        assert!(is_festival(days_from_civil(2024, 10, 31)));
    }
}
