//! jaanch: a SQL query engine over a police data lake, built on Apache DataFusion.
//!
//! The way in is one: a [`Lake`] turns a `lake.toml` into object stores, one schema per source
//! with lazily listed tables, the police SQL functions and `ref` tables, memory limits and
//! spilling; [`Lake::session`] opens a [`Session`] for an [`Identity`]; the session runs
//! statements ([`Session::sql`], [`Session::run`] for a script's, [`Session::report`] for a saved
//! report) under the lake's policy and returns [`QueryResult`]s to stream, collect or print
//! ([`output`]). Errors are one [`Error`] enum. Front ends — the command line (`cli/`), the
//! Python bindings (`python/`) — are thin layers over this.
//!
//! ```no_run
//! # async fn example() -> jaanch::Result<()> {
//! let lake = jaanch::Lake::open("lake.toml")?;
//! let session = lake.session(jaanch::Identity::local())?;
//! let batches = session
//!     .sql("SELECT district_canonical(district) AS district, count(*) FROM cctns.fir GROUP BY 1")
//!     .await?
//!     .collect()
//!     .await?;
//! # Ok(())
//! # }
//! ```

pub mod access;
pub mod audit;
mod build_keys;
mod catalog;
pub mod cluster;
pub mod config;
mod decimal_arithmetic;
pub mod delta;
pub mod describe;
mod diagnose;
pub mod error;
mod filter_conditions;
#[cfg(test)]
mod fuzz;
mod join_sides;
mod key_bitmap;
mod lake;
#[cfg(unix)]
mod local_files;
mod memory;
mod names;
pub mod output;
pub mod params;
mod partition_aggregates;
mod percentiles;
mod policy;
pub mod provenance;
mod reference;
mod regexp_replace;
pub mod reports;
mod result;
mod run_time_filters;
pub mod script;
mod session;
mod shared_subplans;
mod spilling_joins;
mod storage;
#[cfg(test)]
mod test_util;
mod yielding;

pub use config::LakeConfig;
pub use error::{Error, Result};
pub use lake::{CATALOG, DEFAULT_SCHEMA, Lake, REF_SCHEMA};
pub use names::closest;
pub use params::Params;
pub use result::{Outcome, QueryResult};
pub use session::{Identity, LIST_REPORTS, Prepared, REPORT_PARAMETER, Session};

/// The current time in RFC 3339, UTC, to `precision` (`2026-12-04T20:08:14Z`): as the audit log
/// and HTML pages write it.
pub(crate) fn utc_now(precision: chrono::SecondsFormat) -> String {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp_millis(since_epoch.as_millis() as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(precision, true)
}
