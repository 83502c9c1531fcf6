//! The stems' spectra overlaid, each in its colour and switchable, with their sum, on the
//! frequency axis of the Strip's EQ view.

use super::{row_color, scale, title, Focus, StemsTab, GUTTER};
use egui::{
    self, pos2, vec2, Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Shape, Stroke, Ui,
};
use shared_dsp::crossstem::{CrossStemView, RowState};
use shared_dsp::format;
use stem_plugin_common::freq_axis::{self, MAX_HZ, MIN_HZ};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// The sum's line colour: brighter than any stem's.
const SUM_COLOR: Color32 = Color32::from_rgb(0xee, 0xf1, 0xf5);
/// Room right of the plot, px.
const RIGHT_PAD: f32 = 8.0;

/// Draws the panel, `height` px tall in all.
pub(super) fn show(
    tab: &mut StemsTab,
    ui: &mut Ui,
    cross: &CrossStemView,
    focus: Option<Focus>,
    height: f32,
) {
    section_frame().show(ui, |ui| {
        ui.set_width(ui.available_width());
        let top = ui.cursor().top();
        legend(tab, ui, cross);
        let used = ui.cursor().top() - top;
        // The frame's margins and stroke take 14 px of the height.
        let plot_height = (height - used - 14.0).max(80.0);
        plot(tab, ui, cross, focus, plot_height);
    });
}

/// The title and one switch per stem (and the sum).
fn legend(tab: &mut StemsTab, ui: &mut Ui, cross: &CrossStemView) {
    ui.horizontal(|ui| {
        title(ui, "SPECTRA");
        ui.label(
            RichText::new("short-term band levels, dB")
                .size(11.0)
                .color(theme::DIM),
        );
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.spacing_mut().item_spacing.x = 10.0;
            if chip(ui, "Sum", SUM_COLOR, !tab.sum_hidden).clicked() {
                tab.sum_hidden = !tab.sum_hidden;
            }
            for row in cross.rows.iter().rev() {
                if matches!(row.state, RowState::Gone { .. }) {
                    continue;
                }
                let shown = !tab.hidden.contains(&row.name);
                if chip(ui, &row.name, row_color(row), shown).clicked()
                    && !tab.hidden.remove(&row.name)
                {
                    tab.hidden.insert(row.name.clone());
                }
            }
        });
    });
}

/// A legend entry: a dot and the name, dimmed when its line is hidden. Click to switch.
fn chip(ui: &mut Ui, name: &str, color: Color32, shown: bool) -> egui::Response {
    let font = FontId::proportional(12.0);
    let text_color = if shown { color } else { theme::DIM };
    let galley = ui
        .painter()
        .layout_no_wrap(scale::short_name(name, 16), font, text_color);
    let size = vec2(galley.size().x + 14.0, 18.0);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    let c = pos2(rect.left() + 4.0, rect.center().y);
    if shown {
        ui.painter().circle_filled(c, 4.0, color);
    } else {
        ui.painter()
            .circle_stroke(c, 3.5, Stroke::new(1.0, color.gamma_multiply(0.6)));
    }
    ui.painter().galley(
        pos2(rect.left() + 13.0, rect.center().y - galley.size().y / 2.0),
        galley,
        text_color,
    );
    response.on_hover_text(if shown {
        format!("Click to hide {name}'s spectrum")
    } else {
        format!("Click to show {name}'s spectrum")
    })
}

fn plot(tab: &mut StemsTab, ui: &mut Ui, cross: &CrossStemView, focus: Option<Focus>, height: f32) {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let painter = ui.painter_at(rect);
    let plot = Rect::from_min_max(
        pos2(rect.left() + GUTTER, rect.top()),
        pos2(rect.right() - RIGHT_PAD, rect.bottom()),
    );
    painter.rect_filled(plot, 4, theme::PLOT);
    let inner = plot.shrink2(vec2(0.0, 6.0));
    let x_of = |hz: f32| freq_axis::x_of_hz(plot.left(), plot.width(), hz);

    let visible: Vec<_> = cross
        .rows
        .iter()
        .filter(|r| !matches!(r.state, RowState::Gone { .. }) && !tab.hidden.contains(&r.name))
        .collect();
    let loudest = visible
        .iter()
        .flat_map(|r| r.band_db.iter())
        .chain(cross.sum_band_db.iter().filter(|_| !tab.sum_hidden))
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let top_db = scale::spectrum_top(tab.spectrum_top_db, loudest);
    tab.spectrum_top_db = Some(top_db);
    let bottom_db = top_db - scale::SPECTRUM_SPAN_DB;
    let y_of = |db: f32| {
        let t = ((db - bottom_db) / scale::SPECTRUM_SPAN_DB).clamp(0.0, 1.0);
        inner.bottom() - t * inner.height()
    };

    // The chosen warning's band range, under everything else.
    for (lo_hz, hi_hz) in focus.iter().flat_map(|f| f.ranges()) {
        let (x0, x1) = scale::band_x_range(plot.left(), plot.width(), lo_hz, hi_hz);
        let band = Rect::from_x_y_ranges(x0..=x1, plot.y_range());
        painter.rect_filled(band, 0, theme::WARN.gamma_multiply(0.12));
        for x in [x0, x1] {
            painter.line_segment(
                [pos2(x, plot.top()), pos2(x, plot.bottom())],
                Stroke::new(1.0, theme::WARN.gamma_multiply(0.5)),
            );
        }
        painter.text(
            pos2((x0 + x1) / 2.0, plot.top() + 4.0),
            Align2::CENTER_TOP,
            format!("{} – {}", format::hz(lo_hz), format::hz(hi_hz)),
            FontId::proportional(11.0),
            theme::WARN,
        );
    }

    // Grid: decades and their halves across, 10 dB steps up.
    let font = FontId::proportional(10.0);
    for hz in freq_axis::GRID_HZ {
        let x = x_of(hz);
        painter.line_segment(
            [pos2(x, plot.top()), pos2(x, plot.bottom())],
            Stroke::new(1.0, theme::GRID),
        );
        // The last label sits left of its line, inside the plot.
        let (dx, align) = if hz >= MAX_HZ {
            (-3.0, Align2::RIGHT_BOTTOM)
        } else {
            (3.0, Align2::LEFT_BOTTOM)
        };
        painter.text(
            pos2(x + dx, plot.bottom() - 2.0),
            align,
            freq_axis::grid_label(hz),
            font.clone(),
            theme::DIM,
        );
    }
    let mut db = top_db;
    while db >= bottom_db {
        let y = y_of(db);
        painter.line_segment(
            [pos2(plot.left(), y), pos2(plot.right(), y)],
            Stroke::new(1.0, theme::GRID),
        );
        painter.text(
            pos2(plot.left() - 6.0, y),
            Align2::RIGHT_CENTER,
            scale::db_label(db),
            font.clone(),
            theme::DIM,
        );
        db -= 10.0;
    }

    let centers = &cross.band_centers_hz;
    let line = |band_db: &[f32]| -> Vec<Pos2> {
        let n = band_db.len().min(centers.len());
        if n == 0 {
            return Vec::new();
        }
        let mut points = Vec::with_capacity(n + 2);
        points.push(pos2(x_of(MIN_HZ), y_of(band_db[0])));
        points.extend((0..n).map(|b| pos2(x_of(centers[b]), y_of(band_db[b]))));
        points.push(pos2(x_of(MAX_HZ), y_of(band_db[n - 1])));
        points
    };
    // Stems not involved in the chosen warning recede; the two involved draw last, on top.
    let mut order: Vec<_> = visible.iter().collect();
    order.sort_by_key(|r| focus.is_some_and(|f| f.involves(r.id)));
    for row in order {
        let color = row_color(row);
        let (width, color) = match focus {
            Some(f) if f.involves(row.id) => (2.5, color),
            Some(_) => (1.2, color.gamma_multiply(0.3)),
            None if row.state == RowState::Live => (1.6, color.gamma_multiply(0.9)),
            None => (1.2, color.gamma_multiply(0.45)),
        };
        draw_line(
            &painter,
            &line(&row.band_db),
            Stroke::new(width, color),
            inner.bottom(),
        );
    }
    if !tab.sum_hidden {
        let color = if focus.is_some() {
            SUM_COLOR.gamma_multiply(0.5)
        } else {
            SUM_COLOR
        };
        painter.add(Shape::line(
            line(&cross.sum_band_db),
            Stroke::new(2.2, color),
        ));
    }

    // Where the pointer is: its frequency.
    if let Some(p) = response.hover_pos().filter(|p| plot.contains(*p)) {
        painter.line_segment(
            [pos2(p.x, plot.top()), pos2(p.x, plot.bottom())],
            Stroke::new(1.0, theme::DIM.gamma_multiply(0.6)),
        );
        let hz = freq_axis::hz_of_x(plot.left(), plot.width(), p.x);
        painter.text(
            pos2(plot.right() - 6.0, plot.top() + 4.0),
            Align2::RIGHT_TOP,
            format::hz(hz),
            FontId::monospace(11.0),
            Color32::LIGHT_GRAY,
        );
    }
}

/// Draws a spectrum's line, leaving out the stretches that lie on the plot's floor (a band
/// with nothing in it), so silent ranges do not pile up as lines along the bottom.
fn draw_line(painter: &egui::Painter, points: &[Pos2], stroke: Stroke, floor_y: f32) {
    let on_floor = |p: &Pos2| p.y >= floor_y - 0.5;
    let mut run: Vec<Pos2> = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        // A point on the floor is kept when a neighbour is above it (the line dives to it).
        let keep = !on_floor(p)
            || points.get(i.wrapping_sub(1)).is_some_and(|q| !on_floor(q))
            || points.get(i + 1).is_some_and(|q| !on_floor(q));
        if keep {
            run.push(*p);
        } else if !run.is_empty() {
            painter.add(Shape::line(std::mem::take(&mut run), stroke));
        }
    }
    if run.len() > 1 {
        painter.add(Shape::line(run, stroke));
    }
}
