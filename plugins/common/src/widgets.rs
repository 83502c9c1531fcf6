//! Small widgets both plugins' editors are built from: framed sections, on/off toggles,
//! parameter sliders (nice-plug-egui's `ParamSlider`: drag, double-click to reset,
//! click the value to type one) and labelled rows.

use crate::theme;
use egui::{self, Color32, RichText, Ui};
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;

/// The frame of a section panel: panel fill, rounded, with a thin edge.
pub fn section_frame() -> egui::Frame {
    egui::Frame::new()
        .fill(theme::PANEL)
        .corner_radius(6)
        .inner_margin(6)
        .stroke(egui::Stroke::new(1.0, theme::PANEL_EDGE))
}

/// A button that switches a [`BoolParam`], its label in `color` when on and dimmed when off.
pub fn toggle(ui: &mut Ui, param: &BoolParam, setter: &ParamSetter, label: &str, color: Color32) {
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

/// A parameter slider `width` wide, with its value text (click it to type a value).
pub fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter, width: f32) {
    ui.add(ParamSlider::for_param(param, setter).with_width(width));
}

/// A slider filling a column of `width`, leaving room for its value text.
pub fn column_slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter, width: f32) {
    slider(ui, param, setter, (width - 66.0).max(24.0));
}

/// A row: a dim label 56 px wide, then what `add` draws.
pub fn labeled(ui: &mut Ui, label: &str, add: impl FnOnce(&mut Ui)) {
    ui.horizontal(|ui| {
        ui.add_sized(
            [56.0, 18.0],
            egui::Label::new(RichText::new(label).color(theme::DIM).size(12.0)),
        );
        add(ui);
    });
}

/// A combo box `width` px wide choosing an [`EnumParam`]'s value, listing the variants by
/// their display names; `id` keeps it apart from other combo boxes. Returns the combo
/// box's response (for a hover text).
pub fn enum_combo<T: Enum + PartialEq + Copy + 'static>(
    ui: &mut Ui,
    id: &str,
    param: &EnumParam<T>,
    setter: &ParamSetter,
    width: f32,
) -> egui::Response {
    let current = param.value();
    let names = T::variants();
    egui::ComboBox::from_id_salt(id)
        .selected_text(names[current.to_index()])
        .width(width)
        .show_ui(ui, |ui| {
            for (i, name) in names.iter().enumerate() {
                let v = T::from_index(i);
                if ui.selectable_label(v == current, *name).clicked() && v != current {
                    setter.begin_set_parameter(param);
                    setter.set_parameter(param, v);
                    setter.end_set_parameter(param);
                }
            }
        })
        .response
}
