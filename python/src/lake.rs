//! `jaanch.Lake`: a lake opened from Python.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use datafusion::common::TableReference;
use datafusion::datasource::MemTable;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::collect;
use jaanch::Lake;
use jaanch::config::{ConfigSource, DEFAULT_FILE, find_config};
use jaanch::lake::DEFAULT_SCHEMA;
use jaanch::{describe, reports};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::errors::{QueryError, datafusion_error, engine_error, parameter_error};
use crate::info::{ColumnInfo, FunctionInfo, ReportInfo, TableInfo};
use crate::params::{Params, check_unbound, report_values};
use crate::result::PyQueryResult;
use crate::runtime::{runtime, wait_for_future};

/// A lake: its tables, the police functions and saved reports, ready for queries.
#[pyclass(frozen, name = "Lake", module = "jaanch")]
pub struct PyLake {
    lake: Lake,
}

impl PyLake {
    /// Opens `path` (a lake.toml or a folder holding one), else the lake the command line would
    /// open: `./lake.toml`, `$JAANCH_LAKE`, the demo lake.
    pub fn connect(py: Python<'_>, path: Option<PathBuf>) -> PyResult<PyLake> {
        let lake = py
            .detach(|| {
                let _runtime = runtime().enter();
                match path {
                    Some(path) if path.is_dir() => Lake::open(path.join(DEFAULT_FILE)),
                    Some(path) => Lake::open(path),
                    None => match find_config(None)? {
                        ConfigSource::File(path) => Lake::open(path),
                        ConfigSource::Default => Lake::open(jaanch::demo::default_lake(false)?),
                    },
                }
            })
            .map_err(engine_error)?;
        Ok(PyLake { lake })
    }
}

/// Runs a planned statement to its end and keeps its batches.
async fn run(lake: &Lake, plan: LogicalPlan) -> PyResult<PyQueryResult> {
    let collected = async {
        let frame = lake.execute(plan).await?;
        let task_ctx = Arc::new(frame.task_ctx());
        let physical = frame.create_physical_plan().await?;
        let schema: SchemaRef = physical.schema();
        let batches = collect(physical, task_ctx).await?;
        Ok::<_, jaanch::Error>((schema, batches))
    };
    let (schema, batches) = collected.await.map_err(engine_error)?;
    Ok(PyQueryResult::new(schema, batches))
}

/// Parses SQL that must be one statement and plans it under the lake's policy.
async fn plan_one(lake: &Lake, sql: &str, what: &str) -> PyResult<LogicalPlan> {
    let mut statements = lake.parse(sql).map_err(engine_error)?;
    if statements.len() != 1 {
        return Err(QueryError::new_err(format!(
            "{what} must hold one SQL statement, not {}",
            statements.len()
        )));
    }
    lake.plan(&statements.remove(0)).await.map_err(engine_error)
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
    /// The lake's name (from its config, else its folder's name).
    #[getter]
    fn name(&self) -> String {
        self.lake.name().to_string()
    }

    /// Whether statements that write (CREATE, INSERT, DROP, COPY) are refused.
    #[getter]
    fn read_only(&self) -> bool {
        self.lake.config().read_only
    }

    /// Runs one SQL statement and returns its rows. `params` binds `$name` placeholders from a
    /// dict, or `$1`, `$2`, ... from a list, as typed values (never as SQL text).
    #[pyo3(signature = (query, params=None))]
    fn sql(
        &self,
        py: Python<'_>,
        query: &str,
        params: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyQueryResult> {
        let params = params.as_ref().map(Params::from_py).transpose()?;
        let lake = &self.lake;
        wait_for_future(py, async move {
            let plan = plan_one(lake, query, "the query").await?;
            let plan = match params {
                Some(params) => params.bind(plan)?,
                None => {
                    check_unbound(&plan)?;
                    plan
                }
            };
            run(lake, plan).await
        })?
    }

    /// Runs a saved report (by name, or a path to a .sql file). Parameters are passed as
    /// keywords and checked against the report's declared types; `None` means the default.
    #[pyo3(signature = (name, /, **params))]
    fn report(
        &self,
        py: Python<'_>,
        name: &str,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyQueryResult> {
        let values = report_values(params)?;
        let lake = &self.lake;
        wait_for_future(py, async move {
            let report = reports::find(lake, name).map_err(engine_error)?;
            if let Some(missing) = report
                .params
                .iter()
                .find(|p| p.is_required() && !values.iter().any(|(n, _)| *n == p.name))
            {
                return Err(parameter_error(format!(
                    "missing parameter {} ({}) for report {}: pass {}=VALUE",
                    missing.name, missing.param_type, report.name, missing.name
                )));
            }
            let bound = report
                .bind(lake, &values)
                .await
                .map_err(|e| parameter_error(e.to_string()))?;
            let plan = plan_one(lake, &report.sql, &format!("report {}", report.name)).await?;
            let plan = plan.with_param_values(bound).map_err(datafusion_error)?;
            run(lake, plan).await
        })?
    }

    /// The saved reports this lake can run: its own folder's and the bundled ones.
    fn reports(&self) -> PyResult<Vec<ReportInfo>> {
        let reports = reports::catalog(&self.lake).map_err(engine_error)?;
        Ok(reports.iter().map(ReportInfo::from).collect())
    }

    /// Every table a query can use: the lake's, `ref.*`, and registered ones.
    fn tables(&self) -> Vec<TableInfo> {
        describe::tables(&self.lake)
            .into_iter()
            .map(TableInfo::from)
            .collect()
    }

    /// The columns of a table, with their types and descriptions.
    fn describe(&self, py: Python<'_>, table: &str) -> PyResult<Vec<ColumnInfo>> {
        let lake = &self.lake;
        let (_, columns) =
            wait_for_future(py, describe::describe(lake, table))?.map_err(engine_error)?;
        Ok(columns.into_iter().map(ColumnInfo::from).collect())
    }

    /// The police functions; with a pattern (`plate_*`, `date`), every function matching it.
    #[pyo3(signature = (pattern=None))]
    fn functions(&self, pattern: Option<&str>) -> Vec<FunctionInfo> {
        describe::functions(&self.lake, pattern)
            .into_iter()
            .map(FunctionInfo::from)
            .collect()
    }

    /// Makes `data` (a pyarrow Table, pandas or Polars DataFrame, anything with
    /// `__arrow_c_stream__`) a table of this session, queryable by its bare `name` and joinable
    /// with the lake's tables. The data is held in memory; the lake's files are not touched, so
    /// this works on a read-only lake. Registering a name again replaces the table.
    fn register(&self, name: &str, data: &Bound<'_, PyAny>) -> PyResult<()> {
        if name.trim().is_empty() || name.contains('.') {
            return Err(PyValueError::new_err(format!(
                "cannot register {name:?}: the name must be a bare table name (no schema), e.g. \"watch_list\""
            )));
        }
        let reference = TableReference::from(name);
        let table_name = reference.table().to_string();
        if self.lake.tables().any(|t| {
            let (schema, table) = t.config.schema_and_table();
            schema.eq_ignore_ascii_case(DEFAULT_SCHEMA) && table.eq_ignore_ascii_case(&table_name)
        }) {
            return Err(PyValueError::new_err(format!(
                "cannot register {name}: a lake table has that name"
            )));
        }
        let reader = arrow_stream(data)?;
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<RecordBatch>, _>>()
            .map_err(|e| PyValueError::new_err(format!("cannot read the data of {name}: {e}")))?;
        let table = MemTable::try_new(schema, vec![batches]).map_err(datafusion_error)?;
        let ctx = self.lake.context();
        if ctx
            .table_exist(reference.clone())
            .map_err(datafusion_error)?
        {
            ctx.deregister_table(reference.clone())
                .map_err(datafusion_error)?;
        }
        ctx.register_table(reference, Arc::new(table))
            .map_err(datafusion_error)?;
        Ok(())
    }

    /// Removes a table made by `register`; lake tables cannot be removed.
    fn deregister(&self, name: &str) -> PyResult<()> {
        let known = describe::tables(&self.lake)
            .into_iter()
            .find(|t| t.format == "memory" && t.name.eq_ignore_ascii_case(name));
        let Some(table) = known else {
            return Err(PyValueError::new_err(format!(
                "no registered table named {name}"
            )));
        };
        self.lake
            .context()
            .deregister_table(TableReference::from(table.name.as_str()))
            .map_err(datafusion_error)?;
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "<jaanch.Lake {:?}: {} tables{}>",
            self.lake.name(),
            self.lake.tables().count(),
            if self.lake.config().read_only {
                ", read-only"
            } else {
                ""
            }
        )
    }
}
