//! The masking warnings with their fixes (click one to highlight it) and the rules in use.

use super::{color_of, scale, title, StemsTab, WarningKey};
use egui::{self, vec2, Color32, RichText, Sense, Stroke, Ui};
use shared_dsp::crossstem::CrossStemView;
use shared_dsp::masking::{format_hz, WarningKind};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

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
                for (i, w) in warnings.iter().enumerate() {
                    let key = WarningKey {
                        kind: w.warning.kind,
                        maskee_id: w.warning.maskee_id,
                        masker_id: w.warning.masker_id,
                    };
                    let selected = tab.selected == Some(key);
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
    let inner = egui::Frame::new()
        .fill(fill)
        .stroke(stroke)
        .corner_radius(4)
        .inner_margin(egui::Margin::symmetric(8, 5))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 4.0;
                let (kind, color) = match w.warning.kind {
                    WarningKind::Masking => ("MASKED", theme::WARN),
                    WarningKind::Collision => ("COLLISION", theme::METER_HOT),
                };
                ui.label(RichText::new(kind).strong().size(10.5).color(color));
                let (dots, _) = ui.allocate_exact_size(vec2(22.0, 12.0), Sense::hover());
                ui.painter()
                    .circle_filled(dots.left_center() + vec2(5.0, 0.0), 4.0, maskee);
                ui.painter()
                    .circle_filled(dots.left_center() + vec2(15.0, 0.0), 4.0, masker);
                ui.label(
                    RichText::new(format!(
                        "{} – {}",
                        format_hz(w.warning.lo_hz),
                        format_hz(w.warning.hi_hz)
                    ))
                    .size(11.0)
                    .color(theme::DIM),
                );
            });
            ui.add(egui::Label::new(RichText::new(finding).color(Color32::LIGHT_GRAY)).wrap());
            if let Some(fix) = fix {
                ui.horizontal_wrapped(|ui| {
                    ui.spacing_mut().item_spacing.x = 4.0;
                    ui.label(RichText::new("Fix").strong().color(theme::ACCENT));
                    ui.label(RichText::new(fix).color(theme::ACCENT));
                });
            }
        });
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
                .num_columns(3)
                .spacing(vec2(14.0, 2.0))
                .show(ui, |ui| {
                    for t in ["Role", "Priority", "Clarity"] {
                        ui.label(RichText::new(t).size(11.0).color(theme::DIM));
                    }
                    ui.end_row();
                    for d in &rules.roles {
                        ui.label(RichText::new(d.role.label()).color(theme::role_color(d.role)));
                        ui.label(RichText::new(format!("{:.0}", d.priority)).monospace());
                        ui.label(RichText::new(format!("{:.0} dB", d.required_tmr_db)).monospace());
                        ui.end_row();
                    }
                });
            if !rules.bands.is_empty() {
                ui.add_space(4.0);
                for r in &rules.bands {
                    ui.label(
                        RichText::new(band_rule_text(r))
                            .size(12.0)
                            .color(Color32::LIGHT_GRAY),
                    );
                }
            }
        });
    });
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
        format_hz(r.lo_hz),
        format_hz(r.hi_hz),
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
