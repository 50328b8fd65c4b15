//! Fixtures shared by the integration tests: small lakes written on the fly, and the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use tempfile::TempDir;

/// The repository's top folder (the tests belong to the command-line crate, in `cli/`).
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the repository")
        .to_path_buf()
}

/// Writes `batch` as a Parquet file, creating parent folders.
pub fn write_parquet(path: &Path, batch: &RecordBatch) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

pub fn write_file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// ANPR reads of one day: `rows` reads with ids starting at `first_id`.
pub fn anpr_batch(first_id: i64, rows: usize) -> RecordBatch {
    let ids: Vec<i64> = (first_id..first_id + rows as i64).collect();
    let plates: Vec<String> = ids
        .iter()
        .map(|i| format!("RJ14CA{:04}", i % 10_000))
        .collect();
    let cameras: Vec<String> = ids.iter().map(|i| format!("CAM-{:03}", i % 7)).collect();
    RecordBatch::try_from_iter(vec![
        ("read_id", Arc::new(Int64Array::from(ids)) as ArrayRef),
        ("plate_text", Arc::new(StringArray::from(plates))),
        ("camera_id", Arc::new(StringArray::from(cameras))),
    ])
    .unwrap()
}

/// The days of the fixture's ANPR table and the reads on each.
pub const ANPR_DAYS: [(&str, usize); 3] =
    [("2024-01-01", 5), ("2024-01-02", 7), ("2024-01-03", 11)];

/// A small local lake: hive-partitioned Parquet (`abhay.anpr_reads`, by `dt`, two files per
/// day), hive-partitioned CSV (`cctns.fir`, by `district`), and a table whose folder does not
/// exist (`cctns.missing`).
pub struct FixtureLake {
    pub dir: TempDir,
}

impl FixtureLake {
    pub fn new() -> Self {
        Self::with_config_extra("")
    }

    /// The fixture with `extra` appended to the top of its `lake.toml`.
    pub fn with_config_extra(extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut next_id = 1;
        for (day, rows) in ANPR_DAYS {
            let first = rows / 2;
            for (part, n) in [(0, first), (1, rows - first)] {
                let path = root.join(format!("anpr_reads/dt={day}/part-{part}.parquet"));
                write_parquet(&path, &anpr_batch(next_id, n));
                next_id += n as i64;
            }
        }
        write_file(
            &root.join("fir/district=Jaipur/fir.csv"),
            "fir_id,sections,registered_at\n1,\"379, 411 IPC\",2024-01-05\n2,302 IPC,2024-03-01\n",
        );
        write_file(
            &root.join("fir/district=Jodhpur/fir.csv"),
            "fir_id,sections,registered_at\n3,303(2) BNS,2024-08-01\n",
        );
        write_file(
            &root.join("lake.toml"),
            &format!("{extra}\n{}", Self::TABLES),
        );
        Self { dir }
    }

    const TABLES: &'static str = r#"
[[table]]
name = "abhay.anpr_reads"
location = "anpr_reads/"
format = "parquet"
partitions = ["dt"]
description = "Number-plate reads from ANPR cameras"
[table.columns]
plate_text = "Plate as read by the camera's OCR"

[[table]]
name = "cctns.fir"
location = "fir"
format = "csv"
partitions = ["district"]
description = "First information reports"

[[table]]
name = "cctns.missing"
location = "no_such_folder/"
format = "parquet"
"#;

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("lake.toml")
    }

    /// A session on the fixture's lake.
    pub fn open(&self) -> jaanch::Session {
        session(jaanch::Lake::open(self.config_path()).unwrap())
    }
}

/// The `jaanch` binary, isolated from the developer's own lake and history.
pub fn jaanch(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jaanch"));
    command
        .env_remove("JAANCH_LAKE")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0");
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A session on `lake` for the user running the tests.
pub fn session(lake: jaanch::Lake) -> jaanch::Session {
    lake.session(jaanch::Identity::local()).unwrap()
}

/// Runs a statement in a session and collects the result as text rows.
pub async fn query(lake: &jaanch::Session, sql: &str) -> Vec<Vec<String>> {
    let batches = lake.sql(sql).await.unwrap().collect().await.unwrap();
    text_rows(&batches)
}

/// Result batches as rows of display text, NULL shown as `NULL`.
pub fn text_rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let options = arrow::util::display::FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    rows
}

/// Runs `command` with `input` on its standard input; its output.
pub fn with_stdin(command: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Sends the signal `name` (`TERM`, `INT`, …) to `child`, as `kill` does; whether it was
/// delivered.
pub fn signal(child: &std::process::Child, name: &str) -> bool {
    Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .is_ok_and(|status| status.success())
}

/// A loopback port nobody listens on now, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
