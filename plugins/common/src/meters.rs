//! Meter widgets both plugins' editors use: peak bars with ballistics and a peak hold,
//! numeric readouts, the correlation bar and the gain-reduction bar.

use crate::theme;
use egui::{self, pos2, vec2, Color32, Rect, RichText, Sense, Ui};
use shared_dsp::snapshot::FLOOR_DB;

/// Lowest level a bar meter shows, dB.
pub const METER_FLOOR_DB: f32 = -60.0;

/// A bar meter's level and peak hold, kept by the GUI between frames.
#[derive(Default)]
pub struct Ballistics {
    level_db: f32,
    hold_db: f32,
    hold_age: u32,
}

impl Ballistics {
    /// Ballistics resting at the floor, so that nothing is held before a level arrives
    /// (the `Default` starts at 0 dB and holds that for its first 1.5 s).
    pub fn at_floor() -> Self {
        Self {
            level_db: METER_FLOOR_DB - 1.0,
            hold_db: METER_FLOOR_DB - 1.0,
            hold_age: 0,
        }
    }

    /// Takes this frame's level, dB: instant attack, 20 dB/s fall at about 30 frames a
    /// second; the peak holds 1.5 s.
    pub fn update(&mut self, db: f32) {
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

    /// The held peak, dB.
    pub fn hold_db(&self) -> f32 {
        self.hold_db
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

/// A level in dB with one decimal, or "-inf" at the floor ([`FLOOR_DB`]) and below.
pub fn text_db(db: f32) -> String {
    if db <= FLOOR_DB + 1.0 || !db.is_finite() {
        "-inf".to_owned()
    } else {
        format!("{db:.1}")
    }
}

/// A row: dim `label` on the left, `value` ([`text_db`]) and `unit` on the right. The
/// response senses clicks (for example to reset a held maximum).
pub fn readout(ui: &mut Ui, label: &str, value: f32, unit: &str) -> egui::Response {
    readout_text(ui, label, &text_db(value), unit, None)
}

/// A row like [`readout`], showing `value` as given, in `color` when one is given (for
/// example red for a true peak over the ceiling).
pub fn readout_text(
    ui: &mut Ui,
    label: &str,
    value: &str,
    unit: &str,
    color: Option<Color32>,
) -> egui::Response {
    ui.horizontal(|ui| {
        ui.label(RichText::new(label).color(theme::DIM).size(11.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(RichText::new(unit).color(theme::DIM).size(10.0));
            let text = RichText::new(value).monospace().strong();
            ui.label(match color {
                Some(c) => text.color(c),
                None => text,
            });
        });
    })
    .response
    .interact(Sense::click())
}

/// A vertical peak bar `width` × `height` px from [`METER_FLOOR_DB`] to 0 dB, coloured by
/// level, with its peak-hold line and ticks at -6, -12, -24 and -48 dB.
pub fn bar(ui: &mut Ui, b: &Ballistics, width: f32, height: f32) {
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

/// A horizontal correlation bar from -1 to +1, `width` px, with the value below it.
pub fn correlation_bar(ui: &mut Ui, value: f32, width: f32) {
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

/// A compressor's gain-reduction meter: a bar growing down from the top, 0 to 24 dB, with
/// `gain_reduction_db` (positive dB) below it.
pub fn gain_reduction_meter(ui: &mut Ui, gain_reduction_db: f32) {
    gain_reduction_meter_range(ui, gain_reduction_db, 24.0);
}

/// A gain-reduction meter like [`gain_reduction_meter`], its bar spanning 0 to `range_db`
/// (a limiter's few dB read better on a shorter scale than a compressor's).
pub fn gain_reduction_meter_range(ui: &mut Ui, gain_reduction_db: f32, range_db: f32) {
    let gr = gain_reduction_db;
    ui.vertical(|ui| {
        ui.label(RichText::new("GR").strong().color(theme::DIM));
        let (rect, _) = ui.allocate_exact_size(vec2(18.0, 84.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2, theme::PLOT);
        let h = rect.height() * (gr / range_db).clamp(0.0, 1.0);
        let fill = Rect::from_min_max(
            pos2(rect.left() + 2.0, rect.top()),
            pos2(rect.right() - 2.0, rect.top() + h),
        );
        painter.rect_filled(fill, 1, theme::WARN);
        ui.label(RichText::new(format!("{gr:.1}")).monospace().size(11.0));
    });
}

/// A horizontal gain-reduction bar filling the available width: `label` on the left, a bar
/// growing from the left over 0 to `range_db`, and `gain_reduction_db` (positive dB) on the
/// right.
pub fn reduction_bar(ui: &mut Ui, label: &str, gain_reduction_db: f32, range_db: f32) {
    const LABEL_WIDTH: f32 = 42.0;
    const VALUE_WIDTH: f32 = 52.0;
    let gr = gain_reduction_db.max(0.0);
    ui.horizontal(|ui| {
        let spacing = ui.spacing().item_spacing.x;
        let width = (ui.available_width() - LABEL_WIDTH - VALUE_WIDTH - 2.0 * spacing).max(20.0);
        ui.add_sized(
            [LABEL_WIDTH, 14.0],
            egui::Label::new(RichText::new(label).color(theme::DIM).size(11.0)),
        );
        let (rect, _) = ui.allocate_exact_size(vec2(width, 10.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2, theme::PLOT);
        let w = rect.width() * (gr / range_db).clamp(0.0, 1.0);
        let fill = Rect::from_min_size(rect.min, vec2(w, rect.height()));
        painter.rect_filled(fill.shrink2(vec2(0.0, 1.0)), 1, theme::WARN);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(RichText::new("dB").color(theme::DIM).size(10.0));
            ui.label(RichText::new(format!("{gr:.1}")).monospace().strong());
        });
    });
}
