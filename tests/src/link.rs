//! The Stem link in tests: private segment directories (tests never touch the user's
//! `/dev/shm` segment), child processes that host a Strip each, and `stems link status`.
//!
//! Every [`Plugin`](crate::Plugin) the harness loads calls [`test_link_dir`] first, which
//! points `STEM_SUITE_LINK_DIR` of this test process at
//! `target/plugin-tests/link/<pid>` (stale folders of dead test processes are removed). A
//! child started by [`spawn_strip_child`] gets the directory its test chose and
//! `STEM_TESTS_INHERIT_LINK_DIR=1`, so it keeps that one.

use crate::bundle::plugin_target_dir;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The link's directory variable (as `shared_dsp::link::LINK_DIR_ENV`).
pub const LINK_DIR_ENV: &str = "STEM_SUITE_LINK_DIR";
/// Set (to 1) in a child's environment: keep the inherited `STEM_SUITE_LINK_DIR`.
pub const INHERIT_ENV: &str = "STEM_TESTS_INHERIT_LINK_DIR";

/// The link directory of this test process (set in the environment on first call, before any
/// plugin is loaded, so the plugins' `LinkWriter::open` uses it).
pub fn test_link_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if std::env::var_os(INHERIT_ENV).is_some() {
            if let Some(dir) = std::env::var_os(LINK_DIR_ENV) {
                return PathBuf::from(dir);
            }
        }
        let root = plugin_target_dir().join("link");
        remove_stale_dirs(&root);
        let dir = root.join(std::process::id().to_string());
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        // SAFETY (edition 2021: safe fn): runs once, inside this OnceLock, before any plugin
        // of this process exists; the test threads read the environment only through std.
        std::env::set_var(LINK_DIR_ENV, &dir);
        dir
    })
}

/// A fresh, empty link directory for one test (its own segment):
/// `target/plugin-tests/link/<pid>-<tag>-<n>`.
pub fn fresh_link_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = plugin_target_dir().join("link");
    let dir = root.join(format!(
        "{}-{tag}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Removes `root/<pid>[-...]` folders whose process is gone.
fn remove_stale_dirs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() as i32 && !process_alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// A child process with its stdout lines arriving on a channel; killed (SIGKILL) and reaped
/// on drop, so a failing test leaks no process.
pub struct ChildProc {
    /// What it is (for messages).
    pub label: String,
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl ChildProc {
    /// Spawns `command` with stdout piped (stderr inherited).
    pub fn spawn(label: &str, mut command: Command) -> ChildProc {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {label}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        ChildProc {
            label: label.to_owned(),
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stdout line starting with `prefix` and returns it (the first such line,
    /// even one received earlier). Panics after `timeout` or when the child exits first.
    pub fn wait_line(&mut self, prefix: &str, timeout: Duration) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return l.clone();
        }
        self.receive(prefix, timeout)
    }

    /// Waits for the next stdout line starting with `prefix` printed after this call (lines
    /// already received are skipped) and returns it. Panics after `timeout` or on exit.
    pub fn next_line(&mut self, prefix: &str, timeout: Duration) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.receive(prefix, timeout)
    }

    /// Receives lines (keeping them in `seen`) until one starts with `prefix`.
    fn receive(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.starts_with(prefix);
                    self.seen.push(line.clone());
                    if hit {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{}: no line `{prefix}...` within {timeout:?} (so far: {:?})",
                    self.label, self.seen
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait();
                    panic!(
                        "{}: exited ({status:?}) before printing `{prefix}...` (output: {:?})",
                        self.label, self.seen
                    )
                }
            }
        }
    }

    /// `kill -9` and reap (a reaped process is gone for `kill(pid, 0)` too).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A child hosting one Stem Strip (the `strip-link-child` binary of this crate, path from
/// the test's `env!("CARGO_BIN_EXE_strip-link-child")`): `role` as the role parameter's text,
/// `name` reported as the host track name, a 1 kHz stereo sine at `level_dbfs` peak per
/// channel, in real time. It prints `ready` once processing and `settled` after
/// `settle_s` seconds of audio.
pub fn spawn_strip_child(
    child_bin: &Path,
    link_dir: &Path,
    role: &str,
    name: &str,
    level_dbfs: f64,
    settle_s: f64,
) -> ChildProc {
    let mut cmd = Command::new(child_bin);
    cmd.env(LINK_DIR_ENV, link_dir)
        .env(INHERIT_ENV, "1")
        .env(crate::bundle::STEM_STRIP_CLAP_ENV, crate::strip_bundle())
        .args([
            "--role",
            role,
            "--name",
            name,
            "--level",
            &level_dbfs.to_string(),
            "--settle",
            &settle_s.to_string(),
        ]);
    ChildProc::spawn(&format!("strip child {name:?}"), cmd)
}

/// `stems link status --json` against `link_dir`, parsed.
pub fn link_status(link_dir: &Path) -> serde_json::Value {
    let out = Command::new(crate::stems_binary())
        .env(LINK_DIR_ENV, link_dir)
        .args(["link", "status", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("stems runs");
    assert!(
        out.status.success(),
        "stems link status failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stems link status --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The instances of a status report.
pub fn instances(status: &serde_json::Value) -> Vec<serde_json::Value> {
    status["instances"].as_array().cloned().unwrap_or_default()
}
