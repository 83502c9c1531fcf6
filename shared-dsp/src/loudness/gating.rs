//! Gated integrated loudness after ITU-R BS.1770-5 §2.8 and EBU R 128, without allocation.
//!
//! BS.1770's gating blocks are 400 ms long and start every 100 ms, so they are exactly the
//! momentary energies the meter already keeps, taken on every 100 ms boundary (every 10th of
//! its 10 ms updates). Each block above the absolute gate (-70 LUFS) is binned by loudness
//! into a histogram of 0.1 LU bins that keeps, per bin, the count and the *exact* sum of the
//! blocks' energies. The integrated loudness is the mean energy of the blocks above the
//! relative gate (10 LU below the mean of the absolute-gated blocks); only the bin the
//! relative gate falls in is decided as a whole, by its centre.
//!
//! NOTE: `ebur128`'s `Mode::I` does the same job but re-sums the 400 ms of audio behind
//! every block (a third of its cost in the Strip); these blocks come for free.

use super::{energy_to_lufs, lufs_f64 as lufs};

/// Absolute gate, LUFS.
pub const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// Relative gate below the absolute-gated loudness, LU.
pub const RELATIVE_GATE_LU: f64 = 10.0;
/// Width of a histogram bin, LU.
const BIN_LU: f64 = 0.1;
/// Bins from the absolute gate up to +30 LUFS (louder blocks land in the top bin, with
/// their exact energy).
const BINS: usize = 1000;

/// The gated integral of a stream of gating-block energies.
#[derive(Clone)]
pub struct GatedIntegral {
    counts: [u32; BINS],
    energy: [f64; BINS],
    total_count: u64,
    total_energy: f64,
}

impl Default for GatedIntegral {
    fn default() -> Self {
        Self {
            counts: [0; BINS],
            energy: [0.0; BINS],
            total_count: 0,
            total_energy: 0.0,
        }
    }
}

impl GatedIntegral {
    /// Forgets every block.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Adds one gating block's mean-square (K-weighted, channel-summed) energy.
    pub fn add_block(&mut self, energy: f64) {
        if !(energy.is_finite() && energy > 0.0) {
            return;
        }
        let l = lufs(energy);
        if l <= ABSOLUTE_GATE_LUFS {
            return;
        }
        let bin = (((l - ABSOLUTE_GATE_LUFS) / BIN_LU) as usize).min(BINS - 1);
        self.counts[bin] += 1;
        self.energy[bin] += energy;
        self.total_count += 1;
        self.total_energy += energy;
    }

    /// The integrated loudness, LUFS; `-inf` before any block passed the absolute gate.
    pub fn lufs(&self) -> f32 {
        if self.total_count == 0 {
            return f32::NEG_INFINITY;
        }
        let threshold = lufs(self.total_energy / self.total_count as f64) - RELATIVE_GATE_LU;
        let mut count = 0u64;
        let mut energy = 0.0;
        for (bin, (&n, &e)) in self.counts.iter().zip(&self.energy).enumerate() {
            let centre = ABSOLUTE_GATE_LUFS + (bin as f64 + 0.5) * BIN_LU;
            if n > 0 && centre > threshold {
                count += n as u64;
                energy += e;
            }
        }
        if count == 0 {
            f32::NEG_INFINITY
        } else {
            energy_to_lufs(energy / count as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(lufs: f64) -> f64 {
        10f64.powf((lufs + 0.691) / 10.0)
    }

    #[test]
    fn two_stage_gate() {
        let mut g = GatedIntegral::default();
        assert_eq!(g.lufs(), f32::NEG_INFINITY);
        // Below the absolute gate: ignored.
        for _ in 0..100 {
            g.add_block(energy(-75.0));
        }
        assert_eq!(g.lufs(), f32::NEG_INFINITY);
        // 10 blocks at -20 and 10 at -40: the abs-gated mean is about -23, the relative
        // gate about -33, so only the -20 blocks count.
        for _ in 0..10 {
            g.add_block(energy(-20.0));
            g.add_block(energy(-40.0));
        }
        assert!((g.lufs() - -20.0).abs() < 1e-4, "{}", g.lufs());
        g.reset();
        g.add_block(energy(-23.0));
        g.add_block(energy(-25.0));
        let mean = lufs((energy(-23.0) + energy(-25.0)) / 2.0) as f32;
        assert!((g.lufs() - mean).abs() < 1e-4);
        // Silence, NaN and infinities are not blocks.
        for bad in [0.0, f64::NAN, f64::INFINITY, -1.0] {
            g.add_block(bad);
        }
        assert!((g.lufs() - mean).abs() < 1e-4);
    }
}
