//! `stems link status` against real processes: `stems link publish-test` children.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const STEMS: &str = env!("CARGO_BIN_EXE_stems");

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stems-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    let mut child = Command::new(STEMS)
        .args(args)
        .env("STEM_SUITE_LINK_DIR", dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("ready"), "{line}");
    child
}

fn status(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(STEMS)
        .args(["link", "status"])
        .args(args)
        .env("STEM_SUITE_LINK_DIR", dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn status_lists_live_strips_and_masters() {
    let dir = temp_dir("live");
    let (code, text) = status(&dir, &[]);
    assert_eq!(code, 0);
    assert!(text.contains("No segment"), "{text}");

    let mut master = spawn(&dir, &["link", "master-test", "--name", "Mix Bus"]);
    let mut bass = spawn(
        &dir,
        &[
            "link",
            "publish-test",
            "--role",
            "bass",
            "--name",
            "Bass DI",
            "--lufs",
            "-20",
        ],
    );
    let mut vox = spawn(
        &dir,
        &[
            "link",
            "publish-test",
            "--role",
            "lead_vocal",
            "--name",
            "Lead Vox",
            "--lufs",
            "-16.5",
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(600)); // auto-binding runs at 4 Hz

    let (code, json) = status(&dir, &["--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["state"], "ok");
    assert_eq!(v["masters"].as_array().unwrap().len(), 1);
    let group = v["masters"][0]["group"].as_str().unwrap().to_owned();
    let strips = v["instances"].as_array().unwrap();
    assert_eq!(strips.len(), 2);
    for (role, name, lufs) in [
        ("bass", "Bass DI", -20.0),
        ("lead_vocal", "Lead Vox", -16.5),
    ] {
        let s = strips.iter().find(|s| s["name"] == name).unwrap();
        assert_eq!(s["role"], role);
        assert_eq!(
            s["group"],
            group.as_str(),
            "bound automatically to the only Master"
        );
        assert!((s["shortterm_lufs"].as_f64().unwrap() - lufs).abs() < 1e-6);
        assert!(s["age_ms"].as_u64().unwrap() < 1000);
    }
    let (_, table) = status(&dir, &[]);
    assert!(
        table.contains("Bass DI") && table.contains("Lead Vocal") && table.contains("-16.5"),
        "{table}"
    );
    assert!(table.contains("Mix Bus"), "{table}");

    for c in [&mut master, &mut bass, &mut vox] {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(400)); // pid shortcut after 250 ms
    let (_, table) = status(&dir, &[]);
    assert!(
        table.contains("Strips: none live") && table.contains("Masters: none live"),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn status_explains_an_unusable_segment() {
    let dir = temp_dir("bad");
    let path = dir.join(shared_dsp::link::segment_file_name());
    std::fs::write(&path, vec![0xabu8; 4096]).unwrap();
    let (code, text) = status(&dir, &[]);
    assert_eq!(code, 2);
    assert!(
        text.contains("unusable") && text.contains("not a Stem Suite link segment"),
        "{text}"
    );
    let (code, json) = status(&dir, &["--json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["state"], "unusable");
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains(path.to_str().unwrap()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn status_lists_each_masters_stems_and_the_warnings_it_left() {
    use shared_dsp::link::{segment_file_name, GroupId, MasterHandle, Verdict, VerdictKind};
    use shared_dsp::role::StemRole;
    use shared_dsp::snapshot::StemName;

    let dir = temp_dir("warnings");
    let group = "00000000c0ffee01";
    let mut master = spawn(
        &dir,
        &["link", "master-test", "--group", group, "--name", "Mix Bus"],
    );
    let publish = |role: &str, name: &str, lufs: &str, group: &str| {
        let args = [
            "link",
            "publish-test",
            "--role",
            role,
            "--name",
            name,
            "--lufs",
            lufs,
            "--group",
            group,
        ];
        spawn(&dir, &args)
    };
    let mut pad = publish("music", "Pad", "-16", group);
    let mut vox = publish("lead_vocal", "Lead Vox", "-22", group);
    // A Strip of another group, which that Master must not list.
    let mut other = publish("bass", "Other Bass", "-20", "00000000000beef2");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (_, json) = status(&dir, &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let id_of = |name: &str| {
        let s = v["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {json}"));
        u64::from_str_radix(s["instance_id"].as_str().unwrap(), 16).unwrap()
    };
    let (pad_id, vox_id) = (id_of("Pad"), id_of("Lead Vox"));

    // What a Master concludes, written as the Stem Master's link thread writes it.
    let writer = MasterHandle::open_at(
        &dir.join(segment_file_name()),
        group.parse::<GroupId>().unwrap(),
        "Verdict writer",
    )
    .unwrap();
    let masked = Verdict {
        kind: VerdictKind::MaskedBy,
        other_role: StemRole::Music,
        other_instance: pad_id,
        other_name: StemName::new("Pad"),
        low_hz: 1200.0,
        high_hz: 3400.0,
        amount_db: 4.0,
        share: 0.8,
        suggested_gain_db: -5.5,
        ranges: [[0.0; 2]; 3],
    };
    let masking = Verdict {
        kind: VerdictKind::Masking,
        other_role: StemRole::LeadVocal,
        other_instance: vox_id,
        other_name: StemName::new("Lead Vox"),
        ..masked
    };
    assert!(writer.set_verdicts(vox_id, &[masked]));
    assert!(writer.set_verdicts(pad_id, &[masking]));

    let (code, json) = status(&dir, &["--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mix_bus = v["masters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["track_name"] == "Mix Bus")
        .unwrap();
    let mut names: Vec<&str> = mix_bus["stems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Lead Vox", "Pad"], "its group only: {json}");
    let warnings = mix_bus["warnings"].as_array().unwrap();
    assert_eq!(
        warnings.len(),
        1,
        "the masker's side is not listed twice: {json}"
    );
    let w = &warnings[0];
    assert_eq!(w["stem"], "Lead Vox");
    assert_eq!(w["kind"], "masked_by");
    assert_eq!(w["other_name"], "Pad");
    assert_eq!(w["low_hz"], 1200.0);
    assert_eq!(
        w["text"],
        "Masked by Pad 1.2–3.4 kHz, 4 dB (80% of the time; try -5.5 dB on Pad)"
    );
    let vox_json = v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Lead Vox")
        .unwrap();
    assert_eq!(vox_json["verdicts"][0]["kind"], "masked_by");
    let (_, table) = status(&dir, &[]);
    assert!(
        table.contains("Lead Vox: Masked by Pad 1.2–3.4 kHz"),
        "{table}"
    );

    drop(writer);
    for c in [&mut master, &mut pad, &mut vox, &mut other] {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
