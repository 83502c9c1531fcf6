//! Stem roles: what a stem is, which sets default masking priorities and how it is labelled.

use serde::{Deserialize, Serialize};

use crate::spec::Choice;

/// The role of a stem. The discriminants are stable: they are saved in plugin state and
/// published over the link, so never renumber them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum StemRole {
    Drums = 0,
    Bass = 1,
    Music = 2,
    LeadVocal = 3,
    BackingVocals = 4,
    Fx = 5,
    #[default]
    Other = 6,
}

impl StemRole {
    /// Every role, in display order.
    pub const ALL: [StemRole; 7] = [
        StemRole::Drums,
        StemRole::Bass,
        StemRole::Music,
        StemRole::LeadVocal,
        StemRole::BackingVocals,
        StemRole::Fx,
        StemRole::Other,
    ];

    /// The role with this stable index, or `None` for an unknown one (for example read from
    /// a segment written by something else).
    pub fn from_index(index: u32) -> Option<Self> {
        Self::ALL.get(index as usize).copied()
    }

    /// The stable index of this role.
    pub fn index(self) -> u32 {
        self as u32
    }

    /// The role a user's text names: its key (`lead_vocal`) or label (`Lead Vocal`) in any
    /// case, with `-`, `_` or spaces between words, or a common alias (`vocal`, `vox`,
    /// `lead`, `lead_vox`; `bgv`, `backing`, `backing_vocal`; `drum`). `None` otherwise.
    /// The words are declared once, with the role's [`Choice`] table.
    pub fn parse(text: &str) -> Option<StemRole> {
        <Self as Choice>::parse(text)
    }

    /// The role's key in files and on the command line (`lead_vocal`).
    pub fn key(self) -> &'static str {
        <Self as Choice>::key(self)
    }

    /// The colour a stem of this role is drawn in when its host gives no track colour (the
    /// plugins' editors and `stems analyze`'s report alike): distinct hues of even
    /// brightness on a dark background, as red, green, blue.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            StemRole::Drums => [0xff, 0xc1, 0x5e],
            StemRole::Bass => [0xa3, 0x8b, 0xe8],
            StemRole::Music => [0x4d, 0xc8, 0xa8],
            StemRole::LeadVocal => [0xf4, 0x78, 0xa8],
            StemRole::BackingVocals => [0xd4, 0x9c, 0xe0],
            StemRole::Fx => [0xa5, 0xd6, 0x6f],
            StemRole::Other => [0x9e, 0xae, 0xb8],
        }
    }

    /// Human-readable name, as shown on screen and in reports.
    pub fn label(self) -> &'static str {
        <Self as Choice>::name(self)
    }
}

impl std::fmt::Display for StemRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_label_and_alias_parses_and_nothing_else_does() {
        for role in StemRole::ALL {
            assert_eq!(StemRole::parse(role.key()), Some(role));
            assert_eq!(StemRole::parse(role.label()), Some(role));
            assert_eq!(StemRole::parse(&role.label().to_uppercase()), Some(role));
            assert_eq!(StemRole::parse(&role.key().replace('_', "-")), Some(role));
        }
        assert_eq!(StemRole::LeadVocal.key(), "lead_vocal");
        for (alias, role) in [
            ("vocal", StemRole::LeadVocal),
            ("Vox", StemRole::LeadVocal),
            ("lead", StemRole::LeadVocal),
            ("lead-vox", StemRole::LeadVocal),
            ("BGV", StemRole::BackingVocals),
            ("backing", StemRole::BackingVocals),
            ("backing vocal", StemRole::BackingVocals),
            ("drum", StemRole::Drums),
            (" fx ", StemRole::Fx),
        ] {
            assert_eq!(StemRole::parse(alias), Some(role), "{alias}");
        }
        for bad in ["", "kick", "vocals", "lead_vocalz", "music2"] {
            assert_eq!(StemRole::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn indices_are_stable_and_round_trip() {
        for (i, role) in StemRole::ALL.iter().enumerate() {
            assert_eq!(role.index() as usize, i);
            assert_eq!(StemRole::from_index(i as u32), Some(*role));
        }
        assert_eq!(StemRole::from_index(7), None);
        assert_eq!(StemRole::LeadVocal.label(), "Lead Vocal");
    }
}
