//! The `jaanch` binary: formats, output files, exit codes and error lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{FixtureLake, jaanch, stderr, stdout, write_file};

const QUERY: &str = "SELECT fir_id, sections, district, registered_at, \
    CASE WHEN fir_id = 2 THEN NULL ELSE 'जयपुर' END AS hindi \
    FROM cctns.fir ORDER BY fir_id";

fn sql(fixture: &FixtureLake, args: &[&str]) -> std::process::Output {
    jaanch(fixture.dir.path())
        .arg("sql")
        .arg("--lake")
        .arg(fixture.config_path())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_format_has_golden_output() {
    let fixture = FixtureLake::new();
    for format in ["table", "csv", "tsv", "json", "ndjson", "markdown"] {
        let output = sql(&fixture, &[QUERY, "--format", format]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        assert_eq!(stderr(&output), "");
        insta::assert_snapshot!(format!("format_{format}"), stdout(&output));
    }
}

#[test]
fn output_to_a_device_or_pipe_is_written_directly() {
    let fixture = FixtureLake::new();
    // /dev/stdout is the pipe the test reads: nothing to stage and rename.
    let output = sql(
        &fixture,
        &["SELECT 1 AS a", "--format", "csv", "-o", "/dev/stdout"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "a\n1\n");
}

#[test]
fn output_file_format_follows_extension_and_parquet_round_trips() {
    let fixture = FixtureLake::new();
    let dir = fixture.dir.path();
    let parquet = dir.join("out/hits.parquet");
    std::fs::create_dir_all(parquet.parent().unwrap()).unwrap();
    let output = sql(&fixture, &[QUERY, "-o", parquet.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let exported = dir.join("exported.toml");
    write_file(
        &exported,
        "[[table]]\nname = \"out.hits\"\nlocation = \"out/hits.parquet\"\nformat = \"parquet\"\n",
    );
    let read_back = jaanch(dir)
        .args([
            "sql",
            "--lake",
            exported.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .arg("SELECT count(*) AS n, max(sections) AS s FROM out.hits")
        .output()
        .unwrap();
    assert_eq!(stdout(&read_back), "n,s\n3,\"379, 411 IPC\"\n");

    let csv = dir.join("hits.csv");
    let output = sql(&fixture, &["SELECT 1 AS one", "-o", csv.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "one\n1\n");
}

#[test]
fn failing_query_leaves_existing_output_file_untouched() {
    let fixture = FixtureLake::new();
    let csv = fixture.dir.path().join("hits.csv");
    std::fs::write(&csv, "previous,good\n").unwrap();
    let output = sql(
        &fixture,
        &[
            "SELECT 1 AS a; SELECT * FROM cctns.missing",
            "-o",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "previous,good\n");
    let leftovers: Vec<_> = std::fs::read_dir(fixture.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".jaanch-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn query_error_is_one_line_with_exit_code_1() {
    let fixture = FixtureLake::new();
    let output = sql(&fixture, &["SELECT * FROM cctns.fri"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: table cctns.fri not found (did you mean cctns.fir?)\n"
    );
    let output = sql(&fixture, &["SELEC 1"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: "), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn usage_errors_exit_2() {
    let fixture = FixtureLake::new();
    let output = sql(&fixture, &["SELECT 1", "--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    let output = jaanch(fixture.dir.path())
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = jaanch(fixture.dir.path()).arg("sql").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_config_is_one_line_naming_the_file_and_line() {
    let fixture = FixtureLake::new();
    let config = fixture.dir.path().join("bad.toml");
    write_file(&config, "name = \"x\"\n[runtime]\nmemory_limt = \"1G\"\n");
    let output = jaanch(fixture.dir.path())
        .args(["sql", "SELECT 1", "--lake", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with(&format!(
            "error: {}:3:1: unknown field `memory_limt`",
            config.display()
        )),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
}

#[test]
fn several_statements_run_in_order_and_script_errors_name_the_line() {
    let fixture = FixtureLake::new();
    let output = sql(
        &fixture,
        &["SELECT 1 AS a; SELECT 2 AS b", "--format", "csv"],
    );
    assert_eq!(stdout(&output), "a\n1\nb\n2\n");

    let script = fixture.dir.path().join("daily.sql");
    write_file(
        &script,
        "-- daily check\nSELECT 1 AS a;\n\nSELECT *\nFROM cctns.nope;\nSELECT 3;\n",
    );
    let output = sql(
        &fixture,
        &["-f", script.to_str().unwrap(), "--format", "csv"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "a\n1\n",
        "statements after the failure do not run"
    );
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}:4: table cctns.nope not found (\\dt or SHOW TABLES lists the tables)\n",
            script.display()
        )
    );

    // A syntax error's position counts from the start of the file, not of the statement.
    write_file(
        &script,
        "SELECT 1 AS a;\n\nSELECT *\nFROM cctns.fir\nWHER x = 1;\n",
    );
    let output = sql(&fixture, &["-f", script.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}:3: syntax error: Expected: end of statement, found: x at line 5, column 6\n",
            script.display()
        )
    );

    // Text that cannot be split into statements (a quote that never ends) runs nothing, and
    // the error names where the quote opens.
    write_file(
        &script,
        "SELECT 1 AS a;\n\nSELECT 'RJ14\n  FROM cctns.fir;\n",
    );
    let output = sql(&fixture, &["-f", script.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}:3: syntax error: Unterminated string literal at line 3, column 8\n",
            script.display()
        )
    );
}

#[test]
fn closed_pipe_ends_quietly() {
    let fixture = FixtureLake::new();
    let mut child = jaanch(fixture.dir.path())
        .args(["sql", "--lake", fixture.config_path().to_str().unwrap()])
        .args([
            "SELECT * FROM generate_series(1, 5000000)",
            "--format",
            "csv",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "value\n");
    // The reader is gone: the writer must stop without an error message.
    let output = child.wait_with_output().unwrap();
    assert_eq!(stderr(&output), "");
    assert!(output.status.success(), "{:?}", output.status);
}

#[test]
fn read_only_refusal_from_the_command_line() {
    let fixture = FixtureLake::new();
    let output = sql(&fixture, &["DROP TABLE cctns.fir"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: the lake is read-only: DROP TABLE is not allowed (set read_only = false in the lake config to allow it)\n"
    );
}

#[test]
fn lake_is_found_in_working_directory_then_environment() {
    let fixture = FixtureLake::new();
    let count = "SELECT count(*) AS n FROM cctns.fir";
    // ./lake.toml
    let output = jaanch(fixture.dir.path())
        .current_dir(fixture.dir.path())
        .args(["sql", count, "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "n\n3\n", "{}", stderr(&output));
    // $JAANCH_LAKE from elsewhere
    let elsewhere = tempfile::tempdir().unwrap();
    let output = jaanch(fixture.dir.path())
        .current_dir(elsewhere.path())
        .env("JAANCH_LAKE", fixture.config_path())
        .args(["sql", count, "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "n\n3\n", "{}", stderr(&output));
}

#[test]
fn reports_refuse_binary_formats() {
    let fixture = FixtureLake::new();
    let output = jaanch(fixture.dir.path())
        .args(["reports", "--lake", fixture.config_path().to_str().unwrap()])
        .args(["--format", "parquet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "error: --format parquet writes binary data and cannot be printed: \
         `jaanch reports` prints text (table, csv, tsv, json, ndjson, markdown)\n"
    );
}

#[cfg(unix)]
#[test]
fn a_signal_while_writing_leaves_no_output_file() {
    for signal in ["TERM", "INT"] {
        let fixture = FixtureLake::new();
        let target = fixture.dir.path().join("out.csv");
        let child = jaanch(fixture.dir.path())
            .arg("sql")
            .arg("--lake")
            .arg(fixture.config_path())
            .arg("SELECT 1 AS a; SELECT count(*) FROM generate_series(1, 100000000000)")
            .arg("-o")
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The result goes to a temporary file beside the target until the last statement ends.
        let temporary = || {
            std::fs::read_dir(fixture.dir.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().starts_with(".jaanch-"))
        };
        let started = std::time::Instant::now();
        while !temporary() {
            assert!(
                started.elapsed().as_secs() < 60,
                "no temporary file appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(crate::common::signal(&child, signal), "SIG{signal}");
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130), "SIG{signal}");
        assert_eq!(stderr(&output), "error: cancelled\n", "SIG{signal}");
        assert!(!target.exists(), "SIG{signal} left {}", target.display());
        assert!(!temporary(), "SIG{signal} left the temporary file");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_named_and_said() {
    // /dev/full fails every write with "no space left on device".
    let fixture = FixtureLake::new();
    for format in ["csv", "parquet", "json"] {
        let output = sql(&fixture, &[QUERY, "-o", "/dev/full", "--format", format]);
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert_eq!(
            stderr(&output),
            "error: cannot write /dev/full: no space left on device (the disk is full)\n",
            "{format}"
        );
    }
}

#[test]
fn a_spill_disk_that_fills_up_is_said_and_left_clean() {
    // A 2 MiB disk for spilling, mounted in a mount namespace of the jaanch process alone, and
    // a sort of some 30 MB under a 16 MiB limit: the spill files cannot fit.
    let fixture = FixtureLake::with_config_extra(
        "[runtime]\nmemory_limit = \"16MiB\"\nspill_dir = \"spill\"\n",
    );
    let spill = fixture.dir.path().join("spill");
    std::fs::create_dir(&spill).unwrap();
    let script = r#"mount -t tmpfs -o size=2m jaanch-spill "$1" || exit 99
shift
"$@"
status=$?
echo "left in spill_dir: $(find "$SPILL" -mindepth 1 -type f | wc -l) files"
exit $status"#;
    let jaanch_command = jaanch(fixture.dir.path());
    let output = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(&spill)
        .arg(jaanch_command.get_program())
        .args(["sql", "--lake"])
        .arg(fixture.config_path())
        .args([
            "SELECT v, md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, 400000) AS s(v) \
             ORDER BY h",
            "-o",
            "/dev/null",
            "--format",
            "csv",
        ])
        .env("SPILL", &spill)
        .envs(
            jaanch_command
                .get_envs()
                .filter_map(|(key, value)| Some((key, value?))),
        )
        .env_remove("JAANCH_LAKE")
        .output()
        .expect("unshare (util-linux) runs");
    assert_ne!(
        output.status.code(),
        Some(99),
        "tmpfs mounted: {}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: no space left on device for spilling: the disk of runtime.spill_dir is full \
         (free space there, point spill_dir at a bigger disk, or narrow the query)\n"
    );
    assert_eq!(stdout(&output), "left in spill_dir: 0 files\n");
}

#[test]
fn output_into_a_missing_folder_names_the_folder() {
    let fixture = FixtureLake::new();
    let folder = fixture.dir.path().join("no-such-folder");
    let target = folder.join("x.csv");
    let output = sql(&fixture, &["SELECT 1", "-o", target.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "error: cannot write {}: folder {} does not exist (create it first)\n",
            target.display(),
            folder.display()
        )
    );
    assert!(!folder.exists());
}

#[test]
fn binary_format_without_output_file_is_one_line() {
    let fixture = FixtureLake::new();
    let output = sql(&fixture, &["SELECT 1", "--format", "parquet"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --format parquet writes binary data and needs -o FILE\n"
    );
}

#[test]
fn output_file_with_unknown_extension_needs_a_format() {
    let fixture = FixtureLake::new();
    let target = fixture.dir.path().join("out.xyz");
    let output = sql(
        &fixture,
        &["SELECT 1 AS one", "-o", target.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: cannot tell the format of {} from its name: use one of .csv .tsv .tab \
             .json .ndjson .jsonl .md .markdown .parquet .pq .txt .html .htm or give --format\n",
            target.display()
        )
    );
    assert!(!target.exists());
    let output = sql(
        &fixture,
        &[
            "SELECT 1 AS one",
            "-o",
            target.to_str().unwrap(),
            "--format",
            "csv",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "one\n1\n");
}

#[cfg(unix)]
#[test]
fn output_files_get_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = FixtureLake::new();
    let dir = fixture.dir.path();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    // What any program's new file gets here: 0666 less the umask.
    let reference = dir.join("reference.txt");
    std::fs::File::create(&reference).unwrap();
    for name in ["new.csv", "new.parquet"] {
        let target = dir.join(name);
        let output = sql(
            &fixture,
            &["SELECT 1 AS one", "-o", target.to_str().unwrap()],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(mode(&target), mode(&reference), "{name}");
    }
    // A file written over keeps its permissions.
    let kept = dir.join("kept.csv");
    std::fs::write(&kept, "old\n").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    let output = sql(&fixture, &["SELECT 1 AS one", "-o", kept.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(mode(&kept), 0o640);
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "one\n1\n");
}

#[test]
fn null_typed_column_shows_null() {
    let fixture = FixtureLake::new();
    let output = sql(&fixture, &["SELECT NULL AS n"]);
    assert_eq!(
        stdout(&output),
        "┌──────┐\n│ n    │\n╞══════╡\n│ NULL │\n└──────┘\n"
    );
    let output = sql(
        &fixture,
        &["SELECT NULL AS n, 1 AS one", "--format", "json"],
    );
    assert_eq!(stdout(&output), "[{\"n\":null,\"one\":1}]\n");
}
