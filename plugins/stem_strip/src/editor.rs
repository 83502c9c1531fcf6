//! Stem Strip's editor (egui): the EQ curve over the live output spectrum with draggable band
//! handles, the band, compressor and output controls, the meters, and the link status with
//! the verdicts a Stem Master left for this Strip.

use crate::link::LinkHub;
use crate::params::StripParams;
use crate::Shared;
use egui::{self, RichText, Ui};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::format;
use shared_dsp::role::StemRole;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use stem_plugin_common::eq_view::EqView;
use stem_plugin_common::params::Choice;
use stem_plugin_common::sections::{compressor_panel, eq_columns};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::{labeled, section_frame, slider, toggle};

mod link_panel;
mod meters;

/// The editor type the plugin exports.
pub type StripEditor = EguiEditor<StripApp>;

/// Builds the editor.
pub fn create(
    params: Arc<StripParams>,
    shared: Arc<Shared>,
    link: Arc<LinkHub>,
) -> Option<StripEditor> {
    let settings = EguiNiceSettings::new().with_resize_hint(
        ResizeHint::resizable().with_min_max_logical_size(
            Some(LogicalSize::new(820.0, 560.0)),
            Some(LogicalSize::new(2400.0, 1600.0)),
        ),
    );
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        settings,
        StripApp::new(params, shared, link),
    )
}

/// The editor's state.
pub struct StripApp {
    params: Arc<StripParams>,
    shared: Arc<Shared>,
    link: Arc<LinkHub>,
    context: Option<GuiContext>,
    name_buffer: String,
    eq_view: EqView,
    meters: meters::MeterState,
}

impl StripApp {
    fn new(params: Arc<StripParams>, shared: Arc<Shared>, link: Arc<LinkHub>) -> Self {
        let name_buffer = params.name.read().clone();
        Self {
            params,
            shared,
            link,
            context: None,
            name_buffer,
            eq_view: EqView::default(),
            meters: meters::MeterState::default(),
        }
    }

    /// Sets the persisted name; the link thread passes it on to what the Strip publishes
    /// within one of its ticks (it is the one writer of `Shared::name` while active).
    fn set_name(&mut self, name: &str, from_user: bool) {
        *self.params.name.write() = name.to_owned();
        *self.params.name_from_user.write() = from_user;
    }
}

impl NiceEguiApp for StripApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui_context: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        self.name_buffer = self.params.name.read().clone();
        self.context = Some(gui_context);
        Ok(())
    }

    fn track_info_changed(&mut self, info: TrackInfo) {
        self.shared.set_host_track_color(info.color().map(|c| {
            let (r, g, b, a) = c.rgba();
            [r, g, b, a]
        }));
        let user_named = *self.params.name_from_user.read();
        if !user_named && !info.name().is_empty() {
            let name = info.name().to_owned();
            self.name_buffer = name.clone();
            self.set_name(&name, false);
        }
    }

    fn editor_closed(&mut self) {
        self.context = None;
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(context) = self.context.clone() else {
            return;
        };
        let setter = context.param_setter();
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
        if self.shared.name_dirty.swap(false, Ordering::Relaxed) {
            self.name_buffer = self.params.name.read().clone();
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(theme::BACKGROUND).inner_margin(10))
            .show(ui, |ui| {
                let link_view = self.link.view();
                self.header(ui, &setter, &link_view);
                link_panel::verdicts(ui, &self.shared, &link_view);
                ui.add_space(6.0);
                let meter_width = 150.0;
                let full = ui.available_size();
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(
                            full.x - meter_width - 2.0 * ui.spacing().item_spacing.x - 4.0,
                        );
                        let plot_height = (full.y - 262.0).max(220.0);
                        let band_db: [[f32; NUM_BANDS]; 2] = std::array::from_fn(|ch| {
                            std::array::from_fn(|b| {
                                self.shared.band_db[ch][b].load(Ordering::Relaxed)
                            })
                        });
                        self.eq_view.show(
                            ui,
                            &self.params.eq_sections(),
                            &band_db,
                            self.shared.sample_rate_hz.load(Ordering::Relaxed),
                            &setter,
                            plot_height,
                        );
                        ui.add_space(6.0);
                        eq_columns(ui, &self.params.eq_sections(), &setter);
                        ui.add_space(6.0);
                        dynamics_row(ui, &self.params, &self.shared, &setter);
                    });
                    ui.vertical(|ui| {
                        ui.set_width(meter_width);
                        self.meters.show(ui, &self.shared, meter_width);
                    });
                });
            });
    }
}

impl StripApp {
    fn header(&mut self, ui: &mut Ui, setter: &ParamSetter, link_view: &crate::link::LinkView) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("STEM STRIP")
                    .strong()
                    .size(18.0)
                    .color(theme::ACCENT),
            );
            ui.add_space(16.0);
            ui.label("Role");
            let role = self.params.role.value();
            egui::ComboBox::from_id_salt("role")
                .selected_text(role.0.label())
                .width(130.0)
                .show_ui(ui, |ui| {
                    for r in StemRole::ALL.map(Choice) {
                        if ui.selectable_label(r == role, r.0.label()).clicked() {
                            setter.begin_set_parameter(&self.params.role);
                            setter.set_parameter(&self.params.role, r);
                            setter.end_set_parameter(&self.params.role);
                        }
                    }
                });
            ui.add_space(12.0);
            ui.label("Name");
            // Unnamed by the host and the user, the Strip goes by its fallback ("Music 2").
            let hint = self
                .shared
                .fallback_name
                .load()
                .map(|n| n.as_str().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "track name".to_owned());
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.name_buffer)
                    .desired_width(180.0)
                    .char_limit(64)
                    .hint_text(hint),
            );
            if edit.lost_focus() || (edit.changed() && !edit.has_focus()) {
                let name = self.name_buffer.trim().to_owned();
                let from_user = !name.is_empty();
                self.set_name(&name, from_user);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let rate = self.shared.sample_rate_hz.load(Ordering::Relaxed);
                if rate > 0.0 {
                    ui.label(RichText::new(format::hz(rate)).color(theme::DIM));
                    ui.add_space(8.0);
                }
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    link_panel::status(ui, &self.link, &self.params, link_view);
                });
            });
        });
    }
}

/// Trim, compressor and output.
fn dynamics_row(ui: &mut Ui, params: &StripParams, shared: &Shared, setter: &ParamSetter) {
    let w = 64.0;
    ui.horizontal_top(|ui| {
        let gain_reduction_db = shared.gain_reduction_db.load(Ordering::Relaxed);
        compressor_panel(ui, "COMPRESSOR", &params.comp, gain_reduction_db, setter);
        section_frame().show(ui, |ui| {
            ui.vertical(|ui| {
                toggle(ui, &params.invert, setter, "Ø POLARITY", theme::WARN);
                labeled(ui, "Trim", |ui| slider(ui, &params.trim, setter, w));
                labeled(ui, "Width", |ui| slider(ui, &params.width, setter, w));
                labeled(ui, "Output", |ui| slider(ui, &params.output, setter, w));
            });
        });
    });
}
