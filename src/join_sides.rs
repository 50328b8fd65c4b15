//! A hash join builds on the side with far fewer rows, and collects it when the other side is
//! far larger.
//!
//! DataFusion's join selection compares the two sides of a join by their estimated bytes when
//! both are known, and by rows only otherwise. But the byte estimate of a join's output is
//! often that of an input carried through unchanged: in TPC-H's q21 the `EXISTS` join, whose
//! output DataFusion estimates at 60,000 rows (73,000 in fact), is said to hold as many bytes
//! as the 5.9 million rows of `lineitem` on the other side of the `NOT EXISTS` join above it —
//! 95.2 MB against 95.0 MB — so the join built its table on the 3.8 million `lineitem` rows
//! (137 ms) and moved all of them between partitions, where a table of the 73,000 rows would
//! have done, and would have filtered `lineitem` as it was read.
//!
//! This rule runs right after DataFusion's join selection and
//! - turns a hash join around when its build side is estimated to have [`FACTOR`] times the
//!   rows of its probe side or more (an estimate of rows survives joins and filters better
//!   than one of bytes), collecting the side it then builds on into one table when its rows
//!   are under DataFusion's `hash_join_single_partition_threshold_rows`;
//! - collects the build side of a partitioned join into one table when its probe side is
//!   estimated at [`COLLECT_PROBE_FACTOR`] times its rows or more and it has at most
//!   [`COLLECT_FACTOR`] times that threshold. Partitioned, both sides are spread over the partitions by hash —
//!   all six million `lineitem` rows in q05 and q07, to meet 230,000 and 150,000 rows —
//!   and the join's keys can filter the probe side only by their range; collected, the probe
//!   side stays where it is read, and the run-time filter of its scan (see
//!   [`crate::run_time_filters`]) probes the one table, keeping the rows that can match.
//!
//! Joins without a row estimate on either side, null-aware anti joins (`NOT IN`), and a
//! session that collects nothing (a threshold of 0, as under a memory limit) are left as
//! DataFusion chose.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};

/// How many times one side's rows the other must have for the rule to act: far enough apart
/// that the row estimates' own errors do not decide.
const FACTOR: usize = 10;

/// How many times DataFusion's row threshold for collecting a build side the rule collects
/// (1M rows with its default of 128k).
const COLLECT_FACTOR: usize = 8;

/// How many times the build side's rows the probe side must have for the build side to be
/// collected. Lower than [`FACTOR`]: collecting a side that is not much smaller costs one
/// thread's build instead of two, while turning a join around on a wrong estimate builds on
/// the larger side. In TPC-H's q20 the estimates said 160,000 rows against 870,000 (5.4
/// times), in fact 366 against 542,000.
const COLLECT_PROBE_FACTOR: usize = 4;

/// Builds hash joins on the side with far fewer rows, collected when the other is far larger.
#[derive(Debug, Default)]
pub(crate) struct JoinSidesByRows;

impl PhysicalOptimizerRule for JoinSidesByRows {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if !config.optimizer.join_reordering {
            return Ok(plan);
        }
        plan.transform_up(|node| {
            let rebuilt = match node.downcast_ref::<HashJoinExec>() {
                Some(join) => rebuilt(join, config)?,
                None => None,
            };
            Ok(match rebuilt {
                Some(rebuilt) => Transformed::yes(rebuilt),
                None => Transformed::no(node),
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "JoinSidesByRows"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `join` turned around if it builds on [`FACTOR`] times the rows it probes with, or with its
/// build side collected if it is partitioned and probes with [`COLLECT_PROBE_FACTOR`] times
/// the rows.
fn rebuilt(join: &HashJoinExec, config: &ConfigOptions) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let rebuildable = join.join_type().supports_swap()
        && !join.null_aware
        && join.dynamic_expressions_produced().is_empty()
        && matches!(
            join.partition_mode(),
            PartitionMode::Partitioned | PartitionMode::CollectLeft
        );
    if !rebuildable {
        return Ok(None);
    }
    let (Some(build), Some(probe)) = (rows(join.left()), rows(join.right())) else {
        return Ok(None);
    };
    let threshold = config.optimizer.hash_join_single_partition_threshold_rows;
    if build >= probe.saturating_mul(FACTOR) {
        let mode = if probe < threshold {
            PartitionMode::CollectLeft
        } else {
            PartitionMode::Partitioned
        };
        return join.swap_inputs(mode).map(Some);
    }
    let collect = join.partition_mode() == &PartitionMode::Partitioned
        && threshold > 0
        && build <= threshold.saturating_mul(COLLECT_FACTOR)
        && probe >= build.saturating_mul(COLLECT_PROBE_FACTOR);
    if !collect {
        return Ok(None);
    }
    let collected = join
        .builder()
        .with_partition_mode(PartitionMode::CollectLeft)
        .build()?;
    Ok(Some(Arc::new(collected)))
}

/// The estimated rows of `plan`'s output, if there is an estimate.
fn rows(plan: &Arc<dyn ExecutionPlan>) -> Option<usize> {
    let statistics = StatisticsContext::new()
        .compute(plan.as_ref(), &StatisticsArgs::new())
        .ok()?;
    statistics.num_rows.get_value().copied()
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int32Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::util::pretty::pretty_format_batches;
    use datafusion::common::{JoinSide, JoinType, NullEquality};
    use datafusion::datasource::memory::MemorySourceConfig;
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::{BinaryExpr, Column};
    use datafusion::physical_plan::collect;
    use datafusion::physical_plan::joins::utils::{ColumnIndex, JoinFilter};
    use datafusion::prelude::SessionContext;

    use super::*;

    /// `rows` rows of `(k, v)`: keys `k` from `key(i)` (NULL where it gives `None`), `v = i % 7`.
    fn side(rows: i32, key: impl Fn(i32) -> Option<i32>) -> Arc<dyn ExecutionPlan> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int32, true),
            Field::new("v", DataType::Int32, false),
        ]));
        let keys: Int32Array = (0..rows).map(&key).collect();
        let values: Int32Array = (0..rows).map(|i| i % 7).collect();
        let batch =
            RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(keys), Arc::new(values)])
                .unwrap();
        MemorySourceConfig::try_new_exec(&[vec![batch]], schema, None).unwrap()
    }

    /// `left.k = right.k AND left.v != right.v`, built on `left`.
    fn join(
        left: Arc<dyn ExecutionPlan>,
        right: Arc<dyn ExecutionPlan>,
        join_type: JoinType,
        mode: PartitionMode,
        null_aware: bool,
    ) -> Arc<dyn ExecutionPlan> {
        let on = vec![(
            Arc::new(Column::new("k", 0)) as _,
            Arc::new(Column::new("k", 0)) as _,
        )];
        let filter = JoinFilter::new(
            Arc::new(BinaryExpr::new(
                Arc::new(Column::new("lv", 0)),
                Operator::NotEq,
                Arc::new(Column::new("rv", 1)),
            )),
            vec![
                ColumnIndex {
                    index: 1,
                    side: JoinSide::Left,
                },
                ColumnIndex {
                    index: 1,
                    side: JoinSide::Right,
                },
            ],
            Arc::new(Schema::new(vec![
                Field::new("lv", DataType::Int32, false),
                Field::new("rv", DataType::Int32, false),
            ])),
        );
        let filter = (!null_aware).then_some(filter);
        Arc::new(
            HashJoinExec::try_new(
                left,
                right,
                on,
                filter,
                &join_type,
                None,
                mode,
                NullEquality::NullEqualsNothing,
                null_aware,
            )
            .unwrap(),
        )
    }

    /// Every join type a hash join can be turned around with.
    const JOIN_TYPES: [JoinType; 10] = [
        JoinType::Inner,
        JoinType::Left,
        JoinType::Right,
        JoinType::Full,
        JoinType::LeftSemi,
        JoinType::RightSemi,
        JoinType::LeftAnti,
        JoinType::RightAnti,
        JoinType::LeftMark,
        JoinType::RightMark,
    ];

    /// A large side: 2,000 rows over 300 keys, a NULL key every 97 rows.
    fn large() -> Arc<dyn ExecutionPlan> {
        side(2000, |i| (i % 97 != 0).then_some(i % 300))
    }

    /// A small side of `rows` rows, keys up to 450 (a third match nothing), a
    /// NULL key every 31 rows.
    fn small(rows: i32) -> Arc<dyn ExecutionPlan> {
        side(rows, |i| (i % 31 != 5).then_some(i * 7 % 450))
    }

    fn optimized(plan: &Arc<dyn ExecutionPlan>, config: &ConfigOptions) -> Arc<dyn ExecutionPlan> {
        JoinSidesByRows.optimize(Arc::clone(plan), config).unwrap()
    }

    /// The rows `plan` gives, sorted, as text.
    async fn rows_of(plan: Arc<dyn ExecutionPlan>) -> Vec<String> {
        let batches = collect(plan, SessionContext::new().task_ctx())
            .await
            .unwrap();
        let text = pretty_format_batches(&batches).unwrap().to_string();
        let mut lines: Vec<String> = text.lines().skip(3).map(String::from).collect();
        lines.sort();
        lines
    }

    /// The hash join in `plan` (under the projection that restores column order, if any).
    fn the_join(plan: &Arc<dyn ExecutionPlan>) -> &HashJoinExec {
        match plan.downcast_ref::<HashJoinExec>() {
            Some(join) => join,
            None => the_join(plan.children()[0]),
        }
    }

    /// Checks that the rule makes `before` a `join_type` join that builds one table on the
    /// 100-row side, with `before`'s columns and rows.
    async fn builds_one_table_on_the_small_side(
        before: Arc<dyn ExecutionPlan>,
        join_type: JoinType,
    ) {
        let after = optimized(&before, &ConfigOptions::default());
        let join = the_join(&after);
        assert_eq!(join.join_type(), &join_type, "{join_type}");
        assert_eq!(join.partition_mode(), &PartitionMode::CollectLeft);
        assert_eq!(rows(join.left()), Some(100), "{join_type}");
        assert_eq!(after.schema(), before.schema(), "{join_type}");
        let expected = rows_of(before).await;
        assert!(expected.len() > 10, "{join_type}: {} rows", expected.len());
        assert_eq!(rows_of(after).await, expected, "{join_type}");
    }

    /// Every join type, built on a side with 20 times the rows of the other, is built on the
    /// smaller side in one table, and gives the same rows as before (NULL keys, keys without
    /// a match, and a join filter that rejects some matches included).
    #[tokio::test]
    async fn a_join_builds_on_the_side_with_far_fewer_rows() {
        for join_type in JOIN_TYPES {
            let before = join(
                large(),
                small(100),
                join_type,
                PartitionMode::Partitioned,
                false,
            );
            builds_one_table_on_the_small_side(before, join_type.swap()).await;
        }
    }

    /// Sides less than [`FACTOR`] times apart stay as chosen; a build side over the row
    /// threshold is partitioned; a null-aware anti join (`NOT IN`) is never turned around.
    #[test]
    fn joins_it_leaves_or_keeps_partitioned() {
        let config = ConfigOptions::default();
        let close = join(
            large(),
            small(400),
            JoinType::Inner,
            PartitionMode::Partitioned,
            false,
        );
        assert!(Arc::ptr_eq(&optimized(&close, &config), &close));

        let not_in = join(
            large(),
            small(100),
            JoinType::LeftAnti,
            PartitionMode::CollectLeft,
            true,
        );
        assert!(Arc::ptr_eq(&optimized(&not_in, &config), &not_in));

        let mut few_rows = ConfigOptions::default();
        few_rows.optimizer.hash_join_single_partition_threshold_rows = 50;
        let partitioned = join(
            large(),
            small(100),
            JoinType::Inner,
            PartitionMode::Partitioned,
            false,
        );
        let turned = optimized(&partitioned, &few_rows);
        assert_eq!(
            the_join(&turned).partition_mode(),
            &PartitionMode::Partitioned
        );
        assert_eq!(rows(the_join(&turned).left()), Some(100));

        let mut fixed = ConfigOptions::default();
        fixed.optimizer.join_reordering = false;
        assert!(Arc::ptr_eq(&optimized(&partitioned, &fixed), &partitioned));
    }

    /// A partitioned join that builds on the smaller side, with 20 times its rows to probe, is
    /// collected (every join type, same rows); not when the build side is over eight times the
    /// row threshold, nor when the session collects nothing, nor with a probe side under 4
    /// times its rows.
    #[tokio::test]
    async fn a_join_with_a_far_larger_probe_side_is_collected() {
        let config = ConfigOptions::default();
        for join_type in JOIN_TYPES {
            let before = join(
                small(100),
                large(),
                join_type,
                PartitionMode::Partitioned,
                false,
            );
            builds_one_table_on_the_small_side(before, join_type).await;
        }

        let partitioned = join(
            small(100),
            large(),
            JoinType::Inner,
            PartitionMode::Partitioned,
            false,
        );
        let mut low = ConfigOptions::default();
        low.optimizer.hash_join_single_partition_threshold_rows = 12;
        assert!(Arc::ptr_eq(&optimized(&partitioned, &low), &partitioned));
        low.optimizer.hash_join_single_partition_threshold_rows = 13;
        assert!(!Arc::ptr_eq(&optimized(&partitioned, &low), &partitioned));
        let mut none = ConfigOptions::default();
        none.optimizer.hash_join_single_partition_threshold_rows = 0;
        assert!(Arc::ptr_eq(&optimized(&partitioned, &none), &partitioned));

        // A probe side 5 times the build side's rows is far enough, 3.3 times is not.
        for (rows, collected) in [(400, true), (600, false)] {
            let partitioned = join(
                small(rows),
                large(),
                JoinType::Inner,
                PartitionMode::Partitioned,
                false,
            );
            let after = optimized(&partitioned, &config);
            assert_eq!(!Arc::ptr_eq(&after, &partitioned), collected, "{rows} rows");
        }
    }

    /// The rule comes right after DataFusion's join selection, before dynamic filters are
    /// made (a join that has one cannot be turned around).
    #[test]
    fn runs_right_after_join_selection() {
        let names: Vec<String> = crate::session::physical_optimizer_rules()
            .iter()
            .map(|rule| rule.name().to_string())
            .collect();
        let at = names.iter().position(|n| n == "JoinSidesByRows").unwrap();
        assert_eq!(names[at - 1], "join_selection");
        let pushdown = names
            .iter()
            .position(|n| n == "FilterPushdown(Post)")
            .unwrap();
        assert!(at < pushdown);
    }
}
