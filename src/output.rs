//! Printing results: record batches in, formatted bytes out.
//!
//! Printing knows nothing of execution. A [`ResultWriter`] is made for one result's schema and
//! a `Write`; batches are fed to it as they arrive, so streaming formats (CSV, NDJSON, Parquet)
//! never hold a whole result in memory. The table and Markdown formats must see every row to
//! size their columns, and keep at most `max_rows` of them.

use std::fmt;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use parquet::arrow::ArrowWriter;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 7] = [
        OutputFormat::Table,
        OutputFormat::Csv,
        OutputFormat::Tsv,
        OutputFormat::Json,
        OutputFormat::Ndjson,
        OutputFormat::Markdown,
        OutputFormat::Parquet,
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
        }
    }

    /// The format a file name's extension implies (`hits.csv` → CSV).
    pub fn from_extension(path: &std::path::Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => OutputFormat::Csv,
            "tsv" | "tab" => OutputFormat::Tsv,
            "json" => OutputFormat::Json,
            "ndjson" | "jsonl" => OutputFormat::Ndjson,
            "md" | "markdown" => OutputFormat::Markdown,
            "parquet" | "pq" => OutputFormat::Parquet,
            "txt" => OutputFormat::Table,
            _ => return None,
        })
    }

    /// Whether the format is binary and so cannot go to a terminal.
    pub fn is_binary(self) -> bool {
        self == OutputFormat::Parquet
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
}

impl PrintOptions {
    pub fn new(format: OutputFormat) -> Self {
        Self {
            format,
            max_rows: None,
            max_width: None,
            expanded: false,
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
}

/// A writer of `schema`-shaped results in `options.format` to `out`.
pub fn result_writer<'a, W: Write + Send + 'a>(
    options: &PrintOptions,
    schema: SchemaRef,
    out: W,
) -> Result<Box<dyn ResultWriter + 'a>, ArrowError> {
    Ok(match options.format {
        OutputFormat::Csv => Box::new(CsvOut::new(schema, out, b',')?),
        OutputFormat::Tsv => Box::new(CsvOut::new(schema, out, b'\t')?),
        OutputFormat::Json => Box::new(JsonOut {
            writer: arrow::json::ArrayWriter::new(out),
            rows: 0,
            newline_at_end: true,
        }),
        OutputFormat::Ndjson => Box::new(JsonOut {
            writer: arrow::json::LineDelimitedWriter::new(out),
            rows: 0,
            newline_at_end: false,
        }),
        OutputFormat::Parquet => Box::new(ParquetOut {
            writer: ArrowWriter::try_new(out, schema, None)
                .map_err(|e| ArrowError::ExternalError(Box::new(e)))?,
            rows: 0,
        }),
        OutputFormat::Table | OutputFormat::Markdown => Box::new(Buffered {
            options: options.clone(),
            schema,
            batches: Vec::new(),
            rows: 0,
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

struct CsvOut<W: Write> {
    writer: arrow::csv::Writer<W>,
    rows: usize,
}

impl<W: Write> CsvOut<W> {
    fn new(schema: SchemaRef, out: W, delimiter: u8) -> Result<Self, ArrowError> {
        let mut writer = arrow::csv::WriterBuilder::new()
            .with_header(true)
            .with_delimiter(delimiter)
            .build(out);
        // The header goes out even when the result has no rows.
        writer.write(&flatten_nested(&RecordBatch::new_empty(schema))?)?;
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
        Ok(Summary {
            rows: self.rows,
            shown: self.rows,
        })
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

struct JsonOut<W: Write, F: arrow::json::writer::JsonFormat> {
    writer: arrow::json::Writer<W, F>,
    rows: usize,
    /// A JSON array ends with a newline, like every other format's output.
    newline_at_end: bool,
}

impl<W: Write, F: arrow::json::writer::JsonFormat> ResultWriter for JsonOut<W, F> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.rows += batch.num_rows();
        self.writer.write(batch)
    }

    fn finish(mut self: Box<Self>) -> Result<Summary, ArrowError> {
        self.writer.finish()?;
        let mut out = self.writer.into_inner();
        if self.newline_at_end {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(Summary {
            rows: self.rows,
            shown: self.rows,
        })
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
        Ok(Summary {
            rows: self.rows,
            shown: self.rows,
        })
    }
}

/// Table and Markdown: keep the rows to show, count the rest.
struct Buffered<W: Write> {
    options: PrintOptions,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    rows: usize,
    out: W,
}

impl<W: Write> Buffered<W> {
    fn shown(&self) -> usize {
        self.options
            .max_rows
            .map_or(self.rows, |max| self.rows.min(max))
    }
}

impl<W: Write> ResultWriter for Buffered<W> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        let room = self
            .options
            .max_rows
            .map_or(usize::MAX, |max| max.saturating_sub(self.rows));
        if room > 0 && batch.num_rows() > 0 {
            self.batches
                .push(batch.slice(0, batch.num_rows().min(room)));
        }
        self.rows += batch.num_rows();
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Summary, ArrowError> {
        let cells = CellText::new(&self.schema, &self.batches)?;
        let text = match (self.options.format, self.options.expanded) {
            (OutputFormat::Markdown, _) => markdown(&cells),
            (_, true) => expanded(&cells),
            _ => table(&cells, self.options.max_width),
        };
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        Ok(Summary {
            rows: self.rows,
            shown: self.shown(),
        })
    }
}

/// The text of every shown cell, with NULL marked, and which columns are numeric.
struct CellText {
    headers: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<Option<String>>>,
}

impl CellText {
    fn new(schema: &Schema, batches: &[RecordBatch]) -> Result<Self, ArrowError> {
        let options = FormatOptions::default().with_display_error(true);
        let mut rows = Vec::new();
        for batch in batches {
            let formatters = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()?;
            for row in 0..batch.num_rows() {
                rows.push(
                    batch
                        .columns()
                        .iter()
                        .zip(&formatters)
                        .map(|(column, f)| column.is_valid(row).then(|| f.value(row).to_string()))
                        .collect(),
                );
            }
        }
        Ok(Self {
            headers: schema.fields().iter().map(|f| f.name().clone()).collect(),
            numeric: schema
                .fields()
                .iter()
                .map(|f| f.data_type().is_numeric())
                .collect(),
            rows,
        })
    }
}

/// NULL is shown as `NULL`, distinct from an empty string.
const NULL_TEXT: &str = "NULL";

fn table(cells: &CellText, max_width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(cells.headers.iter().map(Cell::new));
    if let Some(width) = max_width {
        table.set_content_arrangement(ContentArrangement::Disabled);
        table.set_width(width);
    }
    let limits = max_width.map(|w| column_limits(cells, w as usize));
    for row in &cells.rows {
        table.add_row(row.iter().enumerate().map(|(i, value)| {
            let text = value.as_deref().unwrap_or(NULL_TEXT);
            let text = match &limits {
                Some(limits) => truncate(text, limits[i]),
                None => text.to_string(),
            };
            let cell = Cell::new(text);
            if cells.numeric[i] {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    format!("{table}\n")
}

/// Column widths that fit `width`: the widest columns are narrowed first, never below 8.
fn column_limits(cells: &CellText, width: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = cells
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .rows
                .iter()
                .map(|r| display_width(r[i].as_deref().unwrap_or(NULL_TEXT)))
                .chain([display_width(h)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Each column costs its content plus 3 for padding and border, and one more border.
    let overhead = 3 * widths.len() + 1;
    let budget = width.saturating_sub(overhead);
    while widths.iter().sum::<usize>() > budget {
        let (widest, &w) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .expect("a table has columns");
        if w <= 8 {
            break;
        }
        widths[widest] = w - 1;
    }
    widths
}

fn truncate(text: &str, limit: usize) -> String {
    let text = text.replace('\n', " ");
    if display_width(&text) <= limit {
        return text;
    }
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = char_width(c);
        if width + w + 1 > limit {
            break;
        }
        out.push(c);
        width += w;
    }
    out.push('…');
    out
}

/// Terminal columns taken by `text` (combining marks, as in Devanagari, take none).
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

fn expanded(cells: &CellText) -> String {
    let label_width = cells
        .headers
        .iter()
        .map(|h| display_width(h))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (n, row) in cells.rows.iter().enumerate() {
        out.push_str(&format!(
            "-[ RECORD {} ]{}\n",
            n + 1,
            "-".repeat(label_width.max(8))
        ));
        for (header, value) in cells.headers.iter().zip(row) {
            let pad = label_width - display_width(header);
            out.push_str(&format!(
                "{header}{} | {}\n",
                " ".repeat(pad),
                value.as_deref().unwrap_or(NULL_TEXT)
            ));
        }
    }
    if cells.rows.is_empty() {
        out.push_str("(no rows)\n");
    }
    out
}

fn markdown(cells: &CellText) -> String {
    let escape = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    out.push_str(&format!(
        "| {} |\n",
        cells
            .headers
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!(
        "|{}|\n",
        cells
            .numeric
            .iter()
            .map(|&n| if n { "---:" } else { "---" })
            .collect::<Vec<_>>()
            .join("|")
    ));
    for row in &cells.rows {
        let values: Vec<String> = row
            .iter()
            .map(|v| escape(v.as_deref().unwrap_or(NULL_TEXT)))
            .collect();
        out.push_str(&format!("| {} |\n", values.join(" | ")));
    }
    out
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
             {\"district\":\"जोधपुर\",\"rate\":0.25}\n\
             {\"firs\":7,\"rate\":-2.0,\"sections\":[]}\n"
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
        assert_eq!(summary, Summary { rows: 6, shown: 2 });
    }

    #[test]
    fn truncation_respects_width() {
        assert_eq!(truncate("abcdefghij", 6), "abcde…");
        assert_eq!(truncate("abc", 6), "abc");
    }

    #[test]
    fn format_names_parse() {
        assert_eq!("MD".parse::<OutputFormat>(), Ok(OutputFormat::Markdown));
        assert_eq!("csv".parse::<OutputFormat>(), Ok(OutputFormat::Csv));
        let error = "xml".parse::<OutputFormat>().unwrap_err();
        assert_eq!(
            error,
            "unknown format \"xml\" (expected one of table, csv, tsv, json, ndjson, markdown, parquet)"
        );
        assert_eq!(
            OutputFormat::from_extension(std::path::Path::new("hits.PARQUET")),
            Some(OutputFormat::Parquet)
        );
    }
}
