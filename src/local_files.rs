//! Small reads of local files on the thread that asks for them.
//!
//! object_store's `LocalFileSystem` does every read on tokio's blocking pool, so that a slow
//! disk never stalls the threads running queries. Most reads a query makes of a lake's files
//! are small: a Parquet footer of a few KiB, a Delta commit, the few column chunks a small
//! file has. From the page cache such a read takes microseconds, and the hand-off to a
//! blocking thread and back far longer; while both cores run the query's other partitions,
//! the blocking thread waits for one. A Delta table of 39 small files spent 26 ms of its
//! first scan loading footers, 0.7 ms a file. [`LocalFiles`] reads a range of up to
//! [`INLINE_BYTES`] where it is asked for, and leaves larger reads, listings, writes and
//! anything else to `LocalFileSystem`. A read it cannot serve exactly as `LocalFileSystem`
//! would (a missing file, a range past the end) is handed to it too, so errors are its.
//! The price: a read of a file the page cache does not hold keeps its query thread waiting
//! for the disk, for at most [`INLINE_BYTES`]. (Unix only: it reads at an offset without a
//! seek, as `LocalFileSystem` does there.)

use std::fs::{File, Metadata};
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// The most bytes one request reads where it is made.
pub(crate) const INLINE_BYTES: u64 = 1 << 20;

/// The local file system, small reads done in place (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct LocalFiles {
    inner: LocalFileSystem,
}

impl std::fmt::Display for LocalFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalFiles({})", self.inner)
    }
}

/// What `LocalFileSystem` says of a file (`convert_metadata`): the same, so that caches keyed
/// by it match whichever of the two read the file.
fn object_meta(metadata: &Metadata, location: &Path) -> Option<ObjectMeta> {
    let since_epoch = metadata
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?;
    let last_modified: DateTime<Utc> =
        DateTime::from_timestamp(since_epoch.as_secs() as i64, since_epoch.subsec_nanos())?;
    let (inode, size, micros) = (metadata.ino(), metadata.len(), since_epoch.as_micros());
    Some(ObjectMeta {
        location: location.clone(),
        last_modified,
        size,
        e_tag: Some(format!("{inode:x}-{micros:x}-{size:x}")),
        version: None,
    })
}

/// Reads `range` of `file` in full; `None` if it ends before.
fn read_range(file: &File, range: Range<u64>) -> Option<Bytes> {
    let mut buf = vec![0u8; (range.end - range.start) as usize];
    file.read_exact_at(&mut buf, range.start).ok()?;
    Some(Bytes::from(buf))
}

impl LocalFiles {
    /// `get_opts` done in place, if the request is a plain read of at most [`INLINE_BYTES`]
    /// that succeeds.
    fn get_in_place(&self, location: &Path, options: &GetOptions) -> Option<Result<GetResult>> {
        if options.head || options.version.is_some() {
            return None;
        }
        let path = self.inner.path_to_filesystem(location).ok()?;
        let file = File::open(path).ok()?;
        let metadata = file.metadata().ok()?;
        if !metadata.is_file() {
            return None;
        }
        let meta = object_meta(&metadata, location)?;
        if let Err(error) = options.check_preconditions(&meta) {
            return Some(Err(error));
        }
        let range = match &options.range {
            Some(range) => range.as_range(meta.size).ok()?,
            None => 0..meta.size,
        };
        if range.end - range.start > INLINE_BYTES {
            return None;
        }
        let bytes = read_range(&file, range.clone())?;
        Some(Ok(GetResult {
            payload: GetResultPayload::Stream(futures::stream::once(async { Ok(bytes) }).boxed()),
            meta,
            range,
            attributes: Default::default(),
        }))
    }

    /// `get_ranges` done in place, if they add up to at most [`INLINE_BYTES`] and all lie in
    /// the file.
    fn get_ranges_in_place(&self, location: &Path, ranges: &[Range<u64>]) -> Option<Vec<Bytes>> {
        let total: u64 = ranges.iter().map(|r| r.end.saturating_sub(r.start)).sum();
        if total > INLINE_BYTES || ranges.iter().any(|r| r.start > r.end) {
            return None;
        }
        let path = self.inner.path_to_filesystem(location).ok()?;
        let file = File::open(path).ok()?;
        ranges
            .iter()
            .map(|range| read_range(&file, range.clone()))
            .collect()
    }
}

#[async_trait]
impl ObjectStore for LocalFiles {
    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        match self.get_in_place(location, &options) {
            Some(result) => result,
            None => self.inner.get_opts(location, options).await,
        }
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        match self.get_ranges_in_place(location, ranges) {
            Some(bytes) => Ok(bytes),
            None => self.inner.get_ranges(location, ranges).await,
        }
    }

    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::{GetRange, ObjectStoreExt};

    use super::*;

    /// A folder with `small` (10 KiB), `large` (one byte more than is read in place) and a
    /// folder `sub`, and both stores over it.
    fn stores() -> (tempfile::TempDir, LocalFiles, LocalFileSystem) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = |len: u64| (0..len).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>();
        std::fs::write(dir.path().join("small"), bytes(10 * 1024)).unwrap();
        std::fs::write(dir.path().join("large"), bytes(INLINE_BYTES + 1)).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let root = || LocalFileSystem::new_with_prefix(dir.path()).unwrap();
        let (ours, theirs) = (root(), root());
        (dir, LocalFiles { inner: ours }, theirs)
    }

    /// What a get gives: its bytes, range and object description, or its error's kind and
    /// text.
    async fn got(store: &dyn ObjectStore, name: &str, options: GetOptions) -> String {
        let head = options.head;
        match store.get_opts(&Path::from(name), options).await {
            Ok(result) => {
                let (range, meta) = (result.range.clone(), result.meta.clone());
                let bytes = if head {
                    Bytes::new()
                } else {
                    result.bytes().await.unwrap()
                };
                format!(
                    "{range:?} {meta:?} {} {:?}",
                    bytes.len(),
                    &bytes[..bytes.len().min(8)]
                )
            }
            Err(error) => format!("{error:?}"),
        }
    }

    /// Every kind of get answers as `LocalFileSystem` does: plain and ranged reads, ranges past
    /// the end, preconditions, missing files and folders.
    #[tokio::test]
    async fn gets_answer_as_the_local_file_system() {
        let (_dir, ours, theirs) = stores();
        let meta = theirs.head(&Path::from("small")).await.unwrap();
        let range = |range: GetRange| GetOptions {
            range: Some(range),
            ..Default::default()
        };
        let cases = [
            ("small", GetOptions::default()),
            ("small", range(GetRange::Bounded(100..200))),
            ("small", range(GetRange::Bounded(10_000..20_000))),
            ("small", range(GetRange::Bounded(20_000..30_000))),
            (
                "small",
                range(GetRange::Bounded(Range {
                    start: 200,
                    end: 100,
                })),
            ),
            ("small", range(GetRange::Offset(10_000))),
            ("small", range(GetRange::Offset(20_000))),
            ("small", range(GetRange::Suffix(8))),
            ("small", range(GetRange::Suffix(20_000))),
            ("large", GetOptions::default()),
            ("large", range(GetRange::Bounded(0..INLINE_BYTES))),
            ("large", range(GetRange::Suffix(INLINE_BYTES + 1))),
            (
                "small",
                GetOptions {
                    if_match: meta.e_tag.clone(),
                    ..Default::default()
                },
            ),
            (
                "small",
                GetOptions {
                    if_none_match: meta.e_tag.clone(),
                    ..Default::default()
                },
            ),
            (
                "small",
                GetOptions {
                    if_unmodified_since: Some(meta.last_modified - chrono::Duration::hours(1)),
                    ..Default::default()
                },
            ),
            (
                "small",
                GetOptions {
                    head: true,
                    ..Default::default()
                },
            ),
            ("missing", GetOptions::default()),
            ("sub", GetOptions::default()),
        ];
        for (name, options) in cases {
            let what = format!("{name} {options:?}");
            assert_eq!(
                got(&ours, name, options.clone()).await,
                got(&theirs, name, options).await,
                "{what}"
            );
        }
    }

    /// Lists of ranges too, within the limit and past it, in the file and past its end.
    #[tokio::test]
    #[allow(
        clippy::single_range_in_vec_init,
        reason = "lists of one range are meant"
    )]
    async fn ranges_answer_as_the_local_file_system() {
        let (_dir, ours, theirs) = stores();
        let cases: [(&str, Vec<Range<u64>>); 6] = [
            ("small", vec![0..10, 5..5, 1000..4000, 10_000..10_240]),
            ("small", vec![10_000..10_241]),
            ("large", vec![0..INLINE_BYTES]),
            (
                "large",
                vec![0..INLINE_BYTES, INLINE_BYTES..INLINE_BYTES + 1],
            ),
            ("missing", vec![0..10]),
            ("sub", vec![0..10]),
        ];
        for (name, ranges) in cases {
            let location = Path::from(name);
            let answer = |result: Result<Vec<Bytes>>| match result {
                Ok(bytes) => format!("{bytes:?}"),
                Err(error) => format!("{error:?}"),
            };
            assert_eq!(
                answer(ours.get_ranges(&location, &ranges).await),
                answer(theirs.get_ranges(&location, &ranges).await),
                "{name} {ranges:?}"
            );
        }
    }

    /// A small read is done where it is asked for, a large one on tokio's blocking pool: on a
    /// runtime of one thread whose blocking pool is busy, only the small read finishes.
    #[test]
    fn small_reads_do_not_wait_for_the_blocking_pool() {
        let (_dir, ours, _) = stores();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let busy = tokio::task::spawn_blocking(move || wait.recv());
            let (small, large) = (Path::from("small"), Path::from("large"));
            let small = ours.get_range(&small, 0..100);
            let small = tokio::time::timeout(std::time::Duration::from_secs(5), small).await;
            assert_eq!(small.unwrap().unwrap().len(), 100);
            let large = ours.get_range(&large, 0..INLINE_BYTES + 1);
            let large = tokio::time::timeout(std::time::Duration::from_millis(200), large).await;
            assert!(large.is_err(), "the large read waits for the pool");
            release.send(()).unwrap();
            busy.await.unwrap().unwrap();
        });
    }
}
