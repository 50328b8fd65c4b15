//! The `[access]` part of a lake config: roles, users and their attributes.
//!
//! ```toml
//! [[access.role]]
//! name = "district_analyst"
//! tables = ["cctns.*", "abhay.*", "ref.*"]        # grants: the rest does not exist for them
//! row_filter."cctns.fir" = "district_canonical(district) = ${user.district}"
//! mask."*.phone" = "phone_mask"                   # a function of the column, or any SQL expression
//! require_purpose = true
//!
//! [[access.user]]
//! name = "si.kota01"
//! role = "district_analyst"
//! district = "Kota"
//! ```
//!
//! Everything that can be checked without reading a table is checked when the config loads, with
//! the file and line of the mistake: unknown roles, duplicate names, filters and masks that do not
//! parse, and attributes a role's filters use that one of its users lacks. Columns are checked
//! when a table is first read, since only then is its schema known.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use crate::config::ConfigError;

/// Roles and users of a governed lake.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// Roles and users are in this file (relative to the lake config) instead of here.
    pub file: Option<String>,
    #[serde(default, rename = "role")]
    pub roles: Vec<RoleConfig>,
    #[serde(default, rename = "user")]
    pub users: Vec<UserConfig>,
    /// The audit log every statement is written to.
    pub audit: Option<crate::audit::AuditConfig>,
}

/// What a role may see.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    pub name: Spanned<String>,
    /// Tables the role may read: `schema.table`, with `*` and `?` wildcards.
    #[serde(default)]
    pub tables: Vec<Spanned<String>>,
    /// Per table (or table pattern): a SQL condition a row must meet to be seen. `${user.X}`
    /// stands for the user's attribute X, bound as a value.
    #[serde(default)]
    pub row_filter: BTreeMap<String, Spanned<String>>,
    /// Per column (`schema.table.column`, with wildcards: `*.phone`): a function of the column
    /// (`phone_mask`) or a SQL expression over the table's columns, seen in its place.
    #[serde(default)]
    pub mask: BTreeMap<String, Spanned<String>>,
    /// Every session states why it looks (an FIR or case number) before it may query.
    #[serde(default)]
    pub require_purpose: bool,
}

/// A user: a role and the attributes its row filters use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub name: Spanned<String>,
    pub role: Spanned<String>,
    pub district: Option<String>,
    pub range: Option<String>,
    pub station: Option<String>,
    /// The user's password for the server (`jaanch serve`), as an argon2id hash in PHC form
    /// (`$argon2id$v=19$m=…`), never the password itself: `jaanch user add` and `jaanch user
    /// passwd` write it. A user without one cannot log in to the server.
    pub password: Option<Spanned<String>>,
    /// Any other attributes, for filters that need them (`${user.unit}`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl UserConfig {
    /// The value of `${user.NAME}` for this user.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        match name {
            "name" => Some(self.name.get_ref()),
            "role" => Some(self.role.get_ref()),
            "district" => self.district.as_deref(),
            "range" => self.range.as_deref(),
            "station" => self.station.as_deref(),
            other => self.attributes.get(other).map(String::as_str),
        }
    }
}

/// `${user.X}` references in a filter or mask, by attribute name; `Err` names a reference
/// that is not of that form.
pub fn attribute_references(sql: &str) -> Result<BTreeSet<String>, String> {
    let mut names = BTreeSet::new();
    let mut rest = sql;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated `${{` in {sql:?}"))?;
        let reference = &after[..end];
        let name = reference.strip_prefix("user.").ok_or_else(|| {
            format!("${{{reference}}} is no user attribute (write ${{user.NAME}}, e.g. ${{user.district}})")
        })?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("${{{reference}}}: bad attribute name"));
        }
        names.insert(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

impl AccessConfig {
    /// Checks what can be checked without reading tables. `at` turns a byte span of the text
    /// the config came from into an error naming its place.
    pub fn validate(
        &self,
        at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        let mut roles: BTreeMap<&str, &RoleConfig> = BTreeMap::new();
        for role in &self.roles {
            if roles.insert(role.name.get_ref(), role).is_some() {
                return Err(at(
                    role.name.span(),
                    format!("role {} is defined twice", role.name.get_ref()),
                ));
            }
            if role.tables.is_empty() {
                return Err(at(
                    role.name.span(),
                    format!(
                        "role {} grants no tables (add tables = [\"schema.*\", ...])",
                        role.name.get_ref()
                    ),
                ));
            }
            for pattern in &role.tables {
                check_pattern(pattern.get_ref(), 2).map_err(|m| {
                    at(pattern.span(), format!("role {}: {m}", role.name.get_ref()))
                })?;
            }
            for (table, filter) in &role.row_filter {
                check_pattern(table, 2).map_err(|m| {
                    at(
                        filter.span(),
                        format!("role {}: row_filter.{table}: {m}", role.name.get_ref()),
                    )
                })?;
                check_sql(filter).map_err(|m| {
                    at(
                        filter.span(),
                        format!("role {}: row_filter.{table}: {m}", role.name.get_ref()),
                    )
                })?;
            }
            for (column, mask) in &role.mask {
                check_pattern(column, 3).map_err(|m| {
                    at(
                        mask.span(),
                        format!("role {}: mask.{column}: {m}", role.name.get_ref()),
                    )
                })?;
                check_sql(mask).map_err(|m| {
                    at(
                        mask.span(),
                        format!("role {}: mask.{column}: {m}", role.name.get_ref()),
                    )
                })?;
            }
        }
        let mut users = BTreeSet::new();
        for user in &self.users {
            if !users.insert(user.name.get_ref()) {
                return Err(at(
                    user.name.span(),
                    format!("user {} is defined twice", user.name.get_ref()),
                ));
            }
            if let Some(password) = &user.password
                && !password.get_ref().starts_with("$argon2id$")
            {
                return Err(at(
                    password.span(),
                    format!(
                        "user {}: password must be an argon2id hash ($argon2id$…), never the password itself (set it with `jaanch user passwd {}`)",
                        user.name.get_ref(),
                        user.name.get_ref()
                    ),
                ));
            }
            let Some(role) = roles.get(user.role.get_ref().as_str()) else {
                let known: Vec<&str> = roles.keys().copied().collect();
                return Err(at(
                    user.role.span(),
                    format!(
                        "user {}: no role named {} (roles: {})",
                        user.name.get_ref(),
                        user.role.get_ref(),
                        known.join(", ")
                    ),
                ));
            };
            let rules = role.row_filter.values().chain(role.mask.values());
            for rule in rules {
                for name in attribute_references(rule.get_ref()).unwrap_or_default() {
                    if user.attribute(&name).is_none() {
                        return Err(at(
                            user.name.span(),
                            format!(
                                "user {} has no {name}, which role {} needs for ${{user.{name}}}",
                                user.name.get_ref(),
                                role.name.get_ref()
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn role(&self, name: &str) -> Option<&RoleConfig> {
        self.roles.iter().find(|r| r.name.get_ref() == name)
    }

    pub fn user(&self, name: &str) -> Option<&UserConfig> {
        self.users.iter().find(|u| u.name.get_ref() == name)
    }
}

/// A table (`parts` = 2) or column (3) pattern: dot-separated names, `*` and `?` allowed.
fn check_pattern(pattern: &str, parts: usize) -> Result<(), String> {
    let ok = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '*' | '?'))
    };
    let split: Vec<&str> = pattern.split('.').collect();
    // `*.phone` stands for every table's phone column.
    let shapes_ok = split.len() == parts || (parts == 3 && split.len() == 2 && split[0] == "*");
    if shapes_ok && split.iter().all(|p| ok(p)) {
        Ok(())
    } else {
        let example = if parts == 2 {
            "schema.table, e.g. \"cctns.*\""
        } else {
            "schema.table.column, e.g. \"telecom.subscribers.aadhaar\" or \"*.phone\""
        };
        Err(format!("{pattern:?} is not a pattern of {example}"))
    }
}

/// A filter or mask: SQL text whose `${...}` references are user attributes.
fn check_sql(sql: &Spanned<String>) -> Result<(), String> {
    if sql.get_ref().trim().is_empty() {
        return Err("is empty".to_string());
    }
    attribute_references(sql.get_ref()).map(|_| ())
}

/// Whether `name` matches a pattern of `*` and `?` wildcards, ignoring case.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn matches(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => matches(&p[1..], s) || (!s.is_empty() && matches(p, &s[1..])),
            (Some(b'?'), Some(_)) => matches(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => matches(&p[1..], &s[1..]),
            _ => false,
        }
    }
    matches(
        pattern.to_ascii_lowercase().as_bytes(),
        name.to_ascii_lowercase().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_references_are_read() {
        let names = attribute_references("district = ${user.district} AND x = ${user.unit}");
        assert_eq!(
            names.unwrap().into_iter().collect::<Vec<_>>(),
            ["district", "unit"]
        );
        assert!(attribute_references("x = ${env.HOME}").is_err());
        assert!(attribute_references("x = ${user.district").is_err());
        assert!(attribute_references("x = ${user.}").is_err());
    }

    #[test]
    fn patterns() {
        assert!(glob("cctns.*", "cctns.fir"));
        assert!(glob("*.phone", "cctns.accused.phone") || glob("*.*.phone", "cctns.accused.phone"));
        assert!(!glob("cctns.*", "abhay.cameras"));
        assert!(glob("CCTNS.F?R", "cctns.fir"));
        assert!(check_pattern("cctns.*", 2).is_ok());
        assert!(check_pattern("*.phone", 3).is_ok());
        assert!(check_pattern("cctns", 2).is_err());
        assert!(check_pattern("a.b;drop", 2).is_err());
    }
}
