//! A private tokio runtime for the backend's SDK calls, driven from a scoped thread so
//! that a call is safe from anywhere, including code running on the CLI's own runtime.

use std::future::Future;

use tokio::runtime::Runtime;

/// Runs futures to completion for synchronous callers.
#[derive(Debug)]
pub(crate) struct Worker {
    /// Always `Some` until dropped.
    rt: Option<Runtime>,
}

impl Worker {
    /// A current-thread runtime with I/O and timers.
    pub(crate) fn new() -> std::io::Result<Worker> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Worker { rt: Some(rt) })
    }

    /// Runs `fut` to completion on a thread of its own: `block_on` on the calling thread
    /// would panic when that thread is already inside a runtime (apply's state sink is).
    pub(crate) fn run<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        let Some(rt) = self.rt.as_ref() else {
            unreachable!("the runtime lives until the worker is dropped")
        };
        std::thread::scope(|s| match s.spawn(|| rt.block_on(fut)).join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside another runtime; this does not.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_from_inside_another_runtime_and_drops_there() {
        let outer = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let n = outer.block_on(async {
            let w = Worker::new().unwrap();
            let n = w.run(async {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                41 + 1
            });
            drop(w);
            n
        });
        assert_eq!(n, 42);
    }
}
