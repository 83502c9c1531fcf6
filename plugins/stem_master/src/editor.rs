//! Stem Master's editor (egui).

use crate::params::MasterParams;
use crate::Shared;
use egui::{self, Ui};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use std::sync::Arc;
use stem_plugin_common::theme;

/// The editor type the plugin exports.
pub type MasterEditor = EguiEditor<MasterApp>;

/// Builds the editor.
pub fn create(params: Arc<MasterParams>, shared: Arc<Shared>) -> Option<MasterEditor> {
    let settings = EguiNiceSettings::new().with_resize_hint(
        ResizeHint::resizable().with_min_max_logical_size(
            Some(LogicalSize::new(900.0, 600.0)),
            Some(LogicalSize::new(2400.0, 1600.0)),
        ),
    );
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        settings,
        MasterApp {
            params,
            shared,
            context: None,
        },
    )
}

/// The editor's state.
pub struct MasterApp {
    params: Arc<MasterParams>,
    shared: Arc<Shared>,
    context: Option<GuiContext>,
}

impl NiceEguiApp for MasterApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui_context: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        self.context = Some(gui_context);
        Ok(())
    }

    fn editor_closed(&mut self) {
        self.context = None;
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        let _ = (&self.params, &self.shared);
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(theme::BACKGROUND).inner_margin(10))
            .show(ui, |ui| {
                ui.label("Stem Master");
            });
    }
}
