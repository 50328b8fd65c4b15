//! The engine's errors: one typed enum, rendered as one line for users.
//!
//! Front ends decide what an error means for them (an exit code, a Python exception class) by
//! its variant, each in one place, never by its text. Every error displays as one line: what
//! went wrong, where (a file and line, a table, a parameter), and a hint when there is one.
//! DataFusion's own errors arrive wrapped (`External error: Arrow error: ...`, contexts, shared
//! errors) and sometimes span several lines; [`one_line`] makes them one.

use std::fmt;
use std::path::PathBuf;

use datafusion::common::{DataFusionError, SchemaError};
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::execution::object_store::ObjectStoreUrl;

pub use crate::config::ConfigError;
pub use crate::params::ParamError;
pub use crate::reports::ReportError;

/// An error from opening a lake or running a statement.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The lake config cannot be found, read or validated.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A statement or command names a table the session does not have.
    #[error("table {name} not found ({})", hint(.suggestion, "\\dt or SHOW TABLES lists the tables"))]
    UnknownTable {
        /// The name as written (`schema.table`, or bare).
        name: String,
        /// The closest table the session has, when one is close enough to be a typo.
        suggestion: Option<String>,
    },
    /// A statement names a column that its tables do not have.
    #[error("column {name} not found ({})", hint(.suggestion, "\\d TABLE lists a table's columns"))]
    UnknownColumn {
        name: String,
        suggestion: Option<String>,
    },
    /// A report or query parameter is missing, unknown or malformed.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A saved report cannot be found, read or understood.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A lake table's files cannot be listed or read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// Reading or writing a file (or standard input and output) failed.
    #[error("{}", io_message(.op, .path.as_ref(), .source))]
    Io {
        op: IoOp,
        /// The file; `None` for standard input or output.
        path: Option<PathBuf>,
        #[source]
        source: std::io::Error,
    },
    /// A result cannot be written where it was sent.
    #[error("cannot write {}: {problem}", path.as_ref().map_or("output".to_string(), |p| p.display().to_string()))]
    Output {
        /// The file; `None` for standard output.
        path: Option<PathBuf>,
        problem: OutputProblem,
    },
    /// A statement failed to parse, plan or run.
    #[error("{}", one_line(.0))]
    Query(#[source] DataFusionError),
    /// SQL text that cannot be split into statements: a string, quoted name or comment that
    /// does not end.
    #[error("syntax error: {message} at line {line}, column {column}")]
    Syntax {
        message: String,
        line: usize,
        column: usize,
    },
    /// Text that should hold one statement holds none or several.
    #[error("expected one SQL statement, got {count}")]
    NotOneStatement { count: usize },
    /// The statement is refused by the lake's policy.
    #[error("{}", refusal_message(.statement, .reason))]
    Refused { statement: String, reason: Refusal },
    /// The session's user may not do this. Raised by the access policy.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// The statement was cancelled before it finished.
    #[error("cancelled")]
    Cancelled,
    /// The audit log cannot be written: the statement fails rather than go unrecorded.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What an I/O error interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoOp {
    Read,
    Write,
}

/// Why a statement is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The lake is read-only and the statement would write.
    ReadOnly,
    /// The statement would drop or replace a table of the lake config.
    ConfigTable { table: String, change: TableChange },
    /// The user's role may only query (a governed lake).
    Governed { role: String },
}

/// Why a result cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputProblem {
    /// The format cannot hold it (a type CSV has no text for, say).
    #[error("{0}")]
    Format(arrow::error::ArrowError),
    /// A CSV file gathering results has a header of other columns.
    #[error("it has other columns ({}) (\\o another file for this result)", .columns.join(","))]
    OtherColumns { columns: Vec<String> },
    /// An HTML page already holds a result, and another came.
    #[error(
        "an HTML page holds one result and this statement gives a second \
         (write each query to a page of its own)"
    )]
    SecondPage,
}

/// What a refused statement would have done to a table of the lake config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableChange {
    Drop,
    Replace,
}

/// A lake table whose files cannot be listed or read.
#[derive(Debug, thiserror::Error)]
#[error("table {table}: {problem}")]
pub struct TableError {
    pub table: String,
    pub problem: TableProblem,
}

#[derive(Debug)]
pub enum TableProblem {
    /// The location holds no file of the table's format.
    NoFiles { extension: String, location: String },
    /// Listing the location, or reading a file's schema, failed.
    Unreadable {
        location: String,
        cause: Box<DataFusionError>,
    },
    /// A `format = "delta"` location without a transaction log.
    NoDeltaLog { location: String },
    /// The version or moment asked for is not in the table's history; the message says what is.
    NoVersion(String),
    /// `sort_by` names a column the table's files do not have.
    NoSortColumn {
        column: String,
        suggestion: Option<String>,
    },
}

impl fmt::Display for TableProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableProblem::NoFiles {
                extension,
                location,
            } => write!(
                f,
                "no {extension} files at {location} (check `location` in the lake config)"
            ),
            TableProblem::Unreadable { location, cause } => {
                write!(f, "cannot read {location}: {}", one_line(cause))
            }
            TableProblem::NoDeltaLog { location } => write!(
                f,
                "no Delta transaction log at {location}/_delta_log (is it a Delta table? check `location` and `format` in the lake config)"
            ),
            TableProblem::NoVersion(message) => f.write_str(message),
            TableProblem::NoSortColumn { column, suggestion } => write!(
                f,
                "`sort_by` names {column}, which is not a column of the table ({})",
                hint(suggestion, "check `sort_by` in the lake config")
            ),
        }
    }
}

impl Error {
    /// An I/O error while reading `path`.
    pub fn reading(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            op: IoOp::Read,
            path: Some(path.into()),
            source,
        }
    }

    /// An I/O error while writing `path` (`None`: standard output).
    pub fn writing(path: Option<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            op: IoOp::Write,
            path,
            source,
        }
    }

    /// Whether this error is a closed pipe on output (`jaanch sql ... | head`), which is not a
    /// failure but the reader having had enough.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// An error to hand through DataFusion (from a table provider, say) that comes out of it
    /// as itself: see `From<DataFusionError>`.
    pub fn into_datafusion(self) -> DataFusionError {
        DataFusionError::External(Box::new(self))
    }
}

/// DataFusion's error, unless it carries one of ours (raised inside a table provider) or says
/// something we know the type of: then that.
impl From<DataFusionError> for Error {
    fn from(error: DataFusionError) -> Self {
        match innermost(&error) {
            DataFusionError::External(inner) if inner.is::<Error>() => {
                let DataFusionError::External(inner) = take_innermost(error) else {
                    unreachable!("the innermost error was just seen to be External");
                };
                *inner.downcast::<Error>().expect("checked by `is`")
            }
            DataFusionError::SchemaError(schema_error, _) => match schema_error.as_ref() {
                SchemaError::FieldNotFound {
                    field,
                    valid_fields,
                } => {
                    let known: Vec<String> = valid_fields.iter().map(|c| c.name.clone()).collect();
                    Error::UnknownColumn {
                        name: field.name.clone(),
                        suggestion: crate::names::closest(&field.name, &known).map(str::to_string),
                    }
                }
                _ => Error::Query(error),
            },
            _ => Error::Query(error),
        }
    }
}

impl From<arrow::error::ArrowError> for Error {
    fn from(error: arrow::error::ArrowError) -> Self {
        Error::from(DataFusionError::ArrowError(Box::new(error), None))
    }
}

fn hint(suggestion: &Option<String>, otherwise: &str) -> String {
    match suggestion {
        Some(name) => format!("did you mean {name}?"),
        None => otherwise.to_string(),
    }
}

/// An I/O error on a known file, carried through `std::io::Write` (whose errors have no path),
/// so that the message names the file rather than "output".
#[derive(Debug)]
pub struct AtPath {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl AtPath {
    /// `error` as an I/O error of the same kind that remembers `path`.
    pub fn wrap(path: &std::path::Path, error: std::io::Error) -> std::io::Error {
        if error.get_ref().is_some_and(|inner| inner.is::<AtPath>()) {
            return error;
        }
        std::io::Error::new(
            error.kind(),
            AtPath {
                path: path.to_path_buf(),
                source: error,
            },
        )
    }
}

impl fmt::Display for AtPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for AtPath {}

fn io_message(op: &IoOp, path: Option<&PathBuf>, source: &std::io::Error) -> String {
    if let Some(at) = source.get_ref().and_then(|e| e.downcast_ref::<AtPath>()) {
        return io_message(op, Some(&at.path), &at.source);
    }
    let target = match (op, path) {
        (_, Some(path)) => path.display().to_string(),
        (IoOp::Read, None) => "standard input".to_string(),
        (IoOp::Write, None) => "output".to_string(),
    };
    let verb = match op {
        IoOp::Read => "read",
        IoOp::Write => "write",
    };
    // Writing into a folder that does not exist is "not found" too, which would blame the file.
    let missing_dir = match (op, path) {
        (IoOp::Write, Some(path)) if source.kind() == std::io::ErrorKind::NotFound => path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty() && !dir.is_dir()),
        _ => None,
    };
    match missing_dir {
        Some(dir) => format!(
            "cannot {verb} {target}: folder {} does not exist (create it first)",
            dir.display()
        ),
        None => format!("cannot {verb} {target}: {}", io_reason(source)),
    }
}

fn refusal_message(statement: &str, reason: &Refusal) -> String {
    match reason {
        Refusal::Governed { role } => {
            format!("{statement} is not allowed: role {role} may only query the lake")
        }
        Refusal::ReadOnly => format!(
            "the lake is read-only: {statement} is not allowed (set read_only = false in the lake config to allow it)"
        ),
        Refusal::ConfigTable { table, change } => {
            let done = match change {
                TableChange::Drop => "dropped",
                TableChange::Replace => "replaced",
            };
            format!(
                "table {table} is defined in the lake config and cannot be {done} (remove it from the config instead)"
            )
        }
    }
}

/// The reason of an I/O error without the OS error code suffix.
pub fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::StorageFull => "no space left on device (the disk is full)".into(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// Renders a DataFusion error as one line without DataFusion's category prefixes where they
/// add nothing for a user.
pub fn one_line(error: &DataFusionError) -> String {
    let error = innermost(error);
    if let DataFusionError::ResourcesExhausted(detail) = error {
        let limit = match detail.contains("server.query_memory") {
            true => "server.query_memory",
            false => "runtime.memory_limit",
        };
        return format!(
            "out of memory: {} (raise {limit} in the lake config, or narrow the query)",
            memory_message(detail)
        );
    }
    // While a query runs, only spilling writes to disk.
    if disk_full(error) {
        return "no space left on device for spilling: the disk of runtime.spill_dir is full \
                (free space there, point spill_dir at a bigger disk, or narrow the query)"
            .to_string();
    }
    // The store's error, itself or passed up through the Parquet reader.
    let text = match (object_store_error(error), error) {
        (Some(store), _) => object_store_message(store),
        (None, DataFusionError::IoError(e)) => io_reason(e),
        (None, DataFusionError::SQL(e, _)) => syntax_message(e),
        (None, DataFusionError::External(e)) => e.to_string(),
        (None, other) => other.strip_backtrace(),
    };
    collapse_whitespace(strip_prefixes(&text))
}

/// DataFusion's memory pool complaint in one line. Its pools say it over several lines (the
/// largest consumers, then the failed request), which would be cut off at the first:
/// `ExternalSorter[0] wanted 2.0 MB more, 1.0 MB left in the pool; largest users:
/// ExternalSorter[1] 20.0 MB, SortPreservingMergeExec[0] 8.0 MB`.
fn memory_message(detail: &str) -> String {
    let failed = detail
        .lines()
        .find_map(|line| line.trim().strip_prefix("Error: "))
        .or_else(|| detail.lines().next())
        .unwrap_or_default();
    // "Failed to allocate additional {A} for {who} with {held} already allocated for this
    // reservation - {left} remain available for the total memory pool: {pool}"
    let request = failed
        .strip_prefix("Failed to allocate additional ")
        .and_then(|rest| rest.split_once(" for "))
        .and_then(|(wanted, rest)| {
            let (who, rest) = rest.split_once(" with ")?;
            let left = rest.split_once(" - ")?.1.split_once(" remain available")?.0;
            Some(format!(
                "{who} wanted {wanted} more, {left} left in the pool"
            ))
        });
    // jaanch's own limits say who wanted what in their own words.
    let request = request.unwrap_or_else(|| failed.trim_end_matches(':').to_string());
    // "  {name}#{id}(can spill: {b}) consumed {size}, peak {peak},"
    let users: Vec<String> = detail
        .lines()
        .filter_map(|line| {
            let (who, rest) = line.trim().split_once("(can spill: ")?;
            let name = who.rsplit_once('#').map_or(who, |(name, _)| name);
            let size = rest.split_once(" consumed ")?.1.split(", peak").next()?;
            Some(format!("{name} {size}"))
        })
        .collect();
    if users.is_empty() {
        request
    } else {
        format!("{request}; largest users: {}", users.join(", "))
    }
}

/// The SQL parser's complaint, without the enum's debug form: `syntax error: Expected: an SQL
/// statement, found: SELEC at line 1, column 1`.
fn syntax_message(error: &datafusion::sql::sqlparser::parser::ParserError) -> String {
    use datafusion::sql::sqlparser::parser::ParserError as P;
    match error {
        P::TokenizerError(text) | P::ParserError(text) => format!(
            "syntax error: {}",
            text.replace(" at Line: ", " at line ")
                .replace(", Column: ", ", column ")
        ),
        P::RecursionLimitExceeded => "syntax error: the statement is nested too deeply".to_string(),
    }
}

/// A tokenizer error (an unterminated string or comment) as a syntax error at its real place.
pub fn syntax_error(error: datafusion::sql::sqlparser::tokenizer::TokenizerError) -> Error {
    Error::Syntax {
        message: error.message,
        line: error.location.line as usize,
        column: error.location.column as usize,
    }
}

/// Unwraps contexts, shared and external wrappers down to the error that says what happened.
fn innermost(error: &DataFusionError) -> &DataFusionError {
    match error {
        DataFusionError::Context(_, inner) => innermost(inner),
        DataFusionError::Shared(inner) => innermost(inner),
        DataFusionError::Diagnostic(_, inner) => innermost(inner),
        DataFusionError::External(inner) => match inner.downcast_ref::<DataFusionError>() {
            Some(df) => innermost(df),
            None => error,
        },
        DataFusionError::Collection(errors) => errors.first().map_or(error, innermost),
        other => other,
    }
}

/// [`innermost`], taking ownership. A shared error is cloned only down to an error of ours.
fn take_innermost(error: DataFusionError) -> DataFusionError {
    match error {
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
            take_innermost(*inner)
        }
        DataFusionError::Shared(inner) => match std::sync::Arc::try_unwrap(inner) {
            Ok(inner) => take_innermost(inner),
            Err(shared) => match innermost(&shared) {
                DataFusionError::External(e) => match e.downcast_ref::<Error>() {
                    Some(ours) => DataFusionError::External(Box::new(ours.duplicate())),
                    None => DataFusionError::Shared(shared),
                },
                _ => DataFusionError::Shared(shared),
            },
        },
        DataFusionError::External(inner) => match inner.downcast::<DataFusionError>() {
            Ok(df) => take_innermost(*df),
            Err(inner) => DataFusionError::External(inner),
        },
        DataFusionError::Collection(errors) => match errors.into_iter().next() {
            Some(first) => take_innermost(first),
            None => DataFusionError::Collection(Vec::new()),
        },
        other => other,
    }
}

impl Error {
    /// A copy of an error shared between several failing tasks. Errors that own what cannot be
    /// cloned (I/O errors, DataFusion's) keep their kind and message.
    fn duplicate(&self) -> Error {
        match self {
            Error::Config(e) => Error::Config(e.clone()),
            Error::UnknownTable { name, suggestion } => Error::UnknownTable {
                name: name.clone(),
                suggestion: suggestion.clone(),
            },
            Error::UnknownColumn { name, suggestion } => Error::UnknownColumn {
                name: name.clone(),
                suggestion: suggestion.clone(),
            },
            Error::Table(TableError { table, problem }) => Error::Table(TableError {
                table: table.clone(),
                problem: match problem {
                    TableProblem::NoFiles {
                        extension,
                        location,
                    } => TableProblem::NoFiles {
                        extension: extension.clone(),
                        location: location.clone(),
                    },
                    TableProblem::Unreadable { location, cause } => TableProblem::Unreadable {
                        location: location.clone(),
                        cause: Box::new(DataFusionError::Execution(one_line(cause))),
                    },
                    TableProblem::NoDeltaLog { location } => TableProblem::NoDeltaLog {
                        location: location.clone(),
                    },
                    TableProblem::NoVersion(message) => TableProblem::NoVersion(message.clone()),
                    TableProblem::NoSortColumn { column, suggestion } => {
                        TableProblem::NoSortColumn {
                            column: column.clone(),
                            suggestion: suggestion.clone(),
                        }
                    }
                },
            }),
            Error::Io { op, path, source } => Error::Io {
                op: *op,
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Error::Refused { statement, reason } => Error::Refused {
                statement: statement.clone(),
                reason: reason.clone(),
            },
            Error::AccessDenied(what) => Error::AccessDenied(what.clone()),
            Error::Cancelled => Error::Cancelled,
            Error::NotOneStatement { count } => Error::NotOneStatement { count: *count },
            Error::Syntax {
                message,
                line,
                column,
            } => Error::Syntax {
                message: message.clone(),
                line: *line,
                column: *column,
            },
            other => Error::Query(DataFusionError::Execution(other.to_string())),
        }
    }
}

/// Object store errors in a user's terms: which object, and whether it is missing or forbidden.
fn object_store_message(error: &object_store::Error) -> String {
    use object_store::Error as E;
    match error {
        E::NotFound { path, .. } => format!("not found: {path}"),
        E::PermissionDenied { path, .. } => {
            format!("permission denied for {path} (check the store's credentials)")
        }
        E::Unauthenticated { path, .. } => {
            format!("not authenticated for {path} (check the store's credentials)")
        }
        other if cannot_connect(other) => {
            // The HTTP client names the URL it could not reach: the endpoint and the object.
            let text = other.to_string();
            // "Error performing GET {url} in 590ms, after 4 retries ..." or "... for url ({url})"
            let url = text
                .split_once("for url (")
                .and_then(|(_, rest)| rest.split_once(')'))
                .or_else(|| {
                    let (_, rest) = text.split_once("Error performing ")?;
                    rest.split_once(' ')?.1.split_once(' ')
                })
                .map(|(url, _)| url.replace("%3D", "="));
            match url {
                Some(url) => format!(
                    "cannot connect to the object store for {url} (is the endpoint right and the server up?)"
                ),
                None => {
                    "cannot connect to the object store (is the endpoint right and the server up?)"
                        .to_string()
                }
            }
        }
        other => {
            let text = other.to_string();
            match s3_error_code(&text) {
                Some(code) => {
                    let hint = match code {
                        "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AccessDenied" => {
                            " (check the store's access_key_id / secret_access_key)"
                        }
                        "NoSuchBucket" => " (the bucket does not exist: check the store's url)",
                        _ => "",
                    };
                    format!("object store refused the request: {code}{hint}")
                }
                None => text,
            }
        }
    }
}

/// `error` and the errors it wraps, outermost first.
pub fn sources<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |current| current.source())
}

/// Whether a full disk is among the sources of `error`.
fn disk_full(error: &DataFusionError) -> bool {
    sources(error).any(|current| {
        let io =
            current.downcast_ref::<std::io::Error>().or_else(|| {
                match current.downcast_ref::<arrow::error::ArrowError>() {
                    Some(arrow::error::ArrowError::IoError(_, io)) => Some(io),
                    _ => None,
                }
            });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull)
    })
}

/// The object store's error among the sources of `error`, if any.
fn object_store_error(error: &DataFusionError) -> Option<&object_store::Error> {
    sources(error).find_map(|current| current.downcast_ref::<object_store::Error>())
}

/// Whether the store could not be reached at all: an HTTP connection error somewhere in the
/// error's sources.
fn cannot_connect(error: &object_store::Error) -> bool {
    sources(error)
        .find_map(|current| current.downcast_ref::<object_store::client::HttpError>())
        .is_some_and(|http| http.kind() == object_store::client::HttpErrorKind::Connect)
}

/// The S3 error code of a refused request. S3 states it only in the XML body of its answer,
/// which the object store passes on as text: `<Code>NoSuchBucket</Code>`.
fn s3_error_code(text: &str) -> Option<&str> {
    let start = text.find("<Code>")? + "<Code>".len();
    let length = text[start..].find("</Code>")?;
    let code = &text[start..start + length];
    (!code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

fn strip_prefixes(mut text: &str) -> &str {
    const PREFIXES: [&str; 9] = [
        "External error: ",
        "Arrow error: ",
        "Parquet error: ",
        "Object Store error: ",
        "Execution error: ",
        "Error during planning: ",
        "Invalid or Unsupported Configuration: ",
        "Schema error: ",
        "IO error: ",
    ];
    loop {
        let before = text;
        for prefix in PREFIXES {
            text = text.strip_prefix(prefix).unwrap_or(text);
        }
        if before == text {
            return text;
        }
    }
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// A location for messages: local paths as paths, other URLs as they are.
pub fn display_url(url: &ListingTableUrl) -> String {
    local_path_or_url(url.as_str())
}

/// An object of a store, for messages: a local file as its path, other objects by URL.
pub fn display_object(store: &ObjectStoreUrl, location: &object_store::path::Path) -> String {
    local_path_or_url(&format!("{}{location}", store.as_str()))
}

fn local_path_or_url(url: &str) -> String {
    url.strip_prefix("file://").unwrap_or(url).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::common::{plan_datafusion_err, plan_err};

    #[test]
    fn wrappers_and_prefixes_are_removed() {
        let inner = plan_datafusion_err!("table 'x' not found");
        let wrapped = DataFusionError::Context("while planning".into(), Box::new(inner));
        assert_eq!(one_line(&wrapped), "table 'x' not found");
        let external = DataFusionError::External(Box::new(plan_datafusion_err!("deep")));
        assert_eq!(one_line(&external), "deep");
    }

    #[test]
    fn memory_errors_say_all_in_one_line() {
        let tracked = DataFusionError::ResourcesExhausted(
            "Additional allocation failed for SortPreservingMergeExec[0] with top memory \
             consumers (across reservations) as:
  ExternalSorter[1]#12(can spill: true) consumed 20.0 MB, peak 22.0 MB,
  SortPreservingMergeExec[0]#14(can spill: false) consumed 8.0 MB, peak 8.0 MB.
Error: Failed to allocate additional 2.0 MB for SortPreservingMergeExec[0] with 8.0 MB \
             already allocated for this reservation - 1.0 MB remain available for the total \
             memory pool: greedy(used: 47.0 MB, pool_size: 48.0 MB)"
                .into(),
        );
        assert_eq!(
            one_line(&tracked),
            "out of memory: SortPreservingMergeExec[0] wanted 2.0 MB more, 1.0 MB left in the \
             pool; largest users: ExternalSorter[1] 20.0 MB, SortPreservingMergeExec[0] 8.0 MB \
             (raise runtime.memory_limit in the lake config, or narrow the query)"
        );
        let plain = DataFusionError::ResourcesExhausted(
            "Failed to allocate additional 1.0 B for r2 with 2000.0 B already allocated for \
             this reservation - 0.0 B remain available for the total memory pool: \
             fair(pool_size: 100.0 B)"
                .into(),
        );
        assert_eq!(
            one_line(&plain),
            "out of memory: r2 wanted 1.0 B more, 0.0 B left in the pool (raise \
             runtime.memory_limit in the lake config, or narrow the query)"
        );
        let ours = DataFusionError::ResourcesExhausted(
            "the query's memory limit (server.query_memory = 16MiB) is reached: 1.0 MB more \
             wanted by HashJoinInput, which holds 15.0 MB; 15.5 MB of 16.0 MB in use"
                .into(),
        );
        assert!(one_line(&ours).starts_with("out of memory: the query's memory limit"));
        assert!(one_line(&ours).contains("raise server.query_memory"));
        let ours_tracked = DataFusionError::ResourcesExhausted(
            "Additional allocation failed for ExternalSorterMerge[0] with top memory consumers \
             (across reservations) as:
  ExternalSorterMerge[1]#4(can spill: false) consumed 19.2 MB, peak 19.2 MB.
Error: the lake's memory limit (runtime.memory_limit) is reached: 896.0 KB more wanted by \
             ExternalSorterMerge[0], which holds 0.0 B; 30.5 MB of 24.0 MB in use"
                .into(),
        );
        assert_eq!(
            one_line(&ours_tracked),
            "out of memory: the lake's memory limit (runtime.memory_limit) is reached: 896.0 KB \
             more wanted by ExternalSorterMerge[0], which holds 0.0 B; 30.5 MB of 24.0 MB in \
             use; largest users: ExternalSorterMerge[1] 19.2 MB (raise runtime.memory_limit in \
             the lake config, or narrow the query)"
        );
    }

    #[test]
    fn a_full_disk_while_spilling_says_where() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        for error in [
            DataFusionError::IoError(std::io::Error::from(std::io::ErrorKind::StorageFull)),
            DataFusionError::ArrowError(
                Box::new(arrow::error::ArrowError::IoError("IO error".into(), full)),
                None,
            ),
        ] {
            let wrapped = DataFusionError::External(Box::new(error));
            assert!(
                one_line(&wrapped).starts_with(
                    "no space left on device for spilling: the disk of runtime.spill_dir is full"
                ),
                "{}",
                one_line(&wrapped)
            );
        }
    }

    #[test]
    fn multi_line_becomes_one_line() {
        let error: Result<(), DataFusionError> = plan_err!("first\n  second\n\nthird");
        assert_eq!(one_line(&error.unwrap_err()), "first second third");
    }

    #[test]
    fn our_errors_come_back_out_of_datafusion() {
        let refused = Error::Refused {
            statement: "DROP TABLE".into(),
            reason: Refusal::ReadOnly,
        };
        let wrapped = DataFusionError::Context(
            "while planning".into(),
            Box::new(DataFusionError::Shared(std::sync::Arc::new(
                refused.into_datafusion(),
            ))),
        );
        assert!(matches!(
            Error::from(wrapped),
            Error::Refused {
                reason: Refusal::ReadOnly,
                ..
            }
        ));
    }

    #[test]
    fn unknown_columns_are_typed_with_a_suggestion() {
        use datafusion::common::Column;
        let error = DataFusionError::SchemaError(
            Box::new(SchemaError::FieldNotFound {
                field: Box::new(Column::from_name("fir_ld")),
                valid_fields: vec![Column::from_name("fir_id"), Column::from_name("district")],
            }),
            Box::new(None),
        );
        let error = Error::from(error);
        assert_eq!(
            error.to_string(),
            "column fir_ld not found (did you mean fir_id?)"
        );
    }

    #[test]
    fn s3_codes_are_read_from_the_answer() {
        assert_eq!(
            s3_error_code("Error: <Error><Code>NoSuchBucket</Code><Message>x</Message>"),
            Some("NoSuchBucket")
        );
        assert_eq!(s3_error_code("no xml here"), None);
        assert_eq!(s3_error_code("<Code></Code>"), None);
    }
}
