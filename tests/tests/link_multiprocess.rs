//! The Stem link across processes: child processes each host a built `Stem Strip.clap`
//! (the `strip-link-child` binary of this crate) fed a 1 kHz stereo sine at a known level, in
//! real time, on a private segment (`STEM_SUITE_LINK_DIR`); `stems link status --json` run
//! alongside must list each with its role, its name (reported by the host through track-info)
//! and a short-term loudness within 0.1 LU (Tech 3341's tolerance) of the sine's loudness (a
//! stereo 1 kHz sine at -X dBFS peak per channel reads -X LUFS). A Stem Master (`stems link
//! master-test`) is running, so every Strip must also bind to its group on its own. Then one
//! child is killed with SIGKILL and must be gone from the status within 3 s while the others
//! stay. Also: a Strip with the link open in this process passes `assert_process_allocs`.
//!
//! Every child is killed on drop ([`ChildProc`]), so a failing assertion leaks nothing.

use std::process::Command;
use std::time::{Duration, Instant};
use stem_tests::host::Block;
use stem_tests::link::{
    fresh_link_dir, instances, link_status, spawn_strip_child, test_link_dir, ChildProc,
    LINK_DIR_ENV,
};
use stem_tests::signal::sine;
use stem_tests::{require_alloc_checked_strip, stems_binary, strip, strip_bundle, Config};

const CHILD: &str = env!("CARGO_BIN_EXE_strip-link-child");

/// EBU Tech 3341's tolerance for a steady sine's short-term loudness, LU.
const TECH_3341_LU: f64 = 0.1;

/// Role text, name, level (dBFS peak per channel = expected short-term LUFS).
const STEMS: &[(&str, &str, f64)] = &[
    ("Drums", "Kick Bus", -20.0),
    ("Bass", "Bass DI", -26.0),
    ("Lead Vocal", "Lead Vox", -32.0),
];

fn master(link_dir: &std::path::Path, group: &str) -> ChildProc {
    let mut cmd = Command::new(stems_binary());
    cmd.env(LINK_DIR_ENV, link_dir).args([
        "link",
        "master-test",
        "--group",
        group,
        "--name",
        "Mix Bus",
        "--seconds",
        "300",
    ]);
    let mut m = ChildProc::spawn("stems link master-test", cmd);
    m.wait_line("ready", Duration::from_secs(30));
    m
}

fn find_pid(status: &serde_json::Value, pid: u32) -> Option<serde_json::Value> {
    instances(status)
        .into_iter()
        .find(|i| i["pid"].as_u64() == Some(pid as u64))
}

#[test]
fn strips_in_separate_processes_appear_with_role_name_and_loudness_and_vanish_when_killed() {
    // Build (or find) both before the clock matters.
    strip_bundle();
    stems_binary();
    let dir = fresh_link_dir("multiprocess");
    let group = "00000000005e3a11";
    let _master = master(&dir, group);

    let mut children: Vec<ChildProc> = STEMS
        .iter()
        .map(|&(role, name, level)| {
            spawn_strip_child(std::path::Path::new(CHILD), &dir, role, name, level, 4.0)
        })
        .collect();
    // Debug builds on a loaded machine: generous, the children pace themselves to real time.
    for c in &mut children {
        c.wait_line("ready", Duration::from_secs(60));
    }
    for c in &mut children {
        c.wait_line("settled", Duration::from_secs(120));
    }

    // All three, with the right role, name, group and loudness (a few tries: the status
    // thread binds within 250 ms, a snapshot is at most 25 ms old).
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut report = Vec::new();
    loop {
        let status = link_status(&dir);
        report.clear();
        let mut problems = Vec::new();
        for (c, &(role, name, level)) in children.iter().zip(STEMS) {
            let Some(i) = find_pid(&status, c.pid()) else {
                problems.push(format!("{name}: pid {} not listed", c.pid()));
                continue;
            };
            let lufs = i["shortterm_lufs"].as_f64().unwrap_or(f64::NAN);
            report.push((name, level, lufs, i["age_ms"].as_u64().unwrap_or(0)));
            if i["role_label"].as_str() != Some(role) {
                problems.push(format!("{name}: role {} (want {role})", i["role_label"]));
            }
            if i["name"].as_str() != Some(name) {
                problems.push(format!("{name}: name {}", i["name"]));
            }
            if i["group"].as_str() != Some(group) {
                problems.push(format!("{name}: group {} (want {group})", i["group"]));
            }
            if (lufs - level).abs().is_nan() || (lufs - level).abs() > TECH_3341_LU {
                problems.push(format!(
                    "{name}: short-term {lufs:.2} LUFS (want {level} ± {TECH_3341_LU})"
                ));
            }
        }
        if problems.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "link status does not show the children as expected: {problems:#?}\n{status:#}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for (name, level, lufs, age) in &report {
        eprintln!(
            "{name}: expected {level:.1} LUFS, reported {lufs:.2} LUFS ({:+.2} LU), age {age} ms",
            lufs - level
        );
    }

    // kill -9 the first child: gone within 3 s, the others stay.
    let victim = children[0].pid();
    let killed_at = Instant::now();
    children[0].kill9();
    let gone_after = loop {
        let status = link_status(&dir);
        if find_pid(&status, victim).is_none() {
            break killed_at.elapsed();
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(3),
            "a SIGKILLed Strip (pid {victim}) is still listed after 3 s:\n{status:#}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!("killed Strip gone from `stems link status` after {gone_after:?}");
    let status = link_status(&dir);
    for c in &children[1..] {
        assert!(
            find_pid(&status, c.pid()).is_some(),
            "{} vanished with the killed one:\n{status:#}",
            c.label
        );
    }
    // A new Strip reuses the dead one's slot eventually (there are free slots now, so it may
    // take another): it appears, and the table holds exactly the live ones.
    let mut late = spawn_strip_child(
        std::path::Path::new(CHILD),
        &dir,
        "Music",
        "Keys",
        -20.0,
        0.5,
    );
    late.wait_line("settled", Duration::from_secs(60));
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let status = link_status(&dir);
        let listed = instances(&status);
        if find_pid(&status, late.pid()).is_some() && listed.len() == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the kill and a new Strip, want 3 live instances:\n{status:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // `children`, `late` and the master are killed on drop.
}

#[test]
fn strip_with_the_link_open_passes_the_allocation_check() {
    require_alloc_checked_strip();
    // Under the harness' private link directory, with a Master running so the Strip binds,
    // reads gain requests and verdicts; any allocation in process() aborts this binary.
    let dir = test_link_dir().to_path_buf();
    let _master = master(&dir, "0000000000a110c8");
    let rate = 48_000.0;
    let mut plugin = strip(Config {
        track_name: Some("Alloc Check".to_owned()),
        ..Config::stereo(rate, 1024)
    });
    plugin.set_text("role", "Music");
    let frames = rate as usize * 3;
    let tone = sine(1000.0, rate, frames, 0.1, 0.0);
    let input = [tone.clone(), tone];
    // Odd block sizes, in slices with pauses so the link thread runs alongside.
    let sizes = stem_tests::signal::blocks_cycling(frames / 6, &[1, 17, 256, 1024, 333]);
    for part in 0..6 {
        let slice: Vec<Vec<f32>> = input
            .iter()
            .map(|c| c[part * frames / 6..(part + 1) * frames / 6].to_vec())
            .collect();
        let blocks = sizes
            .iter()
            .map(|&frames| Block {
                frames,
                events: Vec::new(),
            })
            .collect();
        plugin.run(&slice, blocks);
        std::thread::sleep(Duration::from_millis(150));
    }
    let status = link_status(&dir);
    let me = find_pid(&status, std::process::id())
        .unwrap_or_else(|| panic!("this process' Strip is not on the link:\n{status:#}"));
    assert_eq!(me["name"].as_str(), Some("Alloc Check"), "{me:#}");
    assert_eq!(me["group"].as_str(), Some("0000000000a110c8"), "{me:#}");
}
