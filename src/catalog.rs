//! Lake schemas whose tables are listed and inferred lazily, on first use, and then cached.
//!
//! Opening a lake with hundreds of tables over S3 must be instant, and one table with missing or
//! unreadable files must not stop the others from working. So a [`LakeSchema`] knows its tables
//! from the config alone; the `ListingTable` behind a name is built when a query first names it,
//! and a failure is reported to that query only (and retried by the next one).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock, Weak};

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::common::Column;
use datafusion::common::{DataFusionError, Result, plan_datafusion_err};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::cache::cache_manager::TableScopedPath;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{Expr, SortExpr, TableType};
use futures::TryStreamExt;
use object_store::ObjectMeta;
use tokio::sync::OnceCell;

use crate::access::Grant;
use crate::config::{Format, PartitionType, TableConfig};
use crate::delta::{DeltaSource, Pin, split_pinned};
use crate::error::{Error, Refusal, TableChange, TableError, TableProblem};
use crate::provenance::{TableRead, Traced};

/// A table of the lake config, with its provider built on first use.
pub struct LakeTable {
    pub config: TableConfig,
    /// Where the table's files are, resolved against the config file's folder.
    pub url: ListingTableUrl,
    provider: OnceCell<Arc<dyn TableProvider>>,
    /// A Delta table's log and loaded versions.
    delta: Option<DeltaSource>,
}

impl fmt::Debug for LakeTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LakeTable")
            .field("name", &self.config.name)
            .field("url", &self.url.as_str())
            .field("loaded", &self.provider.initialized())
            .finish()
    }
}

impl LakeTable {
    /// A table of the config; `config` is validated (a Delta pin in it reads).
    pub fn new(config: TableConfig, url: ListingTableUrl) -> Self {
        let delta = (config.format == Format::Delta).then(|| {
            let pin = config.delta_pin().ok().flatten();
            DeltaSource::new(config.name.clone(), url.clone(), pin)
        });
        Self {
            config,
            url,
            provider: OnceCell::new(),
            delta,
        }
    }

    /// The Delta log of a `format = "delta"` table.
    pub fn delta(&self) -> Option<&DeltaSource> {
        self.delta.as_ref()
    }

    /// The table's provider, listing its files and inferring its schema the first time; a
    /// Delta table at its latest version (or the one the config pins).
    pub async fn provider(&self, state: &SessionState) -> Result<Arc<dyn TableProvider>> {
        Ok(self.read(state, None).await?.0)
    }

    /// The table's provider as `pin` asks (Delta tables only), traced: scans note what they
    /// read in the statement's [`crate::provenance::ReadLog`].
    pub async fn read(
        &self,
        state: &SessionState,
        pin: Option<Pin>,
    ) -> Result<(Arc<dyn TableProvider>, TableRead)> {
        let mut read = TableRead {
            table: self.config.name.clone(),
            version: None,
            files: 0,
            files_in_table: None,
        };
        let provider = match &self.delta {
            Some(delta) => {
                let snapshot = delta
                    .snapshot(state, pin)
                    .await
                    .map_err(|problem| self.error(problem))?;
                read.version = Some((snapshot.version, snapshot.committed_at));
                read.files_in_table = Some(snapshot.files);
                Arc::clone(&snapshot.provider)
            }
            None => self
                .provider
                .get_or_try_init(|| self.load(state))
                .await?
                .clone(),
        };
        let traced = Arc::new(Traced::new(provider, read.clone(), self.url.clone()));
        Ok((traced, read))
    }

    fn error(&self, problem: TableProblem) -> DataFusionError {
        Error::Table(TableError {
            table: self.config.name.clone(),
            problem,
        })
        .into_datafusion()
    }

    async fn load(&self, state: &SessionState) -> Result<Arc<dyn TableProvider>> {
        let options = listing_options(&self.config, &self.url)?;
        let schema = match self.infer_schema(state, &options).await {
            Ok(schema) => schema,
            Err(problem) => {
                // Forget the failed listing, so that files added to fix the table are seen by
                // the next query rather than after the listing cache expires.
                if let Some(cache) = state.runtime_env().cache_manager.get_list_files_cache() {
                    cache.remove(&TableScopedPath {
                        table: self.url.get_table_ref().clone(),
                        path: self.url.prefix().clone(),
                    });
                }
                return Err(self.error(problem));
            }
        };
        self.check_sort_columns(&schema, &options)?;
        let config = ListingTableConfig::new(self.url.clone())
            .with_listing_options(options)
            .with_schema(schema);
        // Each file's statistics are worked out from its footer once and kept (until the file
        // changes), not again by every query that plans a scan of it.
        let statistics = state.runtime_env().cache_manager.get_file_statistic_cache();
        Ok(Arc::new(
            ListingTable::try_new(config)?.with_cache(statistics),
        ))
    }

    /// That the columns of the declared sort order (`sort_by`) are the table's: its files' or
    /// its partitions'.
    fn check_sort_columns(&self, schema: &SchemaRef, options: &ListingOptions) -> Result<()> {
        let known: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .chain(
                options
                    .table_partition_cols
                    .iter()
                    .map(|(name, _)| name.clone()),
            )
            .collect();
        let sorted_by = options.file_sort_order.iter().flatten();
        for column in sorted_by.filter_map(|sort| sort.expr.try_as_col()) {
            if !known.contains(&column.name) {
                return Err(self.error(TableProblem::NoSortColumn {
                    column: column.name.clone(),
                    suggestion: crate::names::closest(&column.name, &known).map(str::to_string),
                }));
            }
        }
        Ok(())
    }

    /// The schema of the table's files, as [`ListingOptions::infer_schema`] finds it, with a
    /// location that holds no file of the table's format told apart from one that cannot be
    /// read.
    async fn infer_schema(
        &self,
        state: &SessionState,
        options: &ListingOptions,
    ) -> std::result::Result<SchemaRef, TableProblem> {
        let location = crate::error::display_url(&self.url);
        let unreadable = |cause: DataFusionError| TableProblem::Unreadable {
            location: location.clone(),
            cause: Box::new(cause),
        };
        let store = state
            .runtime_env()
            .object_store(&self.url)
            .map_err(unreadable)?;
        let files: Vec<ObjectMeta> = self
            .url
            .list_all_files(state, store.as_ref(), &options.file_extension)
            .await
            .map_err(unreadable)?
            .try_collect()
            .await
            .map_err(unreadable)?;
        if files.is_empty() {
            return Err(TableProblem::NoFiles {
                extension: self.config.file_extension().to_string(),
                location,
            });
        }
        // Empty files have no schema to contribute, and some formats fail on them.
        let files: Vec<ObjectMeta> = files.into_iter().filter(|f| f.size > 0).collect();
        let cause = match options.format.infer_schema(state, &store, &files).await {
            Ok(schema) => return Ok(schema),
            Err(cause) => cause,
        };
        // Name the file that cannot be read (a truncated or corrupt one), not only its folder:
        // read them one by one, which costs nothing until something is wrong.
        for file in &files {
            let one = std::slice::from_ref(file);
            if let Err(cause) = options.format.infer_schema(state, &store, one).await {
                return Err(TableProblem::Unreadable {
                    location: crate::error::display_object(
                        &self.url.object_store(),
                        &file.location,
                    ),
                    cause: Box::new(cause),
                });
            }
        }
        Err(unreadable(cause))
    }
}

/// How many bytes at the end of a local Parquet file are read at once for its metadata.
/// DataFusion reads 512 KiB, which spares a second request to an object store but copies a
/// small file whole from disk: opening `abhay.anpr_reads` of the scale-1 demo lake (730 daily
/// files of 130 kB, every footer read to merge their schemas) took 64-76 ms with it, 46-53 ms
/// with 64 KiB and 36-47 ms with 16 KiB (release build, 2026-12-06). 16 KiB holds the
/// metadata of every file of the demo lake (1.3 kB the median, 8.6 kB the largest); a larger
/// one (TPC-H's `lineitem`, 109 kB) takes a second read.
pub const LOCAL_METADATA_SIZE_HINT: usize = 16 * 1024;

/// How DataFusion should read a table's files, which are at `url`.
pub fn listing_options(table: &TableConfig, url: &ListingTableUrl) -> Result<ListingOptions> {
    let bad = |e: crate::config::ConfigError| DataFusionError::Configuration(e.to_string());
    let format: Arc<dyn FileFormat> = match table.format {
        // A Delta table's Parquet files as a folder of Parquet (its log is not read).
        Format::Parquet | Format::Delta => {
            let parquet = ParquetFormat::default();
            Arc::new(if url.scheme() == "file" {
                parquet.with_metadata_size_hint(Some(LOCAL_METADATA_SIZE_HINT))
            } else {
                parquet
            })
        }
        Format::Ndjson => Arc::new(JsonFormat::default()),
        Format::Csv => {
            let mut csv = CsvFormat::default().with_has_header(table.header.unwrap_or(true));
            if let Some(b) = table.csv_byte("delimiter", &table.delimiter).map_err(bad)? {
                csv = csv.with_delimiter(b);
            }
            if let Some(b) = table.csv_byte("quote", &table.quote).map_err(bad)? {
                csv = csv.with_quote(b);
            }
            if let Some(b) = table.csv_byte("escape", &table.escape).map_err(bad)? {
                csv = csv.with_escape(Some(b));
            }
            if let Some(b) = table.csv_byte("comment", &table.comment).map_err(bad)? {
                csv = csv.with_comment(Some(b));
            }
            Arc::new(csv)
        }
    };
    let partitions = table
        .partition_columns()
        .map_err(bad)?
        .into_iter()
        .map(|p| {
            let data_type = match p.data_type {
                PartitionType::Text => DataType::Utf8,
                PartitionType::Int => DataType::Int32,
                PartitionType::BigInt => DataType::Int64,
                PartitionType::Date => DataType::Date32,
            };
            (p.name, data_type)
        })
        .collect();
    let sort_order: Vec<SortExpr> = table
        .sort_columns()
        .map_err(bad)?
        .into_iter()
        .map(|c| Expr::Column(Column::new_unqualified(c.name)).sort(!c.descending, c.nulls_first))
        .collect();
    let sort_orders = if sort_order.is_empty() {
        Vec::new()
    } else {
        vec![sort_order]
    };
    Ok(ListingOptions::new(format)
        .with_file_extension(table.file_extension())
        .with_table_partition_cols(partitions)
        .with_file_sort_order(sort_orders))
}

/// One schema of the lake (`cctns`, `abhay`, ...): the config's tables, loaded lazily, plus any
/// tables registered at run time (a notebook's watch-list, `CREATE TABLE` when writable).
pub struct LakeSchema {
    tables: BTreeMap<String, Arc<LakeTable>>,
    registered: RwLock<HashMap<String, Arc<dyn TableProvider>>>,
    state: Weak<parking_lot::RwLock<SessionState>>,
    /// What the session's user may see, on a governed lake.
    grant: Option<Arc<Grant>>,
    /// The moment the session reads Delta tables as of (`--as-of`, `\asof`).
    as_of: Arc<parking_lot::RwLock<Option<Pin>>>,
}

impl fmt::Debug for LakeSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LakeSchema")
            .field("tables", &self.tables.keys())
            .finish()
    }
}

impl LakeSchema {
    /// `state` is the owning session's, used to list and infer tables on first use. With a
    /// `grant`, tables with row filters or masks are read through them.
    pub fn new(
        tables: impl IntoIterator<Item = (String, Arc<LakeTable>)>,
        state: Weak<parking_lot::RwLock<SessionState>>,
        grant: Option<Arc<Grant>>,
        as_of: Arc<parking_lot::RwLock<Option<Pin>>>,
    ) -> Self {
        Self {
            tables: tables.into_iter().collect(),
            registered: RwLock::default(),
            state,
            grant,
            as_of,
        }
    }

    /// The lake table a name refers to, and the version it pins: `fir@v3` (as `as_of(...)` in
    /// SQL writes it) is version 3 of `fir`, which only a Delta table has.
    fn pinned(&self, name: &str) -> Result<Option<(&Arc<LakeTable>, Option<Pin>)>> {
        let Some((base, pin)) = split_pinned(name) else {
            let session_pin = *self.as_of.read();
            return Ok(self.tables.get(name).map(|table| {
                // The session's moment applies to the tables that have versions.
                let pin = session_pin.filter(|_| table.delta().is_some());
                (table, pin)
            }));
        };
        let Some(table) = self.tables.get(base) else {
            return Ok(None);
        };
        let pin =
            pin.map_err(|problem| plan_datafusion_err!("table {}: {problem}", table.config.name))?;
        if table.delta().is_none() {
            return Err(self::not_versioned(table));
        }
        Ok(Some((table, Some(pin))))
    }
}

/// The refusal to read a table without versions as of a version or moment.
fn not_versioned(table: &LakeTable) -> DataFusionError {
    table.error(TableProblem::NoVersion(format!(
        "a {} table has no versions; only Delta tables (format = \"delta\") can be read as of a version or a moment",
        table.config.format
    )))
}

#[async_trait]
impl SchemaProvider for LakeSchema {
    fn table_names(&self) -> Vec<String> {
        let registered = self.registered.read().unwrap();
        let mut names: Vec<String> = self
            .tables
            .keys()
            .chain(registered.keys())
            .cloned()
            .collect();
        names.sort();
        names
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if let Some(table) = self.registered.read().unwrap().get(name) {
            return Ok(Some(Arc::clone(table)));
        }
        let Some((table, pin)) = self.pinned(name)? else {
            return Ok(None);
        };
        let state = self
            .state
            .upgrade()
            .ok_or_else(|| plan_datafusion_err!("the lake's session has been closed"))?
            .read()
            .clone();
        let (raw, _) = table.read(&state, pin).await?;
        let Some(grant) = &self.grant else {
            return Ok(Some(raw));
        };
        // Compiled for every statement that names the table, so that a statement always runs
        // under the policy as it is now.
        let governed = grant
            .govern(&table.config.name, raw, &state)
            .map_err(Error::into_datafusion)?;
        Ok(Some(governed))
    }

    /// Lake tables are base tables; answering this must not list their files.
    async fn table_type(&self, name: &str) -> Result<Option<TableType>> {
        let base = split_pinned(name).map_or(name, |(base, _)| base);
        if self.tables.contains_key(base) {
            return Ok(Some(TableType::Base));
        }
        let registered = self.registered.read().unwrap();
        Ok(registered.get(name).map(|t| t.table_type()))
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> Result<Option<Arc<dyn TableProvider>>> {
        if let Some(table) = self.tables.get(&name) {
            return Err(config_table(table, "CREATE TABLE", TableChange::Replace));
        }
        if name.contains('@') {
            return Err(plan_datafusion_err!(
                "table name {name:?}: `@` is kept for versions of Delta tables (fir@v3); choose another name"
            ));
        }
        Ok(self.registered.write().unwrap().insert(name, table))
    }

    fn deregister_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if let Some(table) = self.tables.get(name) {
            return Err(config_table(table, "DROP TABLE", TableChange::Drop));
        }
        Ok(self.registered.write().unwrap().remove(name))
    }

    fn table_exist(&self, name: &str) -> bool {
        let base = split_pinned(name).map_or(name, |(base, _)| base);
        self.tables.contains_key(base) || self.registered.read().unwrap().contains_key(name)
    }
}

/// The refusal to replace or drop a table of the lake config.
fn config_table(table: &LakeTable, statement: &str, change: TableChange) -> DataFusionError {
    Error::Refused {
        statement: statement.to_string(),
        reason: Refusal::ConfigTable {
            table: table.config.name.clone(),
            change,
        },
    }
    .into_datafusion()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::LakeConfig;

    /// The footer bytes a Parquet table's format reads at once.
    fn hint(options: &ListingOptions) -> Option<usize> {
        let format: &dyn std::any::Any = options.format.as_ref();
        let parquet = format.downcast_ref::<ParquetFormat>();
        parquet.expect("a Parquet table").metadata_size_hint()
    }

    #[test]
    fn local_parquet_footers_are_read_in_small_pieces() {
        let text =
            "[[table]]\nname = \"abhay.anpr_reads\"\nlocation = \"anpr/\"\nformat = \"parquet\"\n";
        let config = LakeConfig::parse(text, Path::new("/lake"), |_| None).unwrap();
        let table = &config.tables[0];
        let url = crate::storage::table_url(&config, table).unwrap();
        assert_eq!(url.scheme(), "file");
        let local = listing_options(table, &url).unwrap();
        assert_eq!(hint(&local), Some(LOCAL_METADATA_SIZE_HINT));
        // An object store keeps DataFusion's larger read, one request for footer and metadata.
        let s3 = ListingTableUrl::parse("s3://police-lake/anpr/").unwrap();
        let remote = listing_options(table, &s3).unwrap();
        assert_eq!(hint(&remote), ParquetFormat::default().metadata_size_hint());
        assert!(hint(&remote) > hint(&local));
    }
}
