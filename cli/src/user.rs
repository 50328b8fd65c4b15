//! `jaanch user add` and `jaanch user passwd`: users of the server and their passwords, written
//! into the lake's access config as argon2id hashes (never the password itself).
//!
//! The config is edited in place, keeping its comments and layout; the lake is opened again
//! with the edited config before the command succeeds, and a config that would not load is
//! put back as it was.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use jaanch::Lake;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::{CliError, Result};

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Debug, clap::Subcommand)]
enum UserCommand {
    /// Add a user of the server to the access config; asks for the password
    Add {
        /// The user's login name
        name: String,
        /// The user's role
        #[arg(long)]
        role: String,
        /// The user's district (for row filters written with ${user.district})
        #[arg(long)]
        district: Option<String>,
        /// The user's range (${user.range})
        #[arg(long)]
        range: Option<String>,
        /// The user's police station (${user.station})
        #[arg(long)]
        station: Option<String>,
    },
    /// Set a user's password; asks for it (reads one line when standard input is not a terminal)
    Passwd {
        /// The user's login name
        name: String,
    },
}

pub fn run(lake_path: &Path, args: &UserArgs) -> Result<()> {
    let lake = Lake::open(lake_path)?;
    let access = lake.config().access.as_ref().ok_or_else(|| {
        CliError::Usage(format!(
            "lake {} has no [access] config: add roles first (see the README's \"Access control\")",
            lake_path.display()
        ))
    })?;
    let file = access
        .file()
        .map_or_else(|| lake_path.to_path_buf(), Path::to_path_buf);
    let inline = same_file(&file, lake_path);
    let text = std::fs::read_to_string(&file).map_err(|e| read_error(&file, e))?;
    let mut document: DocumentMut = text
        .parse()
        .map_err(|e| CliError::Shell(format!("{}: {e}", file.display())))?;
    let users = users(&mut document, inline, &file)?;
    let found = users
        .iter()
        .position(|u| u.get("name").and_then(Item::as_str) == Some(name_of(&args.command)));
    let message = match (&args.command, found) {
        (UserCommand::Add { name, .. }, Some(_)) => {
            return Err(CliError::Usage(format!(
                "user {name} exists already in {} (change the password with `jaanch user passwd {name}`)",
                file.display()
            )));
        }
        (UserCommand::Passwd { name }, None) => {
            return Err(CliError::Usage(format!(
                "no user {name} in {} (add one with `jaanch user add {name} --role ROLE`)",
                file.display()
            )));
        }
        (
            UserCommand::Add {
                name,
                role,
                district,
                range,
                station,
            },
            None,
        ) => {
            let mut user = Table::new();
            user.insert("name", value(name.as_str()));
            user.insert("role", value(role.as_str()));
            for (key, attribute) in [
                ("district", district),
                ("range", range),
                ("station", station),
            ] {
                if let Some(attribute) = attribute {
                    user.insert(key, value(attribute.as_str()));
                }
            }
            user.insert("password", value(hashed(name)?));
            users.push(user);
            format!("user {name} added to {} (role {role})", file.display())
        }
        (UserCommand::Passwd { name }, Some(index)) => {
            let user = users.get_mut(index).expect("the user was just found");
            user.insert("password", value(hashed(name)?));
            format!("password of {name} changed in {}", file.display())
        }
    };
    replace_checked(&file, &text, &document.to_string(), lake_path)?;
    eprintln!("{message}");
    Ok(())
}

fn name_of(command: &UserCommand) -> &str {
    match command {
        UserCommand::Add { name, .. } | UserCommand::Passwd { name } => name,
    }
}

/// The `[[user]]` array of an access config (`[[access.user]]` inside a lake config).
fn users<'d>(
    document: &'d mut DocumentMut,
    inline: bool,
    file: &Path,
) -> Result<&'d mut ArrayOfTables> {
    let table = match inline {
        true => document
            .get_mut("access")
            .and_then(Item::as_table_mut)
            .ok_or_else(|| CliError::Shell(format!("{}: no [access] table", file.display())))?,
        false => document.as_table_mut(),
    };
    table
        .entry("user")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| {
            CliError::Shell(format!(
                "{}: `user` is not a list of [[user]] tables",
                file.display()
            ))
        })
}

/// The argon2id hash of a password asked for `user`.
fn hashed(user: &str) -> Result<String> {
    let password = ask_password(user)?;
    jaanch_server::hash_password(&password).map_err(CliError::Shell)
}

/// A password: typed twice without echo at a terminal, else one line of standard input.
fn ask_password(user: &str) -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {user}: "))
            .map_err(|e| CliError::Shell(format!("cannot read the password: {e}")))?;
        let again = rpassword::prompt_password("again: ")
            .map_err(|e| CliError::Shell(format!("cannot read the password: {e}")))?;
        if first != again {
            return Err(CliError::Usage(
                "the two passwords differ: nothing was changed".to_string(),
            ));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Shell(format!("cannot read the password: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < 8 {
        return Err(CliError::Usage(
            "a password needs at least 8 characters: nothing was changed".to_string(),
        ));
    }
    Ok(password)
}

/// Writes `new` over `file` (whose text was `old`) and opens the lake again; if it does not
/// open, `old` is put back and the error returned.
fn replace_checked(file: &Path, old: &str, new: &str, lake_path: &Path) -> Result<()> {
    write_atomically(file, new)?;
    if let Err(error) = Lake::open(lake_path) {
        write_atomically(file, old)?;
        return Err(CliError::Usage(format!(
            "nothing was changed: the edited config would not load: {error}"
        )));
    }
    Ok(())
}

fn write_atomically(file: &Path, text: &str) -> Result<()> {
    let aside: PathBuf = file.with_extension("toml.new");
    std::fs::write(&aside, text)
        .and_then(|()| std::fs::rename(&aside, file))
        .map_err(|e| CliError::Shell(format!("cannot write {}: {e}", file.display())))
}

fn read_error(file: &Path, error: std::io::Error) -> CliError {
    CliError::Shell(format!("cannot read {}: {error}", file.display()))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
