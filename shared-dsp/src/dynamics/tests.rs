use super::*;
use approx::assert_abs_diff_eq;
use std::f64::consts::PI;

fn sine(sr: f32, f: f32, n: usize, amp: f32) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (2.0 * PI * f as f64 * i as f64 / sr as f64).sin() as f32)
        .collect()
}

fn settings() -> CompressorSettings {
    CompressorSettings {
        enabled: true,
        threshold_db: -20.0,
        ratio: 4.0,
        attack_ms: 0.5,
        release_ms: 1000.0,
        knee_db: 6.0,
        ..Default::default()
    }
}

#[test]
fn static_curve_is_giannoulis_eq_4() {
    let s = settings();
    assert_abs_diff_eq!(static_curve_db(&s, -40.0), -40.0, epsilon = 1e-4);
    assert_abs_diff_eq!(static_curve_db(&s, -23.0), -23.0, epsilon = 1e-4);
    // Knee midpoint: x + (1/R - 1) (W/2)^2 / (2W) = -20 - 0.75 * 9 / 12.
    assert_abs_diff_eq!(static_curve_db(&s, -20.0), -20.5625, epsilon = 1e-4);
    assert_abs_diff_eq!(
        static_curve_db(&s, -17.0),
        -20.0 + 3.0 / 4.0,
        epsilon = 1e-4
    );
    assert_abs_diff_eq!(static_curve_db(&s, 0.0), -15.0, epsilon = 1e-4);
    let hard = CompressorSettings { knee_db: 0.0, ..s };
    assert_abs_diff_eq!(static_curve_db(&hard, -10.0), -17.5, epsilon = 1e-4);
    assert_abs_diff_eq!(static_curve_db(&hard, -30.0), -30.0, epsilon = 1e-4);
}

/// Steady 1 kHz sine at 48 kHz (48 samples a period, so the sample peak is the peak):
/// after 1 s of settling, the output's peak level (RMS + 3.01 dB over whole periods)
/// equals the static curve at the input's peak level, plus makeup.
#[test]
fn measured_static_curve() {
    let sr = 48_000.0;
    let s = CompressorSettings {
        makeup_db: 2.0,
        ..settings()
    };
    for input_db in [-30.0f32, -24.0, -22.0, -20.0, -18.0, -16.0, -10.0, -3.0] {
        let mut c = Compressor::new();
        c.set_sample_rate(sr);
        c.set_settings(&s);
        let amp = 10f32.powf(input_db / 20.0);
        let mut x = sine(sr, 1000.0, 72_000, amp);
        c.process(&mut x, None);
        let tail = &x[48_000..];
        let rms =
            (tail.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / tail.len() as f64).sqrt();
        let out_db = 20.0 * (rms * 2f64.sqrt()).log10();
        let expected = static_curve_db(&s, input_db) + s.makeup_db;
        assert_abs_diff_eq!(out_db as f32, expected, epsilon = 0.1);
        assert_abs_diff_eq!(
            c.gain_reduction_db(),
            input_db - static_curve_db(&s, input_db),
            epsilon = 0.1
        );
    }
}

fn program(n: usize) -> (Vec<f32>, Vec<f32>) {
    let l: Vec<f32> = (0..n)
        .map(|i| {
            let env = if (i / 4000) % 2 == 0 { 0.9 } else { 0.05 };
            env * (i as f32 * 0.031).sin()
        })
        .collect();
    let r = l
        .iter()
        .enumerate()
        .map(|(i, v)| 0.6 * v + 0.1 * (i as f32 * 0.2).sin())
        .collect();
    (l, r)
}

fn busy() -> CompressorSettings {
    CompressorSettings {
        enabled: true,
        threshold_db: -24.0,
        ratio: 3.0,
        attack_ms: 5.0,
        release_ms: 80.0,
        mix: 0.7,
        makeup_db: 4.0,
        sidechain_hp_hz: 120.0,
        stereo_link: 0.5,
        ..Default::default()
    }
}

#[test]
fn block_and_frame_agree_and_reset_equals_fresh() {
    let (l0, r0) = program(20_000);
    let mut a = Compressor::new();
    a.set_sample_rate(44_100.0);
    a.set_settings(&busy());
    let mut b = a.clone();
    let fresh = a.clone();
    let (mut l, mut r) = (l0.clone(), r0.clone());
    a.process(&mut l, Some(&mut r));
    for i in 0..l0.len() {
        let (mut fl, mut fr) = ([l0[i]], [r0[i]]);
        b.process(&mut fl, Some(&mut fr));
        assert_eq!([fl[0], fr[0]], [l[i], r[i]]);
    }
    assert!(a.take_max_gain_reduction_db() > 3.0);
    assert_eq!(a.take_max_gain_reduction_db(), 0.0);
    a.reset();
    let mut f = fresh;
    let (mut l1, mut r1) = (l0.clone(), r0.clone());
    let (mut l2, mut r2) = (l0.clone(), r0.clone());
    a.process(&mut l1, Some(&mut r1));
    f.process(&mut l2, Some(&mut r2));
    assert_eq!((l1, r1), (l2, r2));
}

#[test]
fn linked_stereo_applies_equal_gain() {
    let (l0, _) = program(10_000);
    let r0: Vec<f32> = l0.iter().map(|v| 0.1 * v).collect();
    let mut c = Compressor::new();
    c.set_settings(&CompressorSettings {
        stereo_link: 1.0,
        sidechain_hp_hz: 0.0,
        mix: 1.0,
        ..busy()
    });
    let (mut l, mut r) = (l0.clone(), r0.clone());
    c.process(&mut l, Some(&mut r));
    for i in (0..l0.len()).step_by(97) {
        if l0[i].abs() > 1e-3 {
            assert_abs_diff_eq!(l[i] / l0[i], r[i] / r0[i], epsilon = 1e-4);
        }
    }
}

#[test]
fn non_finite_and_denormal_input_recovers() {
    for sr in [22_050.0f32, 48_000.0, 384_000.0] {
        let mut c = Compressor::new();
        c.set_sample_rate(sr);
        c.set_settings(&busy());
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40, f32::MAX] {
            let (mut l, mut r) = program(512);
            l[100] = bad;
            r[200] = bad;
            c.process(&mut l, Some(&mut r));
            assert!(l.iter().chain(&r).all(|v| v.is_finite()));
            let (mut l, mut r) = program(4096);
            c.process(&mut l, Some(&mut r));
            assert!(l.iter().chain(&r).all(|v| v.is_finite() && v.abs() < 10.0));
            assert!(c.gain_reduction_db().is_finite());
        }
    }
}

#[test]
fn disabled_is_identity() {
    let (l0, r0) = program(2048);
    let mut c = Compressor::new();
    let (mut l, mut r) = (l0.clone(), r0.clone());
    c.process(&mut l, Some(&mut r));
    assert_eq!((l, r), (l0, r0));
}

#[test]
fn fast_log2_and_exp2_are_accurate() {
    let mut x = 1e-12f32;
    while x < 1e6 {
        let err = (fast_log2(x) - x.log2()).abs();
        assert!(err < 2e-6 * x.log2().abs().max(1.0), "log2({x}): {err}");
        x *= 1.013;
    }
    let mut y = -40.0f32;
    while y < 40.0 {
        let rel = (fast_exp2(y) / y.exp2() - 1.0).abs();
        assert!(rel < 2e-5, "exp2({y}): {rel}");
        y += 0.0137;
    }
}

/// The dispatched log and exp passes (the AVX2 build on an AVX2 machine) equal the scalar
/// functions sample for sample: both builds compute the same numbers.
#[test]
fn vectorised_passes_equal_the_scalar_functions() {
    let mags: Vec<f32> = (0..203).map(|i| 1e-12 * 1.17f32.powi(i)).collect();
    let mut levels = mags.clone();
    levels_db(&mut levels);
    for (got, &m) in levels.iter().zip(&mags) {
        assert_eq!(*got, level_db(m));
    }
    let reductions: Vec<f32> = (0..203).map(|i| i as f32 * 0.37).collect();
    let mut gains = reductions.clone();
    mixed_gains(&mut gains, 1.5, 0.7);
    for (got, &r) in gains.iter().zip(&reductions) {
        assert_eq!(*got, 1.0 + 0.7 * (gain_of(r, 1.5) - 1.0));
    }
}
