//! Running statements on an Apache DataFusion Ballista cluster.
//!
//! A session with a cluster plans every statement as it would locally — under the lake's
//! policy, with its tables pinned and traced — and then, if the statement reads lake tables
//! only, sends its optimised logical plan to the cluster's scheduler instead of running it
//! here. The plan is governed before it leaves (a governed table travels with its row filter
//! and masks, see [`codec`]), so a cluster shows no user more than this machine would.
//! Statements that read what only this machine has (the audit log, `information_schema`) or no
//! table at all run here.
//!
//! The scheduler and executors are jaanch processes too (`jaanch cluster scheduler`,
//! `jaanch cluster executor`): they register the police functions, the lake's object stores
//! and these codecs; [`scheduler_state`] and [`session_config`] give them what they need.

pub mod codec;

use std::fmt;
use std::sync::Arc;

use ballista_core::config::BallistaConfig;
use ballista_core::execution_plans::DistributedQueryExec;
use ballista_core::extension::SessionConfigExt;
use datafusion::common::DataFusionError;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::source_as_provider;
use datafusion::execution::TaskContext;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::LogicalPlanNode;
use futures::TryStreamExt;

pub use codec::{LogicalCodec, PhysicalCodec};

/// The port a scheduler listens on when none is given.
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// A cluster's scheduler, as `df://host:port` names it.
#[derive(Clone, PartialEq, Eq)]
pub struct Cluster {
    host: String,
    port: u16,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "df://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "df://{}:{}", self.host, self.port)
        }
    }
}

impl std::str::FromStr for Cluster {
    type Err = String;

    /// `df://host:port`, `df://host` (port 50050) or `host:port`.
    fn from_str(text: &str) -> Result<Cluster, String> {
        let text = text.trim();
        let hint = "give the scheduler as df://HOST:PORT, e.g. df://127.0.0.1:50050";
        let rest = match text.split_once("://") {
            Some(("df", rest)) => rest,
            Some((scheme, _)) => {
                return Err(format!(
                    "cluster {text:?}: unknown scheme {scheme}://; {hint}"
                ));
            }
            None => text,
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(':') => {
                let port = port.parse::<u16>().ok().filter(|&p| p > 0).ok_or_else(|| {
                    format!("cluster {text:?}: port {port:?} is not a port number; {hint}")
                })?;
                (host, port)
            }
            _ => (rest, DEFAULT_SCHEDULER_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!("cluster {text:?}: no host; {hint}"));
        }
        Ok(Cluster {
            host: host.to_string(),
            port,
        })
    }
}

impl Cluster {
    /// The scheduler's host name or address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The scheduler's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The scheduler's gRPC address, as Ballista's client takes it.
    fn endpoint(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// `plan` (optimised) as a plan run on the cluster, if it reads lake tables only; `None`
    /// if it must run here.
    pub(crate) fn distribute(
        &self,
        plan: &LogicalPlan,
        state: &SessionState,
    ) -> Option<Arc<dyn ExecutionPlan>> {
        if !runs_on_cluster(plan) {
            return None;
        }
        let config = state
            .config()
            .options()
            .extensions
            .get::<BallistaConfig>()
            .cloned()
            .unwrap_or_default();
        let remote = DistributedQueryExec::<LogicalPlanNode>::with_extension(
            self.endpoint(),
            config,
            plan.clone(),
            Arc::new(LogicalCodec::default()),
            state.session_id().to_string(),
        );
        Some(Arc::new(OnCluster {
            cluster: self.clone(),
            inner: Arc::new(remote),
        }))
    }

    /// What went wrong on the cluster, said in one line with what to do.
    fn error(&self, error: DataFusionError) -> DataFusionError {
        let text = crate::error::one_line(&error);
        let unreachable = [
            "Connection refused",
            "transport error",
            "dns error",
            "tcp connect error",
        ]
        .iter()
        .any(|sign| text.contains(sign));
        let said = if unreachable {
            format!(
                "cannot reach the cluster's scheduler {self}: start it (jaanch cluster scheduler), or run here with --cluster local"
            )
        } else if let Some(location) = unreachable_location(&text) {
            format!(
                "the cluster {self} cannot reach {location}: a table must be on S3-compatible storage or a path every executor sees, and the scheduler and every executor must be started with a lake config whose [store] reaches it"
            )
        } else if let Some(reason) = text.split_once(" failed: ").map(|(_, r)| r) {
            format!(
                "the cluster {self} could not run the statement: {}",
                reason.trim()
            )
        } else {
            format!("on the cluster {self}: {text}")
        };
        DataFusionError::Execution(said)
    }
}

/// The table location a process of the cluster could not reach, if `text` says so: it has no
/// object store for the location's URL, or the file is not where the plan says.
fn unreachable_location(text: &str) -> Option<String> {
    let word = |rest: &str| {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ',' || c == '"')
            .unwrap_or(rest.len());
        rest[..end].trim_end_matches('.').to_string()
    };
    if let Some((_, rest)) = text.split_once("No suitable object store found for ") {
        return Some(word(rest));
    }
    let (_, rest) = text.split_once("Object at location ")?;
    rest.contains("not found").then(|| word(rest))
}

/// A statement running on a cluster: Ballista's plan, with its errors said as jaanch says
/// them.
#[derive(Debug)]
struct OnCluster {
    cluster: Cluster,
    inner: Arc<dyn ExecutionPlan>,
}

impl DisplayAs for OnCluster {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OnCluster: {}", self.cluster)
    }
}

impl ExecutionPlan for OnCluster {
    fn name(&self) -> &'static str {
        "OnCluster"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.inner.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.inner]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
        let inner = children
            .into_iter()
            .next()
            .ok_or_else(|| DataFusionError::Internal("OnCluster has one child".into()))?;
        Ok(Arc::new(OnCluster {
            cluster: self.cluster.clone(),
            inner,
        }))
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> datafusion::common::Result<TreeNodeRecursion>,
    ) -> datafusion::common::Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> datafusion::common::Result<SendableRecordBatchStream> {
        let stream = self
            .inner
            .execute(partition, context)
            .map_err(|e| self.cluster.error(e))?;
        let cluster = self.cluster.clone();
        let schema = stream.schema();
        let stream = stream.map_err(move |e| cluster.error(e));
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

/// Whether a plan reads at least one table and every table it reads can be sent to a cluster.
fn runs_on_cluster(plan: &LogicalPlan) -> bool {
    if matches!(
        plan,
        LogicalPlan::Explain(_)
            | LogicalPlan::Analyze(_)
            | LogicalPlan::Dml(_)
            | LogicalPlan::Ddl(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::Statement(_)
            | LogicalPlan::DescribeTable(_)
    ) {
        return false;
    }
    let mut scans = 0;
    let mut travels = true;
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            scans += 1;
            travels &= source_as_provider(&scan.source)
                .map(|provider| codec::travels(provider.as_ref()))
                .unwrap_or(false);
        }
        Ok(if travels {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    scans > 0 && travels
}

/// Whether a session with these options plans for a cluster: the scheduler's sessions, and
/// a front end's with a cluster.
pub(crate) fn plans_for_cluster(options: &datafusion::config::ConfigOptions) -> bool {
    options.extensions.get::<BallistaConfig>().is_some()
}

/// A session config for a cluster: Ballista's settings (its defaults for DataFusion among
/// them: no round-robin repartitioning, no string views, which its shuffles cannot carry) and
/// jaanch's codecs.
pub fn session_config(config: SessionConfig) -> SessionConfig {
    config
        .upgrade_for_ballista()
        .with_ballista_adaptive_query_planner(false)
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(PhysicalCodec::default()))
}

/// The planning session of a scheduler: `config` as Ballista gives it, with jaanch's codecs,
/// the police functions, and `runtime`'s object stores.
pub fn scheduler_state(
    config: SessionConfig,
    runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
) -> SessionState {
    let mut builder = SessionStateBuilder::new()
        .with_config(session_config(config))
        .with_runtime_env(runtime)
        .with_default_features();
    builder
        .scalar_functions()
        .get_or_insert_with(Vec::new)
        .extend(jaanch_udfs::functions());
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedulers_are_named_as_ballista_names_them() {
        let parse = |s: &str| s.parse::<Cluster>().map(|c| c.to_string());
        assert_eq!(parse("df://10.0.0.5:50051").unwrap(), "df://10.0.0.5:50051");
        assert_eq!(parse("df://sched").unwrap(), "df://sched:50050");
        assert_eq!(parse("127.0.0.1:7000").unwrap(), "df://127.0.0.1:7000");
        assert_eq!(parse("df://[::1]:7000").unwrap(), "df://[::1]:7000");
        assert_eq!(
            "df://[::1]:7000".parse::<Cluster>().unwrap().endpoint(),
            "http://[::1]:7000"
        );
        for bad in [
            "http://x:1",
            "df://:1",
            "df://x:0",
            "df://x:99999",
            "df://x:port",
            "",
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains("df://HOST:PORT"), "{bad}: {error}");
        }
    }
}
