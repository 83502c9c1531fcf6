//! The Stem Master's true-peak limiter: lookahead, peaks detected on an oversampled copy of
//! the signal, and a gain that has fully arrived when the peak does.
//!
//! Per input sample `m`:
//!
//! 1. **Detector.** A polyphase interpolator (the true-peak meter's design,
//!    [`crate::truepeak`], with [`TAPS`] taps a branch) gives the signal at `factor` points
//!    per sample; `P[m]` is the largest magnitude over both channels in `[m, m + 1)`.
//!    An inter-sample peak in `[m, m + 1)` is made by the samples on both sides, so sample
//!    `m` must obey the peaks of both intervals it bounds: `max(P[m - 1], P[m])`.
//! 2. **Gain computer.** The gain sample `m` needs: `g[m] = min(1, ceiling / max(P[m-1], P[m]))`.
//! 3. **Sliding minimum** of `g` over the last `W = lookahead + 1` samples, then the
//!    **release** (a one-pole return towards that minimum, never above it), then a
//!    **moving average** over `W` samples. The gain applied to sample `m`, delayed by
//!    `W - 1`, averages `W` values that each include `g[m]` in their minimum, so it is at
//!    most `g[m]`: the gain has arrived when the peak does, and it got there along a
//!    straight ramp as long as the lookahead (no click, little distortion).
//!
//! (The sliding-minimum-then-box-filter gain smoother is the one of Sanfilippo's and
//! others' lookahead limiters.)
//!
//! The audio is delayed by the detector's own delay ([`DETECTOR_DELAY`]: the interpolator's
//! centre, [`TAPS`]/2 samples, plus the [`HOLD`]) plus `W - 1`: that is
//! [`TruePeakLimiter::latency_samples`], constant while the limiter is switched off so a
//! host's delay compensation holds (the Master's chain pads it to the largest lookahead's,
//! see `crate::master`). A gain that changes creates new inter-sample peaks of
//! its own; the smooth ramps keep them small, and the tests measure the *output* at 4x and
//! 16x against the ceiling.
//!
//! **Release**: a time constant in ms, or automatic (program-dependent): a one-second
//! average of the gain reduction sets it between [`AUTO_RELEASE_FAST_MS`] (occasional peaks:
//! quick recovery, no pumping on transients) and [`AUTO_RELEASE_SLOW_MS`] (sustained
//! limiting: slow recovery, less distortion).
//!
//! `new` allocates every buffer for the largest lookahead; changing the lookahead while
//! running clears the limiter's state (the host is told the new latency) but never
//! allocates.

use crate::dynamics::time_coef;
use crate::frames::{max_finite, peak_magnitude as peak_of, Frame};
use crate::truepeak::{branch_block, design_branch};
use multiversion::multiversion;

/// Interpolator taps per branch (see [`default_factor`] for why 40).
pub const TAPS: usize = 40;
/// Samples on each side of a peak over which the gain is held flat (see the module docs).
pub const HOLD: usize = 16;
/// Delay of the detector (the interpolator's centre) plus the hold, samples.
pub const DETECTOR_DELAY: usize = TAPS / 2 + HOLD;
/// Largest lookahead, ms.
pub const MAX_LOOKAHEAD_MS: f32 = 5.0;
/// Default lookahead, ms.
pub const DEFAULT_LOOKAHEAD_MS: f32 = 1.5;
/// Automatic release when the limiting is occasional, ms.
pub const AUTO_RELEASE_FAST_MS: f32 = 20.0;
/// Automatic release when the limiting is sustained, ms.
pub const AUTO_RELEASE_SLOW_MS: f32 = 300.0;
/// Sustained gain reduction (dB, one-second average) at which the automatic release is at
/// its slowest.
const AUTO_RELEASE_FULL_DB: f32 = 4.0;
/// The detector aims this far under the ceiling, dB: the 4x interpolators of BS.1770 meters
/// read band-limited noise up to 0.05 dB over an ideal interpolator (measured against
/// `ebur128`'s true-peak meter and [`crate::truepeak::oversampled_peak`]).
pub const CEILING_MARGIN_DB: f32 = 0.05;
/// The points between the 4x points are computed for a pass whose 4x peak comes within
/// this factor (-1 dB) of the ceiling (see `TruePeakLimiter::pass`).
const FINE_MARGIN: f32 = 0.891_250_9;
/// Largest oversampling factor of the detector.
pub const MAX_FACTOR: usize = 8;
/// Kaiser window parameter of the detector's interpolator.
const BETA: f64 = 8.0;
/// Frames per inner pass.
const PASS: usize = 64;
const _: () = assert!(PASS.is_multiple_of(BLOCK));

/// Everything a user sets on the limiter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterSettings {
    pub enabled: bool,
    /// Ceiling, dBTP: the output's true peak stays at or below it.
    pub ceiling_db: f32,
    /// Lookahead, ms (0 to [`MAX_LOOKAHEAD_MS`]).
    pub lookahead_ms: f32,
    /// Release time constant, ms (ignored when `auto_release`).
    pub release_ms: f32,
    /// Program-dependent release.
    pub auto_release: bool,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            ceiling_db: -1.0,
            lookahead_ms: DEFAULT_LOOKAHEAD_MS,
            release_ms: 100.0,
            auto_release: true,
        }
    }
}

/// The oversampling factor the detector uses: 8x at every rate (so even a 768 kHz stream is
/// checked between its samples; the 4x points are computed first and the points between
/// them only for a pass whose 4x peak comes within 1 dB of the ceiling).
///
/// NOTE: measured on the test material of `limiter/tests.rs` pushed 12 dB into a -1 dBTP
/// ceiling (44.1 kHz, 1.5 ms lookahead; output read at 16x by
/// [`crate::truepeak::oversampled_peak`]):
/// - the interpolator's length matters first: 16 taps a branch let the music-like programme
///   through 0.29 dB over, 32 taps 0.1 dB, 48 taps 0.04 dB (4x and 8x alike);
/// - the factor matters for band-limited noise and tones near Nyquist, whose peaks fall
///   between the 4x points: 4x let them 0.16 dB over, 8x 0.06 dB (before the
///   [`CEILING_MARGIN_DB`]);
/// - with 8x and the margin, 40 taps kept every material within 0.02 dB (16x) and
///   0.07 dB (`ebur128`'s BS.1770 4x meter), 32 taps within 0.06 dB: 40 it is.
///
/// Full-band digital white noise (content up to Nyquist) is the one thing no finite
/// interpolator sees whole: pushed 12 dB, its output reads 0.7 dB over the ceiling on an ideal
/// 16x interpolator while a BS.1770 4x meter reads it 0.3 dB under. Converters leave no such
/// content (their anti-alias filters start about 0.45 fs), so the tests use noise band-limited
/// there.
pub fn default_factor(_sample_rate_hz: f32) -> usize {
    8
}

/// Lookahead in samples for a setting in ms at a sample rate.
pub fn lookahead_samples(lookahead_ms: f32, sample_rate_hz: f32) -> usize {
    let ms = if lookahead_ms.is_finite() {
        lookahead_ms.clamp(0.0, MAX_LOOKAHEAD_MS)
    } else {
        DEFAULT_LOOKAHEAD_MS
    };
    (ms * 0.001 * sample_rate_hz).round() as usize
}

/// Frames the detector's interpolator computes at once: a pass is one or two blocks.
const BLOCK: usize = 32;

/// Sets each `out[i]` to the largest of itself and `|Σ taps[k] x[i + k]|` for each of the
/// `B` branches: interpolating branches over one block (`x` holds [`TAPS`]` - 1` samples of
/// history, then the block). Taps outer, samples inner (4 or 8 wide), every branch's
/// accumulators held in registers across the taps and each `x` load shared by the `B`
/// branches; the sums run in tap order, so any grouping of the branches gives the same
/// numbers. Compiled for AVX2 and for baseline x86-64, picked at run time.
#[multiversion(targets("x86_64+avx2"))]
fn branches_max<const B: usize>(
    branches: [&[f32; TAPS]; B],
    x: &[f32; TAPS - 1 + BLOCK],
    out: &mut [f32; BLOCK],
) {
    let acc: [[f32; BLOCK]; B] = branch_block(branches, x);
    for a in &acc {
        for (o, a) in out.iter_mut().zip(a) {
            *o = max_finite(*o, a.abs());
        }
    }
}

/// Runs [`branches_max`] for every branch of `branches` over one block, two at a time.
fn all_branches_max<'a>(
    mut branches: impl Iterator<Item = &'a [f32; TAPS]>,
    x: &[f32; TAPS - 1 + BLOCK],
    out: &mut [f32; BLOCK],
) {
    while let Some(a) = branches.next() {
        match branches.next() {
            Some(b) => branches_max([a, b], x, out),
            None => branches_max([a], x, out),
        }
    }
}

/// A sliding minimum over the last `window` values (a monotonic queue in a ring of fixed
/// capacity): amortised O(1) a value, no allocation after `new`.
#[derive(Clone)]
struct SlidingMin {
    /// (index, value) pairs with increasing values from front to back.
    ring: Vec<(u64, f32)>,
    head: usize,
    len: usize,
    window: u64,
    next_index: u64,
}

impl SlidingMin {
    fn new(capacity: usize) -> Self {
        Self {
            // One more than the window (a new value enters before the oldest leaves), rounded
            // up to a power of two so positions wrap with a mask, not a division.
            ring: vec![(0, 1.0); (capacity.max(1) + 1).next_power_of_two()],
            head: 0,
            len: 0,
            window: 1,
            next_index: 0,
        }
    }

    fn reset(&mut self, window: usize) {
        self.head = 0;
        self.len = 0;
        self.window = window.clamp(1, self.ring.len() - 1) as u64;
        self.next_index = 0;
    }

    /// The queue's position in locals, for a run of pushes; the caller writes `head`,
    /// `len` and `next_index` back when done.
    fn start(&mut self) -> MinCursor<'_> {
        MinCursor {
            mask: self.ring.len() - 1,
            window: self.window,
            head: self.head,
            len: self.len,
            next_index: self.next_index,
            ring: &mut self.ring,
        }
    }
}

/// [`SlidingMin`]'s state borrowed into locals for the length of a pass.
struct MinCursor<'a> {
    ring: &'a mut [(u64, f32)],
    mask: usize,
    window: u64,
    head: usize,
    len: usize,
    next_index: u64,
}

impl MinCursor<'_> {
    /// Adds `value` and returns the minimum of the last `window` values.
    #[inline(always)]
    fn push(&mut self, value: f32) -> f32 {
        let mask = self.mask;
        let index = self.next_index;
        self.next_index += 1;
        while self.len > 0 && self.ring[(self.head + self.len - 1) & mask].1 >= value {
            self.len -= 1;
        }
        // The queue never holds more than `window` entries (older ones leave below).
        self.ring[(self.head + self.len) & mask] = (index, value);
        self.len += 1;
        if self.ring[self.head].0 + self.window <= index {
            self.head = (self.head + 1) & mask;
            self.len -= 1;
        }
        self.ring[self.head].1
    }
}

/// The true-peak limiter for one or two channels, on stereo frames.
#[derive(Clone)]
pub struct TruePeakLimiter {
    sample_rate_hz: f32,
    settings: LimiterSettings,
    factor: usize,
    branches: [[f32; TAPS]; MAX_FACTOR],
    /// Per channel, the last `TAPS - 1` input samples, oldest first.
    tail: [[f32; TAPS - 1]; 2],
    ceiling_gain: f32,
    /// A pass whose 4x peak exceeds this (1 dB under the ceiling) is also read at the
    /// points between (8x).
    fine_threshold: f32,
    release_coef: f32,
    /// `W`: the sliding minimum's and the moving average's length (lookahead + 1).
    window: usize,
    min: SlidingMin,
    /// The release stage's output (linear gain).
    released: f32,
    /// The moving average's ring and running sum.
    average: Vec<f32>,
    average_pos: usize,
    average_sum: f64,
    /// The audio's delay line and its length (the latency).
    delay: Vec<Frame>,
    delay_pos: usize,
    latency: usize,
    /// Consecutive unreduced gains last entered into the moving average.
    ones_run: usize,
    /// One-second average of the gain reduction, dB (automatic release).
    sustained_db: f32,
    sustained_coef: f32,
    /// Samples into the current pass of the [`PASS`] grid.
    pass_phase: usize,
    /// Smallest gain applied since the meter last read it.
    min_gain: f32,
}

impl TruePeakLimiter {
    /// A limiter at `sample_rate_hz` with the detector's default oversampling
    /// ([`default_factor`]). Allocates its buffers for [`MAX_LOOKAHEAD_MS`].
    pub fn new(sample_rate_hz: f32) -> Self {
        Self::with_factor(sample_rate_hz, default_factor(sample_rate_hz))
    }

    /// A limiter whose detector oversamples by `factor` (1 to [`MAX_FACTOR`]).
    pub fn with_factor(sample_rate_hz: f32, factor: usize) -> Self {
        let factor = factor.clamp(1, MAX_FACTOR);
        let mut branches = [[0.0f32; TAPS]; MAX_FACTOR];
        for (phase, branch) in branches.iter_mut().enumerate().take(factor).skip(1) {
            *branch = design_branch(factor, phase, BETA, 1.0);
        }
        let max_window = lookahead_samples(MAX_LOOKAHEAD_MS, sample_rate_hz) + 1;
        let max_hold_window = max_window + 2 * HOLD;
        let mut limiter = Self {
            sample_rate_hz,
            settings: LimiterSettings::default(),
            factor,
            branches,
            tail: [[0.0; TAPS - 1]; 2],
            ceiling_gain: 1.0,
            fine_threshold: 0.0,
            release_coef: 0.0,
            window: 1,
            min: SlidingMin::new(max_hold_window),
            released: 1.0,
            average: vec![1.0; max_window],
            average_pos: 0,
            average_sum: 0.0,
            delay: vec![[0.0; 2]; DETECTOR_DELAY + max_window],
            delay_pos: 0,
            latency: 0,
            ones_run: 0,
            sustained_db: 0.0,
            sustained_coef: time_coef(1000.0, sample_rate_hz / PASS as f32),
            pass_phase: 0,
            min_gain: 1.0,
        };
        limiter.apply_settings(true);
        limiter
    }

    /// The detector's oversampling factor.
    pub fn factor(&self) -> usize {
        self.factor
    }

    /// The current settings.
    pub fn settings(&self) -> &LimiterSettings {
        &self.settings
    }

    /// Delay of the audio through the limiter, samples: the detector's delay plus the
    /// lookahead. The same whether the limiter is on or off.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// The latency the limiter would have with `settings` at `sample_rate_hz`, samples.
    pub fn latency_for(settings: &LimiterSettings, sample_rate_hz: f32) -> usize {
        DETECTOR_DELAY + lookahead_samples(settings.lookahead_ms, sample_rate_hz)
    }

    /// Applies new settings; a cheap no-op when nothing changed. A new lookahead clears the
    /// signal history (and changes [`TruePeakLimiter::latency_samples`]). Does not allocate.
    pub fn set_settings(&mut self, s: &LimiterSettings) {
        if *s == self.settings {
            return;
        }
        let lookahead_changed = lookahead_samples(s.lookahead_ms, self.sample_rate_hz)
            != lookahead_samples(self.settings.lookahead_ms, self.sample_rate_hz);
        self.settings = *s;
        self.apply_settings(lookahead_changed);
    }

    fn apply_settings(&mut self, lookahead_changed: bool) {
        let s = self.settings;
        self.ceiling_gain = if s.ceiling_db.is_finite() {
            10f32.powf((s.ceiling_db.clamp(-60.0, 0.0) - CEILING_MARGIN_DB) / 20.0)
        } else {
            1.0
        };
        self.fine_threshold = self.ceiling_gain * FINE_MARGIN;
        self.refresh_release();
        if lookahead_changed {
            self.window = lookahead_samples(s.lookahead_ms, self.sample_rate_hz) + 1;
            self.latency = DETECTOR_DELAY + self.window - 1;
            self.reset();
        }
    }

    /// Forgets the signal history (detector, gains, delay line). Does not allocate.
    pub fn reset(&mut self) {
        self.tail = [[0.0; TAPS - 1]; 2];
        self.min.reset(self.window + 2 * HOLD);
        self.released = 1.0;
        self.average[..self.window].fill(1.0);
        self.average_pos = 0;
        self.average_sum = self.window as f64;
        self.delay[..self.latency].fill([0.0; 2]);
        self.delay_pos = 0;
        self.ones_run = 0;
        self.sustained_db = 0.0;
        self.pass_phase = 0;
        self.min_gain = 1.0;
        self.refresh_release();
    }

    /// Largest gain reduction since the previous call, dB (≥ 0); then starts over.
    pub fn take_max_gain_reduction_db(&mut self) -> f32 {
        let g = std::mem::replace(&mut self.min_gain, 1.0);
        (-20.0 * g.log10()).max(0.0)
    }

    /// Limits stereo frames in place (lane 1 is used when `num_channels` is 2). The input
    /// must be finite. Does not allocate.
    ///
    /// Passes end on a fixed grid of [`PASS`] samples whatever the block sizes, and the
    /// automatic release is updated on that grid, so any split of the audio into blocks
    /// gives bit-identical output.
    pub fn process_frames(&mut self, frames: &mut [Frame], num_channels: usize) {
        let mut start = 0;
        while start < frames.len() {
            let take = (PASS - self.pass_phase).min(frames.len() - start);
            self.pass(&mut frames[start..start + take], num_channels >= 2);
            self.pass_phase = (self.pass_phase + take) % PASS;
            if self.pass_phase == 0 {
                // Keep the moving average's running sum exact over long runs: while no gain
                // is reduced the ring holds only ones and the sum is their count. (On the
                // grid, so block sizes do not change the numbers.)
                if self.ones_run >= self.window {
                    self.average_sum = self.window as f64;
                }
                self.update_auto_release();
            }
            start += take;
        }
    }

    /// Once per [`PASS`] samples: the one-second average of the gain reduction, and from it
    /// the automatic release.
    fn update_auto_release(&mut self) {
        let reduction_db = -20.0 * self.released.max(1e-6).log10();
        self.sustained_db = reduction_db + (self.sustained_db - reduction_db) * self.sustained_coef;
        if self.sustained_db < 1e-6 {
            self.sustained_db = 0.0;
        }
        if self.settings.auto_release {
            self.refresh_release();
        }
    }

    /// The release coefficient: the setting's, or the automatic one for the gain reduction
    /// sustained so far.
    fn refresh_release(&mut self) {
        let ms = if self.settings.auto_release {
            let fullness = (self.sustained_db / AUTO_RELEASE_FULL_DB).clamp(0.0, 1.0);
            AUTO_RELEASE_FAST_MS + (AUTO_RELEASE_SLOW_MS - AUTO_RELEASE_FAST_MS) * fullness
        } else {
            self.settings.release_ms
        };
        self.release_coef = time_coef(ms, self.sample_rate_hz);
    }

    fn pass(&mut self, frames: &mut [Frame], stereo: bool) {
        let n = frames.len();
        let mut all_peaks = [0.0f32; PASS];
        let enabled = self.settings.enabled;
        let channels = if stereo { 2 } else { 1 };
        for ch in 0..channels {
            let mut x = [0.0f32; TAPS - 1 + PASS];
            x[..TAPS - 1].copy_from_slice(&self.tail[ch]);
            for (v, f) in x[TAPS - 1..TAPS - 1 + n].iter_mut().zip(frames.iter()) {
                *v = f[ch] as f32;
            }
            if enabled {
                // Branch 0: the samples themselves, at the interpolator's centre.
                for (p, v) in all_peaks[..n]
                    .iter_mut()
                    .zip(&x[TAPS / 2 - 1..TAPS / 2 - 1 + n])
                {
                    *p = max_finite(*p, v.abs());
                }
                // The 4x points first (every `factor / 4`-th branch), then the points between
                // them only when the pass comes near the ceiling: between two 4x points a
                // signal below Nyquist rises at most 1 / cos(pi / 8) (0.69 dB) over them.
                // Whole blocks are computed; the points past the pass read zeros and are
                // not used.
                let step = (self.factor / 4).max(1);
                let branches = &self.branches[..self.factor];
                for start in (0..n).step_by(BLOCK) {
                    let xb = x[start..start + TAPS - 1 + BLOCK].try_into().unwrap();
                    let pb = (&mut all_peaks[start..start + BLOCK]).try_into().unwrap();
                    all_branches_max(branches.iter().step_by(step).skip(1), xb, pb);
                }
                if step > 1 && peak_of(&all_peaks[..n]) > self.fine_threshold {
                    for start in (0..n).step_by(BLOCK) {
                        let xb = x[start..start + TAPS - 1 + BLOCK].try_into().unwrap();
                        let pb = (&mut all_peaks[start..start + BLOCK]).try_into().unwrap();
                        let fine = branches.iter().enumerate().filter(|(p, _)| p % step != 0);
                        all_branches_max(fine.map(|(_, b)| b), xb, pb);
                    }
                }
            }
            self.tail[ch].copy_from_slice(&x[n..n + TAPS - 1]);
        }
        self.apply_gain(frames, &all_peaks[..n]);
    }

    /// The gain stage of a pass: from the detector's `peaks` (one a frame) the gain each
    /// frame needs, its sliding minimum, the release and the moving average, applied to the
    /// frames leaving the delay line. One loop, its state in locals (not in `self`, which
    /// the compiler would store and reload every frame).
    fn apply_gain(&mut self, frames: &mut [Frame], peaks: &[f32]) {
        let ceiling = self.ceiling_gain;
        let release = self.release_coef;
        let window = self.window;
        let average = &mut self.average[..window];
        let delay = &mut self.delay[..self.latency];
        let mut min = self.min.start();
        let mut released = self.released;
        let mut sum = self.average_sum;
        let mut average_pos = self.average_pos;
        let mut ones_run = self.ones_run;
        let mut delay_pos = self.delay_pos;
        let mut min_gain = self.min_gain;
        for (frame, &peak) in frames.iter_mut().zip(peaks) {
            let needed = if peak > ceiling { ceiling / peak } else { 1.0 };
            let held = min.push(needed);
            released = if held < released {
                held
            } else {
                held + (released - held) * release
            };
            let old = std::mem::replace(&mut average[average_pos], released);
            sum += released as f64 - old as f64;
            average_pos += 1;
            if average_pos == window {
                average_pos = 0;
            }
            ones_run = if released == 1.0 { ones_run + 1 } else { 0 };
            let gain = (sum / window as f64) as f32;
            min_gain = min_gain.min(gain);
            let delayed = std::mem::replace(&mut delay[delay_pos], *frame);
            delay_pos += 1;
            if delay_pos == delay.len() {
                delay_pos = 0;
            }
            let g = gain as f64;
            *frame = [delayed[0] * g, delayed[1] * g];
        }
        let (head, len, next_index) = (min.head, min.len, min.next_index);
        (self.min.head, self.min.len, self.min.next_index) = (head, len, next_index);
        self.released = released;
        self.average_sum = sum;
        self.average_pos = average_pos;
        self.ones_run = ones_run;
        self.delay_pos = delay_pos;
        self.min_gain = min_gain;
    }
}

#[cfg(test)]
mod tests;
