//! A lake config turned into a session: tables, partitions, laziness, policy, runtime.

use datafusion::physical_plan::{ExecutionPlan, displayable};
use jaanch::{Lake, LakeConfig, QueryResult, Session};

use crate::common::{
    ANPR_DAYS, FixtureLake, anpr_batch, query, session, write_file, write_parquet,
};

/// Data files the physical plan will read, counted from its file groups.
fn files_scanned(plan: &dyn ExecutionPlan) -> usize {
    let text = displayable(plan).indent(true).to_string();
    text.lines()
        .filter(|line| line.contains("DataSourceExec"))
        .map(|line| line.matches(".parquet").count() + line.matches(".csv").count())
        .sum()
}

async fn started(lake: &Session, sql: &str) -> QueryResult {
    lake.sql(sql).await.unwrap()
}

/// The physical plan of `sql`, as `EXPLAIN` shows it.
async fn plan_text(lake: &Session, sql: &str) -> String {
    let plan = started(lake, sql).await.plan();
    displayable(plan.as_ref()).indent(true).to_string()
}

#[tokio::test]
async fn partitioned_parquet_reads_all_days() {
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let total: usize = ANPR_DAYS.iter().map(|(_, n)| n).sum();
    let rows = query(
        &lake,
        "SELECT count(*), count(DISTINCT dt) FROM abhay.anpr_reads",
    )
    .await;
    assert_eq!(rows, vec![vec![total.to_string(), "3".to_string()]]);
}

#[tokio::test]
async fn filter_on_partition_reads_only_matching_files() {
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let all = started(&lake, "SELECT * FROM abhay.anpr_reads").await;
    assert_eq!(
        files_scanned(all.plan().as_ref()),
        6,
        "two files per day, three days"
    );

    let sql = "SELECT read_id FROM abhay.anpr_reads WHERE dt = '2024-01-02'";
    let one_day = started(&lake, sql).await;
    assert_eq!(
        files_scanned(one_day.plan().as_ref()),
        2,
        "{}",
        displayable(one_day.plan().as_ref()).indent(true)
    );
    let batches = one_day.collect().await.unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 7);
}

#[tokio::test]
async fn partitioned_csv_with_partition_filter() {
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let rows = query(
        &lake,
        "SELECT fir_id, sections, district FROM cctns.fir ORDER BY fir_id",
    )
    .await;
    assert_eq!(
        rows,
        vec![
            vec!["1", "379, 411 IPC", "Jaipur"],
            vec!["2", "302 IPC", "Jaipur"],
            vec!["3", "303(2) BNS", "Jodhpur"],
        ]
    );
    let one = started(&lake, "SELECT * FROM cctns.fir WHERE district = 'Jodhpur'").await;
    assert_eq!(files_scanned(one.plan().as_ref()), 1);
}

#[tokio::test]
async fn opening_lists_nothing_and_a_broken_table_fails_only_its_queries() {
    let fixture = FixtureLake::new();
    // The lake opens although cctns.missing has no files, and listing tables does not touch it.
    let lake = fixture.open();
    let tables = query(
        &lake,
        "SELECT table_schema || '.' || table_name FROM information_schema.tables \
         WHERE table_schema IN ('abhay', 'cctns') ORDER BY 1",
    )
    .await;
    assert_eq!(
        tables,
        vec![
            vec!["abhay.anpr_reads"],
            vec!["cctns.fir"],
            vec!["cctns.missing"]
        ]
    );

    let error = lake
        .sql("SELECT * FROM cctns.missing")
        .await
        .unwrap_err()
        .to_string();
    let location = fixture.dir.path().join("no_such_folder/");
    assert_eq!(
        error,
        format!(
            "table cctns.missing: no .parquet files at {} (check `location` in the lake config)",
            location.display()
        )
    );
    // The other tables still work, and so does the broken one once its files appear.
    assert_eq!(
        query(&lake, "SELECT count(*) FROM cctns.fir").await,
        vec![vec!["3"]]
    );
    crate::common::write_parquet(
        &location.join("part-0.parquet"),
        &crate::common::anpr_batch(1, 2),
    );
    assert_eq!(
        query(&lake, "SELECT count(*) FROM cctns.missing").await,
        vec![vec!["2"]]
    );
}

#[tokio::test]
async fn unreadable_file_names_table_and_location() {
    let fixture = FixtureLake::new();
    write_file(
        &fixture
            .dir
            .path()
            .join("anpr_reads/dt=2024-01-04/bad.parquet"),
        "not parquet",
    );
    let lake = fixture.open();
    let error = lake
        .sql("SELECT * FROM abhay.anpr_reads")
        .await
        .unwrap_err()
        .to_string();
    // The file itself is named, among the good ones beside it.
    let bad = fixture
        .dir
        .path()
        .join("anpr_reads/dt=2024-01-04/bad.parquet");
    assert!(
        error.starts_with(&format!(
            "table abhay.anpr_reads: cannot read {}: ",
            bad.display()
        )),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
    // A good file cut short (a copy interrupted) is named the same way.
    let good = fixture
        .dir
        .path()
        .join("anpr_reads/dt=2024-01-02/part-0.parquet");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::remove_file(&bad).unwrap();
    std::fs::write(&good, &bytes[..bytes.len() / 2]).unwrap();
    let error = fixture
        .open()
        .sql("SELECT * FROM abhay.anpr_reads")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!(
            "table abhay.anpr_reads: cannot read {}: ",
            good.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_file_corrupt_inside_is_named_when_read() {
    use arrow::array::{RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let fixture = FixtureLake::new();
    // A good file beside a bad one; the bad one's footer is whole, so the table opens.
    let folder = fixture.dir.path().join("notes");
    let write = |name: &str| {
        std::fs::create_dir_all(&folder).unwrap();
        let texts: Vec<String> = (0..5000)
            .map(|i| format!("note {i} of the case diary"))
            .collect();
        let batch = RecordBatch::try_from_iter([(
            "text",
            std::sync::Arc::new(StringArray::from(texts)) as arrow::array::ArrayRef,
        )])
        .unwrap();
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_dictionary_enabled(false)
            .build();
        let path = folder.join(name);
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        path
    };
    write("a-good.parquet");
    let bad = write("b-bad.parquet");
    let mut bytes = std::fs::read(&bad).unwrap();
    for i in (8..bytes.len() / 3).step_by(7) {
        bytes[i] ^= 0x5a;
    }
    std::fs::write(&bad, bytes).unwrap();
    let config = fixture.config_path();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\n[[table]]\nname = \"cctns.notes\"\nlocation = \"notes/\"\nformat = \"parquet\"\n"),
    )
    .unwrap();
    let lake = fixture.open();
    let sql = "SELECT count(*) FROM cctns.notes WHERE text <> ''";
    let error = crate::access::error(&lake, sql).await;
    assert!(
        error.starts_with(&format!("cannot read {}: ", bad.display())),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
    // A CSV file, among good ones, that gets a malformed line once the table is open (the
    // same size, so that the listing still holds): named the same way.
    assert_eq!(
        query(&lake, "SELECT count(*) FROM cctns.fir").await.len(),
        1
    );
    let malformed = fixture.dir.path().join("fir/district=Jaipur/fir.csv");
    let good = std::fs::read_to_string(&malformed).unwrap();
    let bad = good.replacen("302 IPC", "302,IPC", 1);
    assert_eq!(bad.len(), good.len());
    write_file(&malformed, &bad);
    let error = crate::access::error(&lake, "SELECT * FROM cctns.fir").await;
    assert!(
        error.starts_with(&format!("cannot read {}: ", malformed.display())),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
}

#[tokio::test]
async fn a_statement_with_too_many_operators_is_refused_not_a_crash() {
    // A chain of operators is a tree as deep as it is long: 20,000 of them overflowed the
    // planner's stack and aborted the process. Up to the limit they plan, on a 2 MiB test
    // thread of a debug build too.
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let long = format!("SELECT 1{} AS one", "-0".repeat(LIMIT));
    assert_eq!(query(&lake, &long).await, [["1"]]);
    let ors: Vec<String> = (0..LIMIT / 2).map(|i| format!("fir_id = {i}")).collect();
    let filter = format!("SELECT count(*) FROM cctns.fir WHERE {}", ors.join(" OR "));
    assert_eq!(query(&lake, &filter).await, [["3"]]);
    let too_long = format!("SELECT 1{}", "-0".repeat(20000));
    let error = crate::access::error(&lake, &too_long).await;
    assert_eq!(
        error,
        format!(
            "syntax error: the statement has 20000 operators, more than the {LIMIT} one \
             statement may have (for a long list of values use IN (...)) at line 1, column 1"
        )
    );
}

/// jaanch's limit on the operators of one statement.
const LIMIT: usize = 400;

#[tokio::test]
async fn a_file_deleted_after_listing_is_named() {
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let all = "SELECT count(*) FROM abhay.anpr_reads WHERE plate_text <> ''";
    assert_eq!(query(&lake, all).await.len(), 1);
    let gone = fixture
        .dir
        .path()
        .join("anpr_reads/dt=2024-01-02/part-1.parquet");
    std::fs::remove_file(&gone).unwrap();
    let error = crate::access::error(&lake, all).await;
    assert!(error.contains(&gone.display().to_string()), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

#[tokio::test]
async fn read_only_lake_refuses_writes() {
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let refused = [
        ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
        ("DROP TABLE cctns.fir", "DROP TABLE"),
        ("CREATE SCHEMA s", "CREATE SCHEMA"),
        (
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/tmp/x.csv'",
            "CREATE EXTERNAL TABLE",
        ),
        (
            "INSERT INTO cctns.fir VALUES (9, 'x', '2024-01-01', 'Ajmer')",
            "INSERT INTO",
        ),
        ("COPY (SELECT 1) TO '/tmp/jaanch-copy-test.csv'", "COPY"),
    ];
    for (sql, kind) in refused {
        let error = lake.sql(sql).await.unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "the lake is read-only: {kind} is not allowed (set read_only = false in the lake config to allow it)"
            ),
            "{sql}"
        );
    }
    assert!(!std::path::Path::new("/tmp/jaanch-copy-test.csv").exists());
    for sql in [
        "SELECT 1",
        "EXPLAIN SELECT * FROM cctns.fir",
        "SHOW TABLES",
        "DESCRIBE cctns.fir",
        "SET datafusion.execution.batch_size = 1024",
        "SHOW datafusion.execution.batch_size",
    ] {
        lake.sql(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

#[tokio::test]
async fn writable_lake_allows_tables_but_not_replacing_lake_tables() {
    let fixture = FixtureLake::with_config_extra("read_only = false");
    let lake = fixture.open();
    query(&lake, "CREATE TABLE watch AS SELECT 'RJ14CA0001' AS plate").await;
    assert_eq!(
        query(&lake, "SELECT plate FROM watch").await,
        vec![vec!["RJ14CA0001"]]
    );
    let error = lake
        .sql("DROP TABLE cctns.fir")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "table cctns.fir is defined in the lake config and cannot be dropped (remove it from the config instead)"
    );
    query(&lake, "DROP TABLE watch").await;
    assert!(lake.sql("SELECT * FROM watch").await.is_err());
}

#[tokio::test]
async fn unknown_table_suggests_closest() {
    let fixture = FixtureLake::new();
    let lake = fixture.open();
    let error = lake
        .sql("SELECT * FROM cctns.fri")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(error, "table cctns.fri not found (did you mean cctns.fir?)");
    let error = lake
        .sql("SELECT * FROM anpr_reads")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "table anpr_reads not found (did you mean abhay.anpr_reads?)"
    );
    let error = lake
        .sql("SELECT * FROM zzz.qqqqqqq")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("table zzz.qqqqqqq not found ("),
        "{error}"
    );
    // A table function is not a table: a statement that uses one and fails says why it failed.
    let error = lake
        .sql("SELECT (SELECT count(*) FROM generate_series(1, 3)), (SELECT count(*) FROM generate_series(1, 3))")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("Projections require unique expression names"),
        "{error}"
    );
}

#[tokio::test]
async fn police_functions_and_reference_tables_are_in_every_session() {
    let lake = session(Lake::from_config(LakeConfig::empty("t")).unwrap());
    let police: Vec<String> = lake.functions(None).into_iter().map(|f| f.name).collect();
    for udf in jaanch_udfs::functions() {
        assert!(
            police.iter().any(|name| name == udf.name()),
            "{} is not registered",
            udf.name()
        );
    }
    for (name, build) in jaanch_udfs::reference_tables() {
        let rows = query(&lake, &format!("SELECT count(*) FROM ref.{name}")).await;
        assert_eq!(
            rows,
            vec![vec![build().num_rows().to_string()]],
            "ref.{name}"
        );
    }
}

#[tokio::test]
async fn runtime_settings_apply_and_big_sorts_spill() {
    let fixture = FixtureLake::with_config_extra(
        "[runtime]\nmemory_limit = \"32MiB\"\nspill_dir = \"spill\"\ntarget_partitions = 1\nbatch_size = 1024\n",
    );
    let lake = fixture.open();
    assert!(
        fixture.dir.path().join("spill").is_dir(),
        "spill_dir is created"
    );
    let rows = query(&lake, "SHOW datafusion.execution.target_partitions").await;
    assert_eq!(rows[0][1], "1");
    let rows = query(&lake, "SHOW datafusion.execution.batch_size").await;
    assert_eq!(rows[0][1], "1024");
    let rows = query(
        &lake,
        "SHOW datafusion.optimizer.hash_join_inlist_pushdown_max_distinct_values",
    )
    .await;
    assert_eq!(rows[0][1], "1024");
    // A sort of ~100 MB of strings cannot fit in 32 MiB: it must spill, not fail.
    let analyzed = query(
        &lake,
        "EXPLAIN ANALYZE SELECT v, md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, 2000000) AS t(v) ORDER BY h",
    )
    .await;
    let text = analyzed
        .iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    let spilled = text
        .split("spill_count=")
        .skip(1)
        .any(|rest| rest.chars().next().is_some_and(|c| c != '0'));
    assert!(spilled, "expected the sort to spill:\n{text}");
}

/// Without a memory limit, a join on one integer key whose build side fills a tenth of its
/// keys' range looks them up in an array; under a limit it keeps its hash table. The answers
/// are the same either way, NULL keys and keys outside the build side's range included.
#[tokio::test]
async fn sparse_integer_keys_are_looked_up_in_an_array_without_a_memory_limit() {
    // Keys 10 apart (0 … 9,990) and a NULL, against keys 8 apart (-800 … 23,992) and a NULL:
    // whichever side is built, in one partition or two, fills over 3 % of its range.
    let sql = "WITH b AS (SELECT CASE WHEN v = 1000 THEN NULL ELSE v * 10 END AS k FROM generate_series(0, 1000) AS s(v)), \
        p AS (SELECT CASE WHEN v = 3000 THEN NULL ELSE v * 8 END AS k FROM generate_series(-100, 3000) AS s(v))";
    let counts = format!(
        "{sql} SELECT (SELECT count(*) FROM p JOIN b ON p.k = b.k) AS inner_join, \
         (SELECT count(*) FROM p LEFT JOIN b ON p.k = b.k WHERE b.k IS NULL) AS unmatched, \
         (SELECT count(*) FROM p WHERE p.k NOT IN (SELECT k FROM b WHERE k IS NOT NULL)) AS not_in, \
         (SELECT count(*) FROM p WHERE EXISTS (SELECT 1 FROM b WHERE b.k = p.k)) AS semi"
    );
    let explain = format!("EXPLAIN ANALYZE {sql} SELECT count(*) FROM p JOIN b ON p.k = b.k");
    for (extra, array) in [
        ("", true),
        ("[runtime]\nmemory_limit = \"512MiB\"\n", false),
    ] {
        let lake = FixtureLake::with_config_extra(extra).open();
        // The multiples of 40 from 0 to 9,960 meet; 2,850 keys and the NULL do not.
        assert_eq!(
            query(&lake, &counts).await,
            [["250", "2851", "2850", "250"]],
            "{extra}"
        );
        let text = query(&lake, &explain).await.concat().join(" ");
        let hashed = text.contains("array_map_created_count=0");
        assert!(text.contains("array_map_created_count="), "{text}");
        assert_eq!(hashed, !array, "{extra}: {text}");
    }
}

#[tokio::test]
async fn memory_limit_is_enforced() {
    let fixture = FixtureLake::with_config_extra("[runtime]\nmemory_limit = \"1MiB\"\n");
    let lake = fixture.open();
    // One list of 3 million hashes cannot spill: beyond the limit the query fails with one line
    // that says so and what to change, instead of the machine running out of memory.
    let error = lake
        .sql("SELECT array_length(array_agg(md5(CAST(v AS VARCHAR)))) FROM generate_series(1, 3000000) AS s(v)")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("out of memory: "), "{message}");
    assert!(
        message.ends_with("(raise runtime.memory_limit in the lake config, or narrow the query)"),
        "{message}"
    );
}

/// A hash join holds its build side in memory: when that outgrows the limit, the statement
/// starts again with sort-merge joins, whose sorts spill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_many_times_the_memory_limit_finish_by_spilling() {
    let fixture = FixtureLake::with_config_extra(
        "[runtime]\nmemory_limit = \"16MiB\"\ntarget_partitions = 2\n",
    );
    let lake = fixture.open();
    // Each side is 1 million rows of a number and its 32-character hash, some 60 MB.
    let sides = "WITH a AS (SELECT v, md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, 1000000) AS s(v)), \
        b AS (SELECT v AS w, md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, 1000000) AS s(v) WHERE v % 3 <> 0)";
    let inner = query(
        &lake,
        &format!("{sides} SELECT count(*), sum(a.v - b.w) FROM a JOIN b ON a.h = b.h"),
    )
    .await;
    assert_eq!(inner, [["666667", "0"]]);
    let left = query(
        &lake,
        &format!(
            "{sides} SELECT count(*), count(b.w) FROM a LEFT JOIN b ON a.h = b.h AND b.w % 2 = 0"
        ),
    )
    .await;
    assert_eq!(left, [["1000000", "333334"]]);
    // Rows streamed out, as `-o` and the server take them.
    let rows = lake
        .sql(&format!("{sides} SELECT a.v FROM a JOIN b ON a.h = b.h"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .iter()
        .map(|batch| batch.num_rows())
        .sum::<usize>();
    assert_eq!(rows, 666_667);
}

/// Under a small memory limit, a grouping over two partitions whose repartitioning would spill
/// finishes (in DataFusion 55 such a spill can wait forever: apache/datafusion#24883).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groupings_and_sorts_under_a_small_memory_limit_finish() {
    let fixture = FixtureLake::with_config_extra(
        "[runtime]\nmemory_limit = \"2MiB\"\nbatch_size = 64\ntarget_partitions = 2\n",
    );
    let lake = fixture.open();
    let sql = "SELECT g, count(DISTINCT trace_id) AS n FROM (SELECT v % 13 AS g, md5(CAST(v % 337 AS VARCHAR)) AS trace_id FROM generate_series(1, 40000) AS s(v)) GROUP BY g";
    for attempt in 0..5 {
        let rows = tokio::time::timeout(std::time::Duration::from_secs(60), query(&lake, sql))
            .await
            .unwrap_or_else(|_| panic!("attempt {attempt} did not finish within 60 s"));
        assert_eq!(rows.len(), 13);
        assert!(rows.iter().all(|r| r[1] == "337"), "{rows:?}");
    }
    // A sort sets aside memory to merge what it spills, within the limit: 40 000 hashes
    // (about 2.5 MB) sort through 2 MiB.
    let sorted = query(
        &lake,
        "SELECT count(*), max(n) FROM (SELECT row_number() OVER (ORDER BY md5(CAST(v AS VARCHAR))) AS n FROM generate_series(1, 40000) AS s(v))",
    )
    .await;
    assert_eq!(sorted, [["40000", "40000"]]);
}

#[tokio::test]
async fn a_sort_of_many_times_the_limit_spills_and_merges_its_partitions() {
    let fixture = FixtureLake::with_config_extra(
        "[runtime]\nmemory_limit = \"20MiB\"\nbatch_size = 1024\ntarget_partitions = 2\n",
    );
    let lake = fixture.open();
    // About 30 MB of rows, sorted in two partitions that spill, then merged into one ordered
    // result: the merge holds a batch of each partition, which it cannot spill, at a moment
    // the sorts have taken the rest (it failed so, every time, before it was granted them).
    let sql = "SELECT v, md5(CAST(v AS VARCHAR)) AS h, md5(CAST(v + 1 AS VARCHAR)) AS h2 \
        FROM generate_series(1, 300000) AS s(v) ORDER BY h";
    let rows = query(&lake, sql).await;
    assert_eq!(rows.len(), 300_000);
    assert!(rows.windows(2).all(|w| w[0][1] <= w[1][1]));
}

#[tokio::test]
async fn one_partition_merging_its_spill_files_leaves_memory_for_the_other() {
    let fixture = FixtureLake::with_config_extra(
        "[runtime]\nmemory_limit = \"24MiB\"\ntarget_partitions = 2\n",
    );
    let lake = fixture.open();
    // Each partition spills tens of sorted runs. The first to finish merges them while the
    // other still sorts: given every file at once, the merge took the whole pool and the other
    // sort failed for want of a few hundred kilobytes.
    let sql = "SELECT v, md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, 1000000) AS s(v) \
        ORDER BY h";
    let rows = query(&lake, sql).await;
    assert_eq!(rows.len(), 1_000_000);
    assert!(rows.windows(2).all(|w| w[0][1] <= w[1][1]));
}

/// `SET datafusion.execution.parquet.pushdown_filters` applies to the lake's tables in the
/// session that sets it, and only there, although sessions share the tables: with it, the scan
/// drops the rows its filter rejects while decoding, and the answer is the same.
#[tokio::test]
async fn parquet_filter_pushdown_is_set_per_session() {
    let fixture = FixtureLake::new();
    let lake = Lake::open(fixture.config_path()).unwrap();
    let setting = lake.session(jaanch::Identity::local()).unwrap();
    let other = lake.session(jaanch::Identity::local()).unwrap();
    let pruned_while_decoding = |rows: Vec<Vec<String>>| {
        let plan = rows.concat().join("\n");
        let (_, after) = plan
            .split_once("pushdown_rows_pruned=")
            .unwrap_or_else(|| panic!("no pushdown_rows_pruned in {plan}"));
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().unwrap()
    };
    // The camera is in every file's min–max range, so no file is skipped whole.
    let filter = "FROM abhay.anpr_reads WHERE camera_id = 'CAM-003'";
    let explain = format!("EXPLAIN ANALYZE SELECT read_id {filter}");
    assert_eq!(pruned_while_decoding(query(&setting, &explain).await), 0);
    query(
        &setting,
        "SET datafusion.execution.parquet.pushdown_filters = true",
    )
    .await;
    assert!(pruned_while_decoding(query(&setting, &explain).await) > 0);
    assert_eq!(pruned_while_decoding(query(&other, &explain).await), 0);
    let count = format!("SELECT count(*) {filter}");
    assert_eq!(query(&setting, &count).await, query(&other, &count).await);
}

/// A table declared sorted (`sort_by`) is read in that order: a query asking for it is not
/// sorted again and its answer comes in that order; a query asking for another order still
/// sorts; a column the table lacks fails its queries with one line that names it.
#[tokio::test]
async fn a_declared_sort_order_spares_the_sort() {
    let dir = tempfile::tempdir().unwrap();
    // One file of reads in read_id order.
    write_parquet(
        &dir.path().join("reads/part-0.parquet"),
        &anpr_batch(1, 500),
    );
    let open = |sort_by: &str| {
        let config = dir.path().join("lake.toml");
        write_file(
            &config,
            &format!(
                "[runtime]\ntarget_partitions = 2\n[[table]]\nname = \"abhay.reads\"\nlocation = \"reads/\"\nformat = \"parquet\"\n{sort_by}\n"
            ),
        );
        session(Lake::open(&config).unwrap())
    };
    let ascending = "SELECT read_id, plate_text FROM abhay.reads ORDER BY read_id";
    let descending = "SELECT read_id FROM abhay.reads ORDER BY read_id DESC";

    let undeclared = plan_text(&open(""), ascending).await;
    assert!(undeclared.contains("SortExec"), "{undeclared}");
    let declared = open("sort_by = [\"read_id\"]");
    let text = plan_text(&declared, ascending).await;
    assert!(!text.contains("SortExec"), "{text}");
    let rows = query(&declared, ascending).await;
    let read: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(read, (1..=500).collect::<Vec<i64>>());
    let text = plan_text(&declared, descending).await;
    assert!(text.contains("SortExec"), "{text}");

    let wrong = open("sort_by = [\"red_id\"]");
    let message = wrong.sql(ascending).await.unwrap_err().to_string();
    assert_eq!(
        message,
        "table abhay.reads: `sort_by` names red_id, which is not a column of the table (did you mean read_id?)"
    );
}
