//! Which file a failed read came from. DataFusion's readers report a corrupt Parquet page or a
//! malformed CSV or JSON line without naming its file; when a query fails so, the files its
//! scans read are decoded one by one, within a time budget, and the first that fails is named
//! in the error. Governed scans show no files (their plan is theirs alone), so nothing of them
//! is named.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use datafusion::common::DataFusionError;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::{
    DefaultParquetFileReaderFactory, ParquetFileReaderFactory,
};
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use futures::StreamExt;
use futures::future::BoxFuture;
use object_store::ObjectStore;
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::file::metadata::ParquetMetaData;

use crate::storage::file_scan;

/// How long the search for the file may take: a lake's table can have thousands of files.
const BUDGET: Duration = Duration::from_secs(10);

/// Whether `error` is a file that could not be decoded (rather than a store that could not be
/// reached, or anything else).
pub(crate) fn is_corrupt_file(error: &DataFusionError) -> bool {
    use crate::error::sources;
    !sources(error).any(|e| e.is::<object_store::Error>())
        && sources(error).any(is_a_decoding_error)
}

/// Whether `error` is a reader's: Parquet's, or Arrow's about a file's contents.
fn is_a_decoding_error(error: &(dyn std::error::Error + 'static)) -> bool {
    error.is::<parquet::errors::ParquetError>()
        || error
            .downcast_ref::<arrow::error::ArrowError>()
            .is_some_and(is_decoding)
        || match error.downcast_ref::<DataFusionError>() {
            Some(DataFusionError::ParquetError(_)) => true,
            Some(DataFusionError::ArrowError(arrow, _)) => is_decoding(arrow),
            _ => false,
        }
}

/// Whether Arrow's error is about a file's contents.
fn is_decoding(error: &arrow::error::ArrowError) -> bool {
    use arrow::error::ArrowError as E;
    matches!(
        error,
        E::ParquetError(_) | E::CsvError(_) | E::JsonError(_) | E::ParseError(_)
    )
}

/// `error` with the file it came from named, if one of the files `plan` scans fails to decode;
/// otherwise `error` itself.
pub(crate) async fn name_the_file(
    error: DataFusionError,
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
) -> DataFusionError {
    match tokio::time::timeout(BUDGET, first_corrupt(plan, context)).await {
        Ok(Some((file, mut why))) => {
            // The layers the error passed through say nothing to a reader.
            const LAYERS: [&str; 5] = [
                "Arrow: ",
                "Arrow error: ",
                "Parquet argument error: ",
                "Parquet error: ",
                "External: ",
            ];
            while let Some(rest) = LAYERS.iter().find_map(|layer| why.strip_prefix(layer)) {
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

/// The first file of `plan`'s scans that fails to decode, and why.
async fn first_corrupt(
    plan: &Arc<dyn ExecutionPlan>,
    context: &Arc<TaskContext>,
) -> Option<(String, String)> {
    for scan in scans(plan) {
        let Ok(store) = context.runtime_env().object_store(&scan.object_store_url) else {
            continue;
        };
        let parquet = scan.file_source().file_type() == "parquet";
        for file in scan.file_groups.iter().flat_map(|group| group.iter()) {
            let failed = if parquet {
                decode_parquet(&store, file.clone())
                    .await
                    .err()
                    .map(|e| e.to_string())
            } else {
                decode_with(&scan, file.clone(), context)
                    .await
                    .err()
                    .map(|e| e.to_string())
            };
            if let Some(why) = failed {
                let shown = crate::error::display_object(
                    &scan.object_store_url,
                    &file.object_meta.location,
                );
                return Some((shown, why));
            }
        }
    }
    None
}

/// Reads every row group of a Parquet `file`, every column (whatever the scan's filters).
async fn decode_parquet(
    store: &Arc<dyn ObjectStore>,
    file: PartitionedFile,
) -> Result<(), parquet::errors::ParquetError> {
    let reader = DefaultParquetFileReaderFactory::new(Arc::clone(store))
        .create_reader(0, file, None, &ExecutionPlanMetricsSet::new())
        .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
    let mut batches = ParquetRecordBatchStreamBuilder::new(SendReader(reader))
        .await?
        .build()?;
    while let Some(batch) = batches.next().await {
        batch?;
    }
    Ok(())
}

/// Reads all of `file` with `scan`'s settings (a CSV file's delimiter, say).
async fn decode_with(
    scan: &FileScanConfig,
    file: PartitionedFile,
    context: &Arc<TaskContext>,
) -> datafusion::common::Result<()> {
    let one = FileScanConfigBuilder::from(scan.clone())
        .with_file_groups(vec![FileGroup::new(vec![file])])
        .with_limit(None)
        .build();
    let plan = DataSourceExec::from_data_source(one);
    let mut batches = plan.execute(0, Arc::clone(context))?;
    while let Some(batch) = batches.next().await {
        batch?;
    }
    Ok(())
}

/// The file scans of `plan`.
fn scans(plan: &Arc<dyn ExecutionPlan>) -> Vec<FileScanConfig> {
    let mut found = Vec::new();
    let mut pending = vec![Arc::clone(plan)];
    while let Some(node) = pending.pop() {
        found.extend(file_scan(node.as_ref()).cloned());
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
