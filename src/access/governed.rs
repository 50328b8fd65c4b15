//! A table read through a role's row filters and masks.
//!
//! [`GovernedTable`] stands where the lake table would: its schema is the masked one. Its scan
//! plans, on its own, the lake table's scan, the row filter and the masks, and wraps that plan
//! in a [`GovernedExec`]: a leaf to the rest of the query. So no dynamic filter of a join or
//! top-k and no limit is pushed below the policy, the files' statistics are not reported (a
//! count or a min/max answered from Parquet footers would count hidden rows; only a coarse size
//! for choosing join sides is), and EXPLAIN shows the governed scan but not the policy's
//! expressions or the pruning below it. A table the role's rules do not touch (`*.phone` on a
//! table without phones) is read as it is.
//!
//! The scan takes the query's own filters that read no masked column, so that masks are computed
//! only for the rows the query keeps (a lookup of one plate in a million registrations masks one
//! owner's phone, not a million). Those that cannot fail (comparisons of columns and literals,
//! IN, BETWEEN, LIKE, IS NULL, AND / OR / NOT) run beside the row filter, where they prune
//! partitions and row groups: since they cannot fail, running them on a hidden row tells nothing.
//! The others — a function, a cast of a column, arithmetic (a division by zero on a hidden row
//! would tell that it exists) — run in a filter of their own on the row filter's output, before
//! the masks: on the rows the user may see, with the values the user sees. A filter on a masked
//! column runs above the governed scan, on the masked values.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, Result, ScalarValue, Statistics};
use datafusion::datasource::provider_as_source;
use datafusion::execution::TaskContext;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{
    Expr, LogicalPlanBuilder, Operator, TableProviderFilterPushDown, TableType, col,
};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::filter::FilterExecBuilder;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    SendableRecordBatchStream,
};

use super::{Grant, Rule, TablePolicy};
use crate::error::Error;

/// A lake table as a role may see it.
#[derive(Debug)]
pub(crate) struct GovernedTable {
    /// `schema.table`.
    name: String,
    raw: Arc<dyn TableProvider>,
    /// The row filter (all of the role's filters for the table, and-ed), over the raw columns.
    filter: Option<Expr>,
    /// One expression per column, over the raw columns: the column itself or its mask.
    columns: Vec<Expr>,
    schema: SchemaRef,
}

impl GovernedTable {
    /// The table `raw` (named `name`) under `policy`. Filters and masks are compiled against
    /// the table's columns here; a mistake in them is a config error naming its line.
    pub(crate) fn new(
        name: &str,
        raw: Arc<dyn TableProvider>,
        grant: &Grant,
        policy: &TablePolicy,
        state: &SessionState,
    ) -> Result<GovernedTable, Error> {
        let raw_schema = DFSchema::try_from(raw.schema().as_ref().clone())?;
        let compile = |rule: &Rule, sql: &str| -> Result<Expr, Error> {
            let expr = state
                .create_logical_expr(&bind_attributes_as_placeholders(sql), &raw_schema)
                .and_then(|expr| bind_attributes(expr, grant))
                .map_err(|e| grant.rule_error(rule, crate::error::one_line(&e)))?;
            Ok(expr)
        };
        let mut filter: Option<Expr> = None;
        for rule in &policy.row_filters {
            let expr = compile(rule, &rule.sql)?;
            filter = Some(match filter {
                Some(before) => before.and(expr),
                None => expr,
            });
        }
        let mut columns = Vec::with_capacity(raw_schema.fields().len());
        for field in raw_schema.fields() {
            let qualified = format!("{name}.{}", field.name());
            let mask = policy
                .masks
                .iter()
                .find(|(pattern, _)| super::glob(pattern, &qualified));
            columns.push(match mask {
                Some((_, rule)) => {
                    let sql = if is_function_name(&rule.sql) {
                        format!("{}(\"{}\")", rule.sql.trim(), field.name())
                    } else {
                        rule.sql.clone()
                    };
                    compile(rule, &sql)?.alias(field.name())
                }
                None => col(datafusion::common::Column::from_name(field.name())),
            });
        }
        // A mask naming one column exactly must find it: otherwise the column it meant to hide
        // (misspelt, or renamed in the files) would be shown.
        for (pattern, rule) in &policy.masks {
            let exact = !pattern.contains(['*', '?']);
            let found = raw_schema
                .fields()
                .iter()
                .any(|f| super::glob(pattern, &format!("{name}.{}", f.name())));
            if exact && !found {
                let column = pattern.rsplit_once('.').map_or("", |(_, c)| c);
                return Err(grant
                    .rule_error(rule, format!("table {name} has no column {column}"))
                    .into());
            }
        }
        Ok(GovernedTable::from_parts(name, raw, filter, columns)?)
    }
}

impl GovernedTable {
    /// A governed table from what [`GovernedTable::new`] compiled: how a cluster's scheduler
    /// rebuilds the table a client planned with.
    pub(crate) fn from_parts(
        name: &str,
        raw: Arc<dyn TableProvider>,
        filter: Option<Expr>,
        columns: Vec<Expr>,
    ) -> Result<GovernedTable> {
        let plan = LogicalPlanBuilder::scan(name, provider_as_source(Arc::clone(&raw)), None)?
            .project(columns.clone())?
            .build()?;
        let schema: Schema = plan.schema().as_arrow().clone();
        Ok(GovernedTable {
            name: name.to_string(),
            raw,
            filter,
            columns,
            schema: Arc::new(schema),
        })
    }

    /// `schema.table`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The lake table, as it is stored.
    pub(crate) fn raw(&self) -> &Arc<dyn TableProvider> {
        &self.raw
    }

    /// The row filter, over the stored columns.
    pub(crate) fn filter(&self) -> Option<&Expr> {
        self.filter.as_ref()
    }

    /// Each column as shown: the stored column, or its mask.
    pub(crate) fn columns(&self) -> &[Expr] {
        &self.columns
    }

    /// Whether `filter` reads only columns shown as they are and is built only of what cannot
    /// fail: columns, literals, comparisons, AND / OR / NOT, IS [NOT] NULL, IN and BETWEEN over
    /// those, and LIKE with a literal pattern. No function, cast of a column or arithmetic.
    fn is_harmless(&self, filter: &Expr) -> bool {
        let mut harmless = true;
        let _ = filter.apply(|expr| {
            let ok = match expr {
                Expr::Column(column) => self.shows_unmasked(&column.name),
                Expr::Literal(..)
                | Expr::Not(_)
                | Expr::IsNull(_)
                | Expr::IsNotNull(_)
                | Expr::IsTrue(_)
                | Expr::IsFalse(_)
                | Expr::IsNotTrue(_)
                | Expr::IsNotFalse(_)
                | Expr::IsUnknown(_)
                | Expr::IsNotUnknown(_)
                | Expr::Between(_)
                | Expr::InList(_) => true,
                Expr::BinaryExpr(binary) => matches!(
                    binary.op,
                    Operator::Eq
                        | Operator::NotEq
                        | Operator::Lt
                        | Operator::LtEq
                        | Operator::Gt
                        | Operator::GtEq
                        | Operator::And
                        | Operator::Or
                        | Operator::IsDistinctFrom
                        | Operator::IsNotDistinctFrom
                ),
                // A pattern with an escape could be malformed, and fail on whatever row
                // it first meets.
                Expr::Like(like) => {
                    like.escape_char.is_none()
                        && matches!(&*like.pattern,
                            Expr::Literal(value, _) if value.to_string().chars().all(|c| c != '\\'))
                }
                Expr::Cast(cast) => matches!(*cast.expr, Expr::Literal(..)),
                _ => false,
            };
            harmless &= ok;
            Ok(if ok {
                TreeNodeRecursion::Continue
            } else {
                TreeNodeRecursion::Stop
            })
        });
        harmless
    }

    /// Whether `filter` can run inside the governed scan, after the row filter and before the
    /// masks: it reads only columns shown as they are, and nothing that needs more than the row
    /// in hand (no subquery, placeholder or column of an outer query).
    fn runs_before_masks(&self, filter: &Expr) -> bool {
        let mut fits = true;
        let _ = filter.apply(|expr| {
            fits &= match expr {
                Expr::Column(column) => self.shows_unmasked(&column.name),
                Expr::ScalarSubquery(_)
                | Expr::Exists(_)
                | Expr::InSubquery(_)
                | Expr::SetComparison(_)
                | Expr::OuterReferenceColumn(..)
                | Expr::Placeholder(_)
                | Expr::AggregateFunction(_)
                | Expr::WindowFunction(_) => false,
                _ => true,
            };
            Ok(if fits {
                TreeNodeRecursion::Continue
            } else {
                TreeNodeRecursion::Stop
            })
        });
        fits && !filter.is_volatile()
    }

    /// Whether the column named `name` is shown as stored (not masked).
    fn shows_unmasked(&self, name: &str) -> bool {
        self.schema
            .index_of(name)
            .ok()
            .and_then(|i| self.columns.get(i))
            .is_some_and(|expr| matches!(expr, Expr::Column(c) if c.name == name))
    }
}

impl GovernedTable {
    /// Whether the policy changes nothing of this table: no row filter, and no mask matched
    /// one of its columns (`*.phone` on a table without phones). It is then read as it is.
    pub(crate) fn changes_nothing(&self) -> bool {
        self.filter.is_none() && self.columns.iter().all(|c| matches!(c, Expr::Column(_)))
    }

    /// The table as read: governed, or `raw` itself if the policy changes nothing of it.
    pub(crate) fn or_raw(self) -> Arc<dyn TableProvider> {
        if self.changes_nothing() {
            Arc::clone(&self.raw)
        } else {
            Arc::new(self)
        }
    }
}

/// Whether a mask is a bare function name (`phone_mask`), applied to the column it masks.
fn is_function_name(sql: &str) -> bool {
    let sql = sql.trim();
    sql.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && sql.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `${user.X}` as the placeholder `$user_X`, so that the attribute is bound as a value, never
/// spliced into the SQL text.
fn bind_attributes_as_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find("${user.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${user.".len()..];
        let end = after.find('}').unwrap_or(after.len());
        out.push_str("$user_");
        out.push_str(&after[..end]);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Replaces the `$user_X` placeholders with the user's attribute values, as text.
fn bind_attributes(expr: Expr, grant: &Grant) -> Result<Expr> {
    expr.transform(|expr| match &expr {
        Expr::Placeholder(placeholder) => {
            let name = placeholder.id.trim_start_matches('$');
            let value = name
                .strip_prefix("user_")
                .and_then(|attribute| grant.attribute(attribute))
                .ok_or_else(|| {
                    datafusion::common::plan_datafusion_err!(
                        "${name} is no attribute of user {}",
                        grant.user()
                    )
                })?;
            Ok(Transformed::yes(Expr::Literal(
                ScalarValue::Utf8(Some(value.to_string())),
                None,
            )))
        }
        _ => Ok(Transformed::no(expr)),
    })
    .map(|t| t.data)
}

#[async_trait]
impl TableProvider for GovernedTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// Plans the lake table's scan, the row filter, the query's filters on shown columns and
    /// the masks on their own, and hands the query an opaque leaf. The query's limit is not
    /// taken, nor its filters on masked columns: they run above, on what the leaf gives.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|filter| {
                if self.runs_before_masks(filter) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // Checked again here: only what `supports_filters_pushdown` accepted may pass. The
        // table's own columns are named without the query's qualifier (an alias, a catalog).
        let (harmless, deferred): (Vec<Expr>, Vec<Expr>) = filters
            .iter()
            .filter(|f| self.runs_before_masks(f))
            .map(|f| unqualified(f.clone()))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .partition(|f| self.is_harmless(f));
        let outputs: Vec<&Expr> = match projection {
            Some(indices) => indices.iter().map(|&i| &self.columns[i]).collect(),
            None => self.columns.iter().collect(),
        };
        // The stored columns the masks, the shown columns and the deferred filters read.
        let mut read = std::collections::HashSet::new();
        for expr in outputs.iter().copied().chain(&deferred) {
            read.extend(expr.column_refs().into_iter().map(|c| c.name.clone()));
        }
        let stored: Vec<Expr> = self
            .raw
            .schema()
            .fields()
            .iter()
            .filter(|field| read.contains(field.name()))
            .map(|field| col(datafusion::common::Column::from_name(field.name())))
            .collect();

        let mut plan =
            LogicalPlanBuilder::scan(&self.name, provider_as_source(Arc::clone(&self.raw)), None)?;
        if let Some(filter) = &self.filter {
            plan = plan.filter(filter.clone())?;
        }
        if let Some(harmless) = conjunction(harmless.iter().cloned()) {
            plan = plan.filter(harmless)?;
        }
        let plan = plan.project(stored)?.build()?;
        let mut inner = state.create_physical_plan(&plan).await?;
        // Built here, below the optimiser's reach: these run only on the row filter's output.
        if let Some(deferred) = conjunction(deferred.iter().cloned()) {
            let predicate = state.create_physical_expr(deferred, plan.schema())?;
            let filter = FilterExecBuilder::new(predicate, inner)
                .with_batch_size(state.config().batch_size())
                .build()?;
            inner = Arc::new(filter);
        }
        let masked = outputs
            .into_iter()
            .map(|expr| {
                let name = expr.schema_name().to_string();
                let expr = state.create_physical_expr(expr.clone().unalias(), plan.schema())?;
                Ok((expr, name))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut inner: Arc<dyn ExecutionPlan> = Arc::new(ProjectionExec::try_new(masked, inner)?);
        // A Ballista task reads only its share of a stage's partitions, cut from the scans
        // Ballista knows; it cannot see into this operator, so each task would read every
        // partition and the rows would come back once per task. On a cluster the governed
        // scan is one partition (its files still read in parallel within the task).
        if crate::cluster::plans_for_cluster(state.config_options())
            && inner.output_partitioning().partition_count() > 1
        {
            inner = Arc::new(CoalescePartitionsExec::new(inner));
        }
        let query_filters = harmless.iter().chain(&deferred).map(ToString::to_string);
        Ok(Arc::new(GovernedExec::new(
            &self.name,
            query_filters.collect(),
            inner,
        )))
    }
}

/// `expr` with its columns named without a table qualifier.
pub(crate) fn unqualified(expr: Expr) -> Result<Expr> {
    expr.transform(|expr| match expr {
        Expr::Column(column) if column.relation.is_some() => Ok(Transformed::yes(col(
            datafusion::common::Column::from_name(column.name),
        ))),
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// The governed scan of a table, as the rest of a query sees it: a leaf with the plan of the
/// policy inside. It takes no filter, limit or projection from above, reports no statistics
/// and shows nothing of what it holds.
#[derive(Debug)]
pub(crate) struct GovernedExec {
    table: String,
    /// The query's own filters it applies, as they are shown in EXPLAIN.
    query_filters: Vec<String>,
    inner: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl GovernedExec {
    pub(crate) fn new(
        table: &str,
        query_filters: Vec<String>,
        inner: Arc<dyn ExecutionPlan>,
    ) -> GovernedExec {
        // Orderings and equivalences of the inner plan are not passed on: they could carry
        // constants of the policy.
        let properties = PlanProperties::new(
            EquivalenceProperties::new(inner.schema()),
            inner.output_partitioning().clone(),
            inner.pipeline_behavior(),
            inner.boundedness(),
        );
        GovernedExec {
            table: table.to_string(),
            query_filters,
            inner,
            properties: Arc::new(properties),
        }
    }
}

impl GovernedExec {
    /// `schema.table`.
    pub(crate) fn table(&self) -> &str {
        &self.table
    }

    /// The query's own filters it applies, as EXPLAIN shows them.
    pub(crate) fn query_filters(&self) -> &[String] {
        &self.query_filters
    }

    /// The plan of the policy inside.
    pub(crate) fn inner(&self) -> &Arc<dyn ExecutionPlan> {
        &self.inner
    }
}

impl DisplayAs for GovernedExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GovernedScan: {} (row filters and masks of the access policy)",
            self.table
        )?;
        // The query's own filters: text the user wrote, nothing of the policy.
        if !self.query_filters.is_empty() {
            write!(f, ", filter=[{}]", self.query_filters.join(" AND "))?;
        }
        Ok(())
    }
}

impl ExecutionPlan for GovernedExec {
    fn name(&self) -> &'static str {
        "GovernedScan"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    /// Only a size for choosing join sides: the estimated rows and bytes, inexact and rounded
    /// up to a power of two, never exact (an exact count would answer `count(*)` from the
    /// files, hidden rows included) and without column statistics (their minimum and maximum
    /// are raw values).
    fn statistics_from_inputs(
        &self,
        _input_stats: &[Arc<Statistics>],
        args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        // The inner plan is no child: its statistics are computed here, to be coarsened.
        let inner_args = StatisticsArgs::new().with_partition(args.partition());
        let inner = StatisticsContext::default().compute(self.inner.as_ref(), &inner_args)?;
        let coarse = |size: &Precision<usize>| match size.get_value() {
            Some(&n) => Precision::Inexact(n.max(1).next_power_of_two()),
            None => Precision::Absent,
        };
        Ok(Arc::new(Statistics {
            num_rows: coarse(&inner.num_rows),
            total_byte_size: coarse(&inner.total_byte_size),
            column_statistics: Statistics::unknown_column(&self.schema()),
        }))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        self.inner.execute(partition, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_harmless_filters_on_shown_columns_are_taken() {
        use arrow::datatypes::{DataType, Field};
        use datafusion::datasource::empty::EmptyTable;
        use datafusion::logical_expr::{cast, lit};
        let schema = Arc::new(Schema::new(vec![
            Field::new("district", DataType::Utf8, true),
            Field::new("phone", DataType::Utf8, true),
            Field::new("fir_id", DataType::Int64, true),
        ]));
        let table = GovernedTable {
            name: "cctns.fir".into(),
            raw: Arc::new(EmptyTable::new(Arc::clone(&schema))),
            filter: None,
            columns: vec![
                col("district"),
                Expr::ScalarFunction(datafusion::logical_expr::expr::ScalarFunction::new_udf(
                    jaanch_udfs::functions()[0].clone(),
                    vec![col("phone")],
                ))
                .alias("phone"),
                col("fir_id"),
            ],
            schema,
        };
        let taken = |expr: Expr| table.is_harmless(&expr);
        assert!(taken(col("district").eq(lit("Kota"))));
        assert!(taken(
            col("fir_id")
                .between(lit(1), lit(9))
                .or(col("district").is_null())
        ));
        assert!(taken(
            col("district").in_list(vec![lit("Kota"), lit("Bundi")], false)
        ));
        assert!(taken(col("district").like(lit("K%"))));
        // A masked column, arithmetic, a cast of a column, a function, a column pattern.
        assert!(!taken(col("phone").eq(lit("9829012345"))));
        assert!(!taken((lit(1) / col("fir_id")).eq(lit(1))));
        assert!(!taken(cast(col("district"), DataType::Int64).eq(lit(1))));
        assert!(!taken(col("district").like(col("district"))));
        assert!(!taken(col("district").like(lit("K\\"))));
        assert!(!taken(
            datafusion::functions::string::expr_fn::upper(col("district")).eq(lit("KOTA"))
        ));
    }

    #[test]
    fn attributes_become_placeholders_never_text() {
        assert_eq!(
            bind_attributes_as_placeholders("district = ${user.district} AND r = ${user.range}"),
            "district = $user_district AND r = $user_range"
        );
        assert!(is_function_name(" phone_mask "));
        assert!(!is_function_name("left(phone, 2)"));
    }
}
