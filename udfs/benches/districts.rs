//! Throughput of `district_canonical` over batches of district names as they appear in FIRs.
//!
//! The function is called through its registered UDF on one 8192-row batch (DataFusion's batch
//! size) of seeded names, as `StringArray` (Utf8) and `StringViewArray` (Utf8View):
//! - `mix`: 45% clean English names, 20% messy (case, spacing, punctuation, `Distt.`, `(Rural)`),
//!   10% aliases, police and abolished districts, 15% Devanagari, 7% one-letter typos, 3% words
//!   that are no district;
//! - `clean`: only exact names (the hash-lookup path);
//! - `typos`: only one-letter typos and unknown words (the edit-distance path).
//!
//! `geo_distance_km` is measured here too, on 8192 points inside Rajasthan, against a fixed
//! point (a scalar, as in "within 10 km of the incident") and against a second column.
//!
//! Throughput is in rows. Run: `cargo bench -p jaanch-udfs --bench districts`.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, StringArray, StringViewArray};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::ColumnarValue;
use jaanch_udfs::rng::Rng;

use common::{invoke, police_function};

const ROWS: usize = 8192;

const NAMES: &[&str] = &[
    "Ajmer",
    "Alwar",
    "Banswara",
    "Baran",
    "Barmer",
    "Bharatpur",
    "Bhilwara",
    "Bikaner",
    "Bundi",
    "Chittorgarh",
    "Churu",
    "Dausa",
    "Dholpur",
    "Dungarpur",
    "Sri Ganganagar",
    "Hanumangarh",
    "Jaipur",
    "Jaisalmer",
    "Jalore",
    "Jhalawar",
    "Jhunjhunu",
    "Jodhpur",
    "Karauli",
    "Kota",
    "Nagaur",
    "Pali",
    "Pratapgarh",
    "Rajsamand",
    "Sawai Madhopur",
    "Sikar",
    "Sirohi",
    "Tonk",
    "Udaipur",
    "Balotra",
    "Beawar",
    "Deeg",
    "Didwana-Kuchaman",
    "Khairthal-Tijara",
    "Kotputli-Behror",
    "Phalodi",
    "Salumbar",
];

const OTHER_SPELLINGS: &[&str] = &[
    "Chittaurgarh",
    "Ganganagar",
    "Shri Ganganagar",
    "Jhunjhunun",
    "Dhaulpur",
    "Jalor",
    "Badmer",
    "Jaipur East",
    "Jaipur West",
    "Jodhpur Rural",
    "GRP Ajmer",
    "Bhiwadi",
    "Kota City",
    "Dudu",
    "Kekri",
    "Shahpura",
    "Neem Ka Thana",
    "Gangapur City",
    "Anupgarh",
    "Sanchore",
    "Kotputali",
];

const HINDI: &[&str] = &[
    "जयपुर",
    "जोधपुर",
    "अजमेर",
    "उदयपुर",
    "कोटा",
    "बीकानेर",
    "भरतपुर",
    "अलवर",
    "सीकर",
    "बाड़मेर",
    "भीलवाड़ा",
    "श्रीगंगानगर",
    "झुंझुनूं",
    "चित्तौड़गढ़",
    "सवाई माधोपुर",
    "जिला नागौर",
    "डीडवाना-कुचामन",
    "ब्यावर",
    "दूदू",
];

const NOT_DISTRICTS: &[&str] = &[
    "Delhi", "Bhopal", "Mumbai", "unknown", "N/A", "-", "Gurugram",
];

/// One district name as written in a record.
fn name(rng: &mut Rng, kind: usize) -> String {
    match kind {
        0..=44 => rng.pick(NAMES).to_string(),
        45..=64 => {
            let name = rng.pick(NAMES);
            match rng.index(5) {
                0 => name.to_uppercase(),
                1 => format!("  {} ", name.to_lowercase()),
                2 => format!("{name} Distt."),
                3 => format!("{name} (Rural)"),
                _ => name.replace(' ', "-").to_lowercase(),
            }
        }
        65..=74 => rng.pick(OTHER_SPELLINGS).to_string(),
        75..=89 => rng.pick(HINDI).to_string(),
        90..=96 => {
            // One letter changed, dropped or doubled in a name of 5 letters or more.
            let mut chars: Vec<char> = loop {
                let name = rng.pick(NAMES);
                if name.len() >= 5 {
                    break name.chars().collect();
                }
            };
            let at = 1 + rng.index(chars.len() - 1);
            match rng.index(3) {
                0 => chars[at] = (b'a' + rng.index(26) as u8) as char,
                1 => {
                    chars.remove(at);
                }
                _ => chars.insert(at, chars[at]),
            }
            chars.into_iter().collect()
        }
        _ => rng.pick(NOT_DISTRICTS).to_string(),
    }
}

fn batch(kinds: impl Fn(&mut Rng) -> usize) -> Vec<String> {
    let mut rng = Rng::new(0x5EED_D157);
    (0..ROWS)
        .map(|_| {
            let kind = kinds(&mut rng);
            name(&mut rng, kind)
        })
        .collect()
}

fn district_canonical(c: &mut Criterion) {
    let udf = police_function("district_canonical");
    let config = Arc::new(ConfigOptions::default());
    let inputs = [
        ("mix", batch(|rng| rng.index(100))),
        ("clean", batch(|_| 0)),
        ("typos", batch(|rng| 90 + rng.index(10))),
    ];
    let mut group = c.benchmark_group("district_canonical");
    group.throughput(Throughput::Elements(ROWS as u64));
    for (name, values) in &inputs {
        let utf8: ArrayRef = Arc::new(StringArray::from_iter_values(values));
        let view: ArrayRef = Arc::new(StringViewArray::from_iter_values(values));
        // Built once, outside the measurement.
        invoke(&udf, &utf8, &config);
        group.bench_function(format!("{name}/utf8"), |b| {
            b.iter(|| black_box(invoke(&udf, black_box(&utf8), &config)))
        });
        group.bench_function(format!("{name}/utf8view"), |b| {
            b.iter(|| black_box(invoke(&udf, black_box(&view), &config)))
        });
    }
    group.finish();
}

fn geo_distance_km(c: &mut Criterion) {
    let udf = police_function("geo_distance_km");
    let config = Arc::new(ConfigOptions::default());
    let mut rng = Rng::new(0x6E0_D157);
    // Rajasthan spans about 23.0–30.2° N and 69.5–78.3° E.
    let mut coordinates = |lo: f64, span: f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(
            (0..ROWS).map(|_| lo + span * rng.index(1_000_000) as f64 / 1e6),
        ))
    };
    let (lat1, lon1) = (coordinates(23.0, 7.2), coordinates(69.5, 8.8));
    let (lat2, lon2) = (coordinates(23.0, 7.2), coordinates(69.5, 8.8));
    let scalar = |v: f64| ColumnarValue::Scalar(ScalarValue::Float64(Some(v)));
    let column = |a: &ArrayRef| ColumnarValue::Array(Arc::clone(a));
    let call = |args: Vec<ColumnarValue>| common::call(&udf, args, ROWS, &config);
    let mut group = c.benchmark_group("geo_distance_km");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("to_fixed_point", |b| {
        b.iter(|| {
            black_box(call(vec![
                column(&lat1),
                column(&lon1),
                scalar(26.9124),
                scalar(75.7873),
            ]))
        })
    });
    group.bench_function("two_columns", |b| {
        b.iter(|| {
            black_box(call(vec![
                column(&lat1),
                column(&lon1),
                column(&lat2),
                column(&lon2),
            ]))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = district_canonical, geo_distance_km
}
criterion_main!(benches);
