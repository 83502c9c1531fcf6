//! The Strip's meter column: input and output peak bars, the loudness readouts and the
//! correlation bar, drawn with the shared meter widgets (`stem_plugin_common::meters`).

use crate::Shared;
use egui::{self, RichText, Ui};
use std::sync::atomic::Ordering;
use stem_plugin_common::meters::{bar, correlation_bar, readout, text_db, Ballistics};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// Peak-hold and ballistics the GUI keeps between frames.
#[derive(Default)]
pub struct MeterState {
    input: Ballistics,
    output: Ballistics,
    /// Highest true peak since the editor opened or the user clicked the readout.
    true_peak_max_db: Option<f32>,
}

impl MeterState {
    /// Draws the meter column.
    pub fn show(&mut self, ui: &mut Ui, shared: &Shared, width: f32) {
        let r = Ordering::Relaxed;
        self.input.update(shared.input_peak_db.load(r));
        self.output.update(shared.output_peak_db.load(r));
        section_frame().show(ui, |ui| {
            ui.set_width(width - 16.0);
            ui.vertical_centered(|ui| {
                ui.label(RichText::new("IN    OUT").strong().color(theme::DIM));
                ui.horizontal(|ui| {
                    ui.add_space((width - 14.0 - 2.0 * 22.0 - 8.0) / 2.0 - 4.0);
                    bar(ui, &self.input, 22.0, 170.0);
                    ui.add_space(8.0);
                    bar(ui, &self.output, 22.0, 170.0);
                });
                ui.horizontal(|ui| {
                    ui.add_space(10.0);
                    ui.label(
                        RichText::new(text_db(self.input.hold_db()))
                            .monospace()
                            .size(11.0),
                    );
                    ui.add_space(12.0);
                    ui.label(
                        RichText::new(text_db(self.output.hold_db()))
                            .monospace()
                            .size(11.0),
                    );
                });
            });
        });
        ui.add_space(6.0);
        section_frame().show(ui, |ui| {
            ui.set_width(width - 16.0);
            ui.label(RichText::new("LOUDNESS").strong().color(theme::DIM));
            let rate = shared.sample_rate_hz.load(r);
            if let Some(text) = shared.loudness_status().off_text(rate) {
                ui.label(RichText::new(text).color(theme::WARN).size(11.0));
            }
            readout(ui, "Momentary", shared.momentary_lufs.load(r), "LUFS");
            readout(ui, "Short-term", shared.shortterm_lufs.load(r), "LUFS");
            readout(ui, "Integrated", shared.integrated_lufs.load(r), "LUFS");
            let tp = shared.true_peak_db.load(r);
            let max = self.true_peak_max_db.map_or(tp, |m| m.max(tp));
            self.true_peak_max_db = Some(max);
            if readout(ui, "TP max", max, "dBTP")
                .on_hover_text("Highest true peak so far; click to reset")
                .clicked()
            {
                self.true_peak_max_db = None;
            }
            readout(ui, "RMS", shared.rms_db.load(r), "dB");
        });
        ui.add_space(6.0);
        section_frame().show(ui, |ui| {
            ui.set_width(width - 16.0);
            ui.label(RichText::new("CORRELATION").strong().color(theme::DIM));
            correlation_bar(ui, shared.correlation.load(r), width - 14.0);
        });
    }
}
