//! `phone_normalize`, `phone_is_valid`, `phone_mask`: Indian mobile numbers.
//!
//! A valid mobile number is 10 digits starting with 6, 7, 8 or 9, written alone or after the
//! prefix `+91`, `0091`, `91` or `0`; after the international prefixes `+91` and `0091` the
//! trunk `0` may be written too (`+91 098290 12345`). Spaces, tabs, no-break spaces, `-`, `.`,
//! `(` and `)` are formatting; Devanagari digits are digits; one `+` may open the number (it must
//! then be `+91`). A label may come first (`Mob: `, `Mobile No. `, `Ph- `, `M: `, `मो. `): one
//! of [`LABELS`], optionally followed by one of [`NUMBER_WORDS`], each ended by spaces or
//! punctuation. Anything else (other letters, a second number, `/`) makes the value invalid:
//! nothing is guessed. Integer columns work too: the signature casts them to text first (and the
//! `.0` of a whole number that arrived as a float, `9829012345.0`, is dropped).

use arrow::datatypes::DataType;

use super::collect_digits;
use crate::function::police_function;
use crate::kernel::{self, ToBool, ToText};

/// Labels written before a number, longest first where one begins another (ASCII letters are
/// compared without case).
const LABELS: &[&str] = &[
    "mobile",
    "mob",
    "mo",
    "m",
    "phone",
    "ph",
    "tel",
    "contact",
    "cell",
    "मोबाइल",
    "मोबाईल",
    "मो",
    "फोन",
    "\u{95e}\u{94b}\u{928}",        // फ़ोन, the nukta letter precomposed
    "\u{92b}\u{93c}\u{94b}\u{928}", // फ़ोन, the nukta letter decomposed
];

/// Words for "number" that may follow a label: `Mob. No. `, `मो. नं. `.
const NUMBER_WORDS: &[&str] = &["number", "no", "नंबर", "नम्बर", "नं"];

/// Whether `c` may continue a word (so that a label must not stop before it: `Mobile`, not `Mo`).
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{900}'..='\u{963}' | '\u{971}'..='\u{97f}')
}

/// `text` without a leading word of `words` that ends there, or `None`.
fn strip_word<'a>(text: &'a str, words: &[&str]) -> Option<&'a str> {
    words.iter().find_map(|word| {
        let head = text.as_bytes().get(..word.len())?;
        if !head.eq_ignore_ascii_case(word.as_bytes()) {
            return None;
        }
        // The bytes matched a whole `&str`, so this is a character boundary.
        let rest = &text[word.len()..];
        (!rest.chars().next().is_some_and(is_letter)).then_some(rest)
    })
}

/// `text` after the spaces and punctuation that end a label (`: `, `. `, `- `, `॰`), or `None` if
/// there are none. After a Devanagari label a zero may be the abbreviation mark (`मो0 `, `मो० `).
fn skip_label_end(text: &str, devanagari: bool) -> Option<&str> {
    let after_mark = match text.strip_prefix(['0', '०']) {
        Some(after) if devanagari => after,
        _ => text,
    };
    let rest = after_mark
        .trim_start_matches([' ', '\t', '\u{a0}', '.', ':', '-', '–', '=', '#', '\u{970}']);
    (rest.len() < after_mark.len()).then_some(rest)
}

/// `text` after a leading label (`Mob: `, `Mobile No. `), `text` itself if it has none, or `None`
/// for a label not ended by spaces or punctuation (`Mob9829012345`).
#[inline]
fn without_label(text: &str) -> Option<&str> {
    let trimmed = text.trim_start_matches([' ', '\t', '\u{a0}']);
    // Numbers start with a digit, `+` or `(`; only a letter can open a label.
    if !trimmed.chars().next().is_some_and(is_letter) {
        return Some(text);
    }
    let Some(rest) = strip_word(trimmed, LABELS) else {
        return Some(text);
    };
    let devanagari = !trimmed.starts_with(|c: char| c.is_ascii());
    let rest = skip_label_end(rest, devanagari)?;
    match strip_word(rest, NUMBER_WORDS) {
        Some(after) => skip_label_end(after, !rest.starts_with(|c: char| c.is_ascii())),
        None => Some(rest),
    }
}

/// The 10-digit national number of an Indian mobile number written in `text`, or `None`.
#[inline]
pub fn parse_mobile(text: &str) -> Option<[u8; 10]> {
    let text = without_label(text)?;
    // One `+` may open the number, possibly after spaces or a bracket: `+91 ...`, `(+91) ...`.
    let start = text
        .bytes()
        .position(|b| !matches!(b, b' ' | b'\t' | b'('))
        .unwrap_or(text.len());
    let plus = text.as_bytes().get(start) == Some(&b'+');
    // The skipped bytes before the `+` are all formatting, and `+` is one byte.
    let body = if plus { &text[start + 1..] } else { text };
    let mut digits = [0u8; 15];
    let count = collect_digits(body, &mut digits, |b| {
        matches!(b, b' ' | b'\t' | b'-' | b'.' | b'(' | b')')
    })?;
    let national = match count {
        10 if !plus => &digits[..10],
        11 if !plus && digits[0] == b'0' => &digits[1..11],
        12 if digits[..2] == *b"91" => &digits[2..12],
        // The trunk 0 after the international prefix: `+91 098290 12345`.
        13 if plus && digits[..3] == *b"910" => &digits[3..13],
        // `00` is the international prefix dialled from India: `0091 98290 12345`.
        14 if !plus && digits[..4] == *b"0091" => &digits[4..14],
        15 if !plus && digits[..5] == *b"00910" => &digits[5..15],
        _ => return None,
    };
    if !matches!(national[0], b'6'..=b'9') {
        return None;
    }
    national.try_into().ok()
}

/// Writes `+91` and the 10 digits.
#[inline]
fn write_normalized(national: &[u8; 10], out: &mut String) {
    out.push_str("+91");
    // The digits are ASCII.
    out.push_str(std::str::from_utf8(national).unwrap_or_default());
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "Canonical form `+91NNNNNNNNNN` of an Indian mobile number written with any \
spacing, dashes, dots or brackets, with or without the prefix `+91`, `0091`, `91` or `0` (also \
`+91 0`, `0091 0`), in ASCII or Devanagari digits, after an optional label (`Mob: `, \
`Mobile No. `, `Ph- `, `M: `, `Tel `, `Contact `, `मो. `, `मोबाइल नंबर `); integers (and \
whole-number floats) are accepted. NULL if the value is not a valid Indian mobile number \
(10 digits starting with 6-9): landlines, 9 or 11 digits, other letters or two numbers in one \
value give NULL.",
        syntax_example = "phone_normalize(phone)",
        sql_example = r#"```sql
> select phone_normalize('098290-12345');
+---------------------------------------+
| phone_normalize(Utf8("098290-12345")) |
+---------------------------------------+
| +919829012345                         |
+---------------------------------------+
```"#,
        argument(name = "phone", description = "Mobile number as text or integer.")
    )]
    struct PhoneNormalize;
    pub(super) static PHONE_NORMALIZE = "phone_normalize";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        let mut kernel = ToText::new(|value: &str, out: &mut String| match parse_mobile(value) {
            Some(national) => {
                write_normalized(&national, out);
                true
            }
            None => false,
        });
        kernel::evaluate(&mut kernel, &args.args[0])
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "True if the value is a valid Indian mobile number in any of the forms \
`phone_normalize` accepts, false otherwise; NULL for NULL.",
        syntax_example = "phone_is_valid(phone)",
        sql_example = r#"```sql
> select phone_is_valid('+91 98290 12345');
+-----------------------------------------+
| phone_is_valid(Utf8("+91 98290 12345")) |
+-----------------------------------------+
| true                                    |
+-----------------------------------------+
```"#,
        argument(name = "phone", description = "Mobile number as text or integer.")
    )]
    struct PhoneIsValid;
    pub(super) static PHONE_IS_VALID = "phone_is_valid";
    signature = kernel::one_text_argument();
    return_type = DataType::Boolean;
    fn invoke_with_args(args) {
        let mut kernel = ToBool(|value: &str| Some(parse_mobile(value).is_some()));
        kernel::evaluate_bool(&mut kernel, &args.args[0])
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "A valid Indian mobile number masked for display: `+91`, six `X` and the last \
four digits (`+91XXXXXX2345`), always 13 characters. NULL if the value is not a valid mobile \
number, so an unparseable value is never shown in any form.",
        syntax_example = "phone_mask(phone)",
        sql_example = r#"```sql
> select phone_mask('9829012345');
+--------------------------------+
| phone_mask(Utf8("9829012345")) |
+--------------------------------+
| +91XXXXXX2345                  |
+--------------------------------+
```"#,
        argument(name = "phone", description = "Mobile number as text or integer.")
    )]
    struct PhoneMask;
    pub(super) static PHONE_MASK = "phone_mask";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        let mut kernel = ToText::new(|value: &str, out: &mut String| match parse_mobile(value) {
            Some(national) => {
                out.push_str("+91XXXXXX");
                out.push_str(std::str::from_utf8(&national[6..]).unwrap_or_default());
                true
            }
            None => false,
        });
        kernel::evaluate(&mut kernel, &args.args[0])
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::kernel::test_util::{bools, texts};
    use arrow::array::{Array, AsArray, Int64Array};
    use arrow::datatypes::Field;
    use datafusion::logical_expr::type_coercion::functions::fields_with_udf;

    /// Inputs and the number `phone_normalize` must give (None: not a valid mobile number).
    const CASES: &[(&str, Option<&str>)] = &[
        ("9829012345", Some("+919829012345")),
        ("+919829012345", Some("+919829012345")),
        ("+91 98290 12345", Some("+919829012345")),
        ("+91-98290-12345", Some("+919829012345")),
        ("(+91) 98290-12345", Some("+919829012345")),
        ("+91 (982) 901-2345", Some("+919829012345")),
        ("098290 12345", Some("+919829012345")),
        ("0-98290-12345", Some("+919829012345")),
        ("919829012345", Some("+919829012345")),
        ("91 98290 12345", Some("+919829012345")),
        ("98290.12345", Some("+919829012345")),
        (" \t9829012345 \t", Some("+919829012345")),
        ("\u{a0}98290\u{a0}12345", Some("+919829012345")),
        ("९८२९०१२३४५", Some("+919829012345")),
        ("+९१ ९८२९० १२३४५", Some("+919829012345")),
        ("6000000000", Some("+916000000000")),
        ("7014567890", Some("+917014567890")),
        ("8058012345", Some("+918058012345")),
        // Ten digits that happen to start with 91 are a number, not a prefix.
        ("9182345678", Some("+919182345678")),
        // A number that was read as a float and cast to text.
        ("9829012345.0", Some("+919829012345")),
        ("919829012345.0", Some("+919829012345")),
        // The international prefix 00 (dialled from India), and the trunk 0 after +91 or 0091.
        ("0091 9829012345", Some("+919829012345")),
        ("00919829012345", Some("+919829012345")),
        ("00 91 98290 12345", Some("+919829012345")),
        ("+91 098290 12345", Some("+919829012345")),
        ("+91 0 9829012345", Some("+919829012345")),
        ("+91-0-98290-12345", Some("+919829012345")),
        ("(+91) 098290-12345", Some("+919829012345")),
        ("0091 098290 12345", Some("+919829012345")),
        ("००९१ ९८२९० १२३४५", Some("+919829012345")),
        // A label before the number.
        ("Mob: 9829012345", Some("+919829012345")),
        ("Mob. No. 9829012345", Some("+919829012345")),
        ("Ph- 9829012345", Some("+919829012345")),
        ("M: 98290 12345", Some("+919829012345")),
        ("Mob 9829012345", Some("+919829012345")),
        ("MOB.NO.9829012345", Some("+919829012345")),
        ("mobile no.: +91-98290-12345", Some("+919829012345")),
        ("Mobile Number - 098290 12345", Some("+919829012345")),
        ("Mo. 9829012345", Some("+919829012345")),
        ("PH:9829012345", Some("+919829012345")),
        ("Phone: (+91) 98290 12345", Some("+919829012345")),
        ("Tel: 0091 9829012345", Some("+919829012345")),
        ("Contact: 9829012345", Some("+919829012345")),
        ("Cell # 9829012345", Some("+919829012345")),
        ("  Mob:\u{a0}9829012345", Some("+919829012345")),
        ("मो. 9829012345", Some("+919829012345")),
        ("मो0 9829012345", Some("+919829012345")),
        ("मो० ९८२९०१२३४५", Some("+919829012345")),
        ("मो.नं. 9829012345", Some("+919829012345")),
        ("मोबाइल नंबर 9829012345", Some("+919829012345")),
        ("मोबाईल: 9829012345", Some("+919829012345")),
        ("फोन- 9829012345", Some("+919829012345")),
        ("\u{95e}\u{94b}\u{928}: 9829012345", Some("+919829012345")),
        (
            "\u{92b}\u{93c}\u{94b}\u{928}: 9829012345",
            Some("+919829012345"),
        ),
        // Mobile numbers start with 6-9.
        ("5829012345", None),
        ("0141 2567890", None),
        ("1234567890", None),
        ("91 5829012345", None),
        ("+91 5829012345", None),
        // Too few or too many digits.
        ("982901234", None),
        ("98290123456", None),
        ("9198290123456", None),
        // A `+` must be +91, once, at the start.
        ("+9829012345", None),
        ("+1 9829012345", None),
        ("++919829012345", None),
        ("98290+12345", None),
        // The trunk 0 only after an international prefix; 00 is not +.
        ("91 0 9829012345", None),
        ("9109829012345", None),
        ("+0091 9829012345", None),
        ("0091 5829012345", None),
        ("0091 98290 1234", None),
        ("+91 00 9829012345", None),
        ("000091 9829012345", None),
        // A label must be one of the known ones, ended by a space or punctuation, and followed
        // by one mobile number.
        ("Mob9829012345", None),
        ("Mobil: 9829012345", None),
        ("Name: 9829012345", None),
        ("Mob: ", None),
        ("Mobile", None),
        ("Mob: Mob: 9829012345", None),
        ("Mob: 9829012345, 9829012346", None),
        ("Mob: 9829012345 Ph: 9829012346", None),
        ("Mob: +1 9829012345", None),
        ("Tel: 0141-2567890", None),
        ("Ph: 0141 2567890", None),
        ("मो०९८२९०१२३४५", None),
        ("9829012345 Mob", None),
        // Letters, two numbers, other separators: not guessed.
        ("98290abcde", None),
        ("9829012345/9829012346", None),
        ("9829012345, 9829012346", None),
        ("98290_12345", None),
        ("9829012345.5", None),
        ("9829012345.00", None),
        ("", None),
        ("   ", None),
        ("+", None),
        ("()", None),
        ("१२३", None),
        ("फ़ोन", None),
        ("📱9829012345", None),
    ];

    #[test]
    fn normalize_valid_and_mask_agree_on_every_case() {
        let inputs: Vec<Option<&str>> = CASES.iter().map(|(input, _)| Some(*input)).collect();
        let normalized = texts(&PHONE_NORMALIZE, &inputs);
        let valid = bools(&PHONE_IS_VALID, &inputs);
        let masked = texts(&PHONE_MASK, &inputs);
        for (i, (input, expected)) in CASES.iter().enumerate() {
            assert_eq!(
                normalized[i].as_deref(),
                *expected,
                "phone_normalize({input:?})"
            );
            assert_eq!(
                valid[i],
                Some(expected.is_some()),
                "phone_is_valid({input:?})"
            );
            let expected_mask = expected.map(|number| format!("+91XXXXXX{}", &number[9..]));
            assert_eq!(masked[i], expected_mask, "phone_mask({input:?})");
        }
    }

    #[test]
    fn null_in_null_out() {
        let inputs = [None, Some("9829012345"), None];
        assert_eq!(
            texts(&PHONE_NORMALIZE, &inputs),
            [None, Some("+919829012345".to_string()), None]
        );
        assert_eq!(bools(&PHONE_IS_VALID, &inputs), [None, Some(true), None]);
        assert_eq!(
            texts(&PHONE_MASK, &inputs),
            [None, Some("+91XXXXXX2345".to_string()), None]
        );
    }

    #[test]
    fn mask_keeps_only_the_last_four_digits() {
        let masked = texts(&PHONE_MASK, &[Some("+91 70145 67890")]);
        assert_eq!(masked, [Some("+91XXXXXX7890".to_string())]);
        assert!(!masked[0].as_ref().unwrap().contains("70145"));
    }

    #[test]
    fn long_and_garbage_values_are_invalid() {
        let digits = "9".repeat(10_000);
        let spaces = format!("{}9829012345", " ".repeat(10_000));
        let garbage = "ज़ab€\u{0}".repeat(2_000);
        let inputs = [
            Some(digits.as_str()),
            Some(spaces.as_str()),
            Some(garbage.as_str()),
        ];
        assert_eq!(
            texts(&PHONE_NORMALIZE, &inputs)[..],
            [None, Some("+919829012345".into()), None]
        );
        assert_eq!(
            bools(&PHONE_IS_VALID, &inputs),
            [Some(false), Some(true), Some(false)]
        );
    }

    #[test]
    fn integer_phone_numbers_are_cast_to_text() {
        // The signature coerces an Int64 column to text; the text of the integer then parses.
        let field = Arc::new(Field::new("phone", DataType::Int64, true));
        let coerced = fields_with_udf(&[field], PHONE_NORMALIZE.as_ref()).unwrap();
        assert!(
            matches!(
                coerced[0].data_type(),
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
            ),
            "{coerced:?}"
        );
        let integers = Int64Array::from(vec![
            Some(9829012345),
            Some(919829012345),
            Some(5829012345),
            None,
        ]);
        let as_text = arrow::compute::cast(&integers, &DataType::Utf8).unwrap();
        let as_text = as_text.as_string::<i32>();
        let inputs: Vec<Option<&str>> = as_text.iter().collect();
        assert_eq!(
            texts(&PHONE_NORMALIZE, &inputs),
            [
                Some("+919829012345".to_string()),
                Some("+919829012345".to_string()),
                None,
                None
            ]
        );
        assert_eq!(as_text.len(), 4);
    }
}
