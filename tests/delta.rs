//! Delta tables and time travel: the demo lake's `cctns.fir` and `cctns.stolen_vehicles` are
//! Delta tables with a December history (`truth.delta_versions`, `truth.corrections`). Versions
//! by number and by moment (in any time zone), reports as of two dates against the planted
//! answers, provenance in every output, the history, the rules of a governed lake on old
//! versions, and clear errors for broken logs.

use std::path::{Path, PathBuf};

use jaanch::delta::Pin;
use jaanch::{Identity, Lake};

use crate::common::{jaanch, query, session, stderr, stdout, with_stdin};
use crate::reports::demo_lake;

fn lake_dir() -> &'static Path {
    demo_lake().parent().unwrap()
}

fn run(args: &[&str]) -> std::process::Output {
    jaanch(lake_dir())
        .arg("--lake")
        .arg(demo_lake())
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

fn failure(args: &[&str]) -> String {
    let output = run(args);
    assert!(!output.status.success(), "{args:?} succeeded");
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

/// The latest commit of `table` in the ground truth: its version and local time as the lake
/// shows it (`2025-12-31T23:45:00+05:30`).
fn latest_commit(table: &str) -> (i64, String) {
    let versions = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(truth_versions(table));
    let (version, at, _) = versions.last().unwrap();
    (*version, format!("{at}+05:30"))
}

fn number(text: &str) -> i64 {
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

/// The versions of `table` in the ground truth: (version, committed_at as local text, rows).
async fn truth_versions(table: &str) -> Vec<(i64, String, i64)> {
    let lake = session(Lake::open(demo_lake()).unwrap());
    query(
        &lake,
        &format!(
            "SELECT version, CAST(committed_at AS VARCHAR), rows FROM truth.delta_versions \
             WHERE table_name = '{table}' ORDER BY version"
        ),
    )
    .await
    .into_iter()
    .map(|row| (number(&row[0]), row[1].clone(), number(&row[2])))
    .collect()
}

#[tokio::test]
async fn versions_by_number_and_by_moment_in_any_time_zone() {
    let versions = truth_versions("cctns.fir").await;
    assert!(versions.len() > 30, "a daily history: {versions:?}");
    // Checkpointed every 10 versions, as writers do: every version still reads right, from
    // the checkpoint before it and the commits after.
    let log = lake_dir().join("cctns/fir/_delta_log");
    for version in [10, 20, 30] {
        assert!(
            log.join(format!("{version:020}.checkpoint.parquet"))
                .exists()
        );
    }
    assert!(log.join("_last_checkpoint").exists());
    let lake = session(Lake::open(demo_lake()).unwrap());
    let count = |from: String| format!("SELECT count(*) FROM {from}");
    for (version, committed_at, rows) in &versions {
        let by_number = query(&lake, &count(format!("as_of(cctns.fir, {version})"))).await;
        assert_eq!(number(&by_number[0][0]), *rows, "version {version}");
        // The moment of the commit, in IST without an offset, is that version; so is the same
        // moment in UTC and in New York time; a second before is the version before.
        let local = chrono::NaiveDateTime::parse_from_str(committed_at, "%Y-%m-%dT%H:%M:%S")
            .unwrap_or_else(|e| panic!("{committed_at}: {e}"));
        let utc = local - chrono::Duration::minutes(330);
        let new_york = utc - chrono::Duration::hours(5);
        for moment in [
            local.format("%Y-%m-%d %H:%M:%S").to_string(),
            format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S")),
            format!("{}-05:00", new_york.format("%Y-%m-%dT%H:%M:%S")),
        ] {
            let at = query(&lake, &count(format!("as_of(cctns.fir, '{moment}')"))).await;
            assert_eq!(number(&at[0][0]), *rows, "as of {moment}");
        }
        let before = local - chrono::Duration::seconds(1);
        let sql = count(format!(
            "as_of(cctns.fir, '{}')",
            before.format("%Y-%m-%d %H:%M:%S")
        ));
        match versions.iter().find(|(v, _, _)| v + 1 == *version) {
            Some((_, _, earlier)) => {
                assert_eq!(number(&query(&lake, &sql).await[0][0]), *earlier, "{sql}");
            }
            None => {
                let error = lake.sql(&sql).await.unwrap_err().to_string();
                assert!(
                    error.contains("no version as of") && error.contains("first version (0)"),
                    "{error}"
                );
            }
        }
    }
    // The session's moment pins every Delta table; a pin in SQL wins over it.
    let (version, _, rows) = &versions[10];
    lake.set_as_of(Some(Pin::Version(*version as u64)));
    let pinned = query(&lake, "SELECT count(*) FROM cctns.fir").await;
    assert_eq!(number(&pinned[0][0]), *rows);
    let latest = versions.last().unwrap();
    let both = query(
        &lake,
        &format!(
            "SELECT (SELECT count(*) FROM cctns.fir) AS a, (SELECT count(*) FROM as_of(cctns.fir, {})) AS b",
            latest.0
        ),
    )
    .await;
    assert_eq!(both[0], [rows.to_string(), latest.2.to_string()]);
    lake.set_as_of(None);
    let unpinned = query(&lake, "SELECT count(*) FROM cctns.fir").await;
    assert_eq!(number(&unpinned[0][0]), latest.2);
}

/// An aggregation read twice is computed once (see `shared_subplans`) when both readers read
/// one version of the table, however it is pinned; two versions are two aggregations, each
/// giving its version's rows.
#[tokio::test]
async fn an_aggregation_is_shared_within_one_version_only() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let by_status =
        |from: &str| format!("SELECT status, count(*) AS n FROM {from} GROUP BY status");
    let shared = |sql: String| {
        let lake = &lake;
        async move {
            let plan = query(lake, &format!("EXPLAIN {sql}")).await;
            let text: Vec<String> = plan.into_iter().map(|row| row.join(" ")).collect();
            text.join("\n").matches("SharedSubplanExec").count()
        }
    };
    let pair = |a: &str, b: &str| {
        format!(
            "SELECT a.status, a.n, b.n FROM ({}) a JOIN ({}) b USING (status) \
             WHERE a.n > 0 AND b.n > 0 ORDER BY 1",
            by_status(a),
            by_status(b)
        )
    };
    let latest = format!(
        "WITH r AS ({}) SELECT * FROM r WHERE n = (SELECT max(n) FROM r)",
        by_status("cctns.fir")
    );
    assert_eq!(shared(latest).await, 2);
    assert_eq!(
        shared(pair("as_of(cctns.fir, 1)", "as_of(cctns.fir, 'v1')")).await,
        2
    );
    let two = pair("as_of(cctns.fir, 1)", "cctns.fir");
    assert_eq!(shared(two.clone()).await, 0);
    let counts = |from: &str| {
        let sql = format!("{} ORDER BY 1", by_status(from));
        let lake = &lake;
        async move { query(lake, &sql).await }
    };
    let (then, now) = (
        counts("as_of(cctns.fir, 1)").await,
        counts("cctns.fir").await,
    );
    let expected: Vec<Vec<String>> = then
        .iter()
        .zip(&now)
        .map(|(a, b)| vec![a[0].clone(), a[1].clone(), b[1].clone()])
        .collect();
    assert_ne!(then, now, "the versions must differ for this test");
    assert_eq!(query(&lake, &two).await, expected);
}

/// A version's files are listed once from its log and scanned as Parquet files: a filter on
/// the partition column leaves the other partitions' files out of the plan, and every shape of
/// filter gives the rows it gives when no file can be left out (the partition column hidden in
/// a volatile expression). The log's row counts answer `count(*)`.
#[tokio::test]
async fn a_partition_filter_leaves_the_other_partitions_files_out() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let plan = query(
        &lake,
        "EXPLAIN SELECT count(*) FROM cctns.fir WHERE year = 2024",
    )
    .await;
    let text: String = plan.into_iter().map(|row| row.join(" ")).collect();
    assert!(text.contains("year=2024/"), "{text}");
    assert_eq!(
        text.matches("year=20").count(),
        text.matches("year=2024/").count(),
        "only 2024's files: {text}"
    );
    assert!(!text.contains("DeltaScanExec"), "{text}");
    let count = |condition: String| {
        let lake = &lake;
        async move {
            let sql =
                format!("SELECT count(*), count(DISTINCT fir_id) FROM cctns.fir WHERE {condition}");
            query(lake, &sql).await
        }
    };
    for condition in [
        "year = 2024",
        "year IN (2020, 2023)",
        "year > 2022 AND district LIKE 'J%'",
        "year + 1 = 2025",
        "year IS NULL",
        "year IS NOT NULL",
        "year = 2024 OR status = 'Chargesheeted'",
        "CAST(year AS VARCHAR) = '2021'",
        "NOT (year <> 2022)",
        "year BETWEEN 2021 AND 2023 AND registered_at >= TIMESTAMP '2022-06-01 00:00:00'",
    ] {
        let unpruned = condition.replace("year", "(CASE WHEN random() < 2 THEN year END)");
        assert_eq!(
            count(condition.to_string()).await,
            count(unpruned).await,
            "{condition}"
        );
    }
    let all = query(&lake, "SELECT count(*) FROM cctns.fir").await;
    let by_year = query(
        &lake,
        "SELECT CAST(sum(n) AS BIGINT) FROM (SELECT year, count(*) AS n FROM cctns.fir GROUP BY year)",
    )
    .await;
    assert_eq!(all, by_year);
    assert!(number(&all[0][0]) > 0);
}

/// `case_pendency` over FIRs of October and November (all in version 0) as of a date: FIRs
/// charge-sheeted or closed after that date were still pending on it, and `truth.corrections`
/// says which. `district_crime_summary` over December as of a date counts the FIRs appended by
/// then, which `truth.delta_versions` says.
#[tokio::test]
async fn reports_as_of_two_dates_give_the_planted_answers() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let dates = ["2025-12-10", "2025-12-24"];
    let pending = |as_of: Option<&str>| {
        let mut args = vec![
            "run",
            "case_pendency",
            "-p",
            "from=2025-10-01",
            "-p",
            "to=2025-11-30",
            "--format",
            "csv",
        ];
        if let Some(date) = as_of {
            args.extend(["--as-of", date]);
        }
        let text = ok(&args);
        let sum = |column: usize| -> i64 {
            text.lines()
                .skip(1)
                .map(|l| number(l.split(',').nth(column).unwrap()))
                .sum()
        };
        (sum(1), sum(2))
    };
    let (firs_now, pending_now) = pending(None);
    let mut answers = Vec::new();
    for date in dates {
        let corrected_later = query(
            &lake,
            &format!(
                "SELECT count(*) FROM truth.corrections c JOIN cctns.fir f USING (fir_id) \
                 WHERE c.table_name = 'cctns.fir' AND c.committed_at > TIMESTAMP '{date} 23:59:59.999' \
                   AND f.registered_at >= DATE '2025-10-01' AND f.registered_at < DATE '2025-12-01'"
            ),
        )
        .await;
        let (firs, pending_then) = pending(Some(date));
        assert_eq!(firs, firs_now, "the same FIRs as of {date}");
        assert_eq!(
            pending_then,
            pending_now + number(&corrected_later[0][0]),
            "pending as of {date}"
        );
        answers.push(pending_then);
    }
    assert!(
        answers[0] > answers[1] && answers[1] > pending_now,
        "{answers:?} {pending_now}"
    );

    let versions = truth_versions("cctns.fir").await;
    for date in dates {
        let text = ok(&[
            "run",
            "district_crime_summary",
            "-p",
            "from=2025-12-01",
            "-p",
            "to=2025-12-31",
            "--format",
            "csv",
            "--as-of",
            date,
        ]);
        let firs: i64 = text
            .lines()
            .skip(1)
            .map(|l| number(l.split(',').nth(2).unwrap()))
            .sum();
        let at_date = versions
            .iter()
            .filter(|(_, at, _)| at.as_str() <= format!("{date}T23:59:59").as_str())
            .map(|(_, _, rows)| *rows)
            .next_back()
            .unwrap();
        assert_eq!(firs, at_date - versions[0].2, "December FIRs as of {date}");
    }

    // Vehicles recovered later were still stolen as of the earlier date: the sightings differ.
    let sightings = |date: Option<&str>| {
        let mut args = vec!["run", "stolen_vehicle_sightings", "-p", "from=2025-12-01"];
        args.extend(["--format", "csv"]);
        if let Some(date) = date {
            args.extend(["--as-of", date]);
        }
        ok(&args).lines().count()
    };
    assert_ne!(sightings(Some(dates[0])), sightings(None));
}

#[test]
fn provenance_in_the_terminal_json_and_html() {
    let output = run(&["run", "case_pendency", "--format", "csv", "--provenance"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    // The period is in 2025: the other years' files are pruned.
    let line = said
        .lines()
        .find(|l| l.starts_with("read cctns.fir version "))
        .unwrap_or_else(|| panic!("{said}"));
    let (read, total) = line
        .rsplit_once(", ")
        .unwrap()
        .1
        .trim_end_matches(" files")
        .split_once(" of ")
        .unwrap();
    assert!(number(read) < number(total), "{line}");
    let (version, at) = latest_commit("cctns.fir");
    assert!(
        line.starts_with(&format!("read cctns.fir version {version} ({at}), ")),
        "{line}"
    );

    let json = ok(&[
        "run",
        "case_pendency",
        "--as-of",
        "2025-12-10",
        "--format",
        "json",
        "--provenance",
    ]);
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let read = &document["tables_read"][0];
    assert_eq!(read["table"], "cctns.fir");
    assert_eq!(read["committed_at"], "2025-12-10T23:30:00+05:30");
    assert!(read["version"].as_u64().unwrap() > 0);
    assert!(document["rows"].as_array().unwrap().len() > 5);
    // Without --provenance, JSON stays an array of rows.
    let plain = ok(&["run", "case_pendency", "--format", "json"]);
    assert!(plain.starts_with("[{"), "{plain}");

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("pendency.html");
    ok(&[
        "run",
        "case_pendency",
        "--as-of",
        "v3",
        "--html",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("As of") && html.contains("version 3"),
        "{html}"
    );
    assert!(html.contains("cctns.fir version 3 ("), "{html}");
}

#[test]
fn history_lists_versions_and_dt_shows_the_current_one() {
    let history = ok(&["sql", "CALL history('cctns.fir', 3)", "--format", "csv"]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(
        lines[0],
        "version,committed_at,operation,rows,rows_added,rows_removed,files,files_added,files_removed,detail"
    );
    assert_eq!(lines.len(), 4, "{history}");
    assert!(lines[1].contains(",UPDATE,"), "{history}");
    assert!(
        lines[2].contains(",WRITE,") && lines[2].contains("mode=Append"),
        "{history}"
    );

    let script = "\\history cctns.stolen_vehicles 2\n\\dt cctns.*\n\\asof 2025-12-05\nSELECT count(*) AS n FROM cctns.fir;\n\\asof\n\\asof off\n\\asof\n\\asof someday\n";
    let output = with_stdin(
        jaanch(lake_dir())
            .arg("--lake")
            .arg(demo_lake())
            .arg("shell"),
        script,
    );
    let text = stdout(&output);
    assert!(text.contains("UPDATE") || text.contains("WRITE"), "{text}");
    let (version, at) = latest_commit("cctns.fir");
    assert!(
        text.contains("delta") && text.contains(&format!("v{version} ({at})")),
        "{text}"
    );
    assert!(
        text.contains("Delta tables are read as of 2025-12-05T23:59:59.999+05:30"),
        "{text}"
    );
    assert!(
        text.contains("Delta tables are read at their latest versions"),
        "{text}"
    );
    assert!(
        stderr(&output).contains("\\asof: cannot read \"someday\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn errors_name_the_table_and_say_what_is_there() {
    let (latest, _) = latest_commit("cctns.fir");
    let no_version =
        format!("table cctns.fir: no version 999: the log holds versions 0 to {latest}");
    for (sql, expected) in [
        (
            "SELECT count(*) FROM as_of(cctns.fir, 'v999')",
            no_version.as_str(),
        ),
        (
            "SELECT count(*) FROM as_of(cctns.fir, '2025-06-30')",
            "table cctns.fir: no version as of 2025-06-30T23:59:59.999+05:30: its first version (0) was committed at 2025-11-30T23:59:00+05:30",
        ),
        (
            "SELECT count(*) FROM as_of(cctns.accused, 'v1')",
            "table cctns.accused: a parquet table has no versions",
        ),
        (
            "SELECT count(*) FROM as_of(cctns.fir)",
            "as_of takes a table and a version or moment",
        ),
        (
            "CALL history('cctns.accused')",
            "a parquet table has no history",
        ),
        ("CALL history('cctns.fri')", "did you mean cctns.fir?"),
        ("CALL history(42)", "write CALL history('schema.table')"),
    ] {
        let error = failure(&["sql", sql]);
        assert!(error.contains(expected), "{sql}: {error}");
    }
    // The command line's own check: clap adds its usage hint below the line.
    let output = run(&["sql", "SELECT 1", "--as-of", "2025-13-01"]);
    let error = stderr(&output);
    assert!(
        error.starts_with("error: invalid value '2025-13-01' for '--as-of <MOMENT>': cannot read"),
        "{error}"
    );
}

/// A copy of the demo lake's FIR table as the only table of a lake, with its config.
fn fir_copy(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&lake_dir().join("cctns/fir"), &dir.path().join("fir"));
    let config = dir.path().join("lake.toml");
    std::fs::write(
        &config,
        format!("[[table]]\nname = \"cctns.fir\"\nlocation = \"fir\"\nformat = \"delta\"\n{extra}"),
    )
    .unwrap();
    (dir, config)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn in_copy(config: &Path, args: &[&str]) -> std::process::Output {
    jaanch(config.parent().unwrap())
        .arg("--lake")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_broken_log_is_named_and_other_versions_still_read() {
    let (dir, config) = fir_copy("");
    let log = dir.path().join("fir/_delta_log");
    // A commit after a checkpoint (20) cut short: its last line is half a JSON object.
    let commit = log.join("00000000000000000025.json");
    let text = std::fs::read_to_string(&commit).unwrap();
    std::fs::write(&commit, &text[..text.len() / 2]).unwrap();
    let output = in_copy(
        &config,
        &["sql", "SELECT count(*) FROM as_of(cctns.fir, 25)"],
    );
    let error = stderr(&output);
    assert!(!output.status.success());
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(
        error.starts_with("error: table cctns.fir: cannot read"),
        "{error}"
    );
    // The history names the commit that cannot be read.
    let output = in_copy(&config, &["sql", "CALL history('cctns.fir')"]);
    let error = stderr(&output);
    assert!(
        error.contains("_delta_log/00000000000000000025.json") && error.contains("invalid JSON"),
        "{error}"
    );
    // Versions before the broken commit still read, and so do those from the next
    // checkpoint on.
    for version in [24, 30] {
        let sql = format!("SELECT count(*) FROM as_of(cctns.fir, {version})");
        let output = in_copy(&config, &["sql", &sql]);
        assert!(output.status.success(), "{}", stderr(&output));
    }

    // A missing commit file: the log says where it is missing.
    std::fs::remove_file(log.join("00000000000000000015.json")).unwrap();
    let output = in_copy(
        &config,
        &["sql", "SELECT count(*) FROM as_of(cctns.fir, 15)"],
    );
    let error = stderr(&output);
    assert!(error.contains("no version 15"), "{error}");

    // No log at all: not a Delta table.
    std::fs::remove_dir_all(&log).unwrap();
    let output = in_copy(&config, &["sql", "SELECT count(*) FROM cctns.fir"]);
    let error = stderr(&output);
    assert!(
        error.contains("table cctns.fir: no Delta transaction log at")
            && error.contains("check `location` and `format`"),
        "{error}"
    );
}

#[test]
fn a_deleted_data_file_is_named() {
    let (dir, config) = fir_copy("");
    let victim = std::fs::read_dir(dir.path().join("fir/year=2019"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&victim).unwrap();
    let output = in_copy(
        &config,
        &["sql", "SELECT count(DISTINCT district) FROM cctns.fir"],
    );
    let error = stderr(&output);
    assert!(!output.status.success());
    assert!(
        error.contains(victim.file_name().unwrap().to_str().unwrap()),
        "{error}"
    );
    assert!(!error.contains("panicked"), "{error}");
}

#[test]
fn the_config_pins_a_table_and_refuses_what_does_not_apply() {
    let (_dir, config) = fir_copy("version = 0\n");
    let at_zero = in_copy(
        &config,
        &["sql", "SELECT count(*) FROM cctns.fir", "--format", "csv"],
    );
    let (_dir2, latest) = fir_copy("");
    let now = in_copy(
        &latest,
        &["sql", "SELECT count(*) FROM cctns.fir", "--format", "csv"],
    );
    assert!(
        number(stdout(&at_zero).lines().nth(1).unwrap())
            < number(stdout(&now).lines().nth(1).unwrap())
    );
    let (_dir3, by_moment) = fir_copy("as_of = \"2025-11-30T23:59:00+05:30\"\n");
    assert_eq!(
        stdout(&in_copy(
            &by_moment,
            &["sql", "SELECT count(*) FROM cctns.fir", "--format", "csv"]
        )),
        stdout(&at_zero)
    );
    for (extra, expected) in [
        (
            "version = 1\nas_of = \"2025-12-01\"\n",
            "give `version` or `as_of`, not both",
        ),
        ("as_of = \"soon\"\n", "as_of: cannot read \"soon\""),
        (
            "as_of = \"v3\"\n",
            "`as_of` is a moment; give a version as `version = N`",
        ),
        (
            "partitions = [\"year:int\"]\n",
            "`partitions` does not apply to format = \"delta\"",
        ),
        (
            "sort_by = [\"fir_id\"]\n",
            "`sort_by` does not apply to format = \"delta\"",
        ),
    ] {
        let (_dir, config) = fir_copy(extra);
        let output = in_copy(&config, &["sql", "SELECT 1"]);
        let error = stderr(&output);
        assert!(error.contains(expected), "{extra}: {error}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lake.toml");
    std::fs::write(
        &config,
        "[[table]]\nname = \"a.b\"\nlocation = \"b\"\nformat = \"parquet\"\nversion = 3\n",
    )
    .unwrap();
    let error = stderr(&in_copy(&config, &["sql", "SELECT 1"]));
    assert!(
        error.contains("`version` applies only to format = \"delta\""),
        "{error}"
    );
}

#[test]
fn jaanch_does_not_write_a_delta_table_even_on_a_writable_lake() {
    let (dir, config) = fir_copy("");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("read_only = false\n{text}")).unwrap();
    let commits = || {
        std::fs::read_dir(dir.path().join("fir/_delta_log"))
            .unwrap()
            .count()
    };
    let before = commits();
    for sql in [
        "INSERT INTO cctns.fir SELECT * FROM cctns.fir LIMIT 1",
        "DELETE FROM cctns.fir",
        "UPDATE cctns.fir SET status = 'x'",
        "CREATE TABLE cctns.\"fir@v1\" AS SELECT 1",
    ] {
        let output = in_copy(&config, &["sql", sql]);
        assert!(!output.status.success(), "{sql}");
        assert!(!stderr(&output).contains("panicked"), "{sql}");
    }
    assert_eq!(commits(), before);
}

/// A district analyst reads old versions through the same row filter and masks; the history,
/// whose counts and predicates cover every district, is refused; the audit log records the
/// versions read.
#[tokio::test]
async fn a_governed_user_reads_old_versions_under_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let summary = jaanch_demo::generate(&jaanch_demo::DemoOptions {
        scale: 0.01,
        seed: 11,
        out: dir.path().to_path_buf(),
        progress: false,
    })
    .unwrap();
    let all = session(Lake::open(&summary.lake_toml).unwrap());
    let governed = Lake::open(dir.path().join("governed.toml")).unwrap();
    let kota = governed
        .session(Identity::new("si.kota01").with_purpose("FIR 12/2025 PS Kotwali"))
        .unwrap();
    let kota_then = query(
        &all,
        "SELECT count(*) FROM as_of(cctns.fir, 0) WHERE district_canonical(district) = 'Kota'",
    )
    .await;
    let everyone_then = query(&all, "SELECT count(*) FROM as_of(cctns.fir, 0)").await;
    assert_ne!(kota_then, everyone_then);
    for sql in [
        "SELECT count(*) FROM as_of(cctns.fir, 0)",
        "SELECT count(*) FROM as_of(cctns.fir, '2025-11-30T23:59:00+05:30')",
        "SELECT count(*) FROM cctns.\"fir@v0\"",
        "SELECT count(*) FROM (SELECT f.* FROM as_of('cctns.fir', 'v0') f) t",
    ] {
        assert_eq!(query(&kota, sql).await, kota_then, "{sql}");
    }
    kota.set_as_of(Some(Pin::Version(0)));
    assert_eq!(
        query(&kota, "SELECT count(*) FROM cctns.fir").await,
        kota_then
    );
    kota.set_as_of(None);
    let refused = kota.sql("CALL history('cctns.fir')").await.unwrap_err();
    assert!(
        refused.to_string().contains("the history of cctns.fir")
            && refused.to_string().contains("district_analyst"),
        "{refused}"
    );
    // Two versions of the table in one statement are both on record.
    let both = "SELECT (SELECT count(*) FROM as_of(cctns.fir, 0)) AS a, (SELECT count(*) FROM cctns.fir) AS b";
    query(&kota, both).await;
    let auditor = governed.session(Identity::new("auditor1")).unwrap();
    let records = query(
        &auditor,
        "SELECT versions FROM audit.log WHERE sql LIKE 'SELECT (SELECT count(*) FROM as_of%' ORDER BY seq DESC LIMIT 1",
    )
    .await;
    let versions: serde_json::Value = serde_json::from_str(&records[0][0]).unwrap();
    assert_eq!(versions["cctns.fir@v0"], 0, "{versions}");
    assert!(versions.as_object().unwrap().len() == 2, "{versions}");
}

/// A table written by deltalake's own writer (appends and a delete, partitioned, no in-commit
/// timestamps: commit times are the commit files' times, set here to three past months).
#[tokio::test]
async fn a_table_written_by_another_engine_reads_by_version_time_and_history() {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};

    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("firs");
    std::fs::create_dir_all(&location).unwrap();
    let url = url::Url::from_directory_path(&location).unwrap();
    let batch = |ids: &[i64], district: &str| {
        RecordBatch::try_from_iter(vec![
            (
                "fir_id",
                Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef,
            ),
            (
                "district",
                Arc::new(StringArray::from(vec![district; ids.len()])),
            ),
        ])
        .unwrap()
    };
    let table = deltalake::DeltaTable::try_from_url(url).await.unwrap();
    let table = table
        .write(vec![batch(&[1, 2, 3], "Kota")])
        .with_partition_columns(["district"])
        .await
        .unwrap();
    let table = table.write(vec![batch(&[4, 5], "Ajmer")]).await.unwrap();
    let (_table, _) = table.delete().with_predicate("fir_id = 2").await.unwrap();
    for (version, month) in [(0, 1), (1, 2), (2, 3)] {
        let commit = location.join(format!("_delta_log/{version:020}.json"));
        let at = chrono::NaiveDate::from_ymd_opt(2024, month, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        std::fs::File::options()
            .write(true)
            .open(&commit)
            .unwrap()
            .set_modified(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(at.timestamp() as u64),
            )
            .unwrap();
    }
    let config = dir.path().join("lake.toml");
    std::fs::write(
        &config,
        "[[table]]\nname = \"other.firs\"\nlocation = \"firs\"\nformat = \"delta\"\n",
    )
    .unwrap();
    let lake = session(Lake::open(&config).unwrap());
    for (pin, expected) in [
        ("0", "3"),
        ("1", "5"),
        ("2", "4"),
        ("'2024-01-15'", "3"),
        ("'2024-02-01T05:30:00+05:30'", "5"),
        ("'2024-03-01T05:29:59+05:30'", "5"),
        ("'2025-01-01'", "4"),
    ] {
        let rows = query(
            &lake,
            &format!("SELECT count(*) FROM as_of(other.firs, {pin})"),
        )
        .await;
        assert_eq!(rows[0][0], expected, "as of {pin}");
    }
    let kota = query(
        &lake,
        "SELECT count(*) FROM as_of(other.firs, 2) WHERE district = 'Kota'",
    )
    .await;
    assert_eq!(kota[0][0], "2");
    let error = lake
        .sql("SELECT count(*) FROM as_of(other.firs, '2023-12-31')")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("its first version (0) was committed at 2024-01-01T05:30:00+05:30"),
        "{error}"
    );
    // Newest first: version, committed_at, operation, rows, rows_added, rows_removed, ...
    let history = query(&lake, "CALL history('other.firs')").await;
    let summary: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|row| (row[0].as_str(), row[2].as_str(), row[3].as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("2", "DELETE", "4"),
            ("1", "WRITE", "5"),
            ("0", "WRITE", "3")
        ],
        "{history:?}"
    );
    assert!(
        history[0][1].starts_with("2024-03-01T05:30:00"),
        "{history:?}"
    );
}
