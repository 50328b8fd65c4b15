//! `plate_normalize(text)`: the canonical form of a plate, formatting only.

use arrow::datatypes::DataType;

use super::{OfPlate, Plate};
use crate::function::police_function;
use crate::kernel;

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "The canonical form of a vehicle number plate: uppercase, no spaces or \
separators (`- . / _`), Devanagari digits as ASCII, RTO part zero-padded to 2 digits (Delhi: \
1-2 digits without padding, `DL3CAB1234`) and number to 4. Reads standard (`RJ14CA0012`), \
Bharat series (`22BH1234AA`), temporary (`T0125RJ0042AB`), old three-letter (`RSB1234`), \
defence (`15B123456K`) and diplomatic (`077CD0012`) plates; old state codes (TS, OR, UA, DN, \
CT) keep their code. Formatting only: a look-alike character is not guessed (see \
`plate_repair`). NULL for anything that is not a plate, including a Rajasthan plate whose RTO \
code is no Rajasthan office (RJ01-RJ60 are; `RJ99CA1234` is NULL, as `RJ00CA1234` is); plates \
of other states are not checked against a list of offices.",
        syntax_example = "plate_normalize(plate)",
        sql_example = r#"```sql
> SELECT plate_normalize('rj-14-ca-12') AS a, plate_normalize('DL 3C AB 1234') AS b, plate_normalize('22 bh 1234 aa') AS c;
+------------+------------+------------+
| a          | b          | c          |
+------------+------------+------------+
| RJ14CA0012 | DL3CAB1234 | 22BH1234AA |
+------------+------------+------------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateNormalize;
    pub static PLATE_NORMALIZE = "plate_normalize";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate_short(
            &mut OfPlate::new(|plate: &Plate| Some(*plate)),
            &args.args[0],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plate::test_util::{check, messy, texts};

    #[test]
    fn every_format() {
        check(
            &PLATE_NORMALIZE,
            &[
                (Some("RJ 14 CA 12"), Some("RJ14CA0012")),
                (Some("rj-14-ca-1234"), Some("RJ14CA1234")),
                (Some("MH.12/AB_1"), Some("MH12AB0001")),
                (Some("DL 3C AB 1234"), Some("DL3CAB1234")),
                (Some("dl03cab1234"), Some("DL3CAB1234")),
                (Some("22 BH 1234 AA"), Some("22BH1234AA")),
                (Some("t 0125 rj 42 ab"), Some("T0125RJ0042AB")),
                (Some("RSB 1234"), Some("RSB1234")),
                (Some("↑ 15 B 123456 K"), Some("15B123456K")),
                (Some("77 CD 12"), Some("077CD0012")),
                (Some("TS 09 EA 1234"), Some("TS09EA1234")),
                (Some("RJ १४ CA ००१२"), Some("RJ14CA0012")),
                (Some("IND RJ14CA1234"), Some("RJ14CA1234")),
                // Not guessed: look-alikes, unknown states, I/O in the series.
                (Some("RI14CA0012"), None),
                (Some("MHI2AB1234"), None),
                (Some("XX14CA1234"), None),
                (Some("RJ14CO1234"), None),
                (Some("RJ14CA0000"), None),
                (None, None),
            ],
        );
    }

    #[test]
    fn messy_values() {
        let messy = messy();
        let inputs: Vec<Option<&str>> = messy.iter().map(|s| s.as_deref()).collect();
        let got = texts(&PLATE_NORMALIZE, &inputs);
        let expected = [None, None, None, None, Some("RJ14CA0012"), None, None, None];
        assert_eq!(got, expected.map(|e| e.map(String::from)));
    }
}
