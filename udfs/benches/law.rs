//! Throughput of `law_sections` over batches of FIR section texts.
//!
//! The function is called through its registered UDF on 8192-row batches (DataFusion's batch
//! size) of seeded texts as FIRs write them (`379 IPC`, `u/s 303(2) BNS`, `279, 337, 304A
//! IPC`, `3/25 Arms Act`, Hindi, Devanagari digits), as `StringArray` (Utf8):
//! - `column`: one batch drawn from 500 texts, as an FIR column repeats them; the function
//!   remembers the answers its thread found, so after the first pass these are its memo's;
//! - `distinct`: eight batches of texts that never repeat (each carries a case number), taken
//!   in turn: 65,536 texts, four times what a memo holds, so every text is read afresh.
//!
//! Throughput is in rows. Run: `cargo bench -p jaanch-udfs --bench law`.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::config::ConfigOptions;
use jaanch_udfs::rng::Rng;

use common::{invoke, police_function};

const ROWS: usize = 8192;

/// One section text as a station writes it.
fn sections(rng: &mut Rng) -> String {
    const IPC: &[&str] = &[
        "379", "411", "420", "406", "323", "341", "279", "337", "304A", "498A",
    ];
    const BNS: &[&str] = &["303(2)", "318(4)", "115(2)", "126(2)", "281", "85"];
    let pick = |rng: &mut Rng, from: &[&str]| from[rng.index(from.len())].to_string();
    match rng.index(8) {
        0 => format!("{} IPC", pick(rng, IPC)),
        1 => format!("u/s {}, {} IPC", pick(rng, IPC), pick(rng, IPC)),
        2 => format!("{} BNS", pick(rng, BNS)),
        3 => format!("धारा {} भादवि", pick(rng, IPC)),
        4 => format!("{} IPC, 3/25 Arms Act", pick(rng, IPC)),
        5 => format!("Sec. {} r/w 34 IPC", pick(rng, IPC)),
        6 => "19/54 Rajasthan Excise Act".to_string(),
        _ => format!("धारा {} बीएनएस", pick(rng, BNS)).replace('3', "३"),
    }
}

fn law_sections(c: &mut Criterion) {
    let udf = police_function("law_sections");
    let config = Arc::new(ConfigOptions::default());
    let mut rng = Rng::new(0x1A_5EC);
    let texts: Vec<String> = (0..500).map(|_| sections(&mut rng)).collect();
    let column: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..ROWS).map(|_| &texts[rng.index(texts.len())]),
    ));
    let mut case = 0;
    let distinct: Vec<ArrayRef> = (0..8)
        .map(|_| {
            let batch = (0..ROWS).map(|_| {
                case += 1;
                format!("{} (case {case}/2025)", sections(&mut rng))
            });
            Arc::new(StringArray::from_iter_values(batch)) as ArrayRef
        })
        .collect();
    let mut group = c.benchmark_group("law_sections");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("column", |b| {
        b.iter(|| black_box(invoke(&udf, black_box(&column), &config)))
    });
    let mut next = 0;
    group.bench_function("distinct", |b| {
        b.iter(|| {
            next = (next + 1) % distinct.len();
            black_box(invoke(&udf, black_box(&distinct[next]), &config))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = law_sections
}
criterion_main!(benches);
