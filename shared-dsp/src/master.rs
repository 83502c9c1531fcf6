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
//!
//! Parts with files of their own: the settings and their ramp vector (`master/settings.rs`),
//! learn (`master/learn.rs`), the meters and how they are read (`master/meters.rs`), the
//! bypass's delayed dry path and crossfade (`master/bypass.rs`) and the TPDF dither
//! (`master/dither.rs`).

mod bypass;
mod dither;
mod learn;
mod meters;
mod settings;

use crate::dynamics::Compressor;
use crate::eq::Equalizer;
use crate::frames::{finite_or_zero, max_finite, sanitize, Frame};
use crate::limiter::{LimiterSettings, TruePeakLimiter, MAX_LOOKAHEAD_MS};
use crate::loudness::LoudnessMeter;
use crate::ramp::Ramp;
use crate::spectrum::BandSpectrum;
pub use crate::strip::{CONTROL_INTERVAL, RAMP_SECONDS};
use bypass::BypassDelay;
pub use bypass::BYPASS_FADE_SECONDS;
use dither::TpdfDither;
pub use learn::{learned_gain_db, LearnPass, LEARNED_GAIN_RANGE_DB};
pub use meters::{MasterMeters, LOUDNESS_MAX_RATE_HZ, LOUDNESS_MIN_RATE_HZ};
use settings::{from_vector, to_vector, INPUT, NUM_CONTINUOUS, OUTPUT, TARGET_GAIN};
pub use settings::{Dither, MasterSettings, TargetPreset};

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
    /// The dry input, delayed by the latency, and the bypass crossfade.
    bypass: BypassDelay,
    /// The dither's noise.
    dither: TpdfDither,
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
            bypass: BypassDelay::new(sample_rate_hz, max_latency),
            dither: TpdfDither::new(),
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
        self.bypass.snap(self.target.bypass);
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
        self.bypass.clear();
        self.dither.reset();
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
                    *v = self.dither.apply(*v, lsb);
                }
            }
            out = self.pad_delay(out);
            if stages == Stages::Whole {
                out = self.bypass.crossfade(out, dry[i], self.target.bypass);
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
}

#[cfg(test)]
mod tests;
