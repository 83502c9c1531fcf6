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

/// The vectorised passes against libm in `f64`, an independent reference: detector levels
/// within `fast_log2`'s documented 2e-6 (relative above |log2| = 1), that is 1.2e-5 dB, plus
/// the `f32` rounding of the result; gains within `fast_exp2`'s documented 2e-5 relative.
#[test]
fn vectorised_passes_match_libm_within_the_documented_error() {
    let mags: Vec<f32> = (0..203).map(|i| 1e-12 * 1.17f32.powi(i)).collect();
    let mut levels = mags.clone();
    levels_db(&mut levels);
    let db_per_log2 = 20.0 * 2f64.log10();
    for (got, &m) in levels.iter().zip(&mags) {
        // The detector floors levels at LEVEL_FLOOR_DB.
        let exact = (20.0 * (m as f64).log10()).max(LEVEL_FLOOR_DB as f64);
        let allowed = 2e-6 * db_per_log2 * (exact / db_per_log2).abs().max(1.0)
            + f32::EPSILON as f64 * exact.abs();
        assert!(
            (*got as f64 - exact).abs() <= allowed,
            "level of {m}: {got} dB, libm {exact} dB"
        );
    }
    let reductions: Vec<f32> = (0..203).map(|i| i as f32 * 0.37).collect();
    let mut gains = reductions.clone();
    let (makeup, mix) = (1.5f64, 0.7f64);
    mixed_gains(&mut gains, makeup as f32, mix as f32);
    for (got, &r) in gains.iter().zip(&reductions) {
        let wet = 10f64.powf(-r as f64 / 20.0) * makeup;
        let exact = 1.0 + mix * (wet - 1.0);
        // The error of the wet gain, carried through the mix, plus f32 rounding.
        let allowed = 2e-5 * mix * wet + 2.0 * f32::EPSILON as f64 * exact.abs();
        assert!(
            (*got as f64 - exact).abs() <= allowed,
            "gain for {r} dB: {got}, libm {exact}"
        );
    }
}

/// A hard-knee 4:1 compressor at -30 dB, attack and release as given, no sidechain filter.
fn timed(attack_ms: f32, release_ms: f32) -> CompressorSettings {
    CompressorSettings {
        enabled: true,
        threshold_db: -30.0,
        ratio: 4.0,
        attack_ms,
        release_ms,
        knee_db: 0.0,
        ..Default::default()
    }
}

/// Gain reduction (dB) applied to each frame of a constant input `from` that steps to `to`
/// at frame `at` (mono).
fn reduction_trace(
    sr: f32,
    s: &CompressorSettings,
    from: f32,
    to: f32,
    at: usize,
    n: usize,
) -> Vec<f32> {
    let mut c = Compressor::new();
    c.set_sample_rate(sr);
    c.set_settings(s);
    let input: Vec<f32> = (0..n).map(|i| if i < at { from } else { to }).collect();
    let mut x = input.clone();
    c.process(&mut x, None);
    x.iter()
        .zip(&input)
        .map(|(y, x)| -20.0 * (y / x).log10())
        .collect()
}

/// Seconds from frame `at` until the trace has covered 1 - 1/e of its way from its value
/// before `at` to its last value (interpolated between frames).
fn time_constant_of_step(trace: &[f32], at: usize, sr: f32) -> f32 {
    let (start, end) = (trace[at - 1], *trace.last().unwrap());
    let goal = start + (end - start) * (1.0 - (-1.0f32).exp());
    let reached = |v: f32| if end > start { v >= goal } else { v <= goal };
    let k = at + trace[at..].iter().position(|&v| reached(v)).unwrap();
    let (a, b) = (trace[k - 1], trace[k]);
    // Frame `at` is the first one of the new level: one frame after it, the detector has
    // taken one step.
    ((k - at) as f32 + (goal - a) / (b - a)) / sr
}

/// The attack and release settings are the times to 1 - 1/e of a step in the gain
/// reduction (18 dB here: a constant input stepping between -40 and -6 dBFS, 4:1 above
/// -30 dB). Attack: within 1 % and a frame of the setting. Release: the release detector
/// feeds the attack smoother (Giannoulis et al.'s smooth decoupled detector), so a release
/// step takes the release time plus about the attack time; measured between the two.
#[test]
fn attack_and_release_times_are_the_settings() {
    let (quiet, loud) = (0.01, 0.5);
    for sr in [44_100.0f32, 48_000.0] {
        for (attack_ms, release_ms) in [(0.5, 50.0), (10.0, 200.0), (50.0, 1000.0)] {
            let s = timed(attack_ms, release_ms);
            let at = sr as usize / 10;
            let n = at + (sr * 0.01 * attack_ms) as usize;
            let up = reduction_trace(sr, &s, quiet, loud, at, n);
            assert_abs_diff_eq!(up[at - 1], 0.0);
            assert_abs_diff_eq!(*up.last().unwrap(), 18.0 - 0.75 * 0.0206, epsilon = 0.01);
            let attack = time_constant_of_step(&up, at, sr) * 1000.0;

            let n = at + (sr * 0.01 * release_ms) as usize;
            let down = reduction_trace(
                sr,
                &timed(attack_ms, release_ms),
                loud,
                quiet,
                5 * at,
                5 * at + n,
            );
            let release = time_constant_of_step(&down, 5 * at, sr) * 1000.0;
            eprintln!(
                "{sr} Hz: attack {attack_ms} ms measured {attack:.3} ms, release {release_ms} \
                 ms measured {release:.3} ms"
            );
            // Release to a smaller reduction that is not zero (-6 to -18 dBFS: 18 to 9 dB):
            // the same time constant.
            let partial = reduction_trace(sr, &s, loud, 0.125, 5 * at, 5 * at + n);
            let settled = *partial.last().unwrap();
            // NOTE: within 0.05 dB, not 0.01: the f32 detector's steps fall under half an ulp
            // near the end of a long release (1 s at 44.1 kHz stalls 0.037 dB above 8.954).
            assert_abs_diff_eq!(
                settled,
                0.75 * (30.0 + 20.0 * 0.125f32.log10()),
                epsilon = 0.05
            );
            let partial_release = time_constant_of_step(&partial, 5 * at, sr) * 1000.0;
            let frame_ms = 1000.0 / sr;
            assert!(
                partial_release >= release_ms - frame_ms
                    && partial_release <= 1.01 * (release_ms + 1.5 * attack_ms) + frame_ms,
                "release {release_ms} ms to 9 dB of reduction: {partial_release} ms"
            );
            assert!(
                (attack - attack_ms).abs() <= 0.01 * attack_ms + frame_ms,
                "attack {attack_ms} ms: {attack} ms"
            );
            assert!(
                release >= release_ms - frame_ms
                    && release <= 1.01 * (release_ms + 1.5 * attack_ms) + frame_ms,
                "release {release_ms} ms (attack {attack_ms}): {release} ms"
            );
        }
    }
}

/// The sidechain high-pass makes a low tone compress less: a 50 Hz sine at -6 dBFS
/// (18 dB of reduction unfiltered, 4:1 above -30 dB) reaches the detector about 24 dB down
/// through a 12 dB/oct high-pass at 200 Hz, about at the threshold; a 2 kHz sine is
/// compressed the same either way.
#[test]
fn sidechain_high_pass_spares_low_tones() {
    let sr = 48_000.0;
    let reduction = |f: f32, hp_hz: f32| {
        let mut c = Compressor::new();
        c.set_sample_rate(sr);
        c.set_settings(&CompressorSettings {
            sidechain_hp_hz: hp_hz,
            ..timed(1.0, 500.0)
        });
        let mut x = sine(sr, f, sr as usize, 0.5);
        c.process(&mut x, None);
        c.gain_reduction_db()
    };
    let (low_off, low_hp) = (reduction(50.0, SIDECHAIN_HP_OFF_HZ), reduction(50.0, 200.0));
    let (high_off, high_hp) = (
        reduction(2000.0, SIDECHAIN_HP_OFF_HZ),
        reduction(2000.0, 200.0),
    );
    eprintln!("50 Hz: {low_off:.2} dB unfiltered, {low_hp:.2} dB through the high-pass");
    eprintln!("2 kHz: {high_off:.2} dB unfiltered, {high_hp:.2} dB through the high-pass");
    assert!(low_off > 17.0, "{low_off}");
    assert!(low_hp < 1.0, "{low_hp}");
    assert_abs_diff_eq!(high_hp, high_off, epsilon = 0.1);
}

/// Steady gain (output over input) of a stereo pair of constants through `s`, per channel.
fn steady_gains(s: &CompressorSettings, left: f32, right: f32) -> [f32; 2] {
    let mut c = Compressor::new();
    c.set_sample_rate(48_000.0);
    c.set_settings(s);
    let (mut l, mut r) = (vec![left; 24_000], vec![right; 24_000]);
    c.process(&mut l, Some(&mut r));
    [l[23_999] / left, r[23_999] / right]
}

/// The parallel mix adds dry and compressed signal in proportion: at 50 % the gain is the
/// mean of 1 and the fully wet gain (makeup counts on the wet part only).
#[test]
fn parallel_mix_at_half_is_the_mean_of_dry_and_wet() {
    let s = CompressorSettings {
        makeup_db: 3.0,
        ..timed(1.0, 100.0)
    };
    let [wet, _] = steady_gains(&s, 0.5, 0.5);
    let wet_db = 20.0 * wet.log10();
    // -6.02 dBFS, 4:1 above -30: 17.98 dB of reduction, then 3 dB of makeup.
    assert_abs_diff_eq!(wet_db, -17.985 + 3.0, epsilon = 0.01);
    let [half, _] = steady_gains(&CompressorSettings { mix: 0.5, ..s }, 0.5, 0.5);
    eprintln!(
        "wet gain {wet_db:.3} dB, 50 % mix {:.3} dB",
        20.0 * half.log10()
    );
    assert_abs_diff_eq!(half, 0.5 * (1.0 + wet), epsilon = 1e-5);
    let [dry, _] = steady_gains(&CompressorSettings { mix: 0.0, ..s }, 0.5, 0.5);
    assert_eq!(dry, 1.0);
}

/// Stereo link below 100 %: each channel's detector level is `link` times the louder
/// channel's level plus the rest of its own (in dB). Left at -6.02 dBFS, right at
/// -26.02 dBFS, 4:1 above -30 dB.
#[test]
fn stereo_link_mixes_the_louder_channels_level_in() {
    let (left_db, right_db) = (20.0 * 0.5f32.log10(), 20.0 * 0.05f32.log10());
    for link in [0.0f32, 0.25, 0.5, 0.75, 1.0] {
        let gains = steady_gains(
            &CompressorSettings {
                stereo_link: link,
                ..timed(1.0, 100.0)
            },
            0.5,
            0.05,
        );
        let reduction =
            |own_db: f32| 0.75 * (link * left_db + (1.0 - link) * own_db + 30.0).max(0.0);
        let measured = gains.map(|g| -20.0 * g.log10());
        eprintln!("link {link}: reduction {measured:.3?} dB");
        assert_abs_diff_eq!(measured[0], reduction(left_db), epsilon = 0.01);
        assert_abs_diff_eq!(measured[1], reduction(right_db), epsilon = 0.01);
    }
}

/// One-pole coefficients: `exp(-1 / (tau fs))`, and 0 (no smoothing) for 0 ms and for a time
/// that is not a finite positive number.
#[test]
fn time_coefficients() {
    assert_abs_diff_eq!(time_coef(10.0, 48_000.0), (-1.0f32 / 480.0).exp());
    for ms in [0.0, -5.0, f32::INFINITY, f32::NAN] {
        assert_eq!(time_coef(ms, 48_000.0), 0.0, "{ms} ms");
    }
}
