//! `stems analyze` and `stems demo` from the outside: formats, the demo's findings, exit
//! codes, and every kind of bad input the issue lists, each with a clear message naming the
//! file and no partial output left behind.

mod common;

use std::path::{Path, PathBuf};

use common::{p, stems};

use serde_json::Value;

fn temp_dir(tag: &str) -> PathBuf {
    common::temp_dir("analyze", tag)
}

/// Sample encodings of a test WAV.
#[derive(Clone, Copy, Debug)]
enum Enc {
    Int16,
    Int24,
    Int32,
    Float32,
    Float64,
}

impl Enc {
    fn bits(self) -> u16 {
        match self {
            Enc::Int16 => 16,
            Enc::Int24 => 24,
            Enc::Int32 | Enc::Float32 => 32,
            Enc::Float64 => 64,
        }
    }
    fn is_float(self) -> bool {
        matches!(self, Enc::Float32 | Enc::Float64)
    }
}

/// A WAV file's bytes: `channels` planar at `rate`, optionally WAVE_FORMAT_EXTENSIBLE.
fn wav(enc: Enc, extensible: bool, rate: u32, channels: &[&[f32]]) -> Vec<u8> {
    let n_ch = channels.len() as u16;
    let frames = channels[0].len();
    let bytes_per = enc.bits() / 8;
    let mut data = Vec::with_capacity(frames * n_ch as usize * bytes_per as usize);
    for i in 0..frames {
        for c in channels {
            let x = c[i];
            match enc {
                Enc::Int16 => data.extend_from_slice(
                    &((x.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes(),
                ),
                Enc::Int24 => {
                    let v = (x.clamp(-1.0, 1.0) * 8_388_607.0).round() as i32;
                    data.extend_from_slice(&v.to_le_bytes()[..3]);
                }
                Enc::Int32 => data.extend_from_slice(
                    &((f64::from(x.clamp(-1.0, 1.0)) * 2_147_483_647.0).round() as i32)
                        .to_le_bytes(),
                ),
                Enc::Float32 => data.extend_from_slice(&x.to_le_bytes()),
                Enc::Float64 => data.extend_from_slice(&f64::from(x).to_le_bytes()),
            }
        }
    }
    let tag: u16 = if enc.is_float() { 3 } else { 1 };
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&(if extensible { 0xFFFEu16 } else { tag }).to_le_bytes());
    fmt.extend_from_slice(&n_ch.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(n_ch) * u32::from(bytes_per)).to_le_bytes());
    fmt.extend_from_slice(&(n_ch * bytes_per).to_le_bytes());
    fmt.extend_from_slice(&enc.bits().to_le_bytes());
    if extensible {
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&enc.bits().to_le_bytes());
        let mask: u32 = if n_ch == 1 {
            0x4
        } else if n_ch == 2 {
            0x3
        } else {
            0x3F
        };
        fmt.extend_from_slice(&mask.to_le_bytes());
        // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the tag, then the fixed GUID tail.
        fmt.extend_from_slice(&u32::from(tag).to_le_bytes());
        fmt.extend_from_slice(&[
            0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + 8 + fmt.len() + 8 + data.len()) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    out.extend_from_slice(&fmt);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

/// A 16-bit AIFF file's bytes.
fn aiff(rate: u32, channels: &[&[f32]]) -> Vec<u8> {
    let n_ch = channels.len() as u16;
    let frames = channels[0].len() as u32;
    let mut data = Vec::new();
    for i in 0..frames as usize {
        for c in channels {
            data.extend_from_slice(
                &((c[i].clamp(-1.0, 1.0) * 32767.0).round() as i16).to_be_bytes(),
            );
        }
    }
    // The sample rate as an 80-bit IEEE extended float.
    let mut ext = [0u8; 10];
    let r = f64::from(rate);
    let exp = r.log2().floor() as i32;
    let mant = (r / 2f64.powi(exp) * (1u64 << 63) as f64) as u64;
    ext[..2].copy_from_slice(&((exp + 16383) as u16).to_be_bytes());
    ext[2..].copy_from_slice(&mant.to_be_bytes());
    let mut comm = Vec::new();
    comm.extend_from_slice(&n_ch.to_be_bytes());
    comm.extend_from_slice(&frames.to_be_bytes());
    comm.extend_from_slice(&16u16.to_be_bytes());
    comm.extend_from_slice(&ext);
    let mut out = Vec::new();
    out.extend_from_slice(b"FORM");
    out.extend_from_slice(&((4 + 8 + comm.len() + 8 + 8 + data.len()) as u32).to_be_bytes());
    out.extend_from_slice(b"AIFF");
    out.extend_from_slice(b"COMM");
    out.extend_from_slice(&(comm.len() as u32).to_be_bytes());
    out.extend_from_slice(&comm);
    out.extend_from_slice(b"SSND");
    out.extend_from_slice(&((8 + data.len()) as u32).to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&data);
    out
}

/// `seconds` of a demo stem at `rate`.
fn demo(stem: &str, rate: u32, seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let s = shared_dsp::demo::stems::DemoStem::from_name(stem).unwrap();
    let a = s.generator(f64::from(rate)).render(seconds);
    (a.left, a.right)
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_wav_encoding_and_aiff_read_the_same() {
    let dir = temp_dir("formats");
    let (l, r) = demo("drums", 48_000, 4.0);
    let stereo: [&[f32]; 2] = [&l, &r];
    let mut files = Vec::new();
    for (enc, ext) in [
        (Enc::Int16, false),
        (Enc::Int24, false),
        (Enc::Int32, false),
        (Enc::Float32, false),
        (Enc::Float64, false),
        (Enc::Int24, true),
        (Enc::Float32, true),
    ] {
        let path = dir.join(format!(
            "drums_{enc:?}_{}.wav",
            if ext { "ext" } else { "plain" }
        ));
        std::fs::write(&path, wav(enc, ext, 48_000, &stereo)).unwrap();
        files.push(path);
    }
    let aif = dir.join("drums_aiff.aif");
    std::fs::write(&aif, aiff(48_000, &stereo)).unwrap();
    files.push(aif);
    let mono = dir.join("drums_mono.wav");
    std::fs::write(&mono, wav(Enc::Int24, false, 48_000, &[&l])).unwrap();

    let mut args = vec!["analyze", "--json", "-", "--quiet"];
    args.extend(files.iter().map(|f| p(f)));
    let (code, out, err) = stems(&args);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["schema"], "stem-suite/analyze");
    assert_eq!(v["version"], 2);
    let stems_json = v["stems"].as_array().unwrap();
    assert_eq!(stems_json.len(), files.len());
    let reference = stems_json[3]["integrated_lufs"].as_f64().unwrap(); // float32
    for s in stems_json {
        let i = s["integrated_lufs"].as_f64().unwrap();
        assert!(
            (i - reference).abs() < 0.05,
            "{}: {i} vs {reference}",
            s["name"]
        );
        assert_eq!(s["role"], "drums", "role guessed from the name");
        assert_eq!(s["channels"], 2);
    }
    // Mono reads too (one channel, analysed as mono).
    let (code, out, err) = stems(&["analyze", "--json", "-", "--quiet", p(&mono)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_of(&out)["stems"][0]["channels"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flac_reads_the_same_as_the_wav_it_was_made_from() {
    // tests/data/drums-1s-24bit.flac is the first second of the demo's drums at 48 kHz,
    // written as the 24-bit WAV below and encoded by ffmpeg 5.1 (`-c:a flac`), so it holds
    // exactly these samples.
    let dir = temp_dir("flac");
    let (l, r) = demo("drums", 48_000, 1.0);
    let wav_path = dir.join("drums.wav");
    std::fs::write(&wav_path, wav(Enc::Int24, false, 48_000, &[&l, &r])).unwrap();
    let flac_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/drums-1s-24bit.flac");
    let (code, out, err) = stems(&["analyze", "--json", "-", p(&wav_path), p(&flac_path)]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    let (a, b) = (&v["stems"][0], &v["stems"][1]);
    assert_eq!(
        b["format"].as_str().map(|f| f.starts_with("24-bit")),
        Some(true),
        "{b}"
    );
    for key in ["sample_peak_dbfs", "rms_dbfs", "max_true_peak_dbtp"] {
        let (x, y) = (a[key].as_f64().unwrap(), b[key].as_f64().unwrap());
        assert!((x - y).abs() < 1e-3, "{key}: wav {x}, flac {y}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_writes_stems_json_and_report_and_finds_the_pad_masking_the_voice() {
    let dir = temp_dir("demo");
    let (code, out, err) = stems(&["demo", p(&dir)]);
    assert_eq!(code, 0, "{err}");
    for f in [
        "drums.wav",
        "bass.wav",
        "music_pad.wav",
        "lead_vocal.wav",
        "analysis.json",
        "report.html",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing: {:?}", files_in(&dir));
    }
    assert!(out.contains("Top warning: lead_vocal"), "{out}");
    assert!(out.contains("masked by music_pad"), "{out}");
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.join("analysis.json")).unwrap()).unwrap();
    let w = &v["warnings"][0];
    assert_eq!(w["maskee"], "lead_vocal");
    assert_eq!(w["masker"], "music_pad");
    assert!(w["lo_hz"].as_f64().unwrap() < 4000.0 && w["hi_hz"].as_f64().unwrap() > 1000.0);
    let fix = &w["ranges"][0]["fix"];
    assert_eq!(fix["stem"], "music_pad", "{fix}");
    // The demo's pad sits far over the voice: the fix is a cut, a lower level or, when
    // nothing within reach clears it, moving a part; never a boost of the pad.
    assert!(
        ["cut", "lower", "move"].contains(&fix["action"].as_str().unwrap()),
        "{fix}"
    );
    assert!(fix["gain_db"].as_f64().unwrap() <= 0.0, "{fix}");
    let lead = v["stems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "lead_vocal")
        .unwrap();
    assert_eq!(lead["role"], "lead_vocal");
    assert!(lead["masked_share"].as_f64().unwrap() > 0.5);
    assert_eq!(lead["spectrum_db"].as_array().unwrap().len(), 48);

    // Analysing the written stems again: warnings make --fail-on-warnings exit 1; nothing
    // but results on stdout, the table with every stem.
    let (code, out, _) = stems(&["analyze", p(&dir), "--fail-on-warnings"]);
    assert_eq!(code, 1);
    for name in ["drums", "bass", "music_pad", "lead_vocal"] {
        assert!(out.contains(name), "{out}");
    }
    assert!(
        out.contains("Fix: cut music_pad")
            || out.contains("lower music_pad by about")
            || out.contains("move one of the parts"),
        "{out}"
    );
    let (code, out, _) = stems(&["analyze", p(&dir), "--quiet"]);
    assert_eq!((code, out.as_str()), (0, ""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn roles_come_from_file_names_unless_given() {
    let dir = temp_dir("roles");
    let (l, r) = demo("bass", 48_000, 1.0);
    for name in [
        "Kick In.wav",
        "sub bass.wav",
        "BGV stack.wav",
        "lead vox.wav",
        "verb return.wav",
        "synth.wav",
    ] {
        std::fs::write(dir.join(name), wav(Enc::Int16, false, 48_000, &[&l, &r])).unwrap();
    }
    let (code, out, err) = stems(&["analyze", p(&dir), "--json", "-", "--role", "synth=bass"]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    let role = |n: &str| {
        let s = v["stems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap();
        (
            s["role"].as_str().unwrap().to_owned(),
            s["role_source"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(role("Kick In").0, "drums");
    assert_eq!(role("sub bass").0, "bass");
    assert_eq!(role("BGV stack").0, "backing_vocals");
    assert_eq!(role("lead vox").0, "lead_vocal");
    assert_eq!(role("verb return").0, "fx");
    assert_eq!(role("synth"), ("bass".into(), "--role".into()));
    // A bad role, or a role for a file that is not there: usage errors.
    let (code, _, err) = stems(&["analyze", p(&dir), "--role", "synth=kazoo"]);
    assert_eq!(code, 2);
    assert!(err.contains("kazoo") && err.contains("lead_vocal"), "{err}");
    let (code, _, err) = stems(&["analyze", p(&dir), "--role", "nothere=bass"]);
    assert_eq!(code, 2);
    assert!(err.contains("nothere"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Asserts an input error: exit 3, one line naming `file` and containing `what`.
fn assert_input_error(args: &[&str], file: &Path, what: &str) {
    let (code, out, err) = stems(args);
    assert_eq!(code, 3, "{args:?}: {err}");
    assert!(out.is_empty(), "nothing on stdout: {out}");
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains(what), "expected `{what}` in: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn bad_inputs_are_refused_with_the_file_named_and_no_output_written() {
    let dir = temp_dir("bad");
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let json = out_dir.join("a.json");
    let report = out_dir.join("a.html");
    let run = |input: &Path, what: &str| {
        assert_input_error(
            &[
                "analyze",
                p(input),
                "--json",
                p(&json),
                "--report",
                p(&report),
            ],
            input,
            what,
        );
        assert!(
            files_in(&out_dir).is_empty(),
            "partial output: {:?}",
            files_in(&out_dir)
        );
    };
    let (l, r) = demo("vocal", 48_000, 2.0);
    let good = wav(Enc::Int24, false, 48_000, &[&l, &r]);

    run(&dir.join("missing.wav"), "no such file");
    let empty_folder = dir.join("empty");
    std::fs::create_dir_all(&empty_folder).unwrap();
    std::fs::write(empty_folder.join("notes.txt"), "no audio here").unwrap();
    run(&empty_folder, "no audio files");
    let text = dir.join("text.wav");
    std::fs::write(
        &text,
        "this is not audio, whatever its name says\n".repeat(20),
    )
    .unwrap();
    run(&text, "not a readable WAV");
    let zero = dir.join("zero.wav");
    std::fs::write(&zero, b"").unwrap();
    run(&zero, "empty");
    let truncated = dir.join("truncated.wav");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    run(&truncated, "truncated");
    // A header that says the data is twice as long as it is.
    let mut lying = good.clone();
    let data_at = lying.windows(4).position(|w| w == b"data").unwrap() + 4;
    let len = u32::from_le_bytes(lying[data_at..data_at + 4].try_into().unwrap());
    lying[data_at..data_at + 4].copy_from_slice(&(len * 2).to_le_bytes());
    let lying_path = dir.join("lying.wav");
    std::fs::write(&lying_path, &lying).unwrap();
    run(&lying_path, "truncated");
    let six = dir.join("surround.wav");
    let chans: Vec<&[f32]> = vec![&l, &r, &l, &r, &l, &r];
    std::fs::write(&six, wav(Enc::Int16, true, 48_000, &chans)).unwrap();
    run(&six, "6 channels");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mismatched_rates_and_lengths_and_non_finite_samples_are_handled_with_notices() {
    let dir = temp_dir("mismatch");
    let (l, r) = demo("music", 48_000, 6.0);
    let (l44, r44) = demo("music", 44_100, 6.0);
    let (vl, vr) = demo("vocal", 48_000, 3.0);
    std::fs::write(
        dir.join("pad48.wav"),
        wav(Enc::Float32, false, 48_000, &[&l, &r]),
    )
    .unwrap();
    std::fs::write(
        dir.join("pad44.wav"),
        wav(Enc::Float32, false, 44_100, &[&l44, &r44]),
    )
    .unwrap();
    std::fs::write(
        dir.join("short vocal.wav"),
        wav(Enc::Int24, false, 48_000, &[&vl, &vr]),
    )
    .unwrap();
    // NaN and infinities in a float file.
    let mut bad = l.clone();
    bad[1000] = f32::NAN;
    bad[2000] = f32::INFINITY;
    bad[3000] = f32::NEG_INFINITY;
    std::fs::write(
        dir.join("nan keys.wav"),
        wav(Enc::Float32, false, 48_000, &[&bad, &r]),
    )
    .unwrap();

    let (code, out, err) = stems(&["analyze", p(&dir), "--json", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("pad44.wav: 44100 Hz resampled to the session's 48000 Hz"),
        "{err}"
    );
    assert!(
        err.contains("short vocal.wav: 3.00 s long, padded with silence"),
        "{err}"
    );
    assert!(
        err.contains("nan keys.wav: 3 NaN or infinite samples were replaced by silence"),
        "{err}"
    );
    let v = json_of(&out);
    assert_eq!(v["sample_rate_hz"], 48_000);
    assert_eq!(v["notices"].as_array().unwrap().len(), 3);
    let lufs = |n: &str| {
        v["stems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()["integrated_lufs"]
            .as_f64()
            .unwrap()
    };
    // The resampled pad reads as the native one; the repaired file gives finite figures.
    assert!(
        (lufs("pad44") - lufs("pad48")).abs() < 0.1,
        "{} vs {}",
        lufs("pad44"),
        lufs("pad48")
    );
    assert!((lufs("nan keys") - lufs("pad48")).abs() < 0.1);
    assert!(v["seconds"].as_f64().unwrap() >= 6.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_output_path_fails_cleanly_and_leaves_nothing() {
    let dir = temp_dir("unwritable");
    let (l, r) = demo("bass", 48_000, 1.0);
    let input = dir.join("bass.wav");
    std::fs::write(&input, wav(Enc::Int16, false, 48_000, &[&l, &r])).unwrap();
    let missing_dir = dir.join("no such folder").join("out.json");
    let (code, out, err) = stems(&["analyze", p(&input), "--json", p(&missing_dir)]);
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("out.json") && err.contains("cannot write"),
        "{err}"
    );
    // A report path that is a folder.
    let (code, _, err) = stems(&["analyze", p(&input), "--report", p(&dir)]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("is a folder"), "{err}");
    assert_eq!(files_in(&dir), ["bass.wav"], "nothing left behind");
    // Without arguments: a usage error.
    let (code, _, err) = stems(&["analyze"]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
