//! Exact percentiles of one column in one aggregation keep one copy of its values.
//!
//! `percentile_cont` is exact: it keeps every value of its group until the end. DataFusion's
//! keeps them per call, so a query asking for the median, 90th and 95th percentile of the same
//! response times (the Dial-112 report) held, copied between partitions and partially sorted
//! three copies of them; those calls cost more than the scan, the district lookup and the
//! grouping together. This rule replaces the `percentile_cont` calls of an aggregation that
//! read the same values (one argument and one filter) by one [`PercentileContSet`], which
//! keeps the values once and works out every percentile from them, and a projection above
//! it that takes each percentile out under the name its call had. A call alone is a set of
//! one: the set also answers where DataFusion 55's own fails, when a partial aggregation
//! finds nearly as many groups as rows and hands each row on as a state of its own. The
//! answers are DataFusion's to the bit: the same order statistics (by `f64::total_cmp`) and
//! the same interpolation.
//!
//! The set keeps its values as (group, value) pairs in the order they arrive, and lays them
//! out group by group (a counting sort) only when it hands them on: appending a pair costs
//! the same for every group, where a vector per group grows (and is copied) on its own.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray, StructArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, DFSchema, Result, ScalarValue, exec_err};
use datafusion::functions::core::expr_fn::get_field;
use datafusion::functions_aggregate::percentile_cont::PercentileCont;
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, Aggregate, AggregateUDF, AggregateUDFImpl, EmitTo, Expr, ExprSchemable,
    GroupsAccumulator, LogicalPlan, Projection, Signature, Volatility,
};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};

/// Replaces the `percentile_cont` calls of an aggregation that read the same values by one
/// [`PercentileContSet`] (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct SharedPercentiles;

impl OptimizerRule for SharedPercentiles {
    fn name(&self) -> &str {
        "shared_percentiles"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        match plan {
            LogicalPlan::Aggregate(aggregate) => share_percentiles(aggregate),
            plan => Ok(Transformed::no(plan)),
        }
    }
}

/// What the calls of one set share: the values they read.
#[derive(PartialEq)]
struct Values<'a> {
    value: &'a Expr,
    filter: &'a Option<Box<Expr>>,
}

/// The calls of an aggregation that read the same values: their places among its aggregate
/// expressions, and the percentile each asks for (of the values in ascending order).
struct Set<'a> {
    values: Values<'a>,
    calls: Vec<(usize, f64)>,
}

fn share_percentiles(aggregate: Aggregate) -> Result<Transformed<LogicalPlan>> {
    // Grouping sets add a grouping id the projection would have to pass on: left alone.
    if matches!(aggregate.group_expr.as_slice(), [Expr::GroupingSet(_)]) {
        return Ok(Transformed::no(LogicalPlan::Aggregate(aggregate)));
    }
    let input = aggregate.input.schema();
    let mut sets: Vec<Set> = Vec::new();
    for (i, expr) in aggregate.aggr_expr.iter().enumerate() {
        let Some((values, percentile)) = percentile_call(expr, input)? else {
            continue;
        };
        match sets.iter_mut().find(|set| set.values == values) {
            Some(set) => set.calls.push((i, percentile)),
            None => sets.push(Set {
                values,
                calls: vec![(i, percentile)],
            }),
        }
    }
    if sets.is_empty() {
        return Ok(Transformed::no(LogicalPlan::Aggregate(aggregate)));
    }
    // Each set takes the place of its first call; the calls it replaces go.
    let mut replaced = vec![None; aggregate.aggr_expr.len()];
    let mut set_calls = Vec::new();
    for (s, set) in sets.iter().enumerate() {
        for (field, &(i, _)) in set.calls.iter().enumerate() {
            replaced[i] = Some((s, field));
        }
        let percentiles = set.calls.iter().map(|&(_, p)| p).collect();
        let udaf = AggregateUDF::new_from_impl(PercentileContSet::new(percentiles));
        set_calls.push(Expr::AggregateFunction(AggregateFunction::new_udf(
            Arc::new(udaf),
            vec![set.values.value.clone()],
            false,
            set.values.filter.clone(),
            vec![],
            None,
        )));
    }
    let mut aggr_expr = Vec::new();
    // Where each old aggregate expression (or its set) is in the new list.
    let mut position = Vec::with_capacity(replaced.len());
    let mut set_position = vec![None; sets.len()];
    for (i, expr) in aggregate.aggr_expr.iter().enumerate() {
        match replaced[i] {
            None => {
                position.push(aggr_expr.len());
                aggr_expr.push(expr.clone());
            }
            Some((s, _)) => {
                let at = *set_position[s].get_or_insert_with(|| {
                    aggr_expr.push(set_calls[s].clone());
                    aggr_expr.len() - 1
                });
                position.push(at);
            }
        }
    }
    let old_schema = Arc::clone(&aggregate.schema);
    let grouping = old_schema.fields().len() - aggregate.aggr_expr.len();
    let new = Aggregate::try_new(aggregate.input, aggregate.group_expr, aggr_expr)?;
    let column = |i: usize| Expr::Column(Column::from(new.schema.qualified_field(i)));
    let mut exprs: Vec<Expr> = (0..grouping).map(column).collect();
    for (i, at) in position.into_iter().enumerate() {
        let expr = column(grouping + at);
        exprs.push(match replaced[i] {
            None => expr,
            Some((_, field)) => {
                let (qualifier, name) = old_schema.qualified_field(grouping + i);
                get_field(expr, field_name(field)).alias_qualified(qualifier.cloned(), name.name())
            }
        });
    }
    let projection = Projection::try_new(exprs, Arc::new(LogicalPlan::Aggregate(new)))?;
    Ok(Transformed::yes(LogicalPlan::Projection(projection)))
}

/// The values a `percentile_cont` call reads and the percentile it asks for of them in
/// ascending order, if it is one this rule can share: not `DISTINCT`, nothing volatile
/// (`random()`), a literal percentile (one out of range is left to DataFusion to refuse),
/// `Float64` values (as other numbers are cast to) and at most one ordering, whose direction
/// turns `p` into `1 - p` as DataFusion does.
fn percentile_call<'a>(expr: &'a Expr, input: &DFSchema) -> Result<Option<(Values<'a>, f64)>> {
    let Expr::AggregateFunction(call) = expr else {
        return Ok(None);
    };
    let params = &call.params;
    if !call.func.inner().is::<PercentileCont>() || params.distinct {
        return Ok(None);
    }
    let [
        value,
        Expr::Literal(ScalarValue::Float64(Some(percentile)), _),
    ] = params.args.as_slice()
    else {
        return Ok(None);
    };
    if !(0.0..=1.0).contains(percentile) || value.get_type(input)? != DataType::Float64 {
        return Ok(None);
    }
    // Each call of a volatile argument or filter reads values of its own.
    if value.is_volatile() || params.filter.as_ref().is_some_and(|f| f.is_volatile()) {
        return Ok(None);
    }
    let percentile = match params.order_by.as_slice() {
        [] => *percentile,
        [sort] if sort.asc => *percentile,
        [_] => 1.0 - *percentile,
        _ => return Ok(None),
    };
    let values = Values {
        value,
        filter: &params.filter,
    };
    Ok(Some((values, percentile)))
}

/// The name of the struct field holding a set's `i`th percentile.
fn field_name(i: usize) -> String {
    format!("p{i}")
}

/// `percentile_cont` at several percentiles of the same values: a struct of them, field
/// `p{i}` the `i`th (see the module docs). Made by [`SharedPercentiles`], not called by name.
/// Its percentiles are of the values in ascending order: a call ordered descending at `p`
/// is shown as `1 - p`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct PercentileContSet {
    /// The percentiles' bits (an `f64` is neither `Eq` nor `Hash`).
    percentiles: Vec<u64>,
    signature: Signature,
}

impl PercentileContSet {
    fn new(percentiles: Vec<f64>) -> PercentileContSet {
        PercentileContSet {
            percentiles: percentiles.into_iter().map(f64::to_bits).collect(),
            signature: Signature::exact(vec![DataType::Float64], Volatility::Immutable),
        }
    }

    fn percentiles(&self) -> Vec<f64> {
        self.percentiles
            .iter()
            .copied()
            .map(f64::from_bits)
            .collect()
    }

    fn fields(&self) -> Fields {
        (0..self.percentiles.len())
            .map(|i| Field::new(field_name(i), DataType::Float64, true))
            .collect()
    }

    fn label(&self) -> String {
        let percentiles: Vec<String> = self.percentiles().iter().map(f64::to_string).collect();
        format!("percentile_cont_set({})", percentiles.join(", "))
    }
}

impl AggregateUDFImpl for PercentileContSet {
    fn name(&self) -> &str {
        "percentile_cont_set"
    }

    fn schema_name(
        &self,
        params: &datafusion::logical_expr::expr::AggregateFunctionParams,
    ) -> Result<String> {
        let mut name = format!(
            "{} WITHIN GROUP [{}]",
            self.label(),
            params.args[0].schema_name()
        );
        if let Some(filter) = &params.filter {
            name.push_str(&format!(" FILTER (WHERE {})", filter.schema_name()));
        }
        Ok(name)
    }

    fn display_name(
        &self,
        params: &datafusion::logical_expr::expr::AggregateFunctionParams,
    ) -> Result<String> {
        self.schema_name(params)
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(self.fields()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)));
        let name = format_state_name(args.name, "percentile_cont_set");
        Ok(vec![Arc::new(Field::new(name, list, true))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SetAccumulator {
            values: Vec::new(),
            percentiles: self.percentiles(),
            fields: self.fields(),
        }))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SetGroupsAccumulator {
            groups: Vec::new(),
            values: Vec::new(),
            num_groups: 0,
            percentiles: self.percentiles(),
            fields: self.fields(),
        }))
    }
}

/// `percentile_cont` of `values` at `percentile`, as DataFusion computes it (its
/// `calculate_percentile`): the order statistic at `percentile × (n - 1)`, or between the two
/// around it by a weight rounded down to millionths. `select(rank)` is the value of that rank.
fn percentile_cont(len: usize, percentile: f64, mut select: impl FnMut(usize) -> f64) -> f64 {
    /// DataFusion's `INTERPOLATION_PRECISION`.
    const PRECISION: f64 = 1_000_000.0;
    if len == 1 {
        return select(0);
    }
    let index = percentile * ((len - 1) as f64);
    let (lower, upper) = (index.floor() as usize, index.ceil() as usize);
    if lower == upper {
        return select(lower);
    }
    let (lower_value, upper_value) = (select(lower), select(upper));
    let weight = ((index - lower as f64) * PRECISION) as usize as f64 / PRECISION;
    lower_value + (upper_value - lower_value) * weight
}

/// The value of each rank in `ranks` (ascending) of `values`, which it reorders: each found
/// by a selection on what is right of the one before.
fn select_ranks(values: &mut [f64], ranks: &[usize], out: &mut Vec<f64>) {
    let mut start = 0;
    for &rank in ranks {
        let (_, value, _) = values[start..].select_nth_unstable_by(rank - start, f64::total_cmp);
        out.push(*value);
        start = rank + 1;
    }
}

/// The ranks `percentile_cont` reads for `percentiles` of `len` values, ascending, each once.
fn ranks(len: usize, percentiles: &[f64], ranks: &mut Vec<usize>) {
    ranks.clear();
    for &percentile in percentiles {
        percentile_cont(len, percentile, |rank| {
            ranks.push(rank);
            0.0
        });
    }
    ranks.sort_unstable();
    ranks.dedup();
}

/// Works out every percentile of one group's `values` into `columns` (one per percentile),
/// NULL where the group has none.
struct Evaluator {
    percentiles: Vec<f64>,
    ranks: Vec<usize>,
    selected: Vec<f64>,
    columns: Vec<Vec<f64>>,
    valid: Vec<bool>,
}

impl Evaluator {
    fn new(percentiles: Vec<f64>, groups: usize) -> Evaluator {
        Evaluator {
            columns: vec![Vec::with_capacity(groups); percentiles.len()],
            percentiles,
            ranks: Vec::new(),
            selected: Vec::new(),
            valid: Vec::with_capacity(groups),
        }
    }

    fn push(&mut self, values: &mut [f64]) {
        let len = values.len();
        self.valid.push(len > 0);
        if len == 0 {
            self.columns.iter_mut().for_each(|column| column.push(0.0));
            return;
        }
        ranks(len, &self.percentiles, &mut self.ranks);
        self.selected.clear();
        select_ranks(values, &self.ranks, &mut self.selected);
        let value_of = |rank| self.selected[self.ranks.binary_search(&rank).expect("selected")];
        for (column, &percentile) in self.columns.iter_mut().zip(&self.percentiles) {
            column.push(percentile_cont(len, percentile, value_of));
        }
    }

    fn finish(self, fields: &Fields) -> StructArray {
        let nulls = NullBuffer::from(self.valid);
        let nulls = (nulls.null_count() > 0).then_some(nulls);
        let columns = self.columns.into_iter().map(|column| {
            Arc::new(Float64Array::new(ScalarBuffer::from(column), nulls.clone())) as ArrayRef
        });
        StructArray::new(fields.clone(), columns.collect(), None)
    }
}

/// The accumulator of an aggregation without groups.
#[derive(Debug)]
struct SetAccumulator {
    values: Vec<f64>,
    percentiles: Vec<f64>,
    fields: Fields,
}

impl Accumulator for SetAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = values[0].as_primitive::<Float64Type>();
        match values.nulls() {
            None => self.values.extend_from_slice(values.values()),
            Some(_) => self.values.extend(values.iter().flatten()),
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for list in states[0].as_list::<i32>().iter().flatten() {
            self.update_batch(&[list])?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values = Float64Array::from(self.values.clone());
        let offsets = OffsetBuffer::from_lengths([values.len()]);
        let field = Arc::new(Field::new_list_field(DataType::Float64, true));
        let list = ListArray::new(field, offsets, Arc::new(values), None);
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut evaluator = Evaluator::new(self.percentiles.clone(), 1);
        evaluator.push(&mut self.values);
        Ok(ScalarValue::Struct(Arc::new(
            evaluator.finish(&self.fields),
        )))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.values.capacity() * size_of::<f64>()
    }
}

/// The accumulator of an aggregation with groups: (group, value) pairs as they come.
struct SetGroupsAccumulator {
    groups: Vec<u32>,
    values: Vec<f64>,
    /// Groups seen so far: the rows `EmitTo::All` hands on.
    num_groups: usize,
    percentiles: Vec<f64>,
    fields: Fields,
}

impl SetGroupsAccumulator {
    fn note_groups(&mut self, total_num_groups: usize) -> Result<()> {
        if u32::try_from(total_num_groups).is_err() {
            return exec_err!("percentile_cont: more than {} groups", u32::MAX);
        }
        self.num_groups = self.num_groups.max(total_num_groups);
        Ok(())
    }

    /// The values of the groups `emit_to` hands on, laid out group by group, and where each
    /// group's start (one offset more than groups); the others' stay, renumbered from 0.
    fn take_grouped(&mut self, emit_to: EmitTo) -> (Vec<i32>, Vec<f64>) {
        let rows = match emit_to {
            EmitTo::All => self.num_groups,
            EmitTo::First(n) => n.min(self.num_groups),
        };
        let mut offsets = vec![0i32; rows + 1];
        for &group in &self.groups {
            if let Some(count) = offsets.get_mut(group as usize + 1) {
                *count += 1;
            }
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut grouped = vec![0.0; offsets[rows] as usize];
        let mut next: Vec<i32> = offsets[..rows].to_vec();
        let (mut kept_groups, mut kept_values) = (Vec::new(), Vec::new());
        for (&group, &value) in self.groups.iter().zip(&self.values) {
            match next.get_mut(group as usize) {
                Some(at) => {
                    grouped[*at as usize] = value;
                    *at += 1;
                }
                None => {
                    kept_groups.push(group - rows as u32);
                    kept_values.push(value);
                }
            }
        }
        (self.groups, self.values) = (kept_groups, kept_values);
        self.num_groups -= rows;
        (offsets, grouped)
    }
}

impl GroupsAccumulator for SetGroupsAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.note_groups(total_num_groups)?;
        let values = values[0].as_primitive::<Float64Type>();
        if values.null_count() == 0 && opt_filter.is_none() {
            self.groups
                .extend(group_indices.iter().map(|&group| group as u32));
            self.values.extend_from_slice(values.values());
            return Ok(());
        }
        let filtered = |i: usize| opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i));
        let rows = group_indices.iter().zip(values.values()).enumerate();
        for (i, (&group, &value)) in rows {
            if values.is_valid(i) && !filtered(i) {
                self.groups.push(group as u32);
                self.values.push(value);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (offsets, mut values) = self.take_grouped(emit_to);
        let mut evaluator = Evaluator::new(self.percentiles.clone(), offsets.len() - 1);
        for bounds in offsets.windows(2) {
            evaluator.push(&mut values[bounds[0] as usize..bounds[1] as usize]);
        }
        Ok(Arc::new(evaluator.finish(&self.fields)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (offsets, values) = self.take_grouped(emit_to);
        let field = Arc::new(Field::new_list_field(DataType::Float64, true));
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        let list = ListArray::new(field, offsets, Arc::new(Float64Array::from(values)), None);
        Ok(vec![Arc::new(list)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.note_groups(total_num_groups)?;
        let lists = values[0].as_list::<i32>();
        let inner = lists.values().as_primitive::<Float64Type>();
        let offsets = lists.value_offsets();
        for (row, &group) in group_indices.iter().enumerate() {
            if lists.is_null(row) {
                continue;
            }
            let range = offsets[row] as usize..offsets[row + 1] as usize;
            if inner.null_count() == 0 {
                let len = range.len();
                self.values.extend_from_slice(&inner.values()[range]);
                self.groups.extend(std::iter::repeat_n(group as u32, len));
                continue;
            }
            for i in range.filter(|&i| inner.is_valid(i)) {
                self.groups.push(group as u32);
                self.values.push(inner.value(i));
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row a list of its value, or NULL where it is NULL or filtered out.
        let values = values[0].as_primitive::<Float64Type>();
        let mut nulls = values.nulls().cloned();
        if let Some(filter) = opt_filter {
            let kept = NullBuffer::from(
                (0..filter.len())
                    .map(|i| filter.is_valid(i) && filter.value(i))
                    .collect::<Vec<bool>>(),
            );
            nulls = NullBuffer::union(nulls.as_ref(), Some(&kept));
        }
        let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(1, values.len()));
        let field = Arc::new(Field::new_list_field(DataType::Float64, true));
        let inner = Float64Array::new(values.values().clone(), None);
        let list = ListArray::new(field, offsets, Arc::new(inner), nulls);
        Ok(vec![Arc::new(list)])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * size_of::<u32>() + self.values.capacity() * size_of::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use jaanch_udfs::rng::Rng;

    use super::*;

    /// Groups of every size from none to hundreds, NULLs, NaN, infinities, both zeros and
    /// repeated values, in three partitions of small batches (so that partial states are
    /// merged); `g` 7 has only NULLs and `g` 8 one value.
    fn table() -> Arc<MemTable> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("g", DataType::Int64, true),
            Field::new("v", DataType::Float64, true),
            Field::new("n", DataType::Int64, true),
            Field::new("keep", DataType::Boolean, true),
        ]));
        let mut rng = Rng::new(7);
        let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1.5];
        let partitions = (0..3)
            .map(|p| {
                let rows = 300 * (p + 1);
                let g: Vec<Option<i64>> = (0..rows)
                    .map(|i| match i % 97 {
                        0 => None,
                        1 => Some(7),
                        2 if p == 0 => Some(8),
                        _ => Some(rng.below(6) as i64 * rng.below(3) as i64),
                    })
                    .collect();
                let v: Vec<Option<f64>> = (0..rows)
                    .map(|i| match (g[i], rng.below(20)) {
                        (Some(7), _) | (_, 0) => None,
                        (_, 1) => Some(rng.pick(&specials)),
                        (_, 2..=5) => Some(rng.below(4) as f64),
                        _ => Some(rng.uniform(-100.0, 1000.0)),
                    })
                    .collect();
                let n: Vec<Option<i64>> = (0..rows).map(|_| Some(rng.range(-50, 50))).collect();
                let keep: Vec<Option<bool>> = (0..rows)
                    .map(|_| (!rng.one_in(9)).then(|| rng.chance(0.6)))
                    .collect();
                let batch = RecordBatch::try_new(
                    Arc::clone(&schema),
                    vec![
                        Arc::new(Int64Array::from(g)),
                        Arc::new(Float64Array::from(v)),
                        Arc::new(Int64Array::from(n)),
                        Arc::new(BooleanArray::from(keep)),
                    ],
                )
                .unwrap();
                (0..rows)
                    .step_by(64)
                    .map(|start| batch.slice(start, 64.min(rows - start)))
                    .collect()
            })
            .collect();
        Arc::new(MemTable::try_new(schema, partitions).unwrap())
    }

    fn context(shared: bool) -> SessionContext {
        context_with(shared, SessionConfig::new())
    }

    fn context_with(shared: bool, config: SessionConfig) -> SessionContext {
        let config = config.with_target_partitions(3).with_batch_size(50);
        let mut builder = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features();
        if shared {
            builder = builder.with_optimizer_rule(Arc::new(SharedPercentiles));
        }
        let ctx = SessionContext::new_with_state(builder.build());
        ctx.register_table("t", table()).unwrap();
        ctx
    }

    async fn answer(ctx: &SessionContext, sql: &str) -> String {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches).unwrap().to_string()
    }

    async fn plan(ctx: &SessionContext, sql: &str) -> String {
        answer(ctx, &format!("EXPLAIN {sql}")).await
    }

    /// Every shape of call the rule takes gives DataFusion's answer, to the digit, and is
    /// computed by as many sets as the query reads distinct values.
    #[tokio::test]
    async fn answers_are_datafusions() {
        let (plain, shared) = (context(false), context(true));
        let p = |q: &str, o: &str| format!("percentile_cont({q}) WITHIN GROUP (ORDER BY {o})");
        let queries = [
            // The report's shape, with other aggregates between.
            (
                format!(
                    "SELECT g, {}, count(*), {}, {}, sum(v) FROM t GROUP BY g",
                    p("0.5", "v"),
                    p("0.9", "v"),
                    p("0.95", "v")
                ),
                1,
            ),
            // Descending orders, the same percentile twice, and the other syntax.
            (
                format!(
                    "SELECT g, {}, {}, {}, percentile_cont(v, 0.3), percentile_cont(v, 0.3) AS again \
                     FROM t GROUP BY g",
                    p("0.25", "v DESC"),
                    p("0.25", "v"),
                    p("0.999", "v DESC NULLS FIRST")
                ),
                1,
            ),
            // Filters make sets of their own; an integer column is read as Float64.
            (
                format!(
                    "SELECT g, {a} FILTER (WHERE keep), {b} FILTER (WHERE keep), {a}, {b}, \
                     {c}, {d} FROM t GROUP BY g",
                    a = p("0.1", "v"),
                    b = p("0.6", "v"),
                    c = p("0.5", "n"),
                    d = p("0.75", "n")
                ),
                3,
            ),
            // A call alone is a set of one; so is each of two columns.
            (format!("SELECT g, {} FROM t GROUP BY g", p("0.5", "v")), 1),
            (
                format!("SELECT {}, {} FROM t", p("0.5", "v"), p("0.5", "n")),
                2,
            ),
            // No groups; the ends, which DataFusion reads as min and max.
            (
                format!(
                    "SELECT {}, {}, {}, {} FROM t",
                    p("0.5", "v"),
                    p("0.0", "v"),
                    p("0.123456789", "v"),
                    p("1.0", "v")
                ),
                1,
            ),
            // Grouped by an expression, beneath a projection and a HAVING that use them.
            (
                format!(
                    "SELECT g % 2 AS odd, round({a} - {b}, 3) AS spread FROM t GROUP BY g % 2 \
                     HAVING {a} > {b}",
                    a = p("0.9", "n"),
                    b = p("0.1", "n")
                ),
                1,
            ),
        ];
        for (query, sets) in &queries {
            let query = format!("SELECT * FROM ({query}) ORDER BY 1");
            assert_eq!(
                answer(&shared, &query).await,
                answer(&plain, &query).await,
                "{query}"
            );
            let explained = plan(&shared, &query).await;
            let physical = explained.split("physical_plan").nth(1).unwrap();
            let named: usize = (physical.lines())
                .filter(|line| line.contains("AggregateExec"))
                .map(|line| line.matches("percentile_cont_set(").count())
                .sum();
            assert_eq!(
                named,
                // A partial and a final aggregation each name every set.
                2 * sets,
                "{explained}"
            );
            assert!(!plan(&plain, &query).await.contains("percentile_cont_set"));
        }
    }

    /// A partial aggregation that finds nearly as many groups as rows stops aggregating and
    /// hands on each row as a state of its own (`convert_to_state`): NULL values and rows a
    /// filter drops become NULL states, and the answers stay DataFusion's.
    #[tokio::test]
    async fn rows_handed_on_as_states_answer_as_datafusion() {
        let skipping = || {
            let mut config = SessionConfig::new();
            let execution = &mut config.options_mut().execution;
            execution.skip_partial_aggregation_probe_rows_threshold = 10;
            execution.skip_partial_aggregation_probe_ratio_threshold = 0.01;
            config
        };
        // DataFusion 55's own `percentile_cont` fails there (its `convert_to_state` expects
        // one argument and is given three): the answers are those it gives aggregating.
        let (plain, shared) = (context(false), context_with(true, skipping()));
        let query = "SELECT n, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FILTER (WHERE keep), \
                     percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FILTER (WHERE keep), \
                     percentile_cont(0.25) WITHIN GROUP (ORDER BY v) \
                     FROM t GROUP BY n ORDER BY n";
        assert_eq!(answer(&shared, query).await, answer(&plain, query).await);
        let analyzed = answer(&shared, &format!("EXPLAIN ANALYZE {query}")).await;
        let partial = (analyzed.lines())
            .find(|line| line.contains("AggregateExec: mode=Partial"))
            .expect("a partial aggregation");
        assert!(partial.contains("percentile_cont_set("), "{partial}");
        let skipped = partial
            .split("skipped_aggregation_rows=")
            .nth(1)
            .and_then(|rest| rest.split([',', ' ']).next())
            .expect("skipped rows counted");
        assert_ne!(skipped, "0", "{partial}");
    }

    /// Calls the set does not compute stay DataFusion's.
    #[tokio::test]
    async fn other_calls_are_left_alone() {
        let shared = context(true);
        for query in [
            "SELECT percentile_cont(DISTINCT v, 0.5), percentile_cont(DISTINCT v, 0.9) FROM t",
            "SELECT g, n, percentile_cont(0.5) WITHIN GROUP (ORDER BY v), \
             percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FROM t GROUP BY ROLLUP (g, n)",
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v * random()), \
             percentile_cont(0.9) WITHIN GROUP (ORDER BY v * random()) FROM t",
        ] {
            assert!(
                !plan(&shared, query).await.contains("percentile_cont_set"),
                "{query}"
            );
            context(false)
                .sql(query)
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            shared.sql(query).await.unwrap().collect().await.unwrap();
        }
        // A percentile out of range is DataFusion's error, not the set's.
        let bad = "SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY v), \
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM t";
        let error = match shared.sql(bad).await {
            Ok(frame) => frame.collect().await.unwrap_err(),
            Err(error) => error,
        };
        assert!(error.to_string().contains("between 0.0 and 1.0"), "{error}");
    }

    /// The percentiles of every group from the pairs as they came, by sorting.
    fn by_sorting(pairs: &[(u32, f64)], groups: usize, percentiles: &[f64]) -> Vec<String> {
        (0..groups)
            .map(|g| {
                let mut values: Vec<f64> = pairs
                    .iter()
                    .filter(|p| p.0 == g as u32)
                    .map(|p| p.1)
                    .collect();
                values.sort_by(f64::total_cmp);
                let cells: Vec<String> = percentiles
                    .iter()
                    .map(|&p| match values.len() {
                        0 => "NULL".to_string(),
                        len => percentile_cont(len, p, |rank| values[rank]).to_string(),
                    })
                    .collect();
                cells.join(" ")
            })
            .collect()
    }

    fn rows(array: &ArrayRef) -> Vec<String> {
        let array = array.as_struct();
        (0..array.len())
            .map(|row| {
                let cells: Vec<String> = array
                    .columns()
                    .iter()
                    .map(|column| {
                        let column = column.as_primitive::<Float64Type>();
                        match column.is_valid(row) {
                            true => column.value(row).to_string(),
                            false => "NULL".to_string(),
                        }
                    })
                    .collect();
                cells.join(" ")
            })
            .collect()
    }

    /// Handing on the first groups (as a spilling or sorted aggregation does) keeps the rest,
    /// renumbered; a state merged back gives what the values themselves give.
    #[test]
    fn first_groups_are_handed_on_and_the_rest_kept() {
        let percentiles = vec![0.5, 0.0, 0.9, 1.0];
        let set = PercentileContSet::new(percentiles.clone());
        let mut accumulator = SetGroupsAccumulator {
            groups: Vec::new(),
            values: Vec::new(),
            num_groups: 0,
            percentiles: percentiles.clone(),
            fields: set.fields(),
        };
        let mut rng = Rng::new(3);
        let pairs: Vec<(u32, f64)> = (0..500)
            .map(|_| (rng.below(9) as u32, rng.below(40) as f64 / 4.0))
            .collect();
        // Group 9 is seen but gets no value.
        let groups: Vec<usize> = pairs.iter().map(|p| p.0 as usize).collect();
        let values: ArrayRef = Arc::new(Float64Array::from_iter_values(pairs.iter().map(|p| p.1)));
        accumulator
            .update_batch(&[values], &groups, None, 10)
            .unwrap();
        let expected = by_sorting(&pairs, 10, &percentiles);

        let first = accumulator.evaluate(EmitTo::First(3)).unwrap();
        assert_eq!(rows(&first), expected[..3]);
        let state = accumulator.state(EmitTo::First(2)).unwrap();
        let mut merged = SetGroupsAccumulator {
            groups: Vec::new(),
            values: Vec::new(),
            num_groups: 0,
            percentiles,
            fields: set.fields(),
        };
        merged.merge_batch(&state, &[1, 0], 2).unwrap();
        assert_eq!(
            rows(&merged.evaluate(EmitTo::All).unwrap()),
            [expected[4].clone(), expected[3].clone()]
        );
        let rest = accumulator.evaluate(EmitTo::All).unwrap();
        assert_eq!(rows(&rest), expected[5..]);
        assert_eq!(rows(&rest).last().unwrap(), "NULL NULL NULL NULL");
    }
}
