//! Every query stops soon after it is cancelled or times out.
//!
//! A query stops when its stream is dropped: the tasks it spawned are aborted, and an aborted
//! task stops when it next yields to the runtime. DataFusion makes its scans yield after a
//! budget of batches ([`EnsureCooperative`] wraps leaves and exchanges); but a join can go on
//! producing batches from what it holds without reading anything — a cross join of
//! millions of rows with thousands, one probe batch against a large build side — and so never
//! yields. Such a task kept a core busy and its build side's memory reserved long after a
//! server's statement timeout had answered the client. This rule puts a cooperative wrapper
//! above every join, so that each of its batches counts against the task's budget.
//!
//! [`EnsureCooperative`]: datafusion::physical_optimizer::ensure_coop::EnsureCooperative

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::coop::CooperativeExec;

/// Wraps every join in a [`CooperativeExec`].
#[derive(Debug, Default)]
pub(crate) struct YieldingJoins;

impl PhysicalOptimizerRule for YieldingJoins {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            if node.children().len() < 2 {
                return Ok(Transformed::no(node));
            }
            Ok(Transformed::yes(
                Arc::new(CooperativeExec::new(node)) as Arc<dyn ExecutionPlan>
            ))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "YieldingJoins"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::SessionContext;
    use futures::StreamExt;

    use super::*;

    /// A cross join that would run for minutes: once its stream is dropped, its tasks stop and
    /// its build side's memory is given back (without the rule, it was held to the end).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_cross_join_stops_running() {
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(YieldingJoins))
            .build();
        let ctx = SessionContext::new_with_state(state);
        let frame = ctx
            .sql("SELECT sum(a.value * b.value) FROM range(3000000) a, range(30000) b")
            .await
            .unwrap();
        let plan = frame.create_physical_plan().await.unwrap();
        let text = datafusion::physical_plan::displayable(plan.as_ref())
            .indent(false)
            .to_string();
        assert!(text.contains("CooperativeExec"), "{text}");
        let mut stream = datafusion::physical_plan::execute_stream(plan, ctx.task_ctx()).unwrap();
        // Started, then given up while it works.
        let started = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
        assert!(started.is_err(), "the join finished too soon to be a test");
        let reserved = || ctx.runtime_env().memory_pool.reserved();
        assert!(reserved() > 0);
        drop(stream);
        let dropped = Instant::now();
        while reserved() > 0 {
            assert!(
                dropped.elapsed() < Duration::from_secs(20),
                "the join still holds {} bytes",
                reserved()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
