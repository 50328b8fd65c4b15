//! `jaanch serve`: the Flight SQL server, driven by arrow-flight's own Flight SQL client. Each
//! test starts the server on 127.0.0.1 (any free port, read from its first line) and stops it.
//! Every rule of the access fixture is tried again over the wire, and so are the ways around
//! the login: no token, a forged or another server's token, someone else's ticket.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use arrow::array::RecordBatch;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_client::FlightServiceClient;
use arrow_flight::sql::client::FlightSqlServiceClient;
use arrow_flight::sql::{CommandGetDbSchemas, CommandGetTables, ProstMessageExt};
use arrow_flight::{FlightInfo, HandshakeRequest, Ticket};
use futures::TryStreamExt;
use prost::Message;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::access::GovernedLake;
use crate::common::{jaanch, signal, text_rows};

/// The access fixture, with passwords for its users and an audit log.
pub(crate) fn served_lake() -> GovernedLake {
    served_lake_with("")
}

/// [`served_lake`] with more config (`[server]` limits) after the access config.
fn served_lake_with(more: &str) -> GovernedLake {
    let hash = |password: &str| jaanch_server::hash_password(password).unwrap();
    let lake = GovernedLake::with_access(
        &(format!(
            r#"
[access.audit]
dir = "audit"
signing_key = "keys/audit.key"

[[access.user]]
name = "srv.kota"
role = "district_analyst"
district = "Kota"
password = "{}"

[[access.user]]
name = "srv.cyber"
role = "cyber_cell"
password = "{}"

[[access.user]]
name = "srv.officer"
role = "case_officer"
password = "{}"
"#,
            hash("kota-secret"),
            hash("cyber:secret"),
            hash("officer-secret"),
        ) + more),
    );
    let keys = lake.dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    jaanch::audit::generate_key(&keys.join("audit.key")).unwrap();
    lake
}

/// A running `jaanch serve`, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    addr: String,
}

impl Server {
    pub(crate) fn start(config: &Path, args: &[&str]) -> Server {
        let mut child = jaanch(config.parent().unwrap())
            .arg("--lake")
            .arg(config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(addr) = line
            .trim()
            .rsplit_once("grpc://")
            .map(|(_, a)| a.to_string())
        else {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the server did not start: {line:?} {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        Server { child, addr }
    }

    async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    async fn client(&self) -> FlightSqlServiceClient<Channel> {
        FlightSqlServiceClient::new(self.channel().await)
    }

    pub(crate) async fn login(
        &self,
        user: &str,
        password: &str,
    ) -> FlightSqlServiceClient<Channel> {
        let mut client = self.client().await;
        client.handshake(user, password).await.unwrap();
        client
    }
}

/// A login by the raw Flight handshake (HTTP Basic): the bearer header, or the status.
async fn handshake(server: &Server, user: &str, password: &str) -> Result<String, Status> {
    use base64::Engine as _;
    let mut raw = FlightServiceClient::new(server.channel().await);
    let mut request = tonic::Request::new(futures::stream::iter([HandshakeRequest::default()]));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    request
        .metadata_mut()
        .insert("authorization", format!("Basic {basic}").parse().unwrap());
    let response = raw.handshake(request).await?;
    let bearer = response.metadata().get("authorization").unwrap();
    Ok(bearer.to_str().unwrap().to_string())
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status(error: FlightError) -> Status {
    match error {
        FlightError::Tonic(status) => *status,
        other => Status::unknown(other.to_string()),
    }
}

async fn query(
    client: &mut FlightSqlServiceClient<Channel>,
    sql: &str,
) -> Result<Vec<RecordBatch>, Status> {
    let info = client
        .execute(sql.to_string(), None)
        .await
        .map_err(status)?;
    fetch_info(client, info).await
}

/// The rows of the (one) endpoint of `info`.
async fn fetch_info(
    client: &mut FlightSqlServiceClient<Channel>,
    info: FlightInfo,
) -> Result<Vec<RecordBatch>, Status> {
    fetch(client, info.endpoint[0].ticket.clone().unwrap()).await
}

async fn fetch(
    client: &mut FlightSqlServiceClient<Channel>,
    ticket: Ticket,
) -> Result<Vec<RecordBatch>, Status> {
    let stream = client.do_get(ticket).await.map_err(status)?;
    stream.try_collect().await.map_err(status)
}

pub(crate) async fn rows(
    client: &mut FlightSqlServiceClient<Channel>,
    sql: &str,
) -> Vec<Vec<String>> {
    text_rows(&query(client, sql).await.unwrap())
}

pub(crate) async fn refusal(
    client: &mut FlightSqlServiceClient<Channel>,
    sql: &str,
) -> (Code, String) {
    let status = query(client, sql).await.unwrap_err();
    (status.code(), status.message().to_string())
}

#[test]
fn refuses_to_serve_everything_to_everyone_or_in_clear() {
    let plain = crate::common::FixtureLake::new();
    let output = jaanch(plain.dir.path())
        .arg("--lake")
        .arg(plain.config_path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = crate::common::stderr(&output);
    assert!(message.contains("has no [access] config"), "{message}");
    assert!(message.contains("--single-user"), "{message}");

    let lake = served_lake();
    let output = jaanch(lake.dir.path())
        .arg("--lake")
        .arg(lake.config_path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = crate::common::stderr(&output);
    assert!(
        message.contains("is not a loopback address and the server has no TLS"),
        "{message}"
    );
    assert!(message.contains("--tls-cert"), "{message}");

    let output = jaanch(lake.dir.path())
        .arg("--lake")
        .arg(lake.config_path())
        .args(["serve", "--listen", "127.0.0.1:0", "--single-user"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(crate::common::stderr(&output).contains("--single-user is for lakes without one"));
}

#[tokio::test]
async fn a_user_sees_over_the_wire_what_the_rules_let_them_see_locally() {
    let lake = served_lake();
    let server = Server::start(&lake.config_path(), &[]);
    let mut kota = server.login("srv.kota", "kota-secret").await;
    let sql = "SELECT fir_id, district, phone FROM cctns.fir ORDER BY fir_id";
    let remote = rows(&mut kota, sql).await;
    let local = crate::access::rows(&lake.session("srv.kota"), sql).await;
    assert_eq!(remote, local);
    assert_eq!(remote.len(), 2, "Kota's two FIRs: {remote:?}");
    assert!(
        remote
            .iter()
            .all(|r| r[1] == "Kota" && !r[2].contains("9829012345"))
    );

    // A masked column compared, grouped and joined on stays masked.
    assert_eq!(
        rows(
            &mut kota,
            "SELECT count(*) FROM cctns.fir WHERE phone = '9829012345'"
        )
        .await,
        vec![vec!["0".to_string()]]
    );
    // Another district's rows, by any shape of query.
    for sql in [
        "SELECT count(*) FROM cctns.fir WHERE district = 'Jaipur'",
        "SELECT count(*) FROM (SELECT * FROM cctns.fir UNION ALL SELECT * FROM cctns.fir) WHERE district <> 'Kota'",
        "SELECT count(*) FROM cctns.accused a JOIN cctns.fir f USING (fir_id) WHERE a.district = 'Jaipur'",
    ] {
        assert_eq!(
            rows(&mut kota, sql).await,
            vec![vec!["0".to_string()]],
            "{sql}"
        );
    }

    // A table outside the grants does not exist, word for word as locally.
    let (code, message) = refusal(&mut kota, "SELECT * FROM telecom.subscribers").await;
    assert_eq!(code, Code::InvalidArgument);
    let local = crate::access::error(
        &lake.session("srv.kota"),
        "SELECT * FROM telecom.subscribers",
    )
    .await;
    assert_eq!(message, local);
    assert!(!message.contains("aadhaar"), "{message}");

    // Writes and paths are refused.
    let (code, message) = refusal(&mut kota, "COPY (SELECT 1) TO '/tmp/x.csv'").await;
    assert_eq!(code, Code::PermissionDenied, "{message}");
    let (code, _) = refusal(&mut kota, "SELECT * FROM '/etc/passwd'").await;
    assert_ne!(code, Code::Ok);

    // The cyber cell sees Aadhaar numbers masked.
    let mut cyber = server.login("srv.cyber", "cyber:secret").await;
    let subscribers = rows(&mut cyber, "SELECT aadhaar FROM telecom.subscribers").await;
    assert_eq!(subscribers.len(), 2);
    assert!(
        subscribers.iter().all(|r| !r[0].contains("234567890123")),
        "{subscribers:?}"
    );
}

#[tokio::test]
async fn metadata_lists_only_the_granted_tables_with_masked_columns() {
    let lake = served_lake();
    let server = Server::start(&lake.config_path(), &[]);
    let mut kota = server.login("srv.kota", "kota-secret").await;
    let info = kota
        .get_tables(CommandGetTables {
            include_schema: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let batches = fetch_info(&mut kota, info).await.unwrap();
    let tables: Vec<String> = text_rows(&batches)
        .into_iter()
        .map(|r| format!("{}.{}", r[1], r[2]))
        .collect();
    assert!(tables.contains(&"cctns.fir".to_string()), "{tables:?}");
    assert!(tables.contains(&"ref.districts".to_string()), "{tables:?}");
    for hidden in ["telecom.subscribers", "intel.notes"] {
        assert!(!tables.contains(&hidden.to_string()), "{tables:?}");
    }
    // Each table's columns, as the user's session reads them (the masked phone included).
    let fir = tables.iter().position(|t| t == "cctns.fir").unwrap();
    let batch = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let encoded = batch
        .column_by_name("table_schema")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow::array::BinaryArray>()
        .unwrap()
        .value(fir)
        .to_vec();
    let served =
        arrow::datatypes::Schema::try_from(arrow_flight::IpcMessage(encoded.into())).unwrap();
    let session = lake.session("srv.kota");
    let entry = session
        .tables()
        .into_iter()
        .find(|t| t.name == "cctns.fir")
        .unwrap();
    assert_eq!(
        &served,
        session.table_schema(&entry).await.unwrap().as_ref()
    );
    let info = kota
        .get_db_schemas(CommandGetDbSchemas::default())
        .await
        .unwrap();
    let schemas = text_rows(&fetch_info(&mut kota, info).await.unwrap());
    let names: Vec<&str> = schemas.iter().map(|r| r[1].as_str()).collect();
    assert!(
        names.contains(&"cctns") && !names.contains(&"intel") && !names.contains(&"telecom"),
        "{names:?}"
    );
    let info = kota.get_catalogs().await.unwrap();
    let catalogs = text_rows(&fetch_info(&mut kota, info).await.unwrap());
    assert_eq!(catalogs, vec![vec![jaanch::CATALOG.to_string()]]);
}

#[tokio::test]
async fn no_way_in_without_a_login_of_ones_own() {
    let lake = served_lake();
    let server = Server::start(&lake.config_path(), &[]);

    // No token.
    let mut anonymous = server.client().await;
    let (code, message) = refusal(&mut anonymous, "SELECT 1").await;
    assert_eq!(code, Code::Unauthenticated);
    assert!(message.contains("log in first"), "{message}");

    // Wrong password, unknown user: the same answer.
    let wrong = handshake(&server, "srv.kota", "guess").await.unwrap_err();
    let unknown = handshake(&server, "nobody", "guess").await.unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    assert_eq!(
        (wrong.code(), wrong.message()),
        (unknown.code(), unknown.message())
    );
    // A user of the config without a password cannot log in.
    let passwordless = handshake(&server, "si.kota01", "").await.unwrap_err();
    assert_eq!(passwordless.code(), Code::Unauthenticated);
    // Not HTTP Basic at all.
    let mut raw = FlightServiceClient::new(server.channel().await);
    let mut request = tonic::Request::new(futures::stream::iter([HandshakeRequest::default()]));
    request
        .metadata_mut()
        .insert("authorization", "Basic !!!".parse().unwrap());
    let garbled = raw.handshake(request).await.unwrap_err();
    assert_eq!(garbled.code(), Code::InvalidArgument, "{garbled:?}");

    // A token altered to name another user, or made up.
    let mut kota = server.login("srv.kota", "kota-secret").await;
    let token = kota.token().unwrap().clone();
    let parts: Vec<&str> = token.split('.').collect();
    let cyber_name = base64_url("srv.cyber");
    for forged in [
        format!("{}.{cyber_name}.{}.{}", parts[0], parts[2], parts[3]),
        format!("{}.{}.{}.{}", parts[0], parts[1], u64::MAX, parts[3]),
        "v1.c3J2LmN5YmVy.99999999999.AAAA".to_string(),
        "not a token".to_string(),
    ] {
        let mut forger = server.client().await;
        forger.set_token(forged.clone());
        let (code, _) = refusal(&mut forger, "SELECT 1").await;
        assert_eq!(code, Code::Unauthenticated, "{forged}");
    }

    // Another server's token.
    let other_lake = served_lake();
    let other = Server::start(&other_lake.config_path(), &[]);
    let mut elsewhere = other.client().await;
    elsewhere.set_token(token);
    assert_eq!(
        refusal(&mut elsewhere, "SELECT 1").await.0,
        Code::Unauthenticated
    );

    // Someone else's ticket: the cyber cell plans, Kota tries to fetch it.
    let mut cyber = server.login("srv.cyber", "cyber:secret").await;
    let info = cyber
        .execute("SELECT msisdn FROM telecom.subscribers".to_string(), None)
        .await
        .unwrap();
    let ticket = info.endpoint[0].ticket.clone().unwrap();
    let stolen = fetch(&mut kota, ticket.clone()).await.unwrap_err();
    assert_eq!(stolen.code(), Code::NotFound, "{stolen:?}");
    // Its owner still can, once.
    assert_eq!(
        text_rows(&fetch(&mut cyber, ticket.clone()).await.unwrap()).len(),
        2
    );
    assert_eq!(
        fetch(&mut cyber, ticket).await.unwrap_err().code(),
        Code::NotFound
    );

    // Malformed tickets.
    for bytes in [&b""[..], b"garbage", &[0xff; 64]] {
        let answer = fetch(&mut kota, Ticket::new(bytes.to_vec()))
            .await
            .unwrap_err();
        assert!(
            matches!(
                answer.code(),
                Code::InvalidArgument | Code::NotFound | Code::Unimplemented
            ),
            "{answer:?}"
        );
    }

    // Malformed descriptors: not a command, an unknown command, a path.
    let token = kota.token().unwrap().clone();
    for descriptor in [
        arrow_flight::FlightDescriptor::new_cmd(b"garbage".to_vec()),
        arrow_flight::FlightDescriptor::new_cmd(
            arrow_flight::sql::Any {
                type_url: "type.googleapis.com/arrow.flight.protocol.sql.CommandNoSuchThing"
                    .to_string(),
                value: b"\x0a\x03abc".to_vec().into(),
            }
            .encode_to_vec(),
        ),
        arrow_flight::FlightDescriptor::new_path(vec!["cctns".to_string(), "fir".to_string()]),
    ] {
        let mut raw = FlightServiceClient::new(server.channel().await);
        let mut request = tonic::Request::new(descriptor.clone());
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let answer = raw.get_flight_info(request).await.unwrap_err();
        assert!(
            matches!(
                answer.code(),
                Code::InvalidArgument | Code::Unimplemented | Code::NotFound
            ),
            "{descriptor:?}: {answer:?}"
        );
    }

    // The server is still healthy.
    assert_eq!(
        rows(&mut kota, "SELECT 1").await,
        vec![vec!["1".to_string()]]
    );
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_and_audited() {
    let lake = served_lake();
    let server = Server::start(&lake.config_path(), &[]);
    for _ in 0..4 {
        let answer = handshake(&server, "srv.kota", "guess").await.unwrap_err();
        assert_eq!(answer.code(), Code::Unauthenticated);
    }
    // Now even the right password must wait.
    let answer = handshake(&server, "srv.kota", "kota-secret")
        .await
        .unwrap_err();
    assert_eq!(answer.code(), Code::ResourceExhausted, "{answer:?}");
    assert!(answer.message().contains("try again in"), "{answer:?}");

    // Each failure is on the audit log, with the client's address.
    let log = std::fs::read_to_string(lake.dir.path().join("audit/000001.jsonl")).unwrap();
    let failures: Vec<&str> = log.lines().filter(|l| l.contains("login failed")).collect();
    assert_eq!(failures.len(), 4, "{log}");
    assert!(
        failures
            .iter()
            .all(|l| l.contains("\"client\":\"server 127.0.0.1:")),
        "{log}"
    );
}

#[tokio::test]
async fn statements_are_audited_with_the_client_and_purpose() {
    let lake = served_lake();
    let server = Server::start(&lake.config_path(), &[]);
    // A role that requires a purpose runs nothing without one.
    let mut officer = server.login("srv.officer", "officer-secret").await;
    let (code, message) = refusal(&mut officer, "SELECT count(*) FROM cctns.fir").await;
    assert_eq!(code, Code::PermissionDenied);
    assert!(message.contains("requires a purpose"), "{message}");
    officer.set_header("x-jaanch-purpose", "FIR 12/2025 PS Kotwali");
    assert_eq!(
        rows(&mut officer, "SELECT count(*) FROM cctns.fir").await,
        vec![vec!["5".to_string()]]
    );
    let log = std::fs::read_to_string(lake.dir.path().join("audit/000001.jsonl")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(last.contains("\"user\":\"srv.officer\""), "{last}");
    assert!(
        last.contains("\"purpose\":\"FIR 12/2025 PS Kotwali\""),
        "{last}"
    );
    assert!(last.contains("\"client\":\"server 127.0.0.1:"), "{last}");
    assert!(last.contains("\"rows\":1"), "{last}");
}

/// `jaanch user …` with `password` on standard input.
fn user_command(lake: &GovernedLake, args: &[&str], password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = jaanch(lake.dir.path())
        .arg("--lake")
        .arg(lake.config_path())
        .arg("user")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A refusal may come before the password is read, and the process gone: a closed pipe.
    if let Err(error) = writeln!(child.stdin.take().unwrap(), "{password}") {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn users_and_passwords_are_managed_as_hashes_in_the_config() {
    let lake = served_lake();
    let before = std::fs::read_to_string(lake.config_path()).unwrap();
    let added = user_command(
        &lake,
        &[
            "add",
            "srv.jaipur",
            "--role",
            "district_analyst",
            "--district",
            "Jaipur",
        ],
        "jaipur-secret",
    );
    assert!(added.status.success(), "{}", crate::common::stderr(&added));
    let config = std::fs::read_to_string(lake.config_path()).unwrap();
    assert!(
        !config.contains("jaipur-secret"),
        "the password itself is never written"
    );
    assert!(config.contains("name = \"srv.jaipur\""), "{config}");
    // The rest of the config is kept as it was written.
    assert!(config.starts_with(before.trim_end()), "{config}");

    // Refusals change nothing.
    for (args, password, expected) in [
        (
            &["add", "srv.jaipur", "--role", "district_analyst"][..],
            "long-enough",
            "exists already",
        ),
        (&["passwd", "nobody"][..], "long-enough", "no user nobody"),
        (
            &["passwd", "srv.jaipur"][..],
            "short",
            "at least 8 characters",
        ),
        (
            &["add", "x", "--role", "no_such_role"][..],
            "long-enough",
            "no role named no_such_role",
        ),
    ] {
        let output = user_command(&lake, args, password);
        assert!(!output.status.success());
        let message = crate::common::stderr(&output);
        assert!(message.contains(expected), "{args:?}: {message}");
        assert_eq!(std::fs::read_to_string(lake.config_path()).unwrap(), config);
    }

    let server = Server::start(&lake.config_path(), &[]);
    let mut jaipur = server.login("srv.jaipur", "jaipur-secret").await;
    assert_eq!(
        rows(&mut jaipur, "SELECT DISTINCT district FROM cctns.fir").await,
        vec![vec!["Jaipur".to_string()]]
    );
    drop(server);

    let changed = user_command(&lake, &["passwd", "srv.jaipur"], "new-jaipur-secret");
    assert!(
        changed.status.success(),
        "{}",
        crate::common::stderr(&changed)
    );
    let server = Server::start(&lake.config_path(), &[]);
    assert_eq!(
        handshake(&server, "srv.jaipur", "jaipur-secret")
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    assert!(
        handshake(&server, "srv.jaipur", "new-jaipur-secret")
            .await
            .is_ok()
    );
}

/// A Flight action's answers, or its status.
async fn action(
    client: &mut FlightSqlServiceClient<Channel>,
    kind: &str,
    body: Vec<u8>,
) -> Result<Vec<bytes::Bytes>, Status> {
    let action = arrow_flight::Action {
        r#type: kind.to_string(),
        body: body.into(),
    };
    let results = client.do_action(action).await.map_err(status)?;
    let results: Vec<arrow_flight::Result> = results.try_collect().await?;
    Ok(results.into_iter().map(|r| r.body).collect())
}

/// The server's load (`jaanch.status`): queries running, waiting, slots taken, memory held.
async fn load(client: &mut FlightSqlServiceClient<Channel>) -> serde_json::Value {
    let answer = action(client, "jaanch.status", Vec::new()).await.unwrap();
    serde_json::from_slice(&answer[0]).unwrap()
}

/// Waits (up to 10 s) until the server holds no query and no memory.
async fn assert_idle(client: &mut FlightSqlServiceClient<Channel>) {
    let mut last = serde_json::Value::Null;
    for _ in 0..200 {
        last = load(client).await;
        if last["slots"] == 0 && last["running"] == 0 && last["memory_reserved"] == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server still holds queries or memory: {last}");
}

/// A query whose rows go on and on, started, and its first batch read.
async fn endless_rows(
    client: &mut FlightSqlServiceClient<Channel>,
) -> (FlightInfo, arrow_flight::decode::FlightRecordBatchStream) {
    let sql = "SELECT a.value, b.value FROM range(10) a, range(100000000) b";
    let info = client.execute(sql.to_string(), None).await.unwrap();
    let mut stream = client
        .do_get(info.endpoint[0].ticket.clone().unwrap())
        .await
        .unwrap();
    assert!(stream.try_next().await.unwrap().is_some());
    (info, stream)
}

/// How a stream that must not end as if complete stops.
async fn stopped(stream: &mut arrow_flight::decode::FlightRecordBatchStream) -> Status {
    loop {
        match stream.try_next().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("a stopped query must not end as if complete"),
            Err(error) => return status(error),
        }
    }
}

/// One row of text values, named `0`, `1`, ... as ADBC and JDBC bind them.
fn values(values: &[&str]) -> RecordBatch {
    RecordBatch::try_from_iter(values.iter().enumerate().map(|(i, v)| {
        let array: arrow::array::ArrayRef =
            std::sync::Arc::new(arrow::array::StringArray::from(vec![*v]));
        (i.to_string(), array)
    }))
    .unwrap()
}

/// A report of the fixture lake, for calls over the wire.
fn with_reports(lake: &GovernedLake) {
    let dir = lake.dir.path().join("sql");
    std::fs::create_dir(&dir).unwrap();
    crate::common::write_file(
        &dir.join("firs_of.sql"),
        "-- title: FIRs of a district\n-- param: district text\n-- param: after int = 0\n\
         -- output: chart bar fir_id fir_id\n-- output: map district\nSELECT fir_id, district FROM cctns.fir WHERE district = $district AND fir_id > $after ORDER BY fir_id\n",
    );
    crate::common::write_file(
        &dir.join("subscriber_names.sql"),
        "-- title: Subscribers\nSELECT name FROM telecom.subscribers\n",
    );
}

#[tokio::test]
async fn prepared_statements_bind_values_never_sql() {
    let lake = served_lake();
    with_reports(&lake);
    let server = Server::start(&lake.config_path(), &[]);
    let mut kota = server.login("srv.kota", "kota-secret").await;
    let sql = "SELECT fir_id, district FROM cctns.fir WHERE district = ? ORDER BY fir_id";
    let mut prepared = kota.prepare(sql.to_string(), None).await.unwrap();
    let parameters = prepared.parameter_schema().unwrap().clone();
    assert_eq!(parameters.fields().len(), 1);
    // Text, as clients know it (the lake's columns are Utf8View inside).
    assert_eq!(
        parameters.field(0).data_type(),
        &arrow::datatypes::DataType::Utf8
    );
    let columns: Vec<&String> = prepared
        .dataset_schema()
        .unwrap()
        .fields()
        .iter()
        .map(|f| f.name())
        .collect();
    assert_eq!(columns, ["fir_id", "district"]);
    // The same statement, values bound again and again; the row filter holds for each.
    for (district, expected) in [
        ("Kota", 2),
        ("Jaipur", 0),
        ("Kota' OR '1'='1", 0),
        ("x'; DROP TABLE cctns.fir; --", 0),
        ("Kota", 2),
    ] {
        prepared.set_parameters(values(&[district])).unwrap();
        let info = prepared.execute().await.unwrap();
        let found = text_rows(&fetch_info(&mut kota, info).await.unwrap());
        assert_eq!(found.len(), expected, "{district}: {found:?}");
    }
    // A value that is not of the placeholder's type, or too many values.
    let mut counting = kota
        .prepare(
            "SELECT count(*) FROM cctns.fir WHERE fir_id > ?".to_string(),
            None,
        )
        .await
        .unwrap();
    counting.set_parameters(values(&["two"])).unwrap();
    let wrong = status(counting.execute().await.unwrap_err());
    assert_eq!(wrong.code(), Code::InvalidArgument, "{wrong:?}");
    assert_eq!(
        wrong.message(),
        "parameter $1: two (Utf8) cannot be read as Int64"
    );
    counting.set_parameters(values(&["1", "2"])).unwrap();
    let wrong = status(counting.execute().await.unwrap_err());
    assert_eq!(
        wrong.message(),
        "2 parameter values were sent; the statement takes 1 ($1)"
    );
    counting.set_parameters(values(&["1"])).unwrap();
    let info = counting.execute().await.unwrap();
    assert_eq!(
        text_rows(&fetch_info(&mut kota, info).await.unwrap()),
        [["1"]],
        "Kota's FIRs 1 and 3: one is after 1"
    );

    // Preparing is checked as running is: a hidden table does not exist.
    let hidden = status(
        kota.prepare(
            "SELECT * FROM telecom.subscribers WHERE msisdn = ?".to_string(),
            None,
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(hidden.code(), Code::InvalidArgument);
    assert!(
        hidden.message().contains("telecom.subscribers"),
        "{hidden:?}"
    );

    // Another user's prepared statement does not exist for them.
    let create = arrow_flight::sql::ActionCreatePreparedStatementRequest {
        query: "SELECT district FROM cctns.fir".to_string(),
        transaction_id: None,
    };
    let answer = action(
        &mut kota,
        "CreatePreparedStatement",
        create.as_any().encode_to_vec(),
    )
    .await
    .unwrap();
    let created: arrow_flight::sql::ActionCreatePreparedStatementResult =
        arrow_flight::sql::Any::decode(answer[0].clone())
            .unwrap()
            .unpack()
            .unwrap()
            .unwrap();
    let command = arrow_flight::sql::CommandPreparedStatementQuery {
        prepared_statement_handle: created.prepared_statement_handle.clone(),
    };
    let descriptor = arrow_flight::FlightDescriptor::new_cmd(command.as_any().encode_to_vec());
    let mut cyber = server.login("srv.cyber", "cyber:secret").await;
    let mut raw = FlightServiceClient::new(server.channel().await);
    let mut request = tonic::Request::new(descriptor.clone());
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", cyber.token().unwrap())
            .parse()
            .unwrap(),
    );
    let stolen = raw.get_flight_info(request).await.unwrap_err();
    assert_eq!(stolen.code(), Code::NotFound, "{stolen:?}");
    // Closed, it is gone for its owner too.
    let close = arrow_flight::sql::ActionClosePreparedStatementRequest {
        prepared_statement_handle: created.prepared_statement_handle,
    };
    action(
        &mut kota,
        "ClosePreparedStatement",
        close.as_any().encode_to_vec(),
    )
    .await
    .unwrap();
    let mut request = tonic::Request::new(descriptor);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", kota.token().unwrap()).parse().unwrap(),
    );
    assert_eq!(
        raw.get_flight_info(request).await.unwrap_err().code(),
        Code::NotFound
    );

    // Reports: listed and called with typed values, bound or written; a report reading a
    // table outside the grants does not exist.
    let listed = rows(&mut kota, "CALL reports()").await;
    let names: Vec<&str> = listed.iter().map(|r| r[0].as_str()).collect();
    assert!(names.contains(&"firs_of"), "{names:?}");
    assert!(!names.contains(&"subscriber_names"), "{names:?}");
    assert_eq!(
        rows(&mut kota, "CALL firs_of(district => 'Kota', after => 1)").await,
        [["3", "Kota"]]
    );
    let mut report = kota
        .prepare("CALL firs_of(?, ?)".to_string(), None)
        .await
        .unwrap();
    let types: Vec<String> = report
        .parameter_schema()
        .unwrap()
        .fields()
        .iter()
        .map(|f| f.data_type().to_string())
        .collect();
    assert_eq!(types, ["Utf8", "Int64"]);
    report.set_parameters(values(&["Kota", "0"])).unwrap();
    let info = report.execute().await.unwrap();
    assert_eq!(
        text_rows(&fetch_info(&mut kota, info).await.unwrap()),
        [["1", "Kota"], ["3", "Kota"]]
    );
    report
        .set_parameters(values(&["Jaipur' OR district = 'Kota", "0"]))
        .unwrap();
    let info = report.execute().await.unwrap();
    assert!(
        fetch_info(&mut kota, info)
            .await
            .unwrap()
            .iter()
            .all(|b| b.num_rows() == 0)
    );
    let (code, message) = refusal(&mut kota, "CALL subscriber_names()").await;
    assert_eq!(code, Code::InvalidArgument);
    assert!(
        message.starts_with("no report named subscriber_names"),
        "{message}"
    );
    assert_eq!(rows(&mut cyber, "CALL subscriber_names()").await.len(), 2);
}

#[tokio::test]
async fn limits_hold_and_queries_can_be_cancelled() {
    let lake = served_lake_with(
        "\n[server]\nmax_queries_per_user = 2\nmax_result_rows = 3\nstatement_timeout = \"2s\"\n",
    );
    let server = Server::start(&lake.config_path(), &[]);
    let mut kota = server.login("srv.kota", "kota-secret").await;
    let first = kota.execute("SELECT 1".to_string(), None).await.unwrap();
    let second = kota.execute("SELECT 2".to_string(), None).await.unwrap();
    let (code, message) = refusal(&mut kota, "SELECT 3").await;
    assert_eq!(code, Code::ResourceExhausted);
    assert_eq!(
        message,
        "srv.kota has 2 queries running or waiting to be fetched (server.max_queries_per_user = 2): fetch, finish or cancel one first"
    );
    // Other users are not held up by Kota.
    let mut cyber = server.login("srv.cyber", "cyber:secret").await;
    assert_eq!(rows(&mut cyber, "SELECT 4").await, [["4"]]);
    // Cancelling frees a place; another user cannot cancel Kota's query.
    let cancel = arrow_flight::CancelFlightInfoRequest::new(first.clone()).encode_to_vec();
    let foreign = action(&mut cyber, "CancelFlightInfo", cancel.clone())
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound, "{foreign:?}");
    let answer = action(&mut kota, "CancelFlightInfo", cancel).await.unwrap();
    let result = arrow_flight::CancelFlightInfoResult::decode(answer[0].clone()).unwrap();
    assert_eq!(result.status, arrow_flight::CancelStatus::Cancelled as i32);
    let gone = fetch_info(&mut kota, first).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    assert_eq!(rows(&mut kota, "SELECT 3").await, [["3"]]);

    // A result longer than allowed is cut off with the reason.
    let (code, message) = refusal(
        &mut cyber,
        "SELECT * FROM (VALUES (1), (2), (3), (4), (5)) AS t(n)",
    )
    .await;
    assert_eq!(code, Code::ResourceExhausted, "{message}");
    assert!(message.contains("server.max_result_rows (3)"), "{message}");

    // A statement running past its timeout is stopped.
    let started = std::time::Instant::now();
    let (code, message) = refusal(
        &mut cyber,
        "SELECT sum(a.value * b.value) FROM range(3000000) a, range(3000) b",
    )
    .await;
    assert_eq!(code, Code::DeadlineExceeded, "{message}");
    assert!(
        message.contains("server.statement_timeout (2s)"),
        "{message}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // Planned and never fetched, until cancelled.
    assert_eq!(load(&mut kota).await["waiting"], 1);
    let cancel = arrow_flight::CancelFlightInfoRequest::new(second).encode_to_vec();
    action(&mut kota, "CancelFlightInfo", cancel).await.unwrap();
    assert_idle(&mut kota).await;
}

#[tokio::test]
async fn clients_that_disconnect_leave_no_query_and_no_memory_behind() {
    // The sorts spill: into the lake's folder, which the test removes (the server is killed
    // at the end, so a temporary folder of its own would be left behind).
    let lake = served_lake_with(
        "\n[server]\nmax_queries_per_user = 16\nquery_memory = \"16MiB\"\n\n[runtime]\nspill_dir = \"spill\"\n",
    );
    let server = Server::start(&lake.config_path(), &[]);
    let sorting = "SELECT value FROM range(2000000) ORDER BY value DESC";
    for _ in 0..3 {
        let mut clients = Vec::new();
        for _ in 0..6 {
            let mut client = server.login("srv.cyber", "cyber:secret").await;
            let info = client.execute(sorting.to_string(), None).await.unwrap();
            let mut stream = client
                .do_get(info.endpoint[0].ticket.clone().unwrap())
                .await
                .unwrap();
            // The sort is done and its rows held: then the client goes away.
            assert!(stream.try_next().await.unwrap().is_some());
            clients.push((client, stream));
        }
        // Some planned and never fetched.
        let mut planner = server.login("srv.cyber", "cyber:secret").await;
        planner.execute(sorting.to_string(), None).await.unwrap();
        drop(planner);
        drop(clients);
    }
    let mut cyber = server.login("srv.cyber", "cyber:secret").await;
    // A streaming query cancelled by its client stops with CANCELLED.
    let (info, mut stream) = endless_rows(&mut cyber).await;
    let cancel = arrow_flight::CancelFlightInfoRequest::new(info).encode_to_vec();
    action(&mut cyber, "CancelFlightInfo", cancel)
        .await
        .unwrap();
    let stopped = stopped(&mut stream).await;
    assert_eq!(stopped.code(), Code::Cancelled, "{stopped:?}");
    drop(stream);
    let mut watcher = server.login("srv.kota", "kota-secret").await;
    // Queries planned but never fetched keep their place until they expire or are
    // cancelled; the ones streaming are gone, with their memory.
    let mut last = serde_json::Value::Null;
    for _ in 0..200 {
        last = load(&mut watcher).await;
        if last["running"] == 0 && last["memory_reserved"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["running"], 0, "{last}");
    assert_eq!(last["memory_reserved"], 0, "{last}");
    assert_eq!(last["waiting"], 3, "{last}");
    // A grouping of 16 M rows into a million groups, far more than the query's memory, spills
    // its way through.
    let sorted = rows(
        &mut watcher,
        "SELECT count(*), sum(n) FROM (SELECT value * 7 % 1000003 AS v, count(*) AS n FROM range(16000000) GROUP BY v)",
    )
    .await;
    assert_eq!(sorted, [["1000003", "16000000"]]);
}

#[tokio::test]
async fn sigterm_stops_running_queries_within_the_grace_period() {
    let lake = served_lake_with("\n[server]\nshutdown_grace = \"1s\"\n");
    let mut server = Server::start(&lake.config_path(), &[]);
    let mut cyber = server.login("srv.cyber", "cyber:secret").await;
    let (_, mut stream) = endless_rows(&mut cyber).await;
    let started = std::time::Instant::now();
    assert!(signal(&server.child, "TERM"));
    // New queries are refused at once.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let refused = query(&mut cyber, "SELECT 1").await.unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    // The running one is stopped after the grace period, with the reason.
    let stopped = stopped(&mut stream).await;
    assert_eq!(stopped.code(), Code::Unavailable, "{stopped:?}");
    let exited = server.child.wait().unwrap();
    assert!(exited.success(), "{exited:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The audit log says the query was cancelled.
    let log = std::fs::read_to_string(lake.dir.path().join("audit/000001.jsonl")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(last.contains("range(100000000)"), "{last}");
    assert!(last.contains("\"outcome\":\"cancelled\""), "{last}");
}

#[tokio::test]
async fn jaanchs_own_client_answers_as_a_session_would() {
    use jaanch::Params;
    use jaanch_server::client::{Client, ClientOptions};
    let lake = served_lake();
    with_reports(&lake);
    let server = Server::start(&lake.config_path(), &[]);
    let url = format!("grpc://{}", server.addr);
    let login = |user: &str, password: &str| ClientOptions {
        user: Some(user.to_string()),
        password: Some(password.to_string()),
        ..Default::default()
    };
    let mut kota = Client::connect(&url, login("srv.kota", "kota-secret"))
        .await
        .unwrap();
    assert_eq!(kota.user(), "srv.kota");
    let session = lake.session("srv.kota");
    let sql = "SELECT fir_id, district, phone FROM cctns.fir WHERE fir_id >= $1 ORDER BY fir_id";
    let (_, remote) = kota
        .sql(sql, Some(&Params::Positional(vec![1i64.into()])))
        .await
        .unwrap();
    let local = session
        .sql_with_params(sql, Params::Positional(vec![1i64.into()]))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(text_rows(&remote), text_rows(&local));
    let named = Params::Named(vec![("d".to_string(), "Kota".into())]);
    let (_, rows) = kota
        .sql(
            "SELECT count(*) FROM cctns.fir WHERE district = $d",
            Some(&named),
        )
        .await
        .unwrap();
    assert_eq!(text_rows(&rows), [["2"]]);
    let (schema, rows) = kota
        .sql(
            "CALL firs_of(?)",
            Some(&Params::Positional(vec!["Kota".into()])),
        )
        .await
        .unwrap();
    assert_eq!(schema.field(0).name(), "fir_id");
    assert_eq!(text_rows(&rows), [["1", "Kota"], ["3", "Kota"]]);

    // The tables and their columns, as the user's session has them.
    let tables = kota.tables().await.unwrap();
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"cctns.fir"), "{names:?}");
    assert!(!names.contains(&"telecom.subscribers"), "{names:?}");
    let fir = &tables.iter().find(|(n, _)| n == "cctns.fir").unwrap().1;
    let entry = session
        .tables()
        .into_iter()
        .find(|t| t.name == "cctns.fir")
        .unwrap();
    assert_eq!(fir, &session.table_schema(&entry).await.unwrap());

    // Refusals carry the server's message and code.
    let hidden = kota
        .sql("SELECT * FROM telecom.subscribers", None)
        .await
        .unwrap_err();
    assert_eq!(hidden.code, Code::InvalidArgument);
    assert_eq!(
        hidden.message,
        crate::access::error(&session, "SELECT * FROM telecom.subscribers").await
    );
    let wrong = Client::connect(&url, login("srv.kota", "guess"))
        .await
        .unwrap_err();
    assert_eq!(
        (wrong.code, wrong.message.as_str()),
        (Code::Unauthenticated, "wrong user name or password")
    );
    let nowhere = Client::connect("grpc://127.0.0.1:1", login("srv.kota", "kota-secret"))
        .await
        .unwrap_err();
    assert_eq!(nowhere.code, Code::Unavailable);
    assert!(
        nowhere
            .message
            .starts_with("cannot reach the server at grpc://127.0.0.1:1: "),
        "{nowhere}"
    );
    let garbled = Client::connect("http://127.0.0.1:1", ClientOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        garbled.message,
        "\"http://127.0.0.1:1\" is not a server address: write grpc://HOST:PORT or grpc+tls://HOST:PORT"
    );

    // Each statement with parameters closes what it prepared: more than a user may keep open.
    for i in 0..300i64 {
        kota.sql("SELECT $1 + 1", Some(&Params::Positional(vec![i.into()])))
            .await
            .unwrap();
    }
}

/// `jaanch shell --server`: statements, meta-commands and reports on the server, in the user's
/// session there; from a pipe, the first error stops the script and names its line.
#[test]
fn the_shell_runs_on_a_server() {
    let lake = served_lake();
    with_reports(&lake);
    let server = Server::start(&lake.config_path(), &[]);
    let url = format!("grpc://{}", server.addr);
    let shell = |password: &str, script: &str| {
        crate::common::with_stdin(
            jaanch(lake.dir.path())
                .args(["--user", "srv.kota", "shell", "--server", &url])
                .env("JAANCH_PASSWORD", password),
            script,
        )
    };
    let output = shell(
        "kota-secret",
        "\\format csv\nSELECT fir_id, district FROM cctns.fir ORDER BY fir_id;\n\\dt cctns.*\n\\d cctns.fir\n\\dr\n\\r firs_of district=Kota after=1\nSELECT * FROM telecom.subscribers;\nSELECT 'not reached';\n",
    );
    let stdout = crate::common::stdout(&output);
    let stderr = crate::common::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("fir_id,district\n1,Kota\n3,Kota\n"),
        "{stdout}"
    );
    assert!(stdout.contains("cctns.fir"), "{stdout}");
    assert!(!stdout.contains("telecom.subscribers"), "{stdout}");
    assert!(stdout.contains("fir_id,Int64"), "{stdout}");
    assert!(stdout.contains("firs_of,FIRs of a district"), "{stdout}");
    assert!(stdout.contains("fir_id,district\n3,Kota\n"), "{stdout}");
    assert!(!stdout.contains("not reached"), "{stdout}");
    assert_eq!(
        stderr,
        "error: <stdin>:7: table telecom.subscribers not found (\\dt or SHOW TABLES lists the tables)\n",
        "{stdout}"
    );
    // A report's hints come from the server: its chart is drawn under a table, and its page
    // has the chart and the map.
    let page = lake.dir.path().join("firs.html");
    let output = shell(
        "kota-secret",
        &format!(
            "\\r firs_of district=Kota\n\\o {}\n\\r firs_of district=Kota\n",
            page.display()
        ),
    );
    let stdout = crate::common::stdout(&output);
    assert!(
        output.status.success(),
        "{}",
        crate::common::stderr(&output)
    );
    assert!(stdout.contains("fir_id by fir_id\n"), "{stdout}");
    assert!(stdout.contains("█"), "{stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<rect class=\"bar\"").count(), 2, "{html}");
    assert_eq!(
        html.matches("class=\"district has-value\"").count(),
        1,
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">district</th><td>Kota</td>"),
        "{html}"
    );

    // The moment Delta tables are read as of goes with every statement (x-jaanch-as-of); this
    // server's tables are Parquet, read as they are, and cannot be pinned in SQL.
    let output = shell(
        "kota-secret",
        "\\asof 2025-12-01\n\\asof\n\\format csv\nSELECT count(*) AS n FROM cctns.fir;\nSELECT count(*) FROM as_of(cctns.fir, 1);\n",
    );
    let stdout = crate::common::stdout(&output);
    assert!(
        stdout.starts_with("Delta tables are read as of 2025-12-01T23:59:59.999+05:30\nn\n2\n"),
        "{stdout}"
    );
    assert!(
        crate::common::stderr(&output).contains("table cctns.fir: a parquet table has no versions"),
        "{}",
        crate::common::stderr(&output)
    );

    let refused = shell("guess", "SELECT 1;\n");
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        crate::common::stderr(&refused),
        "error: wrong user name or password\n"
    );
}

/// At a terminal, the shell on a server completes the user's tables and their columns there.
#[test]
fn the_shell_on_a_server_completes_its_tables_and_columns() {
    let lake = served_lake();
    let server = Server::start(&lake.config_path(), &[]);
    let mut command = jaanch(lake.dir.path());
    command
        .args(["--user", "srv.kota", "shell", "--server"])
        .arg(format!("grpc://{}", server.addr))
        .env("JAANCH_PASSWORD", "kota-secret");
    let mut shell = crate::shell::ShellSession::spawn(&command, 100, "server> ".to_string());
    shell.keys("SELECT count(*) AS n FROM cctns.f");
    shell.keys("\t");
    shell.expect("cctns.fir");
    shell.keys(" WHERE distr");
    shell.keys("\t");
    shell.expect("WHERE district");
    let output = shell.run(" = 'Kota';");
    assert!(output.contains("│ 2 │"), "{output}");
    let output = shell.run("\\dt");
    assert!(output.contains("cctns.fir"), "{output}");
    assert!(!output.contains("telecom.subscribers"), "{output}");
}
