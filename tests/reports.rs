//! Saved reports: every bundled report on a small demo lake (snapshots), accuracy against the
//! demo lake's planted ground truth, and parameter checking.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jaanch::{Lake, Session};
use jaanch_demo::{DemoOptions, GENERATOR_VERSION};

use crate::common::{jaanch, query, session, stderr, stdout, text_rows, write_file};

const SCALE: f64 = 0.02;
const SEED: u64 = 7;

/// A demo lake shared by the tests of this module, generated once per build folder (the
/// generator is deterministic, so a lake left by an earlier run is the same lake).
pub(crate) fn demo_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("reports-demo-v{GENERATOR_VERSION}-{SCALE}-{SEED}"));
        if !dir.join("lake.toml").exists() {
            jaanch_demo::generate(&DemoOptions {
                scale: SCALE,
                seed: SEED,
                out: dir.clone(),
                progress: false,
            })
            .unwrap();
        }
        dir.join("lake.toml")
    })
}

fn run(args: &[&str]) -> std::process::Output {
    let home = demo_lake().parent().unwrap();
    jaanch(home)
        .arg("--lake")
        .arg(demo_lake())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn charts_are_drawn_when_asked_at_two_widths() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let charted: Vec<String> = lake
        .reports()
        .reports
        .into_iter()
        .filter(|r| r.chart().is_some())
        .map(|r| r.name)
        .collect();
    assert_eq!(
        charted,
        [
            "case_pendency",
            "dial112_response",
            "district_crime_summary",
            "ipc_bns_transition"
        ]
    );
    for name in &charted {
        // Piped, the rows come alone.
        let plain = run(&["run", name, "--format", "csv"]);
        assert!(!stdout(&plain).contains('█'), "{name}");
        for width in ["60", "100"] {
            let home = demo_lake().parent().unwrap();
            let output = jaanch(home)
                .env("COLUMNS", width)
                .arg("--lake")
                .arg(demo_lake())
                .args(["run", name, "--format", "csv", "--chart"])
                .output()
                .unwrap();
            assert!(output.status.success(), "{name}: {}", stderr(&output));
            let text = stdout(&output);
            let chart = text
                .split_once("\n\n")
                .expect("a blank line, then the chart")
                .1;
            let widest = chart.lines().map(jaanch::output::display_width).max();
            assert!(widest <= width.parse().ok(), "{name} at {width}: {chart}");
            insta::assert_snapshot!(format!("chart_{name}_{width}"), chart);
        }
    }
}

#[test]
fn every_bundled_report_runs_and_matches_its_snapshot() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let names: Vec<String> = lake.reports().reports.into_iter().map(|r| r.name).collect();
    assert_eq!(names.len(), 9, "{names:?}");
    // A plate that was stolen and seen, written the way a constable might type it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plate = runtime.block_on(query(
        &lake,
        "SELECT lower(t.plate) FROM truth.stolen_sightings t ORDER BY t.fir_id LIMIT 1",
    ))[0][0]
        .clone();
    for name in &names {
        // Parameters that give each report a non-trivial, stable result on the demo lake.
        let param = match name.as_str() {
            "vehicle_history" => Some(format!("plate={plate}")),
            "stolen_vehicle_sightings" => Some("from=2025-10-01".to_string()),
            _ => None,
        };
        let mut args = vec!["run", name.as_str(), "--format", "csv"];
        if let Some(param) = &param {
            args.extend(["--param", param.as_str()]);
        }
        let output = run(&args);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let text = stdout(&output);
        let rows = text.lines().count() - 1;
        assert!(rows > 0, "{name} found nothing on the demo lake");
        // The first rows and the row count keep the snapshots readable.
        let head: Vec<&str> = text.lines().take(25).collect();
        insta::assert_snapshot!(
            format!("report_{name}"),
            format!("{} rows\n{}", rows, head.join("\n"))
        );
    }
}

/// A report's result as rows of text, through the library.
async fn report_rows(
    lake: &Session,
    name: &str,
    params: &[(&str, &str)],
) -> (Vec<String>, Vec<Vec<String>>) {
    let values: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let frame = lake.report(name, &values).await.unwrap();
    let columns: Vec<String> = frame
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches = frame.collect().await.unwrap();
    (columns, text_rows(&batches))
}

fn column<'a>(columns: &[String], rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let i = columns.iter().position(|c| c == name).unwrap();
    rows.iter().map(|r| r[i].as_str()).collect()
}

/// Recall and precision of `found` against `truth`.
fn score<T: std::hash::Hash + Eq>(found: &HashSet<T>, truth: &HashSet<T>) -> (f64, f64) {
    let hits = found.intersection(truth).count() as f64;
    (hits / truth.len() as f64, hits / found.len() as f64)
}

/// The decoys planted for `report` (`truth.decoys`): (key, what it resembles), at least one.
async fn decoys(lake: &Session, report: &str) -> HashSet<(String, String)> {
    let decoys: HashSet<(String, String)> = query(
        lake,
        &format!("SELECT key, of FROM truth.decoys WHERE report = '{report}'"),
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    assert!(!decoys.is_empty(), "no decoys planted for {report}");
    decoys
}

/// Fails if any of `decoys` is among the report's `found` keys.
fn assert_no_decoys<'a>(
    report: &str,
    found: impl IntoIterator<Item = &'a str>,
    decoys: &HashSet<(String, String)>,
) {
    let keys: HashSet<&str> = decoys.iter().map(|(key, _)| key.as_str()).collect();
    let reported: Vec<&str> = found.into_iter().filter(|k| keys.contains(k)).collect();
    eprintln!(
        "{report}: {} decoys, {} reported",
        decoys.len(),
        reported.len()
    );
    assert!(reported.is_empty(), "{report} reports decoys: {reported:?}");
}

fn assert_accurate(report: &str, recall: f64, precision: f64) {
    eprintln!("{report}: recall {recall:.3}, precision {precision:.3}");
    assert!(recall >= 0.95, "{report}: recall {recall:.3} < 0.95");
    assert!(
        precision >= 0.95,
        "{report}: precision {precision:.3} < 0.95"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stolen_vehicle_sightings_finds_the_planted_sightings() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let (from, to) = ("2025-07-01", "2025-12-31");
    let (columns, rows) = report_rows(
        &lake,
        "stolen_vehicle_sightings",
        &[("from", from), ("to", to)],
    )
    .await;
    let found: HashSet<(String, String)> = column(&columns, &rows, "fir_id")
        .into_iter()
        .zip(column(&columns, &rows, "read_id"))
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect();
    let truth: HashSet<(String, String)> = query(
        &lake,
        &format!(
            "SELECT fir_id, read_id FROM truth.stolen_sightings \
             WHERE seen_at >= TIMESTAMP '{from} 00:00:00' AND seen_at < TIMESTAMP '{to} 00:00:00' + INTERVAL '1 day'"
        ),
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    assert!(
        truth.len() >= 50,
        "too few planted sightings to measure: {}",
        truth.len()
    );
    let (recall, precision) = score(&found, &truth);
    assert_accurate("stolen_vehicle_sightings", recall, precision);
    // Reads of plates one character away, and reads before the theft that a fast camera
    // clock records after it.
    let decoys = decoys(&lake, "stolen_vehicle_sightings").await;
    assert_no_decoys(
        "stolen_vehicle_sightings",
        found.iter().map(|(_, read)| read.as_str()),
        &decoys,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeat_offenders_groups_the_planted_people() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let (columns, rows) = report_rows(&lake, "repeat_offenders", &[]).await;
    let person_of: HashMap<String, String> =
        query(&lake, "SELECT CAST(accused_id AS VARCHAR), CAST(person_id AS VARCHAR) FROM truth.repeat_offenders")
            .await
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
    // Namesakes of repeat offenders, in another district with another father.
    let namesakes = decoys(&lake, "repeat_offenders").await;
    let mut grouped_namesakes = Vec::new();
    // Each reported group stands for the planted person most of its rows belong to; rows of
    // other people (or of no repeat offender) in a group are errors.
    let mut right = 0;
    let mut reported = 0;
    let mut found = HashSet::new();
    for ids in column(&columns, &rows, "accused_ids") {
        let ids: Vec<&str> = ids.trim_matches(['[', ']']).split(", ").collect();
        grouped_namesakes.extend(namesakes.iter().filter(|(namesake, offender)| {
            ids.contains(&namesake.as_str())
                && ids.iter().any(|id| person_of.get(*id) == Some(offender))
        }));
        reported += ids.len();
        let mut votes: HashMap<Option<&String>, usize> = HashMap::new();
        for id in &ids {
            *votes.entry(person_of.get(*id)).or_default() += 1;
        }
        let (person, count) = votes.into_iter().max_by_key(|(_, n)| *n).unwrap();
        if let Some(person) = person {
            right += count;
            found.extend(
                ids.iter()
                    .filter(|id| person_of.get(**id) == Some(person))
                    .map(|s| s.to_string()),
            );
        }
    }
    let recall = found.len() as f64 / person_of.len() as f64;
    let precision = right as f64 / reported as f64;
    assert!(
        person_of.len() >= 100,
        "too few planted repeat offenders: {}",
        person_of.len()
    );
    assert_accurate("repeat_offenders", recall, precision);
    eprintln!(
        "repeat_offenders: {} namesakes, {} grouped with the offender",
        namesakes.len(),
        grouped_namesakes.len()
    );
    assert!(
        grouped_namesakes.is_empty(),
        "namesakes grouped with the repeat offender: {grouped_namesakes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_identity_mismatch_finds_the_planted_sims() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let (columns, rows) = report_rows(&lake, "sim_identity_mismatch", &[]).await;
    let found: HashSet<String> = column(&columns, &rows, "msisdn")
        .into_iter()
        .map(str::to_string)
        .collect();
    let truth: HashSet<String> = query(
        &lake,
        "SELECT DISTINCT msisdn FROM truth.sim_identity_mismatch",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    assert!(
        truth.len() >= 100,
        "too few planted mismatches: {}",
        truth.len()
    );
    let (recall, precision) = score(&found, &truth);
    assert_accurate("sim_identity_mismatch", recall, precision);
    // SIMs in the father's name at the family's address.
    let decoys = decoys(&lake, "sim_identity_mismatch").await;
    assert_no_decoys(
        "sim_identity_mismatch",
        found.iter().map(String::as_str),
        &decoys,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weapon_posts_link_the_planted_accused() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let (columns, rows) = report_rows(
        &lake,
        "weapon_posts",
        &[("from", "2019-01-01"), ("to", "2025-12-31")],
    )
    .await;
    let found: HashSet<String> = column(&columns, &rows, "post_id")
        .into_iter()
        .zip(column(&columns, &rows, "accused_ids"))
        .filter(|(_, accused)| *accused != "NULL")
        .map(|(post, _)| post.to_string())
        .collect();
    let truth: HashSet<String> = query(&lake, "SELECT post_id FROM truth.weapon_posts")
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let (recall, precision) = score(&found, &truth);
    assert_accurate("weapon_posts", recall, precision);
    // Toy and replica weapons, which the image classifier flags too.
    let decoys = decoys(&lake, "weapon_posts").await;
    assert_no_decoys("weapon_posts", found.iter().map(String::as_str), &decoys);
}

/// Recall and precision of a counting report: each of its `counts` columns, keyed by `keys`,
/// against the same counts of `truth` (rows of the keys then the counts, in that order). A
/// count reported too high or too low misses by the difference.
fn count_score(
    columns: &[String],
    rows: &[Vec<String>],
    keys: &[&str],
    counts: &[&str],
    truth: &[Vec<String>],
) -> (f64, f64) {
    // The report's rows as the truth's: the keys, then the counts.
    let index = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let reported: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            keys.iter()
                .chain(counts)
                .map(|c| row[index(c)].clone())
                .collect()
        })
        .collect();
    let cells = |rows: &[Vec<String>]| {
        let mut cells: HashMap<(Vec<String>, usize), u64> = HashMap::new();
        for row in rows {
            let (key, values) = row.split_at(keys.len());
            for (i, value) in values.iter().enumerate() {
                *cells.entry((key.to_vec(), i)).or_default() += value.parse::<u64>().unwrap();
            }
        }
        cells
    };
    let (found, planted) = (cells(&reported), cells(truth));
    let hits: u64 = found
        .iter()
        .map(|(cell, n)| (*n).min(planted.get(cell).copied().unwrap_or(0)))
        .sum();
    let total = |cells: &HashMap<_, u64>| cells.values().sum::<u64>() as f64;
    (hits as f64 / total(&planted), hits as f64 / total(&found))
}

/// FIRs counted by district and category land in the district the generator planted
/// (`truth.firs`), however the station wrote it; the rest go to `(unknown: …)` rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn district_crime_summary_counts_by_the_planted_district() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    // Every planted district is a name district_canonical gives.
    let names = query(
        &lake,
        "SELECT DISTINCT district FROM truth.firs \
         WHERE district_canonical(district) IS DISTINCT FROM district",
    )
    .await;
    assert!(names.is_empty(), "not today's names: {names:?}");
    // Two years against the 731 days before them.
    let (from, to) = ("2024-01-01", "2025-12-31");
    let (columns, rows) = report_rows(
        &lake,
        "district_crime_summary",
        &[("from", from), ("to", to)],
    )
    .await;
    let truth = query(
        &lake,
        "SELECT t.district, f.category, \
                count(*) FILTER (WHERE f.registered_at >= DATE '2024-01-01'), \
                count(*) FILTER (WHERE f.registered_at < DATE '2024-01-01') \
         FROM cctns.fir f JOIN truth.firs t USING (fir_id) \
         WHERE f.registered_at >= DATE '2021-12-31' AND f.registered_at < DATE '2026-01-01' \
         GROUP BY 1, 2",
    )
    .await;
    let keys = ["district", "category"];
    let counts = ["firs", "previous_firs"];
    let (recall, precision) = count_score(&columns, &rows, &keys, &counts, &truth);
    eprintln!("district_crime_summary: recall {recall:.4}, precision {precision:.4}");
    assert!(recall >= 0.99 && precision >= 0.99);
    // The FIRs it misses are counted as unknown, never in another district.
    let district = columns.iter().position(|c| c == "district").unwrap();
    let known: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| !r[district].starts_with("(unknown"))
        .cloned()
        .collect();
    let (_, precision) = count_score(&columns, &known, &keys, &counts, &truth);
    assert_eq!(precision, 1.0);
    // Folding no name at all puts every FIR out of its district.
    let unfolded: Vec<Vec<String>> = truth
        .iter()
        .map(|r| [vec![format!("(unknown: {})", r[0])], r[1..].to_vec()].concat())
        .collect();
    let (recall, _) = count_score(&columns, &rows, &keys, &counts, &unfolded);
    assert_eq!(recall, 0.0);
}

/// Each FIR is counted under the offences it cites, by one name on both sides of the IPC to
/// BNS switch (`truth.fir_offences`): murder is BNS 103 whether cited `302 IPC` or
/// `103(1) BNS`, which ipc_to_bns alone would count as two offences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipc_bns_transition_counts_each_offence_under_one_name() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let (columns, rows) = report_rows(
        &lake,
        "ipc_bns_transition",
        &[("from", "2023-07-01"), ("to", "2025-06-30")],
    )
    .await;
    let truth = query(
        &lake,
        "SELECT CAST(date_trunc('month', f.registered_at) AS DATE), o.offence, \
                count(DISTINCT f.fir_id), \
                count(DISTINCT f.fir_id) FILTER (WHERE o.cited LIKE 'IPC %'), \
                count(DISTINCT f.fir_id) FILTER (WHERE o.cited NOT LIKE 'IPC %') \
         FROM cctns.fir f JOIN truth.fir_offences o USING (fir_id) \
         WHERE f.registered_at >= DATE '2023-07-01' AND f.registered_at < DATE '2025-07-01' \
         GROUP BY 1, 2",
    )
    .await;
    let counts = ["firs", "cited_as_ipc", "cited_as_bns_or_act"];
    let (recall, precision) = count_score(&columns, &rows, &["month", "offence"], &counts, &truth);
    assert_eq!((recall, precision), (1.0, 1.0));
    let offences = column(&columns, &rows, "offence");
    assert!(offences.contains(&"BNS 103") && !offences.contains(&"BNS 103(1)"));
}

/// The decoys are what a naive rule would report: a look-alike read is after the theft of an
/// unrecovered vehicle, a clock-skewed read matches the stolen plate and is recorded after
/// the theft, a family SIM is in another name, a toy post is flagged as a weapon and linked
/// to an accused person's phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decoys_look_like_hits() {
    let lake = session(Lake::open(demo_lake()).unwrap());
    let counts = |sql: &str| {
        let lake = &lake;
        let sql = sql.to_string();
        async move {
            let rows = query(lake, &sql).await;
            // A sum over no rows is NULL.
            rows[0]
                .iter()
                .map(|v| {
                    if v == "NULL" {
                        0
                    } else {
                        v.parse::<usize>().unwrap()
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    let reads = counts(
        "SELECT count(*), \
                sum(CASE WHEN s.recovered_on IS NULL AND r.seen_at > s.stolen_at THEN 1 ELSE 0 END), \
                sum(CASE WHEN plate_match_key(r.plate_text) = plate_match_key(s.plate) THEN 1 ELSE 0 END) \
         FROM truth.decoys d \
         JOIN abhay.anpr_reads r ON r.read_id = CAST(d.key AS BIGINT) \
         JOIN cctns.stolen_vehicles s ON s.fir_id = CAST(d.of AS BIGINT) \
         WHERE d.kind = 'plate_one_off'",
    )
    .await;
    assert!(reads[0] > 0, "no look-alike reads");
    assert_eq!(
        reads[1], reads[0],
        "look-alike reads after an open theft: {reads:?}"
    );
    assert_eq!(
        reads[2], 0,
        "no look-alike read shares the stolen plate's key: {reads:?}"
    );
    let skewed = counts(
        "SELECT count(*), \
                sum(CASE WHEN plate_match_key(r.plate_text) = plate_match_key(s.plate) \
                          AND r.seen_at > s.stolen_at \
                          AND r.seen_at - arrow_cast(c.clock_offset_seconds, 'Duration(Second)') < s.stolen_at \
                         THEN 1 ELSE 0 END) \
         FROM truth.decoys d \
         JOIN abhay.anpr_reads r ON r.read_id = CAST(d.key AS BIGINT) \
         JOIN abhay.cameras c ON c.camera_id = r.camera_id \
         JOIN cctns.stolen_vehicles s ON s.fir_id = CAST(d.of AS BIGINT) \
         WHERE d.kind = 'camera_clock_skew'",
    )
    .await;
    assert_eq!(skewed[1], skewed[0], "clock-skewed reads: {skewed:?}");
    let sims = counts(
        "SELECT count(DISTINCT d.key), \
                count(DISTINCT CASE WHEN lower(s.name) <> lower(a.name) AND s.address = a.address THEN d.key END) \
         FROM truth.decoys d \
         JOIN telecom.subscribers s ON phone_normalize(s.msisdn) = d.key \
         JOIN cctns.accused a ON phone_normalize(a.phone) = d.key \
         WHERE d.kind = 'family_sim'",
    )
    .await;
    assert!(sims[0] > 0, "no family SIMs");
    assert_eq!(
        sims[1], sims[0],
        "family SIMs in another name at the same address: {sims:?}"
    );
    let posts = counts(
        "SELECT count(*), \
                sum(CASE WHEN p.weapon_in_image AND a.msisdn IS NOT NULL THEN 1 ELSE 0 END) \
         FROM truth.decoys d JOIN social.posts p ON p.post_id = CAST(d.key AS BIGINT) \
         LEFT JOIN (SELECT DISTINCT phone_normalize(phone) AS msisdn FROM cctns.accused) a \
           ON a.msisdn = phone_normalize(p.linked_phone) \
         WHERE d.kind = 'toy_weapon'",
    )
    .await;
    assert!(posts[0] > 0, "no toy weapon posts");
    assert_eq!(
        posts[1], posts[0],
        "toy posts flagged as weapons, linked to accused persons' phones: {posts:?}"
    );
}

#[test]
fn parameter_errors_are_refused_before_the_query_runs() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["run", "vehicle_history"],
            "error: missing parameter plate (text) for report vehicle_history: give -p plate=VALUE (in the shell: \\r vehicle_history plate=VALUE)\n",
        ),
        (
            &["run", "district_crime_summary", "--param", "distrct=Jaipur"],
            "error: unknown parameter distrct for report district_crime_summary (did you mean district? it takes from, to, district)\n",
        ),
        (
            &[
                "run",
                "district_crime_summary",
                "--param",
                "from=2019-13-45",
            ],
            "error: parameter from: \"2019-13-45\" is not a date YYYY-MM-DD (date expected)\n",
        ),
        (
            &["run", "repeat_offenders", "--param", "min_firs=two"],
            "error: parameter min_firs: \"two\" is not a whole number (int expected)\n",
        ),
        (
            &["run", "repeat_offenders", "--param", "min_firs"],
            "error: parameter \"min_firs\" must be written name=value\n",
        ),
        (
            &["run", "stolen_vehicle_sightngs"],
            "error: no report named stolen_vehicle_sightngs (did you mean stolen_vehicle_sightings?)\n",
        ),
    ];
    for (args, expected) in cases {
        let output = run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&output), expected, "{args:?}");
        assert_eq!(stdout(&output), "", "{args:?}");
    }
}

#[test]
fn a_value_holding_sql_is_only_a_value() {
    let normal = run(&[
        "run",
        "district_crime_summary",
        "--param",
        "district=Jaipur",
        "--format",
        "csv",
    ]);
    assert!(normal.status.success(), "{}", stderr(&normal));
    assert!(stdout(&normal).lines().count() > 1);
    for injection in [
        "Jaipur' OR '1'='1",
        "Jaipur'; DROP TABLE cctns.fir; --",
        "x) OR (1=1",
    ] {
        let output = run(&[
            "run",
            "district_crime_summary",
            "--param",
            &format!("district={injection}"),
            "--format",
            "csv",
        ]);
        assert!(output.status.success(), "{injection}: {}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "district,category,firs,previous_firs,change,change_pct\n",
            "{injection} must match no district"
        );
    }
}

#[test]
fn output_file_extension_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    for (file, check) in [
        ("hits.csv", "district,category,firs"),
        ("hits.json", "[{\"district\":"),
        ("hits.md", "| district | category | firs |"),
    ] {
        let path = dir.path().join(file);
        let output = run(&[
            "run",
            "district_crime_summary",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(check), "{file}: {text}");
    }
    let parquet = dir.path().join("hits.parquet");
    let output = run(&[
        "run",
        "district_crime_summary",
        "-o",
        parquet.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = std::fs::read(&parquet).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
}

#[test]
fn lake_reports_are_listed_and_override_bundled_ones() {
    let dir = tempfile::tempdir().unwrap();
    write_file(&dir.path().join("lake.toml"), "name = \"tiny\"\n");
    write_file(
        &dir.path().join("sql/night_calls.sql"),
        "-- title: Night calls\n-- description: Calls at night.\n-- param: hour int = 22\nSELECT $hour AS hour\n",
    );
    write_file(
        &dir.path().join("sql/weapon_posts.sql"),
        "-- title: Local weapon posts\n-- description: Overrides the bundled one.\nSELECT 'local' AS source\n",
    );
    let lake = dir.path().join("lake.toml");
    let with_lake = || {
        let mut command = jaanch(dir.path());
        command.arg("--lake").arg(&lake);
        command
    };
    let output = with_lake()
        .args(["reports", "--format", "csv"])
        .output()
        .unwrap();
    let listing = stdout(&output);
    assert!(
        listing.contains("night_calls,Night calls,hour int = 22,"),
        "{listing}"
    );
    assert!(
        listing.contains("weapon_posts,Local weapon posts,,"),
        "{listing}"
    );
    assert!(
        listing.contains("stolen_vehicle_sightings,"),
        "bundled reports stay: {listing}"
    );
    // Piped without a format, the listing is plain: a header, then one line per report, its
    // fields tab-separated and never cut, however long.
    let output = with_lake().arg("reports").output().unwrap();
    let listing = stdout(&output);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(
        lines[0], "report\ttitle\tparameters\tsource\toutput",
        "{listing}"
    );
    assert_eq!(lines.len(), 1 + 10, "{listing}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("night_calls\tNight calls\thour int = 22\t")),
        "{listing}"
    );
    assert!(
        !listing.contains('│') && !listing.contains('…'),
        "{listing}"
    );
    let output = with_lake()
        .args([
            "run",
            "night_calls",
            "--param",
            "hour=23",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "hour\n23\n", "{}", stderr(&output));
    // A path runs the file directly.
    let output = with_lake()
        .args([
            "run",
            dir.path().join("sql/weapon_posts.sql").to_str().unwrap(),
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "source\nlocal\n", "{}", stderr(&output));
}

#[test]
fn a_broken_report_file_costs_only_its_own_report() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        &dir.path().join("lake.toml"),
        "name = \"tiny\"\nreports = \"checks\"\n",
    );
    write_file(
        &dir.path().join("checks/good.sql"),
        "-- title: Good\nSELECT 1 AS one\n",
    );
    write_file(
        &dir.path().join("checks/broken.sql"),
        "-- title: Broken\n-- param: day datee\nSELECT $day\n",
    );
    let lake = dir.path().join("lake.toml");
    let run = |args: &[&str]| {
        jaanch(dir.path())
            .arg("--lake")
            .arg(&lake)
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&["reports", "--format", "csv"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listing = stdout(&output);
    assert!(listing.contains("\ngood,Good,"), "{listing}");
    assert!(listing.contains("\nweapon_posts,"), "{listing}");
    assert!(!listing.contains("broken"), "{listing}");
    let warning = stderr(&output);
    assert!(
        warning.starts_with("warning: ")
            && warning.contains("broken.sql")
            && warning.lines().count() == 1,
        "{warning}"
    );

    let output = run(&["run", "good", "--format", "csv"]);
    assert_eq!(stdout(&output), "one\n1\n", "{}", stderr(&output));
    let output = run(&["run", "broken"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("datee"), "{}", stderr(&output));

    // A reports folder that does not exist leaves the bundled reports.
    write_file(
        &dir.path().join("lake.toml"),
        "name = \"tiny\"\nreports = \"missing\"\n",
    );
    let output = run(&["reports", "--format", "csv"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("\nweapon_posts,"));
    assert!(
        stderr(&output).starts_with("warning: reports folder ")
            && stderr(&output).contains("missing"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_shell_lists_and_runs_reports() {
    let home = demo_lake().parent().unwrap();
    let output = crate::common::with_stdin(
        jaanch(home).arg("--lake").arg(demo_lake()),
        "\\format csv\n\\dr\n\\r repeat_offenders min_firs=5\n\\r repeat_offenders min_firs=x\n",
    );
    let text = stdout(&output);
    assert!(
        text.contains("vehicle_history,History of one vehicle,plate text,bundled"),
        "{text}"
    );
    assert!(text.contains("phone,names_as_written,firs,"), "{text}");
    assert_eq!(
        stderr(&output),
        "error: <stdin>:4: parameter min_firs: \"x\" is not a whole number (int expected)\n"
    );
}

/// `jaanch run --html`: one page with the report's provenance, chart and map, the same as
/// `-o FILE.html`; a hostile parameter value appears as text.
#[test]
fn a_report_page_is_written_with_its_chart_map_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("summary.html");
    let output = run(&[
        "run",
        "district_crime_summary",
        "-p",
        "from=2025-10-01",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"));
    assert!(
        html.contains("<title>FIRs by district and category, against the previous period</title>")
    );
    assert!(html.contains("<dt>Report</dt><dd>district_crime_summary</dd>"));
    assert!(
        html.contains("<th scope=\"row\">from</th><td>2025-10-01</td>"),
        "{html}"
    );
    assert!(html.contains("<th scope=\"row\">to</th><td>DATE &#39;2025-12-31&#39; (default)</td>"));
    assert!(
        html.contains("<h2>Firs by district and category</h2>"),
        "{html}"
    );
    assert!(html.contains("<h2>Sum of firs by district</h2>"), "{html}");
    assert!(html.contains("<circle class=\"district has-value\" data-district=\"Jaipur\""));
    assert!(!html.contains("<script"), "{html}");
    let rows = html.matches("<tr><td>").count();
    assert!(rows > 10, "{rows} rows");
    assert!(
        html.contains(&format!("<dd>{rows} rows × 6 columns</dd>")),
        "{html}"
    );

    // -o picks HTML by the extension; --html and -o together are refused.
    let by_name = dir.path().join("same.htm");
    let output = run(&[
        "run",
        "district_crime_summary",
        "-o",
        by_name.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let same = std::fs::read_to_string(&by_name).unwrap();
    assert_eq!(
        same.matches("class=\"bar\"").count(),
        html.matches("class=\"bar\"").count()
    );
    let both = run(&[
        "run",
        "district_crime_summary",
        "--html",
        "a.html",
        "-o",
        "b.html",
    ]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    assert!(stderr(&both).contains("--html"), "{}", stderr(&both));

    let hostile = "\"><img src=x onerror=alert(1)>";
    let page = dir.path().join("hostile.html");
    let output = run(&[
        "run",
        "weapon_posts",
        "-p",
        &format!("district={hostile}"),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("<td>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"),
        "{html}"
    );
}

/// `jaanch sql` writes a query's page with its SQL; a page's file appears only when complete.
#[test]
fn a_query_page_names_its_sql_and_a_failed_query_leaves_no_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("q.html");
    let sql = "SELECT district_canonical(district) AS district, count(*) AS firs \
               FROM cctns.fir WHERE district <> '<b>x</b>' GROUP BY 1";
    let output = run(&["sql", sql, "-o", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<title>Query result</title>"));
    assert!(
        html.contains("WHERE district &lt;&gt; &#39;&lt;b&gt;x&lt;/b&gt;&#39;"),
        "{html}"
    );
    // No chart without a hint; a map by the district column's rows.
    assert!(!html.contains("class=\"bar\""));
    assert!(html.contains("<h2>Rows by district</h2>"), "{html}");

    // One page holds one result: a second is refused and no page is left; a statement without
    // rows (SET) is no result.
    let two = dir.path().join("two.html");
    let output = run(&[
        "sql",
        "SELECT 1 AS a; SELECT 2 AS b",
        "-o",
        two.to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&output),
        "error: cannot write output: an HTML page holds one result and this statement \
         gives a second (write each query to a page of its own)\n"
    );
    assert!(!two.exists());
    let sql = "SET datafusion.execution.batch_size = 1000; SELECT 1 AS a";
    let output = run(&["sql", sql, "-o", two.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::read_to_string(&two)
            .unwrap()
            .contains("<pre>SELECT 1 AS a</pre>")
    );

    let failed = dir.path().join("failed.html");
    let output = run(&[
        "sql",
        "SELECT 1/0 AS n FROM cctns.fir",
        "-o",
        failed.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(!failed.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with(".jaanch-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// In the shell, `\o page.html` makes each result the page: a report's with its chart.
#[test]
fn the_shell_writes_each_result_to_an_html_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    let home = demo_lake().parent().unwrap();
    let script = format!("\\o {}\n\\r district_crime_summary\n", page.display());
    let output = crate::common::with_stdin(jaanch(home).arg("--lake").arg(demo_lake()), &script);
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<dt>Report</dt><dd>district_crime_summary</dd>"),
        "{html}"
    );
    assert!(html.contains("class=\"bar\""));
    let script = format!("\\o {}\nSELECT 1 AS a;\nSELECT 2 AS b;\n", page.display());
    let output = crate::common::with_stdin(jaanch(home).arg("--lake").arg(demo_lake()), &script);
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<!DOCTYPE html>").count(), 1);
    assert!(html.contains("<pre>SELECT 2 AS b</pre>"), "{html}");
}

/// `CALL report(...)` runs a report as a SQL statement, with the same answer and checks as
/// `jaanch run`, its arguments taken as values of the declared types.
#[test]
fn a_report_is_a_sql_statement_too() {
    let by_run = run(&[
        "run",
        "district_crime_summary",
        "-p",
        "district=Kota",
        "-p",
        "from=2025-07-01",
        "--format",
        "csv",
    ]);
    assert!(by_run.status.success(), "{}", stderr(&by_run));
    assert!(stdout(&by_run).lines().count() > 2, "{}", stdout(&by_run));
    for call in [
        "CALL district_crime_summary(district => 'Kota', \"from\" => DATE '2025-07-01')",
        "call District_Crime_Summary(DATE '2025-07-01', DATE '2025-12-31', 'Kota')",
    ] {
        let output = run(&["sql", call, "--format", "csv"]);
        assert!(output.status.success(), "{call}: {}", stderr(&output));
        assert_eq!(stdout(&output), stdout(&by_run), "{call}");
    }
    let listed = run(&["sql", "CALL reports()", "--format", "csv"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed = stdout(&listed);
    assert!(
        listed.starts_with("report,title,parameters,description,output,call\n"),
        "{listed}"
    );
    assert!(
        listed.contains("CALL vehicle_history(plate => ?)"),
        "{listed}"
    );
    assert_eq!(listed.lines().count(), 10, "{listed}");

    let refusals = [
        (
            "CALL district_crime_summary(district => Kota)",
            "error: CALL district_crime_summary: parameter district takes a value ('text', 42, DATE '2024-06-30') or a placeholder, not Kota (quote a text: 'Kota')\n",
        ),
        (
            "CALL district_crime_summary(district => NULL)",
            "error: CALL district_crime_summary: parameter district takes a value ('text', 42, DATE '2024-06-30') or a placeholder, not NULL (leave the parameter out to use its default)\n",
        ),
        (
            "CALL district_crime_summary(district => (SELECT 'Kota'))",
            "error: CALL district_crime_summary: parameter district takes a value ('text', 42, DATE '2024-06-30') or a placeholder, not (SELECT 'Kota')\n",
        ),
        (
            "CALL district_crime_summary(distrct => 'Kota')",
            "error: unknown parameter distrct for report district_crime_summary (did you mean district? it takes from, to, district)\n",
        ),
        (
            "CALL repeat_offenders(2, 'Kota', 3)",
            "error: CALL repeat_offenders: 3 values given, the report takes 2\n",
        ),
        (
            "CALL repeat_offenders(min_firs => 2, 'Kota')",
            "error: CALL repeat_offenders: a value without a name cannot follow one with a name\n",
        ),
        (
            "CALL vehicle_history()",
            "error: missing parameter plate (text) for report vehicle_history: give -p plate=VALUE (in the shell: \\r vehicle_history plate=VALUE)\n",
        ),
        (
            "CALL \"/etc/passwd\"()",
            "error: CALL /etc/passwd: CALL runs the lake's reports by name, not report files (CALL reports() lists them)\n",
        ),
        (
            "CALL cctns.fir()",
            "error: CALL cctns.fir: reports have one-part names (CALL reports() lists them)\n",
        ),
        (
            "CALL vehicle_histry(plate => 'RJ14')",
            "error: no report named vehicle_histry (did you mean vehicle_history?)\n",
        ),
    ];
    for (sql, expected) in refusals {
        let output = run(&["sql", sql]);
        assert_eq!(output.status.code(), Some(1), "{sql}");
        assert_eq!(stderr(&output), expected, "{sql}");
        assert_eq!(stdout(&output), "", "{sql}");
    }
}

/// A report called with `?` placeholders takes its values bound, parsed by the declared types,
/// and a bound value holding SQL is one value.
#[tokio::test]
async fn a_report_call_takes_bound_values() {
    use datafusion::common::ScalarValue;
    use jaanch::params::Params;
    let session = session(Lake::open(demo_lake()).unwrap());
    let text = |v: &str| ScalarValue::Utf8(Some(v.to_string()));
    let prepared = session
        .prepare("CALL district_crime_summary(district => ?, \"from\" => ?)")
        .await
        .unwrap();
    let parameters: Vec<String> = prepared
        .parameters
        .iter()
        .map(|f| format!("{} {}", f.name(), f.data_type()))
        .collect();
    assert_eq!(parameters, ["$1 Utf8", "$2 Date32"]);
    assert_eq!(prepared.schema.field(0).name(), "district");
    let rows = |params| {
        let session = &session;
        async move {
            let result = session
                .sql_with_params(
                    "CALL district_crime_summary(district => ?, \"from\" => ?)",
                    params,
                )
                .await?;
            Ok::<_, jaanch::Error>(crate::common::text_rows(&result.collect().await?))
        }
    };
    let kota = rows(Params::Positional(vec![
        text("Kota"),
        ScalarValue::Date32(Some(20270)),
    ]))
    .await
    .unwrap();
    assert!(!kota.is_empty());
    assert!(kota.iter().all(|row| row[0] == "Kota"), "{kota:?}");
    let as_text = rows(Params::Positional(vec![text("Kota"), text("2025-07-01")]))
        .await
        .unwrap();
    assert_eq!(as_text, kota, "a date given as text is parsed as a date");
    let injected = rows(Params::Positional(vec![
        text("Kota' OR '1'='1"),
        text("2025-07-01"),
    ]))
    .await
    .unwrap();
    assert!(injected.is_empty(), "{injected:?}");
    let unbound = rows(Params::Positional(vec![text("Kota")]))
        .await
        .unwrap_err();
    assert_eq!(
        unbound.to_string(),
        "CALL district_crime_summary: no value is bound to $2 (parameter from)"
    );
    let too_many = rows(Params::Positional(vec![
        text("Kota"),
        text("2025-07-01"),
        text("x"),
    ]))
    .await
    .unwrap_err();
    assert_eq!(
        too_many.to_string(),
        "CALL district_crime_summary: 3 values bound, but the call has 2 placeholders"
    );
}

/// JDBC-style `?` placeholders are `$1`, `$2`, ... in the order written.
#[tokio::test]
async fn question_mark_placeholders_bind_in_order() {
    use datafusion::common::ScalarValue;
    use jaanch::params::Params;
    let session = session(Lake::open(demo_lake()).unwrap());
    let sql = "SELECT ? AS a, ? || '?' AS b, '?' AS c -- ?";
    let prepared = session.prepare(sql).await.unwrap();
    assert_eq!(prepared.parameters.len(), 2);
    let result = session
        .sql_with_params(
            sql,
            Params::Positional(vec![ScalarValue::Int64(Some(1)), ScalarValue::from("x")]),
        )
        .await
        .unwrap();
    assert_eq!(
        crate::common::text_rows(&result.collect().await.unwrap()),
        [["1", "x?", "?"]]
    );
    let mixed = session.prepare("SELECT ?, $1").await.unwrap_err();
    assert_eq!(
        mixed.to_string(),
        "the statement mixes ? placeholders with $1: use one kind (? or $1, $2, ... or $name)"
    );
}
