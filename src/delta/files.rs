//! One version of a Delta table as a plain list of Parquet files.
//!
//! deltalake plans its scans with an operator of its own (`DeltaScanExec`), which replays the
//! version's log at every scan to list its files (a few milliseconds a statement on a table of
//! a few dozen commits: half the planning of a small report) and which no codec can ship to a
//! cluster's executor. The version a statement reads is fixed when the statement is planned,
//! so jaanch lists that version's files once, from its commits replayed (see
//! [`crate::delta::log::replay`]) or else from the log deltalake loaded, and scans them with
//! DataFusion's own Parquet scan, which every executor runs too: the partition values and
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
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfigBuilder, wrap_partition_type_in_dict,
};
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
use object_store::path::Path;
use tokio::sync::OnceCell;

use crate::access::unqualified;
use crate::delta::log::Replayed;

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
        Ok(Self::listed(name, url, version, schema, files))
    }

    /// Version `version` of the table `name` at `url`, its files listed now from its replayed
    /// commits, with the columns deltalake's scan gives it: refused as [`DeltaFiles::of_table`]
    /// is, and where the log holds what only deltalake reads.
    pub(crate) fn of_log(
        name: String,
        url: ListingTableUrl,
        version: u64,
        replayed: &Replayed,
        state: &dyn Session,
    ) -> Result<Self> {
        let view_types = state
            .config_options()
            .execution
            .parquet
            .schema_force_view_types;
        let schema = provider_schema(&replayed.metadata, view_types)
            .ok_or_else(|| plan_datafusion_err!("table {name}: no schema its log describes"))?;
        let files = Files::replayed(&name, &url, version, &schema, replayed)?;
        Ok(Self::listed(name, url, version, schema, files))
    }

    fn listed(
        name: String,
        url: ListingTableUrl,
        version: u64,
        schema: SchemaRef,
        files: Files,
    ) -> Self {
        DeltaFiles {
            files: OnceCell::new_with(Some(files)),
            filtered_above: true,
            ..DeltaFiles::new(name, url, version, schema)
        }
    }

    async fn load(&self, state: &dyn Session) -> Result<Files> {
        let (name, url, version) = (&self.name, &self.url, self.version);
        let store = state.runtime_env().object_store(url)?;
        let commits = crate::delta::log::commits(store.as_ref(), url.prefix()).await?;
        if let Ok(Some(replayed)) =
            crate::delta::log::replay(store.as_ref(), &commits, version).await
        {
            return Files::replayed(name, url, version, &self.schema, &replayed);
        }
        let table_url = url::Url::parse(url.as_str())
            .map_err(|e| plan_datafusion_err!("table {name}: bad location {url}: {e}"))?;
        let table = crate::delta::load_version(table_url, store, version)
            .await
            .map_err(|e| delta_error(name, version, e))?;
        Files::list(name, url, version, &self.schema, &table)
    }
}

/// A data file as a version's log lists it.
struct Listed {
    /// Relative to the table.
    path: Path,
    partition_values: HashMap<String, Option<String>>,
    size: u64,
    rows: Option<usize>,
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
        let refuse = |what: &str| refusal(name, version, what);
        let protocol = serde_json::to_value(snapshot.protocol()).unwrap_or_default();
        let mapping = snapshot.table_config().column_mapping_mode;
        // The mode's type is the kernel's, which deltalake does not name: compared with "none".
        if mapping.is_some() && mapping != "none".parse().ok() {
            return Err(refuse("column mapping"));
        }
        let mut listed = Vec::new();
        for view in snapshot.log_data().iter() {
            if view.deletion_vector_descriptor().is_some() {
                return Err(refuse("deletion vectors"));
            }
            listed.push(Listed {
                path: view.object_store_path(),
                partition_values: view.partition_values_map(),
                size: u64::try_from(view.size()).unwrap_or(0),
                rows: view.num_records(),
            });
        }
        let partition_columns = snapshot.metadata().partition_columns().to_vec();
        Files::new(
            name,
            url,
            version,
            schema,
            &protocol,
            partition_columns,
            listed,
        )
    }

    /// The files of a version replayed from its commits, as [`Files::list`] lists them.
    fn replayed(
        name: &str,
        url: &ListingTableUrl,
        version: u64,
        schema: &Schema,
        replayed: &Replayed,
    ) -> Result<Files> {
        let refuse = |what: &str| refusal(name, version, what);
        let metadata = &replayed.metadata;
        let provider = &metadata["format"]["provider"];
        if !(provider.is_null() || provider == "parquet") {
            return Err(refuse(&format!("data files in the format {provider}")));
        }
        let mapping = &metadata["configuration"]["delta.columnMapping.mode"];
        if !(mapping.is_null() || mapping == "none") {
            return Err(refuse("column mapping"));
        }
        let partition_columns = (metadata["partitionColumns"].as_array())
            .and_then(|columns| {
                columns
                    .iter()
                    .map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .ok_or_else(|| refuse("partition columns that are not a list of names"))?;
        let listed = (replayed.files.iter())
            .map(|file| {
                // Paths are relative and percent-encoded; an absolute one (a scheme or a
                // leading `/`: a shallow clone's) is deltalake's to resolve, and one with a
                // `..` is refused by the parse.
                let path = Path::from_url_path(&file.path)
                    .ok()
                    .filter(|_| !file.path.contains(':') && !file.path.starts_with('/'))
                    .ok_or_else(|| refuse(&format!("the file path {}", file.path)))?;
                Ok(Listed {
                    path,
                    partition_values: file.partition_values.clone(),
                    size: file.size,
                    rows: file.rows,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let protocol = &replayed.protocol;
        Files::new(
            name,
            url,
            version,
            schema,
            protocol,
            partition_columns,
            listed,
        )
    }

    fn new(
        name: &str,
        url: &ListingTableUrl,
        version: u64,
        schema: &Schema,
        protocol: &serde_json::Value,
        partition_columns: Vec<String>,
        listed: Vec<Listed>,
    ) -> Result<Files> {
        if let Some(feature) = unread_reader_feature(protocol) {
            return Err(refusal(
                name,
                version,
                &format!("the reader feature {feature}"),
            ));
        }
        let partition_types: Vec<(String, DataType)> = partition_columns
            .iter()
            .map(|c| {
                let field = schema.field_with_name(c).map_err(|_| {
                    plan_datafusion_err!("table {name}: partition column {c} is not in its schema")
                })?;
                Ok((c.clone(), field.data_type().clone()))
            })
            .collect::<Result<_>>()?;
        let mut files = Vec::with_capacity(listed.len());
        let mut rows = Vec::with_capacity(listed.len());
        for file in listed {
            let partition_values = partition_types
                .iter()
                .map(|(column, data_type)| {
                    let value = file.partition_values.get(column).cloned().flatten();
                    partition_value(value, data_type)
                })
                .collect::<Result<Vec<_>>>()?;
            let path = Path::from_iter(url.prefix().parts().chain(file.path.parts()));
            rows.push(file.rows);
            files.push(
                PartitionedFile::new(path.to_string(), file.size)
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
/// An empty text is NULL, as the Delta kernel reads it (writers record a NULL partition
/// value either way).
fn partition_value(text: Option<String>, data_type: &DataType) -> Result<ScalarValue> {
    match (text.filter(|t| !t.is_empty()), data_type) {
        (None, _) => ScalarValue::try_from(data_type),
        (Some(text), DataType::Dictionary(key, value)) => Ok(ScalarValue::Dictionary(
            key.clone(),
            Box::new(partition_value(Some(text), value)?),
        )),
        (Some(text), _) => ScalarValue::try_from_string(text, data_type),
    }
}

/// Why version `version` of table `name` is not read as plain files (`what` it uses).
fn refusal(name: &str, version: u64, what: &str) -> DataFusionError {
    plan_datafusion_err!(
        "table {name} version {version} uses {what}: a cluster reads only Delta tables whose files are read as they are; run this statement here (--cluster local)"
    )
}

/// The columns deltalake's scan gives a table whose `metaData` action is `metadata`: the
/// schema's types as Arrow's, text and binary partition columns dictionary-encoded, and other
/// text and binary columns as views where the session reads Parquet so.
fn provider_schema(metadata: &serde_json::Value, view_types: bool) -> Option<SchemaRef> {
    use deltalake::kernel::StructType;
    use deltalake::kernel::engine::arrow_conversion::TryIntoArrow;
    let schema: StructType = serde_json::from_str(metadata["schemaString"].as_str()?).ok()?;
    let schema: Schema = (&schema).try_into_arrow().ok()?;
    let partitions = metadata["partitionColumns"].as_array()?;
    let fields = schema.fields().iter().map(|field| {
        let partition = partitions.iter().any(|p| p == field.name().as_str());
        provider_field(field, partition, view_types)
    });
    Some(Arc::new(Schema::new(fields.collect::<Vec<_>>())))
}

fn provider_field(field: &FieldRef, partition: bool, view_types: bool) -> FieldRef {
    let with_type = |data_type| Arc::new(field.as_ref().clone().with_data_type(data_type));
    let nested = |inner: &FieldRef| provider_field(inner, false, view_types);
    match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary
            if partition =>
        {
            with_type(wrap_partition_type_in_dict(field.data_type().clone()))
        }
        _ if partition || !view_types => Arc::clone(field),
        DataType::Utf8 | DataType::LargeUtf8 => with_type(DataType::Utf8View),
        DataType::Binary | DataType::LargeBinary => with_type(DataType::BinaryView),
        DataType::Struct(fields) => {
            with_type(DataType::Struct(fields.iter().map(nested).collect()))
        }
        DataType::List(inner) => with_type(DataType::List(nested(inner))),
        DataType::LargeList(inner) => with_type(DataType::LargeList(nested(inner))),
        DataType::ListView(inner) => with_type(DataType::ListView(nested(inner))),
        _ => Arc::clone(field),
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
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, BinaryArray, BooleanArray, Date32Array, Int32Array, Int64Array, ListArray,
        RecordBatch, StringArray, StructArray, TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Field, Int32Type, Schema};
    use datafusion::catalog::TableProvider;
    use datafusion::datasource::listing::ListingTableUrl;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::execution::session_state::SessionState;
    use datafusion::prelude::SessionConfig;
    use serde_json::json;

    use super::{DeltaFiles, Files, unread_reader_feature};
    use crate::delta::log::{self, Replayed};

    /// A table of many column types, partitioned by a text and a number (one file with a
    /// null partition value), written by deltalake: two appends and a delete.
    async fn written_by_deltalake(dir: &std::path::Path) -> url::Url {
        let url = url::Url::from_directory_path(dir).unwrap();
        let batch = |ids: Vec<i64>, district: Option<&str>, year: i32| {
            let n = ids.len();
            let place = StructArray::from(vec![
                (
                    Arc::new(Field::new("station", DataType::Utf8, true)),
                    Arc::new(StringArray::from(vec!["Kotwali"; n])) as ArrayRef,
                ),
                (
                    Arc::new(Field::new("beat", DataType::Int32, true)),
                    Arc::new(Int32Array::from(vec![7; n])) as ArrayRef,
                ),
            ]);
            let sections = ListArray::from_iter_primitive::<Int32Type, _, _>(
                (0..n).map(|i| Some(vec![Some(i as i32), None])),
            );
            let batch = RecordBatch::try_from_iter(vec![
                (
                    "fir_id",
                    Arc::new(Int64Array::from(ids.clone())) as ArrayRef,
                ),
                ("district", Arc::new(StringArray::from(vec![district; n]))),
                ("year", Arc::new(Int32Array::from(vec![year; n]))),
                ("name", Arc::new(StringArray::from(vec!["Ram"; n]))),
                ("photo", Arc::new(BinaryArray::from(vec![&b"jpg"[..]; n]))),
                ("closed", Arc::new(BooleanArray::from(vec![true; n]))),
                ("on", Arc::new(Date32Array::from(vec![19_000; n]))),
                (
                    "at",
                    Arc::new(
                        TimestampMicrosecondArray::from(vec![1_700_000_000_000_000; n])
                            .with_timezone("UTC"),
                    ),
                ),
                ("place", Arc::new(place)),
                ("sections", Arc::new(sections)),
            ])
            .unwrap();
            // Every column may hold nulls (a later file has no district).
            let fields: Vec<Field> = (batch.schema().fields().iter())
                .map(|f| f.as_ref().clone().with_nullable(true))
                .collect();
            RecordBatch::try_new(Arc::new(Schema::new(fields)), batch.columns().to_vec()).unwrap()
        };
        let table = deltalake::DeltaTable::try_from_url(url.clone())
            .await
            .unwrap();
        let table = table
            .write(vec![batch(vec![1, 2, 3], Some("Kota"), 2024)])
            .with_partition_columns(["district", "year"])
            .await
            .unwrap();
        let table = table
            .write(vec![
                batch(vec![4, 5], None, 2025),
                batch(vec![6], Some("Ajmer"), 2025),
            ])
            .await
            .unwrap();
        table.delete().with_predicate("fir_id = 2").await.unwrap();
        url
    }

    fn session(view_types: bool) -> SessionState {
        let config = SessionConfig::new().set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            view_types,
        );
        SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .build()
    }

    /// Each file's path, size, partition values and rows.
    fn listing(files: &Files) -> Vec<String> {
        let mut listing: Vec<String> = (files.files.iter().zip(&files.rows))
            .map(|(file, rows)| {
                let meta = &file.object_meta;
                format!(
                    "{} {} {:?} {rows:?}",
                    meta.location, meta.size, file.partition_values
                )
            })
            .collect();
        listing.sort();
        listing
    }

    #[tokio::test]
    async fn a_replayed_version_is_what_deltalake_loads() {
        let dir = tempfile::tempdir().unwrap();
        let url = written_by_deltalake(dir.path()).await;
        let location = ListingTableUrl::parse(url.as_str()).unwrap();
        for view_types in [true, false] {
            let state = session(view_types);
            let store = state.runtime_env().object_store(&location).unwrap();
            let commits = log::commits(store.as_ref(), location.prefix())
                .await
                .unwrap();
            assert_eq!(commits.len(), 3);
            for version in 0..3 {
                let replayed = (log::replay(store.as_ref(), &commits, version as u64).await)
                    .unwrap()
                    .unwrap();
                let name = || "other.firs".to_string();
                let from_log =
                    DeltaFiles::of_log(name(), location.clone(), version as u64, &replayed, &state)
                        .unwrap();
                let table =
                    crate::delta::load_version(url.clone(), Arc::clone(&store), version as u64)
                        .await
                        .unwrap();
                let scan = table
                    .table_provider()
                    .with_session(Arc::new(state.clone()))
                    .await
                    .unwrap();
                assert_eq!(
                    from_log.schema(),
                    scan.schema(),
                    "version {version}, views {view_types}"
                );
                let from_table = DeltaFiles::of_table(
                    name(),
                    location.clone(),
                    version as u64,
                    scan.schema(),
                    &table,
                )
                .unwrap();
                let (log_files, table_files) = (
                    from_log.files.get().unwrap(),
                    from_table.files.get().unwrap(),
                );
                assert_eq!(
                    listing(log_files),
                    listing(table_files),
                    "version {version}"
                );
                assert_eq!(log_files.partition_columns, ["district", "year"]);
            }
        }
    }

    /// A version replayed from `lines` (one commit), as the table's files.
    fn replayed_files(lines: &[serde_json::Value]) -> datafusion::common::Result<DeltaFiles> {
        let commit = lines
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let actions = log::Actions::parse(&commit).unwrap();
        let replayed: Replayed = log::replayed_from(vec![actions], chrono::Utc::now()).unwrap();
        let location = ListingTableUrl::parse("file:///lake/t/").unwrap();
        DeltaFiles::of_log("t".into(), location, 0, &replayed, &session(true))
    }

    /// An empty partition value is NULL, as the Delta kernel reads it, whatever the type.
    #[test]
    fn an_empty_partition_value_is_null() {
        let dictionary = DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8));
        for data_type in [
            DataType::Utf8,
            DataType::Int32,
            DataType::Date32,
            dictionary,
        ] {
            let value = super::partition_value(Some(String::new()), &data_type).unwrap();
            assert!(value.is_null(), "{data_type}: {value:?}");
            assert_eq!(value.data_type(), data_type);
        }
        let kota = super::partition_value(Some("Kota".into()), &DataType::Utf8).unwrap();
        assert_eq!(kota, datafusion::common::ScalarValue::from("Kota"));
    }

    #[test]
    fn what_only_deltalake_reads_is_refused() {
        let schema = r#"{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]}"#;
        let metadata = |configuration: serde_json::Value| {
            json!({"metaData": {"id": "x", "format": {"provider": "parquet", "options": {}},
                "schemaString": schema, "partitionColumns": [], "configuration": configuration}})
        };
        let protocol = json!({"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}});
        let add = |extra: serde_json::Value| {
            let mut add = json!({"path": "a%20b.parquet", "partitionValues": {}, "size": 10,
                "modificationTime": 0, "dataChange": true, "stats": "{\"numRecords\":3}"});
            add.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            json!({"add": add})
        };
        let plain =
            replayed_files(&[protocol.clone(), metadata(json!({})), add(json!({}))]).unwrap();
        let files = plain.files.get().unwrap();
        assert_eq!(
            files.files[0].object_meta.location.as_ref(),
            "lake/t/a b.parquet"
        );
        assert_eq!(files.rows, [Some(3)]);

        let refused = |lines: &[serde_json::Value]| replayed_files(lines).unwrap_err().to_string();
        // A deletion vector: the log is not replayed (deltalake loads the version).
        let dv = json!({"deletionVector": {"storageType": "u", "pathOrInlineDv": "x", "sizeInBytes": 1, "cardinality": 1}});
        let lines = [protocol.clone(), metadata(json!({})), add(dv)].map(|l| l.to_string());
        let actions = log::Actions::parse(&lines.join("\n")).unwrap();
        assert!(log::replayed_from(vec![actions], chrono::Utc::now()).is_none());
        let mapped = metadata(json!({"delta.columnMapping.mode": "name"}));
        assert!(refused(&[protocol.clone(), mapped, add(json!({}))]).contains("column mapping"));
        // Paths that would leave the table's folder are not read as files.
        for path in [
            "s3://other/a.parquet",
            "/etc/a.parquet",
            "../other/a.parquet",
            "x/%2E%2E/a",
        ] {
            let outside = json!({ "path": path });
            let refusal = refused(&[protocol.clone(), metadata(json!({})), add(outside)]);
            assert!(refusal.contains("file path"), "{path}: {refusal}");
        }
        let variant = json!({"protocol": {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["variantType"]}});
        assert!(refused(&[variant, metadata(json!({})), add(json!({}))]).contains("variantType"));
        let orc = json!({"metaData": {"format": {"provider": "orc"}, "schemaString": schema, "partitionColumns": []}});
        assert!(refused(&[protocol.clone(), orc, add(json!({}))]).contains("format \"orc\""));
        let no_schema = json!({"metaData": {"partitionColumns": []}});
        assert!(refused(&[protocol.clone(), no_schema, add(json!({}))]).contains("no schema"));
        // Without a protocol or metadata action, the log is not replayed at all.
        let actions = log::Actions::parse(&add(json!({})).to_string()).unwrap();
        assert!(log::replayed_from(vec![actions], chrono::Utc::now()).is_none());
    }

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
