//! The editor helper: Tab completion.
//!
//! Completion knows the lake: SQL keywords, schema-qualified tables, columns of the tables the
//! statement names (and after `table.` or `alias.`), built-in and police functions,
//! meta-commands, report names after `\r`, and file names inside quotes or after `\i` / `\o`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use tokio::runtime::Handle;

use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::Token;
use jaanch::Session;
use jaanch::output::OutputFormat;
use jaanch::script::{self, Cursor};

use super::meta::{COMMANDS, Completes, spec};

/// The keywords worth offering; the parser knows hundreds more.
const KEYWORDS: &[&str] = &[
    "ALL",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "BETWEEN",
    "BIGINT",
    "BOOLEAN",
    "BY",
    "CASE",
    "CAST",
    "COPY",
    "COUNT",
    "CREATE",
    "CROSS",
    "CURRENT_DATE",
    "CURRENT_TIMESTAMP",
    "DATE",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DOUBLE",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXPLAIN",
    "ANALYZE",
    "EXTRACT",
    "FALSE",
    "FILTER",
    "FIRST",
    "FLOAT",
    "FOLLOWING",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INNER",
    "INSERT",
    "INTEGER",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "LAST",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PRECEDING",
    "QUALIFY",
    "RANGE",
    "RECURSIVE",
    "RIGHT",
    "ROWS",
    "SELECT",
    "SET",
    "SHOW",
    "SIMILAR",
    "TABLE",
    "TABLES",
    "THEN",
    "TIMESTAMP",
    "TO",
    "TRUE",
    "UNBOUNDED",
    "UNION",
    "UNNEST",
    "USING",
    "VALUES",
    "VARCHAR",
    "VIEW",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

pub struct ShellHelper<'a> {
    session: &'a Session,
    runtime: Handle,
    tables: Vec<String>,
    functions: Vec<String>,
    reports: Vec<String>,
    /// Earlier lines of the statement being typed (the editor reads one line at a time).
    pending: String,
    /// Column names per table, loaded on first need (loading lists the table's files).
    columns: Mutex<HashMap<String, Vec<String>>>,
    files: FilenameCompleter,
}

impl<'a> ShellHelper<'a> {
    pub fn new(session: &'a Session, runtime: Handle) -> Self {
        let tables = session.tables().into_iter().map(|t| t.name).collect();
        let mut functions: Vec<String> = session
            .functions(Some("*"))
            .into_iter()
            .map(|f| f.name)
            .collect();
        functions.sort();
        let reports = session
            .reports()
            .reports
            .into_iter()
            .map(|r| r.name)
            .collect();
        Self {
            session,
            runtime,
            tables,
            functions,
            reports,
            pending: String::new(),
            columns: Mutex::default(),
            files: FilenameCompleter::new(),
        }
    }

    /// Tables known from elsewhere (a server), with their columns.
    pub fn know_tables(&mut self, columns: HashMap<String, Vec<String>>) {
        self.tables = columns.keys().cloned().collect();
        self.tables.sort();
        *self.columns.lock().expect("completion cache lock") = columns;
    }

    pub fn set_pending(&mut self, pending: &str) {
        pending.clone_into(&mut self.pending);
    }

    fn columns_of(&self, table: &str) -> Vec<String> {
        let mut cache = self.columns.lock().expect("completion cache lock");
        if let Some(columns) = cache.get(table) {
            return columns.clone();
        }
        // The editor runs outside the runtime, so blocking on it here is allowed.
        let columns = match self.runtime.block_on(self.session.describe(table)) {
            Ok((_, columns)) => columns.into_iter().map(|c| c.name).collect(),
            Err(_) => Vec::new(),
        };
        cache.insert(table.to_string(), columns.clone());
        columns
    }

    /// The known table a name in a statement refers to: `schema.table`, or a bare table name
    /// that is unique across schemas.
    fn resolve_table(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        if self.tables.contains(&name) {
            return Some(name);
        }
        let mut matches = self
            .tables
            .iter()
            .filter(|t| t.rsplit('.').next() == Some(name.as_str()));
        let first = matches.next()?;
        matches.next().is_none().then(|| first.clone())
    }

    /// Tables the statement's tokens name, with their aliases (`FROM cctns.fir f` → `f`).
    fn tables_in(&self, tokens: &[Token]) -> Vec<(String, Option<String>)> {
        let tokens: Vec<&Token> = tokens.iter().filter(|t| !script::is_blank(t)).collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            // A name: words joined by periods.
            let mut name = String::new();
            let mut end = i;
            while let Some(Token::Word(word)) = tokens.get(end) {
                name.push_str(&word.value);
                if tokens.get(end + 1) == Some(&&Token::Period) {
                    name.push('.');
                    end += 2;
                } else {
                    end += 1;
                    break;
                }
            }
            if end == i {
                i += 1;
                continue;
            }
            if let Some(table) = self.resolve_table(&name) {
                let mut next = end;
                if matches!(tokens.get(next), Some(Token::Word(w)) if w.keyword == Keyword::AS) {
                    next += 1;
                }
                let alias = match tokens.get(next) {
                    Some(Token::Word(w)) if w.keyword == Keyword::NoKeyword => {
                        Some(w.value.to_ascii_lowercase())
                    }
                    _ => None,
                };
                found.push((table, alias));
            }
            i = end;
        }
        found
    }

    fn complete_sql(&self, before: &str, tokens: &[Token]) -> (usize, Vec<Pair>) {
        let word_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        let word = &before[word_start..];
        let pos = before.len();

        if let Some((qualifier, partial)) = word.rsplit_once('.') {
            let start = pos - partial.len();
            let qualifier_lower = qualifier.to_ascii_lowercase();
            // `schema.` → the schema's tables.
            let in_schema: Vec<String> = self
                .tables
                .iter()
                .filter_map(|t| t.strip_prefix(&format!("{qualifier_lower}.")))
                .map(str::to_string)
                .collect();
            if !in_schema.is_empty() {
                return (
                    start,
                    candidates(partial, in_schema.iter().map(String::as_str)),
                );
            }
            // `table.` or `alias.` → its columns.
            let table = self.resolve_table(qualifier).or_else(|| {
                self.tables_in(tokens)
                    .into_iter()
                    .find(|(_, alias)| alias.as_deref() == Some(qualifier_lower.as_str()))
                    .map(|(table, _)| table)
            });
            let columns = table.map(|t| self.columns_of(&t)).unwrap_or_default();
            return (
                start,
                candidates(partial, columns.iter().map(String::as_str)),
            );
        }

        let mut names: Vec<String> = Vec::new();
        for (table, _) in self.tables_in(tokens) {
            names.extend(self.columns_of(&table));
        }
        names.extend(self.functions.iter().cloned());
        names.extend(self.tables.iter().cloned());
        let mut schemas: Vec<String> = self
            .tables
            .iter()
            .filter_map(|t| t.split_once('.').map(|(s, _)| format!("{s}.")))
            .collect();
        schemas.dedup();
        names.extend(schemas);
        let lowercase = word.chars().all(|c| !c.is_ascii_uppercase());
        names.extend(KEYWORDS.iter().map(|k| {
            if lowercase {
                k.to_ascii_lowercase()
            } else {
                k.to_string()
            }
        }));
        (
            word_start,
            candidates(word, names.iter().map(String::as_str)),
        )
    }

    fn complete_meta(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let Some(space) = before.find(char::is_whitespace) else {
            return Ok((0, candidates(before, COMMANDS.iter().map(|c| c.name))));
        };
        let command = &before[..space];
        // After the last space, which may be wider than a byte (a no-break space).
        let argument_start = before
            .char_indices()
            .rfind(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let partial = &before[argument_start..];
        let first_argument = before[space..].trim_start().len() == partial.len();
        let Some(spec) = spec(command) else {
            return Ok((pos, Vec::new()));
        };
        let names: Vec<String> = match spec.completes {
            Completes::Nothing => Vec::new(),
            Completes::Tables => self.tables.clone(),
            Completes::Functions => self.functions.clone(),
            Completes::Reports if first_argument => self.reports.clone(),
            Completes::Reports => Vec::new(),
            Completes::Files => return self.files.complete(line, pos, ctx),
            Completes::Formats => OutputFormat::ALL
                .iter()
                .filter(|f| !f.is_binary())
                .map(|f| f.name().to_string())
                .collect(),
            Completes::OnOff => vec!["on".into(), "off".into()],
        };
        Ok((
            argument_start,
            candidates(partial, names.iter().map(String::as_str)),
        ))
    }
}

fn candidates<'n>(partial: &str, names: impl Iterator<Item = &'n str>) -> Vec<Pair> {
    let lower = partial.to_ascii_lowercase();
    let mut matched: Vec<&str> = names
        .filter(|n| n.to_ascii_lowercase().starts_with(&lower))
        .collect();
    matched.sort_unstable();
    matched.dedup();
    matched
        .into_iter()
        .map(|name| Pair {
            display: name.to_string(),
            replacement: name.to_string(),
        })
        .collect()
}

impl Completer for ShellHelper<'_> {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let line_start = line[..pos].rfind('\n').map_or(0, |i| i + 1);
        if line[line_start..].trim_start().starts_with('\\') && line[..line_start].trim().is_empty()
        {
            let offset =
                line_start + (line[line_start..].len() - line[line_start..].trim_start().len());
            // The cursor in the blank before the backslash: nothing to complete there.
            let Some(within) = pos.checked_sub(offset) else {
                return Ok((pos, Vec::new()));
            };
            let (start, pairs) = self.complete_meta(&line[offset..], within, ctx)?;
            return Ok((start + offset, pairs));
        }
        let dialect = match self.session.dialect() {
            Ok(dialect) => dialect,
            Err(_) => return Ok((pos, Vec::new())),
        };
        let typed = format!("{}{}", self.pending, &line[..pos]);
        match script::cursor(dialect.as_ref(), &typed) {
            Cursor::InQuotes => self.files.complete(line, pos, ctx),
            Cursor::InComment => Ok((pos, Vec::new())),
            Cursor::Code(before) => {
                // The tables of the statement are named after the cursor too, often.
                let whole = format!("{}{line}", self.pending);
                let tokens = match script::cursor(dialect.as_ref(), &whole) {
                    Cursor::Code(tokens) => tokens,
                    _ => before,
                };
                Ok(self.complete_sql(&line[..pos], &tokens))
            }
        }
    }
}

/// Every line is accepted as typed: the shell gathers the lines of a statement itself, so that
/// it can show a continuation prompt.
impl Validator for ShellHelper<'_> {}

impl Hinter for ShellHelper<'_> {
    type Hint = String;
}

impl Highlighter for ShellHelper<'_> {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Helper for ShellHelper<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_completion_handles_what_the_fuzzer_found() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let lake = jaanch::Lake::from_config(jaanch::LakeConfig::empty("t")).unwrap();
        let session = lake.session(jaanch::Identity::local()).unwrap();
        let helper = ShellHelper::new(&session, runtime.handle().clone());
        let history = rustyline::history::DefaultHistory::new();
        // Found by the fuzzer: a no-break space (two bytes) before the word being completed.
        let line = "\\format\u{a0}cs";
        let (start, pairs) = helper
            .complete(line, line.len(), &Context::new(&history))
            .unwrap();
        assert_eq!(&line[start..], "cs");
        assert_eq!(pairs[0].replacement, "csv");
        // Found by the fuzzer too: the cursor in the blank before a meta-command.
        let line = "\t\\dt";
        let (start, pairs) = helper.complete(line, 0, &Context::new(&history)).unwrap();
        assert_eq!((start, pairs.len()), (0, 0));
    }

    #[test]
    fn candidates_match_prefix_ignoring_case() {
        let names = ["cctns.fir", "cctns.accused", "abhay.cameras"];
        let found: Vec<String> = candidates("CCTNS.F", names.into_iter())
            .into_iter()
            .map(|p| p.replacement)
            .collect();
        assert_eq!(found, vec!["cctns.fir"]);
    }
}
