//! `jaanch.Lake`: a lake opened from Python.

use std::path::PathBuf;

use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use jaanch::config::{ConfigSource, DEFAULT_FILE, find_config};
use jaanch::output::html::Page;
use jaanch::{Identity, Lake, QueryResult, Session};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::errors::engine_error;
use crate::info::{ColumnInfo, FunctionInfo, ReportInfo, TableInfo};
use crate::params::{params, report_values};
use crate::remote::{self, Remote};
use crate::result::PyQueryResult;
use crate::runtime::{runtime, wait_for_future};

/// A lake: its tables, the police functions and saved reports, ready for queries. Holds one
/// session of the engine, for one user: the one named to `connect`, else the user running
/// Python (`$JAANCH_USER`, else the account name).
#[pyclass(frozen, name = "Lake", module = "jaanch")]
pub struct PyLake {
    door: Door,
}

/// Where the lake's statements run: in a session here, or in the user's session on a server.
/// (One per `Lake` object: the size of the larger variant does not matter.)
#[allow(clippy::large_enum_variant)]
enum Door {
    Local(Session),
    Remote(Remote),
}

impl PyLake {
    /// Opens `path` (a lake.toml or a folder holding one), else the lake the command line would
    /// open: `./lake.toml`, `$JAANCH_LAKE`, the demo lake; the session is for `user` (else the
    /// local user) stating `purpose`.
    pub fn connect(
        py: Python<'_>,
        path: Option<PathBuf>,
        user: Option<String>,
        purpose: Option<String>,
        password: Option<String>,
        tls_ca: Option<PathBuf>,
        cluster: Option<String>,
    ) -> PyResult<PyLake> {
        let cluster = match cluster.as_deref().map(str::trim) {
            None => None,
            Some(text) if text.eq_ignore_ascii_case("local") => Some(None),
            Some(text) => Some(Some(
                text.parse::<jaanch::cluster::Cluster>()
                    .map_err(PyValueError::new_err)?,
            )),
        };
        if let Some(user) = &user
            && user.trim().is_empty()
        {
            return Err(PyValueError::new_err(
                "user is empty: name a user of the lake's access config, e.g. user=\"si.kota01\", or leave it out for $JAANCH_USER",
            ));
        }
        let purpose = purpose.map(|p| checked_purpose(&p)).transpose()?;
        if let Some(url) = path.as_deref().filter(|p| remote::is_server(p)) {
            let url = url.to_string_lossy();
            if cluster.is_some() {
                return Err(PyValueError::new_err(
                    "cluster is for a local lake: a server runs its statements where its own config says",
                ));
            }
            let options = remote::options(user, password, purpose, tls_ca);
            let door = Door::Remote(Remote::connect(py, &url, options)?);
            return Ok(PyLake { door });
        }
        if password.is_some() || tls_ca.is_some() {
            return Err(PyValueError::new_err(
                "password and tls_ca are for a server (connect(\"grpc://host:port\", ...)); a local lake takes user and purpose only",
            ));
        }
        let identity = user
            .map_or_else(Identity::local, Identity::new)
            .with_client("python");
        let identity = match purpose {
            Some(purpose) => identity.with_purpose(purpose),
            None => identity,
        };
        let session = py
            .detach(|| {
                let _runtime = runtime().enter();
                let lake = match path {
                    Some(path) if path.is_dir() => Lake::open(path.join(DEFAULT_FILE)),
                    Some(path) => Lake::open(path),
                    None => match find_config(None)? {
                        ConfigSource::File(path) => Lake::open(path),
                        ConfigSource::Default => Lake::open(jaanch_demo::default_lake(false)?),
                    },
                }?;
                if let Some(cluster) = cluster {
                    lake.set_cluster(cluster);
                }
                lake.session(identity)
            })
            .map_err(engine_error)?;
        Ok(PyLake {
            door: Door::Local(session),
        })
    }

    /// The local session, or the refusal of what only a local lake does.
    fn local(&self, what: &str) -> PyResult<&Session> {
        match &self.door {
            Door::Local(session) => Ok(session),
            Door::Remote(remote) => Err(PyValueError::new_err(format!(
                "{what} works on a local lake only: the server at {} keeps its own tables",
                remote.address()
            ))),
        }
    }
}

/// A purpose as stated: blank text states none, which is a mistake rather than a choice.
fn checked_purpose(purpose: &str) -> PyResult<String> {
    let purpose = purpose.trim();
    if purpose.is_empty() {
        return Err(PyValueError::new_err(
            "purpose is empty: state why you look, e.g. an FIR or case number (\"FIR 123/2024 PS Kotwali\")",
        ));
    }
    Ok(purpose.to_string())
}

/// Reads a started statement to its end and keeps its batches, and what it read.
async fn collect(result: jaanch::Result<QueryResult>) -> jaanch::Result<PyQueryResult> {
    let result = result?;
    let schema = result.schema();
    let reads = result.reads().to_vec();
    Ok(PyQueryResult::new(schema, result.collect().await?).with_reads(reads))
}

/// Reads anything exporting an Arrow stream (pyarrow, pandas ≥ 2.2, Polars, DuckDB relations,
/// a jaanch Result); other objects pyarrow can make a table of (older pandas, dicts of
/// columns) go through `pyarrow.table`.
fn arrow_stream(data: &Bound<'_, PyAny>) -> PyResult<ArrowArrayStreamReader> {
    if data.hasattr("__arrow_c_stream__")? {
        return import_stream(data);
    }
    let type_name = data.get_type().name()?.to_string();
    let table = data
        .py()
        .import("pyarrow")
        .and_then(|pyarrow| pyarrow.call_method1("table", (data,)))
        .map_err(|e| {
            PyTypeError::new_err(format!(
                "cannot read a value of type {type_name} as a table: expected a pyarrow, pandas or Polars object (anything with __arrow_c_stream__) ({e})"
            ))
        })?;
    import_stream(&table)
}

/// Takes over the stream `data.__arrow_c_stream__()` exports (the Arrow PyCapsule interface).
fn import_stream(data: &Bound<'_, PyAny>) -> PyResult<ArrowArrayStreamReader> {
    let type_name = data.get_type().name()?.to_string();
    let capsule = data.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{type_name}.__arrow_c_stream__() did not return a capsule"
        ))
    })?;
    let pointer = capsule
        .pointer_checked(Some(c"arrow_array_stream"))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{type_name}.__arrow_c_stream__() did not return an \"arrow_array_stream\" capsule"
            ))
        })?;
    // SAFETY: a capsule named "arrow_array_stream" holds an ArrowArrayStream (the interface's
    // contract). `from_raw` moves the stream out and marks the one in the capsule released, so
    // the capsule's destructor leaves it alone.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(pointer.as_ptr().cast()) };
    ArrowArrayStreamReader::try_new(stream).map_err(|e| {
        PyValueError::new_err(format!(
            "cannot read the Arrow stream of a {type_name}: {e}"
        ))
    })
}

#[pymethods]
impl PyLake {
    /// The lake's name (from its config, else its folder's name); a server's address.
    #[getter]
    fn name(&self) -> String {
        match &self.door {
            Door::Local(session) => session.lake().name().to_string(),
            Door::Remote(remote) => remote.address().to_string(),
        }
    }

    /// Whether statements that write (CREATE, INSERT, DROP, COPY) are refused. A server's
    /// lake always is.
    #[getter]
    fn read_only(&self) -> bool {
        match &self.door {
            Door::Local(session) => session.lake().config().read_only,
            Door::Remote(_) => true,
        }
    }

    /// The user the lake's session runs statements for.
    #[getter]
    fn user(&self) -> String {
        match &self.door {
            Door::Local(session) => session.identity().user().to_string(),
            Door::Remote(remote) => remote.user().to_string(),
        }
    }

    /// Why the user looks, if stated (`connect(purpose=...)` or `set_purpose`).
    #[getter]
    fn purpose(&self) -> Option<String> {
        match &self.door {
            Door::Local(session) => session.identity().purpose().map(str::to_string),
            Door::Remote(remote) => remote.purpose(),
        }
    }

    /// The user's role on a lake with access control; `None` on a lake without, and over a
    /// server (which does not tell it).
    #[getter]
    fn role(&self) -> Option<String> {
        match &self.door {
            Door::Local(session) => session.grant().map(|grant| grant.role().to_string()),
            Door::Remote(_) => None,
        }
    }

    /// States why the user looks (an FIR or case number), for the statements that follow.
    fn set_purpose(&self, py: Python<'_>, purpose: &str) -> PyResult<()> {
        let purpose = checked_purpose(purpose)?;
        match &self.door {
            Door::Local(session) => session.set_purpose(&purpose),
            Door::Remote(remote) => remote.set_purpose(py, &purpose)?,
        }
        Ok(())
    }

    /// Reads every Delta table as it was at a moment (`"2024-06-30"` is the end of that day in
    /// IST; `"2024-06-30 18:00"`; `"2024-06-30T18:00:00+05:30"`) or at a version (`"v12"`), in
    /// the statements that follow; `None` reads their latest versions again. `as_of(...)` in
    /// SQL pins one table in one statement.
    #[pyo3(signature = (moment))]
    pub fn set_as_of(&self, py: Python<'_>, moment: Option<&str>) -> PyResult<()> {
        let pin = moment
            .map(jaanch::delta::Pin::parse)
            .transpose()
            .map_err(|problem| PyValueError::new_err(format!("as_of: {problem}")))?;
        match &self.door {
            Door::Local(session) => session.set_as_of(pin),
            Door::Remote(remote) => remote.set_as_of(py, pin.map(|p| p.suffix()).as_deref())?,
        }
        Ok(())
    }

    /// The moment (or version) Delta tables are read as of, as the lake shows it
    /// (`2024-06-30T23:59:59.999+05:30`, `version 12`); `None` for their latest versions.
    #[getter]
    fn as_of(&self) -> Option<String> {
        match &self.door {
            Door::Local(session) => session.as_of().map(|pin| pin.to_string()),
            // Sent as the pin's own text; shown as the lake shows it.
            Door::Remote(remote) => remote
                .as_of()
                .map(|text| jaanch::delta::Pin::parse(&text).map_or(text, |pin| pin.to_string())),
        }
    }

    /// The versions of a Delta table, newest first (at most `limit`): when each was
    /// committed, by what operation, the rows and files it held, added and removed.
    #[pyo3(signature = (table, limit=None))]
    fn history(
        &self,
        py: Python<'_>,
        table: &str,
        limit: Option<usize>,
    ) -> PyResult<PyQueryResult> {
        let quoted = table.replace('\'', "''");
        let sql = match limit {
            Some(limit) => format!("CALL history('{quoted}', {limit})"),
            None => format!("CALL history('{quoted}')"),
        };
        self.sql(py, &sql, None)
    }

    /// Runs one SQL statement and returns its rows. `params` binds `$name` placeholders from a
    /// dict, or `$1`, `$2`, ... (or `?`s) from a list, as typed values (never as SQL text).
    #[pyo3(signature = (query, params=None))]
    fn sql(
        &self,
        py: Python<'_>,
        query: &str,
        params: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyQueryResult> {
        let params = params.as_ref().map(self::params).transpose()?;
        let session = match &self.door {
            Door::Local(session) => session,
            Door::Remote(remote) => {
                let result = remote.sql(py, query, params)?;
                return Ok(result.with_page(Page::for_query(query)));
            }
        };
        let result = wait_for_future(py, async move {
            match params {
                Some(params) => collect(session.sql_with_params(query, params).await).await,
                None => collect(session.sql(query).await).await,
            }
        })?
        .map_err(engine_error)?;
        Ok(result.with_page(Page::for_query(query).about(session)))
    }

    /// Runs a saved report (by name, or a path to a .sql file on a local lake). Parameters are
    /// passed as keywords and checked against the report's declared types; `None` means the
    /// default.
    #[pyo3(signature = (name, /, **params))]
    fn report(
        &self,
        py: Python<'_>,
        name: &str,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyQueryResult> {
        let values = report_values(params)?;
        let session = match &self.door {
            Door::Local(session) => session,
            Door::Remote(remote) => {
                // The server's list of reports gives the title and the hints to draw by.
                let listed = remote.reports(py)?.into_iter().find(|r| r.name == name);
                let hints = listed.as_ref().map_or(&[][..], |r| &r.output[..]);
                let mut page = Page::for_listed_report(name, &values, hints);
                if let Some(listed) = listed {
                    page.title = listed.title;
                    page.description = listed.description;
                }
                return Ok(remote.report(py, name, values)?.with_page(page));
            }
        };
        wait_for_future(py, async move {
            let (report, result) = session.report_and_header(name, &values).await?;
            let page = Page::for_report(&report, &values).about(session);
            Ok(collect(Ok(result)).await?.with_page(page))
        })?
        .map_err(engine_error)
    }

    /// The saved reports this lake can run: its own folder's and the bundled ones.
    fn reports(&self, py: Python<'_>) -> PyResult<Vec<ReportInfo>> {
        match &self.door {
            Door::Local(session) => Ok(session
                .reports()
                .reports
                .iter()
                .map(ReportInfo::from)
                .collect()),
            Door::Remote(remote) => remote.reports(py),
        }
    }

    /// Every table a query can use: the lake's, `ref.*`, and registered ones.
    fn tables(&self, py: Python<'_>) -> PyResult<Vec<TableInfo>> {
        match &self.door {
            Door::Local(session) => Ok(session.tables().into_iter().map(TableInfo::from).collect()),
            Door::Remote(remote) => remote.tables(py),
        }
    }

    /// The columns of a table, with their types and descriptions.
    fn describe(&self, py: Python<'_>, table: &str) -> PyResult<Vec<ColumnInfo>> {
        let session = match &self.door {
            Door::Local(session) => session,
            Door::Remote(remote) => return remote.describe(py, table),
        };
        let (_, columns) = wait_for_future(py, session.describe(table))?.map_err(engine_error)?;
        Ok(columns.into_iter().map(ColumnInfo::from).collect())
    }

    /// The police functions; with a pattern (`plate_*`, `date`), every function matching it.
    /// A server has the same functions as this version of jaanch.
    #[pyo3(signature = (pattern=None))]
    fn functions(&self, pattern: Option<&str>) -> PyResult<Vec<FunctionInfo>> {
        let listed = match &self.door {
            Door::Local(session) => session.functions(pattern),
            Door::Remote(_) => Lake::from_config(jaanch::LakeConfig::empty("functions"))
                .and_then(|lake| lake.session(Identity::local()))
                .map_err(engine_error)?
                .functions(pattern),
        };
        Ok(listed.into_iter().map(FunctionInfo::from).collect())
    }

    /// Makes `data` (a pyarrow Table, pandas or Polars DataFrame, anything with
    /// `__arrow_c_stream__`) a table of this session, queryable by its bare `name` and joinable
    /// with the lake's tables. The data is held in memory; the lake's files are not touched, so
    /// this works on a read-only lake. Registering a name again replaces the table. A local
    /// lake only.
    fn register(&self, name: &str, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let session = self.local("register")?;
        if name.trim().is_empty() || name.contains('.') {
            return Err(PyValueError::new_err(format!(
                "cannot register {name:?}: the name must be a bare table name (no schema), e.g. \"watch_list\""
            )));
        }
        let reader = arrow_stream(data)?;
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<RecordBatch>, _>>()
            .map_err(|e| PyValueError::new_err(format!("cannot read the data of {name}: {e}")))?;
        session
            .register(name, schema, batches)
            .map_err(engine_error)
    }

    /// Removes a table made by `register`; lake tables cannot be removed.
    fn deregister(&self, name: &str) -> PyResult<()> {
        self.local("deregister")?
            .deregister(name)
            .map_err(engine_error)
    }

    fn __repr__(&self) -> String {
        let session = match &self.door {
            Door::Local(session) => session,
            Door::Remote(remote) => {
                return format!(
                    "<jaanch.Lake on server {}, user {}, read-only>",
                    remote.address(),
                    remote.user()
                );
            }
        };
        let lake = session.lake();
        let grant = session.grant();
        // The lake's tables this session sees: on a lake with access control, the granted ones.
        let tables = lake
            .tables()
            .filter(|t| grant.is_none_or(|g| g.can_see(&t.config.name)))
            .count();
        let access = match grant {
            Some(grant) => format!(", user {} (role {})", grant.user(), grant.role()),
            None => String::new(),
        };
        format!(
            "<jaanch.Lake {:?}: {tables} table{}{}{access}>",
            lake.name(),
            if tables == 1 { "" } else { "s" },
            if lake.config().read_only {
                ", read-only"
            } else {
                ""
            }
        )
    }
}
