//! Stereo frames, the working format of the Strip's processing sections: `[left, right]` in
//! `f64`. Working on both channels of a frame at once lets every multiply and add of the
//! filters run 2-wide, and `f64` keeps the filters' low-frequency noise far below the `f32`
//! signal's resolution. A mono caller leaves the right lane at 0.
//!
//! [`process_planar`] adapts a frames-based section to the planar `f32` buffers hosts hand
//! over, for callers (tests, benchmarks, the command-line tool) that use one section alone.

/// One stereo frame: `[left, right]`.
pub type Frame = [f64; 2];

/// Largest magnitude a finite input sample keeps (+60 dBFS); beyond it is clamped so the
/// processing cannot overflow `f32` on the way out.
pub const MAX_INPUT_MAGNITUDE: f32 = 1000.0;

/// Frames a planar call is cut into (short enough for the sections' per-block denormal
/// flush, long enough to amortise it).
pub const CHUNK: usize = 64;

/// Non-finite and subnormal input becomes silence; absurd finite input is clamped to
/// ±[`MAX_INPUT_MAGNITUDE`].
///
/// NOTE: the class is read from the exponent bits, so a subnormal sample never reaches a
/// floating-point operation. Plugin hosts run `process()` with flush-to-zero, which flushes
/// subnormal *results* but not subnormal *operands*: on many Intel cores each arithmetic
/// operation that reads one takes a microcode assist of about a hundred cycles, enough to make
/// a chain fed subnormal noise several times slower (what clap-validator's
/// `process-audio-denormals` looks for). Subnormals lie below -758 dBFS: zero is the same
/// sound.
#[inline]
pub fn sanitize(x: f32) -> f32 {
    const EXPONENT: u32 = 0x7f80_0000;
    match x.to_bits() & EXPONENT {
        // Zero or subnormal; infinite or NaN.
        0 | EXPONENT => 0.0,
        _ => x.clamp(-MAX_INPUT_MAGNITUDE, MAX_INPUT_MAGNITUDE),
    }
}

/// Zero for non-finite samples: the last guard before a sample leaves the Strip.
#[inline]
pub fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// Largest magnitude in `x`, whose samples must be finite. Compares the magnitudes' bit
/// patterns as integers (they order like the magnitudes), which vectorises where
/// `f32::max`, careful about NaN, does not.
#[inline]
pub fn peak_magnitude(x: &[f32]) -> f32 {
    f32::from_bits(x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff)))
}

/// The larger of two finite values, without `f32::max`'s NaN handling (one instruction).
#[inline(always)]
pub fn max_finite(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// Runs `section` over `left`, and `right` when given (over the common length), in place:
/// the samples are sanitised, converted to frames [`CHUNK`] at a time, handed to `section`
/// with the number of channels (1 or 2), and written back. Does not allocate.
pub fn process_planar(
    left: &mut [f32],
    mut right: Option<&mut [f32]>,
    mut section: impl FnMut(&mut [Frame], usize),
) {
    let (len, channels) = match right.as_deref() {
        Some(r) => (left.len().min(r.len()), 2),
        None => (left.len(), 1),
    };
    let mut frames = [[0.0f64; 2]; CHUNK];
    let mut start = 0;
    while start < len {
        let n = CHUNK.min(len - start);
        let l = &mut left[start..start + n];
        let mut r = right.as_deref_mut().map(|r| &mut r[start..start + n]);
        for (i, frame) in frames[..n].iter_mut().enumerate() {
            let right = r.as_deref().map_or(0.0, |r| sanitize(r[i]));
            *frame = [sanitize(l[i]) as f64, right as f64];
        }
        section(&mut frames[..n], channels);
        for (i, frame) in frames[..n].iter().enumerate() {
            l[i] = frame[0] as f32;
            if let Some(r) = r.as_deref_mut() {
                r[i] = frame[1] as f32;
            }
        }
        start += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_silences_non_finite_and_clamps() {
        assert_eq!(sanitize(f32::NAN), 0.0);
        assert_eq!(sanitize(f32::NEG_INFINITY), 0.0);
        assert_eq!(sanitize(f32::MAX), MAX_INPUT_MAGNITUDE);
        assert_eq!(sanitize(-0.25), -0.25);
        assert_eq!(sanitize(f32::INFINITY), 0.0);
        assert_eq!(sanitize(-f32::MAX), -MAX_INPUT_MAGNITUDE);
    }

    #[test]
    fn sanitize_silences_subnormals_and_keeps_the_smallest_normals() {
        for x in [
            f32::MIN_POSITIVE / 2.0,
            -f32::MIN_POSITIVE / 2.0,
            f32::from_bits(1),
            -f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
        ] {
            assert!(x.is_subnormal());
            assert_eq!(sanitize(x).to_bits(), 0, "{x:e}");
        }
        assert_eq!(sanitize(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
        assert_eq!(sanitize(-f32::MIN_POSITIVE), -f32::MIN_POSITIVE);
        assert_eq!(sanitize(1e-30), 1e-30);
        assert_eq!(sanitize(-0.0), 0.0);
    }

    #[test]
    fn peak_magnitude_finds_the_largest_magnitude() {
        assert_eq!(peak_magnitude(&[]), 0.0);
        assert_eq!(peak_magnitude(&[0.5, -0.75, 0.25, -0.0]), 0.75);
        assert_eq!(peak_magnitude(&[1e-40, -3e-41]), 1e-40);
        assert_eq!(peak_magnitude(&[-f32::MAX, 1.0]), f32::MAX);
        assert_eq!(max_finite(-1.0, 2.0), 2.0);
    }

    #[test]
    fn planar_round_trip_covers_every_sample_once() {
        let mut l: Vec<f32> = (0..200).map(|i| i as f32).collect();
        let mut r: Vec<f32> = (0..150).map(|i| -(i as f32)).collect();
        let mut calls = Vec::new();
        process_planar(&mut l, Some(&mut r), |frames, channels| {
            calls.push((frames.len(), channels));
            for f in frames.iter_mut() {
                f[0] += 0.5;
                f[1] *= 2.0;
            }
        });
        assert_eq!(calls, vec![(64, 2), (64, 2), (22, 2)]);
        assert!((0..150).all(|i| l[i] == i as f32 + 0.5 && r[i] == -2.0 * i as f32));
        assert!((150..200).all(|i| l[i] == i as f32));
        let mut mono = vec![f32::NAN; 3];
        process_planar(&mut mono, None, |frames, channels| {
            assert_eq!(channels, 1);
            assert!(frames.iter().all(|f| *f == [0.0, 0.0]));
        });
        assert_eq!(mono, vec![0.0; 3]);
    }
}
