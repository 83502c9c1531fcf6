//! `stems check`: the delivery check a mastering engineer makes by hand when stems arrive,
//! and the null test of their sum against the approved mix.
//!
//! Every stem file is read and measured in parallel ([`measure`]): format (sample rate, bit
//! depth, channels, length, where the audio starts and ends, a tail cut off), levels
//! (sample and true peak, runs of clipped samples, float overs), channels (silence, DC
//! offset, fake stereo, one channel silent or inverted) and names ([`names`]: roles,
//! duplicates, the song name). The stems are then summed at the session rate and the sum
//! measured too; with `--mix` the sum is nulled against the mix ([`null`]). Each check is
//! listed with its result ([`rules`]) as a table on standard output ([`output`]) and, with
//! `--json`, as JSON (schema in `docs/check-json.md`).
//!
//! Exit codes: 0 every check passed (fake stereo and the name checks only warn, unless
//! `--strict`); 1 a check failed; 2 usage error; 3 an input file or
//! folder cannot be used; 4 an output file cannot be written (as `stems analyze`).

pub mod measure;
pub mod names;
pub mod null;
pub mod output;
pub mod rules;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use rayon::prelude::*;

use crate::audio::{self, Audio, InputError};
use crate::common::{self, Failure};
use crate::matched::{conform, resample_notice, session_rate};
use crate::roles::{parse_role_args, stem_name};
use measure::{Figures, MeasureSettings};
use names::Naming;
use null::{NullSettings, NullTest};
use rules::{Check, CheckResult};

/// Exit code: a check failed.
pub const EXIT_FAILED: u8 = 1;

/// `stems check` options.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Examples:
  stems check stems/                          format, levels, channels and names of every stem
  stems check stems/ --mix approved_mix.wav   and the null test of their sum against the mix
  stems check stems/ --mix mix.wav --json check.json --residual-max -50
  stems check stems/ --ignore fake_stereo,duplicate_role

Checks: rate, bit_depth, channels, length, tail, silent, true_peak, clipping, float_overs,
non_finite, dc_offset, fake_stereo, one_channel_silent, inverted_channel, role,
duplicate_role, song_name; with --mix: mix_rate, offset, polarity, gain, residual, drift,
swapped_channels.

fake_stereo, role, duplicate_role and song_name only warn unless --strict.

Exit codes: 0 every check passed (or only warned); 1 a check failed; 2 usage error;
3 unusable input; 4 an output cannot be written.")]
pub struct CheckArgs {
    /// Stem files (WAV, FLAC, AIFF; mono or stereo) or folders of them.
    #[arg(required = true, value_name = "FILES OR FOLDERS")]
    pub inputs: Vec<PathBuf>,
    /// The approved stereo mix: null the stems' sum against it (offset, polarity, gain,
    /// residual). Left out of the stems when it sits in a folder given.
    #[arg(long, value_name = "FILE")]
    pub mix: Option<PathBuf>,
    /// Set a stem's role: FILE=ROLE (as `stems analyze --role`). Repeatable.
    #[arg(long = "role", value_name = "FILE=ROLE")]
    pub roles: Vec<String>,
    /// Write every figure and check as JSON to FILE (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Checks whose failure does not count (comma-separated names; see below).
    #[arg(long, value_name = "CHECK,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Count warnings (fake stereo, role, duplicate_role, song_name) as failures.
    #[arg(long)]
    pub strict: bool,
    /// Print nothing but errors (and the JSON, with `--json -`); the exit code tells.
    #[arg(long, short)]
    pub quiet: bool,
    /// The limits.
    #[command(flatten)]
    pub limits: Limits,
}

/// The configurable thresholds.
#[derive(Args, Debug, Clone, Copy)]
pub struct Limits {
    /// Null test: largest residual after alignment, dB against the mix.
    #[arg(long, default_value_t = -60.0, allow_hyphen_values = true, value_name = "DB", value_parser = finite)]
    pub residual_max: f64,
    /// Null test: largest gain difference between the mix and the sum, dB.
    #[arg(long, default_value_t = 0.1, value_name = "DB", value_parser = finite)]
    pub gain_tolerance: f64,
    /// Null test: largest offset between the mix and the sum, frames.
    #[arg(long, default_value_t = 0, value_name = "FRAMES")]
    pub offset_max: u64,
    /// Null test: the offset is searched up to this far either way, seconds.
    #[arg(long, default_value_t = 3.0, value_name = "SECONDS", value_parser = offset_range)]
    pub max_offset: f64,
    /// Largest true peak of a stem and of the sum, dBTP.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_name = "DBTP", value_parser = finite)]
    pub true_peak_max: f64,
    /// Level that counts as audio (start, end, cut-off tails, silence), dBFS.
    #[arg(long, default_value_t = -60.0, allow_hyphen_values = true, value_name = "DBFS", value_parser = finite)]
    pub floor: f64,
    /// A tail is cut off when its last MS milliseconds reach the floor.
    #[arg(long, default_value_t = 10.0, value_name = "MS", value_parser = finite)]
    pub tail_ms: f64,
    /// Consecutive equal full-scale samples that count as clipping.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    pub clip_run: u32,
    /// Largest DC offset of a channel, dBFS.
    #[arg(long, default_value_t = -40.0, allow_hyphen_values = true, value_name = "DBFS", value_parser = finite)]
    pub dc_max: f64,
    /// Fake stereo: the side (L-R) at least this far under the mid (L+R), dB.
    #[arg(long, default_value_t = -60.0, allow_hyphen_values = true, value_name = "DB", value_parser = finite)]
    pub fake_stereo: f64,
    /// An inverted channel: left and right correlating at this or below.
    #[arg(long, default_value_t = -0.9, allow_hyphen_values = true, value_name = "R", value_parser = finite)]
    pub inverted_corr: f64,
}

fn finite(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{s}`: give a number")),
    }
}

fn offset_range(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.01..=60.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{s}`: give a search range from 0.01 to 60 seconds"
        )),
    }
}

/// One stem as read.
pub struct Stem {
    /// Display name: the file name without its extension.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// How the file stores samples, e.g. "24-bit S24".
    pub format: String,
    /// Samples that were NaN or infinite (replaced by silence).
    pub non_finite: u64,
    /// Its figures, at its own rate.
    pub figures: Figures,
}

/// Everything one check found.
pub struct Report {
    /// The session rate the sum and the null test run at, Hz.
    pub rate_hz: u32,
    /// The stems, in input order.
    pub stems: Vec<Stem>,
    /// What the names say.
    pub naming: Naming,
    /// The sum of the stems at the session rate, measured.
    pub sum: Figures,
    /// The mix as read, and the null test, with `--mix`.
    pub mix: Option<(Stem, NullTest)>,
    /// Every check, in the order listed.
    pub checks: Vec<CheckResult>,
    /// What was done to the input (resampling, padding).
    pub notices: Vec<String>,
    /// The limits used.
    pub limits: Limits,
}

impl Report {
    /// Whether every check that counts passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(CheckResult::counts_as_pass)
    }
}

/// Runs `stems check`.
pub fn run(args: CheckArgs) -> ExitCode {
    match check_and_write(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(failure) => failure.exit(),
    }
}

/// Checks and writes every output; `Ok(true)` when every check passed (or only warns, or is
/// ignored).
pub fn check_and_write(args: &CheckArgs) -> Result<bool, Failure> {
    let ignore = args
        .ignore
        .iter()
        .map(|name| {
            Check::from_key(name.trim()).ok_or_else(|| {
                Failure::Usage(format!(
                    "--ignore {name}: no such check; the checks are {}",
                    Check::ALL.map(Check::key).join(", ")
                ))
            })
        })
        .collect::<Result<Vec<Check>, Failure>>()?;
    let mut files = audio::collect_inputs(&args.inputs).map_err(Failure::from)?;
    let mut notices = Vec::new();
    if let Some(mix) = &args.mix {
        let before = files.len();
        files.retain(|f| !same_file(f, mix));
        if files.len() < before {
            notices.push(format!("{}: the --mix, not a stem", mix.display()));
        }
        if files.is_empty() {
            return Err(Failure::Usage(format!(
                "{}: the mix is the only file given; give the stems too",
                mix.display()
            )));
        }
    }
    let roles = parse_role_args(&args.roles, &files).map_err(Failure::Usage)?;
    if let Some(out) = args.json.as_deref().filter(|p| *p != Path::new("-")) {
        common::check_writable(out).map_err(Failure::Output)?;
    }
    let report = check(
        &files,
        args.mix.as_deref(),
        &roles,
        (&ignore, args.strict),
        args.limits,
        notices,
    )?;
    let json_to_stdout = args.json.as_deref() == Some(Path::new("-"));
    if !args.quiet {
        for n in &report.notices {
            eprintln!("notice: {n}");
        }
        if !json_to_stdout {
            print!("{}", output::text(&report));
        }
    }
    if let Some(path) = &args.json {
        common::write_json(path, &output::json(&report), args.quiet)?;
    }
    Ok(report.passed())
}

/// Whether `a` and `b` name the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Reads and measures `files` (and `mix`), sums the stems, runs the null test and every
/// check.
pub fn check(
    files: &[PathBuf],
    mix: Option<&Path>,
    roles: &[(String, shared_dsp::role::StemRole)],
    (ignore, strict): (&[Check], bool),
    limits: Limits,
    mut notices: Vec<String>,
) -> Result<Report, Failure> {
    let settings = MeasureSettings {
        floor_db: limits.floor,
        tail_ms: limits.tail_ms,
        clip_run: limits.clip_run as usize,
    };
    // Read and measure every file in parallel; the first unusable one (in input order,
    // the mix last) is the error.
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).chain(mix).collect();
    let read: Vec<Result<(Audio, Figures), InputError>> = paths
        .par_iter()
        .map(|p| {
            let a = audio::read(p)?;
            let f = measure::measure(&a.channels, a.sample_rate_hz, &settings);
            Ok((a, f))
        })
        .collect();
    let mut audios = Vec::with_capacity(read.len());
    let mut stems = Vec::with_capacity(read.len());
    for r in read {
        let (a, figures) = r.map_err(Failure::from)?;
        stems.push(Stem {
            name: stem_name(&a.path),
            path: a.path.clone(),
            format: a.format.clone(),
            non_finite: a.non_finite_samples,
            figures,
        });
        audios.push(a);
    }
    let mix_read = mix.and_then(|_| Some((audios.pop()?, stems.pop()?)));
    let rate = session_rate(audios.iter().map(|a| a.sample_rate_hz));
    notices.extend(audios.iter().filter_map(|a| resample_notice(a, rate)));
    conform(&mut audios, rate, &mut notices).map_err(Failure::Output)?;
    let sum = sum(&audios);
    let naming = names::read(files, roles);
    let mix = match mix_read {
        Some((mix_audio, mix_stem)) if mix_audio.sample_rate_hz != rate => {
            notices.push(format!(
                "{}: {} Hz resampled to the stems' {} Hz for the null test",
                mix_audio.path.display(),
                mix_audio.sample_rate_hz,
                rate
            ));
            let converted = audio::resample(&mix_audio, rate).map_err(Failure::Output)?;
            Some((converted, mix_stem))
        }
        other => other,
    };
    let stem_channels: Vec<&[Vec<f32>]> = audios.iter().map(|a| a.channels.as_slice()).collect();
    let names: Vec<&str> = stems.iter().map(|s| s.name.as_str()).collect();
    let null_settings = NullSettings {
        max_offset_s: limits.max_offset,
        residual_max_db: limits.residual_max,
        gain_tolerance_db: limits.gain_tolerance,
    };
    // The sum's figures and the null test side by side.
    let (sum_figures, test) = rayon::join(
        || measure::measure(&sum, rate, &settings),
        || {
            mix.as_ref().map(|(mix_audio, _)| {
                null::null_test(
                    &sum,
                    &mix_audio.channels,
                    &stem_channels,
                    &names,
                    rate,
                    &null_settings,
                )
            })
        },
    );
    let mix = mix.zip(test).map(|((_, stem), test)| (stem, test));
    let mut report = Report {
        rate_hz: rate,
        stems,
        naming,
        sum: sum_figures,
        mix,
        checks: Vec::new(),
        notices,
        limits,
    };
    report.checks = rules::evaluate(&report, ignore, strict);
    Ok(report)
}

/// The sum of `stems` (equal lengths): stereo when any stem is, a mono stem on both
/// channels. Summed in parallel over stretches of frames.
fn sum(stems: &[Audio]) -> Vec<Vec<f32>> {
    let channels = stems.iter().map(|a| a.channels.len()).max().unwrap_or(1);
    let frames = stems.first().map_or(0, Audio::frames);
    // Untouched fresh pages (not `vec![vec![0.0; n]; k]`, whose clones are written zeros).
    let mut out: Vec<Vec<f32>> = (0..channels).map(|_| vec![0.0f32; frames]).collect();
    const STRETCH: usize = 1 << 16;
    for (c, dst) in out.iter_mut().enumerate() {
        dst.par_chunks_mut(STRETCH)
            .enumerate()
            .for_each(|(k, chunk)| {
                let range = k * STRETCH..k * STRETCH + chunk.len();
                // NOTE: the first stem is copied, not added to zeros: a page of the fresh
                // buffer first read (+=) maps the shared zero page and faults again on the
                // write, flushing every thread's TLB; that cost a tenth of the run.
                if let Some((first, rest)) = stems.split_first() {
                    chunk.copy_from_slice(
                        &first.channels[c.min(first.channels.len() - 1)][range.clone()],
                    );
                    for a in rest {
                        let src = &a.channels[c.min(a.channels.len() - 1)][range.clone()];
                        for (d, s) in chunk.iter_mut().zip(src) {
                            *d += s;
                        }
                    }
                }
            });
    }
    out
}
