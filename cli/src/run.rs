//! Running statements and printing their results: the loop `jaanch sql`, `jaanch run` and the
//! shell share.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use datafusion::physical_plan::ExecutionPlan;
use jaanch::output::chart::{ChartData, ChartSpec};
use jaanch::output::html::Page;
use jaanch::output::{OutputFile, OutputFormat, PrintOptions, ResultFile};
use jaanch::provenance::TableRead;
use jaanch::script::Script;
use jaanch::{Outcome, QueryResult, Session};

use crate::{CliError, Result};

/// Where a running statement's physical plan is published, so that a progress display can read
/// its live metrics.
pub type PlanSlot = Mutex<Option<Arc<dyn ExecutionPlan>>>;

/// Where results go.
pub enum Sink<'a> {
    /// A stream: standard output, or one output file holding every result.
    Stream(&'a mut (dyn Write + Send)),
    /// A file gathering results, which stays valid after each (the shell's `\o`).
    Document(&'a mut ResultFile),
    /// A file each result replaces, appearing only when complete (Parquet and HTML under
    /// `\o`).
    File(PathBuf),
}

/// Prints results: how, where, and who watches.
pub struct Printer<'a> {
    pub options: PrintOptions,
    pub sink: Sink<'a>,
    /// Told each started statement's plan, for a progress display.
    pub progress: Option<&'a PlanSlot>,
    /// Results with rows printed so far.
    pub printed: usize,
    /// Whether to say which tables (and Delta versions) each result read: on standard error,
    /// and in a JSON document.
    pub provenance: bool,
}

impl Printer<'_> {
    pub fn new(options: PrintOptions, sink: Sink<'_>) -> Printer<'_> {
        Printer {
            options,
            sink,
            progress: None,
            printed: 0,
            provenance: false,
        }
    }

    /// Prints one result as its rows arrive.
    pub async fn print(&mut self, result: QueryResult) -> jaanch::Result<Outcome> {
        if result.returns_rows() {
            // A stream takes one HTML page; a file under `\o` is replaced by each.
            if self.printed > 0
                && self.options.format == OutputFormat::Html
                && matches!(self.sink, Sink::Stream(_))
            {
                return Err(jaanch::Error::Output {
                    path: None,
                    problem: jaanch::error::OutputProblem::SecondPage,
                });
            }
            self.printed += 1;
        }
        if let Some(slot) = self.progress {
            *slot.lock().expect("plan slot lock") = Some(result.plan());
        }
        let reads = result.reads().to_vec();
        let options = &self.with_provenance(&reads);
        match &mut self.sink {
            Sink::Stream(out) => result.print(options, *out).await,
            Sink::Document(file) => {
                let printed = result.write(|schema| file.begin(schema)).await;
                let ended = file.end();
                let outcome = printed?;
                ended?;
                Ok(outcome)
            }
            Sink::File(path) => {
                let mut file = OutputFile::create(path)?;
                let outcome = result.print(options, &mut file).await?;
                file.commit()?;
                Ok(outcome)
            }
        }
        .inspect(|_| {
            if self.provenance {
                for read in &reads {
                    eprintln!("read {read}");
                }
            }
        })
    }

    /// The print options for a result that read `reads`: a page lists them among its facts;
    /// with `--provenance`, a JSON document carries them beside its rows.
    fn with_provenance(&self, reads: &[TableRead]) -> PrintOptions {
        let mut options = self.options.clone();
        if let Some(page) = &options.page {
            options.page = Some(Arc::new(page.as_ref().clone().with_reads(reads)));
        }
        if self.provenance && options.format == OutputFormat::Json {
            let reads: Vec<_> = reads.iter().map(TableRead::to_json).collect();
            options.json_envelope = Some(format!(
                "\"tables_read\":{}",
                serde_json::Value::Array(reads)
            ));
        }
        options
    }
}

impl Printer<'_> {
    /// Prints one result, then draws `chart` under it from the same rows when the result goes
    /// to a stream (a terminal, a pipe); into files only the rows go. A chart naming a column
    /// the result lacks is a warning, not a failure.
    pub async fn print_charted(
        &mut self,
        result: QueryResult,
        chart: Option<&ChartSpec>,
        width: usize,
    ) -> jaanch::Result<Outcome> {
        let (Some(chart), Sink::Stream(_)) = (chart, &self.sink) else {
            return self.print(result).await;
        };
        let (schema, started) = (result.schema(), result.started());
        let reads = result.reads().to_vec();
        let batches = result.collect().await?;
        let outcome = self
            .print(QueryResult::from_batches(schema, batches.clone(), started)?.with_reads(reads))
            .await?;
        let drawn = match ChartData::from_batches(chart, &batches) {
            Ok(data) => format!("\n{}", data.terminal(width)),
            Err(problem) => {
                eprintln!("warning: chart not drawn: {problem}");
                return Ok(outcome);
            }
        };
        if let Sink::Stream(out) = &mut self.sink {
            out.write_all(drawn.as_bytes())
                .map_err(|e| jaanch::Error::writing(None, e))?;
        }
        Ok(outcome)
    }
}

impl Printer<'_> {
    /// Says what the next result is, for a format that tells (an HTML page's title, SQL and
    /// provenance); other formats do not ask.
    pub fn describe(&mut self, page: impl FnOnce() -> Page) {
        if self.options.format == OutputFormat::Html {
            self.options.page = Some(Arc::new(page()));
        }
    }
}

/// Columns a chart may take: the terminal's, else `$COLUMNS`, else 80.
pub fn chart_width() -> usize {
    crate::listing::terminal_width()
        .map(usize::from)
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(80)
        .max(20)
}

/// Runs the statements of `script` in order, printing each result; stops at the first failure,
/// naming `file` and the failing statement's line. `on_outcome` is told of each statement that
/// ran.
pub async fn run_script(
    session: &Session,
    script: &Script,
    printer: &mut Printer<'_>,
    file: &str,
    mut on_outcome: impl FnMut(&Outcome),
) -> Result<()> {
    for statement in script.statements() {
        let at = |error: jaanch::Error| CliError::from(error).at(file, statement.line);
        printer.describe(|| Page::for_query(&statement.text()).about(session));
        let result = session.run(statement).await.map_err(at)?;
        let outcome = printer.print(result).await.map_err(at)?;
        on_outcome(&outcome);
    }
    Ok(())
}
