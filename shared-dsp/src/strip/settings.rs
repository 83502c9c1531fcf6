//! A Strip's settings, and the vector of its continuous settings that ramps (frequencies
//! as log2(Hz), gains linear).

use crate::dynamics::CompressorSettings;
use crate::eq::EqSettings;
use crate::loudness::db_to_gain;
use crate::width;

/// Everything a user sets on a Strip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StripSettings {
    /// Input gain, dB (±24 on the plugin).
    pub trim_db: f32,
    /// Inverts the polarity of the input.
    pub invert_polarity: bool,
    /// The equaliser.
    pub eq: EqSettings,
    /// The compressor.
    pub compressor: CompressorSettings,
    /// Mid/side width, 0 (mono) to 2 (double side); 1 leaves the image alone.
    pub width: f32,
    /// Output gain, dB.
    pub output_db: f32,
    /// Gain offset requested by the Master over the link, dB (0 when none).
    pub gain_offset_db: f32,
}

impl Default for StripSettings {
    fn default() -> Self {
        Self {
            trim_db: 0.0,
            invert_polarity: false,
            eq: EqSettings::default(),
            compressor: CompressorSettings::default(),
            width: 1.0,
            output_db: 0.0,
            gain_offset_db: 0.0,
        }
    }
}

/// Number of continuous settings that ramp.
pub(super) const NUM_CONTINUOUS: usize = 29;
// Indices of the per-sample gains inside the continuous vector.
pub(super) const TRIM: usize = 0;
pub(super) const OUTPUT: usize = 1;
pub(super) const WIDTH: usize = 2;

/// The continuous settings as one vector, frequencies as log2(Hz), gains linear.
pub(super) fn to_vector(s: &StripSettings) -> [f32; NUM_CONTINUOUS] {
    let polarity = if s.invert_polarity { -1.0 } else { 1.0 };
    let mut v = [0.0; NUM_CONTINUOUS];
    v[TRIM] = polarity * db_to_gain(s.trim_db);
    v[OUTPUT] = db_to_gain(s.output_db + s.gain_offset_db);
    v[WIDTH] = if s.width.is_finite() {
        s.width.clamp(0.0, width::MAX_WIDTH)
    } else {
        1.0
    };
    write_sections(&s.eq, &s.compressor, &mut v[SECTIONS..]);
    v
}

/// Writes the continuous values of `v` into a copy of `target` (whose switches are kept).
pub(super) fn from_vector(
    v: &[f32; NUM_CONTINUOUS],
    target: &StripSettings,
) -> (EqSettings, CompressorSettings) {
    let mut e = target.eq;
    let mut c = target.compressor;
    read_sections(&v[SECTIONS..], &mut e, &mut c);
    (e, c)
}

/// Where the Strip's EQ and compressor values start in its continuous vector.
const SECTIONS: usize = 3;

/// Number of continuous values of an EQ and a compressor ([`write_sections`]).
pub(crate) const NUM_SECTION_VALUES: usize = 26;

/// Writes the continuous settings of an EQ and a compressor into `v` (at least
/// [`NUM_SECTION_VALUES`] long): frequencies as log2(Hz), gains in dB, the rest as they are.
/// The Strip and the Master ramp these the same way.
pub(crate) fn write_sections(e: &EqSettings, c: &CompressorSettings, v: &mut [f32]) {
    v[0] = e.high_pass.freq_hz.log2();
    v[1] = e.low_pass.freq_hz.log2();
    let bands = [
        &e.low_shelf,
        &e.bells[0],
        &e.bells[1],
        &e.bells[2],
        &e.high_shelf,
    ];
    for (i, b) in bands.iter().enumerate() {
        v[2 + 3 * i] = b.freq_hz.log2();
        v[3 + 3 * i] = b.gain_db;
        v[4 + 3 * i] = b.q;
    }
    v[17] = c.threshold_db;
    v[18] = c.ratio;
    v[19] = c.attack_ms;
    v[20] = c.release_ms;
    v[21] = c.knee_db;
    v[22] = c.makeup_db;
    v[23] = c.mix;
    v[24] = c.sidechain_hp_hz.max(1.0).log2();
    v[25] = c.stereo_link;
}

/// Reads what [`write_sections`] wrote back into `e` and `c` (whose switches are kept).
pub(crate) fn read_sections(v: &[f32], e: &mut EqSettings, c: &mut CompressorSettings) {
    e.high_pass.freq_hz = v[0].exp2();
    e.low_pass.freq_hz = v[1].exp2();
    let [b0, b1, b2] = &mut e.bells;
    let bands = [&mut e.low_shelf, b0, b1, b2, &mut e.high_shelf];
    for (i, b) in bands.into_iter().enumerate() {
        b.freq_hz = v[2 + 3 * i].exp2();
        b.gain_db = v[3 + 3 * i];
        b.q = v[4 + 3 * i];
    }
    c.threshold_db = v[17];
    c.ratio = v[18];
    c.attack_ms = v[19];
    c.release_ms = v[20];
    c.knee_db = v[21];
    c.makeup_db = v[22];
    c.mix = v[23];
    c.sidechain_hp_hz = v[24].exp2();
    c.stereo_link = v[25];
}

pub(super) fn same_switches(a: &StripSettings, b: &StripSettings) -> bool {
    a.invert_polarity == b.invert_polarity
        && a.eq.high_pass.enabled == b.eq.high_pass.enabled
        && a.eq.high_pass.slope == b.eq.high_pass.slope
        && a.eq.low_pass.enabled == b.eq.low_pass.enabled
        && a.eq.low_pass.slope == b.eq.low_pass.slope
        && a.eq.low_shelf.enabled == b.eq.low_shelf.enabled
        && a.eq.high_shelf.enabled == b.eq.high_shelf.enabled
        && a.eq
            .bells
            .iter()
            .zip(&b.eq.bells)
            .all(|(x, y)| x.enabled == y.enabled)
        && a.compressor.enabled == b.compressor.enabled
}
