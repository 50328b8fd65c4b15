//! Writing the lake: Parquet files row by row, and `lake.toml`.
//!
//! Writer settings are fixed so that the same plan gives the same bytes: zstd level 1, row
//! groups of at most 128Ki rows, a constant `created_by`, no timestamps anywhere.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
    RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::tables::{Spec, Type};
use jaanch::Error;

/// Rows per record batch handed to the Parquet writer.
const BATCH_ROWS: usize = 16 * 1024;
/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// An I/O error writing `path`.
pub fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::writing(Some(path.to_path_buf()), source)
}

fn parquet_error(path: &Path, error: parquet::errors::ParquetError) -> Error {
    io_error(path, std::io::Error::other(error))
}

enum Builder {
    Int64(Int64Builder),
    Int32(Int32Builder),
    Float64(Float64Builder),
    Text(StringBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(ty: Type) -> Builder {
        match ty {
            Type::Int64 => Builder::Int64(Int64Builder::with_capacity(BATCH_ROWS)),
            Type::Int32 => Builder::Int32(Int32Builder::with_capacity(BATCH_ROWS)),
            Type::Float64 => Builder::Float64(Float64Builder::with_capacity(BATCH_ROWS)),
            Type::Text => Builder::Text(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 24)),
            Type::Timestamp => {
                Builder::Timestamp(TimestampMicrosecondBuilder::with_capacity(BATCH_ROWS))
            }
            Type::Date => Builder::Date(Date32Builder::with_capacity(BATCH_ROWS)),
            Type::Bool => Builder::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int64(b) => Arc::new(b.finish()),
            Builder::Int32(b) => Arc::new(b.finish()),
            Builder::Float64(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }

    fn append_null(&mut self) {
        match self {
            Builder::Int64(b) => b.append_null(),
            Builder::Int32(b) => b.append_null(),
            Builder::Float64(b) => b.append_null(),
            Builder::Text(b) => b.append_null(),
            Builder::Timestamp(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
        }
    }
}

/// One Parquet file of a table, written a row at a time: each row appends its values in
/// column order, then [`TableFile::end_row`].
pub struct TableFile {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<BufWriter<File>>,
    builders: Vec<Builder>,
    column: usize,
    in_batch: usize,
    rows: usize,
}

pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("valid level"),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("jaanch {} demo", env!("CARGO_PKG_VERSION")))
        .build()
}

impl TableFile {
    /// A file of `spec`'s table in the lake at `root`: `file` is its path in the table's
    /// folder (`part-0.parquet`, `year=2024/part-0.parquet`).
    pub fn create_in(root: &Path, spec: &Spec, file: impl AsRef<Path>) -> Result<TableFile, Error> {
        TableFile::create(root.join(spec.location).join(file), spec)
    }

    pub fn create(path: PathBuf, spec: &Spec) -> Result<TableFile, Error> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        let schema = spec.schema();
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            Arc::clone(&schema),
            Some(writer_properties()),
        )
        .map_err(|e| parquet_error(&path, e))?;
        Ok(TableFile {
            path,
            schema,
            writer,
            builders: spec.columns.iter().map(|c| Builder::new(c.ty)).collect(),
            column: 0,
            in_batch: 0,
            rows: 0,
        })
    }

    fn next(&mut self) -> &mut Builder {
        let builder = &mut self.builders[self.column];
        self.column += 1;
        builder
    }

    pub fn i64(&mut self, value: i64) {
        match self.next() {
            Builder::Int64(b) => b.append_value(value),
            _ => panic!("column is not Int64"),
        }
    }

    pub fn i32(&mut self, value: i32) {
        match self.next() {
            Builder::Int32(b) => b.append_value(value),
            _ => panic!("column is not Int32"),
        }
    }

    pub fn f64(&mut self, value: f64) {
        match self.next() {
            Builder::Float64(b) => b.append_value(value),
            _ => panic!("column is not Float64"),
        }
    }

    pub fn text(&mut self, value: &str) {
        match self.next() {
            Builder::Text(b) => b.append_value(value),
            _ => panic!("column is not text"),
        }
    }

    pub fn timestamp(&mut self, micros: i64) {
        match self.next() {
            Builder::Timestamp(b) => b.append_value(micros),
            _ => panic!("column is not a timestamp"),
        }
    }

    pub fn date(&mut self, days: i32) {
        match self.next() {
            Builder::Date(b) => b.append_value(days),
            _ => panic!("column is not a date"),
        }
    }

    pub fn bool(&mut self, value: bool) {
        match self.next() {
            Builder::Bool(b) => b.append_value(value),
            _ => panic!("column is not Boolean"),
        }
    }

    pub fn null(&mut self) {
        self.next().append_null();
    }

    pub fn end_row(&mut self) -> Result<(), Error> {
        debug_assert_eq!(
            self.column,
            self.builders.len(),
            "{}: row incomplete",
            self.path.display()
        );
        self.column = 0;
        self.in_batch += 1;
        self.rows += 1;
        if self.in_batch == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.in_batch == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), columns)
            .map_err(|e| io_error(&self.path, std::io::Error::other(e)))?;
        self.writer
            .write(&batch)
            .map_err(|e| parquet_error(&self.path, e))?;
        self.in_batch = 0;
        Ok(())
    }

    /// Flushes and closes the file; returns its rows.
    pub fn finish(mut self) -> Result<usize, Error> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| parquet_error(&self.path, e))?;
        Ok(self.rows)
    }
}

/// The first line of every generated `lake.toml`: how a previous demo lake is recognised.
pub const MARKER: &str = "# jaanch demo lake";

/// Writes `lake.toml` registering every table of the demo lake.
pub fn lake_toml(scale: f64, seed: u64, specs: &[&Spec]) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push_str(": synthetic Rajasthan police data, no real person's data.\n");
    out.push_str(&format!(
        "# Generated by `jaanch demo --scale {scale} --seed {seed}`; regenerate rather than edit.\n"
    ));
    out.push_str(
        "# The truth schema records the links the generator planted, to score reports.\n\n",
    );
    out.push_str("name = \"rajasthan-demo\"\n");
    for spec in specs {
        out.push_str("\n[[table]]\n");
        out.push_str(&format!("name = {}\n", toml_string(spec.name)));
        out.push_str(&format!("location = {}\n", toml_string(spec.location)));
        let delta = super::delta::DELTA_TABLES.contains(&spec.name);
        out.push_str(if delta {
            "format = \"delta\"\n"
        } else {
            "format = \"parquet\"\n"
        });
        if let Some(partition) = spec.partition.filter(|_| !delta) {
            out.push_str(&format!(
                "partitions = [{}]\n",
                toml_string(partition.config)
            ));
        }
        out.push_str(&format!(
            "description = {}\n",
            toml_string(spec.description)
        ));
        out.push_str("[table.columns]\n");
        for column in spec.columns {
            out.push_str(&format!("{} = {}\n", column.name, toml_string(column.doc)));
        }
        if let Some(partition) = spec.partition {
            out.push_str(&format!(
                "{} = {}\n",
                partition.column,
                toml_string(partition.doc)
            ));
        }
    }
    out
}

/// A TOML basic string.
/// The access config of the governed demo lake.
pub const ACCESS_TOML: &str = include_str!("access.toml");

/// `governed.toml`: the demo lake's tables under the access config `access.toml`.
pub fn governed_toml(lake_toml: &str) -> String {
    let body = lake_toml.replacen(
        "name = \"rajasthan-demo\"",
        "name = \"rajasthan-demo-governed\"",
        1,
    );
    format!(
        "{body}\n# Roles, users and the audit log: see access.toml.\n[access]\nfile = \"access.toml\"\n"
    )
}

/// Writes the governed demo lake's files beside `lake.toml`: its config, its access config
/// and the audit log's signing key.
pub fn governed_lake(dir: &Path, lake_toml: &str) -> Result<(), Error> {
    for (name, text) in [
        ("governed.toml", governed_toml(lake_toml)),
        ("access.toml", ACCESS_TOML.to_string()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
    }
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).map_err(|e| io_error(&keys, e))?;
    jaanch::audit::generate_key(&keys.join("audit.key"))
        .map_err(|e| Error::Config(jaanch::config::ConfigError::new(e.to_string())))?;
    Ok(())
}

fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
