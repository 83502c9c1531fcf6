//! `stems check` from the outside, on stems generated in code (`shared_dsp::demo::stems`):
//! every case issue #12 lists under "What must hold" (the null test against the stems' own
//! sum, a delayed and louder sum, an inverted one, one with a part muted; one problem per
//! stem flagged and nothing else; the bad inputs of `stems analyze`), and the other hints
//! (drift, bus processing, swapped channels), the exit codes and the JSON.

mod common;

use std::path::{Path, PathBuf};

use common::{p, stems};

use serde_json::Value;
use shared_dsp::demo::stems::DemoStem;
use test_support::{write_wav, WavFormat};

const RATE: u32 = 48_000;
/// Length of the test stems, seconds (a loop of the demo song).
const SECONDS: f64 = 8.0;

fn temp_dir(tag: &str) -> PathBuf {
    common::temp_dir("check", tag)
}

type Stereo = [Vec<f32>; 2];

/// A demo stem as a clean delivery holds it: `seconds` long at `rate`, faded out over its
/// last second and silent for the last 0.1 s (so its tail is not cut off), the right
/// channel 1.5 dB under the left (the demo's bass and voice are centred, and a stereo file
/// with identical channels is flagged as fake stereo).
fn stem(which: DemoStem, rate: u32, seconds: f64) -> Stereo {
    let a = which.generator(f64::from(rate)).render(seconds);
    let (mut l, mut r) = (a.left, a.right);
    let n = l.len();
    let fade = rate as usize;
    let quiet = rate as usize / 10;
    for i in n - fade..n {
        let g = ((n - quiet).saturating_sub(i + 1)) as f32 / (fade - quiet) as f32;
        l[i] *= g;
        r[i] *= g;
    }
    r.iter_mut().for_each(|x| *x *= 0.841);
    [l, r]
}

/// The four demo stems, clean.
fn demo_stems() -> Vec<(DemoStem, Stereo)> {
    DemoStem::ALL
        .iter()
        .map(|&s| (s, stem(s, RATE, SECONDS)))
        .collect()
}

fn sum(stems: &[(DemoStem, Stereo)]) -> Stereo {
    let n = stems[0].1[0].len();
    let mut out = [vec![0.0f32; n], vec![0.0f32; n]];
    for (_, s) in stems {
        for c in 0..2 {
            for (d, x) in out[c].iter_mut().zip(&s[c]) {
                *d += x;
            }
        }
    }
    out
}

/// Writes the stems into `dir/stems/` as 24-bit WAV files named after them.
fn write_stems(dir: &Path, stems: &[(DemoStem, Stereo)]) -> PathBuf {
    let folder = dir.join("stems");
    std::fs::create_dir_all(&folder).unwrap();
    for (s, audio) in stems {
        let path = folder.join(format!("{}.wav", s.file_stem()));
        write_wav(&path, RATE, &[&audio[0], &audio[1]], WavFormat::Int24);
    }
    folder
}

/// `stems check STEMS --mix MIX --json - --quiet ARGS`: (exit code, the JSON).
fn check(stems_dir: &Path, mix: Option<&Path>, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", p(stems_dir), "--json", "-", "--quiet"];
    if let Some(m) = mix {
        args.extend(["--mix", p(m)]);
    }
    args.extend(extra);
    let (code, out, err) = stems(&args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    (code, v)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn failed(v: &Value) -> Vec<String> {
    v["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn hint_kinds(v: &Value) -> Vec<String> {
    v["mix"]["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_demo_stems_null_against_their_own_plain_sum() {
    let dir = temp_dir("own");
    let demo = demo_stems();
    let folder = write_stems(&dir, &demo);
    let mix = dir.join("mix.wav");
    let s = sum(&demo);
    write_wav(&mix, RATE, &[&s[0], &s[1]], WavFormat::Int24);
    let (code, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["pass"], true);
    let m = &v["mix"];
    assert!(f(&m["residual_db"]) < -90.0, "{}", m["residual_db"]);
    assert_eq!(m["offset_frames"], 0);
    assert!(f(&m["gain_db"]).abs() < 0.005, "{}", m["gain_db"]);
    assert_eq!(m["polarity"], "normal");
    assert_eq!(hint_kinds(&v), ["nulls"]);
    assert!(m["windows"].as_array().unwrap().len() >= 4);
    // Every check listed, each with its result.
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 24);
    assert!(checks.iter().all(|c| c["status"] == "pass"), "{checks:#?}");

    // The same as text: every check with its result, the null test, the verdict.
    let (code, out, _) = stems(&["check", p(&folder), "--mix", p(&mix)]);
    assert_eq!(code, 0);
    for line in [
        "residual ",
        "offset ",
        "swapped_channels ",
        "Passed: no check failed.",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_delayed_louder_mix_is_found_out() {
    let dir = temp_dir("delayed");
    let demo = demo_stems();
    let folder = write_stems(&dir, &demo);
    let s = sum(&demo);
    let gain = 10f32.powf(3.0 / 20.0);
    let delayed: Vec<Vec<f32>> = s
        .iter()
        .map(|c| {
            let mut y = vec![0.0f32; 37];
            y.extend(c.iter().map(|x| gain * x));
            y
        })
        .collect();
    // Float, as a bounce above full scale keeps it.
    let mix = dir.join("mix.wav");
    write_wav(&mix, RATE, &[&delayed[0], &delayed[1]], WavFormat::Float32);
    let (code, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(code, 1);
    let m = &v["mix"];
    assert_eq!(m["offset_frames"], 37);
    assert!((f(&m["gain_db"]) - 3.0).abs() <= 0.05, "{}", m["gain_db"]);
    assert!(f(&m["residual_db"]) < -80.0, "{}", m["residual_db"]);
    assert_eq!(m["polarity"], "normal");
    assert_eq!(failed(&v), ["offset", "gain"]);
    assert!(hint_kinds(&v).contains(&"gain_offset".to_owned()), "{v:#}");
    // With the limits opened up, it passes.
    let (code, _) = check(
        &folder,
        Some(&mix),
        &["--offset-max", "37", "--gain-tolerance", "3.1"],
    );
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_inverted_mix_is_found() {
    let dir = temp_dir("inverted");
    let demo = demo_stems();
    let folder = write_stems(&dir, &demo);
    let s = sum(&demo);
    let inv: Vec<Vec<f32>> = s.iter().map(|c| c.iter().map(|x| -x).collect()).collect();
    let mix = dir.join("mix.wav");
    write_wav(&mix, RATE, &[&inv[0], &inv[1]], WavFormat::Int24);
    let (code, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["mix"]["polarity"], "inverted");
    assert_eq!(v["mix"]["offset_frames"], 0);
    assert!(f(&v["mix"]["residual_db"]) < -90.0);
    assert_eq!(failed(&v), ["polarity"]);
    assert_eq!(hint_kinds(&v), ["polarity"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_seconds_of_a_part_muted_in_the_mix_are_the_worst_section() {
    let dir = temp_dir("muted");
    let demo = demo_stems();
    let folder = write_stems(&dir, &demo);
    let mut muted = demo.clone();
    let pad = muted
        .iter_mut()
        .find(|(s, _)| *s == DemoStem::Music)
        .unwrap();
    let (a, b) = (3 * RATE as usize, 5 * RATE as usize);
    for c in &mut pad.1 {
        c[a..b].fill(0.0);
    }
    let s = sum(&muted);
    let mix = dir.join("mix.wav");
    write_wav(&mix, RATE, &[&s[0], &s[1]], WavFormat::Int24);
    let (code, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(code, 1);
    let m = &v["mix"];
    let worst = &m["worst_section"];
    assert!((f(&worst["start_s"]) - 3.0).abs() <= 0.1, "{worst}");
    assert!((f(&worst["end_s"]) - 5.0).abs() <= 0.1, "{worst}");
    assert_eq!(hint_kinds(&v), ["part_missing"]);
    let text = m["hints"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("part missing") && text.contains("music_pad"),
        "{text}"
    );
    // The rest of the song still nulls: the gain is not pulled by the missing part.
    assert!(f(&m["gain_db"]).abs() < 0.005, "{}", m["gain_db"]);
    assert_eq!(m["offset_frames"], 0);
    let timeline = m["residual_timeline_db"].as_array().unwrap();
    assert!(
        f(&timeline[1]) < -90.0 && f(&timeline[3]) > -30.0,
        "{timeline:?}"
    );
    assert_eq!(failed(&v), ["residual"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn each_delivery_problem_is_flagged_and_only_it() {
    let dir = temp_dir("problems");
    let folder = dir.join("stems");
    std::fs::create_dir_all(&folder).unwrap();
    let [drums_l, mut drums_r] = stem(DemoStem::Drums, RATE, SECONDS);
    // A run of four clipped samples in the right channel.
    drums_r[100_000..100_004].fill(1.0);
    let [bass_l, bass_r] = stem(DemoStem::Bass, RATE, SECONDS);
    let short = bass_l.len() - RATE as usize / 50;
    let [pad_l, _] = stem(DemoStem::Music, RATE, SECONDS);
    let [vox_l, vox_r] = stem(DemoStem::LeadVocal, 44_100, SECONDS);
    write_wav(
        &folder.join("drums.wav"),
        RATE,
        &[&drums_l, &drums_r],
        WavFormat::Int24,
    );
    write_wav(
        &folder.join("bass.wav"),
        RATE,
        &[&bass_l[..short], &bass_r[..short]],
        WavFormat::Int24,
    );
    write_wav(
        &folder.join("music_pad.wav"),
        RATE,
        &[&pad_l, &pad_l],
        WavFormat::Int24,
    );
    write_wav(
        &folder.join("lead_vocal.wav"),
        44_100,
        &[&vox_l, &vox_r],
        WavFormat::Int24,
    );
    let (code, v) = check(&folder, None, &[]);
    assert_eq!(code, 1, "{v:#}");
    let flagged = |name: &str| -> Vec<String> {
        let s = v["stems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        s["failed_checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect()
    };
    // A flat top at full scale overshoots between the samples too.
    assert_eq!(flagged("drums"), ["true_peak", "clipping"]);
    assert_eq!(flagged("bass"), ["length"]);
    assert_eq!(flagged("music_pad"), ["fake_stereo"]);
    assert_eq!(flagged("lead_vocal"), ["rate"]);
    // Fake stereo only warns; the three others fail the run.
    assert_eq!(failed(&v), ["rate", "length", "true_peak", "clipping"]);
    // The sum is no stem: the drums' full-scale run lifts it over 0 dBTP, nothing else.
    assert_eq!(v["sum"]["failed_checks"], serde_json::json!(["true_peak"]));
    let drums = &v["stems"][1];
    assert_eq!(drums["name"], "drums");
    assert_eq!(drums["clipped_runs"], 1);
    assert_eq!(drums["clipped_samples"], 4);
    assert!((f(&drums["first_clip_s"]) - 100_000.0 / 48_000.0).abs() < 1e-9);
    let length = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "length")
        .unwrap();
    let detail = length["failures"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("20.0 ms shorter"), "{detail}");
    // --strict makes the warning fail; --ignore lets the rest pass.
    let (code, v) = check(&folder, None, &["--strict"]);
    assert_eq!(code, 1);
    assert_eq!(
        failed(&v),
        ["rate", "length", "true_peak", "clipping", "fake_stereo"]
    );
    let (code, _) = check(
        &folder,
        None,
        &["--ignore", "rate,length,true_peak,clipping"],
    );
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Asserts that `stems check` refuses `input` exactly as `stems analyze` does: exit 3, the
/// same one-line message naming the file, nothing on standard output.
fn assert_same_error_as_analyze(input: &Path, what: &str) {
    let (code, out, err) = stems(&["check", p(input)]);
    let (analyze_code, _, analyze_err) = stems(&["analyze", p(input)]);
    assert_eq!((code, analyze_code), (3, 3), "{err}");
    assert_eq!(err, analyze_err);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(&input.display().to_string()), "{err}");
    assert!(err.contains(what), "expected `{what}` in: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn bad_inputs_give_the_same_clear_errors_as_analyze() {
    let dir = temp_dir("bad");
    let [l, r] = stem(DemoStem::LeadVocal, RATE, 2.0);
    let good = dir.join("good.wav");
    write_wav(&good, RATE, &[&l, &r], WavFormat::Int24);
    let bytes = std::fs::read(&good).unwrap();

    assert_same_error_as_analyze(&dir.join("missing.wav"), "no such file");
    let truncated = dir.join("truncated.wav");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_same_error_as_analyze(&truncated, "truncated");
    let text = dir.join("text.wav");
    std::fs::write(
        &text,
        "this is not audio, whatever its name says\n".repeat(20),
    )
    .unwrap();
    assert_same_error_as_analyze(&text, "not a readable WAV");
    let zero = dir.join("zero.wav");
    std::fs::write(&zero, b"").unwrap();
    assert_same_error_as_analyze(&zero, "empty");
    let empty_folder = dir.join("nothing");
    std::fs::create_dir_all(&empty_folder).unwrap();
    assert_same_error_as_analyze(&empty_folder, "no audio files");

    // A bad --mix is refused the same way, and no --json file is left behind.
    let json = dir.join("out.json");
    for (mix, what) in [
        (dir.join("missing mix.wav"), "no such file"),
        (truncated.clone(), "truncated"),
        (zero.clone(), "empty"),
    ] {
        let (code, out, err) = stems(&["check", p(&good), "--mix", p(&mix), "--json", p(&json)]);
        assert_eq!(code, 3, "{err}");
        assert!(out.is_empty());
        assert!(
            err.contains(&mix.display().to_string()) && err.contains(what),
            "{err}"
        );
        assert!(!json.exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    let dir = temp_dir("usage");
    let [l, r] = stem(DemoStem::Bass, RATE, 1.0);
    let good = dir.join("bass.wav");
    write_wav(&good, RATE, &[&l, &r], WavFormat::Int24);
    for args in [
        vec!["check"],
        vec!["check", p(&good), "--ignore", "loudness"],
        vec!["check", p(&good), "--residual-max", "loud"],
        vec!["check", p(&good), "--max-offset", "0"],
        vec!["check", p(&good), "--role", "bass=kazoo"],
        vec!["check", p(&good), "--mix", p(&good)],
    ] {
        let (code, out, err) = stems(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(!err.is_empty());
    }
    let (_, _, err) = stems(&["check", p(&good), "--ignore", "loudness"]);
    assert!(
        err.contains("loudness") && err.contains("fake_stereo"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn drift_bus_processing_and_swapped_channels_are_told_apart() {
    let dir = temp_dir("hints");
    let demo = demo_stems();
    let folder = write_stems(&dir, &demo);
    let mix = dir.join("mix.wav");

    // The song rendered 0.1 % slower and labelled 48 kHz: the offset grows by 1000 ppm.
    let slow: Vec<(DemoStem, Stereo)> = DemoStem::ALL
        .iter()
        .map(|&s| (s, stem(s, 48_048, SECONDS)))
        .collect();
    let s = sum(&slow);
    write_wav(&mix, RATE, &[&s[0], &s[1]], WavFormat::Int24);
    let (code, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(code, 1);
    assert!(failed(&v).contains(&"drift".to_owned()), "{:?}", failed(&v));
    assert_eq!(hint_kinds(&v)[0], "drift");
    let ppm = f(&v["mix"]["drift"]["ppm"]);
    assert!((ppm - 1000.0).abs() < 100.0, "{ppm}");
    assert_eq!(v["mix"]["drift"]["steady"], true);

    // A saturating mix bus: the residual follows the mix's loudness.
    let s = sum(&demo);
    let sat: Vec<Vec<f32>> = s
        .iter()
        .map(|c| c.iter().map(|x| (1.5 * x).tanh() / 1.5).collect())
        .collect();
    write_wav(&mix, RATE, &[&sat[0], &sat[1]], WavFormat::Int24);
    let (code, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["mix"]["offset_frames"], 0);
    assert!(
        hint_kinds(&v).contains(&"bus_processing".to_owned()),
        "{:#}",
        v["mix"]["hints"]
    );

    // The pad's channels swapped in the mix: the pad is named.
    let mut swapped = demo.clone();
    let pad = swapped
        .iter_mut()
        .find(|(s, _)| *s == DemoStem::Music)
        .unwrap();
    pad.1.swap(0, 1);
    let s = sum(&swapped);
    write_wav(&mix, RATE, &[&s[0], &s[1]], WavFormat::Int24);
    let (_, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(v["mix"]["swapped_stems"], serde_json::json!(["music_pad"]));
    assert!(failed(&v).contains(&"swapped_channels".to_owned()));
    // The whole mix swapped.
    let s = sum(&demo);
    write_wav(&mix, RATE, &[&s[1], &s[0]], WavFormat::Int24);
    let (_, v) = check(&folder, Some(&mix), &[]);
    assert_eq!(v["mix"]["swapped"], true, "{:#}", v["mix"]["hints"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_writes_its_plain_sum_and_check_finds_it_nulls() {
    let dir = temp_dir("demo");
    let (code, out, err) = stems(&["demo", p(&dir), "--seconds", "4", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let mix = dir.join("mix").join("mix.wav");
    assert!(mix.is_file());
    let (code, v) = check(&dir, Some(&mix), &[]);
    assert_eq!(
        v["stems"].as_array().unwrap().len(),
        4,
        "the mix is not a stem"
    );
    // The demo fades out as a song ends: no tail is cut off, no check fails.
    assert_eq!((code, failed(&v)), (0, Vec::<String>::new()));
    assert!(f(&v["mix"]["residual_db"]) < -90.0);
    assert_eq!(v["mix"]["offset_frames"], 0);
    // --json to a file: the same document, nothing on standard output with --quiet.
    let json = dir.join("check.json");
    let (code, out, err) = stems(&[
        "check",
        p(&dir),
        "--mix",
        p(&mix),
        "--json",
        p(&json),
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let written: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(written["schema"], "stem-suite/check");
    assert_eq!(written["version"], 1);
    assert_eq!(written["mix"]["residual_db"], v["mix"]["residual_db"]);
    let _ = std::fs::remove_dir_all(&dir);
}
