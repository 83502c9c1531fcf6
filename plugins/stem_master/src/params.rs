//! Stem Master's parameters. IDs are short and must never change once released: they key the
//! host's automation and saved state.

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use parking_lot::RwLock;
use shared_dsp::crossstem::CrossStemState;
use shared_dsp::master::MasterSettings;
use shared_dsp::spec::MasterSetup;
use std::ops::Deref;
use std::sync::Arc;
use stem_plugin_common::params::EqSections;

shared_dsp::master_settings!(stem_plugin_common::plugin_params! {
    /// The Master's host parameters and its learned gain, made from its settings list
    /// (`shared_dsp::master_settings!`). The learned gain is the gain the last learn pass
    /// chose (the target gain before the limiter), saved with the project and changed by a
    /// learn pass (on the audio thread) or the editor's reset.
    pub MasterControls;
});

/// Everything the host sees and saves.
#[derive(Params)]
pub struct MasterParams {
    /// Editor size and open state (not saved: nice-plug-egui's state type is not persistable).
    pub editor_state: Arc<EguiEditorState>,
    /// The Stem link group of this Master and its Strips (0 until the link thread first
    /// runs and draws a random one). Saved, so a reopened project finds its Strips again.
    #[persist = "group"]
    pub group: Arc<RwLock<u64>>,
    /// What the user set in the Stems view (reference balance, priorities, stem gains,
    /// drift tolerance). Written by the link thread; read back after a state load.
    #[persist = "stems"]
    pub stems: Arc<RwLock<CrossStemState>>,
    /// The host parameters (`params.target` reaches them through `Deref`).
    #[nested]
    pub controls: MasterControls,
}

impl Deref for MasterParams {
    type Target = MasterControls;

    fn deref(&self) -> &MasterControls {
        &self.controls
    }
}

impl Default for MasterParams {
    fn default() -> Self {
        Self {
            editor_state: EguiEditorState::from_size(
                nice_plug::editor::dpi::LogicalSize::new(1180.0, 760.0),
                1.0,
            ),
            group: Arc::new(RwLock::new(0)),
            stems: Arc::new(RwLock::new(CrossStemState::default())),
            controls: MasterControls::new_in("", &mut MasterSetup::default()),
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

    /// Everything the parameters set. Reads atomics only: safe on the audio thread.
    pub fn setup(&self) -> MasterSetup {
        let mut s = MasterSetup::default();
        self.controls.apply(&mut s);
        s
    }

    /// The loudness target (LUFS) and true-peak ceiling (dBTP) in force.
    pub fn target(&self) -> (f32, f32) {
        self.setup().target_and_ceiling()
    }

    /// The DSP settings the parameters describe (the learned gain is the target gain before
    /// the limiter, the ceiling the target's). Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> MasterSettings {
        self.setup().resolved()
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
