//! `jaanch serve`: the lake behind a Flight SQL server (see the `jaanch-server` crate).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use jaanch::Lake;
use jaanch_server::{DEFAULT_PORT, ServeOptions, TlsFiles};

use crate::{CliError, Result, stop_signal};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed)
    #[arg(long, value_name = "ADDR", default_value_t = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))]
    listen: SocketAddr,
    /// TLS certificate chain (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve a non-loopback address without TLS (passwords and rows cross the network in clear)
    #[arg(long)]
    insecure: bool,
    /// Serve a lake without [access]: every client sees every table, without logging in
    #[arg(long)]
    single_user: bool,
    /// How long a login stays valid, in minutes
    #[arg(long, value_name = "MINUTES", default_value_t = 480)]
    token_minutes: u64,
}

/// Serves `lake` until Ctrl-C or SIGTERM.
pub fn run(lake: Lake, args: &ServeArgs, runtime: &tokio::runtime::Runtime) -> Result<()> {
    if args.token_minutes == 0 {
        return Err(CliError::Usage(
            "--token-minutes must be at least 1".to_string(),
        ));
    }
    let options = ServeOptions {
        listen: args.listen,
        tls: args
            .tls_cert
            .clone()
            .zip(args.tls_key.clone())
            .map(|(cert, key)| TlsFiles { cert, key }),
        insecure: args.insecure,
        single_user: args.single_user,
        token_lifetime: Duration::from_secs(args.token_minutes * 60),
    };
    let name = lake.name().to_string();
    let limits = lake.config().server.limits().map_err(jaanch::Error::from)?;
    let ready = move |listening: jaanch_server::Listening| {
        // One line on stdout, so that scripts and tests can wait for it and read the port.
        println!("jaanch serve: lake {name} on {listening}");
        let _ = std::io::stdout().flush();
        eprintln!("jaanch serve: {}", describe_limits(&limits));
    };
    runtime
        .block_on(async { jaanch_server::serve(lake, options, ready, stop_signal()).await })
        .map_err(|e| CliError::Server(e.to_string()))?;
    eprintln!("jaanch serve: stopped");
    Ok(())
}

/// The `[server]` limits in effect, in one line for the operator.
fn describe_limits(limits: &jaanch::config::ServerLimits) -> String {
    let or_none = |value: Option<String>| value.unwrap_or_else(|| "no".to_string());
    format!(
        "limits ([server]): {} queries per user, {} in all, timeout {:?}, {} memory per query, {} rows and {} bytes per result, {:?} to stop",
        limits.max_queries_per_user,
        limits.max_queries,
        limits.statement_timeout,
        or_none(limits.query_memory.map(|m| format!("{} MiB", m >> 20))),
        or_none(limits.max_result_rows.map(|r| r.to_string())),
        or_none(limits.max_result_bytes.map(|b| b.to_string())),
        limits.shutdown_grace,
    )
}
