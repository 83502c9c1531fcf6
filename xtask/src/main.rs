//! `cargo xtask bundle <packages> --release` builds the plugin bundles (through
//! `nice-plug-xtask`); `cargo xtask install` copies the built bundles into the user's plugin
//! folders.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("install") => install(args.collect()),
        Some("bundle") => nice_plug_xtask::main_with_args("xtask", bundle_args(args.collect())),
        Some(_) => nice_plug_xtask::main(),
        None => {
            eprintln!("usage: cargo xtask bundle <package>... [--release] | cargo xtask install [--clap-dir DIR] [--vst3-dir DIR]");
            nice_plug_xtask::main()
        }
    }
}

/// `bundle` and its arguments for `nice-plug-xtask`, which takes several packages only as
/// `-p NAME` flags: `bundle stem_strip stem_master --release` becomes
/// `bundle -p stem_strip -p stem_master --release` (one package or `-p` flags pass as given).
fn bundle_args(args: Vec<String>) -> Vec<String> {
    let packages = args.iter().take_while(|a| !a.starts_with('-')).count();
    let mut out = vec!["bundle".to_owned()];
    if packages > 1 {
        for package in &args[..packages] {
            out.push("-p".to_owned());
            out.push(package.clone());
        }
        out.extend(args[packages..].iter().cloned());
    } else {
        out.extend(args);
    }
    out
}

/// The user's standard plugin folders for this platform: (CLAP, VST3).
fn default_plugin_dirs() -> Result<(PathBuf, PathBuf)> {
    if cfg!(target_os = "windows") {
        let common = std::env::var_os("COMMONPROGRAMFILES")
            .map(PathBuf::from)
            .context("COMMONPROGRAMFILES is not set; pass --clap-dir and --vst3-dir")?;
        Ok((common.join("CLAP"), common.join("VST3")))
    } else {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set; pass --clap-dir and --vst3-dir")?;
        if cfg!(target_os = "macos") {
            let lib = home.join("Library/Audio/Plug-Ins");
            Ok((lib.join("CLAP"), lib.join("VST3")))
        } else {
            Ok((home.join(".clap"), home.join(".vst3")))
        }
    }
}

fn install(args: Vec<String>) -> Result<()> {
    let (mut clap_dir, mut vst3_dir) = default_plugin_dirs()?;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--clap-dir" => clap_dir = it.next().context("--clap-dir needs a folder")?.into(),
            "--vst3-dir" => vst3_dir = it.next().context("--vst3-dir needs a folder")?.into(),
            other => bail!("unknown option {other:?}; use --clap-dir DIR and --vst3-dir DIR"),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("no workspace root")?;
    let bundled = root.join("target/bundled");
    let mut installed = 0;
    let entries = std::fs::read_dir(&bundled).with_context(|| {
        format!(
            "no bundles in {}: run `cargo xtask bundle stem_strip --release` first",
            bundled.display()
        )
    })?;
    for entry in entries {
        let path = entry?.path();
        let dest_dir = match path.extension().and_then(|e| e.to_str()) {
            Some("clap") => &clap_dir,
            Some("vst3") => &vst3_dir,
            _ => continue,
        };
        std::fs::create_dir_all(dest_dir)
            .with_context(|| format!("cannot create {}", dest_dir.display()))?;
        let dest = dest_dir.join(path.file_name().context("bundle without a name")?);
        copy_recursively(&path, &dest)
            .with_context(|| format!("cannot copy {} to {}", path.display(), dest.display()))?;
        println!("installed {}", dest.display());
        installed += 1;
    }
    if installed == 0 {
        bail!(
            "no .clap or .vst3 bundles in {}: run `cargo xtask bundle stem_strip --release` first",
            bundled.display()
        );
    }
    Ok(())
}

/// Copies a file or a bundle folder, replacing what was there. Writes into a temporary
/// sibling first and renames it into place, so a failed copy never leaves half a bundle.
fn copy_recursively(from: &Path, to: &Path) -> Result<()> {
    let tmp = to.with_extension("installing");
    if tmp.exists() {
        remove(&tmp)?;
    }
    copy_tree(from, &tmp)?;
    if to.exists() {
        remove(to)?;
    }
    std::fs::rename(&tmp, to)?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        std::fs::copy(from, to)?;
    }
    Ok(())
}

fn remove(path: &Path) -> Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)?;
    } else {
        std::fs::remove_file(path)?;
    }
    Ok(())
}
