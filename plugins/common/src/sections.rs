//! Control panels both plugins' editors use: one framed column per EQ section (toggle,
//! frequency, gain and Q or slope) and the compressor panel with its gain-reduction meter.

use crate::meters;
use crate::params::{BandParams, Choice, CompParams, EqSections, PassParams};
use crate::theme;
use crate::widgets::{labeled, section_frame, slider, toggle};
use egui::{self, Ui};
use nice_plug::prelude::*;
use shared_dsp::eq::FilterSlope;
use shared_dsp::spec::Choice as _;

/// Room an EQ column keeps right of its sliders for their value text, px ([`eq_columns`]).
pub const VALUE_ROOM: f32 = 66.0;

/// One column of controls per EQ section, filling the available width: high-pass, low
/// shelf, bells 1 to 3, high shelf, low-pass, each in its [`theme::band_color`].
pub fn eq_columns(ui: &mut Ui, sections: &EqSections, setter: &ParamSetter) {
    eq_columns_with(ui, sections, setter, VALUE_ROOM, |_, _, _| {});
}

/// [`eq_columns`], keeping `value_room` px right of each slider for its value text (a
/// value wider than that widens its column), with `below(ui, section, width)` drawing more
/// controls at the bottom of each column (`section` 0 is the high-pass, 1 the low shelf, 2
/// to 4 the bells, 5 the high shelf, 6 the low-pass; `width` the column's inner width): for
/// example the Stem Master's bell placements.
pub fn eq_columns_with(
    ui: &mut Ui,
    sections: &EqSections,
    setter: &ParamSetter,
    value_room: f32,
    mut below: impl FnMut(&mut Ui, usize, f32),
) {
    let width = ui.available_width();
    // Seven framed columns: 12 px of frame margin each and the item spacing between them.
    let column = ((width - 6.0 * ui.spacing().item_spacing.x) / 7.0 - 16.0).max(80.0);
    let at = |section| Column {
        width: column,
        slider_width: (column - value_room).max(24.0),
        section,
    };
    ui.horizontal_top(|ui| {
        pass_column(
            ui,
            "High-Pass",
            sections.high_pass,
            setter,
            at(0),
            &mut below,
        );
        for (i, (band, label)) in sections
            .bands
            .into_iter()
            .zip(["Low Shelf", "Bell 1", "Bell 2", "Bell 3", "High Shelf"])
            .enumerate()
        {
            band_column(ui, label, band, setter, at(i + 1), &mut below);
        }
        pass_column(ui, "Low-Pass", sections.low_pass, setter, at(6), &mut below);
    });
}

/// An EQ column's geometry and which section it shows.
#[derive(Clone, Copy)]
struct Column {
    /// Inner width, px.
    width: f32,
    /// Width of its sliders, px.
    slider_width: f32,
    /// The section (0 high-pass to 6 low-pass), which also picks its colour.
    section: usize,
}

/// What [`eq_columns_with`] draws at the bottom of a column.
type Below<'a> = &'a mut dyn FnMut(&mut Ui, usize, f32);

/// One EQ section's column: its framed box with the on/off toggle and the frequency
/// slider, then what is particular to the section, then what the caller adds below.
// NOTE: eight arguments, in the same order as its callers': the widget's parts, not state.
#[allow(clippy::too_many_arguments)]
fn eq_column(
    ui: &mut Ui,
    label: &str,
    enabled: &BoolParam,
    freq: &FloatParam,
    setter: &ParamSetter,
    col: Column,
    below: Below,
    rest: impl FnOnce(&mut Ui),
) {
    section_frame().show(ui, |ui| {
        ui.set_width(col.width);
        ui.vertical(|ui| {
            toggle(ui, enabled, setter, label, theme::band_color(col.section));
            slider(ui, freq, setter, col.slider_width);
            rest(ui);
            below(ui, col.section, col.width);
        });
    });
}

fn pass_column(
    ui: &mut Ui,
    label: &str,
    p: &PassParams,
    setter: &ParamSetter,
    col: Column,
    below: Below,
) {
    eq_column(ui, label, &p.enabled, &p.freq, setter, col, below, |ui| {
        let slope = p.slope.value();
        egui::ComboBox::from_id_salt(label)
            .selected_text(slope_text(slope))
            .width(col.width - 6.0)
            .show_ui(ui, |ui| {
                for s in FilterSlope::ALL.iter().map(|s| Choice(*s)) {
                    if ui.selectable_label(s == slope, slope_text(s)).clicked() {
                        setter.begin_set_parameter(&p.slope);
                        setter.set_parameter(&p.slope, s);
                        setter.end_set_parameter(&p.slope);
                    }
                }
            });
    });
}

/// The slope's display name, as its choice table declares it.
fn slope_text(s: Choice<FilterSlope>) -> &'static str {
    s.0.name()
}

fn band_column(
    ui: &mut Ui,
    label: &str,
    b: &BandParams,
    setter: &ParamSetter,
    col: Column,
    below: Below,
) {
    eq_column(ui, label, &b.enabled, &b.freq, setter, col, below, |ui| {
        slider(ui, &b.gain, setter, col.slider_width);
        slider(ui, &b.q, setter, col.slider_width);
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
    compressor_panel_with(ui, title, comp, gain_reduction_db, setter, |_| {});
}

/// [`compressor_panel`], with `timing_header` drawn in the title's row above the attack,
/// release and makeup sliders (for example the Stem Master's program-dependent release
/// switch).
pub fn compressor_panel_with(
    ui: &mut Ui,
    title: &str,
    comp: &CompParams,
    gain_reduction_db: f32,
    setter: &ParamSetter,
    timing_header: impl FnOnce(&mut Ui),
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
                let top = ui.cursor().top();
                timing_header(ui);
                let used = ui.cursor().top() - top;
                ui.add_space((24.0 - used).max(0.0));
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
