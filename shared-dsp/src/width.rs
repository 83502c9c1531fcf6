//! Mid/side stereo width.

/// Widest setting: the side signal doubled.
pub const MAX_WIDTH: f32 = 2.0;

/// Applies mid/side width to one stereo frame. `width` is clamped to 0..=2: 0 sums to mono
/// (L == R), 1 leaves the frame exactly unchanged, 2 doubles the side signal.
#[inline]
pub fn process_frame(width: f32, l: f32, r: f32) -> (f32, f32) {
    if width == 1.0 {
        return (l, r);
    }
    let w = if width.is_finite() {
        width.clamp(0.0, MAX_WIDTH)
    } else {
        1.0
    };
    let (direct, cross) = direct_and_cross(w);
    (direct * l + cross * r, direct * r + cross * l)
}

/// The gains of width `w` (already within 0..=2) per input channel: `L' = direct L + cross
/// R`, `R' = direct R + cross L`. That is `L' = M + w S`, `R' = M - w S` with
/// `M = (L + R)/2`, `S = (L - R)/2`, written per input so that width 0 gives bit-identical
/// channels and width 1 gives (1, 0), the input exactly.
#[inline(always)]
pub fn direct_and_cross(w: f32) -> (f32, f32) {
    (0.5 * (1.0 + w), 0.5 * (1.0 - w))
}

/// Block form of [`process_frame`], in place, over the common length of the two slices.
pub fn process(width: f32, left: &mut [f32], right: &mut [f32]) {
    if width == 1.0 {
        return;
    }
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        (*l, *r) = process_frame(width, *l, *r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn width_one_is_identity_and_zero_is_mono() {
        let mut state = 0x1234_5678u32;
        for _ in 0..1000 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let l = (state >> 8) as f32 / (1 << 24) as f32 - 0.5;
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let r = (state >> 8) as f32 / (1 << 24) as f32 - 0.5;
            assert_eq!(process_frame(1.0, l, r), (l, r));
            let (ml, mr) = process_frame(0.0, l, r);
            assert_eq!(ml, mr);
            assert_relative_eq!(ml, 0.5 * (l + r), epsilon = 1e-7);
        }
    }

    #[test]
    fn width_two_doubles_side() {
        let (l, r) = process_frame(2.0, 0.75, 0.25);
        assert_relative_eq!(0.5 * (l + r), 0.5, epsilon = 1e-7);
        assert_relative_eq!(0.5 * (l - r), 0.5, epsilon = 1e-7);
    }

    #[test]
    fn block_matches_frame() {
        let mut left: Vec<f32> = (0..64).map(|i| (i as f32 * 0.1).sin()).collect();
        let mut right: Vec<f32> = (0..64).map(|i| (i as f32 * 0.23).cos()).collect();
        let expected: Vec<(f32, f32)> = left
            .iter()
            .zip(&right)
            .map(|(&l, &r)| process_frame(1.4, l, r))
            .collect();
        process(1.4, &mut left, &mut right);
        for (i, &(l, r)) in expected.iter().enumerate() {
            assert_eq!((left[i], right[i]), (l, r));
        }
    }
}
