//! `pan_is_valid`: Permanent Account Number (`AAAAA9999A`).

use arrow::datatypes::DataType;

use crate::function::police_function;
use crate::kernel::{self, ToBool};

/// True for a PAN: five letters, four digits, one letter, the fourth letter a holder type
/// (P person, C company, H HUF, F firm, A association of persons, T trust, B body of
/// individuals, L local authority, J artificial juridical person, G government). Case and
/// surrounding whitespace are ignored.
#[inline]
pub fn pan_is_valid(text: &str) -> bool {
    let Ok(pan) = <&[u8; 10]>::try_from(text.trim().as_bytes()) else {
        return false;
    };
    pan[..5].iter().all(u8::is_ascii_alphabetic)
        && pan[5..9].iter().all(u8::is_ascii_digit)
        && pan[9].is_ascii_alphabetic()
        && matches!(
            pan[3].to_ascii_uppercase(),
            b'P' | b'C' | b'H' | b'F' | b'A' | b'T' | b'B' | b'L' | b'J' | b'G'
        )
}

police_function! {
    #[user_doc(
        doc_section(label = "Person and device functions"),
        description = "True if the value has the form of a PAN (Permanent Account Number): five \
letters, four digits, one letter, where the fourth letter is a holder type (P person, C company, \
H Hindu undivided family, F firm, A association of persons, T trust, B body of individuals, \
L local authority, J artificial juridical person, G government). Case and surrounding whitespace \
are ignored; spaces inside the PAN are not. False for anything else; NULL for NULL.",
        syntax_example = "pan_is_valid(pan)",
        sql_example = r#"```sql
> select pan_is_valid(' abcpe1234f ');
+------------------------------------+
| pan_is_valid(Utf8(" abcpe1234f ")) |
+------------------------------------+
| true                               |
+------------------------------------+
```"#,
        argument(name = "pan", description = "PAN as text.")
    )]
    struct PanIsValid;
    pub(super) static PAN_IS_VALID = "pan_is_valid";
    signature = kernel::one_text_argument();
    return_type = DataType::Boolean;
    fn invoke_with_args(args) {
        let mut kernel = ToBool(|value: &str| Some(pan_is_valid(value)));
        kernel::evaluate_bool(&mut kernel, &args.args[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::test_util::bools;

    #[test]
    fn known_vectors() {
        let cases: &[(&str, bool)] = &[
            ("ABCPE1234F", true),
            ("abcpe1234f", true),
            ("  AbCpE1234f\t", true),
            ("AAACR5055K", true),
            ("AAAHA1234B", true),
            ("AAAFB1234C", true),
            ("AAAAC1234D", true),
            ("AAATD1234E", true),
            ("AAABE1234F", true),
            ("AAALF1234G", true),
            ("AAAJG1234H", true),
            ("AAAGH1234J", true),
            // Fourth letter not a holder type.
            ("ABCXE1234F", false),
            ("ABCDE1234F", false),
            // Shape errors.
            ("ABCP1234F", false),
            ("ABCPE12345", false),
            ("1BCPE1234F", false),
            ("ABCPE1234FF", false),
            ("ABCPE 1234F", false),
            ("ABCPE-1234-F", false),
            ("ABCPE१२३४F", false),
            ("", false),
            ("पैन", false),
        ];
        let inputs: Vec<Option<&str>> = cases.iter().map(|(input, _)| Some(*input)).collect();
        let valid = bools(&PAN_IS_VALID, &inputs);
        for (i, (input, expected)) in cases.iter().enumerate() {
            assert_eq!(valid[i], Some(*expected), "pan_is_valid({input:?})");
        }
    }

    #[test]
    fn null_and_long() {
        let long = "ABCPE1234F".repeat(1_000);
        let inputs = [None, Some(long.as_str())];
        assert_eq!(bools(&PAN_IS_VALID, &inputs), [None, Some(false)]);
    }
}
