//! Saved reports: SQL files with a metadata header and typed parameters.
//!
//! ```sql
//! -- title: Stolen vehicles seen by ANPR cameras
//! -- description: Unrecovered stolen vehicles whose plate was read by a camera in the period.
//! -- param: from date = current_date - interval '7 days'
//! -- param: district text = null
//! -- output: sort seen_at desc
//! SELECT ... WHERE seen_at >= $from AND ($district IS NULL OR ...)
//! ```
//!
//! Parameters are bound as typed values through DataFusion placeholders (`$from`), never spliced
//! into the SQL text, so a value holding quotes or SQL is only ever a value. Every parameter is
//! checked before the query runs: a missing, unknown or malformed one is refused with one line
//! naming it, the value and the expected type.

mod bundled;
mod param;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use datafusion::common::ScalarValue;
use datafusion::logical_expr::LogicalPlan;

use crate::error::{Error, Result};
use crate::lake::{Lake, closest};

pub use param::{ParamType, parse_value};

/// A report's parameter as declared in its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub param_type: ParamType,
    /// A SQL expression giving the default (`current_date - interval '7 days'`, `null`); no
    /// default makes the parameter required.
    pub default: Option<String>,
}

impl Param {
    pub fn is_required(&self) -> bool {
        self.default.is_none()
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.param_type)?;
        if let Some(default) = &self.default {
            write!(f, " = {default}")?;
        }
        Ok(())
    }
}

/// Where a report comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Shipped inside jaanch.
    Bundled,
    /// A file: in the lake's report folder, or given by path.
    File(PathBuf),
}

/// A parsed report.
#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub params: Vec<Param>,
    /// `-- output:` hints, such as a default sort or a chart.
    pub output: Vec<String>,
    pub sql: String,
    pub origin: Origin,
}

impl Report {
    /// Parses report text; `source` names it in errors (a path or `bundled:NAME`).
    pub fn parse(name: &str, text: &str, origin: Origin) -> Result<Report> {
        let source = match &origin {
            Origin::Bundled => format!("bundled report {name}"),
            Origin::File(path) => path.display().to_string(),
        };
        let fail =
            |line: usize, message: String| Error::Query(format!("{source}:{line}: {message}"));
        let mut title = None;
        let mut description: Option<String> = None;
        let mut params: Vec<Param> = Vec::new();
        let mut output = Vec::new();
        let mut body_start = text.len();
        let mut offset = 0;
        for (index, line) in text.split_inclusive('\n').enumerate() {
            let number = index + 1;
            let trimmed = line.trim();
            let Some(comment) = trimmed.strip_prefix("--") else {
                if trimmed.is_empty() {
                    offset += line.len();
                    continue;
                }
                body_start = offset;
                break;
            };
            offset += line.len();
            let Some((key, value)) = comment.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "title" => title = Some(value.to_string()),
                "description" => {
                    // Several description lines make one paragraph.
                    description = Some(match description {
                        Some(before) => format!("{before} {value}"),
                        None => value.to_string(),
                    })
                }
                "param" => {
                    let param = param::parse_declaration(value).map_err(|m| fail(number, m))?;
                    if params.iter().any(|p| p.name == param.name) {
                        return Err(fail(
                            number,
                            format!("parameter {} is declared twice", param.name),
                        ));
                    }
                    params.push(param);
                }
                "output" => output.push(value.to_string()),
                _ => {}
            }
        }
        let sql = text[body_start..].trim().to_string();
        if sql.is_empty() {
            return Err(Error::Query(format!(
                "{source}: the report has no SQL after its header"
            )));
        }
        let body_line = text[..body_start].matches('\n').count() + 1;
        if let Some((line, used)) = placeholders(&sql)
            .into_iter()
            .find(|(_, name)| !params.iter().any(|p| &p.name == name))
        {
            return Err(fail(
                body_line + line,
                format!("${used} is used but not declared (add -- param: {used} TYPE)"),
            ));
        }
        Ok(Report {
            name: name.to_string(),
            title: title.unwrap_or_else(|| name.replace('_', " ")),
            description,
            params,
            output,
            sql,
            origin,
        })
    }

    /// Reads a report file; its name is the file name without `.sql`.
    pub fn load(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Query(format!(
                "{}: {}",
                path.display(),
                crate::config::io_reason(&e)
            ))
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Report::parse(&name, &text, Origin::File(path.to_path_buf()))
    }

    /// Checks `values` (`name=value` pairs as typed by a user) against the declared parameters
    /// and turns them into typed values, evaluating defaults for the rest. Nothing runs if a
    /// parameter is missing, unknown or malformed.
    pub async fn bind(
        &self,
        lake: &Lake,
        values: &[(String, String)],
    ) -> Result<Vec<(String, ScalarValue)>> {
        let declared: Vec<String> = self.params.iter().map(|p| p.name.clone()).collect();
        let mut given: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, value) in values {
            if !declared.contains(name) {
                let hint = match closest(name, &declared) {
                    Some(near) => format!("did you mean {near}? "),
                    None => String::new(),
                };
                let list = if declared.is_empty() {
                    "it takes none".to_string()
                } else {
                    format!("it takes {}", declared.join(", "))
                };
                return Err(Error::Query(format!(
                    "unknown parameter {name} for report {} ({hint}{list})",
                    self.name
                )));
            }
            if given.insert(name, value).is_some() {
                return Err(Error::Query(format!("parameter {name} is given twice")));
            }
        }
        let mut bound = Vec::with_capacity(self.params.len());
        for param in &self.params {
            let value = match (given.get(param.name.as_str()), &param.default) {
                (Some(text), _) => parse_value(param, text).map_err(Error::Query)?,
                (None, Some(default)) => param::evaluate_default(lake, param, default).await?,
                (None, None) => {
                    return Err(Error::Query(format!(
                        "missing parameter {} ({}) for report {}: add --param {}=VALUE",
                        param.name, param.param_type, self.name, param.name
                    )));
                }
            };
            bound.push((param.name.clone(), value));
        }
        Ok(bound)
    }

    /// Plans the report with its parameters bound.
    pub async fn plan(&self, lake: &Lake, values: &[(String, String)]) -> Result<LogicalPlan> {
        let bound = self.bind(lake, values).await?;
        let mut statements = lake.parse(&self.sql)?;
        if statements.len() != 1 {
            return Err(Error::Query(format!(
                "report {} must hold one SQL statement, not {}",
                self.name,
                statements.len()
            )));
        }
        let plan = lake.plan(&statements.remove(0)).await?;
        Ok(plan.with_param_values(bound)?)
    }
}

/// The `$name` placeholders of `sql` outside string literals, quoted identifiers and
/// comments, with the line (counted from 0) where each is.
fn placeholders(sql: &str) -> Vec<(usize, String)> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let (mut i, mut line) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            quote @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    line += usize::from(bytes[i] == b'\n');
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    line += usize::from(bytes[i] == b'\n');
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                if end > start {
                    found.push((line, sql[start..end].to_string()));
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The reports a lake can run: its own folder's, then the bundled ones not overridden.
/// Report files that cannot be read are left out (see [`Catalog`]).
pub fn catalog(lake: &Lake) -> Result<Vec<Report>> {
    Ok(load_catalog(lake).reports)
}

/// The reports a lake can run, and the report files of its folder that cannot be used.
pub struct Catalog {
    pub reports: Vec<Report>,
    /// One line per file (or folder) that could not be read, naming it and the problem. A bad
    /// file costs only its own report: the others stay listed and runnable.
    pub problems: Vec<Problem>,
}

/// A report file that cannot be used.
pub struct Problem {
    /// The report name the file would have had; `None` for the folder itself.
    pub name: Option<String>,
    pub error: Error,
}

/// Loads the bundled reports and the lake's report folder; see [`Catalog`].
pub fn load_catalog(lake: &Lake) -> Catalog {
    let mut reports: BTreeMap<String, Report> = BTreeMap::new();
    for (name, text) in bundled::REPORTS {
        // Bundled reports are parsed by the tests: a failure here is a build defect.
        if let Ok(report) = Report::parse(name, text, Origin::Bundled) {
            reports.insert(name.to_string(), report);
        }
    }
    let mut problems = Vec::new();
    if let Some(dir) = reports_dir(lake) {
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut paths: Vec<PathBuf> = entries
                    .filter_map(|entry| entry.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                    .collect();
                paths.sort();
                for path in paths {
                    match Report::load(&path) {
                        Ok(report) => {
                            reports.insert(report.name.clone(), report);
                        }
                        Err(error) => {
                            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                            if let Some(name) = &name {
                                // A broken file still overrides the bundled report of its name.
                                reports.remove(name);
                            }
                            problems.push(Problem { name, error });
                        }
                    }
                }
            }
            Err(e) => problems.push(Problem {
                name: None,
                error: Error::Query(format!(
                    "reports folder {}: {}",
                    dir.display(),
                    crate::config::io_reason(&e)
                )),
            }),
        }
    }
    Catalog {
        reports: reports.into_values().collect(),
        problems,
    }
}

/// The lake's report folder: `reports` in its config (relative to the config file), else a
/// `sql/` folder beside the config if there is one.
pub fn reports_dir(lake: &Lake) -> Option<PathBuf> {
    let config = lake.config();
    match &config.reports {
        Some(dir) => Some(config.resolve_path(dir)),
        None => {
            let default = config.base_dir.join("sql");
            default.is_dir().then_some(default)
        }
    }
}

/// A report by name, or by path to a `.sql` file.
pub fn find(lake: &Lake, name_or_path: &str) -> Result<Report> {
    let path = Path::new(name_or_path);
    if name_or_path.ends_with(".sql") || name_or_path.contains(std::path::MAIN_SEPARATOR) {
        return Report::load(path);
    }
    let Catalog { reports, problems } = load_catalog(lake);
    if let Some(report) = reports.iter().find(|r| r.name == name_or_path) {
        return Ok(report.clone());
    }
    if let Some(problem) = problems
        .into_iter()
        .find(|p| p.name.as_deref() == Some(name_or_path))
    {
        return Err(problem.error);
    }
    let names: Vec<String> = reports.iter().map(|r| r.name.clone()).collect();
    let hint = closest(name_or_path, &names)
        .map(|n| format!("did you mean {n}?"))
        .unwrap_or_else(|| "jaanch reports lists them".to_string());
    Err(Error::Query(format!(
        "no report named {name_or_path} ({hint})"
    )))
}

/// Splits `name=value` arguments.
pub fn parse_assignments(arguments: &[String]) -> Result<Vec<(String, String)>> {
    arguments
        .iter()
        .map(|argument| {
            argument
                .split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    Error::Query(format!("parameter {argument:?} must be written name=value"))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "-- title: Test report\n-- description: First line.\n-- description: Second.\n\
        -- param: from date = current_date - interval '7 days'\n-- param: district text = null\n\
        -- param: plate text\n-- output: sort seen_at desc\n\nSELECT $plate AS plate\n";

    #[test]
    fn header_is_parsed() {
        let report = Report::parse("test", TEXT, Origin::Bundled).unwrap();
        assert_eq!(report.title, "Test report");
        assert_eq!(report.description.as_deref(), Some("First line. Second."));
        assert_eq!(report.params.len(), 3);
        assert_eq!(
            report.params[0].to_string(),
            "from date = current_date - interval '7 days'"
        );
        assert!(report.params[2].is_required());
        assert_eq!(report.output, vec!["sort seen_at desc"]);
        assert_eq!(report.sql, "SELECT $plate AS plate");
    }

    #[test]
    fn header_errors_name_the_line() {
        let error =
            Report::parse("t", "-- param: from datetime\nSELECT 1", Origin::Bundled).unwrap_err();
        assert_eq!(
            error.to_string(),
            "bundled report t:1: unknown parameter type \"datetime\" for from (expected text, int, float, bool, date or timestamp)"
        );
        let error = Report::parse(
            "t",
            "-- param: a int\n-- param: a text\nSELECT 1",
            Origin::Bundled,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "bundled report t:2: parameter a is declared twice"
        );
        let error = Report::parse(
            "t",
            "-- param: day date\n\nSELECT $day, '$not' -- $nor\nFROM t\nWHERE d = $dya",
            Origin::Bundled,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "bundled report t:5: $dya is used but not declared (add -- param: dya TYPE)"
        );
        let error = Report::parse("t", "-- title: nothing\n", Origin::Bundled).unwrap_err();
        assert_eq!(
            error.to_string(),
            "bundled report t: the report has no SQL after its header"
        );
    }

    #[test]
    fn assignments() {
        let parsed = parse_assignments(&["a=1".into(), "b=x=y".into()]).unwrap();
        assert_eq!(
            parsed,
            vec![("a".into(), "1".into()), ("b".into(), "x=y".into())]
        );
        assert!(parse_assignments(&["novalue".into()]).is_err());
        assert!(parse_assignments(&["=5".into()]).is_err());
    }

    #[test]
    fn bundled_reports_parse_and_match_the_sql_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut bundled: Vec<String> = bundled::REPORTS
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        bundled.sort();
        assert_eq!(
            bundled, on_disk,
            "every sql/*.sql is bundled, and nothing else"
        );
        for (name, text) in bundled::REPORTS {
            let report = Report::parse(name, text, Origin::Bundled).unwrap();
            assert!(report.description.is_some(), "{name} has a description");
        }
    }
}
