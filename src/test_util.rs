//! What the plan rules' tests share.

use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::prelude::SessionContext;

/// A session over `batch` as table `t`, in batches of 1,000 rows, with DataFusion's rules and
/// `rule` after them, if given.
pub(crate) fn session_over(
    batch: &RecordBatch,
    rule: Option<Arc<dyn PhysicalOptimizerRule + Send + Sync>>,
) -> SessionContext {
    let mut state = SessionStateBuilder::new().with_default_features();
    if let Some(rule) = rule {
        state = state.with_physical_optimizer_rule(rule);
    }
    let ctx = SessionContext::new_with_state(state.build());
    let batches = (0..batch.num_rows())
        .step_by(1000)
        .map(|i| batch.slice(i, 1000.min(batch.num_rows() - i)))
        .collect();
    let table = MemTable::try_new(batch.schema(), vec![batches]).unwrap();
    ctx.register_table("t", Arc::new(table)).unwrap();
    ctx
}
