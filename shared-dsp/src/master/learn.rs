//! Learn: the target gain (before the limiter) that lands a programme's integrated loudness
//! on the target.
//!
//! A learn pass measures the integrated loudness (BS.1770, gated) at the limiter's input.
//! The gain that moves the output to the target is then the target minus that reading and
//! the output gain, plus what the limiter will take away once the programme is that loud.
//! That last part cannot be read off the pass (a programme played 16 dB too quiet is not
//! limited at all), so the pass runs a *shadow* limiter with the real one's settings on the
//! limiter's input raised by the gain the pass would learn so far (updated every 100 ms),
//! and measures the loudness it takes: the limiter's loss at the learned gain, on this
//! programme. The shadow runs only while learning.

use crate::frames::Frame;
use crate::limiter::{LimiterSettings, TruePeakLimiter};
use crate::loudness::{db_to_gain, LoudnessMeter};
use crate::strip::CONTROL_INTERVAL;

/// Range the learned gain is kept in, dB.
pub const LEARNED_GAIN_RANGE_DB: (f32, f32) = (-30.0, 30.0);

/// What a learn pass measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LearnPass {
    /// Integrated loudness at the limiter's input, LUFS.
    pub input_lufs: f32,
    /// Integrated loudness at the output during the pass, LUFS (`-inf` after a pass of
    /// [`super::MasterChain::process_front`], which has no output).
    pub output_lufs: f32,
    /// Loudness the limiter takes at the learned gain, LU (≥ 0; from the shadow limiter).
    pub limiter_loss_lu: f32,
}

/// The learned gain (dB) after a pass that ran with `previous_db` learned, for a target in
/// LUFS and the output gain `output_db` that follows the limiter. Clamped to
/// [`LEARNED_GAIN_RANGE_DB`]; `previous_db` when the pass heard nothing.
pub fn learned_gain_db(
    previous_db: f32,
    target_lufs: f32,
    output_db: f32,
    pass: &LearnPass,
) -> f32 {
    if !(pass.input_lufs.is_finite() && target_lufs.is_finite()) {
        return previous_db;
    }
    let loss = if pass.limiter_loss_lu.is_finite() {
        pass.limiter_loss_lu.max(0.0)
    } else {
        0.0
    };
    let gain = previous_db + target_lufs - output_db - pass.input_lufs + loss;
    gain.clamp(LEARNED_GAIN_RANGE_DB.0, LEARNED_GAIN_RANGE_DB.1)
}

/// The meters and the shadow limiter of a learn pass (allocated with the chain, reset when
/// a pass starts; nothing allocates while learning).
pub(crate) struct Learner {
    /// At the limiter's input.
    input: LoudnessMeter,
    /// At the output.
    output: LoudnessMeter,
    /// The shadow limiter's input (the limiter's input raised by `shadow_gain`) and output.
    shadow_in: LoudnessMeter,
    shadow_out: LoudnessMeter,
    shadow: TruePeakLimiter,
    shadow_gain: f32,
    /// Whether the shadow runs: from the first 100 ms block with a loudness reading on (before
    /// it, the gain to shadow is not known, and a shadow at 0 dB would measure a loss the
    /// learned gain will not have).
    shadow_on: bool,
    target_lufs: f32,
    output_db: f32,
    blocks_seen: u64,
    scratch: [[f32; CONTROL_INTERVAL]; 4],
    active: bool,
}

impl Learner {
    /// A learner for `num_channels` at a rate the loudness meters run at.
    pub fn new(meter_rate: u32, sample_rate_hz: f32, num_channels: usize) -> Option<Self> {
        // Loudness alone: the pass reads no peak.
        let meter = || LoudnessMeter::loudness_only(meter_rate, num_channels).ok();
        Some(Self {
            input: meter()?,
            output: meter()?,
            shadow_in: meter()?,
            shadow_out: meter()?,
            shadow: TruePeakLimiter::new(sample_rate_hz),
            shadow_gain: 1.0,
            shadow_on: false,
            target_lufs: -14.0,
            output_db: 0.0,
            blocks_seen: 0,
            scratch: [[0.0; CONTROL_INTERVAL]; 4],
            active: false,
        })
    }

    /// Starts a pass towards `target_lufs` with `output_db` after the limiter.
    pub fn start(&mut self, target_lufs: f32, output_db: f32, limiter: &LimiterSettings) {
        for m in [
            &mut self.input,
            &mut self.output,
            &mut self.shadow_in,
            &mut self.shadow_out,
        ] {
            m.reset();
        }
        self.shadow.set_settings(limiter);
        self.shadow.reset();
        self.shadow_gain = 1.0;
        self.shadow_on = false;
        self.target_lufs = target_lufs;
        self.output_db = output_db;
        self.blocks_seen = 0;
        self.active = true;
    }

    /// Whether a pass is running.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Keeps the shadow limiter's settings those of the real one.
    pub fn set_limiter(&mut self, limiter: &LimiterSettings) {
        self.shadow.set_settings(limiter);
    }

    /// The pass so far.
    pub fn pass(&self) -> LearnPass {
        LearnPass {
            input_lufs: self.input.integrated_lufs(),
            output_lufs: self.output.integrated_lufs(),
            limiter_loss_lu: self.shadow_in.integrated_lufs() - self.shadow_out.integrated_lufs(),
        }
    }

    /// Ends the pass; `None` when nothing above the gates was heard.
    pub fn finish(&mut self) -> Option<LearnPass> {
        let was = std::mem::take(&mut self.active);
        let pass = self.pass();
        (was && pass.input_lufs.is_finite()).then_some(pass)
    }

    /// Measures frames at the limiter's input (at most [`CONTROL_INTERVAL`]).
    pub fn limiter_input(&mut self, frames: &[Frame], stereo: bool) {
        let n = frames.len();
        for (i, f) in frames.iter().enumerate() {
            self.scratch[0][i] = f[0] as f32;
            self.scratch[1][i] = f[1] as f32;
        }
        let [l, r, ..] = &self.scratch;
        self.input.process(&l[..n], stereo.then_some(&r[..n]));
        if self.shadow_on {
            self.run_shadow(frames, stereo);
        }
        // Every 100 ms, the gain this pass would learn so far.
        let blocks = self.input.blocks_finished();
        if blocks != self.blocks_seen {
            self.blocks_seen = blocks;
            let lufs = self.input.integrated_lufs();
            if lufs.is_finite() {
                // The gain being learned includes the loss measured so far, so the shadow
                // limits at (nearly) the gain the pass will set: the loss grows with the
                // gain, and a loss measured at the target gain alone falls short by it.
                let loss = self.pass().limiter_loss_lu;
                let loss = if loss.is_finite() { loss.max(0.0) } else { 0.0 };
                let extra = (self.target_lufs - self.output_db - lufs + loss)
                    .clamp(2.0 * LEARNED_GAIN_RANGE_DB.0, 2.0 * LEARNED_GAIN_RANGE_DB.1);
                self.shadow_gain = db_to_gain(extra);
                self.shadow_on = true;
            }
        }
    }

    /// The shadow limiter and its two meters, on frames raised by the gain being learned.
    fn run_shadow(&mut self, frames: &[Frame], stereo: bool) {
        let n = frames.len();
        let g = self.shadow_gain as f64;
        let mut shadow = [[0.0f64; 2]; CONTROL_INTERVAL];
        for (s, f) in shadow.iter_mut().zip(frames) {
            *s = [f[0] * g, f[1] * g];
        }
        let shadow = &mut shadow[..n];
        let measure = |meter: &mut LoudnessMeter,
                       frames: &[Frame],
                       scratch: &mut [[f32; CONTROL_INTERVAL]; 4]| {
            for (i, f) in frames.iter().enumerate() {
                scratch[2][i] = f[0] as f32;
                scratch[3][i] = f[1] as f32;
            }
            meter.process(&scratch[2][..n], stereo.then_some(&scratch[3][..n]));
        };
        measure(&mut self.shadow_in, shadow, &mut self.scratch);
        self.shadow
            .process_frames(shadow, if stereo { 2 } else { 1 });
        measure(&mut self.shadow_out, shadow, &mut self.scratch);
    }

    /// Measures the output.
    pub fn output(&mut self, left: &[f32], right: Option<&[f32]>) {
        self.output.process(left, right);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_is_target_minus_input_plus_the_limiters_loss() {
        let pass = |input_lufs, limiter_loss_lu| LearnPass {
            input_lufs,
            output_lufs: input_lufs,
            limiter_loss_lu,
        };
        assert_eq!(learned_gain_db(0.0, -14.0, 0.0, &pass(-30.0, 0.0)), 16.0);
        assert_eq!(learned_gain_db(0.0, -14.0, 0.0, &pass(-30.0, 0.75)), 16.75);
        assert_eq!(learned_gain_db(16.0, -14.0, 0.0, &pass(-14.5, 0.25)), 16.75);
        // The output gain after the limiter counts.
        assert_eq!(learned_gain_db(0.0, -14.0, -2.0, &pass(-30.0, 0.0)), 18.0);
        // Nothing heard: unchanged; absurd: clamped; a negative or unknown loss is none.
        assert_eq!(
            learned_gain_db(3.0, -14.0, 0.0, &pass(f32::NEG_INFINITY, 0.0)),
            3.0
        );
        assert_eq!(
            learned_gain_db(0.0, -14.0, 0.0, &pass(-69.0, 0.0)),
            LEARNED_GAIN_RANGE_DB.1
        );
        assert_eq!(learned_gain_db(0.0, -14.0, 0.0, &pass(-20.0, -0.3)), 6.0);
        assert_eq!(
            learned_gain_db(0.0, -14.0, 0.0, &pass(-20.0, f32::NAN)),
            6.0
        );
    }
}
