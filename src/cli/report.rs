//! `jaanch reports` and `jaanch run`: list and run saved reports.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::OutputFile;
use crate::error::Error;
use crate::exec::run_plan;
use crate::lake::Lake;
use crate::output::{OutputFormat, PrintOptions, write_batches};
use crate::reports::{self, Origin, Report};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Report name (see `jaanch reports`) or path to a .sql file
    #[arg(value_name = "REPORT")]
    pub report: String,

    /// A parameter value, NAME=VALUE (repeatable)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Output format [default: from -o's extension, else table]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write the result to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs one report; parameters are checked before anything runs.
pub async fn run(lake: &Lake, args: &RunArgs, format: OutputFormat) -> Result<ExitCode, Error> {
    let report = reports::find(lake, &args.report)?;
    let values = reports::parse_assignments(&args.params)?;
    let plan = report.plan(lake, &values).await?;
    let options = PrintOptions::new(format);
    match &args.output {
        Some(path) => {
            let mut file = OutputFile::create(path)?;
            run_plan(lake, plan, &options, &mut file, None).await?;
            file.commit()?;
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            run_plan(lake, plan, &options, &mut stdout, None).await?;
            stdout.flush().map_err(|source| Error::Io {
                context: "cannot write output".into(),
                source,
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report list as a table: name, title, parameters, where it comes from, and its output
/// hints.
pub fn listing(reports: &[Report]) -> arrow::array::RecordBatch {
    crate::describe::text_batch(&[
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
pub fn list(lake: &Lake, format: OutputFormat) -> Result<ExitCode, Error> {
    let catalog = reports::load_catalog(lake);
    for problem in &catalog.problems {
        eprintln!("warning: {} (left out)", problem.error);
    }
    let batch = listing(&catalog.reports);
    let mut stdout = std::io::stdout();
    write_batches(
        &PrintOptions::new(format),
        batch.schema(),
        &[batch],
        &mut stdout,
    )
    .map_err(crate::exec::output_error)?;
    Ok(ExitCode::SUCCESS)
}
