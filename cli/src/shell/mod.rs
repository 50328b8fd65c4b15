//! The interactive shell: the analyst's daily tool.
//!
//! One loop serves the terminal and scripts: input is either a meta-command (a line starting
//! with `\`) or SQL, and SQL runs through the session like every other front end's. At a
//! terminal the editor completes names, keeps history in the user's data directory, shows a
//! progress line for slow queries and lets Ctrl-C cancel them. From a pipe
//! (`jaanch < script.sql`) there is no prompt or decoration, and the first error stops the
//! script, naming its line.

mod complete;
#[cfg(test)]
mod fuzz;
mod meta;
mod progress;
mod remote;

pub use remote::Remote;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jaanch::describe::{self, FunctionEntry};
use jaanch::output::chart::ChartSpec;
use jaanch::output::html::Page;
use jaanch::output::{OutputFormat, PrintOptions, ResultFile, Summary};
use jaanch::{Outcome, Session, reports};
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{Config, Editor};
use tokio::runtime::Runtime;

use self::complete::ShellHelper;
use self::meta::Meta;
use crate::listing::{self, hidden_columns_note};
use crate::run::{PlanSlot, Printer, Sink, run_script};
use crate::{CliError, Result};

/// Rows a table result shows at the terminal unless `\maxrows` says otherwise.
const DEFAULT_MAX_ROWS: usize = 40;

/// The name of standard input in errors.
const STDIN: &str = "<stdin>";

/// The name of what is typed at the terminal, in errors.
const INPUT: &str = "<input>";

/// What to do after a command.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// Where results go: the terminal, or a file chosen with `\o`.
enum Output {
    Stdout,
    /// Text results gather in the file, which stays valid.
    Document(ResultFile),
    /// Each result replaces the file: Parquet and HTML hold one result.
    EachResult {
        path: PathBuf,
        format: OutputFormat,
    },
}

pub struct Shell<'a> {
    /// Parses, completes and describes; runs the statements unless they go to a server.
    session: &'a Session,
    /// The server statements and reports run on (`jaanch shell --server`).
    remote: Option<&'a Remote>,
    runtime: &'a Runtime,
    options: PrintOptions,
    /// Show elapsed times: in the footer at a terminal, as a `Time:` line from a pipe.
    timing: bool,
    output: Output,
    /// At a terminal: progress, Ctrl-C, footers, fitted tables.
    interactive: bool,
}

/// Runs the shell: interactive at a terminal, a script when standard input is a pipe.
pub fn run(session: &Session, runtime: &Runtime) -> Result<()> {
    run_with(session, None, runtime)
}

/// Runs the shell on a server: `session` (of an empty lake) parses and completes here.
pub fn run_remote(remote: &Remote, session: &Session, runtime: &Runtime) -> Result<()> {
    run_with(session, Some(remote), runtime)
}

fn run_with(session: &Session, remote: Option<&Remote>, runtime: &Runtime) -> Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let mut shell = Shell::new(session, runtime, interactive);
    shell.remote = remote;
    if interactive {
        return shell.interact();
    }
    shell.run_script(&crate::read_stdin()?, STDIN)?;
    Ok(())
}

/// Work for the shell to run: SQL text starting at a line of its source, or a saved report.
enum Job<'s> {
    Sql {
        text: &'s str,
        first_line: usize,
        file: &'s str,
    },
    Report {
        name: &'s str,
        values: Vec<(String, String)>,
    },
}

impl<'a> Shell<'a> {
    fn new(session: &'a Session, runtime: &'a Runtime, interactive: bool) -> Self {
        let mut options = PrintOptions::new(OutputFormat::Table);
        if interactive {
            options.max_rows = Some(DEFAULT_MAX_ROWS);
        }
        Self {
            session,
            remote: None,
            runtime,
            options,
            timing: interactive,
            output: Output::Stdout,
            interactive,
        }
    }

    fn interact(&mut self) -> Result<()> {
        let editor_error = |e: ReadlineError| CliError::Shell(format!("cannot read input: {e}"));
        let config = Config::builder()
            .history_ignore_dups(true)
            .map_err(editor_error)?
            .history_ignore_space(true)
            .auto_add_history(false)
            .completion_type(rustyline::CompletionType::List)
            .build();
        let mut helper = ShellHelper::new(self.session, self.runtime.handle().clone());
        if let Some(remote) = self.remote {
            helper.know_tables(remote.columns());
        }
        let history_config = config.clone();
        let mut editor: Editor<ShellHelper, FileHistory> =
            Editor::with_config(config).map_err(editor_error)?;
        editor.set_helper(Some(helper));
        let history = history_file();
        if let Some(path) = &history {
            // A missing or unreadable history is not worth stopping for.
            let _ = editor.load_history(path);
        }
        let prompt = match self.remote {
            Some(remote) => {
                show(&remote_banner(remote));
                "server> ".to_string()
            }
            None => {
                show(&banner(self.session));
                format!("{}> ", self.session.lake().name())
            }
        };
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
                Err(e) => return Err(editor_error(e)),
            };
            let entry = if pending.is_empty() && line.trim_start().starts_with('\\') {
                line.trim().to_string()
            } else {
                if pending.is_empty() && line.trim().is_empty() {
                    continue;
                }
                pending.push_str(&line);
                pending.push('\n');
                if !self.session.is_complete(&pending) {
                    set_pending(&mut editor, &pending);
                    continue;
                }
                set_pending(&mut editor, "");
                std::mem::take(&mut pending).trim().to_string()
            };
            remember(editor.history_mut(), &entry);
            if let Some(path) = &history {
                // Saved after every entry: a crash or a closed terminal loses nothing.
                let _ = save_shared(path, &history_config, &entry);
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
    fn handle(&mut self, entry: &str) -> Result<Flow> {
        if entry.starts_with('\\') {
            return self.meta(meta::parse(entry)?);
        }
        let ran = self.run_job(Job::Sql {
            text: entry,
            first_line: 1,
            file: INPUT,
        });
        match ran {
            // The entry is on screen: its error needs no line of it.
            Err(CliError::Script { file, error, .. }) if file == INPUT => Err(*error),
            other => other.map(|()| Flow::Continue),
        }
    }

    /// Runs a script's meta-commands and statements in order; stops at the first failure and
    /// names `file` and the line.
    fn run_script(&mut self, text: &str, file: &str) -> Result<Flow> {
        let mut buffer = String::new();
        let mut buffer_line = 1;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if buffer.trim().is_empty() && line.trim_start().starts_with('\\') {
                buffer.clear();
                let flow = meta::parse(line)
                    .and_then(|meta| self.meta(meta))
                    .map_err(|e| e.at(file, number))?;
                if flow == Flow::Quit {
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
            if self.session.is_complete(&buffer) {
                let sql = std::mem::take(&mut buffer);
                self.run_sql_of_script(&sql, buffer_line, file)?;
            }
        }
        if !buffer.trim().is_empty() {
            self.run_sql_of_script(&buffer, buffer_line, file)?;
        }
        Ok(Flow::Continue)
    }

    fn run_sql_of_script(&mut self, text: &str, first_line: usize, file: &str) -> Result<()> {
        self.run_job(Job::Sql {
            text,
            first_line,
            file,
        })
    }

    /// Runs a job to the current output, with progress and cancellation at a terminal.
    fn run_job(&mut self, job: Job<'_>) -> Result<()> {
        let interactive = self.interactive;
        let timing = self.timing;
        let slot = Arc::new(PlanSlot::default());
        let spinner = (interactive && std::io::stderr().is_terminal())
            .then(|| progress::Spinner::start(self.runtime.handle(), Arc::clone(&slot)));
        let mut options = self.options.clone();
        if interactive && matches!(self.output, Output::Stdout) && std::io::stdout().is_terminal() {
            options.max_width = listing::terminal_width();
        }
        let file = match &self.output {
            Output::Stdout => None,
            Output::Document(document) => Some(document.path().to_path_buf()),
            Output::EachResult { path, .. } => Some(path.clone()),
        };
        let mut stdout = progress::ClearOnWrite::new(std::io::stdout(), spinner.as_ref());
        let sink = match &mut self.output {
            Output::Stdout => Sink::Stream(&mut stdout),
            Output::Document(document) => Sink::Document(document),
            Output::EachResult { path, format } => {
                options.format = *format;
                Sink::File(path.clone())
            }
        };
        let printer = Printer {
            progress: Some(&slot),
            ..Printer::new(options, sink)
        };
        let footer = |outcome: &Outcome| {
            if interactive {
                print_footer(outcome, file.as_deref(), timing);
            } else if timing {
                println!("Time: {:.3} s", outcome.elapsed.as_secs_f64());
            }
        };
        let (session, remote) = (self.session, self.remote);
        let result = self.runtime.block_on(cancellable(
            run_statements(session, remote, job, printer, footer),
            interactive,
        ));
        if let Some(spinner) = spinner {
            spinner.stop();
        }
        // A result cut short leaves the file complete all the same.
        if let Output::Document(file) = &mut self.output {
            file.end()?;
        }
        result
    }

    fn meta(&mut self, meta: Meta) -> Result<Flow> {
        match meta {
            Meta::Help => show(&meta::help()),
            Meta::Quit => return Ok(Flow::Quit),
            Meta::Describe(None) => self.list_tables(None)?,
            Meta::Describe(Some(table)) => self.describe_table(&table)?,
            Meta::Tables(pattern) => self.list_tables(pattern.as_deref())?,
            Meta::Functions(pattern) => self.functions(pattern.as_deref())?,
            Meta::Reports if self.remote.is_some() => {
                let remote = self.remote.expect("matched a remote");
                for batch in self.runtime.block_on(remote.reports())? {
                    self.print_listing(&batch)?;
                }
            }
            Meta::Reports => {
                let catalog = self.session.reports();
                self.print_listing(&crate::report::table(&catalog.reports))?;
            }
            Meta::RunReport(arguments) => {
                let values = reports::parse_assignments(&arguments[1..])?;
                self.run_job(Job::Report {
                    name: &arguments[0],
                    values,
                })?;
            }
            Meta::Include(path) => {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| jaanch::Error::reading(&path, e))?;
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
            Meta::Format(format) => {
                if format.is_binary() {
                    return Err(CliError::Shell(format!(
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
            Meta::Purpose(Some(text)) => {
                match self.remote {
                    Some(remote) => self.runtime.block_on(remote.set_purpose(&text)),
                    None => self.session.set_purpose(&text),
                }
                self.say(&format!("purpose is {text}"));
            }
            Meta::AsOf(setting) => self.as_of(setting)?,
            Meta::History(table, limit) => {
                let limit = limit.map(|n| format!(", {n}")).unwrap_or_default();
                let text = format!("CALL history('{}'{limit})", table.replace('\'', "''"));
                self.run_job(Job::Sql {
                    text: &text,
                    first_line: 1,
                    file: "\\history",
                })?;
            }
            Meta::Purpose(None) => match self.remote.and_then(Remote::purpose) {
                Some(purpose) => show(&format!("purpose is {purpose}\n")),
                None if self.remote.is_some() => show("no purpose stated\n"),
                None => show(&format!("{}\n", purpose_status(self.session))),
            },
        }
        Ok(Flow::Continue)
    }

    /// `\asof`: reads Delta tables as of a moment or version, or the latest again; without an
    /// argument, says which.
    fn as_of(&mut self, setting: Option<meta::AsOf>) -> Result<()> {
        let pin = match setting {
            None => {
                let current = match self.remote {
                    Some(remote) => remote.as_of(),
                    None => self.session.as_of().map(|p| p.to_string()),
                };
                match current {
                    Some(pin) => show(&format!("Delta tables are read as of {pin}\n")),
                    None => show("Delta tables are read at their latest versions\n"),
                }
                return Ok(());
            }
            Some(meta::AsOf::Latest) => None,
            Some(meta::AsOf::Pin(text)) => Some(
                jaanch::delta::Pin::parse(&text)
                    .map_err(|problem| CliError::Shell(format!("\\asof: {problem}")))?,
            ),
        };
        match self.remote {
            Some(remote) => self
                .runtime
                .block_on(remote.set_as_of(pin.map(|p| p.suffix()).as_deref())),
            None => self.session.set_as_of(pin),
        }
        match pin {
            Some(pin) => self.say(&format!("Delta tables are read as of {pin}")),
            None => self.say("Delta tables are read at their latest versions"),
        }
        Ok(())
    }

    /// A confirmation of a setting: shown at the terminal, not in script output.
    fn say(&self, text: &str) {
        if self.interactive {
            show(&format!("{text}\n"));
        }
    }

    fn set_output(&mut self, target: Option<&str>) -> Result<()> {
        let Some(target) = target else {
            self.output = Output::Stdout;
            self.say("results go to the terminal");
            return Ok(());
        };
        let path = PathBuf::from(target);
        let format = OutputFormat::from_extension(&path).unwrap_or(self.options.format);
        // The file in use is closed before another one is started, or the same one emptied.
        drop(std::mem::replace(&mut self.output, Output::Stdout));
        self.output = if format.holds_one_result() {
            Output::EachResult { path, format }
        } else {
            Output::Document(ResultFile::create(path, format)?)
        };
        self.say(&format!("results go to {target} as {format}"));
        Ok(())
    }

    /// Prints a small listing (tables, columns, functions): fitted to the terminal, or plain
    /// when piped, unless `\format` chose a format.
    fn print_listing(&self, batch: &arrow::array::RecordBatch) -> Result<()> {
        let format = match self.options.format {
            OutputFormat::Table => None,
            other => Some(other),
        };
        let hidden = listing::print(batch, format, self.options.expanded)?;
        if hidden > 0 {
            show(&format!("{}\n", hidden_columns_note(hidden)));
        }
        Ok(())
    }

    fn list_tables(&self, pattern: Option<&str>) -> Result<()> {
        if let Some(remote) = self.remote {
            let tables = remote.matching_tables(pattern);
            return self.print_listing(&describe::text_batch(&[(
                "table",
                tables.iter().map(|(name, _)| Some(name.clone())).collect(),
            )]));
        }
        let tables = self.session.matching_tables(pattern);
        if tables.is_empty() {
            show(&format!(
                "no tables match {:?}\n",
                pattern.unwrap_or_default()
            ));
            return Ok(());
        }
        // A Delta table's current version, read from its log (a problem is shown, not fatal).
        let versions: Vec<Option<String>> = tables
            .iter()
            .map(|t| {
                if t.format != "delta" {
                    return None;
                }
                Some(
                    match self.runtime.block_on(self.session.latest_version(&t.name)) {
                        Ok(Some((version, at))) => {
                            format!("v{version} ({})", jaanch::delta::show_moment(&at))
                        }
                        Ok(None) => String::new(),
                        Err(error) => format!("unreadable: {error}"),
                    },
                )
            })
            .collect();
        let mut columns = vec![
            (
                "table",
                tables.iter().map(|t| Some(t.name.clone())).collect(),
            ),
            (
                "format",
                tables.iter().map(|t| Some(t.format.clone())).collect(),
            ),
        ];
        if versions.iter().any(Option::is_some) {
            columns.push(("version", versions));
        }
        columns.push((
            "location",
            tables.iter().map(|t| t.location.clone()).collect(),
        ));
        columns.push((
            "description",
            tables.iter().map(|t| t.description.clone()).collect(),
        ));
        self.print_listing(&describe::text_batch(&columns))
    }

    fn describe_table(&self, name: &str) -> Result<()> {
        if let Some(remote) = self.remote {
            let Some((table, schema)) = remote.table(name) else {
                return Err(CliError::Shell(format!(
                    "table {name} not found (\\dt lists the tables you may read on the server)"
                )));
            };
            show(&format!("{table} (on {})\n", remote.url));
            let fields = schema.fields();
            return self.print_listing(&describe::text_batch(&[
                (
                    "column",
                    fields.iter().map(|f| Some(f.name().clone())).collect(),
                ),
                (
                    "type",
                    fields
                        .iter()
                        .map(|f| Some(f.data_type().to_string()))
                        .collect(),
                ),
                (
                    "nullable",
                    fields
                        .iter()
                        .map(|f| Some(if f.is_nullable() { "yes" } else { "no" }.to_string()))
                        .collect(),
                ),
            ]));
        }
        let (table, columns) = self.runtime.block_on(self.session.describe(name))?;
        let mut heading = table.name.clone();
        if let Some(description) = &table.description {
            heading.push_str(&format!(" — {description}"));
        }
        match &table.location {
            Some(location) => heading.push_str(&format!(" ({} at {location})", table.format)),
            None => heading.push_str(&format!(" ({})", table.format)),
        }
        show(&format!("{heading}\n"));
        self.print_listing(&describe::text_batch(&[
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

    fn functions(&self, pattern: Option<&str>) -> Result<()> {
        let functions = self.session.functions(pattern);
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
        self.print_listing(&describe::text_batch(&[
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

/// The first lines at the terminal: version, lake and the tables the session sees; on a lake
/// with access control, who the session is for.
fn banner(session: &Session) -> String {
    let lake = session.lake();
    let grant = session.grant();
    // On a lake with access control, the tables outside the grants are not counted either.
    let tables = lake
        .tables()
        .filter(|t| grant.is_none_or(|g| g.can_see(&t.config.name)))
        .count();
    let mut text = format!(
        "jaanch {} · lake {} · {tables} table{} · \\? for help, \\q to quit\n",
        env!("CARGO_PKG_VERSION"),
        lake.name(),
        if tables == 1 { "" } else { "s" },
    );
    if let Some(cluster) = session.cluster() {
        text.push_str(&format!(
            "running on the cluster {cluster} (--cluster local runs here)\n"
        ));
    }
    if let Some(grant) = grant {
        let identity = session.identity();
        text.push_str(&format!("user {} · role {}", identity.user(), grant.role()));
        match identity.purpose() {
            Some(purpose) => text.push_str(&format!(" · purpose {purpose}")),
            None if grant.requires_purpose() => {
                text.push_str(" · no purpose stated: \\purpose TEXT before querying");
            }
            None => {}
        }
        text.push('\n');
    }
    text
}

/// The first lines at the terminal, on a server.
fn remote_banner(remote: &Remote) -> String {
    let tables = remote.tables.len();
    let mut text = format!(
        "jaanch {} · server {} · user {} · {tables} table{} · \\? for help, \\q to quit\n",
        env!("CARGO_PKG_VERSION"),
        remote.url,
        remote.user,
        if tables == 1 { "" } else { "s" },
    );
    if let Some(purpose) = remote.purpose() {
        text.push_str(&format!("purpose {purpose}\n"));
    }
    text
}

/// What `\purpose` says without an argument: the purpose stated, or that none is, and whether
/// the user's role requires one.
fn purpose_status(session: &Session) -> String {
    if let Some(purpose) = session.identity().purpose() {
        return format!("purpose is {purpose}");
    }
    match session.grant() {
        Some(grant) if grant.requires_purpose() => format!(
            "no purpose stated; role {} requires one before any query: \\purpose TEXT (an FIR or case number)",
            grant.role()
        ),
        Some(grant) => format!(
            "no purpose stated (role {} does not require one)",
            grant.role()
        ),
        None => "no purpose stated (none is required: the lake has no access control)".to_string(),
    }
}

/// Runs a job's statements, printing each result; `on_outcome` is told of each.
async fn run_statements(
    session: &Session,
    remote: Option<&Remote>,
    job: Job<'_>,
    mut printer: Printer<'_>,
    mut on_outcome: impl FnMut(&Outcome),
) -> Result<()> {
    match (job, remote) {
        (
            Job::Sql {
                text,
                first_line,
                file,
            },
            Some(remote),
        ) => {
            let script = session
                .script_at(text, first_line)
                .map_err(|e| located_syntax_error(e, file))?;
            for statement in script.statements() {
                let at = |error: CliError| error.at(file, statement.line);
                let text = statement.text();
                printer.describe(|| Page::for_query(&text));
                let result = remote.sql(&text).await.map_err(at)?;
                let outcome = printer.print(result).await.map_err(|e| at(e.into()))?;
                on_outcome(&outcome);
            }
            Ok(())
        }
        (
            Job::Sql {
                text,
                first_line,
                file,
            },
            None,
        ) => {
            let script = session
                .script_at(text, first_line)
                .map_err(|e| located_syntax_error(e, file))?;
            run_script(session, &script, &mut printer, file, on_outcome).await
        }
        (Job::Report { name, values }, Some(remote)) => {
            // The server lists each report's hints; its chart is drawn here, as for a local one.
            let hints = remote.report_hints(name).await?;
            printer.describe(|| Page::for_listed_report(name, &values, &hints));
            let result = remote.report(name, &values).await?;
            let chart = ChartSpec::from_hints(&hints)
                .filter(|_| printer.options.format == OutputFormat::Table);
            let outcome = printer
                .print_charted(result, chart.as_ref(), crate::run::chart_width())
                .await?;
            on_outcome(&outcome);
            Ok(())
        }
        (Job::Report { name, values }, None) => {
            let (report, result) = session.report_and_header(name, &values).await?;
            printer.describe(|| Page::for_report(&report, &values).about(session));
            // A table on the screen gets the report's chart under it.
            let chart = report
                .chart()
                .filter(|_| printer.options.format == OutputFormat::Table);
            let outcome = printer
                .print_charted(result, chart.as_ref(), crate::run::chart_width())
                .await?;
            on_outcome(&outcome);
            Ok(())
        }
    }
}

/// A script's syntax error, at its line of `file`.
fn located_syntax_error(error: jaanch::Error, file: &str) -> CliError {
    match &error {
        jaanch::Error::Syntax { line, .. } => {
            let line = *line;
            CliError::from(error).at(file, line)
        }
        _ => error.into(),
    }
}

/// Writes text to standard output; a closed pipe is not an error worth reporting here.
fn show(text: &str) {
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// `\df NAME`: description, syntax, arguments and example of one function.
fn function_detail(function: &FunctionEntry) -> String {
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
async fn cancellable<F>(work: F, interactive: bool) -> Result<()>
where
    F: Future<Output = Result<()>>,
{
    if !interactive {
        return work.await;
    }
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(jaanch::Error::Cancelled.into()),
    }
}

fn print_footer(outcome: &Outcome, file: Option<&std::path::Path>, timing: bool) {
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
    show(&format!("{line}\n"));
}

/// The prompt of a statement's further lines: as wide as the first prompt, so that the lines
/// stay aligned (`jaanch>` then `   ...>`).
fn continuation_prompt(prompt: &str) -> String {
    let dots = "...> ";
    let pad = jaanch::output::display_width(prompt).saturating_sub(dots.len());
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

/// Adds `entry` to the history file every shell of the user shares: under a lock, to the file
/// as the other shells left it, written whole to a temporary file and renamed over it. So two
/// shells open at once keep both their entries (each saving its own list would drop the
/// other's), and a shell starting meanwhile reads the old file or the new one, never half.
/// `config` is the editor's (the history's length, duplicates).
fn save_shared(path: &Path, config: &Config, entry: &str) -> rustyline::Result<()> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_extension("lock"))?;
    lock.lock()?;
    let mut shared = FileHistory::with_config(config);
    // A missing or unreadable file starts afresh.
    let _ = shared.load(path);
    remember(&mut shared, entry);
    let temporary = path.with_extension("tmp");
    shared.save(&temporary)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}

/// History lives in the user's data directory, never in the working directory.
fn history_file() -> Option<PathBuf> {
    let dir = dirs::data_dir()?.join("jaanch");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}
