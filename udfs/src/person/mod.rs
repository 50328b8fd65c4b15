//! People and devices: mobile numbers, Aadhaar, IMEI and PAN.
//!
//! Each identifier is read from messy text in one pass over its bytes: ASCII digits and
//! Devanagari digits (०-९) count as digits, the usual separators are skipped, and anything else
//! makes the value invalid (NULL or `false`) — formatting is tolerated, content is never guessed.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod aadhaar;
mod imei;
mod pan;
mod phone;

pub use aadhaar::{aadhaar_is_valid, verhoeff_check_digit, verhoeff_is_valid};
pub use imei::{imei_is_valid, luhn_check_digit, luhn_is_valid};
pub use pan::pan_is_valid;
pub use phone::parse_mobile;

/// Every function of this family.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::clone(&phone::PHONE_NORMALIZE),
        Arc::clone(&phone::PHONE_IS_VALID),
        Arc::clone(&phone::PHONE_MASK),
        Arc::clone(&aadhaar::AADHAAR_IS_VALID),
        Arc::clone(&aadhaar::AADHAAR_MASK),
        Arc::clone(&imei::IMEI_IS_VALID),
        Arc::clone(&pan::PAN_IS_VALID),
    ]
}

/// Collects the digits of `text` into `digits`, skipping bytes for which `skip` is true.
///
/// ASCII and Devanagari digits are digits (returned as ASCII); a no-break space is skipped like
/// a space; a final `.0` after ASCII digits only is dropped (a number that was read as a float
/// and cast to text: `9829012345.0`). Returns the number of digits, or `None` if `text` holds any
/// other character or more than `N` digits.
#[inline]
pub(crate) fn collect_digits<const N: usize>(
    text: &str,
    digits: &mut [u8; N],
    skip: impl Fn(u8) -> bool,
) -> Option<usize> {
    let text = match text.strip_suffix(".0") {
        Some(integral) if !integral.is_empty() && integral.bytes().all(|b| b.is_ascii_digit()) => {
            integral
        }
        _ => text,
    };
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let digit = match byte {
            b'0'..=b'9' => {
                i += 1;
                byte
            }
            // Devanagari digits U+0966..U+096F are E0 A5 A6..AF in UTF-8.
            0xE0 => match bytes.get(i + 1..i + 3) {
                Some(&[0xA5, low @ 0xA6..=0xAF]) => {
                    i += 3;
                    b'0' + (low - 0xA6)
                }
                _ => return None,
            },
            // U+00A0 no-break space, common in text copied from web pages and spreadsheets.
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => {
                i += 2;
                continue;
            }
            _ if skip(byte) => {
                i += 1;
                continue;
            }
            _ => return None,
        };
        if count == N {
            return None;
        }
        digits[count] = digit;
        count += 1;
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_from_mixed_scripts() {
        let mut digits = [0u8; 12];
        let n = collect_digits("९८२९ 01-2345", &mut digits, |b| {
            b == b' ' || b == b'-'
        });
        assert_eq!(n, Some(10));
        assert_eq!(&digits[..10], b"9829012345");
        assert_eq!(collect_digits("98x", &mut digits, |b| b == b' '), None);
        assert_eq!(
            collect_digits("1234567890123", &mut digits, |_| false),
            None
        );
        assert_eq!(
            collect_digits("\u{a0}12\u{a0}", &mut digits, |_| false),
            Some(2)
        );
        // A truncated multi-byte character, or another Devanagari character, is not a digit.
        assert_eq!(collect_digits("१२क", &mut digits, |_| false), None);
        assert_eq!(collect_digits("", &mut digits, |_| false), Some(0));
        // Floats cast to text.
        assert_eq!(
            collect_digits("9829012345.0", &mut digits, |_| false),
            Some(10)
        );
        assert_eq!(collect_digits("98.0", &mut digits, |_| false), Some(2));
        assert_eq!(collect_digits(".0", &mut digits, |_| false), None);
        assert_eq!(collect_digits("98 29.0", &mut digits, |_| false), None);
    }
}
