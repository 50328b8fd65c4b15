//! A result as a bounded HTML table, for notebooks (`_repr_html_`).

use std::fmt::Write;

use arrow::array::RecordBatch;
use arrow::datatypes::Schema;
use arrow::error::ArrowError;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use jaanch::output::html::escape;
use jaanch::output::shape;

/// Rows shown in a notebook; the rest are counted in the footer.
pub const MAX_ROWS: usize = 20;
/// Characters shown of one cell; longer text is cut with an ellipsis.
const MAX_CELL_CHARS: usize = 200;

/// An HTML table of the first [`MAX_ROWS`] rows and a footer with the row count.
pub fn render(schema: &Schema, batches: &[RecordBatch], rows: usize) -> Result<String, ArrowError> {
    let mut html = String::from(
        "<div class=\"jaanch-result\">\n<table border=\"1\" class=\"dataframe\">\n<thead>\n<tr>",
    );
    for field in schema.fields() {
        write!(
            html,
            "<th>{}<br><small>{}</small></th>",
            escape(field.name()),
            escape(&field.data_type().to_string())
        )
        .expect("writing to a String");
    }
    html.push_str("</tr>\n</thead>\n<tbody>\n");
    let options = FormatOptions::default().with_display_error(true);
    let mut shown = 0;
    for batch in batches {
        if shown == MAX_ROWS {
            break;
        }
        let formatters = batch
            .columns()
            .iter()
            .map(|column| ArrayFormatter::try_new(column.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        // Logical nulls: a column of the Null type has no null buffer, yet every value is NULL.
        let nulls: Vec<_> = batch.columns().iter().map(|c| c.logical_nulls()).collect();
        let take = batch.num_rows().min(MAX_ROWS - shown);
        for row in 0..take {
            html.push_str("<tr>");
            for (nulls, formatter) in nulls.iter().zip(&formatters) {
                if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                    html.push_str("<td><em>NULL</em></td>");
                } else {
                    let text = formatter.value(row).to_string();
                    write!(html, "<td>{}</td>", escape(&cut(&text))).expect("writing to a String");
                }
            }
            html.push_str("</tr>\n");
        }
        shown += take;
    }
    html.push_str("</tbody>\n</table>\n");
    let mut footer = shape(rows, schema.fields().len());
    if shown < rows {
        write!(footer, " (first {shown} shown)").expect("writing to a String");
    }
    write!(html, "<p>{footer}</p>\n</div>").expect("writing to a String");
    Ok(html)
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
