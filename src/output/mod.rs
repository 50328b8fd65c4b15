//! Printing results: record batches in, formatted bytes out, to any sink.
//!
//! Printing knows nothing of execution. A [`ResultWriter`] is made for one result's schema and
//! a `Write`; batches are fed to it as they arrive, so streaming formats (CSV, NDJSON, Parquet)
//! never hold a whole result in memory. The table and Markdown formats must see every row to
//! size their columns, and keep at most `max_rows` of them. Files are sinks of their own
//! ([`file`]): one result that appears only when complete, or many gathered in one document.

pub mod chart;
mod file;
pub mod html;
pub mod map;
mod svg;
mod text;

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;

pub use file::{OutputFile, ResultFile};
pub use text::{display_width, rows_text, shape, thousands};

use crate::error::{AtPath, Error, OutputProblem};
use text::{CellText, expanded, markdown, table};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// A bordered table sized to the data (and to the terminal, in the shell).
    Table,
    Csv,
    Tsv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A GitHub-flavoured Markdown table.
    Markdown,
    /// Apache Parquet; needs an output file.
    Parquet,
    /// A self-contained HTML page: provenance, chart, district map and rows.
    Html,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 8] = [
        OutputFormat::Table,
        OutputFormat::Csv,
        OutputFormat::Tsv,
        OutputFormat::Json,
        OutputFormat::Ndjson,
        OutputFormat::Markdown,
        OutputFormat::Parquet,
        OutputFormat::Html,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Tsv => "tsv",
            OutputFormat::Json => "json",
            OutputFormat::Ndjson => "ndjson",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Html => "html",
        }
    }

    /// File extensions and the formats they imply (`hits.csv` → CSV).
    pub const EXTENSIONS: [(&'static str, OutputFormat); 13] = [
        ("csv", OutputFormat::Csv),
        ("tsv", OutputFormat::Tsv),
        ("tab", OutputFormat::Tsv),
        ("json", OutputFormat::Json),
        ("ndjson", OutputFormat::Ndjson),
        ("jsonl", OutputFormat::Ndjson),
        ("md", OutputFormat::Markdown),
        ("markdown", OutputFormat::Markdown),
        ("parquet", OutputFormat::Parquet),
        ("pq", OutputFormat::Parquet),
        ("txt", OutputFormat::Table),
        ("html", OutputFormat::Html),
        ("htm", OutputFormat::Html),
    ];

    /// The format a file name's extension implies, if it is one of [`Self::EXTENSIONS`].
    pub fn from_extension(path: &std::path::Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Self::EXTENSIONS
            .iter()
            .find(|(known, _)| *known == ext)
            .map(|(_, format)| *format)
    }

    /// Whether the format is binary and so cannot go to a terminal.
    pub fn is_binary(self) -> bool {
        self == OutputFormat::Parquet
    }

    /// Whether a file of this format holds one result, so that a file gathering results
    /// (`\o`) is replaced by each instead: a Parquet file cannot grow, and an HTML page is
    /// one result's.
    pub fn holds_one_result(self) -> bool {
        matches!(self, OutputFormat::Parquet | OutputFormat::Html)
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let lower = s.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "md" => "markdown",
            "jsonl" => "ndjson",
            other => other,
        };
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.name() == alias)
            .ok_or_else(|| {
                let names: Vec<_> = OutputFormat::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format {s:?} (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// Policy of the table and Markdown printers.
#[derive(Debug, Clone)]
pub struct PrintOptions {
    pub format: OutputFormat,
    /// Rows shown by the table and Markdown formats; the rest are counted, not shown.
    pub max_rows: Option<usize>,
    /// Width to fit the table to (a terminal's); wider cells are cut with an ellipsis.
    pub max_width: Option<u16>,
    /// Show rows vertically, one `column | value` block per row.
    pub expanded: bool,
    /// What an HTML page says about its result (title, parameters, chart, map).
    pub page: Option<Arc<html::Page>>,
    /// JSON members written before the rows, which then become the member `rows` of one
    /// object (`"tables_read": [...]`): provenance carried in the JSON output.
    pub json_envelope: Option<String>,
}

impl PrintOptions {
    pub fn new(format: OutputFormat) -> Self {
        Self {
            format,
            max_rows: None,
            max_width: None,
            expanded: false,
            page: None,
            json_envelope: None,
        }
    }
}

/// Receives one result's batches and writes them.
pub trait ResultWriter {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError>;

    /// Writes what is still buffered (and any footer); returns the number of rows written.
    fn finish(self: Box<Self>) -> Result<Summary, ArrowError>;
}

/// What was printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Rows in the result.
    pub rows: usize,
    /// Rows shown (fewer than `rows` when `max_rows` cut the table).
    pub shown: usize,
    /// Trailing columns a table left out because they did not fit `max_width`.
    pub hidden_columns: usize,
}

impl Summary {
    /// Every row and column written.
    fn all(rows: usize) -> Self {
        Self {
            rows,
            shown: rows,
            hidden_columns: 0,
        }
    }
}

/// A writer of `schema`-shaped results in `options.format` to `out`.
pub fn result_writer<'a, W: Write + Send + 'a>(
    options: &PrintOptions,
    schema: SchemaRef,
    out: W,
) -> Result<Box<dyn ResultWriter + 'a>, ArrowError> {
    Ok(match options.format {
        OutputFormat::Csv => Box::new(CsvOut::new(schema, out, b',', true)?),
        OutputFormat::Tsv => Box::new(CsvOut::new(schema, out, b'\t', true)?),
        OutputFormat::Json => match &options.json_envelope {
            Some(members) => {
                let mut out = out;
                write!(out, "{{{members},\"rows\":")?;
                let mut json =
                    JsonOut::new(json_writer::<_, arrow::json::writer::JsonArray>(out), true);
                json.suffix = "}";
                Box::new(json)
            }
            None => Box::new(JsonOut::new(
                json_writer::<_, arrow::json::writer::JsonArray>(out),
                true,
            )),
        },
        OutputFormat::Ndjson => Box::new(JsonOut::new(
            json_writer::<_, arrow::json::writer::LineDelimited>(out),
            false,
        )),
        OutputFormat::Parquet => Box::new(ParquetOut {
            writer: ArrowWriter::try_new(out, schema, None)
                .map_err(|e| ArrowError::ExternalError(Box::new(e)))?,
            rows: 0,
        }),
        OutputFormat::Html => Box::new(html::HtmlOut::new(options, schema, out)),
        OutputFormat::Table | OutputFormat::Markdown => Box::new(Buffered {
            kept: FirstRows::new(options.max_rows),
            options: options.clone(),
            schema,
            out,
        }),
    })
}

/// Writes a whole result held in memory.
pub fn write_batches<W: Write + Send>(
    options: &PrintOptions,
    schema: SchemaRef,
    batches: &[RecordBatch],
    out: W,
) -> Result<Summary, ArrowError> {
    let mut writer = result_writer(options, schema, out)?;
    for batch in batches {
        writer.write_batch(batch)?;
    }
    writer.finish()
}

/// Prints a stream of batches in `options.format` to `out`, as they arrive. A failure to write
/// keeps its kind, so that a closed pipe (`| head`) stays recognisable.
pub async fn print_stream(
    options: &PrintOptions,
    stream: &mut SendableRecordBatchStream,
    out: &mut (dyn Write + Send),
) -> Result<Summary, Error> {
    let mut watched = WatchedWrite {
        inner: out,
        error: None,
    };
    let printed = match result_writer(options, stream.schema(), &mut watched) {
        Ok(writer) => write_stream(stream, writer).await,
        Err(error) => Err(output_error(None, error)),
    };
    match (printed, watched.error) {
        (Err(_), Some(source)) => Err(Error::writing(None, source)),
        (printed, _) => printed,
    }
}

/// Feeds a stream of batches to `writer`, as they arrive.
pub async fn write_stream(
    stream: &mut SendableRecordBatchStream,
    mut writer: Box<dyn ResultWriter + '_>,
) -> Result<Summary, Error> {
    while let Some(batch) = stream.next().await {
        writer
            .write_batch(&batch?)
            .map_err(|e| output_error(None, e))?;
    }
    writer.finish().map_err(|e| output_error(None, e))
}

/// A printer's error as the engine's: an I/O failure as one, the rest as what the format could
/// not do.
pub fn output_error(path: Option<&Path>, error: ArrowError) -> Error {
    match error {
        ArrowError::IoError(_, source) => Error::writing(path.map(Path::to_path_buf), source),
        other => Error::Output {
            path: path.map(Path::to_path_buf),
            problem: OutputProblem::Format(other),
        },
    }
}

/// A writer that remembers the first I/O error of the writer it wraps: printers report such
/// errors in their own types.
struct WatchedWrite<'a> {
    inner: &'a mut (dyn Write + Send),
    error: Option<std::io::Error>,
}

impl WatchedWrite<'_> {
    fn watch<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        result.inspect_err(|e| {
            if self.error.is_none() {
                // A copy (the writer keeps the original), with the file it names if any.
                let copy = |e: &std::io::Error| std::io::Error::new(e.kind(), e.to_string());
                self.error = Some(
                    match e.get_ref().and_then(|inner| inner.downcast_ref::<AtPath>()) {
                        Some(at) => AtPath::wrap(&at.path, copy(&at.source)),
                        None => copy(e),
                    },
                );
            }
        })
    }
}

impl Write for WatchedWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.watch(result)
    }
}

struct CsvOut<W: Write> {
    writer: arrow::csv::Writer<W>,
    rows: usize,
}

impl<W: Write> CsvOut<W> {
    /// With `header`, the header line goes out at once, even when the result has no rows.
    fn new(schema: SchemaRef, out: W, delimiter: u8, header: bool) -> Result<Self, ArrowError> {
        let mut writer = arrow::csv::WriterBuilder::new()
            .with_header(header)
            .with_delimiter(delimiter)
            .build(out);
        if header {
            writer.write(&flatten_nested(&RecordBatch::new_empty(schema))?)?;
        }
        Ok(Self { writer, rows: 0 })
    }
}

impl<W: Write> ResultWriter for CsvOut<W> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.rows += batch.num_rows();
        self.writer.write(&flatten_nested(batch)?)
    }

    fn finish(self: Box<Self>) -> Result<Summary, ArrowError> {
        let mut out = self.writer.into_inner();
        out.flush()?;
        Ok(Summary::all(self.rows))
    }
}

/// CSV cannot hold lists or structs: render them as text (`[IPC 379, IPC 411]`).
fn flatten_nested(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let nested = |t: &DataType| t.is_nested() || matches!(t, DataType::Map(_, _));
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = FormatOptions::default();
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if nested(field.data_type()) {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            let text: StringArray = (0..column.len())
                .map(|i| column.is_valid(i).then(|| formatter.value(i).to_string()))
                .collect();
            fields.push(Arc::new(Field::new(field.name(), DataType::Utf8, true)));
            columns.push(Arc::new(text) as ArrayRef);
        } else {
            fields.push(Arc::clone(field));
            columns.push(Arc::clone(column));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// Every object has every column, `null` included: a reader should not have to know the
/// schema to tell a NULL from a missing column.
fn json_writer<W: Write, F: arrow::json::writer::JsonFormat>(out: W) -> arrow::json::Writer<W, F> {
    arrow::json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build(out)
}

struct JsonOut<W: Write, F: arrow::json::writer::JsonFormat> {
    writer: arrow::json::Writer<W, F>,
    rows: usize,
    /// A JSON array ends with a newline, like every other format's output.
    newline_at_end: bool,
    /// Closes an envelope around the rows.
    suffix: &'static str,
}

impl<W: Write, F: arrow::json::writer::JsonFormat> JsonOut<W, F> {
    fn new(writer: arrow::json::Writer<W, F>, newline_at_end: bool) -> Self {
        Self {
            writer,
            rows: 0,
            newline_at_end,
            suffix: "",
        }
    }
}

/// Rows for an array whose brackets are written by someone else ([`ResultFile`]): an array
/// with no rows yet.
#[derive(Debug, Default)]
struct ArrayRows;

impl arrow::json::writer::JsonFormat for ArrayRows {
    fn start_row<W: Write>(&self, writer: &mut W, is_first_row: bool) -> Result<(), ArrowError> {
        if !is_first_row {
            writer.write_all(b",")?;
        }
        Ok(())
    }
}

/// Rows joining an array that already has some.
#[derive(Debug, Default)]
struct MoreArrayRows;

impl arrow::json::writer::JsonFormat for MoreArrayRows {
    fn start_row<W: Write>(&self, writer: &mut W, _is_first_row: bool) -> Result<(), ArrowError> {
        writer.write_all(b",")?;
        Ok(())
    }
}

impl<W: Write, F: arrow::json::writer::JsonFormat> ResultWriter for JsonOut<W, F> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.rows += batch.num_rows();
        self.writer.write(batch)
    }

    fn finish(mut self: Box<Self>) -> Result<Summary, ArrowError> {
        self.writer.finish()?;
        let mut out = self.writer.into_inner();
        out.write_all(self.suffix.as_bytes())?;
        if self.newline_at_end {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(Summary::all(self.rows))
    }
}

struct ParquetOut<W: Write + Send> {
    writer: ArrowWriter<W>,
    rows: usize,
}

impl<W: Write + Send> ResultWriter for ParquetOut<W> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.rows += batch.num_rows();
        self.writer
            .write(batch)
            .map_err(|e| ArrowError::ExternalError(Box::new(e)))
    }

    fn finish(self: Box<Self>) -> Result<Summary, ArrowError> {
        let mut out = self
            .writer
            .into_inner()
            .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
        out.flush()?;
        Ok(Summary::all(self.rows))
    }
}

/// The first rows of a result, up to a limit, and how many rows it had in all: what the
/// formats that show rows to people keep.
struct FirstRows {
    max: usize,
    batches: Vec<RecordBatch>,
    rows: usize,
}

impl FirstRows {
    /// Keeps at most `max` rows (all without a limit).
    fn new(max: Option<usize>) -> Self {
        Self {
            max: max.unwrap_or(usize::MAX),
            batches: Vec::new(),
            rows: 0,
        }
    }

    fn push(&mut self, batch: &RecordBatch) {
        let room = self.max.saturating_sub(self.rows);
        if room > 0 && batch.num_rows() > 0 {
            self.batches
                .push(batch.slice(0, batch.num_rows().min(room)));
        }
        self.rows += batch.num_rows();
    }

    /// Rows kept to show.
    fn shown(&self) -> usize {
        self.rows.min(self.max)
    }
}

/// Table and Markdown: keep the rows to show, count the rest.
struct Buffered<W: Write> {
    options: PrintOptions,
    schema: SchemaRef,
    kept: FirstRows,
    out: W,
}

impl<W: Write> ResultWriter for Buffered<W> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.kept.push(batch);
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Summary, ArrowError> {
        let cells = CellText::new(&self.schema, &self.kept.batches)?;
        let (text, hidden_columns) = match (self.options.format, self.options.expanded) {
            (OutputFormat::Markdown, _) => (markdown(&cells), 0),
            (_, true) => (expanded(&cells), 0),
            _ => table(&cells, self.options.max_width),
        };
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        Ok(Summary {
            rows: self.kept.rows,
            shown: self.kept.shown(),
            hidden_columns,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array, ListBuilder, StringBuilder};

    fn sample() -> RecordBatch {
        let mut sections = ListBuilder::new(StringBuilder::new());
        sections.values().append_value("IPC 379");
        sections.values().append_value("IPC 411");
        sections.append(true);
        sections.append(false);
        sections.append(true);
        RecordBatch::try_from_iter(vec![
            (
                "district",
                Arc::new(StringArray::from(vec![Some("Jaipur"), Some("जोधपुर"), None])) as ArrayRef,
            ),
            (
                "firs",
                Arc::new(Int64Array::from(vec![Some(120), None, Some(7)])),
            ),
            ("rate", Arc::new(Float64Array::from(vec![1.5, 0.25, -2.0]))),
            ("sections", Arc::new(sections.finish())),
        ])
        .unwrap()
    }

    fn render(format: OutputFormat) -> String {
        let batch = sample();
        let mut out = Vec::new();
        write_batches(
            &PrintOptions::new(format),
            batch.schema(),
            &[batch],
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_and_tsv_render_nulls_empty_and_lists_as_text() {
        assert_eq!(
            render(OutputFormat::Csv),
            "district,firs,rate,sections\nJaipur,120,1.5,\"[IPC 379, IPC 411]\"\nजोधपुर,,0.25,\n,7,-2.0,[]\n"
        );
        assert_eq!(
            render(OutputFormat::Tsv),
            "district\tfirs\trate\tsections\nJaipur\t120\t1.5\t[IPC 379, IPC 411]\nजोधपुर\t\t0.25\t\n\t7\t-2.0\t[]\n"
        );
    }

    #[test]
    fn empty_results_keep_their_shape() {
        let schema = sample().schema();
        let render = |format| {
            let mut out = Vec::new();
            write_batches(
                &PrintOptions::new(format),
                Arc::clone(&schema),
                &[],
                &mut out,
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(render(OutputFormat::Csv), "district,firs,rate,sections\n");
        assert_eq!(render(OutputFormat::Json), "[]\n");
        assert_eq!(render(OutputFormat::Ndjson), "");
        assert_eq!(
            render(OutputFormat::Markdown),
            "| district | firs | rate | sections |\n|---|---:|---:|---|\n"
        );
    }

    #[test]
    fn json_formats() {
        assert_eq!(
            render(OutputFormat::Ndjson),
            "{\"district\":\"Jaipur\",\"firs\":120,\"rate\":1.5,\"sections\":[\"IPC 379\",\"IPC 411\"]}\n\
             {\"district\":\"जोधपुर\",\"firs\":null,\"rate\":0.25,\"sections\":null}\n\
             {\"district\":null,\"firs\":7,\"rate\":-2.0,\"sections\":[]}\n"
        );
        assert!(render(OutputFormat::Json).starts_with("[{\"district\":\"Jaipur\""));
    }

    #[test]
    fn table_marks_null_and_aligns_numbers() {
        let text = render(OutputFormat::Table);
        assert!(text.contains("NULL"), "{text}");
        assert!(text.contains("┆  120 ┆"), "{text}");
        assert!(text.contains("│ जोधपुर"), "{text}");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let batch = RecordBatch::try_from_iter(vec![(
            "note",
            Arc::new(StringArray::from(vec!["a|b"])) as ArrayRef,
        )])
        .unwrap();
        let mut out = Vec::new();
        let options = PrintOptions::new(OutputFormat::Markdown);
        write_batches(&options, batch.schema(), &[batch], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "| note |\n|---|\n| a\\|b |\n"
        );
    }

    #[test]
    fn max_rows_counts_all_but_shows_some() {
        let batch = sample();
        let mut options = PrintOptions::new(OutputFormat::Table);
        options.max_rows = Some(2);
        let summary = write_batches(
            &options,
            batch.schema(),
            &[batch.clone(), batch],
            std::io::sink(),
        )
        .unwrap();
        assert_eq!(
            summary,
            Summary {
                rows: 6,
                shown: 2,
                hidden_columns: 0
            }
        );
    }

    #[test]
    fn table_fits_its_width_headers_included() {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "a_rather_long_column_name",
                Arc::new(StringArray::from(vec!["x"])) as ArrayRef,
            ),
            ("n", Arc::new(Int64Array::from(vec![12_345_678_901_i64]))),
        ])
        .unwrap();
        let mut options = PrintOptions::new(OutputFormat::Table);
        options.max_width = Some(23);
        let mut out = Vec::new();
        let summary = write_batches(&options, batch.schema(), &[batch], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert_eq!(display_width(line), 23, "{text}");
        }
        assert!(text.contains("│ a_rathe… ┆ n        │"), "{text}");
        assert!(text.contains("│ x        ┆ 1234567… │"), "{text}");
        assert_eq!(summary.hidden_columns, 0);
    }

    #[test]
    fn null_typed_columns_show_null() {
        let batch = RecordBatch::try_from_iter(vec![(
            "n",
            Arc::new(arrow::array::NullArray::new(1)) as ArrayRef,
        )])
        .unwrap();
        let render = |format| {
            let mut out = Vec::new();
            write_batches(
                &PrintOptions::new(format),
                batch.schema(),
                std::slice::from_ref(&batch),
                &mut out,
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            render(OutputFormat::Table),
            "┌──────┐\n│ n    │\n╞══════╡\n│ NULL │\n└──────┘\n"
        );
        assert_eq!(render(OutputFormat::Ndjson), "{\"n\":null}\n");
        assert_eq!(render(OutputFormat::Csv), "n\n\"\"\n");
    }

    #[test]
    fn format_names_parse() {
        assert_eq!("MD".parse::<OutputFormat>(), Ok(OutputFormat::Markdown));
        assert_eq!("csv".parse::<OutputFormat>(), Ok(OutputFormat::Csv));
        let error = "xml".parse::<OutputFormat>().unwrap_err();
        assert_eq!(
            error,
            "unknown format \"xml\" (expected one of table, csv, tsv, json, ndjson, markdown, parquet, html)"
        );
        assert_eq!(
            OutputFormat::from_extension(std::path::Path::new("hits.PARQUET")),
            Some(OutputFormat::Parquet)
        );
    }
}
