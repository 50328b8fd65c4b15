//! One tokio runtime for every lake of the process, and waiting on it from Python.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

/// How often a waiting query looks for Ctrl-C (a pending `KeyboardInterrupt`).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The process's runtime, started on first use.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("jaanch")
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    })
}

/// Runs `future` to completion with the GIL released, so other Python threads run meanwhile.
///
/// Every [`SIGNAL_POLL`] the wait re-attaches briefly to run Python's signal handlers: when one
/// raises (Ctrl-C in a terminal, the notebook's interrupt button), the future is dropped, which
/// cancels the query (DataFusion aborts its tasks when their handles are dropped), and the
/// exception propagates to the caller. Signals are only handled on Python's main thread, so a
/// query started from another thread runs to its end.
pub fn wait_for_future<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = runtime();
    py.detach(|| {
        runtime.block_on(async {
            tokio::pin!(future);
            loop {
                tokio::select! {
                    output = &mut future => return Ok(output),
                    _ = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}
