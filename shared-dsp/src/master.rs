//! The whole Stem Master chain, framework-free, so the plugin, the command-line tool, the
//! tests and the benchmarks run the same code:
//!
//! input sanitiser → input gain → EQ (the Strip's sections; each bell on both channels, the
//! mid or the side) → glue compressor → target gain (the learned gain that brings the
//! programme to the loudness target) → true-peak limiter with lookahead
//! ([`crate::limiter`]) → output gain → TPDF dither → meters of the output (momentary,
//! short-term, integrated loudness, loudness range, true peak, PLR, gain reduction), plus the
//! bypass crossfade.
//!
//! NOTE: the loudness target drives a gain right before the limiter, not the input: a learned
//! gain at the input would move the programme against the glue compressor's threshold, so
//! every learn pass would change how the glue compresses (and land short of the target by
//! what the glue then took). Before the limiter it changes only what the limiter does, which
//! the learn pass measures (see `master/learn.rs`).
//!
//! Smoothing as in the Strip: continuous settings ramp linearly over [`RAMP_SECONDS`] on a
//! grid of [`CONTROL_INTERVAL`] samples whose phase persists across calls, so any block size
//! gives bit-identical output. The lookahead is not smoothed: changing it clears the
//! limiter.
//!
//! **Latency** ([`MasterChain::latency_samples`]) depends on the sample rate only: the
//! limiter's delay at its largest lookahead. A shorter lookahead is made up by a plain delay
//! after the dither, so the host's delay compensation never has to change while the plugin
//! runs. NOTE: CLAP lets a plugin announce a new latency only while it is being activated
//! (an active plugin must ask for a restart and wait), and a host that re-measures latency
//! mid-song drops out or shifts the mix; a lookahead automated or moved during playback
//! would do either. The cost is the largest lookahead's few milliseconds at every setting.
//!
//! **Learn** ([`MasterChain::start_learn`], [`MasterChain::finish_learn`]): while it runs,
//! the integrated loudness at the limiter's input is measured, and a shadow limiter finds
//! what the limiter will take at the learned gain; at the end [`learned_gain_db`] sets the
//! gain that lands the output on the target (see `master/learn.rs`).
//!
//! Meters that cannot run at the sample rate (the loudness meters below 8 kHz) switch off
//! and say so ([`MasterChain::loudness_off_reason`]); the audio passes at any rate.

mod learn;
mod settings;

use crate::bands::NUM_BANDS;
use crate::dynamics::Compressor;
use crate::eq::Equalizer;
use crate::frames::{finite_or_zero, max_finite, sanitize, Frame};
use crate::limiter::{LimiterSettings, TruePeakLimiter, MAX_LOOKAHEAD_MS};
use crate::loudness::{gain_to_db, LoudnessMeter};
use crate::ramp::Ramp;
use crate::spectrum::BandSpectrum;
pub use crate::strip::{CONTROL_INTERVAL, RAMP_SECONDS};
pub use learn::{learned_gain_db, LearnPass, LEARNED_GAIN_RANGE_DB};
use settings::{from_vector, to_vector, INPUT, NUM_CONTINUOUS, OUTPUT, TARGET_GAIN};
pub use settings::{Dither, MasterSettings, TargetPreset};

/// Lowest sample rate the loudness meters run at, Hz.
pub const LOUDNESS_MIN_RATE_HZ: f32 = 8_000.0;
/// Highest sample rate the loudness meters run at, Hz.
pub const LOUDNESS_MAX_RATE_HZ: f32 = 768_000.0;
/// `x` rounded to the nearest integer (ties to even) for |x| < 2^51: adding and taking away
/// 1.5 x 2^52 leaves no fraction bits. `f32::round` is a libm call per sample on baseline
/// x86-64 (4 % of the whole chain's time in a profile).
#[inline(always)]
fn round_half_even(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    (x + SHIFT) - SHIFT
}

/// One step of a delay line kept as a ring in `ring` (its length is the delay, at least 1)
/// at `pos`: stores `x` and gives what went in that many steps ago. A `pos` past the end
/// (the ring just got shorter) starts over at 0.
#[inline]
fn delay_step<T: Copy>(ring: &mut [T], pos: &mut usize, x: T) -> T {
    if *pos >= ring.len() {
        *pos = 0;
    }
    let delayed = std::mem::replace(&mut ring[*pos], x);
    *pos += 1;
    delayed
}

/// Seed of the dither's noise: fixed, so a render repeats bit for bit and `reset` equals a
/// fresh chain.
const DITHER_SEED: u64 = 0x2545_F491_4F6C_DD1D;
/// Length of the bypass crossfade, seconds.
pub const BYPASS_FADE_SECONDS: f32 = 0.01;

/// Which part of the chain a call runs: all of it (the plugin), or one of the halves an
/// offline render runs in separate passes ([`MasterChain::process_front`],
/// [`MasterChain::process_back`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stages {
    /// Input to output.
    Whole,
    /// Input to the target gain: input gain, EQ, compressor (and a learn pass's meters).
    Front,
    /// Target gain to output: limiter, output gain, dither.
    Back,
}

/// Meter readings since the previous [`MasterChain::take_meters`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MasterMeters {
    /// Largest input sample (after the input gain), dBFS.
    pub input_peak_db: f32,
    /// Largest output sample, dBFS.
    pub output_peak_db: f32,
    /// Largest output true peak since the previous read, dBTP.
    pub true_peak_db: f32,
    /// Largest output true peak since the integration was last reset, dBTP.
    pub max_true_peak_db: f32,
    /// Momentary loudness (400 ms, updated every 10 ms), LUFS.
    pub momentary_lufs: f32,
    /// Largest momentary loudness since the integration was last reset, LUFS.
    pub max_momentary_lufs: f32,
    /// Short-term loudness (3 s, updated every 10 ms), LUFS.
    pub shortterm_lufs: f32,
    /// Largest short-term loudness since the integration was last reset, LUFS.
    pub max_shortterm_lufs: f32,
    /// Integrated loudness since the last reset, LUFS.
    pub integrated_lufs: f32,
    /// Loudness range since the last reset (EBU Tech 3342), LU.
    pub loudness_range_lu: f32,
    /// Peak to loudness ratio: maximum true peak minus integrated loudness, dB.
    pub plr_db: f32,
    /// Largest compressor gain reduction, dB (≥ 0).
    pub compressor_reduction_db: f32,
    /// Largest limiter gain reduction, dB (≥ 0).
    pub limiter_reduction_db: f32,
}

/// The Stem Master's processing and meters.
pub struct MasterChain {
    sample_rate_hz: f32,
    num_channels: usize,
    target: MasterSettings,
    ramp: Ramp<NUM_CONTINUOUS>,
    /// Samples into the current control period.
    phase: usize,
    /// Input and output gains at the start of this control period.
    gains_from: [f32; 3],
    eq: Equalizer,
    compressor: Compressor,
    limiter: TruePeakLimiter,
    /// The chain's latency, samples: the limiter's at its largest lookahead.
    latency: usize,
    /// The delay after the dither that makes a shorter lookahead up to `latency`: a ring of
    /// `latency - limiter latency` frames (none at the largest lookahead).
    pad: Vec<[f32; 2]>,
    pad_pos: usize,
    /// The dry input, delayed by the latency, for the bypass.
    dry: Vec<Frame>,
    dry_pos: usize,
    /// Bypass crossfade position, 0 (processed) to `bypass_len` (dry), one step a sample.
    bypass_pos: usize,
    bypass_len: usize,
    dither_state: u64,
    /// Output loudness (`None` where the rate is outside what it supports).
    loudness: Option<LoudnessMeter>,
    /// Output band spectrum (the ERB bands the Strips publish), for the EQ view.
    spectrum: BandSpectrum,
    /// The learn pass's meters and shadow limiter (`None` where the meters cannot run).
    learner: Option<learn::Learner>,
    /// Whether the output's loudness and spectrum are measured ([`MasterChain::set_output_meters`]).
    output_meters: bool,
    input_peak: f32,
    output_peak: f32,
    max_true_peak_db: f32,
    compressor_reduction_db: f32,
    limiter_reduction_db: f32,
}

impl MasterChain {
    /// A chain for `num_channels` (1 or 2) at any `sample_rate_hz` (the loudness meters need
    /// 8 kHz to 768 kHz and switch off elsewhere). Allocates; call from a plugin's
    /// `initialize()`.
    pub fn new(sample_rate_hz: f32, num_channels: usize) -> Self {
        let num_channels = num_channels.clamp(1, 2);
        let meter_rate = sample_rate_hz.round();
        let loudness_runs = (LOUDNESS_MIN_RATE_HZ..=LOUDNESS_MAX_RATE_HZ).contains(&meter_rate);
        let loudness = loudness_runs
            .then(|| LoudnessMeter::new(meter_rate as u32, num_channels).ok())
            .flatten();
        let learner = loudness_runs
            .then(|| learn::Learner::new(meter_rate as u32, sample_rate_hz, num_channels))
            .flatten();
        let target = MasterSettings::default();
        let v = to_vector(&target);
        let mut eq = Equalizer::new();
        eq.set_sample_rate(sample_rate_hz);
        let mut compressor = Compressor::new();
        compressor.set_sample_rate(sample_rate_hz);
        let limiter = TruePeakLimiter::new(sample_rate_hz);
        let max_latency = TruePeakLimiter::latency_for(
            &LimiterSettings {
                lookahead_ms: MAX_LOOKAHEAD_MS,
                ..LimiterSettings::default()
            },
            sample_rate_hz,
        );
        let ramp_ticks = (RAMP_SECONDS * sample_rate_hz) as usize / CONTROL_INTERVAL;
        let mut chain = Self {
            sample_rate_hz,
            num_channels,
            target,
            ramp: Ramp::new(v, ramp_ticks),
            phase: 0,
            gains_from: [v[INPUT], v[OUTPUT], v[TARGET_GAIN]],
            eq,
            compressor,
            limiter,
            latency: max_latency,
            pad: vec![[0.0; 2]; max_latency],
            pad_pos: 0,
            dry: vec![[0.0; 2]; max_latency + 1],
            dry_pos: 0,
            bypass_pos: 0,
            bypass_len: ((BYPASS_FADE_SECONDS * sample_rate_hz) as usize).max(1),
            dither_state: DITHER_SEED,
            loudness,
            spectrum: BandSpectrum::new(sample_rate_hz),
            learner,
            output_meters: true,
            input_peak: 0.0,
            output_peak: 0.0,
            max_true_peak_db: f32::NEG_INFINITY,
            compressor_reduction_db: 0.0,
            limiter_reduction_db: 0.0,
        };
        chain.apply_current();
        chain
    }

    /// Sample rate in Hz.
    pub fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }

    /// Number of channels processed (1 or 2).
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Why the loudness meters (and learn) are off at this sample rate, if they are.
    pub fn loudness_off_reason(&self) -> Option<String> {
        self.loudness.is_none().then(|| {
            format!(
                "loudness meters off: {:.0} Hz is outside the {:.0} Hz to {:.0} kHz they measure",
                self.sample_rate_hz,
                LOUDNESS_MIN_RATE_HZ,
                LOUDNESS_MAX_RATE_HZ / 1000.0
            )
        })
    }

    /// Whether the loudness meters run at this sample rate.
    pub fn loudness_available(&self) -> bool {
        self.loudness.is_some()
    }

    /// Delay of the audio through the chain, samples: the limiter's detector and its largest
    /// lookahead ([`MAX_LOOKAHEAD_MS`]) at this sample rate. It depends on the rate only: the
    /// same at every lookahead, and while the limiter or the whole chain is bypassed.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// Frames of the delay after the dither (the largest lookahead's latency less the
    /// current one's).
    fn pad_len(&self) -> usize {
        self.latency.saturating_sub(self.limiter.latency_samples())
    }

    /// One output frame through the delay after the dither.
    #[inline]
    fn pad_delay(&mut self, out: [f32; 2]) -> [f32; 2] {
        match self.pad_len() {
            0 => out,
            len => delay_step(&mut self.pad[..len], &mut self.pad_pos, out),
        }
    }

    fn clear_pad(&mut self) {
        self.pad.fill([0.0; 2]);
        self.pad_pos = 0;
    }

    /// Sets what the settings should become; continuous ones ramp there over
    /// [`RAMP_SECONDS`], switches and the lookahead change at once. Cheap when nothing
    /// changed. Does not allocate.
    pub fn set_target(&mut self, settings: &MasterSettings) {
        if *settings == self.target {
            return;
        }
        let old = self.target;
        self.target = *settings;
        self.ramp.set_target(to_vector(settings));
        let switches_changed = old.eq.high_pass.enabled != settings.eq.high_pass.enabled
            || old.eq.high_pass.slope != settings.eq.high_pass.slope
            || old.eq.low_pass.enabled != settings.eq.low_pass.enabled
            || old.eq.low_pass.slope != settings.eq.low_pass.slope
            || old.eq.low_shelf.enabled != settings.eq.low_shelf.enabled
            || old.eq.high_shelf.enabled != settings.eq.high_shelf.enabled
            || old
                .eq
                .bells
                .iter()
                .zip(&settings.eq.bells)
                .any(|(a, b)| a.enabled != b.enabled)
            || old.bell_placements != settings.bell_placements
            || old.compressor.enabled != settings.compressor.enabled
            || old.compressor_auto_release != settings.compressor_auto_release
            || old.limiter.enabled != settings.limiter.enabled
            || old.limiter.auto_release != settings.limiter.auto_release
            || old.limiter.lookahead_ms != settings.limiter.lookahead_ms;
        if switches_changed {
            self.apply_current();
        }
    }

    /// Jumps to the target at once, skipping the ramps (for a state load while stopped).
    pub fn snap_to_target(&mut self) {
        self.ramp.snap();
        let v = self.ramp.current();
        self.gains_from = [v[INPUT], v[OUTPUT], v[TARGET_GAIN]];
        self.bypass_pos = if self.target.bypass {
            self.bypass_len
        } else {
            0
        };
        self.apply_current();
    }

    fn apply_current(&mut self) {
        let (eq, comp, limiter) = from_vector(self.ramp.current(), &self.target);
        self.eq.set_settings(&eq);
        self.eq.set_bell_placements(self.target.bell_placements);
        self.compressor.set_settings(&comp);
        self.compressor
            .set_auto_release(self.target.compressor_auto_release);
        let limiter_latency = self.limiter.latency_samples();
        self.limiter.set_settings(&limiter);
        if self.limiter.latency_samples() != limiter_latency {
            // The limiter forgot its history; the delay after it starts over with it.
            self.clear_pad();
        }
        if let Some(l) = self.learner.as_mut() {
            l.set_limiter(&limiter);
        }
    }

    /// Forgets all signal history (filters, detectors, delay lines, meters); settings jump
    /// to the target. Does not allocate.
    pub fn reset(&mut self) {
        self.phase = 0;
        self.snap_to_target();
        self.eq.reset();
        self.compressor.reset();
        self.limiter.reset();
        self.clear_pad();
        self.dry.fill([0.0; 2]);
        self.dry_pos = 0;
        self.dither_state = DITHER_SEED;
        if let Some(m) = self.loudness.as_mut() {
            m.reset();
        }
        self.spectrum.reset();
        if let Some(l) = self.learner.as_mut() {
            l.finish();
        }
        self.input_peak = 0.0;
        self.output_peak = 0.0;
        self.max_true_peak_db = f32::NEG_INFINITY;
        self.compressor_reduction_db = 0.0;
        self.limiter_reduction_db = 0.0;
    }

    /// Forgets the integrated loudness, the loudness range and the maximum true peak (the
    /// user's reset button). Does not allocate.
    pub fn reset_integration(&mut self) {
        if let Some(m) = self.loudness.as_mut() {
            m.reset_integration();
        }
        self.max_true_peak_db = f32::NEG_INFINITY;
    }

    /// Starts a learn pass towards `target_lufs`: from now on the integrated loudness at the
    /// limiter's input is measured, and a shadow limiter measures what the limiter will take
    /// at the gain being learned. Does not allocate. Does nothing where the meters are off.
    pub fn start_learn(&mut self, target_lufs: f32) {
        let (output_db, limiter) = (self.target.output_db, *self.limiter.settings());
        if let Some(l) = self.learner.as_mut() {
            l.start(target_lufs, output_db, &limiter);
        }
    }

    /// Whether a learn pass is running.
    pub fn is_learning(&self) -> bool {
        self.learner.as_ref().is_some_and(|l| l.is_active())
    }

    /// Ends the learn pass and returns what it measured, or `None` when nothing above the
    /// gates was heard (or the meters are off at this rate). Does not allocate.
    pub fn finish_learn(&mut self) -> Option<LearnPass> {
        self.learner.as_mut()?.finish()
    }

    /// The learn pass so far, while one runs.
    pub fn learn_progress(&self) -> Option<LearnPass> {
        self.learner
            .as_ref()
            .filter(|l| l.is_active())
            .map(|l| l.pass())
    }

    /// Processes a block in place: `right` must be given for a stereo chain and is ignored
    /// (may be `None`) for a mono one. Any input gives finite output. Does not allocate.
    pub fn process(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        self.process_stages(left, right, Stages::Whole);
    }

    /// The chain's first half, for an offline render that runs the chain in two passes: the
    /// input sanitiser, input gain, EQ and glue compressor, whose output (the signal before
    /// the target gain) replaces the block; while a learn pass runs, it measures what the
    /// pass measures, at the current target gain. Nothing after the target gain runs: no
    /// limiter, dither, bypass or output meters (so [`LearnPass::output_lufs`] is `-inf`).
    /// The target gain does not act here, so a learned gain needs no second run of this
    /// half: [`MasterChain::process_back`] takes its output at any target gain. Any input
    /// gives finite output. Does not allocate.
    pub fn process_front(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        self.process_stages(left, right, Stages::Front);
    }

    /// The chain's second half, on what [`MasterChain::process_front`] wrote (in order, as
    /// one stream): target gain, limiter, output gain, dither and the output's meters. With
    /// the same settings, the front of one chain and the back of another give what
    /// [`MasterChain::process`] gives, within the rounding of the front's output to `f32`
    /// (about -140 dB). The bypass does not act (its dry path is the front's input).
    /// Does not allocate.
    pub fn process_back(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        self.process_stages(left, right, Stages::Back);
    }

    fn process_stages(&mut self, left: &mut [f32], mut right: Option<&mut [f32]>, stages: Stages) {
        let stereo = self.num_channels == 2 && right.is_some();
        let len = match right.as_deref() {
            Some(r) if stereo => left.len().min(r.len()),
            _ => left.len(),
        };
        let mut start = 0;
        while start < len {
            let take = (CONTROL_INTERVAL - self.phase).min(len - start);
            let l = &mut left[start..start + take];
            let r = right
                .as_deref_mut()
                .filter(|_| stereo)
                .map(|r| &mut r[start..start + take]);
            self.process_chunk(l, r, stages);
            start += take;
        }
        if stages != Stages::Front {
            let right = right.as_deref().filter(|_| stereo).map(|r| &r[..len]);
            self.measure_output(&left[..len], right);
        }
    }

    /// Samples within one control period: the chain, or the half `stages` says.
    fn process_chunk(&mut self, left: &mut [f32], mut right: Option<&mut [f32]>, stages: Stages) {
        if self.phase == 0 {
            let v = self.ramp.current();
            self.gains_from = [v[INPUT], v[OUTPUT], v[TARGET_GAIN]];
            if self.ramp.tick() {
                self.apply_current();
            }
        }
        let n = left.len();
        let stereo = right.is_some();
        let channels = if stereo { 2 } else { 1 };
        let v = self.ramp.current();
        let to = [v[INPUT], v[OUTPUT], v[TARGET_GAIN]];
        let from = self.gains_from;
        let t0 = (self.phase + 1) as f32;
        let ramp = |k: usize, i: usize| {
            from[k] + (to[k] - from[k]) * ((t0 + i as f32) / CONTROL_INTERVAL as f32)
        };
        self.phase = (self.phase + n) % CONTROL_INTERVAL;
        let mut frames = [[0.0f64; 2]; CONTROL_INTERVAL];
        let frames = &mut frames[..n];
        // The sanitised input, for the bypass's dry path.
        let mut dry = [[0.0f32; 2]; CONTROL_INTERVAL];
        if stages == Stages::Back {
            for (i, f) in frames.iter_mut().enumerate() {
                *f = [
                    left[i] as f64,
                    right.as_deref().map_or(0.0, |r| r[i] as f64),
                ];
            }
        } else {
            let mut peak = self.input_peak;
            for i in 0..n {
                let l = sanitize(left[i]);
                let r = right.as_deref().map_or(0.0, |r| sanitize(r[i]));
                dry[i] = [l, r];
                let g = ramp(INPUT, i);
                let (l, r) = (l * g, r * g);
                peak = max_finite(peak, max_finite(l.abs(), r.abs()));
                frames[i] = [l as f64, r as f64];
            }
            self.input_peak = peak;
            self.eq_and_compressor(frames, stereo);
        }
        if stages == Stages::Front {
            for (i, f) in frames.iter().enumerate() {
                left[i] = finite_or_zero(f[0] as f32);
            }
            if let Some(r) = right.as_deref_mut() {
                for (r, f) in r.iter_mut().zip(frames.iter()) {
                    *r = finite_or_zero(f[1] as f32);
                }
            }
        }
        for (i, f) in frames.iter_mut().enumerate() {
            let g = ramp(2, i) as f64;
            *f = [f[0] * g, f[1] * g];
        }
        if let Some(l) = self.learner.as_mut().filter(|l| l.is_active()) {
            l.limiter_input(frames, stereo);
        }
        if stages == Stages::Front {
            return;
        }
        self.limiter.process_frames(frames, channels);
        self.limiter_reduction_db = self
            .limiter_reduction_db
            .max(self.limiter.take_max_gain_reduction_db());
        // Output gain, dither, the bypass crossfade.
        let lsb = self.target.dither.bits().map(|b| 2f32.powi(1 - b as i32));
        for i in 0..n {
            let g = ramp(OUTPUT, i);
            let mut out = [frames[i][0] as f32 * g, frames[i][1] as f32 * g];
            if let Some(lsb) = lsb {
                for v in out.iter_mut().take(channels) {
                    let tpdf = self.next_uniform() - self.next_uniform();
                    *v = (round_half_even((*v + tpdf * lsb) as f64 / lsb as f64) * lsb as f64)
                        as f32;
                }
            }
            out = self.pad_delay(out);
            if stages == Stages::Whole {
                out = self.bypass_crossfade(out, dry[i]);
            }
            left[i] = finite_or_zero(out[0]);
            frames[i] = [out[0] as f64, out[1] as f64];
        }
        if let Some(r) = right {
            for (r, f) in r.iter_mut().zip(frames.iter()) {
                *r = finite_or_zero(f[1] as f32);
            }
        }
    }

    /// The EQ (in mid/side when a bell needs it) and the glue compressor, in place.
    fn eq_and_compressor(&mut self, frames: &mut [Frame], stereo: bool) {
        let mid_side = stereo && self.eq.uses_mid_side();
        if mid_side {
            for f in frames.iter_mut() {
                *f = [0.5 * (f[0] + f[1]), 0.5 * (f[0] - f[1])];
            }
        }
        self.eq.process_frames(frames);
        if mid_side {
            for f in frames.iter_mut() {
                *f = [f[0] + f[1], f[0] - f[1]];
            }
        }
        if self.target.compressor.enabled {
            self.compressor
                .process_frames(frames, if stereo { 2 } else { 1 });
            let gr = self.compressor.take_max_gain_reduction_db();
            self.compressor_reduction_db = self.compressor_reduction_db.max(gr);
        }
    }

    /// One output frame through the bypass: the sanitised `input`, delayed by the latency,
    /// crossfaded in over [`BYPASS_FADE_SECONDS`] while the bypass is on.
    fn bypass_crossfade(&mut self, out: [f32; 2], input: [f32; 2]) -> [f32; 2] {
        let input = [input[0] as f64, input[1] as f64];
        let delayed = delay_step(&mut self.dry[..self.latency], &mut self.dry_pos, input);
        let bypass_to = if self.target.bypass {
            self.bypass_len
        } else {
            0
        };
        if self.bypass_pos < bypass_to {
            self.bypass_pos += 1;
        } else if self.bypass_pos > bypass_to {
            self.bypass_pos -= 1;
        }
        let delayed = [delayed[0] as f32, delayed[1] as f32];
        if self.bypass_pos == self.bypass_len {
            delayed
        } else if self.bypass_pos > 0 {
            let m = self.bypass_pos as f32 / self.bypass_len as f32;
            [
                out[0] + (delayed[0] - out[0]) * m,
                out[1] + (delayed[1] - out[1]) * m,
            ]
        } else {
            out
        }
    }

    /// Uniform in [0, 1) from a xorshift64 generator (deterministic: renders repeat).
    #[inline]
    fn next_uniform(&mut self) -> f32 {
        let mut s = self.dither_state;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.dither_state = s;
        (s >> 40) as f32 / (1u64 << 24) as f32
    }

    fn measure_output(&mut self, left: &[f32], right: Option<&[f32]>) {
        let peak = crate::frames::peak_magnitude(left)
            .max(right.map_or(0.0, crate::frames::peak_magnitude));
        self.output_peak = self.output_peak.max(peak);
        if self.output_meters {
            if let Some(m) = self.loudness.as_mut() {
                m.process(left, right);
            }
            self.spectrum.process(left, right);
        }
        if let Some(l) = self.learner.as_mut().filter(|l| l.is_active()) {
            l.output(left, right);
        }
    }

    /// Switches the output's loudness meters and band spectrum on (the default) or off. Off,
    /// the audio and a learn pass are the same, and the loudness figures of
    /// [`MasterChain::take_meters`] and the spectrum stand still: for offline rendering,
    /// which measures the output elsewhere or not at all. Does not allocate.
    pub fn set_output_meters(&mut self, on: bool) {
        self.output_meters = on;
    }

    /// The output's band powers (dB, 400 ms smoothed) of the left (`ch` 0) or right channel.
    pub fn band_db(&self, ch: usize) -> [f32; NUM_BANDS] {
        self.spectrum.band_db(ch)
    }

    /// Number of 100 ms loudness blocks measured since the last reset (0 while the meters
    /// are off): a caller logging loudness history compares it with what it saw last.
    pub fn loudness_blocks(&self) -> u64 {
        self.loudness.as_ref().map_or(0, |m| m.blocks_finished())
    }

    /// Momentary and short-term loudness now, LUFS (`-inf` while off or silent).
    pub fn loudness_now(&self) -> (f32, f32) {
        self.loudness
            .as_ref()
            .map_or((f32::NEG_INFINITY, f32::NEG_INFINITY), |m| {
                (m.momentary_lufs(), m.shortterm_lufs())
            })
    }

    /// Meter readings since the last call, then starts the peaks over. Reads the loudness
    /// range's histogram: call at a display rate (a few tens of hertz). Does not allocate.
    pub fn take_meters(&mut self) -> MasterMeters {
        let off = f32::NEG_INFINITY;
        let (momentary, max_momentary, shortterm, max_shortterm, integrated, range, true_peak) =
            match self.loudness.as_mut() {
                Some(m) => (
                    m.momentary_lufs(),
                    m.max_momentary_lufs(),
                    m.shortterm_lufs(),
                    m.max_shortterm_lufs(),
                    m.integrated_lufs(),
                    m.loudness_range_lu(),
                    m.take_true_peak_db(),
                ),
                None => (off, off, off, off, off, 0.0, gain_to_db(self.output_peak)),
            };
        self.max_true_peak_db = self.max_true_peak_db.max(true_peak);
        MasterMeters {
            input_peak_db: gain_to_db(std::mem::take(&mut self.input_peak)),
            output_peak_db: gain_to_db(std::mem::take(&mut self.output_peak)),
            true_peak_db: true_peak,
            max_true_peak_db: self.max_true_peak_db,
            momentary_lufs: momentary,
            max_momentary_lufs: max_momentary,
            shortterm_lufs: shortterm,
            max_shortterm_lufs: max_shortterm,
            integrated_lufs: integrated,
            loudness_range_lu: range,
            plr_db: self.max_true_peak_db - integrated,
            compressor_reduction_db: std::mem::take(&mut self.compressor_reduction_db),
            limiter_reduction_db: std::mem::take(&mut self.limiter_reduction_db),
        }
    }
}

#[cfg(test)]
mod tests;
