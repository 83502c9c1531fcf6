//! Learn on the built Stem Master: programmes at -30, -18 and -8 LUFS integrated; Learn on
//! for a pass, off (the learned gain is set), then a second pass lands the output's
//! integrated loudness (measured by `ebur128`, independently of the plugin's meters) within
//! 0.5 LU of the target, for the Streaming preset and a custom target; with a transport, a
//! pass stops with it, and what the host sends while stopped is never learned.

use shared_dsp::demo::programme;
use stem_tests::{master, Config};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 1024;

fn integrated_lufs(x: &[Vec<f32>]) -> f64 {
    let mut m = ebur128::EbuR128::new(2, RATE as u32, ebur128::Mode::I).unwrap();
    m.add_frames_planar_f32(&[&x[0], &x[1]]).unwrap();
    m.loudness_global().unwrap()
}

/// 20 s of the generated programme at an integrated loudness.
fn programme_at(lufs: f64, seed: u64) -> Vec<Vec<f32>> {
    let p = programme(RATE as f32, 20.0, seed);
    let mut x = vec![p.left, p.right];
    let gain = 10f64.powf((lufs - integrated_lufs(&x)) / 20.0) as f32;
    for c in &mut x {
        for v in c.iter_mut() {
            *v *= gain;
        }
    }
    x
}

#[test]
fn a_learn_pass_then_a_second_pass_lands_on_the_target() {
    for (target_text, custom, target) in [
        ("Streaming (-14 LUFS)", None, -14.0),
        ("Custom", Some("-20 LUFS"), -20.0),
    ] {
        for level in [-30.0, -18.0, -8.0] {
            let input = programme_at(level, 21);
            let mut plugin = master(Config::stereo(RATE, BLOCK as u32));
            plugin.set_text("tgt", target_text);
            if let Some(text) = custom {
                plugin.set_text("tlufs", text);
            }
            plugin.set_text("learn", "On");
            plugin.process(&input, BLOCK);
            plugin.set_text("learn", "Off");
            let out = plugin.process(&input, BLOCK);
            let got = integrated_lufs(&out);
            println!("target {target} LUFS, programme at {level} LUFS: second pass {got:.2} LUFS");
            assert!(
                (got - target).abs() <= 0.5,
                "target {target}, programme at {level} LUFS: landed at {got:.2} LUFS"
            );
            // The learned gain is part of the saved state: a restored instance plays at it
            // (within 0.1 LU: the first instance carries its limiter's and compressor's state
            // and the learn pass's last few milliseconds into its second pass, a fresh one
            // starts from rest).
            let state = plugin.save_state();
            let mut restored = master(Config::stereo(RATE, BLOCK as u32));
            restored.load_state(&state);
            let again = integrated_lufs(&restored.process(&input, BLOCK));
            assert!(
                (again - got).abs() < 0.1,
                "restored: {again:.2} vs {got:.2}"
            );
        }
    }
}

fn learned_gain(plugin: &mut stem_tests::Plugin) -> f64 {
    let state = plugin.state_json();
    let field = &state["fields"]["learned-gain"];
    field
        .as_f64()
        .or_else(|| field.as_str()?.parse().ok())
        .unwrap_or_else(|| panic!("no learned gain in {state}"))
}

/// Learn on, the programme plays, the transport stops (the pass ends and sets the gain),
/// the host goes on sending a quiet tail while stopped, then Learn goes off: the gain stays
/// what the played pass set (a pass begun while stopped would have learned the tail).
#[test]
fn what_plays_while_stopped_is_never_learned() {
    let input = programme_at(-18.0, 22);
    let mut plugin = master(Config {
        transport_from_s: Some(0.0),
        ..Config::stereo(RATE, BLOCK as u32)
    });
    plugin.set_text("learn", "On");
    plugin.process(&input, BLOCK);
    plugin.set_transport(None);
    // The stop: one silent block ends the pass.
    plugin.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
    let at_stop = learned_gain(&mut plugin);
    assert!(
        (at_stop - 4.0).abs() < 1.5,
        "a -18 LUFS programme to -14 LUFS learned {at_stop:+.2} dB"
    );
    // Two seconds of a tail about 45 dB down, sent while stopped, then Learn off.
    let tail: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            c[..(2.0 * RATE) as usize]
                .iter()
                .map(|v| v * 0.005)
                .collect()
        })
        .collect();
    plugin.process(&tail, BLOCK);
    plugin.set_text("learn", "Off");
    plugin.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
    let after = learned_gain(&mut plugin);
    assert_eq!(after, at_stop, "Learn off after a stop changed the gain");
    // Armed again and played: a new pass, which refines the gain (the same programme: it
    // stays within 0.5 dB).
    plugin.set_text("learn", "On");
    plugin.set_transport(Some(30.0));
    plugin.process(&input, BLOCK);
    plugin.set_transport(None);
    plugin.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
    let again = learned_gain(&mut plugin);
    assert!(
        (again - at_stop).abs() < 0.5,
        "{again:+.2} vs {at_stop:+.2} dB"
    );
}
