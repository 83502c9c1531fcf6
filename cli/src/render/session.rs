//! The session file of `stems render` (`--session FILE.toml`): per-stem Strip settings, by
//! file name (`[stem.NAME]`) or by role (`[role.ROLE]`), and the Stem Master's settings
//! (`[master]`). The format is documented in `docs/cli.md` ("Session files").
//!
//! Names and units are the plugins' own, so settings can be copied from a plugin's editor: a
//! parameter's name as the plugin shows it, lower case, spaces and hyphens as `_`, without
//! the group's prefix inside its table ("Comp SC High-Pass" is `sc_high_pass` in
//! `[stem.NAME.compressor]`), in the unit the plugin shows (dB, Hz, ms, %, LUFS, dBTP), and
//! within the plugin's range. A key that is missing takes the plugin's default. An unknown
//! key, a value of the wrong type or out of range is an error that names the line.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use shared_dsp::dynamics::CompressorSettings;
use shared_dsp::eq::{BandSettings, EqSettings, FilterSlope, PassSettings, Placement};
use shared_dsp::master::{MasterSettings, TargetPreset};
use shared_dsp::role::StemRole;
use shared_dsp::strip::StripSettings;
use toml::Spanned;

/// A session file that cannot be used: the file, the line (when known) and what is wrong.
#[derive(Debug)]
pub struct SessionError {
    /// The session file.
    pub path: PathBuf,
    /// 1-based line of the offending key or value.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for SessionError {}

/// A whole session file.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// The Stem Master on the sum.
    #[serde(default)]
    pub master: MasterTable,
    /// Strip settings for every stem of a role that has no `[stem.NAME]` table of its own.
    #[serde(default, rename = "role", skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<StemRole, StemTable>,
    /// Strip settings of one stem, keyed by its file name (with or without the extension,
    /// or the path as given).
    #[serde(default, rename = "stem", skip_serializing_if = "BTreeMap::is_empty")]
    pub stems: BTreeMap<Spanned<String>, StemTable>,
}

/// The loudness targets of the Stem Master's Target parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TargetName {
    /// -14 LUFS, -1 dBTP (Spotify, YouTube, Tidal, Amazon).
    Streaming,
    /// Apple Music: -16 LUFS, -1 dBTP.
    Apple,
    /// EBU R128: -23 LUFS, -1 dBTP.
    Ebu,
    /// ATSC A/85: -24 LKFS, -2 dBTP.
    Atsc,
    /// The session's `custom_target` and `custom_ceiling`.
    #[value(skip)]
    Custom,
}

impl TargetName {
    /// Integrated loudness (LUFS) and true-peak ceiling (dBTP); `None` for Custom. The same
    /// figures as the Stem Master's Target presets.
    pub fn preset(self) -> Option<(f32, f32)> {
        let preset = match self {
            TargetName::Streaming => TargetPreset::Streaming,
            TargetName::Apple => TargetPreset::AppleMusic,
            TargetName::Ebu => TargetPreset::EbuR128,
            TargetName::Atsc => TargetPreset::AtscA85,
            TargetName::Custom => return None,
        };
        Some(preset.lufs_and_ceiling())
    }
}

/// Where a Stem Master bell acts (its "Bell N Placement" parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementName {
    Stereo,
    Mid,
    Side,
}

impl PlacementName {
    fn placement(self) -> Placement {
        match self {
            PlacementName::Stereo => Placement::Stereo,
            PlacementName::Mid => Placement::Mid,
            PlacementName::Side => Placement::Side,
        }
    }

    fn of(p: Placement) -> Self {
        match p {
            Placement::Stereo => PlacementName::Stereo,
            Placement::Mid => PlacementName::Mid,
            Placement::Side => PlacementName::Side,
        }
    }
}

/// Deserialises a number and checks it lies in `lo..=hi` (the plugin parameter's range).
fn in_range<'de, D: Deserializer<'de>>(
    d: D,
    lo: f64,
    hi: f64,
    unit: &str,
) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if !(lo..=hi).contains(&v) {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        return Err(D::Error::custom(format!(
            "{v}{unit} is out of range: give {lo} to {hi}{unit}, as on the plugin"
        )));
    }
    Ok(v)
}

/// Numbers in a plugin parameter's unit and range: each a newtype that refuses, when read,
/// a value outside the range.
macro_rules! ranged {
    ($($(#[$doc:meta])* $name:ident: $lo:expr, $hi:expr, $unit:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                in_range(d, $lo, $hi, $unit).map($name)
            }
        }

        impl From<f32> for $name {
            fn from(v: f32) -> Self {
                $name(short(v))
            }
        }
    )*};
}

ranged! {
    /// dB, ±24 (trim, output, EQ gains, master input).
    Gain24Db: -24.0, 24.0, "dB";
    /// Hz, 20 to 20000.
    FreqHz: 20.0, 20_000.0, "Hz";
    /// 0.1 to 10.
    QValue: 0.1, 10.0, "";
    /// dB, -60 to 0.
    ThresholdDb: -60.0, 0.0, "dB";
    /// 1 to 20 (4 is 4:1).
    RatioValue: 1.0, 20.0, "";
    /// ms, 0.1 to 100.
    AttackMs: 0.1, 100.0, "ms";
    /// ms, 10 to 2000.
    CompReleaseMs: 10.0, 2000.0, "ms";
    /// dB, 0 to 24.
    KneeDb: 0.0, 24.0, "dB";
    /// dB, -12 to 24.
    MakeupDb: -12.0, 24.0, "dB";
    /// %, 0 to 100.
    Percent100: 0.0, 100.0, "%";
    /// %, 0 to 200.
    Percent200: 0.0, 200.0, "%";
    /// Hz, 20 (off) to 500.
    SidechainHz: 20.0, 500.0, "Hz";
    /// LUFS, -36 to -5.
    TargetLufs: -36.0, -5.0, "LUFS";
    /// dBTP, -6 to 0.
    CeilingDbtp: -6.0, 0.0, "dBTP";
    /// dB, -30 to 30.
    LearnedGainDb: -30.0, 30.0, "dB";
    /// dB, -12 to 0.
    MasterOutputDb: -12.0, 0.0, "dB";
    /// ms, 0.1 to 5.
    LookaheadMs: 0.1, 5.0, "ms";
    /// ms, 1 to 1000.
    LimiterReleaseMs: 1.0, 1000.0, "ms";
}

/// A filter slope, dB/oct: 12, 24 or 48.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct SlopeDb(pub u32);

impl<'de> Deserialize<'de> for SlopeDb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u32::deserialize(d)? {
            v @ (12 | 24 | 48) => Ok(SlopeDb(v)),
            v => Err(D::Error::custom(format!(
                "slope {v}: give 12, 24 or 48 (dB/oct)"
            ))),
        }
    }
}

/// `f` as the shortest decimal that reads back as the same `f32` (0.707, not
/// 0.7070000171661377), for the session files this tool writes.
fn short(f: f32) -> f64 {
    format!("{f}").parse().unwrap_or(f64::from(f))
}

fn slope_of(s: FilterSlope) -> u32 {
    match s {
        FilterSlope::Db12 => 12,
        FilterSlope::Db24 => 24,
        FilterSlope::Db48 => 48,
    }
}

/// A high- or low-pass filter ("HP On", "HP Freq", "HP Slope").
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassTable {
    /// Switched on.
    pub on: Option<bool>,
    /// Cutoff, Hz (20 to 20000).
    pub freq: Option<FreqHz>,
    /// Slope, dB/oct: 12, 24 or 48.
    pub slope: Option<SlopeDb>,
}

impl PassTable {
    fn apply(&self, p: &mut PassSettings) {
        if let Some(on) = self.on {
            p.enabled = on;
        }
        if let Some(f) = self.freq {
            p.freq_hz = f.0 as f32;
        }
        if let Some(SlopeDb(s)) = self.slope {
            p.slope = match s {
                12 => FilterSlope::Db12,
                48 => FilterSlope::Db48,
                _ => FilterSlope::Db24,
            };
        }
    }

    fn of(p: &PassSettings) -> Self {
        Self {
            on: Some(p.enabled),
            freq: Some(p.freq_hz.into()),
            slope: Some(SlopeDb(slope_of(p.slope))),
        }
    }
}

/// A bell or shelf ("Bell 1 On", "Bell 1 Freq", "Bell 1 Gain", "Bell 1 Q"; on the Stem
/// Master also "Bell 1 Placement").
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandTable {
    /// Switched on.
    pub on: Option<bool>,
    /// Centre (bell) or midpoint (shelf), Hz.
    pub freq: Option<FreqHz>,
    /// Gain, dB (±24).
    pub gain: Option<Gain24Db>,
    /// Q (0.1 to 10).
    pub q: Option<QValue>,
    /// Stem Master bells only: `stereo`, `mid` or `side`.
    pub placement: Option<Spanned<PlacementName>>,
}

impl BandTable {
    fn apply(&self, b: &mut BandSettings) {
        if let Some(on) = self.on {
            b.enabled = on;
        }
        if let Some(f) = self.freq {
            b.freq_hz = f.0 as f32;
        }
        if let Some(g) = self.gain {
            b.gain_db = g.0 as f32;
        }
        if let Some(q) = self.q {
            b.q = q.0 as f32;
        }
    }

    fn of(b: &BandSettings) -> Self {
        Self {
            on: Some(b.enabled),
            freq: Some(b.freq_hz.into()),
            gain: Some(b.gain_db.into()),
            q: Some(b.q.into()),
            placement: None,
        }
    }
}

/// A compressor ("Comp On", "Comp Threshold", ...; the Stem Master's glue compressor is
/// "Glue On", "Glue Threshold", ..., plus "Glue Auto Release").
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompTable {
    pub on: Option<bool>,
    /// dB, -60 to 0.
    pub threshold: Option<ThresholdDb>,
    /// 1 to 20 (4 is 4:1).
    pub ratio: Option<RatioValue>,
    /// ms, 0.1 to 100.
    pub attack: Option<AttackMs>,
    /// ms, 10 to 2000.
    pub release: Option<CompReleaseMs>,
    /// dB, 0 to 24.
    pub knee: Option<KneeDb>,
    /// dB, -12 to 24.
    pub makeup: Option<MakeupDb>,
    /// %, 0 to 100 (below 100: parallel compression).
    pub mix: Option<Percent100>,
    /// Side-chain high-pass, Hz, 20 (off) to 500.
    pub sc_high_pass: Option<SidechainHz>,
    /// %, 0 to 100.
    pub stereo_link: Option<Percent100>,
    /// Stem Master glue only: program-dependent release.
    pub auto_release: Option<Spanned<bool>>,
}

impl CompTable {
    fn apply(&self, c: &mut CompressorSettings) {
        let set = |dst: &mut f32, v: Option<f64>, scale: f64| {
            if let Some(v) = v {
                *dst = (v * scale) as f32;
            }
        };
        if let Some(on) = self.on {
            c.enabled = on;
        }
        set(&mut c.threshold_db, self.threshold.map(|v| v.0), 1.0);
        set(&mut c.ratio, self.ratio.map(|v| v.0), 1.0);
        set(&mut c.attack_ms, self.attack.map(|v| v.0), 1.0);
        set(&mut c.release_ms, self.release.map(|v| v.0), 1.0);
        set(&mut c.knee_db, self.knee.map(|v| v.0), 1.0);
        set(&mut c.makeup_db, self.makeup.map(|v| v.0), 1.0);
        set(&mut c.mix, self.mix.map(|v| v.0), 0.01);
        set(&mut c.sidechain_hp_hz, self.sc_high_pass.map(|v| v.0), 1.0);
        set(&mut c.stereo_link, self.stereo_link.map(|v| v.0), 0.01);
    }

    fn of(c: &CompressorSettings) -> Self {
        Self {
            on: Some(c.enabled),
            threshold: Some(c.threshold_db.into()),
            ratio: Some(c.ratio.into()),
            attack: Some(c.attack_ms.into()),
            release: Some(c.release_ms.into()),
            knee: Some(c.knee_db.into()),
            makeup: Some(c.makeup_db.into()),
            mix: Some((c.mix * 100.0).into()),
            sc_high_pass: Some(c.sidechain_hp_hz.into()),
            stereo_link: Some((c.stereo_link * 100.0).into()),
            auto_release: None,
        }
    }
}

/// One stem's Strip ("Trim", "Polarity Invert", the EQ sections, "Compressor", "Width",
/// "Output") and its role.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StemTable {
    /// The stem's role (else `--role`, else guessed from the file name).
    pub role: Option<StemRole>,
    /// dB, ±24.
    pub trim: Option<Gain24Db>,
    pub polarity_invert: Option<bool>,
    /// %, 0 (mono) to 200; 100 leaves the image alone.
    pub width: Option<Percent200>,
    /// dB, ±24.
    pub output: Option<Gain24Db>,
    #[serde(default)]
    pub high_pass: PassTable,
    #[serde(default)]
    pub low_shelf: BandTable,
    #[serde(default)]
    pub bell_1: BandTable,
    #[serde(default)]
    pub bell_2: BandTable,
    #[serde(default)]
    pub bell_3: BandTable,
    #[serde(default)]
    pub high_shelf: BandTable,
    #[serde(default)]
    pub low_pass: PassTable,
    #[serde(default)]
    pub compressor: CompTable,
}

/// The Stem Master's limiter ("Limiter On", "Limiter Lookahead", "Limiter Release",
/// "Limiter Auto Release"); its ceiling is the target's.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimiterTable {
    pub on: Option<bool>,
    /// ms, 0.1 to 5.
    pub lookahead: Option<LookaheadMs>,
    /// ms, 1 to 1000 (unused with auto release).
    pub release: Option<LimiterReleaseMs>,
    pub auto_release: Option<bool>,
}

/// The Stem Master ("Input", "Target", "Custom Target", "Custom Ceiling", "Learn", the EQ
/// sections, "Glue Compressor", "Limiter", "Output") and the learned gain it saves.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterTable {
    /// dB, ±24.
    pub input: Option<Gain24Db>,
    /// `streaming`, `apple`, `ebu`, `atsc` or `custom` (`--target`/`--preset` win).
    pub target: Option<TargetName>,
    /// LUFS, -36 to -5 (with `target = "custom"`).
    pub custom_target: Option<TargetLufs>,
    /// dBTP, -6 to 0 (with `target = "custom"`).
    pub custom_ceiling: Option<CeilingDbtp>,
    /// Learn the gain to the target in a first pass (default on); off: use `learned_gain`.
    pub learn: Option<bool>,
    /// The target gain before the limiter, dB, -30 to 30: what a learn pass found (the
    /// plugin saves it with the project); the starting point of a learn pass.
    pub learned_gain: Option<LearnedGainDb>,
    /// dB after the limiter, -12 to 0.
    pub output: Option<MasterOutputDb>,
    #[serde(default)]
    pub high_pass: PassTable,
    #[serde(default)]
    pub low_shelf: BandTable,
    #[serde(default)]
    pub bell_1: BandTable,
    #[serde(default)]
    pub bell_2: BandTable,
    #[serde(default)]
    pub bell_3: BandTable,
    #[serde(default)]
    pub high_shelf: BandTable,
    #[serde(default)]
    pub low_pass: PassTable,
    #[serde(default)]
    pub glue: CompTable,
    #[serde(default)]
    pub limiter: LimiterTable,
}

/// Byte span to a 1-based line number in `text`.
fn line_of(text: &str, span: &Range<usize>) -> usize {
    text[..span.start.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

impl Session {
    /// Parses and checks session text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, SessionError> {
        let err = |span: Option<Range<usize>>, message: String| SessionError {
            path: path.to_owned(),
            line: span.map(|s| line_of(text, &s)),
            message,
        };
        let session: Session = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            err(
                e.span(),
                format!("{message}; see docs/cli.md, \"Session files\", for every key"),
            )
        })?;
        // Settings that exist only on the Stem Master.
        let stems = session
            .roles
            .values()
            .chain(session.stems.values())
            .flat_map(|t| {
                let (_, bands, _) = t.eq();
                bands.into_iter().filter_map(|b| {
                    b.placement.as_ref().map(|p| {
                        (
                            p.span(),
                            "placement is a Stem Master setting (its bells' Placement)",
                        )
                    })
                })
            })
            .chain(
                session
                    .roles
                    .values()
                    .chain(session.stems.values())
                    .filter_map(|t| {
                        t.compressor.auto_release.as_ref().map(|a| {
                            (
                                a.span(),
                                "auto_release is the Stem Master glue compressor's setting",
                            )
                        })
                    }),
            )
            .chain(
                [&session.master.low_shelf, &session.master.high_shelf]
                    .into_iter()
                    .filter_map(|b| {
                        b.placement
                            .as_ref()
                            .map(|p| (p.span(), "placement applies to the bells only"))
                    }),
            )
            .next();
        if let Some((span, what)) = stems {
            return Err(err(Some(span), format!("{what}; remove it here")));
        }
        let m = &session.master;
        if m.target != Some(TargetName::Custom)
            && (m.custom_target.is_some() || m.custom_ceiling.is_some())
        {
            return Err(err(
                None,
                "[master] custom_target and custom_ceiling need target = \"custom\"".into(),
            ));
        }
        Ok(session)
    }

    /// Checks that every `[stem.NAME]` names one of `files`; the error names the line.
    pub fn check_stems(
        &self,
        files: &[PathBuf],
        text_path: &Path,
        text: &str,
    ) -> Result<(), SessionError> {
        for key in self.stems.keys() {
            if !files
                .iter()
                .any(|f| crate::analyze::names_file(key.get_ref(), f))
            {
                let names: Vec<String> =
                    files.iter().map(|f| crate::analyze::stem_name(f)).collect();
                return Err(SessionError {
                    path: text_path.to_owned(),
                    line: Some(line_of(text, &key.span())),
                    message: format!(
                        "[stem.{}]: no input stem is named `{}`; the stems are {}",
                        toml_key(key.get_ref()),
                        key.get_ref(),
                        names.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// The table for the stem `file` of `role`: its own `[stem.NAME]`, else its role's,
    /// else none. Returns the table and where it came from (`stem.NAME`, `role.ROLE`).
    pub fn table_for(&self, file: &Path, role: StemRole) -> Option<(&StemTable, String)> {
        self.stems
            .iter()
            .find(|(k, _)| crate::analyze::names_file(k.get_ref(), file))
            .map(|(k, t)| (t, format!("stem.{}", toml_key(k.get_ref()))))
            .or_else(|| {
                self.roles
                    .get(&role)
                    .map(|t| (t, format!("role.{}", role.key())))
            })
    }

    /// The Stem Master's settings for a target and ceiling (the target gain from
    /// `learned_gain`, dither off).
    pub fn master_settings(&self, ceiling_dbtp: f32) -> MasterSettings {
        let m = &self.master;
        let mut s = MasterSettings::default();
        if let Some(v) = m.input {
            s.input_db = v.0 as f32;
        }
        s.target_gain_db = m.learned_gain.map_or(0.0, |v| v.0) as f32;
        apply_eq(m.eq(), &mut s.eq);
        for (k, b) in [&m.bell_1, &m.bell_2, &m.bell_3].into_iter().enumerate() {
            if let Some(p) = &b.placement {
                s.bell_placements[k] = p.get_ref().placement();
            }
        }
        m.glue.apply(&mut s.compressor);
        if let Some(a) = &m.glue.auto_release {
            s.compressor_auto_release = *a.get_ref();
        }
        let l = &m.limiter;
        if let Some(on) = l.on {
            s.limiter.enabled = on;
        }
        if let Some(v) = l.lookahead {
            s.limiter.lookahead_ms = v.0 as f32;
        }
        if let Some(v) = l.release {
            s.limiter.release_ms = v.0 as f32;
        }
        if let Some(v) = l.auto_release {
            s.limiter.auto_release = v;
        }
        s.limiter.ceiling_db = ceiling_dbtp;
        if let Some(v) = m.output {
            s.output_db = v.0 as f32;
        }
        s
    }

    /// The target (LUFS) and ceiling (dBTP) the session sets, and its name; the Stem
    /// Master's default (Streaming) when it sets none.
    pub fn target(&self) -> (f32, f32, TargetName) {
        let m = &self.master;
        let name = m.target.unwrap_or(TargetName::Streaming);
        let (t, c) = name.preset().unwrap_or((
            m.custom_target.map_or(-14.0, |v| v.0) as f32,
            m.custom_ceiling.map_or(-1.0, |v| v.0) as f32,
        ));
        (t, c, name)
    }

    /// Whether the Master learns the gain in a first pass (the default).
    pub fn learn(&self) -> bool {
        self.master.learn.unwrap_or(true)
    }

    /// A session with every setting at the plugins' defaults and a `[stem.NAME]` table
    /// for each stem (`names` with their roles), written out in full to edit.
    pub fn template(stems: &[(String, StemRole)]) -> Self {
        let d = MasterSettings::default();
        let (high_pass, [low_shelf, mut bell_1, mut bell_2, mut bell_3, high_shelf], low_pass) =
            eq_tables(&d.eq);
        for (b, p) in [&mut bell_1, &mut bell_2, &mut bell_3]
            .into_iter()
            .zip(d.bell_placements)
        {
            b.placement = Some(Spanned::new(0..0, PlacementName::of(p)));
        }
        let mut glue = CompTable::of(&d.compressor);
        glue.auto_release = Some(Spanned::new(0..0, d.compressor_auto_release));
        let master = MasterTable {
            input: Some(d.input_db.into()),
            target: Some(TargetName::Streaming),
            custom_target: None,
            custom_ceiling: None,
            learn: Some(true),
            learned_gain: Some(d.target_gain_db.into()),
            output: Some(d.output_db.into()),
            high_pass,
            low_shelf,
            bell_1,
            bell_2,
            bell_3,
            high_shelf,
            low_pass,
            glue,
            limiter: LimiterTable {
                on: Some(d.limiter.enabled),
                lookahead: Some(d.limiter.lookahead_ms.into()),
                release: Some(d.limiter.release_ms.into()),
                auto_release: Some(d.limiter.auto_release),
            },
        };
        let stems = stems
            .iter()
            .map(|(name, role)| {
                (
                    Spanned::new(0..0, name.clone()),
                    StemTable::of(&StripSettings::default(), *role),
                )
            })
            .collect();
        Session {
            master,
            roles: BTreeMap::new(),
            stems,
        }
    }

    /// The session as TOML text, with a header saying what it is.
    pub fn to_toml(&self) -> anyhow::Result<String> {
        let body = toml::to_string_pretty(self)?;
        Ok(format!(
            "# stems render session: Strip settings per stem ([stem.NAME], or [role.ROLE] for\n\
             # every stem of a role) and the Stem Master's ([master]). Names and units are the\n\
             # plugins' parameters'; a missing key takes the plugin's default. See docs/cli.md,\n\
             # \"Session files\".\n\n{body}"
        ))
    }
}

impl StemTable {
    /// The table of Strip settings `s` with `role` (every value written out).
    fn of(s: &StripSettings, role: StemRole) -> Self {
        let (high_pass, [low_shelf, bell_1, bell_2, bell_3, high_shelf], low_pass) =
            eq_tables(&s.eq);
        Self {
            role: Some(role),
            trim: Some(s.trim_db.into()),
            polarity_invert: Some(s.invert_polarity),
            width: Some((s.width * 100.0).into()),
            output: Some(s.output_db.into()),
            high_pass,
            low_shelf,
            bell_1,
            bell_2,
            bell_3,
            high_shelf,
            low_pass,
            compressor: CompTable::of(&s.compressor),
        }
    }

    /// The Strip settings: the plugin's defaults, with what the table sets.
    pub fn settings(&self) -> StripSettings {
        let mut s = StripSettings::default();
        if let Some(v) = self.trim {
            s.trim_db = v.0 as f32;
        }
        if let Some(v) = self.polarity_invert {
            s.invert_polarity = v;
        }
        if let Some(v) = self.width {
            s.width = (v.0 / 100.0) as f32;
        }
        if let Some(v) = self.output {
            s.output_db = v.0 as f32;
        }
        apply_eq(self.eq(), &mut s.eq);
        self.compressor.apply(&mut s.compressor);
        s
    }
}

/// The seven EQ tables of a stem or of the master, in the EQ's order.
type EqRefs<'a> = (&'a PassTable, [&'a BandTable; 5], &'a PassTable);

/// `fn eq(&self) -> EqRefs` for a table with the seven EQ tables as fields.
macro_rules! eq_refs {
    ($($table:ty),*) => {$(
        impl $table {
            fn eq(&self) -> EqRefs<'_> {
                let bands = [
                    &self.low_shelf,
                    &self.bell_1,
                    &self.bell_2,
                    &self.bell_3,
                    &self.high_shelf,
                ];
                (&self.high_pass, bands, &self.low_pass)
            }
        }
    )*};
}

eq_refs!(StemTable, MasterTable);

fn apply_eq((hp, bands, lp): EqRefs<'_>, e: &mut EqSettings) {
    hp.apply(&mut e.high_pass);
    let [b0, b1, b2] = &mut e.bells;
    let targets = [&mut e.low_shelf, b0, b1, b2, &mut e.high_shelf];
    for (t, b) in bands.into_iter().zip(targets) {
        t.apply(b);
    }
    lp.apply(&mut e.low_pass);
}

/// The tables of the EQ settings `e` (every value written out).
fn eq_tables(e: &EqSettings) -> (PassTable, [BandTable; 5], PassTable) {
    (
        PassTable::of(&e.high_pass),
        [
            BandTable::of(&e.low_shelf),
            BandTable::of(&e.bells[0]),
            BandTable::of(&e.bells[1]),
            BandTable::of(&e.bells[2]),
            BandTable::of(&e.high_shelf),
        ],
        PassTable::of(&e.low_pass),
    )
}

/// `name` as a TOML key: bare when it can be, else quoted.
pub fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Session, SessionError> {
        Session::parse(text, Path::new("s.toml"))
    }

    #[test]
    fn an_empty_session_is_the_plugins_defaults() {
        let s = parse("").unwrap();
        assert_eq!(s.master_settings(-1.0), MasterSettings::default());
        assert_eq!(s.target(), (-14.0, -1.0, TargetName::Streaming));
        assert!(s.learn());
    }

    #[test]
    fn values_map_to_the_plugins_units() {
        let s = parse(
            r#"
[master]
target = "custom"
custom_target = -18
custom_ceiling = -2.0
output = -0.5

[master.bell_2]
on = true
gain = -2.5
placement = "side"

[master.glue]
on = true
auto_release = false

[stem.vox]
role = "lead_vocal"
trim = -3
width = 80
[stem.vox.compressor]
on = true
mix = 50
stereo_link = 25
ratio = 4
[stem.vox.high_pass]
on = true
freq = 120
slope = 48
"#,
        )
        .unwrap();
        assert_eq!(s.target(), (-18.0, -2.0, TargetName::Custom));
        let m = s.master_settings(-2.0);
        assert_eq!(m.output_db, -0.5);
        assert!(m.eq.bells[1].enabled);
        assert_eq!(m.eq.bells[1].gain_db, -2.5);
        assert_eq!(m.bell_placements[1], Placement::Side);
        assert!(m.compressor.enabled && !m.compressor_auto_release);
        assert_eq!(m.limiter.ceiling_db, -2.0);
        let (t, from) = s
            .table_for(Path::new("stems/vox.wav"), StemRole::Music)
            .unwrap();
        assert_eq!(from, "stem.vox");
        assert_eq!(t.role, Some(StemRole::LeadVocal));
        let st = t.settings();
        assert_eq!(st.trim_db, -3.0);
        assert_eq!(st.width, 0.8);
        assert_eq!(st.compressor.mix, 0.5);
        assert_eq!(st.compressor.stereo_link, 0.25);
        assert_eq!(st.compressor.ratio, 4.0);
        assert_eq!(st.eq.high_pass.slope, FilterSlope::Db48);
        assert_eq!(st.eq.high_pass.freq_hz, 120.0);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("[master]\ninput = 1\n\n[stem.a]\ntirm = 2\n", 5, "tirm"),
            ("[stem.a]\ntrim = 40\n", 2, "40 dB is out of range"),
            ("[stem.a]\n[stem.a.high_pass]\nslope = 36\n", 3, "slope 36"),
            ("[master]\ntarget = \"loud\"\n", 2, "loud"),
            ("[role.drumz]\ntrim = 1\n", 1, "drumz"),
            ("[stem.a]\ntrim = \"loud\"\n", 2, "loud"),
            ("[stem.a.bell_1]\nplacement = \"mid\"\n", 2, "Stem Master"),
            ("[stem.a.compressor]\nauto_release = true\n", 2, "glue"),
        ];
        for (text, line, what) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.to_string().contains(what), "{text}: {e}");
            assert!(
                e.to_string().starts_with(&format!("s.toml line {line}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn a_stem_that_is_not_there_is_named_with_its_line() {
        let text = "[stem.drums]\ntrim = 1\n\n[stem.\"lead vox\"]\ntrim = 2\n";
        let s = parse(text).unwrap();
        let files = [PathBuf::from("x/drums.wav"), PathBuf::from("x/bass.wav")];
        let e = s
            .check_stems(&files, Path::new("s.toml"), text)
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("`lead vox`"), "{e}");
        assert!(e.message.contains("drums, bass"), "{e}");
    }

    #[test]
    fn the_template_reads_back_as_the_defaults() {
        let t = Session::template(&[
            ("kick".into(), StemRole::Drums),
            ("lead vox".into(), StemRole::LeadVocal),
        ]);
        let text = t.to_toml().unwrap();
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.master_settings(-1.0), MasterSettings::default());
        assert!(back.learn());
        let (table, _) = back
            .table_for(Path::new("lead vox.wav"), StemRole::Music)
            .unwrap();
        assert_eq!(table.settings(), StripSettings::default());
        assert_eq!(table.role, Some(StemRole::LeadVocal));
        assert!(text.contains("[stem.\"lead vox\".compressor]"), "{text}");
        assert!(text.contains("q = 0.707"), "{text}");
    }
}
