//! Throughput of the people, device and law functions over batches of messy values.
//!
//! Each function is called through its registered UDF on one 8192-row batch (DataFusion's
//! batch size) of seeded values as they arrive in police data: phone numbers with and without
//! prefixes and separators, Aadhaar and IMEI numbers with spaces and dashes, some with wrong
//! check digits, some garbage; FIR section strings for the law functions. `ascii` and
//! `devanagari` (the same with Devanagari digits) sets, each as `StringArray` (Utf8) and
//! `StringViewArray` (Utf8View). Throughput is in rows.
//!
//! Run: `cargo bench -p jaanch-udfs --bench people` (filter: `-- phone_normalize`).

mod common;

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray, StringViewArray};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::config::ConfigOptions;
use jaanch_udfs::rng::Rng;

use common::invoke;

const ROWS: usize = 8192;

/// `n` random decimal digits.
fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// One messy mobile number.
fn messy_phone(rng: &mut Rng) -> String {
    let number = format!("{}{}", 6 + rng.below(4), digits(rng, 9));
    let (head, tail) = number.split_at(5);
    match rng.below(12) {
        0..=2 => number,
        3 => format!("+91{number}"),
        4 => format!("+91 {head} {tail}"),
        5 => format!("0{head}-{tail}"),
        6 => format!("91{number}"),
        7 => format!("(+91) {head}.{tail}"),
        8 => format!("{}{}", 1 + rng.below(5), digits(rng, 9)),
        9 => {
            let len = 9 + rng.below(4) as usize;
            digits(rng, len)
        }
        10 => format!("Mob {number}"),
        _ => rng
            .pick(&["", "N/A", "nil", "0", "9829012345/9829012346"])
            .to_string(),
    }
}

/// One messy Aadhaar number: a tenth have a wrong check digit.
fn messy_aadhaar(rng: &mut Rng) -> String {
    let number = format!("{}{}", 2 + rng.below(8), digits(rng, 11));
    match rng.below(8) {
        0..=2 => number,
        3..=4 => format!("{} {} {}", &number[..4], &number[4..8], &number[8..]),
        5 => format!("{}-{}-{}", &number[..4], &number[4..8], &number[8..]),
        6 => {
            let len = 11 + rng.below(3) as usize;
            digits(rng, len)
        }
        _ => rng
            .pick(&["", "NA", "XXXX XXXX 1234", "applied"])
            .to_string(),
    }
}

/// One messy IMEI.
fn messy_imei(rng: &mut Rng) -> String {
    let number = format!("35{}", digits(rng, 13));
    match rng.below(8) {
        0..=3 => number,
        4 => format!(
            "{}-{}-{}-{}",
            &number[..2],
            &number[2..8],
            &number[8..14],
            &number[14..]
        ),
        5 => format!("{}/{}/{}", &number[..8], &number[8..14], &number[14..]),
        6 => {
            let len = 14 + rng.below(3) as usize;
            digits(rng, len)
        }
        _ => rng
            .pick(&["", "000000000000000", "unknown", "IMEI1"])
            .to_string(),
    }
}

/// One FIR sections string.
fn messy_sections(rng: &mut Rng) -> String {
    rng.pick(&[
        "379 IPC",
        "379, 411 IPC",
        "u/s 303(2) BNS",
        "302/34 IPC",
        "3/25 Arms Act",
        "धारा 379 भादवि",
        "IPC 379 r/w 34",
        "NDPS 8/21",
        "Sec 66C IT Act",
        "379 IPC, 3/25 Arms Act",
        "147, 148, 149, 323, 341 IPC",
        "498-A, 406 IPC",
        "",
        "theft",
    ])
    .to_string()
}

fn to_devanagari(text: String) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0966 + (c as u32 - '0' as u32)).unwrap(),
            _ => c,
        })
        .collect()
}

/// Makes one messy value.
type Generator = fn(&mut Rng) -> String;

fn bench_people(c: &mut Criterion) {
    let functions = jaanch_udfs::functions();
    let config = Arc::new(ConfigOptions::default());
    let generators: [(&str, Generator); 5] = [
        ("phone_normalize", messy_phone),
        ("aadhaar_is_valid", messy_aadhaar),
        ("imei_is_valid", messy_imei),
        ("law_sections", messy_sections),
        ("ipc_to_bns", |rng| {
            rng.pick(&["379", "IPC 420", "498-A", "u/s 302", "999", "x"])
                .into()
        }),
    ];
    for (function, generate) in generators {
        let udf = functions.iter().find(|f| f.name() == function).unwrap();
        let mut group = c.benchmark_group(function);
        group.throughput(Throughput::Elements(ROWS as u64));
        for (script, devanagari) in [("ascii", false), ("devanagari", true)] {
            let mut rng = Rng::new(42);
            let values: Vec<String> = (0..ROWS)
                .map(|_| generate(&mut rng))
                .map(|v| if devanagari { to_devanagari(v) } else { v })
                .collect();
            let utf8: ArrayRef = Arc::new(StringArray::from_iter_values(&values));
            let view: ArrayRef = Arc::new(StringViewArray::from_iter_values(&values));
            for (encoding, array) in [("Utf8", utf8), ("Utf8View", view)] {
                group.bench_function(format!("{script}/{encoding}"), |b| {
                    b.iter(|| black_box(invoke(udf, black_box(&array), &config)))
                });
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_people
}
criterion_main!(benches);
