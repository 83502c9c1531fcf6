//! Biquad sections run in series over stereo frames, a block at a time: the equaliser's and the
//! compressor sidechain's hot loop.
//!
//! A frame is `[left, right]` in `f64`, and each section's state holds both channels, so every
//! multiply and add works on the two channels at once (one 2-wide SIMD operation). Sections
//! are run [`GROUP`] at a time, sample by sample, with their states in registers: a
//! biquad's recurrence is a chain of dependent multiply-adds, and running several sections
//! interleaved lets the CPU overlap their chains instead of waiting on one.
//!
//! Nothing here checks for NaN or denormals per sample: callers feed finite input and call
//! [`PairState::repair`] after every block (blocks of at most a few hundred frames).

use super::{BiquadCoefs, FLUSH};

/// Sections run interleaved in one pass over a block. Measured with
/// `cargo bench -p shared-dsp --bench strip -- eq_grouping`: 3 beats 1, 2 and 4.
pub const GROUP: usize = 3;

/// One section's transposed direct form II state for both channels (lane 0 left, lane 1
/// right), in `f64`: cheap, and it keeps TDF-II's low-frequency noise far below the `f32`
/// signal's resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairState {
    s1: [f64; 2],
    s2: [f64; 2],
}

impl PairState {
    /// Resets a state that went non-finite and flushes tiny values to zero.
    #[inline]
    pub fn repair(&mut self) {
        for lane in 0..2 {
            if !(self.s1[lane] + self.s2[lane]).is_finite() {
                self.s1[lane] = 0.0;
                self.s2[lane] = 0.0;
            }
            if self.s1[lane].abs() < FLUSH {
                self.s1[lane] = 0.0;
            }
            if self.s2[lane].abs() < FLUSH {
                self.s2[lane] = 0.0;
            }
        }
    }

    /// Filters one frame through one section.
    #[inline(always)]
    pub fn tick(&mut self, c: &PairCoefs, x: [f64; 2]) -> [f64; 2] {
        let [b0, b1, b2, neg_a1, neg_a2] = *c;
        // Ordered for the recurrence: `y` reaches the next `s1` through one multiply and one
        // add, and the terms that do not wait on `y` are summed first.
        let y = mul_add(b0, x, self.s1);
        self.s1 = mul_add(neg_a1, y, mul_add(b1, x, self.s2));
        self.s2 = mul_add(neg_a2, y, [b2[0] * x[0], b2[1] * x[1]]);
        y
    }
}

/// A section's coefficients, each repeated for both lanes, the feedback ones negated:
/// `[b0, b1, b2, -a1, -a2]`, so a tick is multiply-adds on whole lanes.
pub type PairCoefs = [[f64; 2]; 5];

/// The lane form of `c`.
#[inline]
pub fn pair_coefs(c: &BiquadCoefs) -> PairCoefs {
    let [b0, b1, b2, a1, a2] = c.to_array();
    [[b0; 2], [b1; 2], [b2; 2], [-a1; 2], [-a2; 2]]
}

/// `a * b + c` lane by lane (not fused: `mul_add` is a library call on baseline x86-64,
/// and where the CPU has FMA the fused form measured slower here, its lanes left unpaired).
#[inline(always)]
fn mul_add(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> [f64; 2] {
    [a[0] * b[0] + c[0], a[1] * b[1] + c[1]]
}

/// The lane form of `c` acting on lane 0 only (lane 1 passes unchanged).
#[inline]
pub fn lane0_coefs(c: &BiquadCoefs) -> PairCoefs {
    let [b0, b1, b2, a1, a2] = c.to_array();
    [[b0, 1.0], [b1, 0.0], [b2, 0.0], [-a1, 0.0], [-a2, 0.0]]
}

/// The lane form of `c` acting on lane 1 only (lane 0 passes unchanged).
#[inline]
pub fn lane1_coefs(c: &BiquadCoefs) -> PairCoefs {
    let [b0, b1, b2, a1, a2] = c.to_array();
    [[1.0, b0], [0.0, b1], [0.0, b2], [0.0, -a1], [0.0, -a2]]
}

/// Runs the sections listed in `order` (indices into `coefs` and `states`), in that order,
/// over `frames` in place, then repairs their states.
pub fn run(coefs: &[PairCoefs], states: &mut [PairState], order: &[u8], frames: &mut [[f64; 2]]) {
    run_grouped::<GROUP>(coefs, states, order, frames);
}

/// [`run`] with a chosen group size (for the benchmark that picked [`GROUP`]).
pub fn run_grouped<const G: usize>(
    coefs: &[PairCoefs],
    states: &mut [PairState],
    order: &[u8],
    frames: &mut [[f64; 2]],
) {
    for group in order.chunks(G) {
        match group.len() {
            1 => run_group::<1>(coefs, states, group, frames),
            2 => run_group::<2>(coefs, states, group, frames),
            3 => run_group::<3>(coefs, states, group, frames),
            _ => {
                for pair in group.chunks(2) {
                    match pair.len() {
                        1 => run_group::<1>(coefs, states, pair, frames),
                        _ => run_group::<2>(coefs, states, pair, frames),
                    }
                }
            }
        }
    }
    for &i in order {
        states[i as usize].repair();
    }
}

/// `K` sections, sample by sample, with coefficients and states in locals.
#[inline(always)]
fn run_group<const K: usize>(
    coefs: &[PairCoefs],
    states: &mut [PairState],
    group: &[u8],
    frames: &mut [[f64; 2]],
) {
    let c: [PairCoefs; K] = std::array::from_fn(|k| coefs[group[k] as usize]);
    let mut s: [PairState; K] = std::array::from_fn(|k| states[group[k] as usize]);
    for frame in frames.iter_mut() {
        let mut v = *frame;
        for k in 0..K {
            v = s[k].tick(&c[k], v);
        }
        *frame = v;
    }
    for k in 0..K {
        states[group[k] as usize] = s[k];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections() -> Vec<BiquadCoefs> {
        vec![
            BiquadCoefs::high_pass(48_000.0, 40.0, 0.54),
            BiquadCoefs::low_shelf(48_000.0, 120.0, 4.0, 0.7),
            BiquadCoefs::bell(48_000.0, 900.0, -5.0, 2.0),
            BiquadCoefs::bell(48_000.0, 3000.0, 3.0, 1.0),
            BiquadCoefs::high_shelf(48_000.0, 9000.0, -3.0, 0.7),
        ]
    }

    /// The grouped, two-lane kernel computes exactly what one scalar section after another
    /// does, whatever the group size and order.
    #[test]
    fn grouped_pairs_equal_scalar_sections() {
        let coefs = sections();
        let order: Vec<u8> = vec![4, 0, 2, 1, 3];
        let input: Vec<[f64; 2]> = (0..300)
            .map(|n| {
                let t = n as f64;
                [(t * 0.37).sin(), (t * 0.11).cos() * 0.5]
            })
            .collect();
        let mut expected = input.clone();
        // One scalar transposed direct form II section after another, per channel.
        let mut scalar = vec![[[0.0f64; 2]; 2]; coefs.len()];
        for frame in &mut expected {
            for &i in &order {
                let [b0, b1, b2, a1, a2] = coefs[i as usize].to_array();
                for (x, s) in frame.iter_mut().zip(&mut scalar[i as usize]) {
                    let y = b0 * *x + s[0];
                    s[0] = b1 * *x - a1 * y + s[1];
                    s[1] = b2 * *x - a2 * y;
                    *x = y;
                }
            }
        }
        type Run = fn(&[PairCoefs], &mut [PairState], &[u8], &mut [[f64; 2]]);
        let pairs: Vec<PairCoefs> = coefs.iter().map(pair_coefs).collect();
        let check = |f: Run| {
            let mut states = vec![PairState::default(); coefs.len()];
            let mut out = input.clone();
            for block in out.chunks_mut(37) {
                f(&pairs, &mut states, &order, block);
            }
            for (a, b) in out.iter().zip(&expected) {
                for lane in 0..2 {
                    assert!((a[lane] - b[lane]).abs() <= 1e-12 * b[lane].abs().max(1.0));
                }
            }
        };
        check(run_grouped::<1>);
        check(run_grouped::<2>);
        check(run_grouped::<3>);
        check(run_grouped::<4>);
    }

    #[test]
    fn repair_clears_non_finite_and_tiny_state() {
        let mut s = PairState {
            s1: [f64::NAN, 1e-40],
            s2: [1.0, 1e-31],
        };
        s.repair();
        assert_eq!(s, PairState::default());
    }
}
