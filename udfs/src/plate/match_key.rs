//! `plate_match_key(text)`: a key equal for a plate and its noisy reads, for equi-joins.

use arrow::datatypes::DataType;

use super::ocr;
use crate::function::police_function;
use crate::kernel;

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "A key that is the same for a plate and its typical noisy reads, so that \
ANPR reads join a register with a plain equi-join: `ON plate_match_key(a.plate) = \
plate_match_key(b.plate)`. The value is read as the closest plate, like `plate_repair` but \
also when two readings are as close, and preferring a full-width read (`RJ14ABA012` is read as \
`RJ14AB4012`, a misread first digit, not as the padded `RJ14ABA0012`); then every character \
becomes its look-alike class (O/0/D/Q → 0, I/1/L/T/J → 1, Z/2 → 2, S/5 → 5, B/8 → 8, G/6 → 6, \
A/4 → 4) and zero padding is dropped (leading zeros of the RTO part, number and diplomatic \
country code; D or Q ending a series). So `RJ14CA12`, `rj 14 ca 0012` and `RI14C4OO12` share a \
key. The key finds candidates, it does not identify a plate: distinct valid plates can share \
it, through look-alikes (`RJ14CA0012`, `RJ14C40012`) or dropped padding (`RJ14C0412` and \
`RJ14CA0012`: A/4 and the zeros). Where precision matters, confirm a joined pair by \
`plate_repair` (or `plate_normalize`) equality, or by the confidence of the read. NULL if the \
value cannot be read as a plate, including fragments and words (`RJ14`, `RJ14CA`, `TAXI`).",
        syntax_example = "plate_match_key(plate)",
        sql_example = r#"```sql
> SELECT plate_match_key('RJ14CA12') AS a, plate_match_key('RI14C4OO12') AS b;
+----------+----------+
| a        | b        |
+----------+----------+
| R114C412 | R114C412 |
+----------+----------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateMatchKey;
    pub static PLATE_MATCH_KEY = "plate_match_key";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate_short(&mut ocr::MatchKeyKernel::new(), &args.args[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plate::test_util::{check, messy, texts};

    #[test]
    fn keys() {
        check(
            &PLATE_MATCH_KEY,
            &[
                (Some("RJ14CA0012"), Some("R114C412")),
                (Some("RJ14CA12"), Some("R114C412")),
                (Some("rj-14-ca-0012"), Some("R114C412")),
                (Some("RI14C4OO12"), Some("R114C412")),
                (Some("RJ14C01234"), Some("R114C1234")),
                (Some("RJ14CD1234"), Some("R114C1234")),
                (Some("DL 3C AB 1234"), Some("013C481234")),
                (Some("22 BH 1234 AA"), Some("228H123444")),
                // Both RTO characters confused: the key of the plate.
                (Some("RJOAUG3390"), Some("R14U63390")),
                (Some("RJ04UG3390"), Some("R14U63390")),
                (Some("RI14CAl234"), Some("R114C41234")),
                (Some("RJ14CA1234"), Some("R114C41234")),
                // Fragments, words, no Rajasthan office: not plates.
                (Some("RJ14"), None),
                (Some("RJ14CA"), None),
                (Some("TAXI"), None),
                (Some("RJ99CA1234"), None),
                (Some("HELLO"), None),
                (None, None),
            ],
        );
    }

    /// The key finds candidates: distinct valid plates can share it (A/4 are one class and
    /// padding is dropped), as the documentation says.
    #[test]
    fn distinct_plates_can_share_a_key() {
        use crate::plate::normalize::PLATE_NORMALIZE;
        let pair = [Some("RJ14C0412"), Some("RJ14CA0012")];
        let normalized = texts(&PLATE_NORMALIZE, &pair);
        assert_eq!(normalized, pair.map(|p| p.map(String::from)));
        let keys = texts(&PLATE_MATCH_KEY, &pair);
        assert_eq!(keys, [Some("R114C412".into()), Some("R114C412".into())]);
    }

    #[test]
    fn messy_values() {
        let messy = messy();
        let inputs: Vec<Option<&str>> = messy.iter().map(|s| s.as_deref()).collect();
        let got = texts(&PLATE_MATCH_KEY, &inputs);
        let expected = [None, None, None, None, Some("R114C412"), None, None, None];
        assert_eq!(got, expected.map(|e| e.map(String::from)));
    }
}
