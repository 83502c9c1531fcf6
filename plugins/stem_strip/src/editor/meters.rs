//! Level, loudness, correlation and gain-reduction meters.

use super::theme;
use crate::Shared;
use egui::{self, pos2, vec2, Color32, Rect, RichText, Sense, Ui};
use shared_dsp::snapshot::FLOOR_DB;
use std::sync::atomic::Ordering;

/// Lowest level a bar meter shows, dB.
const METER_FLOOR_DB: f32 = -60.0;

/// Peak-hold and ballistics the GUI keeps between frames.
#[derive(Default)]
pub struct MeterState {
    input: Ballistics,
    output: Ballistics,
    /// Highest true peak since the editor opened or the user clicked the readout.
    true_peak_max_db: Option<f32>,
}

#[derive(Default)]
struct Ballistics {
    level_db: f32,
    hold_db: f32,
    hold_age: u32,
}

impl Ballistics {
    /// Instant attack, 20 dB/s fall at about 30 frames a second; the peak holds 1.5 s.
    fn update(&mut self, db: f32) {
        let db = db.max(METER_FLOOR_DB - 1.0);
        self.level_db = if db > self.level_db {
            db
        } else {
            (self.level_db - 0.7).max(db)
        };
        if db >= self.hold_db || self.hold_age > 45 {
            self.hold_db = db;
            self.hold_age = 0;
        } else {
            self.hold_age += 1;
        }
    }
}

fn fraction(db: f32) -> f32 {
    ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0)
}

fn level_color(db: f32) -> Color32 {
    if db > -0.1 {
        theme::METER_OVER
    } else if db > -6.0 {
        theme::METER_HOT
    } else {
        theme::METER_OK
    }
}

fn text_db(db: f32) -> String {
    if db <= FLOOR_DB + 1.0 || !db.is_finite() {
        "-inf".to_owned()
    } else {
        format!("{db:.1}")
    }
}

impl MeterState {
    /// Draws the meter column.
    pub fn show(&mut self, ui: &mut Ui, shared: &Shared, width: f32) {
        let r = Ordering::Relaxed;
        self.input.update(shared.input_peak_db.load(r));
        self.output.update(shared.output_peak_db.load(r));
        super::section_frame().show(ui, |ui| {
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
                        RichText::new(text_db(self.input.hold_db))
                            .monospace()
                            .size(11.0),
                    );
                    ui.add_space(12.0);
                    ui.label(
                        RichText::new(text_db(self.output.hold_db))
                            .monospace()
                            .size(11.0),
                    );
                });
            });
        });
        ui.add_space(6.0);
        super::section_frame().show(ui, |ui| {
            ui.set_width(width - 16.0);
            ui.label(RichText::new("LOUDNESS").strong().color(theme::DIM));
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
        super::section_frame().show(ui, |ui| {
            ui.set_width(width - 16.0);
            ui.label(RichText::new("CORRELATION").strong().color(theme::DIM));
            correlation_bar(ui, shared.correlation.load(r), width - 14.0);
        });
    }
}

fn readout(ui: &mut Ui, label: &str, value: f32, unit: &str) -> egui::Response {
    ui.horizontal(|ui| {
        ui.label(RichText::new(label).color(theme::DIM).size(11.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(RichText::new(unit).color(theme::DIM).size(10.0));
            ui.label(RichText::new(text_db(value)).monospace().strong());
        });
    })
    .response
    .interact(Sense::click())
}

fn bar(ui: &mut Ui, b: &Ballistics, width: f32, height: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2, theme::PLOT);
    let top = rect.bottom() - rect.height() * fraction(b.level_db);
    let fill = Rect::from_min_max(
        pos2(rect.left() + 2.0, top),
        pos2(rect.right() - 2.0, rect.bottom()),
    );
    painter.rect_filled(fill, 1, level_color(b.level_db));
    let hold_y = rect.bottom() - rect.height() * fraction(b.hold_db);
    painter.line_segment(
        [
            pos2(rect.left() + 2.0, hold_y),
            pos2(rect.right() - 2.0, hold_y),
        ],
        egui::Stroke::new(2.0, level_color(b.hold_db)),
    );
    for db in [-6.0, -12.0, -24.0, -48.0] {
        let y = rect.bottom() - rect.height() * fraction(db);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.left() + 4.0, y)],
            egui::Stroke::new(1.0, theme::DIM),
        );
    }
}

fn correlation_bar(ui: &mut Ui, value: f32, width: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, 14.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2, theme::PLOT);
    let centre = rect.center().x;
    let x = centre + value.clamp(-1.0, 1.0) * rect.width() / 2.0;
    let color = if value < 0.0 {
        theme::METER_OVER
    } else {
        theme::METER_OK
    };
    let fill = Rect::from_x_y_ranges(centre.min(x)..=centre.max(x), rect.y_range());
    painter.rect_filled(fill.shrink2(vec2(0.0, 2.0)), 1, color);
    painter.line_segment(
        [pos2(centre, rect.top()), pos2(centre, rect.bottom())],
        egui::Stroke::new(1.0, theme::DIM),
    );
    ui.horizontal(|ui| {
        ui.label(RichText::new("-1").size(10.0).color(theme::DIM));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(RichText::new("+1").size(10.0).color(theme::DIM));
            ui.add_space(width / 2.0 - 36.0);
            ui.label(RichText::new(format!("{value:+.2}")).monospace());
        });
    });
}

/// The compressor's gain-reduction meter: a bar growing down from the top, 0 to 24 dB.
pub fn gain_reduction_meter(ui: &mut Ui, shared: &Shared, enabled: bool) {
    let gr = if enabled {
        shared.gain_reduction_db.load(Ordering::Relaxed)
    } else {
        0.0
    };
    ui.vertical(|ui| {
        ui.label(RichText::new("GR").strong().color(theme::DIM));
        let (rect, _) = ui.allocate_exact_size(vec2(18.0, 84.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2, theme::PLOT);
        let h = rect.height() * (gr / 24.0).clamp(0.0, 1.0);
        let fill = Rect::from_min_max(
            pos2(rect.left() + 2.0, rect.top()),
            pos2(rect.right() - 2.0, rect.top() + h),
        );
        painter.rect_filled(fill, 1, theme::WARN);
        ui.label(RichText::new(format!("{gr:.1}")).monospace().size(11.0));
    });
}
