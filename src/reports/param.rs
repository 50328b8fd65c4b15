//! Report parameter types, and turning text into typed values.

use std::fmt;

use arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;

use super::Param;
use crate::error::Result;
use crate::params::ParamError;
use crate::session::Session;

/// The types a report parameter can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Int,
    Float,
    Bool,
    Date,
    Timestamp,
}

impl ParamType {
    fn parse(name: &str) -> Option<ParamType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "text" | "string" | "varchar" => ParamType::Text,
            "int" | "integer" | "bigint" => ParamType::Int,
            "float" | "double" | "real" => ParamType::Float,
            "bool" | "boolean" => ParamType::Bool,
            "date" => ParamType::Date,
            "timestamp" => ParamType::Timestamp,
            _ => return None,
        })
    }

    pub fn data_type(self) -> DataType {
        match self {
            ParamType::Text => DataType::Utf8,
            ParamType::Int => DataType::Int64,
            ParamType::Float => DataType::Float64,
            ParamType::Bool => DataType::Boolean,
            ParamType::Date => DataType::Date32,
            ParamType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        }
    }

    /// What a value of this type looks like, for error messages.
    pub fn described(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Int => "a whole number",
            ParamType::Float => "a number",
            ParamType::Bool => "true or false",
            ParamType::Date => "a date YYYY-MM-DD",
            ParamType::Timestamp => "a timestamp YYYY-MM-DD HH:MM[:SS]",
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamType::Text => "text",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
            ParamType::Date => "date",
            ParamType::Timestamp => "timestamp",
        })
    }
}

/// Parses `name type [= default]`.
pub fn parse_declaration(text: &str) -> std::result::Result<Param, String> {
    let (declaration, default) = match text.split_once('=') {
        Some((declaration, default)) => (declaration, Some(default.trim().to_string())),
        None => (text, None),
    };
    let mut words = declaration.split_whitespace();
    let (Some(name), Some(type_name), None) = (words.next(), words.next(), words.next()) else {
        return Err(format!(
            "bad parameter declaration {text:?} (expected `param: name type [= default]`)"
        ));
    };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(format!(
            "bad parameter name {name:?} (letters, digits and _)"
        ));
    }
    let param_type = ParamType::parse(type_name).ok_or_else(|| {
        format!(
            "unknown parameter type {type_name:?} for {name} (expected text, int, float, bool, date or timestamp)"
        )
    })?;
    if default.as_deref() == Some("") {
        return Err(format!("parameter {name} has an empty default"));
    }
    Ok(Param {
        name: name.to_string(),
        param_type,
        default,
    })
}

/// The typed value of `text` for `param`, or why it is not one.
pub fn parse_value(param: &Param, text: &str) -> std::result::Result<ScalarValue, ParamError> {
    let trimmed = text.trim();
    let bad = || ParamError::Malformed {
        name: param.name.clone(),
        given: text.to_string(),
        expected: param.param_type,
    };
    Ok(match param.param_type {
        ParamType::Text => ScalarValue::Utf8(Some(text.to_string())),
        ParamType::Int => ScalarValue::Int64(Some(trimmed.parse().map_err(|_| bad())?)),
        ParamType::Float => {
            let value: f64 = trimmed.parse().map_err(|_| bad())?;
            if !value.is_finite() {
                return Err(bad());
            }
            ScalarValue::Float64(Some(value))
        }
        ParamType::Bool => {
            ScalarValue::Boolean(Some(match trimmed.to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "1" | "on" => true,
                "false" | "f" | "no" | "n" | "0" | "off" => false,
                _ => return Err(bad()),
            }))
        }
        ParamType::Date => {
            let date = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map_err(|_| bad())?;
            ScalarValue::Date32(Some(days_since_epoch(date)))
        }
        ParamType::Timestamp => {
            let formats = [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M",
            ];
            let parsed = formats
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(trimmed, f).ok())
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                })
                .ok_or_else(bad)?;
            ScalarValue::TimestampMicrosecond(Some(parsed.and_utc().timestamp_micros()), None)
        }
    })
}

fn days_since_epoch(date: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    (date - epoch).num_days() as i32
}

/// Evaluates a default expression (`current_date - interval '7 days'`) to the parameter's type.
pub async fn evaluate_default(
    session: &Session,
    param: &Param,
    default: &str,
) -> Result<ScalarValue> {
    if default.eq_ignore_ascii_case("null") {
        return Ok(ScalarValue::try_from(param.param_type.data_type())?);
    }
    let sql = format!(
        "SELECT CAST(({default}) AS {}) AS v",
        sql_type_name(param.param_type)
    );
    let fail = |reason: String| ParamError::BadDefault {
        name: param.name.clone(),
        default: default.to_string(),
        reason,
    };
    let batches = session
        .evaluate(&sql)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let batch = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| fail("no value".to_string()))?;
    Ok(ScalarValue::try_from_array(batch.column(0), 0)
        .and_then(|v| v.cast_to(&param.param_type.data_type()))
        .map_err(|e| fail(crate::error::one_line(&e)))?)
}

fn sql_type_name(param_type: ParamType) -> &'static str {
    match param_type {
        ParamType::Text => "VARCHAR",
        ParamType::Int => "BIGINT",
        ParamType::Float => "DOUBLE",
        ParamType::Bool => "BOOLEAN",
        ParamType::Date => "DATE",
        ParamType::Timestamp => "TIMESTAMP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(declaration: &str) -> Param {
        parse_declaration(declaration).unwrap()
    }

    #[test]
    fn declarations() {
        assert_eq!(param("from date").param_type, ParamType::Date);
        assert_eq!(param("n int = 3").default.as_deref(), Some("3"));
        assert!(parse_declaration("from").is_err());
        assert!(parse_declaration("from date extra").is_err());
        assert!(parse_declaration("1x int").is_err());
        assert!(parse_declaration("x int =").is_err());
    }

    #[test]
    fn values_are_typed_or_refused() {
        let from = param("from date");
        assert_eq!(
            parse_value(&from, "2024-07-01"),
            Ok(ScalarValue::Date32(Some(19905)))
        );
        assert_eq!(
            parse_value(&from, "2019-13-45").unwrap_err().to_string(),
            "parameter from: \"2019-13-45\" is not a date YYYY-MM-DD (date expected)"
        );
        let n = param("n int");
        assert_eq!(parse_value(&n, " 12 "), Ok(ScalarValue::Int64(Some(12))));
        assert!(parse_value(&n, "12.5").is_err());
        assert_eq!(
            parse_value(&param("x float"), "2.5"),
            Ok(ScalarValue::Float64(Some(2.5)))
        );
        assert!(parse_value(&param("x float"), "NaN").is_err());
        assert_eq!(
            parse_value(&param("b bool"), "yes"),
            Ok(ScalarValue::Boolean(Some(true)))
        );
        assert!(parse_value(&param("b bool"), "maybe").is_err());
        let at = param("at timestamp");
        assert_eq!(
            parse_value(&at, "2024-07-01 10:30"),
            Ok(ScalarValue::TimestampMicrosecond(
                Some(1_719_829_800_000_000),
                None
            ))
        );
        let text = param("district text");
        let injection = "Jaipur' OR '1'='1";
        assert_eq!(
            parse_value(&text, injection),
            Ok(ScalarValue::Utf8(Some(injection.into())))
        );
    }
}
