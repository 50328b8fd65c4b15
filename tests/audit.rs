//! The audit log: what it records, who can read it, and that `verify` names every kind of
//! tampering (an edited, deleted, inserted or moved record, a deleted file, a cut or rewritten
//! tail, a forged signature); many processes writing at once keep one chain.

use std::path::{Path, PathBuf};

use jaanch::audit::{Problem, Verified, read_public_key, verify};
use sha2::{Digest, Sha256};

use crate::access::{GovernedLake, cells, error, rows};
use crate::common::{jaanch, signal, stderr, stdout, write_file};

/// The access fixture with a log signed every 5 records and rotated every 4 KiB, and a role
/// that may read it.
fn audited_lake() -> GovernedLake {
    let lake = GovernedLake::with_access(
        r#"
[access.audit]
dir = "audit"
signing_key = "keys/audit.key"
sign_every = 5
rotate_size = "4KiB"

[[access.role]]
name = "auditor"
tables = ["audit.log"]

[[access.user]]
name = "aud1"
role = "auditor"
"#,
    );
    let keys = lake.dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    jaanch::audit::generate_key(&keys.join("audit.key")).unwrap();
    lake
}

fn log_dir(lake: &GovernedLake) -> PathBuf {
    lake.dir.path().join("audit")
}

fn check(dir: &Path, lake: &GovernedLake) -> Result<Verified, Problem> {
    let key = read_public_key(&lake.dir.path().join("keys/audit.key.pub")).unwrap();
    verify(dir, &key)
}

#[tokio::test]
async fn every_statement_is_recorded_allowed_or_refused() {
    let lake = audited_lake();
    let kota = lake.session("si.kota01");
    assert_eq!(
        rows(&kota, "SELECT fir_id FROM cctns.fir ORDER BY fir_id").await,
        cells(&[&["1"], &["3"]])
    );
    let refused = error(&kota, "CREATE TABLE t AS SELECT 1").await;
    let missing = error(&kota, "SELECT * FROM intel.notes").await;
    let officer = lake.session("io.jaipur");
    let denied = error(&officer, "SELECT count(*) FROM cctns.fir").await;
    let stranger = jaanch::Lake::open(lake.config_path())
        .unwrap()
        .session(jaanch::Identity::new("mallory"))
        .unwrap_err()
        .to_string();

    let auditor = lake.session("aud1");
    let records = rows(
        &auditor,
        "SELECT kind, \"user\", coalesce(role, '-'), client, outcome, array_to_string(tables, ','), \
         coalesce(CAST(\"rows\" AS VARCHAR), '-'), coalesce(error, '-'), coalesce(sql, '-') \
         FROM audit.log WHERE kind <> 'digest' ORDER BY seq",
    )
    .await;
    let expected: Vec<Vec<String>> = vec![
        vec![
            "statement",
            "si.kota01",
            "district_analyst",
            "jaanch",
            "ok",
            "cctns.fir",
            "2",
            "-",
            "SELECT fir_id FROM cctns.fir ORDER BY fir_id",
        ],
        vec![
            "statement",
            "si.kota01",
            "district_analyst",
            "jaanch",
            "refused",
            "",
            "-",
            &refused,
            "CREATE TABLE t AS SELECT 1",
        ],
        vec![
            "statement",
            "si.kota01",
            "district_analyst",
            "jaanch",
            "error",
            "",
            "-",
            &missing,
            "SELECT * FROM intel.notes",
        ],
        vec![
            "statement",
            "io.jaipur",
            "case_officer",
            "jaanch",
            "denied",
            "",
            "-",
            &denied,
            "SELECT count(*) FROM cctns.fir",
        ],
        vec![
            "session", "mallory", "-", "jaanch", "denied", "", "-", &stranger, "-",
        ],
    ]
    .into_iter()
    .map(|r| r.into_iter().map(str::to_string).collect())
    .collect();
    assert_eq!(records, expected);
    assert!(
        missing.starts_with("table intel.notes not found"),
        "{missing}"
    );

    // Reading the log is on record too, and the chain checks out.
    let verified = check(&log_dir(&lake), &lake).unwrap();
    assert_eq!(verified.records, 6, "{verified}");
    assert_eq!(
        verified.digests, 1,
        "a digest after the 5th record: {verified}"
    );
}

#[tokio::test]
async fn reports_record_their_name_and_parameters() {
    let lake = audited_lake();
    write_file(
        &lake.dir.path().join("sql/by_section.sql"),
        "-- title: FIRs by section\n-- param: section text\nSELECT fir_id FROM cctns.fir WHERE sections = $section\n",
    );
    let kota = lake.session("si.kota01");
    let batches = kota
        .report("by_section", &[("section".into(), "379 IPC".into())])
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    let auditor = lake.session("aud1");
    assert_eq!(
        rows(
            &auditor,
            "SELECT report, params, array_to_string(tables, ','), \"rows\" FROM audit.log WHERE report IS NOT NULL"
        )
        .await,
        cells(&[&["by_section", "{\"section\":\"379 IPC\"}", "cctns.fir", "1"]])
    );
}

#[tokio::test]
async fn only_roles_granted_the_log_can_read_it() {
    let lake = audited_lake();
    let kota = lake.session("si.kota01");
    let governed = error(&kota, "SELECT * FROM audit.log").await;
    let nonexistent = error(&kota, "SELECT * FROM audit.nothing").await;
    assert_eq!(
        governed.replace("audit.log", "audit.nothing"),
        nonexistent,
        "the log is as absent as a table that does not exist"
    );
    assert!(
        rows(
            &kota,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'audit'"
        )
        .await
        .is_empty()
    );
    let auditor = lake.session("aud1");
    assert_eq!(
        rows(&auditor, "SELECT count(*) > 0 FROM audit.log").await,
        cells(&[&["true"]])
    );
    let listed: Vec<(String, String)> = auditor
        .tables()
        .into_iter()
        .map(|t| (t.name, t.format))
        .collect();
    assert_eq!(listed, [("audit.log".to_string(), "audit log".to_string())]);
    // The auditor sees the log and nothing of the lake.
    let fir = error(&auditor, "SELECT * FROM cctns.fir").await;
    assert!(fir.starts_with("table cctns.fir not found"), "{fir}");
}

#[tokio::test]
async fn a_log_that_cannot_be_written_stops_the_statement() {
    let lake = audited_lake();
    let kota = lake.session("si.kota01");
    rows(&kota, "SELECT 1").await;
    // A record cut off mid-line: the writer will not chain onto it.
    let last = jaanch::audit::log_files(&log_dir(&lake))
        .unwrap()
        .pop()
        .unwrap();
    let mut text = std::fs::read_to_string(&last).unwrap();
    text.push_str("{\"seq\":");
    std::fs::write(&last, text).unwrap();
    let message = error(&kota, "SELECT fir_id FROM cctns.fir").await;
    assert!(
        message.starts_with("audit log ") && message.contains("ends in a cut-off record"),
        "{message}"
    );
    assert!(
        message.ends_with("(the statement was not run or its result withheld)"),
        "{message}"
    );
    let refused = error(&kota, "CREATE TABLE t AS SELECT 1").await;
    assert!(refused.contains("ends in a cut-off record"), "{refused}");
    // A result of many batches is stopped before its first one.
    let many = kota
        .sql("SELECT value FROM generate_series(1, 100000)")
        .await;
    let message = many.unwrap_err().to_string();
    assert!(message.contains("ends in a cut-off record"), "{message}");
}

#[tokio::test]
async fn statements_that_fail_before_planning_are_recorded_too() {
    let lake = audited_lake();
    let kota = lake.session("si.kota01");
    let two = error(&kota, "SELECT 1; SELECT fir_id FROM cctns.fir").await;
    assert_eq!(two, "expected one SQL statement, got 2");
    let open = kota.script("SELECT 'open").unwrap_err().to_string();
    assert!(open.starts_with("syntax error: "), "{open}");
    // A governed user runs the lake's reports, not report files given by path: a parameter
    // default is a query of its own.
    let file = lake.dir.path().join("peek.sql");
    write_file(
        &file,
        "-- title: peek\n-- param: x text = (SELECT string_agg(phone, ';') FROM cctns.fir)\nSELECT $x AS v\n",
    );
    let peek = kota
        .report(file.to_str().unwrap(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        peek,
        "running the report file of peek is not allowed: role district_analyst may only query the lake"
    );
    kota.sql("PREPARE p AS SELECT phone FROM cctns.fir")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    rows(&kota, "EXECUTE p").await;

    let auditor = lake.session("aud1");
    let records = rows(
        &auditor,
        "SELECT outcome, coalesce(sql, '-'), coalesce(report, '-'), array_to_string(tables, ','), coalesce(CAST(\"rows\" AS VARCHAR), '-') \
         FROM audit.log WHERE kind = 'statement' ORDER BY seq",
    )
    .await;
    assert_eq!(
        records,
        cells(&[
            &[
                "error",
                "SELECT 1; SELECT fir_id FROM cctns.fir",
                "-",
                "",
                "-"
            ],
            &["error", "SELECT 'open", "-", "", "-"],
            &["refused", "SELECT $x AS v", "peek", "", "-"],
            &[
                "ok",
                "PREPARE p AS SELECT phone FROM cctns.fir",
                "-",
                "cctns.fir",
                "0"
            ],
            &["ok", "EXECUTE p", "-", "cctns.fir", "2"],
        ])
    );
}

#[test]
fn a_bad_key_is_a_config_error() {
    let lake = audited_lake();
    let key = lake.dir.path().join("keys/audit.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
        let message = jaanch::Lake::open(lake.config_path())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("access.audit.signing_key: ")
                && message
                    .contains("can be read by other users (mode 640); make it private: chmod 600"),
            "{message}"
        );
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(&key, "not a key\n").unwrap();
    let message = jaanch::Lake::open(lake.config_path())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(
            "is not a jaanch audit key (64 hex digits; `jaanch audit keygen FILE` makes a pair)"
        ),
        "{message}"
    );
}

/// A log of 30 or so statements across several files, ending in a statement after the last
/// digest, to tamper with.
async fn written_log() -> (GovernedLake, Vec<Line>) {
    let lake = audited_lake();
    let kota = lake.session("si.kota01");
    let mut i = 0;
    loop {
        rows(&kota, &format!("SELECT {i} AS n, fir_id FROM cctns.fir")).await;
        i += 1;
        let lines = read_lines(&log_dir(&lake));
        if i >= 30 && lines.last().unwrap().kind == "statement" {
            return (lake, lines);
        }
    }
}

/// A line of the log and where it is.
#[derive(Debug, Clone)]
struct Line {
    file: PathBuf,
    index: usize,
    seq: u64,
    kind: String,
    text: String,
}

fn read_lines(dir: &Path) -> Vec<Line> {
    let mut lines = Vec::new();
    for file in jaanch::audit::log_files(dir).unwrap() {
        for (index, text) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            lines.push(Line {
                file: file.clone(),
                index,
                seq: value["seq"].as_u64().unwrap(),
                kind: value["kind"].as_str().unwrap().to_string(),
                text: text.to_string(),
            });
        }
    }
    lines
}

/// A copy of the lake's log folder, changed by `tamper`, and what `verify` says of it.
fn tampered(lake: &GovernedLake, tamper: impl FnOnce(&Path, &[Line])) -> Problem {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(log_dir(lake)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
    }
    let lines = read_lines(copy.path());
    tamper(copy.path(), &lines);
    check(copy.path(), lake).expect_err("tampering goes unnoticed")
}

/// Rewrites `file` with its lines replaced by `edit` (which may drop, add or reorder them).
fn rewrite_file(file: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let mut lines: Vec<String> = std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    edit(&mut lines);
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    std::fs::write(file, text).unwrap();
}

fn line(lines: &[Line], seq: u64) -> &Line {
    lines.iter().find(|l| l.seq == seq).unwrap()
}

/// A line with its hash recomputed for its contents, and its `prev` replaced by `prev`.
fn reseal(text: &str, prev: Option<&str>) -> (String, String) {
    let body_end = text.len() - ",\"hash\":\"".len() - 64 - 2;
    let mut body = format!("{}}}", &text[..body_end]);
    if let Some(prev) = prev {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        body = body.replace(value["prev"].as_str().unwrap(), prev);
    }
    let hash: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sealed = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
    (sealed, hash)
}

/// Rewrites every line from `first` on with fresh hashes (after `change` edits the first), as
/// someone who can write the files but has not the key would.
fn rewrite_from(lines: &[Line], first: u64, change: impl Fn(&str) -> String) {
    let mut prev: Option<String> = None;
    for l in lines.iter().filter(|l| l.seq >= first) {
        let text = if l.seq == first {
            change(&l.text)
        } else {
            l.text.clone()
        };
        let (sealed, hash) = reseal(&text, prev.as_deref());
        rewrite_file(&l.file, |all| all[l.index] = sealed);
        prev = Some(hash);
    }
}

fn assert_problem(problem: &Problem, record: Option<u64>, message: &str) {
    assert_eq!(problem.record, record, "{problem}");
    assert!(
        problem.to_string().contains(message),
        "{problem}\nshould say: {message}"
    );
}

#[tokio::test]
async fn verify_names_every_kind_of_tampering() {
    let (lake, lines) = written_log().await;
    let intact = check(&log_dir(&lake), &lake).unwrap();
    let statements = lines.iter().filter(|l| l.kind == "statement").count();
    assert_eq!(intact.records, statements as u64, "{intact}");
    assert!(statements >= 30, "{intact}");
    assert!(intact.files >= 3, "rotated into several files: {intact}");
    assert!(intact.digests >= 5, "{intact}");
    assert_eq!(intact.last, lines.last().unwrap().seq);
    let statement = |seq: u64| line(&lines, seq).kind == "statement";
    // Two statements next to each other in one file, well inside the log.
    let (a, b) = (10..)
        .map(|s| (s, s + 1))
        .find(|&(a, b)| {
            statement(a) && statement(b) && line(&lines, a).file == line(&lines, b).file
        })
        .unwrap();

    // A flipped byte.
    let problem = tampered(&lake, |_, lines| {
        let l = line(lines, a);
        rewrite_file(&l.file, |all| {
            all[l.index] = all[l.index].replacen("si.kota01", "si.kota02", 1)
        });
    });
    assert_problem(
        &problem,
        Some(a),
        &format!("record {a} was edited: its hash does not match its contents"),
    );
    assert!(
        problem
            .to_string()
            .contains(&format!(".jsonl:{}", line(&lines, a).index + 1))
    );

    // A byte that breaks the JSON.
    let problem = tampered(&lake, |_, lines| {
        let l = line(lines, a);
        rewrite_file(&l.file, |all| {
            all[l.index] = all[l.index].replacen('{', "[", 1)
        });
    });
    assert_problem(&problem, Some(a), &format!("record {a} is damaged"));

    // A deleted line.
    let problem = tampered(&lake, |_, lines| {
        let l = line(lines, a);
        rewrite_file(&l.file, |all| {
            all.remove(l.index);
        });
    });
    assert_problem(
        &problem,
        Some(a),
        &format!("record {a} is missing (deleted) before record {b}"),
    );

    // Two lines swapped.
    let problem = tampered(&lake, |_, lines| {
        let l = line(lines, a);
        rewrite_file(&l.file, |all| all.swap(l.index, l.index + 1));
    });
    assert_problem(
        &problem,
        Some(a),
        &format!("record {b} comes before record {a}"),
    );

    // A copied line put in.
    let problem = tampered(&lake, |_, lines| {
        let l = line(lines, a);
        rewrite_file(&l.file, |all| all.insert(l.index + 1, l.text.clone()));
    });
    assert_problem(
        &problem,
        Some(a),
        &format!("a second record {a} after record {a}: a record was inserted"),
    );

    // A record changed, with its own hash recomputed: the next one no longer links to it.
    let problem = tampered(&lake, |_, lines| {
        let l = line(lines, a);
        let (sealed, _) = reseal(&l.text.replace("\"rows\":2", "\"rows\":0"), None);
        rewrite_file(&l.file, |all| all[l.index] = sealed);
    });
    assert_problem(&problem, Some(a), &format!("record {a} was replaced"));

    // The tail cut mid-record, and cut at a line.
    let last = lines.last().unwrap().clone();
    let problem = tampered(&lake, |_, lines| {
        let last = lines.last().unwrap();
        let text = std::fs::read_to_string(&last.file).unwrap();
        std::fs::write(&last.file, &text[..text.len() - 20]).unwrap();
    });
    assert_problem(
        &problem,
        Some(last.seq),
        &format!("record {} is cut off: the log was truncated", last.seq),
    );
    let problem = tampered(&lake, |_, lines| {
        rewrite_file(&lines.last().unwrap().file, |all| {
            all.pop();
        });
    });
    assert_problem(
        &problem,
        Some(last.seq),
        &format!(
            "the log was truncated: records {} to {} are missing",
            last.seq, last.seq
        ),
    );

    // The tail after the last digest rewritten with fresh hashes: only the signed head shows it.
    let last_digest = lines.iter().rev().find(|l| l.kind == "digest").unwrap().seq;
    let rewritten = lines
        .iter()
        .find(|l| l.seq > last_digest && l.kind == "statement")
        .expect("statements after the last digest")
        .seq;
    let problem = tampered(&lake, |_, lines| {
        rewrite_from(lines, rewritten, |text| {
            text.replace("si.kota01", "si.jaipur9")
        });
    });
    assert_problem(
        &problem,
        Some(last_digest + 1),
        &format!(
            "records {} to {} were rewritten with fresh hashes",
            last_digest + 1,
            last.seq
        ),
    );

    // Rewritten from an early record on: the first signed digest after it shows it.
    let first_digest = lines.iter().find(|l| l.kind == "digest").unwrap().seq;
    let problem = tampered(&lake, |_, lines| {
        rewrite_from(lines, 2, |text| text.replace("si.kota01", "si.jaipur9"));
    });
    assert_problem(
        &problem,
        Some(first_digest),
        &format!(
            "records 1 to {} were rewritten after they were signed",
            first_digest - 1
        ),
    );

    // A rotated file deleted, first or in the middle.
    let problem = tampered(&lake, |dir, _| {
        std::fs::remove_file(dir.join("000002.jsonl")).unwrap();
    });
    assert!(
        problem
            .to_string()
            .contains("file 000002.jsonl is missing (deleted)"),
        "{problem}"
    );
    let problem = tampered(&lake, |dir, _| {
        std::fs::remove_file(dir.join("000001.jsonl")).unwrap();
    });
    assert_problem(&problem, Some(1), "file 000001.jsonl is missing (deleted)");

    // A rotated file's end cut off, with its rotation digest.
    let problem = tampered(&lake, |dir, _| {
        rewrite_file(&dir.join("000001.jsonl"), |all| {
            all.pop();
        });
    });
    assert!(
        problem
            .to_string()
            .contains("000001.jsonl does not end in its rotation digest"),
        "{problem}"
    );

    // The signed head deleted, or forged.
    let problem = tampered(&lake, |dir, _| {
        std::fs::remove_file(dir.join("audit.head")).unwrap();
    });
    assert_problem(
        &problem,
        Some(last_digest + 1),
        "the signed head is missing (deleted)",
    );
    let problem = tampered(&lake, |dir, _| {
        let head = std::fs::read_to_string(dir.join("audit.head")).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&head).unwrap();
        value["seq"] = serde_json::json!(last.seq - 1);
        std::fs::write(dir.join("audit.head"), value.to_string()).unwrap();
    });
    assert_problem(&problem, None, "the signed head has a bad signature");
}

#[test]
fn many_processes_at_once_keep_one_chain() {
    let lake = audited_lake();
    let home = tempfile::tempdir().unwrap();
    let script = lake.dir.path().join("many.sql");
    let statements: String = (0..200).map(|i| format!("SELECT {i} AS n;\n")).collect();
    write_file(&script, &statements);
    let children: Vec<_> = (0..4)
        .map(|_| {
            jaanch(home.path())
                .arg("--lake")
                .arg(lake.config_path())
                .args(["--user", "si.kota01", "sql", "--format", "csv", "-f"])
                .arg(&script)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let verified = check(&log_dir(&lake), &lake).unwrap();
    assert_eq!(verified.records, 800, "{verified}");
    assert!(verified.digests >= 800 / 5, "{verified}");
    let lines = read_lines(&log_dir(&lake));
    let pids: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter(|l| l.kind == "statement")
        .map(|l| {
            let start = l.text.find("\"pid\":").unwrap() + 6;
            let end = start + l.text[start..].find(',').unwrap();
            &l.text[start..end]
        })
        .collect();
    assert_eq!(pids.len(), 4, "four writers: {pids:?}");
}

#[test]
fn the_command_line_lists_verifies_and_makes_keys() {
    let lake = audited_lake();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        jaanch(home.path())
            .arg("--lake")
            .arg(lake.config_path())
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&[
        "--user",
        "si.kota01",
        "sql",
        "SELECT count(*) FROM cctns.fir",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));

    let listed = run(&["--user", "aud1", "audit", "--by", "si.kota01"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listing = stdout(&listed);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(
        lines[0].starts_with("seq\ttime\tuser\trole\tpurpose\tclient\toutcome"),
        "{listing}"
    );
    assert!(
        lines[1].contains(
            "\tsi.kota01\tdistrict_analyst\t\tcli\tok\t1\t\tSELECT count(*) FROM cctns.fir"
        ),
        "{listing}"
    );
    let refused = run(&["--user", "si.kota01", "audit"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with("error: table audit.log not found"),
        "{}",
        stderr(&refused)
    );

    let verified = run(&["audit", "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        stdout(&verified).starts_with("audit log intact: 3 records and 0 signed digests in 1 file"),
        "{}",
        stdout(&verified)
    );
    let first = log_dir(&lake).join("000001.jsonl");
    rewrite_file(&first, |all| {
        all.remove(0);
    });
    let damaged = run(&["audit", "verify"]);
    assert_eq!(damaged.status.code(), Some(1));
    assert!(
        stderr(&damaged).starts_with(
            "error: audit log damaged at 000001.jsonl:1: record 1 is missing (deleted) before record 2"
        ),
        "{}",
        stderr(&damaged)
    );

    let key = home.path().join("new.key");
    let made = run(&["audit", "keygen", key.to_str().unwrap()]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(key.exists() && home.path().join("new.key.pub").exists());
    let again = run(&["audit", "keygen", key.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
}

#[cfg(unix)]
#[test]
fn a_statement_stopped_by_a_signal_is_recorded_as_cancelled() {
    let lake = audited_lake();
    let home = tempfile::tempdir().unwrap();
    let child = jaanch(home.path())
        .arg("--lake")
        .arg(lake.config_path())
        .args([
            "--user",
            "si.kota01",
            "sql",
            "SELECT count(*) FROM generate_series(1, 1000000000000)",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The statement has started once it has checked the log (which makes the lock file).
    let lock = log_dir(&lake).join("audit.lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !lock.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the statement never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(signal(&child, "TERM"));
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_eq!(stderr(&output), "error: cancelled\n");
    let lines = read_lines(&log_dir(&lake));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].text.contains("\"outcome\":\"cancelled\""),
        "{}",
        lines[0].text
    );
}
