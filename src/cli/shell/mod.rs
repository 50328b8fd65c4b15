//! The interactive shell: the analyst's daily tool.
//!
//! One loop serves the terminal and scripts: input is either a meta-command (a line starting
//! with `\`) or SQL, and SQL runs through the shared execution path. At a terminal the editor
//! completes names, keeps history in the user's data directory, shows a progress line for slow
//! queries and lets Ctrl-C cancel them. From a pipe (`jaanch < script.sql`) there is no prompt
//! or decoration, and the first error stops the script, naming its line.

mod complete;
mod meta;
mod progress;
mod sink;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use datafusion::logical_expr::LogicalPlan;
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{Config, Editor};
use tokio::runtime::Runtime;

use self::complete::ShellHelper;
use self::meta::Meta;
use self::sink::ResultFile;
use super::OutputFile;
use crate::describe;
use crate::error::Error;
use crate::exec::{Outcome, PlanSlot, ScriptError, run_plan, run_script};
use crate::lake::Lake;
use crate::output::{OutputFormat, PrintOptions, Summary, write_batches};
use crate::reports;
use crate::script::split_statements;

/// Rows a table result shows at the terminal unless `\maxrows` says otherwise.
const DEFAULT_MAX_ROWS: usize = 40;

/// What to do after a command.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// Where results go: the terminal, or a file chosen with `\o`.
enum Sink {
    Stdout,
    /// Text results are added to the file, which stays valid (see [`sink`]).
    Text(ResultFile),
    /// Each binary result replaces the file.
    Binary {
        path: PathBuf,
        format: OutputFormat,
    },
}

pub struct Shell<'a> {
    lake: &'a Lake,
    runtime: &'a Runtime,
    options: PrintOptions,
    timing: bool,
    sink: Sink,
    /// At a terminal: progress, Ctrl-C, footers, fitted tables.
    interactive: bool,
}

/// Runs the shell: interactive at a terminal, a script when standard input is a pipe.
pub fn run(lake: &Lake, runtime: &Runtime) -> Result<ExitCode, Error> {
    let interactive = std::io::stdin().is_terminal();
    let mut shell = Shell::new(lake, runtime, interactive);
    if interactive {
        shell.interact()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|source| Error::Io {
            context: "cannot read standard input".into(),
            source,
        })?;
    shell.run_script(&text, "<stdin>")?;
    Ok(ExitCode::SUCCESS)
}

impl<'a> Shell<'a> {
    fn new(lake: &'a Lake, runtime: &'a Runtime, interactive: bool) -> Self {
        let mut options = PrintOptions::new(OutputFormat::Table);
        if interactive {
            options.max_rows = Some(DEFAULT_MAX_ROWS);
        }
        Self {
            lake,
            runtime,
            options,
            timing: true,
            sink: Sink::Stdout,
            interactive,
        }
    }

    fn interact(&mut self) -> Result<(), Error> {
        let config = Config::builder()
            .history_ignore_dups(true)
            .map_err(|e| Error::Query(e.to_string()))?
            .history_ignore_space(true)
            .auto_add_history(false)
            .completion_type(rustyline::CompletionType::List)
            .build();
        let report_names = reports::catalog(self.lake)
            .map(|all| all.into_iter().map(|r| r.name).collect())
            .unwrap_or_default();
        let helper =
            ShellHelper::new(self.lake, self.runtime.handle().clone()).with_reports(report_names);
        let mut editor: Editor<ShellHelper, FileHistory> =
            Editor::with_config(config).map_err(|e| Error::Query(e.to_string()))?;
        editor.set_helper(Some(helper));
        let history = history_file();
        if let Some(path) = &history {
            // A missing or unreadable history is not worth stopping for.
            let _ = editor.load_history(path);
        }
        println!(
            "jaanch {} · lake {} · {} tables · \\? for help, \\q to quit",
            env!("CARGO_PKG_VERSION"),
            self.lake.name(),
            self.lake.tables().count(),
        );
        let prompt = format!("{}> ", self.lake.name());
        let continuation = continuation_prompt(&prompt);
        // Lines of a statement still missing its `;`.
        let mut pending = String::new();
        loop {
            let line = match editor.readline(if pending.is_empty() {
                &prompt
            } else {
                &continuation
            }) {
                Ok(line) => line,
                // Ctrl-C clears what is being typed, the lines before included.
                Err(ReadlineError::Interrupted) => {
                    pending.clear();
                    set_pending(&mut editor, "");
                    continue;
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(Error::Query(format!("cannot read input: {e}"))),
            };
            let entry = if pending.is_empty() && line.trim_start().starts_with('\\') {
                line.trim().to_string()
            } else {
                if pending.is_empty() && line.trim().is_empty() {
                    continue;
                }
                pending.push_str(&line);
                pending.push('\n');
                if split_statements(&pending).incomplete {
                    set_pending(&mut editor, &pending);
                    continue;
                }
                set_pending(&mut editor, "");
                std::mem::take(&mut pending).trim().to_string()
            };
            remember(editor.history_mut(), &entry);
            if let Some(path) = &history {
                // Saved after every entry: a crash or a closed terminal loses nothing.
                let _ = editor.history_mut().save(path);
            }
            match self.handle(&entry) {
                Ok(Flow::Quit) => break,
                Ok(Flow::Continue) => {}
                Err(error) => eprintln!("error: {error}"),
            }
        }
        Ok(())
    }

    /// One entry from the editor: a meta-command or complete SQL statements.
    fn handle(&mut self, entry: &str) -> Result<Flow, Error> {
        if entry.starts_with('\\') {
            let meta = meta::parse(entry).map_err(|e| Error::Query(e.0))?;
            return self.meta(meta);
        }
        self.sql(entry).map_err(|failure| failure.error)?;
        Ok(Flow::Continue)
    }

    /// Runs a script's meta-commands and statements in order; stops at the first failure and
    /// names `source` and the line.
    fn run_script(&mut self, text: &str, source: &str) -> Result<Flow, Error> {
        // A closed output pipe (`jaanch < script.sql | head`) is the reader having had enough,
        // not a failure of the script: it stays recognisable so that the shell ends quietly.
        let fail = |line: usize, error: Error| {
            if error.is_broken_pipe() {
                error
            } else {
                Error::Query(format!("{source}:{line}: {error}"))
            }
        };
        let mut buffer = String::new();
        let mut buffer_line = 1;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if buffer.trim().is_empty() && line.trim_start().starts_with('\\') {
                buffer.clear();
                let meta = meta::parse(line).map_err(|e| fail(number, Error::Query(e.0)))?;
                if self.meta(meta).map_err(|e| fail(number, e))? == Flow::Quit {
                    return Ok(Flow::Quit);
                }
                continue;
            }
            if buffer.trim().is_empty() {
                buffer.clear();
                buffer_line = number;
            }
            buffer.push_str(line);
            buffer.push('\n');
            if !split_statements(&buffer).incomplete {
                let sql = std::mem::take(&mut buffer);
                self.sql(&sql)
                    .map_err(|f| fail(buffer_line + f.line - 1, f.error))?;
            }
        }
        if !buffer.trim().is_empty() {
            self.sql(&buffer)
                .map_err(|f| fail(buffer_line + f.line - 1, f.error))?;
        }
        Ok(Flow::Continue)
    }

    /// Runs SQL statements, printing each result. At a terminal, Ctrl-C cancels them.
    fn sql(&mut self, sql: &str) -> Result<(), ScriptError> {
        self.run_job(Job::Sql(sql))
    }

    /// Runs a job to the current sink, with progress and cancellation at a terminal.
    fn run_job(&mut self, job: Job<'_>) -> Result<(), ScriptError> {
        let interactive = self.interactive;
        let timing = self.timing;
        let slot = Arc::new(PlanSlot::default());
        let spinner = (interactive && std::io::stderr().is_terminal())
            .then(|| progress::Spinner::start(self.runtime.handle(), Arc::clone(&slot)));
        let mut options = self.options.clone();
        if interactive && matches!(self.sink, Sink::Stdout) && std::io::stdout().is_terminal() {
            options.max_width = terminal_size::terminal_size().map(|(w, _)| w.0);
        }
        let lake = self.lake;
        let result = match &mut self.sink {
            Sink::Stdout => {
                let mut out = progress::ClearOnWrite::new(std::io::stdout(), spinner.as_ref());
                let footer = |outcome: &Outcome| {
                    if interactive {
                        print_footer(&mut std::io::stdout(), outcome, None, timing);
                    }
                };
                let run = run_job(lake, job, &options, &mut out, &slot, footer);
                self.runtime.block_on(cancellable(run, interactive))
            }
            Sink::Text(file) => {
                options.format = file.writer_format();
                options.max_rows = None;
                options.max_width = None;
                options.expanded = false;
                let path = file.path().to_path_buf();
                let result_ended = file.result_end_signal();
                let footer = |outcome: &Outcome| {
                    result_ended.store(true, std::sync::atomic::Ordering::Relaxed);
                    if interactive {
                        print_footer(&mut std::io::stdout(), outcome, Some(&path), timing);
                    }
                };
                let run = run_job(lake, job, &options, file, &slot, footer);
                let result = self.runtime.block_on(cancellable(run, interactive));
                let ended = file.end_statements();
                result.and(ended.map_err(|error| ScriptError { line: 1, error }))
            }
            Sink::Binary { path, format } => {
                options.format = *format;
                let path = path.clone();
                self.runtime.block_on(cancellable(
                    write_binary(
                        lake,
                        job,
                        &options,
                        &path,
                        &slot,
                        interactive.then_some(timing),
                    ),
                    interactive,
                ))
            }
        };
        if let Some(spinner) = spinner {
            spinner.stop();
        }
        result
    }

    fn meta(&mut self, meta: Meta) -> Result<Flow, Error> {
        match meta {
            Meta::Help => show(&meta::help()),
            Meta::Quit => return Ok(Flow::Quit),
            Meta::Describe(None) => self.list_tables(None)?,
            Meta::Describe(Some(table)) => self.describe_table(&table)?,
            Meta::Tables(pattern) => self.list_tables(pattern.as_deref())?,
            Meta::Functions(pattern) => self.functions(pattern.as_deref())?,
            Meta::Reports => {
                let reports = reports::catalog(self.lake)?;
                self.print_listing(super::report::listing(&reports))?;
            }
            Meta::RunReport(arguments) => {
                let report = reports::find(self.lake, &arguments[0])?;
                let values = reports::parse_assignments(&arguments[1..])?;
                let plan = self.runtime.block_on(report.plan(self.lake, &values))?;
                self.run_job(Job::Plan(plan))
                    .map_err(|failure| failure.error)?;
            }
            Meta::Include(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Error::Query(format!("{path}: {}", crate::config::io_reason(&e)))
                })?;
                return self.run_script(&text, &path);
            }
            Meta::Output(target) => self.set_output(target.as_deref())?,
            Meta::Timing(setting) => {
                self.timing = setting.unwrap_or(!self.timing);
                self.say(&format!(
                    "timing is {}",
                    if self.timing { "on" } else { "off" }
                ));
            }
            Meta::Format(name) => {
                let format: OutputFormat = name.parse().map_err(Error::Query)?;
                if format.is_binary() {
                    return Err(Error::Query(format!(
                        "{format} is binary and cannot go to the terminal: use \\o FILE.{format}"
                    )));
                }
                self.options.format = format;
                self.say(&format!("format is {format}"));
            }
            Meta::Expanded => {
                self.options.expanded = !self.options.expanded;
                let state = if self.options.expanded { "on" } else { "off" };
                self.say(&format!("expanded output is {state}"));
            }
            Meta::MaxRows(limit) => {
                self.options.max_rows = limit;
                match limit {
                    Some(n) => self.say(&format!("showing at most {n} rows")),
                    None => self.say("showing all rows"),
                }
            }
        }
        Ok(Flow::Continue)
    }

    /// A confirmation of a setting: shown at the terminal, not in script output.
    fn say(&self, text: &str) {
        if self.interactive {
            show(&format!("{text}\n"));
        }
    }

    fn set_output(&mut self, target: Option<&str>) -> Result<(), Error> {
        let Some(target) = target else {
            self.sink = Sink::Stdout;
            self.say("results go to the terminal");
            return Ok(());
        };
        let path = PathBuf::from(target);
        let format = OutputFormat::from_extension(&path).unwrap_or(self.options.format);
        // The file in use is closed before another one is started, or the same one emptied.
        drop(std::mem::replace(&mut self.sink, Sink::Stdout));
        self.sink = if format.is_binary() {
            Sink::Binary { path, format }
        } else {
            Sink::Text(ResultFile::create(path, format)?)
        };
        self.say(&format!("results go to {target} as {format}"));
        Ok(())
    }

    /// Prints a small listing (tables, columns, functions) as a table at the terminal.
    fn print_listing(&self, batch: arrow::array::RecordBatch) -> Result<(), Error> {
        let mut options = PrintOptions::new(if self.options.format.is_binary() {
            OutputFormat::Table
        } else {
            self.options.format
        });
        options.expanded = self.options.expanded;
        if self.interactive && std::io::stdout().is_terminal() {
            options.max_width = terminal_size::terminal_size().map(|(w, _)| w.0);
        }
        let mut stdout = std::io::stdout();
        let summary = write_batches(&options, batch.schema(), &[batch], &mut stdout)
            .map_err(crate::exec::output_error)?;
        if summary.hidden_columns > 0 {
            show(&format!(
                "{}\n",
                hidden_columns_note(summary.hidden_columns)
            ));
        }
        Ok(())
    }

    fn list_tables(&self, pattern: Option<&str>) -> Result<(), Error> {
        let tables = describe::matching_tables(self.lake, pattern);
        if tables.is_empty() {
            show(&format!(
                "no tables match {:?}\n",
                pattern.unwrap_or_default()
            ));
            return Ok(());
        }
        self.print_listing(describe::text_batch(&[
            (
                "table",
                tables.iter().map(|t| Some(t.name.clone())).collect(),
            ),
            (
                "format",
                tables.iter().map(|t| Some(t.format.clone())).collect(),
            ),
            (
                "location",
                tables.iter().map(|t| t.location.clone()).collect(),
            ),
            (
                "description",
                tables.iter().map(|t| t.description.clone()).collect(),
            ),
        ]))
    }

    fn describe_table(&self, name: &str) -> Result<(), Error> {
        let (table, columns) = self.runtime.block_on(describe::describe(self.lake, name))?;
        let mut heading = table.name.clone();
        if let Some(description) = &table.description {
            heading.push_str(&format!(" — {description}"));
        }
        match &table.location {
            Some(location) => heading.push_str(&format!(" ({} at {location})", table.format)),
            None => heading.push_str(&format!(" ({})", table.format)),
        }
        show(&format!("{heading}\n"));
        self.print_listing(describe::text_batch(&[
            (
                "column",
                columns.iter().map(|c| Some(c.name.clone())).collect(),
            ),
            (
                "type",
                columns.iter().map(|c| Some(c.data_type.clone())).collect(),
            ),
            (
                "nullable",
                columns
                    .iter()
                    .map(|c| Some(if c.nullable { "yes" } else { "no" }.to_string()))
                    .collect(),
            ),
            (
                "description",
                columns.iter().map(|c| c.description.clone()).collect(),
            ),
        ]))
    }

    fn functions(&self, pattern: Option<&str>) -> Result<(), Error> {
        let functions = describe::functions(self.lake, pattern);
        if let Some(name) = pattern
            && let Some(exact) = functions.iter().find(|f| f.name.eq_ignore_ascii_case(name))
        {
            show(&function_detail(exact));
            return Ok(());
        }
        if functions.is_empty() {
            show(&format!(
                "no function matches {:?} (\\df lists the police functions, \\df * all)\n",
                pattern.unwrap_or_default()
            ));
            return Ok(());
        }
        self.print_listing(describe::text_batch(&[
            (
                "function",
                functions.iter().map(|f| Some(f.name.clone())).collect(),
            ),
            (
                "kind",
                functions.iter().map(|f| Some(f.kind.to_string())).collect(),
            ),
            (
                "description",
                functions.iter().map(|f| Some(f.summary())).collect(),
            ),
        ]))
    }
}

/// Writes text to standard output; a closed pipe is not an error worth reporting here.
fn show(text: &str) {
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// `\df NAME`: description, syntax, arguments and example of one function.
fn function_detail(function: &describe::FunctionEntry) -> String {
    let mut out = format!("{} ({} function)\n", function.name, function.kind);
    let Some(doc) = &function.documentation else {
        out.push_str("  (no documentation)\n");
        return out;
    };
    out.push_str(&format!("\n  {}\n", doc.description.trim()));
    out.push_str(&format!("\nSyntax:\n  {}\n", doc.syntax_example));
    if let Some(arguments) = &doc.arguments {
        out.push_str("\nArguments:\n");
        for (name, description) in arguments {
            out.push_str(&format!("  {name}: {description}\n"));
        }
    }
    if let Some(example) = &doc.sql_example {
        out.push_str("\nExample:\n");
        for line in example
            .lines()
            .filter(|l| !l.trim_start().starts_with("```"))
        {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// Runs `work`; at a terminal, Ctrl-C cancels it (dropping the future stops the query).
async fn cancellable<F>(work: F, interactive: bool) -> Result<(), ScriptError>
where
    F: Future<Output = Result<(), ScriptError>>,
{
    if !interactive {
        return work.await;
    }
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(ScriptError { line: 1, error: Error::Query("cancelled".into()) }),
    }
}

/// Work for the shell to run: SQL text, or a planned report.
enum Job<'s> {
    Sql(&'s str),
    Plan(LogicalPlan),
}

async fn run_job(
    lake: &Lake,
    job: Job<'_>,
    options: &PrintOptions,
    out: &mut (dyn Write + Send),
    slot: &PlanSlot,
    mut on_outcome: impl FnMut(&Outcome),
) -> Result<(), ScriptError> {
    match job {
        Job::Sql(sql) => run_script(lake, sql, options, out, Some(slot), on_outcome).await,
        Job::Plan(plan) => {
            let outcome = run_plan(lake, plan, options, out, Some(slot))
                .await
                .map_err(|error| ScriptError { line: 1, error })?;
            on_outcome(&outcome);
            Ok(())
        }
    }
}

/// Each result replaces a binary output file, which appears only when complete. With
/// `footer_timing` (at a terminal) a footer follows, with the elapsed time if it is true.
async fn write_binary(
    lake: &Lake,
    job: Job<'_>,
    options: &PrintOptions,
    path: &Path,
    slot: &PlanSlot,
    footer_timing: Option<bool>,
) -> Result<(), ScriptError> {
    let at = |error| ScriptError { line: 1, error };
    let mut file = OutputFile::create(path).map_err(at)?;
    let mut last = None;
    run_job(lake, job, options, &mut file, slot, |outcome| {
        last = Some(*outcome)
    })
    .await?;
    file.commit().map_err(at)?;
    if let (Some(outcome), Some(timing)) = (last, footer_timing) {
        print_footer(&mut std::io::stdout(), &outcome, Some(path), timing);
    }
    Ok(())
}

fn print_footer(out: &mut dyn Write, outcome: &Outcome, file: Option<&Path>, timing: bool) {
    let Some(Summary {
        rows,
        shown,
        hidden_columns,
    }) = outcome.summary
    else {
        return;
    };
    let mut line = format!("{rows} row{}", if rows == 1 { "" } else { "s" });
    if shown < rows {
        line.push_str(&format!(" ({shown} shown)"));
    }
    if hidden_columns > 0 {
        line.push_str(&format!(" · {}", hidden_columns_note(hidden_columns)));
    }
    if let Some(path) = file {
        line.push_str(&format!(" → {}", path.display()));
    }
    if timing {
        line.push_str(&format!(" · {:.3} s", outcome.elapsed.as_secs_f64()));
    }
    let _ = writeln!(out, "{line}");
}

/// The prompt of a statement's further lines: as wide as the first prompt, so that the lines
/// stay aligned (`jaanch>` then `   ...>`).
fn continuation_prompt(prompt: &str) -> String {
    let dots = "...> ";
    let pad = crate::output::display_width(prompt).saturating_sub(dots.len());
    format!("{}{dots}", " ".repeat(pad))
}

/// Tells completion the earlier lines of the statement being typed, which name its tables.
fn set_pending(editor: &mut Editor<ShellHelper, FileHistory>, pending: &str) {
    if let Some(helper) = editor.helper_mut() {
        helper.set_pending(pending);
    }
}

/// Adds an entry to the history; an earlier copy of it is dropped, so that each entry is kept
/// once, where it was last used.
fn remember(history: &mut FileHistory, entry: &str) {
    if history.iter().any(|e| e == entry) {
        let kept: Vec<String> = history.iter().filter(|e| *e != entry).cloned().collect();
        let _ = history.clear();
        for e in kept {
            let _ = history.add_owned(e);
        }
    }
    let _ = history.add(entry);
}

fn hidden_columns_note(hidden: usize) -> String {
    format!(
        "{hidden} column{} left out (\\x shows all)",
        if hidden == 1 { "" } else { "s" }
    )
}

/// History lives in the user's data directory, never in the working directory.
fn history_file() -> Option<PathBuf> {
    let dir = dirs::data_dir()?.join("jaanch");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}
