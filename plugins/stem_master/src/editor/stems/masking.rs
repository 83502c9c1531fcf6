//! The masking heatmap (stems × bands, on the spectra's frequency axis) and the
//! maskee-by-masker severity matrix.

use super::{row_color, scale, title, Focus, StemsTab, GUTTER};
use egui::{self, pos2, vec2, Align2, FontId, Rect, RichText, Sense, Stroke, Ui};
use shared_dsp::bands::BandLayout;
use shared_dsp::crossstem::{CrossStemView, RowState, StemRow};
use shared_dsp::format;
use shared_dsp::masking::{MaskingConfig, StemReport};
use stem_plugin_common::freq_axis;
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// Height of a heatmap row, px.
const CELL_H: f32 = 17.0;
/// Height of the frequency labels under the heatmap, px.
const AXIS_H: f32 = 15.0;
/// Height of a panel's title row, px.
const TITLE_H: f32 = 22.0;
/// The frame's margins and stroke, px.
const FRAME_H: f32 = 14.0;
/// Room right of the plot (as the spectra's), px.
const RIGHT_PAD: f32 = 8.0;
/// Severity matrix: names column, cell size range and height, px.
const SEV_NAMES: f32 = 96.0;
const SEV_CELL_W: (f32, f32) = (44.0, 84.0);
const SEV_CELL_H: f32 = 22.0;

/// The rows the masking panels show: stems the engine reports on, in the balance's order.
fn rows_with_reports(cross: &CrossStemView) -> Vec<(&StemRow, &StemReport)> {
    cross
        .rows
        .iter()
        .filter_map(|r| {
            let report = cross.masking.stems.iter().find(|s| s.id == r.id)?;
            Some((r, report))
        })
        .collect()
}

/// The heatmap panel's height, px (its rows are fixed; the spectra take the rest).
pub(super) fn heatmap_height(cross: &CrossStemView) -> f32 {
    let n = rows_with_reports(cross).len().max(1);
    FRAME_H + TITLE_H + n as f32 * CELL_H + AXIS_H + 4.0
}

/// Draws the heatmap: the share of the window (or of all time) each band of each stem was
/// masked.
pub(super) fn heatmap(
    tab: &mut StemsTab,
    ui: &mut Ui,
    cross: &CrossStemView,
    focus: Option<Focus>,
) {
    let rows = rows_with_reports(cross);
    section_frame().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.set_height(TITLE_H - 4.0);
            title(ui, "MASKING");
            let what = if tab.heatmap_history {
                "share of all observed time each band was masked".to_owned()
            } else {
                format!(
                    "share of the last {:.0} s each band was masked",
                    MaskingConfig::default().window_s
                )
            };
            ui.label(RichText::new(what).size(11.0).color(theme::DIM));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.spacing_mut().item_spacing.x = 2.0;
                for (history, name, hover) in [
                    (
                        true,
                        "History",
                        "How often each band was masked since the stem appeared",
                    ),
                    (
                        false,
                        "Window",
                        "How much of the last few seconds each band was masked",
                    ),
                ] {
                    let on = tab.heatmap_history == history;
                    let text = RichText::new(name).size(11.0).color(if on {
                        theme::ACCENT
                    } else {
                        theme::DIM
                    });
                    if ui
                        .add(
                            egui::Button::new(text)
                                .selected(on)
                                .min_size(vec2(0.0, 16.0)),
                        )
                        .on_hover_text(hover)
                        .clicked()
                    {
                        tab.heatmap_history = history;
                    }
                }
                ui.add_space(8.0);
                legend_ramp(ui);
            });
        });
        let height = rows.len().max(1) as f32 * CELL_H + AXIS_H;
        let (rect, response) =
            ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
        let painter = ui.painter_at(rect);
        let plot = Rect::from_min_max(
            pos2(rect.left() + GUTTER, rect.top()),
            pos2(rect.right() - RIGHT_PAD, rect.bottom() - AXIS_H),
        );
        painter.rect_filled(plot, 2, theme::PLOT);
        if rows.is_empty() {
            painter.text(
                plot.center(),
                Align2::CENTER_CENTER,
                "No masking analysis yet",
                FontId::proportional(12.0),
                theme::DIM,
            );
            return;
        }
        let layout = BandLayout::standard();
        let x_of = |hz: f32| freq_axis::x_of_hz(plot.left(), plot.width(), hz);
        for (k, (row, report)) in rows.iter().enumerate() {
            let y = plot.top() + k as f32 * CELL_H;
            let live = row.state == RowState::Live;
            let name_color = if live { row_color(row) } else { theme::DIM };
            let focused = focus.is_some_and(|f| f.maskee_id == row.id);
            let label = scale::short_name(&row.name, 12);
            painter.text(
                pos2(rect.left() + 2.0, y + CELL_H / 2.0),
                Align2::LEFT_CENTER,
                label,
                if focused {
                    FontId::proportional(12.5)
                } else {
                    FontId::proportional(12.0)
                },
                name_color,
            );
            for (b, band) in report
                .bands
                .iter()
                .enumerate()
                .take(layout.centers_hz.len())
            {
                let share = if tab.heatmap_history {
                    band.history_share
                } else {
                    band.masked_share
                };
                let cell = Rect::from_min_max(
                    pos2(x_of(layout.edges_hz[b]), y + 1.0),
                    pos2(x_of(layout.edges_hz[b + 1]) - 1.0, y + CELL_H - 1.0),
                );
                let color = scale::share_color(share);
                painter.rect_filled(
                    cell,
                    1,
                    if live {
                        color
                    } else {
                        color.gamma_multiply(0.4)
                    },
                );
            }
        }
        for f in focus.iter() {
            for (lo_hz, hi_hz) in f.ranges() {
                let (x0, x1) = scale::band_x_range(plot.left(), plot.width(), lo_hz, hi_hz);
                painter.rect_filled(
                    Rect::from_x_y_ranges(x0..=x1, plot.y_range()),
                    0,
                    theme::WARN.gamma_multiply(0.08),
                );
                if let Some(k) = rows.iter().position(|(r, _)| r.id == f.maskee_id) {
                    let y = plot.top() + k as f32 * CELL_H;
                    painter.rect_stroke(
                        Rect::from_x_y_ranges(x0..=x1, y..=y + CELL_H),
                        2,
                        Stroke::new(1.5, theme::WARN),
                        egui::StrokeKind::Outside,
                    );
                }
            }
        }
        for hz in freq_axis::GRID_HZ {
            let x = x_of(hz);
            painter.text(
                pos2(x, rect.bottom()),
                Align2::CENTER_BOTTOM,
                freq_axis::grid_label(hz),
                FontId::proportional(10.0),
                theme::DIM,
            );
        }
        if let Some(p) = response.hover_pos().filter(|p| plot.contains(*p)) {
            let k = ((p.y - plot.top()) / CELL_H) as usize;
            let hz = freq_axis::hz_of_x(plot.left(), plot.width(), p.x);
            if let (Some((row, report)), Some(b)) = (rows.get(k), layout.band_of(hz)) {
                if let Some(band) = report.bands.get(b) {
                    let text = format!(
                        "{} at {}: masked {:.0}% of the window, {:.0}% of all time{}",
                        row.name,
                        format::hz(band.center_hz),
                        band.masked_share * 100.0,
                        band.history_share * 100.0,
                        if band.short_db > 0.0 {
                            format!("; now {:.1} dB short", band.short_db)
                        } else {
                            String::new()
                        }
                    );
                    response.on_hover_text_at_pointer(text);
                }
            }
        }
    });
}

/// A small strip of the colour ramp with its ends labelled.
fn legend_ramp(ui: &mut Ui) {
    ui.label(RichText::new("100%").size(10.0).color(theme::DIM));
    let (rect, _) = ui.allocate_exact_size(vec2(60.0, 8.0), Sense::hover());
    let steps = 20;
    for i in 0..steps {
        let w = rect.width() / steps as f32;
        // Right to left: the layout runs that way, the ramp reads left to right.
        let x = rect.left() + i as f32 * w;
        ui.painter().rect_filled(
            Rect::from_min_size(pos2(x, rect.top()), vec2(w + 0.5, rect.height())),
            0,
            scale::ramp(i as f32 / (steps - 1) as f32),
        );
    }
    ui.label(RichText::new("0").size(10.0).color(theme::DIM));
}

/// Draws the severity matrix: how far each stem (row) falls short because of each other
/// stem (column), dB, smoothed.
pub(super) fn severity(ui: &mut Ui, cross: &CrossStemView, focus: Option<Focus>) {
    let rows: Vec<&StemRow> = rows_with_reports(cross)
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| r.state == RowState::Live)
        .collect();
    section_frame().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            title(ui, "WHO MASKS WHOM");
            ui.label(
                RichText::new("row masked by column, dB short")
                    .size(11.0)
                    .color(theme::DIM),
            )
            .on_hover_text(
                "How far the row's stem falls short of the clarity it needs, because of the \
                 column's stem, averaged over the bands that matter to it (smoothed)",
            );
        });
        if rows.len() < 2 {
            ui.label(RichText::new("Needs two live stems").color(theme::DIM));
            return;
        }
        let n = rows.len();
        let cell_w =
            ((ui.available_width() - SEV_NAMES) / n as f32).clamp(SEV_CELL_W.0, SEV_CELL_W.1);
        let height = SEV_CELL_H * (n + 1) as f32;
        let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
        let painter = ui.painter_at(rect);
        let max_chars = ((cell_w - 6.0) / 7.0).max(3.0) as usize;
        for (j, masker) in rows.iter().enumerate() {
            let x = rect.left() + SEV_NAMES + (j as f32 + 0.5) * cell_w;
            painter.text(
                pos2(x, rect.top() + SEV_CELL_H / 2.0),
                Align2::CENTER_CENTER,
                scale::short_name(&masker.name, max_chars),
                FontId::proportional(11.5),
                row_color(masker),
            );
        }
        for (i, maskee) in rows.iter().enumerate() {
            let y = rect.top() + SEV_CELL_H * (i + 1) as f32;
            painter.text(
                pos2(rect.left() + 2.0, y + SEV_CELL_H / 2.0),
                Align2::LEFT_CENTER,
                scale::short_name(&maskee.name, 12),
                FontId::proportional(12.0),
                row_color(maskee),
            );
            for (j, masker) in rows.iter().enumerate() {
                let cell = Rect::from_min_size(
                    pos2(rect.left() + SEV_NAMES + j as f32 * cell_w, y),
                    vec2(cell_w, SEV_CELL_H),
                )
                .shrink(1.0);
                if i == j {
                    painter.rect_filled(cell, 2, theme::PLOT);
                    continue;
                }
                let db = cross
                    .masking
                    .severity
                    .iter()
                    .find(|e| e.maskee_id == maskee.id && e.masker_id == masker.id)
                    .map_or(0.0, |e| e.smoothed_db);
                let color = scale::severity_color(db);
                painter.rect_filled(cell, 2, color);
                if let Some(text) = scale::severity_text(db) {
                    painter.text(
                        cell.center(),
                        Align2::CENTER_CENTER,
                        text,
                        FontId::monospace(11.5),
                        scale::text_on(color),
                    );
                }
                if focus.is_some_and(|f| f.maskee_id == maskee.id && f.masker_id == masker.id) {
                    painter.rect_stroke(
                        cell,
                        2,
                        Stroke::new(1.5, theme::WARN),
                        egui::StrokeKind::Outside,
                    );
                }
            }
        }
    });
}
