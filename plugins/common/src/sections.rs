//! Control panels both plugins' editors use: one framed column per EQ section (toggle,
//! frequency, gain and Q or slope) and the compressor panel with its gain-reduction meter.

use crate::meters;
use crate::params::{BandParams, CompParams, EqSections, PassParams, SlopeParam};
use crate::theme;
use crate::widgets::{column_slider, labeled, section_frame, slider, toggle};
use egui::{self, Ui};
use nice_plug::prelude::*;

/// One column of controls per EQ section, filling the available width: high-pass, low
/// shelf, bells 1 to 3, high shelf, low-pass, each in its [`theme::band_color`].
pub fn eq_columns(ui: &mut Ui, sections: &EqSections, setter: &ParamSetter) {
    let width = ui.available_width();
    // Seven framed columns: 12 px of frame margin each and the item spacing between them.
    let column = ((width - 6.0 * ui.spacing().item_spacing.x) / 7.0 - 16.0).max(80.0);
    ui.horizontal_top(|ui| {
        pass_column(ui, "High-Pass", sections.high_pass, setter, column, 0);
        for (i, (band, label)) in sections
            .bands
            .into_iter()
            .zip(["Low Shelf", "Bell 1", "Bell 2", "Bell 3", "High Shelf"])
            .enumerate()
        {
            band_column(ui, label, band, setter, column, i + 1);
        }
        pass_column(ui, "Low-Pass", sections.low_pass, setter, column, 6);
    });
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
                for s in (0..SlopeParam::variants().len()).map(SlopeParam::from_index) {
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
fn slope_text(s: SlopeParam) -> &'static str {
    SlopeParam::variants()[s.to_index()]
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

/// The compressor's framed panel: its on/off toggle titled `title`, threshold, ratio and
/// knee, attack, release and makeup, mix, side-chain high-pass and stereo link, and the
/// gain-reduction meter showing `gain_reduction_db` (positive dB; 0 while the compressor
/// is off).
pub fn compressor_panel(
    ui: &mut Ui,
    title: &str,
    comp: &CompParams,
    gain_reduction_db: f32,
    setter: &ParamSetter,
) {
    let w = 64.0;
    section_frame().show(ui, |ui| {
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                toggle(ui, &comp.enabled, setter, title, theme::ACCENT);
                labeled(ui, "Threshold", |ui| slider(ui, &comp.threshold, setter, w));
                labeled(ui, "Ratio", |ui| slider(ui, &comp.ratio, setter, w));
                labeled(ui, "Knee", |ui| slider(ui, &comp.knee, setter, w));
            });
            ui.vertical(|ui| {
                ui.add_space(24.0);
                labeled(ui, "Attack", |ui| slider(ui, &comp.attack, setter, w));
                labeled(ui, "Release", |ui| slider(ui, &comp.release, setter, w));
                labeled(ui, "Makeup", |ui| slider(ui, &comp.makeup, setter, w));
            });
            ui.vertical(|ui| {
                ui.add_space(24.0);
                labeled(ui, "Mix", |ui| slider(ui, &comp.mix, setter, w));
                labeled(ui, "SC HP", |ui| slider(ui, &comp.sidechain_hp, setter, w));
                labeled(ui, "Link", |ui| slider(ui, &comp.stereo_link, setter, w));
            });
            let gr = if comp.enabled.value() {
                gain_reduction_db
            } else {
                0.0
            };
            meters::gain_reduction_meter(ui, gr);
        });
    });
}
