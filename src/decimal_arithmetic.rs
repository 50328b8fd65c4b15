//! Decimal sums, differences and products of values that fit in 64 bits, without a check per
//! row.
//!
//! Arrow keeps a `Decimal128` value in an `i128` and adds, subtracts or multiplies two such
//! columns checking every row for overflow: a loop that returns early on error (so it is not
//! vectorised) and, for a product or a sum of two scales, `i128` multiplications with overflow
//! detection. TPC-H's q01 spends a quarter of its time there (`l_extendedprice * (1 -
//! l_discount) * (1 + l_tax)`: three such operations a row, 12 ns a row for `1 - l_discount`,
//! whose `1` has another scale). The amounts, quantities and rates of a lake have far fewer than
//! 19 digits. When every value on both sides fits in an `i64` — tested per batch, one pass
//! without branches — no result can overflow an `i128` (see [`Narrow::combine`]), so the
//! result is computed without checks, one widening multiplication a row, and is the one arrow
//! computes, value for value, type for type. Otherwise arrow computes it as before.
//!
//! Rewritten: the expressions of projections, filters and the arguments of aggregations that
//! read their input (not the final step of a two-step one, which only merges).

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Datum, PrimitiveArray, new_empty_array};
use arrow::compute::kernels::{arity, numeric};
use arrow::datatypes::{DataType, Decimal128Type, Schema};
use arrow::error::ArrowError;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue, internal_datafusion_err};
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::BinaryExpr;
use datafusion::physical_expr_common::datum::apply;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::{ProjectionExec, ProjectionExpr};

use crate::filter_conditions::shown_as_written;

/// Makes decimal `+`, `-` and `*` in projections, filters and aggregations' arguments compute
/// as [`Narrow`] does.
#[derive(Debug, Default)]
pub(crate) struct NarrowDecimals;

impl PhysicalOptimizerRule for NarrowDecimals {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let rewritten = if let Some(projection) = node.downcast_ref::<ProjectionExec>() {
                narrow_projection(projection)?
            } else if let Some(filter) = node.downcast_ref::<FilterExec>() {
                narrow_filter(filter)?
            } else if let Some(aggregate) = node.downcast_ref::<AggregateExec>() {
                narrow_aggregate(aggregate)?
            } else {
                None
            };
            Ok(match rewritten {
                Some(node) => Transformed::yes(node),
                None => Transformed::no(node),
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "NarrowDecimals"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

fn narrow_projection(projection: &ProjectionExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let schema = projection.input().schema();
    let mut changed = false;
    let mut exprs = Vec::with_capacity(projection.expr().len());
    for item in projection.expr() {
        let expr = narrowed(&item.expr, &schema)?;
        changed |= expr.transformed;
        exprs.push(ProjectionExpr::new(expr.data, item.alias.clone()));
    }
    if !changed {
        return Ok(None);
    }
    let input = Arc::clone(projection.input());
    let rebuilt = ProjectionExec::try_new_with_schema_metadata(exprs, input, &projection.schema())?;
    Ok(Some(Arc::new(rebuilt)))
}

fn narrow_filter(filter: &FilterExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let predicate = narrowed(filter.predicate(), &filter.input().schema())?;
    if !predicate.transformed {
        return Ok(None);
    }
    let rebuilt = FilterExecBuilder::from(filter)
        .with_predicate(predicate.data)
        .build()?;
    Ok(Some(Arc::new(rebuilt)))
}

fn narrow_aggregate(aggregate: &AggregateExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    // The final step of a two-step aggregation merges states; its arguments are not evaluated.
    let reads_its_input = matches!(
        aggregate.mode(),
        AggregateMode::Partial | AggregateMode::Single | AggregateMode::SinglePartitioned
    );
    if !reads_its_input {
        return Ok(None);
    }
    let schema = aggregate.input_schema();
    let mut changed = false;
    let mut functions = Vec::with_capacity(aggregate.aggr_expr().len());
    for function in aggregate.aggr_expr() {
        let mut args = Vec::new();
        let mut narrowed_any = false;
        for arg in function.expressions() {
            let arg = narrowed(&arg, &schema)?;
            narrowed_any |= arg.transformed;
            args.push(arg.data);
        }
        let order_by = function
            .order_bys()
            .iter()
            .map(|sort| Arc::clone(&sort.expr));
        let rebuilt = narrowed_any
            .then(|| function.with_new_expressions(args, order_by.collect()))
            .flatten();
        changed |= rebuilt.is_some();
        functions.push(rebuilt.map_or_else(|| Arc::clone(function), Arc::new));
    }
    if !changed {
        return Ok(None);
    }
    Ok(Some(Arc::new(aggregate.with_new_aggr_exprs(functions))))
}

/// `expr` with each decimal `+`, `-` and `*` in it computed as [`Narrow`] does.
///
/// Not under an operation that stays as written and binds more tightly (`(a + b) / c`):
/// DataFusion shows a child operation in parentheses only when it knows it for one, and would
/// show that one as `a + b / c`.
fn narrowed(
    expr: &Arc<dyn PhysicalExpr>,
    schema: &Schema,
) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    Arc::clone(expr).transform_up(|expr| {
        if let Some(narrow) = Narrow::of(&expr, schema) {
            return Ok(Transformed::yes(Arc::new(narrow) as Arc<dyn PhysicalExpr>));
        }
        let Some(binary) = expr.downcast_ref::<BinaryExpr>() else {
            return Ok(Transformed::no(expr));
        };
        let precedence = binary.op().precedence();
        let needs_parentheses = |child: &Arc<dyn PhysicalExpr>| {
            child
                .downcast_ref::<Narrow>()
                .is_some_and(|narrow| narrow.op.precedence() < precedence)
        };
        if !needs_parentheses(binary.left()) && !needs_parentheses(binary.right()) {
            return Ok(Transformed::no(expr));
        }
        let children =
            [binary.left(), binary.right()].map(|child| match needs_parentheses(child) {
                true => written(child),
                false => Arc::clone(child),
            });
        Ok(Transformed::yes(
            Arc::clone(&expr).with_new_children(children.to_vec())?,
        ))
    })
}

/// `expr` as written: the operation a [`Narrow`] stands for, else `expr`.
fn written(expr: &Arc<dyn PhysicalExpr>) -> Arc<dyn PhysicalExpr> {
    match expr.downcast_ref::<Narrow>() {
        Some(narrow) => Arc::clone(&narrow.shown),
        None => Arc::clone(expr),
    }
}

/// A decimal `+`, `-` or `*` whose operands, when every value of both fits in an `i64`, are
/// combined without checks; else by arrow. Shown as the operation it stands for.
#[derive(Debug)]
pub(crate) struct Narrow {
    /// The operation as written: a [`BinaryExpr`] of the operands as written.
    shown: Arc<dyn PhysicalExpr>,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
    op: Operator,
    /// Arrow's kernel for the operation, for the batches it computes.
    kernel: Kernel,
    /// The operands' types as planned; a batch whose columns differ is left to arrow.
    left_type: DataType,
    right_type: DataType,
    /// What arrow's operation returns for these operands: the precision and scale it gives.
    result: DataType,
    /// The powers of ten that bring each side of a sum or difference to the result's scale.
    left_scale_up: i64,
    right_scale_up: i64,
}

impl Narrow {
    /// `expr` as a [`Narrow`], if it is a `+`, `-` or `*` of two `Decimal128` operands that
    /// arrow computes with the type DataFusion planned for it.
    fn of(expr: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Self> {
        let binary = expr.downcast_ref::<BinaryExpr>()?;
        let op = *binary.op();
        let kernel = kernel(op)?;
        let (left, right) = (binary.left(), binary.right());
        let (left_type, right_type) = (left.data_type(schema).ok()?, right.data_type(schema).ok()?);
        let (DataType::Decimal128(_, left_scale), DataType::Decimal128(_, right_scale)) =
            (&left_type, &right_type)
        else {
            return None;
        };
        // Arrow's own answer for no rows gives the result's type (or its refusal).
        let empty = kernel(&new_empty_array(&left_type), &new_empty_array(&right_type)).ok()?;
        let result = empty.data_type().clone();
        let DataType::Decimal128(_, result_scale) = result else {
            return None;
        };
        if result != binary.data_type(schema).ok()? {
            return None;
        }
        let (left_scale_up, right_scale_up) = match op {
            Operator::Multiply => (1, 1),
            _ => (
                power_of_ten(result_scale, *left_scale)?,
                power_of_ten(result_scale, *right_scale)?,
            ),
        };
        let shown = Arc::clone(expr).with_new_children(vec![written(left), written(right)]);
        Some(Self {
            shown: shown.ok()?,
            left: Arc::clone(left),
            right: Arc::clone(right),
            op,
            kernel,
            left_type,
            right_type,
            result,
            left_scale_up,
            right_scale_up,
        })
    }

    /// The result when every value of both operands fits in an `i64`, else `None`.
    ///
    /// No operation can then overflow an `i128` (whose largest value exceeds 1.7 · 10³⁸): a
    /// product of two `i64`s is at most 2¹²⁶ in magnitude, and a sum or difference adds two
    /// values each at most 2⁶³ · 10¹⁸ < 2¹²³ (the powers of ten are at most 10¹⁸).
    fn combine(&self, left: &ColumnarValue, right: &ColumnarValue) -> Result<Option<ArrayRef>> {
        let operands = (
            Operand::of(left, &self.left_type),
            Operand::of(right, &self.right_type),
        );
        let (Some(left), Some(right)) = operands else {
            return Ok(None);
        };
        // The powers of ten stay `i64`s widened in the loop, so that each product is one
        // 64-by-64-bit multiplication.
        let (l, r) = (self.left_scale_up, self.right_scale_up);
        let values = match (self.op, l, r) {
            (Operator::Multiply, ..) => combine(&left, &right, |a, b| a * b),
            (Operator::Plus, 1, 1) => combine(&left, &right, |a, b| a + b),
            (Operator::Minus, 1, 1) => combine(&left, &right, |a, b| a - b),
            (Operator::Plus, ..) => {
                combine(&left, &right, |a, b| a * i128::from(l) + b * i128::from(r))
            }
            (Operator::Minus, ..) => {
                combine(&left, &right, |a, b| a * i128::from(l) - b * i128::from(r))
            }
            _ => None,
        };
        let Some(values) = values else {
            return Ok(None);
        };
        let values = values.with_data_type(self.result.clone());
        Ok(Some(Arc::new(values)))
    }
}

/// An arrow arithmetic kernel.
type Kernel = fn(&dyn Datum, &dyn Datum) -> Result<ArrayRef, ArrowError>;

/// Arrow's kernel for `op` on decimals: the one DataFusion calls, and the one this falls back
/// on. (For decimals arrow checks overflow in the wrapping kernels too.)
fn kernel(op: Operator) -> Option<Kernel> {
    match op {
        Operator::Plus => Some(numeric::add_wrapping),
        Operator::Minus => Some(numeric::sub_wrapping),
        Operator::Multiply => Some(numeric::mul_wrapping),
        _ => None,
    }
}

/// `10^(result - scale)`, if it fits in an `i64` (at most 10¹⁸).
fn power_of_ten(result: i8, scale: i8) -> Option<i64> {
    let exponent = u32::try_from(i32::from(result) - i32::from(scale)).ok()?;
    (exponent <= 18).then(|| 10_i64.pow(exponent))
}

/// One side of the operation: a column's values, or one value for every row.
enum Operand<'a> {
    Column(&'a PrimitiveArray<Decimal128Type>),
    Constant(i64),
}

impl<'a> Operand<'a> {
    /// The operand, if every value it holds fits in an `i64` (the slots of NULLs included:
    /// they are computed too, and their result ignored). A NULL constant, or a column of
    /// another type than planned, is left to arrow.
    fn of(value: &'a ColumnarValue, planned: &DataType) -> Option<Self> {
        if value.data_type() != *planned {
            return None;
        }
        match value {
            ColumnarValue::Array(array) => {
                let column = array.as_primitive_opt::<Decimal128Type>()?;
                let wide = column
                    .values()
                    .iter()
                    .fold(false, |wide, &v| wide | (i128::from(v as i64) != v));
                (!wide).then_some(Operand::Column(column))
            }
            ColumnarValue::Scalar(ScalarValue::Decimal128(Some(v), ..)) => {
                i64::try_from(*v).ok().map(Operand::Constant)
            }
            ColumnarValue::Scalar(_) => None,
        }
    }
}

/// `f` on each row's pair of values (widened to `i128`), NULL where either is; `None` for two
/// constants, which arrow computes.
fn combine(
    left: &Operand<'_>,
    right: &Operand<'_>,
    f: impl Fn(i128, i128) -> i128,
) -> Option<PrimitiveArray<Decimal128Type>> {
    let wide = |v: i128| i128::from(v as i64);
    match (left, right) {
        (Operand::Column(a), Operand::Column(b)) => {
            arity::binary(*a, *b, |a, b| f(wide(a), wide(b))).ok()
        }
        (Operand::Column(a), Operand::Constant(b)) => {
            let b = i128::from(*b);
            Some(a.unary(|a| f(wide(a), b)))
        }
        (Operand::Constant(a), Operand::Column(b)) => {
            let a = i128::from(*a);
            Some(b.unary(|b| f(a, wide(b))))
        }
        (Operand::Constant(_), Operand::Constant(_)) => None,
    }
}

shown_as_written!(Narrow);

impl PhysicalExpr for Narrow {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(self.result.clone())
    }

    fn nullable(&self, input_schema: &Schema) -> Result<bool> {
        self.shown.nullable(input_schema)
    }

    fn evaluate(&self, batch: &arrow::array::RecordBatch) -> Result<ColumnarValue> {
        let left = self.left.evaluate(batch)?;
        let right = self.right.evaluate(batch)?;
        if let Some(values) = self.combine(&left, &right)? {
            return Ok(ColumnarValue::Array(values));
        }
        apply(&left, &right, self.kernel)
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let [left, right] = <[_; 2]>::try_from(children).map_err(|children| {
            internal_datafusion_err!(
                "a decimal operation has two operands, not {}",
                children.len()
            )
        })?;
        let shown =
            Arc::clone(&self.shown).with_new_children(vec![written(&left), written(&right)])?;
        Ok(Arc::new(Self {
            shown,
            left,
            right,
            op: self.op,
            kernel: self.kernel,
            left_type: self.left_type.clone(),
            right_type: self.right_type.clone(),
            result: self.result.clone(),
            left_scale_up: self.left_scale_up,
            right_scale_up: self.right_scale_up,
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown.fmt_sql(f)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Decimal128Array, RecordBatch};
    use arrow::buffer::NullBuffer;
    use arrow::datatypes::Field;
    use arrow::util::pretty::pretty_format_batches;
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::physical_expr::expressions::{Literal, binary, col};
    use datafusion::physical_plan::{collect, displayable};
    use datafusion::prelude::SessionContext;

    use super::*;
    use crate::test_util::session_over;

    const ROWS: usize = 3000;

    /// A decimal column: its name, precision, scale and the value of row `i`.
    type Column<'a> = (&'a str, u8, i8, &'a dyn Fn(usize) -> i128);

    /// Decimal columns, NULL at every 7th row.
    fn batch(columns: &[Column<'_>]) -> RecordBatch {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, p, s, _)| Field::new(*name, DataType::Decimal128(*p, *s), true))
            .collect();
        let arrays = columns
            .iter()
            .map(|(_, p, s, value)| {
                let values: Decimal128Array =
                    (0..ROWS).map(|i| (i % 7 != 3).then(|| value(i))).collect();
                Arc::new(values.with_precision_and_scale(*p, *s).unwrap()) as ArrayRef
            })
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
    }

    /// `left op right` over `batch` as arrow computes it and as [`Narrow`] does (which must be
    /// made for it).
    fn both(
        batch: &RecordBatch,
        left: Arc<dyn PhysicalExpr>,
        op: Operator,
        right: Arc<dyn PhysicalExpr>,
    ) -> (Result<ArrayRef>, Result<ArrayRef>) {
        let schema = batch.schema();
        let expr = binary(left, op, right, &schema).unwrap();
        let narrow = Narrow::of(&expr, &schema).expect("a decimal operation");
        assert_eq!(narrow.to_string(), expr.to_string());
        let array = |value: Result<ColumnarValue>| value?.into_array(batch.num_rows());
        (array(expr.evaluate(batch)), array(narrow.evaluate(batch)))
    }

    fn column(name: &str, batch: &RecordBatch) -> Arc<dyn PhysicalExpr> {
        col(name, &batch.schema()).unwrap()
    }

    fn constant(value: i128, precision: u8, scale: i8) -> Arc<dyn PhysicalExpr> {
        Arc::new(Literal::new(ScalarValue::Decimal128(
            Some(value),
            precision,
            scale,
        )))
    }

    /// Prices, discounts and taxes as TPC-H has them, negative ones too, and values at the
    /// ends of an `i64` with scales eighteen apart: every operation gives arrow's values and
    /// type.
    #[test]
    fn narrow_operations_give_arrows_answers() {
        let batch = batch(&[
            ("price", 15, 2, &|i| {
                (i as i128 * 7919) % 10_000_000 - 20_000
            }),
            ("disc", 15, 2, &|i| (i % 11) as i128),
            ("rate", 10, 4, &|i| (i as i128 * 31) % 99_999 - 5000),
            ("huge", 38, 0, &|i| {
                [i64::MAX, i64::MIN, -1, 0][i % 4] as i128
            }),
            ("fine", 38, 18, &|i| [i64::MIN, i64::MAX, 7][i % 3] as i128),
        ]);
        let c = |name| column(name, &batch);
        let cases = [
            (c("price"), Operator::Multiply, c("disc")),
            (c("price"), Operator::Plus, c("disc")),
            (c("price"), Operator::Minus, c("disc")),
            (c("price"), Operator::Plus, c("rate")),
            (c("rate"), Operator::Minus, c("price")),
            (c("price"), Operator::Multiply, c("rate")),
            (constant(1, 20, 0), Operator::Minus, c("disc")),
            (c("disc"), Operator::Minus, constant(1, 20, 0)),
            (constant(-3, 20, 0), Operator::Plus, c("rate")),
            (c("price"), Operator::Multiply, constant(125, 5, 3)),
            (c("huge"), Operator::Multiply, c("huge")),
            (c("huge"), Operator::Minus, c("fine")),
            (c("fine"), Operator::Plus, c("huge")),
        ];
        for (left, op, right) in cases {
            let shown = format!("{left} {op} {right}");
            let (arrow, narrow) = both(&batch, left, op, right);
            let (arrow, narrow) = (arrow.unwrap(), narrow.unwrap());
            assert_eq!(arrow.data_type(), narrow.data_type(), "{shown}");
            assert_eq!(&arrow, &narrow, "{shown}");
            assert!(arrow.null_count() > 0, "{shown}");
        }
    }

    /// Values wider than an `i64`, in a row or hidden under a NULL, leave the batch to arrow:
    /// the same answer, and the same error where arrow's overflows.
    #[test]
    fn wide_values_are_left_to_arrow() {
        let wide = batch(&[
            ("a", 38, 2, &|i| {
                if i == 1500 { 1 << 100 } else { i as i128 }
            }),
            ("b", 38, 2, &|i| i as i128 % 50),
            ("max", 38, 0, &|i| {
                if i % 2 == 0 { i128::MAX / 3 } else { 2 }
            }),
        ]);
        let c = |name| column(name, &wide);
        let (arrow, narrow) = both(&wide, c("a"), Operator::Multiply, c("b"));
        assert_eq!(&arrow.unwrap(), &narrow.unwrap());
        let (arrow, narrow) = both(&wide, c("max"), Operator::Multiply, c("max"));
        let (arrow, narrow) = (arrow.unwrap_err(), narrow.unwrap_err());
        assert!(arrow.to_string().contains("Overflow"), "{arrow}");
        assert_eq!(arrow.to_string(), narrow.to_string());

        // A NULL whose slot holds a wide value.
        let values = [5_i128, i128::MAX, -7];
        let nulls = NullBuffer::from(vec![true, false, true]);
        let column = Decimal128Array::new(values.to_vec().into(), Some(nulls))
            .with_precision_and_scale(38, 0)
            .unwrap();
        let schema = Schema::new(vec![Field::new("v", DataType::Decimal128(38, 0), true)]);
        let hidden = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(column)]).unwrap();
        let v = column_of(&hidden);
        let (arrow, narrow) = both(&hidden, Arc::clone(&v), Operator::Plus, v);
        let narrow = narrow.unwrap();
        assert_eq!(&arrow.unwrap(), &narrow);
        assert_eq!(narrow.as_primitive::<Decimal128Type>().value(2), -14);
    }

    fn column_of(batch: &RecordBatch) -> Arc<dyn PhysicalExpr> {
        column(batch.schema().field(0).name(), batch)
    }

    /// Other operations and types are not made narrow.
    #[test]
    fn only_decimal_sums_differences_and_products() {
        let batch = batch(&[("a", 15, 2, &|i| i as i128), ("b", 15, 2, &|_| 3)]);
        let schema = batch.schema();
        let (a, b) = (column("a", &batch), column("b", &batch));
        for op in [Operator::Divide, Operator::Modulo, Operator::Lt] {
            let expr = binary(Arc::clone(&a), op, Arc::clone(&b), &schema).unwrap();
            assert!(Narrow::of(&expr, &schema).is_none(), "{expr}");
        }
        let integers = Schema::new(vec![Field::new("n", DataType::Int64, true)]);
        let n = col("n", &integers).unwrap();
        let expr = binary(Arc::clone(&n), Operator::Plus, n, &integers).unwrap();
        assert!(Narrow::of(&expr, &integers).is_none());
    }

    /// A session over `t(price, disc, tax)` in batches of 1,000 rows, with the rule or not.
    fn session(with_rule: bool) -> SessionContext {
        let batch = batch(&[
            ("price", 15, 2, &|i| (i as i128 * 7919) % 10_000_000),
            ("disc", 15, 2, &|i| (i % 11) as i128),
            ("tax", 15, 2, &|i| (i % 9) as i128),
        ]);
        session_over(&batch, with_rule.then(|| Arc::new(NarrowDecimals) as _))
    }

    /// A plan's projections, filters and aggregations compute decimals narrow, show what was
    /// written, and give the rows of the plan without the rule.
    #[tokio::test]
    async fn a_plan_computes_decimals_narrow() {
        let sql = "SELECT disc, sum(price * (1 - disc) * (1 + tax)) AS charge, \
                          sum(price * (1 - disc)) AS discounted, avg(price * disc) AS mean, \
                          max((price + tax) / 2) AS halves, max(price - (disc - tax)) AS nested \
                   FROM t WHERE price * tax > 1000 AND (price - disc) / 2 > 10 \
                   GROUP BY disc ORDER BY disc";
        let mut shown = Vec::new();
        let mut rows = Vec::new();
        let mut narrow = 0;
        for with_rule in [false, true] {
            let ctx = session(with_rule);
            let plan = ctx.sql(sql).await.unwrap().create_physical_plan().await;
            let plan = plan.unwrap();
            shown.push(displayable(plan.as_ref()).indent(false).to_string());
            let _ = plan.apply(|node| {
                let exprs: Vec<Arc<dyn PhysicalExpr>> =
                    if let Some(p) = node.downcast_ref::<ProjectionExec>() {
                        p.expr().iter().map(|e| Arc::clone(&e.expr)).collect()
                    } else if let Some(f) = node.downcast_ref::<FilterExec>() {
                        vec![Arc::clone(f.predicate())]
                    } else if let Some(a) = node.downcast_ref::<AggregateExec>() {
                        a.aggr_expr().iter().flat_map(|f| f.expressions()).collect()
                    } else {
                        vec![]
                    };
                for expr in exprs {
                    let _ = expr.apply(|e| {
                        narrow += usize::from(e.downcast_ref::<Narrow>().is_some());
                        Ok(TreeNodeRecursion::Continue)
                    });
                }
                Ok(TreeNodeRecursion::Continue)
            });
            let batches = collect(plan, ctx.task_ctx()).await.unwrap();
            rows.push(pretty_format_batches(&batches).unwrap().to_string());
        }
        // price * tax (filter), 1 - disc and price * (…) (projection of the shared part),
        // 1 + tax and the product (aggregation), price * disc (aggregation).
        assert!(narrow >= 5, "{narrow} narrow operations in\n{}", shown[1]);
        assert_eq!(shown[0], shown[1]);
        assert_eq!(rows[0], rows[1]);
        assert!(rows[1].lines().count() > 10, "{}", rows[1]);
    }
}
