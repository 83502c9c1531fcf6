//! Signals made in code and a simple band analyser for the masking tests: real audio is
//! generated (band-limited noise by FFT synthesis, a kick drum, a bass line) and its band
//! powers measured with a Hann-windowed FFT on the suite's ERB bands, as a Strip would.
#![allow(dead_code)]

use realfft::RealFftPlanner;
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::masking::{MaskingEngine, StemInput};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::FLOOR_DB;

pub const SR: f32 = 48_000.0;
pub const FFT_LEN: usize = 8192;

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
}

/// Scales `x` to an RMS of `rms_db` dBFS.
pub fn set_rms(x: &mut [f32], rms_db: f32) {
    let ms = x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
    let g = 10f32.powf(rms_db / 20.0) / ms.sqrt().max(1e-20);
    x.iter_mut().for_each(|v| *v *= g);
}

/// Noise with a flat spectrum from `lo_hz` to `hi_hz` (random phases, FFT synthesis),
/// `len` samples (a power of two), at `rms_db` dBFS.
pub fn band_noise(lo_hz: f32, hi_hz: f32, len: usize, seed: u64, rms_db: f32) -> Vec<f32> {
    shaped_noise(len, seed, rms_db, |hz| {
        (hz >= lo_hz && hz <= hi_hz).then_some(0.0)
    })
}

/// Noise whose spectrum has the level `shape(hz)` (dB, `None` for nothing) at each
/// frequency (random phases, FFT synthesis), `len` samples (a power of two), at `rms_db`
/// dBFS. It repeats seamlessly every `len` samples.
pub fn shaped_noise(
    len: usize,
    seed: u64,
    rms_db: f32,
    shape: impl Fn(f32) -> Option<f32>,
) -> Vec<f32> {
    let mut out = shaped_noise_unscaled(len, seed, shape);
    set_rms(&mut out, rms_db);
    out
}

/// [`shaped_noise`] as synthesised, each bin at `shape(hz)` dB, before scaling to a level:
/// two calls with the same seed have the same phases.
pub fn shaped_noise_unscaled(
    len: usize,
    seed: u64,
    shape: impl Fn(f32) -> Option<f32>,
) -> Vec<f32> {
    let mut planner = RealFftPlanner::<f32>::new();
    let ifft = planner.plan_fft_inverse(len);
    let mut spec = ifft.make_input_vec();
    let mut rng = Rng::new(seed);
    for (k, bin) in spec.iter_mut().enumerate() {
        let hz = k as f32 * SR / len as f32;
        if let Some(db) = shape(hz) {
            let phase = rng.next_f32() * std::f32::consts::TAU;
            let amp = 10f32.powf(db / 20.0);
            *bin = realfft::num_complex::Complex::new(amp * phase.cos(), amp * phase.sin());
        }
    }
    spec[0].im = 0.0;
    let last = spec.len() - 1;
    spec[last].im = 0.0;
    let mut out = ifft.make_output_vec();
    ifft.process(&mut spec, &mut out).unwrap();
    out
}

/// A kick drum: a sine sweeping from 100 Hz to 50 Hz with a 150 ms decay, every 500 ms.
pub fn kick(len: usize, rms_db: f32) -> Vec<f32> {
    kick_with_decay(len, rms_db, 0.15)
}

/// A kick drum: a sine sweeping from 100 Hz to 50 Hz, every 500 ms, its amplitude decaying
/// exponentially with time constant `decay_s`.
pub fn kick_with_decay(len: usize, rms_db: f32, decay_s: f32) -> Vec<f32> {
    let period = (0.5 * SR) as usize;
    let mut phase = 0.0f32;
    let mut out = vec![0.0; len];
    for (n, o) in out.iter_mut().enumerate() {
        let t = (n % period) as f32 / SR;
        if n % period == 0 {
            phase = 0.0;
        }
        let f = 50.0 + 50.0 * (-t / 0.04).exp();
        phase += std::f32::consts::TAU * f / SR;
        *o = phase.sin() * (-t / decay_s).exp();
    }
    set_rms(&mut out, rms_db);
    out
}

/// A bass: a sine alternating between 55 and 73.4 Hz every second, with a second harmonic
/// 10 dB down.
pub fn bass(len: usize, rms_db: f32) -> Vec<f32> {
    let mut phase = 0.0f32;
    let mut out = vec![0.0; len];
    for (n, o) in out.iter_mut().enumerate() {
        let f = if ((n as f32 / SR) as usize).is_multiple_of(2) {
            55.0
        } else {
            73.4
        };
        phase += std::f32::consts::TAU * f / SR;
        *o = phase.sin() + 0.316 * (2.0 * phase).sin();
    }
    set_rms(&mut out, rms_db);
    out
}

/// A constant (DC) signal.
pub fn dc(len: usize, value: f32) -> Vec<f32> {
    vec![value; len]
}

/// Band powers (dBFS, mean square in each band, silence at FLOOR_DB) of successive frames
/// of `x`: Hann window of [`FFT_LEN`], hop `hop`, then smoothed with a one-pole of
/// `smooth_s` (0 for none), as a Strip smooths its spectrum over about 400 ms.
pub fn band_frames(x: &[f32], hop: usize, smooth_s: f32) -> Vec<[f32; NUM_BANDS]> {
    let layout = BandLayout::standard();
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(FFT_LEN);
    let window: Vec<f32> = (0..FFT_LEN)
        .map(|n| 0.5 - 0.5 * (std::f32::consts::TAU * n as f32 / FFT_LEN as f32).cos())
        .collect();
    let wss: f32 = window.iter().map(|w| w * w).sum();
    let mut bin_band = vec![usize::MAX; FFT_LEN / 2 + 1];
    for (k, b) in bin_band.iter_mut().enumerate() {
        if let Some(band) = layout.band_of(k as f32 * SR / FFT_LEN as f32) {
            *b = band;
        }
    }
    let alpha = if smooth_s > 0.0 {
        1.0 - (-(hop as f32 / SR) / smooth_s).exp()
    } else {
        1.0
    };
    let mut state = [0.0f32; NUM_BANDS];
    let mut first = true;
    let mut frames = Vec::new();
    let mut input = fft.make_input_vec();
    let mut spec = fft.make_output_vec();
    let mut start = 0;
    while start + FFT_LEN <= x.len() {
        for n in 0..FFT_LEN {
            input[n] = x[start + n] * window[n];
        }
        fft.process(&mut input, &mut spec).unwrap();
        let mut power = [0.0f32; NUM_BANDS];
        for (k, c) in spec.iter().enumerate() {
            if bin_band[k] != usize::MAX {
                power[bin_band[k]] += 2.0 * c.norm_sqr() / (FFT_LEN as f32 * wss);
            }
        }
        for b in 0..NUM_BANDS {
            state[b] = if first {
                power[b]
            } else {
                state[b] + alpha * (power[b] - state[b])
            };
        }
        first = false;
        let mut db = [FLOOR_DB; NUM_BANDS];
        for b in 0..NUM_BANDS {
            if state[b] > 1e-15 {
                db[b] = 10.0 * state[b].log10();
            }
        }
        frames.push(db);
        start += hop;
    }
    frames
}

/// Mean band powers (dBFS) of the whole signal.
pub fn band_db(x: &[f32]) -> [f32; NUM_BANDS] {
    let frames = band_frames(x, FFT_LEN / 2, 0.0);
    let mut out = [FLOOR_DB; NUM_BANDS];
    for b in 0..NUM_BANDS {
        let mean: f32 =
            frames.iter().map(|f| 10f32.powf(f[b] / 10.0)).sum::<f32>() / frames.len() as f32;
        if mean > 1e-15 {
            out[b] = 10.0 * mean.log10();
        }
    }
    out
}

/// Silence in band powers.
pub fn silent_bands() -> [f32; NUM_BANDS] {
    [FLOOR_DB; NUM_BANDS]
}

/// A rough loudness from band powers (sum of both channels' band powers, BS.1770 offset; no
/// K-weighting, which is close enough above 100 Hz for the gate).
pub fn rough_lufs(l: &[f32; NUM_BANDS], r: &[f32; NUM_BANDS]) -> f32 {
    let sum: f32 = l.iter().chain(r.iter()).map(|d| 10f32.powf(d / 10.0)).sum();
    if sum > 0.0 {
        -0.691 + 10.0 * sum.log10()
    } else {
        f32::NEG_INFINITY
    }
}

/// An engine input from left and right band powers.
pub fn stem<'a>(
    id: u64,
    role: StemRole,
    name: &'a str,
    l: [f32; NUM_BANDS],
    r: [f32; NUM_BANDS],
) -> StemInput<'a> {
    StemInput {
        id,
        role,
        priority: None,
        name,
        band_db: [l, r],
        masking_db: [l, r],
        shortterm_lufs: rough_lufs(&l, &r),
    }
}

/// Band powers of a signal moved by `db`.
pub fn offset(x: [f32; NUM_BANDS], db: f32) -> [f32; NUM_BANDS] {
    let mut out = x;
    for v in out.iter_mut() {
        if *v > FLOOR_DB {
            *v += db;
        }
    }
    out
}

/// Vocal-like band-limited noise 1 to 4 kHz at -26 dBFS RMS, as band powers.
pub fn vocal_bands() -> [f32; NUM_BANDS] {
    band_db(&band_noise(1000.0, 4000.0, 1 << 17, 1, -26.0))
}

/// A pad from 200 Hz to 8 kHz whose spectral density is `above_db` over that of
/// [`vocal_bands`], as band powers.
pub fn pad_bands(above_db: f32) -> [f32; NUM_BANDS] {
    let widen_db = 10.0 * (7800.0f32 / 3000.0).log10();
    band_db(&band_noise(
        200.0,
        8000.0,
        1 << 17,
        2,
        -26.0 + above_db + widen_db,
    ))
}

/// The largest masked share (of its sounding time) of the stem `id` over its bands whose
/// centres lie in `hz`.
pub fn max_masked_share(engine: &MaskingEngine, id: u64, hz: std::ops::Range<f32>) -> f32 {
    let report = engine.report();
    let stem = report.stems.iter().find(|s| s.id == id).expect("the stem");
    stem.bands
        .iter()
        .filter(|b| hz.contains(&b.center_hz))
        .map(|b| b.masked_share)
        .fold(0.0, f32::max)
}
