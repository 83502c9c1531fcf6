//! The offset of the mix against the stems' sum, by normalised cross-correlation computed
//! with FFTs (`realfft`), window by window, and whether it drifts.

use std::sync::Arc;

use rayon::prelude::*;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::MIX_FLOOR;

/// Most correlation windows.
const MAX_WINDOWS: usize = 16;
/// A window correlating at least this well counts.
pub const RELIABLE_CORRELATION: f64 = 0.5;

/// One correlation window's finding.
#[derive(Debug, Clone, Copy)]
pub struct WindowOffset {
    /// Centre of the window in the stems, seconds.
    pub at_s: f64,
    /// Lag of the best match, frames (positive: the mix is late).
    pub offset: i64,
    /// Normalised correlation there (-1..1; negative: inverted).
    pub correlation: f64,
    /// Whether it counts: the window is not near silence and correlates clearly.
    pub reliable: bool,
}

/// The offset changing over the song.
#[derive(Debug, Clone, Copy)]
pub struct Drift {
    /// (seconds, frames) at the first reliable window.
    pub first: (f64, i64),
    /// (seconds, frames) at the last.
    pub last: (f64, i64),
    /// Fitted rate of change, parts per million (frames per million frames).
    pub ppm: f64,
    /// Whether it changes steadily (a rate difference) rather than in steps (edits).
    pub steady: bool,
}

/// The correlation windows: up to [`MAX_WINDOWS`] of a power-of-two length of about a
/// second (65536 frames at 48 kHz), spread evenly over the stems, each searched over
/// ±`max_lag` frames of the mix, in parallel.
pub fn window_offsets(
    sum: &[Vec<f32>],
    mix: &[Vec<f32>],
    max_lag: usize,
    rate: f64,
) -> Vec<WindowOffset> {
    let frames = sum[0].len();
    let len = (rate.round() as usize)
        .next_power_of_two()
        .min(frames.max(1));
    let count = (frames / len).clamp(1, MAX_WINDOWS);
    let n = (len + 2 * max_lag).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let plans = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let starts: Vec<usize> = (0..count)
        .map(|k| {
            if count == 1 {
                0
            } else {
                k * (frames - len) / (count - 1)
            }
        })
        .collect();
    let found: Vec<(WindowOffset, f64)> = starts
        .par_iter()
        .filter_map(|&t| correlate_window(sum, mix, t, len, max_lag, &plans, rate))
        .collect();
    // A window near silence says nothing, however well it correlates.
    let loudest = found.iter().map(|f| f.1).fold(0.0, f64::max);
    found
        .into_iter()
        .map(|(mut w, energy)| {
            w.reliable &= energy >= loudest * MIX_FLOOR;
            w
        })
        .collect()
}

type Plans = (Arc<dyn RealToComplex<f32>>, Arc<dyn ComplexToReal<f32>>);

/// The best lag of the sum's window `t..t + len` against the mix, and the window's energy.
fn correlate_window(
    sum: &[Vec<f32>],
    mix: &[Vec<f32>],
    t: usize,
    len: usize,
    max_lag: usize,
    (forward, inverse): &Plans,
    rate: f64,
) -> Option<(WindowOffset, f64)> {
    let n = forward.len();
    // Mono downmixes: the window of the sum, and the mix from t - max_lag, zero outside.
    let mut a = forward.make_input_vec();
    for ch in sum {
        for (x, &v) in a.iter_mut().zip(&ch[t..t + len]) {
            *x += v;
        }
    }
    let mut b = forward.make_input_vec();
    let mix_frames = mix[0].len() as i64;
    let from = t as i64 - max_lag as i64;
    let seg = len + 2 * max_lag;
    let lo = (-from).clamp(0, seg as i64) as usize;
    let hi = (mix_frames - from).clamp(0, seg as i64) as usize;
    if lo < hi {
        for ch in mix {
            let src = &ch[(from + lo as i64) as usize..(from + hi as i64) as usize];
            for (x, &v) in b[lo..hi].iter_mut().zip(src) {
                *x += v;
            }
        }
    }
    let energy_a: f64 = a.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    // Energy of the mix under the window at each lag j (mix frames j..j + len).
    let mut prefix = Vec::with_capacity(seg + 1);
    prefix.push(0.0f64);
    let mut acc = 0.0f64;
    for &x in &b[..seg] {
        acc += f64::from(x) * f64::from(x);
        prefix.push(acc);
    }
    let mut fa: Vec<Complex<f32>> = forward.make_output_vec();
    let mut fb: Vec<Complex<f32>> = forward.make_output_vec();
    forward.process(&mut a, &mut fa).ok()?;
    forward.process(&mut b, &mut fb).ok()?;
    for (x, y) in fb.iter_mut().zip(&fa) {
        *x *= y.conj();
    }
    fb[0].im = 0.0;
    if let Some(last) = fb.last_mut() {
        last.im = 0.0;
    }
    let mut c = inverse.make_output_vec();
    inverse.process(&mut fb, &mut c).ok()?;
    let mut best = (0usize, 0.0f64);
    for (j, &cj) in c.iter().enumerate().take(2 * max_lag + 1) {
        let energy_b = prefix[j + len] - prefix[j];
        if energy_b <= energy_a * 1e-6 || energy_a <= 0.0 {
            continue;
        }
        let ncc = f64::from(cj) / n as f64 / (energy_a * energy_b).sqrt();
        if ncc.abs() > best.1.abs() {
            best = (j, ncc);
        }
    }
    Some((
        WindowOffset {
            at_s: (t as f64 + len as f64 / 2.0) / rate,
            offset: best.0 as i64 - max_lag as i64,
            correlation: best.1,
            reliable: best.1.abs() >= RELIABLE_CORRELATION,
        },
        energy_a / len as f64,
    ))
}

/// The offset the reliable windows agree on: the most common (ties: the better
/// correlated), or, when they spread over more than a frame either side of it, the median.
pub fn consensus_offset(reliable: &[&WindowOffset]) -> Option<i64> {
    let mut votes: Vec<(i64, usize, f64)> = Vec::new();
    for w in reliable {
        match votes.iter_mut().find(|v| v.0 == w.offset) {
            Some(v) => {
                v.1 += 1;
                v.2 += w.correlation.abs();
            }
            None => votes.push((w.offset, 1, w.correlation.abs())),
        }
    }
    let mode = votes
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)))?
        .0;
    if reliable.iter().all(|w| (w.offset - mode).abs() <= 1) {
        return Some(mode);
    }
    let mut offsets: Vec<i64> = reliable.iter().map(|w| w.offset).collect();
    offsets.sort_unstable();
    Some(offsets[offsets.len() / 2])
}

/// The offset changing by two frames or more over the reliable windows.
pub fn drift(reliable: &[&WindowOffset], rate: f64) -> Option<Drift> {
    let lo = reliable.iter().map(|w| w.offset).min()?;
    let hi = reliable.iter().map(|w| w.offset).max()?;
    if hi - lo < 2 {
        return None;
    }
    let n = reliable.len() as f64;
    let mt = reliable.iter().map(|w| w.at_s).sum::<f64>() / n;
    let mo = reliable.iter().map(|w| w.offset as f64).sum::<f64>() / n;
    let (mut sto, mut stt, mut soo) = (0.0, 0.0, 0.0);
    for w in reliable {
        let (dt, dof) = (w.at_s - mt, w.offset as f64 - mo);
        sto += dt * dof;
        stt += dt * dt;
        soo += dof * dof;
    }
    let slope = if stt > 0.0 { sto / stt } else { 0.0 };
    let fit = if stt > 0.0 && soo > 0.0 {
        sto / (stt * soo).sqrt()
    } else {
        0.0
    };
    let (first, last) = (reliable[0], reliable[reliable.len() - 1]);
    Some(Drift {
        first: (first.at_s, first.offset),
        last: (last.at_s, last.offset),
        ppm: slope / rate * 1e6,
        steady: fit.abs() > 0.95,
    })
}
