//! End-to-end throughput of `plate_normalize` and `plate_is_valid` in DataFusion queries, for
//! the comparison with DuckDB in `bench/functions_vs_duckdb.py`.
//!
//! Loads a Parquet file with one string column `p` into memory (a `MemTable` split into one
//! partition per thread), registers the police functions and times, for each query, the best
//! of `--repeat` runs of `SELECT count(plate_normalize(p)) FROM plates` and
//! `SELECT count(*) FROM plates WHERE plate_is_valid(p)`. Prints one JSON object per query.
//!
//! ```text
//! cargo run --release -p jaanch-udfs --example plate_throughput -- \
//!     /tmp/jaanch_plates.parquet --threads 1 --repeat 5 [--utf8] [--dump 100000 /tmp/out.txt]
//! ```

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::error::Result;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

const QUERIES: [(&str, &str); 2] = [
    (
        "plate_normalize",
        "SELECT count(plate_normalize(p)) FROM plates",
    ),
    (
        "plate_is_valid",
        "SELECT count(*) FROM plates WHERE plate_is_valid(p)",
    ),
];

struct Options {
    path: String,
    threads: usize,
    repeat: usize,
    utf8: bool,
    dump: Option<(usize, String)>,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        path: String::new(),
        threads: 1,
        repeat: 5,
        utf8: false,
        dump: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                options.threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--threads N")
            }
            "--repeat" => {
                options.repeat = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--repeat N")
            }
            "--utf8" => options.utf8 = true,
            "--dump" => {
                let rows = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--dump ROWS PATH");
                options.dump = Some((rows, args.next().expect("--dump ROWS PATH")));
            }
            _ => options.path = arg,
        }
    }
    assert!(
        !options.path.is_empty(),
        "usage: plate_throughput FILE.parquet [--threads N] [--repeat N] [--utf8] [--dump ROWS PATH]"
    );
    options
}

fn main() -> Result<()> {
    let options = options();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads)
        .enable_all()
        .build()?
        .block_on(run(options))
}

async fn run(options: Options) -> Result<()> {
    let config = SessionConfig::new()
        .with_target_partitions(options.threads)
        .with_batch_size(8192);
    let ctx = SessionContext::new_with_config(config);
    for udf in jaanch_udfs::functions() {
        ctx.register_udf(udf.as_ref().clone());
    }

    // Load into memory in file order (one reading partition), as the string type asked for,
    // then deal the batches out to one partition per thread.
    let loader = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    let batches = loader
        .read_parquet(&options.path, ParquetReadOptions::default())
        .await?
        .collect()
        .await?;
    let string_type = if options.utf8 {
        DataType::Utf8
    } else {
        DataType::Utf8View
    };
    let schema = Arc::new(Schema::new(vec![Field::new(
        "p",
        string_type.clone(),
        true,
    )]));
    let mut partitions = vec![Vec::new(); options.threads];
    let mut rows = 0;
    for (i, batch) in batches.iter().enumerate() {
        let column = cast(batch.column(0), &string_type)?;
        rows += column.len();
        partitions[i % options.threads]
            .push(RecordBatch::try_new(Arc::clone(&schema), vec![column])?);
    }
    ctx.register_table("plates", Arc::new(MemTable::try_new(schema, partitions)?))?;

    for (name, sql) in QUERIES {
        let mut best = f64::INFINITY;
        let mut result = 0;
        for _ in 0..options.repeat {
            let start = Instant::now();
            let out = ctx.sql(sql).await?.collect().await?;
            let seconds = start.elapsed().as_secs_f64();
            best = best.min(seconds);
            result = out[0]
                .column(0)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .value(0);
        }
        println!(
            "{{\"engine\": \"jaanch\", \"query\": \"{name}\", \"threads\": {}, \"string_type\": \"{string_type}\", \"rows\": {rows}, \"seconds\": {best:.6}, \"rows_per_second\": {:.0}, \"result\": {result}}}",
            options.threads,
            rows as f64 / best,
        );
    }

    if let Some((limit, path)) = options.dump {
        // The first `limit` results of plate_normalize, one per line (`\N` for NULL), for
        // checking that both engines compute the same thing.
        let sql = format!("SELECT plate_normalize(p) FROM (SELECT p FROM plates LIMIT {limit})");
        let ctx1 = loader;
        for udf in jaanch_udfs::functions() {
            ctx1.register_udf(udf.as_ref().clone());
        }
        ctx1.register_table(
            "plates",
            Arc::new(MemTable::try_new(batches[0].schema(), vec![batches])?),
        )?;
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        for batch in ctx1.sql(&sql).await?.collect().await? {
            let column = cast(batch.column(0), &DataType::Utf8)?;
            let values = column.as_string::<i32>();
            for i in 0..values.len() {
                if values.is_null(i) {
                    writeln!(file, "\\N")?;
                } else {
                    writeln!(file, "{}", values.value(i))?;
                }
            }
        }
    }
    Ok(())
}
