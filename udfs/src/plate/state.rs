//! `plate_state(text)` and `plate_state_name(text)`: the state or UT that issued a plate.

use arrow::datatypes::DataType;

use super::{OfPlate, Plate};
use crate::function::police_function;
use crate::kernel::{self, ToStr};

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "The state or UT code of a standard or temporary plate (`RJ`), from any \
formatting (`plate_state('rj-14-ca-1234')` = `RJ`). Old codes are kept (`TS`, `OR`, `UA`, `DN`, \
`CT`). NULL for Bharat series, old three-letter, defence and diplomatic plates, which carry no \
state, and for values that are not plates (not repaired: `plate_state(plate_repair(x))`).",
        syntax_example = "plate_state(plate)",
        sql_example = r#"```sql
> SELECT plate_state('rj-14-ca-1234') AS a, plate_state('TS 09 EA 1234') AS b, plate_state('22BH1234AA') AS c;
+----+----+------+
| a  | b  | c    |
+----+----+------+
| RJ | TS | NULL |
+----+----+------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateState;
    pub static PLATE_STATE = "plate_state";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate_short(&mut OfPlate::new(Plate::state_text), &args.args[0])
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "The name of the state or UT that issued a standard or temporary plate \
(`Rajasthan`), from the plate's state code; an old code gives the state it belongs to (`TS` → \
Telangana, `OR` → Odisha). NULL where `plate_state` is NULL.",
        syntax_example = "plate_state_name(plate)",
        sql_example = r#"```sql
> SELECT plate_state_name('rj-14-ca-1234') AS a, plate_state_name('OR 02 AB 1234') AS b;
+-----------+--------+
| a         | b      |
+-----------+--------+
| Rajasthan | Odisha |
+-----------+--------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateStateName;
    pub static PLATE_STATE_NAME = "plate_state_name";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        kernel::evaluate(
            &mut ToStr(|s: &str| Plate::parse(s).and_then(|p| p.state_name())),
            &args.args[0],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plate::test_util::check;

    #[test]
    fn states() {
        check(
            &PLATE_STATE,
            &[
                (Some("rj-14-ca-1234"), Some("RJ")),
                (Some("TS 09 EA 1234"), Some("TS")),
                (Some("T0125MH0042AB"), Some("MH")),
                (Some("22BH1234AA"), None),
                (Some("RSB1234"), None),
                (Some("15B123456K"), None),
                (Some("077CD0012"), None),
                (Some("RI14CA0012"), None),
                (None, None),
            ],
        );
    }

    #[test]
    fn state_names() {
        check(
            &PLATE_STATE_NAME,
            &[
                (Some("rj-14-ca-1234"), Some("Rajasthan")),
                (Some("TS 09 EA 1234"), Some("Telangana")),
                (Some("OR 02 AB 1"), Some("Odisha")),
                (Some("UA 07 K 1"), Some("Uttarakhand")),
                (Some("CT 04 AB 1"), Some("Chhattisgarh")),
                (Some("DN 09 A 1"), Some("Dadra and Nagar Haveli")),
                (Some("DL 3C AB 1234"), Some("Delhi")),
                (Some("22BH1234AA"), None),
                (Some("garbage"), None),
                (None, None),
            ],
        );
    }
}
