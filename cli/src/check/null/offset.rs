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
/// second (65536 frames at 48 kHz), spread evenly over the stems, in parallel. The first,
/// middle and last are searched over ±`max_lag` frames of the mix; when they agree (to a
/// frame), the others only over ±[`NARROW_S`] around that offset (a quarter of the work at
/// the default ±3 s), else over the whole range too.
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
    let starts: Vec<usize> = (0..count)
        .map(|k| {
            if count == 1 {
                0
            } else {
                k * (frames - len) / (count - 1)
            }
        })
        .collect();
    let mut first: Vec<usize> = vec![0, count / 2, count - 1];
    first.dedup();
    let wide = Search::new(len, 0, max_lag);
    let mut found: Vec<(usize, WindowOffset, f64)> = wide.run(sum, mix, &starts, &first, rate);
    let agreed: Vec<i64> = found
        .iter()
        .filter(|f| f.1.reliable)
        .map(|f| f.1.offset)
        .collect();
    let rest: Vec<usize> = (0..count).filter(|k| !first.contains(k)).collect();
    let narrow = ((NARROW_S * rate).round() as usize).min(max_lag);
    let second = match (agreed.iter().min(), agreed.iter().max()) {
        (Some(&lo), Some(&hi)) if hi - lo <= 1 && narrow < max_lag => Search::new(len, lo, narrow),
        _ => wide,
    };
    found.extend(second.run(sum, mix, &starts, &rest, rate));
    found.sort_by_key(|f| f.0);
    // A window near silence says nothing, however well it correlates.
    let loudest = found.iter().map(|f| f.2).fold(0.0, f64::max);
    found
        .into_iter()
        .map(|(_, mut w, energy)| {
            w.reliable &= energy >= loudest * MIX_FLOOR;
            w
        })
        .collect()
}

/// Half the range of the narrow search, seconds.
const NARROW_S: f64 = 0.05;

/// A search of windows of `len` frames over lags `centre - lag ..= centre + lag`: the FFT
/// plans for it.
struct Search {
    len: usize,
    centre: i64,
    lag: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
}

/// The buffers of one search, reused from window to window on a thread.
struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
    fa: Vec<Complex<f32>>,
    fb: Vec<Complex<f32>>,
    c: Vec<f32>,
    prefix: Vec<f64>,
    fft: Vec<Complex<f32>>,
}

impl Search {
    fn new(len: usize, centre: i64, lag: usize) -> Self {
        let n = (len + 2 * lag).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        Self {
            len,
            centre,
            lag,
            forward: planner.plan_fft_forward(n),
            inverse: planner.plan_fft_inverse(n),
        }
    }

    fn scratch(&self) -> Scratch {
        let f = &self.forward;
        let i = &self.inverse;
        Scratch {
            a: f.make_input_vec(),
            b: f.make_input_vec(),
            fa: f.make_output_vec(),
            fb: f.make_output_vec(),
            c: i.make_output_vec(),
            prefix: Vec::with_capacity(self.len + 2 * self.lag + 1),
            fft: vec![Complex::default(); f.get_scratch_len().max(i.get_scratch_len())],
        }
    }

    /// Searches the windows `which` (indices into `starts`), in parallel: (index, finding,
    /// the window's mean power).
    fn run(
        &self,
        sum: &[Vec<f32>],
        mix: &[Vec<f32>],
        starts: &[usize],
        which: &[usize],
        rate: f64,
    ) -> Vec<(usize, WindowOffset, f64)> {
        which
            .par_iter()
            .map_init(
                || self.scratch(),
                |scratch, &k| {
                    self.correlate(sum, mix, starts[k], scratch, rate)
                        .map(|(w, e)| (k, w, e))
                },
            )
            .flatten()
            .collect()
    }

    /// The best lag of the sum's window `t..t + len` against the mix, and the window's mean
    /// power.
    fn correlate(
        &self,
        sum: &[Vec<f32>],
        mix: &[Vec<f32>],
        t: usize,
        s: &mut Scratch,
        rate: f64,
    ) -> Option<(WindowOffset, f64)> {
        let (len, lag) = (self.len, self.lag);
        let n = self.forward.len();
        // Mono downmixes: the window of the sum, and the mix from t + centre - lag, zero
        // outside.
        s.a.fill(0.0);
        for ch in sum {
            for (x, &v) in s.a.iter_mut().zip(&ch[t..t + len]) {
                *x += v;
            }
        }
        s.b.fill(0.0);
        let mix_frames = mix[0].len() as i64;
        let from = t as i64 + self.centre - lag as i64;
        let seg = len + 2 * lag;
        let lo = (-from).clamp(0, seg as i64) as usize;
        let hi = (mix_frames - from).clamp(0, seg as i64) as usize;
        if lo < hi {
            for ch in mix {
                let src = &ch[(from + lo as i64) as usize..(from + hi as i64) as usize];
                for (x, &v) in s.b[lo..hi].iter_mut().zip(src) {
                    *x += v;
                }
            }
        }
        let energy_a: f64 = s.a.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        // Energy of the mix under the window at each lag j (segment frames j..j + len).
        s.prefix.clear();
        s.prefix.push(0.0f64);
        let mut acc = 0.0f64;
        for &x in &s.b[..seg] {
            acc += f64::from(x) * f64::from(x);
            s.prefix.push(acc);
        }
        self.forward
            .process_with_scratch(&mut s.a, &mut s.fa, &mut s.fft)
            .ok()?;
        self.forward
            .process_with_scratch(&mut s.b, &mut s.fb, &mut s.fft)
            .ok()?;
        for (x, y) in s.fb.iter_mut().zip(&s.fa) {
            *x *= y.conj();
        }
        s.fb[0].im = 0.0;
        if let Some(last) = s.fb.last_mut() {
            last.im = 0.0;
        }
        self.inverse
            .process_with_scratch(&mut s.fb, &mut s.c, &mut s.fft)
            .ok()?;
        let mut best = (0usize, 0.0f64);
        for (j, &cj) in s.c.iter().enumerate().take(2 * lag + 1) {
            let energy_b = s.prefix[j + len] - s.prefix[j];
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
                offset: best.0 as i64 - lag as i64 + self.centre,
                correlation: best.1,
                reliable: best.1.abs() >= RELIABLE_CORRELATION,
            },
            energy_a / len as f64,
        ))
    }
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
