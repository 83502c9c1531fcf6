//! Helpers for the link tests: private segment directories, child processes, invariant
//! snapshots.
#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use shared_dsp::bands::NUM_BANDS;
use shared_dsp::link::segment_file_name;
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};

/// A private directory for one test's segment, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stem-link-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// The segment file in this directory.
    pub fn segment(&self) -> PathBuf {
        self.0.join(segment_file_name())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Spawns this test binary running the (ignored) test `name` with `env`, and waits until it
/// prints a line starting with `ready`; returns the child and the rest of that line.
pub fn spawn_child(name: &str, dir: &Path, env: &[(&str, String)]) -> (Child, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("STEM_SUITE_LINK_DIR", dir)
    .env("LINK_TEST_CHILD", "1")
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest may print "test NAME ... " on the same line first.
            if let Some(at) = line.find("ready") {
                let _ = tx.send(line[at + 5..].trim().to_owned());
            }
        }
    });
    let rest = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("child {name} did not get ready")
        });
    (child, rest)
}

/// Whether this process is a child spawned by [`spawn_child`].
pub fn is_child() -> bool {
    std::env::var_os("LINK_TEST_CHILD").is_some()
}

/// Polls `f` every 10 ms until it returns true or `limit` passes; returns the time taken.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn level(k: u64) -> f32 {
    -100.0 + (k % 1000) as f32 * 0.1
}

/// A snapshot whose every field is a function of the writer `id` and counter `k`, so a reader
/// can tell a consistent snapshot from a torn one.
pub fn invariant_snapshot(id: u32, k: u64) -> StemSnapshot {
    let l = level(k);
    let name = format!("w{id}-{}", "x".repeat((k % 41) as usize));
    let mut band_db = [[0.0; NUM_BANDS]; 2];
    for (ch, bands) in band_db.iter_mut().enumerate() {
        for (b, v) in bands.iter_mut().enumerate() {
            *v = l - b as f32 * 0.5 - ch as f32;
        }
    }
    StemSnapshot {
        role: StemRole::from_index((k % 7) as u32).unwrap(),
        name: StemName::new(&name),
        sample_rate_hz: 48_000.0 + (k % 5) as f32,
        momentary_lufs: l,
        shortterm_lufs: l - 1.0,
        sample_peak_db: l + 1.0,
        true_peak_db: l + 2.0,
        rms_db: l - 2.0,
        correlation: (k % 3) as f32 * 0.5 - 0.5,
        gain_reduction_db: (k % 13) as f32,
        masking_db: band_db.map(|ch| ch.map(|v| v - 3.0 - (k % 7) as f32)),
        // The frame levels end the record: a torn read shows there too.
        frame_db: band_db.map(|ch| ch.map(|v| v - 1.0 - (k % 5) as f32)),
        band_db,
        transport: TransportPosition {
            playing: k.is_multiple_of(2),
            known: true,
            position_seconds: k as f64,
        },
        // A track colour on two snapshots in three (the link carries "unknown" too).
        color_rgb: (!k.is_multiple_of(3)).then_some([k as u8, (k >> 8) as u8, id as u8]),
    }
}

/// Whether `s` is exactly `invariant_snapshot(id, k)` for the `k` its transport position
/// names, for some writer id; returns that id.
pub fn check_invariant(s: &StemSnapshot) -> Result<u32, String> {
    let k = s.transport.position_seconds as u64;
    let id: u32 = s
        .name
        .as_str()
        .strip_prefix('w')
        .and_then(|r| r.split('-').next())
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| format!("bad name {:?}", s.name))?;
    let expected = invariant_snapshot(id, k);
    if *s == expected {
        Ok(id)
    } else {
        Err(format!("inconsistent snapshot for k={k}: {s:?}"))
    }
}
