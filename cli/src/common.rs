//! What every `stems` subcommand shares: exit codes, the failure type and how it is reported,
//! writing JSON, checking an output can be written, and the progress bar.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::audio::{self, InputError};

/// Exit code: masking warnings found and `--fail-on-warnings` given.
pub const EXIT_WARNINGS: u8 = 1;
/// Exit code: bad arguments.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: an input cannot be used.
pub const EXIT_INPUT: u8 = 3;
/// Exit code: an output cannot be written.
pub const EXIT_OUTPUT: u8 = 4;

/// Why a run failed.
pub enum Failure {
    /// Bad arguments (exit code [`EXIT_USAGE`]).
    Usage(String),
    /// An input cannot be used (exit code [`EXIT_INPUT`]).
    Input(String),
    /// An output cannot be written (exit code [`EXIT_OUTPUT`]).
    Output(anyhow::Error),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e.to_string())
    }
}

impl Failure {
    /// Prints the error and gives the exit code it calls for: 2 usage, 3 input, 4 output.
    pub fn exit(self) -> ExitCode {
        match self {
            Failure::Usage(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(EXIT_USAGE)
            }
            Failure::Input(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(EXIT_INPUT)
            }
            Failure::Output(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(EXIT_OUTPUT)
            }
        }
    }
}

/// Writes `doc` as JSON to `path` (`-`: standard output) through a temporary file, and says
/// so on standard error unless `quiet`.
pub fn write_json(path: &Path, doc: &impl serde::Serialize, quiet: bool) -> Result<(), Failure> {
    use std::io::Write;
    let bytes = serde_json::to_vec_pretty(doc).map_err(|e| Failure::Output(e.into()))?;
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)
            .and_then(|_| out.write_all(b"\n"))
            .map_err(|e| Failure::Output(e.into()))
    } else {
        audio::write_atomically(path, |f| {
            f.write_all(&bytes)?;
            Ok(())
        })
        .map_err(Failure::Output)?;
        if !quiet {
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
}

/// Fails early, with the path in the message, when `path` cannot be created.
pub fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        anyhow::bail!("{}: is a folder; give a file name", path.display());
    }
    let probe = dir.join(format!(".stems-write-check-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => anyhow::bail!(
            "{}: cannot write there ({e}); choose a writable folder",
            path.display()
        ),
    }
}

/// A progress bar on standard error (hidden when `quiet` or not on a terminal).
pub fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}
