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

    /// File extensions and the formats they imply (`hits.csv` → CSV).
    pub const EXTENSIONS: [(&'static str, OutputFormat); 11] = [
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
        OutputFormat::Csv => Box::new(CsvOut::new(schema, out, b',')?),
        OutputFormat::Tsv => Box::new(CsvOut::new(schema, out, b'\t')?),
        OutputFormat::Json => Box::new(JsonOut {
            writer: json_writer::<_, arrow::json::writer::JsonArray>(out),
            rows: 0,
            newline_at_end: true,
        }),
        OutputFormat::Ndjson => Box::new(JsonOut {
            writer: json_writer::<_, arrow::json::writer::LineDelimited>(out),
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
        let (text, hidden_columns) = match (self.options.format, self.options.expanded) {
            (OutputFormat::Markdown, _) => (markdown(&cells), 0),
            (_, true) => (expanded(&cells), 0),
            _ => table(&cells, self.options.max_width),
        };
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        Ok(Summary {
            rows: self.rows,
            shown: self.shown(),
            hidden_columns,
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
            // Logical nulls: a column of type Null has no null buffer, yet every value is NULL.
            let nulls: Vec<_> = batch.columns().iter().map(|c| c.logical_nulls()).collect();
            for row in 0..batch.num_rows() {
                rows.push(
                    nulls
                        .iter()
                        .zip(&formatters)
                        .map(|(nulls, f)| {
                            let valid = nulls.as_ref().is_none_or(|n| n.is_valid(row));
                            valid.then(|| f.value(row).to_string())
                        })
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

/// A bordered table; with `max_width`, fitted to it. Returns the text and how many trailing
/// columns were left out because even at their narrowest they did not fit.
fn table(cells: &CellText, max_width: Option<u16>) -> (String, usize) {
    let columns = cells.headers.len();
    let fit = max_width.map(|width| fit_columns(&natural_widths(cells), width as usize));
    let shown = fit.as_ref().map_or(columns, |f| f.widths.len());
    let hidden = columns - shown;
    let cut = |i: usize, text: &str| match &fit {
        Some(fit) => truncate(text, fit.widths[i]),
        None => text.to_string(),
    };
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Disabled);
    let mut header: Vec<Cell> = (0..shown)
        .map(|i| Cell::new(cut(i, &cells.headers[i])))
        .collect();
    if hidden > 0 {
        header.push(Cell::new(ELIDED));
    }
    table.set_header(header);
    for row in &cells.rows {
        let mut line: Vec<Cell> = (0..shown)
            .map(|i| {
                let cell = Cell::new(cut(i, row[i].as_deref().unwrap_or(NULL_TEXT)));
                if cells.numeric[i] {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            })
            .collect();
        if hidden > 0 {
            line.push(Cell::new(ELIDED));
        }
        table.add_row(line);
    }
    (format!("{table}\n"), hidden)
}

/// Marks cut text, and the column standing for columns left out.
const ELIDED: &str = "…";

/// Columns are cut no narrower than this while others are left out instead.
const MIN_COLUMN_WIDTH: usize = 8;

/// Each column's width with nothing cut: its widest value or its header.
fn natural_widths(cells: &CellText) -> Vec<usize> {
    cells
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .rows
                .iter()
                .map(|r| display_width(&single_line(r[i].as_deref().unwrap_or(NULL_TEXT))))
                .chain([display_width(&single_line(h))])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// The columns of a table fitted to a width.
#[derive(Debug, PartialEq, Eq)]
struct Fit {
    /// Content width of each column shown, leading columns first; the rest are left out.
    widths: Vec<usize>,
}

/// Fits columns of `natural` content widths into `width` terminal columns. The widest columns
/// are cut first, to a common width, but not below [`MIN_COLUMN_WIDTH`]; when even that does
/// not fit, trailing columns are left out (a one-character column marks where), keeping at
/// least one.
fn fit_columns(natural: &[usize], width: usize) -> Fit {
    // A column costs its content plus padding and a border (3); a table one more border; the
    // marker of left-out columns is a column of width 1.
    let frame = |shown: usize| 3 * shown + 1 + if shown < natural.len() { 4 } else { 0 };
    let narrowest = |shown: usize| -> usize {
        natural[..shown]
            .iter()
            .map(|&w| w.min(MIN_COLUMN_WIDTH))
            .sum()
    };
    let mut shown = natural.len();
    while shown > 1 && narrowest(shown) + frame(shown) > width {
        shown -= 1;
    }
    let budget = width.saturating_sub(frame(shown)).max(1);
    let widths = &natural[..shown];
    let total = |cap: usize| widths.iter().map(|&w| w.min(cap)).sum::<usize>();
    if total(usize::MAX) <= budget {
        return Fit {
            widths: widths.to_vec(),
        };
    }
    // The widest common cap that fits; what is left of the budget widens the leftmost cut
    // columns by one each.
    let (mut low, mut high) = (1, widths.iter().copied().max().unwrap_or(1));
    while low < high {
        let cap = (low + high).div_ceil(2);
        if total(cap) <= budget {
            low = cap;
        } else {
            high = cap - 1;
        }
    }
    let cap = low;
    let mut spare = budget.saturating_sub(total(cap));
    let widths = widths
        .iter()
        .map(|&w| {
            if w > cap && spare > 0 {
                spare -= 1;
                cap + 1
            } else {
                w.min(cap)
            }
        })
        .collect();
    Fit { widths }
}

/// Text on one line: line breaks and other control characters become spaces, so that a cell
/// is one terminal row and its width is what the terminal shows.
fn single_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// `text` on one line, cut with an ellipsis to at most `limit` terminal columns.
fn truncate(text: &str, limit: usize) -> String {
    let text = single_line(text);
    if display_width(&text) <= limit {
        return text.into_owned();
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
    // Some sequences are wider together than their characters' widths add up to.
    while !out.is_empty() && display_width(&out) + 1 > limit {
        out.pop();
    }
    out.push_str(ELIDED);
    out
}

/// `1234567` → `1,234,567`: row counts as people read them.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Terminal columns taken by `text` (combining marks, as in Devanagari, take none), measured
/// as the table layout measures it.
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
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

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(8_652_301), "8,652,301");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
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
    fn truncation_respects_width() {
        assert_eq!(truncate("abcdefghij", 6), "abcde…");
        assert_eq!(truncate("abc", 6), "abc");
        assert_eq!(truncate("two\nlines", 20), "two lines");
        assert_eq!(truncate("जोधपुर जयपुर", 6), "जोधपुर…");
        assert_eq!(truncate("abc", 1), "…");
    }

    #[test]
    fn columns_fit_by_cutting_the_widest_then_leaving_out_trailing_ones() {
        // Fits as is: 5 + 20 + 3 * 2 + 1 = 32.
        assert_eq!(fit_columns(&[5, 20], 32).widths, vec![5, 20]);
        // The widest is cut first.
        assert_eq!(fit_columns(&[5, 20], 30).widths, vec![5, 18]);
        // Wide columns share the room: 80 - 3 * 3 - 1 = 70 for 3 columns.
        assert_eq!(fit_columns(&[10, 100, 100], 80).widths, vec![10, 30, 30]);
        assert_eq!(fit_columns(&[10, 100, 100], 81).widths, vec![10, 31, 30]);
        // Ten columns of at least 8 need 10 * 11 + 1 = 111: only the leading ones that fit
        // at 8 stay, beside the one-character marker column (4).
        let fit = fit_columns(&[30; 10], 80);
        assert_eq!(fit.widths.len(), 6);
        let used: usize = fit.widths.iter().sum::<usize>() + 3 * 6 + 1 + 4;
        assert_eq!(used, 80, "{fit:?}");
        // Short columns are never widened, and are not counted at 8.
        assert_eq!(fit_columns(&[1, 1, 1], 13).widths, vec![1, 1, 1]);
        // One column is always shown, cut as narrow as it must be.
        assert_eq!(fit_columns(&[50, 50], 12).widths, vec![4]);
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
            "unknown format \"xml\" (expected one of table, csv, tsv, json, ndjson, markdown, parquet)"
        );
        assert_eq!(
            OutputFormat::from_extension(std::path::Path::new("hits.PARQUET")),
            Some(OutputFormat::Parquet)
        );
    }
}
