//! `jaanch cluster scheduler` and `jaanch cluster executor`: the processes of a Ballista
//! cluster that know jaanch — the police functions, the lake's object stores (from its
//! config's `[store]`s) and the codecs for jaanch's tables and governed scan.
//!
//! Ballista has no authentication of its own: a scheduler runs any plan it is sent and an
//! executor serves its shuffle files to anyone who asks. So both listen on loopback unless
//! `--bind` or the config's `[cluster] bind` names another address, which must be a private
//! network that only `jaanch serve` (and the cluster's own processes) reach.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use jaanch::Lake;
use jaanch::cluster::{Cluster, DEFAULT_SCHEDULER_PORT, LogicalCodec, PhysicalCodec};

use crate::{CliError, Result};

#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ClusterCommand {
    /// Run a scheduler: it plans the statements front ends send and hands their tasks to
    /// executors
    Scheduler {
        /// The address to listen on [default: the config's [cluster] bind, else 127.0.0.1]
        #[arg(long, value_name = "ADDRESS")]
        bind: Option<IpAddr>,
        /// The port to listen on [default: the port of [cluster] scheduler, else 50050]
        #[arg(long)]
        port: Option<u16>,
    },
    /// Run an executor: it runs tasks for a scheduler and serves their results
    Executor {
        /// The scheduler to work for [default: the config's [cluster] scheduler]
        #[arg(long, value_name = "df://HOST:PORT")]
        scheduler: Option<String>,
        /// The address to listen on [default: the config's [cluster] bind, else 127.0.0.1]
        #[arg(long, value_name = "ADDRESS")]
        bind: Option<IpAddr>,
        /// The address the scheduler and front ends reach this executor at [default: the bind
        /// address; needed when binding to 0.0.0.0]
        #[arg(long, value_name = "HOST")]
        advertise: Option<String>,
        /// The port results are fetched from (Arrow Flight)
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// The port the scheduler reaches the executor on
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once [default: the config's [cluster] executor_slots, else the cores]
        #[arg(long)]
        slots: Option<usize>,
        /// Where shuffle files are written [default: a new temporary folder]
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
    },
}

pub fn run(lake: Lake, args: &ClusterArgs, runtime: &tokio::runtime::Runtime) -> Result<()> {
    let config = lake.config().cluster.clone();
    let bind_default = config.bind().map_err(jaanch::Error::from)?;
    let configured = config.scheduler().map_err(jaanch::Error::from)?;
    match &args.command {
        ClusterCommand::Scheduler { bind, port } => {
            let port = port
                .or(configured.as_ref().map(Cluster::port))
                .unwrap_or(DEFAULT_SCHEDULER_PORT);
            let address = SocketAddr::new(bind.unwrap_or(bind_default), port);
            runtime.block_on(scheduler(lake, address))
        }
        ClusterCommand::Executor {
            scheduler,
            bind,
            advertise,
            port,
            grpc_port,
            slots,
            work_dir,
        } => {
            let scheduler: Cluster = match scheduler {
                Some(text) => text.parse().map_err(CliError::Usage)?,
                None => configured.ok_or_else(|| {
                    CliError::Usage(
                        "no scheduler: give --scheduler df://HOST:PORT or set [cluster] scheduler in the lake config"
                            .to_string(),
                    )
                })?,
            };
            let bind = bind.unwrap_or(bind_default);
            let advertise = match advertise {
                Some(host) if !host.trim().is_empty() => host.trim().to_string(),
                Some(_) => {
                    return Err(CliError::Usage(
                        "--advertise: give a host name or address".into(),
                    ));
                }
                None if bind.is_unspecified() => {
                    return Err(CliError::Usage(format!(
                        "an executor bound to {bind} must say where the scheduler and front ends reach it: add --advertise HOST (its address on the cluster's network)"
                    )));
                }
                None => bind.to_string(),
            };
            // Ballista would make a temporary folder and delete it at once: this one lasts as
            // long as the executor.
            let temporary = match work_dir {
                Some(_) => None,
                None => Some(
                    tempfile::Builder::new()
                        .prefix("jaanch-executor-")
                        .tempdir()
                        .map_err(|e| {
                            CliError::Server(format!("cannot make the executor's work folder: {e}"))
                        })?,
                ),
            };
            let work_dir = work_dir
                .clone()
                .or_else(|| temporary.as_ref().map(|t| t.path().to_path_buf()));
            let slots = slots.or(config.executor_slots).unwrap_or(0);
            let config = ExecutorProcessConfig {
                bind_host: bind.to_string(),
                external_host: Some(advertise),
                port: *port,
                grpc_port: *grpc_port,
                scheduler_host: scheduler.host().to_string(),
                scheduler_port: scheduler.port(),
                vcores: slots,
                task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
                work_dir: work_dir.map(|d| d.display().to_string()),
                print_thread_info: false,
                ..executor_config(&lake)
            };
            eprintln!(
                "jaanch executor on {bind}:{port}, working for {scheduler} (lake {})",
                lake.name()
            );
            runtime
                .block_on(start_executor_process(Arc::new(config)))
                .map_err(|e| CliError::Server(format!("the executor stopped: {e}")))
        }
    }
}

/// The scheduler, listening on `address` until the process is stopped.
async fn scheduler(lake: Lake, address: SocketAddr) -> Result<()> {
    let runtime = lake.runtime();
    let mut config = SchedulerConfig {
        bind_host: address.ip().to_string(),
        external_host: address.ip().to_string(),
        bind_port: address.port(),
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        task_distribution: TaskDistributionPolicy::Bias,
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        // Executors that stop answering are given up after 30 s rather than 3 minutes.
        executor_timeout_seconds: 30,
        expire_dead_executor_interval_seconds: 5,
        ..SchedulerConfig::default()
    };
    config.override_session_builder = Some(Arc::new(move |session| {
        Ok(jaanch::cluster::scheduler_state(
            session,
            Arc::clone(&runtime),
        ))
    }));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| CliError::Server(format!("cannot start the scheduler: {e}")))?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config))
            .await
            .map_err(|e| CliError::Server(format!("cannot start the scheduler: {e}")))?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| CliError::Server(format!("cannot listen on {address}: {e}")))?;
    eprintln!(
        "jaanch scheduler on df://{address} (lake {}); stop it with Ctrl-C",
        lake.name()
    );
    tokio::select! {
        served = start_grpc_service_with_listener(listener, scheduler) => {
            served.map_err(|e| CliError::Server(format!("the scheduler stopped: {e}")))
        }
        () = crate::stop_signal() => Ok(()),
    }
}

/// What an executor needs of the lake: its object stores, the police functions, the codecs.
fn executor_config(lake: &Lake) -> ExecutorProcessConfig {
    let runtime = lake.runtime();
    let state = jaanch::cluster::scheduler_state(
        jaanch::cluster::session_config(datafusion::prelude::SessionConfig::new()),
        Arc::clone(&runtime),
    );
    ExecutorProcessConfig {
        override_function_registry: Some(Arc::new(BallistaFunctionRegistry::from(&state))),
        override_runtime_producer: Some(Arc::new(move |_| Ok(Arc::clone(&runtime)))),
        override_config_producer: Some(Arc::new(|| {
            jaanch::cluster::session_config(datafusion::prelude::SessionConfig::new())
        })),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    }
}
