//! A [`Lake`]: a lake config made ready to serve sessions.
//!
//! A lake holds what every session shares: the config, the object stores, the memory pool and
//! spill directory, and the tables (each listed and inferred once, on first use, whichever
//! session uses it first). Statements run in a [`Session`], opened for an identity with
//! [`Lake::session`]: that is the one way into the engine, for every front end.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use datafusion::catalog::TableProvider;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::memory_pool::TrackConsumersPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};

use crate::audit::{AUDIT_SCHEMA, AuditLog};
use crate::catalog::LakeTable;
use crate::cluster::Cluster;
use crate::config::{ConfigError, LakeConfig};
use crate::error::Result;
use crate::memory::LimitPool;
use crate::reference::ReferenceTable;
use crate::session::{Identity, Session};
use crate::storage;

/// The catalog holding the lake's schemas.
pub const CATALOG: &str = "jaanch";
/// Where unqualified names of tables created at run time go.
pub const DEFAULT_SCHEMA: &str = "public";
/// The schema of reference tables built from the police functions' embedded data.
pub const REF_SCHEMA: &str = "ref";

/// How long a table's file listing is reused before the store is listed again. Long enough that
/// a burst of queries lists S3 once; short enough that new files (today's ANPR reads) appear.
const LISTING_CACHE_TTL: Duration = Duration::from_secs(60);

/// A lake: its config, stores, runtime and tables. Cloning is cheap; clones share everything.
#[derive(Clone)]
pub struct Lake {
    shared: Arc<Shared>,
}

/// What the sessions of a lake share.
pub(crate) struct Shared {
    pub(crate) config: LakeConfig,
    pub(crate) runtime: Arc<RuntimeEnv>,
    pub(crate) tables: Vec<Arc<LakeTable>>,
    /// `ref.*`: built from the police functions' embedded data when first read.
    pub(crate) reference: Vec<(String, Arc<dyn TableProvider>)>,
    /// The audit log of a governed lake that keeps one.
    pub(crate) audit: Option<Arc<AuditLog>>,
    /// The cluster sessions opened from now on run their statements on, if any.
    pub(crate) cluster: parking_lot::RwLock<Option<Cluster>>,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lake")
            .field("name", &self.name())
            .field("tables", &self.shared.tables)
            .finish()
    }
}

impl Lake {
    /// Opens the lake described by a `lake.toml`.
    pub fn open(path: impl AsRef<Path>) -> Result<Lake> {
        Lake::from_config(LakeConfig::load(path.as_ref())?)
    }

    /// Makes `config` ready. Nothing is listed or read here: tables are listed and their
    /// schemas inferred when a query first uses them.
    pub fn from_config(config: LakeConfig) -> Result<Lake> {
        config.validate()?;
        let audit = match config
            .access
            .as_ref()
            .and_then(|a| a.config().audit.as_ref())
        {
            Some(audit) => Some(Arc::new(AuditLog::open(audit, &config.base_dir)?)),
            None => None,
        };
        let runtime = runtime_env(&config)?;
        storage::register_stores(&config, &runtime)?;
        let mut tables = Vec::with_capacity(config.tables.len());
        for table in &config.tables {
            let url = storage::table_url(&config, table)?;
            let (schema, _) = table.schema_and_table();
            let reserved = schema.eq_ignore_ascii_case(REF_SCHEMA)
                || schema == "information_schema"
                || (audit.is_some() && schema.eq_ignore_ascii_case(AUDIT_SCHEMA));
            if reserved {
                return Err(ConfigError::new(format!(
                    "table {}: schema {schema:?} is reserved; choose another schema name",
                    table.name
                ))
                .into());
            }
            tables.push(Arc::new(LakeTable::new(table.clone(), url)));
        }
        let reference: Vec<(String, Arc<dyn TableProvider>)> = jaanch_udfs::reference_tables()
            .into_iter()
            .map(|(name, build)| {
                let table = ReferenceTable::new(build);
                (name.to_string(), Arc::new(table) as Arc<dyn TableProvider>)
            })
            .collect();
        if let Some(access) = &config.access {
            let mut names: Vec<String> = config
                .tables
                .iter()
                .map(|t| t.name.to_ascii_lowercase())
                .collect();
            names.extend(
                reference
                    .iter()
                    .map(|(name, _)| format!("{REF_SCHEMA}.{name}")),
            );
            if audit.is_some() {
                names.push(crate::audit::AUDIT_TABLE.to_string());
            }
            access.check_tables(&names)?;
        }
        let cluster = parking_lot::RwLock::new(config.cluster.scheduler()?);
        Ok(Lake {
            shared: Arc::new(Shared {
                config,
                runtime,
                tables,
                reference,
                audit,
                cluster,
            }),
        })
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Lake {
        Lake { shared }
    }

    /// Runs the statements of sessions opened from now on on `cluster` (`None`: in this
    /// process), whatever the config's `[cluster] scheduler` says.
    pub fn set_cluster(&self, cluster: Option<Cluster>) {
        *self.shared.cluster.write() = cluster;
    }

    /// The cluster new sessions run their statements on, if any.
    pub fn cluster(&self) -> Option<Cluster> {
        self.shared.cluster.read().clone()
    }

    /// The lake's object stores, memory pool and spill settings: what a cluster's scheduler
    /// and executors need to read its tables.
    pub fn runtime(&self) -> Arc<RuntimeEnv> {
        Arc::clone(&self.shared.runtime)
    }

    /// Opens a session for `identity`: every statement of every front end runs in one.
    pub fn session(&self, identity: Identity) -> Result<Session> {
        Session::open(
            Arc::clone(&self.shared),
            identity,
            Arc::clone(&self.shared.runtime),
        )
    }

    /// A session whose queries together may hold at most `memory` bytes of the lake's pool:
    /// beyond it they spill where they can, and fail where they cannot. The server opens one
    /// per query, so that one query cannot take every other user's memory.
    pub fn session_with_memory(&self, identity: Identity, memory: usize) -> Result<Session> {
        let shared = &self.shared.runtime;
        let runtime = RuntimeEnv {
            memory_pool: Arc::new(LimitPool::session(Arc::clone(&shared.memory_pool), memory)),
            disk_manager: Arc::clone(&shared.disk_manager),
            cache_manager: Arc::clone(&shared.cache_manager),
            object_store_registry: Arc::clone(&shared.object_store_registry),
        };
        Session::open(Arc::clone(&self.shared), identity, Arc::new(runtime))
    }

    /// The bytes the lake's queries hold now in its memory pool, all sessions together.
    pub fn memory_reserved(&self) -> usize {
        self.shared.runtime.memory_pool.reserved()
    }

    /// Records on the audit log (if the lake keeps one) a session refused before it opened,
    /// such as a failed login to the server; an error if the record cannot be written.
    pub fn record_refused_session(&self, identity: &Identity, reason: &str) -> Result<()> {
        crate::session::record_refused_session(&self.shared, identity, reason)
    }

    pub fn name(&self) -> &str {
        self.shared.config.display_name()
    }

    pub fn config(&self) -> &LakeConfig {
        &self.shared.config
    }

    /// The lake's tables as configured (without `ref` tables or tables registered later).
    pub fn tables(&self) -> impl Iterator<Item = &LakeTable> {
        self.shared.tables.iter().map(|t| t.as_ref())
    }

    /// The lake's report folder: `reports` in its config (relative to the config file), else
    /// a `sql/` folder beside the config if there is one.
    pub fn reports_dir(&self) -> Option<PathBuf> {
        self.shared.reports_dir()
    }
}

impl Shared {
    pub(crate) fn reports_dir(&self) -> Option<PathBuf> {
        match &self.config.reports {
            Some(dir) => Some(self.config.resolve_path(dir)),
            None => {
                let default = self.config.base_dir.join("sql");
                default.is_dir().then_some(default)
            }
        }
    }
}

/// Memory, spilling and caching, from the config's `[runtime]`.
fn runtime_env(config: &LakeConfig) -> Result<Arc<RuntimeEnv>> {
    let cache = CacheManagerConfig::default().with_list_files_cache_ttl(Some(LISTING_CACHE_TTL));
    let mut builder = RuntimeEnvBuilder::new().with_cache_manager(cache);
    if let Some(limit) = config.memory_limit()? {
        // Fair spilling shares the limit among a query's sorts, joins and aggregations so one
        // cannot starve the others (see `LimitPool`); the tracking wrapper names the largest
        // consumers when the limit is hit anyway.
        builder = builder.with_memory_pool(Arc::new(TrackConsumersPool::new(
            LimitPool::lake(limit),
            NonZeroUsize::new(5).expect("5 is not zero"),
        )));
    }
    if let Some(dir) = &config.runtime.spill_dir {
        let path = config.resolve_path(dir);
        std::fs::create_dir_all(&path).map_err(|e| {
            ConfigError::new(format!(
                "runtime.spill_dir: cannot create {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            ))
        })?;
        builder = builder.with_temp_file_path(path);
    }
    Ok(builder.build_arc()?)
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;

    use super::*;

    /// A lake of one table, `cctns.fir`, of two Parquet files with `id` 0-99 and 100-249.
    fn lake_of_ids(dir: &std::path::Path) -> Lake {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        std::fs::create_dir(dir.join("fir")).unwrap();
        for (file, ids) in [("a.parquet", 0..100), ("b.parquet", 100..250)] {
            let out = std::fs::File::create(dir.join("fir").join(file)).unwrap();
            let mut writer = ArrowWriter::try_new(out, Arc::clone(&schema), None).unwrap();
            let ids = Arc::new(Int64Array::from_iter_values(ids));
            let batch = RecordBatch::try_new(Arc::clone(&schema), vec![ids]).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        }
        let config = dir.join("lake.toml");
        let table = "[[table]]\nname = \"cctns.fir\"\nlocation = \"fir/\"\nformat = \"parquet\"\n";
        std::fs::write(&config, table).unwrap();
        Lake::open(&config).unwrap()
    }

    async fn shown(session: &Session, sql: &str) -> String {
        let batches = session.sql(sql).await.unwrap().collect().await.unwrap();
        arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string()
    }

    /// A scan's planning works out each file's statistics from its footer once: the lake keeps
    /// them, and the next query's planning reads them there. Statistics kept may answer a query
    /// (`count(*)`, `max`): they must be the files'.
    #[tokio::test]
    async fn file_statistics_are_worked_out_once_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let lake = lake_of_ids(dir.path());
        let kept = lake.shared.runtime.cache_manager.get_file_statistic_cache();
        let kept = kept.expect("the lake keeps file statistics");
        assert_eq!(kept.len(), 0);
        let session = lake.session(Identity::local()).unwrap();
        for _ in 0..2 {
            let shown = shown(&session, "SELECT count(*), max(id) FROM cctns.fir").await;
            assert!(
                shown.contains("| 250      | 249               |"),
                "{shown}"
            );
            assert_eq!(kept.len(), 2);
        }
    }

    /// A session's percentiles of one column keep one copy of its values (`SharedPercentiles`),
    /// and answer as DataFusion's do.
    #[tokio::test]
    async fn percentiles_of_one_column_share_its_values() {
        let dir = tempfile::tempdir().unwrap();
        let session = lake_of_ids(dir.path()).session(Identity::local()).unwrap();
        let sql = "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY id) AS p50, \
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY id) AS p90 FROM cctns.fir";
        let answer = shown(&session, sql).await;
        // 224.1 by DataFusion's interpolation, whose weight (0.1) is rounded down to millionths.
        assert!(answer.contains("| 124.5 | 224.099999 |"), "{answer}");
        let plan = shown(&session, &format!("EXPLAIN {sql}")).await;
        assert!(plan.contains("percentile_cont_set(0.5, 0.9)"), "{plan}");
    }
}
