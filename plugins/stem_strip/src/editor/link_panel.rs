//! The link status in the header (a coloured dot and a line of text, a group picker when
//! several Stem Masters are live) and the row of verdicts a Master left for this Strip.

use crate::link::{LinkHub, LinkState, LinkView};
use crate::params::StripParams;
use crate::Shared;
use egui::{self, Color32, RichText, Ui};
use shared_dsp::link::{LinkStatus, MasterInfo, VerdictKind};
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
                    ui.label(RichText::new(v.to_string()).color(verdict_color(v.kind)));
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
