//! The 10 ms grid the loudness meter reads `ebur128` on, and the momentary (400 ms) and
//! short-term (3 s) windows kept as sums over it, without allocation.
//!
//! Boundary `k` of the grid lies on the frame nearest `k · rate / 100` (halves round up), so
//! at a rate that is not a multiple of 100 Hz (22 050 Hz, 11 025 Hz, 123 457 Hz) a sub-block
//! holds `floor(rate / 100)` or one more frame, and every 10th boundary is the frame nearest
//! a multiple of 100 ms. The pattern of lengths repeats every second (boundary `k + 100` is
//! boundary `k` plus `rate` frames), so the grid only needs `k` modulo 100.
//!
//! Each finished sub-block leaves its energy *sum* (mean square times frames) in a ring of
//! [`SHORTTERM_SUBBLOCKS`]; a window's energy is the sum of its sub-blocks over the frames
//! they span, which keeps the mean right when sub-blocks differ in length. The windows are
//! re-summed from the ring on every sub-block (40 and 300 additions), so nothing drifts and
//! silence after loud passages reads exactly zero.

/// Sub-blocks in a second: the grid is 10 ms.
pub const SUBBLOCKS_PER_SECOND: usize = 100;
/// Sub-blocks in a 100 ms block, BS.1770's hop between gating blocks.
pub const SUBBLOCKS_PER_BLOCK: usize = 10;
/// Sub-blocks in the momentary window (400 ms).
pub const MOMENTARY_SUBBLOCKS: usize = 40;
/// Sub-blocks in the short-term window (3 s).
pub const SHORTTERM_SUBBLOCKS: usize = 300;

/// What one finished sub-block changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Windows {
    /// Mean-square energy of the last 400 ms (zeros before the start count as silence).
    pub momentary_energy: f64,
    /// Mean-square energy of the last 3 s (zeros before the start count as silence).
    pub shortterm_energy: f64,
    /// The sub-block ended on a 100 ms boundary.
    pub ends_block: bool,
    /// At least 400 ms were measured since the reset.
    pub momentary_full: bool,
    /// At least 3 s were measured since the reset.
    pub shortterm_full: bool,
}

/// The 10 ms grid at one sample rate and the energy sums of the last 3 s of sub-blocks.
#[derive(Clone)]
pub struct SubBlocks {
    /// Sample rate, Hz.
    sample_rate_hz: i64,
    /// Energy sums (mean square times frames) of the last [`SHORTTERM_SUBBLOCKS`]
    /// sub-blocks, a ring; zero before the start.
    sums: [f64; SHORTTERM_SUBBLOCKS],
    /// Ring slot the next finished sub-block goes to.
    next: usize,
    /// Index of the boundary that ends the sub-block being filled, modulo 100, in 1..=100.
    boundary: usize,
    /// Sub-blocks finished since the reset, up to [`SHORTTERM_SUBBLOCKS`].
    seen: usize,
}

impl SubBlocks {
    /// The grid at `sample_rate_hz` (at least 100 Hz, so no sub-block is empty).
    pub fn new(sample_rate_hz: u32) -> Self {
        debug_assert!(sample_rate_hz >= SUBBLOCKS_PER_SECOND as u32);
        Self {
            sample_rate_hz: sample_rate_hz as i64,
            sums: [0.0; SHORTTERM_SUBBLOCKS],
            next: 0,
            boundary: 1,
            seen: 0,
        }
    }

    /// Forgets every sub-block; the grid starts again at frame 0.
    pub fn reset(&mut self) {
        self.sums = [0.0; SHORTTERM_SUBBLOCKS];
        self.next = 0;
        self.boundary = 1;
        self.seen = 0;
    }

    /// Frame of boundary `k` (any `k` from -300 to 100), counted from the second's start.
    fn frame_of(&self, k: i64) -> i64 {
        (k * self.sample_rate_hz + 50).div_euclid(100)
    }

    /// Frames in the `n` sub-blocks that end on the boundary `k`.
    fn frames_before(&self, k: usize, n: usize) -> i64 {
        self.frame_of(k as i64) - self.frame_of(k as i64 - n as i64)
    }

    /// Frames in the sub-block being filled.
    pub fn current_frames(&self) -> usize {
        self.frames_before(self.boundary, 1) as usize
    }

    /// Ends the sub-block being filled, whose frames have mean-square energy `energy`, and
    /// returns the windows that end with it.
    pub fn finish(&mut self, energy: f64) -> Windows {
        let k = self.boundary;
        self.sums[self.next] = energy * self.frames_before(k, 1) as f64;
        self.next = (self.next + 1) % SHORTTERM_SUBBLOCKS;
        self.seen = (self.seen + 1).min(SHORTTERM_SUBBLOCKS);
        // The last 40 sub-blocks: the slots before `next`, wrapping round the ring.
        let momentary = if self.next >= MOMENTARY_SUBBLOCKS {
            sum(&self.sums[self.next - MOMENTARY_SUBBLOCKS..self.next])
        } else {
            let wrapped = MOMENTARY_SUBBLOCKS - self.next;
            sum(&self.sums[..self.next]) + sum(&self.sums[SHORTTERM_SUBBLOCKS - wrapped..])
        };
        // The short-term window is the whole ring: 300 sub-blocks span exactly 3 s.
        let shortterm = sum(&self.sums);
        let windows = Windows {
            momentary_energy: momentary / self.frames_before(k, MOMENTARY_SUBBLOCKS) as f64,
            shortterm_energy: shortterm / (3 * self.sample_rate_hz) as f64,
            ends_block: k.is_multiple_of(SUBBLOCKS_PER_BLOCK),
            momentary_full: self.seen >= MOMENTARY_SUBBLOCKS,
            shortterm_full: self.seen >= SHORTTERM_SUBBLOCKS,
        };
        self.boundary = k % SUBBLOCKS_PER_SECOND + 1;
        windows
    }
}

/// Sum of non-negative values in four lanes (the order is fixed, so results repeat).
fn sum(values: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (lane, v) in lanes.iter_mut().zip(c) {
            *lane += v;
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boundaries fall on the frame nearest each 10 ms, every 10th on the frame nearest
    /// each 100 ms, and a second of sub-blocks is exactly `rate` frames.
    #[test]
    fn boundaries_are_the_nearest_frames() {
        for rate in [
            8_000u32, 11_025, 22_050, 44_100, 48_000, 123_457, 705_600, 768_000,
        ] {
            let mut g = SubBlocks::new(rate);
            let mut frame = 0usize;
            let floor = rate as usize / SUBBLOCKS_PER_SECOND;
            for k in 1..=2 * SUBBLOCKS_PER_SECOND {
                let n = g.current_frames();
                assert!(n == floor || n == floor + 1, "{rate} Hz: {n} frames");
                frame += n;
                let exact = k as f64 * rate as f64 / 100.0;
                assert!(
                    (frame as f64 - exact).abs() <= 0.5,
                    "{rate} Hz, boundary {k}"
                );
                let w = g.finish(1.0);
                assert_eq!(w.ends_block, k % SUBBLOCKS_PER_BLOCK == 0);
                assert_eq!(w.momentary_full, k >= MOMENTARY_SUBBLOCKS);
                assert!(!w.shortterm_full);
                if k % SUBBLOCKS_PER_SECOND == 0 {
                    assert_eq!(frame, k / SUBBLOCKS_PER_SECOND * rate as usize);
                }
                // Unit energy everywhere since the start: the windows hold it in proportion
                // to how much of them was measured.
                if k >= MOMENTARY_SUBBLOCKS {
                    assert!((w.momentary_energy - 1.0).abs() < 1e-12, "{rate} Hz, {k}");
                }
                let st = frame as f64 / (3.0 * rate as f64);
                assert!((w.shortterm_energy - st).abs() < 1e-12, "{rate} Hz, {k}");
            }
        }
    }

    /// Windows weigh each sub-block by its frames: at 22 050 Hz (220 and 221 frames) a loud
    /// sub-block counts for its share of the window's frames, exactly.
    #[test]
    fn windows_weigh_sub_blocks_by_their_frames() {
        let rate = 22_050;
        let mut g = SubBlocks::new(rate);
        let mut lengths = Vec::new();
        let mut last = None;
        for k in 1..=SHORTTERM_SUBBLOCKS + 7 {
            let n = g.current_frames();
            lengths.push(n);
            let energy = if k == SHORTTERM_SUBBLOCKS + 1 {
                5.0
            } else {
                0.0
            };
            last = Some(g.finish(energy));
        }
        let w = last.unwrap();
        assert!(w.shortterm_full && w.momentary_full);
        let loud = lengths[SHORTTERM_SUBBLOCKS] as f64 * 5.0;
        let momentary_frames: usize = lengths[lengths.len() - MOMENTARY_SUBBLOCKS..].iter().sum();
        assert_eq!(w.momentary_energy, loud / momentary_frames as f64);
        assert_eq!(w.shortterm_energy, loud / (3.0 * rate as f64));
        // After 3 s of silence both windows are exactly silent again.
        for _ in 0..SHORTTERM_SUBBLOCKS {
            last = Some(g.finish(0.0));
        }
        let w = last.unwrap();
        assert_eq!((w.momentary_energy, w.shortterm_energy), (0.0, 0.0));
        g.reset();
        assert_eq!(g.current_frames(), lengths[0]);
        let first = g.finish(1.0).shortterm_energy;
        assert_eq!(first, lengths[0] as f64 / (3.0 * rate as f64));
    }
}
