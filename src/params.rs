//! Parameters: values bound to a statement's placeholders (`$district`, `$1`) as typed values,
//! never spliced into its text, so that a value holding quotes or SQL is only ever a value.
//!
//! Saved reports declare their parameters and take them as text (`district=Jaipur`), parsed by
//! each one's declared type ([`crate::reports`]); a query takes typed values directly
//! ([`Params`]). Either way every placeholder needs a value and every value a placeholder, and a
//! mistake is refused before anything runs, naming the parameter.

use std::collections::BTreeSet;

use datafusion::common::{ParamValues, ScalarValue};
use datafusion::logical_expr::{LogicalPlan, Statement};

use crate::error::{Error, Result};
use crate::reports::ParamType;

/// Values for a query's placeholders.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    /// `district → 'Jaipur'` for `$district`.
    Named(Vec<(String, ScalarValue)>),
    /// `['Jaipur', 3]` for `$1`, `$2`.
    Positional(Vec<ScalarValue>),
}

/// A parameter that is missing, unknown or malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A report's parameter without a default was given no value.
    #[error(
        "missing parameter {name} ({param_type}) for report {report}: give -p {name}=VALUE (in the shell: \\r {report} {name}=VALUE)"
    )]
    Missing {
        report: String,
        name: String,
        param_type: ParamType,
    },
    /// A value for a parameter the report does not declare.
    #[error(
        "unknown parameter {name} for report {report} ({}{})",
        suggestion.as_ref().map(|s| format!("did you mean {s}? ")).unwrap_or_default(),
        takes(.declared)
    )]
    Unknown {
        report: String,
        name: String,
        suggestion: Option<String>,
        declared: Vec<String>,
    },
    /// The same parameter given twice.
    #[error("parameter {name} is given twice")]
    Twice { name: String },
    /// A value that is not of the parameter's type.
    #[error("parameter {name}: {given:?} is not {} ({expected} expected)", expected.described())]
    Malformed {
        name: String,
        given: String,
        expected: ParamType,
    },
    /// A report's default that cannot be evaluated.
    #[error("parameter {name}: its default {default:?} cannot be evaluated: {reason}")]
    BadDefault {
        name: String,
        default: String,
        reason: String,
    },
    /// A `name=value` argument without its `=`.
    #[error("parameter {argument:?} must be written name=value")]
    NotAnAssignment { argument: String },
    /// A query with placeholders run without values.
    #[error("the query uses {} but no values were given for them", .placeholders.join(", "))]
    Unbound { placeholders: Vec<String> },
    /// A query placeholder left without a value.
    #[error("missing value for parameter {placeholder} ({}; given: {})", uses(.placeholders), list_or_none(.given))]
    NoValue {
        placeholder: String,
        placeholders: Vec<String>,
        given: Vec<String>,
    },
    /// A value for a placeholder the query does not have.
    #[error("unknown parameter {name}: {}", uses(.placeholders))]
    NoPlaceholder {
        name: String,
        placeholders: Vec<String>,
    },
    /// Positional values for a query whose placeholders are not `$1`, `$2`, ...
    #[error("a list of values binds $1, $2, ...; {}: give values by name instead", uses(.placeholders))]
    NotPositional { placeholders: Vec<String> },
    /// A statement using both `?` and `$1` / `$name` placeholders.
    #[error(
        "the statement mixes ? placeholders with {other}: use one kind (? or $1, $2, ... or $name)"
    )]
    Mixed { other: String },
    /// A `CALL` argument that is not a value.
    #[error("CALL {report}: parameter {name} takes a value ('text', 42, DATE '2024-06-30') or a placeholder, not {given}{}", hint.as_deref().unwrap_or(""))]
    NotAValue {
        report: String,
        name: String,
        given: String,
        hint: Option<String>,
    },
    /// A `CALL` whose arguments do not fit the report.
    #[error("CALL {report}: {message}")]
    Call { report: String, message: String },
    /// Positional values that do not match the placeholders in number.
    #[error("{given} values given for {}", uses(.placeholders))]
    Count {
        given: usize,
        placeholders: Vec<String>,
    },
}

fn takes(declared: &[String]) -> String {
    if declared.is_empty() {
        "it takes none".to_string()
    } else {
        format!("it takes {}", declared.join(", "))
    }
}

fn uses(placeholders: &[String]) -> String {
    if placeholders.is_empty() {
        "the query has no parameters".to_string()
    } else {
        format!("the query uses {}", placeholders.join(", "))
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The placeholders of a plan (`$district`, `$1`), sorted.
fn placeholders(plan: &LogicalPlan) -> Result<Vec<String>> {
    let names: BTreeSet<String> = plan.get_parameter_names()?.into_iter().collect();
    Ok(names.into_iter().collect())
}

/// Refuses a plan with placeholders but no values, before it runs into a less clear error.
/// `PREPARE` keeps its placeholders for `EXECUTE` to fill.
pub(crate) fn check_unbound(plan: &LogicalPlan) -> Result<()> {
    if let LogicalPlan::Statement(Statement::Prepare(_)) = plan {
        return Ok(());
    }
    let placeholders = placeholders(plan)?;
    if placeholders.is_empty() {
        Ok(())
    } else {
        Err(ParamError::Unbound { placeholders }.into())
    }
}

impl Params {
    /// The values by placeholder (`district`, `1`), as text: what the audit log records.
    pub(crate) fn describe(&self) -> std::collections::BTreeMap<String, String> {
        match self {
            Params::Named(named) => named
                .iter()
                .map(|(name, value)| (name.clone(), value.to_string()))
                .collect(),
            Params::Positional(values) => values
                .iter()
                .enumerate()
                .map(|(i, value)| ((i + 1).to_string(), value.to_string()))
                .collect(),
        }
    }

    /// Binds the values to the plan's placeholders. Every placeholder needs a value and every
    /// value a placeholder: a misspelt name is reported rather than silently unused.
    pub(crate) fn bind(self, plan: LogicalPlan) -> Result<LogicalPlan> {
        let placeholders = placeholders(&plan)?;
        let values = match self {
            Params::Named(named) => {
                let mut given: Vec<String> = Vec::with_capacity(named.len());
                for (name, _) in &named {
                    if given.contains(name) {
                        return Err(ParamError::Twice { name: name.clone() }.into());
                    }
                    given.push(name.clone());
                }
                if let Some(missing) = placeholders
                    .iter()
                    .find(|p| !given.iter().any(|g| **p == format!("${g}")))
                {
                    return Err(ParamError::NoValue {
                        placeholder: missing.clone(),
                        placeholders: placeholders.clone(),
                        given,
                    }
                    .into());
                }
                if let Some(unused) = given
                    .iter()
                    .find(|g| !placeholders.contains(&format!("${g}")))
                {
                    return Err(ParamError::NoPlaceholder {
                        name: unused.clone(),
                        placeholders,
                    }
                    .into());
                }
                ParamValues::from(named)
            }
            Params::Positional(values) => {
                let positions: Option<Vec<usize>> =
                    placeholders.iter().map(|p| p[1..].parse().ok()).collect();
                let Some(positions) = positions else {
                    return Err(ParamError::NotPositional { placeholders }.into());
                };
                if positions.into_iter().max().unwrap_or(0) != values.len() {
                    return Err(ParamError::Count {
                        given: values.len(),
                        placeholders,
                    }
                    .into());
                }
                ParamValues::from(values)
            }
        };
        Ok(plan.with_param_values(values)?)
    }
}

impl From<ParamError> for datafusion::common::DataFusionError {
    fn from(error: ParamError) -> Self {
        Error::Param(error).into_datafusion()
    }
}
