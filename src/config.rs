//! The lake configuration file (`lake.toml`): serde types, validation and `${VAR}`
//! interpolation.
//!
//! Parsing is strict (`deny_unknown_fields`) so that a misspelt key is reported rather than
//! silently ignored, and every error is one line naming the file, the line where known, and the
//! key, table or variable at fault.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::access::{Access, AccessConfig};

mod cluster;
mod server;

pub use cluster::ClusterConfig;
pub use server::{ServerConfig, ServerLimits, parse_duration};

/// The file name looked up in the working directory when no `--lake` is given.
pub const DEFAULT_FILE: &str = "lake.toml";

/// The environment variable naming a lake file, used when there is no `./lake.toml`.
pub const ENV_VAR: &str = "JAANCH_LAKE";

/// A configuration error: one line that says which file, where, what is wrong and, when there
/// is one, what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file at fault, when the config came from a file.
    pub file: Option<PathBuf>,
    /// 1-based line, when the error points at one.
    pub line: Option<usize>,
    /// 1-based column (in characters) on that line, when the error points at one.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            file: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error in `file`, unless it already names the file it is in (an included one).
    fn in_file(mut self, file: &Path) -> Self {
        self.file.get_or_insert_with(|| file.to_path_buf());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let position = match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{line}:{column}"),
            (Some(line), None) => line.to_string(),
            _ => String::new(),
        };
        match (&self.file, position.is_empty()) {
            (Some(file), false) => write!(f, "{}:{position}: ", file.display())?,
            (Some(file), true) => write!(f, "{}: ", file.display())?,
            (None, false) => write!(f, "line {position}: ")?,
            (None, true) => {}
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// A whole `lake.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LakeConfig {
    /// Shown in the shell's banner and prompt. Defaults to the config file's folder name.
    pub name: Option<String>,
    /// Refuse statements that create, change or delete lake objects (the default).
    #[serde(default = "read_only_default")]
    pub read_only: bool,
    /// Folder of saved reports, relative to this file (default `sql`).
    pub reports: Option<String>,
    /// Named object stores; local files need none.
    #[serde(default, rename = "store")]
    pub stores: BTreeMap<String, StoreConfig>,
    #[serde(default)]
    pub runtime: RuntimeConfig,
    #[serde(default, rename = "table")]
    pub tables: Vec<TableConfig>,
    /// Limits of `jaanch serve`.
    #[serde(default)]
    pub server: ServerConfig,
    /// The Ballista cluster statements run on, if any.
    #[serde(default)]
    pub cluster: ClusterConfig,
    /// Roles and users, as written (`[access]`): the lake is governed when there are some.
    #[serde(default, rename = "access")]
    access_config: Option<AccessConfig>,
    /// The checked access config, from `[access]` or the file it names.
    #[serde(skip)]
    pub access: Option<Access>,
    /// The folder relative locations resolve against: the config file's folder.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

fn read_only_default() -> bool {
    true
}

/// An object store holding lake files: S3-compatible (`s3://bucket`) or HTTP(S).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `s3://bucket` or `https://host/path`; tables whose location starts with it use this store.
    pub url: String,
    /// S3-compatible endpoint (MinIO, Ceph, ...); AWS when absent.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Allow plain `http://` endpoints.
    #[serde(default)]
    pub allow_http: bool,
}

/// Execution resources.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Memory for query execution, e.g. `"4GiB"`; beyond it sorts, joins and aggregations spill.
    pub memory_limit: Option<String>,
    /// Folder for spill files (relative to the config file); the system's temp folder if absent.
    pub spill_dir: Option<String>,
    /// Parallelism of query plans; the number of cores if absent.
    pub target_partitions: Option<usize>,
    /// Rows per record batch.
    pub batch_size: Option<usize>,
}

/// One lake table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    /// `schema.table`, e.g. `cctns.fir`.
    pub name: String,
    /// A folder or file: a path (relative to the config file) or a URL (`s3://`, `https://`).
    pub location: String,
    pub format: Format,
    /// Hive-style partition columns (`key=value` folders), outermost first: `"dt"` or
    /// `"year:int"`.
    #[serde(default)]
    pub partitions: Vec<String>,
    /// The order every file of the table is written in, outermost column first: `"seen_at"`,
    /// `"registered_at DESC"`, `"district NULLS FIRST"`. Plans that need it (`ORDER BY`, window
    /// functions, grouping by its columns) do not sort again. Declared, not checked: files not
    /// in this order give wrong answers.
    #[serde(default)]
    pub sort_by: Vec<String>,
    pub description: Option<String>,
    /// Descriptions of columns, shown by `\d`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// File name suffix of the table's files; defaults by format (`.parquet`, `.csv`, `.json`).
    pub extension: Option<String>,
    /// CSV: whether the first line holds column names (default true).
    pub header: Option<bool>,
    /// CSV: field delimiter, one character (default `,`).
    pub delimiter: Option<String>,
    /// CSV: quote character (default `"`).
    pub quote: Option<String>,
    /// CSV: escape character (default none).
    pub escape: Option<String>,
    /// CSV: lines starting with this character are skipped.
    pub comment: Option<String>,
    /// Delta: read this version of the table instead of its latest.
    pub version: Option<u64>,
    /// Delta: read the table as it was at this moment (`2024-06-30T23:59:59+05:30`; a date is
    /// the end of that day, IST).
    pub as_of: Option<String>,
}

/// File format of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
    #[serde(alias = "json", alias = "jsonl")]
    Ndjson,
    /// A Delta Lake table: Parquet files and a transaction log (`_delta_log/`) of versions.
    Delta,
}

impl Format {
    pub fn default_extension(self) -> &'static str {
        match self {
            Format::Parquet | Format::Delta => ".parquet",
            Format::Csv => ".csv",
            Format::Ndjson => ".json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Delta => "delta",
        })
    }
}

/// Type of a hive partition column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionType {
    Text,
    Int,
    BigInt,
    Date,
}

/// A parsed `sort_by` entry: a column and its direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortColumn {
    pub name: String,
    pub descending: bool,
    /// Where NULLs are: by default last in ascending order and first in descending order, as
    /// SQL's `ORDER BY` puts them, so that the declared order is the one queries ask for.
    pub nulls_first: bool,
}

/// A parsed `partitions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub name: String,
    pub data_type: PartitionType,
}

impl TableConfig {
    /// A table at `location` in `format`, for building configs in code.
    pub fn new(name: impl Into<String>, location: impl Into<String>, format: Format) -> Self {
        Self {
            name: name.into(),
            location: location.into(),
            format,
            partitions: Vec::new(),
            sort_by: Vec::new(),
            description: None,
            columns: BTreeMap::new(),
            extension: None,
            header: None,
            delimiter: None,
            quote: None,
            escape: None,
            comment: None,
            version: None,
            as_of: None,
        }
    }

    pub fn with_partitions(mut self, partitions: &[&str]) -> Self {
        self.partitions = partitions.iter().map(|p| p.to_string()).collect();
        self
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The schema and table parts of `name` (validated by [`LakeConfig::validate`]).
    pub fn schema_and_table(&self) -> (&str, &str) {
        self.name.split_once('.').unwrap_or(("public", &self.name))
    }

    /// The parsed partition columns.
    pub fn partition_columns(&self) -> Result<Vec<Partition>> {
        self.partitions
            .iter()
            .map(|spec| parse_partition(spec).map_err(|m| self.error(format!("partitions: {m}"))))
            .collect()
    }

    /// The parsed `sort_by` columns.
    pub fn sort_columns(&self) -> Result<Vec<SortColumn>> {
        let columns = self
            .sort_by
            .iter()
            .map(|spec| parse_sort_column(spec).map_err(|m| self.error(format!("sort_by: {m}"))))
            .collect::<Result<Vec<_>>>()?;
        for (i, column) in columns.iter().enumerate() {
            if columns[..i].iter().any(|c| c.name == column.name) {
                return Err(self.error(format!("sort_by: column {:?} is named twice", column.name)));
            }
        }
        Ok(columns)
    }

    pub fn file_extension(&self) -> &str {
        self.extension
            .as_deref()
            .unwrap_or(self.format.default_extension())
    }

    fn error(&self, message: impl fmt::Display) -> ConfigError {
        ConfigError::new(format!("table {}: {message}", self.name))
    }

    /// The single byte of a one-character CSV option.
    pub fn csv_byte(&self, key: &str, value: &Option<String>) -> Result<Option<u8>> {
        let Some(value) = value else { return Ok(None) };
        let unescaped = match value.as_str() {
            "\\t" => "\t",
            other => other,
        };
        match unescaped.as_bytes() {
            [b] if b.is_ascii() => Ok(Some(*b)),
            _ => Err(self.error(format!(
                "`{key}` must be one ASCII character, got {value:?}"
            ))),
        }
    }

    fn validate(&self) -> Result<()> {
        let valid_part =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match self.name.split_once('.') {
            Some((schema, table)) if valid_part(schema) && valid_part(table) => {}
            _ => {
                return Err(ConfigError::new(format!(
                    "table name {:?} must be schema.table, e.g. \"cctns.fir\" (letters, digits, _)",
                    self.name
                )));
            }
        }
        if self.location.trim().is_empty() {
            return Err(self.error("`location` is empty"));
        }
        self.partition_columns()?;
        self.sort_columns()?;
        if self.format != Format::Csv {
            let csv_options = [
                ("header", self.header.is_some()),
                ("delimiter", self.delimiter.is_some()),
                ("quote", self.quote.is_some()),
                ("escape", self.escape.is_some()),
                ("comment", self.comment.is_some()),
            ];
            if let Some((key, _)) = csv_options.iter().find(|(_, set)| *set) {
                return Err(self.error(format!(
                    "`{key}` applies only to format = \"csv\", not {}",
                    self.format
                )));
            }
        }
        self.csv_byte("delimiter", &self.delimiter)?;
        self.csv_byte("quote", &self.quote)?;
        self.csv_byte("escape", &self.escape)?;
        self.csv_byte("comment", &self.comment)?;
        self.delta_pin()?;
        Ok(())
    }

    /// The version or moment a Delta table is pinned to by `version` / `as_of`.
    pub fn delta_pin(&self) -> Result<Option<crate::delta::Pin>> {
        use crate::delta::Pin;
        if self.format != Format::Delta {
            if let Some(key) = [
                ("version", self.version.is_some()),
                ("as_of", self.as_of.is_some()),
            ]
            .iter()
            .find_map(|(key, set)| set.then_some(key))
            {
                return Err(self.error(format!(
                    "`{key}` applies only to format = \"delta\" (a {} table has no versions)",
                    self.format
                )));
            }
            return Ok(None);
        }
        let files_and_partitions = "the table's log lists its files and partitions";
        if let Some((key, reason)) = [
            ("extension", self.extension.is_some(), files_and_partitions),
            (
                "partitions",
                !self.partitions.is_empty(),
                files_and_partitions,
            ),
            (
                "sort_by",
                !self.sort_by.is_empty(),
                "a sort order is declared for Parquet, CSV and JSON tables",
            ),
        ]
        .iter()
        .find_map(|&(key, set, reason)| set.then_some((key, reason)))
        {
            return Err(self.error(format!(
                "`{key}` does not apply to format = \"delta\": {reason}"
            )));
        }
        match (self.version, &self.as_of) {
            (Some(_), Some(_)) => Err(self.error("give `version` or `as_of`, not both")),
            (Some(version), None) => Ok(Some(Pin::Version(version))),
            (None, Some(moment)) => {
                match Pin::parse(moment) {
                    Ok(Pin::At(at)) => Ok(Some(Pin::At(at))),
                    Ok(Pin::Version(_)) => Err(self
                        .error("`as_of` is a moment; give a version as `version = N`".to_string())),
                    Err(problem) => Err(self.error(format!("as_of: {problem}"))),
                }
            }
            (None, None) => Ok(None),
        }
    }
}

fn parse_sort_column(spec: &str) -> std::result::Result<SortColumn, String> {
    let unreadable = || {
        format!(
            "cannot read {spec:?}: expected a column name, then ASC or DESC, then NULLS FIRST \
             or NULLS LAST (e.g. \"seen_at DESC\")"
        )
    };
    let mut words = spec.split_whitespace();
    let Some(name) = words.next() else {
        return Err(unreadable());
    };
    let rest: Vec<String> = words.map(str::to_ascii_uppercase).collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let (descending, nulls) = match rest.as_slice() {
        ["ASC", nulls @ ..] => (false, nulls),
        ["DESC", nulls @ ..] => (true, nulls),
        nulls => (false, nulls),
    };
    let nulls_first = match nulls {
        [] => descending,
        ["NULLS", "FIRST"] => true,
        ["NULLS", "LAST"] => false,
        _ => return Err(unreadable()),
    };
    Ok(SortColumn {
        name: name.to_string(),
        descending,
        nulls_first,
    })
}

fn parse_partition(spec: &str) -> std::result::Result<Partition, String> {
    let (name, type_name) = match spec.split_once(':') {
        Some((name, type_name)) => (name.trim(), type_name.trim()),
        None => (spec.trim(), "text"),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("bad partition column name {name:?}"));
    }
    let data_type = match type_name.to_ascii_lowercase().as_str() {
        "text" | "string" | "varchar" => PartitionType::Text,
        "int" | "integer" => PartitionType::Int,
        "bigint" => PartitionType::BigInt,
        "date" => PartitionType::Date,
        other => {
            return Err(format!(
                "unknown type {other:?} for {name:?} (expected text, int, bigint or date)"
            ));
        }
    };
    Ok(Partition {
        name: name.to_string(),
        data_type,
    })
}

impl StoreConfig {
    /// The store's URL scheme: `s3`, `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.url.split_once("://").map_or("", |(scheme, _)| scheme)
    }

    fn validate(&self, name: &str) -> Result<()> {
        let error = |m: String| ConfigError::new(format!("store.{name}: {m}"));
        match self.scheme() {
            "s3" => {
                let bucket = self.url["s3://".len()..].trim_end_matches('/');
                if bucket.is_empty() || bucket.contains('/') {
                    return Err(error(format!(
                        "url {:?} must name a bucket only, e.g. \"s3://police-lake\"",
                        self.url
                    )));
                }
            }
            "http" | "https" => {
                let s3_only = [
                    ("region", self.region.is_some()),
                    ("access_key_id", self.access_key_id.is_some()),
                    ("secret_access_key", self.secret_access_key.is_some()),
                    ("session_token", self.session_token.is_some()),
                    ("endpoint", self.endpoint.is_some()),
                ];
                if let Some((key, _)) = s3_only.iter().find(|(_, set)| *set) {
                    return Err(error(format!("`{key}` applies only to s3:// stores")));
                }
            }
            _ => {
                return Err(error(format!(
                    "url {:?} must start with s3://, http:// or https://",
                    self.url
                )));
            }
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return Err(error(
                "give both `access_key_id` and `secret_access_key`, or neither".into(),
            ));
        }
        Ok(())
    }
}

/// Parses a memory size such as `"4GiB"`, `"512 MB"`, `"1.5G"` or `"1048576"` into bytes.
/// Units are powers of 1024 (as in datafusion-cli): K, M, G, T with optional `i` and `B`.
pub fn parse_memory_size(text: &str) -> std::result::Result<usize, String> {
    let hint = "expected a size such as \"4GiB\", \"512MB\" or a number of bytes";
    let (number, unit) =
        number_and_unit(text).ok_or_else(|| format!("bad memory size {text:?}: {hint}"))?;
    let power = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 1,
        "M" | "MB" | "MIB" => 2,
        "G" | "GB" | "GIB" => 3,
        "T" | "TB" | "TIB" => 4,
        _ => return Err(format!("bad memory size {text:?}: {hint}")),
    };
    let bytes = number * 1024f64.powi(power);
    if !(1.0..=usize::MAX as f64).contains(&bytes) {
        return Err(format!("bad memory size {text:?}: must be at least 1 byte"));
    }
    Ok(bytes as usize)
}

/// `"4.5 GiB"` as `(4.5, "GiB")`; `None` without a number first.
fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    Some((number.parse().ok()?, unit.trim()))
}

impl LakeConfig {
    /// Reads, parses, interpolates and validates a config file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(format!(
                "cannot read lake config: {}",
                crate::error::io_reason(&e)
            ))
            .in_file(path)
        })?;
        let base_dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .unwrap_or(Path::new("."));
        let base_dir = std::path::absolute(base_dir).unwrap_or_else(|_| base_dir.to_path_buf());
        let mut config = Self::parse(&text, &base_dir, |name| std::env::var(name).ok())
            .map_err(|e| e.in_file(path))?;
        if let Some(access) = &mut config.access {
            access.in_file(path);
        }
        if config.name.is_none() {
            config.name = base_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
        }
        Ok(config)
    }

    /// Parses config text. `env` looks up `${VAR}` references; `base_dir` is where relative
    /// locations resolve.
    pub fn parse(
        text: &str,
        base_dir: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let mut config: LakeConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        config.base_dir = base_dir.to_path_buf();
        config.interpolate(&env)?;
        config.validate()?;
        if let Some(raw) = config.access_config.take() {
            config.access = Some(match &raw.file {
                Some(file) => {
                    if !raw.roles.is_empty() || !raw.users.is_empty() {
                        return Err(ConfigError::new(format!(
                            "[access] names the file {file:?} and also has roles or users here: keep them in one place"
                        )));
                    }
                    let path = config.resolve_path(file);
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        ConfigError::new(format!(
                            "cannot read access config: {}",
                            crate::error::io_reason(&e)
                        ))
                        .in_file(&path)
                    })?;
                    read_access(&text, Some(path))?
                }
                None => Access::new(raw, None, text.to_string())?,
            });
        }
        Ok(config)
    }

    /// An empty lake (no tables), e.g. for tests and as a base for configs built in code.
    pub fn empty(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            read_only: true,
            reports: None,
            stores: BTreeMap::new(),
            runtime: RuntimeConfig::default(),
            tables: Vec::new(),
            server: ServerConfig::default(),
            cluster: ClusterConfig::default(),
            access_config: None,
            access: None,
            base_dir: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// The lake governed by `access` (text of an access config: `[[role]]` and `[[user]]`
    /// tables), for configs built in code.
    pub fn with_access(mut self, text: &str) -> Result<Self> {
        self.access = Some(read_access(text, None)?);
        Ok(self)
    }

    pub fn with_table(mut self, table: TableConfig) -> Self {
        self.tables.push(table);
        self
    }

    pub fn with_base_dir(mut self, base_dir: impl Into<PathBuf>) -> Self {
        self.base_dir = base_dir.into();
        self
    }

    /// The lake's display name.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("lake")
    }

    /// Memory limit in bytes, if one is set.
    pub fn memory_limit(&self) -> Result<Option<usize>> {
        self.runtime
            .memory_limit
            .as_deref()
            .map(|text| {
                parse_memory_size(text)
                    .map_err(|m| ConfigError::new(format!("runtime.memory_limit: {m}")))
            })
            .transpose()
    }

    /// `path` made absolute against the config file's folder.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        let path = Path::new(path);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// Checks everything that can be checked without touching storage.
    pub fn validate(&self) -> Result<()> {
        for (name, store) in &self.stores {
            store.validate(name)?;
        }
        self.memory_limit()?;
        self.server.limits()?;
        self.cluster.validate()?;
        if self.runtime.target_partitions == Some(0) {
            return Err(ConfigError::new(
                "runtime.target_partitions must be at least 1",
            ));
        }
        if self.runtime.batch_size == Some(0) {
            return Err(ConfigError::new("runtime.batch_size must be at least 1"));
        }
        let mut seen = HashSet::new();
        for table in &self.tables {
            table.validate()?;
            if !seen.insert(table.name.to_ascii_lowercase()) {
                return Err(ConfigError::new(format!(
                    "table {} is defined twice; table names must be unique",
                    table.name
                )));
            }
        }
        Ok(())
    }

    /// Replaces `${VAR}` in every string value with the variable's value. `$${` is a literal
    /// `${`. A variable that is not set is an error naming it and the key that uses it.
    fn interpolate(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<()> {
        let expand = |key: &str, value: &mut String| -> Result<()> {
            *value = interpolate(value, env).map_err(|var| {
                ConfigError::new(format!("{key}: environment variable {var} is not set"))
            })?;
            Ok(())
        };
        let expand_opt = |key: &str, value: &mut Option<String>| -> Result<()> {
            value.as_mut().map_or(Ok(()), |v| expand(key, v))
        };
        if let Some(name) = &mut self.name {
            expand("name", name)?;
        }
        expand_opt("reports", &mut self.reports)?;
        for (name, store) in &mut self.stores {
            let key = |field: &str| format!("store.{name}.{field}");
            expand(&key("url"), &mut store.url)?;
            expand_opt(&key("endpoint"), &mut store.endpoint)?;
            expand_opt(&key("region"), &mut store.region)?;
            expand_opt(&key("access_key_id"), &mut store.access_key_id)?;
            expand_opt(&key("secret_access_key"), &mut store.secret_access_key)?;
            expand_opt(&key("session_token"), &mut store.session_token)?;
        }
        expand_opt("runtime.memory_limit", &mut self.runtime.memory_limit)?;
        expand_opt("runtime.spill_dir", &mut self.runtime.spill_dir)?;
        let server = &mut self.server;
        expand_opt("server.statement_timeout", &mut server.statement_timeout)?;
        expand_opt("server.query_memory", &mut server.query_memory)?;
        expand_opt("server.max_result_bytes", &mut server.max_result_bytes)?;
        expand_opt("server.shutdown_grace", &mut server.shutdown_grace)?;
        for table in &mut self.tables {
            let key = format!("table {}: location", table.name);
            expand(&key, &mut table.location)?;
        }
        Ok(())
    }
}

/// Expands `${VAR}` references; returns the name of the first variable that is not set.
fn interpolate(
    text: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(literal) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = literal;
        } else if let Some(reference) = after.strip_prefix("${") {
            let Some(end) = reference.find('}') else {
                return Err(format!("(unterminated `${{` in {text:?})"));
            };
            let name = &reference[..end];
            out.push_str(&env(name).ok_or_else(|| name.to_string())?);
            rest = &reference[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// An access config of its own file (or text): `[[role]]` and `[[user]]` at the top level.
fn read_access(text: &str, file: Option<PathBuf>) -> Result<Access> {
    let in_file = |e: ConfigError| match &file {
        Some(path) => e.in_file(path),
        None => e,
    };
    let config: AccessConfig = toml::from_str(text).map_err(|e| in_file(toml_error(text, &e)))?;
    if config.file.is_some() {
        return Err(in_file(ConfigError::new(
            "an access config file cannot name another one (`file`)",
        )));
    }
    Access::new(config, file, text.to_string())
}

/// A TOML error of `text` as one line at its place.
fn toml_error(text: &str, error: &toml::de::Error) -> ConfigError {
    let (line, column) = error
        .span()
        .map(|span| position_of(text, span.start))
        .unzip();
    ConfigError {
        line,
        column,
        ..ConfigError::new(error.message().trim().replace('\n', " "))
    }
}

/// The 1-based line and column (in characters) of a byte offset.
pub(crate) fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Where the lake config comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A file: from `--lake`, `./lake.toml` or `$JAANCH_LAKE`.
    File(PathBuf),
    /// No config anywhere: use the embedded default lake.
    Default,
}

/// Finds the lake config: `--lake FILE`, else `./lake.toml`, else `$JAANCH_LAKE`.
pub fn find_config(explicit: Option<&Path>) -> Result<ConfigSource> {
    find_config_in(
        explicit,
        Path::new("."),
        std::env::var_os(ENV_VAR).map(PathBuf::from),
    )
}

fn find_config_in(
    explicit: Option<&Path>,
    cwd: &Path,
    from_env: Option<PathBuf>,
) -> Result<ConfigSource> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(ConfigSource::File(path.to_path_buf()))
        } else {
            Err(ConfigError::new(format!(
                "--lake {}: file not found",
                path.display()
            )))
        };
    }
    let local = cwd.join(DEFAULT_FILE);
    if local.is_file() {
        return Ok(ConfigSource::File(local));
    }
    match from_env {
        Some(path) if path.is_file() => Ok(ConfigSource::File(path)),
        Some(path) => Err(ConfigError::new(format!(
            "{ENV_VAR}={}: file not found",
            path.display()
        ))),
        None => Ok(ConfigSource::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LakeConfig> {
        LakeConfig::parse(text, Path::new("/lake"), |name| match name {
            "KEY" => Some("secret".into()),
            _ => None,
        })
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    const TABLE: &str =
        "[[table]]\nname = \"cctns.fir\"\nlocation = \"fir/\"\nformat = \"parquet\"\n";

    #[test]
    fn full_config_parses() {
        let config = parse(
            r#"
name = "rajasthan-police"
read_only = false

[store.lake]
url = "s3://police-lake"
endpoint = "http://127.0.0.1:9000"
region = "ap-south-1"
access_key_id = "id"
secret_access_key = "${KEY}"
allow_http = true

[runtime]
memory_limit = "4GiB"
spill_dir = "./spill"
target_partitions = 8
batch_size = 4096

[[table]]
name = "abhay.anpr_reads"
location = "s3://police-lake/abhay/anpr_reads/"
format = "parquet"
partitions = ["dt", "year:int"]
description = "ANPR reads"
[table.columns]
plate_text = "Plate as read"

[[table]]
name = "portal.complaints"
location = "complaints/"
format = "csv"
delimiter = ";"
header = false
"#,
        )
        .unwrap();
        assert!(!config.read_only);
        assert_eq!(
            config.stores["lake"].secret_access_key.as_deref(),
            Some("secret")
        );
        assert_eq!(config.memory_limit().unwrap(), Some(4 << 30));
        let anpr = &config.tables[0];
        assert_eq!(anpr.schema_and_table(), ("abhay", "anpr_reads"));
        assert_eq!(
            anpr.partition_columns().unwrap()[1],
            Partition {
                name: "year".into(),
                data_type: PartitionType::Int
            }
        );
        assert_eq!(anpr.columns["plate_text"], "Plate as read");
        let complaints = &config.tables[1];
        assert_eq!(
            complaints
                .csv_byte("delimiter", &complaints.delimiter)
                .unwrap(),
            Some(b';')
        );
        assert_eq!(config.resolve_path("spill"), Path::new("/lake/spill"));
    }

    #[test]
    fn defaults_are_read_only_and_empty() {
        let config = parse("").unwrap();
        assert!(config.read_only);
        assert!(config.tables.is_empty());
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let message = error("name = \"x\"\nnmae = \"y\"\n");
        assert!(
            message.starts_with("line 2:1: unknown field `nmae`"),
            "{message}"
        );
        assert!(!message.contains('\n'));
        let message = error(&format!("{TABLE}locaton = \"x\"\n"));
        assert!(message.contains("unknown field `locaton`"), "{message}");
    }

    #[test]
    fn bad_format_names_the_value() {
        let message = error(&TABLE.replace("\"parquet\"", "\"parquett\""));
        assert!(
            message.starts_with("line 4:10: unknown variant `parquett`"),
            "{message}"
        );
        assert!(message.contains("`csv`"), "{message}");
    }

    #[test]
    fn missing_env_var_names_variable_and_key() {
        let message = error(
            "[store.lake]\nurl = \"s3://b\"\naccess_key_id = \"a\"\nsecret_access_key = \"${LAKE_SECRET}\"\n",
        );
        assert_eq!(
            message,
            "store.lake.secret_access_key: environment variable LAKE_SECRET is not set"
        );
    }

    #[test]
    fn interpolation_forms() {
        let env = |name: &str| (name == "A").then(|| "1".to_string());
        assert_eq!(interpolate("x${A}y${A}", &env).unwrap(), "x1y1");
        assert_eq!(interpolate("$${A} $5", &env).unwrap(), "${A} $5");
        assert_eq!(interpolate("${B}", &env).unwrap_err(), "B");
    }

    #[test]
    fn duplicate_table_is_named() {
        let message = error(&format!(
            "{TABLE}{}",
            TABLE.replace("cctns.fir", "CCTNS.fir")
        ));
        assert_eq!(
            message,
            "table CCTNS.fir is defined twice; table names must be unique"
        );
    }

    #[test]
    fn bad_memory_size_is_explained() {
        let message = error("[runtime]\nmemory_limit = \"4 gigs\"\n");
        assert!(
            message.starts_with("runtime.memory_limit: bad memory size \"4 gigs\""),
            "{message}"
        );
        assert_eq!(parse_memory_size("512 MB"), Ok(512 << 20));
        assert_eq!(parse_memory_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_memory_size("1000"), Ok(1000));
        assert!(parse_memory_size("0").is_err());
        assert!(parse_memory_size("").is_err());
        assert!(parse_memory_size("-1G").is_err());
    }

    #[test]
    fn table_name_must_be_schema_qualified() {
        let message = error(&TABLE.replace("cctns.fir", "fir"));
        assert!(
            message.starts_with("table name \"fir\" must be schema.table"),
            "{message}"
        );
        let message = error(&TABLE.replace("cctns.fir", "a.b.c"));
        assert!(message.contains("must be schema.table"), "{message}");
    }

    #[test]
    fn csv_options_only_for_csv() {
        let message = error(&format!("{TABLE}delimiter = \";\"\n"));
        assert_eq!(
            message,
            "table cctns.fir: `delimiter` applies only to format = \"csv\", not parquet"
        );
        let csv = TABLE.replace("parquet", "csv");
        let message = error(&format!("{csv}delimiter = \";;\"\n"));
        assert_eq!(
            message,
            "table cctns.fir: `delimiter` must be one ASCII character, got \";;\""
        );
        assert!(parse(&format!("{csv}delimiter = \"\\\\t\"\n")).is_ok());
    }

    #[test]
    fn bad_partition_type() {
        let message = error(&format!("{TABLE}partitions = [\"dt:datetime\"]\n"));
        assert!(
            message.starts_with("table cctns.fir: partitions: unknown type \"datetime\""),
            "{message}"
        );
    }

    #[test]
    fn sort_by_entries() {
        let config = parse(&format!(
            "{TABLE}sort_by = [\"seen_at\", \" district  desc \", \"plate ASC NULLS FIRST\", \"x NULLS last\"]\n"
        ))
        .unwrap();
        let column = |name: &str, descending, nulls_first| SortColumn {
            name: name.into(),
            descending,
            nulls_first,
        };
        assert_eq!(
            config.tables[0].sort_columns().unwrap(),
            [
                column("seen_at", false, false),
                // Descending puts NULLs first unless told otherwise, as ORDER BY ... DESC does.
                column("district", true, true),
                column("plate", false, true),
                column("x", false, false),
            ]
        );
        for (entry, expected) in [
            (
                "",
                "table cctns.fir: sort_by: cannot read \"\": expected a column name",
            ),
            ("seen_at DESCENDING", "cannot read \"seen_at DESCENDING\""),
            ("seen_at NULLS", "cannot read \"seen_at NULLS\""),
            ("seen_at DESC ASC", "cannot read \"seen_at DESC ASC\""),
            ("seen_at, plate", "cannot read \"seen_at, plate\""),
        ] {
            let message = error(&format!("{TABLE}sort_by = [{entry:?}]\n"));
            assert!(message.contains(expected), "{entry}: {message}");
        }
        let message = error(&format!("{TABLE}sort_by = [\"a\", \"a DESC\"]\n"));
        assert_eq!(
            message,
            "table cctns.fir: sort_by: column \"a\" is named twice"
        );
    }

    #[test]
    fn store_checks() {
        let message = error("[store.x]\nurl = \"ftp://h\"\n");
        assert!(
            message.starts_with("store.x: url \"ftp://h\" must start with s3://"),
            "{message}"
        );
        let message = error("[store.x]\nurl = \"s3://b/path\"\n");
        assert!(message.contains("must name a bucket only"), "{message}");
        let message = error("[store.x]\nurl = \"s3://b\"\naccess_key_id = \"a\"\n");
        assert!(message.contains("give both"), "{message}");
        let message = error("[store.x]\nurl = \"https://h\"\nregion = \"r\"\n");
        assert_eq!(message, "store.x: `region` applies only to s3:// stores");
    }

    #[test]
    fn error_with_file_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lake.toml");
        std::fs::write(&path, "bogus = 1\n").unwrap();
        let message = LakeConfig::load(&path).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}:1:1: unknown field `bogus`, expected one of `name`, `read_only`, `reports`, `store`, `runtime`, `table`, `server`, `cluster`, `access`",
                path.display()
            )
        );
        let missing = dir.path().join("nope.toml");
        let message = LakeConfig::load(&missing).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}: cannot read lake config: file not found",
                missing.display()
            )
        );
    }

    #[test]
    fn name_defaults_to_folder() {
        let dir = tempfile::tempdir().unwrap();
        let lake_dir = dir.path().join("jaipur-lake");
        std::fs::create_dir(&lake_dir).unwrap();
        std::fs::write(lake_dir.join("lake.toml"), "").unwrap();
        let config = LakeConfig::load(&lake_dir.join("lake.toml")).unwrap();
        assert_eq!(config.display_name(), "jaipur-lake");
        assert_eq!(config.base_dir, lake_dir);
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.toml");
        std::fs::write(&other, "").unwrap();
        // Nothing anywhere: the default lake.
        assert_eq!(
            find_config_in(None, dir.path(), None).unwrap(),
            ConfigSource::Default
        );
        // $JAANCH_LAKE when there is no ./lake.toml.
        assert_eq!(
            find_config_in(None, dir.path(), Some(other.clone())).unwrap(),
            ConfigSource::File(other.clone())
        );
        let message = find_config_in(None, dir.path(), Some(dir.path().join("gone.toml")))
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("JAANCH_LAKE="), "{message}");
        // ./lake.toml wins over $JAANCH_LAKE.
        std::fs::write(dir.path().join("lake.toml"), "").unwrap();
        assert_eq!(
            find_config_in(None, dir.path(), Some(other.clone())).unwrap(),
            ConfigSource::File(dir.path().join("lake.toml"))
        );
        // --lake wins over everything, and must exist.
        assert_eq!(
            find_config_in(Some(&other), dir.path(), None).unwrap(),
            ConfigSource::File(other.clone())
        );
        let message = find_config_in(Some(Path::new("/no/such.toml")), dir.path(), None)
            .unwrap_err()
            .to_string();
        assert_eq!(message, "--lake /no/such.toml: file not found");
    }
}
