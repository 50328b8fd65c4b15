//! Runs the sqllogictest files in `tests/slt/` against a fresh jaanch session per file.
//!
//! Set `JAANCH_SLT_COMPLETE=1` to rewrite the expected results from the actual ones (review the
//! diff before committing). `JAANCH_SLT_FILTER=plates` runs only files whose name contains it.

use std::path::{Path, PathBuf};

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use futures::StreamExt;
use jaanch::config::{Format, TableConfig};
use jaanch::{Identity, Lake, LakeConfig, Session};
use sqllogictest::{DBOutput, DefaultColumnType};

/// A jaanch session speaking the sqllogictest protocol.
struct JaanchDb {
    lake: Session,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SltError(String);

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for JaanchDb {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let error = |e: jaanch::Error| SltError(e.to_string());
        let frame = self.lake.sql(sql).await.map_err(error)?;
        let mut stream = frame.stream().map_err(error)?;
        let schema = stream.schema();
        let mut batches = Vec::new();
        while let Some(batch) = stream.next().await {
            batches.push(batch.map_err(|e| SltError(e.to_string()))?);
        }
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        Ok(DBOutput::Rows {
            types,
            rows: rows(&batches).map_err(SltError)?,
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "jaanch"
    }

    async fn sleep(dur: std::time::Duration) {
        tokio::time::sleep(dur).await;
    }
}

fn column_type(data_type: &DataType) -> DefaultColumnType {
    match data_type {
        t if t.is_integer() => DefaultColumnType::Integer,
        t if t.is_floating() || matches!(t, DataType::Decimal128(..)) => {
            DefaultColumnType::FloatingPoint
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DefaultColumnType::Text,
        _ => DefaultColumnType::Any,
    }
}

/// Cells as sqllogictest text: `NULL` for null, `(empty)` for an empty string.
fn rows(batches: &[RecordBatch]) -> Result<Vec<Vec<String>>, String> {
    let options = FormatOptions::default();
    let mut rows = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .zip(&formatters)
                    .map(|(column, f)| {
                        if column.is_null(row) {
                            "NULL".to_string()
                        } else {
                            match f.value(row).to_string() {
                                s if s.is_empty() => "(empty)".to_string(),
                                s => s,
                            }
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}

fn slt_files() -> Vec<PathBuf> {
    let dir = crate::common::repository().join("tests/slt");
    let filter = std::env::var("JAANCH_SLT_FILTER").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(&filter))
        .collect();
    files.sort();
    files
}

/// The lake a file runs against. `policy*.slt` files get a lake whose config has a table
/// (`cctns.fir`, from `tests/slt/data/`), read-only unless the file's name says `writable`; the
/// others an empty writable lake.
fn new_db(file: &Path) -> JaanchDb {
    let name = file.file_name().unwrap().to_string_lossy();
    let mut config = LakeConfig::empty("slt");
    if name.starts_with("policy") {
        let data = crate::common::repository().join("tests/slt/data");
        config = config.with_base_dir(data).with_table(TableConfig::new(
            "cctns.fir",
            "fir.csv",
            Format::Csv,
        ));
        config.read_only = !name.contains("writable");
    } else {
        config.read_only = false;
    }
    config.runtime.target_partitions = Some(2);
    JaanchDb {
        lake: Lake::from_config(config)
            .and_then(|lake| lake.session(Identity::local()))
            .expect("an empty lake opens"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slt() {
    let complete = std::env::var_os("JAANCH_SLT_COMPLETE").is_some();
    let files = slt_files();
    assert!(!files.is_empty(), "no .slt files found");
    let mut failures = Vec::new();
    for file in &files {
        let mut runner = sqllogictest::Runner::new(|| async { Ok(new_db(file)) });
        if complete {
            runner
                .update_test_file(
                    file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::strict_column_validator,
                )
                .await
                .unwrap_or_else(|e| failures.push(format!("{}: {e}", file.display())));
        } else if let Err(e) = runner.run_file_async(file).await {
            failures.push(format!("{}: {}", file.display(), e.display(true)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
