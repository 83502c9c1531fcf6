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

mod args;
pub mod mix;
pub mod session;
mod summary;
mod tasks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use shared_dsp::role::StemRole;

use crate::analyze;
use crate::audio::{self, Audio, WavFormat};
use crate::common::{self, Failure};
use crate::matched::{read_matched, Matched};
use crate::roles::{parse_role_args, stem_roles};
pub use args::RenderArgs;
use session::Session;
use shared_dsp::spec::Target;
use summary::Summary;

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
    let roles = parse_role_args(&args.roles, &files).map_err(Failure::Usage)?;
    let session = read_session(args.session.as_deref(), &files)?;
    let plans = plan_stems(&files, &roles, &session);
    // Every output is checked before the work, so a bad one costs nothing and leaves nothing.
    check_outputs(args, &files, &plans)?;
    if let Some(path) = &args.write_session {
        write_session(path, &plans, args.quiet)?;
    }
    let Some(output) = &args.output else {
        return Ok(());
    };
    let target = resolve_target(args, &session);
    let format = if args.float {
        WavFormat::Float32
    } else {
        WavFormat::Int24
    };
    let progress = common::progress_bar(files.len() as u64, args.quiet);
    let mut matched = read_matched(&files, &progress)?;
    if !args.quiet {
        for n in &matched.notices {
            eprintln!("notice: {n}");
        }
    }
    let mut stems: Vec<Vec<Vec<f32>>> = matched
        .audios
        .iter_mut()
        .map(|a| std::mem::take(&mut a.channels))
        .collect();
    let strip_settings: Vec<_> = plans.iter().map(|p| p.settings).collect();
    let plan = mix::Plan {
        strips: &strip_settings,
        rate: matched.rate,
        master: session.master_settings(target.ceiling_dbtp),
        learn_to: session.learn().then_some(target.lufs),
        format,
    };
    let mastered = master_to_file(output, &mut stems, &plan, matched.frames, &progress)?;
    progress.finish_and_clear();
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
        write_stems_out(dir, &plans, &stems, matched.rate, args.quiet)?;
    }
    let (rate, frames) = (matched.rate, matched.frames);
    let summary = Summary {
        output: output.clone(),
        format,
        rate,
        seconds: frames as f64 / f64::from(rate),
        target_lufs: target.lufs,
        ceiling_dbtp: target.ceiling_dbtp,
        target_name: target.name,
        target_gain_db: mastered.target_gain_db,
        mastered: &mastered,
        plans: &plans,
    };
    let json_to_stdout = args.json.as_deref() == Some(Path::new("-"));
    if !args.quiet && !json_to_stdout {
        print!("{}", summary.text());
    }
    if let Some(path) = &args.json {
        let doc = analyse_result(&summary, &mut matched, stems);
        common::write_json(path, &doc, args.quiet)?;
    }
    Ok(())
}

/// Reads and checks the session file, if one is given (else every setting at its default).
fn read_session(path: Option<&Path>, files: &[PathBuf]) -> Result<Session, Failure> {
    let Some(path) = path else {
        return Ok(Session::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Input(format!(
            "{}: cannot read the session file ({e})",
            path.display()
        ))
    })?;
    let s = Session::parse(&text, path).map_err(|e| Failure::Input(e.to_string()))?;
    s.check_stems(files, path, &text)
        .map_err(|e| Failure::Input(e.to_string()))?;
    Ok(s)
}

/// Checks that every output can be written (and does not exist without `--force`), and
/// that the master is not one of the stems.
fn check_outputs(args: &RenderArgs, files: &[PathBuf], plans: &[StemPlan]) -> Result<(), Failure> {
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
    if let Some(dir) = &args.stems_out {
        if dir.is_dir() {
            for plan in plans {
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
    Ok(())
}

/// Writes a session with every setting at its default and a table per stem, to edit.
fn write_session(path: &Path, plans: &[StemPlan], quiet: bool) -> Result<(), Failure> {
    let named: Vec<(String, StemRole)> = plans.iter().map(|p| (p.name.clone(), p.role)).collect();
    let text = Session::template(&named);
    audio::write_atomically(path, |f| {
        use std::io::Write;
        f.write_all(text.as_bytes())?;
        Ok(())
    })
    .map_err(Failure::Output)?;
    if !quiet {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The loudness target in force: the options' over the session's.
struct TargetInForce {
    lufs: f32,
    ceiling_dbtp: f32,
    name: Target,
}

/// `--preset` wins; else `--target` and `--ceiling` (a custom target, the session's
/// figures for what they leave out); else the session's target.
fn resolve_target(args: &RenderArgs, session: &Session) -> TargetInForce {
    let (lufs, ceiling_dbtp, name) = match (args.preset, args.target, args.ceiling) {
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
    TargetInForce {
        lufs,
        ceiling_dbtp,
        name,
    }
}

/// Renders the stems through their Strips and the Master straight into `output`, through
/// a temporary file renamed at the end.
fn master_to_file(
    output: &Path,
    stems: &mut [Vec<Vec<f32>>],
    plan: &mix::Plan<'_>,
    frames: usize,
    progress: &indicatif::ProgressBar,
) -> Result<mix::Mastered, Failure> {
    progress.set_position(0);
    progress.set_length(mix::work_frames(
        stems.len(),
        frames,
        plan.learn_to.is_some(),
    ));
    progress.set_message("rendering");
    let format = plan.format;
    let header = audio::wav_header(output, plan.rate, 2, format, frames * 2 * format.bytes())
        .map_err(Failure::Output)?;
    let mut mastered = None;
    audio::write_atomically(output, |file| {
        use std::io::Write;
        let cannot =
            |e: std::io::Error| anyhow::anyhow!("{}: cannot write it ({e})", output.display());
        file.write_all(&header).map_err(cannot)?;
        mastered = Some(mix::render(stems, plan, progress, file).map_err(cannot)?);
        Ok(())
    })
    .map_err(Failure::Output)?;
    Ok(mastered.expect("written only after the render"))
}

/// Writes each processed stem into `dir` (32-bit float WAV).
fn write_stems_out(
    dir: &Path,
    plans: &[StemPlan],
    stems: &[Vec<Vec<f32>>],
    rate: u32,
    quiet: bool,
) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::Output(anyhow::anyhow!(
            "{}: cannot create the folder ({e})",
            dir.display()
        ))
    })?;
    for (plan, channels) in plans.iter().zip(stems) {
        let path = stem_out_path(dir, &plan.name);
        let chans: Vec<&[f32]> = channels.iter().map(Vec::as_slice).collect();
        audio::write_wav_as(&path, rate, &chans, WavFormat::Float32).map_err(Failure::Output)?;
    }
    if !quiet {
        eprintln!(
            "wrote {} processed stems into {}",
            plans.len(),
            dir.display()
        );
    }
    Ok(())
}

/// The `--json` document: the processed stems as `stems analyze` sees them (the same
/// engine) and the master's own figures.
fn analyse_result(
    summary: &Summary<'_>,
    matched: &mut Matched,
    stems: Vec<Vec<Vec<f32>>>,
) -> summary::RenderJson {
    let (rate, frames) = (matched.rate, matched.frames);
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
    let named = summary
        .plans
        .iter()
        .map(|p| (p.name.clone(), p.role, p.role_given))
        .collect();
    let quiet = indicatif::ProgressBar::hidden();
    let [left, right] = &summary.mastered.output;
    let (analysis, master) = rayon::join(
        || analyze::analyse_matched(processed, named, &quiet),
        || {
            let out = [left.clone(), right.clone()];
            analyze::engine::analyse_stem(&out, rate, StemRole::Other, "master")
        },
    );
    summary.json(&master, analyze::json::document(&analysis))
}

/// Where `--stems-out` writes a processed stem.
fn stem_out_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.wav"))
}

/// Each file's name, role and Strip settings: a session's `[stem.NAME]` (and its `role`),
/// else `--role` or the name's guess, with the role's `[role.ROLE]`, else the defaults.
fn plan_stems(files: &[PathBuf], roles: &[(String, StemRole)], session: &Session) -> Vec<StemPlan> {
    stem_roles(files, roles)
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
