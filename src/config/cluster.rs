//! `[cluster]`: the Ballista cluster a lake's statements run on, and where its processes listen.
//!
//! ```toml
//! [cluster]
//! scheduler = "df://10.0.0.5:50050"   # front ends send statements here (local when absent)
//! bind = "10.0.0.5"                   # `jaanch cluster scheduler|executor` listen here
//! executor_slots = 2                  # tasks an executor runs at once (default: its cores)
//! ```
//!
//! A scheduler runs any plan it is sent and Ballista has no authentication of its own, so
//! its processes listen on loopback unless told otherwise, and a governed deployment keeps
//! them on a private network that only `jaanch serve` reaches.

use std::net::IpAddr;

use serde::Deserialize;

use super::ConfigError;
use crate::cluster::Cluster;

/// `[cluster]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub scheduler: Option<String>,
    pub bind: Option<String>,
    pub executor_slots: Option<usize>,
}

impl ClusterConfig {
    /// The scheduler statements go to; `None` runs them in this process.
    pub fn scheduler(&self) -> Result<Option<Cluster>, ConfigError> {
        self.scheduler
            .as_deref()
            .map(|s| {
                s.parse()
                    .map_err(|e| ConfigError::new(format!("cluster.scheduler: {e}")))
            })
            .transpose()
    }

    /// The address cluster processes listen on: loopback unless the config says otherwise.
    pub fn bind(&self) -> Result<IpAddr, ConfigError> {
        match &self.bind {
            None => Ok(IpAddr::from([127, 0, 0, 1])),
            Some(text) => text.trim().parse().map_err(|_| {
                ConfigError::new(format!(
                    "cluster.bind: {text:?} is not an IP address; give the private address the cluster's machines share, e.g. \"10.0.0.5\""
                ))
            }),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.scheduler()?;
        self.bind()?;
        if self.executor_slots == Some(0) {
            return Err(ConfigError::new(
                "cluster.executor_slots must be at least 1",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::LakeConfig;

    fn error(text: &str) -> String {
        LakeConfig::parse(text, Path::new("/"), |_| None)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_cluster_section_is_checked() {
        let config = LakeConfig::parse(
            "[cluster]\nscheduler = \"df://10.0.0.5\"\nbind = \"10.0.0.5\"\nexecutor_slots = 4\n",
            Path::new("/"),
            |_| None,
        )
        .unwrap();
        assert_eq!(
            config.cluster.scheduler().unwrap().unwrap().to_string(),
            "df://10.0.0.5:50050"
        );
        assert_eq!(config.cluster.bind().unwrap().to_string(), "10.0.0.5");
        // Loopback unless told otherwise.
        let plain = LakeConfig::parse("", Path::new("/"), |_| None).unwrap();
        assert_eq!(plain.cluster.bind().unwrap().to_string(), "127.0.0.1");
        assert!(plain.cluster.scheduler().unwrap().is_none());

        let bad = error("[cluster]\nscheduler = \"http://10.0.0.5:50050\"\n");
        assert!(
            bad.contains("cluster.scheduler") && bad.contains("df://HOST:PORT"),
            "{bad}"
        );
        let bad = error("[cluster]\nbind = \"0.0.0.0.0\"\n");
        assert!(
            bad.contains("cluster.bind") && bad.contains("not an IP address"),
            "{bad}"
        );
        let bad = error("[cluster]\nexecutor_slots = 0\n");
        assert!(
            bad.contains("cluster.executor_slots must be at least 1"),
            "{bad}"
        );
        let bad = error("[cluster]\nschedular = \"df://x\"\n");
        assert!(bad.contains("schedular"), "{bad}");
    }
}
