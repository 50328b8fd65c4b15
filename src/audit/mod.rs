//! The audit log of a governed lake: every statement, allowed or refused, in a tamper-evident
//! file that many processes append to at once.
//!
//! The log is a folder of JSON-lines files (`000001.jsonl`, `000002.jsonl`, …), one record per
//! line. Each record carries the SHA-256 of the record before it (`prev`) and of itself
//! (`hash`), so the records form one chain across files. A chain alone can be rewritten from
//! any point by whoever can write the files, so the writer also signs, with an ed25519 key kept
//! outside the log:
//! - a *digest* record every `sign_every` records and as the last record of a file before it is
//!   rotated: the sequence number and hash of the record before it, signed;
//! - the *head* (`audit.head`): the last record's sequence number, hash and file, signed and
//!   replaced after every append, so that cutting or rewriting records after the last digest
//!   shows too.
//!
//! [`verify`] checks all of it with the public half of the key and names the first record that
//! was edited, deleted, inserted or moved, a file that was deleted, and a tail that was cut off
//! or rewritten with fresh hashes.
//!
//! Appending takes an exclusive lock on `audit.lock` (so processes take turns and the chain
//! stays one), and, with `fsync = "always"` (the default), the record is on disk before the
//! statement's result is complete. A log that cannot be written fails closed: the statement
//! gets an error, not its rows.
//!
//! What local mode cannot do: someone who can write the log folder can delete it all, or put
//! back an older copy of it with its older signed head. Keep the key and a copy of the public
//! key elsewhere, and ship the files off the machine (the server deployment does).

mod chain;
mod keys;
mod table;
mod ticket;
mod verify;

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

pub use chain::Stored;
pub use keys::{KeyError, generate_key, public_key_path, read_public_key};
pub(crate) use table::AuditTable;
pub(crate) use ticket::Ticket;
pub use verify::{Problem, Verified, verify};

use crate::config::ConfigError;

/// The schema of the log as a table, `audit.log`: reserved on a lake that keeps a log.
pub const AUDIT_SCHEMA: &str = "audit";
/// The log as a table.
pub const AUDIT_TABLE: &str = "audit.log";

/// The `[access.audit]` part of a lake config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The folder of the log files (relative to the lake config's folder).
    pub dir: String,
    /// The ed25519 secret key that signs digests and the head: a file only the jaanch process
    /// may read (`jaanch audit keygen FILE` makes one).
    pub signing_key: String,
    /// Its public half, for `jaanch audit verify` [default: the signing key's path + `.pub`].
    pub public_key: Option<String>,
    /// A signed digest after this many records.
    #[serde(default = "default_sign_every")]
    pub sign_every: u64,
    /// Start a new file when the current one is this big (`64MiB`, `1GB`, bytes).
    #[serde(default = "default_rotate_size")]
    pub rotate_size: String,
    /// `always`: each record is on disk (fsync) before the statement completes; `never`: the
    /// operating system writes it when it likes (faster, and a crash can lose the last records).
    #[serde(default)]
    pub fsync: Fsync,
}

fn default_sign_every() -> u64 {
    100
}

fn default_rotate_size() -> String {
    "64MiB".to_string()
}

/// The log files in `dir`, in order.
pub fn log_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(chain::files(dir)?
        .into_iter()
        .map(|(_, path)| path)
        .collect())
}

/// When appended records are forced to disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fsync {
    #[default]
    Always,
    Never,
}

/// How a statement ended, as the log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It ran to its end; `rows` says how many rows it returned.
    Ok,
    /// The lake's policy refused it (a write, a path, an engine option).
    Refused,
    /// The user may not do this: unknown user, no purpose stated.
    Denied,
    /// It failed: a syntax error, an unknown table, a runtime error.
    Error,
    /// It was stopped before its end (Ctrl-C, or the result was dropped).
    Cancelled,
}

/// What the log says about one statement (or a refused session).
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub user: String,
    pub role: Option<String>,
    pub purpose: Option<String>,
    /// The program the statement came through: `cli`, `shell`, `python`, `server 10.0.0.5`.
    pub client: String,
    pub sql: Option<String>,
    pub report: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Lake tables the statement read (`schema.table`).
    pub tables: Vec<String>,
    /// The version read of each Delta table among them (`schema.table` or `schema.table@v3`
    /// when one statement reads two versions of a table).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, u64>,
    /// Rows returned, for a statement that ran to its end.
    pub rows: Option<u64>,
    pub duration_ms: f64,
    pub outcome: Outcome,
    pub error: Option<String>,
}

/// What kind of record a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// A statement, allowed or refused.
    Statement,
    /// A session refused before any statement (an unknown user).
    Session,
}

/// Why appending to the log failed: the statement fails with it (the log fails closed).
#[derive(Debug, thiserror::Error)]
#[error("audit log {}: {problem} (the statement was not run or its result withheld)", .dir.display())]
pub struct AuditError {
    pub dir: PathBuf,
    pub problem: String,
}

/// An open audit log: where it is and the key that signs it.
pub struct AuditLog {
    dir: PathBuf,
    key: SigningKey,
    sign_every: u64,
    rotate_size: u64,
    fsync: Fsync,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("AuditLog").field("dir", &self.dir).finish()
    }
}

impl AuditLog {
    /// Opens the log of `config`, whose relative paths are in `base`: the folder is made if
    /// missing and the signing key read (it must be readable by its owner only).
    pub fn open(config: &AuditConfig, base: &Path) -> Result<AuditLog, ConfigError> {
        let resolve = |path: &str| base.join(path);
        let dir = resolve(&config.dir);
        let key_path = resolve(&config.signing_key);
        let key = keys::read_signing_key(&key_path)
            .map_err(|e| ConfigError::new(format!("access.audit.signing_key: {e}")))?;
        if let Some(public) = &config.public_key {
            let public_path = resolve(public);
            let public = keys::read_public_key(&public_path)
                .map_err(|e| ConfigError::new(format!("access.audit.public_key: {e}")))?;
            if public != key.verifying_key() {
                return Err(ConfigError::new(format!(
                    "access.audit.public_key: {} is not the public half of {} (make a new pair with `jaanch audit keygen`)",
                    public_path.display(),
                    key_path.display()
                )));
            }
        }
        if config.sign_every == 0 {
            return Err(ConfigError::new(
                "access.audit.sign_every: must be at least 1".to_string(),
            ));
        }
        let rotate_size = crate::config::parse_memory_size(&config.rotate_size)
            .map_err(|m| ConfigError::new(format!("access.audit.rotate_size: {m}")))?;
        std::fs::create_dir_all(&dir).map_err(|e| {
            ConfigError::new(format!(
                "access.audit.dir: cannot make the folder {}: {e}",
                dir.display()
            ))
        })?;
        Ok(AuditLog {
            dir,
            key,
            sign_every: config.sign_every,
            rotate_size: rotate_size as u64,
            fsync: config.fsync,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends a statement's record; returns its sequence number once it is written (and, with
    /// `fsync = "always"`, on disk).
    pub fn append(&self, entry: &Entry) -> Result<u64, AuditError> {
        self.append_kind(Kind::Statement, entry)
    }

    /// Appends a record of a session refused before any statement.
    pub(crate) fn append_session(&self, entry: &Entry) -> Result<u64, AuditError> {
        self.append_kind(Kind::Session, entry)
    }

    /// Checks, before a statement starts, that its record can be chained on: the log can be
    /// locked and ends in a whole record. A log broken before a statement stops it before any
    /// row is read.
    pub(crate) fn check(&self) -> Result<(), AuditError> {
        let problem = |problem| AuditError {
            dir: self.dir.clone(),
            problem,
        };
        let lock = self.lock().map_err(problem)?;
        chain::tail(&self.dir).map_err(problem)?;
        drop(lock);
        Ok(())
    }

    fn lock(&self) -> Result<File, String> {
        let lock_path = self.dir.join(chain::LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        lock.lock()
            .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
        Ok(lock)
    }

    fn append_kind(&self, kind: Kind, entry: &Entry) -> Result<u64, AuditError> {
        self.locked_append(kind, entry)
            .map_err(|problem| AuditError {
                dir: self.dir.clone(),
                problem,
            })
    }

    fn locked_append(&self, kind: Kind, entry: &Entry) -> Result<u64, String> {
        let lock = self.lock()?;
        let tail = chain::tail(&self.dir)?;
        let mut writer = Appender::new(self, tail);
        if writer.file_len >= self.rotate_size && writer.seq > 0 {
            writer.push_digest(chain::Reason::Rotation);
            writer.flush()?;
            writer.next_file();
        }
        let seq = writer.push_record(kind, entry)?;
        if seq % self.sign_every == 0 {
            writer.push_digest(chain::Reason::Every(self.sign_every));
        }
        writer.flush()?;
        writer.write_head()?;
        drop(lock);
        Ok(seq)
    }
}

/// Lines being appended under the lock, and the chain's head after them.
struct Appender<'a> {
    log: &'a AuditLog,
    file_number: u64,
    file_len: u64,
    seq: u64,
    hash: String,
    pending: String,
}

impl<'a> Appender<'a> {
    fn new(log: &'a AuditLog, tail: Option<chain::Tail>) -> Self {
        let (file_number, file_len, seq, hash) = match tail {
            Some(tail) => (tail.file_number, tail.file_len, tail.seq, tail.hash),
            None => (1, 0, 0, chain::GENESIS.to_string()),
        };
        Appender {
            log,
            file_number,
            file_len,
            seq,
            hash,
            pending: String::new(),
        }
    }

    fn push_line(&mut self, line: chain::Line) {
        self.seq = line.seq;
        self.hash = line.hash;
        self.pending.push_str(&line.text);
        self.pending.push('\n');
    }

    fn push_record(&mut self, kind: Kind, entry: &Entry) -> Result<u64, String> {
        let line = chain::record_line(self.seq + 1, kind, entry, &self.hash)?;
        self.push_line(line);
        Ok(self.seq)
    }

    fn push_digest(&mut self, reason: chain::Reason) {
        let line = chain::digest_line(self.seq + 1, self.seq, &self.hash, reason, &self.log.key);
        self.push_line(line);
    }

    fn path(&self) -> PathBuf {
        chain::file_path(&self.log.dir, self.file_number)
    }

    /// Writes the pending lines to the current file.
    fn flush(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.path();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        file.write_all(self.pending.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        if self.log.fsync == Fsync::Always {
            file.sync_data()
                .map_err(|e| format!("cannot sync {}: {e}", path.display()))?;
        }
        self.file_len += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    fn next_file(&mut self) {
        self.file_number += 1;
        self.file_len = 0;
    }

    /// Replaces the signed head with the chain's new one: written aside, then renamed over.
    fn write_head(&self) -> Result<(), String> {
        let head = chain::Head::signed(
            self.seq,
            &self.hash,
            &chain::file_name(self.file_number),
            &self.log.key,
        );
        let text = serde_json::to_string(&head).map_err(|e| e.to_string())? + "\n";
        let path = self.log.dir.join(chain::HEAD_FILE);
        let aside = self.log.dir.join(format!("{}.new", chain::HEAD_FILE));
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&aside)?;
            file.write_all(text.as_bytes())?;
            if self.log.fsync == Fsync::Always {
                file.sync_data()?;
            }
            std::fs::rename(&aside, &path)
        };
        write().map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}
