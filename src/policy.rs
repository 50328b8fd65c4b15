//! What a session may run: the lake's policy, checked on every planned statement.
//!
//! A read-only lake (the default) refuses statements that create, change or delete anything;
//! a writable one still refuses dropping a table of the lake config. A user of a governed lake
//! may only query, whatever `read_only` says: statements that create or change anything, copy
//! data out, or change the engine's settings could read around the access policy.

use datafusion::common::TableReference;
use datafusion::common::tree_node::TreeNode;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::{DdlStatement, LogicalPlan, Statement};

use crate::access::Grant;
use crate::catalog::LakeTable;
use crate::error::{Error, Refusal, Result, TableChange};

/// Refuses `plan` if the lake's policy does not allow it.
pub(crate) fn check(
    plan: &LogicalPlan,
    read_only: bool,
    grant: Option<&Grant>,
    tables: &[std::sync::Arc<LakeTable>],
) -> Result<()> {
    if let Some(grant) = grant
        && plan.exists(|p| Ok(!is_query(p)))?
    {
        return Err(Error::Refused {
            statement: statement_kind(plan),
            reason: Refusal::Governed {
                role: grant.role().to_string(),
            },
        });
    }
    let writable = !read_only;
    let options = SQLOptions::new()
        .with_allow_ddl(writable)
        .with_allow_dml(writable)
        .with_allow_statements(true);
    if options.verify_plan(plan).is_err() {
        return Err(Error::Refused {
            statement: statement_kind(plan),
            reason: Refusal::ReadOnly,
        });
    }
    let (name, change) = match plan {
        LogicalPlan::Ddl(DdlStatement::DropTable(drop)) => (&drop.name, TableChange::Drop),
        LogicalPlan::Ddl(DdlStatement::DropView(drop)) => (&drop.name, TableChange::Drop),
        LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(create)) => {
            (&create.name, TableChange::Replace)
        }
        LogicalPlan::Ddl(DdlStatement::CreateView(create)) => (&create.name, TableChange::Replace),
        LogicalPlan::Ddl(DdlStatement::CreateExternalTable(create)) => {
            (&create.name, TableChange::Replace)
        }
        _ => return Ok(()),
    };
    let name = display_reference(name);
    match tables
        .iter()
        .find(|t| t.config.name.eq_ignore_ascii_case(&name))
    {
        Some(table) => Err(Error::Refused {
            statement: statement_kind(plan),
            reason: Refusal::ConfigTable {
                table: table.config.name.clone(),
                change,
            },
        }),
        None => Ok(()),
    }
}

/// Whether a plan node only reads: no DDL, DML, COPY or change of a setting.
fn is_query(plan: &LogicalPlan) -> bool {
    !matches!(
        plan,
        LogicalPlan::Ddl(_)
            | LogicalPlan::Dml(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::Statement(Statement::SetVariable(_) | Statement::ResetVariable(_))
    )
}

/// `schema.table` as a user would write it, without the catalog.
pub(crate) fn display_reference(reference: &TableReference) -> String {
    match reference {
        TableReference::Bare { table } => table.to_string(),
        TableReference::Partial { schema, table } => format!("{schema}.{table}"),
        TableReference::Full { schema, table, .. } => format!("{schema}.{table}"),
    }
}

/// What kind of statement a plan is, in SQL words: `CREATE TABLE`, `INSERT`, `COPY`.
fn statement_kind(plan: &LogicalPlan) -> String {
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
        LogicalPlan::Statement(Statement::SetVariable(_)) => "SET".to_string(),
        LogicalPlan::Statement(Statement::ResetVariable(_)) => "RESET".to_string(),
        other => match other.inputs().first() {
            Some(input) => statement_kind(input),
            None => "this statement".to_string(),
        },
    }
}
