//! Every police function on hostile input ([`crate::hostile`]): whatever the values, encodings
//! and argument types the function's signature accepts, it answers one value per row (NULL for
//! what it cannot read), never an error or a panic.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};

use crate::hostile;
use crate::rng::Rng;

/// The types a caller may pass: each string encoding, integers and floats.
const ARGUMENT_TYPES: &[DataType] = &[
    DataType::Utf8,
    DataType::Utf8View,
    DataType::LargeUtf8,
    DataType::Int64,
    DataType::Float64,
];

/// One column of `rows` hostile values of `data_type` (a fifth of them NULL).
fn column(rng: &mut Rng, data_type: &DataType, rows: usize) -> ArrayRef {
    match data_type {
        DataType::Int64 => Arc::new(Int64Array::from_iter((0..rows).map(|_| {
            (!rng.one_in(5)).then(|| match rng.below(4) {
                0 => i64::MIN,
                1 => i64::MAX,
                _ => rng.next_u64() as i64 >> rng.below(64),
            })
        }))),
        DataType::Float64 => Arc::new(Float64Array::from_iter((0..rows).map(|_| {
            (!rng.one_in(5)).then(|| match rng.below(6) {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => -0.0,
                3 => f64::MAX,
                _ => rng.uniform(-1e12, 1e12),
            })
        }))),
        _ => {
            let values: StringArray = (0..rows)
                .map(|_| (!rng.one_in(5)).then(|| hostile::text(rng)))
                .collect();
            cast(&values, data_type).expect("text casts to every string type")
        }
    }
}

/// The argument lists `udf` accepts, as the types given and the types its signature coerces
/// them to: every arity up to 4 with one argument type repeated.
fn accepted_calls(udf: &ScalarUDF) -> Vec<(DataType, Vec<FieldRef>)> {
    let mut calls = Vec::new();
    for arity in 1..=4 {
        for given in ARGUMENT_TYPES {
            let fields: Vec<FieldRef> = (0..arity)
                .map(|i| Arc::new(Field::new(format!("a{i}"), given.clone(), true)))
                .collect();
            if let Ok(coerced) = fields_with_udf(&fields, udf) {
                calls.push((given.clone(), coerced));
            }
        }
    }
    calls
}

/// Calls `udf` as DataFusion would, with the first argument a scalar when `scalar_first`.
fn call(
    udf: &ScalarUDF,
    given: &DataType,
    coerced: &[FieldRef],
    rng: &mut Rng,
    scalar_first: bool,
) -> (
    Vec<String>,
    datafusion::common::Result<ColumnarValue>,
    usize,
) {
    // Up to 8 rows, the same for every argument; the first argument a scalar if asked.
    let rows = rng.below(9) as usize;
    let scalar = scalar_first && rows > 0;
    let mut shown = Vec::new();
    let mut args = Vec::new();
    for (i, field) in coerced.iter().enumerate() {
        let values =
            cast(&column(rng, given, rows), field.data_type()).expect("coercion is castable");
        shown.push(format!("{values:?}"));
        args.push(if i == 0 && scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&values, 0).unwrap())
        } else {
            ColumnarValue::Array(values)
        });
    }
    // A call of scalars only is one row.
    let rows = if scalar && coerced.len() == 1 {
        1
    } else {
        rows
    };
    let arg_fields: Vec<FieldRef> = coerced.to_vec();
    let result = udf
        .return_field_from_args(datafusion::logical_expr::ReturnFieldArgs {
            arg_fields: &arg_fields,
            scalar_arguments: &vec![None; arg_fields.len()],
        })
        .and_then(|return_field| {
            udf.invoke_with_args(ScalarFunctionArgs {
                args,
                arg_fields,
                number_rows: rows,
                return_field,
                config_options: Arc::new(ConfigOptions::default()),
            })
        });
    (shown, result, rows)
}

#[test]
fn police_functions_answer_every_hostile_value() {
    for udf in crate::functions() {
        let calls = accepted_calls(&udf);
        assert!(
            !calls.is_empty(),
            "{} accepts no argument types",
            udf.name()
        );
        hostile::fuzz(
            udf.name(),
            |rng| rng.next_u64(),
            |&seed| {
                for (given, coerced) in &calls {
                    for scalar_first in [false, true] {
                        let mut rng = Rng::new(seed);
                        let (args, result, rows) =
                            call(&udf, given, coerced, &mut rng, scalar_first);
                        let result = result
                            .unwrap_or_else(|e| panic!("{} on {given} {args:?}: {e}", udf.name()));
                        if let ColumnarValue::Array(array) = result {
                            assert_eq!(array.len(), rows, "{} on {args:?}", udf.name());
                        }
                    }
                }
            },
        );
    }
}
