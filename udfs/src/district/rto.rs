//! `district_of_rto(text)`: the current district of a Rajasthan registration office code.

use std::sync::LazyLock;

use arrow::datatypes::DataType;

use crate::function::police_function;
use crate::kernel::{self, ToText};
use crate::reference::rto_district;

/// The district of each office number `RJ00`..`RJ99`, looked up once.
static DISTRICT_BY_NUMBER: LazyLock<[Option<&'static str>; 100]> =
    LazyLock::new(|| std::array::from_fn(|n| rto_district(&format!("RJ{n:02}"))));

/// The office number of a Rajasthan RTO code written with any case, spacing and separators:
/// `RJ14`, `rj-14`, `RJ 14`, `Rj.4`, `RJ१४`. Anything else, including a full plate, is `None`.
pub fn rto_number(text: &str) -> Option<usize> {
    let mut chars = text
        .trim_matches(|c: char| c.is_whitespace())
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '_'));
    if !matches!(chars.next(), Some('R' | 'r')) || !matches!(chars.next(), Some('J' | 'j')) {
        return None;
    }
    let mut number = 0;
    let mut digits = 0;
    for c in chars {
        let digit = match c {
            '0'..='9' => c as usize - '0' as usize,
            '\u{0966}'..='\u{096F}' => c as usize - 0x0966,
            _ => return None,
        };
        number = number * 10 + digit;
        digits += 1;
        if digits > 2 {
            return None;
        }
    }
    (digits > 0).then_some(number)
}

police_function! {
    #[user_doc(
        doc_section(label = "District Functions"),
        description = "The current district of a Rajasthan registration office (RTO / DTO) code, \
written with any case, spacing or separator (`RJ14`, `rj-14`, `RJ 14`, `RJ4`). Offices in \
districts created in 2023 give the new district (`RJ40` Bhiwadi → Khairthal-Tijara). NULL for \
codes of other states, full plates (use `plate_district`), and RJ54–RJ59, whose offices are not \
known.",
        syntax_example = "district_of_rto(code)",
        sql_example = r#"```sql
> SELECT district_of_rto('RJ14') AS a, district_of_rto('rj-32') AS b, district_of_rto('MH12') AS c;
+--------+-----------------+------+
| a      | b               | c    |
+--------+-----------------+------+
| Jaipur | Kotputli-Behror | NULL |
+--------+-----------------+------+
```"#,
        argument(
            name = "code",
            description = "Registration office code such as `RJ14`."
        )
    )]
    struct DistrictOfRto;
    pub static DISTRICT_OF_RTO = "district_of_rto";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        let table = &*DISTRICT_BY_NUMBER;
        kernel::evaluate(
            &mut ToText::new(|s, out| match rto_number(s).and_then(|n| table[n]) {
                Some(district) => {
                    out.push_str(district);
                    true
                }
                None => false,
            }),
            &args.args[0],
        )
    }
}
