//! Test signals made in code, and the measurements the tests make on them.

use std::f64::consts::TAU;

/// A small deterministic white-noise generator (xorshift64*), so runs are reproducible.
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

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// Uniform in [-amplitude, amplitude).
    pub fn sample(&mut self, amplitude: f32) -> f32 {
        ((self.next_f64() * 2.0 - 1.0) * amplitude as f64) as f32
    }
}

/// `channels` channels of independent white noise, uniform in [-amplitude, amplitude).
pub fn noise(channels: usize, frames: usize, amplitude: f32, seed: u64) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            let mut rng = Noise::new(seed.wrapping_add(c as u64 * 7919));
            (0..frames).map(|_| rng.sample(amplitude)).collect()
        })
        .collect()
}

/// A sine of `freq_hz` at `rate_hz`, peak `amplitude`, starting at `phase` radians.
pub fn sine(freq_hz: f64, rate_hz: f64, frames: usize, amplitude: f32, phase: f64) -> Vec<f32> {
    (0..frames)
        .map(|n| (amplitude as f64 * (TAU * freq_hz * n as f64 / rate_hz + phase).sin()) as f32)
        .collect()
}

/// Root mean square.
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

/// Amplitude ratio in dB (`-inf` for 0).
pub fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// The largest absolute sample.
pub fn peak(x: &[f32]) -> f64 {
    x.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()))
}

/// The largest absolute difference between two equally long signals (`inf` if either has
/// a non-finite sample where the other differs).
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "signals of different length");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            if x == y || (x.is_nan() && y.is_nan()) {
                0.0
            } else {
                (x as f64 - y as f64).abs()
            }
        })
        .fold(
            0.0f64,
            |m, d| if d.is_nan() { f64::INFINITY } else { m.max(d) },
        )
}

/// Whether every sample is finite.
pub fn all_finite(x: &[f32]) -> bool {
    x.iter().all(|v| v.is_finite())
}

/// Block sizes cycling through `pattern` that add up to exactly `total` frames.
pub fn blocks_cycling(total: usize, pattern: &[usize]) -> Vec<usize> {
    assert!(pattern.iter().all(|&n| n > 0));
    let mut out = Vec::new();
    let mut left = total;
    for &n in pattern.iter().cycle() {
        if left == 0 {
            break;
        }
        let n = n.min(left);
        out.push(n);
        left -= n;
    }
    out
}
