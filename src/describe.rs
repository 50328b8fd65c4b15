//! What the lake holds: tables, columns and functions, with their descriptions.
//!
//! What a session can see, behind [`Session::tables`], [`Session::describe`] and
//! [`Session::functions`]: the shell's `\dt`, `\d` and `\df` and the Python bindings show the
//! same facts.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::SchemaRef;
use datafusion::common::TableReference;
use datafusion::logical_expr::Documentation;

use crate::error::{Error, Result};
use crate::lake::{CATALOG, DEFAULT_SCHEMA, REF_SCHEMA};
use crate::names::closest;
use crate::session::Session;

/// The format of tables registered at run time (a notebook's data frames).
pub const MEMORY: &str = "memory";

/// A table a query can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    /// `schema.table` (bare for tables registered in the default schema).
    pub name: String,
    /// `parquet`, `csv`, `ndjson` for lake tables; `reference` for `ref.*`; `memory` for tables
    /// registered at run time.
    pub format: String,
    pub location: Option<String>,
    pub description: Option<String>,
}

/// One column of a described table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnEntry {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    pub description: Option<String>,
}

/// Every table a query can use, sorted by name.
pub(crate) fn tables(session: &Session) -> Vec<TableEntry> {
    let mut entries: Vec<TableEntry> = session
        .tables
        .iter()
        .map(|t| TableEntry {
            name: t.config.name.to_ascii_lowercase(),
            format: t.config.format.to_string(),
            location: Some(crate::error::display_url(&t.url)),
            description: t.config.description.clone(),
        })
        .collect();
    for name in table_names(session) {
        if entries.iter().any(|e| e.name == name) {
            continue;
        }
        if name == crate::audit::AUDIT_TABLE
            && let Some(log) = &session.shared().audit
        {
            entries.push(TableEntry {
                name,
                format: "audit log".to_string(),
                location: Some(log.dir().display().to_string()),
                description: Some(
                    "Every statement on this lake, allowed or refused: who, why, what, outcome"
                        .to_string(),
                ),
            });
            continue;
        }
        let is_ref = name.starts_with(&format!("{REF_SCHEMA}."));
        entries.push(TableEntry {
            format: if is_ref { "reference" } else { MEMORY }.to_string(),
            location: is_ref.then(|| "built in".to_string()),
            description: is_ref.then(|| reference_description(&name)).flatten(),
            name,
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

fn reference_description(name: &str) -> Option<String> {
    let text = match name.strip_prefix("ref.")? {
        "districts" => {
            "Rajasthan districts: current and abolished, Hindi names, aliases, codes, HQ"
        }
        "rto_codes" => "Rajasthan registration offices (RJ01..) and their current districts",
        "police_districts" => "Police districts that are not revenue districts, and their district",
        "state_codes" => "State and UT codes used on number plates, current and old",
        "ipc_bns" => "IPC 1860 ↔ BNS 2023 section correspondence",
        _ => return None,
    };
    Some(text.to_string())
}

/// Tables whose name matches `pattern`: `*` and `?` wildcards, else a substring; any case.
pub(crate) fn matching_tables(session: &Session, pattern: Option<&str>) -> Vec<TableEntry> {
    tables(session)
        .into_iter()
        .filter(|t| pattern.is_none_or(|p| matches_pattern(p, &t.name)))
        .collect()
}

/// Glob-style match when `pattern` has `*` or `?`, substring match otherwise; ignores case.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    if !pattern.contains(['*', '?']) {
        return name.contains(&pattern);
    }
    fn glob(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
            (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
            _ => false,
        }
    }
    glob(pattern.as_bytes(), name.as_bytes())
}

/// The full reference of a table named as [`TableEntry::name`] is.
fn reference(name: &str) -> TableReference {
    match name.split_once('.') {
        Some((schema, table)) => TableReference::full(CATALOG, schema, table),
        None => TableReference::full(CATALOG, DEFAULT_SCHEMA, name),
    }
}

/// The schema of a table the session has (`entry` of [`tables`]), as the session reads it
/// (masked columns as masked).
pub(crate) async fn schema(session: &Session, entry: &TableEntry) -> Result<SchemaRef> {
    Ok(session
        .ctx
        .table_provider(reference(&entry.name))
        .await?
        .schema())
}

/// A table's description and columns. Loads the table (lists its files) if it was not used yet.
pub(crate) async fn describe(
    session: &Session,
    name: &str,
) -> Result<(TableEntry, Vec<ColumnEntry>)> {
    let tables = tables(session);
    let Some(entry) = tables.iter().find(|t| t.name.eq_ignore_ascii_case(name)) else {
        let known: Vec<String> = tables.into_iter().map(|t| t.name).collect();
        return Err(Error::UnknownTable {
            name: name.to_string(),
            suggestion: closest(name, &known).map(str::to_string),
        });
    };
    let entry = entry.clone();
    let provider = session.ctx.table_provider(reference(&entry.name)).await?;
    let config = session
        .tables
        .iter()
        .find(|t| t.config.name.eq_ignore_ascii_case(name));
    let columns = provider
        .schema()
        .fields()
        .iter()
        .map(|field| ColumnEntry {
            name: field.name().clone(),
            data_type: field.data_type().to_string(),
            nullable: field.is_nullable(),
            description: config.and_then(|t| t.config.columns.get(field.name()).cloned()),
        })
        .collect();
    Ok((entry, columns))
}

/// A function a query can call.
#[derive(Debug, Clone)]
pub struct FunctionEntry {
    pub name: String,
    /// `police`, `scalar`, `aggregate` or `window`.
    pub kind: &'static str,
    pub documentation: Option<Documentation>,
}

impl FunctionEntry {
    /// The description's first sentence, on one line.
    pub fn summary(&self) -> String {
        let Some(doc) = &self.documentation else {
            return String::new();
        };
        let text = doc
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match text.find(". ") {
            Some(end) => text[..=end].to_string(),
            None => text,
        }
    }
}

/// The police functions, or with a pattern every function whose name matches it.
pub(crate) fn functions(session: &Session, pattern: Option<&str>) -> Vec<FunctionEntry> {
    let police: Vec<String> = jaanch_udfs::functions()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let state = session.ctx.state();
    let mut entries = Vec::new();
    for (name, udf) in state.scalar_functions() {
        let kind = if police.contains(name) {
            "police"
        } else {
            "scalar"
        };
        entries.push(FunctionEntry {
            name: name.clone(),
            kind,
            documentation: udf.documentation().cloned(),
        });
    }
    for (name, udaf) in state.aggregate_functions() {
        entries.push(FunctionEntry {
            name: name.clone(),
            kind: "aggregate",
            documentation: udaf.documentation().cloned(),
        });
    }
    for (name, udwf) in state.window_functions() {
        entries.push(FunctionEntry {
            name: name.clone(),
            kind: "window",
            documentation: udwf.documentation().cloned(),
        });
    }
    entries.retain(|f| match pattern {
        None => f.kind == "police",
        Some(p) => matches_pattern(p, &f.name),
    });
    entries.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(b.kind)));
    entries.dedup_by(|a, b| a.name == b.name);
    entries
}

/// Every table name a query can use, schema-qualified (`cctns.fir`, `ref.districts`, ...).
fn table_names(session: &Session) -> Vec<String> {
    let mut names = Vec::new();
    let Some(catalog) = session.ctx.catalog(CATALOG) else {
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

/// Text columns as a record batch, for printing lists through the normal printer.
pub fn text_batch(columns: &[(&str, Vec<Option<String>>)]) -> RecordBatch {
    let arrays: Vec<(&str, ArrayRef)> = columns
        .iter()
        .map(|(name, values)| {
            (
                *name,
                Arc::new(StringArray::from(values.clone())) as ArrayRef,
            )
        })
        .collect();
    RecordBatch::try_from_iter(arrays).expect("columns of equal length")
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn patterns() {
        assert!(matches_pattern("cctns.*", "cctns.fir"));
        assert!(matches_pattern("*READS*", "abhay.anpr_reads"));
        assert!(matches_pattern("fir", "cctns.fir"));
        assert!(matches_pattern("c?tns.fir", "cctns.fir"));
        assert!(!matches_pattern("cctns.*", "abhay.cameras"));
        assert!(!matches_pattern("x*", "cctns.fir"));
    }
}
