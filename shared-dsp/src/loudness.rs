//! Loudness and true peak after ITU-R BS.1770-5 and EBU R128 / Tech 3341, through the
//! `ebur128` crate (a port of libebur128).
//!
//! `ebur128` runs in `Mode::M`, where adding frames and reading a window make no
//! allocation, and does the K-weighting. Reading a 400 ms or 3 s window from it re-sums that
//! much audio on every call, which is too dear to do every 10 ms on the audio thread, so
//! this meter feeds `ebur128` in chunks that end exactly on a 10 ms grid (see `window`),
//! reads the energy of each finished 10 ms sub-block once (`loudness_window(10)`), and keeps
//! momentary (40 sub-blocks) and short-term (300 sub-blocks) loudness as sums of those
//! energies. Both are updated every 10 ms: BS.1770-5 asks for about that to catch the
//! largest momentary value within 0.1 LU (EBU Tech 3341 cases 13 and 14), which
//! [`LoudnessMeter::max_momentary_lufs`] and [`LoudnessMeter::max_shortterm_lufs`] keep.
//!
//! What BS.1770 defines on 100 ms stays on 100 ms: every 10th sub-block boundary ends a
//! 400 ms gating block (the momentary window then), from which the `gating` module keeps the
//! integrated loudness; the loudness range takes the short-term value there once 3 s are
//! measured; and [`LoudnessMeter::blocks_finished`] counts those 100 ms blocks. The values
//! match `ebur128`'s own windows (checked in the tests).
//!
//! NOTE: `loudness_window(ms)` reads the last `floor(rate · ms / 1000)` frames, and no
//! other call reads a given number of frames. At rates that are multiples of 100 Hz (8, 16,
//! 32, 44.1, 48, 88.2, 96, 176.4, 192, 352.8, 384, 705.6, 768 kHz) every sub-block is exactly
//! that long. Elsewhere (22 050 Hz: 221 and 220 frames in turn) a sub-block one frame longer
//! is read without its first frame, and its mean stands for all its frames; the windows
//! still weigh each sub-block by its true length and span exactly 400 ms and 3 s of frames.

mod gating;
mod range;
mod window;

use crate::frames::peak_magnitude;
use crate::truepeak::TruePeakMeter;
use ebur128::{EbuR128, Mode};
use gating::GatedIntegral;
pub use range::LoudnessRange;
use window::SubBlocks;

/// Length of a sub-block, ms: the hop of the momentary and short-term loudness.
const SUBBLOCK_MS: u32 = 10;

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
    /// The 10 ms grid and the energies of the last 3 s of sub-blocks.
    subblocks: SubBlocks,
    /// Frames fed since the last 10 ms boundary.
    frames_in_subblock: usize,
    /// Mean-square energy of the last 400 ms, as of the last 10 ms boundary.
    momentary_energy: f64,
    /// Mean-square energy of the last 3 s, as of the last 10 ms boundary.
    shortterm_energy: f64,
    /// Largest momentary energy since the last reset or `reset_integration`.
    max_momentary_energy: f64,
    /// Largest momentary energy since [`LoudnessMeter::take_recent_momentary_lufs`].
    recent_momentary_energy: f64,
    /// Largest short-term energy since the last reset or `reset_integration`.
    max_shortterm_energy: f64,
    integral: GatedIntegral,
    integrated_lufs: f32,
    range: LoudnessRange,
    /// 100 ms blocks finished since the last reset (for callers that log the meter's
    /// readings once per block).
    blocks_finished: u64,
    /// True peak (our own interpolator: see [`crate::truepeak`]).
    true_peak: TruePeakMeter,
    /// Whether the true peak is measured ([`LoudnessMeter::loudness_only`]).
    true_peak_on: bool,
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
        // Momentary mode only: the meter needs `ebur128`'s K-weighting and its 10 ms sums;
        // the windows and the gating are kept here (see `window` and `gating`).
        let mode = Mode::M;
        let meter = EbuR128::new(num_channels as u32, sample_rate_hz, mode)
            .map_err(|_| LoudnessError::UnsupportedSampleRate(sample_rate_hz))?;
        let mut this = Self {
            meter,
            num_channels,
            subblocks: SubBlocks::new(sample_rate_hz),
            frames_in_subblock: 0,
            momentary_energy: 0.0,
            shortterm_energy: 0.0,
            max_momentary_energy: 0.0,
            max_shortterm_energy: 0.0,
            recent_momentary_energy: 0.0,
            integral: GatedIntegral::default(),
            integrated_lufs: f32::NEG_INFINITY,
            range: LoudnessRange::default(),
            blocks_finished: 0,
            true_peak: TruePeakMeter::new(sample_rate_hz as f32),
            true_peak_on: true,
            sample_peak_gain: 0.0,
            true_peak_floor: 0.0,
        };
        this.reset();
        Ok(this)
    }

    /// A meter of loudness alone, for a caller that reads no peak: as [`LoudnessMeter::new`]
    /// without the true peak, whose 4x oversampling costs more than the loudness itself.
    /// Its [`LoudnessMeter::take_true_peak_db`] reads the sample peak. Allocates.
    pub fn loudness_only(sample_rate_hz: u32, num_channels: usize) -> Result<Self, LoudnessError> {
        let mut meter = Self::new(sample_rate_hz, num_channels)?;
        meter.true_peak_on = false;
        Ok(meter)
    }

    /// Number of channels measured.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Forgets everything measured. Does not allocate.
    pub fn reset(&mut self) {
        self.meter.reset();
        self.subblocks.reset();
        self.frames_in_subblock = 0;
        self.momentary_energy = 0.0;
        self.shortterm_energy = 0.0;
        self.recent_momentary_energy = 0.0;
        self.reset_integration();
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
        if self.true_peak_on {
            self.true_peak.process(left, right.filter(|_| stereo));
        }
        let block_peak =
            peak_magnitude(left).max(right.filter(|_| stereo).map_or(0.0, peak_magnitude));
        self.sample_peak_gain = self.sample_peak_gain.max(block_peak);
        self.true_peak_floor = self.true_peak_floor.max(block_peak);
        let right = right.unwrap_or(left);
        let mut start = 0;
        while start < left.len() {
            let subblock_frames = self.subblocks.current_frames();
            let take = (subblock_frames - self.frames_in_subblock).min(left.len() - start);
            let l = &left[start..start + take];
            let r = &right[start..start + take];
            // Errors are impossible for the channel counts `new` admits; a failed add only
            // loses this chunk's loudness contribution.
            let _ = if self.num_channels == 2 {
                self.meter.add_frames_planar_f32(&[l, r])
            } else {
                self.meter.add_frames_planar_f32(&[l])
            };
            self.frames_in_subblock += take;
            start += take;
            if self.frames_in_subblock == subblock_frames {
                self.frames_in_subblock = 0;
                self.finish_subblock();
            }
        }
    }

    fn finish_subblock(&mut self) {
        let lufs = self
            .meter
            .loudness_window(SUBBLOCK_MS)
            .unwrap_or(f64::NEG_INFINITY);
        let w = self.subblocks.finish(lufs_to_energy(lufs));
        self.momentary_energy = w.momentary_energy;
        self.shortterm_energy = w.shortterm_energy;
        self.max_momentary_energy = self.max_momentary_energy.max(w.momentary_energy);
        self.recent_momentary_energy = self.recent_momentary_energy.max(w.momentary_energy);
        self.max_shortterm_energy = self.max_shortterm_energy.max(w.shortterm_energy);
        if w.ends_block {
            // Every 100 ms a 400 ms gating block ends: the momentary window, once it is full.
            if w.momentary_full {
                self.integral.add_block(w.momentary_energy);
                self.integrated_lufs = self.integral.lufs();
            }
            // The loudness range samples the short-term loudness every 100 ms too.
            if w.shortterm_full {
                self.range.add_shortterm(w.shortterm_energy);
            }
            self.blocks_finished += 1;
        }
    }

    /// Momentary loudness (last 400 ms, updated every 10 ms), LUFS; `-inf` for silence.
    pub fn momentary_lufs(&self) -> f32 {
        energy_to_lufs(self.momentary_energy)
    }

    /// The largest momentary loudness since the previous call (or the current one when no
    /// 10 ms value finished since), LUFS; then starts over. For a reader slower than the
    /// 10 ms updates (the Strip publishes 40 times a second): it still sees the largest
    /// value of a 400 ms burst within 0.1 LU (EBU Tech 3341 case 13), which a momentary
    /// value read every 25 ms misses by up to 0.104 LU.
    pub fn take_recent_momentary_lufs(&mut self) -> f32 {
        let energy = std::mem::replace(&mut self.recent_momentary_energy, self.momentary_energy);
        energy_to_lufs(energy.max(self.momentary_energy))
    }

    /// Short-term loudness (last 3 s, updated every 10 ms), LUFS; `-inf` for silence.
    pub fn shortterm_lufs(&self) -> f32 {
        energy_to_lufs(self.shortterm_energy)
    }

    /// Largest momentary loudness since the last reset or [`Self::reset_integration`], LUFS
    /// (every 10 ms value counts, so it is within 0.1 LU of the true maximum for the 400 ms
    /// bursts of EBU Tech 3341); `-inf` before anything was heard.
    pub fn max_momentary_lufs(&self) -> f32 {
        energy_to_lufs(self.max_momentary_energy)
    }

    /// Largest short-term loudness since the last reset or [`Self::reset_integration`],
    /// LUFS; `-inf` before anything was heard.
    pub fn max_shortterm_lufs(&self) -> f32 {
        energy_to_lufs(self.max_shortterm_energy)
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

    /// Forgets the integrated loudness, the loudness range and the largest momentary and
    /// short-term loudness (the momentary and short-term windows keep running). Does not
    /// allocate.
    pub fn reset_integration(&mut self) {
        self.integral.reset();
        self.integrated_lufs = f32::NEG_INFINITY;
        self.range.reset();
        self.max_momentary_energy = 0.0;
        self.max_shortterm_energy = 0.0;
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
