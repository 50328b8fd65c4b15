//! Memory limits: the lake's, for all its queries together, and a session's, for one query of
//! the server, inside the lake's.
//!
//! A [`LimitPool`] shares its limit fairly among the sorts, joins and aggregations that can
//! spill (DataFusion's fair spill pool), so that none starves the others; each spills to disk
//! past its share. The lake's pool (`runtime.memory_limit`) bounds all sessions together; a
//! server also bounds each query (`server.query_memory`), so that one user's large sort cannot
//! take the memory every other user is waiting for: a session's pool asks the lake's too,
//! which still applies its limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::{
    FairSpillPool, MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation, human_readable_size,
};

/// A limit shared fairly among its consumers, within a wider pool if there is one.
#[derive(Debug)]
pub(crate) struct LimitPool {
    own: FairSpillPool,
    limit: usize,
    /// The lake's pool, for a session's.
    shared: Option<Arc<dyn MemoryPool>>,
    /// What the limit is, in the words of the config: `runtime.memory_limit`.
    setting: &'static str,
    /// Whose limit it is: "the lake's", "the query's".
    whose: &'static str,
    /// The sorts registered now, each with memory to merge its sorted runs.
    merges: AtomicUsize,
    /// The consumers registered now that say they can spill but are never refused
    /// ([`must_not_spill`]); together they count as one in the fair share.
    granted: AtomicUsize,
}

impl LimitPool {
    /// The lake's pool: `runtime.memory_limit` for all queries together.
    pub(crate) fn lake(limit: usize) -> LimitPool {
        LimitPool {
            own: FairSpillPool::new(limit),
            limit,
            shared: None,
            setting: "runtime.memory_limit",
            whose: "the lake's",
            merges: AtomicUsize::new(0),
            granted: AtomicUsize::new(0),
        }
    }

    /// A session's pool inside the lake's: `server.query_memory` for each query of the server.
    pub(crate) fn session(shared: Arc<dyn MemoryPool>, limit: usize) -> LimitPool {
        LimitPool {
            own: FairSpillPool::new(limit),
            limit,
            shared: Some(shared),
            setting: "server.query_memory",
            whose: "the query's",
            merges: AtomicUsize::new(0),
            granted: AtomicUsize::new(0),
        }
    }

    /// The most a sort's merge may hold, if `reservation` is one: half the limit shared among
    /// the sorts registered now, and never less than a sixteenth of the limit, which holds the
    /// headroom each sort sets aside for merging (`sort_spill_reservation_bytes`, see
    /// `session_config`).
    ///
    /// A sort that spilled merges its files in passes, each reading as many files as the pool
    /// has memory for, a batch or two each, which cannot spill. Unbounded, the first partition
    /// to finish sorting took all the pool had for its merge, and the partition still sorting
    /// failed for want of a few hundred kilobytes (a 2 M-row sort at 48 MiB did). Held to its
    /// share, a merge reads fewer files per pass and takes another pass.
    fn merge_share(&self, reservation: &MemoryReservation) -> Option<usize> {
        is_merge(reservation.consumer()).then(|| {
            let merges = self.merges.load(Ordering::Relaxed).max(1);
            (self.limit / (2 * merges)).max(self.limit / 16)
        })
    }
}

impl std::fmt::Display for LimitPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} ({})",
            human_readable_size(self.own.reserved()),
            human_readable_size(self.limit),
            self.setting
        )?;
        match &self.shared {
            Some(shared) => write!(f, " in {shared}"),
            None => Ok(()),
        }
    }
}

impl MemoryPool for LimitPool {
    fn name(&self) -> &str {
        "LimitPool"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        if is_merge(consumer) {
            self.merges.fetch_add(1, Ordering::Relaxed);
        }
        if !granted_spiller(consumer) || self.granted.fetch_add(1, Ordering::Relaxed) == 0 {
            self.own.register(consumer);
        }
        if let Some(shared) = &self.shared {
            shared.register(consumer);
        }
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        if is_merge(consumer) {
            self.merges.fetch_sub(1, Ordering::Relaxed);
        }
        if !granted_spiller(consumer) || self.granted.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.own.unregister(consumer);
        }
        if let Some(shared) = &self.shared {
            shared.unregister(consumer);
        }
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.own.grow(reservation, additional);
        if let Some(shared) = &self.shared {
            shared.grow(reservation, additional);
        }
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.own.shrink(reservation, shrink);
        if let Some(shared) = &self.shared {
            shared.shrink(reservation, shrink);
        }
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        if must_not_spill(reservation.consumer()) {
            self.grow(reservation, additional);
            return Ok(());
        }
        let past_share = self
            .merge_share(reservation)
            .is_some_and(|share| reservation.size() + additional > share);
        if past_share || self.own.try_grow(reservation, additional).is_err() {
            return Err(DataFusionError::ResourcesExhausted(format!(
                "{} memory limit ({}) is reached: {} more wanted by {}, which holds {}; {} of {} in use",
                self.whose,
                self.setting,
                human_readable_size(additional),
                reservation.consumer().name(),
                human_readable_size(reservation.size()),
                human_readable_size(self.own.reserved()),
                human_readable_size(self.limit),
            )));
        }
        if let Some(shared) = &self.shared
            && let Err(error) = shared.try_grow(reservation, additional)
        {
            self.own.shrink(reservation, additional);
            return Err(error);
        }
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.own.reserved()
    }

    fn memory_limit(&self) -> MemoryLimit {
        match self.shared.as_ref().map(|shared| shared.memory_limit()) {
            Some(MemoryLimit::Finite(shared)) => MemoryLimit::Finite(shared.min(self.limit)),
            _ => MemoryLimit::Finite(self.limit),
        }
    }
}

/// Whether a reservation is granted rather than refused: consumers that hold a bounded number
/// of batches and cannot spill them, where a refusal fails the query without freeing anything.
/// They are counted, and the operators that can spill do so instead.
///
/// - `RepartitionExec` writes the batches it cannot reserve memory for to a spill pool, and in
///   DataFusion 55 a query whose repartitioning spills from two inputs at once can wait forever
///   (apache/datafusion#24883, fixed in later releases). Its batches are those in flight
///   between two operators.
/// - `SortPreservingMergeExec` merges the sorted streams of a sort's partitions and holds the
///   batches of each that it has not yet emitted (10 MB for two partitions of 30 MB of rows
///   in 1,024-row batches): refused, a sort that has spilled its way through fails at its last
///   step. The process's peak for such sorts is measured by `bench/memory_limit.py`.
fn must_not_spill(consumer: &MemoryConsumer) -> bool {
    let name = consumer.name();
    name.starts_with("RepartitionExec") || name.starts_with("SortPreservingMergeExec")
}

/// Whether `consumer` is never refused but says it can spill, as a `RepartitionExec` does.
///
/// The fair share is the limit divided among the consumers that can spill. Counted one by
/// one, a plan's repartitions — one consumer per partition of each, a dozen in a join of two
/// repartitioned inputs, more while a restarted statement's first attempt is ending — took
/// most of the shares: a sort at 16 MiB spilled at 1.4 MB with 2.8 MB of the limit in use,
/// and one holding nothing was refused its first batch (1.3 MB), which fails the query. The
/// batches they hold are those in flight between operators, so all of them together count as
/// one consumer: what the limit leaves, they share with the sorts, joins and groupings.
fn granted_spiller(consumer: &MemoryConsumer) -> bool {
    consumer.can_spill() && must_not_spill(consumer)
}

/// Whether `consumer` holds what a sort needs to merge its sorted runs (DataFusion names it
/// `ExternalSorterMerge[partition]`, one per partition of each sort).
fn is_merge(consumer: &MemoryConsumer) -> bool {
    consumer.name().starts_with("ExternalSorterMerge")
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::execution::memory_pool::GreedyMemoryPool;

    #[test]
    fn a_session_stays_within_its_share_and_gives_it_back() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::session(Arc::clone(&shared), 100));
        let reservation = MemoryConsumer::new("sort").register(&pool);
        reservation.try_grow(60).unwrap();
        let error = reservation.try_grow(60).unwrap_err().to_string();
        assert!(
            error.contains("the query's memory limit (server.query_memory) is reached"),
            "{error}"
        );
        assert_eq!((pool.reserved(), shared.reserved()), (60, 60));
        reservation.try_grow(40).unwrap();
        drop(reservation);
        assert_eq!((pool.reserved(), shared.reserved()), (0, 0));
    }

    /// Two consumers that can spill, as two partitions' sorts.
    fn two_sorts(pool: &Arc<dyn MemoryPool>) -> (MemoryReservation, MemoryReservation) {
        let sort = |name: &str| {
            MemoryConsumer::new(name)
                .with_can_spill(true)
                .register(pool)
        };
        (sort("sort[0]"), sort("sort[1]"))
    }

    #[test]
    fn spilling_consumers_share_the_limit_fairly() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::session(Arc::clone(&shared), 100));
        let (first, second) = two_sorts(&pool);
        assert!(first.try_grow(60).is_err(), "more than its half");
        first.try_grow(50).unwrap();
        second.try_grow(50).unwrap();
    }

    #[test]
    fn repartitioning_is_counted_not_refused() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::session(Arc::clone(&shared), 100));
        let batches = MemoryConsumer::new("RepartitionExec[0]")
            .with_can_spill(true)
            .register(&pool);
        batches.try_grow(150).unwrap();
        assert_eq!((pool.reserved(), shared.reserved()), (150, 150));
        drop(batches);
        assert_eq!((pool.reserved(), shared.reserved()), (0, 0));
    }

    #[test]
    fn the_lake_limit_shares_fairly_and_grants_repartitioning() {
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::lake(100));
        let (first, second) = two_sorts(&pool);
        let error = first.try_grow(60).unwrap_err().to_string();
        assert!(
            error.contains("the lake's memory limit (runtime.memory_limit) is reached"),
            "{error}"
        );
        first.try_grow(50).unwrap();
        second.try_grow(50).unwrap();
        let batches = MemoryConsumer::new("RepartitionExec[1]").register(&pool);
        batches.try_grow(30).unwrap();
        assert_eq!(pool.reserved(), 130);
    }

    /// However many repartitions a plan has, they take one share between them: two sorts
    /// beside a dozen of them get a third of the limit each, not a fourteenth.
    #[test]
    fn repartitions_together_take_one_share() {
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::lake(120));
        let repartitions: Vec<_> = (0..12)
            .map(|partition| {
                MemoryConsumer::new(format!("RepartitionExec[{partition}]"))
                    .with_can_spill(true)
                    .register(&pool)
            })
            .collect();
        let (first, second) = two_sorts(&pool);
        first.try_grow(40).unwrap();
        assert!(first.try_grow(1).is_err(), "a third of the limit");
        second.try_grow(40).unwrap();
        repartitions[3].try_grow(50).unwrap();
        assert!(second.try_grow(1).is_err());
        // The last repartition gone, the sorts share the limit between two.
        drop(repartitions);
        assert_eq!(pool.reserved(), 80);
        first.try_grow(20).unwrap();
        assert!(first.try_grow(1).is_err(), "half the limit");
    }

    #[test]
    fn the_shared_limit_still_holds() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(50));
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::session(Arc::clone(&shared), 100));
        let reservation = MemoryConsumer::new("join").register(&pool);
        assert!(reservation.try_grow(60).is_err());
        assert_eq!((pool.reserved(), shared.reserved()), (0, 0));
    }

    #[test]
    fn a_merge_takes_its_share_not_the_pool() {
        let pool: Arc<dyn MemoryPool> = Arc::new(LimitPool::lake(160));
        let merge = |partition| {
            MemoryConsumer::new(format!("ExternalSorterMerge[{partition}]")).register(&pool)
        };
        let first = merge(0);
        first.try_grow(80).unwrap();
        assert!(first.try_grow(1).is_err(), "half the limit with one sort");
        let second = merge(1);
        assert!(first.try_grow(1).is_err());
        second.try_grow(40).unwrap();
        assert!(second.try_grow(1).is_err(), "a quarter each with two");
        let others: Vec<_> = (2..20).map(merge).collect();
        let last = others.last().unwrap();
        last.try_grow(10).unwrap();
        assert!(last.try_grow(1).is_err(), "never less than a sixteenth");
        drop(others);
        drop(second);
        first.shrink(80);
        first.try_grow(80).unwrap();
    }
}
