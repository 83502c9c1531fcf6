//! Finding or building the plugin bundles the tests load.
//!
//! `cargo test` builds a cdylib only under `target/*/deps/`, without the bundle layout and
//! without the features the tests want, so the harness builds the real bundle itself, once
//! per test process, through the project's own xtask:
//!
//! ```text
//! CARGO_TARGET_DIR=<workspace>/target/plugin-tests \
//!     cargo xtask bundle stem_strip --features assert_process_allocs
//! ```
//!
//! That is a debug build (so nice-plug's `assert_process_allocs` aborts on any allocation
//! inside `process()`) in its own target folder, so the inner cargo never waits for the lock
//! of the outer `cargo test`. Set `STEM_STRIP_CLAP` (`STEM_MASTER_CLAP`) to a built
//! `Stem Strip.clap` (`Stem Master.clap`) to skip the build and test that file instead (for
//! example a release bundle). The Stem Master is built the same way (package `stem_master`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Environment variable naming a prebuilt `Stem Strip.clap` to test instead of building one.
pub const STEM_STRIP_CLAP_ENV: &str = "STEM_STRIP_CLAP";

/// The workspace root (the folder above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .to_path_buf()
}

/// The target folder of the harness' own bundle build.
pub fn plugin_target_dir() -> PathBuf {
    workspace_root().join("target").join("plugin-tests")
}

/// Environment variable naming a prebuilt `Stem Master.clap` to test instead of building one.
pub const STEM_MASTER_CLAP_ENV: &str = "STEM_MASTER_CLAP";

/// The path of the `Stem Strip.clap` bundle under test: `$STEM_STRIP_CLAP` when set,
/// otherwise a debug bundle with `assert_process_allocs`, built on first use in this process.
///
/// Panics with the build's error output when the bundle cannot be built.
pub fn strip_bundle() -> &'static Path {
    static BUNDLE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    bundle_under_test(&BUNDLE, STEM_STRIP_CLAP_ENV, "stem_strip", "Stem Strip")
}

/// The path of the `Stem Master.clap` bundle under test: `$STEM_MASTER_CLAP` when set,
/// otherwise a debug bundle with `assert_process_allocs`, built on first use in this process.
///
/// Panics with the build's error output when the bundle cannot be built.
pub fn master_bundle() -> &'static Path {
    static BUNDLE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    bundle_under_test(&BUNDLE, STEM_MASTER_CLAP_ENV, "stem_master", "Stem Master")
}

/// The bundle named by the environment variable `env` when set, otherwise `package`'s debug
/// build, made once per process into `cell`.
fn bundle_under_test(
    cell: &'static OnceLock<Result<PathBuf, String>>,
    env: &str,
    package: &str,
    bundle_name: &str,
) -> &'static Path {
    let result = cell.get_or_init(|| match std::env::var_os(env) {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.exists() {
                Ok(path)
            } else {
                Err(format!(
                    "{env}={} does not exist: build the bundle first \
                     (cargo xtask bundle {package}) or unset {env}",
                    path.display()
                ))
            }
        }
        None => build_debug_bundle(package, bundle_name),
    });
    match result {
        Ok(path) => path,
        Err(message) => panic!("{message}"),
    }
}

/// Whether the Strip bundle under test is the harness' own debug build with
/// `assert_process_allocs` (false when `STEM_STRIP_CLAP` points elsewhere).
pub fn strip_bundle_is_alloc_checked() -> bool {
    std::env::var_os(STEM_STRIP_CLAP_ENV).is_none()
}

/// Whether the Master bundle under test is the harness' own debug build with
/// `assert_process_allocs` (false when `STEM_MASTER_CLAP` points elsewhere).
pub fn master_bundle_is_alloc_checked() -> bool {
    std::env::var_os(STEM_MASTER_CLAP_ENV).is_none()
}

/// Panics, saying why, unless the Strip bundle under test is the harness' own debug build
/// with `assert_process_allocs`: an allocation test on another build would pass without
/// checking anything.
pub fn require_alloc_checked_strip() {
    require_alloc_checked(strip_bundle_is_alloc_checked(), STEM_STRIP_CLAP_ENV);
}

/// [`require_alloc_checked_strip`] for the Master bundle.
pub fn require_alloc_checked_master() {
    require_alloc_checked(master_bundle_is_alloc_checked(), STEM_MASTER_CLAP_ENV);
}

fn require_alloc_checked(checked: bool, env: &str) {
    assert!(
        checked,
        "{env} points at another build: this allocation test needs the harness' own debug \
         build with assert_process_allocs (unset {env}, or skip this test with --skip)"
    );
}

/// Builds `package`'s bundle (debug, `assert_process_allocs`) and returns the path of the
/// `.clap`. Holds an exclusive lock on the bundle's lock file while building and a shared one
/// for the rest of the process, so a concurrent test run never rewrites the library while
/// this process has it loaded.
fn build_debug_bundle(package: &str, bundle_name: &str) -> Result<PathBuf, String> {
    let root = workspace_root();
    let target = plugin_target_dir();
    std::fs::create_dir_all(&target)
        .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    // One lock per bundle: a process holds a shared lock on each bundle it loaded, and
    // flock locks taken through two descriptors of one file would block each other.
    let lock_path = target.join(format!("bundle-{package}.lock"));
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    flock(&lock, Lock::Exclusive);

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let log_path = target.join(format!("bundle-{package}.log"));
    let output = Command::new(&cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        // The outer cargo's jobserver and flags are not meant for this build.
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .args([
            "xtask",
            "bundle",
            package,
            "--features",
            "assert_process_allocs",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cargo:?} xtask bundle {package}: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The log is a convenience; a failure to write it must not hide the build's result.
    let _ = std::fs::write(&log_path, stderr.as_bytes());
    if !output.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "building the {bundle_name} bundle failed ({}).\n\
             command: CARGO_TARGET_DIR={} cargo xtask bundle {package} --features assert_process_allocs\n\
             full log: {}\n--- last lines ---\n{}",
            output.status,
            target.display(),
            log_path.display(),
            tail.join("\n")
        ));
    }

    // nice-plug-xtask prints "Created a CLAP bundle at '<path>'"; prefer what it says, and
    // fall back on its documented layout (`<target>/bundled/<name>.clap`, a single library
    // file on Linux and Windows, a bundle folder on macOS).
    let reported = stderr.lines().find_map(|line| {
        line.trim()
            .strip_prefix("Created a CLAP bundle at '")
            .and_then(|rest| rest.strip_suffix('\''))
            .map(PathBuf::from)
    });
    let path =
        reported.unwrap_or_else(|| target.join("bundled").join(format!("{bundle_name}.clap")));
    if !path.exists() {
        return Err(format!(
            "the build succeeded but {} does not exist (log: {})",
            path.display(),
            log_path.display()
        ));
    }

    flock(&lock, Lock::Shared);
    // Held for the rest of the process, one per bundle built.
    static HELD: std::sync::Mutex<Vec<File>> = std::sync::Mutex::new(Vec::new());
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push(lock);
    Ok(path)
}

enum Lock {
    Exclusive,
    Shared,
}

#[cfg(unix)]
fn flock(file: &File, lock: Lock) {
    use std::os::unix::io::AsRawFd;
    let op = match lock {
        Lock::Exclusive => libc::LOCK_EX,
        Lock::Shared => libc::LOCK_SH,
    };
    loop {
        // SAFETY: the descriptor belongs to `file`, which outlives the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

#[cfg(not(unix))]
fn flock(_file: &File, _lock: Lock) {
    // NOTE: without flock, concurrent test runs rely on cargo's own lock of the target folder.
}

/// Environment variable naming a prebuilt `stems` binary to use instead of building one.
pub const STEMS_BIN_ENV: &str = "STEMS_BIN";

/// The `stems` command-line tool: `$STEMS_BIN` when set, otherwise a debug build made on first
/// use in this process with `CARGO_TARGET_DIR=<workspace>/target/plugin-tests cargo build -p
/// stems` (`env!("CARGO_BIN_EXE_stems")` only exists for the `stems` crate's own tests).
///
/// Panics with the build's error output when it cannot be built.
pub fn stems_binary() -> &'static Path {
    static STEMS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = STEMS.get_or_init(|| {
        if let Some(path) = std::env::var_os(STEMS_BIN_ENV) {
            let path = PathBuf::from(path);
            return if path.exists() {
                Ok(path)
            } else {
                Err(format!("{STEMS_BIN_ENV}={} does not exist", path.display()))
            };
        }
        let target = plugin_target_dir();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        // Cargo's own lock on the target folder serialises this with the bundle builds.
        let output = Command::new(&cargo)
            .current_dir(workspace_root())
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("CARGO_MAKEFLAGS")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .args(["build", "-p", "stems", "--bin", "stems"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {cargo:?} build -p stems: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "building stems failed ({}):\n{}",
                output.status,
                tail.join("\n")
            ));
        }
        let path = target
            .join("debug")
            .join(format!("stems{}", std::env::consts::EXE_SUFFIX));
        if path.exists() {
            Ok(path)
        } else {
            Err(format!(
                "the build succeeded but {} does not exist",
                path.display()
            ))
        }
    });
    match result {
        Ok(path) => path,
        Err(message) => panic!("{message}"),
    }
}
