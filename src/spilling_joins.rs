//! Joins larger than the memory limit finish by spilling.
//!
//! DataFusion 55's hash join holds its whole build side in memory and cannot spill it. Its
//! sort-merge join can: both inputs go through sorts that spill, and the join then reads them
//! in order. But planned as DataFusion plans it — each input hash-repartitioned into the
//! session's partitions — a partition whose sort has not finished leaves the other input's
//! repartitioning holding everything meant for it (15–29 MB at a 48 MiB limit), and the query
//! failed half the time.
//!
//! So a statement starts with hash joins, the fastest when they fit. When one of them outgrows
//! the memory limit before the statement has given any row, the statement starts again with
//! every hash join as a sort-merge join in one partition: each input is gathered into one
//! stream (which reads its partitions at the pace it is read), sorted with spilling, joined,
//! and spread back over the partitions the plan above expects. The first attempt costs only
//! the time it took to fill the limit.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use arrow::array::RecordBatch;
use arrow::compute::SortOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DataFusionError, Result, internal_datafusion_err};
use datafusion::datasource::sink::DataSinkExec;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{LexOrdering, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::joins::{HashJoinExec, SortMergeJoinExec};
use datafusion::physical_plan::limit::GlobalLimitExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ExecutionPlan, ExecutionPlanProperties, Partitioning, SendableRecordBatchStream, execute_stream,
};
use futures::future::BoxFuture;
use futures::{FutureExt, Stream, StreamExt};

/// How long a restart waits for the first attempt's memory to be given back.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// Runs `plan`; if a hash join outgrows the memory limit before the first row, runs it again
/// with sort-merge joins (see the module's documentation).
pub(crate) fn execute(
    plan: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
) -> Result<SendableRecordBatchStream> {
    let held_before = context.memory_pool().reserved();
    let stream = execute_stream(Arc::clone(&plan), Arc::clone(&context))?;
    let schema = stream.schema();
    let restartable = Restartable {
        state: State::First {
            stream,
            plan,
            context,
            held_before,
        },
    };
    Ok(Box::pin(RecordBatchStreamAdapter::new(schema, restartable)))
}

struct Restartable {
    state: State,
}

enum State {
    /// The statement as planned; `plan` and `context` are kept until it gives its first row.
    First {
        stream: SendableRecordBatchStream,
        plan: Arc<dyn ExecutionPlan>,
        context: Arc<TaskContext>,
        held_before: usize,
    },
    /// Waiting for the first attempt's memory, then starting the second.
    Restarting(BoxFuture<'static, Result<SendableRecordBatchStream>>),
    /// Past the point of restarting.
    Running(SendableRecordBatchStream),
    Done,
}

impl Stream for Restartable {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match &mut self.state {
                State::First { stream, .. } => {
                    let item = match stream.poll_next_unpin(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(item) => item,
                    };
                    let State::First {
                        stream,
                        plan,
                        context,
                        held_before,
                    } = std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("matched above")
                    };
                    match item {
                        Some(Err(error)) if hash_join_out_of_memory(&error) => {
                            match restarted(&plan) {
                                Ok(Some(plan)) => {
                                    // Stops the first attempt's tasks; their memory comes back
                                    // as they end.
                                    drop(stream);
                                    self.state = State::Restarting(
                                        restart(plan, context, held_before).boxed(),
                                    );
                                }
                                Ok(None) => return Poll::Ready(Some(Err(error))),
                                Err(replanning) => {
                                    return Poll::Ready(Some(Err(replanning.context(
                                        "a hash join outgrew the memory limit, and \
                                         replanning it as a sort-merge join failed",
                                    ))));
                                }
                            }
                        }
                        Some(item) => {
                            self.state = State::Running(stream);
                            return Poll::Ready(Some(item));
                        }
                        None => return Poll::Ready(None),
                    }
                }
                State::Restarting(start) => match start.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(stream)) => self.state = State::Running(stream),
                    Poll::Ready(Err(error)) => {
                        self.state = State::Done;
                        return Poll::Ready(Some(Err(error)));
                    }
                },
                State::Running(stream) => return stream.poll_next_unpin(cx),
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

/// Waits (a little) for the memory the first attempt held, then runs `plan`.
async fn restart(
    plan: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
    held_before: usize,
) -> Result<SendableRecordBatchStream> {
    let pool = Arc::clone(context.memory_pool());
    let released = async {
        while pool.reserved() > held_before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    // Other statements may have taken memory meanwhile: then the sorts spill sooner.
    let _in_time = tokio::time::timeout(RELEASE_WAIT, released).await;
    execute_stream(plan, context)
}

/// Whether `error` is a hash join's build side refused memory.
pub(crate) fn hash_join_out_of_memory(error: &DataFusionError) -> bool {
    crate::error::sources(error).any(|source| {
        matches!(
            source.downcast_ref::<DataFusionError>(),
            Some(DataFusionError::ResourcesExhausted(detail)) if detail.contains("HashJoinInput")
        )
    })
}

/// `plan` with every hash join it can run as a sort-merge join so replaced, ready to run
/// again; `None` when there is none, or when the statement writes (a first attempt may have
/// written part of its output).
pub(crate) fn restarted(plan: &Arc<dyn ExecutionPlan>) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    if plan.exists(|node| Ok(node.downcast_ref::<DataSinkExec>().is_some()))? {
        return Ok(None);
    }
    let rewritten =
        Arc::clone(plan).transform_up(|node| match node.downcast_ref::<HashJoinExec>() {
            Some(join) if runs_as_sort_merge(join) => Ok(Transformed::yes(sort_merge(join)?)),
            _ => Ok(Transformed::no(node)),
        })?;
    if !rewritten.transformed {
        return Ok(None);
    }
    reset_plan_states(rewritten.data).map(Some)
}

/// Whether DataFusion 55's sort-merge join gives what `join` gives. It has no null-aware anti
/// join (`NOT IN` over a column with NULLs), and a full or mark join with a filter beside its
/// keys fails or miscounts there (apache/datafusion#21197, #21660): those stay hash joins.
fn runs_as_sort_merge(join: &HashJoinExec) -> bool {
    use datafusion::common::JoinType::{Full, LeftMark, RightMark};
    let wrong_when_filtered = matches!(join.join_type, Full | LeftMark | RightMark);
    let wrong = join.null_aware || (wrong_when_filtered && join.filter.is_some());
    !wrong
}

/// The sort-merge join in one partition that gives what `join` gives, partitioned as it is.
fn sort_merge(join: &HashJoinExec) -> Result<Arc<dyn ExecutionPlan>> {
    let options = vec![SortOptions::default(); join.on.len()];
    let sorted = |input: &Arc<dyn ExecutionPlan>, keys: Vec<Arc<dyn PhysicalExpr>>| {
        let ordering = LexOrdering::new(
            keys.into_iter()
                .zip(&options)
                .map(|(expr, options)| PhysicalSortExpr::new(expr, *options)),
        )
        .ok_or_else(|| internal_datafusion_err!("a hash join without keys"))?;
        Ok::<_, DataFusionError>(
            Arc::new(SortExec::new(ordering, one_partition(input))) as Arc<dyn ExecutionPlan>
        )
    };
    let left_keys = join.on.iter().map(|(left, _)| Arc::clone(left)).collect();
    let right_keys = join.on.iter().map(|(_, right)| Arc::clone(right)).collect();
    let mut node: Arc<dyn ExecutionPlan> = Arc::new(SortMergeJoinExec::try_new(
        sorted(&join.left, left_keys)?,
        sorted(&join.right, right_keys)?,
        join.on.clone(),
        join.filter.clone(),
        join.join_type,
        options.clone(),
        join.null_equality,
    )?);
    if let Some(fetch) = join.fetch() {
        node = Arc::new(GlobalLimitExec::new(node, 0, Some(fetch)));
    }
    // The operators above were planned for the hash join's partitions, which are those of its
    // columns before it leaves some out.
    let unprojected = join.with_projection(None)?;
    let partitioning = match unprojected.properties().output_partitioning() {
        Partitioning::UnknownPartitioning(1) => None,
        Partitioning::UnknownPartitioning(n) => Some(Partitioning::RoundRobinBatch(*n)),
        other => Some(other.clone()),
    };
    if let Some(partitioning) = partitioning {
        node = Arc::new(RepartitionExec::try_new(node, partitioning)?);
    }
    if let Some(columns) = &join.projection {
        let schema = node.schema();
        let exprs = columns.iter().map(|&i| {
            let name = schema.field(i).name().clone();
            (
                Arc::new(Column::new(&name, i)) as Arc<dyn PhysicalExpr>,
                name,
            )
        });
        node = Arc::new(ProjectionExec::try_new(exprs, node)?);
    }
    Ok(node)
}

/// `input` as one stream: a repartitioning by the join keys is dropped (the sort brings equal
/// keys together), and the partitions left are read together.
fn one_partition(input: &Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    let input = match input.downcast_ref::<RepartitionExec>() {
        Some(repartition) if matches!(repartition.partitioning(), Partitioning::Hash(..)) => {
            repartition.input()
        }
        _ => input,
    };
    match input.output_partitioning().partition_count() {
        1 => Arc::clone(input),
        _ => Arc::new(CoalescePartitionsExec::new(Arc::clone(input))),
    }
}

#[cfg(test)]
mod tests {
    use datafusion::common::exec_datafusion_err;
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::physical_plan::collect;
    use datafusion::prelude::{SessionConfig, SessionContext};

    use super::*;

    async fn lake(partitioned: bool) -> SessionContext {
        let mut config = SessionConfig::new().with_target_partitions(2);
        if partitioned {
            // Small tables are joined by collecting the left side, unless told otherwise.
            let optimizer = &mut config.options_mut().optimizer;
            optimizer.hash_join_single_partition_threshold = 0;
            optimizer.hash_join_single_partition_threshold_rows = 0;
        }
        let ctx = SessionContext::new_with_config(config);
        // Keys repeat, some are NULL, and some match nothing on the other side.
        ctx.sql(
            "CREATE VIEW l AS SELECT v AS id, CASE WHEN v % 7 = 0 THEN NULL ELSE v % 50 END AS k, \
             md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, 3000) AS s(v)",
        )
        .await
        .unwrap();
        ctx.sql(
            "CREATE VIEW r AS SELECT w, CASE WHEN w % 11 = 0 THEN NULL ELSE w % 70 END AS k, \
             w * 2 AS x FROM generate_series(1, 2000) AS s(w)",
        )
        .await
        .unwrap();
        ctx
    }

    async fn physical(ctx: &SessionContext, sql: &str) -> Arc<dyn ExecutionPlan> {
        let frame = ctx.sql(sql).await.unwrap();
        frame.create_physical_plan().await.unwrap()
    }

    fn sorted_rows(batches: &[RecordBatch]) -> Vec<String> {
        let text = arrow::util::pretty::pretty_format_batches(batches)
            .unwrap()
            .to_string();
        let mut rows: Vec<String> = text.lines().map(str::to_string).collect();
        rows.sort();
        rows
    }

    fn hash_joins(plan: &Arc<dyn ExecutionPlan>) -> usize {
        let mut count = 0;
        plan.apply(|node| {
            count += usize::from(node.downcast_ref::<HashJoinExec>().is_some());
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        count
    }

    #[tokio::test]
    async fn every_join_gives_the_same_rows_as_a_sort_merge_join() {
        let queries = [
            "SELECT l.id, r.w FROM l JOIN r ON l.k = r.k",
            "SELECT l.id, r.w FROM l JOIN r ON l.k = r.k AND l.id < r.x",
            "SELECT l.id, r.w FROM l LEFT JOIN r ON l.k = r.k AND r.w > 1500",
            "SELECT l.id, r.w FROM l RIGHT JOIN r ON l.k = r.k AND l.id % 3 = 0",
            "SELECT l.id, r.w FROM l FULL JOIN r ON l.k = r.k",
            // A filter that is NULL where l.k is.
            "SELECT l.id, r.w FROM l LEFT JOIN r ON l.id = r.w AND l.k < r.x",
            "SELECT l.id, r.w FROM l RIGHT JOIN r ON l.id = r.w AND l.k < r.x",
            "SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k) OR id < 10",
            "SELECT id FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.x > l.id)",
            "SELECT id FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.k = l.k)",
            "SELECT w FROM r WHERE k IN (SELECT k FROM l WHERE id > 2500)",
            "SELECT l.h, count(*) FROM l JOIN r ON l.k = r.k AND l.id = r.w GROUP BY l.h",
            "SELECT l.k, count(r.w) FROM l JOIN r ON l.k = r.k GROUP BY l.k",
            "SELECT count(*) FROM l a JOIN l b ON a.k = b.k JOIN r ON r.k = b.k",
            "SELECT l.id, r.w FROM l JOIN r ON l.k IS NOT DISTINCT FROM r.k",
        ];
        for partitioned in [false, true] {
            let ctx = lake(partitioned).await;
            for sql in queries {
                let plan = physical(&ctx, sql).await;
                assert!(hash_joins(&plan) > 0, "{sql}: no hash join to replace");
                let expected = collect(Arc::clone(&plan), ctx.task_ctx()).await.unwrap();
                let replaced = restarted(&plan).unwrap().expect("a plan with hash joins");
                assert_eq!(hash_joins(&replaced), 0, "{sql}");
                let got = collect(replaced, ctx.task_ctx())
                    .await
                    .unwrap_or_else(|e| panic!("{sql} (partitioned: {partitioned}): {e}"));
                assert_eq!(
                    sorted_rows(&got),
                    sorted_rows(&expected),
                    "{sql} (partitioned: {partitioned})"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_limit_on_a_join_still_holds() {
        let ctx = lake(true).await;
        let plan = physical(&ctx, "SELECT l.id, r.w FROM l JOIN r ON l.k = r.k LIMIT 17").await;
        let replaced = restarted(&plan).unwrap().unwrap();
        let rows: usize = collect(replaced, ctx.task_ctx())
            .await
            .unwrap()
            .iter()
            .map(RecordBatch::num_rows)
            .sum();
        assert_eq!(rows, 17);
    }

    #[tokio::test]
    async fn joins_a_sort_merge_join_gets_wrong_are_left_to_the_hash_join() {
        let ctx = lake(false).await;
        for sql in [
            // `NOT IN` over a column with NULLs: a sort-merge join would give rows it must not.
            "SELECT id FROM l WHERE k NOT IN (SELECT k FROM r)",
            // A full join with a filter fails in DataFusion 55's sort-merge join.
            "SELECT l.id, r.w FROM l FULL JOIN r ON l.k = r.k AND l.id > r.w",
        ] {
            let plan = physical(&ctx, sql).await;
            assert!(restarted(&plan).unwrap().is_none(), "{sql}");
        }
    }

    #[tokio::test]
    async fn a_statement_that_writes_is_not_restarted() {
        // A first attempt may have written part of its output.
        let ctx = lake(false).await;
        let out = tempfile::tempdir().unwrap();
        let sql = format!(
            "COPY (SELECT l.id, r.w FROM l JOIN r ON l.k = r.k) TO '{}' STORED AS CSV",
            out.path().join("joined.csv").display()
        );
        let plan = physical(&ctx, &sql).await;
        assert!(hash_joins(&plan) > 0);
        assert!(restarted(&plan).unwrap().is_none());
    }

    #[test]
    fn only_a_hash_join_refused_memory_restarts_a_statement() {
        let ours = DataFusionError::ResourcesExhausted(
            "the lake's memory limit (runtime.memory_limit) is reached: 1.0 MB more wanted by \
             HashJoinInput[1], which holds 15.0 MB; 15.5 MB of 16.0 MB in use"
                .into(),
        );
        assert!(hash_join_out_of_memory(&ours));
        let wrapped = DataFusionError::Shared(Arc::new(ours)).context("joining");
        assert!(hash_join_out_of_memory(&wrapped));
        let sort = DataFusionError::ResourcesExhausted(
            "Additional allocation failed for ExternalSorter[0]".into(),
        );
        assert!(!hash_join_out_of_memory(&sort));
        // The consumer's name in another error is not the memory running out.
        let other = exec_datafusion_err!("HashJoinInput[0] failed to read its input");
        assert!(!hash_join_out_of_memory(&other));
    }
}
