//! A filter's conditions: the cheap ones first, each tested only on the rows the ones before
//! kept.
//!
//! DataFusion evaluates a filter's `a AND b AND c` as `(a AND b) AND c`: left to right and,
//! when the left side keeps a fifth of the rows or fewer and has no NULLs, the right side on
//! those rows only — by copying every column of the batch for them and spreading the answer
//! back over the batch, again at each `AND`. Two things follow, both measured on TPC-H's
//! `lineitem` (6 M rows, one core, datafusion-python 55):
//! - conditions are tested in the order the query wrote them, so a string comparison written
//!   first runs on every row while the date range after it would have removed most of them
//!   (q12: `l_shipmode IN ('MAIL', 'SHIP')` about 20 ns a row, a date comparison 1-2 ns);
//! - cheap conditions after a selective one are each paid for with a copy of the whole batch
//!   (q06's five number and date comparisons: 90 ms, against 6 ms for each alone).
//!
//! This rule replaces a filter's conjunction by [`Conditions`], which tests each condition on
//! the whole batch (a bitmap `AND` joins the answers) until few rows are left, and then only
//! on the rows left, copying just the columns it reads. The conditions that compare
//! fixed-width values (numbers, dates, times, booleans) go first, each group in its written
//! order, when no condition can fail: `AND` gives the same answer in any order, but which rows
//! a condition that can fail sees — and so whether the statement fails — depends on what is
//! tested before it. A condition that can fail is never tested on a row DataFusion's own
//! evaluation would not have tested it on.
//!
//! A string column compared with a short text (`l_shipmode = 'AIR'`, a district's code) is
//! compared as [`ShortTextEquals`] does, in filters of one condition too: one number against
//! another per row, instead of arrow's comparison that branches on each value's length.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::builder::make_view;
use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::buffer::BooleanBuffer;
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Schema};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue, internal_err};
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{
    BinaryExpr, Column, InListExpr, IsNotNullExpr, IsNullExpr, Literal, NotExpr,
};
use datafusion::physical_expr::utils::{collect_columns, conjunction, split_conjunction};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};

/// Makes every filter of two conditions or more test them as [`Conditions`] does, the cheap
/// ones first where none can fail, and compares string views with short texts as
/// [`ShortTextEquals`] does.
#[derive(Debug, Default)]
pub(crate) struct FilterConditions;

impl PhysicalOptimizerRule for FilterConditions {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(filter) = node.downcast_ref::<FilterExec>() else {
                return Ok(Transformed::no(node));
            };
            let schema = filter.input().schema();
            let rewritten = short_text_equalities(filter.predicate(), &schema)?;
            let predicate = match Conditions::of(&rewritten.data, &schema) {
                Some(conditions) => conditions,
                None if rewritten.transformed => rewritten.data,
                None => return Ok(Transformed::no(node)),
            };
            let filter = FilterExecBuilder::from(filter)
                .with_predicate(predicate)
                .build()?;
            Ok(Transformed::yes(Arc::new(filter) as Arc<dyn ExecutionPlan>))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "FilterConditions"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The share of a batch's rows under which a condition is tested only on the rows left: as in
/// DataFusion's `AND`, and lower for a cheap condition, which costs less on the whole batch
/// than the copy of the rows left would.
const SPARSE: f64 = 0.2;
const SPARSE_CHEAP: f64 = 0.02;

/// A filter's conditions, all of which a row must meet (NULL counts as not met: a filter drops
/// such rows too). Each is tested on the whole batch while many rows are left, and then on the
/// rows left only; once none is left, the rest are not tested. Shown as the conjunction it
/// stands for.
#[derive(Debug)]
pub(crate) struct Conditions {
    conditions: Vec<Condition>,
    /// The conjunction of the conditions, in their order: what EXPLAIN shows.
    shown: Arc<dyn PhysicalExpr>,
}

/// One condition of [`Conditions`], and how to test it on some rows only.
#[derive(Debug)]
struct Condition {
    expr: Arc<dyn PhysicalExpr>,
    /// What it costs (`Dear` if it can fail).
    cost: Cost,
    /// The columns it reads, in order: those copied for the rows left.
    columns: Vec<usize>,
    /// The condition over those columns only.
    narrowed: Arc<dyn PhysicalExpr>,
}

impl Conditions {
    /// `predicate`'s conditions as [`Conditions`], the cheap ones first if none can fail, or
    /// `None` if it has one condition only.
    fn of(predicate: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
        let conditions = split_conjunction(predicate);
        if conditions.len() < 2 {
            return None;
        }
        let costs: Option<Vec<Cost>> = conditions.iter().map(|c| cost(c, schema)).collect();
        let mut order: Vec<usize> = (0..conditions.len()).collect();
        if let Some(costs) = &costs {
            // Stable: each group keeps its written order.
            order.sort_by_key(|&i| costs[i]);
        }
        let cost = |i: usize| costs.as_ref().map_or(Cost::Dear, |c| c[i]);
        let conditions = order
            .into_iter()
            .map(|i| Condition::new(Arc::clone(conditions[i]), cost(i)))
            .collect::<Result<Vec<_>>>()
            .ok()?;
        Some(Arc::new(Self::new(conditions)))
    }

    fn new(conditions: Vec<Condition>) -> Self {
        let shown = conjunction(conditions.iter().map(|c| Arc::clone(&c.expr)));
        Conditions { conditions, shown }
    }

    /// The rows of `batch` that meet every condition.
    fn kept(&self, batch: &RecordBatch) -> Result<BooleanBuffer> {
        let rows = batch.num_rows();
        let mut kept = BooleanBuffer::new_set(rows);
        let mut left = rows;
        for condition in &self.conditions {
            if left == 0 {
                break;
            }
            let sparse = match condition.cost {
                Cost::Cheap => SPARSE_CHEAP,
                Cost::Text | Cost::Dear => SPARSE,
            };
            kept = if left as f64 <= rows as f64 * sparse {
                let selection = BooleanArray::new(kept, None);
                let narrowed = batch.project(&condition.columns)?;
                let rows_left = filter_record_batch(&narrowed, &selection)?;
                let met = met(condition.narrowed.evaluate(&rows_left)?, left)?;
                spread(selection.values(), &met)
            } else {
                &kept & &met(condition.expr.evaluate(batch)?, rows)?
            };
            left = kept.count_set_bits();
        }
        Ok(kept)
    }
}

impl Condition {
    fn new(expr: Arc<dyn PhysicalExpr>, cost: Cost) -> Result<Self> {
        let mut columns: Vec<usize> = collect_columns(&expr).iter().map(|c| c.index()).collect();
        columns.sort_unstable();
        let narrowed = Arc::clone(&expr)
            .transform(|node| {
                let Some(column) = node.downcast_ref::<Column>() else {
                    return Ok(Transformed::no(node));
                };
                let place = columns.binary_search(&column.index()).unwrap_or_default();
                Ok(Transformed::yes(
                    Arc::new(Column::new(column.name(), place)) as Arc<dyn PhysicalExpr>,
                ))
            })?
            .data;
        Ok(Condition {
            expr,
            cost,
            columns,
            narrowed,
        })
    }
}

/// The rows a condition's value says are met (true: not false, not NULL), of `rows` rows.
fn met(value: ColumnarValue, rows: usize) -> Result<BooleanBuffer> {
    match value {
        ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))) => Ok(BooleanBuffer::new_set(rows)),
        ColumnarValue::Scalar(ScalarValue::Boolean(_)) => Ok(BooleanBuffer::new_unset(rows)),
        ColumnarValue::Array(array) => {
            let Some(array) = array.as_boolean_opt() else {
                return internal_err!("a filter's condition gave {}", array.data_type());
            };
            Ok(match array.nulls() {
                Some(nulls) => array.values() & nulls.inner(),
                None => array.values().clone(),
            })
        }
        ColumnarValue::Scalar(other) => {
            internal_err!("a filter's condition gave {}", other.data_type())
        }
    }
}

/// `kept` with its set bits, in order, replaced by `met`'s.
fn spread(kept: &BooleanBuffer, met: &BooleanBuffer) -> BooleanBuffer {
    let mut words = vec![0u64; kept.len().div_ceil(64)];
    for (row, met) in kept.set_indices().zip(met.iter()) {
        words[row / 64] |= u64::from(met) << (row % 64);
    }
    BooleanBuffer::new(words.into(), 0, kept.len())
}

/// Equality, hashing and display of an expression by the one it stands for (its `shown`):
/// two are alike when what they compute, as written, is.
macro_rules! shown_as_written {
    ($expr:ty) => {
        impl PartialEq for $expr {
            fn eq(&self, other: &Self) -> bool {
                *self.shown == *other.shown
            }
        }

        impl Eq for $expr {}

        impl Hash for $expr {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.shown.hash(state);
            }
        }

        impl fmt::Display for $expr {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.shown.fmt(f)
            }
        }
    };
}

pub(crate) use shown_as_written;

shown_as_written!(Conditions);
shown_as_written!(ShortTextEquals);

impl PhysicalExpr for Conditions {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, _input_schema: &Schema) -> Result<bool> {
        Ok(false)
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let kept = self.kept(batch)?;
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
            kept, None,
        ))))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        self.conditions.iter().map(|c| &c.expr).collect()
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let conditions = self
            .conditions
            .iter()
            .zip(children)
            .map(|(old, expr)| Condition::new(expr, old.cost))
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(Conditions::new(conditions)))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown.fmt_sql(f)
    }
}

/// `column = 'text'` (or `<>`) for a column of string views and a text of 12 bytes or fewer.
/// Arrow keeps such a text whole in the row's 16-byte view (its length, its bytes, zeros after:
/// arrow checks the zeros), so the row equals the text exactly when the two views are equal —
/// a comparison of two numbers, without the branches on length and prefix that arrow's
/// general comparison takes (8 ns a row on `lineitem`'s `l_shipmode`, whose lengths vary).
#[derive(Debug)]
pub(crate) struct ShortTextEquals {
    column: Arc<dyn PhysicalExpr>,
    view: u128,
    negated: bool,
    /// The comparison as written: what EXPLAIN shows.
    shown: Arc<dyn PhysicalExpr>,
}

impl ShortTextEquals {
    /// `expr` as a [`ShortTextEquals`], if it is such a comparison.
    fn of(expr: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Self> {
        let binary = expr.downcast_ref::<BinaryExpr>()?;
        let negated = match binary.op() {
            Operator::Eq => false,
            Operator::NotEq => true,
            _ => return None,
        };
        let (column, literal) = match (
            binary.left().downcast_ref::<Literal>(),
            binary.right().downcast_ref::<Literal>(),
        ) {
            (None, Some(literal)) => (binary.left(), literal),
            (Some(literal), None) => (binary.right(), literal),
            _ => return None,
        };
        let ScalarValue::Utf8View(Some(text)) = literal.value() else {
            return None;
        };
        let is_view = column.data_type(schema).ok()? == DataType::Utf8View;
        if column.downcast_ref::<Column>().is_none() || !is_view || text.len() > 12 {
            return None;
        }
        Some(ShortTextEquals {
            column: Arc::clone(column),
            view: make_view(text.as_bytes(), 0, 0),
            negated,
            shown: Arc::clone(expr),
        })
    }
}

/// `predicate` with its comparisons of string views with short texts as [`ShortTextEquals`].
fn short_text_equalities(
    predicate: &Arc<dyn PhysicalExpr>,
    schema: &Schema,
) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    Arc::clone(predicate).transform_down(|expr| {
        Ok(match ShortTextEquals::of(&expr, schema) {
            Some(equals) => Transformed::yes(Arc::new(equals) as Arc<dyn PhysicalExpr>),
            None => Transformed::no(expr),
        })
    })
}

impl PhysicalExpr for ShortTextEquals {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, input_schema: &Schema) -> Result<bool> {
        self.column.nullable(input_schema)
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let array = self.column.evaluate(batch)?.into_array(batch.num_rows())?;
        let Some(texts) = array.as_string_view_opt() else {
            return internal_err!("a text comparison read {}", array.data_type());
        };
        let views = texts.views();
        let (view, negated) = (self.view, self.negated);
        let equal = BooleanBuffer::collect_bool(views.len(), |i| (views[i] == view) != negated);
        let nulls = texts.nulls().cloned();
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
            equal, nulls,
        ))))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.column]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let column = children.swap_remove(0);
        // The comparison as written, its column replaced (the text stays on its side).
        let operands = self.shown.children().into_iter().map(|operand| {
            match operand.downcast_ref::<Literal>() {
                Some(_) => Arc::clone(operand),
                None => Arc::clone(&column),
            }
        });
        let shown = Arc::clone(&self.shown).with_new_children(operands.collect())?;
        Ok(Arc::new(ShortTextEquals {
            column,
            view: self.view,
            negated: self.negated,
            shown,
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown.fmt_sql(f)
    }
}

/// What evaluating a condition costs a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cost {
    /// Fixed-width values compared: a nanosecond or two.
    Cheap,
    /// Short texts compared as [`ShortTextEquals`] does: a little more, and worth testing on
    /// the rows left only once they are few.
    Text,
    /// Strings, lists of values: several times that.
    Dear,
}

/// What evaluating `expr` costs a row, or `None` if it may fail (or is not known not to):
/// columns and constants, compared with their own type, tested for NULL, negated and combined
/// with `AND` and `OR`.
fn cost(expr: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Cost> {
    if expr.downcast_ref::<ShortTextEquals>().is_some() {
        return Some(Cost::Text);
    }
    if expr.downcast_ref::<Column>().is_some() || expr.downcast_ref::<Literal>().is_some() {
        return value_cost(&expr.data_type(schema).ok()?);
    }
    if let Some(binary) = expr.downcast_ref::<BinaryExpr>() {
        let (left, right) = (binary.left(), binary.right());
        let operands = cost(left, schema)?.max(cost(right, schema)?);
        return match binary.op() {
            Operator::And | Operator::Or => Some(operands),
            op if is_comparison(op) => {
                // Compared with the same type, else arrow refuses (DataFusion casts one side
                // first, and a cast can fail).
                (left.data_type(schema).ok()? == right.data_type(schema).ok()?).then_some(operands)
            }
            _ => None,
        };
    }
    if let Some(test) = expr.downcast_ref::<IsNullExpr>() {
        return null_test_cost(test.arg(), schema);
    }
    if let Some(test) = expr.downcast_ref::<IsNotNullExpr>() {
        return null_test_cost(test.arg(), schema);
    }
    if let Some(not) = expr.downcast_ref::<NotExpr>() {
        return cost(not.arg(), schema);
    }
    if let Some(list) = expr.downcast_ref::<InListExpr>() {
        let value = list.expr().data_type(schema).ok()?;
        cost(list.expr(), schema)?;
        for item in list.list() {
            let constant = item.downcast_ref::<Literal>().is_some();
            if !constant || item.data_type(schema).ok()? != value {
                return None;
            }
        }
        return Some(Cost::Dear);
    }
    None
}

/// Whether `op` compares two values (not a pattern, which can fail to compile).
fn is_comparison(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

/// Reading a column's or a constant's values of `data_type` to compare them.
fn value_cost(data_type: &DataType) -> Option<Cost> {
    if data_type.is_primitive() || *data_type == DataType::Boolean {
        Some(Cost::Cheap)
    } else if data_type.is_nested() {
        // Arrow compares nested values only through a comparator, which can fail.
        None
    } else {
        Some(Cost::Dear)
    }
}

/// `arg IS [NOT] NULL`: a column's null bits, or what `arg` costs.
fn null_test_cost(arg: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Cost> {
    if arg.downcast_ref::<Column>().is_some() {
        return Some(Cost::Cheap);
    }
    cost(arg, schema)
}

#[cfg(test)]
mod tests {
    use arrow::array::{ArrayRef, Date32Array, Int64Array, StringArray};
    use arrow::datatypes::Field;
    use arrow::util::pretty::pretty_format_batches;
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::datasource::MemTable;
    use datafusion::physical_plan::collect;
    use datafusion::prelude::SessionContext;

    use super::*;
    use crate::test_util::session_over;

    const ROWS: usize = 5000;

    /// `t(mode, shipped, qty)`: modes with NULLs and a rare one, dates with NULLs, quantities
    /// from 0 to 49 (0 only where the mode is not the rare one).
    fn table() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("mode", DataType::Utf8, true),
            Field::new("shipped", DataType::Date32, true),
            Field::new("qty", DataType::Int64, true),
        ]));
        let mode = |i: usize| match i % 97 {
            3 => None,
            5 => Some("RARE"),
            m => Some(["MAIL", "SHIP", "AIR", "RAIL"][m % 4]),
        };
        let modes: StringArray = (0..ROWS).map(mode).collect();
        let shipped: Date32Array = (0..ROWS)
            .map(|i| (i % 11 != 5).then_some((i * 7 % 1000) as i32))
            .collect();
        let qty: Int64Array = (0..ROWS)
            .map(|i| match (i * 13 % 50) as i64 {
                0 if mode(i) == Some("RARE") => Some(1),
                q => Some(q),
            })
            .collect();
        let columns: Vec<ArrayRef> = vec![Arc::new(modes), Arc::new(shipped), Arc::new(qty)];
        RecordBatch::try_new(schema, columns).unwrap()
    }

    /// A session over [`table`], in batches of 1,000 rows, with the rule or without it.
    fn session(with_rule: bool) -> SessionContext {
        session_over(&table(), with_rule.then(|| Arc::new(FilterConditions) as _))
    }

    /// The filter's predicate as EXPLAIN shows it, whether it is [`Conditions`], and the
    /// query's rows.
    async fn run(ctx: &SessionContext, sql: &str) -> (String, bool, String) {
        let plan = ctx
            .sql(sql)
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap();
        let mut predicate = (String::new(), false);
        let _ = plan.apply(|node| {
            if let Some(filter) = node.downcast_ref::<FilterExec>() {
                let conditions = filter.predicate().downcast_ref::<Conditions>().is_some();
                predicate = (filter.predicate().to_string(), conditions);
            }
            Ok(TreeNodeRecursion::Continue)
        });
        let batches = collect(plan, ctx.task_ctx()).await.unwrap();
        let rows = pretty_format_batches(&batches).unwrap().to_string();
        (predicate.0, predicate.1, rows)
    }

    /// String conditions go after the date and number ones, each group in its order, and the
    /// rows are those of the filter as written.
    #[tokio::test]
    async fn cheap_conditions_go_first_with_the_same_rows() {
        let sql = "SELECT count(*), sum(qty) FROM t \
                   WHERE mode IN ('MAIL', 'SHIP') AND shipped < DATE '1971-06-01' \
                   AND mode <> 'AIR' AND qty IS NOT NULL AND qty > 10";
        let (predicate, conditions, rows) = run(&session(true), sql).await;
        let (written, _, expected) = run(&session(false), sql).await;
        assert_eq!(rows, expected);
        assert!(conditions);
        assert_eq!(
            predicate,
            "shipped@1 < 1971-06-01 AND qty@2 IS NOT NULL AND qty@2 > 10 \
             AND (mode@0 = MAIL OR mode@0 = SHIP) AND mode@0 != AIR",
            "as written: {written}"
        );
        assert!(
            written.starts_with("(mode@0 = MAIL OR mode@0 = SHIP)"),
            "{written}"
        );
    }

    /// A filter with a condition that can fail (arithmetic, a cast, a function) keeps its
    /// order: what is tested before such a condition decides which rows it sees.
    #[tokio::test]
    async fn a_filter_that_can_fail_keeps_its_order() {
        for sql in [
            "SELECT count(*) FROM t WHERE mode = 'MAIL' AND 100 / (qty + 1) > 3 AND qty > 0",
            "SELECT count(*) FROM t WHERE mode = 'MAIL' AND CAST(CAST(qty AS VARCHAR) AS INT) > 3 AND qty > 0",
            "SELECT count(*) FROM t WHERE mode = 'MAIL' AND upper(mode) = 'MAIL' AND qty > 0",
        ] {
            let (predicate, conditions, _) = run(&session(true), sql).await;
            let (written, _, _) = run(&session(false), sql).await;
            assert!(conditions, "{sql}");
            assert_eq!(predicate, written, "{sql}");
            assert!(predicate.starts_with("mode@0 = MAIL AND"), "{predicate}");
        }
    }

    /// A condition that would fail on rows the conditions before it dropped is tested on the
    /// rows left only, as DataFusion's `AND` does when they are few: `qty` is 0 only where the
    /// mode is not `RARE` (2 % of the rows).
    #[tokio::test]
    async fn a_condition_is_not_tested_on_rows_already_dropped() {
        let sql = "SELECT count(*) FROM t WHERE mode = 'RARE' AND 100 / qty > 1 AND qty < 40";
        let (_, conditions, rows) = run(&session(true), sql).await;
        // 100 / qty > 1 holds for every quantity but 0.
        let same = "SELECT count(*) FROM t WHERE mode = 'RARE' AND qty <> 0 AND qty < 40";
        let (_, _, expected) = run(&session(false), same).await;
        assert!(conditions);
        assert_eq!(rows, expected);
        let everywhere = "SELECT count(*) FROM t WHERE 100 / qty > 1";
        let error = session(true).sql(everywhere).await.unwrap().collect().await;
        assert!(
            error.is_err(),
            "the table has zeros where the mode is not RARE"
        );
    }

    /// On batches with NULLs, every shape of filter keeps the rows DataFusion's own conjunction
    /// keeps: conditions that keep many rows, few (tested on the rows left), none (the rest not
    /// tested), constants, and NULL answers.
    #[test]
    fn conditions_keep_the_rows_the_conjunction_keeps() {
        let batch = table();
        let schema = batch.schema();
        let ctx = SessionContext::new();
        let filters = [
            "qty > 5 AND mode = 'MAIL'",
            "mode = 'RARE' AND qty > 10",
            "shipped < DATE '1970-01-20' AND mode = 'SHIP' AND qty < 30",
            "shipped < DATE '1970-01-03' AND qty > 48 AND mode = 'AIR' AND mode <> 'SHIP'",
            "mode = 'NONE' AND qty > 3",
            "qty > 3 AND mode IS NULL AND shipped IS NOT NULL",
            "qty > 3 AND (mode = 'RAIL' OR shipped > DATE '1970-02-01') AND NOT (qty = 7)",
            "qty > 3 AND true AND mode = 'MAIL'",
            "qty > 3 AND CAST(NULL AS BOOLEAN) AND mode = 'MAIL'",
        ];
        for sql in filters {
            let logical = ctx
                .parse_sql_expr(sql, &schema.clone().try_into().unwrap())
                .unwrap();
            let predicate = ctx
                .create_physical_expr(logical, &schema.clone().try_into().unwrap())
                .unwrap();
            let conditions = Conditions::of(&predicate, &schema).unwrap();
            let got = conditions
                .evaluate(&batch)
                .unwrap()
                .into_array(ROWS)
                .unwrap();
            let expected = predicate
                .evaluate(&batch)
                .unwrap()
                .into_array(ROWS)
                .unwrap();
            let expected = met(ColumnarValue::Array(expected), ROWS).unwrap();
            assert_eq!(got.as_boolean().values(), &expected, "{sql}");
            assert_eq!(got.null_count(), 0, "{sql}");
        }
    }

    /// A comparison of string views with a short text gives arrow's answer, NULLs kept: texts
    /// longer than the view holds, sharing its prefix, of its length, empty; `=` and `<>`, the
    /// text on either side. A text too long to be held in a view is left to arrow.
    #[test]
    fn short_texts_compare_as_arrow_compares_them() {
        use arrow::array::StringViewArray;
        use datafusion::physical_expr::expressions::lit;
        let texts = StringViewArray::from(vec![
            Some("AIR"),
            Some("AIR REG"),
            None,
            Some(""),
            Some("AIRX"),
            Some("DELIVER IN PERSON"),
            Some("DELIVER IN P"),
            Some("RAI"),
            Some("AIR"),
        ]);
        let schema = Arc::new(Schema::new(vec![Field::new("m", DataType::Utf8View, true)]));
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(texts)]).unwrap();
        let column = Arc::new(Column::new("m", 0)) as Arc<dyn PhysicalExpr>;
        for text in ["AIR", "", "AIR REG", "DELIVER IN P", "ZZZ"] {
            let constant = lit(ScalarValue::Utf8View(Some(text.to_string())));
            for op in [Operator::Eq, Operator::NotEq] {
                for (left, right) in [(&column, &constant), (&constant, &column)] {
                    let written: Arc<dyn PhysicalExpr> =
                        Arc::new(BinaryExpr::new(Arc::clone(left), op, Arc::clone(right)));
                    let short = ShortTextEquals::of(&written, &schema).unwrap();
                    assert_eq!(short.to_string(), written.to_string());
                    let got = short.evaluate(&batch).unwrap().into_array(9).unwrap();
                    let expected = written.evaluate(&batch).unwrap().into_array(9).unwrap();
                    assert_eq!(got.as_boolean(), expected.as_boolean(), "{written}");
                    // Rebuilt over its column, it is the same comparison, text on the same side.
                    let rebuilt = Arc::new(short).with_new_children(vec![Arc::clone(&column)]);
                    assert_eq!(rebuilt.unwrap().to_string(), written.to_string());
                }
            }
        }
        let long = lit(ScalarValue::Utf8View(Some("DELIVER IN PERSON".to_string())));
        let written: Arc<dyn PhysicalExpr> = Arc::new(BinaryExpr::new(column, Operator::Eq, long));
        assert!(ShortTextEquals::of(&written, &schema).is_none());
    }

    /// In a plan, a filter of one comparison with a short text is [`ShortTextEquals`], and
    /// one of several holds it among its [`Conditions`]; the rows are DataFusion's.
    #[tokio::test]
    async fn a_plan_compares_short_texts_by_their_views() {
        let mut sessions = Vec::new();
        for with_rule in [true, false] {
            let ctx = session(with_rule);
            let batch = table();
            let mode = arrow::compute::cast(batch.column(0), &DataType::Utf8View).unwrap();
            let schema = Arc::new(Schema::new(vec![
                Field::new("mode", DataType::Utf8View, true),
                Field::new("qty", DataType::Int64, true),
            ]));
            let views =
                RecordBatch::try_new(Arc::clone(&schema), vec![mode, batch.column(2).clone()]);
            let views = MemTable::try_new(schema, vec![vec![views.unwrap()]]).unwrap();
            ctx.register_table("v", Arc::new(views)).unwrap();
            sessions.push(ctx);
        }
        for sql in [
            "SELECT count(*), sum(qty) FROM v WHERE mode = 'RARE'",
            "SELECT count(*), sum(qty) FROM v WHERE mode <> 'MAIL' AND qty > 40",
        ] {
            let plan = sessions[0].sql(sql).await.unwrap();
            let plan = plan.create_physical_plan().await.unwrap();
            let mut short = false;
            let _ = plan.apply(|node| {
                if let Some(filter) = node.downcast_ref::<FilterExec>() {
                    short = filter
                        .predicate()
                        .exists(|e| Ok(e.downcast_ref::<ShortTextEquals>().is_some()))?;
                }
                Ok(TreeNodeRecursion::Continue)
            });
            assert!(short, "{sql}");
            let mut rows = Vec::new();
            for ctx in &sessions {
                let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
                rows.push(pretty_format_batches(&batches).unwrap().to_string());
            }
            assert_eq!(rows[0], rows[1], "{sql}");
        }
    }

    /// A filter of one condition is left as it is.
    #[test]
    fn one_condition_is_left_alone() {
        let schema = Schema::new(vec![Field::new("qty", DataType::Int64, true)]);
        let qty = Arc::new(Column::new("qty", 0)) as Arc<dyn PhysicalExpr>;
        let cheap: Arc<dyn PhysicalExpr> = Arc::new(BinaryExpr::new(
            qty,
            Operator::Gt,
            datafusion::physical_expr::expressions::lit(3i64),
        ));
        assert!(Conditions::of(&cheap, &schema).is_none());
    }
}
