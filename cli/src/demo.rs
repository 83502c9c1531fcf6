//! `stems demo [DIR]`: writes a generated demo multitrack (drums, bass, a music pad and a
//! voice-like lead that the pad partly masks; `shared_dsp::demo::stems`) as WAV files, runs
//! `stems analyze` on them with `--json` and `--report`, and says where everything went and
//! what the top warning is.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;
use shared_dsp::demo::stems::DemoStem;

use crate::analyze::{self, AnalyzeArgs, Failure};
use crate::audio;

/// Seconds of demo by default (three and a half loops of the 8 s song).
const DEMO_SECONDS: f64 = 30.0;
/// Sample rate of the demo stems, Hz.
const DEMO_RATE: u32 = 48_000;

/// `stems demo` options.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Example:
  stems demo                 writes stem-demo/ with four WAV stems, analysis.json and report.html
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

/// Runs `stems demo`.
pub fn run(args: DemoArgs) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        eprintln!(
            "error: {}: cannot create the folder ({e})",
            args.dir.display()
        );
        return ExitCode::from(analyze::EXIT_OUTPUT);
    }
    let written: Result<Vec<PathBuf>, anyhow::Error> = DemoStem::ALL
        .par_iter()
        .map(|stem| {
            let audio = stem.generator(f64::from(DEMO_RATE)).render(args.seconds);
            let path = args.dir.join(format!("{}.wav", stem.file_stem()));
            audio::write_wav(&path, DEMO_RATE, &[&audio.left, &audio.right])?;
            Ok(path)
        })
        .collect();
    let files = match written {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(analyze::EXIT_OUTPUT);
        }
    };
    if !args.quiet {
        eprintln!(
            "wrote {} demo stems ({:.0} s, {DEMO_RATE} Hz) into {}",
            files.len(),
            args.seconds,
            args.dir.display()
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
    match analyze::analyse_and_write(&analyze_args) {
        Ok(_) => {}
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            return ExitCode::from(2);
        }
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(analyze::EXIT_INPUT);
        }
        Err(Failure::Output(e)) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(analyze::EXIT_OUTPUT);
        }
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
        match top {
            Some(t) => println!("Top warning: {t}"),
            None => println!("No masking warning."),
        }
    }
    ExitCode::SUCCESS
}
