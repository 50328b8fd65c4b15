//! `imei_is_valid`: 15-digit IMEI with a Luhn check digit.
//!
//! Spaces, no-break spaces, dashes, slashes and dots are formatting (`49-015420-323751-8`,
//! `490154/20/323751/8`); Devanagari digits are digits; any other character makes it invalid.

use arrow::datatypes::DataType;

use super::collect_digits;
use crate::function::police_function;
use crate::kernel::{self, ToBool};

/// What a doubled digit d contributes: 2d, minus 9 when 2d has two digits.
const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/// The Luhn check digit to append to the decimal digits of `body` (to generate data).
pub fn luhn_check_digit(body: u64) -> u8 {
    // The check digit will take position 0 from the right, so the body's last digit is doubled.
    let (mut sum, mut rest, mut doubled) = (0u32, body, true);
    while rest > 0 {
        let digit = (rest % 10) as usize;
        sum += if doubled {
            DOUBLED[digit]
        } else {
            digit as u32
        };
        rest /= 10;
        doubled = !doubled;
    }
    ((10 - sum % 10) % 10) as u8
}

/// True if the ASCII digits end in a correct Luhn check digit.
#[inline]
pub fn luhn_is_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| {
            let digit = (digit - b'0') as usize;
            if position % 2 == 1 {
                DOUBLED[digit]
            } else {
                digit as u32
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// True for a valid IMEI: exactly 15 digits, not all zero, with a correct Luhn check digit.
#[inline]
pub fn imei_is_valid(text: &str) -> bool {
    let mut digits = [0u8; 15];
    let Some(count) = collect_digits(text, &mut digits, |b| {
        matches!(b, b' ' | b'\t' | b'-' | b'/' | b'.')
    }) else {
        return false;
    };
    count == 15 && digits.iter().any(|&d| d != b'0') && luhn_is_valid(&digits)
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "True if the value is a valid IMEI: exactly 15 digits (spaces, dashes, \
slashes and dots allowed; ASCII or Devanagari) whose last digit is the Luhn check digit. False \
for 14 digits (an IMEI without its check digit cannot be checked), for 16 digits (an IMEISV \
carries a software version instead of a check digit), for the all-zero placeholder that some \
systems write for an unknown handset, and for anything else; NULL for NULL.",
        syntax_example = "imei_is_valid(imei)",
        sql_example = r#"```sql
> select imei_is_valid('49-015420-323751-8');
+-------------------------------------------+
| imei_is_valid(Utf8("49-015420-323751-8")) |
+-------------------------------------------+
| true                                      |
+-------------------------------------------+
```"#,
        argument(name = "imei", description = "IMEI as text or integer.")
    )]
    struct ImeiIsValid;
    pub(super) static IMEI_IS_VALID = "imei_is_valid";
    signature = kernel::one_text_argument();
    return_type = DataType::Boolean;
    fn invoke_with_args(args) {
        let mut kernel = ToBool(|value: &str| Some(imei_is_valid(value)));
        kernel::evaluate_bool(&mut kernel, &args.args[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::test_util::bools;

    #[test]
    fn check_digits_make_valid_numbers() {
        // The IMEI 49015420323751 has check digit 8.
        assert_eq!(luhn_check_digit(49_015_420_323_751), 8);
        for body in (0..200_000u64).map(|i| i * 7_919_993 + 13) {
            let check = luhn_check_digit(body);
            assert!(luhn_is_valid(format!("{body}{check}").as_bytes()), "{body}");
            let wrong = (check + 1) % 10;
            assert!(
                !luhn_is_valid(format!("{body}{wrong}").as_bytes()),
                "{body}"
            );
        }
    }

    /// Luhn's check written the textbook way, independently of `luhn_is_valid`: double every
    /// second digit from the right and add the digits of the products.
    fn luhn_by_definition(digits: &str) -> bool {
        let sum: u32 = digits
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap() * if i % 2 == 1 { 2 } else { 1 };
                d / 10 + d % 10
            })
            .sum();
        sum.is_multiple_of(10)
    }

    #[test]
    fn luhn_agrees_with_the_definition() {
        let mut state = 42u64;
        for _ in 0..5_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let number = format!("{:015}", (state >> 4) % 1_000_000_000_000_000);
            assert_eq!(
                luhn_is_valid(number.as_bytes()),
                luhn_by_definition(&number),
                "{number}"
            );
        }
        assert!(luhn_is_valid(b"79927398713"));
        assert!(!luhn_is_valid(b"79927398710"));
    }

    #[test]
    fn known_vectors() {
        let cases: &[(&str, bool)] = &[
            ("490154203237518", true),
            ("490154203237519", false),
            ("49-015420-323751-8", true),
            ("49 015420 323751 8", true),
            ("490154/20/323751/8", true),
            ("4901.5420.3237.518", true),
            (" 490154203237518\t", true),
            ("४९०१५४२०३२३७५१८", true),
            ("490154203237518.0", true),
            ("356938035643809", true),
            ("356938035643808", false),
            ("353918050000003", false),
            // 14 digits: no check digit to verify.
            ("49015420323751", false),
            // 16 digits: an IMEISV (software version instead of check digit).
            ("4901542032375101", false),
            // The all-zero placeholder passes Luhn but is no handset.
            ("000000000000000", false),
            ("", false),
            ("IMEI 490154203237518", false),
            ("49015420323751X", false),
            ("490154203237518,490154203237518", false),
        ];
        let inputs: Vec<Option<&str>> = cases.iter().map(|(input, _)| Some(*input)).collect();
        let valid = bools(&IMEI_IS_VALID, &inputs);
        for (i, (input, expected)) in cases.iter().enumerate() {
            assert_eq!(valid[i], Some(*expected), "imei_is_valid({input:?})");
        }
    }

    #[test]
    fn null_long_and_garbage() {
        let long = "4".repeat(10_000);
        let inputs = [None, Some(long.as_str()), Some("मोबाइल"), Some("\u{0}")];
        assert_eq!(
            bools(&IMEI_IS_VALID, &inputs),
            [None, Some(false), Some(false), Some(false)]
        );
    }
}
