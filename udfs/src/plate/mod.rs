//! Number plate functions: read plates of every Indian format from messy text and OCR output.
//!
//! One parser ([`parse`]) serves every function; [`ocr`] adds the repair of look-alike
//! characters and the match key. Which functions repair:
//! - `plate_normalize`, `plate_is_valid`, `plate_kind`, `plate_state`, `plate_state_name`,
//!   `plate_rto` and `plate_district` read the value as written: formatting (case, spaces,
//!   separators, missing zero padding, Devanagari digits) is dropped, nothing is guessed. A
//!   Rajasthan plate must carry a known office (RJ01-RJ60); `RJ99CA1234` is no plate, like
//!   `RJ00CA1234`. They all agree: each is non-NULL only where `plate_normalize` is (where the
//!   kind has the part).
//! - `plate_repair` also fixes OCR confusions by position; compose it
//!   (`plate_state(plate_repair(x))`) to describe a repaired read. Fragments (`RJ14CA`) and
//!   words are no plates.
//! - `plate_match_key` reads like `plate_repair`, but also keys ambiguous reads and keeps a
//!   plate as written unless a full-width reading is closer (see [`ocr`]). Where a value is no
//!   plate as written, its repair has its key. Distinct plates may share a key: the key finds
//!   candidates.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod is_valid;
mod kind;
mod match_key;
mod normalize;
pub mod ocr;
pub mod parse;
mod repair;
mod rto;
#[cfg(target_arch = "x86_64")]
mod scan;
mod state;

#[cfg(test)]
mod proptests;

use parse::Tables;
pub use parse::{Kind, Plate};

use crate::kernel::{Predicate, ShortStr, ShortText};

/// The kernel of a function of the plate a value holds as written (`plate_normalize`,
/// `plate_is_valid`, ...): `f` of the plate. As a [`ShortText`] kernel, `f` is given the plate
/// and the result is NULL where there is none; as a [`Predicate`], `f` is given the plate or
/// `None`. The parser's SSSE3 pass is inlined into the batch loop.
struct OfPlate<F> {
    tables: &'static Tables,
    f: F,
}

impl<F> OfPlate<F> {
    fn new(f: F) -> OfPlate<F> {
        OfPlate {
            tables: Tables::get(),
            f,
        }
    }

    /// [`Plate::parse_ssse3_inline`] with the tables fetched once.
    ///
    /// # Safety
    ///
    /// The processor must have SSSE3 and POPCNT.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn parse_ssse3(&self, value: &str) -> Option<Plate> {
        // SAFETY: the caller's contract.
        unsafe { Plate::parse_ssse3_inline(value, self.tables) }
    }
}

impl<T: ShortStr, F: FnMut(&Plate) -> Option<T>> ShortText for OfPlate<F> {
    type Text = T;

    #[inline(always)]
    fn text(&mut self, value: &str) -> Option<T> {
        (self.f)(&Plate::parse(value)?)
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn text_ssse3(&mut self, value: &str) -> Option<T> {
        // SAFETY: the processor has SSSE3 and POPCNT (the contract of `text_ssse3`).
        let plate = unsafe { self.parse_ssse3(value) }?;
        (self.f)(&plate)
    }

    const SSSE3: bool = true;
}

impl<F: FnMut(Option<&Plate>) -> bool> Predicate for OfPlate<F> {
    #[inline(always)]
    fn test(&mut self, value: &str) -> Option<bool> {
        Some((self.f)(Plate::parse(value).as_ref()))
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn test_ssse3(&mut self, value: &str) -> Option<bool> {
        // SAFETY: the processor has SSSE3 and POPCNT (the contract of `test_ssse3`).
        let plate = unsafe { self.parse_ssse3(value) };
        Some((self.f)(plate.as_ref()))
    }

    const SSSE3: bool = true;
}

/// Every function of this family.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::clone(&normalize::PLATE_NORMALIZE),
        Arc::clone(&repair::PLATE_REPAIR),
        Arc::clone(&match_key::PLATE_MATCH_KEY),
        Arc::clone(&is_valid::PLATE_IS_VALID),
        Arc::clone(&kind::PLATE_KIND),
        Arc::clone(&state::PLATE_STATE),
        Arc::clone(&state::PLATE_STATE_NAME),
        Arc::clone(&rto::PLATE_RTO),
        Arc::clone(&rto::PLATE_DISTRICT),
    ]
}

#[cfg(test)]
pub(crate) mod test_util {
    use datafusion::logical_expr::ScalarUDF;

    pub(crate) use crate::kernel::test_util::texts;

    /// Asserts `udf(input) = expected` for each pair, over every encoding.
    pub fn check(udf: &ScalarUDF, cases: &[(Option<&str>, Option<&str>)]) {
        let inputs: Vec<Option<&str>> = cases.iter().map(|c| c.0).collect();
        let got = texts(udf, &inputs);
        for ((input, expected), got) in cases.iter().zip(got) {
            assert_eq!(got.as_deref(), *expected, "{}({input:?})", udf.name());
        }
    }

    /// Messy values every function must survive: NULL, empty, blank, 10 KB, non-ASCII.
    pub fn messy() -> Vec<Option<String>> {
        vec![
            None,
            Some(String::new()),
            Some("   ".into()),
            Some("RJ14CA0012".repeat(1000)),
            Some(format!("RJ14CA0012{}", " ".repeat(10_000))),
            Some("राजस्थान १४".into()),
            Some("\u{0}\u{fffd}🚗".into()),
            Some("RJ14CA0012\u{301}".into()),
        ]
    }
}
