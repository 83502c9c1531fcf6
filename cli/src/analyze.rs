//! `stems analyze`: the suite's analysis on stem files, without a DAW.
//!
//! Each stem goes through the Stem Strip's own analysis, then all of them, in lockstep as if
//! they played together, through the Stem Master's masking and balance engines (see
//! [`engine`]). Results go to standard output as text, to `--json` (schema in
//! `docs/analyze-json.md`, versioned by its `schema` and `version` fields) and to
//! `--report` (one self-contained HTML file). Everything else (notices, progress) goes to
//! standard error. The stems are read and matched up to one rate and length by
//! [`crate::matched`] and named and given roles by [`crate::roles`], as in `stems check` and
//! `stems render`.
//!
//! Exit codes: 0 success; 1 masking warnings found with `--fail-on-warnings`; 2 usage
//! error; 3 an input file or folder cannot be used; 4 an output file cannot be written.

pub mod engine;
pub mod json;
pub mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;
use shared_dsp::role::StemRole;

use crate::audio;
use crate::common::{check_writable, progress_bar, write_json, Failure, EXIT_WARNINGS};
use crate::matched::{read_matched, Matched, ReadError};
use crate::roles::{parse_role_args, stem_roles};
use engine::{CrossFigures, StemFigures};

/// `stems analyze` options.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Examples:
  stems analyze stems/                      analyse every WAV, FLAC and AIFF file in stems/
  stems analyze kick.wav bass.flac vox.aif  analyse these files
  stems analyze stems/ --role synth.wav=music --json report.json --report report.html
  stems analyze stems/ --json - --quiet     JSON on standard output, nothing else
  stems analyze stems/ --fail-on-warnings   exit 1 when a stem is masked (for scripts)

Roles come from file names (kick, snare, drum, perc, overheads: drums; bass, sub: bass;
vox, vocal, lead: lead vocal; bgv, backing, choir, harm: backing vocals; fx, sfx, reverb,
verb: FX; anything else: music) unless --role says otherwise.

Exit codes: 0 done; 1 warnings with --fail-on-warnings; 2 usage error; 3 unusable input;
4 an output cannot be written.")]
pub struct AnalyzeArgs {
    /// Stem files (WAV, FLAC, AIFF; mono or stereo) or folders of them.
    #[arg(required = true, value_name = "FILES OR FOLDERS")]
    pub inputs: Vec<PathBuf>,
    /// Set a stem's role: FILE=ROLE, FILE as given or its name without the extension; ROLE
    /// one of drums, bass, music, lead_vocal, backing_vocals, fx, other. Repeatable.
    #[arg(long = "role", value_name = "FILE=ROLE")]
    pub roles: Vec<String>,
    /// Write everything as JSON to FILE (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Exit with code 1 when a masking warning is found.
    #[arg(long)]
    pub fail_on_warnings: bool,
    /// Print nothing but errors (and the JSON, with `--json -`).
    #[arg(long, short)]
    pub quiet: bool,
}

/// One stem, read and analysed.
pub struct Stem {
    /// Display name: the file's name without its extension.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its role.
    pub role: StemRole,
    /// Whether the role came from `--role` (else from the file name).
    pub role_given: bool,
    /// Channels in the file.
    pub channels: usize,
    /// Sample rate of the file, Hz.
    pub file_rate_hz: u32,
    /// How the file stores samples.
    pub format: String,
    /// Seconds of audio in the file.
    pub file_seconds: f64,
    /// Its figures.
    pub figures: StemFigures,
}

/// Everything one run found.
pub struct Analysis {
    /// Session sample rate, Hz.
    pub sample_rate_hz: u32,
    /// Seconds analysed (the longest stem).
    pub seconds: f64,
    /// The stems, in input order.
    pub stems: Vec<Stem>,
    /// Integrated loudness of the sum, LUFS.
    pub sum_integrated_lufs: f32,
    /// Short-term loudness of the sum over time.
    pub sum_timeline: Vec<f32>,
    /// The cross-stem findings.
    pub cross: CrossFigures,
    /// Things the user should know (resampling, padding, repaired samples).
    pub notices: Vec<String>,
}

/// Runs `stems analyze`.
pub fn run(args: AnalyzeArgs) -> ExitCode {
    match analyse_and_write(&args) {
        Ok(found_warnings) => {
            if found_warnings && args.fail_on_warnings {
                ExitCode::from(EXIT_WARNINGS)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(failure) => failure.exit(),
    }
}

/// Analyses and writes every output; `Ok(true)` when warnings were found.
pub fn analyse_and_write(args: &AnalyzeArgs) -> Result<bool, Failure> {
    let files = audio::collect_inputs(&args.inputs).map_err(Failure::from)?;
    let roles = parse_role_args(&args.roles, &files).map_err(Failure::Usage)?;
    // Check output paths before the work (and never leave partial files: see audio.rs).
    for out in [&args.json, &args.report].into_iter().flatten() {
        if out.as_os_str() != "-" {
            check_writable(out).map_err(Failure::Output)?;
        }
    }
    let analysis = analyse(&files, &roles, args.quiet)?;
    if !args.quiet {
        for n in &analysis.notices {
            eprintln!("notice: {n}");
        }
    }
    let json_to_stdout = args.json.as_deref() == Some(Path::new("-"));
    if !args.quiet && !json_to_stdout {
        print!("{}", text(&analysis));
    }
    if let Some(path) = &args.json {
        write_json(path, &json::document(&analysis), args.quiet)?;
    }
    if let Some(path) = &args.report {
        let html = report::html(&analysis);
        audio::write_atomically(path, |f| {
            use std::io::Write;
            f.write_all(html.as_bytes())?;
            Ok(())
        })
        .map_err(Failure::Output)?;
        if !args.quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(!analysis.cross.warnings.is_empty())
}

/// Reads, matches up and analyses `files` (roles from `roles` by file, else guessed).
pub fn analyse(
    files: &[PathBuf],
    roles: &[(String, StemRole)],
    quiet: bool,
) -> Result<Analysis, ReadError> {
    let progress = progress_bar(files.len() as u64 * 2, quiet);
    let matched = read_matched(files, &progress)?;
    Ok(analyse_matched(
        matched,
        stem_roles(files, roles),
        &progress,
    ))
}

/// Analyses matched stems (names and roles from `stems`, in the same order), advancing
/// `progress` by one per stem, and clears it.
pub fn analyse_matched(
    matched: Matched,
    stems: Vec<(String, StemRole, bool)>,
    progress: &indicatif::ProgressBar,
) -> Analysis {
    let Matched {
        rate,
        frames,
        audios: session,
        files,
        notices,
    } = matched;
    progress.set_message("analysing");
    let figures: Vec<StemFigures> = session
        .par_iter()
        .zip(&stems)
        .map(|(a, (name, role, _))| {
            let f = engine::analyse_stem(&a.channels, rate, *role, name);
            progress.inc(1);
            f
        })
        .collect();
    progress.set_message("masking");
    let cross_input: Vec<(StemRole, &str, &[shared_dsp::snapshot::StemSnapshot])> = stems
        .iter()
        .zip(&figures)
        .map(|((name, role, _), f)| (*role, name.as_str(), f.snapshots.as_slice()))
        .collect();
    let (cross, (sum_timeline, sum_integrated)) = rayon::join(
        || engine::cross_analysis(&cross_input),
        || {
            let chans: Vec<&[Vec<f32>]> = session.iter().map(|a| a.channels.as_slice()).collect();
            engine::sum_loudness(&chans, rate)
        },
    );
    progress.finish_and_clear();
    let stems = stems
        .into_iter()
        .zip(figures)
        .zip(files)
        .map(|(((name, role, given), figures), file)| Stem {
            name,
            path: file.path,
            role,
            role_given: given,
            channels: file.channels,
            file_rate_hz: file.rate_hz,
            format: file.format,
            file_seconds: file.seconds,
            figures,
        })
        .collect();
    Analysis {
        sample_rate_hz: rate,
        seconds: frames as f64 / f64::from(rate),
        stems,
        sum_integrated_lufs: sum_integrated,
        sum_timeline,
        cross,
        notices,
    }
}

fn lufs(v: f32) -> String {
    if v.is_finite() && v > -150.0 {
        format!("{v:.1}")
    } else {
        "-inf".into()
    }
}

/// The name of stem `id` (1-based engine id) in `a`.
pub fn name_of(a: &Analysis, id: u64) -> &str {
    a.stems
        .get((id as usize).wrapping_sub(1))
        .map_or("?", |s| s.name.as_str())
}

/// The text printed to standard output.
pub fn text(a: &Analysis) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} stems, {:.1} s at {} Hz; sum {} LUFS integrated",
        a.stems.len(),
        a.seconds,
        a.sample_rate_hz,
        lufs(a.sum_integrated_lufs)
    );
    let _ = writeln!(s);
    let width = a
        .stems
        .iter()
        .map(|x| x.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        s,
        "{:<width$}  {:<14}  {:>10}  {:>6}  {:>9}  {:>7}  {:>6}  {:>6}",
        "STEM", "ROLE", "INTEGRATED", "LRA", "TRUE PEAK", "VS SUM", "CREST", "CORR"
    );
    for x in &a.stems {
        let f = &x.figures;
        let rel = if f.integrated_lufs.is_finite() && a.sum_integrated_lufs.is_finite() {
            format!("{:+.1} LU", f.integrated_lufs - a.sum_integrated_lufs)
        } else {
            "-".into()
        };
        let _ = writeln!(
            s,
            "{:<width$}  {:<14}  {:>5} LUFS  {:>3.1} LU  {:>5.1} dBTP  {:>7}  {:>3.1} dB  {:>6.2}",
            x.name,
            format!("{}{}", x.role.label(), if x.role_given { "" } else { "*" }),
            lufs(f.integrated_lufs),
            f.loudness_range_lu,
            f.max_true_peak_db,
            rel,
            f.crest_db,
            f.correlation,
        );
    }
    let _ = writeln!(
        s,
        "(* role guessed from the file name; set it with --role FILE=ROLE)"
    );
    let _ = writeln!(s);
    if a.cross.warnings.is_empty() {
        let _ = writeln!(s, "Masking: no warnings.");
    } else {
        let _ = writeln!(s, "Masking warnings ({}):", a.cross.warnings.len());
        for w in &a.cross.warnings {
            let _ = writeln!(
                s,
                "  {} [raised {:.0} s of {:.0} s, from {:.1} s]",
                w.text, w.active_s, a.cross.seconds, w.first_s
            );
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Masking history (share of the time each stem was masked, worst range):"
    );
    for (k, x) in a.stems.iter().enumerate() {
        let share = a.cross.masked_share.get(k).copied().unwrap_or(0.0);
        let worst = json::worst_range(&a.cross.band_history[k]);
        match worst {
            Some((lo, hi, peak)) if share >= 0.005 && peak >= 0.005 => {
                let _ = writeln!(
                    s,
                    "  {:<width$}  {:>3.0}%  worst {} ({:.0}% of the time)",
                    x.name,
                    share * 100.0,
                    shared_dsp::format::band(lo, hi),
                    peak * 100.0
                );
            }
            _ => {
                let _ = writeln!(s, "  {:<width$}  {:>3.0}%", x.name, share * 100.0);
            }
        }
    }
    s
}
