//! The shell over a server (`jaanch shell --server grpc://host:port`): statements and reports
//! run in the user's session on the server; the shell parses, completes and prints here.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use arrow::array::{Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, SchemaRef};
use jaanch::QueryResult;
use jaanch_server::client::{Client, ClientError, ClientOptions};

use crate::{CliError, Result};

/// A logged-in connection, and the tables the user may read there.
pub struct Remote {
    client: tokio::sync::Mutex<Client>,
    pub url: String,
    pub user: String,
    purpose: std::sync::Mutex<Option<String>>,
    /// `schema.table` and its columns, as the user's session on the server has them.
    pub tables: Vec<(String, SchemaRef)>,
}

fn server_error(error: ClientError) -> CliError {
    CliError::Server(error.message)
}

impl Remote {
    /// Connects to `url` as `user`, with `password`, and reads the user's tables.
    pub async fn connect(
        url: &str,
        user: Option<String>,
        password: Option<String>,
        purpose: Option<String>,
        tls_ca: Option<PathBuf>,
    ) -> Result<Remote> {
        let options = ClientOptions {
            user,
            password,
            purpose: purpose.clone(),
            tls_ca,
        };
        let mut client = Client::connect(url, options).await.map_err(server_error)?;
        let tables = client.tables().await.map_err(server_error)?;
        Ok(Remote {
            url: url.to_string(),
            user: client.user().to_string(),
            client: tokio::sync::Mutex::new(client),
            purpose: std::sync::Mutex::new(purpose),
            tables,
        })
    }

    /// Runs one statement on the server; its rows, to print as a local result.
    pub async fn sql(&self, text: &str) -> Result<QueryResult> {
        let started = Instant::now();
        let (schema, batches) = self
            .client
            .lock()
            .await
            .sql(text, None)
            .await
            .map_err(server_error)?;
        Ok(QueryResult::from_batches(schema, batches, started)?)
    }

    /// Runs a report by `CALL`, its values bound as the text typed.
    pub async fn report(&self, name: &str, values: &[(String, String)]) -> Result<QueryResult> {
        let started = Instant::now();
        let (schema, batches) = self
            .client
            .lock()
            .await
            .report(name, values)
            .await
            .map_err(server_error)?;
        Ok(QueryResult::from_batches(schema, batches, started)?)
    }

    /// `CALL reports()`: the reports the user may run there.
    pub async fn reports(&self) -> Result<Vec<RecordBatch>> {
        self.client
            .lock()
            .await
            .reports()
            .await
            .map_err(server_error)
    }

    /// The `-- output:` hints of the report `name` there (a chart, a map), as `CALL reports()`
    /// lists them; none if it lists no such report.
    pub async fn report_hints(&self, name: &str) -> Result<Vec<String>> {
        let mut hints = Vec::new();
        for batch in self.reports().await? {
            let column = |wanted: &str| {
                let index = batch.schema().index_of(wanted).ok()?;
                let text = arrow::compute::cast(batch.column(index), &DataType::Utf8).ok()?;
                Some(text.as_any().downcast_ref::<StringArray>()?.clone())
            };
            let (Some(names), Some(output)) = (column("report"), column("output")) else {
                continue;
            };
            for row in 0..batch.num_rows() {
                if names.is_valid(row) && names.value(row) == name && output.is_valid(row) {
                    hints.extend(output.value(row).split("; ").map(str::to_string));
                }
            }
        }
        Ok(hints)
    }

    pub async fn set_purpose(&self, purpose: &str) {
        self.client.lock().await.set_purpose(purpose);
        *self.purpose.lock().expect("purpose lock") = Some(purpose.to_string());
    }

    /// Reads Delta tables on the server as of a moment or version (`None`: the latest).
    pub async fn set_as_of(&self, as_of: Option<&str>) {
        self.client.lock().await.set_as_of(as_of);
    }

    /// The moment Delta tables are read as of, if set, as the lake shows it.
    pub fn as_of(&self) -> Option<String> {
        let text = self.client.try_lock().ok()?.as_of()?.to_string();
        Some(jaanch::delta::Pin::parse(&text).map_or(text, |pin| pin.to_string()))
    }

    pub fn purpose(&self) -> Option<String> {
        self.purpose.lock().expect("purpose lock").clone()
    }

    /// The tables whose name matches `pattern` (as `\dt` matches: wildcards, else a substring).
    pub fn matching_tables(&self, pattern: Option<&str>) -> Vec<&(String, SchemaRef)> {
        self.tables
            .iter()
            .filter(|(name, _)| pattern.is_none_or(|p| jaanch::describe::matches_pattern(p, name)))
            .collect()
    }

    /// A table's columns, by its name or bare table name.
    pub fn table(&self, name: &str) -> Option<&(String, SchemaRef)> {
        let name = name.to_ascii_lowercase();
        self.tables.iter().find(|(table, _)| {
            table.eq_ignore_ascii_case(&name) || table.rsplit('.').next() == Some(name.as_str())
        })
    }

    /// Column names per table, for completion.
    pub fn columns(&self) -> HashMap<String, Vec<String>> {
        self.tables
            .iter()
            .map(|(name, schema)| {
                let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
                (name.clone(), columns)
            })
            .collect()
    }
}
