//! Which file a failed read came from. DataFusion's Parquet reader reports a corrupt page
//! without naming its file; when a query fails so, the Parquet files its scans read are
//! decoded one by one, within a time budget, and the first that fails is named in the error.
//! Governed scans show no files (their plan is theirs alone), so nothing of them is named.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use datafusion::common::DataFusionError;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::physical_plan::parquet::{
    DefaultParquetFileReaderFactory, ParquetFileReaderFactory,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use futures::StreamExt;
use futures::future::BoxFuture;
use object_store::ObjectStore;
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::file::metadata::ParquetMetaData;
use std::ops::Range;

/// How long the search for the file may take: a lake's table can have thousands of files.
const BUDGET: Duration = Duration::from_secs(10);

/// Whether `error` is a Parquet file that could not be decoded (rather than a store that could
/// not be reached, or anything else).
pub(crate) fn is_corrupt_parquet(error: &DataFusionError) -> bool {
    let mut parquet = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.downcast_ref::<object_store::Error>().is_some() {
            return false;
        }
        // The reader's errors arrive as Parquet's, or as Arrow's with Parquet's text.
        parquet |= current
            .downcast_ref::<parquet::errors::ParquetError>()
            .is_some()
            || matches!(
                current.downcast_ref::<arrow::error::ArrowError>(),
                Some(arrow::error::ArrowError::ParquetError(_))
            )
            || match current.downcast_ref::<DataFusionError>() {
                Some(DataFusionError::ParquetError(_)) => true,
                Some(DataFusionError::ArrowError(arrow, _)) => {
                    matches!(**arrow, arrow::error::ArrowError::ParquetError(_))
                }
                _ => false,
            };
        source = current.source();
    }
    parquet
}

/// `error` with the file it came from named, if one of the files `plan` scans fails to decode;
/// otherwise `error` itself.
pub(crate) async fn name_the_file(
    error: DataFusionError,
    plan: &Arc<dyn ExecutionPlan>,
    context: &TaskContext,
) -> DataFusionError {
    match tokio::time::timeout(BUDGET, first_corrupt(plan, context)).await {
        Ok(Some((file, cause))) => {
            let mut why = cause.to_string();
            // The layers the error passed through say nothing to a reader.
            while let Some(rest) = [
                "Arrow: ",
                "Parquet argument error: ",
                "Parquet error: ",
                "External: ",
            ]
            .iter()
            .find_map(|prefix| why.strip_prefix(prefix))
            {
                why = rest.to_string();
            }
            DataFusionError::Execution(format!(
                "cannot read {file}: {} (the file is damaged: copy it again from its source)",
                why.lines().next().unwrap_or_default()
            ))
        }
        _ => error,
    }
}

/// The first Parquet file of `plan`'s scans that fails to decode, and why.
async fn first_corrupt(
    plan: &Arc<dyn ExecutionPlan>,
    context: &TaskContext,
) -> Option<(String, parquet::errors::ParquetError)> {
    for (store_url, files) in parquet_files(plan) {
        let Ok(store) = context.runtime_env().object_store(&store_url) else {
            continue;
        };
        for file in files {
            let location = file.object_meta.location.clone();
            if let Err(cause) = decode(&store, file).await {
                let url = format!("{}{location}", store_url.as_str());
                let shown = url.strip_prefix("file://").unwrap_or(&url).to_string();
                return Some((shown, cause));
            }
        }
    }
    None
}

/// Reads every row group of `file`, as DataFusion's scan would.
async fn decode(
    store: &Arc<dyn ObjectStore>,
    file: PartitionedFile,
) -> Result<(), parquet::errors::ParquetError> {
    let reader = DefaultParquetFileReaderFactory::new(Arc::clone(store))
        .create_reader(0, file, None, &ExecutionPlanMetricsSet::new())
        .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
    let reader = SendReader(reader);
    let mut batches = ParquetRecordBatchStreamBuilder::new(reader)
        .await?
        .build()?;
    while let Some(batch) = batches.next().await {
        batch?;
    }
    Ok(())
}

/// The Parquet files `plan`'s scans read, by store.
fn parquet_files(plan: &Arc<dyn ExecutionPlan>) -> Vec<(ObjectStoreUrl, Vec<PartitionedFile>)> {
    let mut found = Vec::new();
    let mut pending = vec![Arc::clone(plan)];
    while let Some(node) = pending.pop() {
        let scan = (node.as_ref() as &dyn std::any::Any)
            .downcast_ref::<DataSourceExec>()
            .and_then(|exec| {
                (exec.data_source().as_ref() as &dyn std::any::Any).downcast_ref::<FileScanConfig>()
            });
        if let Some(scan) = scan.filter(|scan| scan.file_source().file_type() == "parquet") {
            let files = scan
                .file_groups
                .iter()
                .flat_map(|group| group.iter().cloned())
                .collect();
            found.push((scan.object_store_url.clone(), files));
        }
        pending.extend(node.children().into_iter().cloned());
    }
    found
}

/// DataFusion's reader, which parquet's stream builder takes only through this (it reads
/// from `Box<dyn AsyncFileReader>`, which is not `Send`).
struct SendReader(Box<dyn AsyncFileReader + Send>);

impl AsyncFileReader for SendReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        self.0.get_bytes(range)
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        self.0.get_byte_ranges(ranges)
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        self.0.get_metadata(options)
    }
}
