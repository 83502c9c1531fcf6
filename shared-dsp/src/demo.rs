//! Programme material made in code: deterministic, stereo, music-like signals for the
//! tests, the benchmarks, the screenshot tooling and the demos, so nothing depends on
//! audio files.
//!
//! [`programme`] mixes what makes a master's limiter work hard: a kick with a fast attack,
//! a snare and hats (noise bursts), a bass, a pad of detuned saws, and sine bursts near
//! fs/4 and fs/6 whose phases put their peaks between samples (inter-sample peaks up to
//! 3 dB over the sample peak).

use std::f64::consts::TAU;

pub mod stems;

/// A small deterministic noise generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Noise {
    state: u64,
}

impl Noise {
    /// A generator; different seeds give unrelated sequences.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    /// Uniform in [-1, 1).
    pub fn next_sample(&mut self) -> f32 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let bits = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (bits as f64 / (1u64 << 52) as f64 - 1.0) as f32
    }
}

/// Planar stereo audio.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stereo {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
}

impl Stereo {
    /// Silence of `frames` frames.
    pub fn silence(frames: usize) -> Self {
        Self {
            left: vec![0.0; frames],
            right: vec![0.0; frames],
        }
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    /// Multiplies every sample by `gain`.
    pub fn scale(&mut self, gain: f32) {
        for x in self.left.iter_mut().chain(self.right.iter_mut()) {
            *x *= gain;
        }
    }

    /// A copy followed by `extra` frames of silence (to flush a latency out).
    pub fn padded(&self, extra: usize) -> Self {
        let mut x = self.clone();
        x.left.resize(self.len() + extra, 0.0);
        x.right.resize(self.len() + extra, 0.0);
        x
    }

    /// The first frame where `self` and `other` differ (or where one ends), if any.
    pub fn first_difference(&self, other: &Stereo) -> Option<usize> {
        let frame_differs =
            |i: usize| self.left[i] != other.left[i] || self.right[i] != other.right[i];
        (0..self.len().min(other.len()))
            .find(|&i| frame_differs(i))
            .or((self.len() != other.len()).then(|| self.len().min(other.len())))
    }

    /// Largest sample magnitude.
    pub fn sample_peak(&self) -> f32 {
        self.left
            .iter()
            .chain(&self.right)
            .fold(0.0f32, |m, x| m.max(x.abs()))
    }
}

/// Full-scale noise bursts (100 ms on, 200 ms off) of `seconds`, band-limited at 0.45 x the
/// sample rate as a converter's anti-alias filter leaves real recordings (two 8th-order
/// Butterworth low-passes), with the sample peak at 0 dBFS.
pub fn noise_bursts(sample_rate_hz: f32, seconds: f32, seed: u64) -> Stereo {
    let frames = (seconds * sample_rate_hz) as usize;
    let burst = (sample_rate_hz * 0.1) as usize;
    let mut noise = Noise::new(seed);
    let mut out = Stereo::silence(frames);
    for i in 0..frames {
        if (i / burst.max(1)).is_multiple_of(3) {
            out.left[i] = noise.next_sample();
            out.right[i] = noise.next_sample();
        }
    }
    band_limit(&mut out, sample_rate_hz);
    normalise(&mut out);
    out
}

/// Removes what lies above 0.45 x the sample rate, as a converter's anti-alias filter does
/// (two 8th-order Butterworth low-passes, 96 dB/oct).
fn band_limit(x: &mut Stereo, sample_rate_hz: f32) {
    use crate::eq::{EqSettings, Equalizer, FilterSlope, PassSettings};
    let mut eq = Equalizer::new();
    eq.set_sample_rate(sample_rate_hz);
    eq.set_settings(&EqSettings {
        low_pass: PassSettings {
            enabled: true,
            freq_hz: 0.45 * sample_rate_hz,
            slope: FilterSlope::Db48,
        },
        ..EqSettings::default()
    });
    for _ in 0..2 {
        eq.reset();
        eq.process(&mut x.left, Some(&mut x.right));
    }
}

/// Scales `x` so its sample peak is 0 dBFS.
fn normalise(x: &mut Stereo) {
    let peak = x.sample_peak();
    if peak > 0.0 {
        x.scale(1.0 / peak);
    }
}

/// A music-like stereo programme of `seconds` at `sample_rate_hz` (120 bpm), with its sample
/// peak at 0 dBFS, faded in and out over 10 ms (so its ends add no steps) and band-limited at
/// 0.45 x the rate as recordings are (its naive saws and noise would otherwise fill the band
/// up to Nyquist). `seed` varies the noise. Allocates; for tests, benchmarks and demos.
pub fn programme(sample_rate_hz: f32, seconds: f32, seed: u64) -> Stereo {
    let rate = sample_rate_hz as f64;
    let frames = (seconds as f64 * rate) as usize;
    let mut out = Stereo::silence(frames);
    let mut noise = Noise::new(seed);
    let beat = (0.5 * rate) as usize;
    let mut bass_phase = 0.0f64;
    let bass_notes = [55.0, 55.0, 73.42, 65.41];
    let pad_chords = [[220.0, 277.18, 329.63], [196.0, 246.94, 293.66]];
    for n in 0..frames {
        let t = n as f64 / rate;
        let in_beat = n % beat;
        let beat_index = n / beat;
        let tb = in_beat as f64 / rate;
        // Kick on every beat: a falling sine with a 150 ms decay and a click.
        let kick_f = 50.0 + 110.0 * (-tb / 0.03).exp();
        let kick = (TAU * kick_f * tb).sin() * (-tb / 0.15).exp() * 0.9
            + if in_beat < (0.002 * rate) as usize {
                0.3
            } else {
                0.0
            };
        // Snare on beats 2 and 4: a noise burst and a 190 Hz body.
        let snare = if beat_index % 2 == 1 {
            let env = (-tb / 0.08).exp();
            (noise.next_sample() as f64 * 0.5 + (TAU * 190.0 * tb).sin() * 0.3) * env
        } else {
            0.0
        };
        // Hats every half beat, short noise.
        let th = (n % (beat / 2)) as f64 / rate;
        let hat = noise.next_sample() as f64 * 0.15 * (-th / 0.02).exp();
        // Bass: a note per bar of 4 beats, soft-clipped sine.
        let note = bass_notes[(beat_index / 4) % bass_notes.len()];
        bass_phase += TAU * note / rate;
        let bass = (1.5 * bass_phase.sin()).tanh() * 0.45;
        // Pad: detuned saws of a chord every two bars, slowly swelling.
        let chord = pad_chords[(beat_index / 8) % pad_chords.len()];
        let mut pad_l = 0.0;
        let mut pad_r = 0.0;
        for (i, &f) in chord.iter().enumerate() {
            let saw = |f: f64| 2.0 * (f * t).fract() - 1.0;
            pad_l += saw(f * 1.003) * 0.06 + saw(f) * 0.04 * (i as f64 * 0.3).cos();
            pad_r += saw(f * 0.997) * 0.06 + saw(f) * 0.04;
        }
        let swell = 0.6 + 0.4 * (TAU * 0.125 * t).sin();
        // Inter-sample peak bursts: fs/4 at 45° and fs/6 at 60°, 50 ms each bar.
        let bar_pos = n % (4 * beat);
        let burst_len = (0.05 * rate) as usize;
        let isp = if bar_pos < burst_len {
            let k = bar_pos as f64;
            let ratio = if (beat_index / 4).is_multiple_of(2) {
                0.25
            } else {
                1.0 / 6.0
            };
            let phase = if ratio == 0.25 { 45.0f64 } else { 60.0 };
            let fade = (std::f64::consts::PI * k / burst_len as f64).sin();
            0.5 * fade * (TAU * ratio * k + phase.to_radians()).sin()
        } else {
            0.0
        };
        let mono = kick + snare + bass;
        out.left[n] = (mono + hat * 0.8 + pad_l * swell + isp) as f32;
        out.right[n] = (mono + hat * 1.2 + pad_r * swell + isp) as f32;
    }
    let fade = ((0.01 * rate) as usize).min(frames / 2).max(1);
    for i in 0..fade {
        let g = (0.5 - 0.5 * (std::f64::consts::PI * i as f64 / fade as f64).cos()) as f32;
        for ch in [&mut out.left, &mut out.right] {
            ch[i] *= g;
            ch[frames - 1 - i] *= g;
        }
    }
    band_limit(&mut out, sample_rate_hz);
    normalise(&mut out);
    out
}
