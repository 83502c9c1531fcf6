//! What the stems' file names say: the song name they share as a prefix ("MySong_Drums",
//! "MySong_Bass"), a stem whose name lacks the prefix the others share (a file from another
//! song or another version?), and each stem's role, parsed from its name without the song
//! name as `stems analyze` parses it ([`crate::roles::role_in_name`]) unless `--role`
//! gives it.

use std::path::PathBuf;

use shared_dsp::role::StemRole;

use crate::roles::{given_role, guess_role, role_in_name, stem_name};

/// Where a stem's role came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// `--role`.
    Given,
    /// A keyword in the file name.
    Name,
    /// Nothing in the name: the role is a guess (music).
    Unknown,
}

impl RoleSource {
    /// As written in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            RoleSource::Given => "--role",
            RoleSource::Name => "file name",
            RoleSource::Unknown => "unknown",
        }
    }
}

/// What the names say.
#[derive(Debug, Clone)]
pub struct Naming {
    /// The song name the stems' names share (the prefix without its trailing separator).
    pub song: Option<String>,
    /// Stems whose names lack the prefix all the others share.
    pub outsiders: Vec<usize>,
    /// Per stem, its role and where it came from.
    pub roles: Vec<(StemRole, RoleSource)>,
}

/// Characters that end a song-name prefix.
const SEPARATORS: &[char] = &['_', '-', ' ', '.', '+'];

/// Reads the names of `files` (`roles`: the `--role` arguments).
pub fn read(files: &[PathBuf], roles: &[(String, StemRole)]) -> Naming {
    let names: Vec<String> = files.iter().map(|p| stem_name(p)).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (prefix, outsiders) = match song_prefix(&refs) {
        Some(p) => (Some(p), Vec::new()),
        None if refs.len() >= 3 => (0..refs.len())
            .find_map(|out| {
                let others: Vec<&str> = (0..refs.len())
                    .filter(|&i| i != out)
                    .map(|i| refs[i])
                    .collect();
                song_prefix(&others).map(|p| (Some(p), vec![out]))
            })
            .unwrap_or((None, Vec::new())),
        None => (None, Vec::new()),
    };
    let roles = files
        .iter()
        .zip(&names)
        .map(|(path, name)| {
            if let Some(role) = given_role(path, roles) {
                return (role, RoleSource::Given);
            }
            let rest = match &prefix {
                Some(p)
                    if name.len() > p.len()
                        && name.is_char_boundary(p.len())
                        && name[..p.len()].eq_ignore_ascii_case(p) =>
                {
                    &name[p.len()..]
                }
                _ => name.as_str(),
            };
            match role_in_name(rest) {
                Some(role) => (role, RoleSource::Name),
                None => (guess_role(rest), RoleSource::Unknown),
            }
        })
        .collect();
    Naming {
        song: prefix.map(|p| p.trim_end_matches(SEPARATORS).to_owned()),
        outsiders,
        roles,
    }
}

/// The prefix (up to and including a separator) every name in `names` starts with
/// (compared without case), when there are at least two names, it holds at least two
/// letters or digits, and every name goes on past it.
fn song_prefix(names: &[&str]) -> Option<String> {
    let (first, rest) = names.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let mut len = first.len();
    for n in rest {
        len = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a.eq_ignore_ascii_case(b))
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    let common = &first[..len];
    let cut = common.rfind(SEPARATORS)? + 1;
    let prefix = &first[..cut];
    let letters = prefix.chars().filter(|c| c.is_alphanumeric()).count();
    if letters < 2 || names.iter().any(|n| n.len() <= cut) {
        return None;
    }
    // "drums_1", "drums_2" share a role, not a song name: a prefix that names a role is a
    // song name only when what follows it names roles too ("Bass Drop_Drums").
    let rests_with_roles = names
        .iter()
        .filter(|n| role_in_name(&n[cut..]).is_some())
        .count();
    let is_song = role_in_name(prefix).is_none() || 2 * rests_with_roles >= names.len();
    is_song.then(|| prefix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(names: &[&str]) -> Naming {
        let files: Vec<PathBuf> = names
            .iter()
            .map(|n| PathBuf::from(format!("{n}.wav")))
            .collect();
        read(&files, &[])
    }

    #[test]
    fn the_song_name_is_found_and_kept_out_of_the_roles() {
        // "Bass Drop" would read as bass if the song name were not taken off.
        let n = naming(&["Bass Drop_Drums", "Bass Drop_Vox", "bass drop_Keys"]);
        assert_eq!(n.song.as_deref(), Some("Bass Drop"));
        assert!(n.outsiders.is_empty());
        let roles: Vec<StemRole> = n.roles.iter().map(|r| r.0).collect();
        assert_eq!(
            roles,
            [StemRole::Drums, StemRole::LeadVocal, StemRole::Music]
        );
    }

    #[test]
    fn a_stem_without_the_song_name_is_an_outsider() {
        let n = naming(&[
            "Song A - drums",
            "Song A - bass",
            "other take vox",
            "Song A - pad",
        ]);
        assert_eq!(n.song.as_deref(), Some("Song A"));
        assert_eq!(n.outsiders, [2]);
    }

    #[test]
    fn no_song_name_in_plain_role_names() {
        let n = naming(&["drums", "bass", "music_pad", "lead_vocal"]);
        assert_eq!(n.song, None);
        assert!(n.outsiders.is_empty());
        assert!(n.roles.iter().all(|r| r.1 == RoleSource::Name));
        // A shared role is not a song name, nor a shared start without a separator.
        let n = naming(&["drums_1", "drums_2"]);
        assert_eq!(n.song, None);
        assert_eq!(n.roles[1], (StemRole::Drums, RoleSource::Name));
        let n = naming(&["drums", "drumz"]);
        assert_eq!(n.song, None);
    }

    #[test]
    fn unknown_and_given_roles() {
        let files = [PathBuf::from("thing.wav"), PathBuf::from("other.wav")];
        let n = read(&files, &[("other".into(), StemRole::Fx)]);
        assert_eq!(n.roles[0], (StemRole::Music, RoleSource::Unknown));
        assert_eq!(n.roles[1], (StemRole::Fx, RoleSource::Given));
    }
}
