//! Results as text for people: bordered tables fitted to a width, expanded records, Markdown.

use arrow::array::RecordBatch;
use arrow::datatypes::Schema;
use arrow::error::ArrowError;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

/// The text of every shown cell, with NULL marked, and which columns are numeric.
pub(super) struct CellText {
    headers: Vec<String>,
    pub(super) numeric: Vec<bool>,
    /// Each row's cells; `None` for NULL.
    pub(super) rows: Vec<Vec<Option<String>>>,
}

impl CellText {
    pub(super) fn new(schema: &Schema, batches: &[RecordBatch]) -> Result<Self, ArrowError> {
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
pub(super) fn table(cells: &CellText, max_width: Option<u16>) -> (String, usize) {
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
pub(super) fn truncate(text: &str, limit: usize) -> String {
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

/// `1 row`, `1,234 rows`.
pub fn rows_text(n: usize) -> String {
    match n {
        1 => "1 row".to_string(),
        n => format!("{} rows", thousands(n)),
    }
}

/// A result's shape as people read it: `1,234 rows × 1 column`.
pub fn shape(rows: usize, columns: usize) -> String {
    let columns = match columns {
        1 => "1 column".to_string(),
        n => format!("{n} columns"),
    };
    format!("{} × {columns}", rows_text(rows))
}

/// Terminal columns taken by `text` (combining marks, as in Devanagari, take none), measured
/// as the table layout measures it.
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

pub(super) fn expanded(cells: &CellText) -> String {
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

pub(super) fn markdown(cells: &CellText) -> String {
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
        assert_eq!(rows_text(1), "1 row");
        assert_eq!(shape(12_345, 1), "12,345 rows × 1 column");
        assert_eq!(shape(0, 6), "0 rows × 6 columns");
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
}
