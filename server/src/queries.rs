//! The server's queries and their limits.
//!
//! A query takes a [`Slot`] before it is planned and gives it back when its last row is sent,
//! its client goes away, or it is cancelled: the `[server]` limits on queries per user and in
//! all count slots. A planned query waits under a random handle, which only its user can
//! redeem, until the client fetches its rows; while they stream, a [`Guarded`] stream enforces
//! the statement timeout and the result's row and byte limits, and stops when the query is
//! cancelled (by its client, or by the server shutting down). Dropping a query's stream — a
//! client that disconnects — stops it and frees its memory.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow_flight::error::FlightError;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::{Stream, StreamExt};
use jaanch::QueryResult;
use jaanch::config::ServerLimits;
use parking_lot::Mutex;
use tokio::sync::watch;
use tonic::Status;

/// A query's handle: random bytes in its ticket.
pub(crate) type Handle = Vec<u8>;

/// How long a planned query's rows wait to be fetched.
const UNCLAIMED: Duration = Duration::from_secs(300);

/// A fresh random handle, for a query or a prepared statement.
pub(crate) fn random_handle() -> Result<Handle, Status> {
    let mut handle = vec![0u8; 16];
    getrandom::fill(&mut handle)
        .map_err(|e| Status::internal(format!("no randomness for a handle: {e}")))?;
    Ok(handle)
}

/// Why a streaming query was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Cancelled,
    Shutdown,
}

/// The queries of the server, planned or streaming.
pub(crate) struct Queries {
    limits: ServerLimits,
    /// How long a planned query's rows wait to be fetched ([`UNCLAIMED`]).
    unclaimed: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Planned, waiting for their rows to be fetched.
    waiting: HashMap<Handle, Waiting>,
    /// Streaming rows.
    running: HashMap<Handle, Running>,
    /// Slots taken, by user.
    per_user: HashMap<String, usize>,
    total: usize,
    /// Shutting down: no new query is admitted.
    closed: bool,
}

/// A streaming query: whose, and how to stop it.
struct Running {
    user: String,
    stop: watch::Sender<Option<Stop>>,
}

struct Waiting {
    user: String,
    result: QueryResult,
    slot: Slot,
    planned: Instant,
}

/// What the server is doing, for its operators (and the tests).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub waiting: usize,
    pub running: usize,
    pub slots: usize,
}

impl Queries {
    pub(crate) fn new(limits: ServerLimits) -> Arc<Queries> {
        Self::with_unclaimed(limits, UNCLAIMED)
    }

    fn with_unclaimed(limits: ServerLimits, unclaimed: Duration) -> Arc<Queries> {
        Arc::new(Queries {
            limits,
            unclaimed,
            state: Mutex::default(),
        })
    }

    pub(crate) fn limits(&self) -> &ServerLimits {
        &self.limits
    }

    /// A slot for a new query of `user`, if the limits allow one.
    pub(crate) fn admit(self: &Arc<Self>, user: &str) -> Result<Slot, Status> {
        // Results never fetched give their slots back. Each slot takes the lock to do so: they
        // are dropped after it is released.
        drop(self.take_unclaimed());
        let mut state = self.state.lock();
        if state.closed {
            return Err(Status::unavailable(
                "the server is shutting down: it takes no new queries",
            ));
        }
        let mine = state.per_user.get(user).copied().unwrap_or(0);
        if mine >= self.limits.max_queries_per_user {
            return Err(Status::resource_exhausted(format!(
                "{user} has {mine} queries running or waiting to be fetched (server.max_queries_per_user = {}): fetch, finish or cancel one first",
                self.limits.max_queries_per_user
            )));
        }
        if state.total >= self.limits.max_queries {
            return Err(Status::resource_exhausted(format!(
                "the server runs {} queries, its limit (server.max_queries): try again shortly",
                state.total
            )));
        }
        *state.per_user.entry(user.to_string()).or_default() += 1;
        state.total += 1;
        Ok(Slot {
            queries: Arc::clone(self),
            user: user.to_string(),
            handle: None,
            started: Instant::now(),
        })
    }

    /// Keeps a planned query's result for its user under a fresh random handle.
    pub(crate) fn park(&self, mut slot: Slot, result: QueryResult) -> Result<Handle, Status> {
        let handle = random_handle()?;
        slot.handle = Some(handle.clone());
        let waiting = Waiting {
            user: slot.user.clone(),
            result,
            slot,
            planned: Instant::now(),
        };
        // Whatever the handle replaced (never, with 128 random bits) is dropped unlocked.
        let replaced = self.state.lock().waiting.insert(handle.clone(), waiting);
        drop(replaced);
        Ok(handle)
    }

    /// The rows waiting under `handle`, if they are `user`'s, as a stream that keeps the
    /// limits. Another user's handle is answered as one that does not exist.
    pub(crate) fn start(
        &self,
        handle: &[u8],
        user: &str,
    ) -> Result<(QueryResult, Slot, watch::Receiver<Option<Stop>>), Status> {
        let mut state = self.state.lock();
        match state.waiting.get(handle) {
            Some(waiting) if waiting.user == user => {
                let waiting = state
                    .waiting
                    .remove(handle)
                    .expect("the handle was just found");
                let (stop, stopped) = watch::channel(None);
                let running = Running {
                    user: user.to_string(),
                    stop,
                };
                state.running.insert(handle.to_vec(), running);
                Ok((waiting.result, waiting.slot, stopped))
            }
            _ => Err(Status::not_found(
                "no query waits under this ticket: it was fetched already, cancelled, expired unfetched, or never existed",
            )),
        }
    }

    /// Cancels `user`'s query under `handle`, waiting or streaming: whether there was one.
    pub(crate) fn cancel(&self, handle: &[u8], user: &str) -> bool {
        let mut state = self.state.lock();
        if state.waiting.get(handle).is_some_and(|w| w.user == user) {
            // Dropped outside the lock: the slot takes it to give itself back.
            let waiting = state.waiting.remove(handle);
            drop(state);
            drop(waiting);
            return true;
        }
        match state.running.get(handle) {
            Some(running) if running.user == user => {
                running.stop.send_replace(Some(Stop::Cancelled));
                true
            }
            _ => false,
        }
    }

    /// The waiting queries whose rows were not fetched in time, taken out.
    fn take_unclaimed(&self) -> Vec<Waiting> {
        let mut state = self.state.lock();
        let expired: Vec<Handle> = state
            .waiting
            .iter()
            .filter(|(_, waiting)| waiting.planned.elapsed() >= self.unclaimed)
            .map(|(handle, _)| handle.clone())
            .collect();
        expired
            .iter()
            .filter_map(|handle| state.waiting.remove(handle))
            .collect()
    }

    /// Refuses new queries from now on.
    pub(crate) fn close(&self) {
        self.state.lock().closed = true;
    }

    /// Stops every streaming query and drops the waiting ones.
    pub(crate) fn stop_all(&self) {
        let mut state = self.state.lock();
        for running in state.running.values() {
            running.stop.send_replace(Some(Stop::Shutdown));
        }
        let waiting = std::mem::take(&mut state.waiting);
        drop(state);
        drop(waiting);
    }

    pub(crate) fn load(&self) -> Load {
        let state = self.state.lock();
        Load {
            waiting: state.waiting.len(),
            running: state.running.len(),
            slots: state.total,
        }
    }
}

/// One admitted query's place among those the limits allow; given back when dropped.
pub(crate) struct Slot {
    queries: Arc<Queries>,
    user: String,
    handle: Option<Handle>,
    started: Instant,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.queries.state.lock();
        if let Some(handle) = &self.handle {
            state.running.remove(handle);
        }
        if let Some(count) = state.per_user.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                state.per_user.remove(&self.user);
            }
        }
        state.total -= 1;
    }
}

/// A query's rows as they stream, within its limits: the statement timeout (counted from
/// admission), the result's rows and bytes, and cancellation. It holds the query's slot.
pub(crate) fn guarded(
    rows: SendableRecordBatchStream,
    slot: Slot,
    stopped: watch::Receiver<Option<Stop>>,
) -> impl Stream<Item = Result<RecordBatch, FlightError>> + Send + 'static {
    let limits = slot.queries.limits.clone();
    let deadline = tokio::time::Instant::from_std(slot.started + limits.statement_timeout);
    let guard = Guard {
        rows: Some(rows),
        _slot: slot,
        stopped,
        deadline,
        sent_rows: 0,
        sent_bytes: 0,
        limits,
    };
    futures::stream::unfold(guard, |mut guard| async move {
        let rows = guard.rows.as_mut()?;
        let next = tokio::select! {
            biased;
            stop = stop_of(&mut guard.stopped) => Some(Err(match stop {
                Stop::Cancelled => Status::cancelled("the query was cancelled by its client"),
                Stop::Shutdown => {
                    Status::unavailable("the server is shutting down: the query was stopped")
                }
            })),
            _ = tokio::time::sleep_until(guard.deadline) => Some(Err(Status::deadline_exceeded(
                format!(
                    "the query ran longer than server.statement_timeout ({:?}): narrow it, or ask for the limit to be raised",
                    guard.limits.statement_timeout
                ),
            ))),
            batch = rows.next() => {
                batch.map(|batch| batch.map_err(|e| crate::service::status(e.into())))
            }
        };
        let status = match next.map(|batch| batch.and_then(|batch| guard.count(batch))) {
            // The rows ended: the guard goes, and gives the slot back.
            None => return None,
            Some(Ok(batch)) => return Some((Ok(batch), guard)),
            Some(Err(status)) => status,
        };
        // Stop the query now, so its memory is freed before the client reads why.
        guard.rows = None;
        Some((Err(FlightError::Tonic(Box::new(status))), guard))
    })
}

struct Guard {
    /// `None` once the query has stopped.
    rows: Option<SendableRecordBatchStream>,
    /// Given back when the stream goes.
    _slot: Slot,
    stopped: watch::Receiver<Option<Stop>>,
    deadline: tokio::time::Instant,
    sent_rows: u64,
    sent_bytes: u64,
    limits: ServerLimits,
}

impl Guard {
    /// `batch`, if sending it keeps the result within its limits.
    fn count(&mut self, batch: RecordBatch) -> Result<RecordBatch, Status> {
        let rows = self.sent_rows + batch.num_rows() as u64;
        let bytes = self.sent_bytes
            + batch
                .columns()
                .iter()
                .map(|c| c.to_data().get_slice_memory_size().unwrap_or(0) as u64)
                .sum::<u64>();
        if let Some(max) = self.limits.max_result_rows
            && rows > max
        {
            return Err(Status::resource_exhausted(format!(
                "the result has more than server.max_result_rows ({max}) rows: add a LIMIT, a narrower filter or an aggregate"
            )));
        }
        if let Some(max) = self.limits.max_result_bytes
            && bytes > max
        {
            return Err(Status::resource_exhausted(format!(
                "the result is larger than server.max_result_bytes ({max} bytes): select fewer columns or rows"
            )));
        }
        (self.sent_rows, self.sent_bytes) = (rows, bytes);
        Ok(batch)
    }
}

/// Waits until the query is told to stop, and says why.
async fn stop_of(stopped: &mut watch::Receiver<Option<Stop>>) -> Stop {
    loop {
        if let Some(stop) = *stopped.borrow_and_update() {
            return stop;
        }
        if stopped.changed().await.is_err() {
            // No one can stop the query any more: it runs to its end.
            return std::future::pending().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A started query of a lake without tables.
    fn started(sql: &str) -> QueryResult {
        let lake = jaanch::Lake::from_config(jaanch::LakeConfig::empty("queries")).unwrap();
        let session = lake.session(jaanch::Identity::local()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(session.sql(sql)).unwrap()
    }

    #[test]
    fn unfetched_results_give_their_places_back() {
        let limits = ServerLimits {
            max_queries_per_user: 1,
            ..ServerLimits::default()
        };
        let queries = Queries::with_unclaimed(limits, Duration::from_millis(1));
        let slot = queries.admit("kota").unwrap();
        queries.park(slot, started("SELECT 1")).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        // Admitting drops the expired result (and its slot) without holding the lock twice.
        let (done, finished) = std::sync::mpsc::channel();
        let admitting = Arc::clone(&queries);
        std::thread::spawn(move || {
            let admitted = admitting.admit("kota").is_ok();
            let _ = done.send(admitted);
        });
        let admitted = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("admission must not wait on itself");
        assert!(admitted, "the expired result's place is free again");
        assert_eq!(queries.load().waiting, 0);
    }

    #[test]
    fn a_user_at_the_limit_is_refused_others_are_not() {
        let limits = ServerLimits {
            max_queries_per_user: 1,
            max_queries: 2,
            ..ServerLimits::default()
        };
        let queries = Queries::new(limits);
        let kota = queries.admit("kota").unwrap();
        let refused = queries.admit("kota").err().unwrap();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        let jaipur = queries.admit("jaipur").unwrap();
        assert_eq!(
            queries.admit("ajmer").err().unwrap().message(),
            "the server runs 2 queries, its limit (server.max_queries): try again shortly"
        );
        drop((kota, jaipur));
        assert_eq!(queries.load().slots, 0);
        queries.close();
        assert_eq!(
            queries.admit("kota").err().unwrap().code(),
            tonic::Code::Unavailable
        );
    }
}
