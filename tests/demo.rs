//! The demo lake generator: determinism, registration, mess proportions, planted links against
//! the ground truth, and the `jaanch demo` command.
//!
//! Values are checked through this file's own canonicalisation (plates, phones, check
//! digits), independent of the police functions; the plate match key is checked too.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jaanch::Lake;
use jaanch_demo::{self as demo, DemoOptions, DemoSummary, mess};

use crate::common::{jaanch, query, session, stderr, stdout};

fn generate(dir: &Path, scale: f64, seed: u64) -> DemoSummary {
    demo::generate(&DemoOptions {
        scale,
        seed,
        out: dir.to_path_buf(),
        progress: false,
    })
    .unwrap()
}

/// Every file under `dir` with its bytes, but the audit log's signing keys (new random ones
/// every time).
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.ends_with("keys") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

fn assert_within(what: &str, value: f64, low: f64, high: f64) {
    assert!(
        (low..=high).contains(&value),
        "{what}: {value:.4} not within [{low}, {high}]"
    );
}

// ----- Own canonicalisation ----------------------------------------------------------------

/// Letters and digits of a plate, uppercased, Devanagari digits as ASCII, without an `IND`
/// prefix.
fn plate_chars(text: &str) -> String {
    let chars: String = text
        .chars()
        .filter_map(|c| match c {
            '०'..='९' => char::from_digit(c as u32 - '०' as u32, 10),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_uppercase()),
            _ => None,
        })
        .collect();
    match chars.strip_prefix("IND") {
        Some(rest) if rest.len() >= 7 => rest.to_string(),
        _ => chars,
    }
}

fn class_of(c: char) -> char {
    match c {
        'O' | '0' | 'D' | 'Q' => '0',
        'I' | '1' | 'L' | 'T' | 'J' => '1',
        'Z' | '2' => '2',
        'S' | '5' => '5',
        'B' | '8' => '8',
        'G' | '6' => '6',
        'A' | '4' => '4',
        c => c,
    }
}

/// A coarse key equal for a plate and its formatting, padding and look-alike variants: the
/// look-alike classes of its characters, zero class dropped.
fn loose_key(text: &str) -> String {
    plate_chars(text)
        .chars()
        .map(class_of)
        .filter(|&c| c != '0')
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut previous = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let current = row[j];
            row[j] = (row[j] + 1)
                .min(row[j - 1] + 1)
                .min(previous + (a[i - 1] != b[j - 1]) as usize);
            previous = current;
        }
    }
    row[b.len()]
}

/// Whether `text` is a plate in canonical form: `RJ14CA0012` (Delhi `DL3CAB1234`),
/// `22BH1234AA`, `RSB1234`.
fn is_canonical_plate(text: &str) -> bool {
    const STATES: [&str; 11] = [
        "RJ", "HR", "GJ", "MP", "DL", "UP", "PB", "MH", "CH", "UK", "TS",
    ];
    let b = text.as_bytes();
    let run = |from: usize, digits: bool| {
        b[from..]
            .iter()
            .take_while(|c| {
                if digits {
                    c.is_ascii_digit()
                } else {
                    c.is_ascii_uppercase()
                }
            })
            .count()
    };
    if b.len() < 7 || !text.is_ascii() {
        return false;
    }
    // Bharat series.
    if run(0, true) == 2 && &text[2..4] == "BH" {
        return run(4, true) == 4
            && (1..=2).contains(&run(8, false))
            && 8 + run(8, false) == b.len();
    }
    // Old three-letter series.
    if run(0, false) == 3 {
        return run(3, true) == 4 && b.len() == 7;
    }
    if run(0, false) != 2 || !STATES.contains(&&text[..2]) {
        return false;
    }
    let rto = run(2, true);
    let rto_ok = if &text[..2] == "DL" {
        (1..=2).contains(&rto) && b[2] != b'0'
    } else {
        rto == 2
    };
    let series = run(2 + rto, false);
    let series_ok =
        (1..=3).contains(&series) && !text[2 + rto..2 + rto + series].contains(['I', 'O']);
    rto_ok && series_ok && run(2 + rto + series, true) == 4 && 2 + rto + series + 4 == b.len()
}

/// A mobile number's 10 digits, if `text` is one: 10 digits starting 6-9, alone or after
/// `+91`, `91` or `0`, with spaces and dashes.
fn mobile(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '+'))
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let ten = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('0') => &digits[1..],
        12 if digits.starts_with("91") => &digits[2..],
        _ => return None,
    };
    matches!(ten.as_bytes()[0], b'6'..=b'9').then(|| format!("+91{ten}"))
}

fn verhoeff_valid(number: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let digits: Vec<u8> = number
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| d - b'0')
        .collect();
    if digits.len() != 12
        || digits[0] < 2
        || number.chars().any(|c| !c.is_ascii_digit() && c != ' ')
    {
        return false;
    }
    let mut c = 0u8;
    for (i, &d) in digits.iter().rev().enumerate() {
        c = D[c as usize][P[i % 8][d as usize] as usize];
    }
    c == 0
}

fn luhn_valid(number: &str) -> bool {
    if number.len() != 15 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn current_districts() -> HashSet<String> {
    jaanch_udfs::reference::DISTRICTS
        .iter()
        .filter(|d| d.is_current())
        .map(|d| d.name.clone())
        .collect()
}

fn column(rows: &[Vec<String>], i: usize) -> Vec<&str> {
    rows.iter().map(|r| r[i].as_str()).collect()
}

// ----- Tests -------------------------------------------------------------------------------

#[test]
fn same_seed_and_scale_give_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    generate(&a, 0.002, 7);
    generate(&b, 0.002, 7);
    generate(&c, 0.002, 8);
    let (files_a, files_b, files_c) = (files(&a), files(&b), files(&c));
    assert!(files_a.len() > 20, "{:?}", files_a.keys());
    assert_eq!(
        files_a.keys().collect::<Vec<_>>(),
        files_b.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &files_a {
        assert!(
            bytes == &files_b[path],
            "{} differs between runs",
            path.display()
        );
    }
    let differing = files_a
        .iter()
        .filter(|(p, bytes)| files_c.get(*p) != Some(bytes))
        .count();
    assert!(
        differing > files_a.len() / 2,
        "another seed changes the data"
    );
    // Generating again over a demo lake replaces it, leaving nothing else behind.
    generate(&a, 0.002, 7);
    assert!(files(&a) == files_a);
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries.len(), 3, "{entries:?}");
}

#[tokio::test]
async fn lake_toml_loads_and_every_table_answers() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), 0.003, 1);
    assert_eq!(summary.lake_toml, dir.path().join("lake.toml"));
    let opened = Lake::open(&summary.lake_toml).unwrap();
    assert_eq!(opened.name(), "rajasthan-demo");
    assert_eq!(summary.tables.len(), demo::tables::ALL.len());
    for table in opened.tables() {
        let config = &table.config;
        assert!(
            config.description.as_deref().is_some_and(|d| d.len() > 20),
            "{}",
            config.name
        );
        let spec = demo::tables::ALL
            .iter()
            .find(|s| s.name == config.name)
            .unwrap();
        for column in spec.columns {
            assert!(
                config.columns.contains_key(column.name),
                "{}.{}",
                config.name,
                column.name
            );
        }
    }
    let lake = session(opened);
    for (name, rows) in &summary.tables {
        assert!(*rows > 0, "{name} is empty");
        let counted = query(&lake, &format!("SELECT count(*) FROM {name}")).await;
        assert_eq!(counted, vec![vec![rows.to_string()]], "{name}");
    }
    assert_eq!(
        summary.total_rows,
        summary.tables.iter().map(|(_, r)| r).sum::<usize>()
    );
    // Arrow types and partitions.
    let types = query(
        &lake,
        "SELECT arrow_typeof(registered_at), arrow_typeof(year), arrow_typeof(lat), arrow_typeof(fir_id) \
         FROM cctns.fir LIMIT 1",
    )
    .await;
    assert_eq!(types[0][0], "Timestamp(µs)");
    assert_eq!(types[0][1], "Int32");
    assert_eq!(types[0][2], "Float64");
    assert_eq!(types[0][3], "Int64");
    let days = query(
        &lake,
        "SELECT count(DISTINCT dt), min(dt), max(dt) FROM abhay.anpr_reads",
    )
    .await;
    assert_eq!(
        days,
        vec![vec![
            "7".to_string(),
            "2025-12-25".to_string(),
            "2025-12-31".to_string()
        ]]
    );
    let years = query(
        &lake,
        "SELECT min(year), max(year), count(DISTINCT year) FROM cctns.fir",
    )
    .await;
    assert_eq!(
        years,
        vec![vec![
            "2019".to_string(),
            "2025".to_string(),
            "7".to_string()
        ]]
    );
    // No ref schema is generated: the session's own ref tables answer.
    assert!(
        !std::fs::read_to_string(&summary.lake_toml)
            .unwrap()
            .contains("name = \"ref.")
    );
}

#[tokio::test]
async fn mess_is_in_the_documented_proportions() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), 0.01, 3);
    let lake = session(Lake::open(&summary.lake_toml).unwrap());

    // Plates typed at the station: 60% in another style than canonical (an unpadded number
    // of 4 digits, or O/I typed where there is no 0/1, still looks canonical).
    let typed = query(&lake, "SELECT plate FROM cctns.stolen_vehicles").await;
    let typed_other = typed.iter().filter(|r| !is_canonical_plate(&r[0])).count();
    let expected = 1.0 - mess::TYPED_PLATE_STYLES[0].1;
    assert_within(
        "typed plates not canonical",
        share(typed_other, typed.len()),
        expected - 0.2,
        expected + 0.05,
    );

    // ANPR reads: 34% noisy; confidence falls with the noise.
    let reads = query(&lake, "SELECT plate_text, confidence FROM abhay.anpr_reads").await;
    let noisy: Vec<&Vec<String>> = reads
        .iter()
        .filter(|r| !is_canonical_plate(&r[0]))
        .collect();
    let clean_share = mess::READ_NOISE[0].1;
    assert_within(
        "noisy reads",
        share(noisy.len(), reads.len()),
        1.0 - clean_share - 0.04,
        1.0 - clean_share + 0.02,
    );
    let mean = |rows: &mut dyn Iterator<Item = &Vec<String>>| {
        let values: Vec<f64> = rows.map(|r| r[1].parse::<f64>().unwrap()).collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    let noisy_confidence = mean(&mut noisy.iter().copied());
    let clean_confidence = mean(&mut reads.iter().filter(|r| is_canonical_plate(&r[0])));
    assert!(
        clean_confidence > noisy_confidence + 0.1,
        "{clean_confidence} vs {noisy_confidence}"
    );
    let look_alike_state = reads
        .iter()
        .filter(|r| r[0].starts_with("RI") || r[0].starts_with("R1"))
        .count();
    assert!(look_alike_state > 0, "RJ read as RI");
    let other_states = reads
        .iter()
        .filter(|r| {
            ["HR", "GJ", "MP", "DL", "UP"]
                .iter()
                .any(|s| r[0].starts_with(s))
        })
        .count();
    assert_within(
        "other states' plates",
        share(other_states, reads.len()),
        0.06,
        0.12,
    );
    let registrations = query(&lake, "SELECT reg_no FROM vahan.registrations").await;
    assert!(
        registrations.iter().all(|r| is_canonical_plate(&r[0])),
        "VAHAN holds canonical plates"
    );
    assert!(
        registrations.iter().any(|r| r[0][2..4] == *"BH"),
        "Bharat series"
    );
    assert!(
        registrations.iter().any(|r| r[0].len() == 7),
        "old three-letter series"
    );

    // Districts as written.
    let canonical = current_districts();
    for (table, column_name) in [
        ("cctns.fir", "district"),
        ("portal.complaints", "district"),
        ("telecom.subscribers", "district"),
    ] {
        let rows = query(&lake, &format!("SELECT {column_name} FROM {table}")).await;
        let other = rows.iter().filter(|r| !canonical.contains(&r[0])).count();
        let expected = 1.0 - mess::DISTRICT_STYLES[0].1;
        assert_within(
            &format!("{table} districts not canonical"),
            share(other, rows.len()),
            expected - 0.06,
            expected + 0.06,
        );
        let hindi = rows
            .iter()
            .filter(|r| r[0].chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)))
            .count();
        assert_within(
            &format!("{table} districts in Devanagari"),
            share(hindi, rows.len()),
            0.03,
            0.10,
        );
    }
    let written: HashSet<String> = query(
        &lake,
        "SELECT district FROM cctns.fir UNION SELECT district FROM telecom.subscribers \
         UNION SELECT district FROM portal.complaints",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    let reference = &jaanch_udfs::reference::POLICE_DISTRICTS;
    assert!(
        reference
            .iter()
            .any(|p| written.contains(&p.police_district)),
        "police districts"
    );
    let abolished = jaanch_udfs::reference::DISTRICTS
        .iter()
        .filter(|d| !d.is_current());
    assert!(
        abolished.clone().any(|d| written.contains(&d.name)),
        "abolished districts"
    );
    let calls = query(&lake, "SELECT district FROM abhay.dial112_calls").await;
    let decorated = calls
        .iter()
        .filter(|r| {
            r[0].starts_with("Distt.") || r[0].ends_with("(Raj.)") || r[0].starts_with("near ")
        })
        .count();
    assert!(share(decorated, calls.len()) > 0.05, "free-text districts");
    // The mess is what district_canonical is for: every style but typos of names of four
    // letters or fewer (Pli, Tok: too short to tell) resolves.
    for table in [
        "cctns.fir",
        "cctns.accused",
        "abhay.dial112_calls",
        "portal.complaints",
        "telecom.subscribers",
    ] {
        let counts = query(
            &lake,
            &format!("SELECT count(*), count(district_canonical(district)) FROM {table}"),
        )
        .await;
        let (rows, resolved): (usize, usize) =
            (counts[0][0].parse().unwrap(), counts[0][1].parse().unwrap());
        assert_within(
            &format!("{table} districts that district_canonical resolves"),
            share(resolved, rows),
            0.985,
            1.0,
        );
    }

    // Phones.
    let phones = query(&lake, "SELECT phone FROM cctns.accused").await;
    let missing = phones.iter().filter(|r| r[0] == "NULL").count();
    assert_within(
        "accused phones missing",
        share(missing, phones.len()),
        mess::ACCUSED_PHONE_MISSING - 0.03,
        mess::ACCUSED_PHONE_MISSING + 0.03,
    );
    let written: Vec<&str> = phones
        .iter()
        .map(|r| r[0].as_str())
        .filter(|p| *p != "NULL")
        .collect();
    let invalid = written.iter().filter(|p| mobile(p).is_none()).count();
    assert_within(
        "accused phones invalid",
        share(invalid, written.len()),
        0.01,
        0.06,
    );
    let owners = query(
        &lake,
        "SELECT owner_phone FROM vahan.registrations WHERE owner_phone IS NOT NULL",
    )
    .await;
    let invalid = owners.iter().filter(|r| mobile(&r[0]).is_none()).count();
    assert_within(
        "owner phones invalid",
        share(invalid, owners.len()),
        mess::PHONE_INVALID - 0.015,
        mess::PHONE_INVALID + 0.015,
    );
    let formats: HashSet<String> = written
        .iter()
        .map(|p| {
            p.chars()
                .map(|c| if c.is_ascii_digit() { '9' } else { c })
                .collect()
        })
        .collect();
    assert!(formats.len() >= 7, "phone formats: {formats:?}");

    // Identity documents in subscriber forms.
    let ids = query(
        &lake,
        "SELECT id_type, id_number, imei FROM telecom.subscribers",
    )
    .await;
    let aadhaar: Vec<&str> = ids
        .iter()
        .filter(|r| r[0] == "Aadhaar")
        .map(|r| r[1].as_str())
        .collect();
    assert_within("Aadhaar share", share(aadhaar.len(), ids.len()), 0.78, 0.88);
    let bad = aadhaar.iter().filter(|a| !verhoeff_valid(a)).count();
    assert_within(
        "Aadhaar invalid",
        share(bad, aadhaar.len()),
        mess::AADHAAR_INVALID - 0.01,
        mess::AADHAAR_INVALID + 0.025,
    );
    let spaced = aadhaar.iter().filter(|a| a.contains(' ')).count();
    assert_within(
        "Aadhaar spaced",
        share(spaced, aadhaar.len()),
        mess::AADHAAR_SPACED - 0.04,
        mess::AADHAAR_SPACED + 0.04,
    );
    let bad_imei = ids.iter().filter(|r| !luhn_valid(&r[2])).count();
    let expected = mess::IMEI_INVALID + mess::IMEI_SHORT;
    assert_within(
        "IMEI invalid",
        share(bad_imei, ids.len()),
        expected - 0.015,
        expected + 0.015,
    );

    // Sections: IPC for offences before 1 July 2024, BNS after.
    let firs = query(&lake, "SELECT occurred_at < TIMESTAMP '2024-07-01 00:00:00', sections, registered_at FROM cctns.fir").await;
    let mut hindi = 0;
    for row in &firs {
        let ipc = row[1].contains("IPC") || row[1].contains("भादवि");
        let bns = row[1].contains("BNS") || row[1].contains("बीएनएस");
        if row[0] == "true" {
            assert!(!bns, "BNS before 1 July 2024: {row:?}");
        } else {
            assert!(!ipc, "IPC after 1 July 2024: {row:?}");
        }
        hindi += row[1].contains("धारा") as usize;
    }
    assert_within(
        "sections in Hindi",
        share(hindi, firs.len()),
        mess::SECTIONS_HINDI - 0.03,
        mess::SECTIONS_HINDI + 0.03,
    );
    assert!(
        firs.iter().any(|r| r[1].contains("Arms Act"))
            && firs.iter().any(|r| r[1].contains("NDPS"))
    );

    // Rhythms: reads by day, calls in the evening and at weekends.
    let hours = query(
        &lake,
        "SELECT extract(hour FROM seen_at) AS h, count(*) FROM abhay.anpr_reads GROUP BY h",
    )
    .await;
    let by_hour: HashMap<u32, usize> = hours
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()))
        .collect();
    let day: usize = (8..20).map(|h| by_hour.get(&h).copied().unwrap_or(0)).sum();
    assert!(share(day, reads.len()) > 0.6, "reads by day");
    let calls = query(
        &lake,
        "SELECT sum(CASE WHEN extract(hour FROM received_at) BETWEEN 18 AND 23 THEN 1 ELSE 0 END), \
                sum(CASE WHEN extract(hour FROM received_at) BETWEEN 6 AND 11 THEN 1 ELSE 0 END) \
         FROM abhay.dial112_calls",
    )
    .await;
    let (evening, morning): (usize, usize) =
        (calls[0][0].parse().unwrap(), calls[0][1].parse().unwrap());
    assert!(
        evening > morning * 3 / 2,
        "evening {evening} vs morning {morning}"
    );
    let span = query(
        &lake,
        "SELECT min(registered_at), max(registered_at) FROM cctns.fir",
    )
    .await;
    assert!(
        span[0][0].starts_with("2019-01") && span[0][1].starts_with("2025-12"),
        "{span:?}"
    );
}

#[tokio::test]
async fn planted_links_agree_with_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), 0.02, 5);
    let lake = session(Lake::open(&summary.lake_toml).unwrap());

    // Stolen vehicle sightings: the read exists as recorded, is of the stolen plate, after the
    // theft, of an unrecovered vehicle registered in VAHAN.
    let sightings = query(
        &lake,
        "SELECT t.plate, t.plate_text, r.plate_text, t.camera_id = r.camera_id AND t.seen_at = r.seen_at, \
                s.plate, s.recovered_on IS NULL \
                  AND s.stolen_at < t.seen_at - arrow_cast(c.clock_offset_seconds, 'Duration(Second)'), \
                v.reg_no IS NOT NULL \
         FROM truth.stolen_sightings t \
         LEFT JOIN abhay.anpr_reads r ON r.read_id = t.read_id \
         LEFT JOIN abhay.cameras c ON c.camera_id = t.camera_id \
         LEFT JOIN cctns.stolen_vehicles s ON s.fir_id = t.fir_id \
         LEFT JOIN vahan.registrations v ON v.reg_no = t.plate",
    )
    .await;
    assert!(sightings.len() >= 20, "{} sightings", sightings.len());
    let mut exact_classes = 0;
    for row in &sightings {
        assert_eq!(row[1], row[2], "plate_text as in the read: {row:?}");
        assert_eq!(row[3], "true", "camera and time as in the read: {row:?}");
        assert_eq!(
            row[5], "true",
            "unrecovered, seen after the theft (by the true time): {row:?}"
        );
        assert_eq!(row[6], "true", "registered in VAHAN: {row:?}");
        assert_eq!(
            loose_key(&row[4]),
            loose_key(&row[0]),
            "typed plate is the stolen plate: {row:?}"
        );
        let (read, plate) = (loose_key(&row[2]), loose_key(&row[0]));
        assert!(
            edit_distance(&read, &plate) <= 1,
            "read is a noisy rendering of the plate: {row:?}"
        );
        exact_classes += (read == plate) as usize;
    }
    assert!(
        share(exact_classes, sightings.len()) >= 0.9,
        "{exact_classes} of {}",
        sightings.len()
    );

    // The police functions' match key joins reads to stolen plates.
    let keyed = query(
        &lake,
        "SELECT count(*), sum(CASE WHEN plate_match_key(r.plate_text) = plate_match_key(t.plate) THEN 1 ELSE 0 END), \
                sum(CASE WHEN plate_match_key(s.plate) = plate_match_key(t.plate) THEN 1 ELSE 0 END) \
         FROM truth.stolen_sightings t JOIN abhay.anpr_reads r USING (read_id) \
         JOIN cctns.stolen_vehicles s USING (fir_id)",
    )
    .await;
    let (total, matched, typed): (usize, usize, usize) = (
        keyed[0][0].parse().unwrap(),
        keyed[0][1].parse().unwrap(),
        keyed[0][2].parse().unwrap(),
    );
    eprintln!(
        "plate_match_key(read) = plate_match_key(stolen plate) for {matched} of {total} truth sightings ({:.1}%)",
        100.0 * share(matched, total)
    );
    assert!(share(matched, total) >= 0.95, "{matched} of {total}");
    assert_eq!(
        typed, total,
        "typed stolen plates share the key of the canonical plate"
    );

    // Precision: reads matching an unrecovered stolen plate after the theft are sightings.
    let extra = query(
        &lake,
        "SELECT count(*) FROM abhay.anpr_reads r \
         JOIN cctns.stolen_vehicles s ON plate_match_key(r.plate_text) = plate_match_key(s.plate) \
         JOIN abhay.cameras c ON c.camera_id = r.camera_id \
         WHERE s.recovered_on IS NULL \
           AND r.seen_at - arrow_cast(c.clock_offset_seconds, 'Duration(Second)') > s.stolen_at \
           AND r.read_id NOT IN (SELECT read_id FROM truth.stolen_sightings)",
    )
    .await;
    let extra: usize = extra[0][0].parse().unwrap();
    eprintln!("reads matching a stolen plate's key that are not sightings: {extra}");
    assert!(
        extra * 50 <= total.max(50),
        "{extra} false matches for {total} sightings"
    );

    // Repeat offenders: several rows per person, one phone number, names spelt differently.
    let repeat = query(
        &lake,
        "SELECT t.person_id, a.name, a.phone, a.fir_id = t.fir_id FROM truth.repeat_offenders t \
         JOIN cctns.accused a USING (accused_id) ORDER BY t.person_id",
    )
    .await;
    assert_eq!(
        repeat.len(),
        summary.rows("truth.repeat_offenders").unwrap()
    );
    let mut by_person: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for row in &repeat {
        assert_eq!(row[3], "true");
        by_person.entry(&row[0]).or_default().push(row);
    }
    let mut spelt_differently = 0;
    for rows in by_person.values() {
        assert!(rows.len() >= 2);
        let phones: HashSet<String> = rows.iter().filter_map(|r| mobile(&r[2])).collect();
        assert!(phones.len() <= 1, "one person, one number: {rows:?}");
        let names: HashSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        spelt_differently += (names.len() > 1) as usize;
    }
    assert!(
        share(spelt_differently, by_person.len()) > 0.4,
        "{spelt_differently} of {}",
        by_person.len()
    );
    let persons = query(
        &lake,
        "SELECT count(DISTINCT person_id) FROM truth.repeat_offenders",
    )
    .await;
    assert!(persons[0][0].parse::<usize>().unwrap() > 10);

    // Accused phones in subscriber data and posts.
    let subscribers = query(
        &lake,
        "SELECT msisdn, name, id_type, id_number FROM telecom.subscribers",
    )
    .await;
    let subscriber_by_msisdn: HashMap<String, &Vec<String>> = subscribers
        .iter()
        .map(|r| (mobile(&r[0]).expect("subscriber numbers are valid"), r))
        .collect();
    assert_eq!(
        subscriber_by_msisdn.len(),
        subscribers.len(),
        "one row per number"
    );
    let posts = query(
        &lake,
        "SELECT post_id, linked_phone, weapon_in_image FROM social.posts",
    )
    .await;
    let mut posts_by_msisdn: HashMap<String, Vec<&Vec<String>>> = HashMap::new();
    for post in &posts {
        if let Some(m) = mobile(&post[1]) {
            posts_by_msisdn.entry(m).or_default().push(post);
        }
    }
    let accused_phones = query(
        &lake,
        "SELECT t.msisdn, a.phone, t.in_subscribers, t.posts, a.name FROM truth.accused_phones t \
         JOIN cctns.accused a USING (accused_id)",
    )
    .await;
    assert!(accused_phones.len() > 100);
    for row in &accused_phones {
        assert_eq!(mobile(&row[1]).as_deref(), Some(row[0].as_str()), "{row:?}");
        assert_eq!(
            subscriber_by_msisdn.contains_key(&row[0]),
            row[2] == "true",
            "{row:?}"
        );
        let count = posts_by_msisdn.get(&row[0]).map_or(0, Vec::len);
        assert_eq!(count.to_string(), row[3], "{row:?}");
    }
    // Every accused row with a valid phone found in either source is in the truth.
    let accused = query(&lake, "SELECT accused_id, phone FROM cctns.accused").await;
    let linked = accused
        .iter()
        .filter(|r| {
            mobile(&r[1]).is_some_and(|m| {
                subscriber_by_msisdn.contains_key(&m) || posts_by_msisdn.contains_key(&m)
            })
        })
        .count();
    assert_eq!(linked, accused_phones.len());

    // SIMs registered in someone else's identity.
    let mismatches = query(
        &lake,
        "SELECT t.msisdn, t.reason, t.subscriber_name, a.name FROM truth.sim_identity_mismatch t \
         JOIN cctns.accused a USING (accused_id)",
    )
    .await;
    assert!(mismatches.len() > 10);
    let mut reasons = HashSet::new();
    for row in &mismatches {
        let subscriber = subscriber_by_msisdn[&row[0]];
        assert_eq!(subscriber[1], row[2], "{row:?}");
        if row[1].starts_with("other_person") {
            assert_ne!(
                subscriber[1], row[3],
                "registered to another person: {row:?}"
            );
        }
        if row[1].ends_with("invalid_aadhaar") {
            assert_eq!(subscriber[2], "Aadhaar");
            assert!(!verhoeff_valid(&subscriber[3]), "{row:?}");
        }
        reasons.insert(row[1].clone());
    }
    assert!(
        reasons.contains("other_person") && reasons.contains("invalid_aadhaar"),
        "{reasons:?}"
    );
    // The accused's other SIMs are in their own identity, with a valid Aadhaar.
    let flagged: HashSet<&str> = mismatches.iter().map(|r| r[0].as_str()).collect();
    for row in accused_phones
        .iter()
        .filter(|r| r[2] == "true" && !flagged.contains(r[0].as_str()))
    {
        let subscriber = subscriber_by_msisdn[&row[0]];
        if subscriber[2] == "Aadhaar" {
            assert!(verhoeff_valid(&subscriber[3]), "{row:?} {subscriber:?}");
        }
    }

    // Weapon posts linked to accused phones.
    let weapon_posts = query(
        &lake,
        "SELECT DISTINCT post_id, msisdn FROM truth.weapon_posts",
    )
    .await;
    assert!(!weapon_posts.is_empty());
    let accused_numbers: HashSet<&str> = accused_phones.iter().map(|r| r[0].as_str()).collect();
    let truth_posts: HashSet<&str> = column(&weapon_posts, 0).into_iter().collect();
    // Toy and replica weapons are flagged in the image too: decoys, not weapon posts.
    let toys = query(
        &lake,
        "SELECT key FROM truth.decoys WHERE kind = 'toy_weapon'",
    )
    .await;
    let toys: HashSet<&str> = column(&toys, 0).into_iter().collect();
    assert!(!toys.is_empty(), "toy weapon posts are planted");
    for post in &posts {
        let linked_to_accused =
            mobile(&post[1]).is_some_and(|m| accused_numbers.contains(m.as_str()));
        let expected = post[2] == "true" && linked_to_accused && !toys.contains(post[0].as_str());
        assert_eq!(truth_posts.contains(post[0].as_str()), expected, "{post:?}");
    }
    let public_weapons = posts
        .iter()
        .filter(|p| p[2] == "true" && !truth_posts.contains(p[0].as_str()))
        .count();
    assert!(
        public_weapons > 0,
        "weapon posts not by accused persons exist, so precision matters"
    );
}

#[test]
fn demo_command_writes_a_lake_and_refuses_bad_options() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("lake");
    let run = |args: &[&str]| jaanch(home.path()).arg("demo").args(args).output().unwrap();

    let output = run(&[
        "--scale",
        "0.002",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("cctns.fir"), "{text}");
    assert!(
        text.contains(&format!(
            "jaanch --lake {}",
            out.join("lake.toml").display()
        )),
        "{text}"
    );
    assert_eq!(stderr(&output), "", "no progress bar off a terminal");
    // Again over the previous demo lake: replaced.
    let output = run(&["--scale", "0.002", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let one_line_error = |output: std::process::Output, start: &str| {
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert!(message.starts_with(start), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    };
    for scale in ["0", "-1", "nan"] {
        one_line_error(
            run(&["--scale", scale, "--out", out.to_str().unwrap()]),
            "error: scale must be a positive number",
        );
    }
    let file = home.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    one_line_error(
        run(&["--out", file.to_str().unwrap()]),
        &format!("error: out {}: is a file", file.display()),
    );
    let precious = home.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("data.csv"), "a,b\n").unwrap();
    one_line_error(
        run(&["--scale", "0.002", "--out", precious.to_str().unwrap()]),
        &format!(
            "error: out {}: folder is not empty and holds no jaanch demo lake",
            precious.display()
        ),
    );
    assert_eq!(
        std::fs::read_dir(&precious).unwrap().count(),
        1,
        "left untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

#[test]
fn without_a_config_jaanch_opens_the_demo_lake() {
    let home = tempfile::tempdir().unwrap();
    let count = |home: &Path| {
        jaanch(home)
            .current_dir(home)
            .args([
                "sql",
                "SELECT count(*) AS n FROM cctns.stolen_vehicles",
                "--format",
                "csv",
            ])
            .output()
            .unwrap()
    };
    let output = count(home.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("generating the demo lake (scale 0.05)"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
    let rows = stdout(&output);
    assert!(
        rows.starts_with("n\n") && rows.trim_end().lines().count() == 2,
        "{rows}"
    );
    // Generated once: the next run opens it silently.
    let again = count(home.path());
    assert_eq!(stderr(&again), "");
    assert_eq!(stdout(&again), rows);
    let dir = home.path().join("data/jaanch");
    assert!(
        std::fs::read_dir(&dir).unwrap().count() == 1,
        "one demo lake in {}",
        dir.display()
    );
}

#[tokio::test]
async fn the_governed_demo_lake_shows_each_user_their_part() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), 0.002, 7);
    let all = session(Lake::open(&summary.lake_toml).unwrap());
    let governed = Lake::open(dir.path().join("governed.toml")).unwrap();
    let as_user = |user: &str| {
        governed
            .session(jaanch::Identity::new(user).with_purpose("FIR 12/2025 PS Kotwali"))
            .unwrap()
    };
    let count = "SELECT count(*) FROM cctns.fir";
    let kota_count = query(
        &all,
        "SELECT count(*) FROM cctns.fir WHERE district_canonical(district) = 'Kota'",
    )
    .await;
    assert_eq!(query(&as_user("si.kota01"), count).await, kota_count);
    assert_ne!(
        query(&as_user("si.jaipur01"), count).await,
        kota_count,
        "another district, other FIRs"
    );
    assert_eq!(
        query(&as_user("scrb.admin"), count).await,
        query(&all, count).await
    );
    // Phones are masked for district analysts: no unmasked mobile number comes back.
    let phones = query(
        &as_user("si.kota01"),
        "SELECT phone FROM cctns.accused WHERE phone IS NOT NULL",
    )
    .await;
    assert!(!phones.is_empty());
    for row in &phones {
        assert!(mobile(&row[0]).is_none(), "{} is not masked", row[0]);
    }
    let denied = as_user("cyber.jaipur")
        .sql(count)
        .await
        .unwrap_err()
        .to_string();
    assert!(denied.starts_with("table cctns.fir not found"), "{denied}");
    // Every statement above is on record, and the chain checks out.
    let key = jaanch::audit::read_public_key(&dir.path().join("keys/audit.key.pub")).unwrap();
    let verified = jaanch::audit::verify(&dir.path().join("audit"), &key).unwrap();
    assert_eq!(verified.records, 5, "{verified}");
    assert_eq!(
        query(
            &as_user("auditor1"),
            "SELECT count(DISTINCT \"user\") FROM audit.log"
        )
        .await,
        vec![vec!["4".to_string()]]
    );
}
