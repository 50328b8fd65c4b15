//! Python values as query parameters: conversion only; the engine binds and checks them.
//!
//! `lake.sql(query, params)` gives values for `$name` (or `$1`, `$2`, ...) placeholders as typed
//! values, never as SQL text, so a value holding quotes or SQL stays a value. Report parameters
//! go through the report's own declared types instead (see [`report_value`]).

use chrono::{FixedOffset, NaiveDate};
use datafusion::common::ScalarValue;
use jaanch::Params;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::errors::parameter_error;

/// Reads `params`: a mapping of name → value (for `$name`), or a list / tuple of values (for
/// `$1`, `$2`, ...).
pub fn params(params: &Bound<'_, PyAny>) -> PyResult<Params> {
    if let Ok(dict) = params.cast::<PyDict>() {
        let mut named = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let Ok(key) = key.extract::<String>() else {
                return Err(parameter_error(format!(
                    "parameter names must be strings, not {}",
                    type_name(&key)
                )));
            };
            let name = key.strip_prefix('$').unwrap_or(&key).to_string();
            let value = scalar(&name, &value)?;
            named.push((name, value));
        }
        return Ok(Params::Named(named));
    }
    if params.is_instance_of::<PyList>() || params.is_instance_of::<PyTuple>() {
        let values = params
            .try_iter()?
            .enumerate()
            .map(|(i, value)| scalar(&format!("${}", i + 1), &value?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Params::Positional(values));
    }
    Err(parameter_error(format!(
        "params must be a dict of name → value (for $name) or a list of values (for $1, $2, ...), not {}",
        type_name(params)
    )))
}

/// A Python value as a typed SQL value.
pub fn scalar(name: &str, value: &Bound<'_, PyAny>) -> PyResult<ScalarValue> {
    if value.is_none() {
        return Ok(ScalarValue::Null);
    }
    // bool before int: True is an int in Python.
    if value.is_instance_of::<PyBool>() {
        return Ok(ScalarValue::Boolean(Some(value.extract()?)));
    }
    if value.is_instance_of::<PyInt>() {
        return value
            .extract::<i64>()
            .map(|v| ScalarValue::Int64(Some(v)))
            .map_err(|_| {
                parameter_error(format!(
                    "parameter {name}: {value} does not fit in a 64-bit integer"
                ))
            });
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(ScalarValue::Float64(Some(value.extract()?)));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(ScalarValue::Utf8(Some(value.extract()?)));
    }
    if value.is_instance_of::<PyBytes>() {
        return Ok(ScalarValue::Binary(Some(value.extract()?)));
    }
    if let Some(value) = date_or_datetime(value)? {
        return Ok(value);
    }
    // Integers of other libraries (numpy.int64) convert through __index__.
    if value.hasattr("__index__")?
        && let Ok(v) = value.extract::<i64>()
    {
        return Ok(ScalarValue::Int64(Some(v)));
    }
    Err(parameter_error(format!(
        "parameter {name}: cannot bind a value of type {} (str, int, float, bool, None, bytes, datetime.date or datetime.datetime expected)",
        type_name(value)
    )))
}

/// A `datetime.datetime` as a timestamp (with its UTC offset as time zone when it has one), a
/// `datetime.date` as a date; `None` for anything else.
fn date_or_datetime(value: &Bound<'_, PyAny>) -> PyResult<Option<ScalarValue>> {
    let py = value.py();
    let datetime = py.import("datetime")?;
    let int = |name: &str| -> PyResult<u32> { value.getattr(name)?.extract() };
    // datetime before date: a datetime is a date in Python.
    let is_datetime = value.is_instance(&datetime.getattr("datetime")?)?;
    if !is_datetime && !value.is_instance(&datetime.getattr("date")?)? {
        return Ok(None);
    }
    let year: i32 = value.getattr("year")?.extract()?;
    let date = NaiveDate::from_ymd_opt(year, int("month")?, int("day")?)
        .ok_or_else(|| parameter_error(format!("{value} is not a valid date")))?;
    if !is_datetime {
        return Ok(Some(ScalarValue::Date32(Some(days_since_epoch(date)))));
    }
    let local = date
        .and_hms_micro_opt(
            int("hour")?,
            int("minute")?,
            int("second")?,
            int("microsecond")?,
        )
        .ok_or_else(|| parameter_error(format!("{value} is not a valid time")))?;
    let micros = local.and_utc().timestamp_micros();
    let offset = value.call_method0("utcoffset")?;
    if offset.is_none() {
        return Ok(Some(ScalarValue::TimestampMicrosecond(Some(micros), None)));
    }
    let seconds: f64 = offset.call_method0("total_seconds")?.extract()?;
    let zone = FixedOffset::east_opt(seconds.round() as i32)
        .ok_or_else(|| parameter_error(format!("{value}: unsupported UTC offset")))?;
    let utc = micros - (seconds * 1_000_000.0).round() as i64;
    Ok(Some(ScalarValue::TimestampMicrosecond(
        Some(utc),
        Some(zone.to_string().into()),
    )))
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    (date - epoch).num_days() as i32
}

/// A report parameter's value as the text its declared type parses: `None` is no value (the
/// parameter's default applies), booleans are `true` / `false`, everything else is `str(value)`
/// (`datetime.date` gives `2024-07-01`).
pub fn report_value(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    if value.is_instance_of::<PyBool>() {
        let flag: bool = value.extract()?;
        return Ok(Some(flag.to_string()));
    }
    Ok(Some(value.str()?.to_cow()?.into_owned()))
}

/// Report parameters as `name=value` text pairs, skipping `None`s.
pub fn report_values(params: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, String)>> {
    let mut values = Vec::new();
    let Some(params) = params else {
        return Ok(values);
    };
    for (key, value) in params.iter() {
        let name: String = key.extract()?;
        if let Some(text) = report_value(&value)? {
            values.push((name, text));
        }
    }
    Ok(values)
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}
