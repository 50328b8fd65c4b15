//! Small listings — tables, columns, functions, reports — for people and for scripts.
//!
//! At a terminal a listing is a table fitted to its width; piped, it is tab-separated values, a
//! header line then one line per entry, which `grep`, `cut` and `sort` take as they are. A format
//! asked for explicitly is used as asked.

use std::io::{IsTerminal, Write};

use arrow::array::RecordBatch;
use jaanch::output::{OutputFormat, PrintOptions, write_batches};

use crate::Result;

/// Prints `batch`; returns how many trailing columns a fitted table left out.
pub fn print(batch: &RecordBatch, format: Option<OutputFormat>, expanded: bool) -> Result<usize> {
    let terminal = std::io::stdout().is_terminal();
    let format = format.unwrap_or(if terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Tsv
    });
    let options = PrintOptions {
        expanded,
        max_width: terminal.then(terminal_width).flatten(),
        ..PrintOptions::new(format)
    };
    let mut stdout = std::io::stdout();
    let summary = write_batches(
        &options,
        batch.schema(),
        std::slice::from_ref(batch),
        &mut stdout,
    )
    .map_err(|e| jaanch::output::output_error(None, e))?;
    stdout
        .flush()
        .map_err(|e| jaanch::Error::writing(None, e))?;
    Ok(summary.hidden_columns)
}

/// The terminal's width in columns, if standard output is one.
pub fn terminal_width() -> Option<u16> {
    terminal_size::terminal_size().map(|(width, _)| width.0)
}

/// The note for columns a fitted table left out.
pub fn hidden_columns_note(hidden: usize) -> String {
    format!(
        "{hidden} column{} left out (\\x shows all)",
        if hidden == 1 { "" } else { "s" }
    )
}
