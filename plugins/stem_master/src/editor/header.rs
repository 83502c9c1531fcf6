//! The editor's header: the title, the tabs and the latency; then the loudness target, the
//! input gain and Learn with what the last pass found.

use super::Tab;
use crate::params::MasterParams;
use crate::Shared;
use egui::{self, RichText, Ui};
use nice_plug::prelude::*;
use shared_dsp::format;
use shared_dsp::snapshot::FLOOR_DB;
use shared_dsp::spec::Target;
use std::sync::atomic::Ordering;
use stem_plugin_common::theme;
use stem_plugin_common::widgets::{enum_combo, slider, toggle};

/// Width of the header's sliders, px.
const SLIDER_WIDTH: f32 = 64.0;
/// Room kept for the "Reset gain" button after the learn status, px.
const RESET_BUTTON_WIDTH: f32 = 90.0;

/// The title, the tabs, and on the right the sample rate, the latency and whether the
/// loudness meters run.
pub fn title_row(ui: &mut Ui, tab: &mut Tab, shared: &Shared) {
    ui.horizontal(|ui| {
        ui.label(
            RichText::new("STEM MASTER")
                .strong()
                .size(18.0)
                .color(theme::ACCENT),
        );
        ui.add_space(16.0);
        for (t, name) in [(Tab::Master, "Master"), (Tab::Stems, "Stems")] {
            let text = RichText::new(name).strong().color(if *tab == t {
                theme::ACCENT
            } else {
                theme::DIM
            });
            if ui
                .add(
                    egui::Button::new(text)
                        .selected(*tab == t)
                        .min_size(egui::vec2(64.0, 20.0)),
                )
                .clicked()
            {
                *tab = t;
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let r = Ordering::Relaxed;
            let rate = shared.sample_rate_hz.load(r);
            if rate > 0.0 {
                ui.label(RichText::new(format::hz(rate)).color(theme::DIM));
                ui.add_space(8.0);
                let samples = shared.latency_samples.load(r);
                ui.label(
                    RichText::new(format!(
                        "Latency {:.2} ms ({samples} samples)",
                        samples as f32 / rate * 1000.0
                    ))
                    .color(theme::DIM),
                )
                .on_hover_text("The limiter's lookahead and detector, reported to the host");
                if !shared.loudness_available.load(r) {
                    ui.add_space(8.0);
                    ui.label(
                        RichText::new(format!("Loudness meters off at {rate:.0} Hz"))
                            .color(theme::WARN),
                    )
                    .on_hover_text(
                        "The loudness meters and Learn run from 8 kHz to 768 kHz; the audio \
                         is processed at any rate",
                    );
                }
            }
        });
    });
}

/// The target preset (and the custom target and ceiling), the input gain, the Learn switch
/// and what learn did, and the control that forgets the learned gain.
pub fn target_row(ui: &mut Ui, params: &MasterParams, shared: &Shared, setter: &ParamSetter) {
    ui.horizontal(|ui| {
        dim(ui, "Target");
        enum_combo(ui, "target", &params.target, setter, 170.0);
        if params.target.value().0 == Target::Custom {
            slider(ui, &params.custom_target, setter, SLIDER_WIDTH);
            dim(ui, "Ceiling");
            slider(ui, &params.custom_ceiling, setter, SLIDER_WIDTH);
        }
        ui.add_space(14.0);
        dim(ui, "Input");
        slider(ui, &params.input, setter, SLIDER_WIDTH);
        ui.add_space(14.0);
        toggle(ui, &params.learn, setter, "LEARN", theme::METER_HOT);
        learn_status(ui, params, shared);
    });
}

fn dim(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(theme::DIM));
}

/// What learn is doing or did, and a control that sets the learned gain back to 0 dB.
fn learn_status(ui: &mut Ui, params: &MasterParams, shared: &Shared) {
    let r = Ordering::Relaxed;
    let learned_db = params.learned_gain_db.load(r);
    if shared.learning.load(r) {
        let measured = shared.learn_input_lufs.load(r);
        let text = if measured > FLOOR_DB + 1.0 {
            format!("Learning… measured {measured:.1} LUFS")
        } else {
            "Learning… waiting for the programme".to_owned()
        };
        ui.label(RichText::new(text).color(theme::METER_HOT));
        return;
    }
    if params.learn.value() && !shared.loudness_available.load(r) {
        ui.label(
            RichText::new("Learn needs the loudness meters, off at this sample rate")
                .color(theme::WARN),
        );
        return;
    }
    let input_lufs = shared.last_learn_input_lufs.load(r);
    let (first, second) = if input_lufs.is_finite() {
        let loss = shared.last_learn_loss_lu.load(r);
        let landed = shared.last_learn_landed_lu.load(r);
        (
            format!("Learned {learned_db:+.1} dB from {input_lufs:.1} LUFS (limiter takes {loss:.1} LU)"),
            Some(format!("last pass landed {landed:+.1} LU from target")),
        )
    } else if learned_db != 0.0 {
        (format!("Learned gain {learned_db:+.1} dB"), None)
    } else {
        (
            "Learn: play the programme with Learn on, then switch it off or stop".to_owned(),
            None,
        )
    };
    let color = if learned_db != 0.0 {
        egui::Color32::LIGHT_GRAY
    } else {
        theme::DIM
    };
    let hover = "Learn measures the programme at the limiter's input and sets the input gain \
                 that lands the output on the target, counting what the limiter will take";
    let font = egui::FontId::proportional(12.0);
    let line = match &second {
        Some(second) => format!("{first}; {second}"),
        None => first.clone(),
    };
    let line_width = ui
        .painter()
        .layout_no_wrap(line.clone(), font.clone(), color)
        .size()
        .x;
    // Room for the reset button after the text.
    if line_width <= ui.available_width() - RESET_BUTTON_WIDTH {
        ui.label(RichText::new(line).font(font).color(color))
            .on_hover_text(hover);
    } else {
        // Too long for the rest of the row (a custom target's controls take room): two
        // lines, smaller.
        ui.vertical(|ui| {
            ui.spacing_mut().item_spacing.y = 0.0;
            for text in std::iter::once(first).chain(second) {
                ui.label(RichText::new(text).size(11.0).color(color))
                    .on_hover_text(hover);
            }
        });
    }
    if learned_db != 0.0
        && ui
            .small_button("Reset gain")
            .on_hover_text("Set the learned gain back to 0 dB")
            .clicked()
    {
        params.learned_gain_db.store(0.0, r);
        // The last pass's figures described the gain just forgotten.
        for v in [
            &shared.last_learn_input_lufs,
            &shared.last_learn_loss_lu,
            &shared.last_learn_landed_lu,
        ] {
            v.store(f32::NAN, r);
        }
    }
}
