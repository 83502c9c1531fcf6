//! The matched designs of the filter module: impulse-invariant poles after Vicanek, and the
//! three ways of choosing the numerator (three-point match, analytic peaking match, and the
//! Lawson-refined least-squares fit). See the `filter` module docs for which serves what.

use super::{squared_magnitude, squared_magnitude_at, Analog, BiquadCoefs};
use std::f64::consts::PI;

/// Denominator `[1, a1, a2]` with the poles of `s^2 + s wp/qp + wp^2` (wp = `ratio` × w0)
/// mapped by impulse invariance.
pub(super) fn matched_poles(ratio: f64, qp: f64, w0: f64) -> [f64; 3] {
    let wp = ratio * w0;
    let zeta = 0.5 / qp;
    let r = (-zeta * wp).exp();
    let a1 = if zeta <= 1.0 {
        -2.0 * r * ((1.0 - zeta * zeta).sqrt() * wp).cos()
    } else {
        -2.0 * r * ((zeta * zeta - 1.0).sqrt() * wp).cosh()
    };
    [1.0, a1, r * r]
}

/// Impulse-invariant poles of a normalised analog biquad at design frequency `w0`
/// (rad/sample), with Vicanek's `A0 = |A(1)|^2` and `A1 = |A(-1)|^2`.
fn poles_of(proto: &Analog, w0: f64) -> ([f64; 3], f64, f64) {
    let d = proto.d;
    let wp = (d[0] / d[2]).sqrt();
    let qp = wp * d[2] / d[1];
    let a = matched_poles(wp, qp, w0);
    let big_a0 = (a[0] + a[1] + a[2]).powi(2);
    let big_a1 = (a[0] - a[1] + a[2]).powi(2);
    (a, big_a0, big_a1)
}

/// Vicanek's three-point match of a normalised analog biquad at design frequency `w0`
/// (rad/sample): impulse-invariant poles, numerator matched in magnitude at DC, `w0` and
/// Nyquist (used for the low-pass).
pub(super) fn matched(proto: &Analog, w0: f64, invert: bool) -> BiquadCoefs {
    let (a, big_a0, big_a1) = poles_of(proto, w0);
    let phi1 = (0.5 * w0).sin().powi(2);
    let phi0 = 1.0 - phi1;
    let big_b0 = proto.squared_magnitude(0.0) * big_a0;
    let big_b1 = proto.squared_magnitude(PI / w0) * big_a1;
    let target = proto.squared_magnitude(1.0) * squared_magnitude(a, w0);
    let big_b2 = (target - big_b0 * phi0 - big_b1 * phi1) / (4.0 * phi0 * phi1);
    numerator([big_b0, big_b1, big_b2], a, invert)
}

/// Bells and shelves centred below this fraction of the sample rate use the analytic
/// matches ([`matched_peak`] for bells, [`matched`] for shelves), above it [`matched_fit`].
/// Measured at 44.1 to 384 kHz (tests): the analytic matches are within 0.04 dB of the
/// prototype below it but drift to 1.3 dB for wide strong bells in the kHz range; the fit
/// holds the top octaves but its normal equations lose narrow low sections completely (a
/// Q 10 bell at 40 Hz, 96 kHz: 99 dB off; a Q 2 shelf at 20 Hz, 384 kHz: 55 dB off).
pub(super) const LOW_DESIGN_MAX_RATIO: f64 = 0.005;

/// Vicanek's matched peaking design (his section on the peaking EQ): impulse-invariant
/// poles; the numerator matches the analog magnitude at DC and at the centre `w0`, with
/// zero slope there. `centre_gain` is the linear gain at `w0`; with `invert`, the
/// reciprocal filter.
pub(super) fn matched_peak(proto: &Analog, w0: f64, centre_gain: f64, invert: bool) -> BiquadCoefs {
    let (a, big_a0, big_a1) = poles_of(proto, w0);
    let big_a2 = -4.0 * a[2];
    let phi1 = (0.5 * w0).sin().powi(2);
    let phi0 = 1.0 - phi1;
    let phi2 = 4.0 * phi0 * phi1;
    let g2 = centre_gain * centre_gain;
    let r1 = (big_a0 * phi0 + big_a1 * phi1 + big_a2 * phi2) * g2;
    let r2 = (-big_a0 + big_a1 + 4.0 * (phi0 - phi1) * big_a2) * g2;
    let big_b0 = big_a0;
    let big_b2 = (r1 - r2 * phi1 - big_b0) / (4.0 * phi1 * phi1);
    let big_b1 = r2 + big_b0 + 4.0 * (phi1 - phi0) * big_b2;
    numerator([big_b0, big_b1, big_b2], a, invert)
}

/// Points per octave of the fit grid of [`matched_fit`].
const FIT_POINTS_PER_OCTAVE: usize = 4;
/// Octaves below Nyquist the fit grid spans (down to about 20 Hz at 44.1 kHz).
const FIT_OCTAVES: usize = 11;
/// Upper end of the band the fit cares about, Hz; above it the fit weight is
/// [`FIT_WEIGHT_ULTRASONIC`].
const FIT_AUDIBLE_HZ: f64 = 20_000.0;
const FIT_WEIGHT_ULTRASONIC: f64 = 0.01;
/// Weight of the DC point (keeps the gain far below the design frequency exact).
const FIT_WEIGHT_DC: f64 = 100.0;
/// Extra fit points on each side of the design frequency.
const FIT_CENTRE_POINTS: i32 = 4;
/// Capacity of the fit grid: DC, the octave grid and the centre points.
const FIT_MAX_POINTS: usize =
    2 + FIT_OCTAVES * FIT_POINTS_PER_OCTAVE + 2 * FIT_CENTRE_POINTS as usize + 1;
/// Rounds of Lawson's reweighting after the plain least-squares fit. Measured (test
/// `bells_do_not_cramp`, worst bell at 44.1 kHz): none 1.07 dB, 1 round 0.95, 2 rounds 0.91,
/// 3 rounds 0.90, and no better with 8; each round costs about as much as the grid.
const FIT_LAWSON_ITERATIONS: usize = 3;

/// Matched design in Vicanek's framework with the numerator fitted rather than matched at
/// three points: impulse-invariant poles; `|B|^2 = B0 phi0 + B1 phi1 + B2 phi2` with `B0`
/// set so that the DC gain is exact, and `B1`, `B2` the weighted least-squares fit of the
/// *relative* error of `|B|^2` against `|H_analog|^2 |A|^2` on a log-spaced grid
/// (1/3 octave, from Nyquist down 11 octaves; audible band weighted 1, above 20 kHz 0.01).
/// Then the minimum-phase numerator is taken, and with `invert` the reciprocal filter.
///
/// NOTE: Vicanek's own peaking design (match DC, the centre gain and a zero slope at the
/// centre) and the plain DC/centre/Nyquist match both miss the analog bell by 1.3 to 3.5 dB
/// for wide, strong bells above about 14 kHz at 44.1 kHz; the fit keeps every bell and shelf
/// of 20 Hz..20 kHz, ±24 dB within about 0.9 dB (see the tests).
pub(super) fn matched_fit(proto: &Analog, w0: f64, fs: f64, invert: bool) -> BiquadCoefs {
    let (a, _, _) = poles_of(proto, w0);
    let w_audible = 2.0 * PI * FIT_AUDIBLE_HZ / fs;
    // The grid: (basis, target |H|^2 |A|^2, weight), in a fixed array (this runs on the
    // audio thread while a setting ramps, so it must not allocate).
    let mut points = [([0.0f64; 3], 0.0f64); FIT_MAX_POINTS];
    let mut n = 0;
    let mut add = |w: f64, weight: f64| {
        let phi1 = (0.5 * w).sin().powi(2);
        let phi0 = 1.0 - phi1;
        let t = proto.squared_magnitude(w / w0) * squared_magnitude_at(a, phi1);
        // The basis over the target: the fit of `u . x` to 1 is the relative fit of |B|^2.
        points[n] = ([phi0 / t, phi1 / t, 4.0 * phi0 * phi1 / t], weight);
        n += 1;
    };
    let band_weight = |w: f64| {
        if w > w_audible {
            FIT_WEIGHT_ULTRASONIC
        } else {
            1.0
        }
    };
    add(0.0, FIT_WEIGHT_DC);
    // Geometric grids stepped by multiplication (`powf` per point was a third of the design
    // time, which the audio thread pays every control tick while a setting ramps).
    let step = 2f64.powf(-1.0 / FIT_POINTS_PER_OCTAVE as f64);
    let mut w = PI;
    for _ in 0..=FIT_OCTAVES * FIT_POINTS_PER_OCTAVE {
        add(w, band_weight(w));
        w *= step;
    }
    // Denser around the design frequency, where a narrow bell changes fastest.
    let half_width_octaves = (0.5 / proto.q()).min(1.0);
    let step = 2f64.powf(half_width_octaves / FIT_CENTRE_POINTS as f64);
    let mut w = w0 * 2f64.powf(-half_width_octaves);
    for _ in -FIT_CENTRE_POINTS..=FIT_CENTRE_POINTS {
        if w < PI {
            add(w, band_weight(w));
        }
        w *= step;
    }
    let points = &points[..n];
    // Weighted least squares on the relative error of |B|^2, then Lawson's reweighting of
    // the audible points towards the smallest largest error (minimax); the best solution
    // seen is kept.
    let mut lawson = [1.0f64; FIT_MAX_POINTS];
    let mut best = ([0.0f64; 3], f64::INFINITY);
    for _ in 0..=FIT_LAWSON_ITERATIONS {
        let mut m = [[0.0f64; 3]; 3];
        let mut v = [0.0f64; 3];
        for (&(u, weight), &l) in points.iter().zip(&lawson) {
            let wt = weight * l;
            for i in 0..3 {
                v[i] += wt * u[i];
                for j in i..3 {
                    m[i][j] += wt * u[i] * u[j];
                }
            }
        }
        // The normal matrix is symmetric: the lower triangle mirrors the upper.
        (m[1][0], m[2][0], m[2][1]) = (m[0][1], m[0][2], m[1][2]);
        let x = solve3(m, v);
        let mut worst = 0.0f64;
        let mut total = 0.0;
        let mut audible = 0;
        for (&(u, weight), l) in points.iter().zip(lawson.iter_mut()) {
            let e = (u[0] * x[0] + u[1] * x[1] + u[2] * x[2] - 1.0).abs();
            if weight == 1.0 {
                worst = worst.max(e);
                *l *= e.max(1e-9);
                total += *l;
                audible += 1;
            }
        }
        if worst.is_finite() && worst < best.1 {
            best = (x, worst);
        }
        if !(total > 0.0 && total.is_finite()) {
            break;
        }
        for (&(_, weight), l) in points.iter().zip(lawson.iter_mut()) {
            if weight == 1.0 {
                *l *= audible as f64 / total;
            }
        }
    }
    numerator(best.0, a, invert)
}

/// Solves the 3x3 linear system `m x = v` by Cramer's rule (m is a small, well-scaled
/// normal matrix).
fn solve3(m: [[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mut mc = m;
        for r in 0..3 {
            mc[r][c] = v[r];
        }
        *o = det(mc) / d;
    }
    out
}

/// The minimum-phase numerator with `|B|^2 = B0 phi0 + B1 phi1 + B2 phi2` over the
/// denominator `a` (Vicanek's factorisation); with `invert`, the reciprocal filter. Its
/// zeros lie inside the unit circle, so the reciprocal is stable.
fn numerator(big_b: [f64; 3], a: [f64; 3], invert: bool) -> BiquadCoefs {
    let r0 = big_b[0].max(0.0).sqrt();
    let r1 = big_b[1].max(0.0).sqrt();
    let w = 0.5 * (r0 + r1);
    let b0 = 0.5 * (w + (w * w + big_b[2]).max(0.0).sqrt());
    let b1 = 0.5 * (r0 - r1);
    let b2 = if b0 > 0.0 {
        -big_b[2] / (4.0 * b0)
    } else {
        0.0
    };
    if invert {
        BiquadCoefs::from_f64(a, [b0, b1, b2])
    } else {
        BiquadCoefs::from_f64([b0, b1, b2], a)
    }
}
