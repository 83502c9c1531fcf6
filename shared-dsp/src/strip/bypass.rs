//! The Strip's bypass: a crossfade between the processed signal and the dry input over
//! [`BYPASS_FADE_SECONDS`], so switching never clicks.
//!
//! The fade is equal-gain (`(1 - m) processed + m dry`, `m` moving linearly per sample,
//! `fade_samples` steps from one end to the other): the Strip has no latency, so both
//! signals are coherent and their gains must add to one. The dry input is kept one control
//! period at a time (the Strip processes in periods of at most [`CONTROL_INTERVAL`]
//! samples), in fixed arrays: no buffer depends on the host's block size and nothing
//! allocates. At either end of the fade the output is exactly the processed signal or
//! exactly the (sanitised) input.

use super::CONTROL_INTERVAL;
use crate::frames::sanitize;

/// Duration of the bypass crossfade, in seconds.
pub const BYPASS_FADE_SECONDS: f32 = 0.01;

/// Length of the bypass crossfade at `sample_rate_hz`, in samples (at least 1).
pub(super) fn fade_samples(sample_rate_hz: f32) -> u32 {
    (BYPASS_FADE_SECONDS * sample_rate_hz).ceil().max(1.0) as u32
}

/// Bypass state: the target, where the fade is, and the current period's dry input.
pub(super) struct BypassFade {
    /// Whether the Strip should be bypassed.
    bypassed: bool,
    /// Where the fade is, in samples: 0 processed, `len` bypassed; the dry signal's share
    /// of the output is `pos / len`.
    pos: u32,
    /// Length of the fade in samples.
    len: u32,
    /// `1 / len`.
    inv_len: f32,
    /// The current control period's input, sanitised, per channel.
    dry: [[f32; CONTROL_INTERVAL]; 2],
}

impl BypassFade {
    /// Not bypassed, fading over [`BYPASS_FADE_SECONDS`] at `sample_rate_hz`.
    pub(super) fn new(sample_rate_hz: f32) -> Self {
        let len = fade_samples(sample_rate_hz);
        Self {
            bypassed: false,
            pos: 0,
            len,
            inv_len: 1.0 / len as f32,
            dry: [[0.0; CONTROL_INTERVAL]; 2],
        }
    }

    /// Sets the target; the output fades there.
    pub(super) fn set(&mut self, bypassed: bool) {
        self.bypassed = bypassed;
    }

    /// The target.
    pub(super) fn is_bypassed(&self) -> bool {
        self.bypassed
    }

    /// Jumps to the target, skipping the fade.
    pub(super) fn snap(&mut self) {
        self.pos = if self.bypassed { self.len } else { 0 };
    }

    /// Whether the output is entirely dry (bypassed and the fade done).
    pub(super) fn fully_bypassed(&self) -> bool {
        self.bypassed && self.pos == self.len
    }

    /// Whether the dry signal is part of the output now (bypassed or fading).
    pub(super) fn dry_needed(&self) -> bool {
        self.bypassed || self.pos > 0
    }

    /// Keeps this period's input (up to [`CONTROL_INTERVAL`] samples), sanitised as the
    /// processing sanitises it, so that the output stays finite for any input.
    pub(super) fn capture(&mut self, left: &[f32], right: Option<&[f32]>) {
        for (d, &x) in self.dry[0].iter_mut().zip(left) {
            *d = sanitize(x);
        }
        if let Some(right) = right {
            for (d, &x) in self.dry[1].iter_mut().zip(right) {
                *d = sanitize(x);
            }
        }
    }

    /// Mixes the captured input into the processed period in place, moving the fade on by
    /// one step per sample. Call only when [`BypassFade::dry_needed`] was true before
    /// [`BypassFade::capture`].
    pub(super) fn apply(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        let (start, len, inv_len, bypassed) = (self.pos, self.len, self.inv_len, self.bypassed);
        let mut end = start;
        for (samples, dry) in [Some(left), right].into_iter().flatten().zip(&self.dry) {
            // Both channels step through the same positions.
            let mut pos = start;
            for (wet, &dry) in samples.iter_mut().zip(dry) {
                pos = if bypassed {
                    (pos + 1).min(len)
                } else {
                    pos.saturating_sub(1)
                };
                if pos == len {
                    *wet = dry;
                } else if pos > 0 {
                    let m = pos as f32 * inv_len;
                    *wet = (1.0 - m) * *wet + m * dry;
                }
            }
            end = pos;
        }
        self.pos = end;
    }
}
