//! `stems demo [DIR]`: writes a generated demo multitrack (drums, bass, a music pad and a
//! voice-like lead that the pad partly masks; `shared_dsp::demo::stems`) as WAV files and
//! their plain sum as `mix/mix.wav` (the reference mix for `stems check --mix`), runs
//! `stems analyze` on them with `--json` and `--report`, and says where everything went and
//! what the top warning is.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;
use shared_dsp::demo::stems::DemoStem;
use shared_dsp::demo::Stereo;

use crate::analyze::{self, AnalyzeArgs};
use crate::audio;
use crate::common;

/// Seconds of demo by default (three and a half loops of the 8 s song).
const DEMO_SECONDS: f64 = 30.0;
/// Sample rate of the demo stems, Hz.
const DEMO_RATE: u32 = 48_000;
/// The song fades out over its last seconds (at most a quarter of it), as a finished song
/// ends: a stem cut off mid-note is what `stems check` rightly flags.
const FADE_OUT_SECONDS: f64 = 2.0;

/// `stems demo` options.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Example:
  stems demo                 writes stem-demo/ with four WAV stems, analysis.json, report.html
                             and mix/mix.wav (the stems' plain sum)
  stems demo /tmp/demo --quiet")]
pub struct DemoArgs {
    /// Folder to write the stems and the results into (created if missing).
    #[arg(default_value = "stem-demo")]
    pub dir: PathBuf,
    /// Length of the demo, seconds (the song loops every 8 s).
    #[arg(long, default_value_t = DEMO_SECONDS, value_parser = parse_seconds)]
    pub seconds: f64,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (1.0..=3600.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}`: give a length from 1 to 3600 seconds")),
    }
}

/// Fades the last `frames` of `audio` out along a raised cosine, to silence at its last
/// sample.
fn fade_out(audio: &mut Stereo, frames: usize) {
    let len = audio.len();
    let frames = frames.min(len);
    for (k, i) in (len - frames..len).enumerate() {
        let t = (k + 1) as f64 / frames as f64;
        let g = (0.5 * (1.0 + (std::f64::consts::PI * t).cos())) as f32;
        audio.left[i] *= g;
        audio.right[i] *= g;
    }
}

/// Runs `stems demo`.
pub fn run(args: DemoArgs) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        eprintln!(
            "error: {}: cannot create the folder ({e})",
            args.dir.display()
        );
        return ExitCode::from(common::EXIT_OUTPUT);
    }
    let written: Result<Vec<(PathBuf, Stereo)>, anyhow::Error> = DemoStem::ALL
        .par_iter()
        .map(|stem| {
            let mut audio = stem.generator(f64::from(DEMO_RATE)).render(args.seconds);
            let fade = FADE_OUT_SECONDS.min(args.seconds / 4.0) * f64::from(DEMO_RATE);
            fade_out(&mut audio, fade as usize);
            let path = args.dir.join(format!("{}.wav", stem.file_stem()));
            audio::write_wav(&path, DEMO_RATE, &[&audio.left, &audio.right])?;
            Ok((path, audio))
        })
        .collect();
    let (files, rendered): (Vec<PathBuf>, Vec<Stereo>) = match written {
        Ok(f) => f.into_iter().unzip(),
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(common::EXIT_OUTPUT);
        }
    };
    // The stems' plain sum, as a DAW bounces it, in a folder of its own (so the stem folder
    // holds stems only): the reference mix for `stems check --mix`.
    let mix = args.dir.join("mix").join("mix.wav");
    let wrote_mix = std::fs::create_dir_all(args.dir.join("mix"))
        .map_err(anyhow::Error::from)
        .and_then(|_| {
            let mut sum = Stereo::silence(rendered.first().map_or(0, Stereo::len));
            for s in &rendered {
                for (d, x) in sum.left.iter_mut().zip(&s.left) {
                    *d += x;
                }
                for (d, x) in sum.right.iter_mut().zip(&s.right) {
                    *d += x;
                }
            }
            audio::write_wav(&mix, DEMO_RATE, &[&sum.left, &sum.right])
        });
    if let Err(e) = wrote_mix {
        eprintln!("error: {}: {e:#}", mix.display());
        return ExitCode::from(common::EXIT_OUTPUT);
    }
    if !args.quiet {
        eprintln!(
            "wrote {} demo stems ({:.0} s, {DEMO_RATE} Hz) into {}, and their sum into {}",
            files.len(),
            args.seconds,
            args.dir.display(),
            mix.display()
        );
    }
    let json = args.dir.join("analysis.json");
    let report = args.dir.join("report.html");
    let analyze_args = AnalyzeArgs {
        inputs: files,
        roles: Vec::new(),
        json: Some(json.clone()),
        report: Some(report.clone()),
        fail_on_warnings: false,
        quiet: args.quiet,
    };
    if let Err(failure) = analyze::analyse_and_write(&analyze_args) {
        return failure.exit();
    }
    if !args.quiet {
        let top = std::fs::read(&json)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["warnings"][0]["text"].as_str().map(str::to_owned));
        println!();
        println!("Stems:   {}", args.dir.display());
        println!("JSON:    {}", json.display());
        println!("Report:  {}  (open it in a browser)", report.display());
        println!(
            "Mix:     {}  (their plain sum: stems check {} --mix {})",
            mix.display(),
            args.dir.display(),
            mix.display()
        );
        match top {
            Some(t) => println!("Top warning: {t}"),
            None => println!("No masking warning."),
        }
    }
    ExitCode::SUCCESS
}
