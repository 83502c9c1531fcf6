//! Stem names and roles, shared by `stems analyze`, `stems check` and `stems render`.
//!
//! A stem's name is its file name without the extension. Its role comes from `--role
//! FILE=ROLE` when given (the file named by its path, file name or stem name), else from a
//! keyword in its name (kick, bass, vox, bgv, fx, pad...), else it is music. Every
//! subcommand that takes stems names them and gives them roles the same way, so the rules
//! live here rather than in any one subcommand.

use std::path::{Path, PathBuf};

use shared_dsp::role::StemRole;

/// The role a file name suggests (see `stems analyze --help`): the role a keyword in it
/// names, else music.
pub fn guess_role(name: &str) -> StemRole {
    role_in_name(name).unwrap_or(StemRole::Music)
}

/// The role a keyword in a file name names (kick, bass, vox, bgv, fx, pad...), or `None`
/// when no keyword is in it (`stems check` flags that as an unknown role).
pub fn role_in_name(name: &str) -> Option<StemRole> {
    let n = name.to_ascii_lowercase();
    let has = |keys: &[&str]| keys.iter().any(|k| n.contains(k));
    if has(&["bgv", "backing", "choir", "harm"]) {
        Some(StemRole::BackingVocals)
    } else if has(&["vox", "vocal", "lead"]) {
        Some(StemRole::LeadVocal)
    } else if has(&["kick", "snare", "drum", "perc", "overhead", "oh_"]) {
        Some(StemRole::Drums)
    } else if has(&["bass", "sub"]) {
        Some(StemRole::Bass)
    } else if has(&["sfx", "fx", "reverb", "verb"]) {
        Some(StemRole::Fx)
    } else if has(&[
        "music", "pad", "keys", "synth", "piano", "organ", "guitar", "gtr", "string", "brass",
        "horn", "inst",
    ]) {
        Some(StemRole::Music)
    } else {
        None
    }
}

/// A stem's display name: its file name without the extension.
pub fn stem_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The `--role FILE=ROLE` arguments, each checked against `files`; a usage error's message
/// otherwise.
pub fn parse_role_args(
    args: &[String],
    files: &[PathBuf],
) -> Result<Vec<(String, StemRole)>, String> {
    let mut roles: Vec<(String, StemRole)> = Vec::new();
    for r in args {
        let (file, role) = r
            .rsplit_once('=')
            .ok_or_else(|| format!("--role {r}: expected FILE=ROLE"))?;
        let role = StemRole::parse(role).ok_or_else(|| {
            format!(
                "--role {r}: unknown role `{role}`; use drums, bass, music, lead_vocal, backing_vocals, fx or other"
            )
        })?;
        roles.push((file.to_owned(), role));
    }
    for (file, role) in &roles {
        if !files
            .iter()
            .any(|p| given_role(p, &[(file.clone(), *role)]).is_some())
        {
            return Err(format!(
                "--role {file}=...: no input file is named `{file}`"
            ));
        }
    }
    Ok(roles)
}

/// The role `--role` gives the file `path`, if any (the last one given wins).
pub fn given_role(path: &Path, roles: &[(String, StemRole)]) -> Option<StemRole> {
    roles
        .iter()
        .rev()
        .find(|(f, _)| names_file(f, path))
        .map(|(_, role)| *role)
}

/// Whether `key` names the file `path`: the path as given, its file name, or its name
/// without the extension.
pub fn names_file(key: &str, path: &Path) -> bool {
    path == Path::new(key) || stem_name(path) == key || path.file_name().is_some_and(|n| n == key)
}

/// Each file's stem name, its role (from `roles` by file, else guessed from the name) and
/// whether the role was given.
pub fn stem_roles(
    files: &[PathBuf],
    roles: &[(String, StemRole)],
) -> Vec<(String, StemRole, bool)> {
    files
        .iter()
        .map(|p| {
            let name = stem_name(p);
            match given_role(p, roles) {
                Some(role) => (name, role, true),
                None => (name.clone(), guess_role(&name), false),
            }
        })
        .collect()
}
