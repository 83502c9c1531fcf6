//! The psychoacoustic pieces of the masking model as plain functions and tables computed at
//! set-up: the spreading function, critical-band integration and the threshold in quiet. See the module docs of [`crate::masking`] for the model and its sources.

use crate::bands::{hz_to_bark, BandLayout, NUM_BANDS};

/// Spreading function of Schroeder, Atal and Hall (1979), in dB, for a maskee `dz_bark`
/// Bark above the masker (negative: below). 0 dB at `dz = 0` (within 0.01 dB), falling
/// about 25 dB per Bark below the masker and about 10 dB per Bark above it.
pub fn spreading_db(dz_bark: f32) -> f32 {
    let x = dz_bark + 0.474;
    15.81 + 7.5 * x - 17.5 * (1.0 + x * x).sqrt()
}

/// Threshold in quiet (Terhardt 1979) in dB SPL at `hz`, clamped to 20 Hz..20 kHz.
pub fn threshold_in_quiet_db_spl(hz: f32) -> f32 {
    let khz = hz.clamp(20.0, 20_000.0) / 1000.0;
    3.64 * khz.powf(-0.8) - 6.5 * (-0.6 * (khz - 3.3) * (khz - 3.3)).exp() + 0.001 * khz.powi(4)
}

/// Converts dB to power.
#[inline]
pub fn db_to_power(db: f32) -> f32 {
    (db * (std::f32::consts::LN_10 * 0.1)).exp()
}

/// Lowest dB value the model computes, a power ratio of 1e-30: far below any ratio it judges,
/// finite so that the arithmetic on it stays finite. Zero, negative and NaN powers read as
/// this (see [`power_to_db`]).
pub const FLOOR_DB: f32 = -300.0;

/// Tables computed once from the band layout and the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Kernels {
    /// `spread[b][k]`: power gain from a masker's band `b` to the threshold in band `k`,
    /// spreading function and masking offset included. Row-major, `NUM_BANDS * NUM_BANDS`.
    pub spread: Vec<f32>,
    /// For each masker band `b`, the range `lo..hi` of maskee bands where `spread` is
    /// above -150 dB relative; outside it the contribution is dropped.
    pub spread_range: [(u8, u8); NUM_BANDS],
    /// For each band `k`, the range of bands within half a Bark of its centre (always
    /// including `k`): the critical band over which a maskee's energy is integrated.
    pub critical_band: [(u8, u8); NUM_BANDS],
    /// Threshold in quiet per band as power relative to full scale.
    pub quiet_power: [f32; NUM_BANDS],
}

impl Kernels {
    /// Builds the tables for `layout` with a masking offset of `offset_db` and a playback
    /// calibration of `full_scale_db_spl` (the SPL of a 0 dBFS sine).
    pub fn new(layout: &BandLayout, offset_db: f32, full_scale_db_spl: f32) -> Self {
        let mut bark = [0.0f32; NUM_BANDS];
        for (z, hz) in bark.iter_mut().zip(layout.centers_hz.iter()) {
            *z = hz_to_bark(*hz);
        }
        let mut spread = vec![0.0f32; NUM_BANDS * NUM_BANDS];
        let mut spread_range = [(0u8, 0u8); NUM_BANDS];
        for b in 0..NUM_BANDS {
            let mut lo = NUM_BANDS;
            let mut hi = 0;
            for k in 0..NUM_BANDS {
                let db = spreading_db(bark[k] - bark[b]) - offset_db;
                if db > -150.0 {
                    spread[b * NUM_BANDS + k] = db_to_power(db);
                    lo = lo.min(k);
                    hi = hi.max(k + 1);
                }
            }
            spread_range[b] = (lo.min(b) as u8, hi.max(b + 1) as u8);
        }
        let mut critical_band = [(0u8, 0u8); NUM_BANDS];
        for k in 0..NUM_BANDS {
            let mut lo = k;
            while lo > 0 && bark[k] - bark[lo - 1] <= 0.5 {
                lo -= 1;
            }
            let mut hi = k + 1;
            while hi < NUM_BANDS && bark[hi] - bark[k] <= 0.5 {
                hi += 1;
            }
            critical_band[k] = (lo as u8, hi as u8);
        }
        let quiet_power = std::array::from_fn(|k| {
            db_to_power(threshold_in_quiet_db_spl(layout.centers_hz[k]) - full_scale_db_spl)
        });
        Self {
            spread,
            spread_range,
            critical_band,
            quiet_power,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::power_to_db;
    use approx::assert_abs_diff_eq;

    #[test]
    fn spreading_function_has_the_published_slopes() {
        assert_abs_diff_eq!(spreading_db(0.0), 0.0, epsilon = 0.02);
        // Far from the masker the slopes approach -25 dB/Bark below and -10 dB/Bark above.
        assert_abs_diff_eq!(spreading_db(-4.0) - spreading_db(-5.0), 25.0, epsilon = 0.6);
        assert_abs_diff_eq!(spreading_db(4.0) - spreading_db(5.0), 10.0, epsilon = 0.6);
        assert!(spreading_db(1.0) > spreading_db(-1.0));
    }

    #[test]
    fn threshold_in_quiet_matches_terhardt() {
        // About 3.4 dB SPL at 1 kHz and a minimum near -5 dB SPL around 3.3 kHz.
        assert_abs_diff_eq!(threshold_in_quiet_db_spl(1000.0), 3.37, epsilon = 0.05);
        assert!(threshold_in_quiet_db_spl(3300.0) < -4.5);
        assert!(threshold_in_quiet_db_spl(30.0) > 50.0);
    }

    #[test]
    fn kernels_are_sane() {
        let k = Kernels::new(&BandLayout::standard(), 6.0, 96.0);
        for b in 0..NUM_BANDS {
            let (lo, hi) = k.critical_band[b];
            assert!((lo as usize) <= b && b < hi as usize);
            assert_abs_diff_eq!(
                power_to_db(k.spread[b * NUM_BANDS + b], FLOOR_DB),
                -6.0,
                epsilon = 0.05
            );
            assert!(k.quiet_power[b].is_finite() && k.quiet_power[b] > 0.0);
        }
    }
}
