//! Throughput of the plate functions over batches of messy plates.
//!
//! Each function is called through its registered UDF on one 8192-row batch (DataFusion's
//! batch size) of seeded, messy plates: `ascii` (case, separators, missing padding, OCR
//! noise, some garbage) and `devanagari` (the same with Devanagari digits), each as
//! `StringArray` (Utf8) and `StringViewArray` (Utf8View). Throughput is in rows.
//!
//! Run: `cargo bench -p jaanch-udfs --bench plates` (filter: `-- plate_normalize`).

mod common;

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray, StringViewArray};
use arrow::datatypes::DataType;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::config::ConfigOptions;
use jaanch_udfs::plate::Plate;

use common::invoke;
use common::plates::{ROWS, plates};

fn bench_plates(c: &mut Criterion) {
    let functions = jaanch_udfs::functions();
    let config = Arc::new(ConfigOptions::default());
    let mut inputs: Vec<(String, ArrayRef)> = Vec::new();
    let mut parse = c.benchmark_group("Plate::parse");
    parse.throughput(Throughput::Elements(ROWS as u64));
    for (name, devanagari) in [("ascii", false), ("devanagari", true)] {
        let values = plates(42, devanagari);
        // The parser alone, without Arrow arrays around it.
        parse.bench_function(name, |b| {
            b.iter(|| {
                values
                    .iter()
                    .filter(|v| black_box(Plate::parse(black_box(v))).is_some())
                    .count()
            })
        });
        let utf8: ArrayRef = Arc::new(StringArray::from_iter_values(&values));
        let view: ArrayRef = Arc::new(StringViewArray::from_iter_values(&values));
        inputs.push((format!("{name}/Utf8"), utf8));
        inputs.push((format!("{name}/Utf8View"), view));
    }
    parse.finish();
    for udf in functions.iter().filter(|f| f.name().starts_with("plate_")) {
        let mut group = c.benchmark_group(udf.name());
        group.throughput(Throughput::Elements(ROWS as u64));
        for (name, array) in &inputs {
            assert!(matches!(
                array.data_type(),
                DataType::Utf8 | DataType::Utf8View
            ));
            group.bench_function(name.as_str(), |b| {
                b.iter(|| black_box(invoke(udf, black_box(array), &config)))
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_plates
}
criterion_main!(benches);
