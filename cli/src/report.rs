//! `jaanch reports` and `jaanch run`: list and run saved reports.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use jaanch::Session;
use jaanch::output::html::Page;
use jaanch::output::{OutputFile, OutputFormat, PrintOptions};
use jaanch::reports::{self, Origin, Report};

use crate::run::{Printer, Sink, chart_width};
use crate::{Result, listing};

#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Report name (see `jaanch reports`) or path to a .sql file
    #[arg(value_name = "REPORT")]
    pub report: String,

    /// A parameter value, NAME=VALUE (repeatable)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Output format [default: from -o's extension, else table]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write the result to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write the result as a self-contained HTML page (chart, district map, rows) to FILE;
    /// the same as `-o FILE --format html`
    #[arg(long, value_name = "FILE", conflicts_with_all = ["output", "format"])]
    pub html: Option<PathBuf>,

    /// Draw the report's chart under its rows even when standard output is not a terminal
    /// (at a terminal a table's chart is drawn anyway)
    #[arg(long, conflicts_with = "output")]
    pub chart: bool,

    /// Say which tables the report read: each Delta table's version and the files read (on
    /// standard error; a JSON result carries them as `tables_read`; an HTML page always does)
    #[arg(long)]
    pub provenance: bool,
}

/// Runs one report; parameters are checked before anything runs.
pub async fn run(session: &Session, args: &RunArgs, format: OutputFormat) -> Result<()> {
    let values = reports::parse_assignments(&args.params)?;
    let (report, result) = session.report_and_header(&args.report, &values).await?;
    let options = PrintOptions {
        page: Some(Arc::new(Page::for_report(&report, &values).about(session))),
        ..PrintOptions::new(format)
    };
    match &args.output {
        Some(path) => {
            let mut file = OutputFile::create(path)?;
            let mut printer = Printer::new(options, Sink::Stream(&mut file));
            printer.provenance = args.provenance;
            printer.print(result).await?;
            file.commit()?;
        }
        None => {
            let terminal = std::io::stdout().is_terminal();
            let chart = report
                .chart()
                .filter(|_| args.chart || (terminal && format == OutputFormat::Table));
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            let mut printer = Printer::new(options, Sink::Stream(&mut stdout));
            printer.provenance = args.provenance;
            printer
                .print_charted(result, chart.as_ref(), chart_width())
                .await?;
            stdout
                .flush()
                .map_err(|e| jaanch::Error::writing(None, e))?;
        }
    }
    Ok(())
}

/// The report list as a table: name, title, parameters, where it comes from, and its output
/// hints.
pub fn table(reports: &[Report]) -> arrow::array::RecordBatch {
    jaanch::describe::text_batch(&[
        (
            "report",
            reports.iter().map(|r| Some(r.name.clone())).collect(),
        ),
        (
            "title",
            reports.iter().map(|r| Some(r.title.clone())).collect(),
        ),
        (
            "parameters",
            reports
                .iter()
                .map(|r| {
                    Some(
                        r.params
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                })
                .collect(),
        ),
        (
            "source",
            reports
                .iter()
                .map(|r| {
                    Some(match &r.origin {
                        Origin::Bundled => "bundled".to_string(),
                        Origin::File(path) => path.display().to_string(),
                    })
                })
                .collect(),
        ),
        (
            "output",
            reports
                .iter()
                .map(|r| (!r.output.is_empty()).then(|| r.output.join("; ")))
                .collect(),
        ),
    ])
}

/// `jaanch reports`: every report the lake can run.
pub fn list(session: &Session, format: Option<OutputFormat>) -> Result<()> {
    let catalog = session.reports();
    for problem in &catalog.problems {
        eprintln!("warning: {} (left out)", problem.error);
    }
    listing::print(&table(&catalog.reports), format, false)?;
    Ok(())
}
