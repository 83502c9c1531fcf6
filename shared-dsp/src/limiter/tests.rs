use super::*;
use crate::demo::{noise_bursts, programme, Stereo};
use crate::truepeak::oversampled_peak;

fn settings(ceiling_db: f32) -> LimiterSettings {
    LimiterSettings {
        ceiling_db,
        ..Default::default()
    }
}

fn run(limiter: &mut TruePeakLimiter, input: &Stereo, block: usize) -> Stereo {
    let mut frames: Vec<Frame> = input
        .left
        .iter()
        .zip(&input.right)
        .map(|(&l, &r)| [l as f64, r as f64])
        .collect();
    for chunk in frames.chunks_mut(block) {
        limiter.process_frames(chunk, 2);
    }
    Stereo {
        left: frames.iter().map(|f| f[0] as f32).collect(),
        right: frames.iter().map(|f| f[1] as f32).collect(),
    }
}

fn true_peak_db(x: &Stereo, factor: usize) -> f32 {
    20.0 * oversampled_peak(&x.left, factor)
        .max(oversampled_peak(&x.right, factor))
        .log10()
}

/// Material that is hard on a true-peak limiter: sines near fs/4 and fs/6 placed between
/// samples, a tone near Nyquist, full-scale noise bursts (band-limited at 0.45 fs, see
/// [`default_factor`]), and the music-like programme (kick transients, naive saws).
fn hard_material(rate: f32) -> Vec<(&'static str, Stereo)> {
    let n = (rate * 2.0) as usize;
    let tone = |ratio: f64, phase_deg: f64| {
        let mut s = Stereo::silence(n);
        for i in 0..n {
            let env = (i as f64 / 200.0).min(1.0) * ((n - i) as f64 / 200.0).min(1.0);
            let v = env * (std::f64::consts::TAU * ratio * i as f64 + phase_deg.to_radians()).sin();
            s.left[i] = v as f32;
            s.right[i] = (v * 0.8) as f32;
        }
        s
    };
    vec![
        ("fs/4 at 45°", tone(0.25, 45.0)),
        ("fs/6 at 60°", tone(1.0 / 6.0, 60.0)),
        ("fs/4 + 100 Hz beat", tone(0.25 - 100.0 / rate as f64, 10.0)),
        ("noise bursts", noise_bursts(rate, 2.0, 7)),
        (
            "tone at 0.4 fs, drifting",
            tone(0.4 - 37.0 / rate as f64, 0.0),
        ),
        ("programme", programme(rate, 4.0, 3)),
    ]
}

/// Pushed 12 dB into a -1 dBTP ceiling, the output's true peak, read at 16x by the offline
/// reference, stays within 0.1 dB of the ceiling at 44.1 and 48 kHz, for every lookahead
/// and both release modes.
#[test]
fn output_true_peak_stays_under_the_ceiling() {
    for rate in [44_100.0f32, 48_000.0] {
        for (name, mut material) in hard_material(rate) {
            material.scale(10f32.powf(12.0 / 20.0));
            for (lookahead_ms, auto_release) in [(1.5, true), (0.5, false), (5.0, true)] {
                let mut limiter = TruePeakLimiter::new(rate);
                limiter.set_settings(&LimiterSettings {
                    lookahead_ms,
                    auto_release,
                    release_ms: 50.0,
                    ..settings(-1.0)
                });
                let input = material.padded(limiter.latency_samples());
                let out = run(&mut limiter, &input, 512);
                let tp = true_peak_db(&out, 16);
                println!("{name} at {rate} Hz, lookahead {lookahead_ms} ms: {tp:.3} dBTP");
                assert!(
                    tp <= -0.9,
                    "{name} at {rate} Hz, lookahead {lookahead_ms} ms: {tp:.3} dBTP over a -1 dBTP ceiling"
                );
                assert!(
                    tp > -2.0,
                    "{name}: limited far below the ceiling ({tp:.2} dBTP)"
                );
            }
        }
    }
}

/// An impulse under the ceiling comes out unchanged, exactly `latency_samples` later, at
/// every lookahead.
#[test]
fn latency_is_the_delay_of_an_impulse() {
    for rate in [44_100.0f32, 96_000.0] {
        for lookahead_ms in [0.0, 0.7, 1.5, 5.0] {
            let mut limiter = TruePeakLimiter::new(rate);
            limiter.set_settings(&LimiterSettings {
                lookahead_ms,
                ..settings(0.0)
            });
            let mut x = Stereo::silence(2000);
            x.left[10] = 0.5;
            x.right[10] = -0.25;
            let out = run(&mut limiter, &x, 37);
            let latency = limiter.latency_samples();
            assert_eq!(
                latency,
                DETECTOR_DELAY + lookahead_samples(lookahead_ms, rate)
            );
            for (i, (&l, &r)) in out.left.iter().zip(&out.right).enumerate() {
                let (el, er) = if i == 10 + latency {
                    (0.5, -0.25)
                } else {
                    (0.0, 0.0)
                };
                assert_eq!((l, r), (el, er), "sample {i}, latency {latency}");
            }
        }
    }
}

/// A lone full-scale click is brought down to the ceiling when it arrives, and the gain
/// ramps down over the lookahead beforehand (no step).
#[test]
fn gain_has_arrived_when_the_peak_does() {
    let rate = 48_000.0;
    let mut limiter = TruePeakLimiter::new(rate);
    limiter.set_settings(&LimiterSettings {
        lookahead_ms: 2.0,
        auto_release: false,
        release_ms: 50.0,
        ..settings(-6.0)
    });
    let mut x = Stereo::silence(4000);
    for v in x.left.iter_mut().chain(x.right.iter_mut()) {
        *v = 0.1;
    }
    x.left[1000] = 1.0;
    let out = run(&mut limiter, &x, 64);
    let at = 1000 + limiter.latency_samples();
    let ceiling = 10f32.powf(-6.0 / 20.0);
    assert!(out.left[at] <= ceiling * 1.0001, "{}", out.left[at]);
    assert!(out.left[at] > ceiling * 0.9, "{}", out.left[at]);
    // The right channel (a steady 0.1) shows the gain: a straight ramp down over the 96
    // samples of lookahead, ending HOLD samples before the click (the interpolator's view of
    // the click starts one sample early), then flat across it.
    let ramp_end = at - 1 - HOLD;
    let ramp = &out.right[ramp_end - 96..=ramp_end];
    for w in ramp.windows(2) {
        assert!(w[1] <= w[0] + 1e-7);
        assert!(w[0] - w[1] < 0.1 * 0.5 / 90.0, "step {}", w[0] - w[1]);
    }
    let first = out
        .right
        .iter()
        .position(|&v| v != 0.1 && v != 0.0)
        .unwrap();
    assert_eq!(
        first,
        ramp_end - 96,
        "the ramp starts a lookahead before the hold"
    );
    let held = &out.right[ramp_end + 1..=at + HOLD];
    assert!(
        held.iter().all(|&v| v == held[0]),
        "gain flat across the peak: {held:?}"
    );
}

/// Splitting the audio into blocks of any size gives bit-identical output.
#[test]
fn block_size_does_not_matter() {
    let rate = 44_100.0;
    let mut x = programme(rate, 1.0, 1);
    x.scale(4.0);
    let reference = run(&mut TruePeakLimiter::new(rate), &x, 4096);
    for block in [1, 7, 64, 65, 500] {
        let out = run(&mut TruePeakLimiter::new(rate), &x, block);
        assert_eq!(out.first_difference(&reference), None, "block {block}");
    }
}

/// `reset` gives what a fresh limiter gives; switching off passes the audio unchanged but
/// still delayed by the same latency.
#[test]
fn reset_equals_fresh_and_off_keeps_the_latency() {
    let rate = 48_000.0;
    let mut x = programme(rate, 0.5, 2);
    x.scale(4.0);
    let mut limiter = TruePeakLimiter::new(rate);
    let first = run(&mut limiter, &x, 256);
    limiter.reset();
    assert_eq!(
        run(&mut limiter, &x, 256).first_difference(&first),
        None,
        "after reset"
    );

    let mut off = TruePeakLimiter::new(rate);
    off.set_settings(&LimiterSettings {
        enabled: false,
        ..Default::default()
    });
    let latency = off.latency_samples();
    assert_eq!(latency, TruePeakLimiter::new(rate).latency_samples());
    let out = run(&mut off, &x, 100);
    assert_eq!(&out.left[latency..], &x.left[..x.len() - latency]);
}

/// The automatic release recovers faster after a lone peak than after sustained limiting.
#[test]
fn automatic_release_depends_on_the_programme() {
    let rate = 48_000.0;
    let recovery_ms = |sustained: bool| {
        let mut limiter = TruePeakLimiter::new(rate);
        limiter.set_settings(&settings(-6.0));
        let n = (rate * 3.0) as usize;
        let mut x = Stereo::silence(n);
        let loud_until = if sustained { n / 2 } else { 10 };
        for i in 0..n {
            let a = if i < loud_until || i == n / 2 {
                1.0
            } else {
                0.1
            };
            let v = a * (std::f32::consts::TAU * 100.0 * i as f32 / rate).sin();
            x.left[i] = v;
            x.right[i] = v;
        }
        // A lone click at the same spot in both cases.
        x.left[n / 2] = 1.0;
        let out = run(&mut limiter, &x, 512);
        let start = n / 2 + limiter.latency_samples();
        // Time until the 100 Hz tone is back within 1 dB of its level (0.1).
        let period = (rate / 100.0) as usize;
        (start..n - period)
            .step_by(period / 4)
            .find(|&i| {
                let peak = out.right[i..i + period]
                    .iter()
                    .fold(0.0f32, |m, v| m.max(v.abs()));
                peak > 0.1 * 10f32.powf(-1.0 / 20.0)
            })
            .map(|i| (i - start) as f32 / rate * 1000.0)
            .unwrap_or(f32::INFINITY)
    };
    let lone = recovery_ms(false);
    let sustained = recovery_ms(true);
    assert!(lone < 100.0, "lone peak: {lone} ms");
    assert!(
        sustained > 2.0 * lone,
        "sustained {sustained} ms vs lone {lone} ms"
    );
}

/// Any finite input, however loud, gives finite output under the ceiling; odd rates work.
#[test]
fn extreme_input_and_odd_rates() {
    for rate in [1_000.0f32, 1_234.57, 22_050.0, 192_000.0, 768_000.0] {
        let mut limiter = TruePeakLimiter::new(rate);
        limiter.set_settings(&settings(-1.0));
        let mut x = Stereo::silence(4096);
        for (i, v) in x.left.iter_mut().enumerate() {
            *v = if i % 2 == 0 { 1000.0 } else { -1000.0 };
        }
        let out = run(&mut limiter, &x, 333);
        let ceiling = 10f32.powf(-1.0 / 20.0);
        for v in out.left.iter().chain(&out.right) {
            assert!(
                v.is_finite() && v.abs() <= ceiling * 1.0001,
                "{rate} Hz: {v}"
            );
        }
    }
}

/// The detector's blocked FIR (the AVX2 build on an AVX2 machine, branches in pairs or
/// alone) gives exactly what a plain scalar loop in tap order gives.
#[test]
fn blocked_branches_equal_a_scalar_reference() {
    let limiter = TruePeakLimiter::new(48_000.0);
    let x: [f32; TAPS - 1 + BLOCK] =
        std::array::from_fn(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0);
    let branches = &limiter.branches[1..limiter.factor()];
    let scalar = |taps: &[f32; TAPS]| -> [f32; BLOCK] {
        std::array::from_fn(|i| {
            let mut acc = 0.0f32;
            for k in 0..TAPS {
                acc += taps[k] * x[i + k];
            }
            acc.abs()
        })
    };
    for pair in branches.windows(2) {
        let mut out = [0.0f32; BLOCK];
        branches_max([&pair[0], &pair[1]], &x, &mut out);
        let (a, b) = (scalar(&pair[0]), scalar(&pair[1]));
        let expected: [f32; BLOCK] = std::array::from_fn(|i| a[i].max(b[i]));
        assert_eq!(out, expected);
        let mut alone = [0.0f32; BLOCK];
        branches_max([&pair[0]], &x, &mut alone);
        assert_eq!(alone, a);
    }
}
