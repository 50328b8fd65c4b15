//! `plate_repair(text)`: a plate with its OCR confusions repaired by position.

use arrow::datatypes::DataType;

use super::ocr;
use crate::function::police_function;
use crate::kernel;

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "Like `plate_normalize`, and also repairs characters an ANPR camera or OCR \
confuses (O/0/D/Q, I/1/L/T/J, Z/2, S/5, B/8, G/6, A/4) by their position: a letter in a digit \
slot becomes its digit (`MHI2` → `MH12`, `RI14CAl234` → `RJ14CA1234`), a digit in a letter slot \
its letter, and a state code becomes the known code of the same look-alikes (`RI27` → `RJ27`). \
After a state code read as written, the RTO part is digits even if both are misread \
(`RJOA UG 3390` → `RJ04UG3390`). Series letters never use I or O. The closest plate wins: each \
changed character counts one, and so does a number or RTO part short of the zero padding a \
plate shows; at equal count the plate read at full width wins (`RI14CAl234` is `RJ14CA1234`, \
not `RJ14CAL0234`). If two plates are as close (`0D02...` may be OD or DD) the result is NULL. \
A number needs at least one real digit, and the beginning of a plate without its number is no \
plate: `RJ14CA`, `MH12AB`, `RJ14` and `TAXI` give NULL. A value that already is a plate is \
never changed into another one: then `plate_repair(x) = plate_normalize(x)`. Otherwise the \
repair has the value's `plate_match_key`.",
        syntax_example = "plate_repair(plate)",
        sql_example = r#"```sql
> SELECT plate_repair('RI27 CA 1234') AS a, plate_repair('MHI2AB1234') AS b, plate_repair('RJ14CA0O12') AS c;
+------------+------------+------------+
| a          | b          | c          |
+------------+------------+------------+
| RJ27CA1234 | MH12AB1234 | RJ14CA0012 |
+------------+------------+------------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateRepair;
    pub static PLATE_REPAIR = "plate_repair";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate_short(&mut ocr::RepairKernel::new(), &args.args[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plate::test_util::{check, messy, texts};

    #[test]
    fn repairs() {
        check(
            &PLATE_REPAIR,
            &[
                (Some("RJ14CA0012"), Some("RJ14CA0012")),
                (Some("rj 14 ca 12"), Some("RJ14CA0012")),
                (Some("RI27 CA 1234"), Some("RJ27CA1234")),
                (Some("MHI2AB1234"), Some("MH12AB1234")),
                (Some("RJ14CA0O12"), Some("RJ14CA0012")),
                (Some("RJ14C41234"), Some("RJ14CA1234")),
                (Some("228H1234AA"), Some("22BH1234AA")),
                (Some("1SB123456K"), Some("15B123456K")),
                // Valid as read: kept, even if a look-alike reading exists.
                (Some("DL1ZCA1234"), Some("DL1ZCA1234")),
                // Ambiguous: OD or DD; series D or Q; series J, L or T.
                (Some("0D02AB1234"), None),
                (Some("RJ14C01234"), None),
                (Some("RJ14CI1234"), None),
                // Both RTO characters confused, after a state code read as written.
                (Some("RJOAUG3390"), Some("RJ04UG3390")),
                (Some("RJIORX9286"), Some("RJ10RX9286")),
                (Some("RJII CA 1234"), Some("RJ11CA1234")),
                (Some("RJOICA1234"), Some("RJ01CA1234")),
                // The design's example: `l` in a digit slot is `1`; the full-width number
                // wins over series `CAL` with a number `234` short of its padding.
                (Some("RI14CAl234"), Some("RJ14CA1234")),
                // Fragments and words: no number, no plate.
                (Some("RJ14CA"), None),
                (Some("MH12AB"), None),
                (Some("TAXI"), None),
                (Some("RJ14"), None),
                // No Rajasthan office.
                (Some("RJ99CA1234"), None),
                (Some("HELLO"), None),
                (None, None),
            ],
        );
    }

    #[test]
    fn messy_values() {
        let messy = messy();
        let inputs: Vec<Option<&str>> = messy.iter().map(|s| s.as_deref()).collect();
        let got = texts(&PLATE_REPAIR, &inputs);
        let expected = [None, None, None, None, Some("RJ14CA0012"), None, None, None];
        assert_eq!(got, expected.map(|e| e.map(String::from)));
    }
}
