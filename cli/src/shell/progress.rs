//! A progress line on stderr for queries that run longer than a second.
//!
//! The line shows elapsed time and the rows read so far, summed from the live metrics of the
//! plan's scans. It disappears before the first result byte reaches the terminal, so it never
//! mixes with the output.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use datafusion::physical_plan::ExecutionPlan;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::run::PlanSlot;
use jaanch::output::thousands;

/// Silence before the line appears: fast queries never show it.
const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(120);
const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub struct Spinner {
    /// Held while drawing or clearing, so the two never interleave.
    drawing: Arc<Mutex<bool>>,
    stopped: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Spinner {
    pub fn start(runtime: &Handle, slot: Arc<PlanSlot>) -> Spinner {
        let drawing = Arc::new(Mutex::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let task = runtime.spawn({
            let drawing = Arc::clone(&drawing);
            let stopped = Arc::clone(&stopped);
            async move {
                tokio::time::sleep(DELAY).await;
                let mut frame = 0;
                while draw(&drawing, &stopped, &slot, started, frame) {
                    frame += 1;
                    tokio::time::sleep(TICK).await;
                }
            }
        });
        Spinner {
            drawing,
            stopped,
            task,
        }
    }

    /// Removes the line, if it is shown, and keeps it from coming back.
    pub fn clear(&self) {
        self.stopped.store(true, Ordering::Release);
        let mut shown = self.drawing.lock().expect("spinner lock");
        if *shown {
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
            *shown = false;
        }
    }

    pub fn stop(self) {
        self.clear();
        self.task.abort();
    }
}

/// Draws one frame; returns false once the spinner has been stopped.
fn draw(
    drawing: &Mutex<bool>,
    stopped: &AtomicBool,
    slot: &PlanSlot,
    started: Instant,
    frame: usize,
) -> bool {
    let rows = slot
        .lock()
        .ok()
        .and_then(|plan| plan.as_ref().map(|p| rows_scanned(p.as_ref())));
    let mut shown = drawing.lock().expect("spinner lock");
    if stopped.load(Ordering::Acquire) {
        return false;
    }
    let rows = rows.map(|r| format!(" · {} rows read", thousands(r)));
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "\r\x1b[2K{} {:.1} s{}",
        FRAMES[frame % FRAMES.len()],
        started.elapsed().as_secs_f64(),
        rows.unwrap_or_default()
    );
    let _ = stderr.flush();
    *shown = true;
    true
}

/// Rows produced so far by the plan's leaves: the scans.
fn rows_scanned(plan: &dyn ExecutionPlan) -> usize {
    if plan.children().is_empty() {
        return plan
            .metrics()
            .and_then(|m| m.output_rows())
            .unwrap_or_default();
    }
    plan.children()
        .iter()
        .map(|c| rows_scanned(c.as_ref()))
        .sum()
}

/// Standard output that removes the progress line before its first write.
pub struct ClearOnWrite<'s, W> {
    inner: W,
    spinner: Option<&'s Spinner>,
}

impl<'s, W> ClearOnWrite<'s, W> {
    pub fn new(inner: W, spinner: Option<&'s Spinner>) -> Self {
        Self { inner, spinner }
    }
}

impl<W: Write> Write for ClearOnWrite<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(spinner) = self.spinner.take() {
            spinner.clear();
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
