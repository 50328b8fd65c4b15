//! A query's result, held in memory as Arrow record batches.
//!
//! Results are eager: `Lake.sql` runs the query to its end and keeps the batches, so a result
//! can be converted, displayed and exported any number of times, and a notebook cell shows its
//! rows without running the query again. Every export hands the same Arrow buffers over
//! through the Arrow C stream interface: nothing is copied.

use std::sync::Arc;

use arrow::array::{Array, RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::ffi_stream::FFI_ArrowArrayStream;
use jaanch::output::html::Page;
use jaanch::output::{OutputFormat, PrintOptions, shape, write_batches};
use jaanch::provenance::TableRead;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::errors::Error;
use crate::html;

/// Rows shown by `repr()`.
const REPR_ROWS: usize = 10;
/// Width of the text table shown by `repr()`.
const REPR_WIDTH: u16 = 120;

/// The rows of a query, in memory.
#[pyclass(frozen, name = "Result", module = "jaanch")]
pub struct PyQueryResult {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    rows: usize,
    /// What an HTML page of the result says about it: the query or report, its parameters,
    /// the lake, and for a report its chart and map.
    page: Arc<Page>,
    /// The lake tables the statement read, with their Delta versions and files.
    reads: Vec<TableRead>,
}

impl PyQueryResult {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let batches: Vec<RecordBatch> = batches.into_iter().filter(|b| b.num_rows() > 0).collect();
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        PyQueryResult {
            schema,
            batches,
            rows,
            page: Arc::new(Page::default()),
            reads: Vec::new(),
        }
    }

    /// The result with what its statement read (see `reads`).
    pub fn with_reads(mut self, reads: Vec<TableRead>) -> Self {
        self.reads = reads;
        self
    }

    /// The result described by `page` (with the tables read among its facts), for its HTML.
    pub fn with_page(mut self, page: Page) -> Self {
        self.page = Arc::new(page.with_reads(&self.reads));
        self
    }

    /// Every value as text (`None` for NULL), row by row.
    pub fn text_rows(&self) -> Vec<Vec<Option<String>>> {
        let mut rows = Vec::with_capacity(self.rows);
        for batch in &self.batches {
            let columns: Vec<_> = batch
                .columns()
                .iter()
                .map(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8))
                .collect();
            for row in 0..batch.num_rows() {
                rows.push(
                    columns
                        .iter()
                        .map(|column| {
                            let column = column.as_ref().ok()?;
                            let text = column
                                .as_any()
                                .downcast_ref::<arrow::array::StringArray>()?;
                            text.is_valid(row).then(|| text.value(row).to_string())
                        })
                        .collect(),
                );
            }
        }
        rows
    }

    /// The batches as a reader; the batches share their buffers with this result.
    fn reader(&self) -> Box<dyn RecordBatchReader + Send> {
        Box::new(RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            Arc::clone(&self.schema),
        ))
    }
}

#[pymethods]
impl PyQueryResult {
    /// The result as a `pyarrow.Table` (zero-copy, through `__arrow_c_stream__`).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("pyarrow")?.call_method1("table", (slf,))
    }

    /// The result as a `pandas.DataFrame`; keyword arguments go to `pyarrow.Table.to_pandas`.
    #[pyo3(signature = (**kwargs))]
    fn to_pandas<'py>(
        slf: &Bound<'py, Self>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::to_arrow(slf)?.call_method("to_pandas", (), kwargs)
    }

    /// The result as a `polars.DataFrame` (zero-copy, one chunk per record batch).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let polars = py.import("polars")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("rechunk", false)?;
        polars.call_method("from_arrow", (Self::to_arrow(slf)?,), Some(&kwargs))
    }

    /// The Arrow PyCapsule stream interface: `pyarrow.table(result)`, `polars.DataFrame(result)`
    /// and DuckDB read the result through it without copying. A requested schema is not
    /// applied: the stream has the result's own schema, as the interface allows.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let stream = FFI_ArrowArrayStream::new(self.reader());
        // The consumer moves the stream out of the capsule; dropping the capsule releases a
        // stream nobody took.
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The result's `pyarrow.Schema`.
    #[getter]
    fn schema<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_arrow(slf)?.getattr("schema")
    }

    /// The column names.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    #[getter]
    fn num_rows(&self) -> usize {
        self.rows
    }

    /// The lake tables the statement read, so that a figure can be traced to its data: one
    /// dict per table, `{"table", "version", "committed_at", "files", "files_in_table"}`, where
    /// `version` is the Delta version read (`None` for a table without versions) and `files`
    /// the files read after pruning. Empty for results from a server.
    #[getter]
    fn reads<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.reads
            .iter()
            .map(|read| {
                let dict = PyDict::new(py);
                dict.set_item("table", &read.table)?;
                dict.set_item("version", read.version.map(|(v, _)| v))?;
                dict.set_item(
                    "committed_at",
                    read.version.map(|(_, at)| jaanch::delta::show_moment(&at)),
                )?;
                dict.set_item("files", read.files)?;
                dict.set_item("files_in_table", read.files_in_table)?;
                Ok(dict)
            })
            .collect()
    }

    fn __len__(&self) -> usize {
        self.rows
    }

    fn __repr__(&self) -> PyResult<String> {
        let columns = self.schema.fields().len();
        let mut text = format!("<jaanch.Result: {}", shape(self.rows, columns));
        if self.rows > REPR_ROWS {
            text.push_str(&format!(", first {REPR_ROWS} shown"));
        }
        text.push_str(">\n");
        if columns == 0 {
            return Ok(text.trim_end().to_string());
        }
        let options = PrintOptions {
            max_rows: Some(REPR_ROWS),
            max_width: Some(REPR_WIDTH),
            ..PrintOptions::new(OutputFormat::Table)
        };
        let mut table = Vec::new();
        write_batches(
            &options,
            Arc::clone(&self.schema),
            &self.batches,
            &mut table,
        )
        .map_err(|e| Error::new_err(e.to_string()))?;
        text.push_str(String::from_utf8_lossy(&table).trim_end());
        Ok(text)
    }

    /// The result as one self-contained HTML page: title, parameters, provenance, a report's
    /// chart as SVG, a map of the districts when there is a district column, and the rows
    /// (the first 1,000; the chart and map use all). It loads nothing and runs no script.
    fn to_html(&self) -> PyResult<String> {
        let options = PrintOptions {
            page: Some(Arc::clone(&self.page)),
            ..PrintOptions::new(OutputFormat::Html)
        };
        let mut page = Vec::new();
        write_batches(&options, Arc::clone(&self.schema), &self.batches, &mut page)
            .map_err(|e| Error::new_err(e.to_string()))?;
        String::from_utf8(page).map_err(|e| Error::new_err(e.to_string()))
    }

    /// For notebooks: a report's page (chart, map and its first rows), or a query's first
    /// rows as a table with the row count.
    fn _repr_html_(&self) -> PyResult<String> {
        let shown = match self.page.report {
            Some(_) => jaanch::output::html::fragment(
                &self.page,
                Arc::clone(&self.schema),
                &self.batches,
                html::MAX_ROWS,
            ),
            None => html::render(&self.schema, &self.batches, self.rows),
        };
        shown.map_err(|e| Error::new_err(e.to_string()))
    }
}
