//! One plate function called on the plate bench's messy batch (8192 rows, `ascii` or
//! `devanagari`), twice, as DataFusion calls it: for counting the instructions a value takes,
//! which unlike its time does not change with the load of a shared machine.
//!
//! ```text
//! cargo build --release -p jaanch-udfs --example plate_batch
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/plate.out \
//!     target/release/examples/plate_batch plate_match_key ascii
//! callgrind_annotate --inclusive=yes /tmp/plate.out | grep invoke_with_args
//! ```
//!
//! The count of the function's `invoke_with_args` (its output array built) over 16,384 is its
//! instructions a value.

#[path = "../benches/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use datafusion::config::ConfigOptions;

use common::plates::plates;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, devanagari) = match args.as_slice() {
        [name, batch] if batch == "ascii" || batch == "devanagari" => {
            (name.as_str(), batch == "devanagari")
        }
        _ => {
            eprintln!("usage: plate_batch FUNCTION ascii|devanagari (e.g. plate_match_key ascii)");
            return ExitCode::FAILURE;
        }
    };
    let Some(udf) = jaanch_udfs::functions()
        .into_iter()
        .find(|f| f.name() == name && name.starts_with("plate_"))
    else {
        eprintln!("plate_batch: no plate function named {name:?}");
        return ExitCode::FAILURE;
    };
    let values: ArrayRef = Arc::new(StringArray::from_iter_values(plates(42, devanagari)));
    let config = Arc::new(ConfigOptions::default());
    for _ in 0..2 {
        black_box(common::invoke(&udf, &values, &config));
    }
    ExitCode::SUCCESS
}
