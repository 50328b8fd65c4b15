//! Window aggregates over whole partitions, by hashing the partition keys instead of sorting.
//!
//! `count(*) OVER (PARTITION BY person_key)` gives every row its partition's count: the
//! frame is the whole partition, so the row's place in it does not matter. DataFusion plans
//! it as any window: rows sorted by the partition keys, then the aggregate evaluated once per
//! partition over slices of the sorted batches. Where partitions are small (a person's few
//! FIRs among 300,000 accused rows), the per-partition work is most of it: 318 ms of
//! `repeat_offenders`' 1 s. This rule evaluates such windows as an aggregation does: each
//! row's partition is looked up in a hash table of the keys (the group ids DataFusion's
//! aggregations use), the aggregate accumulates per group over whole batches, and each row
//! then takes its group's value.
//!
//! The plan around it stays as DataFusion made it: the input is sorted by the partition keys
//! as the window asked, and rows come out in the order they came in, so operators above that
//! read that order (an aggregation by the same keys runs in order, not by hashing) still
//! do. Without the sort the window took 40 ms instead of 355, but `repeat_offenders`'
//! aggregation above it, hashing instead, took 419 ms instead of 103.
//!
//! A window is planned so when every one of its functions is an aggregate over the whole
//! partition (no `ORDER BY`, or a frame unbounded on both sides), without `DISTINCT` or an
//! order of its own, that DataFusion's aggregations accumulate by group (`count`, `sum`,
//! `min`, `max`, `avg`, ...). Others keep DataFusion's window operator.
//!
//! Two differences: floating-point sums add row by row, as DataFusion's `GROUP BY` does (its
//! window operator summed each partition's slice with arrow's kernel, which may differ in the
//! last bits); and the input held counts against the session's memory limit (the window
//! operator held it uncounted).

use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::take;
use arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Result, exec_err, internal_err, resources_datafusion_err};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator, WindowFrameBound, WindowFrameUnits};
use datafusion::physical_expr::aggregate::AggregateFunctionExpr;
use datafusion::physical_expr::window::PlainAggregateWindowExpr;
use datafusion::physical_expr::{EquivalenceProperties, OrderingRequirements, PhysicalExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::group_values::{GroupValues, new_group_values};
use datafusion::physical_plan::aggregates::order::GroupOrdering;
use datafusion::physical_plan::distribution_requirements::InputDistributionRequirements;
use datafusion::physical_plan::execution_plan::EmissionType;
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::windows::WindowAggExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, WindowExpr,
};
use futures::{StreamExt, TryStreamExt};

/// Plans windows of whole-partition aggregates as [`PartitionAggregatesExec`], before
/// DataFusion's rules add the exchanges and sorts operators ask for: it asks for the
/// window's.
#[derive(Debug, Default)]
pub(crate) struct HashedPartitionAggregates;

impl PhysicalOptimizerRule for HashedPartitionAggregates {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(window) = node.downcast_ref::<WindowAggExec>() else {
                return Ok(Transformed::no(node));
            };
            match PartitionAggregatesExec::of_window(window)? {
                Some(hashed) => Ok(Transformed::yes(Arc::new(hashed) as Arc<dyn ExecutionPlan>)),
                None => Ok(Transformed::no(node)),
            }
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "HashedPartitionAggregates"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Window aggregates over whole partitions: each input row, with its partition's value of each
/// aggregate appended.
#[derive(Debug)]
pub(crate) struct PartitionAggregatesExec {
    input: Arc<dyn ExecutionPlan>,
    partition_by: Vec<Arc<dyn PhysicalExpr>>,
    /// The window expressions, as DataFusion planned them (for display).
    window_exprs: Vec<Arc<dyn WindowExpr>>,
    /// Their aggregates, in the same order.
    aggregates: Vec<Arc<AggregateFunctionExpr>>,
    /// The input's distribution the window asked for: by its partition keys, or one partition.
    distribution: InputDistributionRequirements,
    /// The input's order the window asked for: by its partition keys (and its order).
    ordering: Option<OrderingRequirements>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
    metrics: ExecutionPlanMetricsSet,
}

impl PartitionAggregatesExec {
    /// `window` planned by hashing, if every one of its functions allows it.
    fn of_window(window: &WindowAggExec) -> Result<Option<Self>> {
        let exprs = window.window_expr();
        let aggregates: Option<Vec<_>> = (exprs.iter())
            .map(|e| aggregate_of(e.as_ref()).map(|a| Arc::new(a.clone())))
            .collect();
        let Some(aggregates) = aggregates.filter(|a| !a.is_empty()) else {
            return Ok(None);
        };
        let input = Arc::clone(window.input());
        // The keys of the window's functions (all alike in one window operator), not its
        // `partition_keys()`: those are the keys it asks its input to be partitioned by, none
        // when it may not repartition (one target partition).
        Ok(Some(Self::new(
            input,
            exprs[0].partition_by().to_vec(),
            (exprs.to_vec(), aggregates),
            (
                window.input_distribution_requirements(),
                window.required_input_ordering().swap_remove(0),
            ),
            window.schema(),
        )))
    }

    fn new(
        input: Arc<dyn ExecutionPlan>,
        partition_by: Vec<Arc<dyn PhysicalExpr>>,
        (window_exprs, aggregates): (Vec<Arc<dyn WindowExpr>>, Vec<Arc<AggregateFunctionExpr>>),
        (distribution, ordering): (InputDistributionRequirements, Option<OrderingRequirements>),
        schema: SchemaRef,
    ) -> Self {
        // The input's columns keep their places and their orderings: rows come out in the
        // order they came in.
        let input_properties = input.properties();
        let orderings = input_properties
            .equivalence_properties()
            .oeq_class()
            .clone();
        let properties = PlanProperties::new(
            EquivalenceProperties::new_with_orderings(Arc::clone(&schema), orderings),
            input_properties.output_partitioning().clone(),
            EmissionType::Final,
            input_properties.boundedness,
        );
        PartitionAggregatesExec {
            input,
            partition_by,
            window_exprs,
            aggregates,
            distribution,
            ordering,
            schema,
            properties: Arc::new(properties),
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }
}

/// The aggregate of a window function over its whole partition that can accumulate by group.
fn aggregate_of(expr: &dyn WindowExpr) -> Option<&AggregateFunctionExpr> {
    let plain = expr.as_any().downcast_ref::<PlainAggregateWindowExpr>()?;
    let aggregate = plain.get_aggregate_expr();
    let frame = expr.get_window_frame();
    let unbounded_start =
        matches!(&frame.start_bound, WindowFrameBound::Preceding(v) if v.is_null());
    let whole = unbounded_start
        && match &frame.end_bound {
            WindowFrameBound::Following(v) => v.is_null(),
            // Without an order, a row's peers are its whole partition.
            WindowFrameBound::CurrentRow => {
                expr.order_by().is_empty() && frame.units != WindowFrameUnits::Rows
            }
            WindowFrameBound::Preceding(_) => false,
        };
    // DataFusion does not expose a window aggregate's FILTER clause (the trait that reads it
    // is private to its crate); its derived `Debug` output ends with the field, `filter:
    // None }` when there is none. A filtered aggregate, or any other output, keeps
    // DataFusion's operator.
    let unfiltered = format!("{plain:?}").ends_with("filter: None }");
    let simple = unfiltered
        && !aggregate.is_distinct()
        && !aggregate.ignore_nulls()
        && aggregate.order_bys().is_empty()
        && aggregate.groups_accumulator_supported();
    (whole && simple).then_some(aggregate)
}

impl DisplayAs for PartitionAggregatesExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let names: Vec<&str> = self.window_exprs.iter().map(|e| e.name()).collect();
        let keys: Vec<String> = self.partition_by.iter().map(|k| k.to_string()).collect();
        write!(
            f,
            "PartitionAggregatesExec: partition_by=[{}], wdw=[{}]",
            keys.join(", "),
            names.join(", ")
        )
    }
}

impl ExecutionPlan for PartitionAggregatesExec {
    fn name(&self) -> &str {
        "PartitionAggregatesExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn input_distribution_requirements(&self) -> InputDistributionRequirements {
        self.distribution.clone()
    }

    fn required_input_ordering(&self) -> Vec<Option<OrderingRequirements>> {
        vec![self.ordering.clone()]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        let expressions: Vec<_> = (self.window_exprs.iter())
            .map(|window| window.all_expressions())
            .collect();
        (expressions.iter())
            .flat_map(|e| e.args.iter().chain(&e.partition_by_exprs))
            .try_fold(TreeNodeRecursion::Continue, |recursion, expr| {
                recursion.visit_sibling(|| f(expr))
            })
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return internal_err!("PartitionAggregatesExec has one input");
        }
        Ok(Arc::new(PartitionAggregatesExec::new(
            children.swap_remove(0),
            self.partition_by.clone(),
            (self.window_exprs.clone(), self.aggregates.clone()),
            (self.distribution.clone(), self.ordering.clone()),
            Arc::clone(&self.schema),
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, Arc::clone(&context))?;
        let reservation = MemoryConsumer::new(format!("PartitionAggregatesExec[{partition}]"))
            .register(context.memory_pool());
        let aggregates = (self.aggregates.iter())
            .map(|aggregate| {
                Ok(Accumulating {
                    arguments: aggregate.expressions(),
                    accumulator: aggregate.create_groups_accumulator()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let key_fields: Vec<Field> = (self.partition_by.iter().enumerate())
            .map(|(i, key)| {
                let field = key.return_field(&self.input.schema())?;
                Ok(Field::new(format!("k{i}"), field.data_type().clone(), true))
            })
            .collect::<Result<_>>()?;
        let groups = new_group_values(Arc::new(Schema::new(key_fields)), &GroupOrdering::None)?;
        let run = Run {
            partition_by: self.partition_by.clone(),
            aggregates,
            groups,
            buffered: Vec::new(),
            reservation,
            metrics: BaselineMetrics::new(&self.metrics, partition),
            schema: Arc::clone(&self.schema),
        };
        // The output's batches hold the input's columns: its memory stays reserved until
        // the last is taken.
        let batches = futures::stream::once(run.all(input))
            .map_ok(|(batches, reservation)| {
                futures::stream::iter(batches).map(move |batch| {
                    let _held = &reservation;
                    Ok(batch)
                })
            })
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            batches,
        )))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}

/// One aggregate of the window, accumulating by group.
struct Accumulating {
    arguments: Vec<Arc<dyn PhysicalExpr>>,
    accumulator: Box<dyn GroupsAccumulator>,
}

/// The state of one partition of the operator while it reads its input.
struct Run {
    partition_by: Vec<Arc<dyn PhysicalExpr>>,
    aggregates: Vec<Accumulating>,
    groups: Box<dyn GroupValues>,
    /// Each input batch, with its rows' group ids.
    buffered: Vec<(RecordBatch, UInt32Array)>,
    reservation: MemoryReservation,
    metrics: BaselineMetrics,
    schema: SchemaRef,
}

impl Run {
    /// Reads the whole input, then gives each row its group's values.
    async fn all(
        mut self,
        mut input: SendableRecordBatchStream,
    ) -> Result<(Vec<RecordBatch>, MemoryReservation)> {
        let mut held = 0;
        while let Some(batch) = input.next().await {
            let batch = batch?;
            let timer = self.metrics.elapsed_compute().clone();
            let timer = timer.timer();
            held += self.accumulate(batch)?;
            let size = held
                + self.groups.size()
                + (self.aggregates.iter())
                    .map(|a| a.accumulator.size())
                    .sum::<usize>();
            self.reservation.try_resize(size).map_err(|e| {
                resources_datafusion_err!(
                    "a window of whole partitions holds its input in memory: {e}"
                )
            })?;
            timer.done();
        }
        let timer = self.metrics.elapsed_compute().timer();
        let values = (self.aggregates.iter_mut())
            .map(|a| a.accumulator.evaluate(EmitTo::All))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let output = (self.buffered.iter())
            .map(|(batch, ids)| {
                let mut columns = batch.columns().to_vec();
                for value in &values {
                    columns.push(take(value.as_ref(), ids, None)?);
                }
                Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
            })
            .collect::<Result<Vec<_>>>()?;
        timer.done();
        self.metrics
            .record_output(output.iter().map(|b| b.num_rows()).sum());
        Ok((output, self.reservation))
    }

    /// Groups `batch`'s rows and accumulates them; the bytes it now holds.
    fn accumulate(&mut self, batch: RecordBatch) -> Result<usize> {
        let rows = batch.num_rows();
        let keys = (self.partition_by.iter())
            .map(|k| k.evaluate(&batch)?.into_array(rows))
            .collect::<Result<Vec<_>>>()?;
        // Without partition keys (`OVER ()`) every row is in the one partition.
        let (ids, groups) = match keys.is_empty() {
            true => (vec![0; rows], 1),
            false => {
                let mut ids = Vec::with_capacity(rows);
                self.groups.intern(&keys, &mut ids)?;
                (ids, self.groups.len())
            }
        };
        if u32::try_from(groups).is_err() {
            return exec_err!("a window of whole partitions has more than 2^32 partitions");
        }
        for aggregate in &mut self.aggregates {
            let arguments = (aggregate.arguments.iter())
                .map(|a| a.evaluate(&batch)?.into_array(rows))
                .collect::<Result<Vec<_>>>()?;
            (aggregate.accumulator).update_batch(&arguments, &ids, None, groups)?;
        }
        let ids = UInt32Array::from_iter_values(ids.into_iter().map(|id| id as u32));
        let size = batch.get_array_memory_size() + ids.get_buffer_memory_size();
        self.buffered.push((batch, ids));
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::util::pretty::pretty_format_batches;
    use datafusion::execution::memory_pool::{GreedyMemoryPool, MemoryPool};
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
    use datafusion::physical_plan::{ExecutionPlan, collect, displayable};
    use datafusion::prelude::{SessionConfig, SessionContext};

    /// A session with jaanch's rules (`hashed`) or DataFusion's alone, over `t`: 20,000 rows
    /// in batches of 1,000 over two partitions, `k` of 997 values and NULL, `name` of 40
    /// and NULL, `v` with NULLs.
    async fn session(hashed: bool, pool: Option<Arc<dyn MemoryPool>>) -> SessionContext {
        session_of(hashed, pool, 2).await
    }

    /// As [`session`], with `partitions` target partitions.
    async fn session_of(
        hashed: bool,
        pool: Option<Arc<dyn MemoryPool>>,
        partitions: usize,
    ) -> SessionContext {
        let rules = if hashed {
            crate::session::physical_optimizer_rules()
        } else {
            PhysicalOptimizer::new().rules
        };
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(pool) = pool {
            runtime = runtime.with_memory_pool(pool);
        }
        let config = SessionConfig::new()
            .with_target_partitions(partitions)
            .with_batch_size(1000);
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(Arc::new(runtime.build().unwrap()))
            .with_default_features()
            .with_physical_optimizer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.sql(
            "CREATE TABLE t AS SELECT value AS id, \
               CASE WHEN value % 101 = 0 THEN NULL ELSE value % 997 END AS k, \
               CASE WHEN value % 89 = 0 THEN NULL ELSE 'person ' || (value % 40) END AS name, \
               CASE WHEN value % 7 = 0 THEN NULL ELSE value * 3 END AS v \
             FROM range(20000)",
        )
        .await
        .unwrap();
        ctx
    }

    /// The plan of `sql` and its rows, sorted.
    async fn run(ctx: &SessionContext, sql: &str) -> (String, Vec<String>) {
        let plan = ctx
            .sql(sql)
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap();
        let text = displayable(plan.as_ref()).indent(false).to_string();
        let batches = collect(Arc::clone(&plan) as Arc<dyn ExecutionPlan>, ctx.task_ctx())
            .await
            .unwrap();
        let table = pretty_format_batches(&batches).unwrap().to_string();
        let mut rows: Vec<String> = table.lines().map(str::to_string).collect();
        rows.sort();
        (text, rows)
    }

    #[tokio::test]
    async fn whole_partition_aggregates_are_hashed_and_agree() {
        for partitions in [2, 1] {
            let hashed = session_of(true, None, partitions).await;
            let plain = session_of(false, None, partitions).await;
            agree(&hashed, &plain).await;
        }
    }

    /// The window shapes hashed give `plain`'s answers in `hashed`, in the same plan.
    async fn agree(hashed: &SessionContext, plain: &SessionContext) {
        for sql in [
            "SELECT id, k, count(*) OVER (PARTITION BY k) AS n FROM t",
            "SELECT id, sum(v) OVER (PARTITION BY k) AS s, min(v) OVER (PARTITION BY k) AS lo, \
               max(name) OVER (PARTITION BY k) AS hi, avg(v) OVER (PARTITION BY k) AS mean, \
               count(v) OVER (PARTITION BY k) AS n FROM t",
            "SELECT id, count(*) OVER (PARTITION BY name, k % 3) AS n FROM t",
            "SELECT id, sum(v) OVER (PARTITION BY upper(name) ROWS BETWEEN UNBOUNDED PRECEDING \
               AND UNBOUNDED FOLLOWING) AS s FROM t",
            "SELECT id, max(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING \
               AND UNBOUNDED FOLLOWING) AS m FROM t",
            "SELECT id, count(*) OVER () AS n, sum(v) OVER () AS s FROM t",
            "SELECT * FROM (SELECT id, k, count(*) OVER (PARTITION BY k) AS n FROM t) \
             WHERE n > 20 ORDER BY n DESC, id LIMIT 50",
            "SELECT id, sum(v) OVER (PARTITION BY k) AS s FROM t WHERE id < 0",
        ] {
            let (plan, rows) = run(hashed, sql).await;
            assert!(plan.contains("PartitionAggregatesExec"), "{sql}\n{plan}");
            assert!(!plan.contains("WindowAggExec"), "{sql}\n{plan}");
            // The plan around the window is DataFusion's: its sorts and exchanges.
            let (plain_plan, plain_rows) = run(plain, sql).await;
            let operators = |plan: &str| -> Vec<String> {
                (plan.lines())
                    .map(|l| l.trim().split(':').next().unwrap().to_string())
                    .map(|op| op.replace("WindowAggExec", "PartitionAggregatesExec"))
                    .collect()
            };
            assert_eq!(operators(&plan), operators(&plain_plan), "{sql}");
            assert_eq!(rows, plain_rows, "{sql}");
        }
    }

    #[tokio::test]
    async fn other_windows_keep_datafusions_operator() {
        let (hashed, plain) = (session(true, None).await, session(false, None).await);
        for sql in [
            // A filter, distinct values, a window function that is no aggregate: not hashed.
            "SELECT id, count(*) FILTER (WHERE v > 100) OVER (PARTITION BY k) AS n FROM t",
            "SELECT id, count(DISTINCT v) OVER (PARTITION BY k) AS n FROM t",
            "SELECT id, first_value(v) OVER (PARTITION BY k) AS f FROM t",
            // A frame that is not the whole partition.
            "SELECT id, sum(v) OVER (PARTITION BY k ORDER BY id RANGE BETWEEN CURRENT ROW \
               AND UNBOUNDED FOLLOWING) AS s FROM t",
            // One aggregate that cannot be hashed keeps the window whole.
            "SELECT id, count(*) OVER (PARTITION BY k) AS n, \
               count(DISTINCT v) OVER (PARTITION BY k) AS d FROM t",
        ] {
            let (plan, rows) = run(&hashed, sql).await;
            assert!(!plan.contains("PartitionAggregatesExec"), "{sql}\n{plan}");
            assert_eq!(rows, run(&plain, sql).await.1, "{sql}");
        }
    }

    #[tokio::test]
    async fn its_input_counts_against_the_memory_limit() {
        let pool: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(200_000));
        let ctx = session(true, Some(pool)).await;
        let error = ctx
            // No sort before it (no partition keys), which would need memory first.
            .sql("SELECT id, name, count(*) OVER () AS n FROM t")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("a window of whole partitions holds its input in memory"),
            "{error}"
        );
    }
}
