//! The background thread each plugin runs for the Stem link (the Strip's heartbeat and status,
//! the Master's cross-stem work): started once, parked between ticks, stopped and joined
//! within one tick. Never touched by the audio thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// A named background thread that runs until asked to stop.
#[derive(Default)]
pub struct LinkThread {
    stop: Arc<AtomicBool>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl LinkThread {
    /// Starts `run` on a thread called `name` unless one runs already. `run` should return
    /// soon after [`stopping`](Self::stopping) turns true; it is unparked then. Logs a failure
    /// to start (the plugin goes on without the link).
    pub fn start(&self, name: &str, run: impl FnOnce() + Send + 'static) {
        let mut handle = self.handle.lock().unwrap_or_else(PoisonError::into_inner);
        if handle.is_some() {
            return;
        }
        self.stop.store(false, Ordering::Relaxed);
        match std::thread::Builder::new().name(name.into()).spawn(run) {
            Ok(h) => *handle = Some(h),
            Err(err) => nice_plug::nice_error!("Stem link: cannot start the thread {name}: {err}"),
        }
    }

    /// Whether the thread has been asked to stop (read it on every tick).
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Asks the thread to stop, wakes it and joins it (returns within one of its ticks).
    /// Logs a panic of the thread.
    pub fn stop(&self) {
        let handle = self
            .handle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            self.stop.store(true, Ordering::Relaxed);
            handle.thread().unpark();
            let name = handle.thread().name().unwrap_or("?").to_owned();
            if handle.join().is_err() {
                nice_plug::nice_error!("Stem link: the thread {name} panicked");
            }
        }
    }
}
