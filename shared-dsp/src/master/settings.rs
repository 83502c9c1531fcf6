//! What a user sets on the Stem Master ([`MasterSettings`], the delivery targets, the dither)
//! and the mapping of its continuous settings to the vector the chain ramps.

use crate::dynamics::CompressorSettings;
use crate::eq::{EqSettings, Placement};
use crate::frames::finite_or_zero;
use crate::limiter::LimiterSettings;
use crate::loudness::db_to_gain;
use crate::strip::settings::{read_sections, write_sections, NUM_SECTION_VALUES};

/// A delivery standard's loudness target: what the Stem Master's Target presets and
/// `stems render --preset` offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetPreset {
    /// Spotify, YouTube, Tidal, Amazon: -14 LUFS, -1 dBTP.
    Streaming,
    /// Apple Music: -16 LUFS, -1 dBTP.
    AppleMusic,
    /// EBU R128 broadcast: -23 LUFS, -1 dBTP.
    EbuR128,
    /// ATSC A/85: -24 LKFS, -2 dBTP.
    AtscA85,
}

impl TargetPreset {
    /// Integrated loudness (LUFS) and true-peak ceiling (dBTP).
    pub fn lufs_and_ceiling(self) -> (f32, f32) {
        match self {
            TargetPreset::Streaming => (-14.0, -1.0),
            TargetPreset::AppleMusic => (-16.0, -1.0),
            TargetPreset::EbuR128 => (-23.0, -1.0),
            TargetPreset::AtscA85 => (-24.0, -2.0),
        }
    }
}

/// Output word length for the dither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dither {
    /// No dither, no quantisation.
    #[default]
    Off,
    /// TPDF dither and quantisation to 16 bits.
    Bits16,
    /// TPDF dither and quantisation to 24 bits.
    Bits24,
}

impl Dither {
    /// The output word length in bits, if any.
    pub fn bits(self) -> Option<u32> {
        match self {
            Dither::Off => None,
            Dither::Bits16 => Some(16),
            Dither::Bits24 => Some(24),
        }
    }
}

/// Everything a user sets on the Master.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MasterSettings {
    /// Input gain, dB.
    pub input_db: f32,
    /// Target gain before the limiter, dB (the learned gain that reaches the loudness target).
    pub target_gain_db: f32,
    /// The equaliser.
    pub eq: EqSettings,
    /// Where each of the three bells acts.
    pub bell_placements: [Placement; 3],
    /// The glue compressor.
    pub compressor: CompressorSettings,
    /// Program-dependent release of the glue compressor.
    pub compressor_auto_release: bool,
    /// The true-peak limiter.
    pub limiter: LimiterSettings,
    /// Output gain after the limiter, dB (at most 0 keeps the ceiling).
    pub output_db: f32,
    /// Dither to an output word length.
    pub dither: Dither,
    /// The host's bypass: the input, delayed by the latency, crossfaded in.
    pub bypass: bool,
}

impl Default for MasterSettings {
    /// Neutral: EQ and compressor off, the limiter on at -1 dBTP, no dither.
    fn default() -> Self {
        Self {
            input_db: 0.0,
            target_gain_db: 0.0,
            eq: EqSettings::default(),
            bell_placements: [Placement::Stereo; 3],
            compressor: CompressorSettings::default(),
            compressor_auto_release: true,
            limiter: LimiterSettings::default(),
            output_db: 0.0,
            dither: Dither::Off,
            bypass: false,
        }
    }
}

/// Number of continuous settings that ramp.
pub(super) const NUM_CONTINUOUS: usize = 31;
// Indices of the per-sample gains inside the continuous vector.
pub(super) const INPUT: usize = 0;
pub(super) const OUTPUT: usize = 1;
/// Where the EQ and compressor values start (`write_sections`, as the Strip ramps them).
const SECTIONS: usize = 2;
const CEILING: usize = SECTIONS + NUM_SECTION_VALUES;
const LIMITER_RELEASE: usize = 29;
pub(super) const TARGET_GAIN: usize = 30;

/// The continuous settings as one vector: frequencies as log2(Hz), gains linear.
pub(super) fn to_vector(s: &MasterSettings) -> [f32; NUM_CONTINUOUS] {
    let mut v = [0.0; NUM_CONTINUOUS];
    v[INPUT] = db_to_gain(finite_or_zero(s.input_db));
    v[OUTPUT] = db_to_gain(finite_or_zero(s.output_db));
    write_sections(&s.eq, &s.compressor, &mut v[SECTIONS..CEILING]);
    v[CEILING] = s.limiter.ceiling_db;
    v[LIMITER_RELEASE] = s.limiter.release_ms;
    v[TARGET_GAIN] = db_to_gain(finite_or_zero(s.target_gain_db));
    v
}

/// The sections' settings for the continuous values `v`, switches taken from `target`.
pub(super) fn from_vector(
    v: &[f32; NUM_CONTINUOUS],
    target: &MasterSettings,
) -> (EqSettings, CompressorSettings, LimiterSettings) {
    let mut e = target.eq;
    let mut c = target.compressor;
    let mut l = target.limiter;
    read_sections(&v[SECTIONS..CEILING], &mut e, &mut c);
    l.ceiling_db = v[CEILING];
    l.release_ms = v[LIMITER_RELEASE];
    (e, c, l)
}
