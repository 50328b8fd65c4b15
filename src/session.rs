//! A [`Session`]: the one door into the engine.
//!
//! Every statement of every front end — the shell, `jaanch sql` and `jaanch run`, the Python
//! bindings, and the server and cluster to come — enters here: [`Session::sql`] for SQL text,
//! [`Session::run`] for one statement of a [`Script`], [`Session::report`] for a saved report.
//! Each is parsed with positions counted in the text it came from, planned, checked against the
//! lake's policy ([`crate::policy`]) and started; what comes back is a [`QueryResult`] to
//! stream, collect or print. A session is opened for an [`Identity`], so that a policy that
//! depends on who asks applies in this one place. Nothing else builds a DataFusion session.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, FieldRef, SchemaRef};
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, TableReference};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::execution::memory_pool::MemoryLimit;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{LogicalPlan, Statement as LogicalStatement};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::prelude::SessionConfig;
use datafusion::sql::parser::{DFParserBuilder, Statement};
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use datafusion::sql::sqlparser::dialect::{Dialect, dialect_from_str};
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::access::Grant;
use crate::audit::{self, Ticket};
use crate::catalog::{LakeSchema, LakeTable};
use crate::cluster::Cluster;
use crate::delta::{Pin, split_pinned};
use crate::describe::{self, ColumnEntry, FunctionEntry, TableEntry};
use crate::error::{Error, Refusal, Result, TableChange, syntax_error};
use crate::lake::{CATALOG, DEFAULT_SCHEMA, Lake, REF_SCHEMA, Shared};
use crate::names::closest;
use crate::params::{ParamError, Params, check_unbound};
use crate::policy::{self, display_reference};
use crate::provenance::ReadLog;
use crate::reports::{self, Catalog, Report};
use crate::result::QueryResult;
use crate::script::{self, Script, ScriptStatement};

/// Who a session runs statements for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    user: String,
    purpose: Option<String>,
    client: String,
}

/// The environment variable naming the user of a local session.
pub const USER_VAR: &str = "JAANCH_USER";

impl Identity {
    /// A named user.
    pub fn new(user: impl Into<String>) -> Identity {
        Identity {
            user: user.into(),
            purpose: None,
            client: "jaanch".to_string(),
        }
    }

    /// The user of this process: `$JAANCH_USER`, else the operating system's account name.
    pub fn local() -> Identity {
        let user = [USER_VAR, "USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
            .unwrap_or_else(|| "local".to_string());
        Identity::new(user)
    }

    /// The same user, stating why they look (an FIR or case number).
    pub fn with_purpose(mut self, purpose: impl Into<String>) -> Identity {
        self.purpose = Some(purpose.into()).filter(|p: &String| !p.trim().is_empty());
        self
    }

    /// The same user, through `client`: the program statements come from, as the audit log
    /// names it (`cli`, `shell`, `python`).
    pub fn with_client(mut self, client: impl Into<String>) -> Identity {
        self.client = client.into();
        self
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn client(&self) -> &str {
        &self.client
    }

    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }
}

mod as_of;
mod call;

pub use call::{LIST_REPORTS, REPORT_PARAMETER};

/// A lake session for one identity: its catalog, functions and settings.
pub struct Session {
    shared: Arc<Shared>,
    identity: parking_lot::RwLock<Identity>,
    /// What the user may see, on a governed lake.
    grant: Option<Arc<Grant>>,
    /// The lake's tables this session can use (all of them, unless governed).
    pub(crate) tables: Vec<Arc<LakeTable>>,
    pub(crate) ctx: SessionContext,
    /// The tables each prepared statement reads, by its name, for the audit log.
    prepared: parking_lot::Mutex<std::collections::HashMap<String, Vec<String>>>,
    /// The moment (or version) Delta tables are read as of, for every statement.
    as_of: Arc<parking_lot::RwLock<Option<Pin>>>,
    /// The cluster statements run on, if any.
    cluster: Option<Cluster>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("lake", &self.shared.config.display_name())
            .field("identity", &*self.identity.read())
            .finish()
    }
}

impl Session {
    /// Builds the DataFusion session: the lake's schemas, `ref`, the police functions, and the
    /// lake's runtime (shared memory pool, stores and listing cache).
    pub(crate) fn open(
        shared: Arc<Shared>,
        identity: Identity,
        runtime: Arc<RuntimeEnv>,
    ) -> Result<Session> {
        let grant = match &shared.config.access {
            None => None,
            Some(access) => match access.grant(identity.user()) {
                Some(grant) => Some(Arc::new(grant)),
                None => {
                    let error = Error::AccessDenied(format!(
                        "{} is not a user of this lake (give --user NAME or set {USER_VAR}; user= in Python)",
                        identity.user()
                    ));
                    record_refused_session(&shared, &identity, &error.to_string())?;
                    return Err(error);
                }
            },
        };
        let visible = |name: &str| grant.as_ref().is_none_or(|g| g.can_see(name));
        let tables: Vec<Arc<LakeTable>> = shared
            .tables
            .iter()
            .filter(|t| visible(&t.config.name))
            .cloned()
            .collect();
        let cluster = shared.cluster.read().clone();
        let mut config = session_config(&shared.config, &runtime);
        let mut builder = SessionStateBuilder::new();
        if cluster.is_some() {
            config = crate::cluster::session_config(config);
            // Ballista's rewrite of NOT IN subqueries, which its joins need.
            builder = builder
                .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules());
        } else {
            // The rule makes an aggregate function Ballista's executors do not know.
            builder = builder.with_optimizer_rule(Arc::new(crate::percentiles::SharedPercentiles));
        }
        let state = builder
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_physical_optimizer_rules(physical_optimizer_rules())
            .build();
        let ctx = SessionContext::new_with_state(state);
        for udf in jaanch_udfs::functions() {
            ctx.register_udf(udf.as_ref().clone());
        }
        // DataFusion's, faster on the patterns records are cleaned with.
        ctx.register_udf(crate::regexp_replace::regexp_replace());
        let mut schemas: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for table in &tables {
            let (schema, name) = table.config.schema_and_table();
            schemas
                .entry(schema.to_ascii_lowercase())
                .or_default()
                .push((name.to_ascii_lowercase(), Arc::clone(table)));
        }
        let catalog = ctx
            .catalog(CATALOG)
            .expect("the session creates its default catalog");
        let as_of = Arc::new(parking_lot::RwLock::new(None));
        for (schema, tables) in schemas {
            let provider = LakeSchema::new(
                tables,
                ctx.state_weak_ref(),
                grant.clone(),
                Arc::clone(&as_of),
            );
            catalog.register_schema(&schema, Arc::new(provider))?;
        }
        // The built-in tables: `ref`, and the audit log. A role's rules apply to them as to
        // the lake's tables.
        let state = ctx.state();
        let governed = |name: &str, table: Arc<dyn TableProvider>| match &grant {
            Some(grant) => grant.govern(name, table, &state),
            None => Ok(table),
        };
        let reference = MemorySchemaProvider::new();
        for (name, table) in &shared.reference {
            let qualified = format!("{REF_SCHEMA}.{name}");
            if visible(&qualified) {
                reference.register_table(name.clone(), governed(&qualified, Arc::clone(table))?)?;
            }
        }
        catalog.register_schema(REF_SCHEMA, Arc::new(reference))?;
        if let Some(log) = &shared.audit
            && visible(audit::AUDIT_TABLE)
        {
            let schema = MemorySchemaProvider::new();
            let table = Arc::new(audit::AuditTable::new(log.dir().to_path_buf()));
            schema.register_table("log".to_string(), governed(audit::AUDIT_TABLE, table)?)?;
            catalog.register_schema(audit::AUDIT_SCHEMA, Arc::new(schema))?;
        }
        Ok(Session {
            shared,
            identity: parking_lot::RwLock::new(identity),
            grant,
            tables,
            ctx,
            prepared: Default::default(),
            as_of,
            cluster,
        })
    }

    /// Reads every Delta table as of `pin` (a moment, or a version, which every table must
    /// have) in the statements that follow; `None` reads their latest versions again. A table
    /// pinned in SQL (`as_of(...)`) keeps its own pin; tables without versions are read as
    /// they are.
    pub fn set_as_of(&self, pin: Option<Pin>) {
        *self.as_of.write() = pin;
    }

    /// The moment (or version) the session reads Delta tables as of, if set.
    pub fn as_of(&self) -> Option<Pin> {
        *self.as_of.read()
    }

    /// The versions of a Delta table the session can see, newest first (at most `limit`): when
    /// each was committed, by what operation, with rows and files added and removed.
    pub async fn history(&self, table: &str, limit: Option<usize>) -> Result<RecordBatch> {
        let (lake_table, delta) = self.delta_table(table)?;
        if let Some(grant) = &self.grant
            && grant.table_policy(&lake_table.config.name).is_some()
        {
            return Err(Error::Refused {
                statement: format!("the history of {}", lake_table.config.name),
                reason: Refusal::Governed {
                    role: grant.role().to_string(),
                },
            });
        }
        let state = self.ctx.state();
        let history = delta.history(&state, limit).await.map_err(|problem| {
            Error::Table(crate::error::TableError {
                table: lake_table.config.name.clone(),
                problem,
            })
        })?;
        Ok(crate::delta::history_batch(&history))
    }

    /// A Delta table's latest version and when it was committed (`None`: not a Delta table).
    pub async fn latest_version(
        &self,
        table: &str,
    ) -> Result<Option<(u64, chrono::DateTime<chrono::Utc>)>> {
        let Some(lake_table) = self.lake_table(table) else {
            return Ok(None);
        };
        let Some(delta) = lake_table.delta() else {
            return Ok(None);
        };
        let latest = delta.latest(&self.ctx.state()).await.map_err(|problem| {
            Error::Table(crate::error::TableError {
                table: lake_table.config.name.clone(),
                problem,
            })
        })?;
        Ok(Some(latest))
    }

    fn lake_table(&self, name: &str) -> Option<&Arc<LakeTable>> {
        self.tables
            .iter()
            .find(|t| t.config.name.eq_ignore_ascii_case(name))
    }

    /// The lake table `name` names, which must be a Delta table.
    fn delta_table(&self, name: &str) -> Result<(&LakeTable, &crate::delta::DeltaSource)> {
        let Some(table) = self.lake_table(name) else {
            let known: Vec<String> = self.tables.iter().map(|t| t.config.name.clone()).collect();
            return Err(Error::UnknownTable {
                name: name.to_string(),
                suggestion: closest(name, &known).map(str::to_string),
            });
        };
        match table.delta() {
            Some(delta) => Ok((table, delta)),
            None => Err(Error::Table(crate::error::TableError {
                table: table.config.name.clone(),
                problem: crate::error::TableProblem::NoVersion(format!(
                    "a {} table has no history; only Delta tables (format = \"delta\") have versions",
                    table.config.format
                )),
            })),
        }
    }

    /// The Ballista cluster statements that read lake tables run on; `None`: this process.
    pub fn cluster(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
    }

    /// Who the session runs statements for, and why.
    pub fn identity(&self) -> Identity {
        self.identity.read().clone()
    }

    /// States why the user looks, for the statements that follow (an FIR or case number).
    pub fn set_purpose(&self, purpose: &str) {
        let mut identity = self.identity.write();
        *identity = identity.clone().with_purpose(purpose);
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// What the user may see, on a governed lake.
    pub fn grant(&self) -> Option<&Grant> {
        self.grant.as_deref()
    }

    /// The lake this session is of.
    pub fn lake(&self) -> Lake {
        Lake::from_shared(Arc::clone(&self.shared))
    }

    /// The SQL dialect statements are parsed in (`SET datafusion.sql_parser.dialect` changes it).
    pub fn dialect(&self) -> Result<Box<dyn Dialect>> {
        let (name, _) = self.parser_settings();
        dialect_from_str(&name).ok_or_else(|| {
            Error::Query(DataFusionError::Configuration(format!(
                "unsupported SQL dialect {name:?}"
            )))
        })
    }

    /// Splits SQL text into statements.
    pub fn script(&self, text: &str) -> Result<Script> {
        self.script_at(text, 1)
    }

    /// Splits SQL text that starts at `first_line` of a file into statements: errors and
    /// statements name lines of that file. Text that cannot be split is on the audit log.
    pub fn script_at(&self, text: &str, first_line: usize) -> Result<Script> {
        self.split(text, first_line)
            .map_err(|error| self.record_failure(text, None, &[], error))
    }

    fn split(&self, text: &str, first_line: usize) -> Result<Script> {
        Script::starting_at(self.dialect()?.as_ref(), text, first_line).map_err(syntax_error)
    }

    /// Whether `text` ends where a statement does (see [`script::is_complete`]).
    pub fn is_complete(&self, text: &str) -> bool {
        match self.dialect() {
            Ok(dialect) => script::is_complete(dialect.as_ref(), text),
            Err(_) => true,
        }
    }

    /// Plans and starts one SQL statement.
    pub async fn sql(&self, text: &str) -> Result<QueryResult> {
        match self.one_statement(text) {
            Ok(statement) => self.run(&statement).await,
            Err(error) => Err(self.record_failure(text, None, &[], error)),
        }
    }

    /// Plans and starts one SQL statement with values for its placeholders.
    pub async fn sql_with_params(&self, text: &str, params: Params) -> Result<QueryResult> {
        let statement = match self.one_statement(text) {
            Ok(statement) if call::is_call(&statement) => {
                return self.call(&statement, Some(params)).await;
            }
            statement => statement,
        };
        let started = Instant::now();
        let mut ticket = self.ticket(text.trim(), started);
        if let Some(ticket) = &mut ticket {
            ticket.set_params(None, params.describe());
        }
        let result = async {
            self.check_purpose()?;
            let plan = self.plan(&statement?).await?;
            self.execute(params.bind(plan)?, started, &mut ticket).await
        }
        .await;
        settle(result, ticket)
    }

    /// Plans and starts one statement of a script.
    pub async fn run(&self, statement: &ScriptStatement) -> Result<QueryResult> {
        if call::is_call(statement) {
            return self.call(statement, None).await;
        }
        let started = Instant::now();
        let mut ticket = self.ticket(&statement.text(), started);
        let result = async {
            self.check_purpose()?;
            let plan = self.plan(statement).await?;
            check_unbound(&plan)?;
            self.execute(plan, started, &mut ticket).await
        }
        .await;
        settle(result, ticket)
    }

    /// Plans one SQL statement without running it: the columns it returns and the values its
    /// placeholders take, for a client that binds them later ([`Session::sql_with_params`]
    /// runs it). The statement is checked against the session's rules as if it ran; a refusal
    /// is on the audit log.
    pub async fn prepare(&self, text: &str) -> Result<Prepared> {
        let result = async {
            self.check_purpose()?;
            let statement = self.one_statement(text)?;
            if call::is_call(&statement) {
                return self.prepare_call(&statement).await;
            }
            let plan = self.plan(&statement).await?;
            Ok(Prepared {
                schema: Arc::clone(plan.schema().inner()),
                parameters: parameter_fields(&plan)?,
            })
        }
        .await;
        result.map_err(|error| self.record_failure(text, None, &[], error))
    }

    async fn prepare_call(&self, statement: &ScriptStatement) -> Result<Prepared> {
        let call = call::Call::from_statement(self.parse(statement)?)?;
        if call.lists_reports() {
            return Ok(Prepared {
                schema: self.reports_batch().schema(),
                parameters: Vec::new(),
            });
        }
        let report = self.lake_report(&call.report)?;
        self.check_report(&report)?;
        let parameters = call.placeholders(&report)?;
        let plan = self.plan_report(&report).await?;
        Ok(Prepared {
            schema: Arc::clone(plan.schema().inner()),
            parameters,
        })
    }

    /// Runs a saved report (by name, or a path to a `.sql` file) with `values` (`name=value`
    /// pairs as a user typed them). Every parameter is checked before the query starts.
    pub async fn report(&self, name: &str, values: &[(String, String)]) -> Result<QueryResult> {
        Ok(self.report_and_header(name, values).await?.1)
    }

    /// Runs a report as [`Session::report`] does, and gives the report too: its header's
    /// output hints say how to show the result (a chart).
    pub async fn report_and_header(
        &self,
        name: &str,
        values: &[(String, String)],
    ) -> Result<(Report, QueryResult)> {
        let report = self
            .find_report(name)
            .map_err(|error| self.record_failure("", Some(name), values, error))?;
        let result = self.run_report(&report, values).await?;
        Ok((report, result))
    }

    /// Runs a report already found (see [`Session::find_report`]).
    pub async fn run_report(
        &self,
        report: &Report,
        values: &[(String, String)],
    ) -> Result<QueryResult> {
        let started = Instant::now();
        let mut ticket = self.ticket(report.sql.trim(), started);
        if let Some(ticket) = &mut ticket {
            ticket.set_params(Some(&report.name), values.iter().cloned().collect());
        }
        let result = async {
            self.check_purpose()?;
            self.check_report(report)?;
            let bound = report.bind(self, values).await?;
            let plan = self.plan_report(report).await?;
            self.execute(plan.with_param_values(bound)?, started, &mut ticket)
                .await
        }
        .await;
        settle(result, ticket)
    }

    /// Plans a report's one statement, its placeholders unbound.
    async fn plan_report(&self, report: &Report) -> Result<LogicalPlan> {
        let script = self.split(&report.sql, report.sql_line)?;
        let [statement] = script.statements() else {
            return Err(reports::ReportError::NotOneStatement {
                name: report.name.clone(),
                count: script.len(),
            }
            .into());
        };
        self.plan(statement).await
    }

    /// The reports this session can run: the lake's folder's, then the bundled ones not
    /// overridden, and the report files that cannot be used.
    pub fn reports(&self) -> Catalog {
        let mut catalog = reports::load_catalog(self.shared.reports_dir().as_deref());
        if self.grant.is_some() {
            // A governed user sees the reports it can run: one reading a table outside the
            // grants does not exist for it, nor does a report file that cannot be read.
            catalog
                .reports
                .retain(|report| self.reads_only_visible_tables(report));
            catalog.problems.clear();
        }
        catalog
    }

    /// Whether every table `report` reads exists for this session.
    fn reads_only_visible_tables(&self, report: &Report) -> bool {
        let Ok(script) = self.split(&report.sql, report.sql_line) else {
            return false;
        };
        script.statements().iter().all(|statement| {
            self.parse(statement)
                .is_ok_and(|parsed| matches!(self.unknown_table(&parsed), Some(None)))
        })
    }

    /// The first table `statement` names that this session does not have (`Some(None)`: none),
    /// or `None` if its table names cannot be resolved. Table functions (`generate_series(…)`)
    /// are among the names DataFusion resolves, and are not unknown tables.
    fn unknown_table(&self, statement: &Statement) -> Option<Option<TableReference>> {
        let state = self.ctx.state_ref();
        let state = state.read();
        let references = state.resolve_table_references(statement).ok()?;
        let table_function = |reference: &TableReference| {
            matches!(reference, TableReference::Bare { .. })
                && state.table_functions().contains_key(reference.table())
        };
        Some(references.into_iter().find(|reference| {
            !table_function(reference) && !self.ctx.table_exist(reference.clone()).unwrap_or(false)
        }))
    }

    /// A report by name, or by path to a `.sql` file.
    pub fn find_report(&self, name_or_path: &str) -> Result<Report> {
        if let Some(report) = self.runnable_report(name_or_path) {
            return Ok(report);
        }
        // Not found, or not one this session may run (found here no more than one that does
        // not exist), or a report file by path: the catalog says which, and suggests names.
        reports::find(self.reports(), name_or_path)
    }

    /// The lake's report named `name`, if this session may run it (a governed user: if it
    /// reads only tables the session has). Only that report is read and checked: listing all
    /// the reports a user may run would parse each.
    fn runnable_report(&self, name: &str) -> Option<Report> {
        reports::load_named(self.shared.reports_dir().as_deref(), name)?
            .ok()
            .filter(|report| self.grant.is_none() || self.reads_only_visible_tables(report))
    }

    /// Every table a query can use, sorted by name.
    pub fn tables(&self) -> Vec<TableEntry> {
        describe::tables(self)
    }

    /// The tables whose name matches `pattern` (`*` and `?` wildcards, else a substring).
    pub fn matching_tables(&self, pattern: Option<&str>) -> Vec<TableEntry> {
        describe::matching_tables(self, pattern)
    }

    /// A table and its columns.
    pub async fn describe(&self, table: &str) -> Result<(TableEntry, Vec<ColumnEntry>)> {
        describe::describe(self, table).await
    }

    /// The columns of a table of [`Session::tables`], as this session reads them.
    pub async fn table_schema(&self, table: &TableEntry) -> Result<SchemaRef> {
        describe::schema(self, table).await
    }

    /// The police functions, or with a pattern every function whose name matches it.
    pub fn functions(&self, pattern: Option<&str>) -> Vec<FunctionEntry> {
        describe::functions(self, pattern)
    }

    /// Makes `batches` a table of this session, queryable by its bare `name` and joinable with
    /// the lake's tables; a table registered before under that name is replaced. The lake's
    /// files are not touched, so this works on a read-only lake.
    pub fn register(&self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<()> {
        let table = MemTable::try_new(schema, vec![batches])?;
        let reference = TableReference::from(name);
        if self.registered(name) {
            self.ctx.deregister_table(reference.clone())?;
        }
        self.ctx.register_table(reference, Arc::new(table))?;
        Ok(())
    }

    /// Removes a table made by [`Session::register`]; lake tables cannot be removed.
    pub fn deregister(&self, name: &str) -> Result<()> {
        if self.registered(name) {
            self.ctx.deregister_table(TableReference::from(name))?;
            return Ok(());
        }
        let tables = self.tables();
        if let Some(lake_table) = tables
            .iter()
            .find(|t| t.format != describe::MEMORY && t.name.eq_ignore_ascii_case(name))
        {
            return Err(Error::Refused {
                statement: "DROP TABLE".to_string(),
                reason: Refusal::ConfigTable {
                    table: lake_table.name.clone(),
                    change: TableChange::Drop,
                },
            });
        }
        let known: Vec<String> = tables
            .into_iter()
            .filter(|t| t.format == describe::MEMORY)
            .map(|t| t.name)
            .collect();
        Err(Error::UnknownTable {
            name: name.to_string(),
            suggestion: closest(name, &known).map(str::to_string),
        })
    }

    fn registered(&self, name: &str) -> bool {
        self.tables()
            .iter()
            .any(|t| t.format == describe::MEMORY && t.name.eq_ignore_ascii_case(name))
    }

    /// Evaluates a constant query (a report parameter's default) to its batches. It is part
    /// of the statement that needs it, so it has no audit record of its own.
    pub(crate) async fn evaluate(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let plan = self.plan(&self.one_statement(sql)?).await?;
        check_unbound(&plan)?;
        self.execute(plan, Instant::now(), &mut None)
            .await?
            .collect()
            .await
    }

    /// A governed user runs only the lake's reports it can see: not a report file given by
    /// path, whose parameter defaults could run queries of their own.
    fn check_report(&self, report: &Report) -> Result<()> {
        let Some(grant) = &self.grant else {
            return Ok(());
        };
        let listed = self
            .runnable_report(&report.name)
            .is_some_and(|r| r.sql == report.sql && r.params == report.params);
        if listed {
            return Ok(());
        }
        Err(Error::Refused {
            statement: format!("running the report file of {}", report.name),
            reason: Refusal::Governed {
                role: grant.role().to_string(),
            },
        })
    }

    /// Records a statement (or report) that failed before it could be planned, and returns its
    /// error (or the audit log's, if the record cannot be written).
    fn record_failure(
        &self,
        sql: &str,
        report: Option<&str>,
        values: &[(String, String)],
        error: Error,
    ) -> Error {
        match self.ticket(sql.trim(), Instant::now()) {
            Some(mut ticket) => {
                if report.is_some() {
                    ticket.set_params(report, values.iter().cloned().collect());
                }
                ticket.close_with(error)
            }
            None => error,
        }
    }

    /// The audit record of a statement about to run, on a lake that keeps a log.
    fn ticket(&self, sql: &str, started: Instant) -> Option<Ticket> {
        let log = self.shared.audit.as_ref()?;
        let mut entry = audit_entry(&self.identity.read(), self.grant.as_deref());
        entry.sql = (!sql.is_empty()).then(|| sql.to_string());
        Some(Ticket::new(Arc::clone(log), entry, started))
    }

    /// A role that requires a purpose runs nothing without one.
    fn check_purpose(&self) -> Result<()> {
        match &self.grant {
            Some(grant) if grant.requires_purpose() && self.identity.read().purpose().is_none() => {
                Err(Error::AccessDenied(format!(
                    "role {} requires a purpose for every session: state it (--purpose \"FIR 123/2024 PS Kotwali\", \\purpose in the shell, purpose= in Python, the header x-jaanch-purpose on the server)",
                    grant.role()
                )))
            }
            _ => Ok(()),
        }
    }

    /// The one statement `text` must hold.
    fn one_statement(&self, text: &str) -> Result<ScriptStatement> {
        let script = self.script(text)?;
        if script.len() != 1 {
            return Err(Error::NotOneStatement {
                count: script.len(),
            });
        }
        Ok(script.into_statements().remove(0))
    }

    /// Parses and plans one statement under the lake's policy; an unknown table is named with
    /// the closest one the session has.
    async fn plan(&self, statement: &ScriptStatement) -> Result<LogicalPlan> {
        let mut parsed = self.parse(statement)?;
        as_of::rewrite(&mut parsed)?;
        let plan = match self.ctx.state().statement_to_plan(parsed.clone()).await {
            Ok(plan) => plan,
            Err(error) => return Err(self.explain_plan_error(&parsed, error)),
        };
        policy::check(
            &plan,
            self.shared.config.read_only,
            self.grant.as_deref(),
            &self.shared.tables,
        )?;
        Ok(plan)
    }

    /// The session's dialect name and parser recursion limit, read without copying its state.
    fn parser_settings(&self) -> (String, usize) {
        let state = self.ctx.state_ref();
        let state = state.read();
        let parser = &state.config().options().sql_parser;
        (parser.dialect.to_string(), parser.recursion_limit.get())
    }

    fn parse(&self, statement: &ScriptStatement) -> Result<Statement> {
        check_operators(statement)?;
        let dialect = self.dialect()?;
        let (_, limit) = self.parser_settings();
        let mut statements = DFParserBuilder::new(number_placeholders(statement.tokens.clone())?)
            .with_dialect(dialect.as_ref())
            .with_recursion_limit(limit)
            .build()?
            .parse_statements()?;
        // The tokens hold no `;`: the parser finds one statement or fails.
        statements
            .pop_front()
            .ok_or(Error::NotOneStatement { count: 0 })
    }

    /// A planning error, or the table the statement reads that does not exist. Statements that
    /// create a table are left alone: the table they name does not exist yet.
    fn explain_plan_error(&self, statement: &Statement, error: DataFusionError) -> Error {
        let error = Error::from(error);
        let creates = match statement {
            Statement::CreateExternalTable(_) => true,
            Statement::Statement(s) => matches!(
                **s,
                SqlStatement::CreateTable(_) | SqlStatement::CreateView(_)
            ),
            _ => false,
        };
        if creates || !matches!(error, Error::Query(_)) {
            return error;
        }
        let Some(Some(reference)) = self.unknown_table(statement) else {
            return error;
        };
        let known: Vec<String> = self.tables().into_iter().map(|t| t.name).collect();
        let name = display_reference(&reference);
        Error::UnknownTable {
            suggestion: closest(&name, &known).map(str::to_string),
            name,
        }
    }

    /// Starts a planned statement. DDL and `SET` take effect here. The statement's audit
    /// record, if it has one, goes with its result.
    async fn execute(
        &self,
        plan: LogicalPlan,
        started: Instant,
        ticket: &mut Option<Ticket>,
    ) -> Result<QueryResult> {
        if let Some(ticket) = ticket {
            ticket.preflight()?;
            ticket.set_tables(self.tables_read(&plan));
        }
        let frame = self.ctx.execute_logical_plan(plan).await?;
        // The scans of this statement note what they read here (see `provenance`).
        let (mut state, plan) = frame.into_parts();
        let log = Arc::new(ReadLog::default());
        state.config_mut().set_extension(Arc::clone(&log));
        let task_ctx = Arc::new(datafusion::execution::TaskContext::from(&state));
        // Planned here even for a cluster: the plan is checked and its reads traced as they
        // would be locally, and a statement the cluster cannot run runs here.
        let plan = state.optimize(&plan)?;
        let mut physical = state
            .query_planner()
            .create_physical_plan(&plan, &state)
            .await?;
        if let Some(remote) = self
            .cluster
            .as_ref()
            .and_then(|cluster| cluster.distribute(&plan, &state))
        {
            physical = remote;
        }
        let reads = log.take();
        if let Some(ticket) = ticket {
            ticket.set_versions(&reads);
        }
        Ok(QueryResult::new(physical, task_ctx, started, ticket.take()).with_reads(reads))
    }
}

/// A statement planned but not run (see [`Session::prepare`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The columns of its result.
    pub schema: SchemaRef,
    /// Its placeholders (`$1`, `$2`, ... in order, or `$name`s by name), each of the type the
    /// statement gives it, or `Null` where it does not say.
    pub parameters: Vec<Field>,
}

/// The placeholders of a plan as fields, positional ones in order.
fn parameter_fields(plan: &LogicalPlan) -> Result<Vec<Field>> {
    let mut fields: Vec<(String, Option<FieldRef>)> =
        plan.get_parameter_fields()?.into_iter().collect();
    fields.sort_by_key(|(name, _)| (name[1..].parse::<usize>().ok(), name.clone()));
    Ok(fields
        .into_iter()
        .map(|(name, field)| {
            let data_type = field.map_or(DataType::Null, |f| f.data_type().clone());
            Field::new(name, data_type, true)
        })
        .collect())
}

/// `?` placeholders (JDBC's, ODBC's, ADBC's) numbered `$1`, `$2`, ... in the order they are
/// written, which is the order their values come in. A statement mixing `?` with `$1` or
/// `$name` is refused: which value goes where would be a guess.
fn number_placeholders(mut tokens: Vec<TokenWithSpan>) -> Result<Vec<TokenWithSpan>> {
    let (mut marks, mut others) = (0, None);
    for token in &mut tokens {
        if let Token::Placeholder(placeholder) = &mut token.token {
            if placeholder == "?" {
                marks += 1;
                *placeholder = format!("${marks}");
            } else {
                others.get_or_insert_with(|| placeholder.clone());
            }
        }
    }
    match others {
        Some(other) if marks > 0 => Err(ParamError::Mixed { other }.into()),
        _ => Ok(tokens),
    }
}

/// A statement's result; a statement that failed before it started is recorded here.
fn settle(result: Result<QueryResult>, ticket: Option<Ticket>) -> Result<QueryResult> {
    match (result, ticket) {
        (Err(error), Some(mut ticket)) => Err(ticket.close_with(error)),
        (result, _) => result,
    }
}

/// Records on the lake's audit log, if it keeps one, a session refused before any statement
/// (an unknown user, a failed login), and why.
pub(crate) fn record_refused_session(
    shared: &Shared,
    identity: &Identity,
    reason: &str,
) -> Result<()> {
    if let Some(log) = &shared.audit {
        let mut entry = audit_entry(identity, None);
        entry.outcome = audit::Outcome::Denied;
        entry.error = Some(reason.to_string());
        log.append_session(&entry)?;
    }
    Ok(())
}

/// What the audit log says of every statement of a session.
fn audit_entry(identity: &Identity, grant: Option<&Grant>) -> audit::Entry {
    audit::Entry {
        user: identity.user().to_string(),
        role: grant.map(|g| g.role().to_string()),
        purpose: identity.purpose().map(str::to_string),
        client: identity.client().to_string(),
        sql: None,
        report: None,
        params: BTreeMap::new(),
        tables: Vec::new(),
        versions: BTreeMap::new(),
        rows: None,
        duration_ms: 0.0,
        outcome: audit::Outcome::Ok,
        error: None,
    }
}

impl Session {
    /// The tables a statement reads: for `EXECUTE`, those of the statement prepared under its
    /// name (remembered when it was prepared).
    fn tables_read(&self, plan: &LogicalPlan) -> Vec<String> {
        let mut prepared = self.prepared.lock();
        match plan {
            LogicalPlan::Statement(LogicalStatement::Execute(execute)) => {
                prepared.get(&execute.name).cloned().unwrap_or_default()
            }
            LogicalPlan::Statement(LogicalStatement::Prepare(prepare)) => {
                let tables = scanned_tables(plan);
                prepared.insert(prepare.name.clone(), tables.clone());
                tables
            }
            _ => scanned_tables(plan),
        }
    }
}

/// The tables a plan scans, as `schema.table`, each once.
fn scanned_tables(plan: &LogicalPlan) -> Vec<String> {
    let mut tables = std::collections::BTreeSet::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let resolved = scan.table_name.clone().resolve(CATALOG, DEFAULT_SCHEMA);
            // A pinned version (`fir@v3`) is the table's: its version is recorded apart.
            let table = split_pinned(&resolved.table).map_or(&*resolved.table, |(t, _)| t);
            tables.insert(format!("{}.{table}", resolved.schema));
        }
        Ok(TreeNodeRecursion::Continue)
    });
    tables.into_iter().collect()
}

/// DataFusion's physical optimizer rules with jaanch's: windows aggregating whole partitions
/// hash them instead of sorting; an aggregation read twice is computed once (before DataFusion's rule that hands run-time filters to scans, which must see the plan
/// as it runs); then, at the end, filters test their cheap conditions first, every join yields
/// to the runtime, and the run-time filters are applied to rows above the scans that hold
/// them.
pub(crate) fn physical_optimizer_rules() -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    let mut rules = PhysicalOptimizer::new().rules;
    let run_time_filters = rules
        .iter()
        .position(|rule| rule.name() == "FilterPushdown(Post)")
        .unwrap_or(rules.len());
    rules.insert(
        run_time_filters,
        Arc::new(crate::shared_subplans::ShareRepeatedSubplans),
    );
    // Before the exchanges and sorts that operators ask for are added: a window hashed needs
    // no sort.
    let distribution = rules
        .iter()
        .position(|rule| rule.name() == "EnforceDistribution")
        .unwrap_or(0);
    rules.insert(
        distribution,
        Arc::new(crate::partition_aggregates::HashedPartitionAggregates),
    );
    if let Some(join_selection) = rules
        .iter()
        .position(|rule| rule.name() == "join_selection")
    {
        rules.insert(
            join_selection + 1,
            Arc::new(crate::join_sides::JoinSidesByRows),
        );
    }
    rules.push(Arc::new(crate::decimal_arithmetic::NarrowDecimals));
    rules.push(Arc::new(crate::filter_conditions::FilterConditions));
    rules.push(Arc::new(crate::yielding::YieldingJoins));
    rules.push(Arc::new(crate::run_time_filters::RunTimeFilters));
    rules
}

/// The most keys of a join's build side listed in the run-time filter of its probe side.
const LISTED_KEYS: usize = 1024;

/// The least share of its keys' range a join's build side must fill for its keys to be looked
/// up in an array (see [`session_config`]).
const SPARSE_KEY_DENSITY: f64 = 0.03;

/// Session settings: every engine-wide choice lives here.
fn session_config(config: &crate::config::LakeConfig, runtime: &RuntimeEnv) -> SessionConfig {
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
    // A join hands the scans of its probe side its build side's keys as a list up to 1,024
    // of them, not 150, and beyond as a probe of its hash table: integer keys listed are
    // tested on a bitmap (`KeyBitmap`), 1-2 ns a row against a probe's 15-29. TPC-H q17's 204
    // parts: CPU -15 %, the other queries unchanged (README, "Speed").
    session
        .options_mut()
        .optimizer
        .hash_join_inlist_pushdown_max_distinct_values = LISTED_KEYS;
    let execution = &mut session.options_mut().execution;
    match runtime.memory_pool.memory_limit() {
        // A sort sets memory aside to merge what it spilled (10 MB by default): under a small
        // limit that alone would fail the sort before it starts. A sixteenth of the limit is set
        // aside, which a sort's share of the pool for merging always holds
        // (`LimitPool::merge_share`).
        MemoryLimit::Finite(limit) => {
            execution.sort_spill_reservation_bytes =
                execution.sort_spill_reservation_bytes.min(limit / 16);
        }
        // Without a limit, a join on one integer key looks its keys up in an array indexed by
        // the key (DataFusion's "perfect hash join") down to 3 build rows in 100 values of the
        // keys' range, not 15: no hashing, for both the join's probes and the run-time filter
        // it pushes to the scan (TPC-H q05's `lineitem` filter, 6 M rows, took 29 ns a row
        // hashed). The array takes 4 bytes a value of the range, up to 137 bytes a build row
        // against a hash table's 20-40; under a limit that could turn a join that fits into one
        // that spills, so limited sessions keep DataFusion's density.
        _ => execution.perfect_hash_join_min_key_density = SPARSE_KEY_DENSITY,
    }
    session
}

/// The most operators one statement may have. A chain of them (`a - b - c …`, `x = 1 OR x = 2
/// OR …`) is a tree as deep as it is long, which DataFusion's planner walks recursively: 20,000
/// of them overflowed the stack and aborted the process (a server with it). 500 plan within a
/// 2 MiB thread's stack in a debug build (1,000 do not), so 400 leaves room for the frames
/// above; a long list of values belongs in `IN (…)`.
const MAX_OPERATORS: usize = 400;

/// Refuses a statement with more than [`MAX_OPERATORS`] operators, before it is parsed.
fn check_operators(statement: &ScriptStatement) -> Result<()> {
    let operators = statement
        .tokens
        .iter()
        .filter(|t| match &t.token {
            Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::Mod
            | Token::StringConcat
            | Token::Eq
            | Token::DoubleEq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq
            | Token::Ampersand
            | Token::Pipe
            | Token::Caret => true,
            Token::Word(word) => {
                word.quote_style.is_none()
                    && (word.value.eq_ignore_ascii_case("and")
                        || word.value.eq_ignore_ascii_case("or"))
            }
            _ => false,
        })
        .count();
    if operators <= MAX_OPERATORS {
        return Ok(());
    }
    Err(Error::Syntax {
        message: format!(
            "the statement has {operators} operators, more than the {MAX_OPERATORS} one statement may have (for a long list of values use IN (...))"
        ),
        line: statement.line,
        column: 1,
    })
}
