//! Police SQL functions for Apache DataFusion.
//!
//! [`functions`] lists every function; a jaanch session registers all of them.
//! Families share a name prefix (`plate_`, `district_`, `phone_`, ...) so tab completion lists a
//! family together. Every function takes any string encoding (Utf8, LargeUtf8, Utf8View,
//! dictionary), gives NULL for NULL, and NULL — never an error — for a value it cannot parse.

use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::logical_expr::ScalarUDF;

pub mod district;
mod function;
#[cfg(test)]
mod fuzz;
pub mod geo;
pub mod hostile;
mod kernel;
pub mod law;
mod memo;
pub mod person;
pub mod plate;
pub mod reference;
pub mod rng;

/// Every police function, ready to register in a session.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    [
        plate::functions(),
        district::functions(),
        person::functions(),
        law::functions(),
        geo::functions(),
    ]
    .concat()
}

/// What builds a reference table's rows.
pub type BuildTable = fn() -> RecordBatch;

/// The `ref` schema's tables (`districts`, `rto_codes`, ...), each with what builds its
/// contents from the same embedded data the functions use.
pub fn reference_tables() -> Vec<(&'static str, BuildTable)> {
    [district::reference_tables(), law::reference_tables()].concat()
}
