//! The shell driven in a real pseudo-terminal: completion, Ctrl-C, multi-line input,
//! meta-commands, errors and history.

use std::io::Write;
use std::process::{Command, Stdio};

use rexpect::session::PtySession;

use crate::common::{FixtureLake, jaanch, stdout};

const TIMEOUT_MS: u64 = 30_000;

struct ShellSession {
    session: PtySession,
    prompt: String,
}

impl ShellSession {
    fn start(fixture: &FixtureLake) -> Self {
        let mut command = jaanch(fixture.dir.path());
        command
            .arg("--lake")
            .arg(fixture.config_path())
            .env("TERM", "xterm-256color")
            .env("COLUMNS", "120");
        let session = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
        let name = fixture
            .dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let prompt = format!("{name}> ");
        let mut shell = Self { session, prompt };
        shell.expect("\\? for help");
        let prompt = shell.prompt.clone();
        shell.expect(&prompt);
        shell
    }

    /// Waits for `text` and returns what came before it. The session reads bytes as Latin-1
    /// characters; both sides are converted so that UTF-8 (table borders) compares right.
    fn expect(&mut self, text: &str) -> String {
        let needle: String = text.bytes().map(char::from).collect();
        let before = self.session.exp_string(&needle).unwrap();
        let bytes: Vec<u8> = before.chars().map(|c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Sends keys without Enter.
    fn keys(&mut self, keys: &str) {
        self.session.send(keys).unwrap();
        self.session.flush().unwrap();
    }

    /// Sends a line and waits for the next prompt; returns what was printed in between.
    fn run(&mut self, line: &str) -> String {
        self.session.send_line(line).unwrap();
        let prompt = self.prompt.clone();
        self.expect(&prompt)
    }
}

#[test]
fn tab_completes_tables_and_columns() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell.keys("SELECT count(*) AS n FROM cctns.f");
    shell.keys("\t");
    shell.expect("ir");
    shell.keys(" WHERE sectio");
    shell.keys("\t");
    shell.expect("ns");
    let output = shell.run(" IS NOT NULL;");
    assert!(output.contains("│ 3 │"), "{output}");
    assert!(output.contains("1 row"), "{output}");
}

#[test]
fn multi_line_statement_runs_when_terminated() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell.session.send_line("SELECT 40").unwrap();
    shell.session.send_line("  + 2").unwrap();
    shell.session.send_line("  AS answer;").unwrap();
    let output = shell.expect("1 row");
    assert!(output.contains("│     42 │"), "{output}");
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
fn history_survives_a_restart() {
    let fixture = FixtureLake::new();
    let mut shell = ShellSession::start(&fixture);
    shell.run("SELECT 'remembered' AS memo;");
    shell.session.send_line("\\q").unwrap();
    shell.session.exp_eof().unwrap();
    let history = fixture.dir.path().join("data/jaanch/history.txt");
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("SELECT 'remembered' AS memo;"), "{saved}");

    let mut shell = ShellSession::start(&fixture);
    // Up arrow recalls earlier entries (the last one was \q); Enter runs the recalled one.
    shell.keys("\x1b[A");
    shell.expect("\\q");
    shell.keys("\x1b[A");
    shell.expect("remembered");
    let output = shell.run("");
    assert!(output.contains("│ remembered │"), "{output}");
}

#[test]
fn piped_script_has_no_decoration_and_stops_at_the_first_error() {
    let fixture = FixtureLake::new();
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
        .write_all(
            b"\\format csv\nSELECT 1 AS a;\n\nSELECT *\n  FROM cctns.nope;\nSELECT 2 AS b;\n",
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
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
