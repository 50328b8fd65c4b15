//! `district_hi`, `district_code`, `district_division`: facts about the district a name stands
//! for, resolved as by `district_canonical`.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};
use datafusion_macros::user_doc;

use super::lookup::{Matcher, district};
use crate::kernel::{self, ToPrimitive, ToText};

/// Evaluates a text attribute of the resolved district (`None`: NULL).
fn text_attribute(
    args: &ScalarFunctionArgs,
    attribute: fn(&'static crate::reference::District) -> Option<&'static str>,
) -> Result<ColumnarValue> {
    let mut matcher = Matcher::new();
    kernel::evaluate(
        &mut ToText::new(|s, out| {
            match matcher.resolve(s).and_then(|id| attribute(district(id))) {
                Some(value) => {
                    out.push_str(value);
                    true
                }
                None => false,
            }
        }),
        &args.args[0],
    )
}

#[user_doc(
    doc_section(label = "District Functions"),
    description = "The Devanagari name of the current district a district name stands for \
(resolved as by `district_canonical`; an abolished district gives its successor's name). NULL \
when the name is not recognised.",
    syntax_example = "district_hi(name)",
    sql_example = r#"```sql
> SELECT district_hi('Jodhpur') AS a, district_hi('SRI GANGANAGAR') AS b, district_hi('Kekri') AS c;
+---------+--------------+-------+
| a       | b            | c     |
+---------+--------------+-------+
| जोधपुर   | श्रीगंगानगर     | अजमेर  |
+---------+--------------+-------+
```"#,
    argument(name = "name", description = "District name in English or Devanagari.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DistrictHi {
    signature: Signature,
}

impl ScalarUDFImpl for DistrictHi {
    fn name(&self) -> &str {
        "district_hi"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        text_attribute(&args, |d| Some(d.name_hi.as_str()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "District Functions"),
    description = "The Local Government Directory (LGD) code of the current district a district \
name stands for (resolved as by `district_canonical`), as a BIGINT. NULL when the name is not \
recognised, and for the 8 districts created in 2023, whose LGD codes are not in the embedded \
table.",
    syntax_example = "district_code(name)",
    sql_example = r#"```sql
> SELECT district_code('Jaipur') AS a, district_code('जोधपुर') AS b, district_code('Balotra') AS c;
+-----+-----+------+
| a   | b   | c    |
+-----+-----+------+
| 102 | 107 | NULL |
+-----+-----+------+
```"#,
    argument(name = "name", description = "District name in English or Devanagari.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DistrictCode {
    signature: Signature,
}

impl ScalarUDFImpl for DistrictCode {
    fn name(&self) -> &str {
        "district_code"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut matcher = Matcher::new();
        kernel::evaluate(
            &mut ToPrimitive::<Int64Type, _>::new(|s| {
                matcher.resolve(s).and_then(|id| district(id).lgd_code)
            }),
            &args.args[0],
        )
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "District Functions"),
    description = "The administrative division (Ajmer, Bharatpur, Bikaner, Jaipur, Jodhpur, Kota \
or Udaipur) of the current district a district name stands for (resolved as by \
`district_canonical`). NULL when the name is not recognised.",
    syntax_example = "district_division(name)",
    sql_example = r#"```sql
> SELECT district_division('Sikar') AS a, district_division('Salumbar') AS b;
+--------+---------+
| a      | b       |
+--------+---------+
| Jaipur | Udaipur |
+--------+---------+
```"#,
    argument(name = "name", description = "District name in English or Devanagari.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DistrictDivision {
    signature: Signature,
}

impl ScalarUDFImpl for DistrictDivision {
    fn name(&self) -> &str {
        "district_division"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        text_attribute(&args, |d| d.division.as_deref())
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// The shared instances.
pub static DISTRICT_HI: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| {
    Arc::new(ScalarUDF::new_from_impl(DistrictHi {
        signature: kernel::one_text_argument(),
    }))
});
pub static DISTRICT_CODE: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| {
    Arc::new(ScalarUDF::new_from_impl(DistrictCode {
        signature: kernel::one_text_argument(),
    }))
});
pub static DISTRICT_DIVISION: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| {
    Arc::new(ScalarUDF::new_from_impl(DistrictDivision {
        signature: kernel::one_text_argument(),
    }))
});
