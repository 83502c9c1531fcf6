//! The built Stem Master under what hosts and users throw at it: NaN, infinities and
//! denormals (finite output, recovery on the next clean block), mono and stereo, a matrix of
//! sample rates and block sizes, any rate a host may ask for, a saved state that restores the
//! same parameters and the same output, and a long run of the debug build with
//! `assert_process_allocs` (an allocation in `process()` aborts this binary) while parameters,
//! the lookahead and the bypass are automated.

use shared_dsp::demo::programme;
use stem_tests::host::Block;
use stem_tests::signal::{all_finite, rms, Noise};
use stem_tests::{master, master_bundle, require_alloc_checked_master, Config, Plugin};

/// Every section on, limiting and compressing.
const ALL_ON: &[(&str, &str)] = &[
    ("in", "6 dB"),
    ("hp_on", "On"),
    ("hp_f", "30 Hz"),
    ("ls_on", "On"),
    ("ls_g", "2 dB"),
    ("b1_on", "On"),
    ("b1_g", "-2 dB"),
    ("b2_on", "On"),
    ("b2_g", "3 dB"),
    ("b2pl", "Mid"),
    ("b3_on", "On"),
    ("b3_g", "2 dB"),
    ("b3pl", "Side"),
    ("hs_on", "On"),
    ("hs_g", "1.5 dB"),
    ("g_on", "On"),
    ("g_thr", "-20 dB"),
    ("g_rat", "2"),
    ("dith", "16 bit"),
];

fn stereo_programme(rate: f64, seconds: f32, seed: u64) -> Vec<Vec<f32>> {
    let p = programme(rate as f32, seconds, seed);
    vec![p.left, p.right]
}

fn configured(config: Config, settings: &[(&str, &str)]) -> Plugin {
    let mut plugin = master(config);
    for &(id, text) in settings {
        plugin.set_text(id, text);
    }
    plugin
}

/// Sample `i` of a bad input.
type Spoiler = fn(usize) -> f32;

#[test]
fn bad_input_gives_finite_output_and_the_next_clean_block_is_normal() {
    for settings in [&[][..], ALL_ON] {
        for config in [Config::stereo(48_000.0, 512), Config::mono(44_100.0, 512)] {
            let channels = config.layout.channels();
            let rate = config.sample_rate;
            let mut plugin = configured(config, settings);
            let clean = stereo_programme(rate, 1.0, 3);
            let clean: Vec<Vec<f32>> = clean.into_iter().take(channels).collect();
            let reference = plugin.process(&clean, 512);
            let spoilers: [(&str, Spoiler); 4] = [
                ("NaN", |_| f32::NAN),
                ("infinities", |i| {
                    if i % 2 == 0 {
                        f32::INFINITY
                    } else {
                        f32::NEG_INFINITY
                    }
                }),
                ("denormals", |i| if i % 2 == 0 { 1e-40 } else { -1e-42 }),
                ("full-scale square", |i| {
                    if (i / 8) % 2 == 0 {
                        1.0
                    } else {
                        -1.0
                    }
                }),
            ];
            for (name, spoil) in spoilers {
                let bad: Vec<Vec<f32>> = (0..channels)
                    .map(|_| (0..4096).map(spoil).collect())
                    .collect();
                let out = plugin.process(&bad, 512);
                assert!(
                    out.iter().all(|c| all_finite(c)),
                    "{name}: non-finite output"
                );
                let out = plugin.process(&clean, 512);
                assert!(
                    out.iter().all(|c| all_finite(c)),
                    "{name}: non-finite after"
                );
                // Recovered: the second half of the clean block is at the reference's level.
                let half = clean[0].len() / 2;
                let (a, b) = (rms(&out[0][half..]), rms(&reference[0][half..]));
                assert!(
                    (20.0 * (a / b).log10()).abs() < 1.0,
                    "{name}: {a} vs {b} after the bad block"
                );
            }
            assert_eq!(plugin.errors_logged(), 0);
        }
    }
}

#[test]
fn every_rate_and_block_size_mono_and_stereo() {
    for rate in [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0] {
        for block in [1usize, 17, 64, 512, 4096] {
            for mono in [false, true] {
                let config = if mono {
                    Config::mono(rate, 4096)
                } else {
                    Config::stereo(rate, 4096)
                };
                let channels = config.layout.channels();
                let mut plugin = configured(config, ALL_ON);
                let seconds = if block == 1 { 0.1 } else { 0.5 };
                let input: Vec<Vec<f32>> = stereo_programme(rate, seconds, 4)
                    .into_iter()
                    .take(channels)
                    .collect();
                let out = plugin.process(&input, block);
                assert_eq!(out.len(), channels);
                assert!(
                    out.iter().all(|c| all_finite(c)),
                    "{rate} Hz, block {block}"
                );
                let latency = plugin.latency() as usize;
                assert!(
                    rms(&out[0][latency..]) > 0.05,
                    "{rate} Hz, block {block}, mono {mono}: no signal"
                );
            }
        }
    }
}

/// Any rate a host may ask for activates and passes audio; below 8 kHz the loudness meters
/// are off (said in the GUI and the log, as a warning, not an error).
#[test]
fn any_rate_a_host_may_ask_for() {
    for rate in [1_000.0, 1_234.57, 8_000.0, 11_025.0, 705_600.0, 768_000.0] {
        for config in [Config::stereo(rate, 1024), Config::mono(rate, 1024)] {
            let channels = config.layout.channels();
            let mut plugin = master(config);
            let n = (rate * 0.5) as usize + plugin.latency() as usize;
            let input: Vec<Vec<f32>> = (0..channels)
                .map(|_| {
                    (0..n)
                        .map(|i| 0.3 * (std::f64::consts::TAU * 0.01 * i as f64).sin() as f32)
                        .collect()
                })
                .collect();
            let out = plugin.process(&input, 1024);
            assert!(out.iter().all(|c| all_finite(c)), "{rate} Hz");
            let latency = plugin.latency() as usize;
            let (a, b) = (rms(&out[0][latency..]), rms(&input[0][..n - latency]));
            assert!(
                (20.0 * (a / b).log10()).abs() < 0.5,
                "{rate} Hz: {a} vs {b}"
            );
            assert_eq!(plugin.errors_logged(), 0, "{rate} Hz");
        }
    }
}

#[test]
fn restored_state_gives_the_same_parameters_and_the_same_output() {
    let rate = 48_000.0;
    let mut a = configured(Config::stereo(rate, 512), ALL_ON);
    a.set_text("tgt", "Custom");
    a.set_text("tceil", "-2.0 dBTP");
    a.set_text("l_la", "3.00 ms");
    a.process(&vec![vec![0.0; 512]; 2], 512);
    let state = a.save_state();
    let mut b = master(Config::stereo(rate, 512));
    b.load_state(&state);
    // A host reactivates after a load that changed the latency.
    b.deactivate();
    b.activate();
    a.deactivate();
    a.activate();
    for p in a.param_infos().to_vec() {
        assert_eq!(a.value_by_hash(p.id), b.value_by_hash(p.id), "{}", p.name);
    }
    assert_eq!(a.latency(), b.latency());
    let input = stereo_programme(rate, 2.0, 5);
    let (out_a, out_b) = (a.process(&input, 512), b.process(&input, 512));
    assert_eq!(out_a, out_b, "same state, same output");
}

/// A block size: mostly ordinary sizes, often tiny ones, sometimes the maximum.
fn block_size(rng: &mut Noise, max: usize) -> usize {
    match rng.range(0, 9) {
        0 => 1,
        1 => rng.range(2, 32),
        2 => max,
        3..=5 => rng.range(33, 1024),
        _ => rng.range(1, max),
    }
}

#[test]
fn long_automated_run_does_not_allocate() {
    require_alloc_checked_master();
    let bytes = std::fs::read(master_bundle()).expect("read the bundle");
    let marker = b"Memory allocation of ";
    assert!(
        bytes.windows(marker.len()).any(|w| w == marker),
        "the bundle was built without assert_process_allocs"
    );
    for config in [Config::stereo(48_000.0, 4096), Config::mono(96_000.0, 2048)] {
        let rate = config.sample_rate;
        let max = config.max_block as usize;
        let channels = config.layout.channels();
        let mut plugin = configured(config, ALL_ON);
        let automated: Vec<(u32, f64, f64, bool)> = plugin
            .param_infos()
            .iter()
            .map(|p| (p.id, p.min, p.max, p.stepped))
            .collect();
        let seconds = 20.0;
        let input: Vec<Vec<f32>> = stereo_programme(rate, seconds, 6)
            .into_iter()
            .take(channels)
            .collect();
        let mut rng = Noise::new(77);
        let mut blocks = Vec::new();
        let mut left = input[0].len();
        while left > 0 {
            let n = block_size(&mut rng, max).min(left);
            let mut events = Vec::new();
            for _ in 0..rng.range(0, 3) {
                let (id, min, max, stepped) = automated[rng.range(0, automated.len() - 1)];
                let value = if stepped {
                    rng.range(min as usize, max as usize) as f64
                } else {
                    min + rng.next_f64() * (max - min)
                };
                events.push((rng.range(0, n - 1) as u32, id, value));
            }
            events.sort_by_key(|e| e.0);
            blocks.push(Block { frames: n, events });
            left -= n;
        }
        let out = plugin.run(&input, blocks);
        assert!(out.iter().all(|c| all_finite(c)));
        println!(
            "{seconds} s at {rate} Hz with random automation of every parameter: no allocation"
        );
    }
}
