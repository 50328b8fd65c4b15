//! The Flight SQL service: each request authenticated, then run in its user's session.
//!
//! A statement is planned (and checked against the user's rules, and audited if refused) when
//! the client asks for its `FlightInfo`; its result waits under a random handle, which only
//! its user can redeem, until the client fetches it with `DoGet` ([`crate::queries`] keeps the
//! `[server]` limits and cancels). A result not fetched within five minutes is dropped, and the
//! audit log records it as cancelled. A prepared statement keeps its text and the values last
//! bound to it ([`crate::params`]); each execution plans the text again with the values, in
//! the user's session, so the rules are checked every time. Saved reports are statements too
//! (`CALL report(...)`, see `jaanch::Session`). Metadata requests (catalogs, schemas, tables)
//! answer from the user's session, so they list only the tables the user is granted, with their
//! columns as the user sees them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::ipc::writer::IpcWriteOptions;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::FlightService;
use arrow_flight::sql::metadata::{
    SqlInfoData, SqlInfoDataBuilder, XdbcTypeInfo, XdbcTypeInfoData, XdbcTypeInfoDataBuilder,
};
use arrow_flight::sql::server::{FlightSqlService, PeekableFlightDataStream};
use arrow_flight::sql::{
    ActionCancelQueryRequest, ActionCancelQueryResult, ActionClosePreparedStatementRequest,
    ActionCreatePreparedStatementRequest, ActionCreatePreparedStatementResult, Any,
    CommandGetCatalogs, CommandGetDbSchemas, CommandGetPrimaryKeys, CommandGetSqlInfo,
    CommandGetTableTypes, CommandGetTables, CommandGetXdbcTypeInfo, CommandPreparedStatementQuery,
    CommandStatementQuery, DoPutPreparedStatementResult, Nullable, ProstMessageExt, Searchable,
    SqlInfo, SqlSupportedTransaction, TicketStatementQuery, XdbcDataType,
};
use arrow_flight::{
    Action, CancelFlightInfoRequest, CancelFlightInfoResult, CancelStatus, FlightDescriptor,
    FlightEndpoint, FlightInfo, HandshakeRequest, HandshakeResponse, IpcMessage, SchemaAsIpc,
    Ticket,
};
use futures::{Stream, TryStreamExt};
use jaanch::{Error, Identity, Lake, Params, Session};
use parking_lot::Mutex;
use prost::Message;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status, Streaming};

use crate::auth::{self, Throttle, Tokens};
use crate::params;
use crate::queries::{self, Handle, Queries};
use crate::{ServeError, ServeOptions};

/// Flight's action to cancel a query by its FlightInfo.
const CANCEL_FLIGHT_INFO: &str = "CancelFlightInfo";
/// The server's load: queries running and waiting, memory held (JSON).
pub(crate) const STATUS: &str = "jaanch.status";
/// The request header a client states its purpose in (ASCII); `-bin` for any text.
const PURPOSE: &str = "x-jaanch-purpose";
const PURPOSE_BIN: &str = "x-jaanch-purpose-bin";
/// The request header naming the moment (or version) Delta tables are read as of; `latest`
/// or no header reads their latest versions.
pub(crate) const AS_OF: &str = "x-jaanch-as-of";
/// The user of a single-user server's requests when they name none.
const ANONYMOUS: &str = "anonymous";

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

pub(crate) struct JaanchFlight {
    lake: Lake,
    tokens: Tokens,
    throttle: Throttle,
    /// Checked instead of a real hash for unknown users, so they take as long to refuse.
    decoy: Arc<str>,
    single_user: bool,
    pub(crate) queries: Arc<Queries>,
    prepared: Mutex<HashMap<Handle, PreparedStatement>>,
    sql_info: SqlInfoData,
    type_info: XdbcTypeInfoData,
}

/// A statement a client prepared, and the values it bound to its placeholders.
struct PreparedStatement {
    user: String,
    sql: String,
    parameters: Vec<Field>,
    values: Option<Params>,
    used: Instant,
}

/// How long a prepared statement lives unused, and how many one user may keep.
const PREPARED_IDLE: Duration = Duration::from_secs(60 * 60);
const PREPARED_PER_USER: usize = 256;

/// Who a request is from.
struct Caller {
    user: String,
    address: Option<SocketAddr>,
    purpose: Option<String>,
    as_of: Option<jaanch::delta::Pin>,
}

impl JaanchFlight {
    pub(crate) fn new(lake: Lake, options: &ServeOptions) -> Result<JaanchFlight, ServeError> {
        let limits = lake
            .config()
            .server
            .limits()
            .map_err(|e| ServeError::Refused(e.to_string()))?;
        Ok(JaanchFlight {
            lake,
            tokens: Tokens::new(options.token_lifetime).map_err(ServeError::Refused)?,
            throttle: Throttle::default(),
            decoy: auth::decoy_hash().into(),
            single_user: options.single_user,
            queries: Queries::new(limits),
            prepared: Mutex::default(),
            sql_info: sql_info().map_err(|e| ServeError::Refused(e.to_string()))?,
            type_info: type_info().map_err(|e| ServeError::Refused(e.to_string()))?,
        })
    }

    /// The authenticated caller of a request: the user its bearer token names.
    fn caller<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let metadata = request.metadata();
        let purpose = metadata
            .get_bin(PURPOSE_BIN)
            .and_then(|v| v.to_bytes().ok())
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .or_else(|| {
                metadata
                    .get(PURPOSE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            });
        let as_of = match metadata.get(AS_OF).map(|v| v.to_str()) {
            None => None,
            Some(Ok(text)) if text.trim().eq_ignore_ascii_case("latest") => None,
            Some(Ok(text)) => Some(jaanch::delta::Pin::parse(text).map_err(|problem| {
                Status::invalid_argument(format!("header {AS_OF}: {problem}"))
            })?),
            Some(Err(_)) => {
                return Err(Status::invalid_argument(format!(
                    "header {AS_OF}: not ASCII text"
                )));
            }
        };
        let token = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let user = match (token, self.single_user) {
            (Some(token), _) => self.tokens.check(token.trim()).map_err(|e| {
                Status::unauthenticated(format!(
                    "{e}: log in again (handshake with user name and password)"
                ))
            })?,
            (None, true) => ANONYMOUS.to_string(),
            (None, false) => {
                return Err(Status::unauthenticated(
                    "no bearer token: log in first (Flight handshake with HTTP Basic user name and password)",
                ));
            }
        };
        Ok(Caller {
            user,
            address: request.remote_addr(),
            purpose,
            as_of,
        })
    }

    /// The caller's session: the same door as every front end, so its rules apply.
    fn session(&self, caller: &Caller) -> Result<Session, Status> {
        let mut identity = identity(&caller.user, caller.address);
        if let Some(purpose) = &caller.purpose {
            identity = identity.with_purpose(purpose);
        }
        let session = match self.queries.limits().query_memory {
            Some(memory) => self.lake.session_with_memory(identity, memory),
            None => self.lake.session(identity),
        }
        .map_err(status)?;
        session.set_as_of(caller.as_of);
        Ok(session)
    }

    /// Plans `sql` (with `values` for its placeholders) in the caller's session, within the
    /// limits, and answers where its rows wait.
    async fn start(
        &self,
        caller: &Caller,
        sql: &str,
        values: Option<Params>,
        descriptor: FlightDescriptor,
    ) -> Result<Response<FlightInfo>, Status> {
        let slot = self.queries.admit(&caller.user)?;
        let session = self.session(caller)?;
        let planning = async {
            match values {
                Some(values) => session.sql_with_params(sql, values).await,
                None => session.sql(sql).await,
            }
        };
        let timeout = self.queries.limits().statement_timeout;
        let result = match tokio::time::timeout(timeout, planning).await {
            Ok(result) => result.map_err(status)?,
            Err(_) => {
                return Err(Status::deadline_exceeded(format!(
                    "planning the query took longer than server.statement_timeout ({timeout:?})"
                )));
            }
        };
        let schema = result.schema();
        let handle = self.queries.park(slot, result)?;
        let ticket = TicketStatementQuery {
            statement_handle: handle.into(),
        };
        self.info_for(ticket, &schema, descriptor)
    }

    /// Cancels the caller's query whose ticket is in `info`. A query that is not the caller's
    /// is answered as one that does not exist.
    fn cancel(&self, caller: &Caller, info: &FlightInfo) -> Result<(), Status> {
        let mut cancelled = false;
        for endpoint in &info.endpoint {
            let Some(ticket) = &endpoint.ticket else {
                continue;
            };
            let handle = Any::decode(ticket.ticket.clone())
                .ok()
                .and_then(|any| any.unpack::<TicketStatementQuery>().ok().flatten());
            if let Some(handle) = handle {
                cancelled |= self.queries.cancel(&handle.statement_handle, &caller.user);
            }
        }
        match cancelled {
            true => Ok(()),
            false => Err(Status::not_found(
                "no query of yours has this ticket: it finished, was cancelled, or never existed",
            )),
        }
    }

    /// The caller's prepared statement under `handle`, touched as used.
    fn prepared<T>(
        &self,
        handle: &[u8],
        caller: &Caller,
        with: impl FnOnce(&mut PreparedStatement) -> T,
    ) -> Result<T, Status> {
        let mut prepared = self.prepared.lock();
        match prepared.get_mut(handle) {
            Some(statement) if statement.user == caller.user => {
                statement.used = Instant::now();
                Ok(with(statement))
            }
            _ => Err(Status::not_found(
                "no prepared statement has this handle: it was closed, expired unused, or never existed",
            )),
        }
    }

    async fn login(
        &self,
        user: &str,
        password: String,
        address: Option<SocketAddr>,
    ) -> Result<(), Status> {
        let ip = address.map(|a| a.ip());
        if let Some(wait) = self.throttle.wait(user, ip) {
            return Err(Status::resource_exhausted(format!(
                "too many failed logins for this user or from this address: try again in {} s",
                wait.as_secs() + 1
            )));
        }
        let access = self.lake.config().access.as_ref();
        let hash = access
            .and_then(|a| a.config().user(user))
            .and_then(|u| u.password.as_ref())
            .map(|p| p.get_ref().clone());
        let decoy = Arc::clone(&self.decoy);
        let known = hash.is_some();
        let matches = tokio::task::spawn_blocking(move || {
            auth::password_matches(&password, hash.as_deref().unwrap_or(&decoy))
        })
        .await
        .map_err(|e| Status::internal(format!("the password check failed: {e}")))?;
        if known && matches {
            self.throttle.succeeded(user, ip);
            return Ok(());
        }
        self.throttle.failed(user, ip);
        self.lake
            .record_refused_session(
                &identity(user, address),
                "login failed: wrong user name or password",
            )
            .map_err(status)?;
        Err(Status::unauthenticated("wrong user name or password"))
    }

    /// A FlightInfo whose one endpoint's ticket is `command` (a metadata request itself, or a
    /// query's handle).
    fn info_for(
        &self,
        command: impl ProstMessageExt,
        schema: &Schema,
        descriptor: FlightDescriptor,
    ) -> Result<Response<FlightInfo>, Status> {
        let ticket = Ticket::new(command.as_any().encode_to_vec());
        let info = FlightInfo::new()
            .try_with_schema(schema)
            .map_err(|e| Status::internal(e.to_string()))?
            .with_endpoint(FlightEndpoint::new().with_ticket(ticket))
            .with_descriptor(descriptor);
        Ok(Response::new(info))
    }
}

/// `user` as the audit log names a client of the server: `server 10.0.0.5:51234`.
fn identity(user: &str, address: Option<SocketAddr>) -> Identity {
    let client = match address {
        Some(address) => format!("server {address}"),
        None => "server".to_string(),
    };
    Identity::new(user).with_client(client)
}

/// The gRPC status of an engine error: the message is the one the shell would print.
pub(crate) fn status(error: Error) -> Status {
    let message = error.to_string();
    match error {
        Error::AccessDenied(_) | Error::Refused { .. } => Status::permission_denied(message),
        Error::UnknownTable { .. }
        | Error::UnknownColumn { .. }
        | Error::Syntax { .. }
        | Error::NotOneStatement { .. }
        | Error::Param(_)
        | Error::Report(_) => Status::invalid_argument(message),
        Error::Query(ref e) if is_resources(e) => Status::resource_exhausted(message),
        Error::Query(_) => Status::invalid_argument(message),
        Error::Cancelled => Status::cancelled(message),
        Error::Audit(_) => Status::unavailable(message),
        // A version or moment the table does not have: the client's mistake, and the message
        // names no location.
        Error::Table(jaanch::error::TableError {
            problem: jaanch::error::TableProblem::NoVersion(_),
            ..
        }) => Status::invalid_argument(message),
        // Where the lake's files are is the server's business, not its clients'.
        Error::Table(_) | Error::Io { .. } | Error::Output { .. } | Error::Config(_) => {
            eprintln!("jaanch serve: {message}");
            Status::internal("the server cannot read the lake's data (its log says why)")
        }
    }
}

fn is_resources(error: &datafusion::error::DataFusionError) -> bool {
    matches!(
        error.find_root(),
        datafusion::error::DataFusionError::ResourcesExhausted(_)
    )
}

/// A stream of record batches as Flight data.
fn flight_stream(
    schema: SchemaRef,
    batches: impl Stream<Item = Result<RecordBatch, FlightError>> + Send + 'static,
) -> BoxStream<arrow_flight::FlightData> {
    Box::pin(
        FlightDataEncoderBuilder::new()
            .with_schema(schema)
            .build(batches)
            .map_err(Status::from),
    )
}

/// One batch as a Flight stream.
fn one_batch(batch: Result<RecordBatch, FlightError>) -> BoxStream<arrow_flight::FlightData> {
    match batch {
        Ok(batch) => flight_stream(batch.schema(), futures::stream::once(async { Ok(batch) })),
        Err(e) => Box::pin(futures::stream::once(async move { Err(Status::from(e)) })),
    }
}

/// `schema.table` split; tables registered without a schema are in the default one.
fn split_name(name: &str) -> (&str, &str) {
    name.split_once('.')
        .unwrap_or((jaanch::DEFAULT_SCHEMA, name))
}

#[tonic::async_trait]
impl FlightSqlService for JaanchFlight {
    type FlightService = JaanchFlight;

    async fn do_handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<Response<BoxStream<HandshakeResponse>>, Status> {
        let address = request.remote_addr();
        let header = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let user = match (header.map(auth::parse_basic), self.single_user) {
            (Some(Some((user, password))), false) => {
                self.login(&user, password, address).await?;
                user
            }
            (Some(Some((user, _))), true) if !user.is_empty() => user,
            (None, true) => ANONYMOUS.to_string(),
            (Some(None), _) => {
                return Err(Status::invalid_argument(
                    "the authorization header is not HTTP Basic (Basic base64(user:password))",
                ));
            }
            _ => {
                return Err(Status::unauthenticated(
                    "log in with a user name and password (HTTP Basic at the handshake)",
                ));
            }
        };
        let token = self.tokens.issue(&user);
        let bearer = MetadataValue::try_from(format!("Bearer {token}"))
            .map_err(|e| Status::internal(e.to_string()))?;
        let answer = HandshakeResponse {
            protocol_version: 0,
            payload: token.into_bytes().into(),
        };
        let mut response: Response<BoxStream<HandshakeResponse>> =
            Response::new(Box::pin(futures::stream::iter([Ok(answer)])));
        response.metadata_mut().insert("authorization", bearer);
        Ok(response)
    }

    async fn get_flight_info_statement(
        &self,
        query: CommandStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let caller = self.caller(&request)?;
        self.start(&caller, &query.query, None, request.into_inner())
            .await
    }

    async fn do_get_statement(
        &self,
        ticket: TicketStatementQuery,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        let caller = self.caller(&request)?;
        let (result, slot, stopped) = self.queries.start(&ticket.statement_handle, &caller.user)?;
        let rows = result.stream().map_err(status)?;
        let schema = rows.schema();
        // Dropping the stream (a client that goes away) stops the query.
        let batches = queries::guarded(rows, slot, stopped);
        Ok(Response::new(flight_stream(schema, batches)))
    }

    async fn do_action_create_prepared_statement(
        &self,
        query: ActionCreatePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<ActionCreatePreparedStatementResult, Status> {
        let caller = self.caller(&request)?;
        let session = self.session(&caller)?;
        let prepared = session.prepare(&query.query).await.map_err(status)?;
        let schema_bytes = |schema: &Schema| -> Result<bytes::Bytes, Status> {
            let IpcMessage(bytes) = SchemaAsIpc::new(schema, &IpcWriteOptions::default())
                .try_into()
                .map_err(|e: ArrowError| Status::internal(e.to_string()))?;
            Ok(bytes)
        };
        let parameters = Schema::new(
            prepared
                .parameters
                .iter()
                .map(|p| p.clone().with_data_type(params::advertised(p.data_type())))
                .collect::<Vec<_>>(),
        );
        let answer = ActionCreatePreparedStatementResult {
            prepared_statement_handle: Default::default(),
            dataset_schema: schema_bytes(&prepared.schema)?,
            parameter_schema: schema_bytes(&parameters)?,
        };
        let handle = queries::random_handle()?;
        let mut statements = self.prepared.lock();
        statements.retain(|_, statement| statement.used.elapsed() < PREPARED_IDLE);
        let mine = statements
            .values()
            .filter(|s| s.user == caller.user)
            .count();
        if mine >= PREPARED_PER_USER {
            return Err(Status::resource_exhausted(format!(
                "{} keeps {mine} prepared statements open: close some first",
                caller.user
            )));
        }
        statements.insert(
            handle.clone(),
            PreparedStatement {
                user: caller.user,
                sql: query.query,
                parameters: prepared.parameters,
                values: None,
                used: Instant::now(),
            },
        );
        Ok(ActionCreatePreparedStatementResult {
            prepared_statement_handle: handle.into(),
            ..answer
        })
    }

    async fn do_put_prepared_statement_query(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<DoPutPreparedStatementResult, Status> {
        let caller = self.caller(&request)?;
        let parameters = self.prepared(&query.prepared_statement_handle, &caller, |s| {
            s.parameters.clone()
        })?;
        let batches = params::read(request.into_inner()).await?;
        let values = params::bind(&parameters, &batches)?;
        self.prepared(&query.prepared_statement_handle, &caller, |s| {
            s.values = Some(values);
        })?;
        Ok(DoPutPreparedStatementResult {
            prepared_statement_handle: Some(query.prepared_statement_handle),
        })
    }

    async fn get_flight_info_prepared_statement(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let caller = self.caller(&request)?;
        let (sql, parameters, values) =
            self.prepared(&query.prepared_statement_handle, &caller, |s| {
                (s.sql.clone(), s.parameters.len(), s.values.clone())
            })?;
        let values = match (values, parameters) {
            (Some(values), _) => Some(values),
            (None, 0) => None,
            (None, n) => {
                return Err(Status::invalid_argument(format!(
                    "the prepared statement takes {n} parameter values: bind them first"
                )));
            }
        };
        self.start(&caller, &sql, values, request.into_inner())
            .await
    }

    async fn do_action_close_prepared_statement(
        &self,
        query: ActionClosePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<(), Status> {
        let caller = self.caller(&request)?;
        self.prepared(&query.prepared_statement_handle, &caller, |_| ())?;
        self.prepared
            .lock()
            .remove(query.prepared_statement_handle.as_ref());
        Ok(())
    }

    /// Flight SQL's own cancel (deprecated in favour of Flight's CancelFlightInfo, below).
    async fn do_action_cancel_query(
        &self,
        query: ActionCancelQueryRequest,
        request: Request<Action>,
    ) -> Result<ActionCancelQueryResult, Status> {
        let caller = self.caller(&request)?;
        let info = FlightInfo::decode(query.info)
            .map_err(|e| Status::invalid_argument(format!("not a FlightInfo: {e}")))?;
        self.cancel(&caller, &info)?;
        // The same numbers as CancelStatus: 1 is CANCEL_RESULT_CANCELLED.
        Ok(ActionCancelQueryResult {
            result: CancelStatus::Cancelled as i32,
        })
    }

    /// Flight's `CancelFlightInfo`, and `jaanch.status` (the server's load, for its operators).
    async fn do_action_fallback(
        &self,
        request: Request<Action>,
    ) -> Result<Response<<Self as FlightService>::DoActionStream>, Status> {
        let caller = self.caller(&request)?;
        let action = request.into_inner();
        let body = match action.r#type.as_str() {
            CANCEL_FLIGHT_INFO => {
                let request = CancelFlightInfoRequest::decode(action.body).map_err(|e| {
                    Status::invalid_argument(format!("not a CancelFlightInfoRequest: {e}"))
                })?;
                let info = request.info.ok_or_else(|| {
                    Status::invalid_argument("CancelFlightInfoRequest without a FlightInfo")
                })?;
                self.cancel(&caller, &info)?;
                CancelFlightInfoResult::new(CancelStatus::Cancelled).encode_to_vec()
            }
            STATUS => {
                let load = self.queries.load();
                format!(
                    "{{\"running\": {}, \"waiting\": {}, \"slots\": {}, \"memory_reserved\": {}}}",
                    load.running,
                    load.waiting,
                    load.slots,
                    self.lake.memory_reserved()
                )
                .into_bytes()
            }
            other => {
                return Err(Status::invalid_argument(format!(
                    "unknown action {other:?}: this server takes the Flight SQL actions, {CANCEL_FLIGHT_INFO} and {STATUS}"
                )));
            }
        };
        let result = arrow_flight::Result { body: body.into() };
        Ok(Response::new(Box::pin(futures::stream::iter([Ok(result)]))))
    }

    async fn get_flight_info_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.into_builder().schema();
        self.info_for(query, &schema, request.into_inner())
    }

    async fn do_get_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        self.caller(&request)?;
        let mut builder = query.into_builder();
        builder.append(jaanch::CATALOG);
        Ok(Response::new(one_batch(builder.build())))
    }

    async fn get_flight_info_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.clone().into_builder().schema();
        self.info_for(query, &schema, request.into_inner())
    }

    async fn do_get_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        let caller = self.caller(&request)?;
        let session = self.session(&caller)?;
        let mut schemas: Vec<String> = session
            .tables()
            .iter()
            .map(|t| split_name(&t.name).0.to_string())
            .collect();
        schemas.sort();
        schemas.dedup();
        let mut builder = query.into_builder();
        for schema in &schemas {
            builder.append(jaanch::CATALOG, schema);
        }
        Ok(Response::new(one_batch(builder.build())))
    }

    async fn get_flight_info_tables(
        &self,
        query: CommandGetTables,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.clone().into_builder().schema();
        self.info_for(query, &schema, request.into_inner())
    }

    async fn do_get_tables(
        &self,
        query: CommandGetTables,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        let caller = self.caller(&request)?;
        let session = self.session(&caller)?;
        let include_schema = query.include_schema;
        let mut builder = query.into_builder();
        let empty = Schema::empty();
        for table in session.tables() {
            let (schema_name, table_name) = split_name(&table.name);
            let columns = match include_schema {
                true => session.table_schema(&table).await.map_err(status)?,
                false => Arc::new(empty.clone()),
            };
            builder
                .append(jaanch::CATALOG, schema_name, table_name, "TABLE", &columns)
                .map_err(Status::from)?;
        }
        Ok(Response::new(one_batch(builder.build())))
    }

    async fn get_flight_info_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.into_builder().schema();
        self.info_for(query, &schema, request.into_inner())
    }

    async fn do_get_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        self.caller(&request)?;
        let mut builder = query.into_builder();
        builder.append("TABLE");
        Ok(Response::new(one_batch(builder.build())))
    }

    async fn get_flight_info_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.clone().into_builder(&self.sql_info).schema();
        self.info_for(query, &schema, request.into_inner())
    }

    async fn do_get_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        self.caller(&request)?;
        Ok(Response::new(one_batch(
            query.into_builder(&self.sql_info).build(),
        )))
    }

    async fn get_flight_info_xdbc_type_info(
        &self,
        query: CommandGetXdbcTypeInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.into_builder(&self.type_info).schema();
        self.info_for(query, &schema, request.into_inner())
    }

    async fn do_get_xdbc_type_info(
        &self,
        query: CommandGetXdbcTypeInfo,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        self.caller(&request)?;
        Ok(Response::new(one_batch(
            query.into_builder(&self.type_info).build(),
        )))
    }

    async fn get_flight_info_primary_keys(
        &self,
        query: CommandGetPrimaryKeys,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        self.info_for(query, &primary_keys_schema(), request.into_inner())
    }

    /// Lake tables declare no primary keys: always empty.
    async fn do_get_primary_keys(
        &self,
        _query: CommandGetPrimaryKeys,
        request: Request<Ticket>,
    ) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
        self.caller(&request)?;
        let schema = Arc::new(primary_keys_schema());
        let batch = RecordBatch::new_empty(schema);
        Ok(Response::new(one_batch(Ok(batch))))
    }

    async fn register_sql_info(&self, _id: i32, _result: &SqlInfo) {}
}

/// The columns of a GetPrimaryKeys answer, as Flight SQL defines them.
fn primary_keys_schema() -> Schema {
    Schema::new(vec![
        Field::new("catalog_name", DataType::Utf8, true),
        Field::new("db_schema_name", DataType::Utf8, true),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("column_name", DataType::Utf8, false),
        Field::new("key_name", DataType::Utf8, true),
        Field::new("key_sequence", DataType::Int32, false),
    ])
}

/// What the server tells clients about itself.
fn sql_info() -> Result<SqlInfoData, FlightError> {
    let mut builder = SqlInfoDataBuilder::new();
    builder.append(SqlInfo::FlightSqlServerName, "jaanch");
    builder.append(SqlInfo::FlightSqlServerVersion, env!("CARGO_PKG_VERSION"));
    builder.append(SqlInfo::FlightSqlServerArrowVersion, "59");
    builder.append(SqlInfo::FlightSqlServerReadOnly, true);
    builder.append(SqlInfo::FlightSqlServerSql, true);
    builder.append(SqlInfo::FlightSqlServerSubstrait, false);
    builder.append(
        SqlInfo::FlightSqlServerTransaction,
        SqlSupportedTransaction::None as i32,
    );
    builder.append(SqlInfo::FlightSqlServerCancel, true);
    builder.append(SqlInfo::SqlIdentifierQuoteChar, "\"");
    builder.build()
}

/// The SQL types a query can use, for JDBC / ODBC clients.
fn type_info() -> Result<XdbcTypeInfoData, FlightError> {
    let mut builder = XdbcTypeInfoDataBuilder::new();
    let types = [
        ("VARCHAR", XdbcDataType::XdbcVarchar, Some("'"), true),
        ("BOOLEAN", XdbcDataType::XdbcBit, None, false),
        ("INTEGER", XdbcDataType::XdbcInteger, None, false),
        ("BIGINT", XdbcDataType::XdbcBigint, None, false),
        ("DOUBLE", XdbcDataType::XdbcDouble, None, false),
        ("DECIMAL", XdbcDataType::XdbcDecimal, None, false),
        ("DATE", XdbcDataType::XdbcDate, Some("DATE '"), false),
        (
            "TIMESTAMP",
            XdbcDataType::XdbcTimestamp,
            Some("TIMESTAMP '"),
            false,
        ),
    ];
    for (name, data_type, prefix, case_sensitive) in types {
        builder.append(XdbcTypeInfo {
            type_name: name.to_string(),
            data_type,
            column_size: None,
            literal_prefix: prefix.map(str::to_string),
            literal_suffix: prefix.map(|_| "'".to_string()),
            create_params: None,
            nullable: Nullable::NullabilityNullable,
            case_sensitive,
            searchable: Searchable::Full,
            unsigned_attribute: None,
            fixed_prec_scale: false,
            auto_increment: None,
            local_type_name: Some(name.to_string()),
            minimum_scale: None,
            maximum_scale: None,
            sql_data_type: data_type,
            datetime_subcode: None,
            num_prec_radix: None,
            interval_precision: None,
        });
    }
    builder.build()
}
