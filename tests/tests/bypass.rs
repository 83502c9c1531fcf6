//! The host bypass ("byp"): switched on, the output crossfades to the input over 10 ms and is
//! then the input bit for bit; the crossfade has no jump beyond what the signals allow;
//! switched off, the output is again exactly what an instance never bypassed gives.

use stem_tests::signal::{max_abs_diff, sine};
use stem_tests::{strip, Config};

const RATE: f64 = 48_000.0;
/// Samples of the 10 ms crossfade at [`RATE`]: the output is entirely the new signal from
/// the last of them on.
const FADE: usize = 480;

/// Every section on, set to change the sound a lot.
const ALL_ON: &[(&str, &str)] = &[
    ("trim", "3 dB"),
    ("hp_on", "On"),
    ("hp_f", "60 Hz"),
    ("b2_on", "On"),
    ("b2_f", "1 kHz"),
    ("b2_g", "6 dB"),
    ("hs_on", "On"),
    ("hs_g", "-4 dB"),
    ("lp_on", "On"),
    ("c_on", "On"),
    ("c_thr", "-30 dB"),
    ("c_rat", "4"),
    ("width", "150%"),
    ("out", "-6 dB"),
];

/// The largest difference between neighbouring samples.
fn max_jump(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn bypass_crossfades_to_the_exact_input_and_back() {
    let mut plugin = strip(Config::stereo(RATE, 1024));
    let mut reference = strip(Config::stereo(RATE, 1024));
    assert_eq!(plugin.info("byp").name, "Bypass");
    for p in [&mut plugin, &mut reference] {
        for (id, text) in ALL_ON {
            p.set_text(id, text);
        }
    }
    let n = RATE as usize / 2;
    let input = [
        sine(440.0, RATE, 3 * n, 0.3, 0.0),
        sine(660.0, RATE, 3 * n, 0.3, 0.0),
    ];
    let part = |k: usize| -> Vec<Vec<f32>> {
        input
            .iter()
            .map(|c| c[k * n..(k + 1) * n].to_vec())
            .collect()
    };
    let mut out = [Vec::new(), Vec::new()];
    let mut wet = [Vec::new(), Vec::new()];
    for (k, bypass) in [None, Some("On"), Some("Off")].into_iter().enumerate() {
        if let Some(text) = bypass {
            plugin.set_text("byp", text);
        }
        for (all, block) in out.iter_mut().zip(plugin.process(&part(k), 512)) {
            all.extend(block);
        }
        for (all, block) in wet.iter_mut().zip(reference.process(&part(k), 512)) {
            all.extend(block);
        }
    }
    for c in 0..2 {
        let (out, dry, wet) = (&out[c], &input[c], &wet[c]);
        assert!(
            max_abs_diff(wet, dry) > 0.1,
            "the settings should change the sound"
        );
        assert_eq!(out[..n], wet[..n], "channel {c}: before the bypass");
        assert_ne!(
            out[n..n + FADE - 1],
            dry[n..n + FADE - 1],
            "channel {c}: no fade"
        );
        assert_eq!(
            out[n + FADE - 1..2 * n],
            dry[n + FADE - 1..2 * n],
            "channel {c}: bypassed output is not the input"
        );
        assert_eq!(
            out[2 * n + FADE - 1..],
            wet[2 * n + FADE - 1..],
            "channel {c}: not processed again after the bypass"
        );
        // |Δ out| ≤ max(|Δ wet|, |Δ dry|) + |wet - dry| / FADE in each crossfade.
        for start in [n, 2 * n] {
            let span = start - 1..start + FADE + 1;
            let gap = span
                .clone()
                .map(|i| (wet[i] - dry[i]).abs())
                .fold(0.0, f32::max);
            let allowed = max_jump(&wet[span.clone()]).max(max_jump(&dry[span.clone()]))
                + gap / FADE as f32
                + 1e-6;
            let jump = max_jump(&out[span]);
            println!("channel {c}, fade at {start}: largest step {jump:.5}, {allowed:.5} allowed");
            assert!(
                jump <= allowed,
                "channel {c}: a jump of {jump} in the fade at {start}"
            );
        }
    }
}
