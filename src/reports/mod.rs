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

pub(crate) mod bundled;
mod param;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use datafusion::common::ScalarValue;

use crate::error::{Error, Result};
use crate::names::closest;
use crate::params::ParamError;
use crate::session::Session;

pub use param::{ParamType, parse_declaration, parse_value};

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

/// A report that cannot be found or understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// No report of that name in the lake's folder or among the bundled ones.
    #[error("no report named {name} ({})", match suggestion {
        Some(near) => format!("did you mean {near}?"),
        None => "jaanch reports lists them".to_string(),
    })]
    NotFound {
        name: String,
        suggestion: Option<String>,
    },
    /// A line of the header that cannot be read, or SQL using an undeclared parameter.
    #[error("{origin}:{line}: {message}")]
    Invalid {
        /// The file, or `bundled report NAME`.
        origin: String,
        line: usize,
        message: String,
    },
    /// A header without SQL after it.
    #[error("{origin}: the report has no SQL after its header")]
    NoSql { origin: String },
    /// SQL holding several statements (or none).
    #[error("report {name} must hold one SQL statement, not {count}")]
    NotOneStatement { name: String, count: usize },
    /// The lake's report folder cannot be listed.
    #[error("reports folder {}: {reason}", dir.display())]
    Folder { dir: PathBuf, reason: String },
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
    /// 1-based line of the file where the SQL starts, so that its errors name real lines.
    pub sql_line: usize,
    pub origin: Origin,
}

impl Report {
    /// The chart its `-- output: chart …` hint asks for, if any.
    pub fn chart(&self) -> Option<crate::output::chart::ChartSpec> {
        crate::output::chart::ChartSpec::from_hints(&self.output)
    }

    /// The map its `-- output: map …` hint asks for, if any.
    pub fn map(&self) -> Option<crate::output::map::MapSpec> {
        crate::output::map::MapSpec::from_hints(&self.output)
    }

    /// Parses report text; `origin` says where it comes from, for errors.
    pub fn parse(name: &str, text: &str, origin: Origin) -> Result<Report, ReportError> {
        let source = match &origin {
            Origin::Bundled => format!("bundled report {name}"),
            Origin::File(path) => path.display().to_string(),
        };
        let fail = |line: usize, message: String| ReportError::Invalid {
            origin: source.clone(),
            line,
            message,
        };
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
                "output" => {
                    use crate::output::{chart::ChartSpec, map::MapSpec};
                    if let (Some(Err(message)), _) | (_, Some(Err(message))) =
                        (ChartSpec::parse(value), MapSpec::parse(value))
                    {
                        return Err(fail(number, message));
                    }
                    output.push(value.to_string())
                }
                _ => {}
            }
        }
        let sql = text[body_start..].trim_end().to_string();
        if sql.trim().is_empty() {
            return Err(ReportError::NoSql { origin: source });
        }
        let sql_line = text[..body_start].matches('\n').count() + 1;
        let used = crate::script::placeholders(&sql).map_err(|e| {
            fail(
                sql_line + e.location.line as usize - 1,
                format!("syntax error: {}", e.message),
            )
        })?;
        if let Some((line, used)) = used
            .into_iter()
            .find(|(_, name)| !params.iter().any(|p| &p.name == name))
        {
            return Err(fail(
                sql_line + line - 1,
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
            sql_line,
            origin,
        })
    }

    /// Reads a report file; its name is the file name without `.sql`.
    pub fn load(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::reading(path, e))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Report::parse(
            &name,
            &text,
            Origin::File(path.to_path_buf()),
        )?)
    }

    /// Checks `values` (`name=value` pairs as typed by a user) against the declared parameters
    /// and turns them into typed values, evaluating defaults for the rest. Nothing runs if a
    /// parameter is missing, unknown or malformed.
    pub async fn bind(
        &self,
        session: &Session,
        values: &[(String, String)],
    ) -> Result<Vec<(String, ScalarValue)>> {
        let declared: Vec<String> = self.params.iter().map(|p| p.name.clone()).collect();
        let mut given: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, value) in values {
            if !declared.contains(name) {
                return Err(ParamError::Unknown {
                    report: self.name.clone(),
                    name: name.clone(),
                    suggestion: closest(name, &declared).map(str::to_string),
                    declared,
                }
                .into());
            }
            if given.insert(name, value).is_some() {
                return Err(ParamError::Twice { name: name.clone() }.into());
            }
        }
        let mut bound = Vec::with_capacity(self.params.len());
        for param in &self.params {
            let value = match (given.get(param.name.as_str()), &param.default) {
                (Some(text), _) => parse_value(param, text)?,
                (None, Some(default)) => param::evaluate_default(session, param, default).await?,
                (None, None) => {
                    return Err(ParamError::Missing {
                        report: self.name.clone(),
                        name: param.name.clone(),
                        param_type: param.param_type,
                    }
                    .into());
                }
            };
            bound.push((param.name.clone(), value));
        }
        Ok(bound)
    }
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

/// Loads the bundled reports and those of `dir` (the lake's report folder, if it has one).
pub(crate) fn load_catalog(dir: Option<&Path>) -> Catalog {
    let mut reports: BTreeMap<String, Report> = BTreeMap::new();
    for (name, text) in bundled::REPORTS {
        // Bundled reports are parsed by the tests: a failure here is a build defect.
        if let Ok(report) = Report::parse(name, text, Origin::Bundled) {
            reports.insert(name.to_string(), report);
        }
    }
    let mut problems = Vec::new();
    if let Some(dir) = dir {
        match std::fs::read_dir(dir) {
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
                error: ReportError::Folder {
                    dir: dir.to_path_buf(),
                    reason: crate::error::io_reason(&e),
                }
                .into(),
            }),
        }
    }
    Catalog {
        reports: reports.into_values().collect(),
        problems,
    }
}

/// The report named `name` as [`load_catalog`] would list it, reading only that one: the
/// lake folder's file of that name, else the bundled report; `None` if there is neither.
pub(crate) fn load_named(dir: Option<&Path>, name: &str) -> Option<Result<Report>> {
    if is_path(name) {
        return None;
    }
    if let Some(dir) = dir {
        let path = dir.join(format!("{name}.sql"));
        if path.is_file() {
            return Some(Report::load(&path));
        }
    }
    let (name, text) = bundled::REPORTS.iter().find(|(n, _)| *n == name)?;
    Some(Report::parse(name, text, Origin::Bundled).map_err(Into::into))
}

/// Whether a report is named by the path of its file rather than by its name.
fn is_path(name_or_path: &str) -> bool {
    name_or_path.ends_with(".sql") || name_or_path.contains(std::path::MAIN_SEPARATOR)
}

/// A report by name (from `catalog`), or by path to a `.sql` file.
pub(crate) fn find(catalog: Catalog, name_or_path: &str) -> Result<Report> {
    if is_path(name_or_path) {
        return Report::load(Path::new(name_or_path));
    }
    let Catalog { reports, problems } = catalog;
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
    Err(ReportError::NotFound {
        name: name_or_path.to_string(),
        suggestion: closest(name_or_path, &names).map(str::to_string),
    }
    .into())
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
                    ParamError::NotAnAssignment {
                        argument: argument.clone(),
                    }
                    .into()
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
        assert_eq!(report.chart(), None);
        assert_eq!(report.sql, "SELECT $plate AS plate");
        assert_eq!(report.sql_line, 9);
    }

    #[test]
    fn a_chart_hint_is_read_and_a_bad_one_names_its_line() {
        let text = "-- output: sort firs desc\n-- output: chart bar district firs\nSELECT 1";
        let report = Report::parse("t", text, Origin::Bundled).unwrap();
        assert_eq!(report.chart().unwrap().y, "firs");
        let error = Report::parse(
            "t",
            "-- title: x\n-- output: chart pie district firs\nSELECT 1",
            Origin::Bundled,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "bundled report t:2: unknown chart kind `pie` (write `chart bar|line X Y [by SERIES]`)"
        );
    }

    #[test]
    fn a_map_hint_is_read_and_a_bad_one_names_its_line() {
        let text = "-- output: map camera_district\nSELECT 1";
        let report = Report::parse("t", text, Origin::Bundled).unwrap();
        assert_eq!(report.map().unwrap().district, "camera_district");
        let error = Report::parse(
            "t",
            "-- title: x\n-- output: chart bar d n\n-- output: map d n median\nSELECT 1",
            Origin::Bundled,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "bundled report t:3: unknown way `median` to combine a district's values \
             (write `map DISTRICT [VALUE [sum|max|min|avg]]`)"
        );
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
        // Named in the message: a failure to read the folder was seen once, cause unknown.
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| {
                e.unwrap_or_else(|e| panic!("an entry of {}: {e}", dir.display()))
                    .path()
            })
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
