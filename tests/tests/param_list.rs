//! The parameter lists the bundles show a host, and states they saved, pinned by files
//! committed under `tests/snapshots/`: ids, names, groups, ranges, defaults, order and the
//! text at five points of each range (which pins the range, the skew and the formatting).
//! A change here breaks every host's automation and every saved project, so it must be
//! deliberate: rerun with `UPDATE_SNAPSHOTS=1` to rewrite the files, and say why in the
//! commit.
//!
//! The saved states (`*_state.json`) were saved by the plugins with every section moved off
//! its default; they must load, in every later build, to the parameter texts saved beside
//! them (`*_state_params.txt`).

use std::fmt::Write as _;
use std::path::PathBuf;

use stem_tests::{master_bundle, strip_bundle, Config, Plugin, MASTER_ID, STRIP_ID};

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name)
}

/// Compares `actual` with the snapshot file `name`, or writes it under `UPDATE_SNAPSHOTS=1`.
fn check_snapshot(name: &str, actual: &str) {
    let path = snapshot_path(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to write it",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(e, a)| e != a)
            .take(10)
            .map(|(e, a)| format!("- {e}\n+ {a}"))
            .collect();
        panic!(
            "{} differs ({} lines expected, {} now); first differences:\n{}",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

fn plugins() -> [(&'static str, Plugin); 2] {
    [
        (
            "strip",
            Plugin::instantiate(strip_bundle(), STRIP_ID, Config::default()),
        ),
        (
            "master",
            Plugin::instantiate(master_bundle(), MASTER_ID, Config::default()),
        ),
    ]
}

/// One line per parameter, in the host's order.
fn param_list(plugin: &mut Plugin) -> String {
    let infos = plugin.param_infos().to_vec();
    let mut out = String::new();
    for p in &infos {
        let texts: Vec<String> = [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|t| {
                let v = p.min + (p.max - p.min) * t;
                let v = if p.stepped { v.round() } else { v };
                plugin.text_by_hash(p.id, v)
            })
            .collect();
        let default_text = plugin.text_by_hash(p.id, p.default);
        writeln!(
            out,
            "{:08x} | {} | {} | {}..{} | default {} ({}) | {}{} | {}",
            p.id,
            p.name,
            p.module,
            p.min,
            p.max,
            p.default,
            default_text,
            if p.stepped { "stepped" } else { "continuous" },
            if p.bypass { ", bypass" } else { "" },
            texts.join(" / ")
        )
        .unwrap();
    }
    out
}

/// Every parameter's current text, one per line, in the host's order.
fn param_texts(plugin: &mut Plugin) -> String {
    let infos = plugin.param_infos().to_vec();
    let mut out = String::new();
    for p in &infos {
        let v = plugin.value_by_hash(p.id);
        writeln!(out, "{} | {}", p.name, plugin.text_by_hash(p.id, v)).unwrap();
    }
    out
}

#[test]
fn the_parameter_lists_are_the_released_ones() {
    for (name, mut plugin) in plugins() {
        let list = param_list(&mut plugin);
        assert!(list.lines().count() > 20, "{name}: {list}");
        check_snapshot(&format!("{name}_params.txt"), &list);
    }
}

/// Every parameter moved off its default: continuous ones to 37 % of their range (a value
/// no default sits on), stepped ones to their last step.
fn move_everything(plugin: &mut Plugin) {
    let infos = plugin.param_infos().to_vec();
    for p in infos.iter().filter(|p| !p.bypass) {
        let v = if p.stepped {
            p.max
        } else {
            p.min + (p.max - p.min) * 0.37
        };
        plugin.set_by_hash(p.id, v);
    }
    plugin.flush();
}

#[test]
fn states_saved_by_earlier_builds_load() {
    for (name, mut plugin) in plugins() {
        let state_file = format!("{name}_state.json");
        let texts_file = format!("{name}_state_params.txt");
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            move_everything(&mut plugin);
            let state = plugin.state_json();
            check_snapshot(
                &state_file,
                &(serde_json::to_string_pretty(&state).unwrap() + "\n"),
            );
            check_snapshot(&texts_file, &param_texts(&mut plugin));
            continue;
        }
        let text = std::fs::read_to_string(snapshot_path(&state_file)).unwrap();
        let state: serde_json::Value = serde_json::from_str(&text).unwrap();
        plugin.load_state_json(&state);
        check_snapshot(&texts_file, &param_texts(&mut plugin));
    }
}
