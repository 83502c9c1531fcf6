//! NaN, infinities and denormals in the input give finite output, and the plugin recovers on
//! the next clean block; full-scale square waves through every section at maximum boost stay
//! finite.

use stem_tests::signal::{all_finite, db, rms, sine};
use stem_tests::{strip, Config, Plugin};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;

/// Every section on, with boosts, the compressor working.
const ALL_ON: &[(&str, &str)] = &[
    ("trim", "3 dB"),
    ("hp_on", "On"),
    ("hp_f", "40 Hz"),
    ("ls_on", "On"),
    ("ls_g", "3 dB"),
    ("b1_on", "On"),
    ("b1_g", "-4 dB"),
    ("b2_on", "On"),
    ("b2_g", "6 dB"),
    ("b3_on", "On"),
    ("b3_g", "3 dB"),
    ("b3_q", "4"),
    ("hs_on", "On"),
    ("hs_g", "-2 dB"),
    ("lp_on", "On"),
    ("lp_f", "15 kHz"),
    ("c_on", "On"),
    ("c_thr", "-30 dB"),
    ("c_rat", "6"),
    ("c_mk", "6 dB"),
    ("c_mix", "70%"),
    ("c_schp", "100 Hz"),
    ("width", "150%"),
];

/// Maximum boost everywhere.
const MAX_BOOST: &[(&str, &str)] = &[
    ("trim", "24 dB"),
    ("ls_on", "On"),
    ("ls_g", "24 dB"),
    ("b1_on", "On"),
    ("b1_g", "24 dB"),
    ("b1_q", "10"),
    ("b2_on", "On"),
    ("b2_g", "24 dB"),
    ("b2_q", "10"),
    ("b3_on", "On"),
    ("b3_g", "24 dB"),
    ("hs_on", "On"),
    ("hs_g", "24 dB"),
    ("c_on", "On"),
    ("c_thr", "0 dB"),
    ("c_rat", "1"),
    ("c_mk", "24 dB"),
    ("width", "200%"),
    ("out", "24 dB"),
];

fn configured(settings: &[(&str, &str)]) -> Plugin {
    let mut plugin = strip(Config::stereo(RATE, 4096));
    for &(id, text) in settings {
        plugin.set_text(id, text);
    }
    plugin
}

/// `n` frames of a stereo sine at 440/660 Hz, -12 dBFS, continuing from frame `start`.
fn clean(start: usize, n: usize) -> Vec<Vec<f32>> {
    [440.0, 660.0]
        .iter()
        .map(|&f| {
            let phase = std::f64::consts::TAU * f * start as f64 / RATE;
            sine(f, RATE, n, 0.25, phase)
        })
        .collect()
}

/// The bad inputs: a name and a way to spoil a clean block.
/// Spoils a clean block of channel `usize` in place.
type Spoiler = Box<dyn Fn(&mut [f32], usize)>;

fn spoilers() -> Vec<(&'static str, Spoiler)> {
    vec![
        ("one NaN", Box::new(|x: &mut [f32], _| x[100] = f32::NAN)),
        (
            "NaN every 7th sample",
            Box::new(|x: &mut [f32], _| x.iter_mut().step_by(7).for_each(|v| *v = f32::NAN)),
        ),
        ("all NaN", Box::new(|x: &mut [f32], _| x.fill(f32::NAN))),
        ("+inf", Box::new(|x: &mut [f32], _| x[5] = f32::INFINITY)),
        (
            "-inf",
            Box::new(|x: &mut [f32], _| x[300] = f32::NEG_INFINITY),
        ),
        (
            "all +inf",
            Box::new(|x: &mut [f32], _| x.fill(f32::INFINITY)),
        ),
        (
            "all -inf",
            Box::new(|x: &mut [f32], _| x.fill(f32::NEG_INFINITY)),
        ),
        (
            "alternating +inf/-inf/NaN",
            Box::new(|x: &mut [f32], _| {
                for (i, v) in x.iter_mut().enumerate() {
                    *v = [f32::INFINITY, f32::NEG_INFINITY, f32::NAN][i % 3];
                }
            }),
        ),
        (
            "denormals",
            Box::new(|x: &mut [f32], c| {
                for (i, v) in x.iter_mut().enumerate() {
                    let sign = if (i + c) % 2 == 0 { 1.0 } else { -1.0 };
                    *v = sign * f32::from_bits(1 + (i as u32 * 7919) % 0x007F_FFFF);
                }
            }),
        ),
        ("f32::MAX", Box::new(|x: &mut [f32], _| x[10] = f32::MAX)),
    ]
}

/// Runs clean, spoiled, clean blocks for every spoiler; checks finiteness everywhere, that
/// the first clean block after the bad one is audible and that the level comes back.
fn survives_bad_input(label: &str, settings: &[(&str, &str)]) {
    let mut plugin = configured(settings);
    let mut t = 0;
    // Settle: one second of clean signal; its last block sets the reference level.
    let warmup = plugin.process(&clean(t, RATE as usize), BLOCK);
    t += RATE as usize;
    assert!(
        warmup.iter().all(|c| all_finite(c)),
        "{label}: non-finite output on clean input"
    );
    let reference: Vec<f64> = warmup
        .iter()
        .map(|c| rms(&c[c.len() - 4 * BLOCK..]))
        .collect();
    assert!(
        reference.iter().all(|&r| r > 1e-3),
        "{label}: silent on clean input: {reference:?}"
    );

    for (name, spoil) in spoilers() {
        let mut bad = clean(t, BLOCK);
        for (c, ch) in bad.iter_mut().enumerate() {
            spoil(ch, c);
        }
        let out = plugin.process(&bad, BLOCK);
        t += BLOCK;
        for (c, ch) in out.iter().enumerate() {
            let worst = ch.iter().find(|v| !v.is_finite());
            assert!(
                worst.is_none(),
                "{label}, {name}: channel {c} output {worst:?}"
            );
        }

        // The very next clean block: finite and not silent.
        let next = plugin.process(&clean(t, BLOCK), BLOCK);
        t += BLOCK;
        for (c, ch) in next.iter().enumerate() {
            assert!(
                all_finite(ch),
                "{label}, after {name}: non-finite output on clean input"
            );
            let level = db(rms(ch));
            assert!(
                level > -40.0,
                "{label}, after {name}: channel {c} at {level:.1} dBFS on the next clean block \
                 (the clean level is {:.1} dBFS)",
                db(reference[c])
            );
        }
        // A second later the level is back where it was.
        let later = plugin.process(&clean(t, RATE as usize), BLOCK);
        t += RATE as usize;
        for (c, ch) in later.iter().enumerate() {
            assert!(
                all_finite(ch),
                "{label}, after {name}: non-finite output later"
            );
            let change = db(rms(&ch[ch.len() - 4 * BLOCK..]) / reference[c]);
            println!("{label}, after {name}: channel {c} level after 1 s {change:+.3} dB");
            assert!(
                change.abs() < 0.5,
                "{label}, after {name}: channel {c} level still {change:+.2} dB off a second later"
            );
        }
    }
}

#[test]
fn bad_input_at_default_settings() {
    survives_bad_input("default settings", &[]);
}

#[test]
fn bad_input_with_every_section_on() {
    survives_bad_input("every section on", ALL_ON);
}

#[test]
fn full_scale_square_at_maximum_boost_stays_finite() {
    let mut plugin = configured(MAX_BOOST);
    let frames = RATE as usize;
    let square = |period: usize| -> Vec<f32> {
        (0..frames)
            .map(|n| {
                if (n / (period / 2)).is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect()
    };
    let input = vec![square(48), square(110)];
    let out = plugin.process(&input, BLOCK);
    for (c, ch) in out.iter().enumerate() {
        assert!(
            all_finite(ch),
            "channel {c}: non-finite output for a full-scale square"
        );
        println!(
            "max boost, full-scale square: channel {c} peak {:.1} dBFS",
            db(stem_tests::signal::peak(ch))
        );
    }
}
