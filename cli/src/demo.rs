//! `jaanch demo`: generates the demo lake and says how to open it.

use jaanch::output::thousands;
use jaanch_demo::{DEFAULT_SCALE, DEFAULT_SEED, DemoOptions, DemoSummary};
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::Result;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Size relative to the full lake (1 ≈ 8.6 million rows)
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SCALE, allow_negative_numbers = true)]
    pub scale: f64,

    /// Folder to write (a previous demo lake there is replaced)
    #[arg(long, value_name = "DIR", default_value = "demo-lake")]
    pub out: PathBuf,

    /// Seed of the generator: the same seed and scale give the same files
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let options = DemoOptions {
        scale: args.scale,
        seed: args.seed,
        out: args.out.clone(),
        progress: std::io::stderr().is_terminal(),
    };
    let summary = jaanch_demo::generate(&options)?;
    print!("{}", render_summary(&summary));
    Ok(())
}

/// What was written, how long it took, and how to open it.
fn render_summary(summary: &DemoSummary) -> String {
    let seconds = summary.elapsed.as_secs_f64();
    let mut out = format!(
        "Demo lake: {} rows in {} tables (+ {} rows of ground truth), {seconds:.1} s ({} rows/s)\n",
        thousands(summary.data_rows()),
        summary
            .tables
            .iter()
            .filter(|(n, _)| !n.starts_with("truth."))
            .count(),
        thousands(summary.total_rows - summary.data_rows()),
        thousands((summary.total_rows as f64 / seconds.max(1e-3)) as usize),
    );
    let width = summary
        .tables
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0);
    for (name, rows) in &summary.tables {
        out.push_str(&format!("  {name:<width$}  {:>12}\n", thousands(*rows)));
    }
    out.push_str(&format!("Written to {}\n", summary.lake_toml.display()));
    out.push_str(&format!(
        "Open it:   jaanch --lake {}\n",
        summary.lake_toml.display()
    ));
    out
}
