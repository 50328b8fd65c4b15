//! `jaanch sql`: run statements from the command line, a file or standard input.

use std::io::{Read, Write};
use std::process::ExitCode;

use super::{OutputFile, SqlArgs};
use crate::error::Error;
use crate::exec::run_script;
use crate::lake::Lake;
use crate::output::{OutputFormat, PrintOptions};

pub async fn run(lake: &Lake, args: &SqlArgs, format: OutputFormat) -> Result<ExitCode, Error> {
    let (sql, source) = match (&args.sql, &args.file) {
        (Some(sql), _) => (sql.clone(), None),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| Error::Io {
                    context: "cannot read standard input".into(),
                    source,
                })?;
            (text, Some("<stdin>".to_string()))
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Query(format!(
                    "{}: {}",
                    path.display(),
                    crate::config::io_reason(&e)
                ))
            })?;
            (text, Some(path.display().to_string()))
        }
        (None, None) => unreachable!("clap requires SQL or --file"),
    };
    let mut options = PrintOptions::new(format);
    options.max_rows = args.maxrows;

    let result = match &args.output {
        Some(path) => {
            let mut file = OutputFile::create(path)?;
            let result = run_script(lake, &sql, &options, &mut file, None, |_| {}).await;
            if result.is_ok() {
                file.commit()?;
            }
            result
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            let result = run_script(lake, &sql, &options, &mut stdout, None, |_| {}).await;
            stdout.flush().map_err(|source| Error::Io {
                context: "cannot write output".into(),
                source,
            })?;
            result
        }
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // One statement given on the command line needs no line number.
        Err(failure) if source.is_none() && failure.line == 1 => Err(failure.error),
        Err(failure) if failure.error.is_broken_pipe() => Err(failure.error),
        Err(failure) => Err(Error::Query(format!(
            "{}:{}: {}",
            source.as_deref().unwrap_or("<sql>"),
            failure.line,
            failure.error
        ))),
    }
}
