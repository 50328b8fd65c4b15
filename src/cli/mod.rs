//! The `jaanch` command line: argument parsing, exit codes and the subcommands.
//!
//! Exit codes: 0 success; 1 a query or user error (one line on stderr); 2 a usage error.
//! A closed output pipe (`jaanch sql ... | head`) ends the program quietly with 0.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{ConfigSource, find_config};
use crate::error::Error;
use crate::lake::Lake;
use crate::output::OutputFormat;

mod demo;
mod output_file;
mod report;
mod shell;
mod sql;

pub use output_file::OutputFile;

/// jaanch — SQL over a police data lake.
///
/// With no command, opens the interactive shell on ./lake.toml, else $JAANCH_LAKE.
#[derive(Debug, Parser)]
#[command(name = "jaanch", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Lake config file [default: ./lake.toml, else $JAANCH_LAKE]
    #[arg(long, global = true, value_name = "FILE")]
    pub lake: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Interactive SQL shell (the default)
    Shell,
    /// Run SQL statements and print their results
    Sql(SqlArgs),
    /// Run a saved report with parameters
    Run(report::RunArgs),
    /// List saved reports: name, title, parameters
    Reports {
        /// Output format
        #[arg(long, value_enum, value_name = "FORMAT", default_value = "table")]
        format: OutputFormat,
    },
    /// Generate the demo lake: synthetic Rajasthan police data with planted links
    Demo(demo::DemoArgs),
}

#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// SQL statements, separated by `;`
    #[arg(value_name = "SQL", required_unless_present = "file")]
    pub sql: Option<String>,

    /// Read the statements from FILE instead (`-` for standard input)
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "sql"
    )]
    pub file: Option<PathBuf>,

    /// Output format [default: from -o's extension, else table]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write results to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Show at most N rows in table and markdown output
    #[arg(long, value_name = "N")]
    pub maxrows: Option<usize>,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            context: "cannot start the runtime".into(),
            source,
        })?;
    match cli.command {
        None | Some(Command::Shell) => {
            let lake = open_lake(cli.lake.as_deref())?;
            shell::run(&lake, &runtime)
        }
        Some(Command::Sql(args)) => {
            let format = match output_format(args.format, args.output.as_deref()) {
                Ok(format) => format,
                Err(usage) => return Ok(usage_error(&usage)),
            };
            let lake = open_lake(cli.lake.as_deref())?;
            runtime.block_on(sql::run(&lake, &args, format))
        }
        Some(Command::Run(args)) => {
            let format = match output_format(args.format, args.output.as_deref()) {
                Ok(format) => format,
                Err(usage) => return Ok(usage_error(&usage)),
            };
            let lake = open_lake(cli.lake.as_deref())?;
            runtime.block_on(report::run(&lake, &args, format))
        }
        Some(Command::Reports { format }) => {
            if format.is_binary() {
                return Ok(usage_error(&format!(
                    "--format {format} writes binary data and cannot be printed: \
                     `jaanch reports` prints text (table, csv, tsv, json, ndjson, markdown)"
                )));
            }
            let lake = open_lake(cli.lake.as_deref())?;
            report::list(&lake, format)
        }
        Some(Command::Demo(args)) => demo::run(&args),
    }
}

/// The output format: `--format`, else what `-o`'s extension implies, else a table. A binary
/// format without `-o`, or an `-o` whose extension names no format, is a usage error.
fn output_format(
    format: Option<OutputFormat>,
    output: Option<&Path>,
) -> Result<OutputFormat, String> {
    let format = match (format, output) {
        (Some(format), _) => format,
        (None, None) => OutputFormat::Table,
        (None, Some(path)) => OutputFormat::from_extension(path).ok_or_else(|| {
            let known: Vec<String> = OutputFormat::EXTENSIONS
                .iter()
                .map(|(ext, _)| format!(".{ext}"))
                .collect();
            format!(
                "cannot tell the format of {} from its name: use one of {} or give --format",
                path.display(),
                known.join(" ")
            )
        })?,
    };
    if format.is_binary() && output.is_none() {
        return Err(format!(
            "--format {format} writes binary data and needs -o FILE"
        ));
    }
    Ok(format)
}

/// A usage error: one line on stderr, exit code 2.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Opens the lake from `--lake`, `./lake.toml` or `$JAANCH_LAKE`; with none of them, the
/// demo lake in the user's data directory (generated on first use).
pub fn open_lake(explicit: Option<&Path>) -> Result<Lake, Error> {
    match find_config(explicit)? {
        ConfigSource::File(path) => Lake::open(path),
        ConfigSource::Default => {
            Lake::open(crate::demo::default_lake(std::io::stderr().is_terminal())?)
        }
    }
}
