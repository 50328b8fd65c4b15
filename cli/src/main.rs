//! The `jaanch` command line: argument parsing, exit codes and the subcommands.
//!
//! Every command opens one session on the lake ([`open_lake`]) and runs its statements
//! through it; this crate only reads arguments and input and prints.
//!
//! Exit codes ([`exit_code`]): 0 success; 1 a query, config or other user error (one line on
//! stderr); 2 a usage error; 130 a statement cancelled by Ctrl-C. A closed output pipe
//! (`jaanch sql ... | head`) ends the program quietly with 0.

use std::alloc::{GlobalAlloc, Layout};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jaanch::config::{ConfigSource, find_config};
use jaanch::output::OutputFormat;
use jaanch::{Identity, Lake};

mod audit;
mod cluster;
mod demo;
mod listing;
mod report;
mod run;
mod serve;
mod shell;
mod sql;
mod user;

// mimalloc is markedly faster than the system allocator for DataFusion's many short-lived
// allocations; DataFusion's own benchmarks use it too.
#[global_allocator]
static GLOBAL: Allocator = Allocator;

/// mimalloc, with large zeroed blocks made present before they are handed out.
///
/// mimalloc hands out a large zeroed block in fresh pages from the system, which are zero
/// until written. DataFusion's join on dense keys (`ArrayMap`) allocates such a table (24 MB
/// for TPC-H's six million order keys) and reads each slot before writing it: each page is
/// first mapped to the system's shared zero page and then, on the write, copied, and the
/// system interrupts the other cores to flush their address translations. TPC-H's q21 spent
/// 0.45 s of its 1.05 s of CPU in the kernel so. Asking the system to populate the block for
/// writing at once (one call, `MADV_POPULATE_WRITE`) gives the same zeroed pages without
/// either fault.
struct Allocator;

/// The size from which a zeroed block is populated at once: smaller ones mostly reuse
/// memory mimalloc already holds.
#[cfg(target_os = "linux")]
const POPULATE_FROM: usize = 1 << 20;

// SAFETY: every call is mimalloc's; the populating call only asks the system to map pages of
// the block just allocated, whose contents it leaves as they are (zero).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        #[cfg(target_os = "linux")]
        if layout.size() >= POPULATE_FROM && !block.is_null() {
            populate(block, layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, size) }
    }
}

/// Asks the system to map the whole pages of `len` bytes at `start` for writing. A system
/// without the request (Linux before 5.14) refuses it, and the pages fault in as before.
#[cfg(target_os = "linux")]
fn populate(start: *mut u8, len: usize) {
    const PAGE: usize = 4096;
    let first = (start as usize).next_multiple_of(PAGE);
    let end = (start as usize + len) & !(PAGE - 1);
    if end > first {
        // SAFETY: the range lies within a block this allocator just handed out.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                end - first,
                libc::MADV_POPULATE_WRITE,
            );
        }
    }
}

// mimalloc 3's `mi_option_t` (mimalloc.h); the sys crate names only the older options.
#[cfg(target_os = "linux")]
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
#[cfg(target_os = "linux")]
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc commit its arenas' memory as it is used rather than all at once, and give
/// freed memory back after 100 ms rather than a second. On Linux it commits arenas eagerly by
/// default, and then gives less back when purging: with a memory limit (see
/// [`bound_resident_memory`]) TPC-H's q18 peaks at 355 MiB, with eager commit at 556 MiB. The
/// shorter delay keeps a long shell session flatter (1,000 statements of `bench/soak.py`: 144
/// to 169 MiB, level from the 400th, against 153 to 212 MiB with a second's delay). Together they cost about 5 % of
/// TPC-H time against mimalloc's defaults (`bench/tpch.py`, see the README's "Speed").
///
/// The options must be set before mimalloc reserves its first arena, that is before the first
/// allocation: so this runs as a constructor of the executable, before Rust's runtime starts.
#[cfg(target_os = "linux")]
extern "C" fn allocator() {
    // SAFETY: setting an option stores a value that later allocations read; nothing here
    // allocates or needs Rust's runtime.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 100);
    }
}

/// Makes mimalloc give freed memory back to the system at once rather than 100 ms later, so
/// that the process's resident memory follows what queries hold, which a lake's memory limit
/// bounds, rather than the most they held in the last moment. Only lakes with a memory limit
/// ask for it: it makes queries about 18 % slower (TPC-H at scale 1, `bench/tpch.py`), as
/// memory freed by one operator is given back and then faulted in again by the next. mimalloc
/// reads the delay each time it frees, so it can be set once the lake's config is read.
fn bound_resident_memory() {
    // SAFETY: as in `allocator`: an option's value, read by later frees.
    #[cfg(target_os = "linux")]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0)
    };
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static ALLOCATOR_OPTIONS: extern "C" fn() = allocator;

/// jaanch — SQL over a police data lake.
///
/// With no command, opens the interactive shell on ./lake.toml, else $JAANCH_LAKE.
#[derive(Debug, Parser)]
#[command(name = "jaanch", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    /// Lake config file [default: ./lake.toml, else $JAANCH_LAKE]
    #[arg(long, global = true, value_name = "FILE")]
    lake: Option<PathBuf>,

    /// The user to run as, on a lake with access control [default: $JAANCH_USER]
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,

    /// Why you look, for roles that require it: an FIR or case number
    #[arg(long, global = true, value_name = "TEXT")]
    purpose: Option<String>,

    /// Read every Delta table as it was at this moment: 2024-06-30 (the end of that day, IST),
    /// 2024-06-30 18:00 (IST), an RFC 3339 time, or a version (v12)
    #[arg(long = "as-of", global = true, value_name = "MOMENT", value_parser = parse_pin)]
    as_of: Option<jaanch::delta::Pin>,

    /// Run statements on a Ballista cluster: its scheduler, df://HOST:PORT [default: the lake
    /// config's [cluster] scheduler; `local` runs them in this process]
    #[arg(long, global = true, value_name = "URL", value_parser = parse_cluster)]
    cluster: Option<ClusterChoice>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Interactive SQL shell (the default)
    Shell(ShellArgs),
    /// Run SQL statements and print their results
    Sql(sql::SqlArgs),
    /// Run a saved report with parameters
    Run(report::RunArgs),
    /// List saved reports: name, title, parameters
    Reports {
        /// Output format [default: a table at a terminal, else tsv]
        #[arg(long, value_name = "FORMAT")]
        format: Option<OutputFormat>,
    },
    /// Generate the demo lake: synthetic Rajasthan police data with planted links
    Demo(demo::DemoArgs),
    /// The audit log of a governed lake: list records (the default), verify, keygen
    Audit(audit::AuditArgs),
    /// Serve the lake to many users over Arrow Flight SQL (each in their governed session;
    /// limits in the lake config's [server])
    Serve(serve::ServeArgs),
    /// Users of the server: add one, set a password (stored as an argon2id hash)
    User(user::UserArgs),
    /// Run a process of a Ballista cluster that knows the lake: a scheduler or an executor
    Cluster(cluster::ClusterArgs),
}

/// `--cluster`: a scheduler, or `local`.
#[derive(Debug, Clone)]
enum ClusterChoice {
    Local,
    Scheduler(jaanch::cluster::Cluster),
}

fn parse_cluster(text: &str) -> Result<ClusterChoice, String> {
    if text.trim().eq_ignore_ascii_case("local") {
        return Ok(ClusterChoice::Local);
    }
    text.parse().map(ClusterChoice::Scheduler)
}

#[derive(Debug, Default, clap::Args)]
struct ShellArgs {
    /// Run on a jaanch server instead of a lake config: grpc://HOST:PORT or grpc+tls://HOST:PORT
    /// (log in with --user; the password from $JAANCH_PASSWORD, else asked for)
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// The certificate (PEM) of the authority that signed the server's, for grpc+tls://
    #[arg(long, value_name = "FILE", requires = "server")]
    tls_ca: Option<PathBuf>,
}

/// What can go wrong on the command line: the engine's errors, and the command line's own.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Engine(#[from] jaanch::Error),
    /// The command was not given as it must be (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// A shell command that cannot be understood or carried out.
    #[error("{0}")]
    Shell(String),
    /// The server cannot start, or failed.
    #[error("{0}")]
    Server(String),
    /// An error in a script: which file (or `<stdin>`) and line.
    #[error("{file}:{line}: {error}")]
    Script {
        file: String,
        line: usize,
        error: Box<CliError>,
    },
}

impl CliError {
    /// The error at `line` of `file`; a closed output pipe stays itself, so that it ends the
    /// program quietly.
    pub fn at(self, file: &str, line: usize) -> CliError {
        if self.is_broken_pipe() {
            return self;
        }
        CliError::Script {
            file: file.to_string(),
            line,
            error: Box::new(self),
        }
    }

    fn is_broken_pipe(&self) -> bool {
        match self {
            CliError::Engine(error) => error.is_broken_pipe(),
            CliError::Script { error, .. } => error.is_broken_pipe(),
            _ => false,
        }
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// The exit code of a failure: the one place errors become exit codes.
fn exit_code(error: &CliError) -> ExitCode {
    match error {
        CliError::Usage(_) => ExitCode::from(2),
        CliError::Shell(_) | CliError::Server(_) => ExitCode::FAILURE,
        CliError::Script { error, .. } => exit_code(error),
        CliError::Engine(error) => match error {
            jaanch::Error::Cancelled => ExitCode::from(130),
            jaanch::Error::Config(_)
            | jaanch::Error::UnknownTable { .. }
            | jaanch::Error::UnknownColumn { .. }
            | jaanch::Error::Param(_)
            | jaanch::Error::Report(_)
            | jaanch::Error::Table(_)
            | jaanch::Error::Io { .. }
            | jaanch::Error::Output { .. }
            | jaanch::Error::Query(_)
            | jaanch::Error::Syntax { .. }
            | jaanch::Error::NotOneStatement { .. }
            | jaanch::Error::Refused { .. }
            | jaanch::Error::AccessDenied(_)
            | jaanch::Error::Audit(_) => ExitCode::FAILURE,
        },
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            exit_code(&error)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Shell(format!("cannot start the runtime: {e}")))?;
    let client = match &cli.command {
        None | Some(Command::Shell(_)) => "shell",
        _ => "cli",
    };
    let identity = || {
        let identity = cli
            .user
            .as_deref()
            .map(Identity::new)
            .unwrap_or_else(Identity::local)
            .with_client(client);
        match &cli.purpose {
            Some(purpose) => identity.with_purpose(purpose),
            None => identity,
        }
    };
    let lake = || {
        let lake = open_lake(cli.lake.as_deref())?;
        match &cli.cluster {
            Some(ClusterChoice::Local) => lake.set_cluster(None),
            Some(ClusterChoice::Scheduler(cluster)) => lake.set_cluster(Some(cluster.clone())),
            None => {}
        }
        Ok::<_, CliError>(lake)
    };
    let open = || {
        let session = lake()?.session(identity())?;
        session.set_as_of(cli.as_of);
        Ok::<_, CliError>(session)
    };
    match &cli.command {
        Some(Command::Shell(ShellArgs {
            server: Some(url),
            tls_ca,
        })) => {
            let password = match cli.user.as_deref() {
                Some(user) => Some(match std::env::var("JAANCH_PASSWORD") {
                    Ok(password) => password,
                    Err(_) => rpassword::prompt_password(format!("password for {user}: "))
                        .map_err(|e| CliError::Shell(format!("cannot read the password: {e}")))?,
                }),
                None => None,
            };
            let remote = runtime.block_on(shell::Remote::connect(
                url,
                cli.user.clone(),
                password,
                cli.purpose.clone(),
                tls_ca.clone(),
            ))?;
            if let Some(pin) = cli.as_of {
                runtime.block_on(remote.set_as_of(Some(&pin.suffix())));
            }
            // Parsing, completion of functions and \df need a session: one of an empty lake.
            let local = Lake::from_config(jaanch::LakeConfig::empty("server"))?
                .session(Identity::local().with_client("shell"))?;
            shell::run_remote(&remote, &local, &runtime)
        }
        None | Some(Command::Shell(_)) => {
            let session = open()?;
            shell::run(&session, &runtime)
        }
        Some(Command::Sql(args)) => {
            let format = output_format(args.format, args.output.as_deref())?;
            let session = open()?;
            runtime.block_on(interruptible(sql::run(&session, args, format)))
        }
        Some(Command::Run(args)) => {
            let mut args = args.clone();
            if let Some(page) = args.html.take() {
                args.output = Some(page);
                args.format = Some(OutputFormat::Html);
            }
            let args = &args;
            let format = output_format(args.format, args.output.as_deref())?;
            let session = open()?;
            runtime.block_on(interruptible(report::run(&session, args, format)))
        }
        Some(Command::Reports { format }) => {
            let format = *format;
            if let Some(format) = format.filter(|f| f.is_binary()) {
                return Err(CliError::Usage(format!(
                    "--format {format} writes binary data and cannot be printed: \
                     `jaanch reports` prints text (table, csv, tsv, json, ndjson, markdown)"
                )));
            }
            let session = open()?;
            report::list(&session, format)
        }
        Some(Command::Demo(args)) => demo::run(args),
        Some(Command::Serve(args)) => serve::run(lake()?, args, &runtime),
        Some(Command::Cluster(args)) => {
            cluster::run(open_lake(cli.lake.as_deref())?, args, &runtime)
        }
        Some(Command::User(args)) => {
            match find_config(cli.lake.as_deref()).map_err(jaanch::Error::from)? {
                ConfigSource::File(path) => user::run(&path, args),
                ConfigSource::Default => Err(CliError::Usage(
                    "no lake config: give --lake FILE (the demo lake's governed.toml, or your own)"
                        .to_string(),
                )),
            }
        }
        Some(Command::Audit(args)) => match &args.command {
            Some(audit::AuditCommand::Verify { public_key }) => {
                audit::verify(cli.lake.as_deref(), public_key.as_deref())
            }
            Some(audit::AuditCommand::Keygen { file }) => audit::keygen(file),
            None => {
                let session = open()?;
                runtime.block_on(audit::list(&session, &args.list))
            }
        },
    }
}

/// Runs `work` until Ctrl-C or a termination signal, which cancel it: dropping it stops the
/// statement, leaves no half-written output file, and puts the statement on the audit log as
/// cancelled.
async fn interruptible<F>(work: F) -> Result<()>
where
    F: std::future::Future<Output = Result<()>>,
{
    // Caught from here on, so that a signal at any moment of the work cancels it.
    let stop = stop_signal();
    tokio::select! {
        result = work => result,
        () = stop => Err(jaanch::Error::Cancelled.into()),
    }
}

/// Completes at Ctrl-C or a termination signal (SIGTERM), caught from the call on: a signal
/// that arrives before the returned future is first polled still completes it. Must be called
/// inside the runtime. Where the signals cannot be caught, it never completes.
pub(crate) fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        );
        async move {
            let (Ok(mut interrupt), Ok(mut terminate)) = signals else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The output format: `--format`, else what `-o`'s extension implies, else a table. A binary
/// format without `-o`, or an `-o` whose extension names no format, is a usage error.
fn output_format(format: Option<OutputFormat>, output: Option<&Path>) -> Result<OutputFormat> {
    let format = match (format, output) {
        (Some(format), _) => format,
        (None, None) => OutputFormat::Table,
        (None, Some(path)) => OutputFormat::from_extension(path).ok_or_else(|| {
            let known: Vec<String> = OutputFormat::EXTENSIONS
                .iter()
                .map(|(ext, _)| format!(".{ext}"))
                .collect();
            CliError::Usage(format!(
                "cannot tell the format of {} from its name: use one of {} or give --format",
                path.display(),
                known.join(" ")
            ))
        })?,
    };
    if format.is_binary() && output.is_none() {
        return Err(CliError::Usage(format!(
            "--format {format} writes binary data and needs -o FILE"
        )));
    }
    Ok(format)
}

/// All of standard input, as text.
fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|source| {
        jaanch::Error::Io {
            op: jaanch::error::IoOp::Read,
            path: None,
            source,
        }
    })?;
    Ok(text)
}

/// Opens the lake from `--lake`, `./lake.toml` or `$JAANCH_LAKE` (with none of them, the demo
/// lake in the user's data directory, generated on first use).
fn open_lake(explicit: Option<&Path>) -> Result<Lake> {
    let lake = match find_config(explicit).map_err(jaanch::Error::from)? {
        ConfigSource::File(path) => Lake::open(path)?,
        ConfigSource::Default => {
            Lake::open(jaanch_demo::default_lake(std::io::stderr().is_terminal())?)?
        }
    };
    if matches!(lake.config().memory_limit(), Ok(Some(_))) {
        bound_resident_memory();
    }
    Ok(lake)
}

/// `--as-of`'s value.
fn parse_pin(text: &str) -> Result<jaanch::delta::Pin, String> {
    jaanch::delta::Pin::parse(text)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A large zeroed block comes back resident (its pages mapped before it is handed out)
    /// and zero.
    #[test]
    fn large_zeroed_blocks_come_populated() {
        const SIZE: usize = 8 << 20;
        const PAGE: usize = 4096;
        let layout = Layout::from_size_align(SIZE, 64).unwrap();
        // SAFETY: a block of a valid layout, freed below with the same layout.
        let block = unsafe { Allocator.alloc_zeroed(layout) };
        assert!(!block.is_null());
        let first = (block as usize).next_multiple_of(PAGE);
        let pages = (block as usize + SIZE - first) / PAGE;
        let mut resident = vec![0_u8; pages];
        // SAFETY: the range lies within the block; `resident` holds a byte for each page.
        let status = unsafe {
            libc::mincore(
                first as *mut libc::c_void,
                pages * PAGE,
                resident.as_mut_ptr(),
            )
        };
        assert_eq!(status, 0);
        let present = resident.iter().filter(|page| *page & 1 == 1).count();
        assert_eq!(present, pages, "pages resident before the block is touched");
        // SAFETY: the block is SIZE bytes, allocated above.
        let bytes = unsafe { std::slice::from_raw_parts(block, SIZE) };
        assert!(bytes.iter().all(|b| *b == 0));
        // SAFETY: allocated above with this layout.
        unsafe { Allocator.dealloc(block, layout) };
    }
}
