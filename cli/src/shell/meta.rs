//! Meta-commands (`\d`, `\o`, ...) as data: one table gives parsing, completion and `\?`.

use jaanch::output::OutputFormat;

use crate::CliError;

/// A parsed meta-command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meta {
    Help,
    Quit,
    Describe(Option<String>),
    Tables(Option<String>),
    Functions(Option<String>),
    Reports,
    RunReport(Vec<String>),
    Include(String),
    Output(Option<String>),
    Timing(Option<bool>),
    Format(OutputFormat),
    Expanded,
    MaxRows(Option<usize>),
    /// `\purpose TEXT` states why the user looks; `\purpose` alone shows it.
    Purpose(Option<String>),
    /// `\asof MOMENT` reads Delta tables as of a moment or version; `\asof off` reads the
    /// latest again; `\asof` alone shows the setting.
    AsOf(Option<AsOf>),
    /// `\history TABLE [N]` lists a Delta table's versions.
    History(String, Option<usize>),
}

/// The argument of `\asof`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOf {
    Latest,
    /// As typed (the session parses it).
    Pin(String),
}

/// One row of the command table.
pub struct MetaSpec {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
    /// What the argument completes to.
    pub completes: Completes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completes {
    Nothing,
    Tables,
    Functions,
    Reports,
    Files,
    Formats,
    OnOff,
}

pub const COMMANDS: &[MetaSpec] = &[
    MetaSpec {
        name: "\\?",
        args: "",
        help: "show this help",
        completes: Completes::Nothing,
    },
    MetaSpec {
        name: "\\q",
        args: "",
        help: "quit (also Ctrl-D)",
        completes: Completes::Nothing,
    },
    MetaSpec {
        name: "\\d",
        args: "[TABLE]",
        help: "describe a table: columns, types, nullability, descriptions (no TABLE: list tables)",
        completes: Completes::Tables,
    },
    MetaSpec {
        name: "\\dt",
        args: "[PATTERN]",
        help: "list tables with format, location and description; PATTERN may use * and ?",
        completes: Completes::Tables,
    },
    MetaSpec {
        name: "\\df",
        args: "[PATTERN|NAME]",
        help: "list police functions (PATTERN: all matching functions; NAME: syntax and example)",
        completes: Completes::Functions,
    },
    MetaSpec {
        name: "\\dr",
        args: "",
        help: "list saved reports",
        completes: Completes::Nothing,
    },
    MetaSpec {
        name: "\\r",
        args: "REPORT [name=value ...]",
        help: "run a saved report with parameters",
        completes: Completes::Reports,
    },
    MetaSpec {
        name: "\\i",
        args: "FILE",
        help: "run the statements in FILE; stops at the first error",
        completes: Completes::Files,
    },
    MetaSpec {
        name: "\\o",
        args: "[FILE]",
        help: "send results to FILE (format from its extension, else \\format), or back to the\n\
               terminal; each result is added to FILE, which stays valid: CSV keeps one header\n\
               (other columns are refused), JSON one array; Parquet and HTML (a page with\n\
               a report's chart and district map) hold the last result",
        completes: Completes::Files,
    },
    MetaSpec {
        name: "\\timing",
        args: "[on|off]",
        help: "show or hide the elapsed time in the footer",
        completes: Completes::OnOff,
    },
    MetaSpec {
        name: "\\format",
        args: "FORMAT",
        help: "output format: table, csv, tsv, json, ndjson, markdown",
        completes: Completes::Formats,
    },
    MetaSpec {
        name: "\\x",
        args: "",
        help: "toggle expanded output (one column per line)",
        completes: Completes::Nothing,
    },
    MetaSpec {
        name: "\\maxrows",
        args: "N|all",
        help: "show at most N rows of a table result",
        completes: Completes::Nothing,
    },
    MetaSpec {
        name: "\\asof",
        args: "[MOMENT|VERSION|off]",
        help: "read Delta tables as they were: 2024-06-30 (end of that day, IST), 2024-06-30 18:00,\n\
               an RFC 3339 time, or v12; off reads the latest versions again. No argument: show it",
        completes: Completes::Nothing,
    },
    MetaSpec {
        name: "\\history",
        args: "TABLE [N]",
        help: "list a Delta table's versions, newest first: time, operation, rows and files\n\
               added and removed (N: the latest N)",
        completes: Completes::Tables,
    },
    MetaSpec {
        name: "\\purpose",
        args: "[TEXT]",
        help: "state why you look (an FIR or case number); some roles run no query without one.\n\
               No TEXT: show the purpose stated",
        completes: Completes::Nothing,
    },
];

/// A meta-command that could not be parsed: one line, with a hint.
fn error(message: String) -> CliError {
    CliError::Shell(message)
}

/// The spec of a command name, if it exists.
pub fn spec(name: &str) -> Option<&'static MetaSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Parses a line starting with `\`.
pub fn parse(line: &str) -> Result<Meta, CliError> {
    let line = line.trim().trim_end_matches(';').trim_end();
    if let Some(text) = rest_of(line, "\\purpose") {
        return purpose(text).map(Meta::Purpose);
    }
    if let Some(text) = rest_of(line, "\\asof") {
        let text = text.trim_matches(['\'', '"']).trim();
        return Ok(Meta::AsOf(match text {
            "" => None,
            "off" | "latest" => Some(AsOf::Latest),
            moment => Some(AsOf::Pin(moment.to_string())),
        }));
    }
    let mut words = split_words(line)?.into_iter();
    let name = words.next().unwrap_or_default();
    let name = name.as_str();
    let rest: Vec<String> = words.collect();
    let one = |usage: &str| -> Result<Option<String>, CliError> {
        match rest.as_slice() {
            [] => Ok(None),
            [arg] => Ok(Some(arg.clone())),
            _ => Err(error(format!("{name} takes one argument: {name} {usage}"))),
        }
    };
    let required = |usage: &str| -> Result<String, CliError> {
        one(usage)?.ok_or_else(|| error(format!("{name} needs an argument: {name} {usage}")))
    };
    let none = || -> Result<(), CliError> {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(error(format!("{name} takes no arguments")))
        }
    };
    Ok(match name {
        "\\?" | "\\h" | "\\help" => {
            none()?;
            Meta::Help
        }
        "\\q" | "\\quit" => {
            none()?;
            Meta::Quit
        }
        "\\d" => Meta::Describe(one("[TABLE]")?),
        "\\dt" => Meta::Tables(one("[PATTERN]")?),
        "\\df" => Meta::Functions(one("[PATTERN]")?),
        "\\dr" => {
            none()?;
            Meta::Reports
        }
        "\\r" => {
            if rest.is_empty() {
                return Err(error(
                    "\\r needs a report: \\r REPORT [name=value ...] (\\dr lists them)".into(),
                ));
            }
            Meta::RunReport(rest)
        }
        "\\i" => Meta::Include(required("FILE")?),
        "\\o" => Meta::Output(one("[FILE]")?),
        "\\history" => match rest.as_slice() {
            [table] => Meta::History(table.clone(), None),
            [table, n] => Meta::History(
                table.clone(),
                Some(n.parse().map_err(|_| {
                    error(format!(
                        "\\history TABLE [N]: N is a number of versions, not {n:?}"
                    ))
                })?),
            ),
            _ => {
                return Err(error(
                    "\\history needs a table: \\history TABLE [N] (\\dt lists the tables; format delta has versions)"
                        .into(),
                ));
            }
        },
        "\\timing" => Meta::Timing(match one("[on|off]")?.as_deref() {
            None => None,
            Some("on") => Some(true),
            Some("off") => Some(false),
            Some(other) => {
                return Err(error(format!("\\timing takes on or off, not {other:?}")));
            }
        }),
        "\\format" => Meta::Format(required("FORMAT")?.parse().map_err(error)?),
        "\\x" => {
            none()?;
            Meta::Expanded
        }
        "\\maxrows" => {
            let value = required("N|all")?;
            Meta::MaxRows(match value.as_str() {
                "all" | "0" => None,
                n => {
                    Some(n.parse().map_err(|_| {
                        error(format!("\\maxrows takes a number or all, not {n:?}"))
                    })?)
                }
            })
        }
        unknown => {
            let names: Vec<String> = COMMANDS.iter().map(|c| c.name.to_string()).collect();
            let hint = jaanch::closest(unknown, &names)
                .map(|n| format!("did you mean {n}? "))
                .unwrap_or_default();
            return Err(error(format!(
                "unknown command {unknown} ({hint}\\? lists the commands)"
            )));
        }
    })
}

/// What follows the command `name` on `line`, if the line is that command: the text as typed,
/// for commands whose argument is free text rather than words.
fn rest_of<'l>(line: &'l str, name: &str) -> Option<&'l str> {
    let rest = line.strip_prefix(name)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

/// The argument of `\purpose`: free text, quotes around all of it optional. Nothing shows the
/// purpose stated; quotes around nothing would state an empty one.
fn purpose(text: &str) -> Result<Option<String>, CliError> {
    if text.is_empty() {
        return Ok(None);
    }
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|&q| {
            text.strip_prefix(q)
                .and_then(|t| t.strip_suffix(q))
                .filter(|t| !t.contains(q))
        })
        .unwrap_or(text)
        .trim();
    if unquoted.is_empty() {
        return Err(error(
            "\\purpose needs text: \\purpose FIR 123/2024 PS Kotwali (no TEXT shows the purpose stated)"
                .into(),
        ));
    }
    Ok(Some(unquoted.to_string()))
}

/// Splits a meta-command line into words at spaces; single or double quotes keep spaces in a
/// word (`\r vehicle_history plate='rj 14 ca 12'`, `\i "daily checks.sql"`) and are removed.
fn split_words(line: &str) -> Result<Vec<String>, CliError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.get_or_insert_default().push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            None if c.is_whitespace() => words.extend(word.take()),
            None => word.get_or_insert_default().push(c),
        }
    }
    if let Some(q) = quote {
        return Err(error(format!("unterminated {q} quote in {line}")));
    }
    words.extend(word);
    Ok(words)
}

/// The text of `\?`, built from the command table.
pub fn help() -> String {
    let width = COMMANDS
        .iter()
        .map(|c| c.name.len() + 1 + c.args.len())
        .max()
        .unwrap_or(0);
    let mut out = String::from("Meta-commands:\n");
    for command in COMMANDS {
        let usage = if command.args.is_empty() {
            command.name.to_string()
        } else {
            format!("{} {}", command.name, command.args)
        };
        let mut lines = command.help.lines();
        out.push_str(&format!(
            "  {usage:<width$}  {}\n",
            lines.next().unwrap_or_default()
        ));
        for line in lines {
            out.push_str(&format!("  {:width$}  {line}\n", ""));
        }
    }
    out.push_str(
        "\nSQL statements end with `;` and may span lines. Tab completes keywords, tables, \
         columns,\nfunctions and file names; Ctrl-C cancels a running query; Ctrl-D quits.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_arguments() {
        assert_eq!(
            parse("\\d cctns.fir").unwrap(),
            (Meta::Describe(Some("cctns.fir".into())))
        );
        assert_eq!(parse("\\dt").unwrap(), Meta::Tables(None));
        assert_eq!(
            parse("\\o 'hits.csv';").unwrap(),
            (Meta::Output(Some("hits.csv".into())))
        );
        assert_eq!(parse("\\timing off").unwrap(), Meta::Timing(Some(false)));
        assert_eq!(parse("\\maxrows all").unwrap(), Meta::MaxRows(None));
        assert_eq!(parse("\\maxrows 20").unwrap(), Meta::MaxRows(Some(20)));
        assert_eq!(
            parse("\\r vehicle_history plate=RJ14CA0012").unwrap(),
            Meta::RunReport(vec!["vehicle_history".into(), "plate=RJ14CA0012".into()])
        );
        assert_eq!(
            parse("\\r vehicle_history plate='rj 14 ca 12' district=\"Sri Ganganagar\"").unwrap(),
            Meta::RunReport(vec![
                "vehicle_history".into(),
                "plate=rj 14 ca 12".into(),
                "district=Sri Ganganagar".into()
            ])
        );
        assert_eq!(
            parse("\\i \"daily checks.sql\"").unwrap(),
            Meta::Include("daily checks.sql".into())
        );
        assert_eq!(
            parse("\\r x plate='RJ14").unwrap_err().to_string(),
            "unterminated ' quote in \\r x plate='RJ14"
        );
    }

    #[test]
    fn purpose_is_the_rest_of_the_line() {
        assert_eq!(parse("\\purpose").unwrap(), Meta::Purpose(None));
        assert_eq!(parse("  \\purpose ; ").unwrap(), Meta::Purpose(None));
        for (line, text) in [
            ("\\purpose FIR 12/2024 PS Kotwali", "FIR 12/2024 PS Kotwali"),
            ("\\purpose   FIR  12/2024  ", "FIR  12/2024"),
            ("\\purpose 'FIR 12/2024';", "FIR 12/2024"),
            ("\\purpose \"case 7\"", "case 7"),
            // A quote inside the text is part of it, not the start of a word.
            ("\\purpose complaint of O'Brien", "complaint of O'Brien"),
            ("\\purpose 'a' and 'b'", "'a' and 'b'"),
        ] {
            assert_eq!(
                parse(line).unwrap(),
                Meta::Purpose(Some(text.into())),
                "{line}"
            );
        }
        assert_eq!(
            parse("\\purpose ''").unwrap_err().to_string(),
            "\\purpose needs text: \\purpose FIR 123/2024 PS Kotwali (no TEXT shows the purpose stated)"
        );
        // Another command that starts the same is not \purpose.
        assert_eq!(
            parse("\\purposes x").unwrap_err().to_string(),
            "unknown command \\purposes (did you mean \\purpose? \\? lists the commands)"
        );
    }

    #[test]
    fn errors_are_one_line_with_hints() {
        assert_eq!(
            parse("\\dx").unwrap_err().to_string(),
            "unknown command \\dx (did you mean \\d? \\? lists the commands)"
        );
        assert_eq!(
            parse("\\q now").unwrap_err().to_string(),
            "\\q takes no arguments"
        );
        assert_eq!(
            parse("\\i").unwrap_err().to_string(),
            "\\i needs an argument: \\i FILE"
        );
        assert_eq!(
            parse("\\format xml").unwrap_err().to_string(),
            "unknown format \"xml\" (expected one of table, csv, tsv, json, ndjson, markdown, parquet, html)"
        );
        assert_eq!(
            parse("\\maxrows many").unwrap_err().to_string(),
            "\\maxrows takes a number or all, not \"many\""
        );
    }

    #[test]
    fn every_command_is_in_help_and_parses() {
        let text = help();
        for command in COMMANDS {
            assert!(
                text.contains(command.name),
                "{} missing from help",
                command.name
            );
            let example = match command.name {
                "\\i" | "\\maxrows" | "\\r" | "\\history" => format!("{} x", command.name),
                "\\format" => format!("{} csv", command.name),
                _ => command.name.to_string(),
            };
            let parsed = parse(&example);
            assert!(
                parsed.is_ok() || command.name == "\\maxrows",
                "{example}: {parsed:?}"
            );
        }
    }
}
