//! Run-time filters remove rows, not only row groups.
//!
//! A hash join, once it holds its build side, knows which keys its probe side can match:
//! DataFusion 55 hands that knowledge (a dynamic filter: the keys' range, and the keys
//! themselves when they are few) to the scans of the probe side. But unless every filter is
//! pushed into the Parquet decoder (`pushdown_filters`, which on two cores slows most queries:
//! see README, "Speed"), a scan uses it only to skip row groups whose statistics rule them
//! out — and keys spread over a file rule out none. TPC-H's q17 aggregated all six million
//! rows of `lineitem` by part, to join the result with the 204 parts it asks about.
//!
//! This rule puts a [`RunTimeFilterExec`] above each such scan. It does not evaluate the
//! dynamic filter as DataFusion writes it: for a partitioned join that is a `CASE` on each
//! row's hash, then that partition's keys (or a probe of its hash table), which cost 33 ns a
//! row, as much as the aggregation it spared. It evaluates a looser filter that implies no
//! more than the join does (see [`loosen`]): the lowest and highest key of all partitions,
//! and the union of their key lists when every partition has one (a join on several keys
//! lists them together, `struct(a, b) IN (...)`: kept as such); for a join that collected
//! its build side into one table, also the probe of that table. Where the join's build keys
//! are recorded as they pass into it ([`crate::build_keys`]: one integer key), the probes of
//! its tables give way to a bitmap of those keys, a partitioned join's too. A row it keeps may
//! still find no match; a row it drops finds none. The scan's own predicate stays where it was.
//!
//! Above a filter of the scan's own (`FilterExec`), the filter splits: its bounds and key
//! bitmaps, a comparison or a load a row, go below that filter, where 485 part keys leave
//! TPC-H q19's text comparisons 15,000 of six million rows; its probes of a join's table and
//! its lists tested by hashing go above it, on the rows that filter leaves.

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use arrow::array::{AsArray, BooleanArray, RecordBatch};
use arrow::compute::BatchCoalescer;
use arrow::datatypes::{Schema, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::physical_plan::ParquetSource;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{
    BinaryExpr, CaseExpr, Column, DynamicFilterPhysicalExpr, InListExpr, Literal, lit,
};
use datafusion::physical_expr::utils::{conjunction, split_conjunction};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::replace_children_if_necessary;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::{HashJoinExec, HashTableLookupExpr};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, RecordBatchStream,
    SendableRecordBatchStream,
};
use futures::{Stream, StreamExt};
use parking_lot::Mutex;

use crate::build_keys::{RecordKeysExec, RecordedKeys, recordable_key};
use crate::key_bitmap::{KeyBitmap, KeySet};
use crate::storage::file_scan;

/// Puts a [`RunTimeFilterExec`] above each file scan that holds dynamic filters it does not
/// apply to rows itself.
#[derive(Debug, Default)]
pub(crate) struct RunTimeFilters;

impl PhysicalOptimizerRule for RunTimeFilters {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            if let Some(filters) = dynamic_filters(&node)? {
                let filtered = RunTimeFilterExec::new(node, filters);
                return Ok(Transformed::yes(
                    Arc::new(filtered) as Arc<dyn ExecutionPlan>
                ));
            }
            // Above the scan's own filter when it keeps the key columns: that is cheaper per
            // row, and leaves fewer rows to test.
            let hoisted = match node.children().as_slice() {
                [child] if STREAMING.contains(&node.name()) => child
                    .downcast_ref::<RunTimeFilterExec>()
                    .and_then(|below| below.hoisted(&node)),
                _ => None,
            };
            Ok(match hoisted {
                Some(hoisted) => Transformed::yes(hoisted),
                None => Transformed::no(node),
            })
        })?
        .data
        .transform_up(|node| {
            Ok(match record_build_keys(&node)? {
                Some(recording) => Transformed::yes(recording),
                None => Transformed::no(node),
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "RunTimeFilters"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Operators between a scan and what reads it that a [`RunTimeFilterExec`] goes above when
/// they keep the filter's columns as they are (see [`RunTimeFilterExec::hoisted`]): they take
/// a row at a time, keep the order and are cheaper per row than the filter.
const STREAMING: &[&str] = &["CooperativeExec", "FilterExec"];

/// `filter` with each column moved to the place `place` gives it (from its place and name);
/// `None` if a column has none.
fn remap(
    filter: &Arc<dyn PhysicalExpr>,
    place: impl Fn(usize, &str) -> Option<usize>,
) -> Result<Option<Arc<dyn PhysicalExpr>>> {
    let mut missing = false;
    let remapped = Arc::clone(filter).transform_up(|expr| {
        let Some(column) = expr.downcast_ref::<Column>() else {
            return Ok(Transformed::no(expr));
        };
        match place(column.index(), column.name()) {
            Some(index) => Ok(Transformed::yes(
                Arc::new(Column::new(column.name(), index)) as Arc<dyn PhysicalExpr>,
            )),
            None => {
                missing = true;
                Ok(Transformed::no(expr))
            }
        }
    })?;
    Ok((!missing).then_some(remapped.data))
}

/// `node` with its build side's keys recorded for the run-time filters of its probe side, if
/// it is a join whose keys [`RecordKeysExec`] records and such filters test its dynamic filter.
fn record_build_keys(node: &Arc<dyn ExecutionPlan>) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let Some(join) = node.downcast_ref::<HashJoinExec>() else {
        return Ok(None);
    };
    let Some((key, id)) = recordable_key(join) else {
        return Ok(None);
    };
    let recorded = Arc::new(RecordedKeys::default());
    let probe = Arc::clone(join.right()).transform_down(|node| {
        let Some(filter) = node.downcast_ref::<RunTimeFilterExec>() else {
            return Ok(Transformed::no(node));
        };
        Ok(match filter.with_recorded_keys(id, &recorded) {
            Some(filter) => Transformed::yes(Arc::new(filter) as Arc<dyn ExecutionPlan>),
            None => Transformed::no(node),
        })
    })?;
    if !probe.transformed {
        return Ok(None);
    }
    let build = RecordKeysExec::new(Arc::clone(join.left()), key, recorded);
    let children = vec![Arc::new(build) as Arc<dyn ExecutionPlan>, probe.data];
    Ok(Some(replace_children_if_necessary(
        Arc::clone(node),
        children,
    )?))
}

/// The dynamic filters of `node`'s predicate, over its output columns, if it is a file scan
/// that does not already apply them to rows.
fn dynamic_filters(node: &Arc<dyn ExecutionPlan>) -> Result<Option<Vec<Arc<dyn PhysicalExpr>>>> {
    let Some(config) = file_scan(node.as_ref()) else {
        return Ok(None);
    };
    let source = config.file_source();
    let Some(predicate) = source.filter() else {
        return Ok(None);
    };
    let decoded_with_filters = source
        .downcast_ref::<ParquetSource>()
        .is_some_and(|parquet| parquet.table_parquet_options().global.pushdown_filters);
    if decoded_with_filters {
        return Ok(None);
    }
    // The predicate names the table's columns by their place in the table; the filter above
    // the scan sees the scan's output, where a column is the output that is that table
    // column itself (not one renamed to its name).
    let projection = source.projection();
    let place = |index: usize, name: &str| match projection {
        None => (node.schema().field(index).name() == name).then_some(index),
        Some(projection) => projection.iter().position(|output| {
            output
                .expr
                .downcast_ref::<Column>()
                .is_some_and(|column| column.index() == index && column.name() == name)
        }),
    };
    let mut filters = Vec::new();
    for part in split_conjunction(&predicate) {
        if part.downcast_ref::<DynamicFilterPhysicalExpr>().is_some() {
            filters.extend(remap(part, place)?);
        }
    }
    Ok((!filters.is_empty()).then_some(filters))
}

/// What one branch of a dynamic filter says of a column: its lowest and highest value, and
/// the values it may take.
#[derive(Default)]
struct Bounds {
    lowest: Option<ScalarValue>,
    highest: Option<ScalarValue>,
    values: Option<Vec<ScalarValue>>,
}

/// What one branch of a dynamic filter says: bounds of columns, and the values an expression
/// of several columns may take (a join on two keys lists `struct(a, b)`).
#[derive(Default)]
struct Branch {
    columns: HashMap<Column, Bounds>,
    lists: Vec<(Arc<dyn PhysicalExpr>, Vec<ScalarValue>)>,
}

/// A filter that keeps every row `filter` keeps, cheap to evaluate: the bounds and key lists
/// of its branches (a `CASE` on the row's hash has one per partition) joined over all of
/// them, and, for a join that collected its build side into one hash table (no `CASE`), the
/// probe of that table DataFusion writes when the keys are too many to list (`hash_lookup`,
/// after the bounds). `None` when it would keep every row (no bound common to all branches,
/// or the filter not yet filled in: `true`).
fn loosen(filter: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
    let branches: Vec<&Arc<dyn PhysicalExpr>> = match filter.downcast_ref::<CaseExpr>() {
        Some(case) if case.expr().is_some() => case
            .when_then_expr()
            .iter()
            .map(|(_, then)| then)
            .chain(case.else_expr())
            .collect(),
        _ => vec![filter],
    };
    // A probe of the join's one table stands beside the bounds; a partitioned join's probes
    // are inside its `CASE`, never among the filter's own conditions.
    let lookups = split_conjunction(filter)
        .into_iter()
        .filter(|part| part.downcast_ref::<HashTableLookupExpr>().is_some())
        .cloned();
    let parts: Vec<_> = bounded(&branches, schema)
        .into_iter()
        .chain(lookups)
        .collect();
    (!parts.is_empty()).then(|| conjunction(parts))
}

/// The bounds and key lists of `branches` joined over all of them, as one filter; `None` when
/// they bound nothing every branch bounds.
fn bounded(branches: &[&Arc<dyn PhysicalExpr>], schema: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
    let mut joined: Option<Branch> = None;
    for branch in branches {
        let branch = bounds(branch)?;
        // A branch that keeps nothing (an empty partition) adds nothing.
        let Some(branch) = branch else { continue };
        joined = Some(match joined {
            None => branch,
            Some(joined) => join(joined, branch),
        });
    }
    let Some(joined) = joined else {
        // Every branch keeps nothing: the join matches no row.
        return Some(lit(false));
    };
    let mut parts: Vec<Arc<dyn PhysicalExpr>> = Vec::new();
    for (expr, mut values) in joined.lists {
        parts.extend(in_list(expr, &mut values, schema));
    }
    for (column, bounds) in joined.columns {
        let column: Arc<dyn PhysicalExpr> = Arc::new(column);
        if let Some(mut values) = bounds.values {
            // The values imply the bounds: the list alone (integers on a bitmap of their
            // range, if it is not too wide). A list DataFusion cannot build for this type: the
            // bounds alone.
            if let Some(in_list) = in_list(Arc::clone(&column), &mut values, schema) {
                parts.push(
                    match KeyBitmap::of(Arc::clone(&in_list), Arc::clone(&column), &values, schema)
                    {
                        Some(bitmap) => Arc::new(bitmap),
                        None => in_list,
                    },
                );
                continue;
            }
        }
        if let Some(lowest) = bounds.lowest {
            parts.push(Arc::new(BinaryExpr::new(
                Arc::clone(&column),
                Operator::GtEq,
                lit(lowest),
            )));
        }
        if let Some(highest) = bounds.highest {
            parts.push(Arc::new(BinaryExpr::new(
                Arc::clone(&column),
                Operator::LtEq,
                lit(highest),
            )));
        }
    }
    (!parts.is_empty()).then(|| conjunction(parts))
}

/// `expr IN (values)`, the values sorted and each once; `None` if DataFusion cannot build
/// such a list for their type.
fn in_list(
    expr: Arc<dyn PhysicalExpr>,
    values: &mut Vec<ScalarValue>,
    schema: &Schema,
) -> Option<Arc<dyn PhysicalExpr>> {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values.dedup();
    let list = values.iter().cloned().map(lit).collect();
    let in_list = InListExpr::try_new(expr, list, false, schema).ok()?;
    Some(Arc::new(in_list))
}

/// The bounds one branch of a filter sets on columns: `None` for the whole filter when the
/// branch keeps every row (nothing can be said), `Some(None)` when it keeps none.
fn bounds(branch: &Arc<dyn PhysicalExpr>) -> Option<Option<Branch>> {
    if let Some(literal) = branch.downcast_ref::<Literal>() {
        return match literal.value() {
            ScalarValue::Boolean(Some(false)) => Some(None),
            _ => None,
        };
    }
    let mut found = HashMap::<Column, Bounds>::new();
    let mut lists = Vec::new();
    for part in split_conjunction(branch) {
        if let Some(binary) = part.downcast_ref::<BinaryExpr>() {
            let (Some(column), Some(value)) = (
                binary.left().downcast_ref::<Column>(),
                binary.right().downcast_ref::<Literal>(),
            ) else {
                continue;
            };
            let entry = found.entry(column.clone()).or_default();
            match binary.op() {
                Operator::GtEq | Operator::Gt => entry.lowest = Some(value.value().clone()),
                Operator::LtEq | Operator::Lt => entry.highest = Some(value.value().clone()),
                _ => {}
            }
        } else if let Some(list) = part.downcast_ref::<InListExpr>() {
            let values: Option<Vec<ScalarValue>> = list
                .list()
                .iter()
                .map(|e| e.downcast_ref::<Literal>().map(|l| l.value().clone()))
                .collect();
            let (false, Some(values)) = (list.negated(), values) else {
                continue;
            };
            match list.expr().downcast_ref::<Column>() {
                Some(column) => found.entry(column.clone()).or_default().values = Some(values),
                None => lists.push((Arc::clone(list.expr()), values)),
            }
        }
    }
    if found.is_empty() && lists.is_empty() {
        return None;
    }
    Some(Some(Branch {
        columns: found,
        lists,
    }))
}

/// Two branches joined: what holds for a row of either. An expression's lists are joined
/// when both branches list it.
fn join(a: Branch, mut b: Branch) -> Branch {
    let lists = a
        .lists
        .into_iter()
        .filter_map(|(expr, mut values)| {
            let other = b
                .lists
                .iter()
                .position(|(e, _)| e.as_ref() == expr.as_ref())?;
            values.extend(b.lists.swap_remove(other).1);
            Some((expr, values))
        })
        .collect();
    Branch {
        columns: join_columns(a.columns, b.columns),
        lists,
    }
}

/// Two branches' bounds of columns joined: what holds for a row of either.
fn join_columns(
    mut a: HashMap<Column, Bounds>,
    mut b: HashMap<Column, Bounds>,
) -> HashMap<Column, Bounds> {
    let pick = |x: Option<ScalarValue>, y: Option<ScalarValue>, lower: bool| match (x, y) {
        (Some(x), Some(y)) => match x.partial_cmp(&y) {
            Some(order) if (order.is_le()) == lower => Some(x),
            Some(_) => Some(y),
            None => None,
        },
        _ => None,
    };
    a.retain(|column, _| b.contains_key(column));
    for (column, bounds) in a.iter_mut() {
        let other = b.remove(column).expect("kept only columns both bound");
        let mine = std::mem::take(bounds);
        *bounds = Bounds {
            lowest: pick(mine.lowest, other.lowest, true),
            highest: pick(mine.highest, other.highest, false),
            values: match (mine.values, other.values) {
                (Some(mut x), Some(y)) => {
                    x.extend(y);
                    Some(x)
                }
                _ => None,
            },
        };
    }
    a
}

/// Keeps the rows of its input that its dynamic filters, loosened (see [`loosen`]), may keep.
#[derive(Debug)]
pub(crate) struct RunTimeFilterExec {
    input: Arc<dyn ExecutionPlan>,
    filters: Arc<Filters>,
    metrics: ExecutionPlanMetricsSet,
}

/// A scan's dynamic filters, over its output columns, and the loosened filter last made of
/// them, shared by the partitions.
#[derive(Debug)]
struct Filters {
    dynamic: Vec<Arc<dyn PhysicalExpr>>,
    /// Which parts of the loosened filter this one applies.
    parts: Parts,
    /// The keys of the build sides of joins whose dynamic filters these are, by the filter's
    /// id, where they are recorded (see [`crate::build_keys`]).
    recorded: Vec<(u64, Arc<RecordedKeys>)>,
    loosened: Mutex<Option<Loosened>>,
}

/// The parts of a loosened filter a [`RunTimeFilterExec`] applies. Above a filter of the scan's
/// own, the filter splits in two: the cheap parts below that filter, on every row, the costly
/// ones above it, on the rows it leaves (see [`RunTimeFilterExec::hoisted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parts {
    All,
    /// Bounds and key bitmaps: a comparison or a load a row.
    Cheap,
    /// Probes of a join's table and lists tested by hashing.
    Costly,
}

impl Parts {
    /// Whether a part of a loosened filter is applied here.
    fn take(self, part: &Arc<dyn PhysicalExpr>) -> bool {
        match self {
            Parts::All => true,
            Parts::Cheap => cheap(part),
            Parts::Costly => !cheap(part),
        }
    }
}

/// Whether a part of a loosened filter costs a comparison or a load a row: a bound, a key
/// bitmap, a literal.
fn cheap(part: &Arc<dyn PhysicalExpr>) -> bool {
    part.downcast_ref::<KeyBitmap>().is_some()
        || part.downcast_ref::<Literal>().is_some()
        || part.downcast_ref::<BinaryExpr>().is_some_and(|binary| {
            matches!(
                binary.op(),
                Operator::GtEq | Operator::Gt | Operator::LtEq | Operator::Lt
            )
        })
}

/// The loosened filter of a [`RunTimeFilterExec`]'s filters (`None`: it keeps every row), and
/// the filters' generations it was made of.
#[derive(Clone, Debug)]
struct Loosened {
    generations: Vec<u64>,
    filter: Option<Arc<dyn PhysicalExpr>>,
}

impl RunTimeFilterExec {
    fn new(input: Arc<dyn ExecutionPlan>, filters: Vec<Arc<dyn PhysicalExpr>>) -> Self {
        Self::with_parts(input, filters, Parts::All)
    }

    fn with_parts(
        input: Arc<dyn ExecutionPlan>,
        filters: Vec<Arc<dyn PhysicalExpr>>,
        parts: Parts,
    ) -> Self {
        let filters = Filters {
            dynamic: filters,
            parts,
            recorded: Vec::new(),
            loosened: Mutex::new(None),
        };
        RunTimeFilterExec::of(input, filters)
    }

    fn of(input: Arc<dyn ExecutionPlan>, filters: Filters) -> Self {
        RunTimeFilterExec {
            input,
            filters: Arc::new(filters),
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }

    /// This filter testing the keys `recorded` of the build side of the join whose dynamic
    /// filter has the id `id`, if it is one of this filter's.
    fn with_recorded_keys(&self, id: u64, recorded: &Arc<RecordedKeys>) -> Option<Self> {
        let filters = &self.filters;
        if !filters
            .dynamic
            .iter()
            .any(|f| f.expression_id() == Some(id))
        {
            return None;
        }
        let mut linked = filters.recorded.clone();
        linked.push((id, Arc::clone(recorded)));
        let filters = Filters {
            dynamic: filters.dynamic.clone(),
            parts: filters.parts,
            recorded: linked,
            loosened: Mutex::new(None),
        };
        Some(RunTimeFilterExec::of(Arc::clone(&self.input), filters))
    }

    /// This filter moved above `parent` (whose child it is), if `parent`'s output keeps the
    /// filter's columns as they are: its input, or some of its columns (a filter's projection).
    /// Above a filter, only its costly parts: its cheap ones stay below (see [`Parts`]).
    fn hoisted(&self, parent: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
        let projection = parent
            .downcast_ref::<FilterExec>()
            .and_then(|filter| filter.projection().clone());
        if projection.is_none() && parent.schema() != self.input.schema() {
            return None;
        }
        let place = |index: usize, _: &str| match &projection {
            Some(projection) => projection.iter().position(|&input| input == index),
            None => Some(index),
        };
        let filters: Option<Vec<_>> = self
            .filters
            .dynamic
            .iter()
            .map(|filter| remap(filter, place).ok().flatten())
            .collect();
        let filters = filters?;
        // Above a filter of the scan's own, the cheap parts stay below it (a key bitmap can
        // leave that filter a few rows of millions) and the costly ones go above.
        let (below, parts): (Arc<dyn ExecutionPlan>, Parts) =
            if self.filters.parts == Parts::All && parent.downcast_ref::<FilterExec>().is_some() {
                let cheap = RunTimeFilterExec::with_parts(
                    Arc::clone(&self.input),
                    self.filters.dynamic.clone(),
                    Parts::Cheap,
                );
                (Arc::new(cheap), Parts::Costly)
            } else {
                (Arc::clone(&self.input), self.filters.parts)
            };
        let parent = replace_children_if_necessary(Arc::clone(parent), vec![below]).ok()?;
        Some(Arc::new(RunTimeFilterExec::with_parts(
            parent, filters, parts,
        )))
    }
}

impl Filters {
    /// The loosened filter of the filters as they stand, made again only when one has changed.
    fn current(&self, schema: &Schema) -> Result<Loosened> {
        // The recorded keys a filter tests, by the filter's place; a record that ends changes
        // the loosened filter as a new generation of the filter does.
        let recorded: Vec<Option<KeySet>> = self
            .dynamic
            .iter()
            .map(|filter| {
                let id = filter.expression_id()?;
                let (_, keys) = self.recorded.iter().find(|(of, _)| *of == id)?;
                keys.keys()
            })
            .collect();
        let generations: Vec<u64> = self
            .dynamic
            .iter()
            .zip(&recorded)
            .map(|(f, keys)| 2 * f.snapshot_generation() + u64::from(keys.is_some()))
            .collect();
        let mut cached = self.loosened.lock();
        if let Some(loosened) = &*cached
            && loosened.generations == generations
        {
            return Ok(loosened.clone());
        }
        let mut parts = Vec::new();
        for (filter, keys) in self.dynamic.iter().zip(recorded) {
            let now = match filter.downcast_ref::<DynamicFilterPhysicalExpr>() {
                Some(dynamic) => dynamic.current()?,
                None => Arc::clone(filter),
            };
            let mut loosened: Vec<_> = match loosen(&now, schema) {
                Some(loosened) => split_conjunction(&loosened).into_iter().cloned().collect(),
                None => Vec::new(),
            };
            // The recorded keys imply every probe of the join's tables, and their bounds.
            if let Some(bitmap) = keys.and_then(|keys| recorded_bitmap(&now, keys, schema)) {
                loosened.retain(|part| part.downcast_ref::<HashTableLookupExpr>().is_none());
                loosened.push(bitmap);
                without_implied_bounds(&mut loosened);
            }
            parts.extend(loosened.into_iter().filter(|part| self.parts.take(part)));
        }
        let loosened = Loosened {
            generations,
            filter: (!parts.is_empty()).then(|| conjunction(parts)),
        };
        *cached = Some(loosened.clone());
        Ok(loosened)
    }
}

/// The test of a join's recorded build keys on a bitmap, in place of the probes of its tables
/// in `filter` (the join's dynamic filter as it stands: one probe, or one a partition inside a
/// `CASE`), shown as the first; `None` if there is none, or it does not probe one integer
/// column.
fn recorded_bitmap(
    filter: &Arc<dyn PhysicalExpr>,
    keys: KeySet,
    schema: &Schema,
) -> Option<Arc<dyn PhysicalExpr>> {
    let mut probe = None;
    filter
        .apply(|expr| {
            if expr.downcast_ref::<HashTableLookupExpr>().is_some() {
                probe = Some(Arc::clone(expr));
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .ok()?;
    let probe = probe?;
    let [column] = &probe.children()[..] else {
        return None;
    };
    let column = Arc::clone(column);
    let bitmap = KeyBitmap::over(probe, column, keys, schema)?;
    Some(Arc::new(bitmap))
}

/// `parts` without the bounds of a column that a key bitmap tests (the bitmap implies them).
fn without_implied_bounds(parts: &mut Vec<Arc<dyn PhysicalExpr>>) {
    let tested: Vec<Arc<dyn PhysicalExpr>> = parts
        .iter()
        .filter(|part| part.downcast_ref::<KeyBitmap>().is_some())
        .flat_map(|bitmap| bitmap.children().into_iter().cloned())
        .collect();
    parts.retain(|part| {
        let bound = part.downcast_ref::<BinaryExpr>().is_some_and(|binary| {
            matches!(binary.op(), Operator::GtEq | Operator::LtEq)
                && binary.right().downcast_ref::<Literal>().is_some()
                && tested.iter().any(|column| column == binary.left())
        });
        !bound
    });
}

/// Rows a filter is tried on before it is judged.
const TRIAL_ROWS: usize = 100_000;

/// What the stream learnt of the filter of the current generations: the rows it was applied to
/// and kept, and whether it was found to keep most of them (then it is not applied again
/// until the filters change: it would cost more than it spares).
#[derive(Default)]
struct Trial {
    generations: Vec<u64>,
    rows: usize,
    kept: usize,
    useless: bool,
}

impl Trial {
    /// Which rows of `batch` `filter` keeps, counted in the trial; `None` if it cannot be
    /// evaluated, which is only a lost chance (the join decides): it is not tried again.
    fn verdict(
        &mut self,
        filter: &Arc<dyn PhysicalExpr>,
        batch: &RecordBatch,
    ) -> Option<BooleanArray> {
        let evaluated = filter
            .evaluate(batch)
            .and_then(|kept| kept.into_array(batch.num_rows()));
        let Some(keep) = evaluated.ok().and_then(|k| k.as_boolean_opt().cloned()) else {
            self.useless = true;
            return None;
        };
        self.rows += batch.num_rows();
        self.kept += keep.true_count();
        self.useless = self.rows >= TRIAL_ROWS && self.kept * 2 > self.rows;
        Some(keep)
    }
}

impl DisplayAs for RunTimeFilterExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunTimeFilterExec: ")?;
        match self.filters.parts {
            Parts::All => {}
            Parts::Cheap => write!(f, "bounds and bitmaps of ")?,
            Parts::Costly => write!(f, "probes and lists of ")?,
        }
        for (i, filter) in self.filters.dynamic.iter().enumerate() {
            if i > 0 {
                write!(f, " AND ")?;
            }
            write!(f, "{filter}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for RunTimeFilterExec {
    fn name(&self) -> &'static str {
        "RunTimeFilterExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        for filter in &self.filters.dynamic {
            if f(filter)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(RunTimeFilterExec {
            input: children.swap_remove(0),
            filters: Arc::clone(&self.filters),
            metrics: ExecutionPlanMetricsSet::new(),
        }))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let schema = self.input.schema();
        let batch_size = context.session_config().batch_size();
        Ok(Box::pin(Filtered {
            input: self.input.execute(partition, context)?,
            filters: Arc::clone(&self.filters),
            // Batches of half the size or more go through whole, not copied.
            coalescer: BatchCoalescer::new(Arc::clone(&schema), batch_size)
                .with_biggest_coalesce_batch_size(Some(batch_size / 2)),
            schema,
            metrics: BaselineMetrics::new(&self.metrics, partition),
            trial: Trial::default(),
            done: false,
        }))
    }
}

/// The stream of a [`RunTimeFilterExec`]: kept rows gathered into batches of the session's
/// size, in order; a batch goes through whole while no filter is filled in.
struct Filtered {
    input: SendableRecordBatchStream,
    filters: Arc<Filters>,
    coalescer: BatchCoalescer,
    schema: SchemaRef,
    metrics: BaselineMetrics,
    trial: Trial,
    done: bool,
}

impl Filtered {
    /// Takes `batch` in: the rows the filter keeps, or all while there is none worth applying.
    fn admit(&mut self, batch: RecordBatch) -> Result<()> {
        let _timer = self.metrics.elapsed_compute().timer();
        let Loosened {
            generations,
            filter,
        } = self.filters.current(&self.schema)?;
        if generations != self.trial.generations {
            self.trial = Trial {
                generations,
                ..Trial::default()
            };
        }
        let keep = match filter {
            Some(filter) if !self.trial.useless => self.trial.verdict(&filter, &batch),
            _ => None,
        };
        match keep {
            Some(keep) if keep.true_count() < batch.num_rows() => {
                self.coalescer.push_batch_with_filter(batch, &keep)?
            }
            _ => self.coalescer.push_batch(batch)?,
        }
        Ok(())
    }
}

impl Stream for Filtered {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(batch) = self.coalescer.next_completed_batch() {
                return self.metrics.record_poll(Poll::Ready(Some(Ok(batch))));
            }
            if self.done {
                return Poll::Ready(None);
            }
            match self.input.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(batch))) => {
                    if let Err(error) = self.admit(batch) {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                Poll::Ready(None) => {
                    self.done = true;
                    if let Err(error) = self.coalescer.finish_buffered_batch() {
                        return Poll::Ready(Some(Err(error.into())));
                    }
                }
            }
        }
    }
}

impl RecordBatchStream for Filtered {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{ArrayRef, BooleanArray, Int64Array};
    use arrow::datatypes::{DataType, Field};
    use arrow::util::pretty::pretty_format_batches;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
    use datafusion::physical_plan::{collect, displayable};
    use datafusion::prelude::{SessionConfig, SessionContext};
    use parquet::arrow::ArrowWriter;
    use tempfile::TempDir;

    use super::*;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("b", DataType::Int64, true),
        ])
    }

    fn a() -> Arc<dyn PhysicalExpr> {
        Arc::new(Column::new("a", 0))
    }

    fn cmp(op: Operator, value: i64) -> Arc<dyn PhysicalExpr> {
        Arc::new(BinaryExpr::new(a(), op, lit(value)))
    }

    fn among(values: &[i64]) -> Arc<dyn PhysicalExpr> {
        let list = values.iter().map(|&v| lit(v)).collect();
        Arc::new(InListExpr::try_new(a(), list, false, &schema()).unwrap())
    }

    /// `a + b IN (values)`: a list over an expression of two columns, as a join on two keys
    /// writes `struct(a, b) IN (...)`.
    fn sum_among(values: &[i64]) -> Arc<dyn PhysicalExpr> {
        let sum: Arc<dyn PhysicalExpr> = Arc::new(BinaryExpr::new(
            a(),
            Operator::Plus,
            Arc::new(Column::new("b", 1)),
        ));
        let list = values.iter().map(|&v| lit(v)).collect();
        Arc::new(InListExpr::try_new(sum, list, false, &schema()).unwrap())
    }

    fn and(parts: Vec<Arc<dyn PhysicalExpr>>) -> Arc<dyn PhysicalExpr> {
        conjunction(parts)
    }

    /// A filter for a partitioned join: a `CASE` on `b` (standing for the row's hash) with a
    /// branch per partition.
    fn partitioned(branches: Vec<Arc<dyn PhysicalExpr>>) -> Arc<dyn PhysicalExpr> {
        let b: Arc<dyn PhysicalExpr> = Arc::new(Column::new("b", 1));
        let when_then = (0..branches.len() as i64).map(lit).zip(branches).collect();
        Arc::new(CaseExpr::try_new(Some(b), when_then, Some(lit(false))).unwrap())
    }

    /// Rows with `a` from -5 to 20 (and a NULL), `b` from 0 to 2.
    fn batch() -> RecordBatch {
        let a: Vec<Option<i64>> = (-5..=20).map(Some).chain([None]).collect();
        let b: Vec<Option<i64>> = (0..a.len() as i64).map(|i| Some(i % 3)).collect();
        RecordBatch::try_new(
            Arc::new(schema()),
            vec![
                Arc::new(Int64Array::from(a)) as ArrayRef,
                Arc::new(Int64Array::from(b)),
            ],
        )
        .unwrap()
    }

    fn keeps(filter: &Arc<dyn PhysicalExpr>) -> Vec<bool> {
        let batch = batch();
        let kept = filter
            .evaluate(&batch)
            .unwrap()
            .into_array(batch.num_rows())
            .unwrap();
        let kept: &BooleanArray = kept.as_boolean();
        kept.iter().map(|k| k == Some(true)).collect()
    }

    /// The loosened filter keeps every row the filter keeps, and says what it is: the union of
    /// the partitions' key lists, the widest bounds, nothing when a partition is unbounded.
    #[test]
    fn a_loosened_filter_keeps_what_the_filter_keeps() {
        let schema = schema();
        let cases: Vec<(Arc<dyn PhysicalExpr>, Option<&str>)> = vec![
            (
                partitioned(vec![
                    and(vec![
                        cmp(Operator::GtEq, 1),
                        cmp(Operator::LtEq, 5),
                        among(&[1, 3, 5]),
                    ]),
                    and(vec![
                        cmp(Operator::GtEq, 2),
                        cmp(Operator::LtEq, 9),
                        among(&[9, 2, 3]),
                    ]),
                ]),
                Some("a@0 IN (SET) ([1, 2, 3, 5, 9])"),
            ),
            // A partition's hash table (not a list): the bounds of all.
            (
                partitioned(vec![
                    and(vec![
                        cmp(Operator::GtEq, 1),
                        cmp(Operator::LtEq, 5),
                        among(&[1, 5]),
                    ]),
                    and(vec![cmp(Operator::Gt, -2), cmp(Operator::Lt, 4), lit(true)]),
                ]),
                Some("a@0 >= -2 AND a@0 <= 5"),
            ),
            // An empty partition adds nothing; every partition empty keeps no row.
            (
                partitioned(vec![lit(false), and(vec![among(&[7])])]),
                Some("a@0 IN (SET) ([7])"),
            ),
            (partitioned(vec![lit(false), lit(false)]), Some("false")),
            // A partition that says nothing of `a`, or a filter not yet filled in: no filter.
            (
                partitioned(vec![among(&[1]), Arc::new(Column::new("b", 1))]),
                None,
            ),
            (lit(true), None),
            // A list over several columns: the partitions' lists joined; kept beside the
            // bounds; nothing when a partition does not list it.
            (
                partitioned(vec![
                    and(vec![sum_among(&[1, 2])]),
                    and(vec![sum_among(&[5, 1])]),
                ]),
                Some("a@0 + b@1 IN (SET) ([1, 2, 5])"),
            ),
            (
                and(vec![
                    cmp(Operator::GtEq, 0),
                    cmp(Operator::LtEq, 9),
                    sum_among(&[4, 3]),
                ]),
                Some("a@0 + b@1 IN (SET) ([3, 4]) AND a@0 >= 0 AND a@0 <= 9"),
            ),
            (
                partitioned(vec![
                    and(vec![sum_among(&[1])]),
                    and(vec![cmp(Operator::GtEq, 1), cmp(Operator::LtEq, 4)]),
                ]),
                None,
            ),
            // Not partitioned: its own bounds, loosened to inclusive ones.
            (
                and(vec![cmp(Operator::Gt, 3), cmp(Operator::Lt, 8)]),
                Some("a@0 >= 3 AND a@0 <= 8"),
            ),
        ];
        for (filter, expected) in cases {
            let loosened = loosen(&filter, &schema);
            assert_eq!(
                loosened.as_ref().map(|l| l.to_string()).as_deref(),
                expected,
                "{filter}"
            );
            if let Some(loosened) = loosened {
                // Integer keys listed are tested on a bitmap.
                let lists = split_conjunction(&loosened)
                    .into_iter()
                    .filter(|part| part.to_string().starts_with("a@0 IN "));
                for list in lists {
                    assert!(list.downcast_ref::<KeyBitmap>().is_some(), "{list}");
                }
                for (row, (kept, looser)) in
                    keeps(&filter).into_iter().zip(keeps(&loosened)).enumerate()
                {
                    assert!(
                        !kept || looser,
                        "row {row}: {filter} keeps it, {loosened} not"
                    );
                }
            }
        }
    }

    /// A session with or without jaanch's rules over `big(k, v)` (two Parquet files, 20,000
    /// rows, keys 0..5000) and `few(k)` (three keys).
    async fn session(ours: bool) -> (SessionContext, TempDir) {
        let rules = if ours {
            crate::session::physical_optimizer_rules()
        } else {
            PhysicalOptimizer::new().rules
        };
        let state = SessionStateBuilder::new()
            .with_config(SessionConfig::new().with_target_partitions(2))
            .with_default_features()
            .with_physical_optimizer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        let dir = TempDir::new().unwrap();
        let write = |name: &str, batch: RecordBatch| {
            let out = std::fs::File::create(dir.path().join(name)).unwrap();
            let mut writer = ArrowWriter::try_new(out, batch.schema(), None).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        };
        std::fs::create_dir(dir.path().join("big")).unwrap();
        for (file, start) in [("big/0.parquet", 0i64), ("big/1.parquet", 10_000)] {
            let rows = start..start + 10_000;
            let batch = RecordBatch::try_from_iter([
                (
                    "k",
                    Arc::new(Int64Array::from_iter_values(
                        rows.clone().map(|i| i * 7 % 5000),
                    )) as ArrayRef,
                ),
                (
                    "v",
                    Arc::new(Int64Array::from_iter_values(rows.map(|i| i % 97))),
                ),
            ])
            .unwrap();
            write(file, batch);
        }
        let few = RecordBatch::try_from_iter([(
            "k",
            Arc::new(Int64Array::from(vec![3, 1200, 4999])) as ArrayRef,
        )])
        .unwrap();
        write("few.parquet", few);
        for name in ["big", "few.parquet"] {
            let path = dir.path().join(name);
            let table = name.trim_end_matches(".parquet");
            ctx.register_parquet(table, path.to_str().unwrap(), Default::default())
                .await
                .unwrap();
        }
        (ctx, dir)
    }

    /// TPC-H q17's shape: an aggregation by key of the large table, joined with a few keys.
    /// The join's keys remove the other rows before the aggregation, and the answer is
    /// DataFusion's.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_the_join_drops_go_before_the_aggregation() {
        let sql = "SELECT f.k, s.total FROM few f \
                   JOIN (SELECT k, sum(v) AS total FROM big GROUP BY k) s ON s.k = f.k ORDER BY 1";
        let (ours, _a) = session(true).await;
        let (plain, _b) = session(false).await;
        let run = |ctx: SessionContext| async move {
            let plan = ctx
                .sql(sql)
                .await
                .unwrap()
                .create_physical_plan()
                .await
                .unwrap();
            let batches = collect(Arc::clone(&plan), ctx.task_ctx()).await.unwrap();
            (plan, pretty_format_batches(&batches).unwrap().to_string())
        };
        let (plan, got) = run(ours.clone()).await;
        let (_, expected) = run(plain.clone()).await;
        assert_eq!(got, expected);
        assert_eq!(got.lines().count(), 7, "{got}");
        // A key column renamed to another's name: the filter follows the column, not the name;
        // behind the query's own filter, which drops a column (its projection).
        let filtered = "SELECT f.k, s.n FROM few f JOIN \
             (SELECT k, count(*) AS n FROM big WHERE v > 10 GROUP BY k) s ON s.k = f.k ORDER BY 1";
        let behind = ours.sql(filtered).await.unwrap();
        let behind = behind.create_physical_plan().await.unwrap();
        let text = displayable(behind.as_ref()).indent(true).to_string();
        let lines: Vec<&str> = text.lines().map(str::trim_start).collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("RunTimeFilterExec"));
        assert!(
            at.is_some_and(|at| lines[at + 1].starts_with("FilterExec: v@1 > 10, projection=[k@0]")),
            "{text}"
        );
        for sql in [
            filtered,
            "SELECT f.k, count(*) FROM few f JOIN (SELECT v AS k, k AS v FROM big) s \
             ON s.k = f.k GROUP BY 1 ORDER BY 1",
            "SELECT f.k, s.v FROM few f JOIN (SELECT k AS v, v AS k FROM big) s \
             ON s.v = f.k ORDER BY 1, 2",
        ] {
            let answer = |ctx: &SessionContext| {
                let ctx = ctx.clone();
                async move {
                    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
                    pretty_format_batches(&batches).unwrap().to_string()
                }
            };
            let expected = answer(&plain).await;
            assert!(expected.lines().count() > 4, "no rows: {expected}");
            assert_eq!(answer(&ours).await, expected, "{sql}");
        }
        let mut filtered = Vec::new();
        plan.apply(|node| {
            if node.downcast_ref::<RunTimeFilterExec>().is_some() {
                let rows = node.metrics().and_then(|m| m.output_rows()).unwrap_or(0);
                filtered.push(rows);
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        let text = displayable(plan.as_ref()).indent(true).to_string();
        // Each of the three keys occurs four times in the 20,000 rows.
        assert_eq!(filtered, [12], "{text}");
    }

    /// A run-time filter's rows and loosened filter, and the plan it is in, as text.
    struct Filtered {
        rows: usize,
        loosened: Option<String>,
        /// Whether the loosened filter tests a key bitmap.
        bitmap: bool,
        plan: String,
    }

    /// `sql`'s answer with jaanch's rules and without, and the run-time filters that ran.
    async fn answers_and_filters(sql: &str) -> ([String; 2], Vec<Filtered>) {
        answers_and_filters_with(&[], sql).await
    }

    /// As [`answers_and_filters`], after the statements `settings` (`SET …`).
    async fn answers_and_filters_with(
        settings: &[&str],
        sql: &str,
    ) -> ([String; 2], Vec<Filtered>) {
        let (ours, _a) = session(true).await;
        let (plain, _b) = session(false).await;
        let mut answers = Vec::new();
        let mut filtered = Vec::new();
        for ctx in [&ours, &plain] {
            for setting in settings {
                ctx.sql(setting).await.unwrap().collect().await.unwrap();
            }
            let plan = ctx.sql(sql).await.unwrap().create_physical_plan().await;
            let plan = plan.unwrap();
            let batches = collect(Arc::clone(&plan), ctx.task_ctx()).await.unwrap();
            answers.push(pretty_format_batches(&batches).unwrap().to_string());
            plan.apply(|node| {
                if let Some(filter) = node.downcast_ref::<RunTimeFilterExec>() {
                    let loosened = filter.filters.current(&node.schema()).unwrap().filter;
                    let bitmap = loosened.as_ref().is_some_and(|f| {
                        split_conjunction(f)
                            .iter()
                            .any(|part| part.downcast_ref::<KeyBitmap>().is_some())
                    });
                    filtered.push(Filtered {
                        rows: node.metrics().and_then(|m| m.output_rows()).unwrap_or(0),
                        loosened: loosened.map(|f| f.to_string()),
                        bitmap,
                        plan: displayable(plan.as_ref()).indent(true).to_string(),
                    });
                }
                Ok(TreeNodeRecursion::Continue)
            })
            .unwrap();
        }
        (answers.try_into().unwrap(), filtered)
    }

    /// A join that collects its build side, with more keys than DataFusion lists by default
    /// (150; jaanch's sessions list up to 1,024): its filter probes the join's hash table, and
    /// the rows it drops go before the join.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_collected_joins_table_filters_rows() {
        let keys: Vec<String> = (0..400).map(|i| (i * 12 + 1).to_string()).collect();
        let sql = format!(
            "WITH some(k) AS (VALUES ({})) \
             SELECT b.k, sum(b.v) FROM some s JOIN big b ON b.k = s.k GROUP BY 1 ORDER BY 1",
            keys.join("), (")
        );
        let (answers, filtered) = answers_and_filters(&sql).await;
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0].lines().count(), 404, "{}", answers[0]);
        // Each of the 400 keys occurs four times in the 20,000 rows; the keys' range alone
        // would keep 19,000 of them.
        let [Filtered { rows, plan, .. }] = &filtered[..] else {
            panic!("one run-time filter: {}", filtered.len())
        };
        assert!(
            plan.contains("mode=CollectLeft") && plan.contains("hash_lookup"),
            "{plan}"
        );
        assert_eq!(*rows, 1600, "{plan}");
    }

    /// The plan of the one run-time filter in `filtered`, which tests the keys `k` recorded
    /// under its join on a bitmap and keeps the 1,600 rows of `big` that hold them.
    fn one_filter_on_recorded_keys(filtered: &[Filtered]) -> &str {
        let [
            Filtered {
                rows, bitmap, plan, ..
            },
        ] = filtered
        else {
            panic!("one run-time filter: {}", filtered.len())
        };
        assert!(plan.contains("RecordKeysExec: k@0"), "{plan}");
        assert!(*bitmap, "{plan}");
        assert_eq!(*rows, 1600, "{plan}");
        plan
    }

    /// The keys of a collected join's build side are recorded as they pass into the join, and
    /// its run-time filter tests them on a bitmap instead of probing the join's table: before
    /// the scan's own filter. Keys too far apart for a bitmap, NULL keys, negative ones, other
    /// join types and a recursive query answer as DataFusion does.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_collected_joins_recorded_keys_filter_rows_on_a_bitmap() {
        // 400 keys of `big`, each in four of its rows, and 100 keys it does not hold.
        let keys: Vec<i64> = (0..400).map(|i| i * 12 + 1).chain(5000..5100).collect();
        let values = |keys: &[i64], extra: &str| {
            let listed: Vec<String> = keys.iter().map(i64::to_string).collect();
            format!("VALUES ({}){extra}", listed.join("), ("))
        };
        let join = |values: &str, filter: &str| {
            format!(
                "WITH some(k) AS ({values}) SELECT b.k, count(*), sum(b.v) \
                 FROM some s JOIN big b ON b.k = s.k {filter} GROUP BY 1 ORDER BY 1"
            )
        };
        let (answers, filtered) = answers_and_filters(&join(&values(&keys, ""), "")).await;
        assert_eq!(answers[0], answers[1]);
        one_filter_on_recorded_keys(&filtered);

        // Behind the scan's own filter: the bitmap goes below it, where it leaves the filter
        // the 1,600 rows of the keys; nothing is left above it.
        let sql = join(&values(&keys, ""), "WHERE b.v * 2 > 50");
        let (answers, filtered) = answers_and_filters(&sql).await;
        assert_eq!(answers[0], answers[1]);
        let [costly, cheap] = &filtered[..] else {
            panic!("two run-time filters: {}", filtered.len())
        };
        assert!(cheap.bitmap && !costly.bitmap, "{}", cheap.plan);
        assert_eq!(cheap.rows, 1600, "{}", cheap.plan);
        assert_eq!(costly.loosened, None, "{}", cheap.plan);

        // Keys more than a bitmap's span apart: the probe of the join's table, as before.
        let far = values(&keys, &format!(", ({})", 1i64 << 24));
        let (answers, filtered) = answers_and_filters(&join(&far, "")).await;
        assert_eq!(answers[0], answers[1]);
        assert!(
            filtered.iter().all(|f| !f.bitmap && f.rows == 1600),
            "{}",
            filtered[0].plan
        );

        // NULL and negative keys, and other shapes of the query.
        let odd = values(&keys, ", (NULL), (-3), (-700)");
        let mut shapes = vec![
            join(&odd, ""),
            format!(
                "WITH some(k) AS ({odd}) SELECT count(*), sum(v) FROM big WHERE k IN (SELECT k FROM some)"
            ),
            format!(
                "WITH some(k) AS ({odd}) SELECT count(*), sum(v) FROM big b WHERE EXISTS (SELECT 1 FROM some s WHERE s.k = b.k)"
            ),
            format!(
                "WITH some(k) AS ({odd}) SELECT count(*), sum(v) FROM big WHERE k NOT IN (SELECT k FROM some WHERE k IS NOT NULL)"
            ),
            format!(
                "WITH some(k) AS ({odd}) SELECT count(*), count(b.k), sum(b.v) FROM some s LEFT JOIN big b ON b.k = s.k"
            ),
            format!(
                "WITH some(k) AS ({odd}) SELECT count(*), count(s.k), sum(b.v) FROM some s RIGHT JOIN big b ON b.k = s.k"
            ),
            format!(
                "WITH some(k) AS ({odd}) SELECT count(*), sum(b.v) FROM some s JOIN big b ON b.k = s.k + 1"
            ),
        ];
        // A recursive query joining in each step.
        shapes.push(
            "WITH RECURSIVE r(k, n) AS (SELECT k, 0 FROM few UNION ALL \
             SELECT b.k, r.n + 1 FROM r JOIN big b ON b.k = r.k + 7 WHERE r.n < 3) \
             SELECT n, count(*), sum(k) FROM r GROUP BY n ORDER BY n"
                .to_string(),
        );
        let mut recorded = 0;
        for sql in &shapes {
            let (answers, filtered) = answers_and_filters(sql).await;
            assert_eq!(answers[0], answers[1], "{sql}");
            assert!(answers[0].lines().count() > 4, "{sql}: {}", answers[0]);
            recorded += filtered.iter().filter(|f| f.bitmap).count();
        }
        assert!(recorded >= 3, "bitmaps in {recorded} of the shapes");
    }

    /// A join that partitions its build side records the keys of every partition: its
    /// run-time filter, which without them keeps only the keys' range, tests them on a bitmap
    /// once all partitions are read.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_partitioned_joins_recorded_keys_filter_rows_on_a_bitmap() {
        let partitioned = [
            "SET datafusion.optimizer.hash_join_single_partition_threshold = 0",
            "SET datafusion.optimizer.hash_join_single_partition_threshold_rows = 0",
        ];
        let keys: Vec<String> = (0..400).map(|i| (i * 12 + 1).to_string()).collect();
        let some = format!(
            "WITH some(k) AS (VALUES ({}), (NULL), (-4))",
            keys.join("), (")
        );
        let sql = format!(
            "{some} SELECT b.k, count(*), sum(b.v) FROM some s JOIN big b ON b.k = s.k \
             GROUP BY 1 ORDER BY 1"
        );
        let (answers, filtered) = answers_and_filters_with(&partitioned, &sql).await;
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0].lines().count(), 404, "{}", answers[0]);
        let plan = one_filter_on_recorded_keys(&filtered);
        assert!(plan.contains("mode=Partitioned"), "{plan}");
        // Other shapes, partitioned, answer as DataFusion does.
        for sql in [
            format!("{some} SELECT count(*), sum(v) FROM big WHERE k IN (SELECT k FROM some)"),
            format!(
                "{some} SELECT count(*), count(b.k), sum(b.v) FROM some s LEFT JOIN big b ON b.k = s.k"
            ),
            format!(
                "{some} SELECT count(*), count(s.k), sum(b.v) FROM some s RIGHT JOIN big b ON b.k = s.k"
            ),
        ] {
            let (answers, _) = answers_and_filters_with(&partitioned, &sql).await;
            assert_eq!(answers[0], answers[1], "{sql}");
        }
    }

    /// Above a filter of the scan's own, the run-time filter's key bitmap goes below that
    /// filter, on every row, and what it cannot test cheaply (here nothing) above it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_key_bitmap_goes_before_the_scans_own_filter() {
        // 20 keys, each in 4 of `big`'s 20,000 rows (k = i * 7 % 5000).
        let keys: Vec<i64> = (0..20).map(|i| i * 211 + 3).collect();
        let listed: Vec<String> = keys.iter().map(i64::to_string).collect();
        let sql = format!(
            "WITH some(k) AS (VALUES ({})) \
             SELECT count(*), sum(b.v) FROM some s JOIN big b ON b.k = s.k WHERE b.v * 2 > 50",
            listed.join("), (")
        );
        let (answers, filtered) = answers_and_filters(&sql).await;
        assert_eq!(answers[0], answers[1]);
        let [costly, cheap] = &filtered[..] else {
            panic!("two run-time filters: {}", filtered.len())
        };
        let plan = &cheap.plan;
        // The plan, from the top: the costly parts, the scan's filter, the cheap parts, the scan.
        let order: Vec<usize> = [
            "RunTimeFilterExec: probes and lists of",
            " FilterExec: ",
            "RunTimeFilterExec: bounds and bitmaps of",
            "DataSourceExec: file_groups",
        ]
        .iter()
        .map(|node| plan.find(node).unwrap_or_else(|| panic!("{node}: {plan}")))
        .collect();
        assert!(order.is_sorted(), "{plan}");
        assert!(
            cheap
                .loosened
                .as_deref()
                .is_some_and(|l| l.starts_with("k@0 IN (SET)")),
            "{:?}",
            cheap.loosened
        );
        assert_eq!(cheap.rows, 80, "{plan}");
        assert_eq!(costly.loosened, None);
    }

    /// A join on two keys with few rows on its build side lists them as `struct(k, v)`: the
    /// run-time filter keeps that list, not only the keys' ranges.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_list_of_two_keys_filters_rows() {
        // `big` row i is (i * 7 % 5000, i % 97); 20 of its rows' pairs, then every row that
        // has one of them.
        let pair = |i: i64| (i * 7 % 5000, i % 97);
        let pairs: Vec<(i64, i64)> = (0..20_000).step_by(1000).map(pair).collect();
        let matching = (0..20_000).filter(|&i| pairs.contains(&pair(i))).count();
        let values: Vec<String> = pairs.iter().map(|(k, v)| format!("({k}, {v})")).collect();
        let sql = format!(
            "WITH some(k, v) AS (VALUES {}) \
             SELECT count(*), sum(b.k) FROM some s JOIN big b ON b.k = s.k AND b.v = s.v",
            values.join(", ")
        );
        let (answers, filtered) = answers_and_filters(&sql).await;
        assert_eq!(answers[0], answers[1]);
        assert!(
            answers[0].contains(&format!("| {matching} ")),
            "{}",
            answers[0]
        );
        let [
            Filtered {
                rows,
                loosened: Some(loosened),
                ..
            },
        ] = &filtered[..]
        else {
            panic!("one run-time filter: {}", filtered.len())
        };
        assert!(loosened.contains("struct(k@0, v@1) IN (SET)"), "{loosened}");
        assert_eq!(*rows, matching, "{loosened}");
    }
}
