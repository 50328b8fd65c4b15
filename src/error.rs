//! Errors of the engine library, and their one-line rendering for users.
//!
//! DataFusion errors arrive wrapped (`External error: Arrow error: ...`, contexts, shared
//! errors) and sometimes span several lines. Users see one line: what went wrong, where, and a
//! hint when there is one.

use datafusion::common::DataFusionError;
use datafusion::datasource::listing::ListingTableUrl;

use crate::config::ConfigError;

/// An error from opening a lake or running a statement.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The lake config is invalid, or cannot be found or read.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A statement failed: parse, plan or execution error, already one line.
    #[error("{0}")]
    Query(String),
    /// The statement is refused by the lake's policy (read-only).
    #[error("{0}")]
    Refused(String),
    /// Writing results failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn query(error: DataFusionError) -> Self {
        Error::Query(one_line(&error))
    }

    /// Whether this error is a closed pipe on output (`jaanch sql ... | head`), which is not a
    /// failure but the reader having had enough.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl From<DataFusionError> for Error {
    fn from(error: DataFusionError) -> Self {
        Error::query(error)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Renders a DataFusion error as one line without DataFusion's category prefixes where they
/// add nothing for a user.
pub fn one_line(error: &DataFusionError) -> String {
    let error = innermost(error);
    let text = match error {
        DataFusionError::ResourcesExhausted(detail) => {
            let first = detail
                .lines()
                .next()
                .unwrap_or_default()
                .trim_end_matches(':');
            return format!(
                "out of memory: {first} (raise runtime.memory_limit in the lake config, or narrow the query)"
            );
        }
        DataFusionError::ObjectStore(e) => object_store_message(e),
        DataFusionError::IoError(e) => crate::config::io_reason(e),
        DataFusionError::SQL(e, _) => syntax_message(e),
        other => other.strip_backtrace(),
    };
    let text = strip_prefixes(&text);
    collapse_whitespace(text)
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
        other => {
            let text = other.to_string();
            let hint = if text.contains("InvalidAccessKeyId")
                || text.contains("SignatureDoesNotMatch")
                || text.contains("403")
            {
                " (check the store's access_key_id / secret_access_key)"
            } else if text.contains("NoSuchBucket") {
                " (the bucket does not exist: check the store's url)"
            } else {
                ""
            };
            format!("{}{hint}", summarize_store_error(&text))
        }
    }
}

/// The object store's own wording is a long chain ("Generic S3 error: Error performing list
/// request: Received redirect ..."): keep the S3 error code and message when there is one.
fn summarize_store_error(text: &str) -> String {
    for code in [
        "NoSuchBucket",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "NoSuchKey",
    ] {
        if text.contains(code) {
            return format!("object store refused the request: {code}");
        }
    }
    if text.contains("Connection refused") || text.contains("error sending request") {
        return "cannot connect to the object store (is the endpoint right and the server up?)"
            .to_string();
    }
    text.to_string()
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
    let raw = url.as_str();
    match raw.strip_prefix("file://") {
        Some(path) => path.to_string(),
        None => raw.to_string(),
    }
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
    fn multi_line_becomes_one_line() {
        let error: Result<(), DataFusionError> = plan_err!("first\n  second\n\nthird");
        assert_eq!(one_line(&error.unwrap_err()), "first second third");
    }
}
