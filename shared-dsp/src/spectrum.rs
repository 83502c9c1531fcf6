//! The band spectrum a Strip publishes: power per ERB band (see [`crate::bands`]) for left and
//! right, smoothed over about 400 ms.
//!
//! Method: Hann-windowed real FFTs (via `realfft`, planned once per sample rate) with 50 %
//! overlap; the FFT length is the power of two nearest a sixth of the sample rate (8192 at
//! 44.1/48 kHz, so 5.9 Hz bins; the narrowest band, 20 to 44 Hz, spans four bins). Each band's
//! power is the sum of its bins' powers, scaled by Parseval so that it is the band's share of
//! the mean-square level; it is reported in dB relative to a full-scale sine, so a 0 dBFS sine
//! reads 0 dB in its band whatever the window or FFT length. Band powers are smoothed with a
//! one-pole average (time constant [`SMOOTHING_SECONDS`]) in the power domain.
//!
//! # Moments: what sounds now, for the masking engine
//!
//! Masking needs simultaneity: a stem hides another only while (or just after) it sounds.
//! For the masking engine each band therefore also has, per snapshot, its level *at that
//! moment* ([`BandSpectrum::take_moment`]), on short frames:
//!
//! * **Short frames.** A second, short Hann-windowed FFT on the newest samples, the power
//!   of two nearest the sample rate / 48 long (1024 at 48 kHz: a 21 ms window, a new frame
//!   every 10.7 ms). Bands at least [`SHORT_MIN_BINS`] of its bins wide (from about 900 Hz
//!   at 48 kHz) are read from it; narrower bands, in the low end, from the long frames
//!   above (171 ms at 48 kHz), because a short frame cannot resolve them. The ear's own
//!   time resolution is coarser in the low end too, though not by that much: there the
//!   judgement is of the long frame's moment.
//! * **The maskee's level** ([`Moment::frame_db`]): the mean power of the frames since
//!   the last snapshot, one per band and channel.
//! * **The masker's level** ([`Moment::masking_db`]): the same frames through a
//!   forward-masking envelope, which follows a rise at once and falls by
//!   [`FORWARD_DECAY_DB_PER_S`] = 500 dB/s after the sound stops (20 dB down 40 ms later,
//!   50 dB down after 100 ms), the course of forward masking that Jesteadt, Bacon and
//!   Lehman (1982, JASA 71) measured, which is gone within 100 to 200 ms (Zwicker and Fastl,
//!   *Psychoacoustics*, 4.4); backward masking (about 20 ms before a sound) is within the
//!   frame's own 21 ms window. Its mean over the snapshot interval is published.
//!
//! A steady masker's masking level is its power within a dB or so (the envelope rides the
//! frames' peaks); a kick drum's is its power during a hit and its tail, and far below it
//! between hits, so the engine sees the gaps as the unmasked time they are.

use crate::bands::{BandLayout, NUM_BANDS};
use crate::snapshot::clamp_db;
#[cfg(doc)]
use crate::snapshot::FLOOR_DB;
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// Time constant of the band smoothing, in seconds.
pub const SMOOTHING_SECONDS: f32 = 0.4;

/// A band is read from the short frames when it spans at least this many of their bins.
pub const SHORT_MIN_BINS: f32 = 2.5;

/// How fast the forward-masking envelope of a band falls after its sound stops, dB/s.
pub const FORWARD_DECAY_DB_PER_S: f32 = 500.0;

/// Short-frame FFT length for a sample rate: the power of two nearest `sample_rate / 48`,
/// 32 at least, and a divisor of [`fft_size_for`]'s hop.
pub fn short_fft_size_for(sample_rate_hz: f32) -> usize {
    let target = (sample_rate_hz / 48.0).max(32.0);
    let lower = (target as usize).next_power_of_two() / 2;
    let n = if target / lower as f32 > 1.5 {
        lower * 2
    } else {
        lower
    };
    n.clamp(32, fft_size_for(sample_rate_hz) / 2)
}

/// One snapshot interval of band levels for the masking engine (see the module docs), dB
/// relative to a full-scale sine, at least [`FLOOR_DB`], left (`[0]`) and right (`[1]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    /// Mean frame power per band since the last snapshot: the stem's level as a maskee.
    pub frame_db: [[f32; NUM_BANDS]; 2],
    /// Mean forward-masking envelope per band since the last snapshot: its level as a
    /// masker.
    pub masking_db: [[f32; NUM_BANDS]; 2],
}

/// Power below which a band reads [`FLOOR_DB`] (linear, relative to a full-scale sine).
const FLOOR_POWER: f32 = 1e-15;

/// FFT length for a sample rate: the power of two nearest `sample_rate / 6`, 1024 at least.
pub fn fft_size_for(sample_rate_hz: f32) -> usize {
    let target = (sample_rate_hz / 6.0).max(1024.0);
    let lower = (target as usize).next_power_of_two() / 2;
    if target / lower as f32 > 1.5 {
        lower * 2
    } else {
        lower
    }
}

/// Smoothed ERB-band powers of one or two channels.
pub struct BandSpectrum {
    sample_rate_hz: f32,
    /// The long frames.
    long: WindowedFft,
    fft_size: usize,
    hop: usize,
    /// Input history per channel, a ring of `fft_size` samples.
    history: [Vec<f32>; 2],
    write_pos: usize,
    since_hop: usize,
    /// First and one-past-last bin of each band (empty when the band lies above Nyquist).
    band_bins: [(usize, usize); NUM_BANDS],
    smoothing: f32,
    power: [[f32; NUM_BANDS]; 2],
    /// The newest long frame's power per channel and band.
    long_frame: [[f32; NUM_BANDS]; 2],
    /// The short frames, their hop, and each band's bins in them (`(0, 0)` for a band read
    /// from the long frames).
    short: WindowedFft,
    short_hop: usize,
    short_band_bins: [(usize, usize); NUM_BANDS],
    /// Samples since the last short frame.
    since_short: usize,
    /// Forward-masking envelope per channel and band (power), and its fall per short hop.
    envelope: [[f32; NUM_BANDS]; 2],
    envelope_fall: f32,
    /// Sums of frame powers and envelopes since the last [`Self::take_moment`], and how
    /// many frames they hold; the last moment taken, for a snapshot with no new frame.
    moment_frame_sum: [[f32; NUM_BANDS]; 2],
    moment_env_sum: [[f32; NUM_BANDS]; 2],
    moment_count: u32,
    last_moment: [[[f32; NUM_BANDS]; 2]; 2],
    num_channels: usize,
}

impl BandSpectrum {
    /// A spectrum analyser at `sample_rate_hz`. Allocates (buffers and the FFT plan).
    pub fn new(sample_rate_hz: f32) -> Self {
        let mut this = Self {
            sample_rate_hz,
            long: WindowedFft::new(1024),
            fft_size: 0,
            hop: 0,
            history: [Vec::new(), Vec::new()],
            write_pos: 0,
            since_hop: 0,
            band_bins: [(0, 0); NUM_BANDS],
            smoothing: 0.0,
            power: [[FLOOR_POWER; NUM_BANDS]; 2],
            long_frame: [[FLOOR_POWER; NUM_BANDS]; 2],
            short: WindowedFft::new(64),
            short_hop: 0,
            short_band_bins: [(0, 0); NUM_BANDS],
            since_short: 0,
            envelope: [[FLOOR_POWER; NUM_BANDS]; 2],
            envelope_fall: 0.0,
            moment_frame_sum: [[0.0; NUM_BANDS]; 2],
            moment_env_sum: [[0.0; NUM_BANDS]; 2],
            moment_count: 0,
            last_moment: [[[FLOOR_POWER; NUM_BANDS]; 2]; 2],
            num_channels: 2,
        };
        this.set_sample_rate(sample_rate_hz);
        this
    }

    /// Re-plans for a new sample rate (allocates) and resets.
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        let n = fft_size_for(sample_rate_hz);
        self.sample_rate_hz = sample_rate_hz;
        self.long = WindowedFft::new(n);
        self.fft_size = n;
        self.hop = n / 2;
        self.history = [vec![0.0; n], vec![0.0; n]];
        let layout = BandLayout::standard();
        let bin_hz = sample_rate_hz / n as f32;
        let last_bin = n / 2;
        for b in 0..NUM_BANDS {
            let lo = (layout.edges_hz[b] / bin_hz).ceil() as usize;
            let hi = ((layout.edges_hz[b + 1] / bin_hz).ceil() as usize).min(last_bin);
            self.band_bins[b] = if layout.edges_hz[b] >= sample_rate_hz / 2.0 {
                (0, 0)
            } else if hi > lo {
                (lo, hi)
            } else {
                let centre = ((layout.centers_hz[b] / bin_hz).round() as usize).min(last_bin - 1);
                (centre, centre + 1)
            };
        }
        self.smoothing = (-(self.hop as f32) / (SMOOTHING_SECONDS * sample_rate_hz)).exp();

        // Short frames.
        let ns = short_fft_size_for(sample_rate_hz);
        self.short = WindowedFft::new(ns);
        self.short_hop = ns / 2;
        let short_bin_hz = sample_rate_hz / ns as f32;
        for b in 0..NUM_BANDS {
            let (lo_hz, hi_hz) = (layout.edges_hz[b], layout.edges_hz[b + 1]);
            self.short_band_bins[b] = if lo_hz >= sample_rate_hz / 2.0
                || (hi_hz - lo_hz) < SHORT_MIN_BINS * short_bin_hz
            {
                (0, 0)
            } else {
                let lo = (lo_hz / short_bin_hz).ceil() as usize;
                let hi = ((hi_hz / short_bin_hz).ceil() as usize).min(ns / 2);
                if hi > lo {
                    (lo, hi)
                } else {
                    (0, 0)
                }
            };
        }
        let hop_s = self.short_hop as f32 / sample_rate_hz;
        self.envelope_fall = 10f32.powf(-FORWARD_DECAY_DB_PER_S * hop_s / 10.0);
        self.reset();
    }

    /// FFT length in samples.
    pub fn fft_size(&self) -> usize {
        self.fft_size
    }

    /// Forgets the past. Does not allocate.
    pub fn reset(&mut self) {
        for h in &mut self.history {
            h.fill(0.0);
        }
        self.write_pos = 0;
        self.since_hop = 0;
        self.power = [[FLOOR_POWER; NUM_BANDS]; 2];
        self.long_frame = [[FLOOR_POWER; NUM_BANDS]; 2];
        self.since_short = 0;
        self.envelope = [[FLOOR_POWER; NUM_BANDS]; 2];
        self.moment_frame_sum = [[0.0; NUM_BANDS]; 2];
        self.moment_env_sum = [[0.0; NUM_BANDS]; 2];
        self.moment_count = 0;
        self.last_moment = [[[FLOOR_POWER; NUM_BANDS]; 2]; 2];
    }

    /// Analyses a block; `right = None` is mono (both channels report the same spectrum).
    /// Samples must be finite. Does not allocate.
    pub fn process(&mut self, left: &[f32], right: Option<&[f32]>) {
        self.num_channels = if right.is_some() { 2 } else { 1 };
        let mut start = 0;
        while start < left.len() {
            // Chunks end at every short hop (which divides the long hop).
            let take = (self.short_hop - self.since_short).min(left.len() - start);
            // The ring never wraps inside a hop: `hop` divides `fft_size`.
            let ring = self.write_pos..self.write_pos + take;
            self.history[0][ring.clone()].copy_from_slice(&left[start..start + take]);
            match right {
                Some(r) => self.history[1][ring].copy_from_slice(&r[start..start + take]),
                None => self.history[1][ring].fill(0.0),
            }
            self.write_pos = (self.write_pos + take) % self.fft_size;
            self.since_hop += take;
            self.since_short += take;
            start += take;
            if self.since_hop == self.hop {
                self.since_hop = 0;
                for ch in 0..self.num_channels {
                    self.analyse_channel(ch);
                }
            }
            if self.since_short == self.short_hop {
                self.since_short = 0;
                for ch in 0..self.num_channels {
                    self.analyse_moment(ch);
                }
                self.moment_count += 1;
            }
        }
    }

    /// A short frame of a channel: each band's power now (short frame, or the newest long
    /// frame for a narrow band), through the forward-masking envelope, into the sums of the
    /// next [`Self::take_moment`].
    fn analyse_moment(&mut self, ch: usize) {
        let ok = self.short.analyse(&self.history[ch], self.write_pos);
        for b in 0..NUM_BANDS {
            let (lo, hi) = self.short_band_bins[b];
            let p = if hi > lo && ok {
                self.short.band_power(lo, hi)
            } else {
                self.long_frame[ch][b]
            };
            let p = if p.is_finite() {
                p.max(FLOOR_POWER)
            } else {
                FLOOR_POWER
            };
            let env = &mut self.envelope[ch][b];
            *env = (*env * self.envelope_fall).max(p);
            self.moment_frame_sum[ch][b] += p;
            self.moment_env_sum[ch][b] += *env;
        }
    }

    /// The band levels since the last call (see the module docs), then starts anew. With no
    /// new frame since (a snapshot interval shorter than a short hop), the previous levels.
    /// Does not allocate.
    pub fn take_moment(&mut self) -> Moment {
        if self.moment_count > 0 {
            let inv = 1.0 / self.moment_count as f32;
            for ch in 0..2 {
                for b in 0..NUM_BANDS {
                    self.last_moment[0][ch][b] = self.moment_frame_sum[ch][b] * inv;
                    self.last_moment[1][ch][b] = self.moment_env_sum[ch][b] * inv;
                }
            }
            self.moment_frame_sum = [[0.0; NUM_BANDS]; 2];
            self.moment_env_sum = [[0.0; NUM_BANDS]; 2];
            self.moment_count = 0;
        }
        Moment {
            frame_db: [
                self.channel_db(&self.last_moment[0], 0),
                self.channel_db(&self.last_moment[0], 1),
            ],
            masking_db: [
                self.channel_db(&self.last_moment[1], 0),
                self.channel_db(&self.last_moment[1], 1),
            ],
        }
    }

    fn analyse_channel(&mut self, ch: usize) {
        if !self.long.analyse(&self.history[ch], self.write_pos) {
            return;
        }
        let a = self.smoothing;
        for (b, &(lo, hi)) in self.band_bins.iter().enumerate() {
            let p = self.long.band_power(lo, hi);
            let smoothed = a * self.power[ch][b] + (1.0 - a) * p;
            self.power[ch][b] = if smoothed.is_finite() {
                smoothed.max(FLOOR_POWER)
            } else {
                FLOOR_POWER
            };
            self.long_frame[ch][b] = if p.is_finite() {
                p.max(FLOOR_POWER)
            } else {
                FLOOR_POWER
            };
        }
    }

    /// Smoothed band powers of a channel (0 left, 1 right), dB relative to a full-scale sine,
    /// at least [`FLOOR_DB`]. For a mono input both channels read the same.
    pub fn band_db(&self, ch: usize) -> [f32; NUM_BANDS] {
        self.channel_db(&self.power, ch)
    }

    /// One channel of per-band powers in dB, at least [`FLOOR_DB`]; a mono input reads its
    /// one channel for both.
    fn channel_db(&self, powers: &[[f32; NUM_BANDS]; 2], ch: usize) -> [f32; NUM_BANDS] {
        let ch = if self.num_channels == 1 { 0 } else { ch.min(1) };
        powers[ch].map(|p| clamp_db(10.0 * p.log10()))
    }
}

/// One Hann-windowed real FFT of `n` samples with its buffers (the long frames and the
/// short frames are each one).
struct WindowedFft {
    fft: Arc<dyn RealToComplex<f32>>,
    /// A periodic Hann window.
    window: Vec<f32>,
    /// Scale from a sum of one-sided bin powers to a power relative to a full-scale sine.
    scale: f32,
    frame: Vec<f32>,
    bins: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl WindowedFft {
    /// Plans an FFT of `n` samples and allocates its buffers.
    fn new(n: usize) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let window: Vec<f32> = (0..n)
            .map(|i| {
                let x = std::f32::consts::TAU * i as f32 / n as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let energy: f32 = window.iter().map(|w| w * w).sum();
        // Parseval: sum (x w)^2 = (1/N) sum_two_sided |X|^2 = (2/N) sum_one_sided |X|^2.
        // Divide by sum w^2 for the mean square, and by 0.5 (a full-scale sine's mean square).
        let scale = 2.0 / n as f32 / energy / 0.5;
        Self {
            frame: vec![0.0; n],
            bins: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            scale,
        }
    }

    /// Windows and transforms the newest `n` samples of the ring `history` (the newest
    /// just before `end`), oldest first. `false` when the transform fails. Does not allocate.
    fn analyse(&mut self, history: &[f32], end: usize) -> bool {
        let (n, len) = (self.frame.len(), history.len());
        let start = (end + len - n) % len;
        // The ring from `start`, then from its beginning when the frame wraps.
        let first = (len - start).min(n);
        let (f_first, f_second) = self.frame.split_at_mut(first);
        let (w_first, w_second) = self.window.split_at(first);
        for ((f, x), w) in f_first.iter_mut().zip(&history[start..]).zip(w_first) {
            *f = x * w;
        }
        for ((f, x), w) in f_second.iter_mut().zip(history).zip(w_second) {
            *f = x * w;
        }
        self.fft
            .process_with_scratch(&mut self.frame, &mut self.bins, &mut self.scratch)
            .is_ok()
    }

    /// The power of bins `lo..hi` of the last frame, relative to a full-scale sine.
    fn band_power(&self, lo: usize, hi: usize) -> f32 {
        let sum: f32 = self.bins[lo..hi].iter().map(|c| c.norm_sqr()).sum();
        sum * self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::FLOOR_DB;
    use approx::assert_abs_diff_eq;

    fn sine(rate: f32, f: f32, amp: f32, seconds: f32) -> Vec<f32> {
        let n = (rate * seconds) as usize;
        (0..n)
            .map(|i| amp * (std::f64::consts::TAU * f as f64 * i as f64 / rate as f64).sin() as f32)
            .collect()
    }

    #[test]
    fn fft_sizes() {
        assert_eq!(fft_size_for(48_000.0), 8192);
        assert_eq!(fft_size_for(44_100.0), 8192);
        assert_eq!(fft_size_for(22_050.0), 4096);
        assert_eq!(fft_size_for(96_000.0), 16384);
        assert_eq!(fft_size_for(384_000.0), 65536);
        // The nearest power of two may be the lower one: 32 kHz / 6 = 5333, nearer 4096.
        assert_eq!(fft_size_for(32_000.0), 4096);
    }

    #[test]
    fn a_sine_reads_its_level_in_its_band_only() {
        let layout = BandLayout::standard();
        for rate in [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0] {
            for (f, db) in [(100.0, -6.0), (1000.0, -20.0), (5000.0, 0.0)] {
                let s = sine(rate, f, 10f32.powf(db / 20.0), 3.0);
                let mut sp = BandSpectrum::new(rate);
                sp.process(&s, Some(&s));
                let bands = sp.band_db(0);
                let b = layout.band_of(f).unwrap();
                // Hann leakage can split a sine near a band edge into two bands; sum them.
                let near: f32 = [b.saturating_sub(1), b, (b + 1).min(NUM_BANDS - 1)]
                    .iter()
                    .map(|&i| 10f32.powf(bands[i] / 10.0))
                    .sum();
                assert_abs_diff_eq!(10.0 * near.log10(), db, epsilon = 0.2);
                // Far from the tone, the bands are far below it.
                let far = if b > 10 { b - 8 } else { b + 8 };
                assert!(
                    bands[far] < db - 60.0,
                    "rate {rate} f {f}: band {far} = {}",
                    bands[far]
                );
                assert_eq!(sp.band_db(1), bands);
            }
        }
    }

    #[test]
    fn left_and_right_are_separate_and_mono_copies() {
        let rate = 48_000.0;
        let l = sine(rate, 200.0, 0.5, 2.0);
        let r = sine(rate, 4000.0, 0.5, 2.0);
        let mut sp = BandSpectrum::new(rate);
        sp.process(&l, Some(&r));
        let layout = BandLayout::standard();
        let b200 = layout.band_of(200.0).unwrap();
        let b4k = layout.band_of(4000.0).unwrap();
        assert!(sp.band_db(0)[b200] > sp.band_db(1)[b200] + 60.0);
        assert!(sp.band_db(1)[b4k] > sp.band_db(0)[b4k] + 60.0);
        let mut mono = BandSpectrum::new(rate);
        mono.process(&l, None);
        assert_eq!(mono.band_db(0), mono.band_db(1));
    }

    /// Band power in the 1 kHz band after each hop of `signal`, with the time (s) of the
    /// hop's end.
    fn readings_per_hop(rate: f32, signal: &[f32]) -> Vec<(f32, f32)> {
        let b = BandLayout::standard().band_of(1000.0).unwrap();
        let mut sp = BandSpectrum::new(rate);
        let hop = sp.fft_size() / 2;
        signal
            .chunks_exact(hop)
            .enumerate()
            .map(|(k, chunk)| {
                sp.process(chunk, Some(chunk));
                let t = ((k + 1) * hop) as f32 / rate;
                (t, 10f32.powf(sp.band_db(0)[b] / 10.0))
            })
            .collect()
    }

    /// The smoothing has the time constant [`SMOOTHING_SECONDS`]. After a tone stops, once
    /// the analysis window holds only silence, the band's power falls by 1/e every 400 ms:
    /// measured over ten hops, within 0.5 %. After a tone starts, the band reaches 1 - 1/e
    /// of its level (-2 dB) after the 400 ms plus the window's own rise (about half a window,
    /// 85 ms at 48 kHz), so between 400 and 550 ms, and at 100 ms it is still 6 dB or more
    /// below the level (unsmoothed it would read -3 dB there, the half-filled window).
    #[test]
    fn smoothing_reaches_level_in_about_400_ms() {
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            let mut signal = sine(rate, 1000.0, 1.0, 3.0);
            signal.resize(5 * rate as usize, 0.0);
            let readings = readings_per_hop(rate, &signal);
            let hop_seconds = readings[0].0;

            // The rise: interpolate the crossing of 1 - 1/e between hops.
            let target = 1.0 - (-1.0f32).exp();
            let k = readings.iter().position(|r| r.1 >= target).unwrap();
            let ((t0, p0), (t1, p1)) = (readings[k - 1], readings[k]);
            let crossing = t0 + (t1 - t0) * (target - p0) / (p1 - p0);
            let at_100_ms = readings.iter().rev().find(|r| r.0 <= 0.1).unwrap().1;
            eprintln!(
                "{rate} Hz: 1 - 1/e reached after {:.0} ms; {:.1} dB at 100 ms",
                crossing * 1000.0,
                10.0 * at_100_ms.log10()
            );
            assert!(
                (0.4..0.55).contains(&crossing),
                "{rate} Hz: 1 - 1/e after {crossing} s"
            );
            assert!(at_100_ms < 0.25, "{rate} Hz: {at_100_ms} at 100 ms");

            // The fall: from the second hop after the stop on, the frames are silent.
            let stop = readings.iter().position(|r| r.0 > 3.0).unwrap();
            let (from, to) = (readings[stop + 2], readings[stop + 12]);
            let tau = (to.0 - from.0) / (from.1 / to.1).ln();
            eprintln!(
                "{rate} Hz: time constant after the stop {:.2} ms",
                tau * 1000.0
            );
            assert_abs_diff_eq!(tau, SMOOTHING_SECONDS, epsilon = 0.005 * SMOOTHING_SECONDS);
            assert!(to.0 - from.0 > 9.0 * hop_seconds);
        }
    }

    #[test]
    fn block_size_does_not_matter_and_reset_equals_fresh() {
        let rate = 44_100.0;
        let s = sine(rate, 777.0, 0.25, 1.5);
        let mut a = BandSpectrum::new(rate);
        let mut b = BandSpectrum::new(rate);
        for c in s.chunks(1) {
            a.process(c, Some(c));
        }
        for c in s.chunks(4096) {
            b.process(c, Some(c));
        }
        assert_eq!(a.band_db(0), b.band_db(0));
        // Blocks that straddle the hops.
        let mut odd = BandSpectrum::new(rate);
        for c in s.chunks(1000) {
            odd.process(c, Some(c));
        }
        assert_eq!(a.band_db(0), odd.band_db(0));
        a.reset();
        let mut fresh = BandSpectrum::new(rate);
        a.process(&s, None);
        fresh.process(&s, None);
        assert_eq!(a.band_db(0), fresh.band_db(0));
    }

    /// A tone at the centre of the band around 2 kHz that stops: its band's moment level falls within a snapshot or two of
    /// the stop, its masking level follows the forward-masking decay (500 dB/s), and a
    /// steady tone's two levels agree.
    #[test]
    fn the_moment_follows_a_stop_and_forward_masking_decays() {
        let rate = 48_000.0;
        let layout = BandLayout::standard();
        let b = layout.band_of(2000.0).unwrap();
        let mut tone = sine(rate, layout.centers_hz[b], 0.5, 1.0);
        tone.extend(std::iter::repeat_n(0.0, (rate * 0.3) as usize));
        let mut sp = BandSpectrum::new(rate);
        let per_snapshot = (rate * 0.025) as usize;
        let mut moments = Vec::new();
        for c in tone.chunks(per_snapshot) {
            sp.process(c, None);
            moments.push(sp.take_moment());
        }
        let at = |t: f32| moments[(t / 0.025) as usize - 1];
        // Steady: both levels read the tone (-6 dB for amplitude 0.5) within a dB.
        let steady = at(0.9);
        assert!(
            (steady.frame_db[0][b] + 6.0).abs() < 1.0,
            "{}",
            steady.frame_db[0][b]
        );
        assert!((steady.masking_db[0][b] - steady.frame_db[0][b]).abs() < 1.0);
        // 50 ms after the stop the tone is gone from the moment; the masking level is
        // 25 dB down the decay (500 dB/s) plus the snapshot's average, not yet silent.
        let after = at(1.075);
        assert!(after.frame_db[0][b] < -80.0, "{}", after.frame_db[0][b]);
        let m = after.masking_db[0][b];
        assert!(m < -6.0 - 15.0 && m > -6.0 - 45.0, "{m}");
        // 200 ms after, the forward masking is gone.
        assert!(
            at(1.2).masking_db[0][b] < -80.0,
            "{}",
            at(1.2).masking_db[0][b]
        );
    }

    #[test]
    fn moments_do_not_depend_on_block_size() {
        let rate = 44_100.0;
        let s = sine(rate, 1500.0, 0.25, 0.5);
        let (mut a, mut b) = (BandSpectrum::new(rate), BandSpectrum::new(rate));
        for c in s.chunks(1) {
            a.process(c, Some(c));
        }
        for c in s.chunks(1000) {
            b.process(c, Some(c));
        }
        assert_eq!(a.take_moment(), b.take_moment());
        assert!(short_fft_size_for(1000.0) >= 32);
        assert_eq!(short_fft_size_for(48_000.0), 1024);
        for rate in [1000.0, 8000.0, 44_100.0, 96_000.0, 768_000.0] {
            assert_eq!(
                fft_size_for(rate) / 2 % short_fft_size_for(rate),
                0,
                "{rate}"
            );
        }
    }

    /// Bands above Nyquist (at 22.05 kHz, those from 11 kHz up) read the floor, whatever
    /// the signal: they have no bins, not the top bin's.
    #[test]
    fn bands_above_nyquist_read_the_floor() {
        let rate = 22_050.0;
        let layout = BandLayout::standard();
        let mut s = 0x1234_5678u32;
        let noise: Vec<f32> = (0..rate as usize)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                s as f32 / u32::MAX as f32 - 0.5
            })
            .collect();
        let mut sp = BandSpectrum::new(rate);
        sp.process(&noise, Some(&noise));
        let bands = sp.band_db(0);
        let above: Vec<usize> = (0..NUM_BANDS)
            .filter(|&b| layout.edges_hz[b] >= rate / 2.0)
            .collect();
        assert!(!above.is_empty());
        for b in above {
            assert_eq!(bands[b], FLOOR_DB, "band {b} above Nyquist");
        }
        // The band just below Nyquist hears the noise.
        let top = layout.band_of(10_000.0).unwrap();
        assert!(bands[top] > -40.0, "{}", bands[top]);
    }

    /// A band that begins inside the top bin below Nyquist has no bin of its own: it reads
    /// the bin just below Nyquist (a sine there reads its level), neither the floor nor the
    /// Nyquist bin. The rate puts Nyquist 2 Hz above the lower edge of the band at 10 kHz.
    #[test]
    fn a_band_starting_in_the_top_bin_reads_that_bin() {
        let layout = BandLayout::standard();
        let b = layout.band_of(10_000.0).unwrap();
        let rate = 2.0 * (layout.edges_hz[b] + 2.0);
        let mut sp = BandSpectrum::new(rate);
        let bin_hz = rate / sp.fft_size() as f32;
        assert!(
            bin_hz > 2.0,
            "the band must begin inside the top bin ({bin_hz} Hz)"
        );
        let below_nyquist = (sp.fft_size() / 2 - 1) as f32 * bin_hz;
        let s = sine(rate, below_nyquist, 0.5, 2.0);
        sp.process(&s, None);
        // An on-bin sine leaves 2/3 of its power in its bin under a Hann window: -1.76 dB.
        let want = 20.0 * 0.5f32.log10() - 1.76;
        assert_abs_diff_eq!(sp.band_db(0)[b], want, epsilon = 0.5);
    }

    #[test]
    fn silence_reads_the_floor() {
        let mut sp = BandSpectrum::new(48_000.0);
        sp.process(&vec![0.0; 48_000], None);
        assert!(sp.band_db(0).iter().all(|&v| v == FLOOR_DB));
    }
}
