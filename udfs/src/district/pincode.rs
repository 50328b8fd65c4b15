//! `district_of_pincode(pin)`: the current district of a Rajasthan PIN code.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::common::types::NativeType;
use datafusion::common::types::logical_int64;
use datafusion::logical_expr::{
    Coercion, ColumnarValue, Signature, TypeSignature, TypeSignatureClass, Volatility,
};

use super::lookup::{DistrictId, Matcher, district};
use crate::function::police_function;
use crate::kernel::{self, ToText};
use crate::reference::PINCODES;

/// Rajasthan PIN codes all lie in 300000..400000 (postal circle 30–34).
const FIRST_PIN: u32 = 300_000;
const PIN_SPAN: usize = 100_000;

/// The current district of every PIN in the directory, indexed by `pin - FIRST_PIN`; 0 for
/// none, otherwise the district id + 1. The directory's upper-case 33-district names resolve
/// to today's names (`GANGANAGAR` → Sri Ganganagar); a PIN listed under two districts takes
/// the first.
static DISTRICT_BY_PIN: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut table = vec![0; PIN_SPAN];
    let mut matcher = Matcher::new();
    for pin in PINCODES.iter() {
        if let (Some(slot), Some(id)) = (
            table.get_mut(pin.pincode.wrapping_sub(FIRST_PIN) as usize),
            matcher.resolve(&pin.district),
        ) {
            *slot = id + 1;
        }
    }
    table
});

/// The district of a PIN given as a number.
#[inline]
fn district_of_pin(table: &[u8], pin: i64) -> Option<DistrictId> {
    let slot = *table.get(usize::try_from(pin.checked_sub(FIRST_PIN as i64)?).ok()?)?;
    slot.checked_sub(1)
}

/// The PIN written in `text`: six digits (ASCII or Devanagari), optionally split by spaces or
/// a hyphen (`302 001`, `302-001`), optionally followed by `.0` as spreadsheets export numbers.
pub fn parse_pin(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = match text.split_once('.') {
        Some((pin, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => pin,
        Some(_) => return None,
        None => text,
    };
    let mut pin = 0;
    let mut digits = 0;
    for c in text.chars() {
        let digit = match c {
            '0'..='9' => c as i64 - '0' as i64,
            '\u{0966}'..='\u{096F}' => c as i64 - 0x0966,
            ' ' | '-' => continue,
            _ => return None,
        };
        pin = pin * 10 + digit;
        digits += 1;
        if digits > 6 {
            return None;
        }
    }
    (digits == 6).then_some(pin)
}

police_function! {
    #[user_doc(
        doc_section(label = "District Functions"),
        description = "The current district of a Rajasthan PIN code, given as a number or as text \
(`302001`, `'302 001'`, `'302-001'`). Based on the India Post directory, which names the 33 \
districts of before 2023; their names are given as today's (`GANGANAGAR` → `Sri Ganganagar`). \
Areas moved in 2023 into a new district (Balotra, Beawar, Deeg, Didwana-Kuchaman, \
Khairthal-Tijara, Kotputli-Behror, Phalodi, Salumbar) still give the district the directory \
lists: the directory has no PIN-level record of the split. A PIN the directory lists under two \
districts (24 of 1,004) gives the first one listed. NULL for PINs not in the directory (other \
states) and for anything that is not a 6-digit PIN.",
        syntax_example = "district_of_pincode(pin)",
        sql_example = r#"```sql
> SELECT district_of_pincode(302001) AS a, district_of_pincode('335 001') AS b,
         district_of_pincode(110001) AS c;
+--------+----------------+------+
| a      | b              | c    |
+--------+----------------+------+
| Jaipur | Sri Ganganagar | NULL |
+--------+----------------+------+
```"#,
        argument(name = "pin", description = "PIN code: an integer or text.")
    )]
    struct DistrictOfPincode;
    pub static DISTRICT_OF_PINCODE = "district_of_pincode";
    signature = {
        // Integers of every width are read as BIGINT without a detour through text; anything
        // else is read as text.
        let integer = TypeSignature::Coercible(vec![Coercion::new_implicit(
            TypeSignatureClass::Native(logical_int64()),
            vec![TypeSignatureClass::Integer],
            NativeType::Int64,
        )]);
        let text = kernel::one_text_argument().type_signature;
        Signature::one_of(vec![integer, text], Volatility::Immutable)
    };
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        let table = DISTRICT_BY_PIN.as_slice();
        let name = |id: Option<DistrictId>| id.map(|id| district(id).name.as_str());
        match &args.args[0] {
            ColumnarValue::Array(array) if array.data_type().is_integer() => {
                let pins = cast(array, &DataType::Int64)?;
                let pins = pins.as_primitive::<Int64Type>();
                let mut names = StringBuilder::with_capacity(pins.len(), pins.len() * 8);
                for pin in pins.iter() {
                    names.append_option(name(pin.and_then(|pin| district_of_pin(table, pin))));
                }
                Ok(ColumnarValue::Array(Arc::new(names.finish()) as ArrayRef))
            }
            ColumnarValue::Scalar(scalar) if scalar.data_type().is_integer() => {
                let pin = scalar.cast_to(&DataType::Int64)?;
                let ScalarValue::Int64(pin) = pin else {
                    return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)));
                };
                let district = name(pin.and_then(|pin| district_of_pin(table, pin)));
                Ok(ColumnarValue::Scalar(ScalarValue::Utf8(
                    district.map(str::to_string),
                )))
            }
            text => kernel::evaluate(
                &mut ToText::new(|s, out| {
                    match name(parse_pin(s).and_then(|pin| district_of_pin(table, pin))) {
                        Some(district) => {
                            out.push_str(district);
                            true
                        }
                        None => false,
                    }
                }),
                text,
            ),
        }
    }
}
