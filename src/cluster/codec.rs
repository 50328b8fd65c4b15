//! How jaanch's tables and its governed scan travel to a cluster.
//!
//! A statement goes to the scheduler as a logical plan, and the scheduler sends each executor
//! its part of the physical plan. DataFusion serialises its own tables and operators; these
//! codecs add jaanch's, and hand everything else to Ballista's:
//! - a lake table read through its trace ([`Traced`]): its listing table as DataFusion
//!   serialises it, or a Delta table as its location and the version the statement pinned
//!   (read on the scheduler as a list of files, [`DeltaFiles`]);
//! - a table under a role's rules ([`GovernedTable`]): the table, its row filter and its masks
//!   as expressions, so the scheduler plans the same governed scan the client would;
//! - an in-memory table (`ref`, a notebook's registered table): its rows, as Arrow IPC;
//! - the governed scan operator ([`GovernedExec`]): its inner plan.
//!
//! Functions travel by name: the scheduler and executors register the police functions.

use std::io::Cursor;
use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use base64::Engine as _;
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::listing::{ListingTable, ListingTableUrl};
use datafusion::datasource::{MemTable, provider_as_source, source_as_provider};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::{
    AsLogicalPlan, LogicalExtensionCodec, from_proto::parse_expr, to_proto::serialize_expr,
};
use datafusion_proto::physical_plan::{
    PhysicalExtensionCodec, PhysicalPlanNodeExt, PhysicalProtoConverterExtension,
};
use datafusion_proto::protobuf::{LogicalExprNode, LogicalPlanNode, PhysicalPlanNode};
use prost::Message;
use serde::{Deserialize, Serialize};

use crate::access::{GovernedExec, GovernedTable};
use crate::delta::files::DeltaFiles;
use crate::provenance::Traced;
use crate::reference::ReferenceTable;

/// What jaanch's own encodings start with. No protobuf message starts with 0xFF (its wire
/// type, 7, does not exist), so Ballista's and DataFusion's encodings are never taken for it.
const MARK: &[u8] = b"\xffjaanch1";

/// A table as it travels.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TableWire {
    /// A listing table: a scan of it, as DataFusion serialises it.
    Listing { scan: String },
    /// A version of a Delta table: where it is, and the columns the client planned with.
    Delta {
        name: String,
        url: String,
        version: u64,
        schema: String,
    },
    /// A table under a role's rules.
    Governed {
        name: String,
        raw: Box<TableWire>,
        filter: Option<String>,
        columns: Vec<String>,
    },
    /// Rows held in memory, as an Arrow IPC stream.
    Memory { ipc: String },
}

/// The governed scan operator as it travels.
#[derive(Serialize, Deserialize)]
struct GovernedWire {
    table: String,
    query_filters: Vec<String>,
    inner: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| DataFusionError::Internal(format!("jaanch plan codec: {e}")))
}

fn internal(what: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("jaanch plan codec: {what}"))
}

/// Whether a table can be read on a cluster: what [`LogicalCodec`] can send.
pub(crate) fn travels(provider: &dyn TableProvider) -> bool {
    if let Some(traced) = provider.downcast_ref::<Traced>() {
        return traced.delta_version().is_some() || travels(traced.inner().as_ref());
    }
    if let Some(governed) = provider.downcast_ref::<GovernedTable>() {
        return travels(governed.raw().as_ref());
    }
    provider.downcast_ref::<ReferenceTable>().is_some()
        || provider.downcast_ref::<ListingTable>().is_some()
        || provider.downcast_ref::<MemTable>().is_some()
}

/// Ballista's logical codec, with jaanch's tables.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    ballista: ballista_core::serde::BallistaLogicalExtensionCodec,
}

impl LogicalCodec {
    fn encode_table(
        &self,
        name: &TableReference,
        provider: &Arc<dyn TableProvider>,
    ) -> Result<TableWire> {
        if let Some(traced) = provider.downcast_ref::<Traced>() {
            if let Some((url, version)) = traced.delta_version() {
                let schema = datafusion_proto::protobuf::Schema::try_from(provider.schema())?;
                return Ok(TableWire::Delta {
                    name: name.to_string(),
                    url: url.as_str().to_string(),
                    version,
                    schema: b64(&schema.encode_to_vec()),
                });
            }
            return self.encode_table(name, traced.inner());
        }
        if let Some(governed) = provider.downcast_ref::<GovernedTable>() {
            let expr = |e| -> Result<String> { Ok(b64(&serialize_expr(e, self)?.encode_to_vec())) };
            return Ok(TableWire::Governed {
                name: governed.name().to_string(),
                raw: Box::new(self.encode_table(name, governed.raw())?),
                filter: governed.filter().map(expr).transpose()?,
                columns: governed.columns().iter().map(expr).collect::<Result<_>>()?,
            });
        }
        if let Some(reference) = provider.downcast_ref::<ReferenceTable>() {
            let table = Arc::clone(reference.table()) as Arc<dyn TableProvider>;
            return self.encode_table(name, &table);
        }
        if let Some(table) = provider.downcast_ref::<MemTable>() {
            let mut ipc = Vec::new();
            let mut writer = StreamWriter::try_new(&mut ipc, &table.schema())?;
            for partition in &table.batches {
                let batches = partition
                    .try_read()
                    .map_err(|_| internal(format!("table {name} is being written")))?;
                for batch in batches.iter() {
                    writer.write(batch)?;
                }
            }
            writer.finish()?;
            drop(writer);
            return Ok(TableWire::Memory { ipc: b64(&ipc) });
        }
        if provider.downcast_ref::<ListingTable>().is_some() {
            let scan = LogicalPlanBuilder::scan(
                name.clone(),
                provider_as_source(Arc::clone(provider)),
                None,
            )?
            .build()?;
            let node = LogicalPlanNode::try_from_logical_plan(&scan, self)?;
            return Ok(TableWire::Listing {
                scan: b64(&node.encode_to_vec()),
            });
        }
        Err(DataFusionError::NotImplemented(format!(
            "table {name} is read on this machine only and cannot be sent to a cluster"
        )))
    }

    fn decode_table(
        &self,
        wire: TableWire,
        schema: Option<SchemaRef>,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        Ok(match wire {
            TableWire::Listing { scan } => {
                let node = LogicalPlanNode::decode(unb64(&scan)?.as_slice()).map_err(internal)?;
                match node.try_into_logical_plan(ctx, self)? {
                    LogicalPlan::TableScan(scan) => source_as_provider(&scan.source)?,
                    other => {
                        return Err(internal(format!(
                            "expected a table scan, got {}",
                            other.display()
                        )));
                    }
                }
            }
            TableWire::Delta {
                name,
                url,
                version,
                schema,
            } => {
                let proto = datafusion_proto::protobuf::Schema::decode(unb64(&schema)?.as_slice())
                    .map_err(internal)?;
                let schema = Arc::new(Schema::try_from(&proto)?);
                let url = ListingTableUrl::parse(&url)?;
                Arc::new(DeltaFiles::new(name, url, version, schema))
            }
            TableWire::Governed {
                name,
                raw,
                filter,
                columns,
            } => {
                let raw = self.decode_table(*raw, None, ctx)?;
                let expr = |text: &str| -> Result<_> {
                    let node =
                        LogicalExprNode::decode(unb64(text)?.as_slice()).map_err(internal)?;
                    Ok(parse_expr(&node, ctx, self)?)
                };
                let filter = filter.as_deref().map(expr).transpose()?;
                let columns = columns
                    .iter()
                    .map(|c| expr(c))
                    .collect::<Result<Vec<_>>>()?;
                Arc::new(GovernedTable::from_parts(&name, raw, filter, columns)?)
            }
            TableWire::Memory { ipc } => {
                let reader = StreamReader::try_new(Cursor::new(unb64(&ipc)?), None)?;
                let stored = reader.schema();
                let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
                Arc::new(MemTable::try_new(schema.unwrap_or(stored), vec![batches])?)
            }
        })
    }
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        let Some(json) = buf.strip_prefix(MARK) else {
            return self
                .ballista
                .try_decode_table_provider(buf, table_ref, schema, ctx);
        };
        let wire: TableWire = serde_json::from_slice(json).map_err(internal)?;
        self.decode_table(wire, Some(schema), ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let wire = self.encode_table(table_ref, &node)?;
        buf.extend_from_slice(MARK);
        serde_json::to_writer(buf, &wire).map_err(internal)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn datafusion::datasource::file_format::FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn datafusion::datasource::file_format::FileFormatFactory>,
    ) -> Result<()> {
        self.ballista.try_encode_file_format(buf, node)
    }
}

/// Ballista's physical codec, with the governed scan.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    ballista: ballista_core::serde::BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(json) = buf.strip_prefix(MARK) else {
            return self.ballista.try_decode(buf, inputs, ctx, converter);
        };
        let wire: GovernedWire = serde_json::from_slice(json).map_err(internal)?;
        let node = PhysicalPlanNode::decode(unb64(&wire.inner)?.as_slice()).map_err(internal)?;
        let inner = node.try_into_physical_plan_with_converter(ctx, self, converter)?;
        Ok(Arc::new(GovernedExec::new(
            &wire.table,
            wire.query_filters,
            inner,
        )))
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let Some(governed) = node.downcast_ref::<GovernedExec>() else {
            return self.ballista.try_encode(node, buf, converter);
        };
        let inner = PhysicalPlanNode::try_from_physical_plan_with_converter(
            Arc::clone(governed.inner()),
            self,
            converter,
        )?;
        let wire = GovernedWire {
            table: governed.table().to_string(),
            query_filters: governed.query_filters().to_vec(),
            inner: b64(&inner.encode_to_vec()),
        };
        buf.extend_from_slice(MARK);
        serde_json::to_writer(buf, &wire).map_err(internal)
    }
}
