//! A client of `jaanch serve` for jaanch's own front ends: the questions a [`jaanch::Session`]
//! answers locally — statements with parameters, reports, the tables and their columns — asked
//! of a server over Flight SQL, in the user's session there.

use std::path::PathBuf;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::sql::client::FlightSqlServiceClient;
use arrow_flight::sql::{
    ActionClosePreparedStatementRequest, ActionCreatePreparedStatementRequest,
    ActionCreatePreparedStatementResult, Any, CommandGetTables, CommandPreparedStatementQuery,
    ProstMessageExt,
};
use arrow_flight::{
    Action, FlightData, FlightDescriptor, FlightInfo, HandshakeRequest, IpcMessage,
};
use bytes::Bytes;
use datafusion::common::ScalarValue;
use futures::TryStreamExt;
use jaanch::Params;
use prost::Message;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

/// Flight SQL's action names.
const CREATE_PREPARED_STATEMENT: &str = "CreatePreparedStatement";
const CLOSE_PREPARED_STATEMENT: &str = "ClosePreparedStatement";

/// How to reach a server and who to be there.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub user: Option<String>,
    pub password: Option<String>,
    pub purpose: Option<String>,
    /// The certificate (PEM) of the authority that signed the server's, for `grpc+tls://`.
    pub tls_ca: Option<PathBuf>,
}

/// A failure, as the server or the connection reported it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ClientError {
    pub code: Code,
    pub message: String,
}

impl ClientError {
    fn new(code: Code, message: impl Into<String>) -> ClientError {
        ClientError {
            code,
            message: message.into(),
        }
    }
}

impl From<FlightError> for ClientError {
    fn from(error: FlightError) -> Self {
        match error {
            FlightError::Tonic(status) => ClientError::from(*status),
            other => ClientError::new(Code::Unknown, other.to_string()),
        }
    }
}

impl From<Status> for ClientError {
    fn from(status: Status) -> Self {
        let message = match status.code() {
            // A connection that could not be made says so, not only "transport error".
            Code::Unavailable if status.message().is_empty() => {
                "the server is unavailable".to_string()
            }
            _ => status.message().to_string(),
        };
        ClientError::new(status.code(), message)
    }
}

impl From<arrow::error::ArrowError> for ClientError {
    fn from(error: arrow::error::ArrowError) -> Self {
        ClientError::new(Code::Internal, error.to_string())
    }
}

/// A logged-in connection to a server.
pub struct Client {
    flight: FlightSqlServiceClient<Channel>,
    address: String,
    user: String,
    purpose: Option<String>,
    /// The moment Delta tables are read as of (the header `x-jaanch-as-of`).
    as_of: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .field("user", &self.user)
            .finish()
    }
}

impl Client {
    /// Connects to `url` (`grpc://host:port` or `grpc+tls://host:port`) and logs in.
    pub async fn connect(url: &str, options: ClientOptions) -> Result<Client, ClientError> {
        let (tls, address) = match url.split_once("://") {
            Some(("grpc", address)) => (false, address),
            Some(("grpc+tls", address)) => (true, address),
            _ => {
                return Err(ClientError::new(
                    Code::InvalidArgument,
                    format!(
                        "{url:?} is not a server address: write grpc://HOST:PORT or grpc+tls://HOST:PORT"
                    ),
                ));
            }
        };
        let scheme = if tls { "https" } else { "http" };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{address}"))
            .map_err(|e| ClientError::new(Code::InvalidArgument, format!("{url}: {e}")))?;
        if tls {
            crate::install_crypto();
            let mut config = ClientTlsConfig::new();
            if let Some(path) = &options.tls_ca {
                let pem = std::fs::read(path).map_err(|e| {
                    ClientError::new(
                        Code::InvalidArgument,
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                config = config.ca_certificate(Certificate::from_pem(pem));
            }
            let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
            endpoint = endpoint
                .tls_config(config.domain_name(host.trim_matches(['[', ']'])))
                .map_err(|e| ClientError::new(Code::InvalidArgument, format!("TLS: {e}")))?;
        }
        let channel = endpoint.connect().await.map_err(|e| {
            ClientError::new(
                Code::Unavailable,
                format!("cannot reach the server at {url}: {}", source_of(&e)),
            )
        })?;
        let mut flight = FlightSqlServiceClient::new(channel);
        if let Some(purpose) = &options.purpose {
            flight.set_header("x-jaanch-purpose", purpose);
        }
        let user = match (&options.user, &options.password) {
            (Some(user), Some(password)) => {
                let token = login(&mut flight, user, password).await?;
                flight.set_token(token);
                user.clone()
            }
            (Some(_), None) => {
                return Err(ClientError::new(
                    Code::InvalidArgument,
                    "a password is needed to log in",
                ));
            }
            (None, _) => "anonymous".to_string(),
        };
        Ok(Client {
            flight,
            address: url.to_string(),
            user,
            purpose: options.purpose,
            as_of: None,
        })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Reads Delta tables as of a moment or version (`2024-06-30`, `v12`) in the statements
    /// that follow; `None` reads their latest versions.
    pub fn set_as_of(&mut self, as_of: Option<&str>) {
        self.flight
            .set_header(crate::service::AS_OF, as_of.unwrap_or("latest"));
        self.as_of = as_of.map(str::to_string);
    }

    /// The moment Delta tables are read as of, if set.
    pub fn as_of(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    /// States why the user looks, for the statements that follow.
    pub fn set_purpose(&mut self, purpose: &str) {
        self.flight.set_header("x-jaanch-purpose", purpose);
        self.purpose = Some(purpose.to_string());
    }

    /// Runs one statement (with values for its placeholders) and collects its rows.
    pub async fn sql(
        &mut self,
        sql: &str,
        params: Option<&Params>,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), ClientError> {
        let info = match params {
            None => self.flight.execute(sql.to_string(), None).await?,
            Some(params) => {
                let handle = self.prepare(sql).await?;
                let info = self.execute_prepared(&handle, params).await;
                // The statement is closed whether it ran or not.
                let close = ActionClosePreparedStatementRequest {
                    prepared_statement_handle: handle,
                };
                let _ = self.action(CLOSE_PREPARED_STATEMENT, close.as_any()).await;
                info?
            }
        };
        self.fetch(info).await
    }

    /// Runs a saved report by `CALL`, its values bound by name as the text a user would type
    /// (the server parses each by the parameter's declared type).
    pub async fn report(
        &mut self,
        name: &str,
        values: &[(String, String)],
    ) -> Result<(SchemaRef, Vec<RecordBatch>), ClientError> {
        let args: Vec<String> = values
            .iter()
            .map(|(param, _)| format!("{} => ${param}", quoted(param)))
            .collect();
        let call = format!("CALL {}({})", quoted(name), args.join(", "));
        let params = Params::Named(
            values
                .iter()
                .map(|(param, value)| (param.clone(), ScalarValue::from(value.as_str())))
                .collect(),
        );
        self.sql(&call, Some(&params)).await
    }

    /// The reports the user may run there, as `CALL reports()` lists them.
    pub async fn reports(&mut self) -> Result<Vec<RecordBatch>, ClientError> {
        let (_, batches) = self
            .sql(&format!("CALL {}()", jaanch::LIST_REPORTS), None)
            .await?;
        Ok(batches)
    }

    /// A prepared statement's handle.
    async fn prepare(&mut self, sql: &str) -> Result<Bytes, ClientError> {
        let request = ActionCreatePreparedStatementRequest {
            query: sql.to_string(),
            transaction_id: None,
        };
        let answer = self
            .action(CREATE_PREPARED_STATEMENT, request.as_any())
            .await?;
        let created: ActionCreatePreparedStatementResult = Any::decode(answer)
            .ok()
            .and_then(|any| any.unpack().ok().flatten())
            .ok_or_else(|| {
                ClientError::new(
                    Code::Internal,
                    "the server's answer to a prepare cannot be read",
                )
            })?;
        Ok(created.prepared_statement_handle)
    }

    /// Binds `params` to a prepared statement and plans it.
    async fn execute_prepared(
        &mut self,
        handle: &Bytes,
        params: &Params,
    ) -> Result<FlightInfo, ClientError> {
        let command = CommandPreparedStatementQuery {
            prepared_statement_handle: handle.clone(),
        };
        let descriptor = FlightDescriptor::new_cmd(command.as_any().encode_to_vec());
        let batch = parameter_batch(params)?;
        let data: Vec<FlightData> = FlightDataEncoderBuilder::new()
            .with_flight_descriptor(Some(descriptor.clone()))
            .build(futures::stream::iter([Ok(batch)]))
            .try_collect()
            .await?;
        let mut put = self.flight.do_put(futures::stream::iter(data)).await?;
        while put.message().await?.is_some() {}
        let request = self.with_headers(descriptor);
        Ok(self
            .flight
            .inner_mut()
            .get_flight_info(request)
            .await?
            .into_inner())
    }

    /// Runs an action; its first answer.
    async fn action(&mut self, kind: &str, body: Any) -> Result<Bytes, ClientError> {
        let action = Action {
            r#type: kind.to_string(),
            body: body.encode_to_vec().into(),
        };
        let mut answers = self.flight.do_action(action).await?;
        let answer = answers.message().await?;
        Ok(answer.map(|a| a.body).unwrap_or_default())
    }

    /// `message` as a request carrying the login's token and the purpose.
    fn with_headers<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let metadata = request.metadata_mut();
        if let Some(token) = self.flight.token()
            && let Ok(value) = format!("Bearer {token}").parse()
        {
            metadata.insert("authorization", value);
        }
        if let Some(purpose) = &self.purpose
            && let Ok(value) = purpose.parse()
        {
            metadata.insert("x-jaanch-purpose", value);
        }
        if let Some(as_of) = &self.as_of
            && let Ok(value) = as_of.parse()
        {
            metadata.insert(crate::service::AS_OF, value);
        }
        request
    }

    /// The tables the user may read, each with its columns as the user sees them.
    pub async fn tables(&mut self) -> Result<Vec<(String, SchemaRef)>, ClientError> {
        let info = self
            .flight
            .get_tables(CommandGetTables {
                include_schema: true,
                ..Default::default()
            })
            .await?;
        let (_, batches) = self.fetch(info).await?;
        let mut tables = Vec::new();
        for batch in &batches {
            let text = |name: &str| -> Result<Vec<Option<String>>, ClientError> {
                let column = batch.column_by_name(name).ok_or_else(|| {
                    ClientError::new(Code::Internal, format!("GetTables without {name}"))
                })?;
                let column = arrow::compute::cast(column, &arrow::datatypes::DataType::Utf8)?;
                let column = column
                    .as_any()
                    .downcast_ref::<arrow::array::StringArray>()
                    .expect("cast to Utf8");
                Ok(column.iter().map(|v| v.map(str::to_string)).collect())
            };
            let (schemas, names) = (text("db_schema_name")?, text("table_name")?);
            let columns = batch
                .column_by_name("table_schema")
                .and_then(|c| c.as_any().downcast_ref::<arrow::array::BinaryArray>())
                .ok_or_else(|| ClientError::new(Code::Internal, "GetTables without columns"))?;
            for row in 0..batch.num_rows() {
                let name = match (&schemas[row], &names[row]) {
                    (Some(schema), Some(table)) => format!("{schema}.{table}"),
                    (None, Some(table)) => table.clone(),
                    _ => continue,
                };
                let schema = arrow::datatypes::Schema::try_from(IpcMessage(
                    columns.value(row).to_vec().into(),
                ))?;
                tables.push((name, std::sync::Arc::new(schema)));
            }
        }
        tables.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(tables)
    }

    /// The rows of every endpoint of `info`.
    async fn fetch(
        &mut self,
        info: FlightInfo,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), ClientError> {
        let schema = std::sync::Arc::new(info.clone().try_decode_schema()?);
        let mut batches = Vec::new();
        for endpoint in info.endpoint {
            let Some(ticket) = endpoint.ticket else {
                continue;
            };
            let stream = self.flight.do_get(ticket).await?;
            batches.extend(stream.try_collect::<Vec<_>>().await?);
        }
        Ok((schema, batches))
    }
}

/// Logs in with HTTP Basic at the Flight handshake; the bearer token the server answers.
async fn login(
    flight: &mut FlightSqlServiceClient<Channel>,
    user: &str,
    password: &str,
) -> Result<String, ClientError> {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut request = tonic::Request::new(futures::stream::iter([HandshakeRequest::default()]));
    let header = format!("Basic {basic}")
        .parse()
        .map_err(|_| ClientError::new(Code::InvalidArgument, "the user name cannot be sent"))?;
    request.metadata_mut().insert("authorization", header);
    let response = flight.inner_mut().handshake(request).await?;
    response
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| ClientError::new(Code::Unauthenticated, "the server gave no token"))
}

/// `name` as a quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Parameter values as the one-row batch a prepared statement binds: a column per value,
/// named after its placeholder.
fn parameter_batch(params: &Params) -> Result<RecordBatch, ClientError> {
    let named: Vec<(String, &ScalarValue)> = match params {
        Params::Positional(values) => values
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1).to_string(), v))
            .collect(),
        Params::Named(values) => values.iter().map(|(n, v)| (n.clone(), v)).collect(),
    };
    let mut columns: Vec<(String, ArrayRef)> = Vec::with_capacity(named.len());
    for (name, value) in named {
        let array = value.to_array().map_err(|e| {
            ClientError::new(Code::InvalidArgument, format!("parameter {name}: {e}"))
        })?;
        columns.push((name, array));
    }
    if columns.is_empty() {
        return Ok(RecordBatch::new_empty(std::sync::Arc::new(
            arrow::datatypes::Schema::empty(),
        )));
    }
    Ok(RecordBatch::try_from_iter(columns)?)
}

/// The innermost cause of a connection error: "Connection refused", not "transport error".
fn source_of(error: &(dyn std::error::Error + 'static)) -> String {
    jaanch::error::sources(error)
        .last()
        .map_or_else(String::new, ToString::to_string)
}
