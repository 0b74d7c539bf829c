//! Interruption: Ctrl-C or SIGTERM (from a CI runner) stops the runs, never the destroy.

use std::sync::Arc;

use tokio::sync::watch;

/// A flag set once, on a signal or by hand; clones share it.
#[derive(Clone)]
pub struct Interrupt(Arc<watch::Sender<bool>>);

impl Default for Interrupt {
    fn default() -> Interrupt {
        Interrupt::new()
    }
}

impl Interrupt {
    /// A flag not yet set.
    pub fn new() -> Interrupt {
        Interrupt(Arc::new(watch::channel(false).0))
    }

    /// Sets the flag.
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }

    /// True once set.
    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when the flag is set.
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`, so this only ends when the flag is set.
        let _ = rx.wait_for(|set| *set).await;
    }

    /// Sets the flag on Ctrl-C and SIGTERM; call from inside the tokio runtime. The
    /// handlers stay installed, so later signals do not kill the process while it
    /// destroys what it created.
    pub fn listen_for_signals(&self) {
        let me = self.clone();
        let mut signals = Signals::new();
        tokio::spawn(async move {
            loop {
                signals.next().await;
                me.trigger();
            }
        });
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, listened to from creation on: a signal that arrives
/// between two [`Signals::next`] calls is kept for the second, not lost.
pub struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening; call from inside the tokio runtime.
    pub fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Resolves on the next Ctrl-C or SIGTERM.
    #[cfg(unix)]
    pub async fn next(&mut self) {
        match (&mut self.int, &mut self.term) {
            (Some(int), Some(term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            (Some(int), None) => {
                int.recv().await;
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }

    /// Resolves on the next Ctrl-C.
    #[cfg(not(unix))]
    pub async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl Default for Signals {
    fn default() -> Self {
        Signals::new()
    }
}

/// Resolves on the next Ctrl-C (SIGINT) or SIGTERM.
pub async fn wait_for_signal() {
    Signals::new().next().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_returns_once_triggered_and_clones_share_the_flag() {
        let i = Interrupt::new();
        assert!(!i.is_set());
        let other = i.clone();
        let waiter = tokio::spawn(async move { other.wait().await });
        i.trigger();
        waiter.await.expect("joins");
        assert!(i.is_set());
    }
}
