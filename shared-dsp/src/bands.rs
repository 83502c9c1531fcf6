//! The band layout every analysis in the suite shares: bands of equal width on the ERB-rate
//! scale (Glasberg and Moore 1990, "Derivation of auditory filter shapes from notched-noise
//! data", Hearing Research 47) from 20 Hz to 20 kHz.
//!
//! ERB-rate: `E(f) = 21.4 * log10(1 + 0.00437 f)` with `f` in Hz. 20 Hz to 20 kHz spans about
//! 40.8 ERB units, so [`NUM_BANDS`] = 48 bands are each about 0.85 ERB wide: fine enough for
//! masking to be judged per critical band, coarse enough to publish cheaply.

/// Number of bands in the suite's spectrum (the masking literature uses 24 to 48 critical
/// bands between 20 Hz and 20 kHz; the finest of those).
pub const NUM_BANDS: usize = 48;
/// Lower edge of the lowest band, in Hz.
pub const LOW_EDGE_HZ: f32 = 20.0;
/// Upper edge of the highest band, in Hz.
pub const HIGH_EDGE_HZ: f32 = 20_000.0;

/// ERB-rate (in ERB units, "Cams") of a frequency in Hz.
pub fn hz_to_erb_rate(hz: f32) -> f32 {
    21.4 * (1.0 + 0.00437 * hz.max(0.0)).log10()
}

/// Frequency in Hz of an ERB-rate in ERB units; the inverse of [`hz_to_erb_rate`].
pub fn erb_rate_to_hz(erb_rate: f32) -> f32 {
    (10f32.powf(erb_rate / 21.4) - 1.0) / 0.00437
}

/// Bark (Traunmüller 1990) of a frequency in Hz, used where a formula is given per Bark.
pub fn hz_to_bark(hz: f32) -> f32 {
    let hz = hz.max(0.0);
    26.81 * hz / (1960.0 + hz) - 0.53
}

/// Edges and centres of the suite's bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandLayout {
    /// `NUM_BANDS + 1` band edges in Hz, ascending.
    pub edges_hz: [f32; NUM_BANDS + 1],
    /// Band centres in Hz (the ERB-rate midpoint of each band's edges).
    pub centers_hz: [f32; NUM_BANDS],
    /// Band centres on the ERB-rate scale, in ERB units.
    pub centers_erb: [f32; NUM_BANDS],
}

impl BandLayout {
    /// The standard layout: [`NUM_BANDS`] bands, equal ERB-rate width, 20 Hz to 20 kHz.
    pub fn standard() -> Self {
        let lo = hz_to_erb_rate(LOW_EDGE_HZ);
        let hi = hz_to_erb_rate(HIGH_EDGE_HZ);
        let step = (hi - lo) / NUM_BANDS as f32;
        let mut edges_hz = [0.0; NUM_BANDS + 1];
        for (i, edge) in edges_hz.iter_mut().enumerate() {
            *edge = erb_rate_to_hz(lo + step * i as f32);
        }
        edges_hz[0] = LOW_EDGE_HZ;
        edges_hz[NUM_BANDS] = HIGH_EDGE_HZ;
        let mut centers_hz = [0.0; NUM_BANDS];
        let mut centers_erb = [0.0; NUM_BANDS];
        for b in 0..NUM_BANDS {
            centers_erb[b] = lo + step * (b as f32 + 0.5);
            centers_hz[b] = erb_rate_to_hz(centers_erb[b]);
        }
        Self {
            edges_hz,
            centers_hz,
            centers_erb,
        }
    }

    /// Index of the band that contains `hz`, or `None` outside 20 Hz to 20 kHz.
    pub fn band_of(&self, hz: f32) -> Option<usize> {
        if !(LOW_EDGE_HZ..HIGH_EDGE_HZ).contains(&hz) {
            return None;
        }
        let e = hz_to_erb_rate(hz) - hz_to_erb_rate(LOW_EDGE_HZ);
        let step = (hz_to_erb_rate(HIGH_EDGE_HZ) - hz_to_erb_rate(LOW_EDGE_HZ)) / NUM_BANDS as f32;
        Some(((e / step) as usize).min(NUM_BANDS - 1))
    }
}

impl Default for BandLayout {
    fn default() -> Self {
        Self::standard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn erb_rate_round_trips() {
        for hz in [20.0, 100.0, 1000.0, 4321.0, 20_000.0] {
            assert_relative_eq!(erb_rate_to_hz(hz_to_erb_rate(hz)), hz, max_relative = 1e-4);
        }
        // Glasberg & Moore: 1 kHz sits at about 15.6 ERB units.
        assert_relative_eq!(hz_to_erb_rate(1000.0), 15.62, epsilon = 0.01);
    }

    #[test]
    fn layout_is_ascending_and_covers_the_range() {
        let l = BandLayout::standard();
        assert_eq!(l.edges_hz[0], 20.0);
        assert_eq!(l.edges_hz[NUM_BANDS], 20_000.0);
        for b in 0..NUM_BANDS {
            assert!(l.edges_hz[b] < l.centers_hz[b] && l.centers_hz[b] < l.edges_hz[b + 1]);
            assert_eq!(l.band_of(l.centers_hz[b]), Some(b));
        }
        assert_eq!(l.band_of(10.0), None);
        assert_eq!(l.band_of(21_000.0), None);
    }
}
