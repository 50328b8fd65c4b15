//! `aadhaar_is_valid`, `aadhaar_mask`: Aadhaar numbers (12 digits, Verhoeff check digit).
//!
//! Spaces, no-break spaces and dashes are formatting (`2341 2341 2346`, `2341-2341-2346`);
//! Devanagari digits are digits; any other character makes the value invalid.

use arrow::datatypes::DataType;

use super::collect_digits;
use crate::function::police_function;
use crate::kernel::{self, ToBool, ToText};

/// Verhoeff's multiplication table of the dihedral group D5.
const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff's position permutations: row `i` is applied to the digit `i` places from the right.
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff's inverses in D5.
const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// The Verhoeff check digit to append to the decimal digits of `body` (to generate data).
pub fn verhoeff_check_digit(body: u64) -> u8 {
    let mut check = 0u8;
    // The check digit will take position 0 from the right, so the body starts at 1.
    let (mut rest, mut position) = (body, 1);
    while rest > 0 {
        check = D[check as usize][P[position % 8][(rest % 10) as usize] as usize];
        rest /= 10;
        position += 1;
    }
    INV[check as usize]
}

/// True if the ASCII digits end in a correct Verhoeff check digit.
#[inline]
pub fn verhoeff_is_valid(digits: &[u8]) -> bool {
    let mut check = 0u8;
    for (position, &digit) in digits.iter().rev().enumerate() {
        check = D[check as usize][P[position % 8][(digit - b'0') as usize] as usize];
    }
    check == 0
}

/// The 12 digits of an Aadhaar-shaped value (any first digit, any check digit), or `None`.
#[inline]
fn aadhaar_digits(text: &str) -> Option<[u8; 12]> {
    let mut digits = [0u8; 12];
    let count = collect_digits(text, &mut digits, |b| matches!(b, b' ' | b'\t' | b'-'))?;
    (count == 12).then_some(digits)
}

/// True for a valid Aadhaar number: 12 digits, the first 2-9, the last a Verhoeff check digit.
#[inline]
pub fn aadhaar_is_valid(text: &str) -> bool {
    aadhaar_digits(text)
        .is_some_and(|digits| matches!(digits[0], b'2'..=b'9') && verhoeff_is_valid(&digits))
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "True if the value is a valid Aadhaar number: 12 digits (spaces and dashes \
allowed, ASCII or Devanagari), the first digit 2-9 and the last a correct Verhoeff check digit. \
False for anything else; NULL for NULL.",
        syntax_example = "aadhaar_is_valid(aadhaar)",
        sql_example = r#"```sql
> select aadhaar_is_valid('2341 2341 2346');
+------------------------------------------+
| aadhaar_is_valid(Utf8("2341 2341 2346")) |
+------------------------------------------+
| true                                     |
+------------------------------------------+
```"#,
        argument(name = "aadhaar", description = "Aadhaar number as text or integer.")
    )]
    struct AadhaarIsValid;
    pub(super) static AADHAAR_IS_VALID = "aadhaar_is_valid";
    signature = kernel::one_text_argument();
    return_type = DataType::Boolean;
    fn invoke_with_args(args) {
        let mut kernel = ToBool(|value: &str| Some(aadhaar_is_valid(value)));
        kernel::evaluate_bool(&mut kernel, &args.args[0])
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "An Aadhaar number masked for display: `XXXX XXXX ` and the last four digits. \
Every value of exactly 12 digits (spaces and dashes allowed) is masked, even one whose check \
digit or first digit is wrong: a mistyped Aadhaar number is still personal data, and the mask \
never shows more than the last four digits. NULL for anything that is not 12 digits (use \
`aadhaar_is_valid` to check the number).",
        syntax_example = "aadhaar_mask(aadhaar)",
        sql_example = r#"```sql
> select aadhaar_mask('2341-2341-2346');
+--------------------------------------+
| aadhaar_mask(Utf8("2341-2341-2346")) |
+--------------------------------------+
| XXXX XXXX 2346                       |
+--------------------------------------+
```"#,
        argument(name = "aadhaar", description = "Aadhaar number as text or integer.")
    )]
    struct AadhaarMask;
    pub(super) static AADHAAR_MASK = "aadhaar_mask";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        let mut kernel = ToText::new(
            |value: &str, out: &mut String| match aadhaar_digits(value) {
                Some(digits) => {
                    out.push_str("XXXX XXXX ");
                    // The digits are ASCII.
                    out.push_str(std::str::from_utf8(&digits[8..]).unwrap_or_default());
                    true
                }
                None => false,
            },
        );
        kernel::evaluate(&mut kernel, &args.args[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::test_util::{bools, texts};

    #[test]
    fn check_digits_make_valid_numbers() {
        // Verhoeff's published example: 236 takes check digit 3.
        assert_eq!(verhoeff_check_digit(236), 3);
        for body in (0..200_000u64).map(|i| i * 4_999_963 + 20_000_000_000) {
            let check = verhoeff_check_digit(body);
            assert!(
                verhoeff_by_definition(format!("{body}{check}").as_bytes()),
                "{body}"
            );
            let wrong = (check + 1) % 10;
            assert!(
                !verhoeff_is_valid(format!("{body}{wrong}").as_bytes()),
                "{body}"
            );
        }
    }

    /// Verhoeff's check written from its definition, independently of the tables above: the
    /// dihedral group D5 (rotations 0-4, reflections 5-9) and powers of one permutation.
    fn verhoeff_by_definition(digits: &[u8]) -> bool {
        fn multiply(j: i32, k: i32) -> i32 {
            match (j < 5, k < 5) {
                (true, true) => (j + k).rem_euclid(5),
                (true, false) => 5 + (j + k).rem_euclid(5),
                (false, true) => 5 + (j - k).rem_euclid(5),
                (false, false) => (j - k).rem_euclid(5),
            }
        }
        const SIGMA: [i32; 10] = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4];
        let mut check = 0;
        for (position, &digit) in digits.iter().rev().enumerate() {
            let mut permuted = i32::from(digit - b'0');
            for _ in 0..position % 8 {
                permuted = SIGMA[permuted as usize];
            }
            check = multiply(check, permuted);
        }
        check == 0
    }

    /// A small seeded generator, so that the vectors are the same on every run.
    fn numbers(seed: u64, count: usize) -> Vec<[u8; 12]> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                std::array::from_fn(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    b'0' + ((state >> 33) % 10) as u8
                })
            })
            .collect()
    }

    #[test]
    fn tables_agree_with_the_definition() {
        for number in numbers(7, 2_000) {
            assert_eq!(verhoeff_is_valid(&number), verhoeff_by_definition(&number));
            // Exactly one check digit completes the first eleven digits.
            let completions = (b'0'..=b'9')
                .filter(|&last| {
                    let mut candidate = number;
                    candidate[11] = last;
                    verhoeff_is_valid(&candidate)
                })
                .count();
            assert_eq!(completions, 1, "{number:?}");
        }
        assert!(verhoeff_is_valid(b"2363"));
        assert!(!verhoeff_is_valid(b"2364"));
    }

    #[test]
    fn single_errors_and_adjacent_swaps_are_caught() {
        for mut number in numbers(11, 300) {
            let last = (b'0'..=b'9')
                .find(|&d| {
                    number[11] = d;
                    verhoeff_is_valid(&number)
                })
                .unwrap();
            number[11] = last;
            for i in 0..12 {
                for d in b'0'..=b'9' {
                    let mut typo = number;
                    typo[i] = d;
                    assert_eq!(verhoeff_is_valid(&typo), d == number[i]);
                }
                if i < 11 && number[i] != number[i + 1] {
                    let mut swapped = number;
                    swapped.swap(i, i + 1);
                    assert!(!verhoeff_is_valid(&swapped));
                }
            }
        }
    }

    #[test]
    fn known_vectors() {
        let cases: &[(&str, bool, Option<&str>)] = &[
            // Well-known valid test number, in the usual spellings.
            ("234123412346", true, Some("XXXX XXXX 2346")),
            ("2341 2341 2346", true, Some("XXXX XXXX 2346")),
            ("2341-2341-2346", true, Some("XXXX XXXX 2346")),
            (" 2341 2341 2346 ", true, Some("XXXX XXXX 2346")),
            ("२३४१ २३४१ २३४६", true, Some("XXXX XXXX 2346")),
            ("987654321012", true, Some("XXXX XXXX 1012")),
            ("5111 2222 3337", true, Some("XXXX XXXX 3337")),
            ("273849506178", true, Some("XXXX XXXX 6178")),
            ("843210987654", true, Some("XXXX XXXX 7654")),
            // A number read as a float and cast to text.
            ("234123412346.0", true, Some("XXXX XXXX 2346")),
            // Wrong check digit: not valid, but still masked (it is still someone's number).
            ("234123412347", false, Some("XXXX XXXX 2347")),
            ("987654321013", false, Some("XXXX XXXX 1013")),
            // Correct Verhoeff digit, but Aadhaar numbers never start with 0 or 1.
            ("123412341234", false, Some("XXXX XXXX 1234")),
            ("012345678901", false, Some("XXXX XXXX 8901")),
            // Not 12 digits.
            ("23412341234", false, None),
            ("2341234123461", false, None),
            ("", false, None),
            ("    ", false, None),
            // Other characters are not formatting.
            ("2341.2341.2346", false, None),
            ("2341/2341/2346", false, None),
            ("XXXX XXXX 2346", false, None),
            ("2341 2341 234६a", false, None),
            ("आधार", false, None),
        ];
        let inputs: Vec<Option<&str>> = cases.iter().map(|(input, ..)| Some(*input)).collect();
        let valid = bools(&AADHAAR_IS_VALID, &inputs);
        let masked = texts(&AADHAAR_MASK, &inputs);
        for (i, (input, is_valid, mask)) in cases.iter().enumerate() {
            assert_eq!(valid[i], Some(*is_valid), "aadhaar_is_valid({input:?})");
            assert_eq!(masked[i].as_deref(), *mask, "aadhaar_mask({input:?})");
        }
    }

    #[test]
    fn null_long_and_garbage() {
        let long = "2".repeat(10_000);
        let garbage = "€ç😀".repeat(1_000);
        let inputs = [None, Some(long.as_str()), Some(garbage.as_str())];
        assert_eq!(
            bools(&AADHAAR_IS_VALID, &inputs),
            [None, Some(false), Some(false)]
        );
        assert_eq!(texts(&AADHAAR_MASK, &inputs), [None, None, None]);
    }

    #[test]
    fn mask_never_shows_more_than_four_digits() {
        for number in numbers(3, 200) {
            let text = std::str::from_utf8(&number).unwrap();
            let masked = texts(&AADHAAR_MASK, &[Some(text)]).pop().unwrap().unwrap();
            assert_eq!(masked.len(), 14);
            assert_eq!(masked.bytes().filter(u8::is_ascii_digit).count(), 4);
            assert!(masked.ends_with(&text[8..]));
        }
    }
}
