//! jaanch: a SQL query engine over a police data lake, built on Apache DataFusion.
//!
//! A [`Lake`] turns a `lake.toml` into a ready session: object stores, one schema per source with
//! lazily listed tables, the police SQL functions and `ref` tables, memory limits and spilling,
//! and a read-only policy. Every front end — the shell, `jaanch sql`, reports, Python — runs
//! statements through [`exec`] and prints through [`output`].

pub mod catalog;
pub mod cli;
pub mod config;
pub mod demo;
pub mod describe;
pub mod error;
pub mod exec;
pub mod lake;
pub mod output;
pub mod reports;
pub mod script;
pub mod storage;

pub use config::LakeConfig;
pub use error::{Error, Result};
pub use lake::Lake;
