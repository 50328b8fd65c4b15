//! One version of a Delta table as a plain list of Parquet files, for the cluster.
//!
//! deltalake plans its scans with an operator of its own (`DeltaScanExec`) that no codec can
//! ship to an executor. The version a statement reads is fixed when the statement is planned,
//! so the scheduler reads that version's log itself and scans its files with DataFusion's own
//! Parquet scan, which every executor runs: the partition values come from the log, the file
//! and row-group skipping from the query's filters as for any Parquet table. Tables that need
//! more than reading their files (deletion vectors, column mapping) are refused with a clear
//! message: their version would be read wrongly otherwise.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, DataFusionError, Result, ScalarValue, plan_datafusion_err};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
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

/// One version of a Delta table, its files read from the log on first scan.
#[derive(Debug)]
pub(crate) struct DeltaFiles {
    name: String,
    url: ListingTableUrl,
    version: u64,
    /// The table's columns, in the order the client planned with.
    schema: SchemaRef,
    files: OnceCell<Files>,
}

/// The data files of a version, and which columns are partition columns (their values are in
/// the log, not in the files).
#[derive(Debug)]
struct Files {
    partition_columns: Vec<String>,
    files: Vec<PartitionedFile>,
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
        }
    }

    async fn load(&self, state: &dyn Session) -> Result<Files> {
        let (name, url, version, schema) = (&self.name, &self.url, self.version, &self.schema);
        let store = state.runtime_env().object_store(url)?;
        let table_url = url::Url::parse(url.as_str())
            .map_err(|e| plan_datafusion_err!("table {name}: bad location {url}: {e}"))?;
        let table = crate::delta::load_version(table_url, store, version)
            .await
            .map_err(|e| delta_error(name, version, e))?;
        let snapshot = table
            .snapshot()
            .map_err(|e| delta_error(name, version, e))?;
        let refuse = |what: &str| {
            plan_datafusion_err!(
                "table {name} version {version} uses {what}: a cluster reads only Delta tables whose files are read as they are; run this statement here (--cluster local)"
            )
        };
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
            let location = url.prefix().clone();
            let path = object_store::path::Path::from_iter(
                location.parts().chain(view.object_store_path().parts()),
            );
            let size = u64::try_from(view.size()).unwrap_or(0);
            files.push(
                PartitionedFile::new(path.to_string(), size)
                    .with_partition_values(partition_values),
            );
        }
        Ok(Files {
            partition_columns,
            files,
        })
    }
}

impl Files {
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

    /// The filters the client's plan pushed into its scan are all applied here: the client's
    /// Delta provider may have taken some as exact (those on partition columns), so its plan
    /// filters them nowhere else.
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
        if files.files.is_empty() {
            let schema = self.schema.project(requested)?;
            return Ok(Arc::new(EmptyExec::new(Arc::new(schema))));
        }
        let filter = conjunction(
            filters
                .iter()
                .map(|f| unqualified(f.clone()))
                .collect::<Result<Vec<_>>>()?,
        );
        // The columns read: those asked for, then those only the filters read.
        let mut read = requested.clone();
        for column in filter.iter().flat_map(|f| f.column_refs()) {
            let i = self.schema.index_of(&column.name)?;
            if !read.contains(&i) {
                read.push(i);
            }
        }
        // The client's column numbers, as numbers of the scan's columns.
        let scan_order: Vec<&str> = file_schema
            .fields()
            .iter()
            .chain(partitions.iter())
            .map(|f| f.name().as_str())
            .collect();
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
        let format = ParquetFormat::default();
        let source = format.file_source(
            TableSchema::builder(file_schema)
                .with_table_partition_cols(partitions)
                .build(),
        );
        let target = state.config().target_partitions().max(1);
        let groups = FileGroup::new(files.files.clone()).split_files(target);
        let config = FileScanConfigBuilder::new(self.url.object_store(), source)
            .with_file_groups(groups)
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
