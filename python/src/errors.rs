//! jaanch's errors as Python exceptions: `jaanch.Error` and its subclasses, each carrying the
//! same one-line message the command line prints.

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
    "A statement failed to parse, plan or run, or the lake's policy refused it (read-only)."
);
create_exception!(
    jaanch,
    ParameterError,
    Error,
    "A query or report parameter is missing, unknown or of the wrong type."
);

/// An engine error as the matching Python exception.
pub fn engine_error(error: jaanch::Error) -> PyErr {
    let message = error.to_string();
    match error {
        jaanch::Error::Config(_) => ConfigError::new_err(message),
        jaanch::Error::Query(_) | jaanch::Error::Refused(_) => QueryError::new_err(message),
        jaanch::Error::Io { .. } => Error::new_err(message),
    }
}

/// A DataFusion error, in the engine's one-line wording.
pub fn datafusion_error(error: datafusion::error::DataFusionError) -> PyErr {
    engine_error(jaanch::Error::from(error))
}

pub fn parameter_error(message: impl Into<String>) -> PyErr {
    ParameterError::new_err(message.into())
}
