//! A Delta table's transaction log as jaanch reads it for itself: which versions exist and when
//! each was committed (to find the version of a moment), and what each commit did (history).
//!
//! Reading the table's data at a version is deltalake's job; this is the little that it does
//! not offer in the form needed: a refusal instead of a silent first version for a moment
//! before the table existed, and row counts per version.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
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
