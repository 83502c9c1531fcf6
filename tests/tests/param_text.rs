//! Every parameter of every built bundle, through the CLAP params extension as a host uses
//! it: for many values across its range, value → text → value → text gives the same text
//! (a host that shows a value and lets the user type it back must land on the same value).
//! New parameters cannot skip this: the list comes from the plugin itself. And each plugin
//! exposes exactly one host bypass parameter.

use stem_tests::Config;
use stem_tests::{master_bundle, strip_bundle, Plugin, MASTER_ID, STRIP_ID};

/// Values tried per continuous parameter (every step of a stepped one).
const STEPS: usize = 500;

fn plugins() -> Vec<(&'static str, Plugin)> {
    vec![
        (
            "Stem Strip",
            Plugin::instantiate(strip_bundle(), STRIP_ID, Config::default()),
        ),
        (
            "Stem Master",
            Plugin::instantiate(master_bundle(), MASTER_ID, Config::default()),
        ),
    ]
}

#[test]
fn every_parameter_text_round_trips_in_every_bundle() {
    for (name, mut plugin) in plugins() {
        let infos = plugin.param_infos().to_vec();
        assert!(infos.len() > 20, "{name}: only {} parameters", infos.len());
        let mut checked = 0;
        for p in &infos {
            let values: Vec<f64> = if p.stepped {
                (p.min as i64..=p.max as i64).map(|v| v as f64).collect()
            } else {
                (0..=STEPS)
                    .map(|k| p.min + (p.max - p.min) * k as f64 / STEPS as f64)
                    .collect()
            };
            for value in values {
                let text = plugin.text_by_hash(p.id, value);
                let back = plugin.parse_by_hash(p.id, &text).unwrap_or_else(|| {
                    panic!(
                        "{name} / {} ({}): {text:?} (from {value}) does not parse",
                        p.name, p.module
                    )
                });
                let again = plugin.text_by_hash(p.id, back);
                assert_eq!(
                    text, again,
                    "{name} / {} ({}): {value} → {text:?} → {back} → {again:?}",
                    p.name, p.module
                );
                checked += 1;
            }
        }
        println!(
            "{name}: {} parameters, {checked} values round-tripped",
            infos.len()
        );
    }
}

#[test]
fn each_plugin_has_one_host_bypass_parameter() {
    for (name, plugin) in plugins() {
        let bypass: Vec<_> = plugin.param_infos().iter().filter(|p| p.bypass).collect();
        assert_eq!(bypass.len(), 1, "{name}: bypass parameters {bypass:?}");
        assert!(bypass[0].stepped, "{name}: the bypass is a switch");
    }
}

/// The user's guide's (`docs/plugins.md`) examples of typing a value ("`1.2k`, `-3 dB`, `4:1`, `35 ms` all parse"), in
/// the Strip's frequency, gain, ratio and time parameters: each parses, to the value shown.
#[test]
fn the_readmes_typed_examples_parse() {
    let mut plugin = Plugin::instantiate(strip_bundle(), STRIP_ID, Config::default());
    for (id, typed, shown) in [
        ("b2_f", "1.2k", "1.2 kHz"),
        ("b1_g", "-3 dB", "-3.0 dB"),
        ("c_rat", "4:1", "4.0:1"),
        ("c_att", "35 ms", "35 ms"),
    ] {
        let hash = plugin.info(id).id;
        let value = plugin
            .parse_by_hash(hash, typed)
            .unwrap_or_else(|| panic!("{id}: {typed:?} does not parse"));
        let text = plugin.text_by_hash(hash, value);
        println!("{id}: {typed:?} -> {value} -> {text:?}");
        assert_eq!(text, shown, "{id}: {typed:?} parsed to {value}");
    }
}
