//! A memory limit for one session's queries inside the lake's shared pool.
//!
//! The lake's pool (`runtime.memory_limit`) bounds all sessions together; a server also needs
//! to bound each query, so that one user's large sort cannot take the memory every other user
//! is waiting for. [`SessionPool`] shares its own limit fairly among the session's sorts,
//! joins and aggregations (as the lake's pool does among all of them) and asks the shared pool
//! too, which still applies its limit. Operators that can spill treat either refusal alike:
//! they spill to disk.

use std::sync::Arc;

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::{
    FairSpillPool, MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation, human_readable_size,
};

/// A share of a shared pool with a limit of its own.
#[derive(Debug)]
pub(crate) struct SessionPool {
    /// The session's own limit, shared fairly among its consumers.
    own: FairSpillPool,
    limit: usize,
    shared: Arc<dyn MemoryPool>,
}

impl SessionPool {
    pub(crate) fn new(shared: Arc<dyn MemoryPool>, limit: usize) -> SessionPool {
        SessionPool {
            own: FairSpillPool::new(limit),
            limit,
            shared,
        }
    }
}

impl std::fmt::Display for SessionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "session pool ({} of {}) in {}",
            human_readable_size(self.own.reserved()),
            human_readable_size(self.limit),
            self.shared
        )
    }
}

impl MemoryPool for SessionPool {
    fn name(&self) -> &str {
        "SessionPool"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        self.own.register(consumer);
        self.shared.register(consumer);
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.own.unregister(consumer);
        self.shared.unregister(consumer);
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.own.grow(reservation, additional);
        self.shared.grow(reservation, additional);
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.own.shrink(reservation, shrink);
        self.shared.shrink(reservation, shrink);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        if must_not_spill(reservation) {
            self.grow(reservation, additional);
            return Ok(());
        }
        if self.own.try_grow(reservation, additional).is_err() {
            return Err(DataFusionError::ResourcesExhausted(format!(
                "the query's memory limit (server.query_memory) is reached: {} more wanted by {}, which holds {}; the query holds {} of {}",
                human_readable_size(additional),
                reservation.consumer().name(),
                human_readable_size(reservation.size()),
                human_readable_size(self.own.reserved()),
                human_readable_size(self.limit),
            )));
        }
        if let Err(error) = self.shared.try_grow(reservation, additional) {
            self.own.shrink(reservation, additional);
            return Err(error);
        }
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.own.reserved()
    }

    fn memory_limit(&self) -> MemoryLimit {
        match self.shared.memory_limit() {
            MemoryLimit::Finite(shared) => MemoryLimit::Finite(shared.min(self.limit)),
            _ => MemoryLimit::Finite(self.limit),
        }
    }
}

/// Whether a reservation is granted rather than refused. `RepartitionExec` writes the batches
/// it cannot reserve memory for to a spill pool, and in DataFusion 55 a query whose
/// repartitioning spills from two inputs at once can wait forever (apache/datafusion#24883,
/// fixed in later releases). Its batches are only those in flight between two operators: they
/// are counted, and the operators around them spill instead.
fn must_not_spill(reservation: &MemoryReservation) -> bool {
    reservation.consumer().name().starts_with("RepartitionExec")
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::execution::memory_pool::GreedyMemoryPool;

    #[test]
    fn a_session_stays_within_its_share_and_gives_it_back() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let pool: Arc<dyn MemoryPool> = Arc::new(SessionPool::new(Arc::clone(&shared), 100));
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

    #[test]
    fn spilling_consumers_share_the_limit_fairly() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let pool: Arc<dyn MemoryPool> = Arc::new(SessionPool::new(Arc::clone(&shared), 100));
        let first = MemoryConsumer::new("sort[0]")
            .with_can_spill(true)
            .register(&pool);
        let second = MemoryConsumer::new("sort[1]")
            .with_can_spill(true)
            .register(&pool);
        assert!(first.try_grow(60).is_err(), "more than its half");
        first.try_grow(50).unwrap();
        second.try_grow(50).unwrap();
    }

    #[test]
    fn repartitioning_is_counted_not_refused() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1000));
        let pool: Arc<dyn MemoryPool> = Arc::new(SessionPool::new(Arc::clone(&shared), 100));
        let batches = MemoryConsumer::new("RepartitionExec[0]")
            .with_can_spill(true)
            .register(&pool);
        batches.try_grow(150).unwrap();
        assert_eq!((pool.reserved(), shared.reserved()), (150, 150));
        drop(batches);
        assert_eq!((pool.reserved(), shared.reserved()), (0, 0));
    }

    #[test]
    fn the_shared_limit_still_holds() {
        let shared: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(50));
        let pool: Arc<dyn MemoryPool> = Arc::new(SessionPool::new(Arc::clone(&shared), 100));
        let reservation = MemoryConsumer::new("join").register(&pool);
        assert!(reservation.try_grow(60).is_err());
        assert_eq!((pool.reserved(), shared.reserved()), (0, 0));
    }
}
