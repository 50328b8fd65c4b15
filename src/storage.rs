//! Object stores named in the lake config, which store each table location uses, and the file
//! scans of the plans that read them.

use std::sync::Arc;

use datafusion::datasource::listing::ListingTableUrl;
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::physical_plan::ExecutionPlan;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::http::HttpBuilder;
use url::Url;

use crate::config::{ConfigError, LakeConfig, StoreConfig, TableConfig};

/// What `node` reads and how, if it is a scan of files (Parquet, CSV, JSON, ...).
pub(crate) fn file_scan(node: &dyn ExecutionPlan) -> Option<&FileScanConfig> {
    node.downcast_ref::<DataSourceExec>()?
        .data_source()
        .downcast_ref::<FileScanConfig>()
}

/// Registers local files (small reads in place: see `LocalFiles`), every configured store, and
/// an anonymous HTTP(S) store for each web host a table reads from without one. Nothing here
/// touches the network: stores connect on first use.
pub fn register_stores(config: &LakeConfig, runtime: &RuntimeEnv) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        let local = Url::parse("file://").expect("a scheme is a URL");
        let files = crate::local_files::LocalFiles::default();
        runtime.register_object_store(&local, Arc::new(files));
    }
    for (name, store) in &config.stores {
        let url =
            store_root(&store.url).map_err(|m| ConfigError::new(format!("store.{name}: {m}")))?;
        let object_store =
            build_store(store, &url).map_err(|e| ConfigError::new(format!("store.{name}: {e}")))?;
        runtime.register_object_store(&url, object_store);
    }
    for table in &config.tables {
        let url = table_url(config, table)?;
        let scheme = url.scheme();
        if scheme == "file" {
            continue;
        }
        let root = store_root(url.as_str())
            .map_err(|m| ConfigError::new(format!("table {}: {m}", table.name)))?;
        if runtime.object_store(&url).is_ok() {
            continue;
        }
        match scheme {
            "http" | "https" => {
                let store = HttpBuilder::new()
                    .with_url(root.as_str())
                    .build()
                    .map_err(|e| ConfigError::new(format!("table {}: {e}", table.name)))?;
                runtime.register_object_store(&root, Arc::new(store));
            }
            _ => {
                return Err(ConfigError::new(format!(
                    "table {}: no store is configured for {} (add a [store.NAME] with url = \"{}\")",
                    table.name,
                    root.as_str().trim_end_matches('/'),
                    root.as_str().trim_end_matches('/'),
                )));
            }
        }
    }
    Ok(())
}

/// The table's location as a listing URL: a path relative to the config file's folder, an
/// absolute path, or a URL. Folders get a trailing `/` so they are listed, not read as a file.
pub fn table_url(config: &LakeConfig, table: &TableConfig) -> Result<ListingTableUrl, ConfigError> {
    let location = table.location.trim();
    let bad = |e: datafusion::error::DataFusionError| {
        ConfigError::new(format!(
            "table {}: bad location {location:?}: {}",
            table.name,
            crate::error::one_line(&e)
        ))
    };
    if location.contains("://") {
        return ListingTableUrl::parse(location).map_err(bad);
    }
    let path = config.resolve_path(location);
    let mut text = path.to_string_lossy().into_owned();
    if path.is_dir() && !text.ends_with('/') {
        text.push('/');
    }
    ListingTableUrl::parse(&text).map_err(bad)
}

/// `scheme://host[:port]/` of a URL: the key object stores are registered under.
fn store_root(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("bad url {url:?}: {e}"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("url {url:?} has no bucket or host"))?;
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    Url::parse(&format!("{}://{host}{port}/", parsed.scheme()))
        .map_err(|e| format!("bad url {url:?}: {e}"))
}

fn build_store(store: &StoreConfig, root: &Url) -> object_store::Result<Arc<dyn ObjectStore>> {
    match root.scheme() {
        "s3" => {
            // Credentials, region and endpoint not given in the config come from the usual
            // AWS_* environment variables.
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(root.host_str().unwrap_or_default())
                .with_allow_http(store.allow_http);
            if let Some(endpoint) = &store.endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            if let Some(region) = &store.region {
                builder = builder.with_region(region);
            }
            if let Some(key) = &store.access_key_id {
                builder = builder.with_access_key_id(key);
            }
            if let Some(secret) = &store.secret_access_key {
                builder = builder.with_secret_access_key(secret);
            }
            if let Some(token) = &store.session_token {
                builder = builder.with_token(token);
            }
            Ok(Arc::new(builder.with_retry(retries()).build()?))
        }
        _ => Ok(Arc::new(
            HttpBuilder::new()
                .with_url(root.as_str())
                .with_client_options(
                    object_store::ClientOptions::new().with_allow_http(store.allow_http),
                )
                .with_retry(retries())
                .build()?,
        )),
    }
}

/// How requests to a store are retried: a few times, over seconds, not the object store's
/// default of ten times over up to three minutes, so that a store that is down fails the query
/// while the analyst is still waiting for it (connections time out after 5 s, requests after
/// 30 s).
fn retries() -> object_store::RetryConfig {
    object_store::RetryConfig {
        max_retries: 4,
        retry_timeout: std::time::Duration::from_secs(30),
        ..Default::default()
    }
}
