//! A lake reached through `jaanch serve`: `jaanch.connect("grpc://host:port", user=...,
//! password=...)`. The server runs every statement in the user's session there; this side
//! asks the same questions a local lake answers and gets the same answers, as far as the
//! protocol carries them.

use std::path::PathBuf;

use jaanch::Params;
use jaanch_server::client::{Client, ClientError, ClientOptions};
use pyo3::prelude::*;
use tonic::Code;

use crate::errors::{AccessDeniedError, Error, ParameterError, QueryError, RefusedError};
use crate::info::{ColumnInfo, ReportInfo, ReportParam, TableInfo};
use crate::result::PyQueryResult;
use crate::runtime::wait_for_future;

/// Whether `path` names a server rather than a lake config.
pub fn is_server(path: &std::path::Path) -> bool {
    path.to_str()
        .is_some_and(|p| p.starts_with("grpc://") || p.starts_with("grpc+tls://"))
}

/// A logged-in connection to a server.
pub struct Remote {
    client: tokio::sync::Mutex<Client>,
    address: String,
    user: String,
    purpose: parking_lot::Mutex<Option<String>>,
}

impl Remote {
    pub fn connect(py: Python<'_>, url: &str, options: ClientOptions) -> PyResult<Remote> {
        let purpose = options.purpose.clone();
        let client = wait_for_future(py, Client::connect(url, options))?.map_err(client_error)?;
        Ok(Remote {
            address: client.address().to_string(),
            user: client.user().to_string(),
            client: tokio::sync::Mutex::new(client),
            purpose: parking_lot::Mutex::new(purpose),
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn purpose(&self) -> Option<String> {
        self.purpose.lock().clone()
    }

    pub fn set_purpose(&self, py: Python<'_>, purpose: &str) -> PyResult<()> {
        wait_for_future(py, async {
            self.client.lock().await.set_purpose(purpose);
        })?;
        *self.purpose.lock() = Some(purpose.to_string());
        Ok(())
    }

    pub fn set_as_of(&self, py: Python<'_>, as_of: Option<&str>) -> PyResult<()> {
        wait_for_future(py, async {
            self.client.lock().await.set_as_of(as_of);
        })
    }

    pub fn as_of(&self) -> Option<String> {
        self.client.try_lock().ok()?.as_of().map(str::to_string)
    }

    pub fn sql(
        &self,
        py: Python<'_>,
        query: &str,
        params: Option<Params>,
    ) -> PyResult<PyQueryResult> {
        let (schema, batches) = wait_for_future(py, async {
            self.client.lock().await.sql(query, params.as_ref()).await
        })?
        .map_err(client_error)?;
        Ok(PyQueryResult::new(schema, batches))
    }

    /// A report by `CALL`, its values bound by name as the text a user would type.
    pub fn report(
        &self,
        py: Python<'_>,
        name: &str,
        values: Vec<(String, String)>,
    ) -> PyResult<PyQueryResult> {
        let (schema, batches) = wait_for_future(py, async {
            self.client.lock().await.report(name, &values).await
        })?
        .map_err(client_error)?;
        Ok(PyQueryResult::new(schema, batches))
    }

    /// The reports the user may run, as `CALL reports()` lists them.
    pub fn reports(&self, py: Python<'_>) -> PyResult<Vec<ReportInfo>> {
        let batches = wait_for_future(py, async { self.client.lock().await.reports().await })?
            .map_err(client_error)?;
        let schema = match batches.first() {
            Some(batch) => batch.schema(),
            None => return Ok(Vec::new()),
        };
        let listed = PyQueryResult::new(schema, batches);
        let mut reports = Vec::new();
        for row in listed.text_rows() {
            let [name, title, params, description, output, _call] = row.as_slice() else {
                return Err(Error::new_err(
                    "the server's list of reports cannot be read",
                ));
            };
            let params = params
                .iter()
                .flat_map(|text| text.split("; "))
                .filter(|text| !text.is_empty())
                .filter_map(|text| jaanch::reports::parse_declaration(text).ok())
                .map(|param| ReportParam::from(&param))
                .collect();
            reports.push(ReportInfo {
                name: name.clone().unwrap_or_default(),
                title: title.clone().unwrap_or_default(),
                description: description.clone(),
                params,
                origin: format!("server {}", self.address),
                output: output
                    .iter()
                    .flat_map(|hints| hints.split("; "))
                    .map(str::to_string)
                    .collect(),
            });
        }
        Ok(reports)
    }

    /// The tables the user may read, with their columns.
    fn table_schemas(
        &self,
        py: Python<'_>,
    ) -> PyResult<Vec<(String, arrow::datatypes::SchemaRef)>> {
        wait_for_future(py, async { self.client.lock().await.tables().await })?
            .map_err(client_error)
    }

    pub fn tables(&self, py: Python<'_>) -> PyResult<Vec<TableInfo>> {
        Ok(self
            .table_schemas(py)?
            .into_iter()
            .map(|(name, _)| TableInfo {
                name,
                format: "server".to_string(),
                location: Some(self.address.clone()),
                description: None,
            })
            .collect())
    }

    pub fn describe(&self, py: Python<'_>, table: &str) -> PyResult<Vec<ColumnInfo>> {
        let tables = self.table_schemas(py)?;
        let Some((_, schema)) = tables
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(table))
        else {
            let names: Vec<String> = tables.into_iter().map(|(name, _)| name).collect();
            let hint = jaanch::closest(table, &names)
                .map(|near| format!(" (did you mean {near}?)"))
                .unwrap_or_default();
            return Err(QueryError::new_err(format!(
                "table {table} not found{hint}"
            )));
        };
        Ok(schema
            .fields()
            .iter()
            .map(|field| ColumnInfo {
                name: field.name().clone(),
                data_type: field.data_type().to_string(),
                nullable: field.is_nullable(),
                description: None,
            })
            .collect())
    }
}

/// How to reach a server, from `connect`'s arguments.
pub fn options(
    user: Option<String>,
    password: Option<String>,
    purpose: Option<String>,
    tls_ca: Option<PathBuf>,
) -> ClientOptions {
    ClientOptions {
        user,
        password,
        purpose,
        tls_ca,
    }
}

/// A server's refusal as the exception a local lake would raise for it.
pub fn client_error(error: ClientError) -> PyErr {
    let message = error.message;
    match error.code {
        Code::Unauthenticated => AccessDeniedError::new_err(message),
        Code::PermissionDenied if message.starts_with("access denied") => {
            AccessDeniedError::new_err(message)
        }
        Code::PermissionDenied => RefusedError::new_err(message),
        Code::InvalidArgument if message.contains("parameter") => ParameterError::new_err(message),
        Code::InvalidArgument
        | Code::NotFound
        | Code::ResourceExhausted
        | Code::DeadlineExceeded
        | Code::Cancelled => QueryError::new_err(message),
        _ => Error::new_err(message),
    }
}
