//! The balance table: one row per stem, in the stem's colour.

use super::{is_live, row_color, scale, Focus, StemsTab};
use crate::link::{MasterLink, Request};
use egui::{self, pos2, vec2, Align, Color32, Layout, Rect, RichText, Sense, Stroke, Ui};
use shared_dsp::crossstem::{CrossStemView, StemRow, MAX_GAIN_DB};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// Height of a stem row, px.
const ROW_H: f32 = 26.0;
/// Column widths, px: swatch, role, name, short-term, relative, drift, fader, gain value,
/// priority, warnings. The status (why a row is greyed) takes the rest.
const W_SWATCH: f32 = 20.0;
const W_ROLE: f32 = 104.0;
const W_NAME: f32 = 150.0;
const W_SHORT: f32 = 86.0;
const W_REL: f32 = 72.0;
const W_DRIFT: f32 = 80.0;
const W_FADER: f32 = 220.0;
const W_GAIN: f32 = 68.0;
const W_PRIORITY: f32 = 112.0;
const W_WARN: f32 = 100.0;
/// Priority steps of the − and + buttons.
const PRIORITY_STEP: f32 = 10.0;
/// Priorities the buttons stay within.
const PRIORITY_RANGE: (f32, f32) = (0.0, 300.0);

/// Draws the table.
pub(super) fn show(
    tab: &mut StemsTab,
    ui: &mut Ui,
    link: &MasterLink,
    cross: &CrossStemView,
    focus: Option<Focus>,
    now: f64,
) {
    section_frame().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.spacing_mut().item_spacing.y = 2.0;
        header(ui, cross);
        for row in &cross.rows {
            row_ui(tab, ui, link, cross, row, focus, now);
        }
    });
}

/// The column titles.
fn header(ui: &mut Ui, cross: &CrossStemView) {
    ui.horizontal(|ui| {
        let t = |ui: &mut Ui, w: f32, right: bool, text: &str, hover: &str| {
            cell(ui, w, 16.0, right, |ui| {
                ui.label(RichText::new(text).size(11.0).color(theme::DIM))
                    .on_hover_text(hover);
            });
        };
        t(ui, W_SWATCH, false, "", "");
        t(
            ui,
            W_ROLE,
            false,
            "ROLE",
            "The stem's role (set on its Strip): the masking rules follow it",
        );
        t(
            ui,
            W_NAME,
            false,
            "STEM",
            "The stem's name (set on its Strip)",
        );
        t(
            ui,
            W_SHORT,
            true,
            "SHORT-TERM",
            "Short-term loudness (3 s), LUFS",
        );
        t(ui, W_REL, true, "VS MIX", "Level relative to the mix, LU");
        let drift_hover = if cross.has_reference {
            format!(
                "Relative level minus the stored reference's, LU; beyond ±{:.1} LU it is \
                 highlighted",
                cross.tolerance_lu
            )
        } else {
            "Store a reference balance to see each stem's drift from it".to_owned()
        };
        t(ui, W_DRIFT, true, "DRIFT", &drift_hover);
        ui.add_space(12.0);
        t(
            ui,
            W_FADER + W_GAIN,
            false,
            "GAIN FROM MASTER",
            "A gain offset sent to the stem's Strip, which applies it smoothly (undone when \
             the Master goes away)",
        );
        t(
            ui,
            W_PRIORITY,
            false,
            "PRIORITY",
            "Masking priority: a stem is not warned about masking by one of higher priority. \
             Right-click the value for the role's default",
        );
        t(
            ui,
            W_WARN,
            false,
            "MASKING",
            "Warnings in which the stem masks or is masked",
        );
    });
}

#[allow(clippy::too_many_arguments)]
fn row_ui(
    tab: &mut StemsTab,
    ui: &mut Ui,
    link: &MasterLink,
    cross: &CrossStemView,
    row: &StemRow,
    focus: Option<Focus>,
    now: f64,
) {
    let live = is_live(row);
    let color = row_color(row);
    let text_color = if live {
        Color32::LIGHT_GRAY
    } else {
        theme::DIM
    };
    let focused = focus.is_some_and(|f| f.involves(row.id));
    let rect = Rect::from_min_size(ui.cursor().min, vec2(ui.available_width(), ROW_H));
    // The row's ground: a faint wash of the stem's colour, stronger when a chosen warning
    // involves it, and a bar of the colour at the left edge.
    let wash = if focused {
        0.16
    } else if live {
        0.05
    } else {
        0.0
    };
    ui.painter()
        .rect_filled(rect, 3, color.gamma_multiply(wash));
    if focused {
        ui.painter().rect_stroke(
            rect,
            3,
            Stroke::new(1.0, color.gamma_multiply(0.7)),
            egui::StrokeKind::Inside,
        );
    }
    let bar = Rect::from_min_size(rect.min, vec2(3.0, ROW_H));
    ui.painter().rect_filled(
        bar,
        1,
        if live {
            color
        } else {
            color.gamma_multiply(0.35)
        },
    );

    let state_text = scale::row_state_text(&row.state);
    let response = ui
        .scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(Layout::left_to_right(Align::Center)),
            |ui| {
                swatch(tab, ui, row, color);
                cell(ui, W_ROLE, ROW_H, false, |ui| {
                    ui.label(RichText::new(row.role.label()).color(if live {
                        color
                    } else {
                        theme::DIM
                    }));
                });
                cell(ui, W_NAME, ROW_H, false, |ui| {
                    ui.add(
                        egui::Label::new(RichText::new(&row.name).strong().color(text_color))
                            .truncate(),
                    );
                });
                value_cell(
                    ui,
                    W_SHORT,
                    scale::lufs_text(row.shortterm_lufs),
                    "LUFS",
                    text_color,
                );
                value_cell(ui, W_REL, scale::lu_text(row.relative_lu), "LU", text_color);
                drift_cell(ui, cross, row, text_color);
                ui.add_space(12.0);
                gain_cells(tab, ui, link, row, color, live, now);
                priority_cell(tab, ui, link, cross, row, live, now);
                // A greyed row says why where the warnings would be.
                match &state_text {
                    Some(text) => {
                        ui.add(
                            egui::Label::new(RichText::new(text).italics().color(theme::DIM))
                                .truncate(),
                        );
                    }
                    None => warnings_cell(tab, ui, cross, row),
                }
            },
        )
        .response;
    if let Some(text) = state_text {
        let why = if matches!(row.state, shared_dsp::crossstem::RowState::Gone { .. }) {
            format!(
                "{}: its Strip stopped reporting (removed, crashed, or its project closed). \
                 The row goes after {:.0} s.",
                text,
                shared_dsp::crossstem::GONE_KEEP_S
            )
        } else {
            format!("Not compared now: {text}")
        };
        response.on_hover_text(why);
    }
}

/// A right-aligned value with its unit, or a plain dash when the value is unknown.
fn value_cell(ui: &mut Ui, width: f32, text: String, unit: &str, color: Color32) {
    cell(ui, width, ROW_H, true, |ui| {
        if text == "—" {
            ui.label(RichText::new(text).color(theme::DIM));
        } else {
            ui.label(RichText::new(unit).size(10.0).color(theme::DIM));
            ui.label(RichText::new(text).monospace().color(color));
        }
    });
}

/// A fixed-width cell `height` px tall, its content left- or right-aligned.
fn cell(ui: &mut Ui, width: f32, height: f32, right: bool, add: impl FnOnce(&mut Ui)) {
    let layout = if right {
        Layout::right_to_left(Align::Center)
    } else {
        Layout::left_to_right(Align::Center)
    };
    ui.allocate_ui_with_layout(vec2(width, height), layout, |ui| {
        ui.set_min_size(vec2(width, height));
        ui.set_max_width(width);
        add(ui);
    });
}

/// The stem's colour swatch: click to show or hide its spectrum.
fn swatch(tab: &mut StemsTab, ui: &mut Ui, row: &StemRow, color: Color32) {
    let (rect, response) = ui.allocate_exact_size(vec2(W_SWATCH, ROW_H), Sense::click());
    let shown = !tab.hidden.contains(&row.name);
    let c = rect.center() + vec2(3.0, 0.0);
    if shown {
        ui.painter().circle_filled(c, 5.5, color);
    } else {
        ui.painter()
            .circle_stroke(c, 5.0, Stroke::new(1.5, color.gamma_multiply(0.6)));
    }
    if response.hovered() {
        ui.painter()
            .circle_stroke(c, 7.5, Stroke::new(1.0, theme::DIM));
    }
    let response = response.on_hover_text(if shown {
        "Click to hide this stem's spectrum"
    } else {
        "Click to show this stem's spectrum"
    });
    if response.clicked() && !tab.hidden.remove(&row.name) {
        tab.hidden.insert(row.name.clone());
    }
}

fn drift_cell(ui: &mut Ui, cross: &CrossStemView, row: &StemRow, text_color: Color32) {
    cell(ui, W_DRIFT, ROW_H, true, |ui| {
        if !cross.has_reference {
            ui.label(RichText::new("—").color(theme::DIM))
                .on_hover_text("Store a reference balance to see the drift");
            return;
        }
        ui.label(RichText::new("LU").size(10.0).color(theme::DIM));
        let text = scale::lu_text(row.drift_lu);
        if row.drifting {
            // A pill behind the value.
            let galley = ui.painter().layout_no_wrap(
                text.clone(),
                egui::FontId::monospace(13.0),
                theme::WARN,
            );
            let (rect, _) = ui.allocate_exact_size(galley.size() + vec2(10.0, 4.0), Sense::hover());
            ui.painter()
                .rect_filled(rect, 4, theme::WARN.gamma_multiply(0.18));
            ui.painter()
                .galley(rect.center() - galley.size() / 2.0, galley, theme::WARN);
        } else {
            let color = if cross.has_reference {
                text_color
            } else {
                theme::DIM
            };
            ui.label(RichText::new(text).monospace().color(color));
        }
    });
}

/// The gain fader and its value.
fn gain_cells(
    tab: &mut StemsTab,
    ui: &mut Ui,
    link: &MasterLink,
    row: &StemRow,
    color: Color32,
    live: bool,
    now: f64,
) {
    let db = tab
        .pending_gain
        .get(&row.name)
        .map_or(row.gain_db, |(db, _)| *db);
    let enabled = !matches!(row.state, shared_dsp::crossstem::RowState::Gone { .. });
    if let Some(new) = gain_fader(ui, W_FADER, db, color, enabled && live) {
        // Whole tenths: what the value shows is what the Strip applies.
        let new = (new * 10.0).round() / 10.0;
        tab.pending_gain.insert(row.name.clone(), (new, now));
        if new != row.gain_db || new != db {
            link.request(Request::SetGain {
                name: row.name.clone(),
                db: new,
            });
        }
    }
    cell(ui, W_GAIN, ROW_H, true, |ui| {
        let color = if db.abs() >= 0.05 {
            theme::ACCENT
        } else {
            theme::DIM
        };
        ui.label(RichText::new(scale::gain_text(db)).monospace().color(color));
    });
}

/// A horizontal fader over ±[`MAX_GAIN_DB`]: drag (Shift for fine), double-click for 0 dB.
/// Returns the new value while it changes.
fn gain_fader(ui: &mut Ui, width: f32, db: f32, color: Color32, enabled: bool) -> Option<f32> {
    let sense = if enabled {
        Sense::click_and_drag()
    } else {
        Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(vec2(width, ROW_H), sense);
    let track = rect.shrink2(vec2(8.0, 0.0));
    let x_of = |db: f32| track.left() + (db + MAX_GAIN_DB) / (2.0 * MAX_GAIN_DB) * track.width();
    let painter = ui.painter();
    let y = rect.center().y;
    let groove = Rect::from_min_max(pos2(track.left(), y - 2.0), pos2(track.right(), y + 2.0));
    painter.rect_filled(groove, 2, theme::PLOT);
    for tick in [-24.0, -12.0, -6.0, 0.0, 6.0, 12.0, 24.0] {
        let x = x_of(tick);
        let h = if tick == 0.0 { 7.0 } else { 3.5 };
        painter.line_segment(
            [pos2(x, y - h), pos2(x, y + h)],
            Stroke::new(1.0, if tick == 0.0 { theme::DIM } else { theme::GRID }),
        );
    }
    let (x0, x1) = (x_of(0.0), x_of(db.clamp(-MAX_GAIN_DB, MAX_GAIN_DB)));
    let fill = Rect::from_min_max(pos2(x0.min(x1), y - 2.0), pos2(x0.max(x1), y + 2.0));
    let base = if enabled { color } else { theme::DIM };
    painter.rect_filled(fill, 1, base.gamma_multiply(0.8));
    let active = response.hovered() || response.dragged();
    let thumb = Rect::from_center_size(pos2(x1, y), vec2(8.0, if active { 16.0 } else { 14.0 }));
    painter.rect_filled(
        thumb,
        2,
        if enabled {
            Color32::from_gray(if active { 235 } else { 200 })
        } else {
            theme::GRID
        },
    );
    let response = response.on_hover_text(
        "Gain offset sent to this stem's Strip (±24 dB). Drag; Shift for fine steps; \
         double-click for 0 dB",
    );
    if response.double_clicked() {
        return Some(0.0);
    }
    if response.dragged() {
        let dx = response.drag_delta().x;
        if dx != 0.0 {
            let fine = ui.input(|i| i.modifiers.shift);
            let per_px = 2.0 * MAX_GAIN_DB / track.width() * if fine { 0.1 } else { 1.0 };
            return Some((db + dx * per_px).clamp(-MAX_GAIN_DB, MAX_GAIN_DB));
        }
    }
    None
}

/// − value +; right-click the value for the role's default.
#[allow(clippy::too_many_arguments)]
fn priority_cell(
    tab: &mut StemsTab,
    ui: &mut Ui,
    link: &MasterLink,
    cross: &CrossStemView,
    row: &StemRow,
    live: bool,
    now: f64,
) {
    let pending = tab.pending_priority.get(&row.name).map(|(p, _)| *p);
    let priority = pending.unwrap_or(row.priority);
    let overridden = pending.is_some() || row.priority_overridden;
    let default = cross
        .rules
        .roles
        .iter()
        .find(|d| d.role == row.role)
        .map_or(0.0, |d| d.priority);
    cell(ui, W_PRIORITY, ROW_H, false, |ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        let mut set = None;
        if ui
            .add_enabled(
                live,
                egui::Button::new("−").small().min_size(vec2(20.0, 18.0)),
            )
            .on_hover_text("Lower the priority by 10")
            .clicked()
        {
            set = Some(priority - PRIORITY_STEP);
        }
        let value = ui
            .add_sized(
                [40.0, 18.0],
                egui::Label::new(RichText::new(format!("{priority:.0}")).monospace().color(
                    if overridden {
                        theme::ACCENT
                    } else if live {
                        Color32::LIGHT_GRAY
                    } else {
                        theme::DIM
                    },
                ))
                .sense(Sense::click()),
            )
            .on_hover_text(if overridden {
                format!(
                    "Priority set here ({priority:.0}); the {} role's default is {default:.0}. \
                     Right-click to go back to it",
                    row.role
                )
            } else {
                format!("The {} role's default priority", row.role)
            });
        if value.secondary_clicked() || value.double_clicked() {
            tab.pending_priority.remove(&row.name);
            link.request(Request::SetPriority {
                name: row.name.clone(),
                priority: None,
            });
        }
        if ui
            .add_enabled(
                live,
                egui::Button::new("+").small().min_size(vec2(20.0, 18.0)),
            )
            .on_hover_text("Raise the priority by 10")
            .clicked()
        {
            set = Some(priority + PRIORITY_STEP);
        }
        if let Some(p) = set {
            let p = p.clamp(PRIORITY_RANGE.0, PRIORITY_RANGE.1);
            tab.pending_priority.insert(row.name.clone(), (p, now));
            link.request(Request::SetPriority {
                name: row.name.clone(),
                priority: Some(p),
            });
        }
    });
}

/// The warning count; a click chooses the stem's first warning.
fn warnings_cell(tab: &mut StemsTab, ui: &mut Ui, cross: &CrossStemView, row: &StemRow) {
    cell(ui, W_WARN, ROW_H, false, |ui| {
        if row.warnings == 0 {
            ui.label(RichText::new("clear").color(theme::DIM));
            return;
        }
        let text = format!(
            "{} warning{}",
            row.warnings,
            if row.warnings == 1 { "" } else { "s" }
        );
        let response = ui
            .add(egui::Label::new(RichText::new(text).color(theme::WARN)).sense(Sense::click()))
            .on_hover_text("Click to show its first warning");
        if response.clicked() {
            if let Some(i) = cross
                .masking
                .warnings
                .iter()
                .position(|w| w.warning.maskee_id == row.id || w.warning.masker_id == row.id)
            {
                tab.toggle_warning(cross, i);
            }
        }
    });
}
