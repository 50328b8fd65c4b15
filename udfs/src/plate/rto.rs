//! `plate_rto(text)` and `plate_district(text)`: the office that registered a plate.

use arrow::datatypes::DataType;

use super::{OfPlate, Plate};
use crate::function::police_function;
use crate::kernel::{self, ToStr};

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "The registration office (RTO) code of a standard plate: state code and RTO \
part in canonical form (`RJ14`; Delhi without zero padding: `DL3`). NULL for other kinds of \
plate and for values that are not plates, including Rajasthan codes that are no office (RJ01-RJ60 \
are: `RJ99CA1234` gives NULL).",
        syntax_example = "plate_rto(plate)",
        sql_example = r#"```sql
> SELECT plate_rto('rj 1 ca 12') AS a, plate_rto('DL 3C AB 1234') AS b, plate_rto('22BH1234AA') AS c;
+------+-----+------+
| a    | b   | c    |
+------+-----+------+
| RJ01 | DL3 | NULL |
+------+-----+------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateRto;
    pub static PLATE_RTO = "plate_rto";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate_short(&mut OfPlate::new(Plate::rto_text), &args.args[0])
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "The current district of the Rajasthan office that registered a standard \
plate (`RJ14...` → Jaipur, `RJ40...` Bhiwadi → Khairthal-Tijara), as in `ref.rto_codes`. NULL \
for plates of other states, offices whose district is not known (RJ54-RJ59), other kinds of \
plate and values that are not plates (a Rajasthan code outside RJ01-RJ60 is no plate).",
        syntax_example = "plate_district(plate)",
        sql_example = r#"```sql
> SELECT plate_district('RJ 14 CA 12') AS a, plate_district('rj-40-c-1') AS b, plate_district('MH12AB1234') AS c;
+--------+------------------+------+
| a      | b                | c    |
+--------+------------------+------+
| Jaipur | Khairthal-Tijara | NULL |
+--------+------------------+------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateDistrict;
    pub static PLATE_DISTRICT = "plate_district";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate(
            &mut ToStr(|s: &str| Plate::parse(s).and_then(|p| p.district())),
            &args.args[0],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plate::test_util::check;

    #[test]
    fn rtos() {
        check(
            &PLATE_RTO,
            &[
                (Some("rj 1 ca 12"), Some("RJ01")),
                (Some("RJ14CA0012"), Some("RJ14")),
                (Some("DL 3C AB 1234"), Some("DL3")),
                (Some("DL 12 C 1"), Some("DL12")),
                (Some("RJ 57 CA 1"), Some("RJ57")),
                (Some("RJ99CA1234"), None),
                (Some("MH 99 AB 1"), Some("MH99")),
                (Some("T0125RJ0042AB"), None),
                (Some("22BH1234AA"), None),
                (Some("junk"), None),
                (None, None),
            ],
        );
    }

    #[test]
    fn districts() {
        check(
            &PLATE_DISTRICT,
            &[
                (Some("RJ 14 CA 12"), Some("Jaipur")),
                (Some("rj-40-c-1"), Some("Khairthal-Tijara")),
                (Some("RJ 33 A 1"), Some("Kota")),
                (Some("RJ60CA1"), Some("Jaipur")),
                (Some("RJ57CA1"), None),
                (Some("RJ99CA1"), None),
                (Some("MH12AB1234"), None),
                (Some("T0125RJ0042AB"), None),
                (None, None),
            ],
        );
    }
}
