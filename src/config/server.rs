//! `[server]`: the limits of `jaanch serve`, so that one user or one query cannot take the
//! server from everyone else.
//!
//! ```toml
//! [server]
//! max_queries_per_user = 4      # running or waiting to be fetched, per user
//! max_queries = 64              # the same, all users together
//! statement_timeout = "15m"     # from planning to the last row sent
//! query_memory = "1GiB"         # each query's share of runtime.memory_limit; beyond it, spill
//! max_result_rows = 1000000     # a result longer than this is cut off with an error
//! max_result_bytes = "512MiB"
//! shutdown_grace = "30s"        # on SIGTERM, how long running queries may finish
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::{ConfigError, number_and_unit, parse_memory_size};

/// `[server]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub max_queries_per_user: Option<usize>,
    pub max_queries: Option<usize>,
    pub statement_timeout: Option<String>,
    pub query_memory: Option<String>,
    pub max_result_rows: Option<u64>,
    pub max_result_bytes: Option<String>,
    pub shutdown_grace: Option<String>,
}

/// The server's limits, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    pub max_queries_per_user: usize,
    pub max_queries: usize,
    pub statement_timeout: Duration,
    /// Memory one query may hold; `None`: only the lake's `runtime.memory_limit`.
    pub query_memory: Option<usize>,
    pub max_result_rows: Option<u64>,
    pub max_result_bytes: Option<u64>,
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_queries_per_user: 4,
            max_queries: 64,
            statement_timeout: Duration::from_secs(15 * 60),
            query_memory: None,
            max_result_rows: None,
            max_result_bytes: None,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl ServerConfig {
    /// The limits, the defaults where a key is absent.
    pub fn limits(&self) -> Result<ServerLimits, ConfigError> {
        let default = ServerLimits::default();
        let at_least_one = |key: &str, value: Option<usize>, default: usize| match value {
            Some(0) => Err(ConfigError::new(format!("server.{key} must be at least 1"))),
            Some(n) => Ok(n),
            None => Ok(default),
        };
        let size = |key: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|text| {
                    parse_memory_size(text)
                        .map_err(|m| ConfigError::new(format!("server.{key}: {m}")))
                })
                .transpose()
        };
        let duration = |key: &str, value: &Option<String>, default: Duration| match value {
            Some(text) => {
                parse_duration(text).map_err(|m| ConfigError::new(format!("server.{key}: {m}")))
            }
            None => Ok(default),
        };
        let limits = ServerLimits {
            max_queries_per_user: at_least_one(
                "max_queries_per_user",
                self.max_queries_per_user,
                default.max_queries_per_user,
            )?,
            max_queries: at_least_one("max_queries", self.max_queries, default.max_queries)?,
            statement_timeout: duration(
                "statement_timeout",
                &self.statement_timeout,
                default.statement_timeout,
            )?,
            query_memory: size("query_memory", &self.query_memory)?,
            max_result_rows: match self.max_result_rows {
                Some(0) => {
                    return Err(ConfigError::new(
                        "server.max_result_rows must be at least 1",
                    ));
                }
                rows => rows,
            },
            max_result_bytes: size("max_result_bytes", &self.max_result_bytes)?
                .map(|bytes| bytes as u64),
            shutdown_grace: duration(
                "shutdown_grace",
                &self.shutdown_grace,
                default.shutdown_grace,
            )?,
        };
        if limits.max_queries_per_user > limits.max_queries {
            return Err(ConfigError::new(format!(
                "server.max_queries_per_user ({}) is more than server.max_queries ({})",
                limits.max_queries_per_user, limits.max_queries
            )));
        }
        Ok(limits)
    }
}

/// `"90s"`, `"15m"`, `"2h"`, `"500ms"` or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let hint = "expected a duration such as \"30s\", \"15m\", \"2h\" or \"500ms\"";
    let (number, unit) =
        number_and_unit(text).ok_or_else(|| format!("bad duration {text:?}: {hint}"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("bad duration {text:?}: {hint}")),
    };
    if !(0.001..=1e9).contains(&seconds) {
        return Err(format!(
            "bad duration {text:?}: must be between 1 ms and 30 years"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration(" 2h "), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["", "ten minutes", "5 days", "0s", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_are_checked() {
        let config = |text: &str| toml::from_str::<ServerConfig>(text).unwrap().limits();
        assert_eq!(config("").unwrap(), ServerLimits::default());
        let limits = config(
            "max_queries_per_user = 2\nquery_memory = \"64MiB\"\nmax_result_bytes = \"1KiB\"\nstatement_timeout = \"2s\"",
        )
        .unwrap();
        assert_eq!(limits.max_queries_per_user, 2);
        assert_eq!(limits.query_memory, Some(64 << 20));
        assert_eq!(limits.max_result_bytes, Some(1024));
        assert_eq!(limits.statement_timeout, Duration::from_secs(2));
        let error = |text: &str| config(text).unwrap_err().to_string();
        assert_eq!(
            error("max_queries = 0"),
            "server.max_queries must be at least 1"
        );
        assert_eq!(
            error("max_queries = 2\nmax_queries_per_user = 3"),
            "server.max_queries_per_user (3) is more than server.max_queries (2)"
        );
        assert!(
            error("statement_timeout = \"soon\"")
                .starts_with("server.statement_timeout: bad duration \"soon\""),
        );
        assert!(
            error("query_memory = \"lots\"").starts_with("server.query_memory: bad memory size")
        );
    }
}
