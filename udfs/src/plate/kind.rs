//! `plate_kind(text)`: the format of a plate.

use arrow::datatypes::DataType;

use super::{OfPlate, Plate};
use crate::function::police_function;
use crate::kernel;

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "The format of a vehicle number plate: `standard` (`RJ14CA0012`), `bharat` \
(`22BH1234AA`), `temporary` (`T0125RJ0042AB`), `old` (three-letter series, `RSB1234`), \
`defence` (`15B123456K`) or `diplomatic` (`077CD0012`). Formatting aside, not repaired; NULL \
if the value is not a plate.",
        syntax_example = "plate_kind(plate)",
        sql_example = r#"```sql
> SELECT plate_kind('RJ14CA0012') AS a, plate_kind('22 BH 1234 AA') AS b, plate_kind('77 CD 12') AS c;
+----------+--------+------------+
| a        | b      | c          |
+----------+--------+------------+
| standard | bharat | diplomatic |
+----------+--------+------------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateKind;
    pub static PLATE_KIND = "plate_kind";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate_short(
            &mut OfPlate::new(|plate: &Plate| Some(plate.kind().text())),
            &args.args[0],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plate::test_util::check;

    #[test]
    fn kinds() {
        check(
            &PLATE_KIND,
            &[
                (Some("rj-14-ca-12"), Some("standard")),
                (Some("DL 3C AB 1234"), Some("standard")),
                (Some("22 BH 1234 AA"), Some("bharat")),
                (Some("T 0125 RJ 42 AB"), Some("temporary")),
                (Some("RSB 1234"), Some("old")),
                (Some("↑15B123456K"), Some("defence")),
                (Some("77 UN 12"), Some("diplomatic")),
                (Some("RI14CA0012"), None),
                (Some("RJ99CA1234"), None),
                (Some(""), None),
                (None, None),
            ],
        );
    }
}
