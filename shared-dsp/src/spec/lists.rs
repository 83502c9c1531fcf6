//! The settings lists: each plugin's, and those of the sections they nest.
//!
//! An entry reads `[attributes] field: Kind(spec) => lens`:
//! - `[attributes]`: the nice-plug attribute of the parameter's field, `[id = "trim"]` (the
//!   id keys hosts' automation and saved projects: never change it), or
//!   `[nested(id_prefix = "hp", group = "High-Pass")]` for a section, or `[persist = "key"]`
//!   for a value saved with the plugin's state that is not a host parameter;
//! - `field`: the field's name in the plugin's parameter struct;
//! - `Kind(spec)`: `Switch(Switch)`, `Bypass(Switch)` (the host's bypass), `Float(Float)`,
//!   `Choice<T>(Pick)`, `Group<G>(Group)` (a section, whose own list `G` says the rest) or
//!   `Stored(Float)` (the `persist` value);
//! - `lens`: the field of the settings struct it feeds; its default is that field's value
//!   in the struct's `Default`.
//!
//! Entries are in the plugins' parameter order, which hosts show and must not change. The
//! equaliser's sections, the same on both plugins, are declared once in
//! `with_eq_sections!`, which the two plugins' lists pass their own entries through.

use crate::master::{MasterSettings, TargetPreset};
use crate::role::StemRole;
use crate::strip::StripSettings;

/// A high- or low-pass filter's settings ([`PassSettings`](crate::eq::PassSettings)).
#[macro_export]
macro_rules! pass_settings {
    ($($cb:ident)::+ ! { $($args:tt)* }) => { $($cb)::+ ! { $($args)* $crate::eq::PassSettings;
        [id = "on"] enabled: Switch($crate::spec::Switch::new("On", "on", "The filter is in."))
            => |s| &mut s.enabled,
        [id = "f"] freq: Float($crate::spec::Float::new("Freq", "freq", $crate::spec::Unit::Hz,
            $crate::spec::FREQ_RANGE, "Cutoff (-3 dB)."))
            => |s| &mut s.freq_hz,
        [id = "s"] slope: Choice<$crate::eq::FilterSlope>($crate::spec::Pick::new("Slope", "slope",
            "Butterworth slope."))
            => |s| &mut s.slope,
    } };
}

/// A bell's or shelf's settings ([`BandSettings`](crate::eq::BandSettings)).
#[macro_export]
macro_rules! band_settings {
    ($($cb:ident)::+ ! { $($args:tt)* }) => { $($cb)::+ ! { $($args)* $crate::eq::BandSettings;
        [id = "on"] enabled: Switch($crate::spec::Switch::new("On", "on", "The band is in."))
            => |s| &mut s.enabled,
        [id = "f"] freq: Float($crate::spec::Float::new("Freq", "freq", $crate::spec::Unit::Hz,
            $crate::spec::FREQ_RANGE, "Centre (bell) or midpoint (shelf)."))
            => |s| &mut s.freq_hz,
        [id = "g"] gain: Float($crate::spec::Float::new("Gain", "gain", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -24.0, max: 24.0 },
            "Gain at the centre (bell) or of the shelf."))
            => |s| &mut s.gain_db,
        [id = "q"] q: Float($crate::spec::Float::new("Q", "q", $crate::spec::Unit::Q,
            $crate::spec::Range::Skewed { min: 0.1, max: 10.0, skew: -1.5 },
            "Bandwidth (RBJ cookbook Q); 0.707 is a shelf without overshoot."))
            => |s| &mut s.q,
    } };
}

/// A compressor's settings ([`CompressorSettings`](crate::dynamics::CompressorSettings)).
#[macro_export]
macro_rules! comp_settings {
    ($($cb:ident)::+ ! { $($args:tt)* }) => { $($cb)::+ ! { $($args)* $crate::dynamics::CompressorSettings;
        [id = "on"] enabled: Switch($crate::spec::Switch::new("On", "on", "The compressor is in."))
            => |s| &mut s.enabled,
        [id = "thr"] threshold: Float($crate::spec::Float::new("Threshold", "threshold",
            $crate::spec::Unit::Db, $crate::spec::Range::Linear { min: -60.0, max: 0.0 },
            "Level where gain reduction starts (the knee's middle)."))
            => |s| &mut s.threshold_db,
        [id = "rat"] ratio: Float($crate::spec::Float::new("Ratio", "ratio", $crate::spec::Unit::Ratio,
            $crate::spec::Range::Skewed { min: 1.0, max: 20.0, skew: -1.5 },
            "Input dB over the threshold per output dB (4 is 4:1)."))
            => |s| &mut s.ratio,
        [id = "att"] attack: Float($crate::spec::Float::new("Attack", "attack", $crate::spec::Unit::Ms,
            $crate::spec::Range::Skewed { min: 0.1, max: 100.0, skew: -2.0 },
            "Time constant of the gain reduction rising."))
            => |s| &mut s.attack_ms,
        [id = "rel"] release: Float($crate::spec::Float::new("Release", "release",
            $crate::spec::Unit::Ms, $crate::spec::Range::Skewed { min: 10.0, max: 2000.0, skew: -2.0 },
            "Time constant of the gain reduction falling."))
            => |s| &mut s.release_ms,
        [id = "knee"] knee: Float($crate::spec::Float::new("Knee", "knee", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: 0.0, max: 24.0 }, "Width of the soft knee."))
            => |s| &mut s.knee_db,
        [id = "mk"] makeup: Float($crate::spec::Float::new("Makeup", "makeup", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -12.0, max: 24.0 }, "Gain after compression."))
            => |s| &mut s.makeup_db,
        [id = "mix"] mix: Float($crate::spec::Float::new("Mix", "mix", $crate::spec::Unit::Percent,
            $crate::spec::Range::Linear { min: 0.0, max: 1.0 },
            "Compressed share of the output (below 100 %: parallel compression)."))
            => |s| &mut s.mix,
        [id = "schp"] sidechain_hp: Float($crate::spec::Float::new("SC High-Pass", "sc_high_pass",
            $crate::spec::Unit::SidechainHz,
            $crate::spec::Range::Skewed { min: 20.0, max: 500.0, skew: -1.0 },
            "High-pass on the detector, so lows do not pump the rest (20 Hz: off)."))
            => |s| &mut s.sidechain_hp_hz,
        [id = "link"] stereo_link: Float($crate::spec::Float::new("Stereo Link", "stereo_link",
            $crate::spec::Unit::Percent, $crate::spec::Range::Linear { min: 0.0, max: 1.0 },
            "How much the channels share one gain reduction."))
            => |s| &mut s.stereo_link,
    } };
}

/// The Stem Master's limiter ([`LimiterSettings`](crate::limiter::LimiterSettings)); its ceiling is the target's.
#[macro_export]
macro_rules! limiter_settings {
    ($($cb:ident)::+ ! { $($args:tt)* }) => { $($cb)::+ ! { $($args)* $crate::limiter::LimiterSettings;
        [id = "on"] enabled: Switch($crate::spec::Switch::new("On", "on", "The limiter is in."))
            => |s| &mut s.enabled,
        [id = "la"] lookahead: Float($crate::spec::Float::new("Lookahead", "lookahead",
            $crate::spec::Unit::Ms,
            $crate::spec::Range::Skewed { min: 0.1, max: $crate::limiter::MAX_LOOKAHEAD_MS, skew: -2.0 },
            "How early the gain starts to fall before a peak (the latency does not change).")
            .step(0.01))
            => |s| &mut s.lookahead_ms,
        [id = "rel"] release: Float($crate::spec::Float::new("Release", "release",
            $crate::spec::Unit::Ms, $crate::spec::Range::Skewed { min: 1.0, max: 1000.0, skew: -2.0 },
            "Time constant of the gain recovering (unless auto release)."))
            => |s| &mut s.release_ms,
        [id = "auto"] auto_release: Switch($crate::spec::Switch::new("Auto Release", "auto_release",
            "Program-dependent release: fast after a transient, slow under a sustained peak."))
            => |s| &mut s.auto_release,
    } };
}

/// Hands `$cb` its arguments and a plugin's entries with the equaliser's sections between
/// them, in the order both plugins show them: `{ before } ` high-pass, low shelf, bells 1
/// to 3, `{ middle }`, high shelf, low-pass, `{ after }`. Both plugins' equalisers are the
/// same sections of `settings.eq`, declared here once.
#[doc(hidden)]
#[macro_export]
macro_rules! with_eq_sections {
    ($($cb:ident)::+ ! { $($head:tt)* } { $($before:tt)* } { $($middle:tt)* } { $($after:tt)* }) => {
        $($cb)::+ ! { $($head)* $($before)*
        [nested(id_prefix = "hp", group = "High-Pass")] high_pass: Group<$crate::spec::Pass>(
            $crate::spec::Group::new("HP", "high_pass"))
            => |s| &mut s.settings.eq.high_pass,
        [nested(id_prefix = "ls", group = "Low Shelf")] low_shelf: Group<$crate::spec::Band>(
            $crate::spec::Group::new("Low Shelf", "low_shelf"))
            => |s| &mut s.settings.eq.low_shelf,
        [nested(id_prefix = "b1", group = "Bell 1")] bell1: Group<$crate::spec::Band>(
            $crate::spec::Group::new("Bell 1", "bell_1"))
            => |s| &mut s.settings.eq.bells[0],
        [nested(id_prefix = "b2", group = "Bell 2")] bell2: Group<$crate::spec::Band>(
            $crate::spec::Group::new("Bell 2", "bell_2"))
            => |s| &mut s.settings.eq.bells[1],
        [nested(id_prefix = "b3", group = "Bell 3")] bell3: Group<$crate::spec::Band>(
            $crate::spec::Group::new("Bell 3", "bell_3"))
            => |s| &mut s.settings.eq.bells[2],
        $($middle)*
        [nested(id_prefix = "hs", group = "High Shelf")] high_shelf: Group<$crate::spec::Band>(
            $crate::spec::Group::new("High Shelf", "high_shelf"))
            => |s| &mut s.settings.eq.high_shelf,
        [nested(id_prefix = "lp", group = "Low-Pass")] low_pass: Group<$crate::spec::Pass>(
            $crate::spec::Group::new("LP", "low_pass"))
            => |s| &mut s.settings.eq.low_pass,
        $($after)*
        }
    };
}

/// Everything a user sets on a Stem Strip.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct StripSetup {
    /// The stem's role.
    pub role: StemRole,
    /// What the DSP runs.
    pub settings: StripSettings,
    /// The host's bypass.
    pub bypass: bool,
}

/// The Stem Strip's settings ([`StripSetup`]).
#[macro_export]
macro_rules! strip_settings {
    ($($cb:ident)::+ ! { $($args:tt)* }) => { $crate::with_eq_sections! { $($cb)::+ ! { $($args)* $crate::spec::StripSetup; } {
        [id = "role"] role: Choice<$crate::role::StemRole>($crate::spec::Pick::new("Role", "role",
            "What the stem is: sets its masking priorities and colour (a session file's role \
             wins over --role and the guess from the file name)."))
            => |s| &mut s.role,
        [id = "trim"] trim: Float($crate::spec::Float::new("Trim", "trim", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -24.0, max: 24.0 }, "Gain before everything."))
            => |s| &mut s.settings.trim_db,
        [id = "inv"] invert: Switch($crate::spec::Switch::new("Polarity Invert", "polarity_invert",
            "Inverts the input's polarity."))
            => |s| &mut s.settings.invert_polarity,
    } {} {
        [nested(id_prefix = "c", group = "Compressor")] comp: Group<$crate::spec::Comp>(
            $crate::spec::Group::new("Comp", "compressor"))
            => |s| &mut s.settings.compressor,
        [id = "width"] width: Float($crate::spec::Float::new("Width", "width",
            $crate::spec::Unit::Percent, $crate::spec::Range::Linear { min: 0.0, max: 2.0 },
            "Mid/side width: 0 % is mono, 100 % leaves the image alone, 200 % doubles the side."))
            => |s| &mut s.settings.width,
        [id = "out"] output: Float($crate::spec::Float::new("Output", "output", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -24.0, max: 24.0 }, "Gain after everything."))
            => |s| &mut s.settings.output_db,
        [id = "byp"] bypass: Bypass($crate::spec::Switch::new("Bypass", "",
            "The host's bypass: the output crossfades to the input over 10 ms."))
            => |s| &mut s.bypass,
    } } };
}

/// A Stem Master's loudness target: a delivery standard's loudness and ceiling, or the
/// user's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Target {
    /// Spotify, YouTube, Tidal, Amazon: -14 LUFS, -1 dBTP.
    #[default]
    Streaming,
    /// Apple Music: -16 LUFS, -1 dBTP.
    AppleMusic,
    /// EBU R128 broadcast: -23 LUFS, -1 dBTP.
    EbuR128,
    /// ATSC A/85: -24 LKFS, -2 dBTP.
    AtscA85,
    /// The Custom Target and Custom Ceiling settings.
    Custom,
}

impl Target {
    /// The delivery standard, `None` for Custom.
    pub fn preset(self) -> Option<TargetPreset> {
        match self {
            Target::Streaming => Some(TargetPreset::Streaming),
            Target::AppleMusic => Some(TargetPreset::AppleMusic),
            Target::EbuR128 => Some(TargetPreset::EbuR128),
            Target::AtscA85 => Some(TargetPreset::AtscA85),
            Target::Custom => None,
        }
    }
}

/// Everything a user sets on a Stem Master.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MasterSetup {
    /// What the DSP runs (the limiter's ceiling is the target's: see [`Self::resolved`]).
    pub settings: MasterSettings,
    pub target: Target,
    /// The Custom target's loudness, LUFS.
    pub custom_target_lufs: f32,
    /// The Custom target's ceiling, dBTP.
    pub custom_ceiling_dbtp: f32,
    /// Learn: measure the programme and set the gain that reaches the target.
    pub learn: bool,
}

impl Default for MasterSetup {
    fn default() -> Self {
        let settings = MasterSettings::default();
        Self {
            settings,
            target: Target::Streaming,
            custom_target_lufs: -14.0,
            custom_ceiling_dbtp: settings.limiter.ceiling_db,
            learn: false,
        }
    }
}

impl MasterSetup {
    /// The loudness target (LUFS) and true-peak ceiling (dBTP) in force.
    pub fn target_and_ceiling(&self) -> (f32, f32) {
        self.target
            .preset()
            .map(TargetPreset::lufs_and_ceiling)
            .unwrap_or((self.custom_target_lufs, self.custom_ceiling_dbtp))
    }

    /// What the DSP runs: the settings with the limiter's ceiling the target's.
    pub fn resolved(&self) -> MasterSettings {
        let mut s = self.settings;
        s.limiter.ceiling_db = self.target_and_ceiling().1;
        s
    }
}

/// The Stem Master's settings ([`MasterSetup`]).
#[macro_export]
macro_rules! master_settings {
    ($($cb:ident)::+ ! { $($args:tt)* }) => { $crate::with_eq_sections! { $($cb)::+ ! { $($args)* $crate::spec::MasterSetup; } {
        [id = "in"] input: Float($crate::spec::Float::new("Input", "input", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -24.0, max: 24.0 }, "Gain before everything."))
            => |s| &mut s.settings.input_db,
        [id = "tgt"] target: Choice<$crate::spec::Target>($crate::spec::Pick::new("Target", "target",
            "Loudness target and true-peak ceiling: a delivery standard's, or custom."))
            => |s| &mut s.target,
        [id = "tlufs"] custom_target: Float($crate::spec::Float::new("Custom Target", "custom_target",
            $crate::spec::Unit::Lufs, $crate::spec::Range::Linear { min: -36.0, max: -5.0 },
            "Integrated loudness to reach with target = custom."))
            => |s| &mut s.custom_target_lufs,
        [id = "tceil"] custom_ceiling: Float($crate::spec::Float::new("Custom Ceiling",
            "custom_ceiling", $crate::spec::Unit::Dbtp,
            $crate::spec::Range::Linear { min: -6.0, max: 0.0 },
            "True-peak ceiling with target = custom."))
            => |s| &mut s.custom_ceiling_dbtp,
        [id = "learn"] learn: Switch($crate::spec::Switch::new("Learn", "learn",
            "Measure the programme and set the gain that lands it on the target (in a session \
             file: learn in a first pass; on by default there)."))
            => |s| &mut s.learn,
    } {
        [id = "b1pl"] bell1_placement: Choice<$crate::eq::Placement>($crate::spec::Pick::new(
            "Bell 1 Placement", "bell_1.placement", "Where the bell acts: stereo, mid or side."))
            => |s| &mut s.settings.bell_placements[0],
        [id = "b2pl"] bell2_placement: Choice<$crate::eq::Placement>($crate::spec::Pick::new(
            "Bell 2 Placement", "bell_2.placement", "Where the bell acts: stereo, mid or side."))
            => |s| &mut s.settings.bell_placements[1],
        [id = "b3pl"] bell3_placement: Choice<$crate::eq::Placement>($crate::spec::Pick::new(
            "Bell 3 Placement", "bell_3.placement", "Where the bell acts: stereo, mid or side."))
            => |s| &mut s.settings.bell_placements[2],
    } {
        [nested(id_prefix = "g", group = "Glue Compressor")] glue: Group<$crate::spec::Comp>(
            $crate::spec::Group::new("Glue", "glue"))
            => |s| &mut s.settings.compressor,
        [id = "gauto"] glue_auto_release: Switch($crate::spec::Switch::new("Glue Auto Release",
            "glue.auto_release", "Program-dependent release of the glue compressor."))
            => |s| &mut s.settings.compressor_auto_release,
        [nested(id_prefix = "l", group = "Limiter")] limiter: Group<$crate::spec::Limiter>(
            $crate::spec::Group::new("Limiter", "limiter"))
            => |s| &mut s.settings.limiter,
        [id = "out"] output: Float($crate::spec::Float::new("Output", "output", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -12.0, max: 0.0 },
            "Gain after the limiter (at most 0 dB keeps the ceiling)."))
            => |s| &mut s.settings.output_db,
        [id = "dith"] dither: Choice<$crate::master::Dither>($crate::spec::Pick::new("Dither", "",
            "TPDF dither to an output word length (`stems render` dithers to its file's)."))
            => |s| &mut s.settings.dither,
        [id = "byp"] bypass: Bypass($crate::spec::Switch::new("Bypass", "",
            "The host's bypass: the input, delayed by the latency, crossfaded in."))
            => |s| &mut s.settings.bypass,
        [persist = "learned-gain"] learned_gain_db: Stored($crate::spec::Float::new("Learned Gain",
            "learned_gain", $crate::spec::Unit::Db,
            $crate::spec::Range::Linear { min: -30.0, max: 30.0 },
            "The gain a learn pass chose, before the limiter (used with learn = false)."))
            => |s| &mut s.settings.target_gain_db,
    } } };
}

/// Marker of the high- and low-pass filters' list.
pub struct Pass;
/// Marker of the bells' and shelves' list.
pub struct Band;
/// Marker of the compressors' list.
pub struct Comp;
/// Marker of the limiter's list.
pub struct Limiter;
/// Marker of the Stem Strip's list.
pub struct Strip;
/// Marker of the Stem Master's list.
pub struct Master;

pass_settings!(crate::spec_table! { Pass; });
band_settings!(crate::spec_table! { Band; });
comp_settings!(crate::spec_table! { Comp; });
limiter_settings!(crate::spec_table! { Limiter; });
strip_settings!(crate::spec_table! { Strip; });
master_settings!(crate::spec_table! { Master; });
