//! The demo lake: a synthetic but realistic Rajasthan police data lake, and jaanch's embedded
//! default.
//!
//! No police data is public, so [`generate`] writes one: Parquet tables for every source
//! (CCTNS, VAHAN, the Abhay command centres' ANPR cameras and Dial-112 calls, telecom
//! subscribers, the citizen portal, social-media monitoring), a `lake.toml` that registers them
//! with table and column descriptions, and a `truth` schema recording the links it planted, so
//! that reports can be scored for recall and precision. [`default_lake`] generates a small one
//! into the user's data directory the first time `jaanch` runs without a lake config.
//!
//! # Tables (rows at scale 1; every size scales linearly, at least 20 rows)
//!
//! | table | rows | files |
//! |---|---|---|
//! | `cctns.fir` | 200k | a Delta table (see [`delta`]), partitioned by `year` of registration (queries are by period; district names are too messy to partition on) |
//! | `cctns.accused` | ≈300k (1.5 per FIR) | one |
//! | `cctns.stolen_vehicles` | ≈20k (one per vehicle-theft FIR) | a Delta table |
//! | `vahan.registrations` | 1M | 250k rows each |
//! | `abhay.cameras` | 2k | one |
//! | `abhay.anpr_reads` | 5M | `dt=YYYY-MM-DD/`: the last 730 × scale days of 2025 (7 to 730), so a day holds ≈6.8k reads at any scale |
//! | `abhay.dial112_calls` | 500k | one per year |
//! | `telecom.subscribers` | 1M | 250k rows each |
//! | `portal.complaints` | 200k | one |
//! | `social.posts` | 200k | one |
//!
//! History spans 2019-2025 (fixed, so the output never depends on today's date), with yearly
//! trends (the 2020 dip), weekly rhythms (fewer FIRs on Sundays, more calls at weekends),
//! daily rhythms (reads by day, calls in the evening, FIRs in office hours) and spikes around
//! Holi and Diwali. Times are local (IST) `Timestamp(µs)` without a time zone; dates `Date32`.
//!
//! # Mess, in documented proportions ([`mess`])
//!
//! | what | where | share |
//! |---|---|---|
//! | plate typed non-canonically: spaced 18%, lower case 10%, dashed 10%, unpadded 12%, O/I for 0/1 7%, Devanagari digits 3% | `stolen_vehicles.plate` | 60% |
//! | ANPR read noise: spaced 6%, one look-alike confusion 17%, two 5%, `IND` prefix 3%, garbled (unrecoverable) 2% | `anpr_reads.plate_text` | 33% |
//! | vehicles of other states (HR, GJ, MP, DL, UP, PB, ...) | ANPR reads | 10% |
//! | Bharat series (of registrations from 15 Sep 2021) / old three-letter series | `vahan.registrations` | 6% / 0.5% |
//! | district not canonical: case 6%, alias 5%, Devanagari 6%, police district 5%, abolished 2023 district 3%, typo 5% | fir, accused, stolen vehicles, subscribers, complaints, calls, posts | 30% |
//! | words around the district (`Distt. Jaipur`, `Kota (Raj.)`) | `dial112_calls.district` | 20% |
//! | phone formats: 10 digits 40%, `+91 98290 12345` 14%, `0…` 14%, `91…` 10%, `+91…` 12%, `98290-12345` 5%, `+91-…` 5% | all phone columns but `subscribers.msisdn` | — |
//! | invalid phone (9 or 11 digits, first digit 1-5) | accused, owners, callers, complainants | 3% |
//! | Aadhaar with a wrong Verhoeff check digit | `subscribers.id_number` (id_type Aadhaar, 82% of SIMs) | 4% |
//! | IMEI with a wrong Luhn check digit / 14 digits | `subscribers.imei` | 3% / 1% |
//! | FIR sections in Hindi / with `u/s` | `fir.sections` | 8% / ≈25% |
//!
//! # Planted links and their ground truth (`truth.*`)
//!
//! - **Stolen vehicle sightings**: every stolen vehicle is a registered one (in
//!   `vahan.registrations`); 25% are recovered. Of the unrecovered ones stolen before the end of
//!   the ANPR window, 35% pass cameras 1-6 times after the theft, read with ANPR noise:
//!   `truth.stolen_sightings (fir_id, plate, read_id, camera_id, seen_at, plate_text,
//!   readable)`; `readable` is false for the 2% of garbled reads, which lost a character or
//!   misread one outside its look-alike class. Stolen vehicles are also read before their
//!   theft and after their recovery (not sightings). No two plates in the lake (registered or
//!   from other states) share a look-alike class key (`O/0/D/Q, I/1/L/T/J, …` with zero
//!   padding dropped). 4% of cameras run fast or slow by 15 minutes to 3 hours, recorded in
//!   `abhay.cameras.clock_offset_seconds`; their reads' `seen_at` carry the error.
//! - **Repeat offenders**: 10% of accused persons are named in 2-6 FIRs of their district, with
//!   60% of later appearances spelt differently and their phone in different formats:
//!   `truth.repeat_offenders (person_id, accused_id, fir_id)`.
//! - **Accused phones**: 60% of accused persons have their number in `telecom.subscribers`, 8%
//!   post 1-5 times from an account linked to it: `truth.accused_phones (accused_id,
//!   person_id, msisdn, in_subscribers, posts)` for rows whose phone is written validly.
//! - **SIM identity mismatch**: of those SIMs, 12% are registered to another person (70% a
//!   stranger, 30% the father at the family's address, which is no mismatch unless the
//!   Aadhaar is invalid) and 5% carry an invalid Aadhaar; 20% of the rest spell the owner's
//!   own name differently, which is no mismatch either: `truth.sim_identity_mismatch (msisdn,
//!   accused_id, person_id, reason, subscriber_name)`.
//! - **Weapon posts**: 25% of accused persons' posts show a weapon (1% of other posts do):
//!   `truth.weapon_posts (post_id, msisdn, person_id, accused_id)`.
//! - **Decoys**: records that look like a report's hits and are not, so that precision is
//!   tested: reads of a plate one character away from an unrecovered stolen one (a character
//!   no OCR confuses with it; for 10% of those vehicles), stolen vehicles read shortly before
//!   the theft by a fast camera that records the read after it (30% of thefts within the ANPR
//!   window), namesakes of 15% of repeat offenders (an accused person of one FIR in another
//!   district, with another father), SIMs in the father's name at the family's address, and toy or replica weapons
//!   in 8% of accused persons' other posts (flagged as weapons; the text says what they are):
//!   `truth.decoys (kind, report, key, of, detail)`.
//! - **What the mess hides**: every FIR's and Dial-112 call's district by today's name,
//!   however it was typed (`truth.firs (fir_id, district)`, `truth.dial112_calls (call_id,
//!   district)`), the offences each FIR cites, by one name under both codes
//!   (`truth.fir_offences (fir_id, cited, offence)`), and every read of a stolen vehicle at any
//!   time (`truth.stolen_vehicle_reads (fir_id, plate, read_id, readable)`), so that the
//!   reports that count by district or offence, and a vehicle's history, are scored too.
//!
//! - **History**: `cctns.fir` and `cctns.stolen_vehicles` are Delta tables whose log tells how
//!   they changed in December 2025 (daily appends, late status changes and recoveries), so a
//!   report as of a date has its own answer: `truth.delta_versions (table_name, version,
//!   committed_at, operation, rows)` and `truth.corrections (table_name, fir_id, column_name,
//!   old_value, new_value, version, committed_at)`; see [`delta`]. Their logs are checkpointed
//!   every 10 versions ([`delta::CHECKPOINT_INTERVAL`]), as Delta writers do.
//!
//! # Determinism
//!
//! The same seed and scale give byte-identical files: the generator has its own PRNG
//! (xoshiro256** in `jaanch_udfs::rng`, no RNG crate), every table, partition and chunk draws from its own stream, and the Parquet
//! writer settings are fixed. Tables are written in parallel by a few threads pulling jobs;
//! which thread writes what does not change a byte. The lake is written to a temporary folder
//! next to the target and renamed into place at the end.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use jaanch::Error;
use jaanch::config::ConfigError;

mod abhay;
mod calendar;
mod cctns;
pub mod delta;
mod geo;
mod law;
pub mod mess;
mod people;
mod plates;
mod portal;
mod rng;
mod social;
pub mod tables;
mod telecom;
mod truth;
mod vahan;
mod world;
mod write;

use abhay::Sighting;
use world::World;

/// The scale of the default lake: about 430k rows, generated in seconds.
pub const DEFAULT_SCALE: f64 = 0.05;
/// The seed of the default lake.
pub const DEFAULT_SEED: u64 = 20_240_701;
/// The largest scale accepted (about 420 million rows).
pub const MAX_SCALE: f64 = 50.0;
/// Bumped whenever the generator's output changes, so the default lake is regenerated.
pub const GENERATOR_VERSION: u32 = 5;

/// What to generate, and where.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Size relative to the full lake (1 ≈ 8.6 million rows).
    pub scale: f64,
    pub seed: u64,
    /// The folder to write (created; a previous demo lake there is replaced).
    pub out: PathBuf,
    /// Show a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
}

impl DemoOptions {
    /// The default scale and seed, writing to `out`.
    pub fn new(out: impl Into<PathBuf>) -> DemoOptions {
        DemoOptions {
            scale: DEFAULT_SCALE,
            seed: DEFAULT_SEED,
            out: out.into(),
            progress: false,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Rows per table (`cctns.fir`, ..., `truth.weapon_posts`), in `lake.toml` order.
    pub tables: Vec<(String, usize)>,
    pub total_rows: usize,
    pub elapsed: Duration,
    /// The generated `lake.toml`.
    pub lake_toml: PathBuf,
}

impl DemoSummary {
    pub fn rows(&self, table: &str) -> Option<usize> {
        self.tables
            .iter()
            .find(|(name, _)| name == table)
            .map(|(_, rows)| *rows)
    }

    /// Rows of the source tables (without `truth.*`).
    pub fn data_rows(&self) -> usize {
        self.tables
            .iter()
            .filter(|(name, _)| !name.starts_with("truth."))
            .map(|(_, rows)| rows)
            .sum()
    }
}

fn option_error(message: String) -> Error {
    Error::Config(ConfigError::new(message))
}

/// Writes the demo lake into `options.out`: the tables as Parquet and `lake.toml`.
pub fn generate(options: &DemoOptions) -> Result<DemoSummary, Error> {
    let started = Instant::now();
    let scale = options.scale;
    if !(scale.is_finite() && scale > 0.0) {
        return Err(option_error(format!(
            "scale must be a positive number such as 0.05 or 1 (got {scale})"
        )));
    }
    if scale > MAX_SCALE {
        return Err(option_error(format!(
            "scale {scale} is too large (at most {MAX_SCALE}, about 430 million rows)"
        )));
    }
    let out = target_folder(&options.out)?;
    let parent = out.parent().expect("an absolute folder path has a parent");
    std::fs::create_dir_all(parent).map_err(|e| write::io_error(parent, e))?;
    let name = out
        .file_name()
        .expect("checked")
        .to_string_lossy()
        .into_owned();
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.partial-"))
        .tempdir_in(parent)
        .map_err(|e| write::io_error(parent, e))?;

    let bar = progress_bar(options.progress);
    bar.set_message("planning");
    let world = World::plan(options.seed, scale);
    let written = write_tables(&world, staging.path(), &bar).and_then(|tables| {
        let lake_toml = write::lake_toml(scale, options.seed, &tables::ALL);
        let path = staging.path().join("lake.toml");
        std::fs::write(&path, &lake_toml).map_err(|e| write::io_error(&path, e))?;
        write::governed_lake(staging.path(), &lake_toml)?;
        Ok(tables)
    });
    // The bar goes before any error is printed; a failed lake's folder goes with `staging`.
    bar.finish_and_clear();
    let tables = written?;
    install(staging.keep(), &out)?;

    let total_rows = tables.iter().map(|(_, rows)| rows).sum();
    Ok(DemoSummary {
        tables,
        total_rows,
        elapsed: started.elapsed(),
        lake_toml: out.join("lake.toml"),
    })
}

/// The absolute target folder, refusing a file or a folder that holds something other than a
/// previous demo lake.
fn target_folder(out: &Path) -> Result<PathBuf, Error> {
    let absolute = std::path::absolute(out).map_err(|e| write::io_error(out, e))?;
    // Drops `.` components, so that `--out .` names the folder itself.
    let absolute: PathBuf = absolute.components().collect();
    if absolute.file_name().is_none() || absolute.parent().is_none() {
        return Err(option_error(format!(
            "out {}: give a folder path for the demo lake",
            out.display()
        )));
    }
    if absolute.is_file() {
        return Err(option_error(format!(
            "out {}: is a file; give a folder for the demo lake",
            out.display()
        )));
    }
    if absolute.is_dir() && !is_empty_dir(&absolute) && !is_demo_lake(&absolute) {
        return Err(option_error(format!(
            "out {}: folder is not empty and holds no jaanch demo lake; choose a new or empty folder",
            out.display()
        )));
    }
    Ok(absolute)
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Whether `dir` holds a lake written by [`generate`].
pub fn is_demo_lake(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("lake.toml")).is_ok_and(|text| text.starts_with(write::MARKER))
}

/// Moves the finished lake from `staging` to `out`, replacing an empty folder or a previous
/// demo lake there.
fn install(staging: PathBuf, out: &Path) -> Result<(), Error> {
    let failed = |e| {
        let _ = std::fs::remove_dir_all(&staging);
        write::io_error(out, e)
    };
    if out.is_dir() {
        if is_empty_dir(out) {
            std::fs::remove_dir(out).map_err(failed)?;
        } else {
            let mut old = out.as_os_str().to_owned();
            old.push(format!(".old-{}", std::process::id()));
            let old = PathBuf::from(old);
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(out, &old).map_err(failed)?;
            std::fs::rename(&staging, out).map_err(failed)?;
            let _ = std::fs::remove_dir_all(&old);
            return Ok(());
        }
    }
    std::fs::rename(&staging, out).map_err(failed)
}

fn progress_bar(progress: bool) -> ProgressBar {
    if !progress || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} demo lake: {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Switches the bar from a spinner to rows written out of `rows`.
fn count_rows(bar: &ProgressBar, rows: u64) {
    bar.set_length(rows);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} demo lake: {msg} [{bar:30}] {human_pos}/{human_len} rows ({per_sec:0}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
}

/// What a job wrote: rows per table (its own and the ground truth written beside it), and an
/// ANPR day's reads of stolen vehicles, which go into the ground truth at the end.
struct Written {
    rows: Vec<(&'static str, usize)>,
    truth: abhay::DayTruth,
}

type JobResult = Result<Written, Error>;

/// A unit of work: one Parquet file.
#[derive(Debug, Clone, Copy)]
enum Job {
    Fir(usize),
    Accused,
    Stolen,
    Registrations(usize),
    Cameras,
    Anpr(usize),
    Calls(usize),
    Subscribers(usize),
    Complaints,
    Posts,
}

impl Job {
    fn table(self) -> &'static str {
        match self {
            Job::Fir(_) => tables::FIR.name,
            Job::Accused => tables::ACCUSED.name,
            Job::Stolen => tables::STOLEN_VEHICLES.name,
            Job::Registrations(_) => tables::REGISTRATIONS.name,
            Job::Cameras => tables::CAMERAS.name,
            Job::Anpr(_) => tables::ANPR_READS.name,
            Job::Calls(_) => tables::DIAL112_CALLS.name,
            Job::Subscribers(_) => tables::SUBSCRIBERS.name,
            Job::Complaints => tables::COMPLAINTS.name,
            Job::Posts => tables::POSTS.name,
        }
    }

    /// Rows the job writes (for the progress bar and to start big jobs first).
    fn rows(self, world: &World) -> usize {
        let chunk = |total: usize, i: usize| total.min((i + 1) * vahan::CHUNK) - i * vahan::CHUNK;
        match self {
            Job::Fir(i) => world.fir_years[i].1.len(),
            Job::Accused => world.accused.len(),
            Job::Stolen => world.stolen.len(),
            Job::Registrations(i) => chunk(world.vehicles.len(), i),
            Job::Cameras => world.cameras.len(),
            Job::Anpr(i) => world.anpr_days[i].rows(),
            Job::Calls(i) => world.call_years[i].2,
            Job::Subscribers(i) => chunk(world.subscribers.len(), i),
            Job::Complaints => world.sizes.complaints,
            Job::Posts => world.posts.len(),
        }
    }

    fn run(self, world: &World, traffic: &abhay::Traffic, root: &Path) -> JobResult {
        let one = |rows| vec![(self.table(), rows)];
        let mut truth = abhay::DayTruth::default();
        let rows = match self {
            Job::Fir(i) => {
                let [firs, districts, offences] = cctns::fir_year(world, root, i)?;
                vec![
                    (tables::FIR.name, firs),
                    (tables::TRUTH_FIRS.name, districts),
                    (tables::TRUTH_FIR_OFFENCES.name, offences),
                ]
            }
            Job::Calls(i) => {
                let [calls, districts] = abhay::dial112_year(world, root, i)?;
                vec![
                    (tables::DIAL112_CALLS.name, calls),
                    (tables::TRUTH_DIAL112_CALLS.name, districts),
                ]
            }
            Job::Anpr(i) => {
                let (rows, day) = abhay::anpr_day(world, traffic, root, i)?;
                truth = day;
                one(rows)
            }
            Job::Accused => one(cctns::accused(world, root)?),
            Job::Stolen => one(cctns::stolen_vehicles(world, root)?),
            Job::Registrations(i) => one(vahan::registrations(world, root, i)?),
            Job::Cameras => one(abhay::cameras(world, root)?),
            Job::Subscribers(i) => one(telecom::subscribers(world, root, i)?),
            Job::Complaints => one(portal::complaints(world, root)?),
            Job::Posts => one(social::posts(world, root)?),
        };
        Ok(Written { rows, truth })
    }
}

/// Writes every table into `root`; returns the rows of each, in `lake.toml` order.
fn write_tables(
    world: &World,
    root: &Path,
    bar: &ProgressBar,
) -> Result<Vec<(String, usize)>, Error> {
    let chunks = |rows: usize| rows.div_ceil(vahan::CHUNK).max(1);
    let mut jobs: Vec<Job> = Vec::new();
    jobs.extend((0..world.fir_years.len()).map(Job::Fir));
    jobs.extend([
        Job::Accused,
        Job::Stolen,
        Job::Cameras,
        Job::Complaints,
        Job::Posts,
    ]);
    jobs.extend((0..chunks(world.vehicles.len())).map(Job::Registrations));
    jobs.extend((0..world.anpr_days.len()).map(Job::Anpr));
    jobs.extend((0..world.call_years.len()).map(Job::Calls));
    jobs.extend((0..chunks(world.subscribers.len())).map(Job::Subscribers));
    // Longest first, so that two threads finish together.
    jobs.sort_by_key(|job| std::cmp::Reverse(job.rows(world)));
    count_rows(bar, jobs.iter().map(|job| job.rows(world) as u64).sum());
    bar.set_message("writing");

    let traffic = abhay::Traffic::new(world);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<JobResult>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(jobs.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs.len() || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let result = jobs[i].run(world, &traffic, root);
                    match &result {
                        Ok(_) => bar.inc(jobs[i].rows(world) as u64),
                        Err(_) => failed.store(true, Ordering::Relaxed),
                    }
                    results.lock().expect("no panics while holding the lock")[i] = Some(result);
                }
            });
        }
    });

    let mut rows_by_table: Vec<(String, usize)> = tables::ALL
        .iter()
        .map(|spec| (spec.name.to_string(), 0))
        .collect();
    let mut add = |table: &str, rows: usize| {
        if let Some(entry) = rows_by_table.iter_mut().find(|(name, _)| name == table) {
            entry.1 += rows;
        }
    };
    let mut truth_by_day: Vec<(usize, abhay::DayTruth)> = Vec::new();
    let results = results
        .into_inner()
        .expect("no panics while holding the lock");
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Some(Ok(written)) => {
                for (table, rows) in written.rows {
                    add(table, rows);
                }
                if let Job::Anpr(day) = job {
                    truth_by_day.push((*day, written.truth));
                }
            }
            Some(Err(error)) => return Err(error),
            None => {}
        }
    }
    bar.set_message("ground truth");
    truth_by_day.sort_by_key(|(day, _)| *day);
    let mut sightings: Vec<Sighting> = Vec::new();
    let mut stolen_reads: Vec<abhay::StolenRead> = Vec::new();
    for (_, day) in truth_by_day {
        sightings.extend(day.sightings);
        stolen_reads.extend(day.stolen_reads);
    }
    add(
        tables::TRUTH_STOLEN_SIGHTINGS.name,
        truth::stolen_sightings(root, &sightings)?,
    );
    add(
        tables::TRUTH_STOLEN_VEHICLE_READS.name,
        truth::stolen_vehicle_reads(world, root, &stolen_reads)?,
    );
    add(
        tables::TRUTH_REPEAT_OFFENDERS.name,
        truth::repeat_offenders(world, root)?,
    );
    let [phones, mismatches, weapons] = truth::phone_links(world, root)?;
    add(tables::TRUTH_ACCUSED_PHONES.name, phones);
    add(tables::TRUTH_SIM_IDENTITY_MISMATCH.name, mismatches);
    add(tables::TRUTH_WEAPON_POSTS.name, weapons);
    add(
        tables::TRUTH_DECOYS.name,
        truth::decoys(world, root, &sightings)?,
    );
    bar.set_message("history");
    let history = delta::write(root)?;
    let [versions, corrections] = truth::delta_history(root, &history)?;
    add(tables::TRUTH_DELTA_VERSIONS.name, versions);
    add(tables::TRUTH_CORRECTIONS.name, corrections);
    Ok(rows_by_table)
}

/// Where the default lake lives: `<data dir>/jaanch/demo-v<version>-scale<scale>-seed<seed>`.
pub fn default_lake_dir() -> Option<PathBuf> {
    let name = format!("demo-v{GENERATOR_VERSION}-scale{DEFAULT_SCALE}-seed{DEFAULT_SEED}");
    dirs::data_dir().map(|dir| dir.join("jaanch").join(name))
}

/// The default lake in the user's data directory, generated on first use (saying so in one
/// line on stderr), returned as the path of its `lake.toml`.
pub fn default_lake(progress: bool) -> Result<PathBuf, Error> {
    let dir = default_lake_dir().ok_or_else(|| {
        option_error(
            "no lake config (--lake FILE, ./lake.toml or $JAANCH_LAKE) and no user data directory for the demo lake"
                .to_string(),
        )
    })?;
    let lake_toml = dir.join("lake.toml");
    if is_demo_lake(&dir) {
        return Ok(lake_toml);
    }
    eprintln!(
        "no lake config (--lake FILE, ./lake.toml or $JAANCH_LAKE): generating the demo lake (scale {DEFAULT_SCALE}) in {}",
        dir.display()
    );
    let options = DemoOptions {
        progress,
        ..DemoOptions::new(&dir)
    };
    match generate(&options) {
        Ok(summary) => Ok(summary.lake_toml),
        // Another jaanch may have generated it at the same time.
        Err(_) if is_demo_lake(&dir) => Ok(lake_toml),
        Err(error) => Err(error),
    }
}
