//! `jaanch serve`: a lake behind an Arrow Flight SQL server.
//!
//! The server is where the lake's access rules are enforced for real: analysts, notebooks and
//! BI tools reach the lake over Flight SQL (gRPC) and never touch its files or its storage
//! credentials. Every request is authenticated (`auth`: a login with HTTP Basic at the
//! Flight handshake, answered with a signed bearer token that expires) and runs in a
//! [`jaanch::Session`] of its user — the same one door as the shell and the Python bindings —
//! so the user's grants, row filters, masks, purpose and the audit log apply to it exactly as
//! they do locally; the audit records name the client's address.
//!
//! [`serve`] checks the [`ServeOptions`] before it listens: it listens on loopback unless told
//! otherwise, refuses a non-loopback address without TLS unless `insecure` is set, and refuses
//! a lake without an `[access]` config unless `single_user` is set. The lake config's
//! `[server]` sets the limits (queries per user and in all, statement timeout, memory per
//! query, result size, how long a stop waits). [`client`] is jaanch's own client of the server,
//! for its front ends.

mod auth;
pub mod client;
mod params;
mod queries;
mod service;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arrow_flight::flight_service_server::FlightServiceServer;
use jaanch::Lake;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::queries::Queries;

pub use auth::hash_password;

/// How to serve a lake.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (port 0: any free port, see [`Listening`]).
    pub listen: SocketAddr,
    /// A certificate chain and its private key (PEM files): serve over TLS.
    pub tls: Option<TlsFiles>,
    /// Serve a non-loopback address without TLS: passwords and data cross the network in clear.
    pub insecure: bool,
    /// Serve a lake without an `[access]` config: every client sees everything, unauthenticated.
    pub single_user: bool,
    /// How long a login's token is good for.
    pub token_lifetime: Duration,
}

/// The default port of `jaanch serve`.
pub const DEFAULT_PORT: u16 = 50051;

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            tls: None,
            insecure: false,
            single_user: false,
            token_lifetime: Duration::from_secs(8 * 60 * 60),
        }
    }
}

/// The PEM files of a TLS server.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Why the server cannot start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The options or the lake do not allow serving as asked.
    #[error("{0}")]
    Refused(String),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Where the server listens, once it does.
#[derive(Debug, Clone, Copy)]
pub struct Listening {
    pub addr: SocketAddr,
    pub tls: bool,
}

impl std::fmt::Display for Listening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "grpc+tls" } else { "grpc" };
        write!(f, "{scheme}://{}", self.addr)
    }
}

/// Checks what `options` ask of `lake` before anything listens.
fn check(lake: &Lake, options: &ServeOptions) -> Result<(), ServeError> {
    if lake.config().access.is_none() && !options.single_user {
        return Err(ServeError::Refused(format!(
            "lake {} has no [access] config: the server would show every table to every client without a login (add users and roles, see the README's \"Access control\", or give --single-user to serve it so deliberately)",
            lake.name()
        )));
    }
    if lake.config().access.is_some() && options.single_user {
        return Err(ServeError::Refused(format!(
            "lake {} has an [access] config: --single-user is for lakes without one",
            lake.name()
        )));
    }
    if !options.listen.ip().is_loopback() && options.tls.is_none() && !options.insecure {
        return Err(ServeError::Refused(format!(
            "{} is not a loopback address and the server has no TLS: passwords and rows would cross the network in clear (give --tls-cert and --tls-key, or --insecure on a network you trust)",
            options.listen
        )));
    }
    Ok(())
}

fn tls_config(files: &TlsFiles) -> Result<ServerTlsConfig, ServeError> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|source| ServeError::Read {
            path: path.clone(),
            source,
        })
    };
    let (cert, key) = (read(&files.cert)?, read(&files.key)?);
    if !cert.starts_with(b"-----BEGIN") {
        return Err(ServeError::Tls(format!(
            "{} is not a PEM certificate",
            files.cert.display()
        )));
    }
    Ok(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))
}

/// Makes ring, which the server and its client are built with, the process's TLS provider.
/// rustls picks a provider by itself only when one is compiled in, and deltalake's HTTP client
/// brings aws-lc-rs as well; without a choice, the first TLS handshake would fail.
pub fn install_crypto() {
    // An error means a provider is already installed, which is all that is needed.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Serves `lake` until `shutdown` completes; `ready` is told where the server listens once it
/// does. On shutdown new queries are refused, and running ones finish within the lake's
/// `server.shutdown_grace` or are stopped.
pub async fn serve(
    lake: Lake,
    options: ServeOptions,
    ready: impl FnOnce(Listening),
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    check(&lake, &options)?;
    let service = service::JaanchFlight::new(lake, &options)?;
    let queries = Arc::clone(&service.queries);
    let mut server = Server::builder();
    if let Some(files) = &options.tls {
        install_crypto();
        server = server
            .tls_config(tls_config(files)?)
            .map_err(|e| ServeError::Tls(e.to_string()))?;
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: options.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: options.listen,
        source,
    })?;
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    ready(Listening {
        addr,
        tls: options.tls.is_some(),
    });
    let (stopped, server_stopped) = tokio::sync::oneshot::channel();
    let shutdown = async move {
        shutdown.await;
        drain(&queries).await;
        let _ = stopped.send(());
    };
    let serving = server
        .add_service(FlightServiceServer::new(service))
        .serve_with_incoming_shutdown(incoming, shutdown);
    tokio::select! {
        served = serving => served?,
        // Queries are stopped by now; a client that keeps its connection open is not waited for.
        _ = async {
            let _ = server_stopped.await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        } => {}
    }
    Ok(())
}

/// On shutdown: no new queries; running ones may finish within `server.shutdown_grace`, then
/// are stopped (the audit log records them as cancelled).
async fn drain(queries: &Queries) {
    queries.close();
    let grace = queries.limits().shutdown_grace;
    let load = queries.load();
    if load.slots > 0 {
        eprintln!(
            "jaanch serve: stopping: {} queries may finish within {grace:?} (server.shutdown_grace)",
            load.slots
        );
    }
    let finished = async {
        while queries.load().slots > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(grace, finished).await.is_err() {
        eprintln!(
            "jaanch serve: stopping {} queries still running",
            queries.load().slots
        );
        queries.stop_all();
    }
}
