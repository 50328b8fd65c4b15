//! What the criterion benches share: their settings and one call of a function on an array.

// Each bench is compiled on its own and uses part of this.
#![allow(dead_code)]

pub mod plates;

use std::sync::Arc;
use std::time::Duration;

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field};
use criterion::Criterion;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};

/// Short warm-up and measurement: a batch of 8192 values takes microseconds.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// The police function named `name`.
pub fn police_function(name: &str) -> Arc<ScalarUDF> {
    jaanch_udfs::functions()
        .into_iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("{name} is registered"))
}

/// Calls `udf` on `args` (of `rows` rows), as DataFusion would: with their fields and the
/// function's return type. `config` is made once by the caller, so that no allocation is
/// measured.
pub fn call(
    udf: &ScalarUDF,
    args: Vec<ColumnarValue>,
    rows: usize,
    config: &Arc<ConfigOptions>,
) -> ColumnarValue {
    let types: Vec<DataType> = args.iter().map(ColumnarValue::data_type).collect();
    let return_type = udf.return_type(&types).unwrap();
    let arg_fields = types
        .into_iter()
        .enumerate()
        .map(|(i, t)| Arc::new(Field::new(format!("a{i}"), t, true)))
        .collect();
    udf.invoke_with_args(ScalarFunctionArgs {
        args,
        arg_fields,
        number_rows: rows,
        return_field: Arc::new(Field::new("r", return_type, true)),
        config_options: Arc::clone(config),
    })
    .unwrap()
}

/// [`call`] on one array.
pub fn invoke(udf: &ScalarUDF, array: &ArrayRef, config: &Arc<ConfigOptions>) -> ColumnarValue {
    call(
        udf,
        vec![ColumnarValue::Array(Arc::clone(array))],
        array.len(),
        config,
    )
}
