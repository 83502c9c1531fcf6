//! What the command-line tool's tests share: a fresh temporary folder, running `stems`, and
//! paths as arguments.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `stems` binary under test.
pub const STEMS: &str = env!("CARGO_BIN_EXE_stems");

/// A fresh, empty folder `stems-SUITE-TAG-PID` in the system's temporary folder.
pub fn temp_dir(suite: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stems-{suite}-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `stems ARGS`: (exit code, stdout, stderr).
pub fn stems(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(STEMS).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `path` as an argument.
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}
