//! Which tables a statement read, at which version, and how many of their files: so that a
//! figure in a report can be traced to the data behind it.
//!
//! Every lake table is scanned through a [`Traced`] provider, which notes its table, version
//! and the files its scan will read (after partition pruning and file skipping) in the
//! statement's [`ReadLog`], kept in the session config the statement is planned with.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{Constraints, Result, Statistics};
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::logical_expr::{Expr, LogicalPlan, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;

use crate::delta::show_moment;
use crate::storage::file_scan;

/// One table read by a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRead {
    /// `schema.table`.
    pub table: String,
    /// The Delta version read, and when it was committed; `None` for tables without versions.
    pub version: Option<(u64, DateTime<Utc>)>,
    /// Files the scan reads, after pruning by partition and statistics.
    pub files: usize,
    /// Files in the version read (Delta tables; listed tables are not counted).
    pub files_in_table: Option<usize>,
}

impl fmt::Display for TableRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.table)?;
        match &self.version {
            Some((version, at)) => write!(f, " version {version} ({})", show_moment(at))?,
            None => write!(f, " (not versioned: as it is now)")?,
        }
        let files = |n: usize| if n == 1 { "file" } else { "files" };
        match self.files_in_table {
            Some(total) => write!(f, ", {} of {total} {}", self.files, files(total)),
            None => write!(f, ", {} {}", self.files, files(self.files)),
        }
    }
}

impl TableRead {
    /// The read as JSON: `{"table", "version", "committed_at", "files", "files_in_table"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "table": self.table,
            "version": self.version.map(|(v, _)| v),
            "committed_at": self.version.map(|(_, at)| show_moment(&at)),
            "files": self.files,
            "files_in_table": self.files_in_table,
        })
    }
}

/// Merges the reads of one statement: a table scanned twice at one version (a self-join) is
/// one entry with the files of both scans.
pub fn merge(reads: Vec<TableRead>) -> Vec<TableRead> {
    let mut merged: Vec<TableRead> = Vec::new();
    for read in reads {
        match merged
            .iter_mut()
            .find(|m| m.table == read.table && m.version == read.version)
        {
            Some(known) => known.files = known.files.max(read.files),
            None => merged.push(read),
        }
    }
    merged.sort_by(|a, b| (&a.table, a.version).cmp(&(&b.table, b.version)));
    merged
}

/// The reads of the statement being planned; scans add to it.
#[derive(Debug, Default)]
pub struct ReadLog(parking_lot::Mutex<Vec<TableRead>>);

impl ReadLog {
    pub fn take(&self) -> Vec<TableRead> {
        merge(std::mem::take(&mut *self.0.lock()))
    }
}

/// A lake table's provider, noting what its scans read.
#[derive(Debug)]
pub struct Traced {
    inner: Arc<dyn TableProvider>,
    read: TableRead,
    /// Where the table is.
    url: ListingTableUrl,
}

impl Traced {
    /// `read` says what is read; its `files` are counted by each scan.
    pub fn new(inner: Arc<dyn TableProvider>, read: TableRead, url: ListingTableUrl) -> Traced {
        Traced { inner, read, url }
    }

    /// The table's provider.
    pub fn inner(&self) -> &Arc<dyn TableProvider> {
        &self.inner
    }

    /// Where a Delta table is, and the version read; `None` for tables without versions.
    pub fn delta_version(&self) -> Option<(&ListingTableUrl, u64)> {
        self.read.version.map(|(version, _)| (&self.url, version))
    }

    fn note(&self, session: &dyn Session, plan: &Arc<dyn ExecutionPlan>) {
        let Some(log) = session.config().get_extension::<ReadLog>() else {
            return;
        };
        let mut read = self.read.clone();
        read.files = files_scanned(plan);
        log.0.lock().push(read);
    }
}

/// The files a physical plan reads.
fn files_scanned(plan: &Arc<dyn ExecutionPlan>) -> usize {
    let mut files = 0;
    let _ = plan.apply(|node| {
        if let Some(config) = file_scan(node.as_ref()) {
            files += config.file_groups.iter().map(|g| g.len()).sum::<usize>();
        }
        Ok(TreeNodeRecursion::Continue)
    });
    files
}

#[async_trait]
impl TableProvider for Traced {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.inner.constraints()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn get_logical_plan(&self) -> Option<Cow<'_, LogicalPlan>> {
        self.inner.get_logical_plan()
    }

    fn get_column_default(&self, column: &str) -> Option<&Expr> {
        self.inner.get_column_default(column)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = self.inner.scan(state, projection, filters, limit).await?;
        self.note(state, &plan);
        Ok(plan)
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let result = self.inner.scan_with_args(state, args).await?;
        self.note(state, result.plan());
        Ok(result)
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }
}
