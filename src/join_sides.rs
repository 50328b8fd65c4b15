//! A hash join builds its table on the side with far fewer rows.
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
//! This rule runs right after DataFusion's join selection and turns a hash join around when
//! its build side is estimated to have [`FACTOR`] times the rows of its probe side or more (an
//! estimate of rows survives joins and filters better than one of bytes). The side built on
//! is then collected into one table when its rows are under DataFusion's
//! `hash_join_single_partition_threshold_rows`, else both sides stay partitioned. Joins
//! without a row estimate on either side, and null-aware anti joins (`NOT IN`), are left as
//! DataFusion chose.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};

/// How many times the probe side's rows the build side must have to be turned around: far
/// enough apart that the row estimates' own errors do not decide.
const FACTOR: usize = 10;

/// Turns around hash joins that build on the side with [`FACTOR`] times the rows.
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
            let turned = match node.downcast_ref::<HashJoinExec>() {
                Some(join) => turned_around(join, config)?,
                None => None,
            };
            Ok(match turned {
                Some(turned) => Transformed::yes(turned),
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

/// `join` with its sides swapped, if it builds on [`FACTOR`] times the rows it probes with.
fn turned_around(
    join: &HashJoinExec,
    config: &ConfigOptions,
) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let swappable = join.join_type().supports_swap()
        && !join.null_aware
        && join.dynamic_expressions_produced().is_empty()
        && matches!(
            join.partition_mode(),
            PartitionMode::Partitioned | PartitionMode::CollectLeft
        );
    if !swappable {
        return Ok(None);
    }
    let (Some(build), Some(probe)) = (rows(join.left()), rows(join.right())) else {
        return Ok(None);
    };
    if build < probe.saturating_mul(FACTOR) {
        return Ok(None);
    }
    let mode = if probe < config.optimizer.hash_join_single_partition_threshold_rows {
        PartitionMode::CollectLeft
    } else {
        PartitionMode::Partitioned
    };
    join.swap_inputs(mode).map(Some)
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

    /// Every join type, built on a side with 20 times the rows of the other, is built on the
    /// smaller side in one table, and gives the same rows as before (NULL keys, keys without
    /// a match, and a join filter that rejects some matches included).
    #[tokio::test]
    async fn a_join_builds_on_the_side_with_far_fewer_rows() {
        let config = ConfigOptions::default();
        for join_type in [
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
        ] {
            let before = join(
                large(),
                small(100),
                join_type,
                PartitionMode::Partitioned,
                false,
            );
            let after = optimized(&before, &config);
            let turned = the_join(&after);
            assert_eq!(turned.join_type(), &join_type.swap(), "{join_type}");
            assert_eq!(turned.partition_mode(), &PartitionMode::CollectLeft);
            assert_eq!(rows(turned.left()), Some(100), "{join_type}");
            assert_eq!(after.schema(), before.schema(), "{join_type}");
            let expected = rows_of(before).await;
            assert!(expected.len() > 10, "{join_type}: {} rows", expected.len());
            assert_eq!(rows_of(after).await, expected, "{join_type}");
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
