//! How messy the demo lake is: every proportion in one place.
//!
//! The shares are of the values of one column (or of the entities named) and are what the
//! generator draws with; the integration tests check the data against them. The module
//! documentation of [`crate::demo`] lists them as a table.

pub use super::geo::DistrictStyle;
pub use super::people::PhoneStyle;
pub use super::plates::{ReadNoise, TypedStyle};

// ----- Number plates ---------------------------------------------------------------------

/// `cctns.stolen_vehicles.plate`, as typed at the police station.
pub const TYPED_PLATE_STYLES: [(TypedStyle, f64); 7] = [
    (TypedStyle::Canonical, 0.40),  // RJ14CA0012
    (TypedStyle::Spaced, 0.18),     // RJ 14 CA 0012
    (TypedStyle::Lower, 0.10),      // rj14ca0012
    (TypedStyle::Dashed, 0.10),     // RJ-14-CA-0012
    (TypedStyle::Unpadded, 0.12),   // RJ14CA12 (number 0012)
    (TypedStyle::LookAlike, 0.07),  // RJ14CAOO12: O typed for 0, I for 1
    (TypedStyle::Devanagari, 0.03), // RJ१४CA००१२
];

/// `abhay.anpr_reads.plate_text`, as read by the camera's OCR. The confusions stay within the
/// look-alike classes O/0/D/Q, I/1/L/T/J, Z/2, S/5, B/8, G/6, A/4, by position (a digit slot
/// read as a letter, a letter slot as a digit, `RJ` as `RI`); a garbled read lost a character
/// or misread one outside its class, and no function can recover it.
pub const READ_NOISE: [(ReadNoise, f64); 6] = [
    (ReadNoise::Clean, 0.67),         // RJ14CA0012
    (ReadNoise::Spaced, 0.06),        // RJ14 CA 0012
    (ReadNoise::OneConfusion, 0.17),  // RI14CA0012, RJ14CA0O12
    (ReadNoise::TwoConfusions, 0.05), // RJI4C4OO12
    (ReadNoise::IndPrefix, 0.03),     // INDRJ14CA0012 (the hologram strip read too)
    (ReadNoise::Garbled, 0.02),       // RJ14CA012, RJ14CA0712
];

/// ANPR reads of vehicles registered in other states (HR, DL, GJ, MP, UP, PB, ...), which
/// `vahan.registrations` does not hold.
pub const READ_OUT_OF_STATE: f64 = 0.10;
/// Of the Rajasthan vehicles read, those registered in the camera's own district.
pub const READ_LOCAL: f64 = 0.75;

/// Registrations in the Bharat series (`22BH1234AA`), among vehicles registered from
/// 15 September 2021.
pub const VAHAN_BHARAT: f64 = 0.06;
/// Registrations in the old three-letter series (`RSB 1234`), all before 1989.
pub const VAHAN_OLD: f64 = 0.005;

// ----- Districts -------------------------------------------------------------------------

/// A district name as written into `cctns.fir.district`, `cctns.accused.district`,
/// `abhay.dial112_calls.district`, `portal.complaints.district`, `telecom.subscribers.district`
/// and `social.posts.district_tag`. A district without a police district, abolished district
/// or alias gets a typo (or a case variant) instead.
pub const DISTRICT_STYLES: [(DistrictStyle, f64); 7] = [
    (DistrictStyle::Canonical, 0.70), // Sawai Madhopur
    (DistrictStyle::Case, 0.06),      // SAWAI MADHOPUR, jaipur
    (DistrictStyle::Alias, 0.05),     // Swaimadhopur, Chittaurgarh, Ganganagar
    (DistrictStyle::Hindi, 0.06),     // सवाई माधोपुर
    (DistrictStyle::Police, 0.05),    // Jaipur East, Kota City, Bhiwadi
    (DistrictStyle::Abolished, 0.03), // Gangapur City, Dudu, Neem Ka Thana (abolished Dec 2024)
    (DistrictStyle::Typo, 0.05),      // Sawai Madhpur
];

/// Dial-112 districts (free text) with words around the name: `Distt. Jaipur`, `Kota (Raj.)`,
/// `near Tonk`, `jaipur city`.
pub const FREE_TEXT_DECORATED: f64 = 0.20;

// ----- Phones and identity documents ------------------------------------------------------

/// Phone numbers as written in `cctns.accused.phone`, `vahan.registrations.owner_phone`,
/// `abhay.dial112_calls.caller`, `portal.complaints.mobile` and `social.posts.linked_phone`.
pub const PHONE_STYLES: [(PhoneStyle, f64); 7] = [
    (PhoneStyle::Plain, 0.40),      // 9829012345
    (PhoneStyle::Spaced, 0.14),     // +91 98290 12345
    (PhoneStyle::Trunk, 0.14),      // 09829012345
    (PhoneStyle::Country, 0.10),    // 919829012345
    (PhoneStyle::Plus, 0.12),       // +919829012345
    (PhoneStyle::Dashed, 0.05),     // 98290-12345
    (PhoneStyle::PlusDashed, 0.05), // +91-9829012345
];
/// Of the phone numbers written (not `social.posts.linked_phone`), those that are no mobile
/// number at all: 9 or 11 digits, or starting with 1-5.
pub const PHONE_INVALID: f64 = 0.03;
/// `cctns.accused.phone` left empty.
pub const ACCUSED_PHONE_MISSING: f64 = 0.15;
/// `vahan.registrations.owner_phone` left empty (old registrations).
pub const OWNER_PHONE_MISSING: f64 = 0.05;

/// `telecom.subscribers.id_type`.
pub const ID_TYPES: [(&str, f64); 5] = [
    ("Aadhaar", 0.82),
    ("Voter ID", 0.08),
    ("Driving Licence", 0.05),
    ("PAN", 0.03),
    ("Passport", 0.02),
];
/// Aadhaar numbers in `telecom.subscribers` (other than SIMs held by accused persons, see
/// [`SIM_INVALID_AADHAAR`]) whose Verhoeff check digit is wrong.
pub const AADHAAR_INVALID: f64 = 0.04;
/// Aadhaar numbers written in groups of four (`2345 6789 0123`).
pub const AADHAAR_SPACED: f64 = 0.35;
/// `telecom.subscribers.imei` with a wrong Luhn check digit.
pub const IMEI_INVALID: f64 = 0.03;
/// `telecom.subscribers.imei` with 14 digits (check digit left off).
pub const IMEI_SHORT: f64 = 0.01;

// ----- Law -------------------------------------------------------------------------------

/// `cctns.fir.sections` written in Hindi (`धारा 379 भादवि`, `धारा 303(2) बीएनएस`).
pub const SECTIONS_HINDI: f64 = 0.08;
/// `cctns.fir.sections` written with `u/s` (`u/s 420 IPC`).
pub const SECTIONS_US: f64 = 0.25;

// ----- Planted links ---------------------------------------------------------------------

/// Accused persons accused in 2-6 FIRs (repeat offenders).
pub const REPEAT_OFFENDER: f64 = 0.10;
/// Repeat offenders whose name another accused person of another district bears (with
/// another father): decoys in `truth.decoys`.
pub const NAMESAKE: f64 = 0.15;
/// Appearances of a repeat offender after the first whose name is spelt differently
/// (`Ramesh Kumar Meena`, `RAMESH MEENA`, `Rameshkumar Mina`, `Ramesh Meena @ Kalu`).
pub const NAME_VARIANT: f64 = 0.60;
/// Accused persons whose phone has a record in `telecom.subscribers`.
pub const ACCUSED_PHONE_IN_SUBSCRIBERS: f64 = 0.60;
/// Of those SIMs, registered in another person's name and Aadhaar (a relative or a stranger).
pub const SIM_OTHER_PERSON: f64 = 0.12;
/// Of those SIMs, registered in the holder's own name but with an invalid Aadhaar number.
pub const SIM_INVALID_AADHAAR: f64 = 0.05;
/// Of those SIMs in the holder's own name, spelt differently (still not a mismatch).
pub const SIM_NAME_VARIANT: f64 = 0.20;
/// Accused persons with a phone who post on social media (1-5 posts linked to their phone).
pub const ACCUSED_POSTER: f64 = 0.08;
/// Posts by accused persons that show a weapon.
pub const ACCUSED_WEAPON_POST: f64 = 0.25;
/// Of the other posts of accused persons, those whose image shows a toy or replica weapon
/// (flagged as a weapon, the text says what it is): decoys in `truth.decoys`.
pub const ACCUSED_TOY_WEAPON_POST: f64 = 0.08;
/// Other posts that show a weapon (celebratory firing, licensed guns, films).
pub const PUBLIC_WEAPON_POST: f64 = 0.01;
/// Other posts with a linked phone.
pub const PUBLIC_POST_LINKED: f64 = 0.30;

/// Stolen vehicles recovered (by the end of 2025).
pub const STOLEN_RECOVERED: f64 = 0.25;
/// Unrecovered stolen vehicles that pass ANPR cameras (1-6 times) after the theft.
pub const STOLEN_SIGHTED: f64 = 0.35;
/// Recovered vehicles read again after their recovery (not sightings).
pub const RECOVERED_READ: f64 = 0.50;
/// Unrecovered stolen vehicles, stolen before the end of the ANPR window, of which another
/// vehicle is read after the theft whose plate is one character away, not a look-alike
/// (`RJ14CA1234` stolen, `RJ14CA1734` read): decoys in `truth.decoys`.
pub const STOLEN_LOOK_ALIKE_READ: f64 = 0.10;
/// ANPR cameras whose clock is off by 15 minutes to 3 hours (60% fast), as recorded in
/// `abhay.cameras.clock_offset_seconds`; their reads' `seen_at` carry the error.
pub const CAMERA_CLOCK_SKEWED: f64 = 0.04;
/// Stolen vehicles stolen within the ANPR window that a fast camera read shortly before the
/// theft, recorded after it: decoys in `truth.decoys`.
pub const STOLEN_CLOCK_SKEWED_READ: f64 = 0.30;
