//! One DSP, two front-ends: `stems render --float` on the generated stems equals what the
//! built plugins produce on the same audio through a real CLAP host (a Stem Strip on each
//! stem, a Stem Master on their sum, the same settings), within -100 dB.
//!
//! The settings are written once below: as a session file for `stems render` and as
//! parameter text for the plugins, so a wrong mapping of a session key to a parameter shows
//! as a difference.
//!
//! The Master's Learn is compared as a user would run it: Learn on for one pass over the
//! programme, off (the plugin sets the gain it learned and saves it with its state); that
//! state loaded into a fresh instance plays the programme again. `stems render` runs the
//! same two passes. Both the learned gain and the audio must agree. The Master's latency is
//! flushed with silence and dropped on both sides.

use std::process::Command;

use shared_dsp::demo::stems::DemoStem;
use stem_tests::{master_inactive, stems_binary, strip_inactive, Config, Plugin};
use test_support::{read_wav, write_wav, WavFormat};

const RATE: u32 = 48_000;
const SECONDS: f64 = 4.0;
const BLOCK: usize = 512;

/// One setting: its session table and key with a TOML value, and the same as the plugin's
/// parameter id and text.
struct Setting {
    table: &'static str,
    key: &'static str,
    value: &'static str,
    id: &'static str,
    text: &'static str,
}

const fn set(
    table: &'static str,
    key: &'static str,
    value: &'static str,
    id: &'static str,
    text: &'static str,
) -> Setting {
    Setting {
        table,
        key,
        value,
        id,
        text,
    }
}

/// Every section of every stem and of the master in use.
const SETTINGS: &[Setting] = &[
    set("master", "input", "1.5", "in", "1.5 dB"),
    set(
        "master",
        "target",
        "\"streaming\"",
        "tgt",
        "Streaming (-14 LUFS)",
    ),
    set("master", "output", "-0.3", "out", "-0.3 dB"),
    set("master.high_pass", "on", "true", "hp_on", "On"),
    set("master.high_pass", "freq", "25", "hp_f", "25 Hz"),
    set("master.low_shelf", "on", "true", "ls_on", "On"),
    set("master.low_shelf", "gain", "1.0", "ls_g", "1.0 dB"),
    set("master.bell_2", "on", "true", "b2_on", "On"),
    set("master.bell_2", "freq", "2500", "b2_f", "2.5 kHz"),
    set("master.bell_2", "gain", "1.5", "b2_g", "1.5 dB"),
    set("master.bell_2", "placement", "\"mid\"", "b2pl", "Mid"),
    set("master.bell_3", "on", "true", "b3_on", "On"),
    set("master.bell_3", "gain", "-1.0", "b3_g", "-1.0 dB"),
    set("master.bell_3", "placement", "\"side\"", "b3pl", "Side"),
    set("master.glue", "on", "true", "g_on", "On"),
    set("master.glue", "threshold", "-22", "g_thr", "-22.0 dB"),
    set("master.glue", "ratio", "2", "g_rat", "2"),
    set("master.glue", "attack", "20", "g_att", "20 ms"),
    set("master.glue", "sc_high_pass", "90", "g_schp", "90 Hz"),
    set("master.glue", "auto_release", "true", "gauto", "On"),
    set("master.limiter", "lookahead", "2.0", "l_la", "2.00 ms"),
    set("stem.drums", "trim", "1.0", "trim", "1.0 dB"),
    set("stem.drums.low_shelf", "on", "true", "ls_on", "On"),
    set("stem.drums.low_shelf", "freq", "80", "ls_f", "80 Hz"),
    set("stem.drums.low_shelf", "gain", "2.0", "ls_g", "2.0 dB"),
    set("stem.drums.compressor", "on", "true", "c_on", "On"),
    set(
        "stem.drums.compressor",
        "threshold",
        "-24",
        "c_thr",
        "-24.0 dB",
    ),
    set("stem.drums.compressor", "ratio", "4", "c_rat", "4"),
    set("stem.drums.compressor", "attack", "5", "c_att", "5.00 ms"),
    set("stem.drums.compressor", "release", "80", "c_rel", "80 ms"),
    set("stem.drums.compressor", "mix", "70", "c_mix", "70%"),
    set(
        "stem.drums.compressor",
        "sc_high_pass",
        "80",
        "c_schp",
        "80 Hz",
    ),
    set("stem.bass", "width", "40", "width", "40%"),
    set("stem.bass", "polarity_invert", "true", "inv", "On"),
    set("stem.bass.high_pass", "on", "true", "hp_on", "On"),
    set("stem.bass.high_pass", "freq", "35", "hp_f", "35 Hz"),
    set("stem.bass.high_pass", "slope", "48", "hp_s", "48 dB/oct"),
    set("stem.bass.compressor", "on", "true", "c_on", "On"),
    set(
        "stem.bass.compressor",
        "threshold",
        "-20",
        "c_thr",
        "-20.0 dB",
    ),
    set("stem.bass.compressor", "ratio", "3", "c_rat", "3"),
    set("stem.bass.compressor", "stereo_link", "50", "c_link", "50%"),
    set("stem.lead_vocal", "trim", "2.5", "trim", "2.5 dB"),
    set("stem.lead_vocal.bell_3", "on", "true", "b3_on", "On"),
    set("stem.lead_vocal.bell_3", "freq", "3000", "b3_f", "3 kHz"),
    set("stem.lead_vocal.bell_3", "gain", "3.0", "b3_g", "3.0 dB"),
    set("stem.lead_vocal.bell_3", "q", "1.2", "b3_q", "1.20"),
    set("stem.lead_vocal.high_shelf", "on", "true", "hs_on", "On"),
    set(
        "stem.lead_vocal.high_shelf",
        "gain",
        "1.5",
        "hs_g",
        "1.5 dB",
    ),
    set("stem.lead_vocal.compressor", "on", "true", "c_on", "On"),
    set(
        "stem.lead_vocal.compressor",
        "threshold",
        "-26",
        "c_thr",
        "-26.0 dB",
    ),
    set(
        "stem.lead_vocal.compressor",
        "knee",
        "3",
        "c_knee",
        "3.0 dB",
    ),
    set(
        "stem.lead_vocal.compressor",
        "makeup",
        "2",
        "c_mk",
        "2.0 dB",
    ),
    set("stem.music_pad", "width", "130", "width", "130%"),
    set("stem.music_pad", "output", "-1.5", "out", "-1.5 dB"),
    set("stem.music_pad.bell_2", "on", "true", "b2_on", "On"),
    set("stem.music_pad.bell_2", "freq", "2000", "b2_f", "2 kHz"),
    set("stem.music_pad.bell_2", "gain", "-3.0", "b2_g", "-3.0 dB"),
    set("stem.music_pad.bell_2", "q", "0.8", "b2_q", "0.80"),
    set("stem.music_pad.low_pass", "on", "true", "lp_on", "On"),
    set("stem.music_pad.low_pass", "freq", "12000", "lp_f", "12 kHz"),
];

/// The settings as a session file.
fn session_toml() -> String {
    let mut tables: Vec<&str> = SETTINGS.iter().map(|s| s.table).collect();
    tables.dedup();
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("[{t}]\n"));
        for s in SETTINGS.iter().filter(|s| s.table == t) {
            out.push_str(&format!("{} = {}\n", s.key, s.value));
        }
        out.push('\n');
    }
    out
}

/// Queues the settings whose table is `scope` or under it on `plugin`.
fn apply(plugin: &mut Plugin, scope: &str) {
    for s in SETTINGS.iter().filter(|s| {
        s.table == scope
            || s.table
                .strip_prefix(scope)
                .is_some_and(|rest| rest.starts_with('.'))
    }) {
        plugin.set_text(s.id, s.text);
    }
    plugin.flush();
}

/// The Stem Master with the settings, inactive (activation snaps to them).
fn configured_master() -> Plugin {
    let mut m = master_inactive(Config::stereo(f64::from(RATE), BLOCK as u32));
    apply(&mut m, "master");
    m
}

#[test]
fn stems_render_equals_the_plugins_in_a_clap_host() {
    let dir = std::env::temp_dir().join(format!("stems-render-plugins-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let input = dir.join("stems");
    std::fs::create_dir_all(&input).unwrap();
    // The stems in file-name order, the order `stems render` sums them in.
    let mut stems: Vec<(&str, Vec<Vec<f32>>)> = DemoStem::ALL
        .iter()
        .map(|s| {
            let a = s.generator(f64::from(RATE)).render(SECONDS);
            (s.file_stem(), vec![a.left, a.right])
        })
        .collect();
    stems.sort_by_key(|s| s.0);
    for (name, audio) in &stems {
        write_wav(
            &input.join(format!("{name}.wav")),
            RATE,
            audio,
            WavFormat::Float32,
        );
    }
    let session = dir.join("session.toml");
    std::fs::write(&session, session_toml()).unwrap();

    // The command-line tool.
    let rendered = dir.join("master.wav");
    let out = Command::new(stems_binary())
        .args(["render", "--float", "--json", "-", "--quiet", "--session"])
        .arg(&session)
        .arg(&input)
        .arg("-o")
        .arg(&rendered)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli = read_wav(&rendered);

    // The plugins: a Strip per stem, summed in the same order.
    let frames = stems[0].1[0].len();
    let mut sum = vec![vec![0.0f32; frames]; 2];
    for (name, audio) in &stems {
        let mut strip = strip_inactive(Config::stereo(f64::from(RATE), BLOCK as u32));
        apply(&mut strip, &format!("stem.{name}"));
        strip.activate();
        let y = strip.process(audio, BLOCK);
        for c in 0..2 {
            for (s, v) in sum[c].iter_mut().zip(&y[c]) {
                *s += *v;
            }
        }
        assert_eq!(strip.errors_logged(), 0);
    }
    // The Master: a learn pass, then its saved state (with the learned gain) in a fresh
    // instance renders.
    let mut learner = configured_master();
    learner.set_text("learn", "On");
    learner.activate();
    let latency = learner.latency() as usize;
    for c in &mut sum {
        c.resize(frames + latency, 0.0);
    }
    learner.process(&sum, BLOCK);
    learner.set_text("learn", "Off");
    // The pass ends, and the gain is set, at the start of the next block.
    learner.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
    let state = learner.state_json();
    let learned = state["fields"]["learned-gain"]
        .as_f64()
        .or_else(|| state["fields"]["learned-gain"].as_str()?.parse().ok())
        .unwrap_or_else(|| panic!("no learned gain in the state: {state}"));
    let cli_gain = report["target_gain_db"].as_f64().unwrap();
    println!("learned gain: plugin {learned:.6} dB, stems render {cli_gain:.6} dB");
    assert!(
        (learned - cli_gain).abs() < 1e-4,
        "learned {learned} dB, stems render {cli_gain} dB"
    );
    let mut player = master_inactive(Config::stereo(f64::from(RATE), BLOCK as u32));
    player.load_state_json(&state);
    player.activate();
    assert_eq!(player.latency() as usize, latency);
    let mut plugin_out = player.process(&sum, BLOCK);
    for c in &mut plugin_out {
        c.drain(..latency);
    }
    assert_eq!(player.errors_logged(), 0);

    assert_eq!(cli[0].len(), frames);
    let mut max_diff = 0.0f64;
    let mut peak = 0.0f64;
    for c in 0..2 {
        for (a, b) in cli[c].iter().zip(&plugin_out[c]) {
            max_diff = max_diff.max((f64::from(*a) - f64::from(*b)).abs());
            peak = peak.max(f64::from(*b).abs());
        }
    }
    let diff_db = 20.0 * max_diff.max(1e-30).log10();
    println!(
        "stems render against the plugins: max difference {max_diff:.3e} ({diff_db:.1} dBFS), output peak {peak:.3}"
    );
    assert!(peak > 0.5, "a real programme came out (peak {peak})");
    assert!(diff_db <= -100.0, "max difference {diff_db:.1} dBFS");
    let _ = std::fs::remove_dir_all(&dir);
}
