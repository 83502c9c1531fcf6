//! The chain's controls: the EQ's section columns, each bell with its placement under it,
//! then the glue compressor, the limiter and the output, left to right in signal order.

use crate::params::MasterParams;
use egui::{self, RichText, Ui};
use nice_plug::prelude::*;
use stem_plugin_common::meters::gain_reduction_meter_range;
use stem_plugin_common::sections::{compressor_panel_with, eq_columns_with};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::{enum_combo, labeled, section_frame, slider, toggle};

/// Width of the sliders in the dynamics panels, px (as the compressor panel's).
const SLIDER_WIDTH: f32 = 64.0;
/// Scale of the limiter's gain-reduction meter, dB.
const LIMITER_GR_RANGE_DB: f32 = 12.0;
/// Room right of an EQ column's sliders for their values, px: the widest ("18.0 kHz")
/// fits, so the columns keep their width whatever the values (they are narrower here than
/// in the Strip, beside the meters).
const VALUE_ROOM: f32 = 74.0;
/// A section frame's margins and edge on each side, px.
const FRAME_EDGES: f32 = 14.0;

/// The EQ's seven section columns; under each bell, where it acts (both channels, the mid
/// or the side).
pub fn eq_columns(ui: &mut Ui, params: &MasterParams, setter: &ParamSetter) {
    let placements = [
        ("b1pl", &params.bell1_placement),
        ("b2pl", &params.bell2_placement),
        ("b3pl", &params.bell3_placement),
    ];
    eq_columns_with(
        ui,
        &params.eq_sections(),
        setter,
        VALUE_ROOM,
        |ui, section, width| {
            // Sections 2 to 4 are the bells.
            if let Some((id, param)) = section.checked_sub(2).and_then(|i| placements.get(i)) {
                enum_combo(ui, id, param, setter, width - 6.0).on_hover_text(
                    "Where the bell acts: both channels (Stereo), the centre (Mid) or the \
                 difference (Side)",
                );
            }
        },
    );
}

/// The glue compressor, the limiter and the output panel (`output_width` px wide, flush
/// with the right edge), all as tall as the compressor's panel; `reductions_db` are the glue
/// compressor's and the limiter's gain reduction to show. Returns the row's height.
pub fn dynamics_row(
    ui: &mut Ui,
    params: &MasterParams,
    reductions_db: [f32; 2],
    setter: &ParamSetter,
    output_width: f32,
) -> f32 {
    let [glue_db, limiter_db] = reductions_db;
    ui.horizontal_top(|ui| {
        compressor_panel_with(ui, "GLUE", &params.glue, glue_db, setter, |ui| {
            toggle(
                ui,
                &params.glue_auto_release,
                setter,
                "AUTO RELEASE",
                theme::ACCENT,
            );
        });
        let height = ui.min_rect().height() - FRAME_EDGES;
        let gap = ui.spacing().item_spacing.x;
        let limiter_width = ui.available_width() - output_width - gap - FRAME_EDGES;
        limiter_panel(ui, params, limiter_db, setter, limiter_width, height);
        output_panel(ui, params, setter, output_width - FRAME_EDGES, height);
    })
    .response
    .rect
    .height()
}

/// The limiter: on/off, the ceiling the target sets, lookahead, release (greyed while the
/// automatic release runs) and its gain-reduction meter showing `reduction_db`.
fn limiter_panel(
    ui: &mut Ui,
    params: &MasterParams,
    reduction_db: f32,
    setter: &ParamSetter,
    width: f32,
    height: f32,
) {
    let l = &params.limiter;
    let (_, ceiling_db) = params.target();
    section_frame().show(ui, |ui| {
        ui.set_width(width);
        ui.set_min_height(height);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    toggle(ui, &l.enabled, setter, "LIMITER", theme::ACCENT);
                    toggle(ui, &l.auto_release, setter, "AUTO RELEASE", theme::ACCENT);
                });
                labeled(ui, "Ceiling", |ui| {
                    ui.label(
                        RichText::new(format!("{ceiling_db:.1} dBTP"))
                            .monospace()
                            .strong(),
                    );
                    ui.label(RichText::new("from target").color(theme::DIM).size(11.0))
                        .on_hover_text(
                            "The true-peak ceiling comes with the target; choose Custom to \
                             set one",
                        );
                });
                labeled(ui, "Lookahead", |ui| {
                    slider(ui, &l.lookahead, setter, SLIDER_WIDTH)
                });
                ui.add_enabled_ui(!l.auto_release.value(), |ui| {
                    labeled(ui, "Release", |ui| {
                        slider(ui, &l.release, setter, SLIDER_WIDTH)
                    });
                });
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                gain_reduction_meter_range(ui, reduction_db, LIMITER_GR_RANGE_DB);
            });
        });
    });
}

/// Output gain after the limiter, the dither's word length and the host's bypass.
fn output_panel(ui: &mut Ui, params: &MasterParams, setter: &ParamSetter, width: f32, height: f32) {
    section_frame().show(ui, |ui| {
        ui.set_width(width);
        ui.set_min_height(height);
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("OUTPUT").strong().color(theme::DIM));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    toggle(ui, &params.bypass, setter, "BYPASS", theme::WARN);
                });
            });
            labeled(ui, "Output", |ui| {
                slider(ui, &params.output, setter, SLIDER_WIDTH)
            });
            labeled(ui, "Dither", |ui| {
                enum_combo(ui, "dither", &params.dither, setter, SLIDER_WIDTH + 40.0)
                    .on_hover_text("TPDF dither to the delivery's word length");
            });
        });
    });
}
