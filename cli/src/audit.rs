//! `jaanch audit`: list the audit log's records, check the log, make its signing key.
//!
//! Listing is a query on `audit.log` through the session, so only roles granted that table can
//! list, and the listing is itself on record. Checking reads the files directly: it needs the
//! log folder and the public key, not a user of the lake.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use datafusion::common::ScalarValue;
use jaanch::audit::{AUDIT_TABLE, public_key_path};
use jaanch::config::{ConfigSource, LakeConfig, find_config};
use jaanch::output::{OutputFormat, PrintOptions};
use jaanch::{Params, Session};

use crate::run::{Printer, Sink};
use crate::{CliError, Result};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the log: every record's hash, the chain across files, the signed digests and the
    /// signed head; names the first record edited, deleted, inserted or moved
    Verify {
        /// The public key file [default: the lake config's access.audit.public_key, else the
        /// signing key's path + .pub]
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
    /// Make a signing key pair: FILE (readable by its owner only) and FILE.pub
    Keygen {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Filters of `jaanch audit` (listing).
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this user's records
    #[arg(long = "by", value_name = "USER")]
    pub by: Option<String>,
    /// Only records with this outcome: ok, refused, denied, error, cancelled
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: Option<String>,
    /// Only statements that read this table (schema.table)
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,
    /// Only records from this time on (`2026-12-01`, `2026-12-01 09:30`)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// The last N records [default: 50]
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub last: usize,
    /// Output format [default: a table at a terminal, else tsv]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,
}

/// Lists the last records that match the filters, oldest first.
pub async fn list(session: &Session, args: &ListArgs) -> Result<()> {
    let mut conditions = vec!["kind <> 'digest'".to_string()];
    let mut values: Vec<(String, ScalarValue)> = Vec::new();
    let mut filter = |condition: &str, name: &str, value: &Option<String>| {
        if let Some(value) = value {
            conditions.push(condition.to_string());
            values.push((name.to_string(), ScalarValue::from(value.as_str())));
        }
    };
    filter("\"user\" = $user", "user", &args.by);
    filter("outcome = lower($outcome)", "outcome", &args.outcome);
    filter("array_has(tables, lower($table))", "table", &args.table);
    filter("time >= CAST($since AS TIMESTAMP)", "since", &args.since);
    let sql = format!(
        "SELECT seq, time, \"user\", role, purpose, client, outcome, \"rows\", report, sql, error \
         FROM (SELECT * FROM {AUDIT_TABLE} WHERE {} ORDER BY seq DESC LIMIT {}) ORDER BY seq",
        conditions.join(" AND "),
        args.last
    );
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Tsv
    });
    if format.is_binary() {
        return Err(CliError::Usage(format!(
            "--format {format} writes binary data: `jaanch audit` prints text; for a file use \
             jaanch sql \"SELECT * FROM {AUDIT_TABLE}\" -o FILE"
        )));
    }
    let result = session.sql_with_params(&sql, Params::Named(values)).await?;
    let mut stdout = std::io::BufWriter::new(std::io::stdout());
    let mut printer = Printer::new(PrintOptions::new(format), Sink::Stream(&mut stdout));
    printer.print(result).await?;
    stdout
        .flush()
        .map_err(|e| jaanch::Error::writing(None, e))?;
    Ok(())
}

/// Checks the log of the lake config; an intact log is one line on stdout, a damaged one an
/// error naming the first problem.
pub fn verify(lake: Option<&Path>, public_key: Option<&Path>) -> Result<()> {
    let config = match find_config(lake).map_err(jaanch::Error::from)? {
        ConfigSource::File(path) => LakeConfig::load(&path).map_err(jaanch::Error::from)?,
        ConfigSource::Default => {
            return Err(CliError::Usage(
                "no lake config: give --lake FILE (its [access.audit] names the log)".into(),
            ));
        }
    };
    let Some(audit) = config
        .access
        .as_ref()
        .and_then(|a| a.config().audit.as_ref())
    else {
        return Err(CliError::Usage(format!(
            "the lake config in {} keeps no audit log (it has no [access.audit])",
            config.base_dir.display()
        )));
    };
    let dir = config.resolve_path(&audit.dir);
    let key_path = match (public_key, &audit.public_key) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(path)) => config.resolve_path(path),
        (None, None) => public_key_path(&config.resolve_path(&audit.signing_key)),
    };
    let key = jaanch::audit::read_public_key(&key_path).map_err(CliError::Shell)?;
    if !dir.is_dir() {
        return Err(CliError::Shell(format!(
            "audit log {} does not exist (nothing was recorded yet, or it was deleted)",
            dir.display()
        )));
    }
    match jaanch::audit::verify(&dir, &key) {
        Ok(verified) => {
            println!("{verified}");
            Ok(())
        }
        Err(problem) => Err(CliError::Shell(format!("{} ({})", problem, dir.display()))),
    }
}

/// Makes a signing key pair.
pub fn keygen(file: &Path) -> Result<()> {
    let public = jaanch::audit::generate_key(file).map_err(|e| CliError::Shell(e.to_string()))?;
    println!(
        "wrote the secret key {} (readable by you only) and its public half {}",
        file.display(),
        public.display()
    );
    Ok(())
}
