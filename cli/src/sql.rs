//! `jaanch sql`: run statements from the command line, a file or standard input.

use std::io::Write;
use std::path::PathBuf;

use jaanch::Session;
use jaanch::output::{OutputFile, OutputFormat, PrintOptions};

use crate::run::{Printer, Sink, run_script};
use crate::{CliError, Result};

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
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write results to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Show at most N rows in table and markdown output
    #[arg(long, value_name = "N")]
    pub maxrows: Option<usize>,

    /// Say which tables each statement read: each Delta table's version and the files read
    /// (on standard error; a JSON result carries them as `tables_read`)
    #[arg(long)]
    pub provenance: bool,
}

/// The name of SQL given on the command line, in errors that need a line number.
const COMMAND_LINE: &str = "<sql>";

pub async fn run(session: &Session, args: &SqlArgs, format: OutputFormat) -> Result<()> {
    let (sql, file) = match (&args.sql, &args.file) {
        (Some(sql), _) => (sql.clone(), COMMAND_LINE.to_string()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            (crate::read_stdin()?, "<stdin>".to_string())
        }
        (None, Some(path)) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| jaanch::Error::reading(path, e))?;
            (text, path.display().to_string())
        }
        (None, None) => unreachable!("clap requires SQL or --file"),
    };
    let options = PrintOptions {
        max_rows: args.maxrows,
        ..PrintOptions::new(format)
    };
    let script = session
        .script(&sql)
        .map_err(|e| located(&file, CliError::from(e)))?;
    let result = match &args.output {
        Some(path) => {
            let mut out = OutputFile::create(path)?;
            let mut printer = Printer::new(options, Sink::Stream(&mut out));
            printer.provenance = args.provenance;
            let result = run_script(session, &script, &mut printer, &file, |_| {}).await;
            if result.is_ok() {
                out.commit()?;
            }
            result
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            let mut printer = Printer::new(options, Sink::Stream(&mut stdout));
            printer.provenance = args.provenance;
            let result = run_script(session, &script, &mut printer, &file, |_| {}).await;
            stdout
                .flush()
                .map_err(|e| jaanch::Error::writing(None, e))?;
            result
        }
    };
    result.map_err(|error| match error {
        // One line of SQL given on the command line needs no line number.
        CliError::Script {
            file,
            line: 1,
            error,
        } if file == COMMAND_LINE => *error,
        error => error,
    })
}

/// A syntax error of the whole script at its line of `file`.
fn located(file: &str, error: CliError) -> CliError {
    match &error {
        CliError::Engine(jaanch::Error::Syntax { line, .. }) if file != COMMAND_LINE => {
            let line = *line;
            error.at(file, line)
        }
        _ => error,
    }
}
