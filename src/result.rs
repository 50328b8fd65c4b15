//! A started statement's result: a stream of record batches to consume once, by collecting it,
//! streaming it, or printing it in an output format.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use futures::StreamExt;
use futures::future::Either;

use crate::audit::Ticket;
use crate::error::Result;
use crate::output::{self, PrintOptions, ResultWriter, Summary};
use crate::provenance::TableRead;

/// The result of one statement, started but not yet read.
#[derive(Debug)]
pub struct QueryResult {
    plan: Arc<dyn ExecutionPlan>,
    task_ctx: Arc<TaskContext>,
    started: Instant,
    /// The statement's audit record, written when its rows end (on a lake that keeps a log).
    ticket: Option<Ticket>,
    /// The lake tables the statement reads, their versions and files.
    reads: Vec<TableRead>,
}

/// What one printed statement produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Rows printed and counted; `None` for statements without a result (`SET`, DDL).
    pub summary: Option<Summary>,
    /// From the start of planning to the last row written.
    pub elapsed: Duration,
}

impl QueryResult {
    pub(crate) fn new(
        plan: Arc<dyn ExecutionPlan>,
        task_ctx: Arc<TaskContext>,
        started: Instant,
        ticket: Option<Ticket>,
    ) -> Self {
        Self {
            plan,
            task_ctx,
            started,
            ticket,
            reads: Vec::new(),
        }
    }

    /// The result with what the statement reads (see [`QueryResult::reads`]).
    pub fn with_reads(mut self, reads: Vec<TableRead>) -> Self {
        self.reads = reads;
        self
    }

    /// The lake tables the statement reads: each one's Delta version (and when it was
    /// committed) and the files its scans read, so that a figure can be traced to its data.
    pub fn reads(&self) -> &[TableRead] {
        &self.reads
    }

    /// A result already held: rows received from elsewhere (a server) since `started`, to
    /// print or collect like any other.
    pub fn from_batches(
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
        started: Instant,
    ) -> Result<Self> {
        let plan = MemorySourceConfig::try_new_exec(&[batches], schema, None)?;
        Ok(Self::new(
            plan,
            Arc::new(TaskContext::default()),
            started,
            None,
        ))
    }

    pub fn schema(&self) -> SchemaRef {
        self.plan.schema()
    }

    /// Whether the statement returns rows (a query) rather than only taking effect (`SET`,
    /// `CREATE TABLE`).
    pub fn returns_rows(&self) -> bool {
        !self.plan.schema().fields().is_empty()
    }

    /// The physical plan, whose live metrics tell how far the statement has got.
    pub fn plan(&self) -> Arc<dyn ExecutionPlan> {
        Arc::clone(&self.plan)
    }

    /// When the statement was given to the session.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The rows, as they are produced. Dropping the stream stops the statement.
    pub fn stream(mut self) -> Result<SendableRecordBatchStream> {
        let stream =
            crate::spilling_joins::execute(Arc::clone(&self.plan), Arc::clone(&self.task_ctx))
                .map(|stream| self.naming_corrupt_files(stream));
        match (stream, self.ticket.take()) {
            (Ok(stream), None) => Ok(stream),
            (Ok(stream), Some(ticket)) => Ok(ticket.watch(stream)),
            (Err(error), None) => Err(error.into()),
            (Err(error), Some(mut ticket)) => Err(ticket.close_with(error.into())),
        }
    }

    /// `stream` with a corrupt file's error naming the file (see [`crate::diagnose`]).
    fn naming_corrupt_files(&self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        let plan = Arc::clone(&self.plan);
        let context = Arc::clone(&self.task_ctx);
        let schema = stream.schema();
        // Batches pass as they are; only a corrupt file's error waits for the search.
        let named = stream.then(move |item| match item {
            Err(error) if crate::diagnose::is_corrupt_file(&error) => {
                let (plan, context) = (Arc::clone(&plan), Arc::clone(&context));
                Either::Right(async move {
                    Err(crate::diagnose::name_the_file(error, &plan, &context).await)
                })
            }
            other => Either::Left(futures::future::ready(other)),
        });
        Box::pin(RecordBatchStreamAdapter::new(schema, named))
    }

    /// Every row, held in memory.
    pub async fn collect(self) -> Result<Vec<RecordBatch>> {
        let mut stream = self.stream()?;
        let mut batches = Vec::new();
        while let Some(batch) = stream.next().await {
            batches.push(batch?);
        }
        Ok(batches)
    }

    /// Prints the rows to `out` in `options.format` as they arrive.
    pub async fn print(
        self,
        options: &PrintOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<Outcome> {
        let started = self.started;
        let summary = match self.rows().await? {
            Some(mut stream) => Some(output::print_stream(options, &mut stream, out).await?),
            None => None,
        };
        Ok(Outcome {
            summary,
            elapsed: started.elapsed(),
        })
    }

    /// Feeds the rows to `writer` (a file's, say) as they arrive; `begin` makes the writer for
    /// the result's schema, if it has rows.
    pub async fn write<'w>(
        self,
        begin: impl FnOnce(SchemaRef) -> Result<Box<dyn ResultWriter + 'w>>,
    ) -> Result<Outcome> {
        let started = self.started;
        let summary = match self.rows().await? {
            Some(mut stream) => {
                let writer = begin(stream.schema())?;
                Some(output::write_stream(&mut stream, writer).await?)
            }
            None => None,
        };
        Ok(Outcome {
            summary,
            elapsed: started.elapsed(),
        })
    }

    /// The rows of a statement that returns rows; a statement without a result is run to its
    /// end (DDL and `SET` take effect when planned; some, like `COPY`, when run).
    async fn rows(self) -> Result<Option<SendableRecordBatchStream>> {
        let returns_rows = self.returns_rows();
        let mut stream = self.stream()?;
        if returns_rows {
            return Ok(Some(stream));
        }
        while let Some(batch) = stream.next().await {
            batch?;
        }
        Ok(None)
    }
}
