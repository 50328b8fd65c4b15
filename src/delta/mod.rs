//! Delta Lake tables (`format = "delta"`), read at their latest version or pinned to a version
//! or a moment: in the lake config, for a run (`--as-of`, `\asof`), or in
//! SQL (`as_of(cctns.fir, '2024-06-30')`).
//!
//! jaanch only reads Delta tables: their providers do not write, and the lake's policy refuses
//! statements that would.

use std::sync::{Arc, Once};

use chrono::{DateTime, Utc};
use datafusion::catalog::TableProvider;
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::execution::session_state::SessionState;
use deltalake::DeltaTableError;
use deltalake::logstore::{
    LogStore, LogStoreFactory, ObjectStoreRef, StorageConfig, default_logstore, logstore_factories,
};
use object_store::ObjectStore;
use url::Url;

use crate::error::{TableProblem, display_object, display_url};

pub(crate) mod files;
pub mod log;
mod pin;

pub use log::{Commit, CommitSummary};
pub use pin::{LAKE_OFFSET_SECONDS, Pin, show_moment, split_pinned};

/// How many versions of one table stay loaded: a report run as of two dates, and the latest.
const LOADED_VERSIONS: usize = 4;

/// A Delta table of the lake config: where it is, the pin the config gives it, and the versions
/// loaded so far (versions never change, so they are kept).
pub struct DeltaSource {
    name: String,
    url: ListingTableUrl,
    pin: Option<Pin>,
    loaded: parking_lot::Mutex<Vec<Arc<Snapshot>>>,
}

/// One version of a Delta table, ready to scan.
pub struct Snapshot {
    pub version: u64,
    pub committed_at: DateTime<Utc>,
    /// Data files in this version of the table.
    pub files: usize,
    pub provider: Arc<dyn TableProvider>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("version", &self.version)
            .field("committed_at", &self.committed_at)
            .field("files", &self.files)
            .finish()
    }
}

impl DeltaSource {
    pub fn new(name: String, url: ListingTableUrl, pin: Option<Pin>) -> DeltaSource {
        register_log_stores();
        DeltaSource {
            name,
            url,
            pin,
            loaded: Default::default(),
        }
    }

    /// The pin of the lake config, if any.
    pub fn pin(&self) -> Option<Pin> {
        self.pin
    }

    /// The table as `pin` asks (else as the config pins it, else its latest version).
    pub async fn snapshot(
        &self,
        state: &SessionState,
        pin: Option<Pin>,
    ) -> Result<Arc<Snapshot>, TableProblem> {
        let (store, commits) = self.log(state).await?;
        let commit = self
            .resolve(store.as_ref(), &commits, pin.or(self.pin))
            .await?;
        if let Some(loaded) = self
            .loaded
            .lock()
            .iter()
            .find(|s| s.version == commit.version)
        {
            return Ok(Arc::clone(loaded));
        }
        // Most versions are read from their commits alone; deltalake loads the others (from a
        // checkpoint, or with what only its scan reads).
        let from_log = self.load_from_log(state, store.as_ref(), &commits, commit.version);
        let snapshot = match from_log.await {
            Some(snapshot) => snapshot,
            None => self.load(state, store, commit).await?,
        };
        let snapshot = Arc::new(snapshot);
        let mut loaded = self.loaded.lock();
        if loaded.len() >= LOADED_VERSIONS {
            loaded.remove(0);
        }
        loaded.push(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// The table's commits, newest first: at most `limit` of them.
    pub async fn history(
        &self,
        state: &SessionState,
        limit: Option<usize>,
    ) -> Result<Vec<CommitSummary>, TableProblem> {
        let (store, commits) = self.log(state).await?;
        let mut history = log::history(store.as_ref(), &commits)
            .await
            .map_err(|(commit, problem)| self.bad_commit(&commit, problem))?;
        if let Some(limit) = limit {
            history.truncate(limit);
        }
        Ok(history)
    }

    /// The table's latest version and when it was committed, read from its log.
    pub async fn latest(&self, state: &SessionState) -> Result<(u64, DateTime<Utc>), TableProblem> {
        let (store, commits) = self.log(state).await?;
        let last = commits.last().expect("commits() is never empty");
        let at = self.commit_time(store.as_ref(), last).await?;
        Ok((last.version, at))
    }

    /// The table's store, and the commits of its log (at least one).
    async fn log(
        &self,
        state: &SessionState,
    ) -> Result<(Arc<dyn ObjectStore>, Vec<Commit>), TableProblem> {
        let store = self.store(state)?;
        let commits = self.commits(store.as_ref()).await?;
        Ok((store, commits))
    }

    fn store(&self, state: &SessionState) -> Result<Arc<dyn ObjectStore>, TableProblem> {
        state
            .runtime_env()
            .object_store(&self.url)
            .map_err(|cause| self.unreadable(cause))
    }

    fn location(&self) -> String {
        display_url(&self.url).trim_end_matches('/').to_string()
    }

    fn unreadable(&self, cause: impl Into<datafusion::error::DataFusionError>) -> TableProblem {
        TableProblem::Unreadable {
            location: self.location(),
            cause: Box::new(cause.into()),
        }
    }

    fn bad_commit(&self, commit: &Commit, problem: String) -> TableProblem {
        TableProblem::Unreadable {
            location: display_object(&self.url.object_store(), &commit.path),
            cause: Box::new(datafusion::error::DataFusionError::Execution(problem)),
        }
    }

    async fn commits(&self, store: &dyn ObjectStore) -> Result<Vec<Commit>, TableProblem> {
        let commits = log::commits(store, self.url.prefix())
            .await
            .map_err(|e| self.unreadable(datafusion::error::DataFusionError::from(e)))?;
        if commits.is_empty() {
            return Err(TableProblem::NoDeltaLog {
                location: self.location(),
            });
        }
        Ok(commits)
    }

    async fn commit_time(
        &self,
        store: &dyn ObjectStore,
        commit: &Commit,
    ) -> Result<DateTime<Utc>, TableProblem> {
        let actions = log::Actions::read(store, commit)
            .await
            .map_err(|problem| self.bad_commit(commit, problem))?;
        Ok(actions.committed_at(commit.modified))
    }

    /// The commit a pin names: the latest without one; for a moment, the last commit at or
    /// before it (found by halving, reading a commit's own time where it records one).
    async fn resolve<'c>(
        &self,
        store: &dyn ObjectStore,
        commits: &'c [Commit],
        pin: Option<Pin>,
    ) -> Result<&'c Commit, TableProblem> {
        let first = &commits[0];
        let last = &commits[commits.len() - 1];
        match pin {
            None => Ok(last),
            Some(Pin::Version(version)) => {
                commits
                    .iter()
                    .find(|c| c.version == version)
                    .ok_or_else(|| {
                        TableProblem::NoVersion(format!(
                            "no version {version}: the log holds versions {} to {} (\\history {} lists them)",
                            first.version, last.version, self.name
                        ))
                    })
            }
            Some(Pin::At(moment)) => {
                // The number of commits at or before the moment.
                let (mut low, mut high) = (0, commits.len());
                while low < high {
                    let middle = (low + high) / 2;
                    if self.commit_time(store, &commits[middle]).await? <= moment {
                        low = middle + 1;
                    } else {
                        high = middle;
                    }
                }
                if low == 0 {
                    let first_at = self.commit_time(store, first).await?;
                    return Err(TableProblem::NoVersion(format!(
                        "no version as of {}: its first version ({}) was committed at {}",
                        show_moment(&moment),
                        first.version,
                        show_moment(&first_at)
                    )));
                }
                Ok(&commits[low - 1])
            }
        }
    }

    /// Version `version`, its files replayed from the log's `commits` where nothing more is
    /// needed to read it.
    async fn load_from_log(
        &self,
        state: &SessionState,
        store: &dyn ObjectStore,
        commits: &[Commit],
        version: u64,
    ) -> Option<Snapshot> {
        // A commit that cannot be read is deltalake's to name, or to pass over where a
        // checkpoint after it holds the version.
        let Ok(Some(replayed)) = log::replay(store, commits, version).await else {
            return None;
        };
        let (name, url) = (self.name.clone(), self.url.clone());
        let provider = files::DeltaFiles::of_log(name, url, version, &replayed, state).ok()?;
        Some(Snapshot {
            version,
            committed_at: replayed.committed_at,
            files: replayed.files.len(),
            provider: Arc::new(provider),
        })
    }

    /// The version of `commit`, loaded by deltalake.
    async fn load(
        &self,
        state: &SessionState,
        store: Arc<dyn ObjectStore>,
        commit: &Commit,
    ) -> Result<Snapshot, TableProblem> {
        let committed_at = self.commit_time(store.as_ref(), commit).await?;
        let url = Url::parse(self.url.as_str()).map_err(|e| {
            self.unreadable(datafusion::error::DataFusionError::External(Box::new(e)))
        })?;
        let table = load_version(url, store, commit.version)
            .await
            .map_err(|e| self.delta_problem(e, commit))?;
        let files = table
            .snapshot()
            .map(|s| s.log_data().num_files())
            .map_err(|e| self.delta_problem(e, commit))?;
        let delta_scan = table
            .table_provider()
            .with_session(Arc::new(state.clone()))
            .await
            .map_err(|e| self.unreadable(e))?;
        // The version's files listed once (see `files`), in the columns deltalake reads;
        // deltalake's own scan where reading the files is not enough.
        let provider: Arc<dyn TableProvider> = match files::DeltaFiles::of_table(
            self.name.clone(),
            self.url.clone(),
            commit.version,
            delta_scan.schema(),
            &table,
        ) {
            Ok(files) => Arc::new(files),
            Err(_) => delta_scan,
        };
        Ok(Snapshot {
            version: commit.version,
            committed_at,
            files,
            provider,
        })
    }

    /// A deltalake error, with the commit file named where the log itself is at fault.
    fn delta_problem(&self, error: DeltaTableError, commit: &Commit) -> TableProblem {
        let about_log = matches!(
            error,
            DeltaTableError::InvalidJsonLog { .. }
                | DeltaTableError::InvalidStatsJson { .. }
                | DeltaTableError::KernelError(_)
        );
        let cause = datafusion::error::DataFusionError::External(Box::new(error));
        if about_log {
            self.bad_commit(commit, crate::error::one_line(&cause))
        } else {
            self.unreadable(cause)
        }
    }
}

/// Version `version` of the Delta table at `url`, its log read through `store` (the object
/// store the lake configured for the location).
pub(crate) async fn load_version(
    url: Url,
    store: Arc<dyn ObjectStore>,
    version: u64,
) -> Result<deltalake::DeltaTable, DeltaTableError> {
    register_log_stores();
    deltalake::DeltaTableBuilder::from_url(url.clone())?
        .with_storage_backend(store, url)
        .with_version(version)
        .load()
        .await
}

/// deltalake finds the log store of a URL by its scheme, and knows `file://` and `memory://`
/// only. jaanch gives it the object store it already configured for the location (an S3 bucket
/// with the lake's endpoint and keys), so the default log store serves every scheme: it reads
/// the log as written. (Writers need a store that makes commits atomic; jaanch does not write.)
fn register_log_stores() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for scheme in ["s3", "s3a"] {
            let url = Url::parse(&format!("{scheme}://")).expect("a scheme is a URL");
            logstore_factories().insert(url, Arc::new(ReadLogStores));
        }
    });
}

struct ReadLogStores;

impl LogStoreFactory for ReadLogStores {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> deltalake::DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

/// The columns `CALL history(...)` and `\history` show, one row per commit, newest first.
pub fn history_batch(history: &[CommitSummary]) -> datafusion::arrow::array::RecordBatch {
    use datafusion::arrow::array::{
        ArrayRef, RecordBatch, StringArray, TimestampMillisecondArray, UInt64Array,
    };
    use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let zone: Arc<str> = Arc::from("+05:30");
    let count = |f: fn(&CommitSummary) -> Option<u64>| -> ArrayRef {
        Arc::new(history.iter().map(f).collect::<UInt64Array>())
    };
    let text = |f: fn(&CommitSummary) -> Option<String>| -> ArrayRef {
        Arc::new(history.iter().map(f).collect::<StringArray>())
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("version", count(|c| Some(c.version))),
        (
            "committed_at",
            Arc::new(
                history
                    .iter()
                    .map(|c| Some(c.committed_at.timestamp_millis()))
                    .collect::<TimestampMillisecondArray>()
                    .with_timezone(Arc::clone(&zone)),
            ),
        ),
        ("operation", text(|c| c.operation.clone())),
        ("rows", count(|c| c.rows)),
        ("rows_added", count(|c| c.rows_added)),
        ("rows_removed", count(|c| c.rows_removed)),
        ("files", count(|c| c.files.map(|n| n as u64))),
        ("files_added", count(|c| Some(c.files_added as u64))),
        ("files_removed", count(|c| Some(c.files_removed as u64))),
        (
            "detail",
            text(|c| (!c.detail.is_empty()).then(|| c.detail.clone())),
        ),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| {
            let data_type = match *name {
                "committed_at" => {
                    DataType::Timestamp(TimeUnit::Millisecond, Some(Arc::clone(&zone)))
                }
                _ => array.data_type().clone(),
            };
            Field::new(
                *name,
                data_type,
                *name != "version" && *name != "committed_at",
            )
        })
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, array)| array).collect(),
    )
    .expect("the columns match their fields")
}
