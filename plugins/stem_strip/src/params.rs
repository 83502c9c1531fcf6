//! Stem Strip's parameters. IDs are short and must never change once released: they key the
//! host's automation and saved state. The EQ and compressor groups and the parameter
//! builders are shared with the Stem Master (`stem_plugin_common::params`).

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use parking_lot::RwLock;
use shared_dsp::role::StemRole;
use shared_dsp::strip::StripSettings;
use std::sync::Arc;
use stem_plugin_common::params::{
    db_param, gain_range, percent_param, BandParams, CompParams, EqSections, PassParams,
};

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
    /// The number of this Strip's fallback name ("Music 2") while neither the host nor the
    /// user names it: chosen once, the lowest its group's other Strips of the role do not
    /// show (0 = not chosen yet), then kept with the project (see `link::fallback_name`).
    #[persist = "auto-number"]
    pub auto_number: Arc<RwLock<u32>>,

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
    /// The host's bypass (flagged for hosts to wire to their bypass button): the output
    /// crossfades to the input over 10 ms (see `shared_dsp::strip::Strip::set_bypass`).
    #[id = "byp"]
    pub bypass: BoolParam,
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
            auto_number: Arc::new(RwLock::new(0)),
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
            comp: CompParams::new("Comp"),
            width: percent_param("Width", 1.0, 2.0),
            output: db_param("Output", 0.0, gain_range(24.0)),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
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

    /// The EQ's seven sections, for the shared EQ widgets.
    pub fn eq_sections(&self) -> EqSections<'_> {
        EqSections {
            high_pass: &self.high_pass,
            bands: self.bands(),
            low_pass: &self.low_pass,
        }
    }

    /// The DSP settings the parameters describe (without the Master's gain request).
    /// Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> StripSettings {
        StripSettings {
            trim_db: self.trim.value(),
            invert_polarity: self.invert.value(),
            eq: self.eq_sections().settings(),
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

    /// Every parameter, at every normalised value in steps of 0.001: value → text → value
    /// → text gives the same text (the text is a fixed point of parse-then-print), so what a
    /// user types back is what they saw, and a host's text round trip does not drift.
    #[test]
    fn every_param_round_trips_through_text() {
        let params = StripParams::default();
        let mut failures = Vec::new();
        for (id, ptr, _) in params.param_map() {
            for step in 0..=1000 {
                let normalized = step as f32 / 1000.0;
                // SAFETY: the pointers come from `param_map()` of a live `params`.
                let (text, again) = unsafe {
                    let text = ptr.normalized_value_to_string(normalized, true);
                    let Some(back) = ptr.string_to_normalized_value(&text) else {
                        failures.push(format!("{id} at {normalized}: {text:?} does not parse"));
                        continue;
                    };
                    (text, ptr.normalized_value_to_string(back, true))
                };
                if text != again {
                    failures.push(format!("{id} at {normalized}: {text:?} -> {again:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn bypass_is_the_host_bypass() {
        let params = StripParams::default();
        assert!(params.bypass.flags().contains(ParamFlags::BYPASS));
        let bypass_params = params
            .param_map()
            .into_iter()
            // SAFETY: the pointers come from `param_map()` of a live `params`.
            .filter(|(_, ptr, _)| unsafe { ptr.flags() }.contains(ParamFlags::BYPASS))
            .map(|(id, _, _)| id)
            .collect::<Vec<_>>();
        assert_eq!(bypass_params, ["byp"]);
    }

    #[test]
    fn defaults_are_neutral() {
        let s = StripParams::default().settings();
        assert_eq!(s, StripSettings::default());
    }
}
