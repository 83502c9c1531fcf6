//! The settings that are a choice among values, each declared once: the values in the
//! plugins' order, the names the plugins show, the ids saved in plugin states, the keys of
//! session files and the command line, and the other words people type for them.

use crate::eq::{FilterSlope, Placement};
use crate::master::Dither;
use crate::role::StemRole;
use crate::spec::Target;

/// A setting with a fixed set of values.
pub trait Choice: Copy + PartialEq + Sized + 'static {
    /// Every value, in the order the plugins list them (never reorder: hosts automate the
    /// index).
    const ALL: &'static [Self];
    /// The names the plugins show, in `ALL`'s order.
    const NAMES: &'static [&'static str];
    /// The ids saved in plugin states, in `ALL`'s order (never change them).
    const IDS: &'static [&'static str];
    /// The keys in session files and on the command line, in `ALL`'s order.
    const KEYS: &'static [&'static str];
    /// Other words accepted for a value: (word, index in `ALL`).
    const ALIASES: &'static [(&'static str, usize)] = &[];
    /// Session files write the key as a number (`slope = 24`).
    const NUMERIC: bool = false;

    /// The value's index in [`ALL`](Self::ALL).
    fn index(self) -> usize {
        Self::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }

    /// The value at `index`, or the first for an index out of range.
    fn from_index(index: usize) -> Self {
        Self::ALL.get(index).copied().unwrap_or(Self::ALL[0])
    }

    /// The value's session and command-line key.
    fn key(self) -> &'static str {
        Self::KEYS[self.index()]
    }

    /// The value's name as the plugins show it.
    fn name(self) -> &'static str {
        Self::NAMES[self.index()]
    }

    /// The value `text` names: its key, its name or an alias, in any case, with `-`, `_`
    /// or spaces between words. `None` otherwise.
    fn parse(text: &str) -> Option<Self> {
        let norm = |t: &str| t.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let text = norm(text);
        let by = |words: &[&str]| words.iter().position(|w| norm(w) == text);
        by(Self::KEYS)
            .or_else(|| by(Self::NAMES))
            .or_else(|| {
                Self::ALIASES
                    .iter()
                    .find(|(w, _)| norm(w) == text)
                    .map(|(_, i)| *i)
            })
            .map(Self::from_index)
    }
}

impl Choice for FilterSlope {
    const ALL: &'static [Self] = &[FilterSlope::Db12, FilterSlope::Db24, FilterSlope::Db48];
    const NAMES: &'static [&'static str] = &["12 dB/oct", "24 dB/oct", "48 dB/oct"];
    const IDS: &'static [&'static str] = &["12", "24", "48"];
    const KEYS: &'static [&'static str] = &["12", "24", "48"];
    const NUMERIC: bool = true;
}

impl Choice for Placement {
    const ALL: &'static [Self] = &[Placement::Stereo, Placement::Mid, Placement::Side];
    const NAMES: &'static [&'static str] = &["Stereo", "Mid", "Side"];
    const IDS: &'static [&'static str] = &["st", "mid", "side"];
    const KEYS: &'static [&'static str] = &["stereo", "mid", "side"];
    const ALIASES: &'static [(&'static str, usize)] = &[("st", 0), ("lr", 0), ("m", 1), ("s", 2)];
}

impl Choice for Dither {
    const ALL: &'static [Self] = &[Dither::Off, Dither::Bits16, Dither::Bits24];
    const NAMES: &'static [&'static str] = &["Off", "16 bit", "24 bit"];
    const IDS: &'static [&'static str] = &["off", "16", "24"];
    const KEYS: &'static [&'static str] = &["off", "16", "24"];
}

impl Choice for Target {
    const ALL: &'static [Self] = &[
        Target::Streaming,
        Target::AppleMusic,
        Target::EbuR128,
        Target::AtscA85,
        Target::Custom,
    ];
    const NAMES: &'static [&'static str] = &[
        "Streaming (-14 LUFS)",
        "Apple Music (-16 LUFS)",
        "EBU R128 (-23 LUFS)",
        "ATSC A/85 (-24 LKFS)",
        "Custom",
    ];
    const IDS: &'static [&'static str] = &["streaming", "apple", "ebu", "atsc", "custom"];
    const KEYS: &'static [&'static str] = &["streaming", "apple", "ebu", "atsc", "custom"];
    const ALIASES: &'static [(&'static str, usize)] = &[
        ("spotify", 0),
        ("youtube", 0),
        ("apple_music", 1),
        ("ebu_r128", 2),
        ("r128", 2),
        ("broadcast", 2),
        ("atsc_a85", 3),
        ("a85", 3),
    ];
}

impl Choice for StemRole {
    const ALL: &'static [Self] = &StemRole::ALL;
    const NAMES: &'static [&'static str] = &[
        "Drums",
        "Bass",
        "Music",
        "Lead Vocal",
        "Backing Vocals",
        "FX",
        "Other",
    ];
    const IDS: &'static [&'static str] = &[
        "drums",
        "bass",
        "music",
        "lead_vocal",
        "backing_vocals",
        "fx",
        "other",
    ];
    const KEYS: &'static [&'static str] = Self::IDS;
    const ALIASES: &'static [(&'static str, usize)] = &[
        ("vocal", 3),
        ("vox", 3),
        ("lead", 3),
        ("lead_vox", 3),
        ("bgv", 4),
        ("backing", 4),
        ("backing_vocal", 4),
        ("drum", 0),
    ];
}
