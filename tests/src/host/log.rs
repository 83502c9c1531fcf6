//! Where the errors a plugin logs are found: nice-plug logs through its own logger to a file
//! ([`plugin_log`]), not through the host's log extension, so the harness points that logger
//! at a file per test process and counts its error lines together with the host's
//! ([`Plugin::errors_logged`]); a [`Plugin`]'s drop fails the test on any.

use super::Plugin;
use std::path::Path;
use std::sync::atomic::Ordering;

impl Plugin {
    /// Messages of error severity the plugin logged through the host so far, plus the error
    /// lines in this process' plugin log ([`plugin_log_errors`]: nice-plug logs through its
    /// own logger, not the host's).
    pub fn errors_logged(&self) -> u32 {
        let host = self
            .instance
            .access_shared_handler(|s| s.errors_logged.load(Ordering::SeqCst));
        host + plugin_log_errors().len() as u32
    }
}

/// The environment variable nice-plug's logger (`nice-log`) reads: a file path makes it
/// append there.
const NICE_LOG_ENV: &str = "NICE_LOG";

/// The file the plugins of this test process log to: `plugins.log` in its link folder
/// ([`crate::link::test_link_dir`]), set as `NICE_LOG` before the first bundle loads (nice-plug
/// sets its logger up once, when the library loads). nice-plug logs through that logger, not
/// through the host's log extension, so this is where a plugin's `nice_error!` lands.
pub fn plugin_log() -> &'static Path {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = crate::link::test_link_dir().join("plugins.log");
        // SAFETY (edition 2021: safe fn): runs once, inside this OnceLock, before any plugin
        // of this process is loaded; the test threads read the environment only through std.
        std::env::set_var(NICE_LOG_ENV, &path);
        eprintln!("plugin log: {}", path.display());
        path
    })
}

/// The lines of error level in this process' plugin log so far.
pub fn plugin_log_errors() -> Vec<String> {
    std::fs::read_to_string(plugin_log())
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(" ERROR "))
        .map(str::to_owned)
        .collect()
}
