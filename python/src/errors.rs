//! jaanch's errors as Python exceptions: `jaanch.Error` and its subclasses, each carrying the
//! same one-line message the command line prints. [`engine_error`] is the one place an engine
//! error becomes a Python exception.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    jaanch,
    Error,
    PyException,
    "Base class of jaanch's errors; the message is one line saying what was wrong and where."
);
create_exception!(
    jaanch,
    ConfigError,
    Error,
    "The lake config cannot be found, read or validated."
);
create_exception!(
    jaanch,
    QueryError,
    Error,
    "A statement failed to parse, plan or run, names a table or column that does not exist, or \
     a saved report cannot be found or read."
);
create_exception!(
    jaanch,
    RefusedError,
    QueryError,
    "The lake's policy refused the statement: the lake is read-only, it would change a table \
     of the lake config, or the user's role on a lake with access control may only query."
);
create_exception!(
    jaanch,
    ParameterError,
    Error,
    "A query or report parameter is missing, unknown or of the wrong type."
);
create_exception!(
    jaanch,
    AccessDeniedError,
    Error,
    "The lake's access control does not let this user do it: the user is not in the lake's \
     access config, or the user's role requires a purpose and none is stated."
);

/// An engine error as the matching Python exception.
pub fn engine_error(error: jaanch::Error) -> PyErr {
    use jaanch::Error as E;
    let message = error.to_string();
    match error {
        E::Config(_) => ConfigError::new_err(message),
        E::Param(jaanch::params::ParamError::Missing {
            report,
            name,
            param_type,
        }) => ParameterError::new_err(format!(
            "missing parameter {name} ({param_type}) for report {report}: pass {name}=VALUE"
        )),
        E::Param(_) => ParameterError::new_err(message),
        E::Refused { .. } => RefusedError::new_err(message),
        E::AccessDenied(_) => AccessDeniedError::new_err(message),
        E::UnknownTable { .. }
        | E::UnknownColumn { .. }
        | E::Report(_)
        | E::Table(_)
        | E::Query(_)
        | E::Syntax { .. }
        | E::NotOneStatement { .. } => QueryError::new_err(message),
        // An audit log that cannot be written fails the statement: neither the statement's
        // fault nor the config's.
        E::Io { .. } | E::Output { .. } | E::Audit(_) | E::Cancelled => Error::new_err(message),
    }
}

pub fn parameter_error(message: impl Into<String>) -> PyErr {
    ParameterError::new_err(message.into())
}
