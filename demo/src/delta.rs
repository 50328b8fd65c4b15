//! `cctns.fir` and `cctns.stolen_vehicles` as Delta Lake tables with a history, so that a
//! report can be run as of a date and give that date's answer.
//!
//! The tables are first written as plain Parquet (their state at the end of the history, as
//! every other table); this turns each into a Delta table whose log tells how it got there in
//! December 2025:
//!
//! - **version 0**, 30 Nov 2025 23:59 IST: everything registered before 1 December, as it was
//!   then (before the corrections below);
//! - **daily appends**, 23:30 IST each day of December: that day's FIRs (and the vehicles of
//!   that day's vehicle-theft FIRs);
//! - **corrections**, 23:45 IST on the Saturdays of December and on the 31st, rewriting the
//!   files that hold the corrected rows (copy on write, as Delta writers do):
//!   - an FIR registered from 1 October 2025 whose final status is not "Under Investigation"
//!     was "Under Investigation" until a correction at least a week after its registration;
//!   - a vehicle recovered in December was recorded recovered at the first correction on or
//!     after its recovery (until then `recovered_on` is NULL).
//!
//! Every commit records its time in the commit (in-commit timestamps, so the history survives
//! a copy or an upload that changes file times) and the commit files carry it as their
//! modification time too. `truth.delta_versions` lists every version with its rows and
//! `truth.corrections` every corrected value with the version that made it.
//!
//! The log is written here rather than with a Delta writer so that the lake stays
//! byte-identical for a seed: file names, ids and times are fixed. Its checkpoints (every
//! [`CHECKPOINT_INTERVAL`] versions) are written by deltalake from the finished log, which
//! gives the same bytes for the same log.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    Scalar, StringArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow::compute::{concat_batches, take_record_batch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Value, json};

use super::calendar::{self, DAY_MICROS, days_from_civil};
use super::write::{io_error, writer_properties};
use jaanch::Error;

/// The demo lake's Delta tables (`format = "delta"` in its `lake.toml`).
pub const DELTA_TABLES: [&str; 2] = ["cctns.fir", "cctns.stolen_vehicles"];

/// The status of an FIR before its correction.
pub const OPEN_STATUS: &str = "Under Investigation";

const IST_MILLIS: i64 = (5 * 3600 + 30 * 60) * 1000;
const FIRST_DAY: i32 = days_from_civil(2025, 12, 1);
/// Days of December 2025 with a correction commit: the Saturdays, and the year's last day.
const CORRECTION_DAYS: [i32; 5] = [
    days_from_civil(2025, 12, 6),
    days_from_civil(2025, 12, 13),
    days_from_civil(2025, 12, 20),
    days_from_civil(2025, 12, 27),
    days_from_civil(2025, 12, 31),
];
/// From this day on, FIRs that ended charge-sheeted or closed were still open on 30 November.
const CORRECTED_FROM: i32 = days_from_civil(2025, 10, 1);

/// A moment of the history: a day and a minute of it, IST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Moment {
    day: i32,
    minute: i64,
}

impl Moment {
    const INITIAL: Moment = Moment {
        day: FIRST_DAY - 1,
        minute: 23 * 60 + 59,
    };

    /// A day's append, after the day's last FIR.
    fn append(day: i32) -> Moment {
        Moment {
            day,
            minute: 23 * 60 + 30,
        }
    }

    fn correction(day: i32) -> Moment {
        Moment {
            day,
            minute: 23 * 60 + 45,
        }
    }

    fn is_correction(self) -> bool {
        self != Moment::INITIAL && self.minute == 23 * 60 + 45
    }

    /// Milliseconds since the epoch (UTC).
    fn millis(self) -> i64 {
        self.day as i64 * 86_400_000 + self.minute * 60_000 - IST_MILLIS
    }

    /// Local time (IST) in microseconds, as the lake's timestamps are.
    pub fn local_micros(self) -> i64 {
        self.day as i64 * DAY_MICROS + self.minute * 60_000_000
    }
}

/// One version of a table, for `truth.delta_versions`.
pub struct Version {
    pub table: &'static str,
    pub version: i64,
    pub committed_at: i64,
    pub operation: &'static str,
    pub rows: i64,
}

/// One corrected value, for `truth.corrections`.
pub struct Correction {
    pub table: &'static str,
    pub fir_id: i64,
    pub column: &'static str,
    pub old: Option<String>,
    pub new: String,
    pub version: i64,
    pub committed_at: i64,
}

/// What turning the tables into Delta tables recorded.
#[derive(Default)]
pub struct History {
    pub versions: Vec<Version>,
    pub corrections: Vec<Correction>,
}

/// Turns the Parquet files of `cctns.fir` and `cctns.stolen_vehicles` under `root` into Delta
/// tables with their December history.
pub fn write(root: &Path) -> Result<History, Error> {
    let fir_dir = root.join("cctns/fir");
    let (firs, years) = read_partitioned(&fir_dir, "year")?;
    let registered = days_of(&firs, "registered_at");
    let fir_ids = int64_column(&firs, "fir_id");
    let statuses = firs
        .column_by_name("status")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .expect("cctns.fir has a text status");
    let fir_rows: Vec<Row> = (0..firs.num_rows())
        .map(|i| {
            let day = registered[i];
            let final_status = statuses.value(i);
            let corrected = (day >= CORRECTED_FROM && final_status != OPEN_STATUS)
                .then(|| correction_day(day + 7, fir_ids[i]))
                .flatten()
                .map(Moment::correction);
            Row {
                appears: appears(day),
                corrected,
                partition: Some(years[i].to_string()),
            }
        })
        .collect();
    let mut history = History::default();
    let fir = Table {
        name: "cctns.fir",
        id: "6a61616e-6368-4000-8000-000000000001",
        dir: fir_dir,
        data: firs.clone(),
        partition: Some("year"),
        patched: Patch::Text("status", OPEN_STATUS),
    };
    fir.write(&fir_rows, &mut history)?;

    let stolen_dir = root.join("cctns/stolen_vehicles");
    let stolen = read_file(&stolen_dir.join("part-0.parquet"))?;
    let registered_by_fir: std::collections::HashMap<i64, i32> = fir_ids
        .iter()
        .copied()
        .zip(registered.iter().copied())
        .collect();
    let recovered = stolen
        .column_by_name("recovered_on")
        .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        .expect("stolen vehicles have a recovered_on date");
    let stolen_firs = int64_column(&stolen, "fir_id");
    let stolen_rows: Vec<Row> = (0..stolen.num_rows())
        .map(|i| {
            let day = registered_by_fir
                .get(&stolen_firs[i])
                .copied()
                .unwrap_or(FIRST_DAY - 1);
            let corrected = (recovered.is_valid(i) && recovered.value(i) >= FIRST_DAY)
                .then(|| correction_day(recovered.value(i), stolen_firs[i]))
                .flatten()
                .map(Moment::correction);
            Row {
                appears: appears(day),
                corrected,
                partition: None,
            }
        })
        .collect();
    let vehicles = Table {
        name: "cctns.stolen_vehicles",
        id: "6a61616e-6368-4000-8000-000000000002",
        dir: stolen_dir,
        data: stolen,
        partition: None,
        patched: Patch::Null("recovered_on"),
    };
    vehicles.write(&stolen_rows, &mut history)?;
    for table in [&fir, &vehicles] {
        let versions = history
            .versions
            .iter()
            .filter(|v| v.table == table.name)
            .count();
        checkpoint(&table.dir, versions as u64)?;
    }
    Ok(history)
}

/// Delta writers checkpoint their tables every so many commits (Spark every 10), so that a
/// reader replays at most that many commit files after the last checkpoint.
pub const CHECKPOINT_INTERVAL: u64 = 10;

/// Writes a checkpoint of the table in `dir` at every [`CHECKPOINT_INTERVAL`]th of its
/// `versions` (the commit files stay: they are the table's history).
fn checkpoint(dir: &Path, versions: u64) -> Result<(), Error> {
    let failed = |error: &dyn std::fmt::Display| {
        io_error(dir, std::io::Error::other(format!("checkpoint: {error}")))
    };
    let url = url::Url::from_directory_path(dir).map_err(|()| failed(&"not an absolute path"))?;
    let write = || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| io_error(dir, e))?;
        runtime.block_on(async {
            for version in (CHECKPOINT_INTERVAL..versions).step_by(CHECKPOINT_INTERVAL as usize) {
                let table = deltalake::open_table_with_version(url.clone(), version)
                    .await
                    .map_err(|e| failed(&e))?;
                deltalake::checkpoints::create_checkpoint(&table, None)
                    .await
                    .map_err(|e| failed(&e))?;
            }
            Ok(())
        })
    };
    // A runtime of its own, on a thread of its own: the generator may be called from within a
    // runtime (the tests, the Python module), where another can neither block nor be dropped.
    std::thread::scope(|scope| scope.spawn(write).join())
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// When a row registered on `day` first appears: in version 0, or that day's append.
fn appears(day: i32) -> Moment {
    if day < FIRST_DAY {
        Moment::INITIAL
    } else {
        Moment::append(day)
    }
}

/// The correction commit that records a change made on or after `earliest`: one of the
/// correction days, picked by `key` among those possible so that corrections spread out.
fn correction_day(earliest: i32, key: i64) -> Option<i32> {
    let possible: Vec<i32> = CORRECTION_DAYS
        .iter()
        .copied()
        .filter(|&d| d >= earliest)
        .collect();
    if possible.is_empty() {
        return None;
    }
    let pick = (key.unsigned_abs().wrapping_mul(2_654_435_761) >> 7) as usize % possible.len();
    Some(possible[pick])
}

/// Where and when a row is in the table's history.
struct Row {
    appears: Moment,
    /// The correction commit that gives the row its final value, if it was corrected.
    corrected: Option<Moment>,
    /// Its partition value (the FIR's year).
    partition: Option<String>,
}

/// The column a correction changes, and its value before.
enum Patch {
    Text(&'static str, &'static str),
    Null(&'static str),
}

impl Patch {
    fn column(&self) -> &'static str {
        match self {
            Patch::Text(column, _) | Patch::Null(column) => column,
        }
    }
}

/// A data file of the table's current version.
struct DataFile {
    path: String,
    partition: Option<String>,
    rows: Vec<u32>,
    size: u64,
    stats: String,
}

struct Table {
    name: &'static str,
    id: &'static str,
    dir: PathBuf,
    /// Every row, with its final values.
    data: RecordBatch,
    partition: Option<&'static str>,
    patched: Patch,
}

impl Table {
    /// Writes the table's data files and log, version by version.
    fn write(&self, rows: &[Row], history: &mut History) -> Result<(), Error> {
        let mut moments: Vec<Moment> = rows
            .iter()
            .flat_map(|row| std::iter::once(row.appears).chain(row.corrected))
            .collect();
        moments.sort();
        moments.dedup();
        let mut live: Vec<DataFile> = Vec::new();
        for (version, moment) in moments.into_iter().enumerate() {
            let version = version as i64;
            let mut actions: Vec<Value> = Vec::new();
            let (operation, parameters, metrics): (&str, Value, Value);
            if !moment.is_correction() {
                // An append: the rows that appear now, a file per partition.
                let new: Vec<u32> = (0..rows.len() as u32)
                    .filter(|&i| rows[i as usize].appears == moment)
                    .collect();
                let files = self.write_files(version, &new, rows, moment)?;
                let added: usize = files.iter().map(|f| f.rows.len()).sum();
                let initial = moment == Moment::INITIAL;
                operation = if initial {
                    "CREATE TABLE AS SELECT"
                } else {
                    "WRITE"
                };
                parameters = if initial {
                    json!({"mode": "ErrorIfExists", "partitionBy": json!(self.partition.into_iter().collect::<Vec<_>>()).to_string()})
                } else {
                    json!({"mode": "Append"})
                };
                metrics = json!({"numFiles": files.len(), "numOutputRows": added});
                for file in &files {
                    actions.push(add_action(file, moment));
                }
                live.extend(files);
            } else {
                // A correction: rewrite each file holding a row corrected now.
                let (touched, kept): (Vec<DataFile>, Vec<DataFile>) =
                    std::mem::take(&mut live).into_iter().partition(|f| {
                        f.rows
                            .iter()
                            .any(|&i| rows[i as usize].corrected == Some(moment))
                    });
                live = kept;
                let mut changed = 0;
                let mut copied = 0;
                for (n, old) in touched.into_iter().enumerate() {
                    actions.push(remove_action(&old, moment));
                    let now_changed = old
                        .rows
                        .iter()
                        .filter(|&&i| rows[i as usize].corrected == Some(moment))
                        .count();
                    changed += now_changed;
                    copied += old.rows.len() - now_changed;
                    let path = self.file_path(version, n, old.partition.as_deref());
                    let file = self.write_file(path, old.partition, old.rows, rows, moment)?;
                    actions.push(add_action(&file, moment));
                    live.push(file);
                }
                self.record_corrections(rows, moment, version, history);
                operation = "UPDATE";
                parameters = json!({"predicate": format!("corrections entered on {}", calendar::iso_date(moment.day))});
                metrics = json!({"numUpdatedRows": changed, "numCopiedRows": copied});
            }
            let mut lines = vec![json!({"commitInfo": {
                "inCommitTimestamp": moment.millis(),
                "timestamp": moment.millis(),
                "operation": operation,
                "operationParameters": parameters,
                "operationMetrics": metrics,
                "engineInfo": concat!("jaanch-demo/", env!("CARGO_PKG_VERSION")),
                "isBlindAppend": operation != "UPDATE",
            }})];
            if version == 0 {
                lines.push(self.protocol());
                lines.push(self.metadata(moment));
            }
            lines.extend(actions);
            self.commit(version, moment, &lines)?;
            history.versions.push(Version {
                table: self.name,
                version,
                committed_at: moment.local_micros(),
                operation,
                rows: live.iter().map(|f| f.rows.len() as i64).sum(),
            });
        }
        Ok(())
    }

    fn record_corrections(
        &self,
        rows: &[Row],
        moment: Moment,
        version: i64,
        history: &mut History,
    ) {
        let ids = int64_column(&self.data, "fir_id");
        let column = self
            .data
            .column_by_name(self.patched.column())
            .expect("patched column");
        for (i, row) in rows.iter().enumerate() {
            if row.corrected != Some(moment) {
                continue;
            }
            let (old, new) = match &self.patched {
                Patch::Text(_, old) => {
                    let values = column.as_any().downcast_ref::<StringArray>().expect("text");
                    (Some(old.to_string()), values.value(i).to_string())
                }
                Patch::Null(_) => {
                    let values = column.as_any().downcast_ref::<Date32Array>().expect("date");
                    (None, calendar::iso_date(values.value(i)))
                }
            };
            history.corrections.push(Correction {
                table: self.name,
                fir_id: ids[i],
                column: self.patched.column(),
                old,
                new,
                version,
                committed_at: moment.local_micros(),
            });
        }
    }

    /// The files of an append: the rows in order, one file per partition value.
    fn write_files(
        &self,
        version: i64,
        new: &[u32],
        rows: &[Row],
        moment: Moment,
    ) -> Result<Vec<DataFile>, Error> {
        let mut partitions: Vec<Option<String>> = new
            .iter()
            .map(|&i| rows[i as usize].partition.clone())
            .collect();
        partitions.dedup();
        let mut files = Vec::new();
        for (n, partition) in partitions.into_iter().enumerate() {
            let members: Vec<u32> = new
                .iter()
                .copied()
                .filter(|&i| rows[i as usize].partition == partition)
                .collect();
            let path = self.file_path(version, n, partition.as_deref());
            files.push(self.write_file(path, partition, members, rows, moment)?);
        }
        Ok(files)
    }

    fn file_path(&self, version: i64, n: usize, partition: Option<&str>) -> String {
        let name = format!("v{version:03}-{n}.parquet");
        match (self.partition, partition) {
            (Some(column), Some(value)) => format!("{column}={value}/{name}"),
            _ => name,
        }
    }

    /// One data file: `members` as they were at `moment`.
    fn write_file(
        &self,
        path: String,
        partition: Option<String>,
        members: Vec<u32>,
        rows: &[Row],
        moment: Moment,
    ) -> Result<DataFile, Error> {
        let indices = UInt32Array::from(members.clone());
        let taken = take_record_batch(&self.data, &indices).map_err(|e| self.error(e))?;
        let before: BooleanArray = members
            .iter()
            .map(|&i| Some(rows[i as usize].corrected.is_some_and(|c| c > moment)))
            .collect();
        let batch = self.patch(taken, &before)?;
        let full = self.dir.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        let file = File::create(&full).map_err(|e| io_error(&full, e))?;
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(writer_properties()))
            .map_err(|e| self.error(e))?;
        writer.write(&batch).map_err(|e| self.error(e))?;
        writer.close().map_err(|e| self.error(e))?;
        let size = std::fs::metadata(&full)
            .map_err(|e| io_error(&full, e))?
            .len();
        Ok(DataFile {
            path,
            partition,
            rows: members,
            size,
            stats: stats(&batch).to_string(),
        })
    }

    /// `batch` with the patched column set to its earlier value where `before` is true.
    fn patch(&self, batch: RecordBatch, before: &BooleanArray) -> Result<RecordBatch, Error> {
        let name = self.patched.column();
        let index = batch.schema().index_of(name).map_err(|e| self.error(e))?;
        let current = batch.column(index);
        let earlier: ArrayRef = match &self.patched {
            Patch::Text(_, old) => Arc::new(StringArray::from(vec![*old])),
            Patch::Null(_) => arrow::array::new_null_array(current.data_type(), 1),
        };
        let patched = arrow::compute::kernels::zip::zip(before, &Scalar::new(earlier), current)
            .map_err(|e| self.error(e))?;
        let mut columns = batch.columns().to_vec();
        columns[index] = patched;
        RecordBatch::try_new(batch.schema(), columns).map_err(|e| self.error(e))
    }

    fn protocol(&self) -> Value {
        json!({"protocol": {
            "minReaderVersion": 3,
            "minWriterVersion": 7,
            "readerFeatures": ["timestampNtz"],
            "writerFeatures": ["timestampNtz", "inCommitTimestamp"],
        }})
    }

    fn metadata(&self, moment: Moment) -> Value {
        let mut fields: Vec<Value> = self
            .data
            .schema()
            .fields()
            .iter()
            .map(|f| delta_field(f.name(), f.data_type(), f.is_nullable()))
            .collect();
        if let Some(column) = self.partition {
            fields.push(delta_field(column, &DataType::Int32, true));
        }
        let schema = json!({"type": "struct", "fields": fields});
        json!({"metaData": {
            "id": self.id,
            "name": self.name,
            "format": {"provider": "parquet", "options": {}},
            "schemaString": schema.to_string(),
            "partitionColumns": self.partition.into_iter().collect::<Vec<_>>(),
            "configuration": {"delta.enableInCommitTimestamps": "true"},
            "createdTime": moment.millis(),
        }})
    }

    /// Writes `_delta_log/NNN.json`, with the commit's time as the file's modification time.
    fn commit(&self, version: i64, moment: Moment, lines: &[Value]) -> Result<(), Error> {
        let log = self.dir.join("_delta_log");
        std::fs::create_dir_all(&log).map_err(|e| io_error(&log, e))?;
        let path = log.join(format!("{version:020}.json"));
        let mut text = String::new();
        for line in lines {
            text.push_str(&line.to_string());
            text.push('\n');
        }
        std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
        let modified = SystemTime::UNIX_EPOCH + Duration::from_millis(moment.millis() as u64);
        File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(modified))
            .map_err(|e| io_error(&path, e))
    }

    fn error(&self, error: impl std::error::Error + Send + Sync + 'static) -> Error {
        io_error(&self.dir, std::io::Error::other(error))
    }
}

fn add_action(file: &DataFile, moment: Moment) -> Value {
    json!({"add": {
        "path": file.path,
        "partitionValues": partition_values(file),
        "size": file.size,
        "modificationTime": moment.millis(),
        "dataChange": true,
        "stats": file.stats,
    }})
}

fn remove_action(file: &DataFile, moment: Moment) -> Value {
    json!({"remove": {
        "path": file.path,
        "deletionTimestamp": moment.millis(),
        "dataChange": true,
        "extendedFileMetadata": true,
        "partitionValues": partition_values(file),
        "size": file.size,
    }})
}

fn partition_values(file: &DataFile) -> Value {
    match &file.partition {
        Some(value) => json!({"year": value}),
        None => json!({}),
    }
}

/// A column of the Delta schema.
fn delta_field(name: &str, data_type: &DataType, nullable: bool) -> Value {
    let delta_type = match data_type {
        DataType::Int64 => "long",
        DataType::Int32 => "integer",
        DataType::Float64 => "double",
        DataType::Boolean => "boolean",
        DataType::Date32 => "date",
        DataType::Timestamp(_, None) => "timestamp_ntz",
        DataType::Timestamp(_, Some(_)) => "timestamp",
        _ => "string",
    };
    json!({"name": name, "type": delta_type, "nullable": nullable, "metadata": {}})
}

/// Longest text kept as a maximum in statistics: a cut maximum would be below the real one.
const STATS_TEXT: usize = 32;

/// A file's statistics as Delta writes them: rows, and each column's minimum, maximum and
/// NULL count (texts longer than 32 characters have no maximum).
fn stats(batch: &RecordBatch) -> Value {
    let (mut min, mut max, mut nulls) = (Map::new(), Map::new(), Map::new());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        nulls.insert(field.name().clone(), json!(column.null_count()));
        if let Some((low, high)) = bounds(column.as_ref()) {
            min.insert(field.name().clone(), low);
            if let Some(high) = high {
                max.insert(field.name().clone(), high);
            }
        }
    }
    json!({"numRecords": batch.num_rows(), "minValues": min, "maxValues": max, "nullCount": nulls})
}

/// The smallest and largest value of a column, as JSON (no maximum for a long text).
fn bounds(column: &dyn Array) -> Option<(Value, Option<Value>)> {
    use arrow::compute::{max, max_string, min, min_string};
    let any = column.as_any();
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        return Some((json!(min(a)?), Some(json!(max(a)?))));
    }
    if let Some(a) = any.downcast_ref::<Int32Array>() {
        return Some((json!(min(a)?), Some(json!(max(a)?))));
    }
    if let Some(a) = any.downcast_ref::<Float64Array>() {
        let (low, high) = (min(a)?, max(a)?);
        return (low.is_finite() && high.is_finite()).then(|| (json!(low), Some(json!(high))));
    }
    if let Some(a) = any.downcast_ref::<Date32Array>() {
        let (low, high) = (min(a)?, max(a)?);
        return Some((
            json!(calendar::iso_date(low)),
            Some(json!(calendar::iso_date(high))),
        ));
    }
    if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
        let (low, high) = (min(a)?, max(a)?);
        return Some((
            json!(timestamp_text(low)),
            Some(json!(timestamp_text(high))),
        ));
    }
    if let Some(a) = any.downcast_ref::<StringArray>() {
        let low: String = min_string(a)?.chars().take(STATS_TEXT).collect();
        let high = max_string(a)?;
        let high = (high.chars().count() <= STATS_TEXT).then(|| json!(high));
        return Some((json!(low), high));
    }
    None
}

/// A local timestamp as Delta's statistics write one: `2025-12-01T10:00:00.000000`.
fn timestamp_text(micros: i64) -> String {
    let day = micros.div_euclid(DAY_MICROS) as i32;
    let within = micros.rem_euclid(DAY_MICROS);
    let seconds = within / 1_000_000;
    format!(
        "{}T{:02}:{:02}:{:02}.{:06}",
        calendar::iso_date(day),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        within % 1_000_000
    )
}

fn int64_column(batch: &RecordBatch, name: &str) -> Vec<i64> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
        .map(|a| a.values().to_vec())
        .unwrap_or_default()
}

/// The day (since the epoch) of each value of a local timestamp column.
fn days_of(batch: &RecordBatch, name: &str) -> Vec<i32> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
        .map(|a| {
            a.values()
                .iter()
                .map(|m| m.div_euclid(DAY_MICROS) as i32)
                .collect()
        })
        .unwrap_or_default()
}

/// Reads one Parquet file, and removes it: the Delta table's files replace it.
fn read_file(path: &Path) -> Result<RecordBatch, Error> {
    let file = File::open(path).map_err(|e| jaanch::Error::reading(path, e))?;
    let bad = |e: &dyn std::fmt::Display| io_error(path, std::io::Error::other(e.to_string()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(&e))?
        .build()
        .map_err(|e| bad(&e))?;
    let schema: SchemaRef = arrow::array::RecordBatchReader::schema(&reader);
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(|e| bad(&e))?;
    let batch = concat_batches(&schema, &batches).map_err(|e| bad(&e))?;
    std::fs::remove_file(path).map_err(|e| io_error(path, e))?;
    Ok(batch)
}

/// Reads the `part-0.parquet` of every `column=value` folder of `dir`, in order of value; the
/// rows, and each row's value.
fn read_partitioned(dir: &Path, column: &str) -> Result<(RecordBatch, Vec<i32>), Error> {
    let mut parts: Vec<(i32, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| jaanch::Error::reading(dir, e))? {
        let entry = entry.map_err(|e| jaanch::Error::reading(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(value) = name
            .strip_prefix(column)
            .and_then(|rest| rest.strip_prefix('='))
            .and_then(|v| v.parse().ok())
        {
            parts.push((value, entry.path().join("part-0.parquet")));
        }
    }
    parts.sort();
    let mut batches = Vec::new();
    let mut values = Vec::new();
    for (value, path) in &parts {
        let batch = read_file(path)?;
        values.extend(std::iter::repeat_n(*value, batch.num_rows()));
        batches.push(batch);
    }
    let schema = batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| Arc::new(Schema::new(Vec::<Field>::new())));
    let batch =
        concat_batches(&schema, &batches).map_err(|e| io_error(dir, std::io::Error::other(e)))?;
    Ok((batch, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_ist() {
        // 30 Nov 2025 23:59 IST is 18:29 UTC.
        assert_eq!(Moment::INITIAL.millis(), 1_764_527_340_000);
        assert!(Moment::append(FIRST_DAY) < Moment::correction(FIRST_DAY));
        assert_eq!(timestamp_text(0), "1970-01-01T00:00:00.000000");
        assert_eq!(
            timestamp_text(DAY_MICROS + 3_723_000_001),
            "1970-01-02T01:02:03.000001"
        );
    }

    #[test]
    fn corrections_fall_on_correction_days_after_the_change() {
        for key in 0..200 {
            for earliest in [CORRECTED_FROM, FIRST_DAY + 3, FIRST_DAY + 20] {
                let day = correction_day(earliest, key).unwrap();
                assert!(CORRECTION_DAYS.contains(&day) && day >= earliest);
            }
        }
        assert_eq!(correction_day(FIRST_DAY + 31, 1), None);
    }
}
