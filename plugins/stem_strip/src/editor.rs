//! Stem Strip's editor (egui): the EQ curve over the live output spectrum with draggable band
//! handles, the band, compressor and output controls, the meters, and the link status with
//! the verdicts a Stem Master left for this Strip.

use crate::link::LinkHub;
use crate::params::{BandParams, PassParams, RoleParam, StripParams};
use crate::Shared;
use egui::{self, Color32, RichText, Ui};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use shared_dsp::snapshot::StemName;
use std::sync::atomic::Ordering;
use std::sync::Arc;

mod eq_view;
mod link_panel;
mod meters;
mod theme;

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
    eq_view: eq_view::EqView,
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
            eq_view: eq_view::EqView::default(),
            meters: meters::MeterState::default(),
        }
    }

    fn set_name(&mut self, name: &str, from_user: bool) {
        *self.params.name.write() = name.to_owned();
        *self.params.name_from_user.write() = from_user;
        self.shared.name.store(StemName::new(name));
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
                        self.eq_view
                            .show(ui, &self.params, &self.shared, &setter, plot_height);
                        ui.add_space(6.0);
                        band_strip(ui, &self.params, &setter);
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
                .selected_text(role_label(role))
                .width(130.0)
                .show_ui(ui, |ui| {
                    for r in ROLES {
                        if ui.selectable_label(r == role, role_label(r)).clicked() {
                            setter.begin_set_parameter(&self.params.role);
                            setter.set_parameter(&self.params.role, r);
                            setter.end_set_parameter(&self.params.role);
                        }
                    }
                });
            ui.add_space(12.0);
            ui.label("Name");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.name_buffer)
                    .desired_width(180.0)
                    .char_limit(64)
                    .hint_text("track name"),
            );
            if edit.lost_focus() || (edit.changed() && !edit.has_focus()) {
                let name = self.name_buffer.trim().to_owned();
                let from_user = !name.is_empty();
                self.set_name(&name, from_user);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let rate = self.shared.sample_rate_hz.load(Ordering::Relaxed);
                if rate > 0.0 {
                    ui.label(RichText::new(format!("{:.1} kHz", rate / 1000.0)).color(theme::DIM));
                    ui.add_space(8.0);
                }
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    link_panel::status(ui, &self.link, &self.params, link_view);
                });
            });
        });
    }
}

const ROLES: [RoleParam; 7] = [
    RoleParam::Drums,
    RoleParam::Bass,
    RoleParam::Music,
    RoleParam::LeadVocal,
    RoleParam::BackingVocals,
    RoleParam::Fx,
    RoleParam::Other,
];

fn role_label(role: RoleParam) -> &'static str {
    role.role().label()
}

/// One column of controls per EQ section.
fn band_strip(ui: &mut Ui, params: &StripParams, setter: &ParamSetter) {
    let width = ui.available_width();
    // Seven framed columns: 12 px of frame margin each and the item spacing between them.
    let column = ((width - 6.0 * ui.spacing().item_spacing.x) / 7.0 - 16.0).max(80.0);
    ui.horizontal_top(|ui| {
        pass_column(ui, "High-Pass", &params.high_pass, setter, column, 0);
        for (i, (band, label)) in params
            .bands()
            .into_iter()
            .zip(["Low Shelf", "Bell 1", "Bell 2", "Bell 3", "High Shelf"])
            .enumerate()
        {
            band_column(ui, label, band, setter, column, i + 1);
        }
        pass_column(ui, "Low-Pass", &params.low_pass, setter, column, 6);
    });
}

fn section_frame() -> egui::Frame {
    egui::Frame::new()
        .fill(theme::PANEL)
        .corner_radius(6)
        .inner_margin(6)
        .stroke(egui::Stroke::new(1.0, theme::PANEL_EDGE))
}

fn toggle(ui: &mut Ui, param: &BoolParam, setter: &ParamSetter, label: &str, color: Color32) {
    let on = param.value();
    let text = RichText::new(label)
        .strong()
        .color(if on { color } else { theme::DIM });
    if ui
        .add(
            egui::Button::new(text)
                .selected(on)
                .min_size(egui::vec2(0.0, 18.0)),
        )
        .clicked()
    {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, !on);
        setter.end_set_parameter(param);
    }
}

fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter, width: f32) {
    ui.add(ParamSlider::for_param(param, setter).with_width(width));
}

/// A slider filling a column of `width`, leaving room for its value text.
fn column_slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter, width: f32) {
    slider(ui, param, setter, (width - 66.0).max(24.0));
}

/// One EQ section's column: its framed box with the on/off toggle and the frequency
/// slider, then what is particular to the section.
// NOTE: eight arguments, in the same order as its callers': the widget's parts, not state.
#[allow(clippy::too_many_arguments)]
fn eq_column(
    ui: &mut Ui,
    label: &str,
    enabled: &BoolParam,
    freq: &FloatParam,
    setter: &ParamSetter,
    width: f32,
    color: usize,
    rest: impl FnOnce(&mut Ui),
) {
    section_frame().show(ui, |ui| {
        ui.set_width(width);
        ui.vertical(|ui| {
            toggle(ui, enabled, setter, label, theme::band_color(color));
            column_slider(ui, freq, setter, width);
            rest(ui);
        });
    });
}

fn pass_column(
    ui: &mut Ui,
    label: &str,
    p: &PassParams,
    setter: &ParamSetter,
    width: f32,
    color: usize,
) {
    eq_column(ui, label, &p.enabled, &p.freq, setter, width, color, |ui| {
        let slope = p.slope.value();
        egui::ComboBox::from_id_salt(label)
            .selected_text(slope_text(slope))
            .width(width - 6.0)
            .show_ui(ui, |ui| {
                for s in (0..crate::params::SlopeParam::variants().len())
                    .map(crate::params::SlopeParam::from_index)
                {
                    if ui.selectable_label(s == slope, slope_text(s)).clicked() {
                        setter.begin_set_parameter(&p.slope);
                        setter.set_parameter(&p.slope, s);
                        setter.end_set_parameter(&p.slope);
                    }
                }
            });
    });
}

/// The slope's display name, as its `#[name]` attribute declares it.
fn slope_text(s: crate::params::SlopeParam) -> &'static str {
    crate::params::SlopeParam::variants()[s.to_index()]
}

fn band_column(
    ui: &mut Ui,
    label: &str,
    b: &BandParams,
    setter: &ParamSetter,
    width: f32,
    color: usize,
) {
    eq_column(ui, label, &b.enabled, &b.freq, setter, width, color, |ui| {
        column_slider(ui, &b.gain, setter, width);
        column_slider(ui, &b.q, setter, width);
    });
}

/// Trim, compressor and output.
fn dynamics_row(ui: &mut Ui, params: &StripParams, shared: &Shared, setter: &ParamSetter) {
    let w = 64.0;
    ui.horizontal_top(|ui| {
        section_frame().show(ui, |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    toggle(
                        ui,
                        &params.comp.enabled,
                        setter,
                        "COMPRESSOR",
                        theme::ACCENT,
                    );
                    labeled(ui, "Threshold", |ui| {
                        slider(ui, &params.comp.threshold, setter, w)
                    });
                    labeled(ui, "Ratio", |ui| slider(ui, &params.comp.ratio, setter, w));
                    labeled(ui, "Knee", |ui| slider(ui, &params.comp.knee, setter, w));
                });
                ui.vertical(|ui| {
                    ui.add_space(24.0);
                    labeled(ui, "Attack", |ui| {
                        slider(ui, &params.comp.attack, setter, w)
                    });
                    labeled(ui, "Release", |ui| {
                        slider(ui, &params.comp.release, setter, w)
                    });
                    labeled(ui, "Makeup", |ui| {
                        slider(ui, &params.comp.makeup, setter, w)
                    });
                });
                ui.vertical(|ui| {
                    ui.add_space(24.0);
                    labeled(ui, "Mix", |ui| slider(ui, &params.comp.mix, setter, w));
                    labeled(ui, "SC HP", |ui| {
                        slider(ui, &params.comp.sidechain_hp, setter, w)
                    });
                    labeled(ui, "Link", |ui| {
                        slider(ui, &params.comp.stereo_link, setter, w)
                    });
                });
                meters::gain_reduction_meter(ui, shared, params.comp.enabled.value());
            });
        });
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

fn labeled(ui: &mut Ui, label: &str, add: impl FnOnce(&mut Ui)) {
    ui.horizontal(|ui| {
        ui.add_sized(
            [56.0, 18.0],
            egui::Label::new(RichText::new(label).color(theme::DIM).size(12.0)),
        );
        add(ui);
    });
}
