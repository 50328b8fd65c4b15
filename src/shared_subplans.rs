//! An aggregation a statement reads twice is computed once.
//!
//! DataFusion 55 plans a common table expression named twice as two copies of its plan, and
//! runs both: `WITH revenue AS (SELECT … GROUP BY …) SELECT … FROM revenue WHERE total =
//! (SELECT max(total) FROM revenue)` (TPC-H's query 15, or any query that compares each
//! district's figure with the State's highest) read and aggregated the lake twice. This rule finds
//! aggregations whose plans are the same and replaces each copy by a [`SharedSubplanExec`]: the
//! first reader runs the plan, keeps its batches, and every reader then reads those.
//!
//! Only aggregations are shared: what they give is what they hold in memory while they run,
//! where a scan's whole table would not be, and they are where a repeated plan costs most. Two
//! copies are the same when EXPLAIN shows them alike, column names and types included, when
//! that text tells all they read and do (DataFusion's own operators over Parquet files, whose
//! paths it shows, Delta scans compared in full, or governed scans of such: see
//! [`identified`] and [`fingerprint`]), and when neither holds anything that can make two
//! runs differ (a volatile function such as `random()`) or that ties it to its place in the
//! statement (a scalar subquery's value, a filter another operator fills in as it runs). A [`SharedSubplanExec`] takes no filter,
//! sort, limit or projection from above, so the copies stay alike through the rules after
//! this one; should a copy still be rewritten apart from the others, it runs its own plan.
//!
//! The kept batches count against the memory pool. When they do not fit in the memory limit,
//! the first run is abandoned and each reader runs its own copy, as without this rule.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::runtime::JoinSet;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::physical_plan::ParquetSource;
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::DynamicFilterPhysicalExpr;
use datafusion::physical_expr::scalar_subquery::ScalarSubqueryExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::recursive_query::RecursiveQueryExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::work_table::WorkTableExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    SendableRecordBatchStream, displayable,
};
use futures::{StreamExt, TryStreamExt, stream};
use parking_lot::Mutex;
use sha2::{Digest as _, Sha256};
use tokio::sync::OnceCell;

use crate::access::GovernedExec;
use crate::storage::file_scan;

/// Replaces the copies of an aggregation a plan holds more than once by [`SharedSubplanExec`]s
/// that run it once.
#[derive(Debug, Default)]
pub(crate) struct ShareRepeatedSubplans;

impl PhysicalOptimizerRule for ShareRepeatedSubplans {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // A recursive query runs its recursive part again and again, each time anew.
        let recursive = plan.exists(|node| {
            Ok(node.downcast_ref::<RecursiveQueryExec>().is_some()
                || node.downcast_ref::<WorkTableExec>().is_some())
        })?;
        if recursive {
            return Ok(plan);
        }
        // The shareable aggregations that EXPLAIN shows alike, then those that are alike in
        // full (Delta scans compared too: see `fingerprint`), and how often each occurs.
        let explained = repeated(&plan, shareable)?;
        if explained.is_empty() {
            return Ok(plan);
        }
        let key = |node: &Arc<dyn ExecutionPlan>| -> Result<Option<String>> {
            Ok(shareable(node)?
                .filter(|text| explained.contains_key(text))
                .map(|mut text| {
                    unshown(node, &mut text);
                    text
                }))
        };
        let occurrences = repeated(&plan, key)?;
        // The outermost repeated ones: a copy inside another repeated aggregation is shared
        // with it. Counted again, as a copy may occur both inside one and outside.
        let mut outermost = HashMap::<String, usize>::new();
        plan.apply(|node| match key(node)? {
            Some(key) if occurrences.contains_key(&key) => {
                *outermost.entry(key).or_default() += 1;
                Ok(TreeNodeRecursion::Jump)
            }
            _ => Ok(TreeNodeRecursion::Continue),
        })?;
        outermost.retain(|_, n| *n > 1);
        let mut shared = HashMap::<String, Arc<Shared>>::new();
        plan.transform_down(|node| match key(&node)? {
            Some(key) if outermost.contains_key(&key) => {
                let readers = outermost[&key];
                let state = shared.entry(key.clone()).or_insert_with(|| {
                    Shared::new(Arc::clone(&node), key.as_str().into(), readers)
                });
                let exec = SharedSubplanExec::new(Arc::clone(state), node, key.into());
                Ok(Transformed::new(
                    Arc::new(exec) as Arc<dyn ExecutionPlan>,
                    true,
                    TreeNodeRecursion::Jump,
                ))
            }
            _ => Ok(Transformed::no(node)),
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "ShareRepeatedSubplans"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The keys `key` gives more than one node of `plan`, and how many nodes each.
fn repeated(
    plan: &Arc<dyn ExecutionPlan>,
    key: impl Fn(&Arc<dyn ExecutionPlan>) -> Result<Option<String>>,
) -> Result<HashMap<String, usize>> {
    let mut count = HashMap::<String, usize>::new();
    plan.apply(|node| {
        if let Some(key) = key(node)? {
            *count.entry(key).or_default() += 1;
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    count.retain(|_, n| *n > 1);
    Ok(count)
}

/// EXPLAIN's text of `node` (see [`explained`]) if it is an aggregation's last stage and may
/// be shared.
fn shareable(node: &Arc<dyn ExecutionPlan>) -> Result<Option<String>> {
    // Not one that keeps only the first groups of an order: EXPLAIN shows how many, not in
    // which direction.
    let last_stage = node
        .downcast_ref::<AggregateExec>()
        .is_some_and(|aggregate| {
            !matches!(aggregate.mode(), AggregateMode::Partial)
                && aggregate.limit_options().is_none()
        });
    if !last_stage || !identified(node)? || !runs_alike(node)? {
        return Ok(None);
    }
    Ok(Some(explained(node)))
}

/// EXPLAIN's text of a plan with its output columns, and of the plan inside each governed
/// scan: alike for copies of one plan.
fn explained(plan: &Arc<dyn ExecutionPlan>) -> String {
    let mut text = format!(
        "{}{:?}",
        displayable(plan.as_ref()).indent(true),
        plan.schema().fields()
    );
    // Infallible: the closure never fails.
    let _ = plan.apply(|node| {
        if let Some(governed) = node.downcast_ref::<GovernedExec>() {
            text.push_str(&explained(governed.inner()));
        }
        Ok(TreeNodeRecursion::Continue)
    });
    text
}

/// What two copies of a plan share: [`explained`], the store of each file scan (EXPLAIN shows
/// a path within it: two S3 buckets can hold the same paths), and a digest of each Delta scan
/// as deltalake describes it in full (`Debug`: the table's log, its version, the files and
/// their deletion vectors), which EXPLAIN shows only as `DeltaScanExec`. Two scans of one
/// version of one table are alike in it; two versions never are.
fn fingerprint(plan: &Arc<dyn ExecutionPlan>) -> String {
    let mut text = explained(plan);
    unshown(plan, &mut text);
    text
}

/// Appends to `text` what EXPLAIN leaves out of `plan`'s scans (see [`fingerprint`]): the
/// store of each file scan, a digest of each Delta scan.
fn unshown(plan: &Arc<dyn ExecutionPlan>, text: &mut String) {
    struct Digest(Sha256);
    impl fmt::Write for Digest {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.update(s.as_bytes());
            Ok(())
        }
    }
    // Infallible: the closure never fails.
    let _ = plan.apply(|node| {
        if let Some(config) = file_scan(node.as_ref()) {
            // EXPLAIN shows a file's path in its store, not the store (an S3 bucket).
            text.push('\n');
            text.push_str(config.object_store_url.as_str());
        } else if let Some(governed) = node.downcast_ref::<GovernedExec>() {
            unshown(governed.inner(), text);
        } else if node.name() == DELTA_SCAN {
            let mut digest = Digest(Sha256::new());
            let _ = fmt::write(&mut digest, format_args!("{node:?}"));
            text.push('\n');
            text.push_str(DELTA_SCAN);
            for byte in digest.0.finalize() {
                text.push_str(&format!("{byte:02x}"));
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
}

/// deltalake's scan of a Delta table (one whose files are not read as they are: see
/// `delta::files`), above the scan of its files.
const DELTA_SCAN: &str = "DeltaScanExec";

/// Operators whose EXPLAIN text says all they compute from their inputs.
const SAID_IN_FULL: &[&str] = &[
    "AggregateExec",
    "BoundedWindowAggExec",
    "CoalesceBatchesExec",
    "CoalescePartitionsExec",
    "CooperativeExec",
    "CrossJoinExec",
    DELTA_SCAN,
    "EmptyExec",
    "FilterExec",
    "GlobalLimitExec",
    "HashJoinExec",
    "InterleaveExec",
    "LocalLimitExec",
    "NestedLoopJoinExec",
    "PlaceholderRowExec",
    "ProjectionExec",
    "RepartitionExec",
    "SortExec",
    "SortMergeJoinExec",
    "SortPreservingMergeExec",
    "UnionExec",
    "WindowAggExec",
];

/// Whether [`fingerprint`] of `plan` tells what it reads and computes, so that copies alike in
/// it give the same rows: known operators over files (whose paths EXPLAIN shows), Delta scans
/// (compared in full) or governed scans of such. Not tables in memory (two of one shape show
/// alike) nor other operators.
fn identified(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    let unknown = plan.exists(|node| {
        if node.downcast_ref::<DataSourceExec>().is_some() {
            // Parquet files: their paths are shown, their store is compared by `fingerprint`,
            // and they have no reading options a table sets (a CSV file's delimiter is not
            // shown).
            let parquet = file_scan(node.as_ref()).is_some_and(|config| {
                config
                    .file_source()
                    .downcast_ref::<ParquetSource>()
                    .is_some()
            });
            return Ok(!parquet);
        }
        if let Some(governed) = node.downcast_ref::<GovernedExec>() {
            return Ok(!identified(governed.inner())?);
        }
        Ok(!SAID_IN_FULL.contains(&node.name()))
    })?;
    Ok(!unknown)
}

/// Whether two runs of `plan` give the same rows wherever it stands in a statement: no
/// volatile function, no scalar subquery's value, no filter filled in at run time.
fn runs_alike(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    let tied = |expr: &Arc<dyn PhysicalExpr>| {
        expr.exists(|e| {
            Ok(e.is_volatile_node()
                || e.downcast_ref::<ScalarSubqueryExpr>().is_some()
                || e.downcast_ref::<DynamicFilterPhysicalExpr>().is_some())
        })
    };
    let differs = plan.exists(|node| {
        if let Some(governed) = node.downcast_ref::<GovernedExec>() {
            return Ok(!runs_alike(governed.inner())?);
        }
        let mut found = false;
        node.apply_expressions(&mut |expr| {
            found = tied(expr)?;
            Ok(if found {
                TreeNodeRecursion::Stop
            } else {
                TreeNodeRecursion::Continue
            })
        })?;
        Ok(found)
    })?;
    Ok(!differs)
}

/// One aggregation's run, shared by its copies.
struct Shared {
    /// The plan that runs, and its [`fingerprint`]: a copy reads the shared run only while its
    /// own is the same. A rule that rewrites the copies rewrites this one too.
    current: Mutex<(Arc<dyn ExecutionPlan>, Arc<str>)>,
    readers: usize,
    /// Runs started: more than one when a reader that started one was dropped.
    attempts: AtomicUsize,
    result: OnceCell<Kept>,
}

/// What the first reader's run left for all.
enum Kept {
    /// Every partition's batches, and the memory they hold, until each reader has taken its
    /// partitions (`left` takes to go); then nothing.
    Batches {
        batches: Mutex<Option<(Vec<Vec<RecordBatch>>, MemoryReservation)>>,
        left: AtomicUsize,
    },
    /// More than the memory limit allows: each reader runs its own copy.
    TooLarge,
    Failed(Arc<DataFusionError>),
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("readers", &self.readers)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn new(plan: Arc<dyn ExecutionPlan>, key: Arc<str>, readers: usize) -> Arc<Shared> {
        Arc::new(Shared {
            current: Mutex::new((plan, key)),
            readers,
            attempts: AtomicUsize::new(0),
            result: OnceCell::new(),
        })
    }

    /// Runs `plan`, every partition in a task of its own, and keeps what it gives.
    async fn run(plan: Arc<dyn ExecutionPlan>, readers: usize, context: Arc<TaskContext>) -> Kept {
        let reservation =
            Arc::new(MemoryConsumer::new("SharedSubplan").register(context.memory_pool()));
        let partitions = plan.output_partitioning().partition_count();
        let mut tasks = JoinSet::new();
        for partition in 0..partitions {
            let stream = match plan.execute(partition, Arc::clone(&context)) {
                Ok(stream) => stream,
                Err(error) => return Kept::Failed(Arc::new(error)),
            };
            let reservation = Arc::clone(&reservation);
            tasks.spawn(async move {
                let mut stream = stream;
                let mut batches = Vec::new();
                while let Some(batch) = stream.next().await {
                    let batch = batch.map_err(Some)?;
                    // Refused: too large to keep (`None`).
                    reservation
                        .try_grow(batch.get_array_memory_size())
                        .map_err(|_| None)?;
                    batches.push(batch);
                }
                Ok::<_, Option<DataFusionError>>((partition, batches))
            });
        }
        let mut kept = vec![Vec::new(); partitions];
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok((partition, batches))) => kept[partition] = batches,
                Ok(Err(Some(error))) => return Kept::Failed(Arc::new(error)),
                Ok(Err(None)) => return Kept::TooLarge,
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(error) => {
                    return Kept::Failed(Arc::new(DataFusionError::External(error.into())));
                }
            }
        }
        drop(tasks);
        match Arc::try_unwrap(reservation) {
            Ok(memory) => Kept::Batches {
                left: AtomicUsize::new(readers * partitions),
                batches: Mutex::new(Some((kept, memory))),
            },
            Err(_) => unreachable!("every task has ended"),
        }
    }
}

/// One copy of an aggregation the statement reads more than once: the first of them to be
/// read runs it; all give what that run gave.
#[derive(Debug)]
pub(crate) struct SharedSubplanExec {
    shared: Arc<Shared>,
    /// This copy's plan, as EXPLAIN shows it; run only if it is no longer the shared one.
    input: Arc<dyn ExecutionPlan>,
    key: Arc<str>,
    /// This copy's own run of the shared plan, when the shared run did not fit in memory:
    /// one for all its partitions.
    own_run: Arc<Mutex<Option<Arc<dyn ExecutionPlan>>>>,
}

impl SharedSubplanExec {
    fn new(shared: Arc<Shared>, input: Arc<dyn ExecutionPlan>, key: Arc<str>) -> Self {
        SharedSubplanExec {
            shared,
            input,
            key,
            own_run: Default::default(),
        }
    }

    /// The shared plan, if this copy reads its run: while the two are alike.
    fn shared_plan(&self) -> Option<Arc<dyn ExecutionPlan>> {
        let current = self.shared.current.lock();
        (*current.1 == *self.key).then(|| Arc::clone(&current.0))
    }
}

impl DisplayAs for SharedSubplanExec {
    fn fmt_as(&self, format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match format {
            DisplayFormatType::TreeRender => write!(f, "readers={}", self.shared.readers),
            _ => write!(
                f,
                "SharedSubplanExec: computed once for {} readers",
                self.shared.readers
            ),
        }
    }
}

impl ExecutionPlan for SharedSubplanExec {
    fn name(&self) -> &'static str {
        "SharedSubplanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let input = children.swap_remove(0);
        if Arc::ptr_eq(&input, &self.input) {
            return Ok(self);
        }
        // Another plan: it reads the shared run only while it is still alike. The rewrite of
        // the plan that runs is what runs from now on.
        let key: Arc<str> = fingerprint(&input).into();
        {
            let mut current = self.shared.current.lock();
            if Arc::ptr_eq(&current.0, &self.input) {
                *current = (Arc::clone(&input), Arc::clone(&key));
            }
        }
        Ok(Arc::new(SharedSubplanExec::new(
            Arc::clone(&self.shared),
            input,
            key,
        )))
    }

    /// A run starts anew (a statement started again): nothing of an earlier run is read, and
    /// this copy becomes its own plan again.
    fn reset_state(self: Arc<Self>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::clone(&self.input))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let Some(plan) = self.shared_plan() else {
            return self.input.execute(partition, context);
        };
        let (shared, own_run) = (Arc::clone(&self.shared), Arc::clone(&self.own_run));
        let schema = self.schema();
        let batches = stream::once(async move {
            let run = async {
                // A reader that started the run and was dropped leaves the plan half run: the
                // next one runs a fresh copy.
                let plan = match shared.attempts.fetch_add(1, Ordering::AcqRel) {
                    0 => Ok(Arc::clone(&plan)),
                    _ => reset_plan_states(Arc::clone(&plan)),
                };
                match plan {
                    Ok(plan) => Shared::run(plan, shared.readers, Arc::clone(&context)).await,
                    Err(error) => Kept::Failed(Arc::new(error)),
                }
            };
            let taken = match shared.result.get_or_init(|| run).await {
                Kept::Batches { batches, left } => {
                    let mut kept = batches.lock();
                    let taken = kept.as_ref().map(|(all, _)| all[partition].clone());
                    // The last take gives the memory back.
                    if taken.is_some() && left.fetch_sub(1, Ordering::AcqRel) == 1 {
                        *kept = None;
                    }
                    taken
                }
                Kept::TooLarge => None,
                Kept::Failed(error) => return Err(DataFusionError::Shared(Arc::clone(error))),
            };
            // Not kept, or no longer (a partition read more often than planned): this copy
            // runs on its own, anew.
            let Some(taken) = taken else {
                let mut own = own_run.lock();
                let own = match &*own {
                    Some(run) => Arc::clone(run),
                    None => own.insert(reset_plan_states(plan)?).clone(),
                };
                return own.execute(partition, context);
            };
            Ok(Box::pin(RecordBatchStreamAdapter::new(
                plan.schema(),
                stream::iter(taken.into_iter().map(Ok)),
            )) as SendableRecordBatchStream)
        })
        .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::execution::memory_pool::{MemoryPool, UnboundedMemoryPool};
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
    use datafusion::physical_plan::collect;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use parquet::arrow::ArrowWriter;
    use tempfile::TempDir;

    use super::*;

    /// Groups in the test table.
    const GROUPS: usize = 40;

    /// The test table's rows from `start`: `k` in `0..GROUPS`, `v` in `0..1000`.
    fn rows(start: i64, count: i64) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int64, false),
            Field::new("v", DataType::Int64, false),
        ]));
        let rows = start..start + count;
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from_iter_values(
                    rows.clone().map(|i| i % GROUPS as i64),
                )),
                Arc::new(Int64Array::from_iter_values(rows.map(|i| i * 7 % 1000))),
            ],
        )
        .unwrap()
    }

    /// A session with jaanch's rules (`share`) or DataFusion's alone, over `t(k, v)`: 4,000
    /// rows in two Parquet files, `GROUPS` values of `k`; and `m1`, `m2`, two tables in
    /// memory of the same shape (one batch each) and other rows.
    async fn session(share: bool, pool: Option<Arc<dyn MemoryPool>>) -> (SessionContext, TempDir) {
        let rules = if share {
            crate::session::physical_optimizer_rules()
        } else {
            PhysicalOptimizer::new().rules
        };
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(pool) = pool {
            runtime = runtime.with_memory_pool(pool);
        }
        let state = SessionStateBuilder::new()
            .with_config(SessionConfig::new().with_target_partitions(2))
            .with_runtime_env(Arc::new(runtime.build().unwrap()))
            .with_default_features()
            .with_physical_optimizer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        let dir = TempDir::new().unwrap();
        for (file, start) in [("a.parquet", 0), ("b.parquet", 2000)] {
            let batch = rows(start, 2000);
            let out = std::fs::File::create(dir.path().join(file)).unwrap();
            let mut writer = ArrowWriter::try_new(out, batch.schema(), None).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        }
        let location = dir.path().to_str().unwrap();
        ctx.register_parquet("t", location, Default::default())
            .await
            .unwrap();
        for (name, count) in [("m1", 400), ("m2", 300)] {
            let batch = rows(0, count);
            let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
            ctx.register_table(name, Arc::new(table)).unwrap();
        }
        (ctx, dir)
    }

    /// The plan of `sql` and its result as a table.
    async fn run(ctx: &SessionContext, sql: &str) -> Result<(Arc<dyn ExecutionPlan>, String)> {
        let plan = ctx.sql(sql).await?.create_physical_plan().await?;
        let batches = collect(Arc::clone(&plan), ctx.task_ctx()).await?;
        Ok((plan, pretty_format_batches(&batches)?.to_string()))
    }

    /// The shared copies in `plan`, and the rows their aggregations gave, summed over copies
    /// (a copy that did not run has no rows).
    fn copies_and_rows(plan: &Arc<dyn ExecutionPlan>) -> (usize, usize) {
        let (mut copies, mut rows) = (0, 0);
        plan.apply(|node| {
            if node.downcast_ref::<SharedSubplanExec>().is_some() {
                copies += 1;
                let aggregate = node.children()[0];
                rows += aggregate
                    .metrics()
                    .and_then(|m| m.output_rows())
                    .unwrap_or(0);
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        (copies, rows)
    }

    const REVENUE: &str = "WITH r AS (SELECT k, sum(v) AS total FROM t GROUP BY k) ";

    /// Each shape reads the aggregation twice: through a scalar subquery, a join (whose
    /// run-time filter must not reach the other reader), a union and an IN subquery. Each
    /// gives what DataFusion gives, the aggregation runs once, and what it kept is given back
    /// once read.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_aggregation_read_twice_runs_once_and_gives_the_same_rows() {
        let shapes = [
            "SELECT k, total FROM r WHERE total = (SELECT max(total) FROM r) ORDER BY k",
            "SELECT a.k, a.total, b.total AS next FROM r a JOIN r b ON b.k = a.k + 1 \
             WHERE b.total > 48000 ORDER BY a.k",
            "SELECT k, total FROM r WHERE total < 48300 \
             UNION ALL SELECT k, -total FROM r WHERE total > 51600 ORDER BY k, total",
            "SELECT k, total FROM r WHERE k IN (SELECT k + 1 FROM r WHERE total < 50000) \
             ORDER BY k",
        ];
        let (shared, _a) = session(true, None).await;
        let (plain, _b) = session(false, None).await;
        for shape in shapes {
            let sql = format!("{REVENUE}{shape}");
            let (plan, got) = run(&shared, &sql).await.unwrap();
            let (_, expected) = run(&plain, &sql).await.unwrap();
            assert_eq!(got, expected, "{sql}");
            assert!(got.lines().count() > 4, "no rows to compare: {sql}\n{got}");
            let (copies, rows) = copies_and_rows(&plan);
            assert_eq!(
                copies,
                2,
                "{sql}\n{}",
                displayable(plan.as_ref()).indent(true)
            );
            assert_eq!(rows, GROUPS, "the aggregation ran more than once: {sql}");
            // Every reader has taken its batches: they are kept no longer.
            plan.apply(|node| {
                if let Some(copy) = node.downcast_ref::<SharedSubplanExec>() {
                    let Some(Kept::Batches { batches, .. }) = copy.shared.result.get() else {
                        panic!("not kept: {sql}");
                    };
                    assert!(batches.lock().is_none(), "still kept: {sql}");
                }
                Ok(TreeNodeRecursion::Continue)
            })
            .unwrap();
        }
    }

    /// Two aggregations that differ, one with a volatile function, and one that is read once
    /// are not shared.
    #[tokio::test]
    async fn what_differs_is_not_shared() {
        let (ctx, _dir) = session(true, None).await;
        let (plain, _plain_dir) = session(false, None).await;
        let sorted_lines = |table: &str| {
            let mut lines: Vec<String> = table.lines().map(String::from).collect();
            lines.sort();
            lines
        };
        for sql in [
            // Tables in memory show alike in EXPLAIN: not shared, they may differ.
            "SELECT * FROM (SELECT k, count(*) AS n FROM m1 GROUP BY k) a \
             JOIN (SELECT k, count(*) AS n FROM m2 GROUP BY k) b USING (k)",
            "SELECT * FROM (SELECT k, sum(v) AS s FROM t GROUP BY k) a \
             JOIN (SELECT k, sum(v) AS s FROM t WHERE v > 5 GROUP BY k) b USING (k)",
            "WITH r AS (SELECT k, sum(v * random()) AS s FROM t GROUP BY k) \
             SELECT * FROM r a JOIN r b USING (k)",
            "SELECT k, sum(v) FROM t GROUP BY k",
            // The first groups of two orders: EXPLAIN shows how many, not which.
            "WITH d AS (SELECT DISTINCT k FROM t) \
             SELECT * FROM (SELECT k FROM d ORDER BY k LIMIT 3) \
             UNION ALL SELECT * FROM (SELECT k FROM d ORDER BY k DESC LIMIT 3)",
        ] {
            let (plan, got) = run(&ctx, sql).await.unwrap();
            assert_eq!(copies_and_rows(&plan).0, 0, "{sql}");
            if !sql.contains("random()") {
                let (_, expected) = run(&plain, sql).await.unwrap();
                assert_eq!(sorted_lines(&got), sorted_lines(&expected), "{sql}");
            }
        }
        // The volatile one: each reader drew its own numbers.
        let (_, two) = run(
            &ctx,
            "WITH r AS (SELECT k, sum(v * random()) AS s FROM t GROUP BY k) \
             SELECT count(*) FROM r a JOIN r b USING (k) WHERE a.s <> b.s",
        )
        .await
        .unwrap();
        assert!(two.contains(&format!("| {GROUPS} ")), "{two}");
    }

    /// A memory pool that refuses what the shared run would keep, and nothing else.
    #[derive(Debug, Default)]
    struct RefusesKeeping(UnboundedMemoryPool);

    impl fmt::Display for RefusesKeeping {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("refuses keeping")
        }
    }

    impl MemoryPool for RefusesKeeping {
        fn name(&self) -> &str {
            "refuses keeping"
        }
        fn grow(&self, reservation: &MemoryReservation, additional: usize) {
            self.0.grow(reservation, additional)
        }
        fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
            self.0.shrink(reservation, shrink)
        }
        fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
            if reservation.consumer().name() == "SharedSubplan" {
                return Err(DataFusionError::ResourcesExhausted("refused".into()));
            }
            self.0.try_grow(reservation, additional)
        }
        fn reserved(&self) -> usize {
            self.0.reserved()
        }
    }

    /// Kept batches that do not fit in memory: each reader runs its own copy, and the
    /// statement gives what it gives without the rule.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_result_too_large_to_keep_is_computed_by_each_reader() {
        let pool: Arc<dyn MemoryPool> = Arc::new(RefusesKeeping::default());
        let (shared, _a) = session(true, Some(Arc::clone(&pool))).await;
        let sql = format!(
            "{REVENUE}SELECT k, total FROM r WHERE total = (SELECT max(total) FROM r) ORDER BY k"
        );
        let (plan, got) = run(&shared, &sql).await.unwrap();
        let (plain, _b) = session(false, None).await;
        let (_, expected) = run(&plain, &sql).await.unwrap();
        assert_eq!(got, expected);
        assert_eq!(copies_and_rows(&plan).0, 2);
        // The abandoned run's tasks give their memory back as they stop.
        let stopped = std::time::Instant::now();
        while pool.reserved() > 0 {
            assert!(
                stopped.elapsed().as_secs() < 10,
                "{} bytes left reserved",
                pool.reserved()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// An error in the shared run reaches the statement, once, as DataFusion words it.
    #[tokio::test]
    async fn an_error_of_the_shared_run_is_the_statements() {
        let (ctx, _dir) = session(true, None).await;
        let sql = "WITH r AS (SELECT k, sum(v / (k - k)) AS s FROM t GROUP BY k) \
                   SELECT * FROM r a JOIN r b USING (k)";
        let error = run(&ctx, sql).await.unwrap_err().to_string();
        assert!(error.contains("Divide by zero"), "{error}");
        assert_eq!(error.matches("Divide by zero").count(), 1, "{error}");
    }

    /// A statement started again (see `spilling_joins`) runs each copy on its own.
    #[tokio::test]
    async fn a_reset_plan_runs_each_copy_anew() {
        let (ctx, _dir) = session(true, None).await;
        let sql = format!("{REVENUE}SELECT * FROM r a JOIN r b USING (k) ORDER BY k");
        let (plan, first) = run(&ctx, &sql).await.unwrap();
        let again = reset_plan_states(plan).unwrap();
        assert_eq!(copies_and_rows(&again).0, 0);
        let batches = collect(again, ctx.task_ctx()).await.unwrap();
        assert_eq!(pretty_format_batches(&batches).unwrap().to_string(), first);
    }
}
