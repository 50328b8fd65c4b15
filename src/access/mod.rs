//! Governed access: who may see which tables, which of their rows, and which values only masked.
//!
//! A lake whose config has an `[access]` part ([`AccessConfig`]) is governed: every session is
//! opened for a user of the config, and sees the lake through the user's role ([`Grant`]):
//! - tables outside the role's grants do not exist for the session (its catalog has only the
//!   granted ones, so `information_schema`, `\dt`, completion, DESCRIBE and the "did you mean"
//!   of errors never name them);
//! - a table with a row filter or masks is read through `GovernedTable` (governed.rs): its rows
//!   are filtered and its masked columns replaced inside an opaque scan, before any other part
//!   of a query sees a row, so that predicates, joins, grouping and ordering see masked values
//!   only and nothing of the query runs on a hidden row;
//! - statements that write or could read around the policy are refused (`policy.rs`).

mod config;
mod governed;

use std::path::PathBuf;
use std::sync::Arc;

pub use config::{AccessConfig, RoleConfig, UserConfig, attribute_references, glob};
pub(crate) use governed::{GovernedExec, GovernedTable, unqualified};

use crate::config::ConfigError;

/// The access config of a lake, with where it came from (for errors naming a line).
#[derive(Debug, Clone)]
pub struct Access {
    config: AccessConfig,
    source: Arc<Source>,
}

/// The text an access config was read from.
#[derive(Debug)]
struct Source {
    file: Option<PathBuf>,
    text: String,
}

impl Source {
    /// An error at a byte span of the text.
    fn error(&self, span: std::ops::Range<usize>, message: String) -> ConfigError {
        let (line, column) = crate::config::position_of(&self.text, span.start);
        ConfigError {
            file: self.file.clone(),
            line: Some(line),
            column: Some(column),
            ..ConfigError::new(message)
        }
    }
}

impl Access {
    /// Checks `config`, read from `text` (of `file`), and keeps it.
    pub(crate) fn new(
        config: AccessConfig,
        file: Option<PathBuf>,
        text: String,
    ) -> Result<Access, ConfigError> {
        let source = Arc::new(Source { file, text });
        config.validate(&|span, message| source.error(span, message))?;
        Ok(Access { config, source })
    }

    /// The file the config was read from, where errors do not name one yet.
    pub(crate) fn in_file(&mut self, file: &std::path::Path) {
        if self.source.file.is_none() {
            self.source = Arc::new(Source {
                file: Some(file.to_path_buf()),
                text: self.source.text.clone(),
            });
        }
    }

    /// Every row filter and mask must name tables the lake has (`tables`: `schema.table`):
    /// a rule for a misspelt table would leave the real one open.
    pub(crate) fn check_tables(&self, tables: &[String]) -> Result<(), ConfigError> {
        let matches_some =
            |pattern: &str| pattern == "*" || tables.iter().any(|t| glob(pattern, t));
        for role in &self.config.roles {
            let rules = role
                .row_filter
                .iter()
                .map(|(table, rule)| ("row_filter", table.as_str(), table.as_str(), rule))
                .chain(role.mask.iter().map(|(column, rule)| {
                    let table = column.rsplit_once('.').map_or("", |(t, _)| t);
                    ("mask", column.as_str(), table, rule)
                }));
            for (kind, key, table, rule) in rules {
                if !matches_some(table) {
                    return Err(self.source.error(
                        rule.span(),
                        format!(
                            "role {}: {kind}.{key}: no table of the lake is {table} (check the name: a rule that matches nothing protects nothing)",
                            role.name.get_ref()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn config(&self) -> &AccessConfig {
        &self.config
    }

    /// The file the config was read from: the lake config itself (`[access]` in it), or the
    /// file its `[access] file = …` names.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.source.file.as_deref()
    }

    /// What `user` may see, if the config knows the user.
    pub fn grant(&self, user: &str) -> Option<Grant> {
        let user = self.config.user(user)?.clone();
        let role = self.config.role(user.role.get_ref())?.clone();
        Some(Grant {
            user,
            role,
            source: Arc::clone(&self.source),
        })
    }
}

/// What one user may see: the user's role, with the user's attributes.
#[derive(Debug, Clone)]
pub struct Grant {
    user: UserConfig,
    role: RoleConfig,
    source: Arc<Source>,
}

/// One rule of a role for a table: SQL text, and where the config says it.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub sql: String,
    /// What the rule is, for errors: `role district_analyst: row_filter.cctns.fir`.
    pub what: String,
    span: std::ops::Range<usize>,
}

/// The rules of a role for one table.
#[derive(Debug, Clone, Default)]
pub(crate) struct TablePolicy {
    pub row_filters: Vec<Rule>,
    /// Column pattern (`schema.table.column`) and its mask; exact names before patterns.
    pub masks: Vec<(String, Rule)>,
}

impl Grant {
    pub fn user(&self) -> &str {
        self.user.name.get_ref()
    }

    pub fn role(&self) -> &str {
        self.role.name.get_ref()
    }

    pub fn requires_purpose(&self) -> bool {
        self.role.require_purpose
    }

    /// Whether the role is granted `table` (`schema.table`).
    pub fn can_see(&self, table: &str) -> bool {
        self.role.tables.iter().any(|p| glob(p.get_ref(), table))
    }

    /// The table `raw` (named `schema.table`) as this role reads it: through its row filters
    /// and masks, or as it is if they touch nothing of it.
    pub(crate) fn govern(
        &self,
        name: &str,
        raw: Arc<dyn datafusion::catalog::TableProvider>,
        state: &datafusion::execution::session_state::SessionState,
    ) -> Result<Arc<dyn datafusion::catalog::TableProvider>, crate::error::Error> {
        match self.table_policy(name) {
            Some(policy) => {
                Ok(governed::GovernedTable::new(name, raw, self, &policy, state)?.or_raw())
            }
            None => Ok(raw),
        }
    }

    /// The value of `${user.NAME}`.
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.user.attribute(name)
    }

    /// The row filters and masks of the role for `table`, if it has any.
    pub(crate) fn table_policy(&self, table: &str) -> Option<TablePolicy> {
        let role = self.role();
        let rule = |kind: &str, key: &str, sql: &toml::Spanned<String>| Rule {
            sql: sql.get_ref().clone(),
            what: format!("role {role}: {kind}.{key}"),
            span: sql.span(),
        };
        let row_filters: Vec<Rule> = self
            .role
            .row_filter
            .iter()
            .filter(|(pattern, _)| glob(pattern, table))
            .map(|(pattern, sql)| rule("row_filter", pattern, sql))
            .collect();
        let mut masks: Vec<(String, Rule)> = self
            .role
            .mask
            .iter()
            .filter(|(pattern, _)| {
                // The table part of the column pattern must match this table.
                let table_part = pattern.rsplit_once('.').map_or("", |(t, _)| t);
                glob(table_part, table) || table_part == "*"
            })
            .map(|(pattern, sql)| (pattern.clone(), rule("mask", pattern, sql)))
            .collect();
        masks.sort_by_key(|(pattern, _)| pattern.contains(['*', '?']));
        (!row_filters.is_empty() || !masks.is_empty()).then_some(TablePolicy { row_filters, masks })
    }

    /// A config error at the place of `rule` in the config.
    pub(crate) fn rule_error(&self, rule: &Rule, message: impl std::fmt::Display) -> ConfigError {
        self.source
            .error(rule.span.clone(), format!("{}: {message}", rule.what))
    }
}
