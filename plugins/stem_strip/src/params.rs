//! Stem Strip's parameters. IDs are short and must never change once released: they key the
//! host's automation and saved state. The EQ and compressor groups and the parameter
//! builders are shared with the Stem Master (`stem_plugin_common::params`).

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use parking_lot::RwLock;
use shared_dsp::spec::StripSetup;
use shared_dsp::strip::StripSettings;
use std::ops::Deref;
use std::sync::Arc;
use stem_plugin_common::params::{BandParams, EqSections};

shared_dsp::strip_settings!(stem_plugin_common::plugin_params! {
    /// The Strip's host parameters, made from its settings list
    /// (`shared_dsp::strip_settings!`).
    pub StripControls;
});

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
    /// The host parameters (`params.trim` reaches them through `Deref`).
    #[nested]
    pub controls: StripControls,
}

impl Deref for StripParams {
    type Target = StripControls;

    fn deref(&self) -> &StripControls {
        &self.controls
    }
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
            controls: StripControls::new_in("", &mut StripSetup::default()),
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

    /// Everything the parameters set. Reads atomics only: safe on the audio thread.
    pub fn setup(&self) -> StripSetup {
        let mut s = StripSetup::default();
        self.controls.apply(&mut s);
        s
    }

    /// The DSP settings the parameters describe (without the Master's gain request).
    /// Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> StripSettings {
        self.setup().settings
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
