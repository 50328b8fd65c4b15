//! The one execution path: statement → plan → stream of batches → printer.
//!
//! `jaanch sql`, scripts, the shell and reports all end here, so they refuse the same
//! statements, report errors the same way and print the same formats.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::error::ArrowError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::sql::parser::Statement;
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::output::{PrintOptions, Summary, result_writer};
use crate::script::split_statements;

/// What one statement produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Rows printed and counted; `None` for statements without a result (`SET`, DDL).
    pub summary: Option<Summary>,
    pub elapsed: Duration,
}

/// Where a running statement's physical plan is published, so that a progress display can read
/// its live metrics.
pub type PlanSlot = std::sync::Mutex<Option<Arc<dyn ExecutionPlan>>>;

/// Runs one parsed statement and prints its result to `out`.
pub async fn run_statement(
    lake: &Lake,
    statement: &Statement,
    options: &PrintOptions,
    out: &mut (dyn Write + Send),
    plan_slot: Option<&PlanSlot>,
) -> Result<Outcome> {
    let started = Instant::now();
    let plan = lake.plan(statement).await?;
    run_plan_since(lake, plan, options, out, plan_slot, started).await
}

/// Runs a planned statement (e.g. a report with its parameters bound) and prints its result.
pub async fn run_plan(
    lake: &Lake,
    plan: LogicalPlan,
    options: &PrintOptions,
    out: &mut (dyn Write + Send),
    plan_slot: Option<&PlanSlot>,
) -> Result<Outcome> {
    run_plan_since(lake, plan, options, out, plan_slot, Instant::now()).await
}

async fn run_plan_since(
    lake: &Lake,
    plan: LogicalPlan,
    options: &PrintOptions,
    out: &mut (dyn Write + Send),
    plan_slot: Option<&PlanSlot>,
    started: Instant,
) -> Result<Outcome> {
    let frame = lake.execute(plan).await?;
    let task_ctx = Arc::new(frame.task_ctx());
    let physical = frame.create_physical_plan().await?;
    if let Some(slot) = plan_slot {
        *slot.lock().expect("plan slot lock") = Some(Arc::clone(&physical));
    }
    let mut stream = execute_stream(physical, task_ctx)?;
    let schema = stream.schema();
    if schema.fields().is_empty() {
        while let Some(batch) = stream.next().await {
            batch?;
        }
        return Ok(Outcome {
            summary: None,
            elapsed: started.elapsed(),
        });
    }
    // Printers report I/O failures in their own error types; watching the writer keeps a closed
    // pipe recognisable whatever the format.
    let mut watched = WatchedWrite {
        inner: out,
        error: None,
    };
    let printed = print_stream(options, schema, &mut stream, &mut watched).await;
    let summary = match (printed, watched.error) {
        (Ok(summary), _) => summary,
        (Err(_), Some(source)) => {
            return Err(Error::Io {
                context: "cannot write output".into(),
                source,
            });
        }
        (Err(error), None) => return Err(error),
    };
    Ok(Outcome {
        summary: Some(summary),
        elapsed: started.elapsed(),
    })
}

/// An error of a script, saying which statement failed.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct ScriptError {
    /// 1-based line where the failing statement starts.
    pub line: usize,
    pub error: Error,
}

/// The parser counts lines from the start of the statement; a script's reader counts them from
/// the start of the file.
fn in_script(error: Error, first_line: usize) -> Error {
    let Error::Query(text) = &error else {
        return error;
    };
    let marker = " at line ";
    let Some(at) = text.rfind(marker) else {
        return error;
    };
    let rest = &text[at + marker.len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[..digits].parse::<usize>() {
        Ok(line) if rest[digits..].starts_with(", column ") => Error::Query(format!(
            "{}{marker}{}{}",
            &text[..at],
            line + first_line - 1,
            &rest[digits..]
        )),
        _ => error,
    }
}

/// Runs every statement of `sql` in order, printing each result; stops at the first failure.
/// `on_outcome` is told about each statement that ran.
pub async fn run_script(
    lake: &Lake,
    sql: &str,
    options: &PrintOptions,
    out: &mut (dyn Write + Send),
    plan_slot: Option<&PlanSlot>,
    mut on_outcome: impl FnMut(&Outcome),
) -> std::result::Result<(), ScriptError> {
    for statement in split_statements(sql).statements {
        let at = |error| ScriptError {
            line: statement.line,
            error,
        };
        let mut parsed = lake
            .parse(statement.text)
            .map_err(|error| at(in_script(error, statement.line)))?;
        // The splitter already isolated one statement; the parser agrees unless the text
        // holds none (only a comment the splitter did not see as one).
        for parsed in parsed.drain(..) {
            let outcome = run_statement(lake, &parsed, options, out, plan_slot)
                .await
                .map_err(at)?;
            on_outcome(&outcome);
        }
    }
    Ok(())
}

async fn print_stream(
    options: &PrintOptions,
    schema: arrow::datatypes::SchemaRef,
    stream: &mut datafusion::physical_plan::SendableRecordBatchStream,
    out: &mut (dyn Write + Send),
) -> Result<Summary> {
    let failed = |e: ArrowError| Error::Query(format!("cannot write output: {e}"));
    let mut writer = result_writer(options, schema, out).map_err(failed)?;
    while let Some(batch) = stream.next().await {
        writer.write_batch(&batch?).map_err(failed)?;
    }
    writer.finish().map_err(failed)
}

/// A writer that remembers the first I/O error of the writer it wraps.
struct WatchedWrite<'a> {
    inner: &'a mut (dyn Write + Send),
    error: Option<std::io::Error>,
}

impl WatchedWrite<'_> {
    fn watch<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        result.inspect_err(|e| {
            if self.error.is_none() {
                self.error = Some(std::io::Error::new(e.kind(), e.to_string()));
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

/// A printer error as a user error; a closed pipe stays recognisable.
pub fn output_error(error: ArrowError) -> Error {
    match error {
        ArrowError::IoError(_, source) => Error::Io {
            context: "cannot write output".into(),
            source,
        },
        other => Error::Query(format!("cannot write output: {other}")),
    }
}
