//! The `ref` schema's tables, built from the police functions' embedded data when a statement
//! first reads one: building the IPC↔BNS correspondence alone takes milliseconds, which every
//! command paid at start-up whether it read the table or not.

use std::fmt;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Result;
use datafusion::datasource::MemTable;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use jaanch_udfs::BuildTable;

/// A reference table: its rows in memory once first asked for (its schema, a scan).
pub(crate) struct ReferenceTable {
    build: BuildTable,
    table: OnceLock<Arc<MemTable>>,
}

impl ReferenceTable {
    pub(crate) fn new(build: BuildTable) -> ReferenceTable {
        ReferenceTable {
            build,
            table: OnceLock::new(),
        }
    }

    /// The table's rows, built on the first call.
    pub(crate) fn table(&self) -> &Arc<MemTable> {
        self.table.get_or_init(|| {
            let batch = (self.build)();
            let table = MemTable::try_new(batch.schema(), vec![vec![batch]])
                .expect("a table of one batch has that batch's schema");
            Arc::new(table)
        })
    }
}

impl fmt::Debug for ReferenceTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceTable")
            .field("built", &self.table.get().is_some())
            .finish()
    }
}

#[async_trait]
impl TableProvider for ReferenceTable {
    fn schema(&self) -> SchemaRef {
        self.table().schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.table().scan(state, projection, filters, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::prelude::SessionContext;
    use jaanch_udfs::law::correspondence::ipc_bns_table;

    #[tokio::test]
    async fn built_when_first_read_and_only_once() {
        let table = Arc::new(ReferenceTable::new(ipc_bns_table));
        let ctx = SessionContext::new();
        ctx.register_table("ipc_bns", Arc::clone(&table) as Arc<dyn TableProvider>)
            .unwrap();
        assert!(
            table.table.get().is_none(),
            "built before a statement read it"
        );

        let batches = ctx
            .sql("SELECT count(*) FROM ipc_bns")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let counted = batches[0].column(0).as_primitive::<Int64Type>().value(0);
        assert_eq!(counted as usize, ipc_bns_table().num_rows());

        let built = Arc::as_ptr(table.table());
        ctx.sql("SELECT * FROM ipc_bns").await.unwrap();
        assert_eq!(Arc::as_ptr(table.table()), built, "built again");
    }

    #[test]
    fn a_session_opens_without_building_them() {
        let lake = crate::Lake::from_config(crate::config::LakeConfig::empty("t")).unwrap();
        let session = lake.session(crate::Identity::local()).unwrap();
        let reference = &session.shared().reference;
        assert_eq!(reference.len(), jaanch_udfs::reference_tables().len());
        for (name, table) in reference {
            let table = table
                .downcast_ref::<ReferenceTable>()
                .unwrap_or_else(|| panic!("ref.{name} is not a ReferenceTable"));
            assert!(
                table.table.get().is_none(),
                "ref.{name} built by opening a session"
            );
        }
    }
}
