//! The options of `stems render`, with the ranges of `--target` and `--ceiling` and the
//! names of `--preset` taken from the Stem Master's settings list.

use std::path::PathBuf;

use clap::Args;
use shared_dsp::spec::{Choice, Target};

use super::session;

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
