//! Checking a log: every record's hash, the chain, the files' order, the signed digests and the
//! signed head. The first thing wrong is named by record number and file line.

use std::fmt;
use std::path::Path;

use ed25519_dalek::VerifyingKey;

use super::chain::{self, Damage, GENESIS, HEAD_FILE, Head, ROTATION, Stored};

/// A log that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Statement and session records.
    pub records: u64,
    /// Signed digests in the chain.
    pub digests: u64,
    pub files: usize,
    /// The last record's number: the signed head's.
    pub last: u64,
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "audit log intact: {} records and {} signed digests in {} file{}, chain and signatures verified up to the signed head (record {})",
            self.records,
            self.digests,
            self.files,
            if self.files == 1 { "" } else { "s" },
            self.last
        )
    }
}

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The record it concerns, by the number it should have.
    pub record: Option<u64>,
    /// `000002.jsonl:17`, or a file.
    pub location: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "audit log damaged at {location}: {}", self.message),
            None => write!(f, "audit log damaged: {}", self.message),
        }
    }
}

/// One line of a log file, read and checked on its own.
struct ReadLine {
    file: String,
    line: usize,
    record: Result<Stored, Damage>,
    /// The file does not end with a newline after this line.
    cut_off: bool,
}

impl ReadLine {
    fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Checks the log in `dir` with the public key `key`.
pub fn verify(dir: &Path, key: &VerifyingKey) -> Result<Verified, Problem> {
    let problem = |record: Option<u64>, location: Option<String>, message: String| Problem {
        record,
        location,
        message,
    };
    let files = chain::files(dir).map_err(|m| problem(None, None, m))?;
    let head = read_head(dir)?;
    let mut lines: Vec<ReadLine> = Vec::new();
    // Where each file's lines start in `lines`, with the file's number and name.
    let mut starts: Vec<(usize, u64, String)> = Vec::new();
    for (number, path) in &files {
        let name = chain::file_name(*number);
        let text = std::fs::read(path)
            .map_err(|e| problem(None, Some(name.clone()), format!("cannot read: {e}")))?;
        starts.push((lines.len(), *number, name.clone()));
        let text = String::from_utf8_lossy(&text);
        let ends_whole = text.is_empty() || text.ends_with('\n');
        let count = text.lines().count();
        for (index, line) in text.lines().enumerate() {
            lines.push(ReadLine {
                file: name.clone(),
                line: index + 1,
                record: chain::parse(line),
                cut_off: !ends_whole && index + 1 == count,
            });
        }
    }

    let mut expected = 1u64;
    let mut prev = GENESIS.to_string();
    let mut prev_at = String::new();
    let mut records = 0u64;
    let mut digests = 0u64;
    // The last record a verified signature covers.
    let mut signed_up_to = 0u64;
    let mut file_index = 0usize;
    for (index, read) in lines.iter().enumerate() {
        // Entering a file: it must be the next one, and the one before must end in its
        // rotation digest.
        while file_index < starts.len() && starts[file_index].0 == index {
            let (_, number, name) = &starts[file_index];
            let wanted = file_index as u64 + 1;
            if *number != wanted {
                return Err(problem(
                    Some(expected),
                    Some(chain::file_name(wanted)),
                    format!(
                        "file {} is missing (deleted): the log goes on in {name} after record {}",
                        chain::file_name(wanted),
                        expected - 1
                    ),
                ));
            }
            if file_index > 0 {
                check_rotation(&lines[..index], &starts[file_index - 1].2, expected)?;
            }
            file_index += 1;
        }
        let stored = match &read.record {
            Ok(stored) => stored,
            Err(_) if read.cut_off => {
                return Err(problem(
                    Some(expected),
                    Some(read.at()),
                    format!("record {expected} is cut off: the log was truncated"),
                ));
            }
            Err(Damage::Unreadable) => {
                return Err(problem(
                    Some(expected),
                    Some(read.at()),
                    format!("record {expected} is damaged: not a record of the log (edited)"),
                ));
            }
            Err(Damage::Edited) => {
                return Err(problem(
                    Some(expected),
                    Some(read.at()),
                    format!("record {expected} was edited: its hash does not match its contents"),
                ));
            }
        };
        if stored.seq > expected {
            let later = lines[index..]
                .iter()
                .find(|l| matches!(&l.record, Ok(s) if s.seq == expected));
            let message = match later {
                Some(later) => format!(
                    "record {} comes before record {expected} (at {}): records were reordered",
                    stored.seq,
                    later.at()
                ),
                None if stored.seq == expected + 1 => {
                    format!(
                        "record {expected} is missing (deleted) before record {}",
                        stored.seq
                    )
                }
                None => format!(
                    "records {expected} to {} are missing (deleted) before record {}",
                    stored.seq - 1,
                    stored.seq
                ),
            };
            return Err(problem(Some(expected), Some(read.at()), message));
        }
        if stored.seq < expected {
            return Err(problem(
                Some(stored.seq),
                Some(read.at()),
                format!(
                    "a second record {} after record {}: a record was inserted or copied",
                    stored.seq,
                    expected - 1
                ),
            ));
        }
        if stored.prev != prev {
            return Err(problem(
                Some(expected - 1),
                Some(prev_at.clone()),
                format!(
                    "record {} was replaced: record {expected} (at {}) follows a record with another hash",
                    expected - 1,
                    read.at()
                ),
            ));
        }
        if stored.kind == "digest" {
            check_digest(stored, key, signed_up_to)
                .map_err(|message| problem(Some(stored.seq), Some(read.at()), message))?;
            signed_up_to = stored.seq;
            digests += 1;
        } else {
            records += 1;
        }
        expected += 1;
        prev = stored.hash.clone();
        prev_at = read.at();
    }
    let last = expected - 1;
    let last_file = starts.last().map(|(_, _, name)| name.clone());
    check_head(head, last, &prev, last_file, signed_up_to, key)?;
    Ok(Verified {
        records,
        digests,
        files: files.len(),
        last,
    })
}

fn read_head(dir: &Path) -> Result<Option<Head>, Problem> {
    let path = dir.join(HEAD_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Problem {
                record: None,
                location: Some(HEAD_FILE.to_string()),
                message: format!("cannot read: {e}"),
            });
        }
    };
    serde_json::from_str(text.trim())
        .map(Some)
        .map_err(|_| Problem {
            record: None,
            location: Some(HEAD_FILE.to_string()),
            message: "the signed head is damaged (edited)".to_string(),
        })
}

/// The file before `next_seq`'s must end in the digest signed when it was rotated.
fn check_rotation(before: &[ReadLine], name: &str, next_seq: u64) -> Result<(), Problem> {
    let rotated = matches!(
        before.last().map(|l| &l.record),
        Some(Ok(s)) if s.kind == "digest" && s.reason.as_deref() == Some(ROTATION)
    );
    if rotated {
        return Ok(());
    }
    Err(Problem {
        record: Some(next_seq.saturating_sub(1)),
        location: Some(name.to_string()),
        message: format!(
            "{name} does not end in its rotation digest: its last records were cut off (the next file starts at record {next_seq})"
        ),
    })
}

fn check_digest(stored: &Stored, key: &VerifyingKey, signed_up_to: u64) -> Result<(), String> {
    let (Some(covers), Some(head), Some(signature)) = (
        stored.covers,
        stored.head.as_deref(),
        stored.signature.as_deref(),
    ) else {
        return Err(format!(
            "digest record {} lacks its signature: it was forged",
            stored.seq
        ));
    };
    let rewritten = || {
        format!(
            "records {} to {covers} were rewritten after they were signed: the digest signed at record {} does not match them",
            signed_up_to + 1,
            stored.seq
        )
    };
    if covers + 1 != stored.seq || head != stored.prev {
        return Err(rewritten());
    }
    if !chain::signed_by(key, &chain::digest_message(covers, head), signature) {
        let signer = stored.key.as_deref().unwrap_or("none");
        let ours = chain::key_id(key);
        if signer != ours {
            return Err(format!(
                "the digest at record {} was signed with another key ({signer}, not {ours}): records {} to {covers} cannot be trusted",
                stored.seq,
                signed_up_to + 1
            ));
        }
        return Err(rewritten());
    }
    Ok(())
}

/// The signed head must name the chain's last record, by number, hash and file.
fn check_head(
    head: Option<Head>,
    last: u64,
    last_hash: &str,
    last_file: Option<String>,
    signed_up_to: u64,
    key: &VerifyingKey,
) -> Result<(), Problem> {
    let fail = |record: Option<u64>, message: String| {
        Err(Problem {
            record,
            location: Some(HEAD_FILE.to_string()),
            message,
        })
    };
    let Some(head) = head else {
        if last == 0 {
            return Ok(());
        }
        return fail(
            Some(signed_up_to + 1),
            format!(
                "the signed head is missing (deleted): records after {signed_up_to} cannot be checked"
            ),
        );
    };
    if !head.is_signed_by(key) {
        return fail(
            None,
            format!(
                "the signed head has a bad signature (forged, or signed with another key: {}, not {})",
                head.key,
                chain::key_id(key)
            ),
        );
    }
    if head.seq > last {
        return fail(
            Some(last + 1),
            format!(
                "the log was truncated: records {} to {} are missing (the signed head is record {} in {})",
                last + 1,
                head.seq,
                head.seq,
                head.file
            ),
        );
    }
    if head.seq < last {
        return fail(
            Some(head.seq + 1),
            format!(
                "records {} to {last} are not covered by the signed head (record {}): they were appended by something other than jaanch",
                head.seq + 1,
                head.seq
            ),
        );
    }
    if head.hash != last_hash || Some(&head.file) != last_file.as_ref() {
        return fail(
            Some(signed_up_to + 1),
            format!(
                "records {} to {last} were rewritten with fresh hashes: record {last} does not match the signed head",
                signed_up_to + 1
            ),
        );
    }
    Ok(())
}
