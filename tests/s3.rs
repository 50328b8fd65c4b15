//! The lake over a real S3-compatible server: moto (`pip install 'moto[server]'`), started on a
//! free loopback port with authentication enforced, so that wrong keys are really refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jaanch::{Lake, LakeConfig, Session};
use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3Builder;

use crate::common::{FixtureLake, free_port, query, session};

const BUCKET: &str = "police-lake";

/// Requests moto serves without checking signatures: the set-up below (create a user, give it a
/// policy, create its key, create the bucket). Every later request must be signed correctly.
const UNAUTHENTICATED_SETUP_REQUESTS: usize = 4;

struct Moto {
    child: Child,
    port: u16,
    access_key: String,
    secret_key: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `moto_server` from `$JAANCH_MOTO_SERVER`, the project's virtual environment, or `PATH`.
fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("JAANCH_MOTO_SERVER") {
        return path.into();
    }
    let venv = crate::common::repository().join(".venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("moto_server"))
            .find(|candidate| candidate.exists())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "moto_server not found: run the test command from the README (it installs it), \
             or `pip install 'moto[server]'`"
        )
    })
}

/// One plain HTTP/1.1 request to the server; returns the response body.
fn http(port: u16, method: &str, path: &str, headers: &[&str], body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "{method} {path}: {response}"
    );
    response
}

fn xml_value<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap() + open.len();
    let end = start + xml[start..].find('<').unwrap();
    &xml[start..end]
}

impl Moto {
    fn start() -> Moto {
        let port = free_port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env(
                "INITIAL_NO_AUTH_ACTION_COUNT",
                UNAUTHENTICATED_SETUP_REQUESTS.to_string(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let mut moto = Moto {
            child,
            port,
            access_key: String::new(),
            secret_key: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            if let Some(status) = moto.child.try_wait().unwrap() {
                panic!("moto_server exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        moto.create_user_and_bucket();
        moto
    }

    /// IAM requests are routed by the service named in an Authorization header; it is not
    /// checked during set-up.
    fn create_user_and_bucket(&mut self) {
        let iam = "Authorization: AWS4-HMAC-SHA256 Credential=setup/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";
        let form = "Content-Type: application/x-www-form-urlencoded";
        let call = |body: String| http(self.port, "POST", "/", &[iam, form], &body);
        call("Action=CreateUser&UserName=analyst&Version=2010-05-08".into());
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let policy: String = url::form_urlencoded::byte_serialize(policy.as_bytes()).collect();
        call(format!(
            "Action=PutUserPolicy&UserName=analyst&PolicyName=all&PolicyDocument={policy}&Version=2010-05-08"
        ));
        let key = call("Action=CreateAccessKey&UserName=analyst&Version=2010-05-08".into());
        self.access_key = xml_value(&key, "AccessKeyId").to_string();
        self.secret_key = xml_value(&key, "SecretAccessKey").to_string();
        http(self.port, "PUT", &format!("/{BUCKET}"), &[], "");
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Copies every file under `local` to `s3://police-lake/{prefix}`, signed with the real key.
    async fn upload(&self, local: &Path, prefix: &str) {
        let store = AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_endpoint(self.endpoint())
            .with_region("us-east-1")
            .with_access_key_id(&self.access_key)
            .with_secret_access_key(&self.secret_key)
            .with_allow_http(true)
            .build()
            .unwrap();
        let mut pending = vec![local.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(local)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let key = object_store::path::Path::from(format!("{prefix}/{relative}"));
                store
                    .put(&key, std::fs::read(&path).unwrap().into())
                    .await
                    .unwrap();
            }
        }
    }

    /// The `[store.lake]` of a lake config reading the bucket through this server, with
    /// `secret` as the secret key's value (text, or `${VAR}`).
    fn store(&self, secret: &str) -> String {
        format!(
            "[store.lake]\nurl = \"s3://{BUCKET}\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n\
             access_key_id = \"{}\"\nsecret_access_key = \"{secret}\"\nallow_http = true\n",
            self.endpoint(),
            self.access_key
        )
    }

    /// A lake config reading `location` through this server; the secret comes from `${VAR}`.
    fn lake(&self, location: &str, secret: &str) -> Session {
        let text = format!(
            "{}\n[[table]]\nname = \"abhay.anpr_reads\"\nlocation = \"{location}\"\n\
             format = \"parquet\"\npartitions = [\"dt\"]\n",
            self.store("${LAKE_SECRET}")
        );
        let secret = secret.to_string();
        let env = move |name: &str| (name == "LAKE_SECRET").then(|| secret.clone());
        session(Lake::from_config(LakeConfig::parse(&text, Path::new("/"), env).unwrap()).unwrap())
    }
}

const QUERIES: [&str; 4] = [
    "SELECT count(*), count(DISTINCT dt), sum(read_id) FROM abhay.anpr_reads",
    "SELECT dt, count(*) FROM abhay.anpr_reads GROUP BY dt ORDER BY dt",
    "SELECT read_id, plate_text, camera_id FROM abhay.anpr_reads WHERE dt = '2024-01-02' ORDER BY read_id",
    "SELECT camera_id, count(*) FROM abhay.anpr_reads WHERE dt >= '2024-01-02' GROUP BY 1 ORDER BY 1",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_lake_answers_like_local_files() {
    let moto = Moto::start();
    let fixture = FixtureLake::new();
    moto.upload(&fixture.dir.path().join("anpr_reads"), "abhay/anpr_reads")
        .await;
    let local = fixture.open();
    let s3 = moto.lake("s3://police-lake/abhay/anpr_reads/", &moto.secret_key);
    for sql in QUERIES {
        let expected = query(&local, sql).await;
        assert!(!expected.is_empty(), "{sql}");
        assert_eq!(query(&s3, sql).await, expected, "{sql}");
    }
    // Partition pruning works over S3 too: one day is two files.
    let plan = s3
        .sql("SELECT * FROM abhay.anpr_reads WHERE dt = '2024-01-03'")
        .await
        .unwrap()
        .plan();
    let text = datafusion::physical_plan::displayable(plan.as_ref())
        .indent(true)
        .to_string();
    assert_eq!(text.matches(".parquet").count(), 2, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_goes_down_fails_the_query_naming_the_object() {
    let mut moto = Moto::start();
    let fixture = FixtureLake::new();
    moto.upload(&fixture.dir.path().join("anpr_reads"), "abhay/anpr_reads")
        .await;
    let s3 = moto.lake("s3://police-lake/abhay/anpr_reads/", &moto.secret_key);
    // The table is listed and its schema read; then the server stops before its files are.
    assert!(!query(&s3, QUERIES[1]).await.is_empty());
    let _ = moto.child.kill();
    let _ = moto.child.wait();
    let started = Instant::now();
    let error = crate::access::error(
        &s3,
        "SELECT count(*) FROM abhay.anpr_reads WHERE plate_text <> ''",
    )
    .await;
    let object = format!(
        "cannot connect to the object store for http://127.0.0.1:{}/police-lake/abhay/anpr_reads/dt=",
        moto.port
    );
    assert!(error.starts_with(&object), "{error}");
    assert!(
        error.ends_with(".parquet (is the endpoint right and the server up?)"),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
    // A few quick retries, not the object store's default of minutes (a bound, not a timing).
    assert!(started.elapsed() < Duration::from_secs(60), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_errors_are_clear() {
    let moto = Moto::start();
    let fixture = FixtureLake::new();
    moto.upload(&fixture.dir.path().join("anpr_reads"), "abhay/anpr_reads")
        .await;

    let wrong_secret = moto.lake("s3://police-lake/abhay/anpr_reads/", "not-the-secret");
    let error = wrong_secret
        .sql("SELECT count(*) FROM abhay.anpr_reads")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "table abhay.anpr_reads: cannot read s3://police-lake/abhay/anpr_reads/: \
         object store refused the request: SignatureDoesNotMatch \
         (check the store's access_key_id / secret_access_key)"
    );

    let text = format!(
        "[store.other]\nurl = \"s3://no-such-bucket\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n\
         access_key_id = \"{}\"\nsecret_access_key = \"{}\"\nallow_http = true\n\
         [[table]]\nname = \"abhay.anpr_reads\"\nlocation = \"s3://no-such-bucket/anpr/\"\nformat = \"parquet\"\n",
        moto.endpoint(),
        moto.access_key,
        moto.secret_key
    );
    let lake = session(
        Lake::from_config(LakeConfig::parse(&text, Path::new("/"), |_| None).unwrap()).unwrap(),
    );
    let error = lake
        .sql("SELECT count(*) FROM abhay.anpr_reads")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "table abhay.anpr_reads: cannot read s3://no-such-bucket/anpr/: \
         object store refused the request: NoSuchBucket (the bucket does not exist: check the store's url)"
    );

    // A location in a bucket no store is configured for is a config error at open time.
    let text =
        "[[table]]\nname = \"a.b\"\nlocation = \"s3://unconfigured/x/\"\nformat = \"parquet\"\n";
    let error = Lake::from_config(LakeConfig::parse(text, Path::new("/"), |_| None).unwrap())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "table a.b: no store is configured for s3://unconfigured (add a [store.NAME] with url = \"s3://unconfigured\")"
    );
}

/// A Delta table on S3 reads like its local copy at every version: by number, and by moment
/// (the commits carry their own times, so an upload that changes file times keeps them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_tables_on_s3_travel_in_time_like_local_ones() {
    let moto = Moto::start();
    let local_lake = crate::reports::demo_lake();
    let fir = local_lake.parent().unwrap().join("cctns/fir");
    moto.upload(&fir, "cctns/fir").await;
    let text = format!(
        "{}\n[[table]]\nname = \"cctns.fir\"\nlocation = \"s3://{BUCKET}/cctns/fir/\"\nformat = \"delta\"\n",
        moto.store(&moto.secret_key)
    );
    let s3 = session(
        Lake::from_config(LakeConfig::parse(&text, Path::new("/"), |_| None).unwrap()).unwrap(),
    );
    let local = session(Lake::open(local_lake).unwrap());
    for sql in [
        "SELECT count(*), count(DISTINCT status), max(registered_at) FROM cctns.fir",
        "SELECT status, count(*) FROM as_of(cctns.fir, 3) GROUP BY 1 ORDER BY 1",
        "SELECT count(*) FROM as_of(cctns.fir, '2025-12-13')",
        "SELECT year, count(*) FROM as_of(cctns.fir, '2025-12-20T10:00:00Z') WHERE year >= 2024 GROUP BY 1 ORDER BY 1",
        "CALL history('cctns.fir')",
    ] {
        let expected = query(&local, sql).await;
        assert!(!expected.is_empty(), "{sql}");
        assert_eq!(query(&s3, sql).await, expected, "{sql}");
    }
    let result = s3
        .sql("SELECT count(*) FROM as_of(cctns.fir, 2) WHERE year = 2025")
        .await
        .unwrap();
    let read = result.reads()[0].clone();
    assert_eq!(
        (read.table.as_str(), read.version.map(|v| v.0)),
        ("cctns.fir", Some(2))
    );
    result.collect().await.unwrap();
    let error = s3
        .sql("SELECT count(*) FROM as_of(cctns.fir, '2020-01-01')")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("no version as of 2020-01-01T23:59:59.999+05:30"),
        "{error}"
    );
}

/// A cluster's processes read a table's files themselves: started with a lake config that does
/// not reach the table's store, an executor makes the statement fail with one line that names
/// the location and says what to do — never an empty or partial answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_cannot_reach_a_table_says_where() {
    let moto = Moto::start();
    let fixture = FixtureLake::new();
    moto.upload(&fixture.dir.path().join("anpr_reads"), "abhay/anpr_reads")
        .await;
    let config = fixture.dir.path().join("s3.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[[table]]\nname = \"abhay.anpr_reads\"\nlocation = \"s3://{BUCKET}/abhay/anpr_reads/\"\n\
             format = \"parquet\"\npartitions = [\"dt\"]\n",
            moto.store(&moto.secret_key)
        ),
    )
    .unwrap();
    let sql = QUERIES[0];
    let lake = Lake::open(&config).unwrap();
    let expected = query(&session(Lake::open(&config).unwrap()), sql).await;

    // Every process with the store: the cluster answers as this machine does.
    let cluster = crate::cluster::TestCluster::start(&config, 1);
    lake.set_cluster(Some(cluster.cluster.clone()));
    assert_eq!(query(&session(lake.clone()), sql).await, expected);
    drop(cluster);

    // An executor started with the fixture's own config, which has no store for the bucket.
    let plain = fixture.dir.path().join("lake.toml");
    let cluster = crate::cluster::TestCluster::start_with(&config, &plain, 1);
    lake.set_cluster(Some(cluster.cluster.clone()));
    let error = crate::access::error(&session(lake), sql).await;
    assert_eq!(
        error,
        format!(
            "the cluster {} cannot reach s3://{BUCKET}/: a table must be on S3-compatible storage \
             or a path every executor sees, and the scheduler and every executor must be started \
             with a lake config whose [store] reaches it",
            cluster.cluster
        )
    );
}
