//! Stem Master's parameters. IDs are short and must never change once released: they key the
//! host's automation and saved state.

use atomic_float::AtomicF32;
use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use parking_lot::RwLock;
use shared_dsp::crossstem::CrossStemState;
use shared_dsp::eq::Placement;
use shared_dsp::limiter::{LimiterSettings, MAX_LOOKAHEAD_MS};
use shared_dsp::master::{Dither, MasterSettings, TargetPreset};
use std::sync::Arc;
use stem_plugin_common::params::{
    db_param, ms_param, BandParams, CompParams, EqSections, PassParams, ValueToString,
};

/// A loudness target: a delivery standard's integrated loudness and true-peak ceiling, or the
/// user's own.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetParam {
    /// Spotify, YouTube, Tidal, Amazon: -14 LUFS, -1 dBTP.
    #[id = "streaming"]
    #[name = "Streaming (-14 LUFS)"]
    Streaming,
    /// Apple Music: -16 LUFS, -1 dBTP.
    #[id = "apple"]
    #[name = "Apple Music (-16 LUFS)"]
    AppleMusic,
    /// EBU R128 broadcast: -23 LUFS, -1 dBTP.
    #[id = "ebu"]
    #[name = "EBU R128 (-23 LUFS)"]
    EbuR128,
    /// ATSC A/85: -24 LKFS, -2 dBTP.
    #[id = "atsc"]
    #[name = "ATSC A/85 (-24 LKFS)"]
    AtscA85,
    /// The Custom Target and Custom Ceiling parameters.
    #[id = "custom"]
    Custom,
}

impl TargetParam {
    /// Integrated loudness (LUFS) and true-peak ceiling (dBTP) of a preset; `None` for
    /// Custom.
    pub fn preset(self) -> Option<(f32, f32)> {
        let preset = match self {
            TargetParam::Streaming => TargetPreset::Streaming,
            TargetParam::AppleMusic => TargetPreset::AppleMusic,
            TargetParam::EbuR128 => TargetPreset::EbuR128,
            TargetParam::AtscA85 => TargetPreset::AtscA85,
            TargetParam::Custom => return None,
        };
        Some(preset.lufs_and_ceiling())
    }
}

/// Where a bell acts.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementParam {
    #[id = "st"]
    Stereo,
    #[id = "mid"]
    Mid,
    #[id = "side"]
    Side,
}

impl PlacementParam {
    /// The DSP crate's placement.
    pub fn placement(self) -> Placement {
        match self {
            PlacementParam::Stereo => Placement::Stereo,
            PlacementParam::Mid => Placement::Mid,
            PlacementParam::Side => Placement::Side,
        }
    }
}

/// Output word length for the dither.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DitherParam {
    #[id = "off"]
    Off,
    #[id = "16"]
    #[name = "16 bit"]
    Bits16,
    #[id = "24"]
    #[name = "24 bit"]
    Bits24,
}

impl DitherParam {
    fn dither(self) -> Dither {
        match self {
            DitherParam::Off => Dither::Off,
            DitherParam::Bits16 => Dither::Bits16,
            DitherParam::Bits24 => Dither::Bits24,
        }
    }
}

/// Formats a value with one decimal and `unit`, never as "-0.0".
fn v2s_tenths(unit: &'static str) -> ValueToString {
    Arc::new(move |v| {
        // Adding +0.0 turns a -0.0 that rounding left into 0.0.
        let tenths = (v * 10.0).round() / 10.0 + 0.0;
        format!("{tenths:.1} {unit}")
    })
}

/// The true-peak limiter.
#[derive(Params)]
pub struct LimiterParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "la"]
    pub lookahead: FloatParam,
    #[id = "rel"]
    pub release: FloatParam,
    #[id = "auto"]
    pub auto_release: BoolParam,
}

impl LimiterParams {
    fn new() -> Self {
        let d = LimiterSettings::default();
        Self {
            enabled: BoolParam::new("Limiter On", d.enabled),
            lookahead: ms_param("Limiter Lookahead", d.lookahead_ms, 0.1, MAX_LOOKAHEAD_MS)
                .with_step_size(0.01),
            release: ms_param("Limiter Release", d.release_ms, 1.0, 1000.0),
            auto_release: BoolParam::new("Limiter Auto Release", d.auto_release),
        }
    }
}

/// Everything the host sees and saves.
#[derive(Params)]
pub struct MasterParams {
    /// Editor size and open state (not saved: nice-plug-egui's state type is not persistable).
    pub editor_state: Arc<EguiEditorState>,
    /// The gain the last learn pass chose, dB: the target gain before the limiter. Saved with
    /// the project; changed by a learn pass (on the audio thread) or the editor's reset.
    #[persist = "learned-gain"]
    pub learned_gain_db: Arc<AtomicF32>,
    /// The Stem link group of this Master and its Strips (0 until the link thread first
    /// runs and draws a random one). Saved, so a reopened project finds its Strips again.
    #[persist = "group"]
    pub group: Arc<RwLock<u64>>,
    /// What the user set in the Stems view (reference balance, priorities, stem gains,
    /// drift tolerance). Written by the link thread; read back after a state load.
    #[persist = "stems"]
    pub stems: Arc<RwLock<CrossStemState>>,

    #[id = "in"]
    pub input: FloatParam,
    #[id = "tgt"]
    pub target: EnumParam<TargetParam>,
    #[id = "tlufs"]
    pub custom_target: FloatParam,
    #[id = "tceil"]
    pub custom_ceiling: FloatParam,
    /// While on, the programme's loudness is measured; on stop (or switching off) the
    /// learned gain is set so the output lands on the target.
    #[id = "learn"]
    pub learn: BoolParam,
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
    #[id = "b1pl"]
    pub bell1_placement: EnumParam<PlacementParam>,
    #[id = "b2pl"]
    pub bell2_placement: EnumParam<PlacementParam>,
    #[id = "b3pl"]
    pub bell3_placement: EnumParam<PlacementParam>,
    #[nested(id_prefix = "hs", group = "High Shelf")]
    pub high_shelf: BandParams,
    #[nested(id_prefix = "lp", group = "Low-Pass")]
    pub low_pass: PassParams,
    #[nested(id_prefix = "g", group = "Glue Compressor")]
    pub glue: CompParams,
    #[id = "gauto"]
    pub glue_auto_release: BoolParam,
    #[nested(id_prefix = "l", group = "Limiter")]
    pub limiter: LimiterParams,
    #[id = "out"]
    pub output: FloatParam,
    #[id = "dith"]
    pub dither: EnumParam<DitherParam>,
    #[id = "byp"]
    pub bypass: BoolParam,
}

impl Default for MasterParams {
    fn default() -> Self {
        let d = MasterSettings::default();
        Self {
            editor_state: EguiEditorState::from_size(
                nice_plug::editor::dpi::LogicalSize::new(1180.0, 760.0),
                1.0,
            ),
            learned_gain_db: Arc::new(AtomicF32::new(0.0)),
            group: Arc::new(RwLock::new(0)),
            stems: Arc::new(RwLock::new(CrossStemState::default())),
            input: db_param(
                "Input",
                0.0,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            ),
            target: EnumParam::new("Target", TargetParam::Streaming),
            custom_target: db_param(
                "Custom Target",
                -14.0,
                FloatRange::Linear {
                    min: -36.0,
                    max: -5.0,
                },
            )
            .with_value_to_string(v2s_tenths("LUFS"))
            .with_string_to_value(stem_plugin_common::params::s2v_number_with_unit(&[
                "lufs", "lkfs",
            ])),
            custom_ceiling: db_param(
                "Custom Ceiling",
                -1.0,
                FloatRange::Linear {
                    min: -6.0,
                    max: 0.0,
                },
            )
            .with_value_to_string(v2s_tenths("dBTP"))
            .with_string_to_value(stem_plugin_common::params::s2v_number_with_unit(&[
                "dbtp", "db",
            ])),
            learn: BoolParam::new("Learn", false),
            high_pass: PassParams::new("HP", 30.0),
            low_shelf: BandParams::new("Low Shelf", 100.0, 0.707),
            bell1: BandParams::new("Bell 1", 250.0, 1.0),
            bell2: BandParams::new("Bell 2", 1000.0, 1.0),
            bell3: BandParams::new("Bell 3", 4000.0, 1.0),
            bell1_placement: EnumParam::new("Bell 1 Placement", PlacementParam::Stereo),
            bell2_placement: EnumParam::new("Bell 2 Placement", PlacementParam::Stereo),
            bell3_placement: EnumParam::new("Bell 3 Placement", PlacementParam::Stereo),
            high_shelf: BandParams::new("High Shelf", 8000.0, 0.707),
            low_pass: PassParams::new("LP", 18_000.0),
            glue: CompParams::new("Glue"),
            glue_auto_release: BoolParam::new("Glue Auto Release", d.compressor_auto_release),
            limiter: LimiterParams::new(),
            output: db_param(
                "Output",
                0.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 0.0,
                },
            ),
            dither: EnumParam::new("Dither", DitherParam::Off),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
        }
    }
}

impl MasterParams {
    /// The EQ's sections, for the DSP settings and the EQ editor widgets.
    pub fn eq_sections(&self) -> EqSections<'_> {
        EqSections {
            high_pass: &self.high_pass,
            bands: [
                &self.low_shelf,
                &self.bell1,
                &self.bell2,
                &self.bell3,
                &self.high_shelf,
            ],
            low_pass: &self.low_pass,
        }
    }

    /// The loudness target (LUFS) and true-peak ceiling (dBTP) in force.
    pub fn target(&self) -> (f32, f32) {
        self.target
            .value()
            .preset()
            .unwrap_or((self.custom_target.value(), self.custom_ceiling.value()))
    }

    /// The DSP settings the parameters describe (the learned gain is the target gain before
    /// the limiter). Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> MasterSettings {
        let (_, ceiling_db) = self.target();
        let learned = self
            .learned_gain_db
            .load(std::sync::atomic::Ordering::Relaxed);
        MasterSettings {
            input_db: self.input.value(),
            target_gain_db: if learned.is_finite() { learned } else { 0.0 },
            eq: self.eq_sections().settings(),
            bell_placements: [
                self.bell1_placement.value().placement(),
                self.bell2_placement.value().placement(),
                self.bell3_placement.value().placement(),
            ],
            compressor: self.glue.settings(),
            compressor_auto_release: self.glue_auto_release.value(),
            limiter: LimiterSettings {
                enabled: self.limiter.enabled.value(),
                ceiling_db,
                lookahead_ms: self.limiter.lookahead.value(),
                release_ms: self.limiter.release.value(),
                auto_release: self.limiter.auto_release.value(),
            },
            output_db: self.output.value(),
            dither: self.dither.value().dither(),
            bypass: self.bypass.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_param_round_trips_through_text() {
        let params = MasterParams::default();
        for (id, ptr, _) in params.param_map() {
            for step in 0..=1000 {
                let normalized = step as f32 / 1000.0;
                // SAFETY: the pointers come from `param_map()` of a live `params`.
                unsafe {
                    let text = ptr.normalized_value_to_string(normalized, true);
                    let back = ptr
                        .string_to_normalized_value(&text)
                        .unwrap_or_else(|| panic!("{id}: {text:?} does not parse back"));
                    let again = ptr.normalized_value_to_string(back, true);
                    assert_eq!(text, again, "{id} at {normalized}");
                }
            }
        }
    }

    #[test]
    fn defaults_are_the_chains_defaults_with_the_streaming_target() {
        let s = MasterParams::default().settings();
        let d = MasterSettings::default();
        assert_eq!(s.limiter, d.limiter);
        assert_eq!(s.compressor, d.compressor);
        assert_eq!(s, d);
    }
}
