//! The Strip's bypass crossfade.

use super::*;

/// The largest difference between neighbouring samples of `x`.
fn max_jump(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Bypass on: after the fade the output is the input, bit for bit, and the analysis
/// describes it; the fade has no jump beyond what the two signals and the fade's own step
/// make; bypass off: after the fade the output is exactly what a Strip never bypassed
/// gives (the processing ran on underneath).
#[test]
fn bypass_fades_to_the_exact_input_and_back() {
    for rate in [1_000.0, 48_000.0] {
        let n = (rate as usize / 5).max(2048);
        let l = sine(rate, rate / 20.0, 0.3, 3 * n);
        let r = sine(rate, rate / 16.0, 0.3, 3 * n);
        let mut reference = Strip::new(rate, 2).unwrap();
        let mut strip = Strip::new(rate, 2).unwrap();
        for s in [&mut reference, &mut strip] {
            s.set_target(&everything_on());
            s.snap_to_target();
        }
        let (wet_l, wet_r) = run(&mut reference, &l, &r, 100);
        let fade = strip.bypass_fade_samples();
        assert_eq!(fade, (0.01 * rate).ceil() as usize);

        let mut out_l = Vec::new();
        let mut out_r = Vec::new();
        for (part, bypass) in [false, true, false].into_iter().enumerate() {
            strip.set_bypass(bypass);
            assert_eq!(strip.is_bypassed(), bypass);
            // Meters are read once the fade and the control period it ends in are over.
            let split = part * n + fade + CONTROL_INTERVAL;
            for range in [part * n..split, split..(part + 1) * n] {
                snapshot(&mut strip);
                let (ol, or) = run(&mut strip, &l[range.clone()], &r[range.clone()], 100);
                out_l.extend(ol);
                out_r.extend(or);
            }
            if bypass {
                // The compressor works on underneath but is not heard: no gain reduction.
                assert_eq!(snapshot(&mut strip).gain_reduction_db, 0.0, "{rate} Hz");
            } else {
                assert!(snapshot(&mut strip).gain_reduction_db > 1.0, "{rate} Hz");
            }
        }
        let pairs = [(&out_l, &l, &wet_l), (&out_r, &r, &wet_r)];
        for (c, (out, dry, wet)) in pairs.into_iter().enumerate() {
            let what = format!("{rate} Hz, channel {c}");
            assert_eq!(out[..n], wet[..n], "{what}: before the bypass");
            assert_ne!(
                out[n..n + fade - 1],
                dry[n..n + fade - 1],
                "{what}: no fade"
            );
            assert_eq!(
                out[n + fade - 1..2 * n],
                dry[n + fade - 1..2 * n],
                "{what}: bypassed"
            );
            assert_eq!(
                out[2 * n + fade - 1..],
                wet[2 * n + fade - 1..],
                "{what}: back"
            );
            // Neither fade jumps more than the signals themselves and the fade's step
            // allow: |Δ out| ≤ max(|Δ wet|, |Δ dry|) + |wet - dry| / fade.
            for start in [n, 2 * n] {
                let span = start - 1..start + fade + 1;
                let gap = span
                    .clone()
                    .map(|i| (wet[i] - dry[i]).abs())
                    .fold(0.0, f32::max);
                let allowed = max_jump(&wet[span.clone()]).max(max_jump(&dry[span.clone()]))
                    + gap / fade as f32
                    + 1e-6;
                let jump = max_jump(&out[span]);
                assert!(
                    jump <= allowed,
                    "{what}: a jump of {jump} in the fade at {start}, {allowed} allowed"
                );
            }
        }
    }
}

/// While bypassed the snapshot describes the output, which is the input: a -10.46 dBFS
/// (0.3) sine through a Strip whose processing would change its level.
#[test]
fn bypassed_strip_publishes_what_it_outputs() {
    let rate = 48_000.0;
    let s = sine(rate, 1000.0, 0.3, 48_000);
    let mut strip = Strip::new(rate, 2).unwrap();
    let mut settings = everything_on();
    settings.output_db = -12.0;
    strip.set_target(&settings);
    strip.set_bypass(true);
    strip.snap_to_target();
    let (ol, or) = run(&mut strip, &s, &s, 480);
    assert_eq!((&ol, &or), (&s, &s));
    let snap = snapshot(&mut strip);
    let level_db = 20.0 * 0.3f32.log10();
    assert_abs_diff_eq!(snap.sample_peak_db, level_db, epsilon = 0.01);
    assert_abs_diff_eq!(snap.rms_db, level_db - 3.01, epsilon = 0.05);
    assert_eq!(snap.gain_reduction_db, 0.0);
}

/// Bypass switched at the same sample gives the same output whatever the block size, and
/// bad input stays finite while bypassed.
#[test]
fn bypass_is_block_size_independent_and_finite() {
    let rate = 44_100.0;
    let l = noise(12_000, 12);
    let r = noise(12_000, 13);
    let mut outputs = Vec::new();
    for block in [1, 64, 4096] {
        let mut strip = Strip::new(rate, 2).unwrap();
        strip.set_target(&everything_on());
        strip.snap_to_target();
        let (mut ol, mut or) = run(&mut strip, &l[..3000], &r[..3000], block);
        strip.set_bypass(true);
        let (l2, r2) = run(&mut strip, &l[3000..7000], &r[3000..7000], block);
        strip.set_bypass(false);
        let (l3, r3) = run(&mut strip, &l[7000..], &r[7000..], block);
        ol.extend(l2.into_iter().chain(l3));
        or.extend(r2.into_iter().chain(r3));
        outputs.push((ol, or));
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);

    let mut strip = Strip::new(rate, 2).unwrap();
    strip.set_bypass(true);
    strip.snap_to_target();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX] {
        let (ol, or) = run(&mut strip, &[bad; 256], &[-bad; 256], 64);
        assert!(ol.iter().chain(&or).all(|x| x.is_finite()), "{bad}");
    }
}

/// While the fade to bypass runs the compressor is still heard, so its gain reduction is
/// reported; once the fade is done it reads 0.
#[test]
fn gain_reduction_is_reported_until_the_fade_to_bypass_is_done() {
    let rate = 48_000.0;
    let x = sine(rate, 1000.0, 0.5, 9_600);
    let mut strip = Strip::new(rate, 2).unwrap();
    strip.set_target(&everything_on());
    strip.snap_to_target();
    run(&mut strip, &x[..4_800], &x[..4_800], 100);
    snapshot(&mut strip);
    strip.set_bypass(true);
    let half_fade = 4_800..4_800 + strip.bypass_fade_samples() / 2;
    run(&mut strip, &x[half_fade.clone()], &x[half_fade.clone()], 32);
    let during = snapshot(&mut strip).gain_reduction_db;
    assert!(during > 1.0, "{during} dB while fading to bypass");
    let after = half_fade.end + strip.bypass_fade_samples() + CONTROL_INTERVAL;
    run(
        &mut strip,
        &x[half_fade.end..after],
        &x[half_fade.end..after],
        32,
    );
    snapshot(&mut strip);
    run(&mut strip, &x[after..], &x[after..], 32);
    assert_eq!(snapshot(&mut strip).gain_reduction_db, 0.0);
}
