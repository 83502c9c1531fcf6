//! Loudness and true peak after ITU-R BS.1770-5 and EBU R128 / Tech 3341, through the
//! `ebur128` crate (a port of libebur128).
//!
//! `ebur128` runs in `Mode::M`, where adding frames and reading a window make no
//! allocation, and does the K-weighting. Reading short-term loudness from it re-sums a 3 s
//! window on every call, which is too dear to do often on the audio thread, so this meter
//! feeds `ebur128` in chunks that end exactly on 100 ms boundaries, reads the energy of each
//! finished 100 ms block once (`loudness_window(100)`, a 100 ms sum), and keeps momentary
//! (4 blocks) and short-term (30 blocks) loudness as running means of those block energies.
//! That is exactly how BS.1770 builds its gating blocks (100 ms hop), so the values match
//! `ebur128`'s own (checked in the tests) and are updated every 100 ms. The momentary
//! energies are BS.1770's gating blocks, from which the `gating` module keeps the integrated loudness.

mod gating;
mod range;

use crate::frames::peak_magnitude;
use crate::truepeak::TruePeakMeter;
use ebur128::{EbuR128, Mode};
use gating::GatedIntegral;
pub use range::LoudnessRange;

/// Number of 100 ms blocks in the short-term window (3 s).
const SHORTTERM_BLOCKS: usize = 30;
/// Number of 100 ms blocks in the momentary window (400 ms).
const MOMENTARY_BLOCKS: usize = 4;

/// Errors from setting up a [`LoudnessMeter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoudnessError {
    /// The sample rate is outside what the meter supports (16 Hz to 2.8 MHz in `ebur128`).
    UnsupportedSampleRate(u32),
    /// The channel count is not 1 or 2.
    UnsupportedChannels(usize),
}

impl std::fmt::Display for LoudnessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoudnessError::UnsupportedSampleRate(rate) => write!(
                f,
                "sample rate {rate} Hz is not supported by the loudness meter; use 8 kHz to 768 kHz"
            ),
            LoudnessError::UnsupportedChannels(n) => write!(
                f,
                "{n} channels given to the loudness meter; it measures mono or stereo only"
            ),
        }
    }
}

impl std::error::Error for LoudnessError {}

/// Converts a mean-square K-weighted energy to LUFS (BS.1770: -0.691 + 10 log10(z)).
pub fn energy_to_lufs(energy: f64) -> f32 {
    if energy > 0.0 {
        lufs_f64(energy) as f32
    } else {
        f32::NEG_INFINITY
    }
}

/// [`energy_to_lufs`] in `f64`, for a positive energy.
fn lufs_f64(energy: f64) -> f64 {
    -0.691 + 10.0 * energy.log10()
}

fn lufs_to_energy(lufs: f64) -> f64 {
    if lufs.is_finite() {
        10f64.powf((lufs + 0.691) / 10.0)
    } else {
        0.0
    }
}

/// Momentary, short-term and integrated loudness and true peak of a mono or stereo signal.
pub struct LoudnessMeter {
    meter: EbuR128,
    num_channels: usize,
    samples_per_block: usize,
    /// Frames fed since the last 100 ms boundary.
    frames_in_block: usize,
    /// Energies of the last [`SHORTTERM_BLOCKS`] 100 ms blocks, a ring.
    block_energy: [f64; SHORTTERM_BLOCKS],
    next_block: usize,
    momentary_lufs: f32,
    shortterm_lufs: f32,
    /// 100 ms blocks since the last reset, up to [`MOMENTARY_BLOCKS`]: the first gating
    /// block is complete after 400 ms.
    blocks_seen: usize,
    integral: GatedIntegral,
    integrated_lufs: f32,
    /// 100 ms blocks since the last reset, up to [`SHORTTERM_BLOCKS`]: the loudness range
    /// takes short-term values once the 3 s window is full.
    shortterm_blocks_seen: usize,
    range: LoudnessRange,
    /// 100 ms blocks finished since the last reset (for callers that log the meter's
    /// readings once per block).
    blocks_finished: u64,
    /// True peak (our own interpolator: see [`crate::truepeak`]).
    true_peak: TruePeakMeter,
    /// Largest sample peak (linear) since it was last taken.
    sample_peak_gain: f32,
    /// Largest sample peak since the true peak was last taken: its floor.
    true_peak_floor: f32,
}

impl LoudnessMeter {
    /// A meter for `num_channels` (1 or 2) at `sample_rate_hz`. Allocates.
    pub fn new(sample_rate_hz: u32, num_channels: usize) -> Result<Self, LoudnessError> {
        if !(1..=2).contains(&num_channels) {
            return Err(LoudnessError::UnsupportedChannels(num_channels));
        }
        if !(8_000..=768_000).contains(&sample_rate_hz) {
            return Err(LoudnessError::UnsupportedSampleRate(sample_rate_hz));
        }
        // Momentary mode only: the meter needs `ebur128`'s K-weighting and its 100 ms sums;
        // the windows and the gating are kept here (see `gating`).
        let mode = Mode::M;
        let meter = EbuR128::new(num_channels as u32, sample_rate_hz, mode)
            .map_err(|_| LoudnessError::UnsupportedSampleRate(sample_rate_hz))?;
        let mut this = Self {
            meter,
            num_channels,
            samples_per_block: (sample_rate_hz as usize + 5) / 10,
            frames_in_block: 0,
            block_energy: [0.0; SHORTTERM_BLOCKS],
            next_block: 0,
            momentary_lufs: f32::NEG_INFINITY,
            shortterm_lufs: f32::NEG_INFINITY,
            blocks_seen: 0,
            integral: GatedIntegral::default(),
            integrated_lufs: f32::NEG_INFINITY,
            shortterm_blocks_seen: 0,
            range: LoudnessRange::default(),
            blocks_finished: 0,
            true_peak: TruePeakMeter::new(sample_rate_hz as f32),
            sample_peak_gain: 0.0,
            true_peak_floor: 0.0,
        };
        this.reset();
        Ok(this)
    }

    /// Number of channels measured.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Forgets everything measured. Does not allocate.
    pub fn reset(&mut self) {
        self.meter.reset();
        self.frames_in_block = 0;
        self.block_energy = [0.0; SHORTTERM_BLOCKS];
        self.next_block = 0;
        self.momentary_lufs = f32::NEG_INFINITY;
        self.shortterm_lufs = f32::NEG_INFINITY;
        self.blocks_seen = 0;
        self.integral.reset();
        self.integrated_lufs = f32::NEG_INFINITY;
        self.shortterm_blocks_seen = 0;
        self.range.reset();
        self.blocks_finished = 0;
        self.true_peak.reset();
        self.sample_peak_gain = 0.0;
        self.true_peak_floor = 0.0;
    }

    /// Measures a block. `right` is ignored for a mono meter and required for a stereo one
    /// (a stereo meter given `None` measures `left` on both channels). Samples must be finite
    /// (the Strip sanitises its input); the block may have any length. Does not allocate.
    pub fn process(&mut self, left: &[f32], right: Option<&[f32]>) {
        let stereo = self.num_channels == 2;
        self.true_peak.process(left, right.filter(|_| stereo));
        let block_peak =
            peak_magnitude(left).max(right.filter(|_| stereo).map_or(0.0, peak_magnitude));
        self.sample_peak_gain = self.sample_peak_gain.max(block_peak);
        self.true_peak_floor = self.true_peak_floor.max(block_peak);
        let right = right.unwrap_or(left);
        let mut start = 0;
        while start < left.len() {
            let take = (self.samples_per_block - self.frames_in_block).min(left.len() - start);
            let l = &left[start..start + take];
            let r = &right[start..start + take];
            // Errors are impossible for the channel counts `new` admits; a failed add only
            // loses this chunk's loudness contribution.
            let _ = if self.num_channels == 2 {
                self.meter.add_frames_planar_f32(&[l, r])
            } else {
                self.meter.add_frames_planar_f32(&[l])
            };
            self.frames_in_block += take;
            start += take;
            if self.frames_in_block == self.samples_per_block {
                self.frames_in_block = 0;
                self.finish_block();
            }
        }
    }

    fn finish_block(&mut self) {
        let lufs = self.meter.loudness_window(100).unwrap_or(f64::NEG_INFINITY);
        self.block_energy[self.next_block] = lufs_to_energy(lufs);
        self.next_block = (self.next_block + 1) % SHORTTERM_BLOCKS;
        let mut momentary = 0.0;
        let mut shortterm = 0.0;
        for age in 0..SHORTTERM_BLOCKS {
            let idx = (self.next_block + SHORTTERM_BLOCKS - 1 - age) % SHORTTERM_BLOCKS;
            shortterm += self.block_energy[idx];
            if age < MOMENTARY_BLOCKS {
                momentary += self.block_energy[idx];
            }
        }
        self.momentary_lufs = energy_to_lufs(momentary / MOMENTARY_BLOCKS as f64);
        self.shortterm_lufs = energy_to_lufs(shortterm / SHORTTERM_BLOCKS as f64);
        // Every 100 ms a 400 ms gating block ends: the momentary window, once it is full.
        self.blocks_seen = (self.blocks_seen + 1).min(MOMENTARY_BLOCKS);
        if self.blocks_seen == MOMENTARY_BLOCKS {
            self.integral.add_block(momentary / MOMENTARY_BLOCKS as f64);
            self.integrated_lufs = self.integral.lufs();
        }
        self.shortterm_blocks_seen = (self.shortterm_blocks_seen + 1).min(SHORTTERM_BLOCKS);
        if self.shortterm_blocks_seen == SHORTTERM_BLOCKS {
            self.range
                .add_shortterm(shortterm / SHORTTERM_BLOCKS as f64);
        }
        self.blocks_finished += 1;
    }

    /// Momentary loudness (last 400 ms, updated every 100 ms), LUFS; `-inf` for silence.
    pub fn momentary_lufs(&self) -> f32 {
        self.momentary_lufs
    }

    /// Short-term loudness (last 3 s, updated every 100 ms), LUFS; `-inf` for silence.
    pub fn shortterm_lufs(&self) -> f32 {
        self.shortterm_lufs
    }

    /// Integrated (gated) loudness since the last reset, LUFS; `-inf` before the first
    /// block above the absolute gate.
    pub fn integrated_lufs(&self) -> f32 {
        self.integrated_lufs
    }

    /// Loudness range (EBU Tech 3342) since the last reset, LU; 0 until 3 s of signal
    /// above the gates. Reads a histogram: call it at a display rate, not per sample.
    pub fn loudness_range_lu(&self) -> f32 {
        self.range.range_lu()
    }

    /// Forgets the integrated loudness and the loudness range (the momentary and short-term
    /// windows keep running). Does not allocate.
    pub fn reset_integration(&mut self) {
        self.integral.reset();
        self.integrated_lufs = f32::NEG_INFINITY;
        self.range.reset();
    }

    /// Number of 100 ms blocks finished since the last reset: a caller that logs
    /// momentary and short-term loudness compares it with what it saw last.
    pub fn blocks_finished(&self) -> u64 {
        self.blocks_finished
    }

    /// Largest true peak (dBTP) since the last call, then starts over.
    pub fn take_true_peak_db(&mut self) -> f32 {
        // The true peak is never below the sample peak (the interpolator's ripple can read a
        // hair under a sample's own value).
        gain_to_db(
            self.true_peak
                .take_peak()
                .max(std::mem::take(&mut self.true_peak_floor)),
        )
    }

    /// Largest sample peak (dBFS) since the last call, then starts over.
    pub fn take_sample_peak_db(&mut self) -> f32 {
        let db = gain_to_db(self.sample_peak_gain);
        self.sample_peak_gain = 0.0;
        db
    }
}

/// Linear gain to dB, `-inf` for zero.
pub fn gain_to_db(gain: f32) -> f32 {
    20.0 * gain.abs().log10()
}

/// dB to linear gain.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

#[cfg(test)]
mod tests;
