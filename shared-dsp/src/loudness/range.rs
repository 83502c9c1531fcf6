//! Loudness range (LRA) after EBU Tech 3342, without allocation.
//!
//! The short-term loudness (3 s window) is sampled every 100 ms once the window is full.
//! Values above the absolute gate (-70 LUFS) go into a histogram of [`BIN_LU`] bins that
//! keeps the count and the exact energy sum of each bin; the relative gate lies 20 LU below
//! the power mean of those values, and the range is the 95th minus the 10th percentile of
//! the values above it. Percentiles are read at bin centres, so the figure is within
//! [`BIN_LU`] of the one a sort would give (Tech 3342 allows ±1 LU).

use super::lufs_f64 as lufs;

/// Absolute gate, LUFS.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// Relative gate below the absolute-gated power mean, LU.
const RELATIVE_GATE_LU: f64 = 20.0;
/// Width of a histogram bin, LU.
const BIN_LU: f64 = 0.05;
/// Bins from the absolute gate up to +30 LUFS (louder values land in the top bin).
const BINS: usize = 2000;

/// The loudness-range statistics of a stream of short-term energies.
#[derive(Clone)]
pub struct LoudnessRange {
    counts: Box<[u32; BINS]>,
    total_count: u64,
    total_energy: f64,
}

impl Default for LoudnessRange {
    fn default() -> Self {
        Self {
            counts: Box::new([0; BINS]),
            total_count: 0,
            total_energy: 0.0,
        }
    }
}

impl LoudnessRange {
    /// Forgets every value. Does not allocate.
    pub fn reset(&mut self) {
        self.counts.fill(0);
        self.total_count = 0;
        self.total_energy = 0.0;
    }

    /// Adds one short-term value, given as its mean-square (K-weighted) energy.
    pub fn add_shortterm(&mut self, energy: f64) {
        if !(energy.is_finite() && energy > 0.0) {
            return;
        }
        let l = lufs(energy);
        if l <= ABSOLUTE_GATE_LUFS {
            return;
        }
        let bin = (((l - ABSOLUTE_GATE_LUFS) / BIN_LU) as usize).min(BINS - 1);
        self.counts[bin] += 1;
        self.total_count += 1;
        self.total_energy += energy;
    }

    /// The loudness range, LU: 0 before any value passed the gates.
    pub fn range_lu(&self) -> f32 {
        if self.total_count == 0 {
            return 0.0;
        }
        let gate = lufs(self.total_energy / self.total_count as f64) - RELATIVE_GATE_LU;
        let first = (((gate - ABSOLUTE_GATE_LUFS) / BIN_LU).max(0.0) as usize).min(BINS - 1);
        let gated = &self.counts[first..];
        let n: u64 = gated.iter().map(|&c| c as u64).sum();
        if n == 0 {
            return 0.0;
        }
        let percentile = |p: f64| {
            // The value at rank round(p (n - 1)) in ascending order, as a sort would give.
            let rank = (p * (n - 1) as f64).round() as u64;
            let mut seen = 0u64;
            for (i, &c) in gated.iter().enumerate() {
                seen += c as u64;
                if seen > rank {
                    return ABSOLUTE_GATE_LUFS + ((first + i) as f64 + 0.5) * BIN_LU;
                }
            }
            ABSOLUTE_GATE_LUFS + BINS as f64 * BIN_LU
        };
        (percentile(0.95) - percentile(0.10)) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(lufs: f64) -> f64 {
        10f64.powf((lufs + 0.691) / 10.0)
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut r = LoudnessRange::default();
        assert_eq!(r.range_lu(), 0.0);
        // 100 values evenly from -30 to -10.2 LUFS: a sort puts P10 (rank 10) at -28.0 and
        // P95 (rank 94) at -11.2.
        for i in 0..100 {
            r.add_shortterm(energy(-30.0 + 0.2 * i as f64));
        }
        assert!(
            (r.range_lu() - 16.8).abs() <= BIN_LU as f32,
            "{}",
            r.range_lu()
        );
        // Values 20 LU under the mean are gated away, and silence is not a value.
        r.reset();
        for _ in 0..50 {
            r.add_shortterm(energy(-20.0));
            r.add_shortterm(energy(-25.0));
            r.add_shortterm(energy(-60.0));
            r.add_shortterm(0.0);
            r.add_shortterm(f64::NAN);
        }
        assert!((r.range_lu() - 5.0).abs() < 0.1, "{}", r.range_lu());
    }
}
