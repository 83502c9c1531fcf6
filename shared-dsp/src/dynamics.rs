//! Compressor after D. Giannoulis, M. Massberg and J. D. Reiss, "Digital Dynamic Range
//! Compressor Design—A Tutorial and Analysis", J. Audio Eng. Soc. 60(6), 2012:
//! a log-domain gain computer with a soft knee (their eq. 4), fed by the sidechain level
//! in dB, and the *smooth decoupled peak detector* (their eq. 17) running in the log domain
//! on the gain reduction the gain computer asks for ("log domain, after the gain
//! computer", their Fig. 7c). Zero latency.
//!
//! Level convention: the detector sees the instantaneous sample magnitude in dB
//! (`20 log10 |x|`, 0 dBFS = ±1.0), so a steady sine is rated by its *peak* level; with a
//! release time long against the sine's period the gain settles to the static curve at the
//! sine's peak level ([`static_curve_db`]).

use crate::filter::cascade::{pair_coefs, PairState};
use crate::filter::BiquadCoefs;
use crate::frames::{self, max_finite, Frame};
use multiversion::multiversion;

/// Channels the compressor processes at most.
pub const MAX_CHANNELS: usize = 2;
/// Sidechain high-pass frequencies at or below this are "off", Hz.
pub const SIDECHAIN_HP_OFF_HZ: f32 = 20.0;
/// Floor of the detector level, dB (silence reads as this).
pub const LEVEL_FLOOR_DB: f32 = -200.0;
/// Frames per processing pass (see [`Compressor::process_frames`]).
const PASS: usize = 64;
/// Automatic release: the release setting is scaled between these factors by how sustained
/// the gain reduction is.
const AUTO_RELEASE_SCALE: (f32, f32) = (0.3, 2.0);
/// Sustained gain reduction (dB, one-second average) at which the automatic release is at
/// its slowest.
const AUTO_RELEASE_FULL_DB: f32 = 6.0;

/// Everything a user sets on the compressor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompressorSettings {
    pub enabled: bool,
    /// Threshold, dBFS (peak).
    pub threshold_db: f32,
    /// Ratio (≥ 1; values below are taken as 1).
    pub ratio: f32,
    /// Attack time constant, ms (time to 1 - 1/e of a step).
    pub attack_ms: f32,
    /// Release time constant, ms.
    pub release_ms: f32,
    /// Knee width W, dB (0 = hard knee).
    pub knee_db: f32,
    /// Gain applied to the compressed (wet) signal, dB.
    pub makeup_db: f32,
    /// Wet share, 0..=1: 1 = fully compressed, below 1 = parallel compression.
    pub mix: f32,
    /// Sidechain high-pass cutoff, Hz; at or below 20 Hz the high-pass is off.
    pub sidechain_hp_hz: f32,
    /// Stereo link 0..=1: the share of the loudest channel's level in each channel's
    /// detector level (1 = fully linked, 0 = independent channels).
    pub stereo_link: f32,
}

impl Default for CompressorSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            threshold_db: -18.0,
            ratio: 2.0,
            attack_ms: 10.0,
            release_ms: 150.0,
            knee_db: 6.0,
            makeup_db: 0.0,
            mix: 1.0,
            sidechain_hp_hz: SIDECHAIN_HP_OFF_HZ,
            stereo_link: 1.0,
        }
    }
}

/// Output level (dB) of the gain computer for a static input level `input_db`, before
/// makeup: Giannoulis et al. eq. 4 with threshold T, ratio R and knee width W.
/// Computed by the same [`GainComputer`] the detector runs, so the curve the tests check is
/// the one that compresses.
pub fn static_curve_db(s: &CompressorSettings, input_db: f32) -> f32 {
    input_db - GainComputer::new(s).reduction_db(input_db)
}

/// log2 of a positive finite `x`, within 2e-6 (1e-5 dB): exponent bits plus the
/// atanh series of the mantissa. libm's `log2` is a call per sample; this inlines.
#[inline(always)]
fn fast_log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let u = (m - 1.0) / (m + 1.0);
    let u2 = u * u;
    let series =
        u * (1.0 + u2 * (1.0 / 3.0 + u2 * (1.0 / 5.0 + u2 * (1.0 / 7.0 + u2 * (1.0 / 9.0)))));
    exponent as f32 + series * (2.0 * std::f32::consts::LOG2_E)
}

/// 2^y for `y` in -126..126 (clamped), within 2e-5 relative (2e-4 dB): a Taylor
/// polynomial for the fraction and the exponent written into the float's bits. The
/// integer part comes from the "add 1.5 x 2^23" rounding trick rather than `floor` (a libm
/// call on baseline x86-64) or a saturating `as i32`, so a loop of these vectorises.
#[inline(always)]
fn fast_exp2(y: f32) -> f32 {
    /// Adding this rounds a float of magnitude below 2^22 to an integer, which then sits in
    /// the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let y = y.clamp(-126.0, 126.0);
    let shifted = y + ROUND;
    let n = shifted.to_bits() as i32 - ROUND.to_bits() as i32;
    // The fraction is within ±0.5.
    let f = y - (shifted - ROUND);
    const C: [f32; 6] = [
        std::f32::consts::LN_2,
        0.240_226_5,
        0.055_504_1,
        0.009_618_13,
        0.001_333_36,
        0.000_154_04,
    ];
    let p = 1.0 + f * (C[0] + f * (C[1] + f * (C[2] + f * (C[3] + f * (C[4] + f * C[5])))));
    p * f32::from_bits(((n + 127) as u32) << 23)
}

/// `exp(-1 / (tau fs))`, the one-pole coefficient of a time constant in ms (0 for 0 ms).
pub(crate) fn time_coef(ms: f32, sample_rate_hz: f32) -> f32 {
    let samples = ms.max(0.0) * 0.001 * sample_rate_hz;
    if samples > 0.0 && samples.is_finite() {
        (-1.0 / samples).exp()
    } else {
        0.0
    }
}

/// Detector level of a sample magnitude, dB, at least [`LEVEL_FLOOR_DB`]. Branch-free,
/// so a loop of them vectorises.
#[inline(always)]
fn level_db(mag: f32) -> f32 {
    /// 10^(LEVEL_FLOOR_DB / 20).
    const FLOOR_MAGNITUDE: f32 = 1e-10;
    20.0 * std::f32::consts::LOG10_2 * fast_log2(max_finite(mag, FLOOR_MAGNITUDE))
}

/// Sidechain magnitudes to detector levels in dB, in place. Compiled for AVX2 and for
/// baseline x86-64, picked at run time.
#[multiversion(targets("x86_64+avx2"))]
fn levels_db(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = level_db(*v);
    }
}

/// Gain reductions in dB to the gains applied to the signal, in place: makeup and the
/// parallel mix (`1 + mix (gain - 1)`) included. Compiled for AVX2 and for baseline x86-64.
#[multiversion(targets("x86_64+avx2"))]
fn mixed_gains(x: &mut [f32], makeup: f32, mix: f32) {
    for v in x.iter_mut() {
        *v = 1.0 + mix * (gain_of(*v, makeup) - 1.0);
    }
}

/// Linear gain for a gain reduction in dB (≥ 0), makeup included: 10^(-r/20) as an
/// inlined base-2 exponential (libm's `powf` is a call). Exactly `makeup` for 0 dB, without
/// a branch (which a detector hovering at 0 dB would keep mispredicting).
#[inline(always)]
fn gain_of(reduction_db: f32, makeup: f32) -> f32 {
    fast_exp2(-0.05 * std::f32::consts::LOG2_10 * reduction_db) * makeup
}

/// The gain computer (Giannoulis et al. eq. 4) with its constants worked out once per block:
/// maps a detector level to the gain reduction it asks for. Below the knee nothing; in the
/// knee `(1 - 1/R) (x - T + W/2)^2 / (2W)`; above it `(1 - 1/R) (x - T)`.
struct GainComputer {
    threshold_db: f32,
    half_knee_db: f32,
    /// `1 - 1/R`.
    slope: f32,
    /// `(1 - 1/R) / (2 W)`, for the knee's parabola.
    knee_scale: f32,
}

impl GainComputer {
    fn new(s: &CompressorSettings) -> Self {
        let w = s.knee_db.max(0.0);
        let slope = 1.0 - 1.0 / s.ratio.max(1.0);
        Self {
            threshold_db: s.threshold_db,
            half_knee_db: 0.5 * w,
            slope,
            knee_scale: if w > 0.0 { slope / (2.0 * w) } else { 0.0 },
        }
    }

    /// Gain reduction asked for at detector level `x_db`, dB (≥ 0): `x - static_curve(x)`.
    /// Branch-free: a level hovering around the knee would make a branch guess wrong on
    /// every other sample.
    #[inline(always)]
    fn reduction_db(&self, x_db: f32) -> f32 {
        let over = x_db - self.threshold_db;
        // Below the knee k is 0, so the parabola gives 0 too.
        let k = max_finite(over + self.half_knee_db, 0.0);
        let knee = self.knee_scale * k * k;
        let above = self.slope * over;
        if over >= self.half_knee_db {
            above
        } else {
            knee
        }
    }
}

/// One-pole coefficients of the detector.
struct Ballistics {
    attack: f32,
    release: f32,
}

/// One channel's smooth decoupled peak detector (Giannoulis et al. eq. 17), on the gain
/// reduction in dB.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Detector {
    /// Release-smoothed peak of the requested gain reduction (dB, ≥ 0).
    peak_db: f32,
    /// Attack-smoothed gain reduction (dB, ≥ 0): what is applied.
    reduction_db: f32,
}

impl Detector {
    /// Advances one sample for detector level `x_db` and returns the gain reduction to apply,
    /// dB (≥ 0).
    #[inline(always)]
    fn step(&mut self, x_db: f32, curve: &GainComputer, b: &Ballistics) -> f32 {
        let wanted = curve.reduction_db(x_db);
        let peak = max_finite(
            wanted,
            b.release * self.peak_db + (1.0 - b.release) * wanted,
        );
        let red = b.attack * self.reduction_db + (1.0 - b.attack) * peak;
        // NOTE: reductions under a micro-decibel (and NaN, which cannot arise from finite
        // input) are flushed to exactly 0 dB, so the detector never decays into denormals.
        self.peak_db = if peak > 1e-6 { peak } else { 0.0 };
        self.reduction_db = if red > 1e-6 { red } else { 0.0 };
        self.reduction_db
    }
}

/// Stereo (or mono) compressor. Nothing allocates.
#[derive(Clone)]
pub struct Compressor {
    sample_rate_hz: f32,
    settings: CompressorSettings,
    attack_coef: f32,
    release_coef: f32,
    makeup_gain: f32,
    sidechain_on: bool,
    sidechain_coefs: BiquadCoefs,
    sidechain: PairState,
    detectors: [Detector; MAX_CHANNELS],
    max_reduction_db: f32,
    /// Program-dependent release (see [`Compressor::set_auto_release`]).
    auto_release: bool,
    /// One-second average of the gain reduction, dB (for the automatic release).
    sustained_db: f32,
    /// Its one-pole coefficient, once a pass.
    sustained_coef: f32,
    /// Samples into the current pass of the `PASS` grid.
    pass_phase: usize,
}

impl Default for Compressor {
    fn default() -> Self {
        Self::new()
    }
}

impl Compressor {
    /// A compressor at 48 kHz with [`CompressorSettings::default`].
    pub fn new() -> Self {
        let mut c = Self {
            sample_rate_hz: 48_000.0,
            settings: CompressorSettings::default(),
            attack_coef: 0.0,
            release_coef: 0.0,
            makeup_gain: 1.0,
            sidechain_on: false,
            sidechain_coefs: BiquadCoefs::identity(),
            sidechain: PairState::default(),
            detectors: [Detector::default(); MAX_CHANNELS],
            max_reduction_db: 0.0,
            auto_release: false,
            sustained_db: 0.0,
            sustained_coef: 0.0,
            pass_phase: 0,
        };
        c.update();
        c
    }

    /// Sets the sample rate (Hz) and recomputes the time constants and sidechain filter.
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        self.update();
    }

    /// Applies new settings (cheap no-op when unchanged).
    pub fn set_settings(&mut self, s: &CompressorSettings) {
        if *s != self.settings {
            let sidechain_was_on = self.sidechain_on;
            self.settings = *s;
            self.update();
            if self.sidechain_on && !sidechain_was_on {
                self.sidechain = Default::default();
            }
        }
    }

    /// The current settings.
    pub fn settings(&self) -> &CompressorSettings {
        &self.settings
    }

    /// Program-dependent release, as glue compressors offer: a one-second average of the
    /// gain reduction scales the release setting from 0.3x (occasional reduction: quick
    /// recovery after a transient) to 2x (sustained reduction: slow, no pumping), reaching
    /// the slowest at 6 dB of sustained reduction.
    pub fn set_auto_release(&mut self, on: bool) {
        if on != self.auto_release {
            self.auto_release = on;
            self.update();
        }
    }

    fn update(&mut self) {
        let s = &self.settings;
        self.attack_coef = time_coef(s.attack_ms, self.sample_rate_hz);
        self.release_coef = time_coef(s.release_ms, self.sample_rate_hz);
        self.sustained_coef = time_coef(1000.0, self.sample_rate_hz / PASS as f32);
        self.makeup_gain = if s.makeup_db.is_finite() {
            10f32.powf(s.makeup_db / 20.0)
        } else {
            1.0
        };
        self.sidechain_on = s.sidechain_hp_hz > SIDECHAIN_HP_OFF_HZ;
        if self.sidechain_on {
            self.sidechain_coefs = BiquadCoefs::high_pass(
                self.sample_rate_hz,
                s.sidechain_hp_hz,
                std::f32::consts::FRAC_1_SQRT_2,
            );
        }
    }

    /// Forgets the signal history (detector, sidechain filter, meters).
    pub fn reset(&mut self) {
        self.sidechain = Default::default();
        self.detectors = [Detector::default(); MAX_CHANNELS];
        self.max_reduction_db = 0.0;
        self.sustained_db = 0.0;
        self.pass_phase = 0;
    }

    /// Compresses stereo frames in place: lane 0, and lane 1 when `num_channels` is 2
    /// (1 or 2, clamped). The input must be finite (the Strip's path; see
    /// [`Compressor::process`] for any input). Does nothing while disabled.
    ///
    /// NOTE: the work runs in passes over up to `PASS` (64) frames: sidechain levels, their
    /// logarithms, the detector, then the gains' exponentials. Only the detector is a
    /// recurrence; the logarithms and exponentials of a pass are independent of each other,
    /// so they run 4-wide (measured: the per-frame form spent three quarters of its time on
    /// them).
    pub fn process_frames(&mut self, frames: &mut [Frame], num_channels: usize) {
        if !self.settings.enabled {
            return;
        }
        let stereo = num_channels >= 2;
        let link = self.settings.stereo_link.clamp(0.0, 1.0);
        // NOTE: fully linked stereo whose two detectors agree (always, unless the link was
        // lowered earlier) and mono need one detector, one log and one exponential per frame:
        // both channels would compute the same numbers anyway.
        let shared = !stereo || (link == 1.0 && self.detectors[0] == self.detectors[1]);
        // Passes end on a fixed grid of `PASS` samples whatever the block sizes, so the
        // automatic release, updated once a pass, gives the same numbers for any split.
        let mut start = 0;
        while start < frames.len() {
            let take = (PASS - self.pass_phase).min(frames.len() - start);
            let pass = &mut frames[start..start + take];
            if shared {
                self.pass::<true>(pass, stereo, link);
                self.detectors[1] = self.detectors[0];
            } else {
                self.pass::<false>(pass, stereo, link);
            }
            self.pass_phase = (self.pass_phase + take) % PASS;
            if self.pass_phase == 0 && self.auto_release {
                let now = self.gain_reduction_db();
                self.sustained_db = now + (self.sustained_db - now) * self.sustained_coef;
            }
            start += take;
        }
        self.sidechain.repair();
    }

    /// One pass of [`Compressor::process_frames`] over at most [`PASS`] frames; `SHARED`:
    /// one detector for both channels.
    #[inline(always)]
    fn pass<const SHARED: bool>(&mut self, frames: &mut [Frame], stereo: bool, link: f32) {
        let n = frames.len();
        let lanes = if SHARED { 1 } else { 2 };
        // Sidechain magnitudes, then detector levels in dB, per detector.
        let mut level = [[0.0f32; PASS]; 2];
        let sidechain = self.sidechain_on.then(|| pair_coefs(&self.sidechain_coefs));
        for (i, f) in frames.iter().enumerate() {
            let sc = match &sidechain {
                Some(c) => self.sidechain.tick(c, *f),
                None => *f,
            };
            let (a, b) = (
                sc[0].abs() as f32,
                if stereo { sc[1].abs() as f32 } else { 0.0 },
            );
            if SHARED {
                level[0][i] = max_finite(a, b);
            } else {
                level[0][i] = a;
                level[1][i] = b;
            }
        }
        for lane in level.iter_mut().take(lanes) {
            levels_db(&mut lane[..n]);
        }
        // The detectors: the only recurrence. `level` becomes the gain reduction, dB.
        let curve = GainComputer::new(&self.settings);
        let release = if self.auto_release {
            let fullness = (self.sustained_db / AUTO_RELEASE_FULL_DB).clamp(0.0, 1.0);
            let (fast, slow) = AUTO_RELEASE_SCALE;
            let ms = self.settings.release_ms * (fast + (slow - fast) * fullness);
            time_coef(ms, self.sample_rate_hz)
        } else {
            self.release_coef
        };
        let ballistics = Ballistics {
            attack: self.attack_coef,
            release,
        };
        let mut max_reduction = self.max_reduction_db;
        if SHARED {
            let mut d = self.detectors[0];
            for x in level[0][..n].iter_mut() {
                *x = d.step(*x, &curve, &ballistics);
                max_reduction = max_finite(max_reduction, *x);
            }
            self.detectors[0] = d;
        } else {
            let [mut d0, mut d1] = self.detectors;
            let (l0, l1) = level.split_at_mut(1);
            for (x0, x1) in l0[0][..n].iter_mut().zip(&mut l1[0][..n]) {
                let loudest = max_finite(*x0, *x1);
                *x0 = d0.step(link * loudest + (1.0 - link) * *x0, &curve, &ballistics);
                *x1 = d1.step(link * loudest + (1.0 - link) * *x1, &curve, &ballistics);
                max_reduction = max_finite(max_reduction, max_finite(*x0, *x1));
            }
            self.detectors = [d0, d1];
        }
        self.max_reduction_db = max_reduction;
        // Gains (makeup and parallel mix included), then applied.
        let (makeup, mix) = (self.makeup_gain, self.settings.mix.clamp(0.0, 1.0));
        for lane in level.iter_mut().take(lanes) {
            mixed_gains(&mut lane[..n], makeup, mix);
        }
        for (i, f) in frames.iter_mut().enumerate() {
            let (g0, g1) = if SHARED {
                (level[0][i], level[0][i])
            } else {
                (level[0][i], level[1][i])
            };
            *f = [f[0] * g0 as f64, f[1] * g1 as f64];
        }
    }

    /// Compresses a block in place: `left`, and `right` when given (over the common
    /// length). Any input gives finite output (see [`frames::process_planar`]); same
    /// numbers as [`Compressor::process_frames`].
    pub fn process(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        frames::process_planar(left, right, |f, channels| self.process_frames(f, channels));
    }

    /// Current gain reduction, dB (≥ 0; the largest over the channels; makeup not counted).
    pub fn gain_reduction_db(&self) -> f32 {
        let [a, b] = self.detectors;
        a.reduction_db.max(b.reduction_db).max(0.0)
    }

    /// Largest gain reduction since the previous call, dB; then starts over (for meters).
    pub fn take_max_gain_reduction_db(&mut self) -> f32 {
        std::mem::take(&mut self.max_reduction_db)
    }
}

#[cfg(test)]
mod tests;
