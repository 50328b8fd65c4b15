//! `plate_is_valid(text)`: whether a value is a plate of a known format.

use arrow::datatypes::DataType;

use super::{OfPlate, Plate};
use crate::function::police_function;
use crate::kernel;

police_function! {
    #[user_doc(
        doc_section(label = "Plate Functions"),
        description = "Whether the value is a vehicle number plate of a known format (standard, \
Bharat series, temporary, old three-letter, defence, diplomatic) with a known state code, \
formatting aside: true exactly where `plate_normalize` is not NULL. A Rajasthan plate needs a \
known office, RJ01-RJ60 (`RJ99CA1234` is false); other states are not checked against a list. \
Look-alike characters are not repaired (`plate_is_valid(plate_repair(x))` for that). False for \
text that is not a plate, NULL only for NULL.",
        syntax_example = "plate_is_valid(plate)",
        sql_example = r#"```sql
> SELECT plate_is_valid('RJ 14 CA 12') AS a, plate_is_valid('RI14CA0012') AS b, plate_is_valid('RJ14CO1234') AS c;
+------+-------+-------+
| a    | b     | c     |
+------+-------+-------+
| true | false | false |
+------+-------+-------+
```"#,
        argument(
            name = "plate",
            description = "Plate as written or read, in any format."
        )
    )]
    struct PlateIsValid;
    pub static PLATE_IS_VALID = "plate_is_valid";
    signature = kernel::one_text_argument();
    return_type = DataType::Boolean;
    fn invoke_with_args(args) {
        kernel::evaluate_bool(
            &mut OfPlate::new(|plate: Option<&Plate>| plate.is_some()),
            &args.args[0],
        )
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray};

    use super::*;
    use crate::kernel::test_util::run_all_encodings;
    use crate::plate::test_util::messy;

    #[test]
    fn validity() {
        let long = "RJ14CA0012".repeat(1000);
        let inputs = [
            Some("RJ 14 CA 12"),
            Some("22BH1234AA"),
            Some("T0125RJ0042AB"),
            Some("RSB1234"),
            Some("15B123456K"),
            Some("077CD0012"),
            Some("RI14CA0012"),
            Some("RJ14CO1234"),
            Some("XX14CA1234"),
            Some("RJ99CA1234"),
            Some("RJ60CA1234"),
            Some(""),
            Some(long.as_str()),
            None,
        ];
        let out = run_all_encodings(&PLATE_IS_VALID, &inputs);
        let out = out.as_boolean();
        let got: Vec<Option<bool>> = (0..out.len())
            .map(|i| out.is_valid(i).then(|| out.value(i)))
            .collect();
        let t = Some(true);
        let f = Some(false);
        assert_eq!(got, [t, t, t, t, t, t, f, f, f, f, t, f, f, None]);
        let messy = messy();
        let inputs: Vec<Option<&str>> = messy.iter().map(|s| s.as_deref()).collect();
        let out = run_all_encodings(&PLATE_IS_VALID, &inputs);
        assert_eq!(out.null_count(), 1);
        assert_eq!(out.as_boolean().true_count(), 1);
    }
}
