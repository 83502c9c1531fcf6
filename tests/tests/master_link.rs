//! The Stem Master's cross-stem view across processes, for real: child processes each host a
//! built `Stem Strip.clap` fed one generated demo stem (drums, bass, a pad, a voice-like lead
//! under the pad), another hosts the built `Stem Master.clap` fed their sum, all in real time
//! on one song clock with the host's transport, on a private link segment. What the Master
//! concluded is read from the Strips' slots through `stems link status --json`.
//!
//! Every child is killed on drop ([`ChildProc`]), so a failing assertion leaks nothing.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use stem_tests::link::{fresh_link_dir, link_status, ChildProc, INHERIT_ENV, LINK_DIR_ENV};
use stem_tests::{master_bundle, stems_binary, strip_bundle};

const CHILD: &str = env!("CARGO_BIN_EXE_stem-link-child");

/// (demo stem, role text, name, colour) of the four Strips.
const STRIPS: &[(&str, &str, &str, &str)] = &[
    ("drums", "Drums", "Kick Bus", "c0392b"),
    ("bass", "Bass", "Bass DI", "2980b9"),
    ("music", "Music", "Pad", "27ae60"),
    ("vocal", "Lead Vocal", "Lead Vox", "f1c40f"),
];

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn child(dir: &Path, label: &str, args: &[String]) -> ChildProc {
    let mut cmd = Command::new(CHILD);
    cmd.env(LINK_DIR_ENV, dir)
        .env(INHERIT_ENV, "1")
        .env(stem_tests::bundle::STEM_STRIP_CLAP_ENV, strip_bundle())
        .env(stem_tests::bundle::STEM_MASTER_CLAP_ENV, master_bundle())
        .args(args);
    let mut c = ChildProc::spawn(label, cmd);
    c.wait_line("ready", Duration::from_secs(60));
    c
}

fn strip_child(dir: &Path, epoch: u64, k: usize, group: Option<&str>) -> ChildProc {
    let (stem, role, name, color) = STRIPS[k];
    let mut args: Vec<String> = [
        "strip", "--stem", stem, "--role", role, "--name", name, "--color", color,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(["--epoch-ms".into(), epoch.to_string()]);
    if let Some(g) = group {
        args.extend(["--group".into(), g.into()]);
    }
    child(dir, name, &args)
}

fn master_child(dir: &Path, epoch: u64, group: &str, name: &str, gains: &[&str]) -> ChildProc {
    let mut args: Vec<String> = ["master", "--name", name, "--group", group]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--epoch-ms".into(), epoch.to_string()]);
    for g in gains {
        args.extend(["--gain".into(), g.to_string()]);
    }
    child(dir, name, &args)
}

/// The Master on `track` in a status report.
fn master_of<'a>(status: &'a Value, track: &str) -> Option<&'a Value> {
    status["masters"]
        .as_array()?
        .iter()
        .find(|m| m["track_name"] == track)
}

fn instance<'a>(status: &'a Value, name: &str) -> Option<&'a Value> {
    status["instances"]
        .as_array()?
        .iter()
        .find(|i| i["name"] == name)
}

/// The Master's warnings on `stem` naming `other`.
fn warnings_between<'a>(master: &'a Value, stem: &str, other: &str) -> Vec<&'a Value> {
    master["warnings"]
        .as_array()
        .map(|ws| {
            ws.iter()
                .filter(|w| w["stem"] == stem && w["other_name"] == other)
                .collect()
        })
        .unwrap_or_default()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Polls the status until `check` returns `Ok`, for at most `timeout`; panics with the last
/// reason and report.
fn wait_for<T>(
    dir: &Path,
    timeout: Duration,
    mut check: impl FnMut(&Value) -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let status = link_status(dir);
        match check(&status) {
            Ok(t) => return t,
            Err(why) if Instant::now() >= deadline => {
                panic!(
                    "after {timeout:?}: {why}\n{}",
                    serde_json::to_string_pretty(&status).unwrap()
                )
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// Short-term loudness (BS.1770, 3 s) of demo stem `stem` at song position `at_s`, measured
/// with the `ebur128` crate on the stem rendered offline: the reference meter.
fn reference_shortterm(stem: &str, at_s: f64) -> f64 {
    let stem = shared_dsp::demo::stems::DemoStem::from_name(stem).unwrap();
    let rate = 48_000.0;
    let frames = (at_s * rate).round() as usize;
    let start = frames.saturating_sub(3 * 48_000);
    let audio = stem.generator(rate).render(frames as f64 / rate);
    let mut meter = ebur128::EbuR128::new(2, 48_000, ebur128::Mode::S).unwrap();
    meter
        .add_frames_planar_f32(&[&audio.left[start..frames], &audio.right[start..frames]])
        .unwrap();
    meter.loudness_shortterm().unwrap()
}

#[test]
fn the_master_sees_every_strip_across_processes_and_tells_the_masked_vocal_what_masks_it() {
    strip_bundle();
    master_bundle();
    stems_binary();
    let dir = fresh_link_dir("master-view");
    let epoch = unix_ms();
    let _master = master_child(&dir, epoch, "00000000005e3a51", "Mix Bus", &[]);
    let mut strips: Vec<ChildProc> = (0..STRIPS.len())
        .map(|k| strip_child(&dir, epoch, k, None))
        .collect();

    // Every Strip listed under the Master, with its role, name, colour and a loudness within
    // 0.5 LU of the reference meter at the position its snapshot was taken.
    wait_for(&dir, Duration::from_secs(40), |s| {
        let m = master_of(s, "Mix Bus").ok_or("no Master on Mix Bus")?;
        let stems = m["stems"].as_array().ok_or("no stems")?;
        if stems.len() != STRIPS.len() {
            return Err(format!("{} stems listed", stems.len()));
        }
        for &(stem, role, name, color) in STRIPS {
            let i = instance(s, name).ok_or(format!("{name} not listed"))?;
            if i["role_label"] != role || i["color"] != format!("#{color}") {
                return Err(format!(
                    "{name}: role {} colour {}",
                    i["role_label"], i["color"]
                ));
            }
            let at = f(&i["transport_seconds"]);
            if at.is_nan() || at < 4.0 {
                return Err(format!("{name} at {at} s (waiting for 4 s of audio)"));
            }
            let (got, want) = (f(&i["shortterm_lufs"]), reference_shortterm(stem, at));
            if (got - want).abs() > 0.5 {
                return Err(format!(
                    "{name}: {got:.2} LUFS, reference {want:.2} at {at:.2} s"
                ));
            }
        }
        Ok(())
    });

    // The vocal is told the pad masks it in its presence range, with a fix; kick and bass
    // get one low-end collision.
    wait_for(&dir, Duration::from_secs(30), |s| {
        let m = master_of(s, "Mix Bus").ok_or("no Master")?;
        let masked = warnings_between(m, "Lead Vox", "Pad");
        let w = masked
            .iter()
            .find(|w| {
                w["kind"] == "masked_by" && f(&w["low_hz"]) < 4000.0 && f(&w["high_hz"]) > 1000.0
            })
            .ok_or("no masked-by-Pad warning on the vocal overlapping 1-4 kHz")?;
        if f(&w["suggested_gain_db"]) == 0.0 {
            return Err(format!("no fix: {w}"));
        }
        let low_end: Vec<_> = warnings_between(m, "Kick Bus", "Bass DI")
            .into_iter()
            .chain(warnings_between(m, "Bass DI", "Kick Bus"))
            .filter(|w| w["kind"] == "masked_by" && f(&w["high_hz"]) <= 300.0)
            .collect();
        if low_end.len() != 1 {
            return Err(format!(
                "{} low-end collisions between kick and bass",
                low_end.len()
            ));
        }
        // The masker is told too, on its own Strip.
        let pad = instance(s, "Pad").ok_or("no pad")?;
        let told = pad["verdicts"].as_array().is_some_and(|v| {
            v.iter()
                .any(|v| v["kind"] == "masking" && v["other_name"] == "Lead Vox")
        });
        if !told {
            return Err("the pad was not told".into());
        }
        println!("vocal: {}", w["text"]);
        println!("low end: {}", low_end[0]["text"]);
        Ok(())
    });

    // The pad's process dies: its row goes, and the vocal's warning clears within the
    // masking engine's window (10 s).
    strips[2].kill9();
    wait_for(&dir, Duration::from_secs(5), |s| {
        let m = master_of(s, "Mix Bus").ok_or("no Master")?;
        let listed = m["stems"].as_array().map_or(0, Vec::len);
        if listed == 3 && instance(s, "Pad").is_none() {
            Ok(())
        } else {
            Err(format!("{listed} stems listed"))
        }
    });
    wait_for(&dir, Duration::from_secs(15), |s| {
        let m = master_of(s, "Mix Bus").ok_or("no Master")?;
        let left = warnings_between(m, "Lead Vox", "Pad");
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("still {} warnings naming the pad", left.len()))
        }
    });
}

/// The latest `gain` line of a Strip child, dB.
fn gain_db(strip: &mut ChildProc) -> f64 {
    let line = strip.next_line("gain", Duration::from_secs(10));
    line["gain ".len()..].parse().unwrap()
}

/// Reads gain lines until two in a row are within 0.1 dB of `want` (the ramp has settled).
fn wait_gain(strip: &mut ChildProc, want: f64, timeout: Duration) -> f64 {
    let deadline = Instant::now() + timeout;
    let mut settled = 0;
    loop {
        let g = gain_db(strip);
        settled = if (g - want).abs() <= 0.1 {
            settled + 1
        } else {
            0
        };
        if settled == 2 {
            return g;
        }
        assert!(
            Instant::now() < deadline,
            "the Strip's gain is {g:.2} dB, not {want} dB, after {timeout:?}"
        );
    }
}

#[test]
fn a_gain_set_on_the_master_moves_the_strips_output_and_is_undone_when_the_master_is_killed() {
    strip_bundle();
    master_bundle();
    let dir = fresh_link_dir("master-gain");
    let epoch = unix_ms();
    let group = "000000000000ba55";
    let mut bass = strip_child(&dir, epoch, 1, Some(group));
    let before = wait_gain(&mut bass, 0.0, Duration::from_secs(20));
    let mut master = master_child(&dir, epoch, group, "Mix Bus", &["Bass DI=-6"]);
    let with = wait_gain(&mut bass, -6.0, Duration::from_secs(20));
    println!("Strip output against input: {before:.2} dB alone, {with:.2} dB with -6 dB set");
    master.kill9();
    let after = wait_gain(&mut bass, 0.0, Duration::from_secs(20));
    println!("after the Master was killed: {after:.2} dB");
}

#[test]
fn two_masters_of_different_groups_do_not_see_each_others_stems() {
    strip_bundle();
    master_bundle();
    stems_binary();
    let dir = fresh_link_dir("master-groups");
    let epoch = unix_ms();
    let (ga, gb) = ("00000000000000a1", "00000000000000b2");
    // Group A: drums and the vocal; group B: bass and the pad. In one group the pad would
    // mask the vocal and the bass collide with the kick (the first test).
    let _ma = master_child(&dir, epoch, ga, "Bus A", &[]);
    let _mb = master_child(&dir, epoch, gb, "Bus B", &[]);
    let _strips: Vec<ChildProc> = [(0, ga), (3, ga), (1, gb), (2, gb)]
        .iter()
        .map(|&(k, g)| strip_child(&dir, epoch, k, Some(g)))
        .collect();
    let names = |m: &Value| {
        let mut n: Vec<String> = m["stems"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|s| s["name"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        n.sort();
        n
    };
    // Enough time for masking evidence (the first test's warnings come within seconds).
    std::thread::sleep(Duration::from_secs(12));
    wait_for(&dir, Duration::from_secs(20), |s| {
        let a = master_of(s, "Bus A").ok_or("no Bus A")?;
        let b = master_of(s, "Bus B").ok_or("no Bus B")?;
        if names(a) != ["Kick Bus", "Lead Vox"] || names(b) != ["Bass DI", "Pad"] {
            return Err(format!("A lists {:?}, B lists {:?}", names(a), names(b)));
        }
        for m in [a, b] {
            for w in m["warnings"].as_array().into_iter().flatten() {
                let (stem, other) = (
                    w["stem"].as_str().unwrap_or(""),
                    w["other_name"].as_str().unwrap_or(""),
                );
                let pair = [stem, other];
                if pair.contains(&"Pad") && pair.contains(&"Lead Vox")
                    || pair.contains(&"Kick Bus") && pair.contains(&"Bass DI")
                {
                    return Err(format!("a warning across groups: {w}"));
                }
            }
        }
        Ok(())
    });
}

#[test]
fn the_masters_process_neither_allocates_nor_touches_the_link_while_strips_come_and_go() {
    stem_tests::require_alloc_checked_master();
    // The Master runs in this process on the harness' private link directory (its link
    // thread too); Strips (`stems link publish-test`) appear and disappear around it while
    // process() runs with odd block sizes. Any allocation in process() aborts this binary.
    let dir = stem_tests::link::test_link_dir().to_path_buf();
    let rate = 48_000.0;
    let mut plugin = stem_tests::master(stem_tests::Config {
        track_name: Some("Alloc Bus".to_owned()),
        transport_from_s: Some(0.0),
        ..stem_tests::Config::stereo(rate, 1024)
    });
    let publish = |name: &str, role: &str| {
        let mut cmd = Command::new(stems_binary());
        cmd.env(LINK_DIR_ENV, &dir).args([
            "link",
            "publish-test",
            "--role",
            role,
            "--name",
            name,
            "--lufs",
            "-20",
        ]);
        let mut c = ChildProc::spawn(name, cmd);
        c.wait_line("ready", Duration::from_secs(30));
        c
    };
    let frames = rate as usize / 2;
    let input = stem_tests::signal::noise(2, frames, 0.25, 7);
    let sizes = stem_tests::signal::blocks_cycling(frames, &[1, 17, 256, 1024, 333]);
    let run = |plugin: &mut stem_tests::Plugin| {
        let blocks = sizes
            .iter()
            .map(|&frames| stem_tests::host::Block {
                frames,
                events: Vec::new(),
            })
            .collect();
        let out = plugin.run(&input, blocks);
        assert!(out.iter().flatten().all(|x| x.is_finite()));
        std::thread::sleep(Duration::from_millis(120));
    };
    let mut strips = Vec::new();
    for (name, role) in [("Kick", "drums"), ("Bass", "bass"), ("Keys", "music")] {
        strips.push(publish(name, role));
        run(&mut plugin);
    }
    for _ in 0..4 {
        run(&mut plugin);
    }
    // The Master saw them (its link thread binds and lists them).
    let status = link_status(&dir);
    let m = master_of(&status, "Alloc Bus")
        .unwrap_or_else(|| panic!("the Master is not on the link: {status:#}"));
    assert_eq!(m["stems"].as_array().map_or(0, Vec::len), 3, "{m:#}");
    // One goes, another comes, while processing.
    strips.remove(1).kill9();
    run(&mut plugin);
    strips.push(publish("Vox", "lead_vocal"));
    for _ in 0..4 {
        run(&mut plugin);
    }
}

#[test]
fn what_the_user_set_in_the_stems_view_is_saved_and_restored_with_the_masters_state() {
    // A project reopened: the Master's state carries a group, a reference balance, a
    // priority and a stem gain; after activation (its link thread running) the saved state
    // gives them back, sanitised (a gain beyond the link's ±24 dB clamped), and the group is the one it was given.
    let mut plugin = stem_tests::master_inactive(stem_tests::Config::stereo(48_000.0, 512));
    let mut v = plugin.state_json();
    let stems = serde_json::json!({
        "reference": {"entries": [{"id": 7, "name": "Pad", "role": "music", "relative_lu": -5.5}]},
        "priorities": {"Pad": 150.0},
        "gains_db": {"Bass DI": -3.0, "Hot": 99.0},
        "tolerance_lu": 2.0
    });
    v["fields"]["group"] = Value::String("48879".into());
    v["fields"]["stems"] = Value::String(stems.to_string());
    plugin.load_state_json(&v);
    plugin.activate();
    let _ = plugin.process(&stem_tests::signal::noise(2, 4800, 0.1, 3), 480);
    std::thread::sleep(Duration::from_millis(300));
    let v = plugin.state_json();
    assert_eq!(v["fields"]["group"], "48879", "{v:#}");
    let stems: Value = serde_json::from_str(v["fields"]["stems"].as_str().unwrap()).unwrap();
    assert_eq!(stems["priorities"]["Pad"], 150.0, "{stems:#}");
    assert_eq!(stems["gains_db"]["Bass DI"], -3.0, "{stems:#}");
    assert_eq!(stems["gains_db"]["Hot"], 24.0, "{stems:#}");
    assert_eq!(stems["tolerance_lu"], 2.0, "{stems:#}");
    assert_eq!(stems["reference"]["entries"][0]["name"], "Pad", "{stems:#}");
    assert_eq!(
        stems["reference"]["entries"][0]["relative_lu"], -5.5,
        "{stems:#}"
    );
}
