//! One version of a Delta table as a plain list of Parquet files.
//!
//! deltalake plans its scans with an operator of its own (`DeltaScanExec`), which replays the
//! version's log at every scan to list its files (a few milliseconds a statement on a table of
//! a few dozen commits: half the planning of a small report) and which no codec can ship to a
//! cluster's executor. The version a statement reads is fixed when the statement is planned,
//! so jaanch lists that version's files once, from the log deltalake loaded, and scans them
//! with DataFusion's own Parquet scan, which every executor runs too: the partition values and
//! row counts come from the log, the file and row-group skipping from the query's filters as
//! for any Parquet table. Tables that need more than reading their files (deletion vectors,
//! column mapping) are refused with a clear message, as their version would be read wrongly;
//! a local session reads those with deltalake's scan instead.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::stats::Precision;
use datafusion::common::{
    DFSchema, DataFusionError, Result, ScalarValue, Statistics, plan_datafusion_err,
};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::helpers::expr_applicable_for_cols;
use datafusion::datasource::listing::{ListingTableUrl, PartitionedFile};
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::expressions::Column as PhysicalColumn;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::limit::GlobalLimitExec;
use datafusion::physical_plan::projection::ProjectionExec;
use tokio::sync::OnceCell;

use crate::access::unqualified;

/// One version of a Delta table, its files listed from its log once.
#[derive(Debug)]
pub(crate) struct DeltaFiles {
    name: String,
    url: ListingTableUrl,
    version: u64,
    /// The table's columns, in the order the client planned with.
    schema: SchemaRef,
    files: OnceCell<Files>,
    /// Whether the plan filters the rows above the scan (the filters were pushed into it as
    /// inexact): then the scan uses them only to skip files and row groups.
    filtered_above: bool,
}

/// The data files of a version, which columns are partition columns (their values are in
/// the log, not in the files), and each file's rows if the log says.
#[derive(Debug)]
struct Files {
    partition_columns: Vec<String>,
    files: Vec<PartitionedFile>,
    rows: Vec<Option<usize>>,
}

impl DeltaFiles {
    /// Version `version` of the Delta table `name` at `url`, with the columns of `schema`.
    pub(crate) fn new(name: String, url: ListingTableUrl, version: u64, schema: SchemaRef) -> Self {
        DeltaFiles {
            name,
            url,
            version,
            schema,
            files: OnceCell::new(),
            filtered_above: false,
        }
    }

    /// Version `version` of the table `name` at `url`, its files listed now from `table`
    /// (loaded at that version): refused as [`DeltaFiles::new`]'s first scan would be.
    pub(crate) fn of_table(
        name: String,
        url: ListingTableUrl,
        version: u64,
        schema: SchemaRef,
        table: &deltalake::DeltaTable,
    ) -> Result<Self> {
        let files = Files::list(&name, &url, version, &schema, table)?;
        Ok(DeltaFiles {
            files: OnceCell::new_with(Some(files)),
            filtered_above: true,
            ..DeltaFiles::new(name, url, version, schema)
        })
    }

    async fn load(&self, state: &dyn Session) -> Result<Files> {
        let (name, url, version) = (&self.name, &self.url, self.version);
        let store = state.runtime_env().object_store(url)?;
        let table_url = url::Url::parse(url.as_str())
            .map_err(|e| plan_datafusion_err!("table {name}: bad location {url}: {e}"))?;
        let table = crate::delta::load_version(table_url, store, version)
            .await
            .map_err(|e| delta_error(name, version, e))?;
        Files::list(name, url, version, &self.schema, &table)
    }
}

impl Files {
    /// The files of `table`: version `version` of the table `name` at `url`, whose columns are
    /// `schema`.
    fn list(
        name: &str,
        url: &ListingTableUrl,
        version: u64,
        schema: &Schema,
        table: &deltalake::DeltaTable,
    ) -> Result<Files> {
        let snapshot = table
            .snapshot()
            .map_err(|e| delta_error(name, version, e))?;
        let refuse = |what: &str| {
            plan_datafusion_err!(
                "table {name} version {version} uses {what}: a cluster reads only Delta tables whose files are read as they are; run this statement here (--cluster local)"
            )
        };
        let protocol = serde_json::to_value(snapshot.protocol()).unwrap_or_default();
        if let Some(feature) = unread_reader_feature(&protocol) {
            return Err(refuse(&format!("the reader feature {feature}")));
        }
        let mapping = snapshot.table_config().column_mapping_mode;
        // The mode's type is the kernel's, which deltalake does not name: compared with "none".
        if mapping.is_some() && mapping != "none".parse().ok() {
            return Err(refuse("column mapping"));
        }
        let partition_columns: Vec<String> = snapshot.metadata().partition_columns().to_vec();
        let partition_types: Vec<(String, DataType)> = partition_columns
            .iter()
            .map(|c| {
                let field = schema.field_with_name(c).map_err(|_| {
                    plan_datafusion_err!("table {name}: partition column {c} is not in its schema")
                })?;
                Ok((c.clone(), field.data_type().clone()))
            })
            .collect::<Result<_>>()?;
        let mut files = Vec::new();
        let mut rows = Vec::new();
        for view in snapshot.log_data().iter() {
            if view.deletion_vector_descriptor().is_some() {
                return Err(refuse("deletion vectors"));
            }
            let values: HashMap<String, Option<String>> = view.partition_values_map();
            let partition_values = partition_types
                .iter()
                .map(|(column, data_type)| {
                    partition_value(values.get(column).cloned().flatten(), data_type)
                })
                .collect::<Result<Vec<_>>>()?;
            let location = url.prefix();
            let path = object_store::path::Path::from_iter(
                location.parts().chain(view.object_store_path().parts()),
            );
            let size = u64::try_from(view.size()).unwrap_or(0);
            rows.push(view.num_records());
            files.push(
                PartitionedFile::new(path.to_string(), size)
                    .with_partition_values(partition_values),
            );
        }
        Ok(Files {
            partition_columns,
            files,
            rows,
        })
    }

    /// The file columns and the partition columns of `schema`, as the Parquet scan orders them.
    fn scan_schema(&self, schema: &Schema) -> (SchemaRef, Vec<FieldRef>) {
        let (partitions, data): (Vec<FieldRef>, Vec<FieldRef>) = schema
            .fields()
            .iter()
            .cloned()
            .partition(|f| self.partition_columns.contains(f.name()));
        // Partition columns in the order of the log's partition values.
        let partitions = self
            .partition_columns
            .iter()
            .filter_map(|c| partitions.iter().find(|f| f.name() == c).cloned())
            .collect();
        (Arc::new(Schema::new(data)), partitions)
    }

    /// The files whose partition values may pass `filters` (by their places in `files`): the
    /// filters that read partition columns only and call no function that may change its
    /// answer (as DataFusion's listing tables pick them), evaluated on each file's values, one
    /// row a file; a file goes if one of them is false or NULL for it, as it would be for each of its
    /// rows. Where they cannot be evaluated, every file stays (the filters above decide).
    fn matching(
        &self,
        partitions: &[FieldRef],
        filters: &[Expr],
        state: &dyn Session,
    ) -> Vec<usize> {
        let every = || (0..self.files.len()).collect();
        let names: Vec<&str> = partitions.iter().map(|p| p.name().as_str()).collect();
        let on_partitions = (filters.iter()).filter(|f| expr_applicable_for_cols(&names, f));
        let Ok(Some(filter)) = on_partitions
            .map(|f| unqualified(f.clone()))
            .collect::<Result<Vec<_>>>()
            .map(conjunction)
        else {
            return every();
        };
        match self.passing(partitions, filter, state) {
            Ok(passing) => (0..self.files.len())
                .filter(|&i| passing.is_valid(i) && passing.value(i))
                .collect(),
            Err(_) => every(),
        }
    }

    /// `filter` on the partition values of every file.
    fn passing(
        &self,
        partitions: &[FieldRef],
        filter: Expr,
        state: &dyn Session,
    ) -> Result<BooleanArray> {
        let schema = Arc::new(Schema::new(partitions.to_vec()));
        let columns = (0..partitions.len())
            .map(|i| {
                ScalarValue::iter_to_array(
                    (self.files.iter()).map(|f| f.partition_values[i].clone()),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
        let predicate = state.create_physical_expr(filter, &DFSchema::try_from(schema)?)?;
        let passing = predicate.evaluate(&batch)?.into_array(batch.num_rows())?;
        Ok(passing.as_boolean().clone())
    }
}

/// Reader features whose tables are read right as plain files: the values' types as the
/// schema says (`timestampNtz`; `typeWidening`, whose older files DataFusion casts), the log's
/// own shape (`v2Checkpoint`, `vacuumProtocolCheck`); and the two checked apart, per table
/// (`columnMapping`) and per file (`deletionVectors`).
const READ_AS_FILES: &[&str] = &[
    "timestampNtz",
    "typeWidening",
    "typeWidening-preview",
    "v2Checkpoint",
    "vacuumProtocolCheck",
    "columnMapping",
    "deletionVectors",
];

/// The first reader feature of `protocol` (a protocol action as the log writes it) that
/// reading the files as they are would ignore; a protocol without its reader version or with
/// features that are not text counts as one.
fn unread_reader_feature(protocol: &serde_json::Value) -> Option<String> {
    let version = protocol.get("minReaderVersion").and_then(|v| v.as_i64());
    match version {
        Some(1 | 2) => None,
        Some(3) => {
            let features = protocol.get("readerFeatures").and_then(|f| f.as_array());
            let Some(features) = features else {
                return Some("(unlisted)".into());
            };
            features.iter().find_map(|feature| match feature.as_str() {
                Some(name) if READ_AS_FILES.contains(&name) => None,
                Some(name) => Some(name.to_string()),
                None => Some(feature.to_string()),
            })
        }
        _ => Some(format!(
            "of reader version {}",
            protocol["minReaderVersion"]
        )),
    }
}

/// A partition value as the log writes it (text, or null), as a value of its column's type.
fn partition_value(text: Option<String>, data_type: &DataType) -> Result<ScalarValue> {
    match (text, data_type) {
        (None, _) => ScalarValue::try_from(data_type),
        (Some(text), DataType::Dictionary(key, value)) => Ok(ScalarValue::Dictionary(
            key.clone(),
            Box::new(partition_value(Some(text), value)?),
        )),
        (Some(text), _) => ScalarValue::try_from_string(text, data_type),
    }
}

fn delta_error(name: &str, version: u64, error: deltalake::DeltaTableError) -> DataFusionError {
    plan_datafusion_err!("table {name}: cannot read version {version} of its Delta log: {error}")
}

#[async_trait]
impl TableProvider for DeltaFiles {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// Filters are applied above the scan too: the scan uses them to skip files and row
    /// groups only.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    /// On a cluster's scheduler, the filters the client's plan pushed into its scan are all
    /// applied here: the client's Delta provider may have taken some as exact (those on
    /// partition columns), so its plan filters them nowhere else.
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let files = self.files.get_or_try_init(|| self.load(state)).await?;
        let (file_schema, partitions) = files.scan_schema(&self.schema);
        let all: Vec<usize> = (0..self.schema.fields().len()).collect();
        let requested = projection.unwrap_or(&all);
        let matching = files.matching(&partitions, filters, state);
        if matching.is_empty() {
            let schema = self.schema.project(requested)?;
            return Ok(Arc::new(EmptyExec::new(Arc::new(schema))));
        }
        let filter = match self.filtered_above {
            // DataFusion's own rules push the filter above into the Parquet scan.
            true => None,
            false => conjunction(
                filters
                    .iter()
                    .map(|f| unqualified(f.clone()))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        // The columns read: those asked for, then those only the filters read.
        let mut read = requested.clone();
        for column in filter.iter().flat_map(|f| f.column_refs()) {
            let i = self.schema.index_of(&column.name)?;
            if !read.contains(&i) {
                read.push(i);
            }
        }
        // The client's column numbers, as numbers of the scan's columns.
        let scan_fields: Vec<FieldRef> = (file_schema.fields().iter())
            .chain(partitions.iter())
            .cloned()
            .collect();
        let scan_order: Vec<&str> = scan_fields.iter().map(|f| f.name().as_str()).collect();
        let scanned = read
            .iter()
            .map(|&i| {
                let name = self.schema.field(i).name();
                scan_order
                    .iter()
                    .position(|c| c == name)
                    .ok_or_else(|| plan_datafusion_err!("column {name} is not scanned"))
            })
            .collect::<Result<Vec<_>>>()?;
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        let source = format.file_source(
            TableSchema::builder(file_schema)
                .with_table_partition_cols(partitions)
                .build(),
        );
        let target = state.config().target_partitions().max(1);
        let scanned_files = matching.iter().map(|&i| files.files[i].clone()).collect();
        let groups = FileGroup::new(scanned_files).split_files(target);
        // The row count is the log's, and exact: the files are read whole (no deletion
        // vectors).
        let mut statistics = Statistics::new_unknown(&Schema::new(scan_fields.clone()));
        if let Some(rows) = matching
            .iter()
            .map(|&i| files.rows[i])
            .sum::<Option<usize>>()
        {
            statistics.num_rows = Precision::Exact(rows);
        }
        let config = FileScanConfigBuilder::new(self.url.object_store(), source)
            .with_file_groups(groups)
            .with_statistics(statistics)
            .with_projection_indices(Some(scanned))?
            .with_limit(if filter.is_none() { limit } else { None })
            .build();
        let mut plan = format.create_physical_plan(state, config).await?;
        let Some(filter) = filter else {
            return Ok(plan);
        };
        let read_schema = DFSchema::try_from(self.schema.project(&read)?)?;
        let predicate = state.create_physical_expr(filter, &read_schema)?;
        plan = Arc::new(FilterExec::try_new(predicate, plan)?);
        if read.len() > requested.len() {
            let shown = (0..requested.len())
                .map(|i| {
                    let field = read_schema.field(i);
                    let column: Arc<dyn PhysicalExpr> =
                        Arc::new(PhysicalColumn::new(field.name(), i));
                    (column, field.name().clone())
                })
                .collect::<Vec<_>>();
            plan = Arc::new(ProjectionExec::try_new(shown, plan)?);
        }
        if let Some(limit) = limit {
            plan = Arc::new(GlobalLimitExec::new(
                Arc::new(CoalescePartitionsExec::new(plan)),
                0,
                Some(limit),
            ));
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::unread_reader_feature;

    #[test]
    fn only_features_read_as_files_pass() {
        let protocol = |version: serde_json::Value, features: Option<serde_json::Value>| {
            let mut p = json!({"minReaderVersion": version, "minWriterVersion": 7});
            if let Some(features) = features {
                p["readerFeatures"] = features;
            }
            unread_reader_feature(&p)
        };
        assert_eq!(protocol(json!(1), None), None);
        assert_eq!(protocol(json!(2), None), None);
        let read = json!([
            "timestampNtz",
            "deletionVectors",
            "columnMapping",
            "v2Checkpoint"
        ]);
        assert_eq!(protocol(json!(3), Some(read)), None);
        assert_eq!(protocol(json!(3), Some(json!([]))), None);
        assert_eq!(
            protocol(json!(3), Some(json!(["timestampNtz", "variantType"]))),
            Some("variantType".into())
        );
        assert_eq!(protocol(json!(3), None), Some("(unlisted)".into()));
        assert_eq!(protocol(json!(3), Some(json!([7]))), Some("7".into()));
        assert_eq!(protocol(json!(4), None), Some("of reader version 4".into()));
        assert_eq!(
            unread_reader_feature(&json!({})),
            Some("of reader version null".into())
        );
    }
}
