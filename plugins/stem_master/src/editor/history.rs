//! The loudness history: short-term (bold) and momentary (thin) loudness over the last
//! minutes, the target with its ±1 LU band, and the limiter's gain reduction hanging from
//! the top in its own scale. The newest entry is at the right edge; a history shorter than
//! the longest span fills the width (at least [`MIN_SPAN`] entries are laid out, so the
//! first seconds do not stretch across the graph).

use crate::{History, Shared, HISTORY_SECONDS};
use egui::{
    self, pos2, vec2, Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Shape, Stroke, Ui,
};
use shared_dsp::snapshot::FLOOR_DB;
use std::sync::atomic::Ordering;
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// The longest span shown, entries (5 minutes); older entries scroll out on the left.
const MAX_SPAN: usize = 3000;
/// The shortest span laid out, entries (30 s).
const MIN_SPAN: usize = 300;
/// The loudness scale: LU above the target at the top, LU below it at the bottom.
const ABOVE_TARGET_LU: f32 = 6.0;
const BELOW_TARGET_LU: f32 = 24.0;
/// LU between labelled lines (a thinner grid line halves it).
const LABEL_STEP_LU: f32 = 6.0;
/// The gain-reduction scale: 0 dB at the top, this at the bottom, so each 3 dB falls on a
/// labelled loudness line.
const GR_RANGE_DB: f32 = 15.0;
/// Half the width of the band drawn around the target, LU.
const TARGET_BAND_LU: f32 = 1.0;
/// Room for the axes' labels: left (LUFS), right (GR), bottom (time), px.
const LEFT_AXIS: f32 = 34.0;
const RIGHT_AXIS: f32 = 30.0;
const BOTTOM_AXIS: f32 = 14.0;

const SHORT_TERM: Color32 = theme::ACCENT;
const MOMENTARY: Color32 = Color32::from_rgba_premultiplied(0x7a, 0x8c, 0x9c, 0xc0);
const GR_FILL: Color32 = Color32::from_rgba_premultiplied(0x66, 0x37, 0x29, 0x66);
const GR_EDGE: Color32 = Color32::from_rgba_premultiplied(0xc0, 0x68, 0x4c, 0xc0);
const TARGET_LINE: Color32 = theme::METER_OK;
const TARGET_BAND: Color32 = Color32::from_rgba_premultiplied(0x0a, 0x1c, 0x0b, 0x1c);

/// One column of the graph: what the entries drawn at one x position hold.
#[derive(Clone, Copy)]
struct Bucket {
    x: f32,
    momentary_min: f32,
    momentary_max: f32,
    shortterm: f32,
    reduction_db: f32,
}

/// Maps loudness, gain reduction and age to the plot.
struct Mapping {
    plot: Rect,
    top_lufs: f32,
    /// Entries laid out across the width.
    span: usize,
}

impl Mapping {
    fn y_of_lufs(&self, lufs: f32) -> f32 {
        let t = (self.top_lufs - lufs) / (ABOVE_TARGET_LU + BELOW_TARGET_LU);
        self.plot.top() + t.clamp(0.0, 1.0) * self.plot.height()
    }

    fn y_of_reduction(&self, db: f32) -> f32 {
        self.plot.top() + (db / GR_RANGE_DB).clamp(0.0, 1.0) * self.plot.height()
    }

    /// x of the entry `age` entries old (0 = newest, at the right edge).
    fn x_of_age(&self, age: f32) -> f32 {
        self.plot.right() - age / (self.span - 1) as f32 * self.plot.width()
    }
}

/// Draws the framed graph filling the rest of the editor.
pub fn show(ui: &mut Ui, shared: &Shared, target_lufs: f32) {
    let history = &shared.history;
    let len = history.len();
    let span = len.clamp(MIN_SPAN, MAX_SPAN);
    section_frame().show(ui, |ui| {
        let width = ui.available_width();
        header(ui, len.min(span));
        let height = ui.available_height().max(80.0);
        let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
        let painter = ui.painter_at(rect);
        let plot = Rect::from_min_max(
            rect.min + vec2(LEFT_AXIS, 7.0),
            rect.max - vec2(RIGHT_AXIS, BOTTOM_AXIS),
        );
        let map = Mapping {
            plot,
            top_lufs: target_lufs + ABOVE_TARGET_LU,
            span,
        };
        painter.rect_filled(plot, 4, theme::PLOT);
        grid(&painter, &map, target_lufs);
        // Without the loudness meters only the limiter's gain reduction is recorded.
        curves(&painter, &map, history, len.min(span));
        let note = if !shared.loudness_available.load(Ordering::Relaxed) {
            Some("No loudness history: the loudness meters are off at this sample rate")
        } else if len == 0 {
            Some("The history starts with the audio")
        } else {
            None
        };
        if let Some(text) = note {
            painter.text(
                plot.center(),
                Align2::CENTER_CENTER,
                text,
                FontId::proportional(12.0),
                theme::DIM,
            );
        }
    });
}

/// The title, the legend and the span shown.
fn header(ui: &mut Ui, shown: usize) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("LOUDNESS HISTORY").strong().color(theme::DIM));
        ui.add_space(12.0);
        legend(ui, SHORT_TERM, 2.5, "Short-term");
        legend(ui, MOMENTARY, 1.0, "Momentary");
        legend(ui, TARGET_LINE, 1.0, "Target ±1 LU");
        legend(ui, GR_EDGE, 6.0, "Limiter gain reduction");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let seconds = shown as f32 * HISTORY_SECONDS;
            ui.label(
                RichText::new(format!("last {}", minutes_seconds(seconds)))
                    .color(theme::DIM)
                    .size(11.0),
            );
        });
    });
}

/// A legend entry: a short line in `color`, `thickness` px, then `text`.
fn legend(ui: &mut Ui, color: Color32, thickness: f32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(vec2(16.0, 12.0), Sense::hover());
    ui.painter().line_segment(
        [rect.left_center(), rect.right_center()],
        Stroke::new(thickness, color),
    );
    ui.label(RichText::new(text).color(theme::DIM).size(11.0));
    ui.add_space(6.0);
}

/// "m:ss" for a number of seconds.
fn minutes_seconds(seconds: f32) -> String {
    let s = seconds.round() as u32;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Loudness lines and labels on the left, gain-reduction labels on the right, the target
/// band, and the time axis.
fn grid(painter: &egui::Painter, map: &Mapping, target_lufs: f32) {
    let plot = map.plot;
    let font = FontId::proportional(10.0);
    let steps = ((ABOVE_TARGET_LU + BELOW_TARGET_LU) / (LABEL_STEP_LU / 2.0)).round() as usize;
    for k in 0..=steps {
        let lufs = map.top_lufs - k as f32 * LABEL_STEP_LU / 2.0;
        let y = map.y_of_lufs(lufs);
        let labelled = k % 2 == 0;
        let stroke = if labelled {
            theme::GRID
        } else {
            theme::GRID.gamma_multiply(0.5)
        };
        painter.line_segment(
            [pos2(plot.left(), y), pos2(plot.right(), y)],
            Stroke::new(1.0, stroke),
        );
        // The bottom line's labels would collide with the scales' units below them.
        if labelled && k < steps {
            let is_target = (lufs - target_lufs).abs() < 0.01;
            painter.text(
                pos2(plot.left() - 5.0, y),
                Align2::RIGHT_CENTER,
                number(lufs),
                font.clone(),
                if is_target { TARGET_LINE } else { theme::DIM },
            );
            let gr = (map.top_lufs - lufs) / (ABOVE_TARGET_LU + BELOW_TARGET_LU) * GR_RANGE_DB;
            painter.text(
                pos2(plot.right() + 5.0, y),
                Align2::LEFT_CENTER,
                number(gr),
                font.clone(),
                GR_EDGE,
            );
        }
    }
    painter.text(
        pos2(plot.left() - 5.0, plot.bottom() + 2.0),
        Align2::RIGHT_TOP,
        "LUFS",
        font.clone(),
        theme::DIM,
    );
    painter.text(
        pos2(plot.right() + 5.0, plot.bottom() + 2.0),
        Align2::LEFT_TOP,
        "dB",
        font.clone(),
        GR_EDGE,
    );
    let band = Rect::from_x_y_ranges(
        plot.x_range(),
        map.y_of_lufs(target_lufs + TARGET_BAND_LU)..=map.y_of_lufs(target_lufs - TARGET_BAND_LU),
    );
    painter.rect_filled(band, 0, TARGET_BAND);
    // Time: a labelled line every `step` seconds back from now, at least 70 px apart.
    let span_seconds = (map.span - 1) as f32 * HISTORY_SECONDS;
    let step = [5.0, 10.0, 15.0, 30.0, 60.0, 120.0]
        .into_iter()
        .find(|s| s / span_seconds * plot.width() >= 70.0)
        .unwrap_or(300.0);
    let mut t = 0.0;
    while t <= span_seconds + 0.01 {
        let x = map.x_of_age(t / HISTORY_SECONDS);
        if t > 0.0 {
            painter.line_segment(
                [pos2(x, plot.top()), pos2(x, plot.bottom())],
                Stroke::new(1.0, theme::GRID.gamma_multiply(0.5)),
            );
        }
        // A label at the left edge would run into the loudness scale's unit.
        if x < plot.left() + 24.0 {
            break;
        }
        let label = if t == 0.0 {
            "now".to_owned()
        } else {
            format!("-{}", minutes_seconds(t))
        };
        painter.text(
            pos2(x, plot.bottom() + 2.0),
            if t == 0.0 {
                Align2::RIGHT_TOP
            } else {
                Align2::CENTER_TOP
            },
            label,
            font.clone(),
            theme::DIM,
        );
        t += step;
    }
}

/// A scale label: whole numbers without decimals.
fn number(v: f32) -> String {
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round() as i32)
    } else {
        format!("{v:.1}")
    }
}

/// The gain reduction, the target line, momentary and short-term loudness of the newest
/// `shown` entries.
fn curves(painter: &egui::Painter, map: &Mapping, history: &History, shown: usize) {
    let plot = map.plot;
    // Entries per x position: one per entry while they are at least a pixel apart.
    let per_bucket = ((map.span as f32 / plot.width()).ceil() as usize).max(1);
    let num_buckets = shown.div_ceil(per_bucket);
    let mut gr = egui::Mesh::default();
    gr.reserve_vertices(2 * num_buckets);
    gr.reserve_triangles(2 * num_buckets);
    let mut gr_edge = Vec::with_capacity(num_buckets);
    let mut momentary = Vec::with_capacity(2 * num_buckets);
    let mut shortterm = Vec::with_capacity(num_buckets);
    for k in 0..num_buckets {
        let first = k * per_bucket;
        let last = (first + per_bucket).min(shown);
        let Some(b) = bucket(map, history, first, last) else {
            continue;
        };
        let top = pos2(b.x, plot.top());
        let bottom = pos2(b.x, map.y_of_reduction(b.reduction_db));
        let i = gr.vertices.len() as u32;
        gr.colored_vertex(top, GR_FILL);
        gr.colored_vertex(bottom, GR_FILL);
        if i >= 2 {
            gr.add_triangle(i - 2, i - 1, i);
            gr.add_triangle(i - 1, i, i + 1);
        }
        gr_edge.push(bottom);
        if b.momentary_max > FLOOR_DB + 1.0 {
            momentary.push(pos2(b.x, map.y_of_lufs(b.momentary_max)));
            if per_bucket > 1 {
                momentary.push(pos2(b.x, map.y_of_lufs(b.momentary_min)));
            }
        } else {
            flush(painter, &mut momentary, Stroke::new(1.0, MOMENTARY));
        }
        if b.shortterm > FLOOR_DB + 1.0 {
            shortterm.push(pos2(b.x, map.y_of_lufs(b.shortterm)));
        } else {
            flush(painter, &mut shortterm, Stroke::new(2.5, SHORT_TERM));
        }
    }
    painter.add(Shape::mesh(gr));
    painter.add(Shape::line(gr_edge, Stroke::new(1.0, GR_EDGE)));
    let y = map.y_of_lufs(map.top_lufs - ABOVE_TARGET_LU);
    painter.line_segment(
        [pos2(plot.left(), y), pos2(plot.right(), y)],
        Stroke::new(1.0, TARGET_LINE.gamma_multiply(0.8)),
    );
    flush(painter, &mut momentary, Stroke::new(1.0, MOMENTARY));
    flush(painter, &mut shortterm, Stroke::new(2.5, SHORT_TERM));
}

/// Entries `first..last` (ages) as one bucket, or `None` when there are none.
fn bucket(map: &Mapping, history: &History, first: usize, last: usize) -> Option<Bucket> {
    let mut b = Bucket {
        x: map.x_of_age((first + last - 1) as f32 / 2.0),
        momentary_min: f32::INFINITY,
        momentary_max: f32::NEG_INFINITY,
        shortterm: f32::NEG_INFINITY,
        reduction_db: 0.0,
    };
    let mut any = false;
    for age in first..last {
        let Some(e) = history.get(age) else { break };
        any = true;
        b.momentary_min = b.momentary_min.min(e.momentary_lufs);
        b.momentary_max = b.momentary_max.max(e.momentary_lufs);
        b.shortterm = b.shortterm.max(e.shortterm_lufs);
        b.reduction_db = b.reduction_db.max(e.limiter_reduction_db);
    }
    any.then_some(b)
}

/// Draws the points gathered so far as one line and starts a new one (a gap in the
/// history: silence, or the meters off).
fn flush(painter: &egui::Painter, points: &mut Vec<Pos2>, stroke: Stroke) {
    if points.len() >= 2 {
        painter.add(Shape::line(std::mem::take(points), stroke));
    } else {
        points.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_minutes_and_seconds() {
        assert_eq!(minutes_seconds(0.0), "0:00");
        assert_eq!(minutes_seconds(59.6), "1:00");
        assert_eq!(minutes_seconds(125.0), "2:05");
    }

    #[test]
    fn scale_labels_drop_needless_decimals() {
        assert_eq!(number(-14.0), "-14");
        assert_eq!(number(-14.5), "-14.5");
        assert_eq!(number(3.0), "3");
    }

    #[test]
    fn each_3_db_of_reduction_falls_on_a_labelled_loudness_line() {
        let map = Mapping {
            plot: Rect::from_min_size(pos2(0.0, 0.0), vec2(600.0, 300.0)),
            top_lufs: -8.0,
            span: MIN_SPAN,
        };
        for k in 0..=5 {
            let db = 3.0 * k as f32;
            let lufs = -8.0 - LABEL_STEP_LU * k as f32;
            assert!((map.y_of_reduction(db) - map.y_of_lufs(lufs)).abs() < 1e-3);
        }
        // The newest entry at the right edge, the oldest laid out at the left.
        assert_eq!(map.x_of_age(0.0), 600.0);
        assert_eq!(map.x_of_age((MIN_SPAN - 1) as f32), 0.0);
    }
}
