//! The naming checks of `stems check`: a role in every file name, each role once, and one
//! song name shared by the stems' names. They only warn unless `--strict`: a delivery that
//! fails them is often fine.

use shared_dsp::role::StemRole;

use super::{Check, Outcomes, Report};
use crate::check::names::RoleSource;

/// A role as the failures name it ("lead vocal").
fn role_text(role: StemRole) -> String {
    role.label().to_lowercase()
}

/// Adds the naming checks' outcomes to `out`.
pub(super) fn evaluate(r: &Report, out: &mut Outcomes) {
    let stems = &r.stems;
    let roles = &r.naming.roles;
    out.push(
        Check::Role,
        "a role in every name (or --role)".to_owned(),
        stems
            .iter()
            .zip(roles)
            .filter(|(_, (_, src))| *src == RoleSource::Unknown)
            .map(|(s, _)| {
                (
                    s.name.clone(),
                    "no role in the name (taken as music); rename it or give --role FILE=ROLE"
                        .to_owned(),
                )
            })
            .collect(),
    );
    out.push(
        Check::DuplicateRole,
        "each role once".to_owned(),
        stems
            .iter()
            .zip(roles)
            .filter_map(|(s, (role, _))| {
                let others: Vec<&str> = stems
                    .iter()
                    .zip(roles)
                    .filter(|(o, (x, _))| x == role && o.name != s.name)
                    .map(|(o, _)| o.name.as_str())
                    .collect();
                (!others.is_empty()).then(|| {
                    (
                        s.name.clone(),
                        format!("{} as {}", role_text(*role), others.join(", ")),
                    )
                })
            })
            .collect(),
    );
    out.push(
        Check::SongName,
        match &r.naming.song {
            Some(s) => format!("song name `{s}`"),
            None => "no song name shared by the names".to_owned(),
        },
        r.naming
            .outsiders
            .iter()
            .map(|&k| {
                (
                    stems[k].name.clone(),
                    format!(
                        "lacks the song name `{}` the other stems start with: from another song or version?",
                        r.naming.song.as_deref().unwrap_or("")
                    ),
                )
            })
            .collect(),
    );
}
