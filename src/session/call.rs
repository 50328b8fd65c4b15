//! `CALL report(name => value, ...)`: a saved report run as a SQL statement, so that every SQL
//! client — the server's, a JDBC tool, a notebook — runs the lake's reports with their typed
//! parameters, and prepares them with `?` for values bound later. `CALL reports()` lists the
//! reports the session can run.
//!
//! Arguments are values, never SQL: a quoted text, a number, `true` / `false`, a typed literal
//! (`DATE '2024-06-30'`), or a placeholder. Each is handed to the report as the text a user
//! would type after `-p name=`, and parsed by the parameter's declared type, so a value holding
//! quotes or SQL stays one value of that type.

use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field};
use datafusion::sql::parser::Statement;
use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Statement as SqlStatement,
    UnaryOperator, Value,
};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::Token;

use super::Session;
use crate::error::{Error, Result};
use crate::params::{ParamError, Params};
use crate::reports::Report;
use crate::result::QueryResult;
use crate::script::ScriptStatement;

/// `CALL reports()` lists the reports instead of running one.
pub const LIST_REPORTS: &str = "reports";

/// `CALL history('schema.table' [, N])` lists a Delta table's versions.
pub const HISTORY: &str = "history";

/// The metadata key naming the report parameter a `CALL` placeholder fills.
pub const REPORT_PARAMETER: &str = "jaanch.report_parameter";

/// A parsed `CALL`: the report's name and its arguments, by name or by position.
pub(super) struct Call {
    pub(super) report: String,
    args: Vec<(Option<String>, Expr)>,
}

/// Whether `statement` is a `CALL` (its first word), which DataFusion does not plan.
pub(super) fn is_call(statement: &ScriptStatement) -> bool {
    statement
        .tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))
        .is_some_and(|t| matches!(&t.token, Token::Word(word) if word.keyword == Keyword::CALL))
}

impl Call {
    /// The report call `statement` is; `CALL a.b()` or a report given by path is refused.
    pub(super) fn from_statement(statement: Statement) -> Result<Call> {
        let Statement::Statement(statement) = statement else {
            return Err(not_a_call());
        };
        let SqlStatement::Call(function) = *statement else {
            return Err(not_a_call());
        };
        let [name] = function.name.0.as_slice() else {
            return Err(shape(
                &function.name.to_string(),
                "reports have one-part names (CALL reports() lists them)",
            ));
        };
        let report = match name.as_ident() {
            Some(ident) if ident.quote_style.is_some() => ident.value.clone(),
            Some(ident) => ident.value.to_ascii_lowercase(),
            None => return Err(shape(&name.to_string(), "not a report name")),
        };
        let list = match function.args {
            FunctionArguments::None => Vec::new(),
            FunctionArguments::List(list) if list.clauses.is_empty() => list.args,
            _ => return Err(shape(&report, "give the arguments as (name => value, ...)")),
        };
        let mut args = Vec::with_capacity(list.len());
        for arg in list {
            let (name, arg) = match arg {
                FunctionArg::Named { name, arg, .. } => (Some(name.value), arg),
                FunctionArg::Unnamed(arg) => (None, arg),
                FunctionArg::ExprNamed { name, .. } => {
                    return Err(shape(
                        &report,
                        &format!("{name} is not a parameter name: write name => value"),
                    ));
                }
            };
            let FunctionArgExpr::Expr(expr) = arg else {
                return Err(shape(&report, "* is not a value"));
            };
            args.push((name, expr));
        }
        Ok(Call { report, args })
    }

    /// Whether the call lists the reports.
    pub(super) fn lists_reports(&self) -> bool {
        self.report == LIST_REPORTS && self.args.is_empty()
    }

    /// The table and number of versions of `CALL history('schema.table' [, N])`, if it is one.
    fn history(&self) -> Option<Result<(String, Option<usize>)>> {
        if self.report != HISTORY {
            return None;
        }
        let usage = || {
            shape(
                HISTORY,
                "write CALL history('schema.table') or CALL history('schema.table', 20)",
            )
        };
        let table = match self.args.first() {
            Some((None, Expr::Value(value))) => match &value.value {
                Value::SingleQuotedString(name) => name.clone(),
                _ => return Some(Err(usage())),
            },
            Some((None, Expr::CompoundIdentifier(idents))) => idents
                .iter()
                .map(|i| i.value.clone())
                .collect::<Vec<_>>()
                .join("."),
            _ => return Some(Err(usage())),
        };
        let limit = match self.args.get(1) {
            None => None,
            Some((None, Expr::Value(value))) => match &value.value {
                Value::Number(n, _) => match n.parse() {
                    Ok(n) => Some(n),
                    Err(_) => return Some(Err(usage())),
                },
                _ => return Some(Err(usage())),
            },
            Some(_) => return Some(Err(usage())),
        };
        if self.args.len() > 2 {
            return Some(Err(usage()));
        }
        Some(Ok((table, limit)))
    }

    /// Each argument's name and the value's text; positional arguments take the report's
    /// parameters in the order it declares them.
    pub(super) fn values(
        &self,
        report: &Report,
        params: Option<&Params>,
    ) -> Result<Vec<(String, String)>> {
        let mut values = Vec::with_capacity(self.args.len());
        let mut named_seen = false;
        let mut placeholders = 0;
        for (position, (name, expr)) in self.args.iter().enumerate() {
            let name = match name {
                Some(name) => {
                    named_seen = true;
                    name.clone()
                }
                None if named_seen => {
                    return Err(shape(
                        &report.name,
                        "a value without a name cannot follow one with a name",
                    ));
                }
                None => match report.params.get(position) {
                    Some(param) => param.name.clone(),
                    None => {
                        return Err(shape(
                            &report.name,
                            &format!(
                                "{} values given, the report takes {}",
                                self.args.len(),
                                report.params.len()
                            ),
                        ));
                    }
                },
            };
            let text = match expr {
                Expr::Value(value) if matches!(value.value, Value::Placeholder(_)) => {
                    placeholders += 1;
                    let Value::Placeholder(placeholder) = &value.value else {
                        unreachable!("matched above")
                    };
                    bound_text(&report.name, &name, placeholder, params)?
                }
                expr => literal_text(&report.name, &name, expr)?,
            };
            values.push((name, text));
        }
        let given = match params {
            None => 0,
            Some(Params::Named(values)) => values.len(),
            Some(Params::Positional(values)) => values.len(),
        };
        if given > placeholders {
            return Err(shape(
                &report.name,
                &format!("{given} values bound, but the call has {placeholders} placeholders"),
            ));
        }
        Ok(values)
    }

    /// The placeholders among the arguments, with the declared type of the parameter each
    /// fills, in the order they are written.
    pub(super) fn placeholders(&self, report: &Report) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        for (position, (name, expr)) in self.args.iter().enumerate() {
            let Expr::Value(value) = expr else { continue };
            let Value::Placeholder(placeholder) = &value.value else {
                continue;
            };
            let param = match name {
                Some(name) => report.params.iter().find(|p| &p.name == name),
                None => report.params.get(position),
            };
            let data_type = param.map_or(DataType::Null, |p| p.param_type.data_type());
            let field = Field::new(placeholder, data_type, true);
            fields.push(match param {
                Some(param) => {
                    field.with_metadata([(REPORT_PARAMETER.to_string(), param.name.clone())].into())
                }
                None => field,
            });
        }
        Ok(fields)
    }
}

fn not_a_call() -> Error {
    Error::Param(ParamError::Call {
        report: String::new(),
        message: "not a report call".to_string(),
    })
}

fn shape(report: &str, message: &str) -> Error {
    Error::Param(ParamError::Call {
        report: report.to_string(),
        message: message.to_string(),
    })
}

/// The text of a literal argument, as a user would type it after `-p name=`.
fn literal_text(report: &str, name: &str, expr: &Expr) -> Result<String> {
    let text = match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::NationalStringLiteral(s) => Some(s.clone()),
            Value::Number(n, _) => Some(n.to_string()),
            Value::Boolean(b) => Some(b.to_string()),
            _ => None,
        },
        Expr::TypedString(typed) => match &typed.value.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(value) => match &value.value {
                Value::Number(n, _) => Some(format!("-{n}")),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    text.ok_or_else(|| {
        let hint = match expr {
            Expr::Identifier(ident) => Some(format!(" (quote a text: '{}')", ident.value)),
            Expr::Value(value) if matches!(value.value, Value::Null) => {
                Some(" (leave the parameter out to use its default)".to_string())
            }
            _ => None,
        };
        Error::Param(ParamError::NotAValue {
            report: report.to_string(),
            name: name.to_string(),
            given: expr.to_string(),
            hint,
        })
    })
}

/// The text of the value bound to `placeholder`.
fn bound_text(
    report: &str,
    name: &str,
    placeholder: &str,
    params: Option<&Params>,
) -> Result<String> {
    let key = &placeholder[1..];
    let value = match params {
        Some(Params::Positional(values)) => key
            .parse::<usize>()
            .ok()
            .and_then(|n| values.get(n.checked_sub(1)?)),
        Some(Params::Named(values)) => values.iter().find(|(n, _)| n == key).map(|(_, v)| v),
        None => None,
    };
    let Some(value) = value else {
        return Err(shape(
            report,
            &format!("no value is bound to {placeholder} (parameter {name})"),
        ));
    };
    if value.is_null() {
        return Err(shape(
            report,
            &format!(
                "parameter {name} is bound to NULL: leave the parameter out to use its default"
            ),
        ));
    }
    // Text exactly as bound; any other value as it displays (a date as 2024-06-30).
    Ok(match value.try_as_str() {
        Some(Some(text)) => text.to_string(),
        _ => value.to_string(),
    })
}

impl Session {
    /// Runs a `CALL` statement with the values bound to its placeholders, if any.
    pub(super) async fn call(
        &self,
        statement: &ScriptStatement,
        params: Option<Params>,
    ) -> Result<QueryResult> {
        let text = statement.text();
        let call = match self.parse(statement).and_then(Call::from_statement) {
            Ok(call) => call,
            Err(error) => return Err(self.record_failure(&text, None, &[], error)),
        };
        if call.lists_reports() {
            return self.list_reports(&text).await;
        }
        if let Some(history) = call.history() {
            let started = Instant::now();
            let mut ticket = self.ticket(&text, started);
            let result = async {
                let (table, limit) = history?;
                let batch = self.history(&table, limit).await?;
                if let Some(ticket) = &mut ticket {
                    ticket.set_tables(vec![table.to_ascii_lowercase()]);
                }
                let plan = self.ctx.read_batch(batch)?.into_unoptimized_plan();
                self.execute(plan, started, &mut ticket).await
            }
            .await;
            return super::settle(result, ticket);
        }
        let report = match self.lake_report(&call.report) {
            Ok(report) => report,
            Err(error) => return Err(self.record_failure("", Some(&call.report), &[], error)),
        };
        match call.values(&report, params.as_ref()) {
            Ok(values) => self.run_report(&report, &values).await,
            Err(error) => Err(self.record_failure("", Some(&report.name), &[], error)),
        }
    }

    /// A report of the lake by name: `CALL` does not run report files by path.
    pub(super) fn lake_report(&self, name: &str) -> Result<Report> {
        if name.contains(['/', '\\']) || name.ends_with(".sql") {
            return Err(shape(
                name,
                "CALL runs the lake's reports by name, not report files (CALL reports() lists them)",
            ));
        }
        self.find_report(name)
    }

    /// `CALL reports()`: each report this session can run, with its parameters.
    async fn list_reports(&self, text: &str) -> Result<QueryResult> {
        let plan = self
            .ctx
            .read_batch(self.reports_batch())?
            .into_unoptimized_plan();
        let started = Instant::now();
        let mut ticket = self.ticket(text, started);
        let result = self.execute(plan, started, &mut ticket).await;
        super::settle(result, ticket)
    }

    /// The answer of `CALL reports()`.
    pub(super) fn reports_batch(&self) -> RecordBatch {
        let reports = self.reports().reports;
        let column = |f: fn(&Report) -> Option<String>| reports.iter().map(f).collect();
        crate::describe::text_batch(&[
            ("report", column(|r| Some(r.name.clone()))),
            ("title", column(|r| Some(r.title.clone()))),
            ("parameters", column(|r| Some(params_text(r)))),
            ("description", column(|r| r.description.clone())),
            // Hints for whoever shows the result (a chart, a map), `; ` between them.
            (
                "output",
                column(|r| (!r.output.is_empty()).then(|| r.output.join("; "))),
            ),
            ("call", column(|r| Some(example_call(r)))),
        ])
    }
}

/// A report's parameters: `district text; year int = 2024`.
fn params_text(report: &Report) -> String {
    let params: Vec<String> = report.params.iter().map(|p| p.to_string()).collect();
    params.join("; ")
}

/// How to call `report`: `CALL name(district => ?, year => ?)`.
fn example_call(report: &Report) -> String {
    let args: Vec<String> = report
        .params
        .iter()
        .filter(|p| p.is_required())
        .map(|p| format!("{} => ?", p.name))
        .collect();
    format!("CALL {}({})", report.name, args.join(", "))
}
