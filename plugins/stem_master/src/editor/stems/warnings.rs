//! The masking warnings with their fixes (click one to highlight it) and the rules in use.

use super::{color_of, scale, title, StemsTab, WarningKey};
use egui::{self, vec2, Color32, RichText, Sense, Stroke, Ui};
use shared_dsp::crossstem::CrossStemView;
use shared_dsp::format;
use shared_dsp::masking::WarningKind;
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// Most height the open rules panel takes before it scrolls, px.
const RULES_MAX_HEIGHT: f32 = 170.0;

/// Draws the list in a panel `height` px tall (it scrolls when the warnings need more).
pub(super) fn list(tab: &mut StemsTab, ui: &mut Ui, cross: &CrossStemView, height: f32) {
    let warnings = &cross.masking.warnings;
    section_frame().show(ui, |ui| {
        ui.set_width(ui.available_width());
        // The frame's margins and stroke take 14 px.
        ui.set_height(height - 14.0);
        ui.horizontal(|ui| {
            title(ui, "WARNINGS");
            let text = match warnings.len() {
                0 => String::new(),
                1 => "1 finding · click to show it".to_owned(),
                n => format!("{n} findings · click one to show it"),
            };
            ui.label(RichText::new(text).size(11.0).color(theme::DIM));
        });
        if warnings.is_empty() {
            ui.add_space(6.0);
            ui.label(
                RichText::new(
                    "No masking: every stem stands out enough in the bands that matter to it.",
                )
                .color(theme::DIM),
            );
            return;
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.spacing_mut().item_spacing.y = 4.0;
                let mut clicked = None;
                for i in display_order(cross) {
                    let w = &warnings[i];
                    let selected = tab.selected == Some(WarningKey::of(&w.warning));
                    if entry(ui, cross, w, selected).clicked() {
                        clicked = Some(i);
                    }
                }
                if let Some(i) = clicked {
                    tab.toggle_warning(cross, i);
                }
            });
    });
}

/// The warnings' indices in the order the list shows them: the masked stems of highest
/// priority first (the lead vocal's warnings before the drums'), then by the masked stem's
/// row, the masking stem's, and frequency. The engine's own order and the warnings' figures
/// change between updates, and a list that reshuffles under the pointer cannot be clicked.
pub(super) fn display_order(cross: &CrossStemView) -> Vec<usize> {
    let row_of = |id: u64| {
        cross
            .rows
            .iter()
            .position(|r| r.id == id)
            .unwrap_or(usize::MAX)
    };
    let priority_of = |id: u64| {
        cross
            .rows
            .iter()
            .find(|r| r.id == id)
            .map_or(0, |r| -(r.priority * 10.0).round() as i64)
    };
    let mut order: Vec<usize> = (0..cross.masking.warnings.len()).collect();
    order.sort_by_key(|&i| {
        let w = &cross.masking.warnings[i].warning;
        (
            priority_of(w.maskee_id),
            row_of(w.maskee_id),
            row_of(w.masker_id),
            w.first_band,
            w.kind == WarningKind::Collision,
        )
    });
    order
}

/// One warning: the two stems' colours, the finding and, set apart, its fix.
fn entry(
    ui: &mut Ui,
    cross: &CrossStemView,
    w: &shared_dsp::masking::WarningReport,
    selected: bool,
) -> egui::Response {
    let (finding, fix) = scale::split_fix(&w.text);
    let maskee = color_of(cross, w.warning.maskee_id);
    let masker = color_of(cross, w.warning.masker_id);
    let fill = if selected {
        theme::WARN.gamma_multiply(0.12)
    } else {
        Color32::from_rgb(0x25, 0x2a, 0x33)
    };
    let stroke = if selected {
        Stroke::new(1.0, theme::WARN.gamma_multiply(0.8))
    } else {
        Stroke::new(1.0, theme::PANEL_EDGE)
    };
    let body = egui::TextStyle::Body.resolve(ui.style());
    let inner = egui::Frame::new()
        .fill(fill)
        .stroke(stroke)
        .corner_radius(4)
        .inner_margin(egui::Margin {
            left: 12,
            right: 8,
            top: 5,
            bottom: 5,
        })
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.spacing_mut().item_spacing.y = 2.0;
            let (kind, kind_color) = match w.warning.kind {
                WarningKind::Masking => ("MASKED", theme::WARN),
                WarningKind::Collision => ("COLLISION", theme::METER_HOT),
            };
            let mut job = egui::text::LayoutJob::default();
            job.append(
                kind,
                0.0,
                egui::TextFormat::simple(egui::FontId::proportional(10.5), kind_color),
            );
            job.append(
                finding,
                6.0,
                egui::TextFormat::simple(body.clone(), Color32::LIGHT_GRAY),
            );
            ui.add(egui::Label::new(job).wrap().selectable(false));
            if let Some(fix) = fix {
                let mut job = egui::text::LayoutJob::default();
                job.append(
                    "Fix:",
                    0.0,
                    egui::TextFormat::simple(body.clone(), theme::ACCENT),
                );
                job.append(
                    fix,
                    5.0,
                    egui::TextFormat::simple(body.clone(), Color32::from_rgb(0x9f, 0xdc, 0xf8)),
                );
                ui.add(egui::Label::new(job).wrap().selectable(false));
            }
        });
    // The two stems' colours down the left edge: the masked one above, the masking one below.
    let r = inner.response.rect;
    let x = r.left() + 4.0;
    let mid = r.center().y;
    let painter = ui.painter();
    painter.line_segment(
        [egui::pos2(x, r.top() + 5.0), egui::pos2(x, mid - 1.0)],
        Stroke::new(3.0, maskee),
    );
    painter.line_segment(
        [egui::pos2(x, mid + 1.0), egui::pos2(x, r.bottom() - 5.0)],
        Stroke::new(3.0, masker),
    );
    inner
        .response
        .interact(Sense::click())
        .on_hover_cursor(egui::CursorIcon::PointingHand)
}

/// The rules in use, in a collapsible panel.
pub(super) fn rules(ui: &mut Ui, cross: &CrossStemView) {
    section_frame().show(ui, |ui| {
        ui.set_width(ui.available_width());
        egui::CollapsingHeader::new(
            RichText::new("RULES IN USE")
                .strong()
                .size(12.0)
                .color(theme::DIM),
        )
        .id_salt("stems-rules")
        .default_open(false)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(RULES_MAX_HEIGHT)
                .show(ui, |ui| rules_body(ui, cross));
        });
    });
}

/// The roles' priorities and clarity margins (two roles a line) and the band rules.
fn rules_body(ui: &mut Ui, cross: &CrossStemView) {
    let rules = &cross.rules;
    ui.label(
        RichText::new(
            "Priority: a stem is not warned about masking by one of higher priority. \
             Clarity: the target-to-mask ratio a stem needs in a band.",
        )
        .size(11.0)
        .color(theme::DIM),
    );
    egui::Grid::new("stems-rules-roles")
        .num_columns(6)
        .spacing(vec2(10.0, 1.0))
        .show(ui, |ui| {
            for pair in rules.roles.chunks(2) {
                for d in pair {
                    ui.label(
                        RichText::new(d.role.label())
                            .size(12.0)
                            .color(theme::role_color(d.role)),
                    );
                    ui.label(RichText::new(format!("{:.0}", d.priority)).monospace());
                    ui.label(
                        RichText::new(format!("{:.0} dB", d.required_tmr_db))
                            .monospace()
                            .color(theme::DIM),
                    );
                }
                ui.end_row();
            }
        });
    if !rules.bands.is_empty() {
        ui.add_space(2.0);
        for r in &rules.bands {
            ui.label(
                RichText::new(band_rule_text(r))
                    .size(12.0)
                    .color(Color32::LIGHT_GRAY),
            );
        }
    }
}

/// "Lead Vocal owns 1.0 kHz – 5.0 kHz: needs 8 dB, priority +20".
fn band_rule_text(r: &shared_dsp::masking::BandRule) -> String {
    let verb = if r.owns { "owns" } else { "in" };
    let boost = if r.priority_boost != 0.0 {
        format!(", priority {:+.0}", r.priority_boost)
    } else {
        String::new()
    };
    format!(
        "{} {verb} {} – {}: needs {:.0} dB{boost}",
        r.role,
        format::hz(r.lo_hz),
        format::hz(r.hi_hz),
        r.required_tmr_db
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::masking::RoleRules;

    #[test]
    fn band_rules_read_as_sentences() {
        let rules = RoleRules::default();
        let texts: Vec<String> = rules.bands.iter().map(band_rule_text).collect();
        assert_eq!(
            texts[0],
            "Lead Vocal owns 1.0 kHz – 5.0 kHz: needs 8 dB, priority +20"
        );
        assert!(
            texts[1].starts_with("Drums owns 20 Hz – 120 Hz"),
            "{}",
            texts[1]
        );
    }
}
