//! Building blocks of the demo stems: the loop's step grid, random-access noise, band-limited
//! harmonic sums, envelopes and bilinear filters.

use std::f64::consts::{PI, TAU};

use crate::filter::{BiquadCoefs, BiquadState};

use super::LOOP_SECONDS;

/// Sixteenth notes in the loop.
pub(super) const STEPS: usize = 64;
/// Sixteenths in a bar.
pub(super) const STEPS_PER_BAR: usize = 16;
/// Length of a sixteenth note, seconds.
pub(super) const STEP_SECONDS: f64 = LOOP_SECONDS / STEPS as f64;

/// The loop's sixteenth-note grid at one sample rate. Positions are frames into the loop;
/// every event is timed from its step's onset with the loop wrapped, so a note late in the
/// loop rings on into its start and the output is periodic from the first frame.
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    /// Sample rate, Hz.
    pub rate: f64,
    /// Frames in one loop.
    pub loop_frames: u64,
}

impl Grid {
    pub fn new(rate: f64) -> Self {
        Self {
            rate,
            loop_frames: ((LOOP_SECONDS * rate).round() as u64).max(STEPS as u64),
        }
    }

    /// First frame of `step`.
    fn onset(&self, step: usize) -> u64 {
        step as u64 * self.loop_frames / STEPS as u64
    }

    /// The step that `pos` lies in.
    pub fn step_at(&self, pos: u64) -> usize {
        (pos * STEPS as u64 / self.loop_frames) as usize
    }

    /// Frames since `step` began, seen from `pos`, the loop wrapped.
    pub fn frames_since(&self, pos: u64, step: usize) -> u64 {
        (pos + self.loop_frames - self.onset(step)) % self.loop_frames
    }

    /// The step `pos` lies in and the `back` steps before it (latest first, wrapping), each
    /// with the frames since it began.
    pub fn recent(&self, pos: u64, back: usize) -> impl Iterator<Item = (usize, u64)> + '_ {
        let now = self.step_at(pos);
        (0..=back.min(STEPS - 1)).map(move |k| {
            let step = (now + STEPS - k) % STEPS;
            (step, self.frames_since(pos, step))
        })
    }

    /// `frames` in seconds.
    pub fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / self.rate
    }
}

/// A bit mask of steps, for drum patterns.
pub(super) const fn step_mask(steps: &[usize]) -> u64 {
    let mut mask = 0;
    let mut i = 0;
    while i < steps.len() {
        mask |= 1 << steps[i];
        i += 1;
    }
    mask
}

/// White noise in [-1, 1) addressed by (`seed`, `event`, `index`): the same arguments give the
/// same value, whatever was asked before (SplitMix64's finaliser as the hash).
pub(super) fn noise(seed: u64, event: u64, index: u64) -> f64 {
    let mut z = seed
        ^ event.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// `sum over k = 1..=n of amp(k) sin(k phase)` by the Chebyshev recurrence
/// `sin(kx) = 2 cos(x) sin((k-1)x) - sin((k-2)x)`: one sine and one cosine for all the
/// harmonics. `phase` in radians.
#[inline]
pub(super) fn harmonic_sum(phase: f64, n: usize, mut amp: impl FnMut(usize) -> f64) -> f64 {
    let (s1, c1) = phase.sin_cos();
    let two_cos = 2.0 * c1;
    let (mut prev, mut cur) = (0.0, s1);
    let mut sum = 0.0;
    for k in 1..=n {
        sum += amp(k) * cur;
        let next = two_cos * cur - prev;
        prev = cur;
        cur = next;
    }
    sum
}

/// `sum over k = 1..=n of amp(k)[0] sin(k phase) + amp(k)[1] cos(k phase)`, by the same
/// recurrence for sines and cosines: harmonics with any start phases (a harmonic
/// `a sin(k phase + p)` is `[a cos p, a sin p]`).
#[inline]
pub(super) fn phased_harmonic_sum(
    phase: f64,
    n: usize,
    mut amp: impl FnMut(usize) -> [f64; 2],
) -> f64 {
    let (s1, c1) = phase.sin_cos();
    let two_cos = 2.0 * c1;
    let (mut s_prev, mut s_cur) = (0.0, s1);
    let (mut c_prev, mut c_cur) = (1.0, c1);
    let mut sum = 0.0;
    for k in 1..=n {
        let a = amp(k);
        sum += a[0] * s_cur + a[1] * c_cur;
        let s_next = two_cos * s_cur - s_prev;
        let c_next = two_cos * c_cur - c_prev;
        (s_prev, s_cur) = (s_cur, s_next);
        (c_prev, c_cur) = (c_cur, c_next);
    }
    sum
}

/// Schroeder's phases for harmonics of relative powers `power(k)`, `k = 1..=phases.len()`:
/// `-2 pi sum over l < k of (k - l) p_l` with `p` normalised to sum 1, as `[cos, sin]`.
/// They give a periodic wave of that spectrum a low crest factor (M. R. Schroeder,
/// "Synthesis of low-peak-factor signals and binary sequences with low autocorrelation",
/// IEEE Trans. Inf. Theory 16, 1970).
pub(super) fn schroeder_phases(phases: &mut [[f64; 2]], power: impl Fn(usize) -> f64) {
    let total: f64 = (1..=phases.len()).map(&power).sum();
    for (i, p) in phases.iter_mut().enumerate() {
        let k = i + 1;
        let sum: f64 = (1..k).map(|l| (k - l) as f64 * power(l)).sum();
        let phase = -TAU * sum / total;
        *p = [phase.cos(), phase.sin()];
    }
}

/// Gain of a harmonic at `hz` near the band limit `limit_hz`: 1 up to 90 % of it, falling
/// linearly to 0 there, so that harmonics fade in and out as the pitch moves instead of
/// switching.
#[inline]
pub(super) fn band_taper(hz: f64, limit_hz: f64) -> f64 {
    ((limit_hz - hz) / (0.1 * limit_hz)).clamp(0.0, 1.0)
}

/// Highest frequency a generated harmonic may have at `rate`: `max_hz`, but at most 0.45 of
/// the rate.
pub(super) fn harmonic_limit_hz(rate: f64, max_hz: f64) -> f64 {
    max_hz.min(0.45 * rate)
}

/// 0 at `x <= 0`, 1 at `x >= 1`, a raised cosine between.
#[inline]
pub(super) fn rise(x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x >= 1.0 {
        1.0
    } else {
        0.5 - 0.5 * (PI * x).cos()
    }
}

/// A note's gate: rises over `attack_s`, holds until `gate_s`, falls to 0 over `release_s`.
#[inline]
pub(super) fn gate(t: f64, attack_s: f64, gate_s: f64, release_s: f64) -> f64 {
    rise(t / attack_s) * (1.0 - rise((t - gate_s) / release_s))
}

/// An exponential decay with time constant `tau_s` that is faded to exactly 0 over the
/// last fifth of `length_s`, so a voice can be dropped after `length_s` without a step.
#[inline]
pub(super) fn decay(t: f64, tau_s: f64, length_s: f64) -> f64 {
    (-t / tau_s).exp() * (1.0 - rise((t - 0.8 * length_s) / (0.2 * length_s)))
}

/// `hz` shifted by `semitones`.
#[inline]
pub(super) fn transpose(hz: f64, semitones: f64) -> f64 {
    hz * (semitones / 12.0).exp2()
}

/// One biquad section with its state. Bilinear designs (RBJ cookbook,
/// <https://www.w3.org/TR/audio-eq-cookbook/>): their zeros at Nyquist make a low-pass
/// remove what lies above its corner, which is what band-limiting noise needs (the
/// suite's matched filters keep the analog response up to Nyquist instead).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Section {
    coefs: BiquadCoefs,
    state: BiquadState,
}

impl Section {
    /// Low-pass at `hz` (at most 0.4 x `rate`) with quality `q`.
    pub fn low_pass(rate: f64, hz: f64, q: f64) -> Self {
        let (cos, alpha) = Self::terms(rate, hz, q);
        Self::normalised(
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0],
            cos,
            alpha,
        )
    }

    /// High-pass at `hz` (at most 0.4 x `rate`) with quality `q`.
    pub fn high_pass(rate: f64, hz: f64, q: f64) -> Self {
        let (cos, alpha) = Self::terms(rate, hz, q);
        Self::normalised(
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0],
            cos,
            alpha,
        )
    }

    /// Any other section.
    pub fn from_coefs(coefs: BiquadCoefs) -> Self {
        Self {
            coefs,
            state: BiquadState::default(),
        }
    }

    fn terms(rate: f64, hz: f64, q: f64) -> (f64, f64) {
        let w0 = TAU * hz.min(0.4 * rate) / rate;
        (w0.cos(), w0.sin() / (2.0 * q))
    }

    fn normalised(b: [f64; 3], cos: f64, alpha: f64) -> Self {
        let a0 = 1.0 + alpha;
        Self {
            coefs: BiquadCoefs {
                b0: b[0] / a0,
                b1: b[1] / a0,
                b2: b[2] / a0,
                a1: -2.0 * cos / a0,
                a2: (1.0 - alpha) / a0,
            },
            state: BiquadState::default(),
        }
    }

    #[inline]
    pub fn process(&mut self, x: f64) -> f64 {
        self.state.process(&self.coefs, x as f32) as f64
    }
}

/// Two sections in cascade: a fourth-order Butterworth low-pass or high-pass.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Fourth([Section; 2]);

/// Qs of a fourth-order Butterworth filter's two sections.
const BUTTERWORTH_4: [f64; 2] = [0.541_196_1, 1.306_563];

impl Fourth {
    pub fn low_pass(rate: f64, hz: f64) -> Self {
        Self(BUTTERWORTH_4.map(|q| Section::low_pass(rate, hz, q)))
    }

    pub fn high_pass(rate: f64, hz: f64) -> Self {
        Self(BUTTERWORTH_4.map(|q| Section::high_pass(rate, hz, q)))
    }

    #[inline]
    pub fn process(&mut self, x: f64) -> f64 {
        let y = self.0[0].process(x);
        self.0[1].process(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn harmonic_sum_matches_direct_sines() {
        for phase in [0.0, 0.3, 1.0, 3.0, 6.2] {
            let direct: f64 = (1..=40).map(|k| (k as f64 * phase).sin() / k as f64).sum();
            let fast = harmonic_sum(phase, 40, |k| 1.0 / k as f64);
            assert_abs_diff_eq!(fast, direct, epsilon = 1e-9);
            let amps: Vec<[f64; 2]> = (1..=40)
                .map(|k| [(k as f64).cos() / k as f64, (k as f64).sin() / k as f64])
                .collect();
            let direct: f64 = (1..=40)
                .map(|k| (k as f64 * phase + k as f64).sin() / k as f64)
                .sum();
            let fast = phased_harmonic_sum(phase, 40, |k| amps[k - 1]);
            assert_abs_diff_eq!(fast, direct, epsilon = 1e-9);
        }
    }

    #[test]
    fn the_grid_wraps() {
        let g = Grid::new(44_100.0);
        assert_eq!(g.loop_frames, 352_800);
        assert_eq!(g.step_at(0), 0);
        assert_eq!(g.step_at(g.loop_frames - 1), STEPS - 1);
        let recent: Vec<_> = g.recent(10, 2).collect();
        assert_eq!(recent[0], (0, 10));
        assert_eq!(recent[1].0, STEPS - 1);
        assert_eq!(recent[1].1, 10 + g.loop_frames - g.onset(STEPS - 1));
    }

    #[test]
    fn noise_is_addressable_and_spread() {
        assert_eq!(noise(1, 2, 3), noise(1, 2, 3));
        assert_ne!(noise(1, 2, 3), noise(1, 2, 4));
        let mean = (0..10_000).map(|i| noise(7, 0, i)).sum::<f64>() / 10_000.0;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((0..10_000).all(|i| (-1.0..1.0).contains(&noise(7, 0, i))));
    }
}
