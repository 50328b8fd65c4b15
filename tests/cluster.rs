//! A Ballista cluster of jaanch processes — one scheduler and two executors on 127.0.0.1 —
//! gives the same answers as local execution: every bundled report, joins, aggregates,
//! window functions, police functions in filters, projections and join keys, Delta tables as
//! of a version, and a governed user's rows. And its faults are said.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jaanch::cluster::Cluster;
use jaanch::{Identity, Lake, Session};

use crate::common::{free_port, jaanch, signal, text_rows};
use crate::reports::demo_lake;

fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child_output(child);
            panic!("the {what} exited ({status}): {output}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the {what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn child_output(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
    }
    text
}

/// A scheduler and `executors` executors of the demo lake, stopped when dropped.
pub(crate) struct TestCluster {
    pub scheduler: Child,
    pub executors: Vec<Child>,
    pub cluster: Cluster,
    /// The executors' temporary folders: executor `i`'s `TMPDIR`, where it makes its work
    /// folder, is `temporary/i`.
    pub temporary: tempfile::TempDir,
}

impl TestCluster {
    pub fn start(lake: &Path, executors: usize) -> TestCluster {
        TestCluster::start_with(lake, lake, executors)
    }

    /// A scheduler started with the lake config `lake` and executors with `executor_lake`.
    pub fn start_with(lake: &Path, executor_lake: &Path, executors: usize) -> TestCluster {
        let home = lake.parent().unwrap();
        let port = free_port();
        let spawn = |command: &mut Command| {
            command
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut scheduler = spawn(jaanch(home).arg("--lake").arg(lake).args([
            "cluster",
            "scheduler",
            "--port",
            &port.to_string(),
        ]));
        wait_for_port(port, "scheduler", &mut scheduler);
        let cluster: Cluster = format!("df://127.0.0.1:{port}").parse().unwrap();
        let mut started = TestCluster {
            scheduler,
            executors: Vec::new(),
            cluster,
            temporary: tempfile::tempdir().unwrap(),
        };
        for number in 0..executors {
            let (flight, grpc) = (free_port(), free_port());
            let temporary = started.temporary_folder(number);
            std::fs::create_dir(&temporary).unwrap();
            let mut executor = spawn(
                jaanch(home)
                    .arg("--lake")
                    .arg(executor_lake)
                    .args([
                        "cluster",
                        "executor",
                        "--scheduler",
                        &started.cluster.to_string(),
                        "--port",
                        &flight.to_string(),
                        "--grpc-port",
                        &grpc.to_string(),
                        "--slots",
                        "2",
                    ])
                    .env("TMPDIR", temporary),
            );
            wait_for_port(flight, "executor", &mut executor);
            started.executors.push(executor);
        }
        started
    }

    /// Executor `number`'s temporary folder.
    pub fn temporary_folder(&self, number: usize) -> PathBuf {
        self.temporary.path().join(number.to_string())
    }

    /// A session of the lake at `config` running on this cluster.
    pub fn session(&self, config: &Path, identity: Identity) -> Session {
        let lake = Lake::open(config).unwrap();
        lake.set_cluster(Some(self.cluster.clone()));
        lake.session(identity).unwrap()
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().chain([&mut self.scheduler]) {
            stop(child);
        }
    }
}

/// Stops `child` as a service manager would: SIGTERM, then SIGKILL if it has not exited
/// within 10 seconds.
fn stop(child: &mut Child) {
    signal(child, "TERM");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// An executor makes a work folder of its own under the temporary folder and removes it when
/// it is stopped, so that executors started and stopped over months leave nothing behind.
#[test]
fn a_stopped_executor_leaves_no_work_folder() {
    let mut cluster = TestCluster::start(demo_lake(), 1);
    let temporary = cluster.temporary_folder(0);
    let folders = || {
        std::fs::read_dir(&temporary)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    let made = folders();
    assert!(
        made.len() == 1 && made[0].starts_with("jaanch-executor-"),
        "{made:?}"
    );
    let mut executor = cluster.executors.remove(0);
    stop(&mut executor);
    let status = executor.wait().unwrap();
    assert!(status.success(), "the executor exited with {status}");
    assert_eq!(folders(), Vec::<String>::new());
}

/// The rows of `sql` in `session`, sorted (a cluster may give equal rows in another order),
/// and whether it ran on a cluster.
async fn rows(session: &Session, sql: &str) -> (Vec<Vec<String>>, bool) {
    sorted_rows(session.sql(sql).await, sql).await
}

/// The sorted rows of a report, and whether it ran on a cluster.
async fn report_rows(
    session: &Session,
    name: &str,
    params: &[(String, String)],
) -> (Vec<Vec<String>>, bool) {
    sorted_rows(session.report(name, params).await, name).await
}

/// The rows of a statement's result, sorted, and whether it ran on a cluster; `what` names
/// the statement if it fails.
async fn sorted_rows(
    result: jaanch::Result<jaanch::QueryResult>,
    what: &str,
) -> (Vec<Vec<String>>, bool) {
    let result = result.unwrap_or_else(|e| panic!("{what}: {e}"));
    let remote = result.plan().name() == "OnCluster";
    let batches = result
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut rows = text_rows(&batches);
    rows.sort();
    (rows, remote)
}

/// Statements that take every path through a plan: joins (police functions as their keys),
/// aggregates, window functions, police functions in filters and projections, subqueries, a
/// Delta table as of a version, `ref` tables.
const QUERIES: &[&str] = &[
    "SELECT district_canonical(district) AS d, count(*) AS n FROM cctns.fir GROUP BY 1",
    "SELECT f.fir_id, a.name FROM cctns.fir f JOIN cctns.accused a ON a.fir_id = f.fir_id WHERE f.category = 'Theft'",
    "SELECT s.fir_id, r.camera_id, r.seen_at FROM cctns.stolen_vehicles s JOIN abhay.anpr_reads r ON plate_match_key(r.plate_text) = plate_match_key(s.plate)",
    "SELECT plate_normalize(plate_text) AS p, count(*) FROM abhay.anpr_reads WHERE plate_is_valid(plate_text) GROUP BY 1 HAVING count(*) > 2",
    "SELECT fir_id, district, row_number() OVER (PARTITION BY district_canonical(district) ORDER BY registered_at, fir_id) AS nth FROM cctns.fir",
    "SELECT phone_normalize(phone) AS phone, count(DISTINCT accused_id) FROM cctns.accused WHERE phone IS NOT NULL GROUP BY 1",
    "SELECT d.name, count(f.fir_id) FROM ref.districts d LEFT JOIN cctns.fir f ON district_canonical(f.district) = d.name GROUP BY d.name",
    "SELECT count(*), min(fir_id), max(fir_id) FROM as_of(cctns.fir, 3)",
    "SELECT status, count(*) FROM cctns.fir WHERE fir_id IN (SELECT fir_id FROM cctns.stolen_vehicles WHERE recovered_on IS NOT NULL) GROUP BY status",
    // Filters a Delta provider takes as exact (on its partition column), alone and with others,
    // on columns the query does not show, and under a limit.
    "SELECT year, count(*) FROM cctns.fir WHERE year = 2024 AND district_canonical(district) = 'Jaipur' GROUP BY year",
    "SELECT count(*) FROM cctns.fir WHERE year >= 2024 AND status <> 'Closed'",
    "SELECT fir_id FROM cctns.fir WHERE year = 2023 ORDER BY fir_id LIMIT 5",
    "SELECT fir_id FROM as_of(cctns.fir, 3) WHERE year IN (2019, 2025) LIMIT 3000",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_gives_the_answers_of_local_execution() {
    let config = demo_lake();
    let cluster = TestCluster::start(config, 2);
    let local = Lake::open(config)
        .unwrap()
        .session(Identity::new("test"))
        .unwrap();
    let remote = cluster.session(config, Identity::new("test"));
    for sql in QUERIES {
        let (expected, ran_remote) = rows(&local, sql).await;
        assert!(!ran_remote);
        assert!(!expected.is_empty(), "{sql} found nothing on the demo lake");
        let (got, ran_remote) = rows(&remote, sql).await;
        assert!(ran_remote, "{sql} did not run on the cluster");
        assert_eq!(got, expected, "{sql}");
    }

    // Every bundled report, with the parameters that give it rows on the demo lake.
    let plate = rows(
        &local,
        "SELECT lower(t.plate) FROM truth.stolen_sightings t ORDER BY t.fir_id LIMIT 1",
    )
    .await
    .0[0][0]
        .clone();
    let names: Vec<String> = local
        .reports()
        .reports
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names.len(), 9);
    for name in &names {
        let params: Vec<(String, String)> = match name.as_str() {
            "vehicle_history" => vec![("plate".into(), plate.clone())],
            "stolen_vehicle_sightings" => vec![("from".into(), "2025-10-01".into())],
            _ => vec![],
        };
        let (expected, _) = report_rows(&local, name, &params).await;
        let (got, ran_remote) = report_rows(&remote, name, &params).await;
        assert!(ran_remote, "report {name} did not run on the cluster");
        assert!(!expected.is_empty(), "report {name} found nothing");
        assert_eq!(got, expected, "report {name}");
    }

    // What only this machine has runs here: the catalog, and statements without tables.
    let (tables, ran_remote) = rows(
        &remote,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'cctns'",
    )
    .await;
    assert!(!ran_remote);
    assert!(tables.contains(&vec!["fir".to_string()]), "{tables:?}");
    assert!(!rows(&remote, "SELECT 1").await.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governed_user_sees_on_a_cluster_what_they_see_locally() {
    let config = demo_lake().with_file_name("governed.toml");
    let cluster = TestCluster::start(demo_lake(), 2);
    let kota = || Identity::new("si.kota01").with_purpose("FIR 12/2025 PS Kotwali");
    let local = Lake::open(&config).unwrap().session(kota()).unwrap();
    let remote = cluster.session(&config, kota());
    let queries = [
        // The row filter: Kota's FIRs only, however the query is shaped.
        "SELECT district_canonical(district), count(*) FROM cctns.fir GROUP BY 1",
        "SELECT count(*) FROM cctns.fir WHERE fir_id > 0",
        "SELECT f.fir_id, a.name, a.phone FROM cctns.fir f JOIN cctns.accused a USING (fir_id)",
        // Masks, as shown and in a filter on the masked value.
        "SELECT owner_phone FROM vahan.registrations WHERE owner_phone IS NOT NULL",
        "SELECT count(*) FROM vahan.registrations WHERE owner_phone LIKE '%98%'",
    ];
    for sql in queries {
        let (expected, _) = rows(&local, sql).await;
        let (got, ran_remote) = rows(&remote, sql).await;
        assert!(ran_remote, "{sql} did not run on the cluster");
        assert_eq!(got, expected, "{sql}");
    }
    // A join of two governed tables, again: Ballista splits a stage's partitions among tasks
    // as it pleases, and a governed scan read whole by each of them doubled every row.
    for _ in 0..4 {
        let (expected, _) = rows(&local, queries[2]).await;
        assert_eq!(rows(&remote, queries[2]).await.0, expected);
    }
    let (districts, _) = rows(&remote, queries[0]).await;
    assert_eq!(districts.len(), 1, "{districts:?}");
    assert_eq!(districts[0][0], "Kota");
    // The whole lake has more.
    let admin = Lake::open(demo_lake())
        .unwrap()
        .session(Identity::new("test"))
        .unwrap();
    let (all, _) = rows(&admin, queries[0]).await;
    assert!(all.len() > 1);
}

#[test]
fn an_unreachable_scheduler_is_said_at_once() {
    let lake = demo_lake();
    let port = free_port();
    let started = Instant::now();
    let output = jaanch(lake.parent().unwrap())
        .arg("--lake")
        .arg(lake)
        .args(["--cluster", &format!("df://127.0.0.1:{port}")])
        .args(["sql", "SELECT count(*) FROM cctns.fir"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("df://127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn cluster_urls_and_binds_are_checked() {
    let lake = demo_lake();
    let run = |args: &[&str]| {
        jaanch(lake.parent().unwrap())
            .arg("--lake")
            .arg(lake)
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&["--cluster", "http://x:1", "sql", "SELECT 1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("df://HOST:PORT"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(&["cluster", "executor"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--scheduler"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // An executor on every address would tell the scheduler to fetch from 0.0.0.0.
    let output = run(&[
        "cluster",
        "executor",
        "--scheduler",
        "df://127.0.0.1:1",
        "--bind",
        "0.0.0.0",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("add --advertise HOST"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The scheduler and executors listen on loopback unless told otherwise: nothing of theirs is
/// reachable on another address of the machine.
#[test]
fn cluster_processes_listen_on_loopback_by_default() {
    let lake = demo_lake();
    let cluster = TestCluster::start(lake, 1);
    let ports = listening_ports(cluster.scheduler.id())
        .into_iter()
        .chain(listening_ports(cluster.executors[0].id()));
    let mut seen = 0;
    for (address, port) in ports {
        seen += 1;
        assert!(
            address.starts_with("127.0.0.1"),
            "port {port} listens on {address}"
        );
    }
    assert!(seen >= 2, "found {seen} listening sockets");
}

/// The TCP addresses (local address text, port) process `pid` listens on, from /proc.
fn listening_ports(pid: u32) -> Vec<(String, u16)> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().to_string();
            link.strip_prefix("socket:[")
                .map(|s| s.trim_end_matches(']').to_string())
        })
        .collect();
    let mut found = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // State 0A is LISTEN.
            if fields.len() > 9 && fields[3] == "0A" && inodes.contains(&fields[9].to_string()) {
                let (address, port) = fields[1].split_once(':').unwrap();
                let port = u16::from_str_radix(port, 16).unwrap();
                found.push((decode_address(address), port));
            }
        }
    }
    found
}

/// An address as /proc/net/tcp writes it (hex, little-endian words).
fn decode_address(hex: &str) -> String {
    if hex.len() == 8 {
        let n = u32::from_str_radix(hex, 16).unwrap();
        std::net::Ipv4Addr::from(n.to_le_bytes()).to_string()
    } else {
        let mut bytes = [0u8; 16];
        for word in 0..4 {
            let n = u32::from_str_radix(&hex[word * 8..word * 8 + 8], 16).unwrap();
            bytes[word * 4..word * 4 + 4].copy_from_slice(&n.to_le_bytes());
        }
        std::net::Ipv6Addr::from(bytes).to_string()
    }
}

/// An executor killed while a statement runs, once it holds shuffle output the rest of the
/// statement needs: the statement is run again elsewhere or fails with a message that says
/// so — never a wrong or partial answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_executor_lost_mid_query_gives_the_answer_or_says_why() {
    let config = demo_lake();
    let mut cluster = TestCluster::start(config, 2);
    let local = Lake::open(config)
        .unwrap()
        .session(Identity::new("test"))
        .unwrap();
    let (expected, _) = rows(
        &local,
        "SELECT sum(n * n) FROM (SELECT count(*) AS n FROM abhay.anpr_reads GROUP BY camera_id % 64)",
    )
    .await;
    let remote = cluster.session(config, Identity::new("test"));
    let running = tokio::spawn(async move {
        let sql = "SELECT count(*) FROM abhay.anpr_reads a JOIN abhay.anpr_reads b ON a.camera_id % 64 = b.camera_id % 64";
        let result = remote.sql(sql).await?;
        let batches = result.collect().await?;
        Ok::<_, jaanch::Error>(text_rows(&batches))
    });
    // The join's inputs are shuffled first: the executor that has written some of them is
    // killed while the join, which takes seconds more, still needs them.
    let started = Instant::now();
    let holder = loop {
        let writer = (0..cluster.executors.len())
            .find(|&number| holds_shuffle_output(&cluster.temporary_folder(number)));
        if let Some(number) = writer {
            break number;
        }
        assert!(
            !running.is_finished() && started.elapsed() < Duration::from_secs(60),
            "no executor wrote shuffle output while the statement ran"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let mut lost = cluster.executors.remove(holder);
    lost.kill().unwrap();
    lost.wait().unwrap();
    assert!(
        !running.is_finished(),
        "the statement ended before the executor was lost"
    );
    let answer = tokio::time::timeout(Duration::from_secs(240), running)
        .await
        .expect("the statement neither finished nor failed in 4 minutes")
        .unwrap();
    match answer {
        Ok(got) => assert_eq!(got, expected),
        Err(error) => {
            let message = error.to_string();
            assert_eq!(message.lines().count(), 1, "{message}");
            assert!(message.contains(&cluster.cluster.to_string()), "{message}");
        }
    }
}

/// Whether an executor whose temporary folder is `folder` has written shuffle output
/// (`data*.arrow` files in its work folder).
fn holds_shuffle_output(folder: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            holds_shuffle_output(&path)
        } else {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with("data") && name.ends_with(".arrow")
        }
    })
}

/// `jaanch serve --cluster`: the server governs each statement and the cluster runs it. A user
/// sees over the wire what they see locally; with the scheduler gone the same statement fails
/// saying so, which shows it ran there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_runs_its_users_statements_on_the_cluster() {
    let lake = crate::server::served_lake();
    let cluster = TestCluster::start(demo_lake(), 1);
    let url = cluster.cluster.to_string();
    let server = crate::server::Server::start(&lake.config_path(), &["--cluster", &url]);
    let mut kota = server.login("srv.kota", "kota-secret").await;
    let sql = "SELECT fir_id, district, phone FROM cctns.fir ORDER BY fir_id";
    let local = crate::access::rows(&lake.session("srv.kota"), sql).await;
    assert_eq!(local.len(), 2, "Kota's two FIRs: {local:?}");
    assert_eq!(crate::server::rows(&mut kota, sql).await, local);

    drop(cluster);
    let (_, message) = crate::server::refusal(&mut kota, sql).await;
    assert!(
        message.starts_with(&format!("cannot reach the cluster's scheduler {url}")),
        "{message}"
    );
}
