//! The Master's bypass: the sanitised input, delayed by the chain's latency so that it lines
//! up with the processed signal, crossfaded in over [`BYPASS_FADE_SECONDS`] while the bypass
//! is on, so switching never clicks and the host's delay compensation holds either way.
//!
//! The fade is linear per sample (`out + (dry - out) m`, `m` from 0 to 1); at either end the
//! output is exactly the processed signal or exactly the delayed input.

use super::delay_step;
use crate::frames::Frame;

/// Length of the bypass crossfade, seconds.
pub const BYPASS_FADE_SECONDS: f32 = 0.01;

/// The dry path and where the crossfade is.
pub(super) struct BypassDelay {
    /// The dry input, delayed by `latency` frames (a ring; one frame spare).
    dry: Vec<Frame>,
    dry_pos: usize,
    /// The chain's latency, frames: the dry path's delay.
    latency: usize,
    /// Crossfade position, 0 (processed) to `len` (dry), one step a sample.
    pos: usize,
    /// Length of the crossfade, samples (at least 1).
    len: usize,
}

impl BypassDelay {
    /// A dry path delayed by `latency` frames at `sample_rate_hz`, not bypassed. Allocates.
    pub(super) fn new(sample_rate_hz: f32, latency: usize) -> Self {
        Self {
            dry: vec![[0.0; 2]; latency + 1],
            dry_pos: 0,
            latency,
            pos: 0,
            len: ((BYPASS_FADE_SECONDS * sample_rate_hz) as usize).max(1),
        }
    }

    /// Jumps to the end of the crossfade: all dry when `bypassed`, all processed otherwise.
    pub(super) fn snap(&mut self, bypassed: bool) {
        self.pos = if bypassed { self.len } else { 0 };
    }

    /// Forgets the delayed input (the crossfade stays where it is).
    pub(super) fn clear(&mut self) {
        self.dry.fill([0.0; 2]);
        self.dry_pos = 0;
    }

    /// One output frame: `out` (processed) and the sanitised `input`, which goes into the
    /// delay; the crossfade takes one step towards `bypassed`.
    #[inline]
    pub(super) fn crossfade(&mut self, out: [f32; 2], input: [f32; 2], bypassed: bool) -> [f32; 2] {
        let input = [input[0] as f64, input[1] as f64];
        let delayed = delay_step(&mut self.dry[..self.latency], &mut self.dry_pos, input);
        let bypass_to = if bypassed { self.len } else { 0 };
        if self.pos < bypass_to {
            self.pos += 1;
        } else if self.pos > bypass_to {
            self.pos -= 1;
        }
        let delayed = [delayed[0] as f32, delayed[1] as f32];
        if self.pos == self.len {
            delayed
        } else if self.pos > 0 {
            let m = self.pos as f32 / self.len as f32;
            [
                out[0] + (delayed[0] - out[0]) * m,
                out[1] + (delayed[1] - out[1]) * m,
            ]
        } else {
            out
        }
    }
}
