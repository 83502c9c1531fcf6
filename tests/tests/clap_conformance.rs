//! Both bundles driven the way clap-validator's parameter tests and real hosts drive them:
//! parameters set through `params.flush` while inactive and while active, and by
//! sample-accurate events inside `process()`, around deactivations and reactivations at other
//! rates, with the main-thread callbacks the plugin asks for answered late (after the host
//! deactivated it, as an event loop may). The host ([`stem_tests::host`]) records every
//! callback the CLAP spec forbids at that moment (`latency.changed` outside
//! `clap_plugin::activate`, a main-thread callback from the audio thread, a full rescan
//! while active); any fails the test.

use stem_tests::signal::{all_finite, noise, Noise as Rng};
use stem_tests::{master_inactive, strip_inactive, Block, Config, ParamDesc, Plugin};

const BLOCK: usize = 256;

/// A random CLAP value within `p`'s range (a whole step for a stepped parameter).
fn random_value(p: &ParamDesc, rng: &mut Rng) -> f64 {
    let v = p.min + (p.max - p.min) * rng.next_f64();
    if p.stepped {
        v.round().clamp(p.min, p.max)
    } else {
        v
    }
}

/// Every parameter but the host bypass (a bypassed plugin is not exercised), with a random
/// value each.
fn fuzzed(plugin: &Plugin, rng: &mut Rng) -> Vec<(u32, f64)> {
    plugin
        .param_infos()
        .iter()
        .filter(|p| !p.bypass)
        .map(|p| (p.id, random_value(p, rng)))
        .collect()
}

/// `blocks` blocks of noise, each with random values for every parameter at random offsets
/// inside it (sample-accurate automation); checks the output is finite.
fn process_fuzzed(plugin: &mut Plugin, blocks: usize, rng: &mut Rng, seed: u64) {
    let channels = plugin.config().layout.channels();
    let input = noise(channels, blocks * BLOCK, 0.5, seed);
    let blocks: Vec<Block> = (0..blocks)
        .map(|_| {
            let mut events: Vec<(u32, u32, f64)> = fuzzed(plugin, rng)
                .into_iter()
                .map(|(id, v)| (rng.range(0, BLOCK - 1) as u32, id, v))
                .collect();
            events.sort_by_key(|e| e.0);
            Block {
                frames: BLOCK,
                events,
            }
        })
        .collect();
    let out = plugin.run(&input, blocks);
    assert!(out.iter().all(|c| all_finite(c)), "non-finite output");
}

/// Flushes random values for every parameter (outside `process()`).
fn flush_fuzzed(plugin: &mut Plugin, rng: &mut Rng) {
    for (id, v) in fuzzed(plugin, rng) {
        plugin.set_by_hash(id, v);
    }
    plugin.flush();
}

/// The whole sequence on one instance: every step that can provoke a callback, then the late
/// main-thread service; fails on any violation the host saw.
fn drive(mut plugin: Plugin, seed: u64) {
    let mut rng = Rng::new(seed);
    plugin.defer_main_thread(true);
    // Inactive: flushed parameters, then activation with them.
    flush_fuzzed(&mut plugin, &mut rng);
    plugin.service_main_thread();
    plugin.activate();
    // Active: parameters in process calls and through flush; the host answers late.
    process_fuzzed(&mut plugin, 8, &mut rng, seed);
    flush_fuzzed(&mut plugin, &mut rng);
    process_fuzzed(&mut plugin, 4, &mut rng, seed + 1);
    plugin.deactivate();
    plugin.service_main_thread();
    // Inactive again, a flush, and activation at another rate with what was flushed.
    flush_fuzzed(&mut plugin, &mut rng);
    plugin.reconfigure(44_100.0, plugin.config().layout);
    process_fuzzed(&mut plugin, 8, &mut rng, seed + 2);
    plugin.deactivate();
    plugin.service_main_thread();
    // And answered on time: between process calls, as most hosts do.
    plugin.defer_main_thread(false);
    plugin.activate();
    process_fuzzed(&mut plugin, 8, &mut rng, seed + 3);
    flush_fuzzed(&mut plugin, &mut rng);
    plugin.deactivate();
    // Dropping the plugin checks again (and for errors it logged); this names the seed.
    plugin.assert_no_violations(&format!("seed {seed}: "));
}

#[test]
fn master_obeys_the_callback_rules_under_parameter_fuzzing() {
    for seed in 1..=4 {
        let plugin = master_inactive(Config::stereo(48_000.0, BLOCK as u32));
        drive(plugin, seed);
    }
}

#[test]
fn strip_obeys_the_callback_rules_under_parameter_fuzzing() {
    for seed in 1..=4 {
        let plugin = strip_inactive(Config::stereo(48_000.0, BLOCK as u32));
        drive(plugin, seed);
    }
}

/// The Master's lookahead alone, moved while running (the setting that changes the
/// limiter's delay): the latency the host was told at activation stays true, and nothing is
/// announced outside activation, even when the host runs its callbacks after deactivating.
#[test]
fn master_lookahead_moved_while_active_announces_nothing() {
    let mut plugin = master_inactive(Config::stereo(48_000.0, BLOCK as u32));
    plugin.defer_main_thread(true);
    plugin.activate();
    // nice-plug asks for a restart after an activation that changed the latency (see
    // `master_limiter.rs`); only requests after it count.
    plugin.service_main_thread();
    plugin.take_restart_request();
    let latency = plugin.latency();
    for lookahead in ["0.10 ms", "3.00 ms", "5.00 ms", "1.00 ms"] {
        plugin.set_text("l_la", lookahead);
        plugin.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
    }
    plugin.deactivate();
    plugin.service_main_thread();
    plugin.assert_no_violations("");
    assert!(!plugin.take_restart_request());
    assert_eq!(plugin.latency(), latency);
}
