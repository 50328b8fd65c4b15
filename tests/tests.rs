//! All integration tests, in one binary: every test binary links all of DataFusion, so one
//! binary keeps builds fast. Each module covers one part of jaanch.

mod access;
mod audit;
mod cli;
mod cluster;
mod common;
mod delta;
mod demo;
mod lake;
mod reports;
mod s3;
mod server;
mod shell;
mod slt;
