//! Stem roles: what a stem is, which sets default masking priorities and how it is labelled.

use serde::{Deserialize, Serialize};

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

    /// Human-readable name, as shown on screen and in reports.
    pub fn label(self) -> &'static str {
        match self {
            StemRole::Drums => "Drums",
            StemRole::Bass => "Bass",
            StemRole::Music => "Music",
            StemRole::LeadVocal => "Lead Vocal",
            StemRole::BackingVocals => "Backing Vocals",
            StemRole::Fx => "FX",
            StemRole::Other => "Other",
        }
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
    fn indices_are_stable_and_round_trip() {
        for (i, role) in StemRole::ALL.iter().enumerate() {
            assert_eq!(role.index() as usize, i);
            assert_eq!(StemRole::from_index(i as u32), Some(*role));
        }
        assert_eq!(StemRole::from_index(7), None);
        assert_eq!(StemRole::LeadVocal.label(), "Lead Vocal");
    }
}
