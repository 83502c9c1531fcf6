//! `stems render` from the outside, on generated stems (`shared_dsp::demo::stems`): renders
//! repeat bit for bit; neutral settings with the master chain off give the plain sum; a
//! render to -14 LUFS / -1 dBTP lands there (measured at 4x and 16x); session files, the
//! written session, `--stems-out` and `--json`; and every bad input refused with a clear
//! message and no output left behind.

use std::path::{Path, PathBuf};

use shared_dsp::demo::stems::DemoStem;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::truepeak::oversampled_peak;
use test_support::{read_wav, write_wav, WavFormat};

mod common;

use common::{p, stems};

const RATE: u32 = 48_000;

fn temp_dir(tag: &str) -> PathBuf {
    common::temp_dir("render", tag)
}

/// The four demo stems, `seconds` long, as float WAVs in `dir`, scaled by `gain`; returns
/// their audio in file-name order (the order `stems render` sums them in).
fn demo_stems(dir: &Path, seconds: f64, gain: f32) -> Vec<Vec<Vec<f32>>> {
    let mut stems: Vec<(String, Vec<Vec<f32>>)> = DemoStem::ALL
        .iter()
        .map(|s| {
            let a = s.generator(f64::from(RATE)).render(seconds);
            let scale = |x: Vec<f32>| x.into_iter().map(|v| v * gain).collect::<Vec<f32>>();
            (
                s.file_stem().to_owned(),
                vec![scale(a.left), scale(a.right)],
            )
        })
        .collect();
    stems.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, ch) in &stems {
        write_wav(
            &dir.join(format!("{name}.wav")),
            RATE,
            &[&ch[0], &ch[1]],
            WavFormat::Float32,
        );
    }
    stems.into_iter().map(|(_, ch)| ch).collect()
}

fn integrated_lufs(x: &[Vec<f32>]) -> f32 {
    let mut m = LoudnessMeter::new(RATE, 2).unwrap();
    m.process(&x[0], Some(&x[1]));
    m.integrated_lufs()
}

fn true_peak_db(x: &[Vec<f32>], factor: usize) -> f32 {
    let peak = x
        .iter()
        .map(|c| oversampled_peak(c, factor))
        .fold(0.0f32, f32::max);
    20.0 * peak.log10()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every stage on: what a real session looks like.
const BUSY_SESSION: &str = r#"
[master]
input = 2.0
[master.bell_2]
on = true
freq = 2500
gain = 1.5
q = 0.7
placement = "mid"
[master.glue]
on = true
threshold = -20
ratio = 2
auto_release = true
[master.high_pass]
on = true
freq = 25
[master.limiter]
lookahead = 2.0

[role.drums]
trim = 1.0
[role.drums.compressor]
on = true
threshold = -24
ratio = 4
attack = 5
release = 80
mix = 70
sc_high_pass = 80
[role.drums.low_shelf]
on = true
gain = 2
freq = 80

[stem.bass]
width = 40
[stem.bass.high_pass]
on = true
freq = 35
slope = 48
[stem.bass.compressor]
on = true
threshold = -20
ratio = 3

[stem.lead_vocal]
trim = 2.5
[stem.lead_vocal.bell_3]
on = true
freq = 3000
gain = 3
q = 1.2
[stem.lead_vocal.compressor]
on = true
threshold = -26
ratio = 3
makeup = 2

[stem.music_pad]
width = 130
output = -1.5
[stem.music_pad.bell_2]
on = true
freq = 2000
gain = -3
q = 0.8
"#;

#[test]
fn rendering_twice_gives_identical_files() {
    let dir = temp_dir("twice");
    let input = dir.join("stems");
    std::fs::create_dir_all(&input).unwrap();
    demo_stems(&input, 4.0, 1.0);
    let session = dir.join("busy.toml");
    std::fs::write(&session, BUSY_SESSION).unwrap();
    for extra in [&[][..], &["--float"][..]] {
        let mut outs = Vec::new();
        for k in 0..2 {
            let out = dir.join(format!("m{k}.wav"));
            let mut args = vec!["render", p(&input), "-o", p(&out), "--session", p(&session)];
            args.extend_from_slice(extra);
            let (code, _, err) = stems(&args);
            assert_eq!(code, 0, "{err}");
            outs.push(std::fs::read(&out).unwrap());
            std::fs::remove_file(&out).unwrap();
        }
        assert!(outs[0].len() > 4 * 48_000 * 6, "{extra:?}: a whole file");
        assert!(outs[0] == outs[1], "{extra:?}: the two renders differ");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn neutral_strips_and_the_master_chain_off_give_the_plain_sum() {
    let dir = temp_dir("neutral");
    let input = dir.join("stems");
    std::fs::create_dir_all(&input).unwrap();
    let stems_audio = demo_stems(&input, 3.0, 1.0);
    let session = dir.join("off.toml");
    std::fs::write(
        &session,
        "[master]\nlearn = false\nlearned_gain = 0\n[master.limiter]\non = false\n",
    )
    .unwrap();
    let out = dir.join("sum.wav");
    let (code, _, err) = stems(&[
        "render",
        p(&input),
        "-o",
        p(&out),
        "--float",
        "--session",
        p(&session),
    ]);
    assert_eq!(code, 0, "{err}");
    let got = read_wav(&out);
    let frames = stems_audio[0][0].len();
    assert_eq!(
        got[0].len(),
        frames,
        "as long as the stems: latency removed"
    );
    let mut max_diff = 0.0f64;
    for c in 0..2 {
        for i in 0..frames {
            let sum: f64 = stems_audio.iter().map(|s| f64::from(s[c][i])).sum();
            max_diff = max_diff.max((f64::from(got[c][i]) - sum).abs());
        }
    }
    println!("neutral render against the plain sum (f64): max difference {max_diff:.3e}");
    // The stems are summed in f32: a few rounding steps of a sample near full scale.
    assert!(max_diff < 1e-6, "max difference {max_diff:e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_render_to_minus_14_lands_on_the_target_under_the_ceiling() {
    let dir = temp_dir("target");
    let input = dir.join("stems");
    std::fs::create_dir_all(&input).unwrap();
    let session = dir.join("busy.toml");
    std::fs::write(&session, BUSY_SESSION).unwrap();
    // The demo at its level (its sum about -13 LUFS), 18 dB down (a quiet mix the limiter
    // must not touch much) and 8 dB up (a loud one it must hold down).
    for (gain_db, with_session) in [(0.0f32, false), (-18.0, true), (8.0, true)] {
        for f in files_in(&input) {
            std::fs::remove_file(input.join(f)).unwrap();
        }
        demo_stems(&input, 12.0, 10f32.powf(gain_db / 20.0));
        let out = dir.join("master.wav");
        let mut args = vec![
            "render",
            p(&input),
            "-o",
            p(&out),
            "--target",
            "-14",
            "--ceiling",
            "-1",
            "--force",
        ];
        if with_session {
            args.extend(["--session", p(&session)]);
        }
        let (code, stdout, err) = stems(&args);
        assert_eq!(code, 0, "{err}");
        let x = read_wav(&out);
        let (lufs, tp4, tp16) = (
            integrated_lufs(&x),
            true_peak_db(&x, 4),
            true_peak_db(&x, 16),
        );
        println!(
            "stems at {gain_db:+} dB, session {with_session}: {lufs:.2} LUFS, {tp4:.3} dBTP (4x), {tp16:.3} dBTP (16x)"
        );
        assert!((lufs + 14.0).abs() <= 0.5, "landed at {lufs:.2} LUFS");
        assert!(tp4 <= -0.9, "{tp4:.3} dBTP at 4x");
        assert!(tp16 <= -0.9, "{tp16:.3} dBTP at 16x");
        // What it prints is what the file holds.
        assert!(
            stdout.contains(&format!("Integrated:      {lufs:.1} LUFS")),
            "{stdout}"
        );
        assert!(stdout.contains("True peak:") && stdout.contains("Loudness range:"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_written_session_renders_as_the_defaults_and_outputs_are_complete() {
    let dir = temp_dir("session");
    let input = dir.join("stems");
    std::fs::create_dir_all(&input).unwrap();
    demo_stems(&input, 2.0, 1.0);
    let written = dir.join("song.toml");
    let (code, _, err) = stems(&["render", p(&input), "--write-session", p(&written)]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&written).unwrap();
    for key in [
        "[stem.drums]",
        "[stem.lead_vocal.compressor]",
        "role = \"lead_vocal\"",
        "[master.limiter]",
    ] {
        assert!(text.contains(key), "{key} missing in:\n{text}");
    }
    let a = dir.join("a.wav");
    let b = dir.join("b.wav");
    let out_stems = dir.join("processed");
    let json = dir.join("render.json");
    let (code, _, err) = stems(&["render", p(&input), "-o", p(&a)]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = stems(&[
        "render",
        p(&input),
        "-o",
        p(&b),
        "--session",
        p(&written),
        "--stems-out",
        p(&out_stems),
        "--json",
        p(&json),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
    assert_eq!(
        files_in(&out_stems),
        ["bass.wav", "drums.wav", "lead_vocal.wav", "music_pad.wav"]
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["schema"], "stem-suite/render");
    assert_eq!(v["target_lufs"], -14.0);
    let lufs = v["integrated_lufs"].as_f64().unwrap();
    assert!((lufs + 14.0).abs() < 0.5, "{lufs}");
    assert_eq!(v["analysis"]["schema"], "stem-suite/analyze");
    assert_eq!(v["analysis"]["stems"].as_array().unwrap().len(), 4);
    assert_eq!(v["stems"][2]["settings_from"], "stem.lead_vocal");
    let master_lufs = v["master"]["integrated_lufs"].as_f64().unwrap();
    assert!((master_lufs - lufs).abs() < 0.1, "{master_lufs} vs {lufs}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Asserts a failed render: `code`, a one-line message containing every `what`, nothing on
/// stdout.
fn args_of(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn assert_refused(args: &[&str], code: i32, what: &[&str]) {
    let (got, out, err) = stems(args);
    assert_eq!(got, code, "{args:?}: {err}");
    assert!(out.is_empty(), "nothing on stdout: {out}");
    for w in what {
        assert!(err.contains(w), "expected `{w}` in: {err}");
    }
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn bad_inputs_are_refused_clearly_and_leave_no_output() {
    let dir = temp_dir("bad");
    let input = dir.join("stems");
    std::fs::create_dir_all(&input).unwrap();
    demo_stems(&input, 1.0, 1.0);
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let master = out_dir.join("master.wav");
    let json = out_dir.join("render.json");
    let stems_out = out_dir.join("processed");
    let no_output = |label: &str| {
        assert!(
            files_in(&out_dir).is_empty(),
            "{label}: left {:?}",
            files_in(&out_dir)
        );
    };
    let render = |inputs: &[&Path], extra: &[&str]| -> Vec<String> {
        let mut v = vec!["render".to_owned()];
        v.extend(inputs.iter().map(|i| p(i).to_owned()));
        v.extend(
            [
                "-o",
                p(&master),
                "--json",
                p(&json),
                "--stems-out",
                p(&stems_out),
            ]
            .map(String::from),
        );
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // The bad inputs of `stems analyze`, beside good stems.
    let good = std::fs::read(input.join("bass.wav")).unwrap();
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let text = bad.join("text.wav");
    std::fs::write(
        &text,
        "this is not audio, whatever its name says\n".repeat(20),
    )
    .unwrap();
    let zero = bad.join("zero.wav");
    std::fs::write(&zero, b"").unwrap();
    let truncated = bad.join("truncated.wav");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let mut lying = good.clone();
    let data_at = lying.windows(4).position(|w| w == b"data").unwrap() + 4;
    let len = u32::from_le_bytes(lying[data_at..data_at + 4].try_into().unwrap());
    lying[data_at..data_at + 4].copy_from_slice(&(len * 2).to_le_bytes());
    let lying_path = bad.join("lying.wav");
    std::fs::write(&lying_path, &lying).unwrap();
    let six = bad.join("surround.wav");
    let ch = vec![0.1f32; 4800];
    write_wav(
        &six,
        RATE,
        &[&ch, &ch, &ch, &ch, &ch, &ch],
        WavFormat::Float32,
    );
    let empty_folder = bad.join("empty");
    std::fs::create_dir_all(&empty_folder).unwrap();
    let missing = bad.join("missing.wav");
    for (file, what) in [
        (&missing, "no such file"),
        (&empty_folder, "no audio files"),
        (&text, "not a readable WAV"),
        (&zero, "empty"),
        (&truncated, "truncated"),
        (&lying_path, "truncated"),
        (&six, "6 channels"),
    ] {
        let v = render(&[&input, file], &[]);
        assert_refused(&args_of(&v), 3, &[p(file), what]);
        no_output(what);
    }

    // An unwritable output folder.
    let nowhere = dir.join("no such folder").join("master.wav");
    assert_refused(
        &["render", p(&input), "-o", p(&nowhere)],
        4,
        &["master.wav", "cannot write"],
    );
    assert!(!dir.join("no such folder").exists());

    // The master over one of the stems, even with --force.
    let stem = input.join("bass.wav");
    let before = std::fs::read(&stem).unwrap();
    assert_refused(
        &["render", p(&input), "-o", p(&stem), "--force"],
        2,
        &["one of the stems"],
    );
    assert_eq!(std::fs::read(&stem).unwrap(), before);

    // An existing output without --force: refused, and the file is untouched.
    std::fs::write(&master, b"precious").unwrap();
    let v = render(&[&input], &[]);
    assert_refused(&args_of(&v), 4, &[p(&master), "exists", "--force"]);
    assert_eq!(std::fs::read(&master).unwrap(), b"precious");
    assert_eq!(files_in(&out_dir), ["master.wav"]);
    std::fs::remove_file(&master).unwrap();

    // A session with an unknown key, a wrong value, a stem that is not there.
    let session = dir.join("s.toml");
    for (text, line, what) in [
        (
            "[master]\ninput = 1\n\n[stem.drums]\ntirm = 2\n",
            5,
            "unknown key `tirm`",
        ),
        (
            "[stem.drums.compressor]\nratio = 40\n",
            2,
            "40 is out of range",
        ),
        (
            "[stem.drums]\ntrim = 1\n[stem.guitar]\ntrim = 2\n",
            3,
            "no input stem is named `guitar`",
        ),
        ("[role.drumz]\ntrim = 1\n", 1, "drumz"),
    ] {
        std::fs::write(&session, text).unwrap();
        let v = render(&[&input], &["--session", p(&session)]);
        let at = format!("{} line {line}:", p(&session));
        assert_refused(&args_of(&v), 3, &[&at, what]);
        no_output(what);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
