//! A [`Lake`]: a lake config turned into a ready DataFusion session.
//!
//! This is the one place sessions are built. Every front end (shell, `jaanch sql`, reports,
//! Python) opens a `Lake` and runs statements through [`Lake::plan`] and [`Lake::execute`], so
//! they share the catalog, the police functions, the runtime limits and the read-only policy.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::common::{DataFusionError, TableReference};
use datafusion::dataframe::DataFrame;
use datafusion::datasource::MemTable;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::context::{SQLOptions, SessionContext};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{DdlStatement, LogicalPlan};
use datafusion::prelude::SessionConfig;
use datafusion::sql::parser::{DFParserBuilder, Statement};
use datafusion::sql::sqlparser::dialect::dialect_from_str;

use crate::catalog::{LakeSchema, LakeTable};
use crate::config::{ConfigError, LakeConfig};
use crate::error::{Error, Result, one_line};
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

/// A lake: its config and the DataFusion session built from it.
pub struct Lake {
    config: LakeConfig,
    ctx: SessionContext,
    tables: Vec<Arc<LakeTable>>,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lake")
            .field("name", &self.name())
            .field("tables", &self.tables)
            .finish()
    }
}

impl Lake {
    /// Opens the lake described by a `lake.toml`.
    pub fn open(path: impl AsRef<Path>) -> Result<Lake> {
        Lake::from_config(LakeConfig::load(path.as_ref())?)
    }

    /// Builds the session for `config`. Nothing is listed or read here: tables are listed and
    /// their schemas inferred when a query first uses them.
    pub fn from_config(config: LakeConfig) -> Result<Lake> {
        config.validate()?;
        let runtime = runtime_env(&config)?;
        storage::register_stores(&config, &runtime)?;
        let state = SessionStateBuilder::new()
            .with_config(session_config(&config))
            .with_runtime_env(runtime)
            .with_default_features()
            .build();
        let ctx = SessionContext::new_with_state(state);
        for udf in jaanch_udfs::functions() {
            ctx.register_udf(udf.as_ref().clone());
        }

        let mut schemas: BTreeMap<String, Vec<(String, Arc<LakeTable>)>> = BTreeMap::new();
        let mut tables = Vec::with_capacity(config.tables.len());
        for table in &config.tables {
            let url = storage::table_url(&config, table)?;
            let (schema, name) = table.schema_and_table();
            if schema.eq_ignore_ascii_case(REF_SCHEMA) || schema == "information_schema" {
                return Err(ConfigError::new(format!(
                    "table {}: schema {schema:?} is reserved; choose another schema name",
                    table.name
                ))
                .into());
            }
            let lake_table = Arc::new(LakeTable::new(table.clone(), url));
            tables.push(Arc::clone(&lake_table));
            schemas
                .entry(schema.to_ascii_lowercase())
                .or_default()
                .push((name.to_ascii_lowercase(), lake_table));
        }
        let catalog = ctx
            .catalog(CATALOG)
            .expect("the session creates its default catalog");
        for (schema, schema_tables) in schemas {
            let provider = LakeSchema::new(schema_tables, ctx.state_weak_ref());
            catalog.register_schema(&schema, Arc::new(provider))?;
        }
        catalog.register_schema(REF_SCHEMA, reference_schema()?)?;
        Ok(Lake {
            config,
            ctx,
            tables,
        })
    }

    pub fn name(&self) -> &str {
        self.config.display_name()
    }

    pub fn config(&self) -> &LakeConfig {
        &self.config
    }

    /// The DataFusion session. Front ends run statements through [`Lake::plan`] and
    /// [`Lake::execute`] rather than this, so that the lake's policy applies.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The lake's tables as configured (without `ref` tables or tables registered later).
    pub fn tables(&self) -> impl Iterator<Item = &LakeTable> {
        self.tables.iter().map(|t| t.as_ref())
    }

    /// Every table name a query can use, schema-qualified (`cctns.fir`, `ref.districts`, ...).
    pub fn table_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let Some(catalog) = self.ctx.catalog(CATALOG) else {
            return names;
        };
        for schema in catalog.schema_names() {
            if let Some(provider) = catalog.schema(&schema) {
                for table in provider.table_names() {
                    names.push(if schema == DEFAULT_SCHEMA {
                        table
                    } else {
                        format!("{schema}.{table}")
                    });
                }
            }
        }
        names.sort();
        names
    }

    /// Splits SQL text into statements, using the session's SQL dialect.
    pub fn parse(&self, sql: &str) -> Result<Vec<Statement>> {
        let state = self.ctx.state();
        let options = state.config().options();
        let dialect_name = options.sql_parser.dialect.to_string();
        let dialect = dialect_from_str(&dialect_name)
            .ok_or_else(|| Error::Query(format!("unsupported SQL dialect {dialect_name:?}")))?;
        let statements = DFParserBuilder::new(sql)
            .with_dialect(dialect.as_ref())
            .with_recursion_limit(options.sql_parser.recursion_limit.get())
            .build()?
            .parse_statements()?;
        Ok(statements.into())
    }

    /// Plans one statement: refuses writes when the lake is read-only, and names the closest
    /// table when the statement uses one that does not exist.
    pub async fn plan(&self, statement: &Statement) -> Result<LogicalPlan> {
        let state = self.ctx.state();
        let plan = match state.statement_to_plan(statement.clone()).await {
            Ok(plan) => plan,
            Err(error) => return Err(self.explain_plan_error(statement, error)),
        };
        self.check_policy(&plan)?;
        Ok(plan)
    }

    /// Starts executing a planned statement. DDL and `SET` take effect here.
    pub async fn execute(&self, plan: LogicalPlan) -> Result<DataFrame> {
        Ok(self.ctx.execute_logical_plan(plan).await?)
    }

    /// Plans and starts one SQL statement.
    pub async fn sql(&self, sql: &str) -> Result<DataFrame> {
        let mut statements = self.parse(sql)?;
        if statements.len() != 1 {
            return Err(Error::Query(format!(
                "expected one SQL statement, got {}",
                statements.len()
            )));
        }
        let plan = self.plan(&statements.remove(0)).await?;
        self.execute(plan).await
    }

    fn sql_options(&self) -> SQLOptions {
        let writable = !self.config.read_only;
        SQLOptions::new()
            .with_allow_ddl(writable)
            .with_allow_dml(writable)
            .with_allow_statements(true)
    }

    fn check_policy(&self, plan: &LogicalPlan) -> Result<()> {
        if self.sql_options().verify_plan(plan).is_err() {
            return Err(Error::Refused(format!(
                "the lake is read-only: {} is not allowed (set read_only = false in the lake config to allow it)",
                write_kind(plan)
            )));
        }
        if let LogicalPlan::Ddl(DdlStatement::DropTable(drop)) = plan {
            let name = display_reference(&drop.name);
            if self
                .tables
                .iter()
                .any(|t| t.config.name.eq_ignore_ascii_case(&name))
            {
                return Err(Error::Refused(format!(
                    "table {name} is defined in the lake config and cannot be dropped (remove it from the config instead)"
                )));
            }
        }
        Ok(())
    }

    /// Turns "table 'x' not found" into a message that names the closest existing table.
    fn explain_plan_error(&self, statement: &Statement, error: DataFusionError) -> Error {
        let message = one_line(&error);
        if !message.contains("not found") {
            return Error::Query(message);
        }
        let state = self.ctx.state();
        let Ok(references) = state.resolve_table_references(statement) else {
            return Error::Query(message);
        };
        let known = self.table_names();
        for reference in references {
            if self.ctx.table_exist(reference.clone()).unwrap_or(false) {
                continue;
            }
            let wanted = display_reference(&reference);
            let hint = closest(&wanted, &known)
                .map(|name| format!(" (did you mean {name}?)"))
                .unwrap_or_else(|| " (\\dt or SHOW TABLES lists the tables)".to_string());
            return Error::Query(format!("table {wanted} not found{hint}"));
        }
        Error::Query(message)
    }
}

/// `schema.table` as a user would write it, without the catalog.
fn display_reference(reference: &TableReference) -> String {
    match reference {
        TableReference::Bare { table } => table.to_string(),
        TableReference::Partial { schema, table } => format!("{schema}.{table}"),
        TableReference::Full { schema, table, .. } => format!("{schema}.{table}"),
    }
}

/// The known name closest to `wanted`, if it is close enough to be what was meant. Names are
/// compared by their table part, so that `fri` finds `cctns.fir` and a wrong schema is forgiven;
/// the whole name breaks ties. Close enough is one edit per three characters typed, at least
/// one, so that an unrelated name (`nope.x`, `\\zz`) gets no suggestion rather than a wild one.
pub fn closest<'a>(wanted: &str, known: &'a [String]) -> Option<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    let wanted_table = wanted.rsplit('.').next().unwrap_or(&wanted);
    let allowed = (wanted_table.chars().count() / 3).max(1);
    known
        .iter()
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            let table = lower.rsplit('.').next().unwrap_or(&lower);
            let distance = edit_distance(wanted_table, table);
            (distance <= allowed).then(|| ((distance, edit_distance(&wanted, &lower)), name))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.as_str())
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: the optimal string
/// alignment distance, in which a transposition (`fri` for `fir`) is one typo, not two.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back, one back, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// What kind of write a plan is, in SQL words.
fn write_kind(plan: &LogicalPlan) -> String {
    match plan {
        LogicalPlan::Ddl(ddl) => match ddl {
            DdlStatement::CreateExternalTable(_) => "CREATE EXTERNAL TABLE",
            DdlStatement::CreateMemoryTable(_) => "CREATE TABLE",
            DdlStatement::CreateView(_) => "CREATE VIEW",
            DdlStatement::CreateCatalogSchema(_) => "CREATE SCHEMA",
            DdlStatement::CreateCatalog(_) => "CREATE DATABASE",
            DdlStatement::CreateIndex(_) => "CREATE INDEX",
            DdlStatement::DropTable(_) => "DROP TABLE",
            DdlStatement::DropView(_) => "DROP VIEW",
            DdlStatement::DropCatalogSchema(_) => "DROP SCHEMA",
            DdlStatement::CreateFunction(_) => "CREATE FUNCTION",
            DdlStatement::DropFunction(_) => "DROP FUNCTION",
        }
        .to_string(),
        LogicalPlan::Dml(dml) => dml.op.to_string().to_uppercase(),
        LogicalPlan::Copy(_) => "COPY".to_string(),
        other => match other.inputs().first() {
            Some(input) => write_kind(input),
            None => "this statement".to_string(),
        },
    }
}

fn reference_schema() -> Result<Arc<dyn SchemaProvider>> {
    let schema = MemorySchemaProvider::new();
    for (name, batch) in jaanch_udfs::reference_tables() {
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
        schema.register_table(name.to_string(), Arc::new(table))?;
    }
    Ok(Arc::new(schema))
}

/// Memory, spilling and caching, from the config's `[runtime]`.
fn runtime_env(config: &LakeConfig) -> Result<Arc<RuntimeEnv>> {
    let cache = CacheManagerConfig::default().with_list_files_cache_ttl(Some(LISTING_CACHE_TTL));
    let mut builder = RuntimeEnvBuilder::new().with_cache_manager(cache);
    if let Some(limit) = config.memory_limit()? {
        // Fair spilling shares the limit among a query's sorts, joins and aggregations so one
        // cannot starve the others; the tracking wrapper names the largest consumers when the
        // limit is hit anyway.
        builder = builder.with_memory_pool(Arc::new(TrackConsumersPool::new(
            FairSpillPool::new(limit),
            NonZeroUsize::new(5).expect("5 is not zero"),
        )));
    }
    if let Some(dir) = &config.runtime.spill_dir {
        let path = config.resolve_path(dir);
        std::fs::create_dir_all(&path).map_err(|e| {
            ConfigError::new(format!(
                "runtime.spill_dir: cannot create {}: {}",
                path.display(),
                crate::config::io_reason(&e)
            ))
        })?;
        builder = builder.with_temp_file_path(path);
    }
    Ok(builder.build_arc()?)
}

/// Session settings: every engine-wide choice lives here.
pub fn session_config(config: &LakeConfig) -> SessionConfig {
    let mut session = SessionConfig::new()
        .with_information_schema(true)
        .with_create_default_catalog_and_schema(true)
        .with_default_catalog_and_schema(CATALOG, DEFAULT_SCHEMA);
    if let Some(partitions) = config.runtime.target_partitions {
        session = session.with_target_partitions(partitions);
    }
    if let Some(batch_size) = config.runtime.batch_size {
        session = session.with_batch_size(batch_size);
    }
    session
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_misspelt_tables() {
        let known: Vec<String> = [
            "cctns.fir",
            "cctns.accused",
            "abhay.anpr_reads",
            "ref.districts",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(closest("cctns.fri", &known), Some("cctns.fir"));
        assert_eq!(closest("fir", &known), Some("cctns.fir"));
        assert_eq!(closest("abhay.anpr_read", &known), Some("abhay.anpr_reads"));
        assert_eq!(closest("ref.district", &known), Some("ref.districts"));
        assert_eq!(closest("totally_unrelated", &known), None);
        assert_eq!(closest("cctns.firs", &known), Some("cctns.fir"));
        assert_eq!(closest("FRI", &known), Some("cctns.fir"));
        // Too far from anything for its length: no suggestion rather than a wild one.
        assert_eq!(closest("nope.x", &known), None);
        assert_eq!(closest("cctns.xyz", &known), None);
        let commands: Vec<String> = ["\\?", "\\q", "\\d", "\\dt", "\\x"]
            .map(String::from)
            .to_vec();
        assert_eq!(closest("\\zz", &commands), None);
        assert_eq!(closest("\\dx", &commands), Some("\\d"));
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("fri", "fir"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }
}
