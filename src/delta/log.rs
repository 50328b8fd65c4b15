//! A Delta table's transaction log as jaanch reads it for itself: which versions exist and when
//! each was committed (to find the version of a moment), and what each commit did (history).
//!
//! It also replays a version's data files from its commits ([`replay`]) where that is all a
//! version needs: commits from version 0 on, none too many, and read as JSON lines. Loading a
//! version with deltalake replays the log through the Delta kernel, a few milliseconds even
//! for a small log, paid by the first statement that reads the table. Versions that need more
//! (a checkpoint, where the first commits were cleaned up) are deltalake's.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::Value;

/// One commit file of the log, `_delta_log/00000000000000000012.json`.
#[derive(Debug, Clone)]
pub struct Commit {
    pub version: u64,
    pub path: Path,
    /// When the file was written: the commit's time unless the commit records its own.
    pub modified: DateTime<Utc>,
}

/// The log folder of the table at `table`.
pub fn log_dir(table: &Path) -> Path {
    table.clone().join("_delta_log")
}

/// The commits of a table's log, oldest first (empty when there is no log).
pub async fn commits(store: &dyn ObjectStore, table: &Path) -> object_store::Result<Vec<Commit>> {
    let log = log_dir(table);
    let depth = log.parts().count() + 1;
    let mut commits: Vec<Commit> = store
        .list(Some(&log))
        .try_filter_map(|meta| async move {
            // Files in subfolders of the log are not commits (the protocol says to skip them).
            if meta.location.parts().count() != depth {
                return Ok(None);
            }
            let version = meta
                .location
                .filename()
                .and_then(|name| name.strip_suffix(".json"))
                .filter(|digits| digits.len() == 20)
                .and_then(|digits| digits.parse().ok());
            Ok(version.map(|version| Commit {
                version,
                path: meta.location,
                modified: meta.last_modified,
            }))
        })
        .try_collect()
        .await?;
    commits.sort_by_key(|c| c.version);
    Ok(commits)
}

/// What one commit did, from its actions.
#[derive(Debug, Clone, Default)]
pub struct CommitSummary {
    pub version: u64,
    pub committed_at: DateTime<Utc>,
    pub operation: Option<String>,
    /// The operation's parameters and metrics as the writer recorded them, `key=value, ...`.
    pub detail: String,
    pub files_added: usize,
    pub files_removed: usize,
    /// Rows in the files added (from their statistics; `None` where a file has none).
    pub rows_added: Option<u64>,
    /// Rows in the files removed, where the files were added by a commit that was read.
    pub rows_removed: Option<u64>,
    /// Rows and files in the table after the commit, when every commit from version 0 was read.
    pub rows: Option<u64>,
    pub files: Option<usize>,
}

/// The parsed actions of one commit file: one JSON object per line.
pub struct Actions(Vec<Value>);

impl Actions {
    pub async fn read(store: &dyn ObjectStore, commit: &Commit) -> Result<Actions, String> {
        let bytes = store
            .get(&commit.path)
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| "not UTF-8 text".to_string())?;
        Actions::parse(text)
    }

    /// The actions of a commit file's text.
    pub fn parse(text: &str) -> Result<Actions, String> {
        let mut actions = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let action: Value = serde_json::from_str(line)
                .map_err(|e| format!("line {}: invalid JSON ({e})", number + 1))?;
            actions.push(action);
        }
        Ok(Actions(actions))
    }

    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.0.iter().filter_map(move |action| action.get(kind))
    }

    /// The commit's own time (`inCommitTimestamp`, when the table records it), else `modified`.
    pub fn committed_at(&self, modified: DateTime<Utc>) -> DateTime<Utc> {
        self.of_kind("commitInfo")
            .find_map(|info| info.get("inCommitTimestamp")?.as_i64())
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or(modified)
    }
}

/// At most this many commits are replayed as JSON: a longer log has checkpoints, which
/// deltalake reads faster than all of its commits.
pub const REPLAYED_COMMITS: usize = 256;

/// One version of a table as its commits leave it.
#[derive(Debug)]
pub struct Replayed {
    /// The last `protocol` and `metaData` actions, as written.
    pub protocol: Value,
    pub metadata: Value,
    /// The files the version holds, in the order they were added.
    pub files: Vec<LogFile>,
    pub committed_at: DateTime<Utc>,
}

/// A data file of a version, from its `add` action.
#[derive(Debug, Clone)]
pub struct LogFile {
    /// The path as the log writes it: relative to the table, percent-encoded.
    pub path: String,
    pub partition_values: HashMap<String, Option<String>>,
    pub size: u64,
    pub rows: Option<usize>,
}

/// Version `version` replayed from the log's `commits` (oldest first, as [`commits`] lists
/// them) up to it; `None` when they cannot be replayed alone (the version not among them, not
/// from version 0, a version missing, too many of them, no protocol or metadata), an action
/// is not as the protocol writes it, or a file has a deletion vector (a file is then known by
/// its path and its vector, and only deltalake's scan reads what the vector deletes).
pub async fn replay(
    store: &dyn ObjectStore,
    commits: &[Commit],
    version: u64,
) -> Result<Option<Replayed>, (Commit, String)> {
    let Some(last) = commits.iter().position(|c| c.version == version) else {
        return Ok(None);
    };
    let commits = &commits[..=last];
    let from_zero = commits
        .iter()
        .enumerate()
        .all(|(i, c)| c.version == i as u64);
    if commits.is_empty() || commits.len() > REPLAYED_COMMITS || !from_zero {
        return Ok(None);
    }
    // The reads made before they are streamed: a stream of a closure's futures borrowing
    // `commits` would not be `Send` for every lifetime, which the table providers need.
    let reads: Vec<_> = (commits.iter())
        .map(|commit| async move {
            Actions::read(store, commit)
                .await
                .map_err(|problem| (commit.clone(), problem))
        })
        .collect();
    let actions: Vec<Actions> = futures::stream::iter(reads)
        .buffered(32)
        .try_collect()
        .await?;
    let last = commits.last().expect("not empty");
    let committed_at = actions
        .last()
        .expect("one a commit")
        .committed_at(last.modified);
    Ok(replayed_from(actions, committed_at))
}

/// The version `commits`' actions (in order) leave, its last commit made at `committed_at`.
pub fn replayed_from(commits: Vec<Actions>, committed_at: DateTime<Utc>) -> Option<Replayed> {
    let (mut protocol, mut metadata) = (None, None);
    let mut files: Vec<Option<LogFile>> = Vec::new();
    let mut live: HashMap<String, usize> = HashMap::new();
    for actions in commits {
        // A commit names a file once (twice only to swap its deletion vector): the order of
        // its actions then says nothing.
        let mut named: HashSet<&str> = HashSet::new();
        for action in &actions.0 {
            let Value::Object(action) = action else {
                return None;
            };
            if let Some(p) = action.get("protocol") {
                protocol = Some(p.clone());
            }
            if let Some(m) = action.get("metaData") {
                metadata = Some(m.clone());
            }
            let file = action.get("add").or_else(|| action.get("remove"));
            if let Some(file) = file {
                let path = file.get("path")?.as_str()?;
                let vector = file.get("deletionVector").is_some_and(|dv| !dv.is_null());
                if vector || !named.insert(path) {
                    return None;
                }
            }
            if let Some(remove) = action.get("remove") {
                let path = remove.get("path")?.as_str()?;
                if let Some(i) = live.remove(path) {
                    files[i] = None;
                }
            }
            if let Some(add) = action.get("add") {
                let file = log_file(add)?;
                if let Some(i) = live.insert(file.path.clone(), files.len()) {
                    files[i] = None;
                }
                files.push(Some(file));
            }
        }
    }
    Some(Replayed {
        protocol: protocol?,
        metadata: metadata?,
        files: files.into_iter().flatten().collect(),
        committed_at,
    })
}

fn log_file(add: &Value) -> Option<LogFile> {
    let partition_values = match add.get("partitionValues") {
        None | Some(Value::Null) => HashMap::new(),
        Some(Value::Object(values)) => values
            .iter()
            .map(|(column, value)| match value {
                Value::String(text) => Some((column.clone(), Some(text.clone()))),
                Value::Null => Some((column.clone(), None)),
                _ => None,
            })
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    Some(LogFile {
        path: add.get("path")?.as_str()?.to_string(),
        partition_values,
        size: add.get("size")?.as_u64()?,
        rows: rows_of(add).and_then(|rows| usize::try_from(rows).ok()),
    })
}

/// Rows in a file, from the statistics of its `add` action.
fn rows_of(add: &Value) -> Option<u64> {
    let stats = add.get("stats")?.as_str()?;
    serde_json::from_str::<Value>(stats)
        .ok()?
        .get("numRecords")?
        .as_u64()
}

/// Replays `commits` (in order) into one summary each, newest first. Totals are known when
/// the first commit is version 0.
pub async fn history(
    store: &dyn ObjectStore,
    commits: &[Commit],
) -> Result<Vec<CommitSummary>, (Commit, String)> {
    let complete = commits.first().is_some_and(|c| c.version == 0);
    let mut live: HashMap<String, Option<u64>> = HashMap::new();
    let mut summaries = Vec::with_capacity(commits.len());
    for commit in commits {
        let actions = Actions::read(store, commit)
            .await
            .map_err(|problem| (commit.clone(), problem))?;
        let mut summary = CommitSummary {
            version: commit.version,
            committed_at: actions.committed_at(commit.modified),
            rows_added: Some(0),
            rows_removed: Some(0),
            ..CommitSummary::default()
        };
        if let Some(info) = actions.of_kind("commitInfo").next() {
            summary.operation = info
                .get("operation")
                .and_then(Value::as_str)
                .map(str::to_string);
            summary.detail = detail(info);
        }
        for add in actions.of_kind("add") {
            let path = add.get("path").and_then(Value::as_str).unwrap_or_default();
            let rows = rows_of(add);
            summary.files_added += 1;
            summary.rows_added = summary.rows_added.zip(rows).map(|(a, b)| a + b);
            live.insert(path.to_string(), rows);
        }
        for remove in actions.of_kind("remove") {
            let path = remove
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default();
            summary.files_removed += 1;
            let rows = live.remove(path).flatten();
            summary.rows_removed = summary.rows_removed.zip(rows).map(|(a, b)| a + b);
        }
        if complete {
            summary.files = Some(live.len());
            summary.rows = live.values().copied().sum();
        } else {
            summary.rows_removed = None;
        }
        summaries.push(summary);
    }
    summaries.reverse();
    Ok(summaries)
}

/// A commit's parameters and metrics as `key=value` pairs.
fn detail(info: &Value) -> String {
    let mut pairs = Vec::new();
    for key in ["operationParameters", "operationMetrics"] {
        if let Some(Value::Object(map)) = info.get(key) {
            for (name, value) in map {
                let value = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                pairs.push(format!("{name}={value}"));
            }
        }
    }
    pairs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::PutPayload;
    use object_store::memory::InMemory;

    async fn put(store: &InMemory, path: &str, lines: &[&str]) {
        let body = lines.join("\n");
        store
            .put(&Path::from(path), PutPayload::from(body.into_bytes()))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn replays_rows_and_files_per_version() {
        let store = InMemory::new();
        put(&store, "t/_delta_log/00000000000000000000.json", &[
            r#"{"commitInfo":{"operation":"WRITE","operationParameters":{"mode":"Append"},"inCommitTimestamp":1700000000000}}"#,
            r#"{"add":{"path":"a.parquet","stats":"{\"numRecords\":10}"}}"#,
            r#"{"add":{"path":"b.parquet","stats":"{\"numRecords\":5}"}}"#,
        ])
        .await;
        put(
            &store,
            "t/_delta_log/00000000000000000001.json",
            &[
                r#"{"commitInfo":{"operation":"UPDATE","operationMetrics":{"numUpdatedRows":2}}}"#,
                r#"{"remove":{"path":"a.parquet"}}"#,
                r#"{"add":{"path":"a1.parquet","stats":"{\"numRecords\":10}"}}"#,
            ],
        )
        .await;
        put(
            &store,
            "t/_delta_log/_commits/00000000000000000002.uuid.json",
            &["{}"],
        )
        .await;
        put(
            &store,
            "t/_delta_log/00000000000000000001.checkpoint.parquet",
            &[""],
        )
        .await;
        let commits = commits(&store, &Path::from("t")).await.unwrap();
        assert_eq!(
            commits.iter().map(|c| c.version).collect::<Vec<_>>(),
            [0, 1]
        );
        let history = history(&store, &commits).await.unwrap();
        let newest = &history[0];
        assert_eq!(newest.operation.as_deref(), Some("UPDATE"));
        assert_eq!(newest.detail, "numUpdatedRows=2");
        assert_eq!(
            (newest.rows_added, newest.rows_removed),
            (Some(10), Some(10))
        );
        assert_eq!((newest.rows, newest.files), (Some(15), Some(2)));
        let first = &history[1];
        assert_eq!(first.committed_at.timestamp_millis(), 1_700_000_000_000);
        assert_eq!((first.rows, first.files_added), (Some(15), 2));
    }

    #[tokio::test]
    async fn replays_the_live_files_of_a_log_from_version_zero_only() {
        let store = InMemory::new();
        let protocol = r#"{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}"#;
        let metadata = r#"{"metaData":{"schemaString":"{}","partitionColumns":["y"]}}"#;
        put(&store, "t/_delta_log/00000000000000000000.json", &[
            protocol,
            metadata,
            r#"{"add":{"path":"y=1/a.parquet","partitionValues":{"y":"1"},"size":7,"stats":"{\"numRecords\":10}"}}"#,
            r#"{"add":{"path":"y=2/b.parquet","partitionValues":{"y":null},"size":8}}"#,
        ])
        .await;
        put(
            &store,
            "t/_delta_log/00000000000000000001.json",
            &[
                r#"{"commitInfo":{"inCommitTimestamp":1700000000000}}"#,
                r#"{"remove":{"path":"y=1/a.parquet"}}"#,
                r#"{"add":{"path":"y=1/c.parquet","partitionValues":{"y":"1"},"size":9}}"#,
            ],
        )
        .await;
        put(
            &store,
            "t/_delta_log/00000000000000000002.json",
            &[
                r#"{"remove":{"path":"y=2/b.parquet"}}"#,
                r#"{"add":{"path":"y=2/b.parquet","partitionValues":{"y":null},"size":8}}"#,
            ],
        )
        .await;
        put(&store, "t/_delta_log/00000000000000000003.json", &[
            r#"{"add":{"path":"y=2/b.parquet","partitionValues":{"y":null},"size":8,"deletionVector":{"storageType":"u","pathOrInlineDv":"x","uniqueId":"x","cardinality":1}}}"#,
            r#"{"remove":{"path":"y=2/b.parquet","deletionVector":null}}"#,
        ])
        .await;
        let commits = commits(&store, &Path::from("t")).await.unwrap();
        let first = replay(&store, &commits, 0).await.unwrap().unwrap();
        let paths = |r: &Replayed| r.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&first), ["y=1/a.parquet", "y=2/b.parquet"]);
        assert_eq!((first.files[0].size, first.files[0].rows), (7, Some(10)));
        assert_eq!(first.files[1].partition_values["y"], None);
        assert_eq!(first.metadata["partitionColumns"][0], "y");
        // A file removed and others added, in the order they were added.
        let second = replay(&store, &commits, 1).await.unwrap().unwrap();
        assert_eq!(paths(&second), ["y=2/b.parquet", "y=1/c.parquet"]);
        assert_eq!(second.committed_at.timestamp_millis(), 1_700_000_000_000);
        // A commit naming a file twice (a malformed one, or one that swaps a deletion
        // vector, whatever the order of its actions): not replayed.
        assert!(replay(&store, &commits, 2).await.unwrap().is_none());
        assert!(replay(&store, &commits, 3).await.unwrap().is_none());
        // A version the log does not hold, not from version 0 (a checkpoint holds the start),
        // or a version missing: not replayed.
        assert!(replay(&store, &commits, 9).await.unwrap().is_none());
        assert!(replay(&store, &commits[1..], 1).await.unwrap().is_none());
        let gap = [
            commits[0].clone(),
            Commit {
                version: 2,
                ..commits[2].clone()
            },
        ];
        assert!(replay(&store, &gap, 2).await.unwrap().is_none());
        // An action that is not as the protocol writes it: not replayed either.
        let bad = r#"{"add":{"path":"d.parquet","size":"big"}}"#;
        let actions = Actions::parse(&[protocol, metadata, bad].join("\n")).unwrap();
        assert!(replayed_from(vec![actions], Utc::now()).is_none());
    }

    #[tokio::test]
    async fn a_bad_line_names_the_commit() {
        let store = InMemory::new();
        put(
            &store,
            "t/_delta_log/00000000000000000000.json",
            &["{\"add\": "],
        )
        .await;
        let commits = commits(&store, &Path::from("t")).await.unwrap();
        let (commit, problem) = history(&store, &commits).await.unwrap_err();
        assert_eq!(commit.version, 0);
        assert!(problem.starts_with("line 1: invalid JSON"), "{problem}");
    }
}
