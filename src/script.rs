//! SQL text as the engine reads it: statements and where they start, whether input is complete,
//! placeholders, and the words around a cursor.
//!
//! Everything here goes through sqlparser's tokenizer, the one DataFusion parses with, so the
//! shell, scripts, reports and completion agree with the parser on what is a string, a comment,
//! a quoted name or a `;`. Token positions are real positions in the text given (with
//! [`Script::starting_at`], in the file it came from), so the parser's messages name the line a
//! user can find.

use datafusion::sql::sqlparser::dialect::{Dialect, GenericDialect};
use datafusion::sql::sqlparser::tokenizer::{
    Location, Token, TokenWithSpan, Tokenizer, TokenizerError, Whitespace,
};

/// SQL text split into statements.
#[derive(Debug, Clone)]
pub struct Script {
    statements: Vec<ScriptStatement>,
}

/// One statement of a script: its tokens, without the `;` that ends it.
#[derive(Debug, Clone)]
pub struct ScriptStatement {
    /// 1-based line where the statement starts (its first token that is not blank or a comment).
    pub line: usize,
    pub(crate) tokens: Vec<TokenWithSpan>,
}

impl Script {
    /// Splits `text` into statements at each `;` outside strings, quoted names and comments.
    /// Statements holding nothing but comments are left out.
    pub fn parse(dialect: &dyn Dialect, text: &str) -> Result<Script, TokenizerError> {
        Self::starting_at(dialect, text, 1)
    }

    /// As [`Script::parse`], for text that starts at `first_line` of a longer file: positions,
    /// in statements and in errors, are counted from the start of that file.
    pub fn starting_at(
        dialect: &dyn Dialect,
        text: &str,
        first_line: usize,
    ) -> Result<Script, TokenizerError> {
        let shift = first_line.saturating_sub(1) as u64;
        let tokens = tokenize(dialect, text).map_err(|mut error| {
            error.location.line += shift;
            error
        })?;
        let mut statements = Vec::new();
        let mut current: Vec<TokenWithSpan> = Vec::new();
        for mut token in tokens {
            token.span.start.line += shift;
            token.span.end.line += shift;
            if token.token == Token::SemiColon {
                push_statement(&mut statements, std::mem::take(&mut current));
            } else {
                current.push(token);
            }
        }
        push_statement(&mut statements, current);
        Ok(Script { statements })
    }

    pub fn statements(&self) -> &[ScriptStatement] {
        &self.statements
    }

    pub fn into_statements(self) -> Vec<ScriptStatement> {
        self.statements
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    pub fn len(&self) -> usize {
        self.statements.len()
    }
}

impl ScriptStatement {
    /// The statement's tokens, whitespace and comments included.
    pub fn tokens(&self) -> &[TokenWithSpan] {
        &self.tokens
    }

    /// The statement's text as written, without the blank space around it.
    pub fn text(&self) -> String {
        let text: String = self.tokens.iter().map(|t| t.token.to_string()).collect();
        text.trim().to_string()
    }
}

fn push_statement(statements: &mut Vec<ScriptStatement>, tokens: Vec<TokenWithSpan>) {
    if let Some(first) = tokens.iter().find(|t| !is_blank(&t.token)) {
        statements.push(ScriptStatement {
            line: first.span.start.line as usize,
            tokens,
        });
    }
}

fn tokenize(dialect: &dyn Dialect, text: &str) -> Result<Vec<TokenWithSpan>, TokenizerError> {
    Tokenizer::new(dialect, text).tokenize_with_location()
}

/// Whether a token is whitespace or a comment.
pub fn is_blank(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_))
}

/// Whether `text` is ready to run: it is blank, or its last token that is not blank or a comment
/// is a `;`. Text that ends inside a string, a quoted name or a block comment is not complete.
pub fn is_complete(dialect: &dyn Dialect, text: &str) -> bool {
    match tokenize(dialect, text) {
        // The tokenizer fails only on what it cannot end: an open quote or comment.
        Err(_) => false,
        Ok(tokens) => tokens
            .iter()
            .rev()
            .find(|t| !is_blank(&t.token))
            .is_none_or(|t| t.token == Token::SemiColon),
    }
}

/// The `$name` placeholders of `text`, with the 1-based line of each.
pub fn placeholders(text: &str) -> Result<Vec<(usize, String)>, TokenizerError> {
    Ok(tokenize(&GenericDialect {}, text)?
        .into_iter()
        .filter_map(|t| match t.token {
            Token::Placeholder(name) => Some((
                t.span.start.line as usize,
                name.trim_start_matches(['$', '?', ':', '@']).to_string(),
            )),
            _ => None,
        })
        .collect())
}

/// What the text before a cursor ends in, for completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// Inside a string literal or a quoted name (where file names are completed).
    InQuotes,
    /// Inside a comment: nothing to complete.
    InComment,
    /// Code: the tokens of the statement the cursor is in, up to the cursor.
    Code(Vec<Token>),
}

/// Where a cursor at the end of `before` stands.
pub fn cursor(dialect: &dyn Dialect, before: &str) -> Cursor {
    let tokens = match tokenize(dialect, before) {
        Ok(tokens) => tokens,
        Err(_) => return open_construct(before),
    };
    // A block comment the tokenizer read is closed; a line comment is open until its line ends.
    if let Some(Token::Whitespace(Whitespace::SingleLineComment { comment, .. })) =
        tokens.last().map(|t| &t.token)
        && !comment.ends_with('\n')
    {
        return Cursor::InComment;
    }
    let start = tokens
        .iter()
        .rposition(|t| t.token == Token::SemiColon)
        .map_or(0, |i| i + 1);
    Cursor::Code(tokens[start..].iter().map(|t| t.token.clone()).collect())
}

/// What the tokenizer could not end: a block comment, or else a quote.
fn open_construct(before: &str) -> Cursor {
    let last_open = before.rfind("/*");
    let last_quote = before.rfind(['\'', '"']);
    match (last_open, last_quote) {
        (Some(comment), Some(quote)) if comment > quote => Cursor::InComment,
        (Some(_), None) => Cursor::InComment,
        _ => Cursor::InQuotes,
    }
}

/// The 1-based line and column of a location, as shown to users.
pub fn line_and_column(location: Location) -> (usize, usize) {
    (location.line as usize, location.column as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIALECT: GenericDialect = GenericDialect {};

    fn lines(sql: &str) -> Vec<(usize, usize)> {
        Script::parse(&DIALECT, sql)
            .unwrap()
            .statements()
            .iter()
            .map(|s| {
                (
                    s.line,
                    s.tokens().iter().filter(|t| !is_blank(&t.token)).count(),
                )
            })
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "SELECT 'a;b', \"c;d\" -- e;f\n;\n/* g; h */ SELECT 2;";
        assert_eq!(lines(sql), vec![(1, 4), (3, 2)]);
    }

    #[test]
    fn lines_point_at_statement_starts() {
        let sql = "-- header comment\nSELECT 1;\n\n\nSELECT\n  2;";
        assert_eq!(lines(sql), vec![(2, 2), (5, 2)]);
        let later = Script::starting_at(&DIALECT, "\nSELECT 1;", 10).unwrap();
        assert_eq!(later.statements()[0].line, 11);
        let error = Script::starting_at(&DIALECT, "SELECT\n'open", 10).unwrap_err();
        assert_eq!(error.location.line, 11);
    }

    #[test]
    fn escaped_quotes_stay_inside_literals() {
        assert_eq!(lines("SELECT 'it''s; fine';"), vec![(1, 2)]);
    }

    #[test]
    fn empty_statements_are_skipped() {
        assert_eq!(lines(";;  ; -- nothing\n;"), Vec::<(usize, usize)>::new());
        assert_eq!(lines("SELECT 1; SELECT 2"), vec![(1, 2), (1, 2)]);
    }

    #[test]
    fn incomplete_input_is_detected() {
        let complete = |sql| is_complete(&DIALECT, sql);
        assert!(!complete("SELECT 1"));
        assert!(!complete("SELECT 'abc;"));
        assert!(!complete("SELECT 1; /* open"));
        assert!(complete("SELECT 1; -- trailing comment"));
        assert!(complete("SELECT 1;\n"));
        assert!(complete("   \n  "));
        assert!(!complete("SELECT 1; SELECT 2"));
    }

    #[test]
    fn placeholders_outside_strings_and_comments() {
        let sql = "SELECT $day, '$not' -- $nor\nFROM t\nWHERE d = $dya /* $no */";
        assert_eq!(
            placeholders(sql).unwrap(),
            vec![(1, "day".to_string()), (3, "dya".to_string())]
        );
    }

    #[test]
    fn cursor_positions() {
        assert_eq!(cursor(&DIALECT, "SELECT * FROM 'data/fi"), Cursor::InQuotes);
        assert_eq!(cursor(&DIALECT, "SELECT 1 -- note"), Cursor::InComment);
        assert_eq!(cursor(&DIALECT, "SELECT 1 /* note"), Cursor::InComment);
        let Cursor::Code(tokens) = cursor(&DIALECT, "SELECT 1; SELECT pl") else {
            panic!("code expected");
        };
        let words: Vec<String> = tokens
            .iter()
            .filter(|t| !is_blank(t))
            .map(|t| t.to_string())
            .collect();
        assert_eq!(words, ["SELECT", "pl"]);
    }
}
