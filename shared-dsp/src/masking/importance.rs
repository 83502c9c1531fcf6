//! Band importance per role: how much each band counts towards hearing the stem clearly.
//!
//! For lead and backing vocals the curve is the band-importance function of the Speech
//! Intelligibility Index, ANSI S3.5-1997 ("Methods for calculation of the Speech
//! Intelligibility Index"), one-third octave band procedure, Table 3, "average speech"
//! ([`SII_THIRD_OCTAVE`]). The standard gives each one-third octave band a share of the
//! total (the shares sum to 1), so a band's number grows with its width; our 48 bands are
//! of equal width on the ERB-rate scale, so the table is turned into an importance *density
//! per ERB*: each share is divided by its band's width in ERB (Glasberg and Moore 1990,
//! between the band edges `fc 2^(+-1/6)`), and the densities are scaled so that the
//! densest band is 1 ([`sii_speech_importance`]). The engine takes, for each of its bands,
//! that density at the band's centre, interpolated linearly on the ERB-rate scale between
//! the table's centre frequencies and held at the end values outside 160 Hz to 8 kHz,
//! where the standard defines none. The result is about 0.2 around 200 Hz, 0.5 at 315 Hz,
//! 0.9 to 1 from 630 Hz to 3.2 kHz, 0.55 at 5 kHz and 0.2 at 8 kHz.
//!
//! Other roles have no curve: every band weighs 1, so what counts is the stem's own energy
//! range (the band-matters rule), as before importance existed.

use serde::{Deserialize, Serialize};

use crate::bands::{hz_to_erb_rate, BandLayout, NUM_BANDS};
use crate::role::StemRole;

/// A band whose importance is below this is not one to boost: a fix never suggests
/// boosting the maskee there (a 6 dB boost of a vocal's low mids adds mud, not clarity).
pub const LOW_IMPORTANCE: f32 = 0.5;

/// ANSI S3.5-1997, Table 3: one-third octave band centre frequency (Hz) and band importance
/// for average speech. The importances sum to 1.
pub const SII_THIRD_OCTAVE: [(f32, f32); 18] = [
    (160.0, 0.0083),
    (200.0, 0.0095),
    (250.0, 0.0150),
    (315.0, 0.0289),
    (400.0, 0.0440),
    (500.0, 0.0578),
    (630.0, 0.0653),
    (800.0, 0.0711),
    (1000.0, 0.0818),
    (1250.0, 0.0844),
    (1600.0, 0.0882),
    (2000.0, 0.0898),
    (2500.0, 0.0868),
    (3150.0, 0.0844),
    (4000.0, 0.0771),
    (5000.0, 0.0527),
    (6300.0, 0.0364),
    (8000.0, 0.0185),
];

/// One point of an importance curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImportancePoint {
    /// Frequency, Hz.
    pub hz: f32,
    /// Importance density per ERB relative to the role's most important band, 0..1.
    pub weight: f32,
}

/// The importance curve of one role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleImportance {
    /// The role the curve is for.
    pub role: StemRole,
    /// Points in ascending frequency; between them the weight is interpolated linearly on
    /// the ERB-rate scale, beyond the ends it is held. Non-finite points are skipped;
    /// weights are clamped to 0..1.
    pub points: Vec<ImportancePoint>,
}

/// The SII band importance for average speech ([`SII_THIRD_OCTAVE`]) as a density per ERB,
/// 1 at its densest band (see the module docs).
pub fn sii_speech_importance() -> Vec<ImportancePoint> {
    let third = 2f32.powf(1.0 / 6.0);
    let density: Vec<(f32, f32)> = SII_THIRD_OCTAVE
        .iter()
        .map(|&(hz, share)| {
            let width_erb = hz_to_erb_rate(hz * third) - hz_to_erb_rate(hz / third);
            (hz, share / width_erb)
        })
        .collect();
    let max = density.iter().fold(0.0f32, |m, &(_, d)| m.max(d));
    // Below the SII's lowest band (160 Hz, its third octave from 141 Hz) speech carries no
    // intelligibility in the SII; the curve falls to [`BELOW_SPEECH_WEIGHT`] at 100 Hz and
    // stays there, so a voice's fundamental is still judged, but only masking far deeper
    // than anywhere else counts there (a ringing kick under a voice's lowest notes).
    std::iter::once(ImportancePoint {
        hz: 100.0,
        weight: BELOW_SPEECH_WEIGHT,
    })
    .chain(density.into_iter().map(|(hz, d)| ImportancePoint {
        hz,
        weight: d / max,
    }))
    .collect()
}

/// Importance of a voice's bands under 100 Hz, relative to its most important band.
pub const BELOW_SPEECH_WEIGHT: f32 = 0.05;

/// The default curves: the SII speech importance for lead and backing vocals.
pub fn default_importance() -> Vec<RoleImportance> {
    [StemRole::LeadVocal, StemRole::BackingVocals]
        .into_iter()
        .map(|role| RoleImportance {
            role,
            points: sii_speech_importance(),
        })
        .collect()
}

/// A role's weight per band of `layout`: its curve (the last one given for the role)
/// evaluated at the band centres, or 1 everywhere without a curve.
pub(crate) fn band_weights(
    curves: &[RoleImportance],
    role: StemRole,
    layout: &BandLayout,
) -> [f32; NUM_BANDS] {
    let Some(curve) = curves.iter().rev().find(|c| c.role == role) else {
        return [1.0; NUM_BANDS];
    };
    let points: Vec<(f32, f32)> = curve
        .points
        .iter()
        .filter(|p| p.hz.is_finite() && p.hz > 0.0 && p.weight.is_finite())
        .map(|p| (hz_to_erb_rate(p.hz), p.weight.clamp(0.0, 1.0)))
        .collect();
    if points.is_empty() {
        return [1.0; NUM_BANDS];
    }
    std::array::from_fn(|b| {
        let e = layout.centers_erb[b];
        match points.iter().position(|&(pe, _)| pe >= e) {
            None => points[points.len() - 1].1,
            Some(0) => points[0].1,
            Some(i) => {
                let ((e0, w0), (e1, w1)) = (points[i - 1], points[i]);
                if e1 > e0 {
                    w0 + (w1 - w0) * (e - e0) / (e1 - e0)
                } else {
                    w1
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn the_sii_table_sums_to_one_and_peaks_in_the_presence_range() {
        let sum: f32 = SII_THIRD_OCTAVE.iter().map(|p| p.1).sum();
        assert_abs_diff_eq!(sum, 1.0, epsilon = 1e-4);
        let layout = BandLayout::standard();
        let w = band_weights(&default_importance(), StemRole::LeadVocal, &layout);
        let at = |hz: f32| w[layout.band_of(hz).unwrap()];
        assert!(at(200.0) < 0.3, "{}", at(200.0));
        assert!(at(2000.0) > 0.9 && at(1000.0) > 0.9);
        assert!(at(8000.0) < 0.3 && at(60.0) <= BELOW_SPEECH_WEIGHT + 1e-6);
        assert!(at(120.0) < at(160.0));
        assert!(w.iter().all(|x| (0.0..=1.0).contains(x)));
        assert_eq!(
            band_weights(&default_importance(), StemRole::Music, &layout),
            [1.0; NUM_BANDS]
        );
    }
}
