//! The Master's TPDF dither: each output sample gets triangular noise of ±1 LSB of the
//! target word length and is rounded to that word length (ties to even).
//!
//! The noise comes from a xorshift64 generator with a fixed seed, so a render repeats bit
//! for bit and a reset chain equals a fresh one.

/// Seed of the dither's noise.
const DITHER_SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// `x` rounded to the nearest integer (ties to even) for |x| < 2^51: adding and taking away
/// 1.5 x 2^52 leaves no fraction bits. `f32::round` is a libm call per sample on baseline
/// x86-64 (4 % of the whole chain's time in a profile).
#[inline(always)]
fn round_half_even(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    (x + SHIFT) - SHIFT
}

/// The dither's noise generator.
pub(super) struct TpdfDither {
    state: u64,
}

impl TpdfDither {
    /// The generator at its seed.
    pub(super) fn new() -> Self {
        Self { state: DITHER_SEED }
    }

    /// Back to the seed.
    pub(super) fn reset(&mut self) {
        self.state = DITHER_SEED;
    }

    /// `x` with TPDF noise of ±1 `lsb` added, rounded to a multiple of `lsb`.
    #[inline]
    pub(super) fn apply(&mut self, x: f32, lsb: f32) -> f32 {
        let tpdf = self.next_uniform() - self.next_uniform();
        (round_half_even((x + tpdf * lsb) as f64 / lsb as f64) * lsb as f64) as f32
    }

    /// Uniform in [0, 1) from a xorshift64 generator.
    #[inline]
    fn next_uniform(&mut self) -> f32 {
        let mut s = self.state;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.state = s;
        (s >> 40) as f32 / (1u64 << 24) as f32
    }
}
