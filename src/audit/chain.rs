//! The log's files and lines: how a record is written, hashed and signed, and found again.
//!
//! A line is a JSON object whose last member is `"hash"`: the SHA-256 (hex) of the line's own
//! bytes without that member, that is of `{…,"prev":"…"}`. Hashing the bytes as written (rather
//! than a re-serialisation) makes the check independent of any JSON library.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{Entry, Kind};

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Taken exclusively while appending.
pub const LOCK_FILE: &str = "audit.lock";
/// The signed head of the chain.
pub const HEAD_FILE: &str = "audit.head";

/// What a line ends with: `,"hash":"<64 hex digits>"}`.
const HASH_PREFIX: &str = ",\"hash\":\"";
const HASH_SUFFIX_LEN: usize = HASH_PREFIX.len() + 64 + 2;

/// The name of the `number`th log file.
pub fn file_name(number: u64) -> String {
    format!("{number:06}.jsonl")
}

pub fn file_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(file_name(number))
}

/// The log files in `dir`, by number.
pub fn files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let Some(number) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".jsonl"))
            .filter(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        files.push((number, entry.path()));
    }
    files.sort();
    Ok(files)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A line made for appending.
pub struct Line {
    pub seq: u64,
    pub hash: String,
    pub text: String,
}

/// Adds the `hash` member to a JSON object without it.
fn seal(seq: u64, unsealed: String) -> Line {
    let hash = sha256_hex(unsealed.as_bytes());
    let mut text = unsealed;
    text.pop(); // the closing brace
    text.push_str(HASH_PREFIX);
    text.push_str(&hash);
    text.push_str("\"}");
    Line { seq, hash, text }
}

/// The current time, as the log writes it: RFC 3339 in UTC, to the millisecond.
fn now() -> String {
    crate::utc_now(chrono::SecondsFormat::Millis)
}

#[derive(Serialize)]
struct RecordOut<'a> {
    seq: u64,
    time: String,
    kind: Kind,
    #[serde(flatten)]
    entry: &'a Entry,
    pid: u32,
    prev: &'a str,
}

pub fn record_line(seq: u64, kind: Kind, entry: &Entry, prev: &str) -> Result<Line, String> {
    let record = RecordOut {
        seq,
        time: now(),
        kind,
        entry,
        pid: std::process::id(),
        prev,
    };
    let text =
        serde_json::to_string(&record).map_err(|e| format!("cannot encode a record: {e}"))?;
    Ok(seal(seq, text))
}

/// Why a digest was signed.
pub enum Reason {
    Every(u64),
    Rotation,
}

#[derive(Serialize)]
struct DigestOut<'a> {
    seq: u64,
    time: String,
    kind: &'static str,
    reason: String,
    covers: u64,
    head: &'a str,
    key: String,
    signature: String,
    prev: &'a str,
}

/// The message a digest signs: the chain up to record `covers`, whose hash is `head`.
pub fn digest_message(covers: u64, head: &str) -> String {
    format!("jaanch audit digest v1\n{covers}\n{head}")
}

/// The message the head file signs.
pub fn head_message(seq: u64, hash: &str, file: &str) -> String {
    format!("jaanch audit head v1\n{seq}\n{hash}\n{file}")
}

/// A short name of a public key: the first 16 hex digits of its SHA-256.
pub fn key_id(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())[..16].to_string()
}

pub fn digest_line(seq: u64, covers: u64, head: &str, reason: Reason, key: &SigningKey) -> Line {
    let signature = key.sign(digest_message(covers, head).as_bytes());
    let digest = DigestOut {
        seq,
        time: now(),
        kind: "digest",
        reason: match reason {
            Reason::Every(n) => format!("every {n} records"),
            Reason::Rotation => ROTATION.to_string(),
        },
        covers,
        head,
        key: key_id(&key.verifying_key()),
        signature: hex(&signature.to_bytes()),
        prev: head,
    };
    let text = serde_json::to_string(&digest).expect("a digest has only strings and numbers");
    seal(seq, text)
}

/// The `reason` of the digest that ends a rotated file.
pub const ROTATION: &str = "rotation";

/// The signed head: the last record of the chain and the file it is in.
#[derive(Debug, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
    pub file: String,
    pub key: String,
    pub signature: String,
}

impl Head {
    pub fn signed(seq: u64, hash: &str, file: &str, key: &SigningKey) -> Head {
        let signature = key.sign(head_message(seq, hash, file).as_bytes());
        Head {
            seq,
            hash: hash.to_string(),
            file: file.to_string(),
            key: key_id(&key.verifying_key()),
            signature: hex(&signature.to_bytes()),
        }
    }

    pub fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        signed_by(
            key,
            &head_message(self.seq, &self.hash, &self.file),
            &self.signature,
        )
    }
}

/// Whether `signature` (hex) is `key`'s signature of `message`.
pub fn signed_by(key: &VerifyingKey, message: &str, signature: &str) -> bool {
    let Some(bytes) = unhex(signature) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(message.as_bytes(), &signature).is_ok()
}

/// One record as read back: every member a record of any kind may have.
#[derive(Debug, Clone, Deserialize)]
pub struct Stored {
    pub seq: u64,
    pub time: String,
    pub kind: String,
    pub user: Option<String>,
    pub role: Option<String>,
    pub purpose: Option<String>,
    pub client: Option<String>,
    pub sql: Option<String>,
    pub report: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub tables: Vec<String>,
    #[serde(default)]
    pub versions: BTreeMap<String, u64>,
    pub rows: Option<u64>,
    pub duration_ms: Option<f64>,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub pid: Option<u32>,
    pub reason: Option<String>,
    pub covers: Option<u64>,
    pub head: Option<String>,
    pub key: Option<String>,
    pub signature: Option<String>,
    pub prev: String,
    pub hash: String,
}

/// Why a line is not a sound record.
#[derive(Debug, PartialEq, Eq)]
pub enum Damage {
    /// Not a JSON record of the log.
    Unreadable,
    /// Its hash is not the hash of its contents.
    Edited,
}

/// Reads a line back, checking its own hash.
pub fn parse(line: &str) -> Result<Stored, Damage> {
    let stored: Stored = serde_json::from_str(line).map_err(|_| Damage::Unreadable)?;
    let Some(body_end) = line.len().checked_sub(HASH_SUFFIX_LEN) else {
        return Err(Damage::Unreadable);
    };
    let (body, suffix) = line.split_at(body_end);
    if suffix != format!("{HASH_PREFIX}{}\"}}", stored.hash) {
        return Err(Damage::Unreadable);
    }
    if sha256_hex(format!("{body}}}").as_bytes()) != stored.hash {
        return Err(Damage::Edited);
    }
    Ok(stored)
}

/// Where the chain ends: the last file, its length, and its last record.
pub struct Tail {
    pub file_number: u64,
    pub file_len: u64,
    pub seq: u64,
    pub hash: String,
}

/// The end of the chain in `dir`, or `None` for a new log. The last record is read from the
/// end of the last file; a file that does not end in a whole record stops the writer.
pub fn tail(dir: &Path) -> Result<Option<Tail>, String> {
    let Some((file_number, path)) = files(dir)?.pop() else {
        return Ok(None);
    };
    let (file_len, line) = last_line(&path)?;
    let Some(line) = line else {
        return Err(format!(
            "{} is empty; run `jaanch audit verify`",
            path.display()
        ));
    };
    let stored = parse(&line).map_err(|_| {
        format!(
            "the last record of {} is damaged; run `jaanch audit verify`",
            path.display()
        )
    })?;
    Ok(Some(Tail {
        file_number,
        file_len,
        seq: stored.seq,
        hash: stored.hash,
    }))
}

/// The length of a file and its last line, read from its end.
fn last_line(path: &Path) -> Result<(u64, Option<String>), String> {
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = File::open(path).map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    if len == 0 {
        return Ok((0, None));
    }
    let mut window = 4096u64;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start)).map_err(fail)?;
        let mut bytes = Vec::with_capacity((len - start) as usize);
        file.read_to_end(&mut bytes).map_err(fail)?;
        if bytes.last() != Some(&b'\n') {
            return Err(format!(
                "{} ends in a cut-off record; run `jaanch audit verify`",
                path.display()
            ));
        }
        let body = &bytes[..bytes.len() - 1];
        match body.iter().rposition(|&b| b == b'\n') {
            Some(newline) => {
                return Ok((
                    len,
                    Some(String::from_utf8_lossy(&body[newline + 1..]).into()),
                ));
            }
            None if start == 0 => return Ok((len, Some(String::from_utf8_lossy(body).into()))),
            None => window *= 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            user: "si.kota01".into(),
            role: Some("district_analyst".into()),
            purpose: Some("FIR 12/2024".into()),
            client: "cli".into(),
            sql: Some("SELECT \"x\", '\u{0915}' FROM t\nWHERE a = 1".into()),
            report: None,
            params: BTreeMap::new(),
            tables: vec!["cctns.fir".into()],
            versions: BTreeMap::from([("cctns.fir".into(), 14)]),
            rows: Some(3),
            duration_ms: 1.5,
            outcome: super::super::Outcome::Ok,
            error: None,
        }
    }

    #[test]
    fn a_sealed_line_reads_back_and_a_changed_byte_shows() {
        let line = record_line(7, Kind::Statement, &entry(), GENESIS).unwrap();
        assert!(!line.text.contains('\n'), "one record per line");
        let stored = parse(&line.text).unwrap();
        assert_eq!((stored.seq, stored.hash.as_str()), (7, line.hash.as_str()));
        assert_eq!(stored.prev, GENESIS);
        assert_eq!(stored.sql, entry().sql);

        let edited = line.text.replace("\"rows\":3", "\"rows\":4");
        assert_ne!(edited, line.text);
        assert_eq!(parse(&edited).unwrap_err(), Damage::Edited);
        assert_eq!(parse(&line.text[..40]).unwrap_err(), Damage::Unreadable);
    }

    #[test]
    fn digests_and_heads_verify_only_with_their_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        let line = digest_line(101, 100, &"ab".repeat(32), Reason::Every(100), &key);
        let stored = parse(&line.text).unwrap();
        let message = digest_message(100, stored.head.as_deref().unwrap());
        let signature = stored.signature.unwrap();
        assert!(signed_by(&key.verifying_key(), &message, &signature));
        assert!(!signed_by(&other, &message, &signature));
        assert!(!signed_by(
            &key.verifying_key(),
            &digest_message(99, GENESIS),
            &signature
        ));

        let head = Head::signed(5, GENESIS, "000001.jsonl", &key);
        assert!(head.is_signed_by(&key.verifying_key()));
        assert!(!head.is_signed_by(&other));
        let moved = Head { seq: 4, ..head };
        assert!(!moved.is_signed_by(&key.verifying_key()));
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        assert_eq!(
            unhex(&hex(&[0, 1, 254, 255])).unwrap(),
            vec![0, 1, 254, 255]
        );
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
