//! The shell driven in a real pseudo-terminal: completion, Ctrl-C, multi-line input,
//! meta-commands, errors and history.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, NullArray, RecordBatch, StringArray};
use rexpect::session::PtySession;

use crate::common::{FixtureLake, jaanch, stderr, stdout};

const TIMEOUT_MS: u64 = 30_000;

/// What the line editor prints when Enter hands it a finished line: bracketed paste off.
const LINE_ACCEPTED: &str = "\x1b[?2004l";

/// Columns of the pseudo-terminal unless a test asks for another width.
const COLUMNS: u16 = 120;

pub(crate) struct ShellSession {
    session: PtySession,
    prompt: String,
    /// The lines the shell printed before its first prompt.
    banner: Vec<String>,
}

impl ShellSession {
    fn start(fixture: &FixtureLake) -> Self {
        Self::start_with(fixture, COLUMNS, &[])
    }

    fn start_with_width(fixture: &FixtureLake, columns: u16) -> Self {
        Self::start_with(fixture, columns, &[])
    }

    /// Starts the shell with `args` in a terminal `columns` wide: `stty` sets the size the
    /// shell reads.
    fn start_with(fixture: &FixtureLake, columns: u16, args: &[&str]) -> Self {
        let mut jaanch = jaanch(fixture.dir.path());
        jaanch.arg("--lake").arg(fixture.config_path()).args(args);
        let name = fixture
            .dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        Self::spawn(&jaanch, columns, format!("{name}> "))
    }

    /// Starts `jaanch` (a command line of the shell) in a terminal `columns` wide, and waits
    /// for its banner and its first `prompt`.
    pub(crate) fn spawn(jaanch: &Command, columns: u16, prompt: String) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("stty cols {columns} rows 50 && exec \"$0\" \"$@\""))
            .arg(jaanch.get_program())
            .args(jaanch.get_args())
            .env("TERM", "xterm-256color")
            .env("COLUMNS", columns.to_string());
        for (key, value) in jaanch.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let session = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
        let mut shell = Self {
            session,
            prompt,
            banner: Vec::new(),
        };
        let mut banner = shell.expect("\\? for help");
        banner.push_str("\\? for help");
        let prompt = shell.prompt.clone();
        banner.push_str(&shell.expect(&prompt));
        shell.banner = without_escapes(&banner)
            .split("\r\n")
            .map(|line| line.trim_end().to_string())
            .filter(|line| !line.is_empty())
            .collect();
        shell
    }

    /// Waits for `text` and returns what came before it. The session reads bytes as Latin-1
    /// characters; both sides are converted so that UTF-8 (table borders) compares right.
    pub(crate) fn expect(&mut self, text: &str) -> String {
        let needle: String = text.bytes().map(char::from).collect();
        let before = self.session.exp_string(&needle).unwrap();
        let bytes: Vec<u8> = before.chars().map(|c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Sends keys without Enter.
    pub(crate) fn keys(&mut self, keys: &str) {
        self.session.send(keys).unwrap();
        self.session.flush().unwrap();
    }

    /// Sends a line and waits for the next prompt; returns what was printed in between.
    ///
    /// The editor redraws the prompt with the line as keys arrive, so a prompt seen in the
    /// output may be a redraw of keys typed before. The line editor turns bracketed paste off
    /// (`ESC [?2004l`) only when it hands over a finished line: the first prompt after that
    /// is the next one.
    pub(crate) fn run(&mut self, line: &str) -> String {
        self.session.send_line(line).unwrap();
        let mut output = self.expect(LINE_ACCEPTED);
        let prompt = self.prompt.clone();
        output.push_str(&self.expect(&prompt));
        output
    }

    /// The prompt of a statement's further lines, as wide as the first prompt.
    fn continuation(&self) -> String {
        format!("{:>width$}", "...> ", width = self.prompt.len())
    }

    /// Clears the line being typed with Ctrl-C and waits for a fresh prompt.
    fn clear_line(&mut self) {
        self.session.send_control('c').unwrap();
        let prompt = self.prompt.clone();
        self.expect(&prompt);
    }
}

/// The lines of a result as printed, from the table's top border to the footer, without the
/// editor's terminal control sequences.
fn result_lines(output: &str) -> Vec<String> {
    without_escapes(output)
        .split("\r\n")
        .skip_while(|line| !line.starts_with('┌'))
        .map(|line| line.trim_end_matches('\r').to_string())
        .filter(|line| !line.is_empty())
        .collect()
}

/// `text` without terminal control sequences (`ESC [ ... letter`).
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn tab_completes_tables_and_columns() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell.keys("SELECT count(*) AS n FROM cctns.f");
    shell.keys("\t");
    shell.expect("cctns.fir");
    shell.keys(" WHERE sectio");
    shell.keys("\t");
    shell.expect("WHERE sections");
    let output = shell.run(" IS NOT NULL;");
    assert!(output.contains("│ 3 │"), "{output}");
    assert!(output.contains("1 row"), "{output}");

    // A table named on an earlier line of the statement is in scope too.
    shell
        .session
        .send_line("SELECT count(*) AS n FROM cctns.fir")
        .unwrap();
    let continuation = shell.continuation();
    shell.expect(&continuation);
    shell.keys("WHERE registered_");
    shell.keys("\t");
    shell.expect("registered_at");
    let output = shell.run(" > '2024-02-01';");
    assert!(output.contains("│ 2 │"), "{output}");
}

#[test]
fn multi_line_statement_runs_when_terminated() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    let continuation = shell.continuation();
    assert!(continuation.ends_with(" ...> "), "{continuation:?}");
    shell.session.send_line("SELECT 40").unwrap();
    shell.expect(&continuation);
    shell.session.send_line("  + 2").unwrap();
    shell.expect(&continuation);
    shell.session.send_line("  AS answer;").unwrap();
    let output = shell.expect("1 row");
    assert!(output.contains("│     42 │"), "{output}");
    let prompt = shell.prompt.clone();
    shell.expect(&prompt);

    // Ctrl-C on a further line drops the whole statement, not only that line.
    shell.session.send_line("SELECT 'dropped'").unwrap();
    shell.expect(&continuation);
    shell.clear_line();
    let output = shell.run("SELECT 'kept' AS kept;");
    assert!(output.contains("│ kept │"), "{output}");
    assert!(!output.contains("dropped"), "{output}");
}

#[test]
fn ctrl_c_cancels_a_running_query_and_the_shell_goes_on() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell
        .session
        .send_line("SELECT count(*) FROM generate_series(1, 100000000000) AS t(v) WHERE v % 7 = 3;")
        .unwrap();
    // The progress line appears after a second, showing rows read so far.
    shell.expect("rows read");
    shell.session.send_control('c').unwrap();
    shell.expect("cancelled");
    let prompt = shell.prompt.clone();
    shell.expect(&prompt);
    let output = shell.run("SELECT 'still here' AS status;");
    assert!(output.contains("still here"), "{output}");
}

#[test]
fn error_then_working_query() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    let output = shell.run("SELECT * FROM cctns.fri;");
    assert!(
        output.contains("error: table cctns.fri not found (did you mean cctns.fir?)"),
        "{output}"
    );
    let output = shell.run("SELECT 7 AS seven;");
    assert!(output.contains("│     7 │"), "{output}");
    let output = shell.run("\\dx");
    assert!(
        output.contains("unknown command \\dx (did you mean \\d?"),
        "{output}"
    );
    // Nothing is near enough to suggest.
    let output = shell.run("\\zz");
    assert!(
        output.contains("error: unknown command \\zz (\\? lists the commands)\r\n"),
        "{output}"
    );
    let output = shell.run("\\d nope.x");
    assert!(
        output.contains("error: table nope.x not found (\\dt or SHOW TABLES lists the tables)\r\n"),
        "{output}"
    );

    let script = fixture.dir.path().join("check.sql");
    std::fs::write(
        &script,
        "SELECT 'first' AS step;\n\nSELECT nope FROM cctns.fir;\nSELECT 'third' AS step;\n",
    )
    .unwrap();
    let output = shell.run(&format!("\\i {}", script.display()));
    assert!(output.contains("first"), "{output}");
    assert!(
        !output.contains("third"),
        "stops at the first failure: {output}"
    );
    assert!(
        output.contains(&format!("error: {}:3: ", script.display())),
        "{output}"
    );
}

#[test]
fn describe_and_list_meta_commands() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    let output = shell.run("\\d abhay.anpr_reads");
    assert!(
        output.contains("Number-plate reads from ANPR cameras"),
        "{output}"
    );
    assert!(output.contains("plate_text"), "{output}");
    assert!(
        output.contains("Plate as read by the camera's OCR"),
        "{output}"
    );
    assert!(output.contains("dt "), "partition column listed: {output}");
    let output = shell.run("\\dt cctns.*");
    assert!(
        output.contains("cctns.fir") && output.contains("cctns.missing"),
        "{output}"
    );
    assert!(!output.contains("abhay.anpr_reads"), "{output}");
    let output = shell.run("\\df");
    assert!(output.contains("plate_normalize"), "{output}");
    let output = shell.run("\\df plate_normalize");
    assert!(
        output.contains("Syntax:") && output.contains("plate_normalize(plate)"),
        "{output}"
    );
}

#[test]
fn output_to_file_expanded_and_format() {
    let fixture = FixtureLake::new();
    let csv = fixture.dir.path().join("hits.csv");
    let mut shell = ShellSession::start(&fixture);
    shell.run(&format!("\\o {}", csv.display()));
    let output = shell.run("SELECT fir_id, district FROM cctns.fir ORDER BY fir_id;");
    assert!(output.contains("3 rows →"), "{output}");
    shell.run("\\o");
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "fir_id,district\n1,Jaipur\n2,Jaipur\n3,Jodhpur\n"
    );
    shell.run("\\x");
    let output = shell.run("SELECT 1 AS one, 'x' AS two;");
    assert!(output.contains("-[ RECORD 1 ]"), "{output}");
    assert!(output.contains("two | x"), "{output}");
    shell.run("\\x");
    shell.run("\\format csv");
    let output = shell.run("SELECT 5 AS five;");
    assert!(output.contains("five\r\n5"), "{output:?}");
}

#[test]
fn two_shells_at_once_keep_both_histories() {
    let fixture = FixtureLake::new();
    let shells = [ShellSession::start(&fixture), ShellSession::start(&fixture)];
    std::thread::scope(|scope| {
        for (name, mut shell) in ["a", "b"].into_iter().zip(shells) {
            scope.spawn(move || {
                for i in 0..20 {
                    shell.run(&format!("SELECT '{name}{i}' AS entry;"));
                }
                shell.session.send_line("\\q").unwrap();
                shell.session.exp_eof().unwrap();
            });
        }
    });
    let history = fixture.dir.path().join("data/jaanch/history.txt");
    let saved = std::fs::read_to_string(&history).unwrap();
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(lines[0], "#V2", "{saved}");
    for name in ["a", "b"] {
        for i in 0..20 {
            let entry = format!("SELECT '{name}{i}' AS entry;");
            assert_eq!(
                lines.iter().filter(|l| **l == entry).count(),
                1,
                "{entry} in {saved}"
            );
        }
    }
    assert_eq!(lines.len(), 1 + 40 + 1, "{saved}");
}

#[test]
fn history_survives_a_restart_without_duplicates() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell.run("SELECT 1 AS one;");
    shell.run("SELECT 'remembered' AS memo;");
    shell.run("SELECT 1 AS one;");
    shell.session.send_line("\\q").unwrap();
    shell.session.exp_eof().unwrap();
    let history = fixture.dir.path().join("data/jaanch/history.txt");
    let saved = std::fs::read_to_string(&history).unwrap();
    // An entry used again moves to the end rather than being kept twice (`\\` escapes `\`).
    assert_eq!(
        saved,
        "#V2\nSELECT 'remembered' AS memo;\nSELECT 1 AS one;\n\\\\q\n"
    );

    let mut shell = ShellSession::start(&fixture);
    // Up arrow recalls earlier entries (the last one was \q); Enter runs the recalled one.
    shell.keys("\x1b[A");
    shell.expect("\\q");
    shell.keys("\x1b[A");
    shell.expect("SELECT 1 AS one;");
    shell.keys("\x1b[A");
    shell.expect("remembered");
    let output = shell.run("");
    assert!(output.contains("│ remembered │"), "{output}");
}

#[test]
fn piped_script_has_no_decoration_and_stops_at_the_first_error() {
    let fixture = FixtureLake::new();
    let output = pipe_to_shell(
        &fixture,
        "\\format csv\nSELECT 1 AS a;\n\nSELECT *\n  FROM cctns.nope;\nSELECT 2 AS b;\n",
    );
    assert_eq!(stdout(&output), "a\n1\n");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        crate::common::stderr(&output),
        "error: <stdin>:4: table cctns.nope not found (\\dt or SHOW TABLES lists the tables)\n"
    );
}

#[test]
fn help_lists_every_meta_command() {
    let fixture = FixtureLake::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jaanch"))
        .arg("--lake")
        .arg(fixture.config_path())
        .env("HOME", fixture.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\\?\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("shell_help", stdout(&output));
}

#[test]
fn tab_completes_functions_keywords_meta_commands_reports_and_paths() {
    let fixture = FixtureLake::new();
    std::fs::write(fixture.dir.path().join("unique_export_name.csv"), "a\n1\n").unwrap();
    let mut shell = ShellSession::start(&fixture);

    shell.keys("SELECT plate_nor");
    shell.keys("\t");
    shell.expect("plate_normalize");
    let output = shell.run("('rj 14 ca 0012') AS plate;");
    assert!(output.contains("│ RJ14CA0012 │"), "{output}");

    shell.keys("sel");
    shell.keys("\t");
    shell.expect("select");
    let output = shell.run(" 'typed' AS word;");
    assert!(output.contains("│ typed │"), "{output}");

    shell.keys("\\ti");
    shell.keys("\t");
    shell.expect("\\timing");
    let output = shell.run(" off");
    assert!(output.contains("timing is off"), "{output}");

    shell.keys("\\r vehicle_hi");
    shell.keys("\t");
    shell.expect("vehicle_history");
    shell.clear_line();

    shell.keys(&format!(
        "SELECT * FROM '{}/unique_ex",
        fixture.dir.path().display()
    ));
    shell.keys("\t");
    shell.expect("unique_export_name.csv");
    shell.clear_line();
}

#[test]
fn ctrl_d_exits() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell.session.send_control('d').unwrap();
    shell.session.exp_eof().unwrap();
}

#[test]
fn footer_follows_timing_and_maxrows() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    let query = "SELECT fir_id FROM cctns.fir ORDER BY fir_id;";
    let output = shell.run(query);
    assert!(output.contains("\r\n3 rows · 0."), "{output:?}");

    let output = shell.run("\\timing off");
    assert!(output.contains("timing is off"), "{output}");
    let output = shell.run(query);
    assert_eq!(
        result_lines(&output).last().unwrap(),
        "3 rows",
        "{output:?}"
    );

    let output = shell.run("\\maxrows 2");
    assert!(output.contains("showing at most 2 rows"), "{output}");
    let output = shell.run(query);
    assert_eq!(
        result_lines(&output),
        [
            "┌────────┐",
            "│ fir_id │",
            "╞════════╡",
            "│      1 │",
            "│      2 │",
            "└────────┘",
            "3 rows (2 shown)",
        ]
    );
}

#[test]
fn no_output_line_is_wider_than_the_terminal() {
    let fixture = FixtureLake::new();
    let columns = 70;
    // Run from a file: an input line wider than the terminal would be redrawn, prompt and all.
    let script = fixture.dir.path().join("wide.sql");
    std::fs::write(
        &script,
        "SELECT *, repeat(sections, 9) AS long_sections, 'जोधपुर' AS हिंदी,\n\
         registered_at AS registered_again FROM cctns.fir ORDER BY fir_id;\n",
    )
    .unwrap();
    let mut shell = ShellSession::start_with_width(&fixture, columns);
    shell.run("\\timing off");
    let output = shell.run(&format!("\\i {}", script.display()));
    let lines = result_lines(&output);
    assert_eq!(lines.len(), 8, "{output}");
    for line in &lines {
        assert!(
            jaanch::output::display_width(line) <= columns as usize,
            "wider than {columns}: {line}\n{output}"
        );
    }
    assert_eq!(
        lines[7], "3 rows · 1 column left out (\\x shows all)",
        "{output}"
    );
    // Headers are cut like values.
    assert!(
        lines[1].starts_with("│ fir_id ┆ sections   ┆ register… ┆ district ┆ long_sec… ┆"),
        "{output}"
    );
}

/// A result wider than the terminal, as the shell prints it at 80 columns.
#[test]
fn wide_result_at_80_columns() {
    let text = |values: [&str; 3]| Arc::new(StringArray::from(values.to_vec())) as ArrayRef;
    let batch = RecordBatch::try_from_iter(vec![
        (
            "fir_id",
            Arc::new(Int64Array::from(vec![1, 22, 333])) as ArrayRef,
        ),
        ("district", text(["Jaipur", "जोधपुर", "Sri Ganganagar"])),
        (
            "police_station",
            text(["Kotwali", "Mahila Thana", "Cyber Thana Sri Ganganagar"]),
        ),
        (
            "sections",
            text([
                "379, 411 IPC",
                "303(2) BNS",
                "302/34 IPC, 3/25 Arms Act, 66D IT Act, NDPS 8/21",
            ]),
        ),
        (
            "lat",
            Arc::new(Float64Array::from(vec![26.9124, 26.2389, 29.9038])),
        ),
        ("note", Arc::new(NullArray::new(3))),
        (
            "status",
            text(["Chargesheeted", "Final Report (Untraced)", "Open"]),
        ),
        (
            "io_name",
            text(["ASI Santosh Kothari", "SI Manjeet Singh", "HC Ram"]),
        ),
        ("an_unusually_long_column_name", text(["a", "b", "c"])),
        ("year", Arc::new(Int64Array::from(vec![2022, 2024, 2025]))),
    ])
    .unwrap();
    let mut options = jaanch::output::PrintOptions::new(jaanch::output::OutputFormat::Table);
    options.max_width = Some(80);
    let mut out = Vec::new();
    let summary =
        jaanch::output::write_batches(&options, batch.schema(), &[batch], &mut out).unwrap();
    let printed = String::from_utf8(out).unwrap();
    for line in printed.lines() {
        assert!(jaanch::output::display_width(line) <= 80, "{line}");
    }
    assert_eq!(summary.hidden_columns, 3);
    insta::assert_snapshot!("wide_result_at_80_columns", printed);
}

/// Runs a script through the shell's standard input.
fn pipe_to_shell(fixture: &FixtureLake, script: &str) -> std::process::Output {
    crate::common::with_stdin(
        jaanch(fixture.dir.path())
            .arg("--lake")
            .arg(fixture.config_path()),
        script,
    )
}

#[test]
fn expanded_output() {
    let fixture = FixtureLake::new();
    let output = pipe_to_shell(
        &fixture,
        "\\x\nSELECT fir_id, sections, district, \
         CASE WHEN fir_id = 2 THEN NULL ELSE 'जयपुर' END AS hindi, NULL AS nothing \
         FROM cctns.fir ORDER BY fir_id;\n",
    );
    assert_eq!(stderr(&output), "");
    insta::assert_snapshot!("expanded_output", stdout(&output));
}

#[test]
fn output_file_stays_valid_across_results() {
    let fixture = FixtureLake::new();
    let dir = fixture.dir.path();
    let script = format!(
        "\\o {dir}/hits.json\n\
         SELECT 1 AS a, NULL AS b;\n\
         SELECT 2 AS a, 'x' AS b; SELECT 3 AS c WHERE false;\n\
         \\o {dir}/hits.csv\n\
         SELECT fir_id, district FROM cctns.fir WHERE fir_id < 3 ORDER BY fir_id;\n\
         SELECT fir_id, district FROM cctns.fir WHERE fir_id = 3;\n\
         \\o {dir}/hits.ndjson\n\
         SELECT 1 AS a;\n\
         SELECT 'y' AS b;\n\
         \\o\n",
        dir = dir.display()
    );
    let output = pipe_to_shell(&fixture, &script);
    assert_eq!(stderr(&output), "");
    assert_eq!(stdout(&output), "", "no footers when not at a terminal");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert_eq!(
        read("hits.json"),
        "[{\"a\":1,\"b\":null},{\"a\":2,\"b\":\"x\"}]\n"
    );
    assert_eq!(
        read("hits.csv"),
        "fir_id,district\n1,Jaipur\n2,Jaipur\n3,Jodhpur\n"
    );
    assert_eq!(read("hits.ndjson"), "{\"a\":1}\n{\"b\":\"y\"}\n");

    // A result with other columns would not fit the CSV header: refused, the file kept.
    let script = format!(
        "\\o {dir}/two.csv\nSELECT 1 AS a;\nSELECT 2 AS b;\n",
        dir = dir.display()
    );
    let output = pipe_to_shell(&fixture, &script);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "error: <stdin>:3: cannot write {}/two.csv: it has other columns (a) (\\o another file for this result)\n",
            dir.display()
        )
    );
    assert_eq!(read("two.csv"), "a\n1\n");
}

#[test]
fn closed_pipe_ends_the_shell_quietly() {
    let fixture = FixtureLake::new();
    // The reader goes away after one line of a long result.
    let mut child = jaanch(fixture.dir.path())
        .arg("--lake")
        .arg(fixture.config_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\\format csv\nSELECT * FROM generate_series(1, 5000000);\n")
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "value\n");
    let output = child.wait_with_output().unwrap();
    assert_eq!(stderr(&output), "");
    assert!(output.status.success(), "{:?}", output.status);

    // The reader is gone before anything is written: a table, and a listing.
    for script in ["SELECT 1 AS one;\n", "\\dt\n"] {
        let mut child = jaanch(fixture.dir.path())
            .arg("--lake")
            .arg(fixture.config_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(stderr(&output), "", "{script}");
        assert!(output.status.success(), "{script}: {:?}", output.status);
    }
}

#[test]
fn listings_fit_the_terminal() {
    let fixture = FixtureLake::new();
    let columns = 60;
    let mut shell = ShellSession::start_with_width(&fixture, columns);
    for command in ["\\dt", "\\df", "\\dr", "\\d abhay.anpr_reads"] {
        let output = without_escapes(&shell.run(command));
        let table: Vec<&str> = output
            .split("\r\n")
            .filter(|line| line.starts_with(['┌', '│', '╞', '├', '└']))
            .collect();
        assert!(table.len() > 3, "{command}: {output}");
        for line in table {
            assert!(
                jaanch::output::display_width(line) <= columns as usize,
                "{command}: wider than {columns}: {line}"
            );
        }
    }
}

#[test]
fn timing_and_listings_work_from_a_pipe() {
    let fixture = FixtureLake::new();
    let output = pipe_to_shell(
        &fixture,
        "\\format csv\nSELECT 1 AS a;\n\\timing on\nSELECT 2 AS b;\nSET datafusion.execution.batch_size = 100;\n",
    );
    assert_eq!(stderr(&output), "");
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..4], ["a", "1", "b", "2"], "{text}");
    // One Time: line per statement once timing is on, the SET included.
    assert_eq!(lines.len(), 6, "{text}");
    for line in &lines[4..] {
        let seconds = line
            .strip_prefix("Time: ")
            .and_then(|rest| rest.strip_suffix(" s"))
            .unwrap_or_else(|| panic!("not a time line: {line:?}\n{text}"));
        assert!(seconds.parse::<f64>().is_ok(), "{line}");
    }

    // Listings are tab-separated, a line per entry, never cut.
    let output = pipe_to_shell(&fixture, "\\dt anpr\n\\df plate_rto\n\\df plate_r*\n");
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "table\tformat\tlocation\tdescription", "{text}");
    assert!(
        lines[1].starts_with("abhay.anpr_reads\tparquet\t")
            && lines[1].ends_with("\tNumber-plate reads from ANPR cameras"),
        "{text}"
    );
    assert!(lines.contains(&"plate_rto (police function)"), "{text}");
    assert!(lines.contains(&"function\tkind\tdescription"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("plate_repair\tpolice\t")),
        "{text}"
    );
    assert!(!text.contains('│') && !text.contains('…'), "{text}");
}

/// Roles of a governed fixture lake: a case officer who sees one district's FIRs and must state
/// a purpose, and an analyst granted the ANPR reads only.
const ACCESS: &str = r#"

[[access.role]]
name = "case_officer"
tables = ["cctns.*"]
row_filter."cctns.fir" = "district = ${user.district}"
require_purpose = true

[[access.role]]
name = "analyst"
tables = ["abhay.*"]

[[access.user]]
name = "io.jaipur"
role = "case_officer"
district = "Jaipur"

[[access.user]]
name = "analyst1"
role = "analyst"
"#;

/// The first line of the banner, for a lake of `tables` tables.
fn banner_line(fixture: &FixtureLake, tables: &str) -> String {
    let name = fixture.dir.path().file_name().unwrap().to_string_lossy();
    format!(
        "jaanch {} · lake {name} · {tables} · \\? for help, \\q to quit",
        env!("CARGO_PKG_VERSION")
    )
}

#[test]
fn purpose_is_stated_in_the_shell_before_a_query_runs() {
    let fixture = FixtureLake::with_config_extra(ACCESS);
    let mut shell = ShellSession::start_with(&fixture, COLUMNS, &["--user", "io.jaipur"]);
    assert_eq!(
        shell.banner,
        [
            banner_line(&fixture, "2 tables"),
            "user io.jaipur · role case_officer · no purpose stated: \\purpose TEXT before querying"
                .to_string()
        ]
    );
    let output = without_escapes(&shell.run("\\purpose"));
    assert!(
        output.contains(
            "\r\nno purpose stated; role case_officer requires one before any query: \\purpose TEXT (an FIR or case number)\r\n"
        ),
        "{output}"
    );
    let query = "SELECT count(*) AS n FROM cctns.fir;";
    let output = without_escapes(&shell.run(query));
    assert!(
        output.contains(
            "\r\nerror: access denied: role case_officer requires a purpose for every session: state it \
             (--purpose \"FIR 123/2024 PS Kotwali\", \\purpose in the shell, purpose= in Python, the header x-jaanch-purpose on the server)\r\n"
        ),
        "{output}"
    );
    assert!(!output.contains('│'), "{output}");
    let output = without_escapes(&shell.run("\\purpose FIR 12/2024 PS Kotwali"));
    assert!(
        output.contains("\r\npurpose is FIR 12/2024 PS Kotwali\r\n"),
        "{output}"
    );
    // Answered now, with the rows of the officer's district only (Jaipur has 2 of the 3).
    let output = shell.run(query);
    assert!(output.contains("│ 2 │"), "{output}");
    assert!(output.contains("1 row"), "{output}");
    let output = without_escapes(&shell.run("\\purpose"));
    assert!(
        output.contains("\r\npurpose is FIR 12/2024 PS Kotwali\r\n"),
        "{output}"
    );
    let output = without_escapes(&shell.run("\\purpose ''"));
    assert!(
        output.contains("\r\nerror: \\purpose needs text: \\purpose FIR 123/2024 PS Kotwali (no TEXT shows the purpose stated)\r\n"),
        "{output}"
    );
    // The purpose stated before stands.
    let output = without_escapes(&shell.run("\\purpose"));
    assert!(
        output.contains("\r\npurpose is FIR 12/2024 PS Kotwali\r\n"),
        "{output}"
    );
}

#[test]
fn banner_says_who_you_are_on_a_governed_lake() {
    let fixture = FixtureLake::with_config_extra(ACCESS);
    let shell = ShellSession::start_with(
        &fixture,
        COLUMNS,
        &["--user", "io.jaipur", "--purpose", "FIR 1/2025 PS Sodala"],
    );
    assert_eq!(
        shell.banner,
        [
            banner_line(&fixture, "2 tables"),
            "user io.jaipur · role case_officer · purpose FIR 1/2025 PS Sodala".to_string()
        ]
    );
    // The tables outside the grants are not counted: the analyst is granted one of three.
    let shell = ShellSession::start_with(&fixture, COLUMNS, &["--user", "analyst1"]);
    assert_eq!(
        shell.banner,
        [
            banner_line(&fixture, "1 table"),
            "user analyst1 · role analyst".to_string()
        ]
    );
    // A lake without access control names no user.
    let plain = FixtureLake::new();
    let shell = ShellSession::start_with(&plain, COLUMNS, &["--user", "io.jaipur"]);
    assert_eq!(shell.banner, [banner_line(&plain, "3 tables")]);
}

#[test]
fn purpose_from_a_piped_script() {
    let fixture = FixtureLake::with_config_extra(ACCESS);
    let pipe = |script: &str| {
        crate::common::with_stdin(
            jaanch(fixture.dir.path())
                .args(["--user", "io.jaipur", "--lake"])
                .arg(fixture.config_path()),
            script,
        )
    };
    let query = "SELECT fir_id FROM cctns.fir ORDER BY fir_id;\n";
    let output = pipe(&format!("\\format csv\n\\purpose\n{query}"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "no purpose stated; role case_officer requires one before any query: \\purpose TEXT (an FIR or case number)\n"
    );
    assert_eq!(
        stderr(&output),
        "error: <stdin>:3: access denied: role case_officer requires a purpose for every session: state it \
         (--purpose \"FIR 123/2024 PS Kotwali\", \\purpose in the shell, purpose= in Python, the header x-jaanch-purpose on the server)\n"
    );
    // Setting it says nothing in a script's output; showing it does.
    let output = pipe(&format!(
        "\\format csv\n\\purpose 'FIR 12/2024 PS Kotwali'\n{query}\\purpose\n"
    ));
    assert_eq!(stderr(&output), "");
    assert_eq!(
        stdout(&output),
        "fir_id\n1\n2\npurpose is FIR 12/2024 PS Kotwali\n"
    );
}

#[test]
fn a_report_run_in_the_shell_draws_its_chart_under_a_table() {
    let fixture = FixtureLake::new();
    crate::common::write_file(
        &fixture.dir.path().join("sql/by_district.sql"),
        "-- title: FIRs by district\n-- output: chart bar district firs\n\
         SELECT * FROM (VALUES ('Jaipur', 4), ('जोधपुर', 2)) AS t(district, firs)\n",
    );
    let output = pipe_to_shell(&fixture, "\\r by_district\n\\format csv\n\\r by_district\n");
    assert!(
        output.status.success(),
        "{}",
        crate::common::stderr(&output)
    );
    let text = stdout(&output);
    assert!(text.contains("firs by district\n"), "{text}");
    assert_eq!(text.matches("Jaipur ████").count(), 1, "{text}");
    assert!(
        text.ends_with("district,firs\nJaipur,4\nजोधपुर,2\n"),
        "{text}"
    );
}
