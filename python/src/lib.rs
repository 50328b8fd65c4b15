//! Python bindings of jaanch: the native module `jaanch._internal`, wrapped by the pure-Python
//! package `jaanch` (python/jaanch).
//!
//! The bindings hold no engine logic of their own: a `Lake` (`lake::PyLake`) wraps the library's
//! [`jaanch::Lake`], so notebooks get the same config lookup, catalog, police functions,
//! reports, read-only policy and one-line errors as the shell. Queries run on one shared tokio
//! runtime with the GIL released, and Ctrl-C cancels them (`runtime::wait_for_future`).

use std::path::PathBuf;

use pyo3::prelude::*;

mod errors;
mod html;
mod info;
mod lake;
mod params;
mod remote;
mod result;
mod runtime;

use errors::engine_error;

/// Opens a lake: `path` (a `lake.toml`, or a folder holding one), else `./lake.toml`, else
/// `$JAANCH_LAKE`, else the demo lake in the user's data directory (generated on first use).
/// On a lake with access control the session is for `user` (else `$JAANCH_USER`, else the
/// account name), stating `purpose` for roles that require one.
///
/// `path` can instead be a server's address, `grpc://host:port` (or `grpc+tls://host:port`, with
/// `tls_ca` the certificate of the authority that signed the server's): the lake is then the
/// one `jaanch serve` serves, `user` logs in with `password`, and every statement runs in the
/// user's session there.
///
/// `as_of` reads every Delta table as it was at a moment (`"2024-06-30"`, the end of that day
/// in IST; `"2024-06-30 18:00"`; an RFC 3339 time) or at a version (`"v12"`); see `set_as_of`.
///
/// `cluster` runs the statements on a Ballista cluster of jaanch processes, its scheduler given
/// as `"df://host:port"` (`"local"`: in this process, whatever the lake config's `[cluster]`
/// says).
#[pyfunction]
#[pyo3(signature = (path=None, user=None, purpose=None, password=None, tls_ca=None, as_of=None, cluster=None))]
// One argument per keyword of the Python function.
#[allow(clippy::too_many_arguments)]
fn connect(
    py: Python<'_>,
    path: Option<PathBuf>,
    user: Option<String>,
    purpose: Option<String>,
    password: Option<String>,
    tls_ca: Option<PathBuf>,
    as_of: Option<String>,
    cluster: Option<String>,
) -> PyResult<lake::PyLake> {
    let lake = lake::PyLake::connect(py, path, user, purpose, password, tls_ca, cluster)?;
    if let Some(as_of) = as_of {
        lake.set_as_of(py, Some(&as_of))?;
    }
    Ok(lake)
}

/// Generates a demo lake into `out` and returns the path of its `lake.toml`.
#[pyfunction]
#[pyo3(signature = (out, scale=jaanch_demo::DEFAULT_SCALE, seed=jaanch_demo::DEFAULT_SEED))]
fn demo(py: Python<'_>, out: PathBuf, scale: f64, seed: u64) -> PyResult<PathBuf> {
    let options = jaanch_demo::DemoOptions {
        scale,
        seed,
        out,
        progress: false,
    };
    let summary = py
        .detach(|| jaanch_demo::generate(&options))
        .map_err(engine_error)?;
    Ok(summary.lake_toml)
}

#[pymodule]
fn _internal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Error", py.get_type::<errors::Error>())?;
    m.add("ConfigError", py.get_type::<errors::ConfigError>())?;
    m.add("QueryError", py.get_type::<errors::QueryError>())?;
    m.add("ParameterError", py.get_type::<errors::ParameterError>())?;
    m.add("RefusedError", py.get_type::<errors::RefusedError>())?;
    m.add(
        "AccessDeniedError",
        py.get_type::<errors::AccessDeniedError>(),
    )?;
    m.add_class::<lake::PyLake>()?;
    m.add_class::<result::PyQueryResult>()?;
    m.add_class::<info::TableInfo>()?;
    m.add_class::<info::ColumnInfo>()?;
    m.add_class::<info::FunctionInfo>()?;
    m.add_class::<info::ReportInfo>()?;
    m.add_class::<info::ReportParam>()?;
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_function(wrap_pyfunction!(demo, m)?)?;
    Ok(())
}
