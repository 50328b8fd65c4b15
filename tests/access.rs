//! Governed access: what a user may see, and attempts to see more, each asserting exactly what
//! the user gets back.
//!
//! The fixture: FIRs and accused of two districts (Kota and Jaipur) with phone numbers, telecom
//! subscribers with Aadhaar numbers, and a table no role is granted. `si.kota01` (role
//! district_analyst) sees Kota's FIRs and accused with phones masked; `cyber1` (cyber_cell) sees
//! subscribers with Aadhaar masked; `io.jaipur` (case_officer) must state a purpose.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use jaanch::{Identity, Lake, Session};
use tempfile::TempDir;

use crate::common::{jaanch, stderr, stdout, text_rows, write_file, write_parquet};

pub(crate) struct GovernedLake {
    pub(crate) dir: TempDir,
}

const ACCESS: &str = r#"
[[access.role]]
name = "district_analyst"
tables = ["cctns.*", "ref.districts"]
row_filter."cctns.fir" = "district = ${user.district}"
row_filter."cctns.accused" = "district = ${user.district}"
mask."*.phone" = "phone_mask"

[[access.role]]
name = "cyber_cell"
tables = ["telecom.*", "cctns.accused"]
mask."telecom.subscribers.aadhaar" = "aadhaar_mask"
mask."cctns.accused.name" = "'(withheld)'"

[[access.role]]
name = "case_officer"
tables = ["cctns.fir"]
require_purpose = true

[[access.user]]
name = "si.kota01"
role = "district_analyst"
district = "Kota"

[[access.user]]
name = "cyber1"
role = "cyber_cell"

[[access.user]]
name = "io.jaipur"
role = "case_officer"
district = "Jaipur"
"#;

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn ints(values: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

impl GovernedLake {
    fn new() -> GovernedLake {
        GovernedLake::with_access("")
    }

    /// The fixture, with `more` added to its access config.
    pub(crate) fn with_access(more: &str) -> GovernedLake {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let fir = RecordBatch::try_from_iter([
            ("fir_id", ints(&[1, 2, 3, 4, 5])),
            (
                "district",
                strings(&["Kota", "Jaipur", "Kota", "Jaipur", "Jaipur"]),
            ),
            (
                "sections",
                strings(&["379 IPC", "302 IPC", "303(2) BNS", "420 IPC", "379 IPC"]),
            ),
            (
                "phone",
                strings(&[
                    "9829012345",
                    "9414000001",
                    "9829099999",
                    "9414000002",
                    "9414000003",
                ]),
            ),
        ])
        .unwrap();
        write_parquet(&root.join("fir/part-0.parquet"), &fir);
        let accused = RecordBatch::try_from_iter([
            ("fir_id", ints(&[1, 2, 3, 4])),
            ("name", strings(&["Ramesh", "Suresh", "Mahesh", "Dinesh"])),
            ("district", strings(&["Kota", "Jaipur", "Kota", "Jaipur"])),
            (
                "phone",
                strings(&["9829012345", "9414000001", "9829012345", "9414000002"]),
            ),
        ])
        .unwrap();
        write_parquet(&root.join("accused/part-0.parquet"), &accused);
        let subscribers = RecordBatch::try_from_iter([
            ("msisdn", strings(&["9829012345", "9414000001"])),
            ("name", strings(&["Ramesh", "Suresh"])),
            ("aadhaar", strings(&["234567890123", "345678901234"])),
        ])
        .unwrap();
        write_parquet(&root.join("subscribers/part-0.parquet"), &subscribers);
        let secret =
            RecordBatch::try_from_iter([("note", strings(&["informant: Kota 7"]))]).unwrap();
        write_parquet(&root.join("secret/part-0.parquet"), &secret);
        let tables = [
            ("cctns.fir", "fir"),
            ("cctns.accused", "accused"),
            ("telecom.subscribers", "subscribers"),
            ("intel.notes", "secret"),
        ];
        let mut config = String::from("name = \"governed\"\nread_only = false\n");
        for (name, location) in tables {
            config.push_str(&format!(
                "\n[[table]]\nname = \"{name}\"\nlocation = \"{location}/\"\nformat = \"parquet\"\n"
            ));
        }
        config.push_str(ACCESS);
        config.push_str(more);
        write_file(&root.join("lake.toml"), &config);
        GovernedLake { dir }
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.dir.path().join("lake.toml")
    }

    pub(crate) fn session(&self, user: &str) -> Session {
        Lake::open(self.config_path())
            .unwrap()
            .session(Identity::new(user))
            .unwrap()
    }
}

pub(crate) async fn rows(session: &Session, sql: &str) -> Vec<Vec<String>> {
    let batches = session
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    text_rows(&batches)
}

pub(crate) async fn error(session: &Session, sql: &str) -> String {
    match session.sql(sql).await {
        Err(error) => error.to_string(),
        Ok(result) => match result.collect().await {
            Err(error) => error.to_string(),
            Ok(batches) => panic!("{sql} succeeded: {:?}", text_rows(&batches)),
        },
    }
}

pub(crate) fn cells(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn row_filters_hold_whatever_the_shape_of_the_query() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    let only_kota = cells(&[&["1"], &["3"]]);
    for sql in [
        "SELECT fir_id FROM cctns.fir ORDER BY fir_id",
        "SELECT fir_id FROM cctns.fir WHERE district = 'Jaipur' OR true ORDER BY fir_id",
        "SELECT fir_id FROM (SELECT * FROM cctns.fir) AS t ORDER BY fir_id",
        "WITH f AS (SELECT * FROM cctns.fir) SELECT fir_id FROM f ORDER BY fir_id",
        "SELECT fir_id FROM cctns.fir WHERE fir_id IN (SELECT fir_id FROM cctns.fir) ORDER BY 1",
        "SELECT DISTINCT fir_id FROM (SELECT fir_id FROM cctns.fir UNION ALL SELECT fir_id FROM cctns.fir) ORDER BY 1",
        "SELECT f.fir_id FROM cctns.fir f JOIN cctns.accused a ON f.fir_id = a.fir_id ORDER BY 1",
        "SELECT fir_id FROM cctns.fir ORDER BY fir_id LIMIT 10",
        "SELECT fir_id FROM cctns.fir WHERE EXISTS (SELECT 1 FROM cctns.accused a WHERE a.fir_id = fir.fir_id) ORDER BY 1",
    ] {
        assert_eq!(rows(&kota, sql).await, only_kota, "{sql}");
    }
    // Rows of other districts are not there to be found, counted or summed.
    for sql in [
        "SELECT count(*) FROM cctns.fir WHERE district = 'Jaipur'",
        "SELECT count(*) FROM cctns.fir WHERE district <> 'Kota'",
        "SELECT count(*) FROM cctns.accused WHERE district = 'Jaipur'",
    ] {
        assert_eq!(rows(&kota, sql).await, cells(&[&["0"]]), "{sql}");
    }
    assert_eq!(
        rows(
            &kota,
            "SELECT count(*), min(fir_id), max(fir_id), sum(fir_id) FROM cctns.fir"
        )
        .await,
        cells(&[&["2", "1", "3", "4"]]),
        "aggregates, not the Parquet footer's statistics"
    );
    assert_eq!(
        rows(
            &kota,
            "SELECT fir_id, count(*) OVER () AS n, rank() OVER (ORDER BY fir_id DESC) AS r FROM cctns.fir ORDER BY fir_id"
        )
        .await,
        cells(&[&["1", "2", "2"], &["3", "2", "1"]]),
        "window functions"
    );
    assert_eq!(
        rows(
            &kota,
            "SELECT district, count(*) FROM cctns.fir GROUP BY district"
        )
        .await,
        cells(&[&["Kota", "2"]])
    );
}

#[tokio::test]
async fn nothing_of_a_query_runs_on_a_hidden_row() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    // Were the query's predicate evaluated on Jaipur's rows, the division by zero would fail the
    // query and tell that they exist.
    let oracle = "SELECT count(*) FROM cctns.fir \
        WHERE 1 / (CASE WHEN district <> 'Kota' THEN 0 ELSE 1 END) = 1";
    assert_eq!(rows(&kota, oracle).await, cells(&[&["2"]]));
    let oracle = "SELECT count(*) FROM cctns.accused a JOIN cctns.fir f ON a.fir_id = f.fir_id \
        WHERE 1 / (CASE WHEN a.district = 'Jaipur' THEN 0 ELSE 1 END) = 1";
    assert_eq!(rows(&kota, oracle).await, cells(&[&["2"]]));
    let ordered = "SELECT fir_id FROM cctns.fir \
        ORDER BY 1 / (CASE WHEN district = 'Jaipur' THEN 0 ELSE 1 END) LIMIT 1";
    assert_eq!(rows(&kota, ordered).await.len(), 1);
    // The query's filters on shown columns run inside the governed scan (so that masks are
    // computed only for the rows kept), but after the row filter: whatever the shape, a
    // predicate that would fail on a Jaipur row never meets one.
    let fails_on_jaipur = "1 / (CASE WHEN district = 'Jaipur' THEN 0 ELSE 1 END) = 1";
    let cast_fails = "CAST(CASE WHEN district = 'Jaipur' THEN 'x' ELSE '1' END AS INT) = 1";
    for (sql, expected) in [
        (
            format!("SELECT count(*) FROM cctns.fir WHERE {cast_fails}"),
            "2",
        ),
        (
            format!(
                "SELECT count(*) FROM cctns.fir f WHERE {}",
                fails_on_jaipur.replace("district", "f.district")
            ),
            "2",
        ),
        (
            format!(
                "SELECT count(*) FROM cctns.fir WHERE district_canonical(district) = 'Kota' \
                 AND {fails_on_jaipur}"
            ),
            "2",
        ),
        // One conjunct on a masked column (above, on masked values), one on a shown one.
        (
            format!(
                "SELECT count(*) FROM cctns.fir WHERE phone LIKE '%2345' AND {fails_on_jaipur}"
            ),
            "1",
        ),
        // A disjunction reading a masked column runs above as a whole.
        (
            format!("SELECT count(*) FROM cctns.fir WHERE phone = 'x' OR {fails_on_jaipur}"),
            "2",
        ),
        (
            format!(
                "SELECT count(*) FROM cctns.accused a JOIN cctns.fir f \
                 ON a.fir_id = f.fir_id AND {}",
                fails_on_jaipur.replace("district", "f.district")
            ),
            "2",
        ),
        (
            format!(
                "SELECT count(*) FROM cctns.fir f WHERE EXISTS (SELECT 1 FROM cctns.accused a \
                 WHERE a.fir_id = f.fir_id AND {})",
                fails_on_jaipur.replace("district", "a.district")
            ),
            "2",
        ),
        (
            format!(
                "WITH k AS (SELECT * FROM cctns.fir WHERE {cast_fails}) \
                 SELECT count(*) FROM k WHERE {fails_on_jaipur}"
            ),
            "2",
        ),
    ] {
        assert_eq!(rows(&kota, &sql).await, cells(&[&[expected]]), "{sql}");
    }
    // A value bound to a placeholder is a literal by the time the filter reaches the scan.
    let bound = kota
        .sql_with_params(
            "SELECT count(*) FROM cctns.fir \
             WHERE 1 / (CASE WHEN district = $1 THEN 0 ELSE 1 END) = 1",
            jaanch::Params::Positional(vec!["Jaipur".into()]),
        )
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(text_rows(&bound), cells(&[&["2"]]));
    // What fails on a row the user sees fails as it would above the scan.
    let shown = error(&kota, "SELECT * FROM cctns.fir WHERE 1 / (fir_id - 1) = 1").await;
    assert!(shown.contains("Divide by zero"), "{shown}");
}

#[tokio::test]
async fn masked_columns_are_masked_for_every_use() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    assert_eq!(
        rows(
            &kota,
            "SELECT fir_id, phone FROM cctns.accused ORDER BY fir_id"
        )
        .await,
        cells(&[&["1", "+91XXXXXX2345"], &["3", "+91XXXXXX2345"]])
    );
    // Predicates, grouping, ordering, aggregates and join keys see the masked value only.
    for (sql, expected) in [
        (
            "SELECT count(*) FROM cctns.accused WHERE phone LIKE '98290%'",
            cells(&[&["0"]]),
        ),
        (
            "SELECT count(*) FROM cctns.accused WHERE phone = '9829012345'",
            cells(&[&["0"]]),
        ),
        (
            "SELECT count(*) FROM cctns.accused WHERE substr(phone, 4, 1) = 'X'",
            cells(&[&["2"]]),
        ),
        (
            "SELECT min(phone), max(phone) FROM cctns.accused",
            cells(&[&["+91XXXXXX2345", "+91XXXXXX2345"]]),
        ),
        (
            "SELECT count(DISTINCT phone) FROM cctns.accused",
            cells(&[&["1"]]),
        ),
        (
            "SELECT phone, count(*) FROM cctns.accused GROUP BY phone",
            cells(&[&["+91XXXXXX2345", "2"]]),
        ),
        (
            "SELECT count(*) FROM cctns.accused a JOIN cctns.fir f ON a.phone = f.phone",
            cells(&[&["2"]]),
        ),
        (
            "SELECT count(*) FROM cctns.fir WHERE phone IN ('9829012345', '9829099999')",
            cells(&[&["0"]]),
        ),
        (
            "SELECT fir_id FROM cctns.fir ORDER BY phone, fir_id",
            cells(&[&["1"], &["3"]]),
        ),
    ] {
        assert_eq!(rows(&kota, sql).await, expected, "{sql}");
    }
    // A mask can be any SQL expression.
    let cyber = lake.session("cyber1");
    assert_eq!(
        rows(
            &cyber,
            "SELECT name, aadhaar FROM telecom.subscribers ORDER BY msisdn"
        )
        .await,
        cells(&[&["Suresh", "XXXX XXXX 1234"], &["Ramesh", "XXXX XXXX 0123"]])
    );
    assert_eq!(
        rows(&cyber, "SELECT DISTINCT name FROM cctns.accused").await,
        cells(&[&["(withheld)"]])
    );
}

#[tokio::test]
async fn tables_outside_the_grants_do_not_exist() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    // The error for a table outside the grants is the error for one that does not exist.
    assert_eq!(
        error(&kota, "SELECT * FROM telecom.subscribers").await,
        "table telecom.subscribers not found (\\dt or SHOW TABLES lists the tables)"
    );
    assert_eq!(
        error(&kota, "SELECT * FROM telecom.nothing").await,
        "table telecom.nothing not found (\\dt or SHOW TABLES lists the tables)"
    );
    // No suggestion names it, however close the typo.
    assert_eq!(
        error(&kota, "SELECT * FROM intel.note").await,
        "table intel.note not found (\\dt or SHOW TABLES lists the tables)"
    );
    assert_eq!(
        error(&kota, "SELECT * FROM ref.rto_codes").await,
        "table ref.rto_codes not found (\\dt or SHOW TABLES lists the tables)"
    );
    assert_eq!(
        rows(
            &kota,
            "SELECT table_schema || '.' || table_name FROM information_schema.tables \
             WHERE table_schema NOT IN ('information_schema') ORDER BY 1"
        )
        .await,
        cells(&[&["cctns.accused"], &["cctns.fir"], &["ref.districts"]])
    );
    assert_eq!(
        rows(
            &kota,
            "SELECT count(*) FROM information_schema.columns WHERE table_schema IN ('telecom', 'intel')"
        )
        .await,
        cells(&[&["0"]])
    );
    let shown: Vec<String> = rows(&kota, "SHOW TABLES")
        .await
        .into_iter()
        .map(|r| format!("{}.{}", r[1], r[2]))
        .collect();
    assert!(
        !shown
            .iter()
            .any(|t| t.starts_with("telecom.") || t.starts_with("intel.")),
        "{shown:?}"
    );
    assert_eq!(
        error(&kota, "DESCRIBE telecom.subscribers").await,
        "table telecom.subscribers not found (\\dt or SHOW TABLES lists the tables)"
    );
    let names: Vec<String> = kota.tables().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["cctns.accused", "cctns.fir", "ref.districts"]);
    assert!(kota.describe("intel.notes").await.is_err());
    // A file of the lake cannot be read by its path either.
    let path = lake.dir.path().join("secret/part-0.parquet");
    let message = error(&kota, &format!("SELECT * FROM '{}'", path.display())).await;
    assert!(message.contains("not found"), "{message}");
    assert!(!message.contains("informant"), "{message}");
}

#[tokio::test]
async fn explain_shows_neither_the_policy_nor_what_is_below_it() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    for sql in [
        "EXPLAIN SELECT fir_id, phone FROM cctns.fir WHERE fir_id > 0",
        "EXPLAIN VERBOSE SELECT fir_id, phone FROM cctns.fir WHERE fir_id > 0",
        "EXPLAIN ANALYZE SELECT fir_id, phone FROM cctns.fir WHERE fir_id > 0",
    ] {
        let text: String = rows(&kota, sql)
            .await
            .into_iter()
            .map(|r| r.join(" "))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("GovernedScan: cctns.fir"), "{sql}:\n{text}");
        // The query's own filter is shown where it runs, inside the governed scan.
        assert!(
            text.contains("GovernedScan: cctns.fir (row filters and masks of the access policy), filter=[fir_id > Int64(0)]"),
            "{sql}:\n{text}"
        );
        for hidden in [
            "Kota",
            "phone_mask",
            "part-0.parquet",
            "row_groups",
            "pruned",
        ] {
            assert!(!text.contains(hidden), "{sql} shows {hidden}:\n{text}");
        }
        // A size for planning joins, never the table's row count (5 FIRs, 2 of them Kota's).
        let sized = text
            .lines()
            .filter(|l| l.contains("GovernedScan") && l.contains("statistics="))
            .count();
        assert_eq!(sized > 0, sql.contains("VERBOSE"), "{sql}:\n{text}");
        for line in text.lines().filter(|l| l.contains("statistics=")) {
            if line.contains("GovernedScan") {
                assert!(
                    line.contains("statistics=[Rows=Inexact(") && !line.contains("Exact(5)"),
                    "{line}"
                );
                let rows: usize = line
                    .split("Rows=Inexact(")
                    .nth(1)
                    .and_then(|rest| rest.split(')').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap();
                assert!(rows.is_power_of_two(), "{line}");
            }
        }
    }
}

/// An aggregation a statement reads twice is computed once (see `shared_subplans`), and both
/// readers get the user's rows only, masked: sharing it shares nothing of the rules.
#[tokio::test]
async fn an_aggregation_read_twice_keeps_the_rules() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    let by_district = "WITH r AS (SELECT district, count(*) AS n, sum(fir_id) AS s \
                       FROM cctns.fir GROUP BY district) ";
    let joined = format!(
        "{by_district}SELECT a.district, a.n, b.s FROM r a JOIN r b USING (district) \
         WHERE b.n > 0 AND a.s > 0 ORDER BY 1"
    );
    assert_eq!(rows(&kota, &joined).await, cells(&[&["Kota", "2", "4"]]));
    let plan: String = rows(&kota, &format!("EXPLAIN {joined}"))
        .await
        .into_iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        plan.matches("SharedSubplanExec: computed once for 2 readers")
            .count(),
        2,
        "{plan}"
    );
    for hidden in ["Kota", "phone_mask", "part-0.parquet"] {
        assert!(!plan.contains(hidden), "EXPLAIN shows {hidden}:\n{plan}");
    }
    // Masked in both readers; the most frequent phone of Kota's FIRs, not Jaipur's.
    let phones = "WITH p AS (SELECT phone, count(*) AS n FROM cctns.fir GROUP BY phone) \
                  SELECT phone FROM p WHERE n = (SELECT max(n) FROM p) ORDER BY 1";
    assert_eq!(
        rows(&kota, phones).await,
        cells(&[&["+91XXXXXX2345"], &["+91XXXXXX9999"]])
    );
    // Another user's session over the same files: their rows, not Kota's kept batches.
    let jaipur = Lake::open(lake.config_path())
        .unwrap()
        .session(Identity::new("io.jaipur").with_purpose("FIR 12/2025"))
        .unwrap();
    assert_eq!(
        rows(&jaipur, &joined).await,
        cells(&[&["Jaipur", "3", "11"], &["Kota", "2", "4"]])
    );
}

#[tokio::test]
async fn governed_users_may_only_query() {
    let lake = GovernedLake::new();
    let kota = lake.session("si.kota01");
    let fir_files = lake.dir.path().join("fir");
    for (sql, statement) in [
        (
            format!(
                "CREATE EXTERNAL TABLE raw STORED AS PARQUET LOCATION '{}/'",
                fir_files.display()
            ),
            "CREATE EXTERNAL TABLE",
        ),
        (
            "COPY cctns.fir TO '/tmp/jaanch-governed-copy.parquet'".to_string(),
            "COPY",
        ),
        (
            "COPY (SELECT 1) TO '/tmp/jaanch-governed-copy.csv'".to_string(),
            "COPY",
        ),
        (
            "SET datafusion.execution.batch_size = 10".to_string(),
            "SET",
        ),
        (
            "CREATE VIEW mine AS SELECT * FROM cctns.fir".to_string(),
            "CREATE VIEW",
        ),
        (
            "CREATE TABLE mine AS SELECT * FROM cctns.fir".to_string(),
            "CREATE TABLE",
        ),
        (
            "INSERT INTO cctns.fir VALUES (9, 'Kota', 'x', 'y')".to_string(),
            "INSERT INTO",
        ),
        ("DROP TABLE cctns.fir".to_string(), "DROP TABLE"),
        (
            "EXPLAIN CREATE TABLE mine AS SELECT 1".to_string(),
            "CREATE TABLE",
        ),
    ] {
        assert_eq!(
            error(&kota, &sql).await,
            format!("{statement} is not allowed: role district_analyst may only query the lake"),
            "{sql}"
        );
    }
    assert!(!std::path::Path::new("/tmp/jaanch-governed-copy.parquet").exists());
    // A prepared statement runs under the policy too.
    rows(
        &kota,
        "PREPARE by_district(VARCHAR) AS SELECT count(*) FROM cctns.fir WHERE district = $1",
    )
    .await;
    assert_eq!(
        rows(&kota, "EXECUTE by_district('Jaipur')").await,
        cells(&[&["0"]])
    );
    assert_eq!(
        rows(&kota, "EXECUTE by_district('Kota')").await,
        cells(&[&["2"]])
    );
}

#[tokio::test]
async fn sessions_need_a_known_user_and_sometimes_a_purpose() {
    let lake = GovernedLake::new();
    let opened = Lake::open(lake.config_path()).unwrap();
    let refused = opened
        .session(Identity::new("nobody"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        "access denied: nobody is not a user of this lake (give --user NAME or set JAANCH_USER; user= in Python)"
    );
    let officer = lake.session("io.jaipur");
    let message = error(&officer, "SELECT count(*) FROM cctns.fir").await;
    assert!(
        message
            .starts_with("access denied: role case_officer requires a purpose for every session"),
        "{message}"
    );
    officer.set_purpose("FIR 12/2024 PS Kotwali");
    assert_eq!(
        rows(&officer, "SELECT count(*) FROM cctns.fir").await,
        cells(&[&["5"]])
    );
    let with_purpose = opened
        .session(Identity::new("io.jaipur").with_purpose("FIR 13/2024"))
        .unwrap();
    assert_eq!(with_purpose.identity().purpose(), Some("FIR 13/2024"));
}

#[test]
fn mistakes_in_the_access_config_name_their_line() {
    let lake = GovernedLake::new();
    let config = std::fs::read_to_string(lake.config_path()).unwrap();
    let line_of = |needle: &str| config.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let path = lake.config_path();
    let check = |broken: String, expected: String| {
        std::fs::write(&path, broken).unwrap();
        let message = Lake::open(&path).unwrap_err().to_string();
        assert_eq!(message, expected);
    };
    check(
        config.replace("role = \"cyber_cell\"", "role = \"cyber_cel\""),
        format!(
            "{}:{}:8: user cyber1: no role named cyber_cel (roles: case_officer, cyber_cell, district_analyst)",
            path.display(),
            line_of("role = \"cyber_cell\"")
        ),
    );
    check(
        config.replace(
            "name = \"io.jaipur\"\nrole = \"case_officer\"\ndistrict = \"Jaipur\"",
            "name = \"io.jaipur\"\nrole = \"district_analyst\"",
        ),
        format!(
            "{}:{}:8: user io.jaipur has no district, which role district_analyst needs for ${{user.district}}",
            path.display(),
            line_of("name = \"io.jaipur\"")
        ),
    );
    check(
        config.replace("${user.district}", "${env.HOME}"),
        format!(
            "{}:{}:30: role district_analyst: row_filter.cctns.accused: ${{env.HOME}} is no user attribute (write ${{user.NAME}}, e.g. ${{user.district}})",
            path.display(),
            line_of("row_filter.\"cctns.accused\"")
        ),
    );
    check(
        config.replace("district = \"Kota\"", "distict = \"Kota\""),
        format!(
            "{}:{}:1: unknown field `distict`, expected one of `name`, `role`, `district`, `range`, `station`, `password`, `attributes`",
            path.display(),
            line_of("district = \"Kota\"")
        ),
    );
    // A password written as itself rather than as its hash.
    check(
        config.replace(
            "district = \"Kota\"",
            "district = \"Kota\"\npassword = \"kota123\"",
        ),
        format!(
            "{}:{}:12: user si.kota01: password must be an argon2id hash ($argon2id$…), never the password itself (set it with `jaanch user passwd si.kota01`)",
            path.display(),
            line_of("district = \"Kota\"") + 1
        ),
    );
    // A column the table does not have is found when the table is first read.
    std::fs::write(
        &path,
        config.replace(
            "\"district = ${user.district}\"\nrow_filter.\"cctns.accused\"",
            "\"distrct = ${user.district}\"\nrow_filter.\"cctns.accused\"",
        ),
    )
    .unwrap();
    let kota = Lake::open(&path)
        .unwrap()
        .session(Identity::new("si.kota01"))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let message = runtime.block_on(error(&kota, "SELECT count(*) FROM cctns.fir"));
    assert!(
        message.starts_with(&format!(
            "{}:{}:",
            path.display(),
            line_of("row_filter.\"cctns.fir\"")
        )),
        "{message}"
    );
    assert!(
        message.contains("role district_analyst: row_filter.cctns.fir: "),
        "{message}"
    );
    assert!(message.contains("distrct"), "{message}");

    // A rule for a table the lake does not have protects nothing: refused when the config loads.
    check(
        config.replace(
            "row_filter.\"cctns.accused\"",
            "row_filter.\"cctns.acused\"",
        ),
        format!(
            "{}:{}:29: role district_analyst: row_filter.cctns.acused: no table of the lake is cctns.acused (check the name: a rule that matches nothing protects nothing)",
            path.display(),
            line_of("row_filter.\"cctns.accused\"")
        ),
    );
    // A mask naming one column that the table lacks is refused when the table is first read.
    std::fs::write(
        &path,
        config.replace(
            "mask.\"telecom.subscribers.aadhaar\"",
            "mask.\"telecom.subscribers.adhaar\"",
        ),
    )
    .unwrap();
    let cyber = Lake::open(&path)
        .unwrap()
        .session(Identity::new("cyber1"))
        .unwrap();
    let message = runtime.block_on(error(&cyber, "SELECT aadhaar FROM telecom.subscribers"));
    assert!(
        message.ends_with(
            "role cyber_cell: mask.telecom.subscribers.adhaar: table telecom.subscribers has no column adhaar"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn rules_on_built_in_tables_apply_too() {
    let lake = GovernedLake::with_access(
        r#"
[[access.role]]
name = "ref_reader"
tables = ["ref.districts"]
row_filter."ref.districts" = "name = 'Kota'"
mask."ref.districts.name_hi" = "'(hidden)'"

[[access.user]]
name = "reader"
role = "ref_reader"
"#,
    );
    let reader = lake.session("reader");
    assert_eq!(
        rows(&reader, "SELECT name, name_hi FROM ref.districts").await,
        cells(&[&["Kota", "(hidden)"]])
    );
}

#[test]
fn the_command_line_runs_as_the_user_it_is_told() {
    let lake = GovernedLake::new();
    let run = |args: &[&str]| {
        jaanch(lake.dir.path())
            .env_remove("JAANCH_USER")
            .arg("--lake")
            .arg(lake.config_path())
            .args(args)
            .output()
            .unwrap()
    };
    let query = "SELECT count(*) AS firs FROM cctns.fir";
    let output = run(&["--user", "si.kota01", "sql", query, "--format", "csv"]);
    assert_eq!(stdout(&output), "firs\n2\n", "{}", stderr(&output));
    let output = run(&[
        "sql",
        query,
        "--user",
        "io.jaipur",
        "--purpose",
        "FIR 12/2024",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&output), "firs\n5\n", "{}", stderr(&output));
    let output = run(&["--user", "cyber1", "sql", query]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: table cctns.fir not found (\\dt or SHOW TABLES lists the tables)\n"
    );
    let output = run(&["sql", query]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: access denied: "), "{message}");
    assert!(
        message.ends_with(
            " is not a user of this lake (give --user NAME or set JAANCH_USER; user= in Python)\n"
        ),
        "{message}"
    );
    let output = jaanch(lake.dir.path())
        .env("JAANCH_USER", "si.kota01")
        .args([
            "--lake",
            lake.config_path().to_str().unwrap(),
            "sql",
            query,
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "firs\n2\n", "{}", stderr(&output));
}

#[tokio::test]
async fn reports_reading_hidden_tables_are_not_listed() {
    let lake = GovernedLake::new();
    write_file(
        &lake.dir.path().join("sql/kota_firs.sql"),
        "-- title: FIRs\nSELECT fir_id FROM cctns.fir\n",
    );
    write_file(
        &lake.dir.path().join("sql/informants.sql"),
        "-- title: Informants\nSELECT note FROM intel.notes JOIN cctns.fir ON true\n",
    );
    let names = |session: &Session| -> Vec<String> {
        session
            .reports()
            .reports
            .into_iter()
            .map(|r| r.name)
            .filter(|n| n == "kota_firs" || n == "informants")
            .collect()
    };
    let kota = lake.session("si.kota01");
    assert_eq!(names(&kota), ["kota_firs"]);
    let hidden = kota
        .report("informants", &[])
        .await
        .unwrap_err()
        .to_string();
    let absent = kota.report("gossip", &[]).await.unwrap_err().to_string();
    assert_eq!(
        hidden,
        "no report named informants (jaanch reports lists them)"
    );
    assert_eq!(hidden.replace("informants", "gossip"), absent);
    // Bundled reports on tables the lake does not grant are hidden too.
    assert!(
        kota.reports()
            .reports
            .iter()
            .all(|r| r.name != "dial112_response")
    );
    let cyber = lake.session("cyber1");
    assert!(names(&cyber).is_empty());
}
