//! The link status in the header (a coloured dot and a line of text, a group picker when
//! several Stem Masters are live) and the row of verdicts a Master left for this Strip.

use crate::link::{LinkHub, LinkState, LinkView};
use crate::params::StripParams;
use crate::Shared;
use egui::{self, Color32, RichText, Ui};
use shared_dsp::link::{LinkStatus, MasterInfo, Verdict, VerdictKind};
use std::sync::atomic::Ordering;
use stem_plugin_common::theme;

/// The status line: dot, text, and the picker when there is a choice to make.
pub fn status(ui: &mut Ui, hub: &LinkHub, params: &StripParams, view: &LinkView) {
    let (color, text, detail) = status_text(view);
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().circle_filled(rect.center(), 4.5, color);
        let label = ui.add(egui::Label::new(RichText::new(text).color(color)).truncate());
        if let Some(detail) = detail {
            label.on_hover_text(detail);
        }
        if wants_picker(view) {
            picker(ui, hub, params, view);
        }
    });
}

/// The verdicts and the gain request, when there are any: one compact framed row.
pub fn verdicts(ui: &mut Ui, shared: &Shared, view: &LinkView) {
    let gain = shared.gain_request_db.load(Ordering::Relaxed);
    let has_gain = gain.abs() >= 0.05;
    if view.verdicts.is_empty() && !has_gain {
        return;
    }
    ui.add_space(4.0);
    egui::Frame::new()
        .fill(theme::PANEL)
        .corner_radius(6)
        .inner_margin(egui::Margin::symmetric(8, 4))
        .stroke(egui::Stroke::new(1.0, theme::PANEL_EDGE))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new("MASTER")
                        .strong()
                        .size(12.0)
                        .color(theme::DIM),
                );
                if has_gain {
                    ui.label(
                        RichText::new(format!("Gain request {gain:+.1} dB")).color(theme::ACCENT),
                    );
                }
                for v in view.verdicts.as_slice() {
                    ui.label(RichText::new("•").color(theme::DIM));
                    ui.label(RichText::new(verdict_text(v)).color(verdict_color(v.kind)));
                }
            });
        });
}

fn wants_picker(view: &LinkView) -> bool {
    match &view.state {
        LinkState::Open(LinkStatus::MultipleMasters(_)) => true,
        // Bound to a group whose Master is gone while others run, or a choice among several.
        LinkState::Open(LinkStatus::NoMaster { .. }) => !view.masters.is_empty(),
        LinkState::Open(LinkStatus::Connected { .. }) => view.masters.len() > 1,
        _ => false,
    }
}

fn picker(ui: &mut Ui, hub: &LinkHub, params: &StripParams, view: &LinkView) {
    let selected = view
        .masters
        .iter()
        .find(|m| Some(m.group) == view.group)
        .map_or_else(|| "choose a Master".to_owned(), master_label);
    egui::ComboBox::from_id_salt("link-group")
        .selected_text(selected)
        .width(190.0)
        .show_ui(ui, |ui| {
            for m in &view.masters {
                let on = Some(m.group) == view.group;
                if ui
                    .selectable_label(on, master_label(m))
                    .on_hover_text(format!("group {}, pid {}", m.group, m.pid))
                    .clicked()
                {
                    hub.pick_group(m.group, params);
                }
            }
        });
}

/// "Master bus — reaper" for the picker.
pub fn master_label(m: &MasterInfo) -> String {
    let track = if m.track_name.is_empty() {
        "Stem Master"
    } else {
        m.track_name.as_str()
    };
    if m.host_process.is_empty() {
        track.to_owned()
    } else {
        format!("{track} — {}", m.host_process)
    }
}

/// A short group id for display: the first 4 hex digits.
fn short_group(g: shared_dsp::link::GroupId) -> String {
    g.to_string()[..4].to_owned()
}

/// Colour, text and hover detail of the status line.
pub fn status_text(view: &LinkView) -> (Color32, String, Option<String>) {
    match &view.state {
        LinkState::Inactive => (theme::DIM, "Link inactive".to_owned(), None),
        LinkState::Unavailable(err) => (
            theme::METER_OVER,
            format!("Link unavailable: {}", first_sentence(err)),
            Some(err.clone()),
        ),
        LinkState::Open(status) => match status {
            LinkStatus::Connected { group, master } => {
                let track = if master.track_name.is_empty() {
                    "Stem Master".to_owned()
                } else {
                    master.track_name.clone()
                };
                (
                    theme::METER_OK,
                    format!("Linked to {track} (group {})", short_group(*group)),
                    Some(format!(
                        "Stem Master on \"{}\" in {} (pid {}), group {group}",
                        master.track_name, master.host_process, master.pid
                    )),
                )
            }
            LinkStatus::NoMaster { group: Some(g) } => (
                theme::METER_HOT,
                format!("Stem Master of group {} not running", short_group(*g)),
                Some(format!(
                    "Bound to group {g}; its Stem Master is not running."
                )),
            ),
            LinkStatus::NoMaster { group: None } => (
                theme::DIM,
                "No Stem Master found".to_owned(),
                Some("Insert a Stem Master on the mix bus; this Strip binds to it.".to_owned()),
            ),
            LinkStatus::MultipleMasters(n) => {
                (theme::METER_HOT, format!("{n} Masters — choose one"), None)
            }
            LinkStatus::Evicted => (
                theme::WARN,
                "Link lost, reconnecting".to_owned(),
                Some(status.to_string()),
            ),
        },
    }
}

fn first_sentence(text: &str) -> &str {
    let end = text
        .find(". ")
        .or_else(|| text.find(": "))
        .unwrap_or(text.len());
    let cut = &text[..end];
    if cut.chars().count() > 60 {
        let idx = cut.char_indices().nth(60).map_or(cut.len(), |(i, _)| i);
        &cut[..idx]
    } else {
        cut
    }
}

fn verdict_color(kind: VerdictKind) -> Color32 {
    match kind {
        VerdictKind::MaskedBy | VerdictKind::Masking => theme::METER_HOT,
        VerdictKind::TooLoud | VerdictKind::TooQuiet => theme::WARN,
    }
}

/// A frequency for text: "450 Hz", "1.2 kHz", "12 kHz".
pub fn hz_text(hz: f32) -> String {
    if hz >= 10_000.0 {
        format!("{:.0} kHz", hz / 1000.0)
    } else if hz >= 1000.0 {
        format!("{:.1} kHz", hz / 1000.0)
    } else {
        format!("{hz:.0} Hz")
    }
}

/// A band for text: "1.2–3.4 kHz", "200–450 Hz", "450 Hz–1.2 kHz"; empty for no band.
pub fn band_text(low: f32, high: f32) -> String {
    if high.is_nan() || high <= 0.0 {
        return String::new();
    }
    let (lo, hi) = (hz_text(low), hz_text(high));
    let unit = |s: &str| s.ends_with("kHz");
    if unit(&lo) == unit(&hi) {
        let num = lo.split(' ').next().unwrap_or(&lo);
        format!("{num}–{hi}")
    } else {
        format!("{lo}–{hi}")
    }
}

/// A verdict as one line, e.g. "Masked by Music 1.2–3.4 kHz, 4 dB (60% of the time; try
/// -2.0 dB on Music)".
pub fn verdict_text(v: &Verdict) -> String {
    let other = if v.other_name.as_str().is_empty() {
        v.other_role.label().to_owned()
    } else {
        v.other_name.as_str().to_owned()
    };
    let band = band_text(v.low_hz, v.high_hz);
    let band = if band.is_empty() {
        band
    } else {
        format!(" {band}")
    };
    let amount = v.amount_db.abs();
    let mut text = match v.kind {
        VerdictKind::MaskedBy => format!("Masked by {other}{band}, {amount:.0} dB"),
        VerdictKind::Masking => format!("Masking {other}{band}, {amount:.0} dB"),
        VerdictKind::TooLoud => format!("{amount:.1} dB louder than the balance{band}"),
        VerdictKind::TooQuiet => format!("{amount:.1} dB quieter than the balance{band}"),
    };
    let mut notes = Vec::new();
    if v.share > 0.0 && v.share < 0.995 {
        notes.push(format!("{:.0}% of the time", v.share * 100.0));
    }
    if v.suggested_gain_db.abs() >= 0.05 {
        // A cut suggested to a masked stem is on its masker; a boost is on the stem itself.
        let on = if v.kind == VerdictKind::MaskedBy && v.suggested_gain_db < 0.0 {
            format!(" on {other}")
        } else {
            String::new()
        };
        notes.push(format!("try {:+.1} dB{on}", v.suggested_gain_db));
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::role::StemRole;
    use shared_dsp::snapshot::StemName;

    #[test]
    fn verdicts_read_naturally() {
        let v = Verdict {
            kind: VerdictKind::MaskedBy,
            other_role: StemRole::Music,
            low_hz: 1200.0,
            high_hz: 3400.0,
            amount_db: 4.0,
            share: 1.0,
            ..Verdict::default()
        };
        assert_eq!(verdict_text(&v), "Masked by Music 1.2–3.4 kHz, 4 dB");
        let v = Verdict {
            other_name: StemName::new("Gtr L"),
            share: 0.6,
            suggested_gain_db: -2.0,
            ..v
        };
        assert_eq!(
            verdict_text(&v),
            "Masked by Gtr L 1.2–3.4 kHz, 4 dB (60% of the time; try -2.0 dB on Gtr L)"
        );
        let v = Verdict {
            kind: VerdictKind::TooLoud,
            amount_db: 2.5,
            share: 1.0,
            suggested_gain_db: -2.5,
            low_hz: 0.0,
            high_hz: 0.0,
            ..Verdict::default()
        };
        assert_eq!(
            verdict_text(&v),
            "2.5 dB louder than the balance (try -2.5 dB)"
        );
    }

    #[test]
    fn bands_and_frequencies() {
        assert_eq!(band_text(200.0, 450.0), "200–450 Hz");
        assert_eq!(band_text(450.0, 1200.0), "450 Hz–1.2 kHz");
        assert_eq!(band_text(2000.0, 16000.0), "2.0–16 kHz");
        assert_eq!(band_text(0.0, 0.0), "");
        assert_eq!(hz_text(12_500.0), "12 kHz");
    }
}
