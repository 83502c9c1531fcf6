//! `stems render`: stems to a finished master, offline, with the plugins' own chains.
//!
//! Each stem goes through the Stem Strip's chain with its settings, the stems are summed, and
//! the sum goes through the Stem Master's chain to a loudness target with a true-peak
//! ceiling; by default the Master's Learn runs as a first pass so the output lands on the
//! target (see [`mix`]). Settings come from an optional session file ([`session`]). The
//! master is written as 24-bit WAV with the Master's TPDF dither, or 32-bit float; every
//! file through a temporary file and a rename, and never over an existing file without
//! `--force`.
//!
//! Exit codes as `stems analyze`: 0 done; 2 usage error; 3 an input (stem or session file)
//! cannot be used; 4 an output cannot be written.

pub mod mix;
pub mod session;
mod tasks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use shared_dsp::role::StemRole;

use crate::analyze::{self, Matched};
use crate::audio::{self, Audio, WavFormat};
use crate::common::{self, Failure};
use session::Session;
use shared_dsp::spec::{Choice, Target};

/// `stems render` options.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Examples:
  stems render stems/ -o master.wav                      Streaming target (-14 LUFS, -1 dBTP)
  stems render stems/ -o master.wav --preset apple       Apple Music (-16 LUFS, -1 dBTP)
  stems render stems/ -o master.wav --target -12 --ceiling -0.5
  stems render stems/ --write-session song.toml          a session with every setting, to edit
  stems render stems/ -o master.wav --session song.toml --stems-out processed/ --json render.json

The Master learns its gain in a first pass (as the plugin's Learn), then renders at it.
Session files: see docs/cli.md (\"Session files\"); keys are the plugins' parameter names.

Exit codes: 0 done; 2 usage error; 3 unusable input (stem or session file); 4 an output
cannot be written (or exists: add --force).")]
pub struct RenderArgs {
    /// Stem files (WAV, FLAC, AIFF; mono or stereo) or folders of them.
    #[arg(required = true, value_name = "FILES OR FOLDERS")]
    pub inputs: Vec<PathBuf>,
    /// The master to write (WAV).
    #[arg(short, long, value_name = "MASTER.wav")]
    pub output: Option<PathBuf>,
    /// Loudness target, LUFS (-36 to -5); the ceiling is -1 dBTP unless --ceiling says.
    #[arg(long, value_name = "LUFS", allow_hyphen_values = true, value_parser = parse_target, conflicts_with = "preset")]
    pub target: Option<f32>,
    /// True-peak ceiling, dBTP (-6 to 0).
    #[arg(long, value_name = "DBTP", allow_hyphen_values = true, value_parser = parse_ceiling, conflicts_with = "preset")]
    pub ceiling: Option<f32>,
    /// A delivery standard's target and ceiling: streaming (-14 LUFS, -1 dBTP), apple (-16,
    /// -1), ebu (-23, -1), atsc (-24, -2).
    #[arg(long, value_parser = parse_preset)]
    pub preset: Option<Target>,
    /// Strip settings per stem and the Master's settings (TOML; see docs/cli.md).
    #[arg(long, value_name = "FILE.toml")]
    pub session: Option<PathBuf>,
    /// Write a session with the defaults and the stems found, to edit (renders too with -o).
    #[arg(long, value_name = "FILE.toml")]
    pub write_session: Option<PathBuf>,
    /// Write 32-bit float instead of 24-bit integer with TPDF dither.
    #[arg(long)]
    pub float: bool,
    /// Also write each processed stem (32-bit float WAV, named as its file) into DIR.
    #[arg(long, value_name = "DIR")]
    pub stems_out: Option<PathBuf>,
    /// Write the analysis of the result as JSON to FILE (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Set a stem's role: FILE=ROLE (as `stems analyze`; a session's `role` wins). Repeatable.
    #[arg(long = "role", value_name = "FILE=ROLE")]
    pub roles: Vec<String>,
    /// Overwrite existing output files.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (and the JSON, with `--json -`).
    #[arg(long, short)]
    pub quiet: bool,
}

/// A value for the Stem Master's setting `key` (its range and unit from its settings list).
fn parse_master_number(s: &str, key: &str) -> Result<f32, String> {
    let setting = session::table::master_table()
        .iter()
        .find(|t| t.key == key)
        .expect("the Master's settings list has the key");
    let shared_dsp::spec::Kind::Number(f) = setting.kind else {
        unreachable!("{key} is a number");
    };
    let (lo, hi) = f.range.bounds();
    let unit = f.unit.session_unit();
    match s.trim().parse::<f32>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(format!("`{s}`: give {lo} to {hi} {unit}")),
    }
}

fn parse_target(s: &str) -> Result<f32, String> {
    parse_master_number(s, "custom_target")
}

fn parse_ceiling(s: &str) -> Result<f32, String> {
    parse_master_number(s, "custom_ceiling")
}

/// A delivery standard by its key, name or alias (not `custom`: that is --target and
/// --ceiling).
fn parse_preset(s: &str) -> Result<Target, String> {
    match Target::parse(s) {
        Some(t) if t.preset().is_some() => Ok(t),
        _ => {
            let keys: Vec<String> = Target::KEYS
                .iter()
                .filter(|k| **k != Target::Custom.key())
                .map(|k| k.to_string())
                .collect();
            Err(format!("`{s}`: give {}", session::table::one_of(&keys)))
        }
    }
}

/// Runs `stems render`.
pub fn run(args: RenderArgs) -> ExitCode {
    audio::clean_up_on_interrupt();
    match render(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

/// Fails, naming the file, when `path` exists and `--force` is not given, or cannot be
/// written.
fn check_output(path: &Path, force: bool) -> Result<(), Failure> {
    if path.exists() && !force && !path.is_dir() {
        return Err(Failure::Output(anyhow::anyhow!(
            "{}: exists; add --force to overwrite it, or choose another name",
            path.display()
        )));
    }
    common::check_writable(path).map_err(Failure::Output)
}

/// One stem as rendered: its name, file, role and where its settings came from.
struct StemPlan {
    name: String,
    role: StemRole,
    /// Whether the role was given (by the session or `--role`), not guessed.
    role_given: bool,
    settings_from: String,
    settings: shared_dsp::strip::StripSettings,
}

fn render(args: &RenderArgs) -> Result<(), Failure> {
    if args.output.is_none() && args.write_session.is_none() {
        return Err(Failure::Usage(
            "give the master to write with -o MASTER.wav (or --write-session FILE.toml)".into(),
        ));
    }
    let files = audio::collect_inputs(&args.inputs)?;
    let roles = analyze::parse_role_args(&args.roles, &files).map_err(Failure::Usage)?;
    let session = match &args.session {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::Input(format!(
                    "{}: cannot read the session file ({e})",
                    path.display()
                ))
            })?;
            let s = Session::parse(&text, path).map_err(|e| Failure::Input(e.to_string()))?;
            s.check_stems(&files, path, &text)
                .map_err(|e| Failure::Input(e.to_string()))?;
            s
        }
        None => Session::default(),
    };
    // Every output is checked before the work, so a bad one costs nothing and leaves nothing.
    let outputs = [&args.output, &args.write_session]
        .into_iter()
        .flatten()
        .chain(args.json.iter().filter(|p| p.as_os_str() != "-"));
    for path in outputs {
        check_output(path, args.force)?;
    }
    if let Some(out) = &args.output {
        let same = |f: &PathBuf| match (f.canonicalize(), out.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if let Some(f) = files.iter().find(|f| same(f)) {
            return Err(Failure::Usage(format!(
                "-o {}: that is one of the stems ({}); write the master elsewhere",
                out.display(),
                f.display()
            )));
        }
    }
    let plans = plan_stems(&files, &roles, &session);
    if let Some(dir) = &args.stems_out {
        if dir.is_dir() {
            for plan in &plans {
                check_output(&stem_out_path(dir, &plan.name), args.force)?;
            }
        } else if dir.exists() {
            return Err(Failure::Output(anyhow::anyhow!(
                "{}: --stems-out needs a folder; this is a file",
                dir.display()
            )));
        } else {
            // Created once the render is done.
            common::check_writable(dir).map_err(Failure::Output)?;
        }
    }
    if let Some(path) = &args.write_session {
        let named: Vec<(String, StemRole)> =
            plans.iter().map(|p| (p.name.clone(), p.role)).collect();
        let text = Session::template(&named);
        audio::write_atomically(path, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes())?;
            Ok(())
        })
        .map_err(Failure::Output)?;
        if !args.quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    let Some(output) = &args.output else {
        return Ok(());
    };

    let (target_lufs, ceiling_dbtp, target_name) = match (args.preset, args.target, args.ceiling) {
        (Some(p), _, _) => {
            let (t, c) = p.preset().expect("presets have figures").lufs_and_ceiling();
            (t, c, p)
        }
        (None, None, None) => session.target(),
        (None, t, c) => {
            let (st, sc, _) = session.target();
            (t.unwrap_or(st), c.unwrap_or(sc), Target::Custom)
        }
    };
    let master_settings = session.master_settings(ceiling_dbtp);
    let learn_to = session.learn().then_some(target_lufs);
    let format = if args.float {
        WavFormat::Float32
    } else {
        WavFormat::Int24
    };

    let progress = common::progress_bar(files.len() as u64, args.quiet);
    let mut matched = analyze::read_matched(&files, &progress)?;
    if !args.quiet {
        for n in &matched.notices {
            eprintln!("notice: {n}");
        }
    }
    let (rate, frames) = (matched.rate, matched.frames);
    progress.set_position(0);
    progress.set_length(mix::work_frames(plans.len(), frames, learn_to.is_some()));
    progress.set_message("rendering");
    let mut stems: Vec<Vec<Vec<f32>>> = matched
        .audios
        .iter_mut()
        .map(|a| std::mem::take(&mut a.channels))
        .collect();
    let strip_settings: Vec<_> = plans.iter().map(|p| p.settings).collect();
    let plan = mix::Plan {
        strips: &strip_settings,
        rate,
        master: master_settings,
        learn_to,
        format,
    };
    // The master goes to its file as it is made, through a temporary file renamed at the end.
    let header = audio::wav_header(output, rate, 2, format, frames * 2 * format.bytes())
        .map_err(Failure::Output)?;
    let mut mastered = None;
    audio::write_atomically(output, |file| {
        use std::io::Write;
        let cannot =
            |e: std::io::Error| anyhow::anyhow!("{}: cannot write it ({e})", output.display());
        file.write_all(&header).map_err(cannot)?;
        mastered = Some(mix::render(&mut stems, &plan, &progress, file).map_err(cannot)?);
        Ok(())
    })
    .map_err(Failure::Output)?;
    let mastered = mastered.expect("written only after the render");
    progress.finish_and_clear();
    let [left, right] = &mastered.output;
    if !args.quiet {
        eprintln!("wrote {}", output.display());
        let clipped = mastered.figures.clipped;
        if clipped > 0 {
            eprintln!(
                "notice: {clipped} samples were over full scale and clipped in the 24-bit file \
                 (the limiter is off or the output gain is above 0 dB; --float keeps them)"
            );
        }
    }
    if let Some(dir) = &args.stems_out {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::Output(anyhow::anyhow!(
                "{}: cannot create the folder ({e})",
                dir.display()
            ))
        })?;
        for (plan, channels) in plans.iter().zip(&stems) {
            let path = stem_out_path(dir, &plan.name);
            let chans: Vec<&[f32]> = channels.iter().map(Vec::as_slice).collect();
            audio::write_wav_as(&path, rate, &chans, WavFormat::Float32)
                .map_err(Failure::Output)?;
        }
        if !args.quiet {
            eprintln!(
                "wrote {} processed stems into {}",
                plans.len(),
                dir.display()
            );
        }
    }
    let summary = Summary {
        output: output.clone(),
        format,
        rate,
        seconds: frames as f64 / f64::from(rate),
        target_lufs,
        ceiling_dbtp,
        target_name,
        target_gain_db: mastered.target_gain_db,
        mastered: &mastered,
        plans: &plans,
    };
    let json_to_stdout = args.json.as_deref() == Some(Path::new("-"));
    if !args.quiet && !json_to_stdout {
        print!("{}", summary.text());
    }
    if let Some(path) = &args.json {
        // The analysis of the result: the processed stems as `stems analyze` sees them
        // (the same engine), and the master's own figures.
        let infos = std::mem::take(&mut matched.files);
        let processed = Matched {
            rate,
            frames,
            audios: stems
                .into_iter()
                .zip(&infos)
                .map(|(channels, info)| Audio {
                    path: info.path.clone(),
                    sample_rate_hz: rate,
                    channels,
                    format: info.format.clone(),
                    non_finite_samples: 0,
                })
                .collect(),
            files: infos,
            notices: matched.notices.clone(),
        };
        let named = plans
            .iter()
            .map(|p| (p.name.clone(), p.role, p.role_given))
            .collect();
        let quiet = indicatif::ProgressBar::hidden();
        let (analysis, master) = rayon::join(
            || analyze::analyse_matched(processed, named, &quiet),
            || {
                let out = [left.clone(), right.clone()];
                analyze::engine::analyse_stem(&out, rate, StemRole::Other, "master")
            },
        );
        let doc = summary.json(&master, analyze::json::document(&analysis));
        common::write_json(path, &doc, args.quiet)?;
    }
    Ok(())
}

/// Where `--stems-out` writes a processed stem.
fn stem_out_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.wav"))
}

/// Each file's name, role and Strip settings: a session's `[stem.NAME]` (and its `role`),
/// else `--role` or the name's guess, with the role's `[role.ROLE]`, else the defaults.
fn plan_stems(files: &[PathBuf], roles: &[(String, StemRole)], session: &Session) -> Vec<StemPlan> {
    analyze::stem_roles(files, roles)
        .into_iter()
        .zip(files)
        .map(|((name, role, given), file)| {
            let own = session
                .table_for(file, StemRole::Other)
                .filter(|(_, from)| from.starts_with("stem."));
            let session_role = own.and_then(|(t, _)| t.role());
            let role = session_role.unwrap_or(role);
            let (settings, settings_from) = match session.table_for(file, role) {
                Some((t, from)) => (t.settings(), from),
                None => (Default::default(), "defaults".to_owned()),
            };
            StemPlan {
                name,
                role,
                role_given: given || session_role.is_some(),
                settings_from,
                settings,
            }
        })
        .collect()
}

/// What a render did, for the text and the JSON.
struct Summary<'a> {
    output: PathBuf,
    format: WavFormat,
    rate: u32,
    seconds: f64,
    target_lufs: f32,
    ceiling_dbtp: f32,
    target_name: Target,
    target_gain_db: f32,
    mastered: &'a mix::Mastered,
    plans: &'a [StemPlan],
}

fn db_text(v: f32, unit: &str) -> String {
    if v.is_finite() && v > -150.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("-inf {unit}")
    }
}

impl Summary<'_> {
    /// The output's format as the text and the JSON say it.
    fn format_label(&self) -> &'static str {
        match self.format {
            WavFormat::Int24 => "24-bit PCM, TPDF dither",
            WavFormat::Float32 => "32-bit float",
        }
    }

    fn text(&self) -> String {
        use std::fmt::Write;
        let m = &self.mastered.figures;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Rendered {} stems ({:.1} s, {} Hz) to {} ({})",
            self.plans.len(),
            self.seconds,
            self.rate,
            self.output.display(),
            self.format_label()
        );
        for p in self.plans {
            let _ = writeln!(
                s,
                "  {:<20} {:<15} {}",
                p.name,
                p.role.label(),
                p.settings_from
            );
        }
        let _ = writeln!(
            s,
            "Target:          {:.1} LUFS, ceiling {:.1} dBTP ({})",
            self.target_lufs,
            self.ceiling_dbtp,
            self.target_name.key()
        );
        match self.mastered.learned {
            Some(l) => {
                let _ = writeln!(
                    s,
                    "Learned gain:    {:+.2} dB (first pass: {} at the limiter, the limiter takes {:.2} LU)",
                    l.gain_db,
                    db_text(l.pass.input_lufs, "LUFS"),
                    l.pass.limiter_loss_lu.max(0.0)
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "Target gain:     {:+.2} dB (no learn pass)",
                    self.target_gain_db
                );
            }
        }
        let _ = writeln!(s, "Integrated:      {}", db_text(m.integrated_lufs, "LUFS"));
        let _ = writeln!(s, "True peak:       {}", db_text(m.true_peak_db, "dBTP"));
        let _ = writeln!(s, "Loudness range:  {:.1} LU", m.loudness_range_lu);
        s
    }

    fn json(
        &self,
        master: &analyze::engine::StemFigures,
        analysis: analyze::json::Document,
    ) -> RenderJson {
        let m = &self.mastered.figures;
        let finite = |v: f32| (v.is_finite() && v > -150.0).then_some(v);
        RenderJson {
            schema: "stem-suite/render",
            version: 1,
            tool: format!("stems {}", env!("CARGO_PKG_VERSION")),
            output: self.output.display().to_string(),
            format: self.format_label(),
            sample_rate_hz: self.rate,
            seconds: self.seconds,
            target: self.target_name.key(),
            target_lufs: self.target_lufs,
            ceiling_dbtp: self.ceiling_dbtp,
            target_gain_db: self.target_gain_db,
            learn: self.mastered.learned.map(|l| LearnJson {
                input_lufs: finite(l.pass.input_lufs),
                limiter_loss_lu: l.pass.limiter_loss_lu.max(0.0),
                gain_db: l.gain_db,
            }),
            integrated_lufs: finite(m.integrated_lufs),
            max_true_peak_dbtp: m.true_peak_db,
            loudness_range_lu: m.loudness_range_lu,
            plr_db: m.true_peak_db - m.integrated_lufs,
            stems: self
                .plans
                .iter()
                .map(|p| StemPlanJson {
                    name: p.name.clone(),
                    role: p.role,
                    settings_from: p.settings_from.clone(),
                })
                .collect(),
            master: MasterJson {
                integrated_lufs: finite(master.integrated_lufs),
                loudness_range_lu: master.loudness_range_lu,
                max_true_peak_dbtp: master.max_true_peak_db,
                sample_peak_dbfs: master.sample_peak_db,
                rms_dbfs: master.rms_db,
                crest_db: master.crest_db,
                correlation: master.correlation,
                spectrum_db: master.spectrum_db.to_vec(),
                shortterm_lufs: master
                    .shortterm_timeline
                    .iter()
                    .map(|&v| finite(v))
                    .collect(),
            },
            analysis,
        }
    }
}

/// The `--json` document of `stems render` (schema `stem-suite/render`, version 1; see
/// `docs/render-json.md`).
#[derive(Serialize)]
struct RenderJson {
    schema: &'static str,
    version: u32,
    tool: String,
    output: String,
    format: &'static str,
    sample_rate_hz: u32,
    seconds: f64,
    target: &'static str,
    target_lufs: f32,
    ceiling_dbtp: f32,
    target_gain_db: f32,
    learn: Option<LearnJson>,
    integrated_lufs: Option<f32>,
    max_true_peak_dbtp: f32,
    loudness_range_lu: f32,
    plr_db: f32,
    stems: Vec<StemPlanJson>,
    master: MasterJson,
    analysis: analyze::json::Document,
}

#[derive(Serialize)]
struct LearnJson {
    input_lufs: Option<f32>,
    limiter_loss_lu: f32,
    gain_db: f32,
}

#[derive(Serialize)]
struct StemPlanJson {
    name: String,
    role: StemRole,
    settings_from: String,
}

#[derive(Serialize)]
struct MasterJson {
    integrated_lufs: Option<f32>,
    loudness_range_lu: f32,
    max_true_peak_dbtp: f32,
    sample_peak_dbfs: f32,
    rms_dbfs: f32,
    crest_db: f32,
    correlation: f32,
    spectrum_db: Vec<f32>,
    shortterm_lufs: Vec<Option<f32>>,
}
