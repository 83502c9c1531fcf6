//! Writing through a temporary file and a rename, so no half-written file is ever left,
//! and removing the temporary files on an interrupt.

use super::*;

/// Temporary files [`write_atomically`] is writing now: what an interrupt removes.
static WRITING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn writing() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    WRITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// On Ctrl-C (SIGINT, or the console's break on Windows), removes the temporary file being
/// written, if any, says so and exits with code 130: an interrupted run leaves no file
/// behind, whole or partial. Call once, at the start of a command that writes.
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        for tmp in writing().drain(..) {
            let _ = std::fs::remove_file(tmp);
        }
        eprintln!("interrupted: no output written");
        std::process::exit(130);
    });
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// failure (or Ctrl-C, see [`clean_up_on_interrupt`]) leaves no partial file, and an
/// existing file untouched.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    writing().push(tmp.clone());
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot write here ({e}); choose a writable folder",
                path.display()
            )
        })?;
        write(&mut f)?;
        f.flush()?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
            .map_err(|e| anyhow::anyhow!("{}: cannot write it ({e})", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    writing().retain(|p| *p != tmp);
    result
}
