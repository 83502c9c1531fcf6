//! What `stems check` measures on one signal (a stem, the stems' sum or the mix): where its
//! audio starts and ends, whether its tail is cut off, sample and true peak, runs of clipped
//! samples, float overs, DC offset, and how its channels relate (correlation, side against
//! mid, one channel silent). One pass over the samples per channel, one joint pass for a
//! stereo pair, and the suite's true-peak meter ([`shared_dsp::truepeak::TruePeakMeter`],
//! BS.1770-5 Annex 2).

use shared_dsp::truepeak::TruePeakMeter;

/// A sample at or above this magnitude is at full scale: within one 16-bit step of 1.0,
/// which 16, 24 and 32-bit integer files reach at their largest code (`1 - 2^-15` for
/// 16-bit) and float files at 1.0.
pub const FULL_SCALE: f32 = 1.0 - 1.0 / 32_768.0;

/// What the measurement needs to know.
#[derive(Debug, Clone, Copy)]
pub struct MeasureSettings {
    /// Level that counts as audio for the start, the end, a cut-off tail and silence, dBFS.
    pub floor_db: f64,
    /// Length of the end that must be below the floor, ms.
    pub tail_ms: f64,
    /// Consecutive equal full-scale samples that make a clipped run.
    pub clip_run: usize,
}

/// One channel's figures.
#[derive(Debug, Clone, Default)]
pub struct ChannelFigures {
    /// Largest magnitude (linear).
    pub peak: f32,
    /// Mean, the DC offset (linear).
    pub mean: f64,
    /// Mean square (linear).
    pub power: f64,
}

/// The figures of one signal.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Sample rate, Hz.
    pub rate_hz: u32,
    /// Frames per channel.
    pub frames: usize,
    /// Per channel.
    pub channels: Vec<ChannelFigures>,
    /// Largest sample magnitude over every channel (linear).
    pub sample_peak: f32,
    /// Largest true peak over every channel (linear, 4x oversampled below 96 kHz).
    pub true_peak: f32,
    /// Runs of at least `clip_run` equal samples at full scale.
    pub clip_runs: u64,
    /// Samples in those runs.
    pub clipped_samples: u64,
    /// Frame where the first run starts.
    pub first_clip: Option<usize>,
    /// Samples above full scale (only a float file holds them).
    pub overs: u64,
    /// Frame of the first one.
    pub first_over: Option<usize>,
    /// First frame with a sample above the floor.
    pub start: Option<usize>,
    /// One past the last frame with a sample above the floor.
    pub end: Option<usize>,
    /// Largest magnitude in the last `tail_ms` (linear).
    pub tail_peak: f32,
    /// Correlation of left and right (stereo with both channels audible).
    pub correlation: Option<f64>,
    /// Side (L-R) power against mid (L+R) power, dB, -300 for identical channels and +300
    /// for inverted ones (stereo with both channels audible).
    pub side_to_mid_db: Option<f64>,
}

/// Linear magnitude of `db` dBFS.
pub fn db_to_linear(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Linear magnitude as dB (-inf for zero).
pub fn linear_to_db(x: f64) -> f64 {
    20.0 * x.abs().log10()
}

impl Figures {
    /// Seconds of audio.
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.rate_hz.max(1))
    }

    /// Whether nothing in it reaches the floor.
    pub fn is_silent(&self) -> bool {
        self.start.is_none()
    }
}

/// Measures `channels` (one or two of equal length, finite samples) at `rate_hz`.
pub fn measure(channels: &[Vec<f32>], rate_hz: u32, settings: &MeasureSettings) -> Figures {
    let frames = channels.first().map_or(0, Vec::len);
    let floor = db_to_linear(settings.floor_db) as f32;
    let tail =
        ((settings.tail_ms / 1000.0 * f64::from(rate_hz)).round() as usize).clamp(1, frames.max(1));
    let mut f = Figures {
        rate_hz,
        frames,
        ..Figures::default()
    };
    // One pass, block by block while each block is in cache: per channel its peak, sum and
    // sum of squares, for a pair the cross terms, and each block's peak (for the true peak).
    let n = frames.max(1) as f64;
    let mut sums = vec![[0.0f64; 2]; channels.len()];
    let mut peaks = vec![0.0f32; channels.len()];
    let mut joint = [0.0f64; 3];
    let mut block_peaks = Vec::with_capacity(frames.div_ceil(TP_BLOCK));
    for start in (0..frames).step_by(TP_BLOCK) {
        let range = start..(start + TP_BLOCK).min(frames);
        let mut block_peak = 0.0f32;
        for (c, ch) in channels.iter().enumerate() {
            let x = &ch[range.clone()];
            let p = peak(x);
            block_peak = block_peak.max(p);
            peaks[c] = peaks[c].max(p);
            let [s, q] = lane_sums(x, x, |a, _| [a, a * a]);
            sums[c][0] += s;
            sums[c][1] += q;
        }
        if let [l, r] = channels {
            let terms = lane_sums(&l[range.clone()], &r[range], |a, b| {
                [a * b, (a - b) * (a - b), (a + b) * (a + b)]
            });
            for (j, t) in joint.iter_mut().zip(terms) {
                *j += t;
            }
        }
        block_peaks.push(block_peak);
    }
    for (c, ch) in channels.iter().enumerate() {
        let scan = scan_channel(ch, peaks[c], floor, settings.clip_run.max(1));
        f.sample_peak = f.sample_peak.max(peaks[c]);
        f.clip_runs += scan.clip_runs;
        f.clipped_samples += scan.clipped_samples;
        f.first_clip = earliest(f.first_clip, scan.first_clip);
        f.overs += scan.overs;
        f.first_over = earliest(f.first_over, scan.first_over);
        f.start = earliest(f.start, scan.start);
        f.end = f.end.max(scan.end);
        f.tail_peak = f.tail_peak.max(peak(&ch[frames - tail.min(frames)..]));
        f.channels.push(ChannelFigures {
            peak: peaks[c],
            mean: sums[c][0] / n,
            power: sums[c][1] / n,
        });
    }
    f.true_peak = true_peak(channels, rate_hz, f.sample_peak, &block_peaks);
    if let [_, _] = channels {
        let audible = f.channels.iter().all(|c| c.peak >= floor);
        if audible {
            let [lr, side, mid] = joint;
            let (pl, pr) = (f.channels[0].power * n, f.channels[1].power * n);
            f.correlation = Some(if pl > 0.0 && pr > 0.0 {
                lr / (pl * pr).sqrt()
            } else {
                0.0
            });
            // +-300 dB stands for a silent side or mid.
            f.side_to_mid_db = Some(if mid > 0.0 {
                (10.0 * (side / mid).log10()).clamp(-300.0, 300.0)
            } else {
                300.0
            });
        }
    }
    f
}

/// Blocks the figures and the true peak are measured in, frames.
const TP_BLOCK: usize = 4096;

/// The true peak of `channels` (linear; at least `sample_peak`), from the peaks of its
/// [`TP_BLOCK`]-frame blocks: the meter runs over the blocks loudest first, each primed with
/// the samples before it, and stops at the first block whose samples (and those before it)
/// times the meter's overshoot bound cannot exceed the peak found so far. It reads what one
/// pass over everything reads (`shared_dsp`'s test
/// `blocks_measured_out_of_order_read_what_one_pass_reads`), usually on a fraction of it.
fn true_peak(channels: &[Vec<f32>], rate_hz: u32, sample_peak: f32, block_peaks: &[f32]) -> f32 {
    let mut meter = TruePeakMeter::new(rate_hz as f32);
    // A little over the bound: the meter's own rounding.
    let bound = meter.overshoot_bound() * (1.0 + 1e-5);
    let frames = channels.first().map_or(0, Vec::len);
    let history = TruePeakMeter::HISTORY;
    // A block's points also read the end of the block before it.
    let mut blocks: Vec<(usize, f32)> = (0..block_peaks.len())
        .map(|b| (b, block_peaks[b].max(block_peaks[b.saturating_sub(1)])))
        .collect();
    blocks.sort_by(|x, y| y.1.total_cmp(&x.1));
    let mut tp = sample_peak;
    for (b, p) in blocks {
        if p * bound <= tp {
            break;
        }
        let (start, end) = (b * TP_BLOCK, ((b + 1) * TP_BLOCK).min(frames));
        let h = start.saturating_sub(history);
        let right = channels.get(1);
        meter.reset();
        meter.prime(&channels[0][h..start], right.map(|r| &r[h..start]));
        meter.process(&channels[0][start..end], right.map(|r| &r[start..end]));
        tp = tp.max(meter.take_peak());
    }
    tp
}

fn earliest(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn peak(x: &[f32]) -> f32 {
    shared_dsp::frames::peak_magnitude(x)
}

/// Lanes of the partial sums in [`lane_sums`].
const LANES: usize = 8;

/// `Σ f(a[i], b[i])` for each of the `K` terms `f` gives: summed in `f32` over [`LANES`]
/// independent lanes (which vectorises) per 4096 frames, then in `f64` (so nothing is lost
/// over hours of audio).
#[inline(always)]
fn lane_sums<const K: usize>(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> [f32; K]) -> [f64; K] {
    let mut total = [0.0f64; K];
    for (a, b) in a.chunks(4096).zip(b.chunks(4096)) {
        let mut acc = [[0.0f32; LANES]; K];
        let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for lane in 0..LANES {
                let terms = f(x[lane], y[lane]);
                for (acc, t) in acc.iter_mut().zip(terms) {
                    acc[lane] += t;
                }
            }
        }
        for (&x, &y) in ra.iter().zip(rb) {
            for (acc, t) in acc.iter_mut().zip(f(x, y)) {
                acc[0] += t;
            }
        }
        for (total, acc) in total.iter_mut().zip(&acc) {
            *total += acc.iter().map(|&v| f64::from(v)).sum::<f64>();
        }
    }
    total
}

struct ChannelScan {
    clip_runs: u64,
    clipped_samples: u64,
    first_clip: Option<usize>,
    overs: u64,
    first_over: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
}

/// Where a channel (whose peak is `p`) starts and ends above `floor`, and, when it reaches
/// full scale, its runs of equal full-scale samples and its overs.
fn scan_channel(x: &[f32], p: f32, floor: f32, clip_run: usize) -> ChannelScan {
    let mut scan = ChannelScan {
        clip_runs: 0,
        clipped_samples: 0,
        first_clip: None,
        overs: 0,
        first_over: None,
        start: x.iter().position(|v| v.abs() >= floor),
        end: x.iter().rposition(|v| v.abs() >= floor).map(|i| i + 1),
    };
    if p < FULL_SCALE {
        return scan;
    }
    // Only a signal that reaches full scale can clip or go over: scan it sample by sample.
    let mut run = 0usize;
    let mut previous = 0.0f32;
    for (i, &v) in x.iter().enumerate() {
        if v.abs() > 1.0 {
            scan.overs += 1;
            scan.first_over.get_or_insert(i);
        }
        if v.abs() >= FULL_SCALE {
            run = if run > 0 && v == previous { run + 1 } else { 1 };
            if run == clip_run {
                scan.clip_runs += 1;
                scan.clipped_samples += clip_run as u64;
                scan.first_clip.get_or_insert(i + 1 - clip_run);
            } else if run > clip_run {
                scan.clipped_samples += 1;
            }
        } else {
            run = 0;
        }
        previous = v;
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: MeasureSettings = MeasureSettings {
        floor_db: -60.0,
        tail_ms: 10.0,
        clip_run: 3,
    };

    fn sine(frames: usize, amp: f32, period: f32) -> Vec<f32> {
        (0..frames)
            .map(|i| amp * (i as f32 * std::f32::consts::TAU / period).sin())
            .collect()
    }

    #[test]
    fn start_end_tail_and_levels_of_a_burst() {
        let mut x = vec![0.0f32; 48_000];
        let burst = sine(24_000, 0.5, 48.0);
        x[12_000..36_000].copy_from_slice(&burst);
        let f = measure(&[x.clone(), x], 48_000, &SETTINGS);
        assert_eq!(f.start, Some(12_001), "sin(0) = 0 is below the floor");
        assert!(f.end.unwrap() <= 36_000 && f.end.unwrap() > 35_990);
        assert_eq!(f.tail_peak, 0.0);
        assert!((f.sample_peak - 0.5).abs() < 1e-3);
        assert!(f.true_peak >= f.sample_peak && f.true_peak < 0.51);
        assert!((f.correlation.unwrap() - 1.0).abs() < 1e-5);
        assert_eq!(f.side_to_mid_db, Some(-300.0));
        assert_eq!((f.clip_runs, f.overs), (0, 0));
    }

    #[test]
    fn the_true_peak_in_blocks_equals_one_pass() {
        for stem in shared_dsp::demo::stems::DemoStem::ALL {
            let a = stem.generator(44_100.0).render(3.0);
            let mut one = TruePeakMeter::new(44_100.0);
            one.process(&a.left, Some(&a.right));
            let f = measure(&[a.left, a.right], 44_100, &SETTINGS);
            assert_eq!(f.true_peak, one.take_peak().max(f.sample_peak), "{stem}");
        }
    }

    #[test]
    fn runs_of_full_scale_samples_and_overs_are_counted() {
        let mut x = sine(4_800, 0.5, 100.0);
        // Two samples at full scale: not a run of three.
        x[100] = 1.0;
        x[101] = 1.0;
        // Three, then four at -1.0: two runs, seven samples.
        x[200..203].fill(1.0);
        x[300..304].fill(-1.0);
        // Alternating +1 -1 is not a run (not the same value).
        x[400] = 1.0;
        x[401] = -1.0;
        x[402] = 1.0;
        let f = measure(&[x.clone()], 48_000, &SETTINGS);
        assert_eq!(
            (f.clip_runs, f.clipped_samples, f.first_clip),
            (2, 7, Some(200))
        );
        assert_eq!(f.overs, 0);
        x[1000] = 1.5;
        x[1001] = -1.25;
        let f = measure(&[x], 48_000, &SETTINGS);
        assert_eq!((f.overs, f.first_over), (2, Some(1000)));
    }

    #[test]
    fn channel_relations() {
        let l = sine(48_000, 0.5, 97.0);
        let inverted: Vec<f32> = l.iter().map(|v| -v).collect();
        let f = measure(&[l.clone(), inverted], 48_000, &SETTINGS);
        assert!((f.correlation.unwrap() + 1.0).abs() < 1e-5);
        assert_eq!(f.side_to_mid_db, Some(300.0));
        let f = measure(&[l.clone(), vec![0.0; l.len()]], 48_000, &SETTINGS);
        assert_eq!(f.correlation, None, "one channel silent: no correlation");
        assert_eq!(f.channels[1].peak, 0.0);
        let dc: Vec<f32> = l.iter().map(|v| v + 0.01).collect();
        let f = measure(&[dc], 48_000, &SETTINGS);
        assert!(
            (f.channels[0].mean - 0.01).abs() < 1e-4,
            "{}",
            f.channels[0].mean
        );
        // A tail cut off: audio in the last 10 ms.
        assert!(f.tail_peak > 0.4);
    }
}
