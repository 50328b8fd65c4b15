//! What a lake holds, as small read-only Python objects: tables, columns, functions, reports.
//!
//! Each has attributes, a readable `repr` and `to_dict()` (so that
//! `pandas.DataFrame([t.to_dict() for t in lake.tables()])` gives a table of them).

use std::fmt::Write;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use jaanch::describe::{ColumnEntry, FunctionEntry, TableEntry};
use jaanch::reports::{Param, Report};

/// `Name(field=value, ...)` with Python-style string quoting.
fn repr(class: &str, fields: &[(&str, Option<&str>)]) -> String {
    let mut out = format!("{class}(");
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match value {
            Some(value) => write!(out, "{name}={}", quote(value)),
            None => write!(out, "{name}=None"),
        }
        .expect("writing to a String");
    }
    out.push(')');
    out
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A table a query can use.
#[pyclass(frozen, get_all, eq, module = "jaanch")]
#[derive(Debug, PartialEq, Eq)]
pub struct TableInfo {
    /// `schema.table`; bare for tables registered with `Lake.register`.
    pub name: String,
    /// `parquet`, `csv` or `ndjson` for lake tables, `reference` for `ref.*`, `memory` for
    /// registered tables.
    pub format: String,
    pub location: Option<String>,
    pub description: Option<String>,
}

impl From<TableEntry> for TableInfo {
    fn from(entry: TableEntry) -> Self {
        TableInfo {
            name: entry.name,
            format: entry.format,
            location: entry.location,
            description: entry.description,
        }
    }
}

#[pymethods]
impl TableInfo {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", &self.name)?;
        dict.set_item("format", &self.format)?;
        dict.set_item("location", &self.location)?;
        dict.set_item("description", &self.description)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        repr(
            "TableInfo",
            &[
                ("name", Some(&self.name)),
                ("format", Some(&self.format)),
                ("location", self.location.as_deref()),
                ("description", self.description.as_deref()),
            ],
        )
    }
}

/// One column of a table.
#[pyclass(frozen, get_all, eq, module = "jaanch")]
#[derive(Debug, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// The Arrow type, as DataFusion writes it (`Utf8`, `Int64`, `Timestamp(µs)`, ...).
    pub data_type: String,
    pub nullable: bool,
    /// From the lake config's `[table.columns]`.
    pub description: Option<String>,
}

impl From<ColumnEntry> for ColumnInfo {
    fn from(entry: ColumnEntry) -> Self {
        ColumnInfo {
            name: entry.name,
            data_type: entry.data_type,
            nullable: entry.nullable,
            description: entry.description,
        }
    }
}

#[pymethods]
impl ColumnInfo {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", &self.name)?;
        dict.set_item("data_type", &self.data_type)?;
        dict.set_item("nullable", self.nullable)?;
        dict.set_item("description", &self.description)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let nullable = if self.nullable { "True" } else { "False" };
        let text = repr(
            "ColumnInfo",
            &[
                ("name", Some(&self.name)),
                ("data_type", Some(&self.data_type)),
            ],
        );
        let description = self.description.as_deref().map_or("None".into(), quote);
        format!(
            "{}, nullable={nullable}, description={description})",
            text.trim_end_matches(')')
        )
    }
}

/// A SQL function.
#[pyclass(frozen, get_all, eq, module = "jaanch")]
#[derive(Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    pub name: String,
    /// `police` for jaanch's own functions, else `scalar`, `aggregate` or `window`.
    pub kind: String,
    /// The first sentence of its documentation.
    pub summary: String,
    /// `plate_normalize(text)`, when documented.
    pub syntax: Option<String>,
}

impl From<FunctionEntry> for FunctionInfo {
    fn from(entry: FunctionEntry) -> Self {
        FunctionInfo {
            summary: entry.summary(),
            syntax: entry
                .documentation
                .as_ref()
                .map(|doc| doc.syntax_example.clone()),
            name: entry.name,
            kind: entry.kind.to_string(),
        }
    }
}

#[pymethods]
impl FunctionInfo {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", &self.name)?;
        dict.set_item("kind", &self.kind)?;
        dict.set_item("summary", &self.summary)?;
        dict.set_item("syntax", &self.syntax)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        repr(
            "FunctionInfo",
            &[
                ("name", Some(&self.name)),
                ("kind", Some(&self.kind)),
                ("summary", Some(&self.summary)),
                ("syntax", self.syntax.as_deref()),
            ],
        )
    }
}

/// A parameter of a saved report.
#[pyclass(frozen, get_all, eq, skip_from_py_object, module = "jaanch")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportParam {
    pub name: String,
    /// `text`, `int`, `float`, `bool`, `date` or `timestamp`.
    #[pyo3(name = "type")]
    pub param_type: String,
    /// The SQL expression giving the default (`current_date - interval '7 days'`); `None` when
    /// the parameter is required.
    pub default: Option<String>,
    pub required: bool,
}

impl From<&Param> for ReportParam {
    fn from(param: &Param) -> Self {
        ReportParam {
            name: param.name.clone(),
            param_type: param.param_type.to_string(),
            default: param.default.clone(),
            required: param.is_required(),
        }
    }
}

#[pymethods]
impl ReportParam {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", &self.name)?;
        dict.set_item("type", &self.param_type)?;
        dict.set_item("default", &self.default)?;
        dict.set_item("required", self.required)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        repr(
            "ReportParam",
            &[
                ("name", Some(&self.name)),
                ("type", Some(&self.param_type)),
                ("default", self.default.as_deref()),
            ],
        )
    }
}

/// A saved report.
#[pyclass(frozen, get_all, eq, module = "jaanch")]
#[derive(Debug, PartialEq, Eq)]
pub struct ReportInfo {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub params: Vec<ReportParam>,
    /// `bundled`, or the path of the report's file.
    pub origin: String,
    /// Its `-- output:` hints: a default sort, a chart, a map.
    pub output: Vec<String>,
}

impl From<&Report> for ReportInfo {
    fn from(report: &Report) -> Self {
        ReportInfo {
            name: report.name.clone(),
            title: report.title.clone(),
            description: report.description.clone(),
            params: report.params.iter().map(ReportParam::from).collect(),
            origin: match &report.origin {
                jaanch::reports::Origin::Bundled => "bundled".to_string(),
                jaanch::reports::Origin::File(path) => path.display().to_string(),
            },
            output: report.output.clone(),
        }
    }
}

#[pymethods]
impl ReportInfo {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", &self.name)?;
        dict.set_item("title", &self.title)?;
        dict.set_item("description", &self.description)?;
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| match &p.default {
                Some(default) => format!("{} {} = {default}", p.name, p.param_type),
                None => format!("{} {}", p.name, p.param_type),
            })
            .collect();
        dict.set_item("params", params.join(", "))?;
        dict.set_item("origin", &self.origin)?;
        dict.set_item("output", &self.output)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let params: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
        let text = repr(
            "ReportInfo",
            &[("name", Some(&self.name)), ("title", Some(&self.title))],
        );
        format!(
            "{}, params=[{}])",
            text.trim_end_matches(')'),
            params
                .iter()
                .map(|p| quote(p))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
