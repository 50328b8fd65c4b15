//! Splitting SQL text into statements, keeping where each starts.
//!
//! A statement ends at a `;` outside quotes and comments. Knowing each statement's line lets a
//! script stop at the first failing statement and say where it is; knowing whether the text
//! ends inside a statement lets the shell keep reading lines until it is complete.

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    /// The statement's text, without the terminating `;`.
    pub text: &'a str,
    /// 1-based line where the statement starts (its first non-blank, non-comment character).
    pub line: usize,
}

/// The result of scanning SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// Complete statements (each was ended by `;`, or by the end of the text).
    pub statements: Vec<ScriptStatement<'a>>,
    /// Whether the text ends inside a statement (no `;` yet, or an open quote or comment).
    pub incomplete: bool,
}

/// Splits `text` into statements. Text after the last `;` counts as a statement too, flagged
/// by [`Split::incomplete`] so that the shell can wait for more input.
pub fn split_statements(text: &str) -> Split<'_> {
    #[derive(PartialEq)]
    enum State {
        Code,
        Single,
        Double,
        LineComment,
        BlockComment,
    }
    let bytes = text.as_bytes();
    let mut statements = Vec::new();
    let mut state = State::Code;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            State::Code => match b {
                b'\'' => state = State::Single,
                b'"' => state = State::Double,
                b'-' if next == Some(b'-') => {
                    state = State::LineComment;
                    i += 1;
                }
                b'/' if next == Some(b'*') => {
                    state = State::BlockComment;
                    i += 1;
                }
                b';' => {
                    push_statement(text, start, i, &mut statements);
                    start = i + 1;
                }
                _ => {}
            },
            // A doubled quote inside a literal is an escaped quote: leaving and re-entering
            // the literal at once handles it.
            State::Single if b == b'\'' => state = State::Code,
            State::Double if b == b'"' => state = State::Code,
            State::LineComment if b == b'\n' => state = State::Code,
            State::BlockComment if b == b'*' && next == Some(b'/') => {
                state = State::Code;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let trailing_has_code = first_code_offset(&text[start..]).is_some();
    let incomplete = state != State::Code && state != State::LineComment || trailing_has_code;
    if trailing_has_code {
        push_statement(text, start, text.len(), &mut statements);
    }
    Split {
        statements,
        incomplete,
    }
}

fn push_statement<'a>(
    text: &'a str,
    start: usize,
    end: usize,
    statements: &mut Vec<ScriptStatement<'a>>,
) {
    let chunk = &text[start..end];
    if let Some(offset) = first_code_offset(chunk) {
        let begin = start + offset;
        statements.push(ScriptStatement {
            text: text[begin..end].trim_end(),
            line: text[..begin].matches('\n').count() + 1,
        });
    }
}

/// Offset of the first character that is neither whitespace nor inside a comment.
fn first_code_offset(chunk: &str) -> Option<usize> {
    let bytes = chunk.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b if b.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = chunk[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = chunk[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            _ => return Some(i),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<(&str, usize)> {
        split_statements(sql)
            .statements
            .iter()
            .map(|s| (s.text, s.line))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "SELECT 'a;b', \"c;d\" -- e;f\n;\n/* g; h */ SELECT 2;";
        assert_eq!(
            texts(sql),
            vec![("SELECT 'a;b', \"c;d\" -- e;f", 1), ("SELECT 2", 3)]
        );
        assert!(!split_statements(sql).incomplete);
    }

    #[test]
    fn lines_point_at_statement_starts() {
        let sql = "-- header comment\nSELECT 1;\n\n\nSELECT\n  2;";
        assert_eq!(texts(sql), vec![("SELECT 1", 2), ("SELECT\n  2", 5)]);
    }

    #[test]
    fn escaped_quotes_stay_inside_literals() {
        assert_eq!(
            texts("SELECT 'it''s; fine';"),
            vec![("SELECT 'it''s; fine'", 1)]
        );
    }

    #[test]
    fn incomplete_input_is_detected() {
        assert!(split_statements("SELECT 1").incomplete);
        assert!(split_statements("SELECT 'abc;").incomplete);
        assert!(split_statements("SELECT 1; /* open").incomplete);
        assert!(!split_statements("SELECT 1; -- trailing comment").incomplete);
        assert!(!split_statements("   \n  ").incomplete);
        assert_eq!(
            texts("SELECT 1; SELECT 2"),
            vec![("SELECT 1", 1), ("SELECT 2", 1)]
        );
    }

    #[test]
    fn empty_statements_are_skipped() {
        assert_eq!(texts(";;  ; -- nothing\n;"), Vec::<(&str, usize)>::new());
    }
}
