//! State saved from one Stem Strip and loaded into a fresh one gives the same parameters
//! and the same audio; the host's track name is taken as the stem's name and saved.

use stem_tests::signal::{db, max_abs_diff, noise, rms, sine};
use stem_tests::{strip, strip_inactive, Config, Plugin};

/// Every section moved away from its default, in the parameters' own units.
const SETTINGS: &[(&str, &str)] = &[
    ("role", "Bass"),
    ("trim", "2.5 dB"),
    ("inv", "On"),
    ("hp_on", "On"),
    ("hp_f", "45 Hz"),
    ("hp_s", "48 dB/oct"),
    ("ls_on", "On"),
    ("ls_f", "120 Hz"),
    ("ls_g", "2 dB"),
    ("b1_on", "On"),
    ("b1_f", "300 Hz"),
    ("b1_g", "-3 dB"),
    ("b1_q", "2"),
    ("b2_on", "On"),
    ("b2_f", "1500 Hz"),
    ("b2_g", "4.5 dB"),
    ("b2_q", "0.7"),
    ("b3_on", "On"),
    ("b3_f", "5 kHz"),
    ("b3_g", "-2 dB"),
    ("hs_on", "On"),
    ("hs_f", "9 kHz"),
    ("hs_g", "1.5 dB"),
    ("lp_on", "On"),
    ("lp_f", "16 kHz"),
    ("lp_s", "12 dB/oct"),
    ("c_on", "On"),
    ("c_thr", "-24 dB"),
    ("c_rat", "4"),
    ("c_att", "5 ms"),
    ("c_rel", "200 ms"),
    ("c_knee", "3 dB"),
    ("c_mk", "3 dB"),
    ("c_mix", "80%"),
    ("c_schp", "80 Hz"),
    ("c_link", "50%"),
    ("width", "120%"),
    ("out", "-1.5 dB"),
];

fn configure(plugin: &mut Plugin) {
    for &(id, text) in SETTINGS {
        plugin.set_text(id, text);
    }
}

fn program(rate: f64, frames: usize) -> Vec<Vec<f32>> {
    let mut input = noise(2, frames, 0.2, 42);
    for (c, ch) in input.iter_mut().enumerate() {
        let tone = sine(220.0 * (c + 1) as f64, rate, frames, 0.3, 0.0);
        for (x, t) in ch.iter_mut().zip(tone) {
            *x += t;
        }
    }
    input
}

#[test]
fn restored_state_gives_the_same_parameters_and_the_same_output() {
    let rate = 48_000.0;
    let config = Config::stereo(rate, 1024);

    // The original: configured through parameter events, run until every smoother settled.
    let mut original = strip(config.clone());
    configure(&mut original);
    let silence = vec![vec![0.0f32; rate as usize]; 2];
    original.process(&silence, 512);
    for &(id, text) in SETTINGS {
        // The plugin stores plain f32 values, so the normalised value it reports back can
        // differ from the parsed one in the last bits of an f32.
        let expected = original.parse(id, text);
        let got = original.value(id);
        assert!(
            (got - expected).abs() < 1e-6,
            "{id} did not take {text:?}: {got} != {expected}"
        );
    }
    let state = original.save_state();
    assert!(!state.is_empty(), "empty state");

    // A fresh instance loads the state before activation, as a host opening a project does.
    let mut restored = strip_inactive(config);
    restored.load_state(&state);
    restored.activate();

    let mut compared = 0;
    let infos = original.param_infos().to_vec();
    assert_eq!(
        infos,
        restored.param_infos(),
        "the two instances list different parameters"
    );
    for info in &infos {
        let a = original.value_by_hash(info.id);
        let b = restored.value_by_hash(info.id);
        assert_eq!(
            a, b,
            "{} / {}: {a} saved, {b} restored",
            info.module, info.name
        );
        assert_eq!(
            original.text_by_hash(info.id, a),
            restored.text_by_hash(info.id, b)
        );
        compared += 1;
    }
    println!("{compared} parameters identical after the round trip");
    assert_eq!(restored.text("b1_g"), "-3.0 dB");
    assert_eq!(restored.text("c_thr"), "-24.0 dB");
    assert_eq!(restored.text("role"), "Bass");

    // The same input gives the same output.
    let input = program(rate, 2 * rate as usize);
    let a = original.process(&input, 512);
    let b = restored.process(&input, 512);
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| max_abs_diff(x, y))
        .fold(0.0f64, f64::max);
    println!(
        "restored vs original output: max difference {:.1} dBFS",
        db(worst)
    );
    assert!(
        db(worst) < -120.0,
        "restored output differs from the original by {:.1} dBFS",
        db(worst)
    );
    // And that output is not trivially equal: the settings change the sound.
    let unprocessed = max_abs_diff(&input[0], &a[0]);
    assert!(
        db(unprocessed) > -20.0,
        "the settings leave the audio unchanged"
    );

    // Saving the restored instance gives a state that restores the same again.
    let again = restored.save_state();
    let mut third = strip_inactive(Config::stereo(rate, 1024));
    third.load_state(&again);
    for info in &infos {
        assert_eq!(
            original.value_by_hash(info.id),
            third.value_by_hash(info.id),
            "{}",
            info.name
        );
    }
}

/// Gain (dB) of the left channel at 1 kHz: a -12 dBFS sine for `seconds`, measured over
/// its second half.
fn gain_at_1k(plugin: &mut Plugin, rate: f64, seconds: f64) -> f64 {
    let frames = (seconds * rate) as usize;
    let tone = sine(1000.0, rate, frames, 0.25, 0.0);
    let out = plugin.process(&[tone.clone(), tone.clone()], 512);
    db(rms(&out[0][frames / 2..]) / rms(&tone[frames / 2..]))
}

/// A state (bell 2 on, +6 dB at 1 kHz, Q 1) loaded into an instance that is processing: the
/// parameters read it back, and the audio that follows has the bell (+6 dB at 1 kHz) where
/// it had none before.
#[test]
fn state_loaded_while_processing_takes_effect() {
    let rate = 48_000.0;
    let mut source = strip(Config::stereo(rate, 512));
    source.set_text("b2_on", "On");
    source.set_text("b2_f", "1000 Hz");
    source.set_text("b2_g", "6 dB");
    source.set_text("b2_q", "1");
    source.process(&vec![vec![0.0; 512]; 2], 512);
    let state = source.save_state();

    let mut target = strip(Config::stereo(rate, 512));
    let before = gain_at_1k(&mut target, rate, 0.5);
    assert_eq!(target.text("b2_g"), "0.0 dB");
    assert!(
        before.abs() < 0.01,
        "default settings: {before:+.3} dB at 1 kHz"
    );
    target.load_state(&state);
    assert_eq!(target.text("b2_g"), "+6.0 dB");
    assert_eq!(target.value("b2_on"), 1.0);
    let after = gain_at_1k(&mut target, rate, 0.5);
    println!("1 kHz gain: {before:+.4} dB before the load, {after:+.4} dB after");
    assert!(
        (after - 6.0).abs() <= 0.1,
        "after loading a +6 dB bell at 1 kHz: {after:+.3} dB at 1 kHz"
    );
}

#[test]
fn track_name_from_the_host_is_saved_with_the_state() {
    let name = "Drum Bus 7";
    let mut named = strip(Config {
        track_name: Some(name.to_owned()),
        ..Config::stereo(48_000.0, 512)
    });
    named.process(&vec![vec![0.0; 512]; 2], 512);
    let state = named.save_state();
    let contains = |bytes: &[u8]| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(
        contains(&state),
        "the host reported track name {name:?} but the saved state does not hold it: {}",
        String::from_utf8_lossy(&state)
    );

    // A project reopened in a host that reports no track name keeps the saved name.
    let mut reopened = strip_inactive(Config::stereo(48_000.0, 512));
    reopened.load_state(&state);
    reopened.activate();
    assert!(
        contains(&reopened.save_state()),
        "the name was lost on reload"
    );
}
