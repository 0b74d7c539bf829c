//! What an apply tells the outside while it runs: a state sink that records every change
//! durably, and an observer that shows progress.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use crate::addr::ResourceInstance;
use crate::state::{Backend, Intent, Journaled, State};

/// Where apply records what it does, so state survives whatever happens next. Each
/// method gets the walk's whole current state; implementations decide what to write.
pub trait StateSink: Send + Sync {
    /// A provider is about to carry out `intent` (create, update or delete one object).
    fn intent(&self, state: &State, intent: &Intent) -> Result<(), String>;
    /// The provider call announced by [`StateSink::intent`] ended, with or without a change.
    fn done(&self, state: &State, addr: &ResourceInstance) -> Result<(), String>;
    /// What `state` holds for `addr` (its current and deposed objects) changed.
    fn instance_changed(&self, state: &State, addr: &ResourceInstance) -> Result<(), String>;
    /// Something else in `state` changed (outputs) or the apply ended: write all of it.
    fn changed(&self, state: &State) -> Result<(), String>;
}

/// A state backend written through its journal: a record per change, the whole state
/// now and then and at the end.
pub struct JournalSink(Mutex<Journaled>);

impl JournalSink {
    /// Journals changes to `backend`'s state (a `LocalBackend` or a `Box<dyn Backend>`).
    pub fn new(backend: impl Backend + 'static) -> Arc<JournalSink> {
        Arc::new(JournalSink(Mutex::new(Journaled::new(backend))))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Journaled) -> Result<T, crate::state::StateError>,
    ) -> Result<T, String> {
        let mut j = self.0.lock().map_err(|e| e.to_string())?;
        f(&mut j).map_err(|e| e.to_string())
    }
}

impl StateSink for JournalSink {
    fn intent(&self, state: &State, intent: &Intent) -> Result<(), String> {
        self.with(|j| j.intent(state, intent))
    }

    fn done(&self, state: &State, addr: &ResourceInstance) -> Result<(), String> {
        self.with(|j| j.done(state, addr))
    }

    fn instance_changed(&self, state: &State, addr: &ResourceInstance) -> Result<(), String> {
        self.with(|j| j.record(state, addr))
    }

    fn changed(&self, state: &State) -> Result<(), String> {
        self.with(|j| j.checkpoint(state))
    }
}

/// How a provider call ended, for [`Observer`]s.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It succeeded; the object's `id`, when it has one.
    Ok(Option<String>),
    /// It failed (the error is reported as a diagnostic).
    Failed,
}

/// One provider call of an apply, as shown to the user.
#[derive(Debug, Clone)]
pub enum Event {
    /// A provider call started: `action` is "create", "update" or "delete".
    Started {
        /// The instance.
        addr: ResourceInstance,
        /// What is being done.
        action: &'static str,
    },
    /// A provider call ended.
    Finished {
        /// The instance.
        addr: ResourceInstance,
        /// What was done.
        action: &'static str,
        /// Time the call took (on tokio's clock: virtual when the clock is paused).
        elapsed: Duration,
        /// How it ended.
        outcome: Outcome,
    },
}

/// Receives apply progress (a progress bar, log lines). Called from worker tasks: keep it quick.
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: &Event);
}

/// Marks the start of one provider call (for its elapsed time).
pub(crate) struct Call {
    pub(crate) action: &'static str,
    pub(crate) started: Instant,
    /// As journaled; a create's carries the token its provider is given.
    pub(crate) intent: Intent,
}
