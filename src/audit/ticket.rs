//! A statement's record while the statement runs: written when it ends, fails or is dropped.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::common::DataFusionError;
use datafusion::physical_plan::{RecordBatchStream, SendableRecordBatchStream};
use futures::{Stream, StreamExt};

use super::{AuditError, AuditLog, Entry, Outcome};
use crate::error::{Error, one_line};

/// The record of a statement not yet written. Dropped unwritten, it is written as cancelled.
#[derive(Debug)]
pub(crate) struct Ticket {
    log: Arc<AuditLog>,
    entry: Entry,
    started: Instant,
    written: bool,
}

impl Ticket {
    pub fn new(log: Arc<AuditLog>, entry: Entry, started: Instant) -> Ticket {
        Ticket {
            log,
            entry,
            started,
            written: false,
        }
    }

    /// Checks that the record will be writable, before the statement starts.
    pub fn preflight(&self) -> Result<(), AuditError> {
        self.log.check()
    }

    /// The lake tables the statement reads.
    pub fn set_tables(&mut self, tables: Vec<String>) {
        self.entry.tables = tables;
    }

    /// The Delta versions the statement reads (see [`crate::provenance`]).
    pub fn set_versions(&mut self, reads: &[crate::provenance::TableRead]) {
        let versioned: Vec<_> = reads
            .iter()
            .filter_map(|r| Some((&r.table, r.version?.0)))
            .collect();
        for &(table, version) in &versioned {
            let twice = versioned.iter().filter(|(t, _)| *t == table).count() > 1;
            let key = if twice {
                format!("{table}@v{version}")
            } else {
                table.clone()
            };
            self.entry.versions.insert(key, version);
        }
    }

    /// The report the statement is, and its parameters as given.
    pub fn set_params(&mut self, report: Option<&str>, params: BTreeMap<String, String>) {
        self.entry.report = report.map(str::to_string);
        self.entry.params = params;
    }

    fn count(&mut self, rows: usize) {
        *self.entry.rows.get_or_insert(0) += rows as u64;
    }

    /// Writes the record with how the statement ended.
    pub fn close(&mut self, outcome: Outcome, error: Option<String>) -> Result<(), AuditError> {
        if self.written {
            return Ok(());
        }
        self.written = true;
        self.entry.outcome = outcome;
        self.entry.error = error;
        self.entry.duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        self.log.append(&self.entry).map(|_| ())
    }

    /// Writes the record of a statement that failed with `error`; an error writing it
    /// replaces `error`.
    pub fn close_with(&mut self, error: Error) -> Error {
        let outcome = match &error {
            Error::Refused { .. } => Outcome::Refused,
            Error::AccessDenied(_) => Outcome::Denied,
            Error::Cancelled => Outcome::Cancelled,
            _ => Outcome::Error,
        };
        match self.close(outcome, Some(error.to_string())) {
            Ok(()) => error,
            Err(audit) => Error::Audit(audit),
        }
    }

    /// The rows of `stream`, counted, with the record written at their end, before the last
    /// batch is handed on: a result of one batch is on record before any of it is seen.
    pub fn watch(mut self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        self.entry.rows = Some(0);
        Box::pin(AuditedStream {
            inner: stream,
            ticket: self,
            held: None,
            done: false,
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        // Nothing is left to fail: a statement dropped unfinished cannot be given an error.
        let _ = self.close(Outcome::Cancelled, None);
    }
}

struct AuditedStream {
    inner: SendableRecordBatchStream,
    ticket: Ticket,
    /// The batch most recently read, handed on when the next one arrives or once the record
    /// is written.
    held: Option<RecordBatch>,
    done: bool,
}

impl Stream for AuditedStream {
    type Item = datafusion::common::Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match futures::ready!(this.inner.poll_next_unpin(cx)) {
                Some(Ok(batch)) => {
                    this.ticket.count(batch.num_rows());
                    if let Some(previous) = this.held.replace(batch) {
                        return Poll::Ready(Some(Ok(previous)));
                    }
                }
                Some(Err(error)) => {
                    this.done = true;
                    this.held = None;
                    let message = one_line(&error);
                    let result = match this.ticket.close(Outcome::Error, Some(message)) {
                        Ok(()) => error,
                        Err(audit) => Error::Audit(audit).into_datafusion(),
                    };
                    return Poll::Ready(Some(Err(result)));
                }
                None => {
                    this.done = true;
                    if let Err(audit) = this.ticket.close(Outcome::Ok, None) {
                        this.held = None;
                        let error: DataFusionError = Error::Audit(audit).into_datafusion();
                        return Poll::Ready(Some(Err(error)));
                    }
                    return Poll::Ready(this.held.take().map(Ok));
                }
            }
        }
    }
}

impl RecordBatchStream for AuditedStream {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}
