//! Stem Strip's parameters. IDs are short and must never change once released: they key the
//! host's automation and saved state.

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use parking_lot::RwLock;
use shared_dsp::dynamics::CompressorSettings;
use shared_dsp::eq::{BandSettings, EqSettings, FilterSlope, PassSettings};
use shared_dsp::role::StemRole;
use shared_dsp::strip::StripSettings;
use std::sync::Arc;

/// The stem's role, as a host parameter.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleParam {
    #[id = "drums"]
    Drums,
    #[id = "bass"]
    Bass,
    #[id = "music"]
    Music,
    #[id = "lead_vocal"]
    #[name = "Lead Vocal"]
    LeadVocal,
    #[id = "backing_vocals"]
    #[name = "Backing Vocals"]
    BackingVocals,
    #[id = "fx"]
    #[name = "FX"]
    Fx,
    #[id = "other"]
    Other,
}

impl RoleParam {
    /// The DSP crate's role.
    pub fn role(self) -> StemRole {
        match self {
            RoleParam::Drums => StemRole::Drums,
            RoleParam::Bass => StemRole::Bass,
            RoleParam::Music => StemRole::Music,
            RoleParam::LeadVocal => StemRole::LeadVocal,
            RoleParam::BackingVocals => StemRole::BackingVocals,
            RoleParam::Fx => StemRole::Fx,
            RoleParam::Other => StemRole::Other,
        }
    }
}

/// High- and low-pass slopes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeParam {
    #[id = "12"]
    #[name = "12 dB/oct"]
    Db12,
    #[id = "24"]
    #[name = "24 dB/oct"]
    Db24,
    #[id = "48"]
    #[name = "48 dB/oct"]
    Db48,
}

impl SlopeParam {
    fn slope(self) -> FilterSlope {
        match self {
            SlopeParam::Db12 => FilterSlope::Db12,
            SlopeParam::Db24 => FilterSlope::Db24,
            SlopeParam::Db48 => FilterSlope::Db48,
        }
    }
}

/// Range of every frequency control, Hz (logarithmic feel).
pub fn freq_range() -> FloatRange {
    FloatRange::Skewed {
        min: 20.0,
        max: 20_000.0,
        factor: FloatRange::skew_factor(-2.0),
    }
}

/// Range of every gain control in dB.
pub fn gain_range(limit_db: f32) -> FloatRange {
    FloatRange::Linear {
        min: -limit_db,
        max: limit_db,
    }
}

/// Range of a bell's or shelf's Q.
pub fn q_range() -> FloatRange {
    FloatRange::Skewed {
        min: 0.1,
        max: 10.0,
        factor: FloatRange::skew_factor(-1.5),
    }
}

/// Formats a parameter's plain value for display, as `FloatParam::with_value_to_string` takes it.
type ValueToString = Arc<dyn Fn(f32) -> String + Send + Sync>;

/// Parses typed text into a parameter's plain value (`None` rejects it), as
/// `FloatParam::with_string_to_value` takes it.
type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

fn v2s_db() -> ValueToString {
    Arc::new(|v| {
        format!("{v:+.1} dB")
            .replace("+0.0", "0.0")
            .replace("-0.0", "0.0")
    })
}

fn s2v_number_with_unit(units: &'static [&'static str]) -> StringToValue {
    Arc::new(move |s| {
        let mut t = s.trim().to_ascii_lowercase();
        for u in units {
            if let Some(stripped) = t.strip_suffix(u) {
                t = stripped.trim().to_owned();
                break;
            }
        }
        t.parse::<f32>().ok().filter(|v| v.is_finite())
    })
}

fn v2s_ms() -> ValueToString {
    Arc::new(|v| {
        if v < 10.0 {
            format!("{v:.2} ms")
        } else {
            format!("{v:.0} ms")
        }
    })
}

fn v2s_q() -> ValueToString {
    Arc::new(|v| format!("{v:.2}"))
}

fn float(name: &str, default: f32, range: FloatRange) -> FloatParam {
    FloatParam::new(name, default, range)
}

fn db_param(name: &str, default: f32, range: FloatRange) -> FloatParam {
    float(name, default, range)
        .with_step_size(0.1)
        .with_value_to_string(v2s_db())
        .with_string_to_value(s2v_number_with_unit(&["db"]))
}

fn hz_param(name: &str, default: f32) -> FloatParam {
    float(name, default, freq_range())
        .with_value_to_string(formatters::v2s_f32_hz_then_khz(1))
        .with_string_to_value(formatters::s2v_f32_hz_then_khz())
}

fn percent_param(name: &str, default: f32, max: f32) -> FloatParam {
    float(name, default, FloatRange::Linear { min: 0.0, max })
        .with_unit("%")
        .with_value_to_string(formatters::v2s_f32_percentage(0))
        .with_string_to_value(formatters::s2v_f32_percentage())
}

fn ms_param(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    float(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(v2s_ms())
    .with_string_to_value(s2v_number_with_unit(&["ms"]))
}

/// A high- or low-pass filter.
#[derive(Params)]
pub struct PassParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "f"]
    pub freq: FloatParam,
    #[id = "s"]
    pub slope: EnumParam<SlopeParam>,
}

impl PassParams {
    fn new(label: &str, freq_hz: f32) -> Self {
        Self {
            enabled: BoolParam::new(format!("{label} On"), false),
            freq: hz_param(&format!("{label} Freq"), freq_hz),
            slope: EnumParam::new(format!("{label} Slope"), SlopeParam::Db24),
        }
    }

    fn settings(&self) -> PassSettings {
        PassSettings {
            enabled: self.enabled.value(),
            freq_hz: self.freq.value(),
            slope: self.slope.value().slope(),
        }
    }
}

/// A bell or shelf.
#[derive(Params)]
pub struct BandParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "f"]
    pub freq: FloatParam,
    #[id = "g"]
    pub gain: FloatParam,
    #[id = "q"]
    pub q: FloatParam,
}

impl BandParams {
    fn new(label: &str, freq_hz: f32, q: f32) -> Self {
        Self {
            enabled: BoolParam::new(format!("{label} On"), false),
            freq: hz_param(&format!("{label} Freq"), freq_hz),
            gain: db_param(&format!("{label} Gain"), 0.0, gain_range(24.0)),
            q: float(&format!("{label} Q"), q, q_range())
                .with_value_to_string(v2s_q())
                .with_string_to_value(s2v_number_with_unit(&["q"])),
        }
    }

    fn settings(&self) -> BandSettings {
        BandSettings {
            enabled: self.enabled.value(),
            freq_hz: self.freq.value(),
            gain_db: self.gain.value(),
            q: self.q.value(),
        }
    }
}

/// The compressor.
#[derive(Params)]
pub struct CompParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "thr"]
    pub threshold: FloatParam,
    #[id = "rat"]
    pub ratio: FloatParam,
    #[id = "att"]
    pub attack: FloatParam,
    #[id = "rel"]
    pub release: FloatParam,
    #[id = "knee"]
    pub knee: FloatParam,
    #[id = "mk"]
    pub makeup: FloatParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "schp"]
    pub sidechain_hp: FloatParam,
    #[id = "link"]
    pub stereo_link: FloatParam,
}

impl CompParams {
    fn new() -> Self {
        Self {
            enabled: BoolParam::new("Comp On", false),
            threshold: db_param(
                "Comp Threshold",
                -18.0,
                FloatRange::Linear {
                    min: -60.0,
                    max: 0.0,
                },
            ),
            ratio: float(
                "Comp Ratio",
                2.0,
                FloatRange::Skewed {
                    min: 1.0,
                    max: 20.0,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_value_to_string(formatters::v2s_compression_ratio(1))
            .with_string_to_value(formatters::s2v_compression_ratio()),
            attack: ms_param("Comp Attack", 10.0, 0.1, 100.0),
            release: ms_param("Comp Release", 150.0, 10.0, 2000.0),
            knee: db_param(
                "Comp Knee",
                6.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 24.0,
                },
            ),
            makeup: db_param(
                "Comp Makeup",
                0.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 24.0,
                },
            ),
            mix: percent_param("Comp Mix", 1.0, 1.0),
            sidechain_hp: float(
                "Comp SC High-Pass",
                20.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 500.0,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_value_to_string(Arc::new(|v| {
                if v <= 20.0 {
                    "Off".to_owned()
                } else {
                    format!("{v:.0} Hz")
                }
            }))
            .with_string_to_value(Arc::new(|s| {
                if s.trim().eq_ignore_ascii_case("off") {
                    Some(20.0)
                } else {
                    s.trim()
                        .trim_end_matches(['H', 'h', 'z', 'Z', ' '])
                        .parse()
                        .ok()
                }
            })),
            stereo_link: percent_param("Comp Stereo Link", 1.0, 1.0),
        }
    }

    fn settings(&self) -> CompressorSettings {
        CompressorSettings {
            enabled: self.enabled.value(),
            threshold_db: self.threshold.value(),
            ratio: self.ratio.value(),
            attack_ms: self.attack.value(),
            release_ms: self.release.value(),
            knee_db: self.knee.value(),
            makeup_db: self.makeup.value(),
            mix: self.mix.value(),
            sidechain_hp_hz: self.sidechain_hp.value(),
            stereo_link: self.stereo_link.value(),
        }
    }
}

/// Everything the host sees and saves.
#[derive(Params)]
pub struct StripParams {
    /// Editor size and open state (not saved: nice-plug-egui's state type is not persistable).
    pub editor_state: Arc<EguiEditorState>,
    /// The stem's name: the host's track name unless the user typed one.
    #[persist = "name"]
    pub name: Arc<RwLock<String>>,
    /// Whether `name` was typed by the user (then the host's track name does not replace it).
    #[persist = "name-user"]
    pub name_from_user: Arc<RwLock<bool>>,
    /// The link group this Strip is bound to (0 = none yet).
    #[persist = "group"]
    pub group: Arc<RwLock<u64>>,

    #[id = "role"]
    pub role: EnumParam<RoleParam>,
    #[id = "trim"]
    pub trim: FloatParam,
    #[id = "inv"]
    pub invert: BoolParam,
    #[nested(id_prefix = "hp", group = "High-Pass")]
    pub high_pass: PassParams,
    #[nested(id_prefix = "ls", group = "Low Shelf")]
    pub low_shelf: BandParams,
    #[nested(id_prefix = "b1", group = "Bell 1")]
    pub bell1: BandParams,
    #[nested(id_prefix = "b2", group = "Bell 2")]
    pub bell2: BandParams,
    #[nested(id_prefix = "b3", group = "Bell 3")]
    pub bell3: BandParams,
    #[nested(id_prefix = "hs", group = "High Shelf")]
    pub high_shelf: BandParams,
    #[nested(id_prefix = "lp", group = "Low-Pass")]
    pub low_pass: PassParams,
    #[nested(id_prefix = "c", group = "Compressor")]
    pub comp: CompParams,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "out"]
    pub output: FloatParam,
}

impl Default for StripParams {
    fn default() -> Self {
        Self {
            editor_state: EguiEditorState::from_size(
                nice_plug::editor::dpi::LogicalSize::new(1120.0, 720.0),
                1.0,
            ),
            name: Arc::new(RwLock::new(String::new())),
            name_from_user: Arc::new(RwLock::new(false)),
            group: Arc::new(RwLock::new(0)),
            role: EnumParam::new("Role", RoleParam::Other),
            trim: db_param("Trim", 0.0, gain_range(24.0)),
            invert: BoolParam::new("Polarity Invert", false),
            high_pass: PassParams::new("HP", 30.0),
            low_shelf: BandParams::new("Low Shelf", 100.0, 0.707),
            bell1: BandParams::new("Bell 1", 250.0, 1.0),
            bell2: BandParams::new("Bell 2", 1000.0, 1.0),
            bell3: BandParams::new("Bell 3", 4000.0, 1.0),
            high_shelf: BandParams::new("High Shelf", 8000.0, 0.707),
            low_pass: PassParams::new("LP", 18_000.0),
            comp: CompParams::new(),
            width: percent_param("Width", 1.0, 2.0),
            output: db_param("Output", 0.0, gain_range(24.0)),
        }
    }
}

impl StripParams {
    /// The EQ bands in display order: low shelf, bells 1 to 3, high shelf.
    pub fn bands(&self) -> [&BandParams; 5] {
        [
            &self.low_shelf,
            &self.bell1,
            &self.bell2,
            &self.bell3,
            &self.high_shelf,
        ]
    }

    /// The DSP settings the parameters describe (without the Master's gain request).
    /// Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> StripSettings {
        StripSettings {
            trim_db: self.trim.value(),
            invert_polarity: self.invert.value(),
            eq: EqSettings {
                high_pass: self.high_pass.settings(),
                low_shelf: self.low_shelf.settings(),
                bells: [
                    self.bell1.settings(),
                    self.bell2.settings(),
                    self.bell3.settings(),
                ],
                high_shelf: self.high_shelf.settings(),
                low_pass: self.low_pass.settings(),
            },
            compressor: self.comp.settings(),
            width: self.width.value(),
            output_db: self.output.value(),
            gain_offset_db: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_float_param_round_trips_through_text() {
        let params = StripParams::default();
        for (id, ptr, _) in params.param_map() {
            // SAFETY: the pointers come from `param_map()` of a live `params`.
            unsafe {
                for normalized in [0.0, 0.13, 0.5, 0.77, 1.0] {
                    let text = ptr.normalized_value_to_string(normalized, true);
                    let back = ptr
                        .string_to_normalized_value(&text)
                        .unwrap_or_else(|| panic!("{id}: {text:?} does not parse back"));
                    let again = ptr.normalized_value_to_string(back, true);
                    assert_eq!(text, again, "{id}");
                }
            }
        }
    }

    #[test]
    fn defaults_are_neutral() {
        let s = StripParams::default().settings();
        assert_eq!(s, StripSettings::default());
    }
}
