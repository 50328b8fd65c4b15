//! The interactive shell.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use crate::error::Error;
use crate::exec::{Outcome, run_script};
use crate::lake::Lake;
use crate::output::{OutputFormat, PrintOptions};
use crate::script::split_statements;

pub async fn run(lake: &Lake) -> Result<ExitCode, Error> {
    if !std::io::stdin().is_terminal() {
        return run_piped(lake).await;
    }
    let mut editor = DefaultEditor::new().map_err(|e| Error::Query(e.to_string()))?;
    let history = history_file();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!(
        "jaanch {} · lake {} · {} tables · \\q to quit",
        env!("CARGO_PKG_VERSION"),
        lake.name(),
        lake.tables().count()
    );
    let mut options = PrintOptions::new(OutputFormat::Table);
    options.max_rows = Some(40);
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            format!("{}> ", lake.name())
        } else {
            format!("{}> ", " ".repeat(lake.name().len()).replace(' ', "."))
        };
        match editor.readline(&prompt) {
            Ok(line) => {
                if buffer.is_empty() && matches!(line.trim(), "\\q" | "quit" | "exit") {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if split_statements(&buffer).incomplete {
                    continue;
                }
                let _ = editor.add_history_entry(buffer.trim_end());
                let sql = std::mem::take(&mut buffer);
                run_interactive(lake, &sql, &options).await;
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::Query(e.to_string())),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs statements typed at the prompt; Ctrl-C cancels them and returns to the prompt.
async fn run_interactive(lake: &Lake, sql: &str, options: &PrintOptions) {
    let mut stdout = std::io::stdout();
    let footer = |outcome: &Outcome| {
        if let Some(summary) = outcome.summary {
            let shown = if summary.shown < summary.rows {
                format!(" ({} shown)", summary.shown)
            } else {
                String::new()
            };
            println!(
                "{} row{}{shown} · {:.3} s",
                summary.rows,
                if summary.rows == 1 { "" } else { "s" },
                outcome.elapsed.as_secs_f64()
            );
        }
    };
    tokio::select! {
        result = run_script(lake, sql, options, &mut stdout, footer) => {
            if let Err(failure) = result {
                eprintln!("error: {}", failure.error);
            }
        }
        _ = tokio::signal::ctrl_c() => eprintln!("cancelled"),
    }
    let _ = stdout.flush();
}

/// Statements from a pipe (`jaanch < script.sql`): no prompt, stop at the first error.
async fn run_piped(lake: &Lake) -> Result<ExitCode, Error> {
    let mut sql = String::new();
    std::io::stdin()
        .read_to_string(&mut sql)
        .map_err(|source| Error::Io {
            context: "cannot read standard input".into(),
            source,
        })?;
    let options = PrintOptions::new(OutputFormat::Table);
    let mut stdout = std::io::BufWriter::new(std::io::stdout());
    let result = run_script(lake, &sql, &options, &mut stdout, |_| {}).await;
    stdout.flush().map_err(|source| Error::Io {
        context: "cannot write output".into(),
        source,
    })?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(failure) if failure.error.is_broken_pipe() => Err(failure.error),
        Err(failure) => Err(Error::Query(format!(
            "<stdin>:{}: {}",
            failure.line, failure.error
        ))),
    }
}

fn history_file() -> Option<std::path::PathBuf> {
    let dir = dirs::data_dir()?.join("jaanch");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history"))
}
