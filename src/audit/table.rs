//! The log as a table, `audit.log`, for the roles granted it: one row per record, read from the
//! files when a query scans it. `intact` says whether a record's hash matches its contents;
//! `jaanch audit verify` checks the whole chain.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, ListBuilder, RecordBatch, StringBuilder,
    TimestampMillisecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;

use super::chain::{self, Stored};

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("seq", DataType::UInt64, false),
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        text("kind"),
        text("user"),
        text("role"),
        text("purpose"),
        text("client"),
        text("sql"),
        text("report"),
        text("params"),
        Field::new(
            "tables",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
        text("versions"),
        Field::new("rows", DataType::UInt64, true),
        Field::new("duration_ms", DataType::Float64, true),
        text("outcome"),
        text("error"),
        Field::new("pid", DataType::UInt32, true),
        Field::new("file", DataType::Utf8, false),
        Field::new("intact", DataType::Boolean, false),
        Field::new("prev", DataType::Utf8, false),
        Field::new("hash", DataType::Utf8, false),
    ]))
});

/// `audit.log`: the records of the log in `dir`.
#[derive(Debug)]
pub(crate) struct AuditTable {
    dir: PathBuf,
}

impl AuditTable {
    pub fn new(dir: PathBuf) -> Self {
        AuditTable { dir }
    }

    /// Every record of every file, in order; lines that are not records are left out.
    fn read(&self) -> Result<RecordBatch> {
        let mut rows = Rows::default();
        for (number, path) in chain::files(&self.dir).map_err(DataFusionError::Execution)? {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                DataFusionError::Execution(format!("cannot read {}: {e}", path.display()))
            })?;
            let file = chain::file_name(number);
            for line in text.lines() {
                if let Ok(stored) = serde_json::from_str::<Stored>(line) {
                    rows.push(&stored, &file, chain::parse(line).is_ok());
                }
            }
        }
        rows.finish()
    }
}

#[derive(Default)]
struct Rows {
    seq: UInt64Builder,
    time: TimestampMillisecondBuilder,
    kind: StringBuilder,
    user: StringBuilder,
    role: StringBuilder,
    purpose: StringBuilder,
    client: StringBuilder,
    sql: StringBuilder,
    report: StringBuilder,
    params: StringBuilder,
    tables: ListBuilder<StringBuilder>,
    versions: StringBuilder,
    rows: UInt64Builder,
    duration_ms: Float64Builder,
    outcome: StringBuilder,
    error: StringBuilder,
    pid: UInt32Builder,
    file: StringBuilder,
    intact: BooleanBuilder,
    prev: StringBuilder,
    hash: StringBuilder,
}

impl Rows {
    fn push(&mut self, record: &Stored, file: &str, intact: bool) {
        self.seq.append_value(record.seq);
        self.time.append_option(
            chrono::DateTime::parse_from_rfc3339(&record.time)
                .ok()
                .map(|t| t.timestamp_millis()),
        );
        self.kind.append_value(&record.kind);
        self.user.append_option(record.user.as_deref());
        self.role.append_option(record.role.as_deref());
        self.purpose.append_option(record.purpose.as_deref());
        self.client.append_option(record.client.as_deref());
        self.sql.append_option(record.sql.as_deref());
        self.report.append_option(record.report.as_deref());
        self.params.append_option(
            (!record.params.is_empty())
                .then(|| serde_json::to_string(&record.params).unwrap_or_default()),
        );
        for table in &record.tables {
            self.tables.values().append_value(table);
        }
        self.tables.append(true);
        self.versions.append_option(
            (!record.versions.is_empty())
                .then(|| serde_json::to_string(&record.versions).unwrap_or_default()),
        );
        self.rows.append_option(record.rows);
        self.duration_ms.append_option(record.duration_ms);
        self.outcome.append_option(record.outcome.as_deref());
        self.error.append_option(record.error.as_deref());
        self.pid.append_option(record.pid);
        self.file.append_value(file);
        self.intact.append_value(intact);
        self.prev.append_value(&record.prev);
        self.hash.append_value(&record.hash);
    }

    fn finish(mut self) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.seq.finish()),
            Arc::new(self.time.finish().with_timezone("UTC")),
            Arc::new(self.kind.finish()),
            Arc::new(self.user.finish()),
            Arc::new(self.role.finish()),
            Arc::new(self.purpose.finish()),
            Arc::new(self.client.finish()),
            Arc::new(self.sql.finish()),
            Arc::new(self.report.finish()),
            Arc::new(self.params.finish()),
            Arc::new(self.tables.finish()),
            Arc::new(self.versions.finish()),
            Arc::new(self.rows.finish()),
            Arc::new(self.duration_ms.finish()),
            Arc::new(self.outcome.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.pid.finish()),
            Arc::new(self.file.finish()),
            Arc::new(self.intact.finish()),
            Arc::new(self.prev.finish()),
            Arc::new(self.hash.finish()),
        ];
        Ok(RecordBatch::try_new(Arc::clone(&SCHEMA), columns)?)
    }
}

#[async_trait]
impl TableProvider for AuditTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&SCHEMA)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let batch = self.read()?;
        let exec =
            MemorySourceConfig::try_new_exec(&[vec![batch]], self.schema(), projection.cloned())?;
        Ok(exec)
    }
}
