//! Time travel in SQL: `as_of(cctns.fir, '2024-06-30')` and `as_of(cctns.fir, 'v12')` in a
//! FROM clause read a Delta table as of a moment or a version; so do the dialects' own clauses
//! (`VERSION AS OF 12`, `TIMESTAMP AS OF '…'` in Databricks', `FOR SYSTEM_TIME AS OF '…'` in
//! BigQuery's and MSSQL's).
//!
//! DataFusion's planner ignores those clauses (it would read the latest version without a
//! word) and its table functions cannot wait for a log to be read, so each is rewritten before
//! planning into the table's pinned name, `cctns."fir@v12"`, which the lake's schema resolves
//! (reading the log) like any table name. Without an alias, the table keeps its own name as
//! one, so `fir.status` still works.

use std::ops::ControlFlow;

use datafusion::sql::parser::{CopyToSource, Statement};
use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, Ident, ObjectName, ObjectNamePart, TableAlias, TableFactor,
    TableVersion, Value, VisitMut, VisitorMut,
};

use crate::delta::Pin;
use crate::error::{Error, Result};

/// The name of the FROM-clause function that reads a table as of a version or moment.
pub const AS_OF: &str = "as_of";

/// Rewrites every `as_of(...)` and version clause of `statement` into a pinned table name.
pub fn rewrite(statement: &mut Statement) -> Result<()> {
    let flow = match statement {
        Statement::Statement(sql) => sql.visit(&mut Rewriter),
        Statement::Explain(explain) => return rewrite(&mut explain.statement),
        Statement::CopyTo(copy) => match &mut copy.source {
            CopyToSource::Query(query) => query.visit(&mut Rewriter),
            CopyToSource::Relation(_) => ControlFlow::Continue(()),
        },
        Statement::CreateExternalTable(_) | Statement::Reset(_) => ControlFlow::Continue(()),
    };
    match flow {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(message) => Err(Error::Query(datafusion::error::DataFusionError::Plan(
            message,
        ))),
    }
}

struct Rewriter;

impl VisitorMut for Rewriter {
    type Break = String;

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<String> {
        let TableFactor::Table {
            name,
            alias,
            args,
            version,
            ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        let pinned = if let Some(version) = version.take() {
            let pin = match pin_of_clause(&version) {
                Ok(pin) => pin,
                Err(message) => return ControlFlow::Break(message),
            };
            Some((name.clone(), pin))
        } else if is_as_of(name) && args.is_some() {
            let arguments = args.take().map(|a| a.args).unwrap_or_default();
            match as_of_arguments(&arguments) {
                Ok(pinned) => Some(pinned),
                Err(message) => return ControlFlow::Break(message),
            }
        } else {
            None
        };
        if let Some((table, pin)) = pinned {
            let (pinned_name, own_name) = pinned_name(&table, &pin);
            *name = pinned_name;
            alias.get_or_insert(TableAlias {
                explicit: false,
                name: own_name,
                columns: Vec::new(),
                at: None,
            });
        }
        ControlFlow::Continue(())
    }
}

fn is_as_of(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [ObjectNamePart::Identifier(ident)]
        if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case(AS_OF))
}

const USAGE: &str = "as_of(TABLE, 'v12' | '2024-06-30' | '2024-06-30T18:00:00+05:30')";

/// The table and pin of `as_of(table, pin)`.
fn as_of_arguments(arguments: &[FunctionArg]) -> Result<(ObjectName, Pin), String> {
    let expressions: Vec<&Expr> = arguments
        .iter()
        .filter_map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
            _ => None,
        })
        .collect();
    let [table, pin] = expressions.as_slice() else {
        return Err(format!(
            "as_of takes a table and a version or moment: {USAGE}"
        ));
    };
    let table = match table {
        Expr::Identifier(ident) => ObjectName::from(vec![ident.clone()]),
        Expr::CompoundIdentifier(idents) => ObjectName::from(idents.clone()),
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(text) => {
                ObjectName::from(text.split('.').map(Ident::new).collect::<Vec<_>>())
            }
            _ => {
                return Err(format!(
                    "as_of: the first argument is a table name: {USAGE}"
                ));
            }
        },
        _ => {
            return Err(format!(
                "as_of: the first argument is a table name: {USAGE}"
            ));
        }
    };
    Ok((table, pin_of(pin)?))
}

/// The pin an expression gives: a number is a version, a string a version (`v12`) or moment.
fn pin_of(expr: &Expr) -> Result<Pin, String> {
    let Expr::Value(value) = expr else {
        return Err(format!(
            "as_of: the version or moment must be written out as a literal, not {expr}: {USAGE}"
        ));
    };
    match &value.value {
        Value::Number(number, _) => number
            .parse()
            .map(Pin::Version)
            .map_err(|_| format!("as_of: {number} is not a version number")),
        Value::SingleQuotedString(text) | Value::DoubleQuotedString(text) => {
            Pin::parse(text).map_err(|problem| format!("as_of: {problem}"))
        }
        other => Err(format!(
            "as_of: {other} is not a version or a moment: {USAGE}"
        )),
    }
}

fn pin_of_clause(version: &TableVersion) -> Result<Pin, String> {
    match version {
        TableVersion::VersionAsOf(expr) => match pin_of(expr)? {
            Pin::Version(v) => Ok(Pin::Version(v)),
            Pin::At(_) => Err("VERSION AS OF takes a version number".to_string()),
        },
        TableVersion::TimestampAsOf(expr) | TableVersion::ForSystemTimeAsOf(expr) => {
            match pin_of(expr)? {
                Pin::At(at) => Ok(Pin::At(at)),
                Pin::Version(_) => Err("TIMESTAMP AS OF takes a moment".to_string()),
            }
        }
        other => Err(format!(
            "{other} is not supported; read a Delta table as of a version or moment with {USAGE}"
        )),
    }
}

/// `schema."table@pin"`, and the table's own name (for the alias).
fn pinned_name(table: &ObjectName, pin: &Pin) -> (ObjectName, Ident) {
    let mut parts = table.0.clone();
    let own = match parts.last() {
        Some(ObjectNamePart::Identifier(ident)) if ident.quote_style.is_some() => ident.clone(),
        Some(ObjectNamePart::Identifier(ident)) => Ident::new(ident.value.to_lowercase()),
        _ => Ident::new(table.to_string()),
    };
    let pinned = Ident::with_quote('"', format!("{}@{}", own.value, pin.suffix()));
    if let Some(last) = parts.last_mut() {
        *last = ObjectNamePart::Identifier(pinned);
    }
    (ObjectName(parts), own)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::parser::DFParser;

    fn rewritten(sql: &str) -> std::result::Result<String, String> {
        let mut statement = DFParser::parse_sql(sql).unwrap().pop_front().unwrap();
        rewrite(&mut statement).map_err(|e| e.to_string())?;
        Ok(statement.to_string())
    }

    #[test]
    fn as_of_becomes_a_pinned_name_with_the_table_as_alias() {
        assert_eq!(
            rewritten("SELECT fir.status FROM as_of(cctns.fir, 'v3')").unwrap(),
            r#"SELECT fir.status FROM cctns."fir@v3" fir"#
        );
        assert_eq!(
            rewritten("SELECT * FROM AS_OF(CCTNS.FIR, 3) AS f JOIN x ON true").unwrap(),
            r#"SELECT * FROM CCTNS."fir@v3" AS f JOIN x ON true"#
        );
        assert_eq!(
            rewritten("SELECT * FROM as_of('cctns.fir', '2024-06-30')").unwrap(),
            r#"SELECT * FROM cctns."fir@2024-06-30T18:29:59.999Z" fir"#
        );
        // Inside subqueries, CTEs and EXPLAIN too.
        let nested = rewritten(
            "EXPLAIN WITH a AS (SELECT * FROM as_of(cctns.fir, 1)) SELECT * FROM a WHERE x IN (SELECT y FROM as_of(cctns.fir, 2))",
        )
        .unwrap();
        assert!(nested.contains(r#"cctns."fir@v1""#) && nested.contains(r#"cctns."fir@v2""#));
    }

    #[test]
    fn bad_arguments_are_explained() {
        for (sql, expected) in [
            ("SELECT * FROM as_of(cctns.fir)", "as_of takes a table and"),
            (
                "SELECT * FROM as_of(cctns.fir, 'soon')",
                "cannot read \"soon\"",
            ),
            (
                "SELECT * FROM as_of(cctns.fir, now())",
                "written out as a literal",
            ),
            (
                "SELECT * FROM as_of(1, 2)",
                "first argument is a table name",
            ),
        ] {
            let error = rewritten(sql).unwrap_err();
            assert!(error.contains(expected), "{sql}: {error}");
        }
    }

    #[test]
    fn the_dialects_own_clauses_pin_too() {
        use datafusion::sql::parser::DFParserBuilder;
        use datafusion::sql::sqlparser::dialect::{BigQueryDialect, DatabricksDialect};
        let parse = |sql: &str, dialect: &dyn datafusion::sql::sqlparser::dialect::Dialect| {
            let mut statement = DFParserBuilder::new(sql)
                .with_dialect(dialect)
                .build()
                .unwrap()
                .parse_statements()
                .unwrap()
                .pop_front()
                .unwrap();
            rewrite(&mut statement).map(|_| statement.to_string())
        };
        let databricks = DatabricksDialect {};
        assert_eq!(
            parse("SELECT * FROM cctns.fir VERSION AS OF 3", &databricks).unwrap(),
            r#"SELECT * FROM cctns."fir@v3" fir"#
        );
        assert_eq!(
            parse(
                "SELECT * FROM cctns.fir TIMESTAMP AS OF '2024-06-30' f",
                &databricks
            )
            .unwrap(),
            r#"SELECT * FROM cctns."fir@2024-06-30T18:29:59.999Z" f"#
        );
        let error = parse("SELECT * FROM cctns.fir TIMESTAMP AS OF 'v3'", &databricks);
        assert!(
            error
                .unwrap_err()
                .to_string()
                .contains("TIMESTAMP AS OF takes a moment")
        );
        assert_eq!(
            parse(
                "SELECT * FROM cctns.fir FOR SYSTEM_TIME AS OF '2024-06-30T10:00:00Z'",
                &BigQueryDialect {}
            )
            .unwrap(),
            r#"SELECT * FROM cctns."fir@2024-06-30T10:00:00Z" fir"#
        );
    }

    #[test]
    fn other_functions_and_tables_are_left_alone() {
        let sql = "SELECT * FROM generate_series(1, 3), cctns.fir";
        assert_eq!(rewritten(sql).unwrap(), sql);
    }
}
