//! The null test: does the stems' sum reproduce the supplied mix?
//!
//! 1. **Offset**, by normalised cross-correlation computed with FFTs (`realfft`): up to 16
//!    windows of about 1.4 s spread over the song, each searched over ±`max_offset_s`. A
//!    window's correlation at each lag is divided by the energies of the two stretches it
//!    compares, so a loud passage of the mix at the wrong lag cannot outscore the right one;
//!    the offset is the one most windows agree on. Windows that disagree by two samples or
//!    more are a **drift** (the offset grows steadily: a different sample rate) or an edit.
//! 2. **Polarity and gain**: the least-squares gain of the aligned sum against the mix, per
//!    100 ms, and their median weighted by the sum's energy: a section where a part is
//!    missing does not pull the gain of the rest. Its sign is the polarity.
//! 3. **Residual**: mix minus gain times sum, per 10 ms and per second, in dB against the
//!    mix (against a floor 40 dB under the mix's mean power where the mix is near silent,
//!    so a part the mix lacks still counts). Stretches over the limit, merged across gaps of
//!    up to 0.5 s, are the sections; the worst holds the most residual energy.
//! 4. **Hints**: a plain-language guess at the cause, from the figures above.

mod hints;
mod offset;

use rayon::prelude::*;

use offset::{consensus_offset, drift, window_offsets};
pub use offset::{Drift, WindowOffset};

/// The null test's settings.
#[derive(Debug, Clone, Copy)]
pub struct NullSettings {
    /// Largest offset searched, either way, seconds.
    pub max_offset_s: f64,
    /// Residual over this, dB against the mix, fails.
    pub residual_max_db: f64,
    /// A gain further than this from 0 dB is a gain offset, dB.
    pub gain_tolerance_db: f64,
}

/// A stretch of the song.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    /// Start, seconds into the stems.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Residual over it, dB against the mix.
    pub residual_db: f64,
}

/// The kinds of hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintKind {
    /// The stems null against the mix.
    Nulls,
    /// Nothing correlates: another song, version or edit.
    NoMatch,
    /// A different sample rate or a drift.
    Drift,
    /// The mix is inverted.
    Polarity,
    /// A constant gain offset.
    GainOffset,
    /// Channels swapped.
    Swapped,
    /// A part missing in a section.
    PartMissing,
    /// Bus processing the stems lack.
    BusProcessing,
    /// A difference throughout that follows nothing in particular.
    Different,
}

impl HintKind {
    /// As written in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            HintKind::Nulls => "nulls",
            HintKind::NoMatch => "no_match",
            HintKind::Drift => "drift",
            HintKind::Polarity => "polarity",
            HintKind::GainOffset => "gain_offset",
            HintKind::Swapped => "swapped",
            HintKind::PartMissing => "part_missing",
            HintKind::BusProcessing => "bus_processing",
            HintKind::Different => "different",
        }
    }
}

/// A plain-language hint at a cause.
#[derive(Debug, Clone)]
pub struct Hint {
    /// Which cause.
    pub kind: HintKind,
    /// The hint as a sentence.
    pub text: String,
}

/// What the null test found.
#[derive(Debug, Clone)]
pub struct NullTest {
    /// The offset used, frames (positive: the mix is late against the stems).
    pub offset: i64,
    /// Each window's finding.
    pub windows: Vec<WindowOffset>,
    /// Whether any window correlated clearly.
    pub matched: bool,
    /// The offset changing over the song, if it does.
    pub drift: Option<Drift>,
    /// Best-fit gain of the mix against the sum, dB.
    pub gain_db: f64,
    /// Whether the mix is polarity-inverted against the sum.
    pub inverted: bool,
    /// Residual over the whole overlap, dB against the mix (-200 for none at all).
    pub residual_db: f64,
    /// Residual per second of the stems, dB against the mix; `None` where both are silent
    /// or the mix does not overlap.
    pub timeline_db: Vec<Option<f64>>,
    /// Stretches where the residual is over the limit.
    pub sections: Vec<Section>,
    /// The worst of them, or else the worst second.
    pub worst: Option<Section>,
    /// Whether the sum matches clearly better with left and right swapped.
    pub swapped_mix: bool,
    /// Stems (by index) that match clearly better with their channels swapped.
    pub swapped_stems: Vec<usize>,
    /// Hints at the cause, most telling first.
    pub hints: Vec<Hint>,
}

/// Lowest residual reported, dB (no residual at all).
pub const RESIDUAL_FLOOR_DB: f64 = -200.0;
/// Residual block, seconds.
pub(crate) const BLOCK_S: f64 = 0.01;
/// Gain block, seconds.
const GAIN_BLOCK_S: f64 = 0.1;
/// Largest gap bridged between two residual stretches of one section, seconds.
const MERGE_GAP_S: f64 = 0.5;
/// Local mix energy is floored this far under the mix's mean power (as a power ratio).
pub(crate) const MIX_FLOOR: f64 = 1e-4;

/// Runs the null test of `sum` (one or two channels) against `mix` (one or two), both at
/// `rate_hz`. `stems` are the summed stems, padded to the sum's length, with `names`, for
/// naming a missing part and a stem with swapped channels.
pub fn null_test(
    sum: &[Vec<f32>],
    mix: &[Vec<f32>],
    stems: &[&[Vec<f32>]],
    names: &[&str],
    rate_hz: u32,
    settings: &NullSettings,
) -> NullTest {
    let rate = f64::from(rate_hz);
    // The sum as the mix's channels: a mono mix against the sum's mid, a mono sum on both.
    let reference: std::borrow::Cow<[Vec<f32>]> = match (mix.len(), sum.len()) {
        (1, 2) => vec![sum[0]
            .iter()
            .zip(&sum[1])
            .map(|(l, r)| 0.5 * (l + r))
            .collect()]
        .into(),
        (2, 1) => vec![sum[0].clone(), sum[0].clone()].into(),
        _ => sum.into(),
    };
    let frames = reference[0].len();
    let max_lag = (settings.max_offset_s * rate).round().max(1.0) as usize;
    let windows = window_offsets(&reference, mix, max_lag, rate);
    let reliable: Vec<&WindowOffset> = windows.iter().filter(|w| w.reliable).collect();
    let matched = !reliable.is_empty();
    let offset = consensus_offset(&reliable).unwrap_or_else(|| {
        windows
            .iter()
            .max_by(|a, b| a.correlation.abs().total_cmp(&b.correlation.abs()))
            .map_or(0, |w| w.offset)
    });
    let drift = drift(&reliable, rate);
    let al = Aligned {
        sum: &reference,
        mix,
        offset,
        start: usize::try_from(-offset).unwrap_or(0).min(frames),
        end: frames.min(usize::try_from(mix[0].len() as i64 - offset).unwrap_or(0)),
    };
    let gain = al.gain((GAIN_BLOCK_S * rate).round() as usize);
    let block = ((BLOCK_S * rate).round() as usize).max(1);
    let energies = al.residual_blocks(gain, block);
    let total_r: f64 = energies.iter().map(|e| e.0).sum();
    let total_m: f64 = energies.iter().map(|e| e.1).sum();
    let residual_db = ratio_db(total_r, total_m);
    let floor = MIX_FLOOR * total_m / energies.len().max(1) as f64;
    let blocks_per_second = (rate / block as f64).round().max(1.0) as usize;
    let timeline_db: Vec<Option<f64>> = energies
        .chunks(blocks_per_second)
        .map(|c| {
            let (r, m) = c.iter().fold((0.0, 0.0), |(r, m), e| (r + e.0, m + e.1));
            (r > 0.0 || m > 0.0).then(|| ratio_db(r, m.max(floor * c.len() as f64)))
        })
        .collect();
    let block_s = block as f64 / rate;
    let sections = sections(&energies, floor, settings.residual_max_db, block_s);
    let worst = sections
        .iter()
        .zip(section_energy(&sections, &energies, block_s))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(s, _)| *s)
        .or_else(|| {
            timeline_db
                .iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(k, v)| Section {
                    start_s: k as f64,
                    end_s: ((k + 1) as f64).min(frames as f64 / rate),
                    residual_db: v,
                })
        });
    let fails = residual_db > settings.residual_max_db;
    let (swapped_mix, swapped_stems) = if fails && mix.len() == 2 && sum.len() == 2 {
        al.swaps(gain, total_r, stems)
    } else {
        (false, Vec::new())
    };
    let mut test = NullTest {
        offset,
        windows,
        matched,
        drift,
        gain_db: 20.0 * gain.abs().max(1e-10).log10(),
        inverted: gain < 0.0,
        residual_db,
        timeline_db,
        sections,
        worst,
        swapped_mix,
        swapped_stems,
        hints: Vec::new(),
    };
    let residual = Residual {
        aligned: al,
        gain,
        energies,
        floor,
        rate,
    };
    test.hints = hints::hints(&test, &residual, stems, names, settings);
    test
}

/// `r / m` in dB, floored at [`RESIDUAL_FLOOR_DB`].
fn ratio_db(r: f64, m: f64) -> f64 {
    if r <= 0.0 {
        RESIDUAL_FLOOR_DB
    } else if m <= 0.0 {
        -RESIDUAL_FLOOR_DB
    } else {
        (10.0 * (r / m).log10()).max(RESIDUAL_FLOOR_DB)
    }
}

/// The residual as measured, for the hints.
pub(crate) struct Residual<'a> {
    /// The sum and the mix lined up.
    aligned: Aligned<'a>,
    /// The gain applied to the sum (negative: inverted).
    gain: f64,
    /// Per 10 ms block: (residual energy, mix energy).
    energies: Vec<(f64, f64)>,
    /// The floor of a block's mix energy.
    floor: f64,
    /// Sample rate, Hz.
    rate: f64,
}

/// The sum and the mix lined up: stem frame `n` against mix frame `n + offset`, for `n` in
/// `start..end`.
pub(crate) struct Aligned<'a> {
    sum: &'a [Vec<f32>],
    mix: &'a [Vec<f32>],
    offset: i64,
    start: usize,
    end: usize,
}

impl Aligned<'_> {
    /// The mix's channel `c` over stem frames `a..b` (within `start..end`).
    fn mix_at(&self, c: usize, a: usize, b: usize) -> &[f32] {
        if a >= b {
            return &[];
        }
        let shift = |n: usize| (n as i64 + self.offset) as usize;
        &self.mix[c][shift(a)..shift(b)]
    }

    /// The stem-frame ranges of `block` frames, over `start..end`, on the grid from frame 0.
    fn blocks(&self, block: usize) -> impl IndexedParallelIterator<Item = (usize, usize)> + '_ {
        let count = self.sum[0].len().div_ceil(block);
        (0..count).into_par_iter().map(move |b| {
            let a = (b * block).clamp(self.start, self.end.max(self.start));
            let e = ((b + 1) * block).clamp(self.start, self.end.max(self.start));
            (a, e)
        })
    }

    /// Best-fit gain of the mix against the sum: each `block`'s least-squares gain, their
    /// median weighted by the sum's energy.
    fn gain(&self, block: usize) -> f64 {
        let mut fits: Vec<(f64, f64)> = self
            .blocks(block.max(1))
            .map(|(a, b)| {
                let (mut ms, mut ss) = (0.0f64, 0.0f64);
                for c in 0..self.sum.len() {
                    for (&m, &s) in self.mix_at(c, a, b).iter().zip(&self.sum[c][a..b]) {
                        ms += f64::from(m) * f64::from(s);
                        ss += f64::from(s) * f64::from(s);
                    }
                }
                (if ss > 0.0 { ms / ss } else { 0.0 }, ss)
            })
            .filter(|f| f.1 > 0.0)
            .collect();
        weighted_median(&mut fits).unwrap_or(0.0)
    }

    /// Per `block`: (residual energy, mix energy) with the sum times `gain`.
    fn residual_blocks(&self, gain: f64, block: usize) -> Vec<(f64, f64)> {
        self.blocks(block)
            .map(|(a, b)| {
                let (mut r, mut mm) = (0.0f64, 0.0f64);
                for c in 0..self.sum.len() {
                    for (&m, &s) in self.mix_at(c, a, b).iter().zip(&self.sum[c][a..b]) {
                        let d = f64::from(m) - gain * f64::from(s);
                        r += d * d;
                        mm += f64::from(m) * f64::from(m);
                    }
                }
                (r, mm)
            })
            .collect()
    }

    /// Residual energy over `a..b` with `signal` (stereo, stem frames) swapped left for
    /// right in the sum, from the residual energy `r` as it is: swapping changes the sum by
    /// `d = (sR - sL, sL - sR)`, so the residual becomes `Σ (res - g d)²`.
    fn swapped_residual(&self, gain: f64, r: f64, signal: &[Vec<f32>]) -> f64 {
        let (x, y) = (self.start..self.end)
            .into_par_iter()
            .with_min_len(1 << 16)
            .fold(
                || (0.0f64, 0.0f64),
                |(x, y), n| {
                    let m = |c: usize| f64::from(self.mix[c][(n as i64 + self.offset) as usize]);
                    let res = |c: usize| m(c) - gain * f64::from(self.sum[c][n]);
                    let diff = f64::from(signal[1][n]) - f64::from(signal[0][n]);
                    (x + (res(0) - res(1)) * diff, y + diff * diff)
                },
            )
            .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        (r - 2.0 * gain * x + 2.0 * gain * gain * y).max(0.0)
    }

    /// Whether the whole sum, or which stems, match clearly better swapped (the residual
    /// at least 6 dB lower; a stem at least 3 dB, when that beats swapping the whole sum).
    fn swaps(&self, gain: f64, r: f64, stems: &[&[Vec<f32>]]) -> (bool, Vec<usize>) {
        let whole = r / self.swapped_residual(gain, r, self.sum).max(1e-300);
        let each: Vec<f64> = stems
            .iter()
            .map(|s| {
                if s.len() == 2 {
                    r / self.swapped_residual(gain, r, s).max(1e-300)
                } else {
                    1.0
                }
            })
            .collect();
        let best_stem = each.iter().copied().fold(1.0, f64::max);
        if whole >= 4.0 && whole >= best_stem {
            (true, Vec::new())
        } else {
            let stems = (0..each.len()).filter(|&k| each[k] >= 2.0).collect();
            (false, stems)
        }
    }

    /// Correlation of the residual with `signal` (stem frames, the sum's channel layout or
    /// mono) over `a..b`.
    fn residual_correlation(&self, gain: f64, signal: &[Vec<f32>], a: usize, b: usize) -> f64 {
        let (a, b) = (a.clamp(self.start, self.end), b.clamp(self.start, self.end));
        let (mut rs, mut rr, mut ss) = (0.0f64, 0.0f64, 0.0f64);
        for c in 0..self.sum.len() {
            let x = &signal[c.min(signal.len() - 1)][a..b];
            for ((&m, &s), &v) in self.mix_at(c, a, b).iter().zip(&self.sum[c][a..b]).zip(x) {
                let res = f64::from(m) - gain * f64::from(s);
                rs += res * f64::from(v);
                rr += res * res;
                ss += f64::from(v) * f64::from(v);
            }
        }
        if rr > 0.0 && ss > 0.0 {
            rs / (rr * ss).sqrt()
        } else {
            0.0
        }
    }
}

/// The weighted median of `(value, weight)`.
fn weighted_median(v: &mut [(f64, f64)]) -> Option<f64> {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for &(value, weight) in v.iter() {
        acc += weight;
        if acc >= total / 2.0 {
            return Some(value);
        }
    }
    None
}

/// Stretches of blocks whose residual is over `limit_db`, merged across short gaps.
fn sections(energies: &[(f64, f64)], floor: f64, limit_db: f64, block_s: f64) -> Vec<Section> {
    let gap = (MERGE_GAP_S / block_s).round() as usize;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (b, &(r, m)) in energies.iter().enumerate() {
        if r > 0.0 && ratio_db(r, m.max(floor)) > limit_db {
            match runs.last_mut() {
                Some(run) if b - run.1 <= gap => run.1 = b + 1,
                _ => runs.push((b, b + 1)),
            }
        }
    }
    runs.into_iter()
        .map(|(a, b)| {
            let (r, m) = energies[a..b]
                .iter()
                .fold((0.0, 0.0), |(r, m), e| (r + e.0, m + e.1.max(floor)));
            Section {
                start_s: a as f64 * block_s,
                end_s: b as f64 * block_s,
                residual_db: ratio_db(r, m),
            }
        })
        .collect()
}

/// Residual energy in each section.
fn section_energy(sections: &[Section], energies: &[(f64, f64)], block_s: f64) -> Vec<f64> {
    sections
        .iter()
        .map(|s| {
            let (a, b) = (
                (s.start_s / block_s).round() as usize,
                (s.end_s / block_s).round() as usize,
            );
            energies[a..b.min(energies.len())].iter().map(|e| e.0).sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::demo::Noise;

    const SETTINGS: NullSettings = NullSettings {
        max_offset_s: 2.5,
        residual_max_db: -60.0,
        gain_tolerance_db: 0.1,
    };

    fn noise(frames: usize, seed: u64) -> Vec<f32> {
        let mut n = Noise::new(seed);
        (0..frames).map(|_| 0.25 * n.next_sample()).collect()
    }

    /// `x` delayed by `d` frames (same length).
    fn delayed(x: &[f32], d: usize, gain: f32) -> Vec<f32> {
        let mut y = vec![0.0; x.len()];
        y[d..].iter_mut().zip(x).for_each(|(y, x)| *y = gain * x);
        y
    }

    #[test]
    fn finds_offsets_either_way_up_to_two_seconds_and_more() {
        let rate = 8000;
        let frames = 8 * rate as usize;
        let sum = vec![noise(frames, 1), noise(frames, 2)];
        let stems: Vec<&[Vec<f32>]> = vec![&sum];
        for d in [0i64, 1, 37, -37, 16_000, -16_000, 19_000] {
            let mix: Vec<Vec<f32>> = sum
                .iter()
                .map(|c| {
                    if d >= 0 {
                        delayed(c, d as usize, 0.5)
                    } else {
                        let mut y = c[(-d) as usize..]
                            .iter()
                            .map(|v| 0.5 * v)
                            .collect::<Vec<f32>>();
                        y.resize(frames, 0.0);
                        y
                    }
                })
                .collect();
            let t = null_test(&sum, &mix, &stems, &["a"], rate, &SETTINGS);
            assert_eq!(t.offset, d);
            assert!((t.gain_db + 6.0206).abs() < 1e-3, "{}", t.gain_db);
            assert!(t.residual_db < -100.0, "{d}: {}", t.residual_db);
            assert!(t.drift.is_none() && !t.inverted);
            assert_eq!(t.hints[0].kind, HintKind::GainOffset);
        }
    }

    #[test]
    fn unrelated_audio_is_no_match() {
        let rate = 8000;
        let sum = vec![noise(40_000, 1)];
        let mix = vec![noise(40_000, 9)];
        let t = null_test(&sum, &mix, &[&sum], &["a"], rate, &SETTINGS);
        assert!(!t.matched);
        assert_eq!(t.hints[0].kind, HintKind::NoMatch);
        assert!(t.residual_db > -10.0);
    }

    #[test]
    fn weighted_median_and_pearson() {
        let mut v = vec![(3.0, 1.0), (1.0, 1.0), (2.0, 5.0)];
        assert_eq!(weighted_median(&mut v), Some(2.0));
        assert!((hints::pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
    }
}
