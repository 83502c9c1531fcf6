//! The "Stems" tab: the cross-stem view the link thread builds ([`MasterLink::view`]).
//!
//! Top to bottom: a status line (link, estimated mix loudness, the reference balance and
//! its drift tolerance, how the Strips are lined up); the balance, one row per stem (in the
//! stem's colour: loudness, level against the mix, drift, a gain fader that sends the
//! Strip a gain request, the masking priority, its warnings); then, on the left, the stems'
//! spectra overlaid and the masking heatmap on one frequency axis, and on the right the
//! masking warnings with their fixes, the maskee-by-masker severity matrix and the rules in
//! use. Choosing a warning highlights its two stems and shades its band range.
//!
//! Nothing here touches the audio thread: the view is an `Arc` swapped in by the link
//! thread, and what the user changes goes back as [`Request`]s.

mod balance;
mod masking;
mod scale;
mod spectra;
mod warnings;

use crate::link::{LinkState, MasterLink, Request, StemsView};
use egui::{self, Color32, RichText, Ui};
use shared_dsp::crossstem::{CrossStemView, RowState, StemRow};
use shared_dsp::masking::{MaskingWarning, WarningKind};
use std::collections::{BTreeSet, HashMap};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// Gap between the tab's panels, px.
const GAP: f32 = 6.0;
/// Width of the names column left of the plots (the spectra's dB scale sits there too), so
/// the spectra and the heatmap share one x axis, px.
const GUTTER: f32 = 92.0;
/// Right column's width range (warnings, severity, rules), px.
const RIGHT_WIDTH: (f32, f32) = (380.0, 560.0);
/// Least height of the spectra plot, px.
const SPECTRA_MIN_HEIGHT: f32 = 150.0;
/// A value the user just set is shown instead of the view's for this long, seconds (the
/// view catches up within a tick or two).
const PENDING_S: f64 = 0.6;

/// Which warning is chosen: its kind and its two stems (its band range may move a band
/// between updates and it is still the same finding). A collision is mutual, and the engine
/// may name either stem first from one update to the next: its key orders the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WarningKey {
    kind: WarningKind,
    first_id: u64,
    second_id: u64,
}

impl WarningKey {
    fn of(w: &MaskingWarning) -> Self {
        let (a, b) = (w.maskee_id, w.masker_id);
        let (first_id, second_id) = match w.kind {
            WarningKind::Collision => (a.min(b), a.max(b)),
            WarningKind::Masking => (a, b),
        };
        Self {
            kind: w.kind,
            first_id,
            second_id,
        }
    }
}

/// What the chosen warning highlights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Focus {
    maskee_id: u64,
    masker_id: u64,
    /// The warning's ranges, `[lo_hz, hi_hz]` each, the first `count` in use.
    ranges: [[f32; 2]; shared_dsp::masking::MAX_RANGES],
    count: usize,
}

impl Focus {
    fn involves(&self, id: u64) -> bool {
        id == self.maskee_id || id == self.masker_id
    }

    /// The ranges to shade, `(lo_hz, hi_hz)` each.
    fn ranges(&self) -> impl Iterator<Item = (f32, f32)> + '_ {
        self.ranges[..self.count].iter().map(|r| (r[0], r[1]))
    }
}

/// The tab's state between frames.
#[derive(Default)]
pub struct StemsTab {
    /// Stems whose spectrum is hidden, by name.
    hidden: BTreeSet<String>,
    /// Whether the sum's spectrum is hidden.
    sum_hidden: bool,
    /// The chosen warning.
    selected: Option<WarningKey>,
    /// The heatmap shows the history share instead of the window's.
    heatmap_history: bool,
    /// Gains and priorities the user just set, by stem name, with when (egui time, s).
    pending_gain: HashMap<String, (f32, f64)>,
    pending_priority: HashMap<String, (f32, f64)>,
    /// The drift tolerance while the user edits it.
    tolerance_edit: Option<f32>,
    /// The spectra plot's top, dB (kept steady, see [`scale::spectrum_top`]).
    spectrum_top_db: Option<f32>,
    /// Height of the right column's matrix and rules in the last frame, px.
    right_tail_height: f32,
}

impl StemsTab {
    /// Draws the tab into the rest of `ui`.
    pub fn show(&mut self, ui: &mut Ui, link: &MasterLink) {
        ui.add_space(GAP);
        let Some(view) = link.view() else {
            message(
                ui,
                "Starting the Stem link…",
                &["The cross-stem view appears within a second."],
                theme::DIM,
            );
            return;
        };
        let group = match &view.state {
            LinkState::Unavailable(reason) => {
                message(
                    ui,
                    &format!("Stem link unavailable: {reason}"),
                    &[
                        "Audio is not affected: the master chain runs as usual.",
                        "The Master tries again every 2 s; the Strips cannot reach it until then.",
                    ],
                    theme::WARN,
                );
                return;
            }
            LinkState::Registered(group) => *group,
        };
        let now = ui.input(|i| i.time);
        self.pending_gain.retain(|_, (_, t)| now - *t < PENDING_S);
        self.pending_priority
            .retain(|_, (_, t)| now - *t < PENDING_S);
        self.status_row(ui, link, &view, &group.to_string());
        ui.add_space(GAP);
        let cross = &view.cross;
        if cross.rows.is_empty() {
            empty(ui, cross, &group.to_string());
            return;
        }
        let focus = self.focus(cross);
        balance::show(self, ui, link, cross, focus, now);
        ui.add_space(GAP);
        self.lower(ui, cross, focus);
    }

    /// The chosen warning's highlight, if it is still current (else the choice is dropped).
    fn focus(&mut self, cross: &CrossStemView) -> Option<Focus> {
        let key = self.selected?;
        let found = cross
            .masking
            .warnings
            .iter()
            .find(|w| WarningKey::of(&w.warning) == key);
        match found {
            Some(w) => {
                let mut focus = Focus {
                    maskee_id: w.warning.maskee_id,
                    masker_id: w.warning.masker_id,
                    ranges: [[0.0; 2]; shared_dsp::masking::MAX_RANGES],
                    count: 0,
                };
                for r in w.warning.ranges.as_slice() {
                    focus.ranges[focus.count] = [r.lo_hz, r.hi_hz];
                    focus.count += 1;
                }
                if focus.count == 0 {
                    focus.ranges[0] = [w.warning.lo_hz, w.warning.hi_hz];
                    focus.count = 1;
                }
                Some(focus)
            }
            None => {
                self.selected = None;
                None
            }
        }
    }

    /// Chooses the warning at `index` of the view's list, or clears the choice when it is
    /// chosen already.
    fn toggle_warning(&mut self, cross: &CrossStemView, index: usize) {
        let Some(w) = cross.masking.warnings.get(index) else {
            return;
        };
        let key = WarningKey::of(&w.warning);
        self.selected = if self.selected == Some(key) {
            None
        } else {
            Some(key)
        };
    }

    /// Link and group, mix loudness, reference and tolerance, alignment, other groups.
    fn status_row(&mut self, ui: &mut Ui, link: &MasterLink, view: &StemsView, group: &str) {
        let cross = &view.cross;
        ui.horizontal(|ui| {
            let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter()
                .circle_filled(dot.center(), 4.5, theme::METER_OK);
            ui.label(
                RichText::new(format!("Linked · group {}", &group[..4])).color(theme::METER_OK),
            )
            .on_hover_text(format!(
                "Stem link group {group}: Strips bound to it report to this Master"
            ));
            ui.add_space(14.0);
            dim(ui, "Mix");
            match cross.mix_lufs.filter(|v| v.is_finite()) {
                Some(lufs) => {
                    ui.label(
                        RichText::new(format!("{lufs:.1} LUFS"))
                            .monospace()
                            .strong(),
                    );
                    let how = if cross.mix_estimated {
                        "short-term, estimated from the stems"
                    } else {
                        "short-term, measured"
                    };
                    dim(ui, how).on_hover_text(
                        "The balance is taken against the stems' power sum: the Master's own \
                         output is after its gain, compression and limiting",
                    );
                }
                None => {
                    dim(ui, "—");
                }
            }
            ui.add_space(14.0);
            if ui
                .button("Store reference")
                .on_hover_text(
                    "Take the current balance as the reference; drift is measured against it \
                     (saved with the project)",
                )
                .clicked()
            {
                link.request(Request::StoreReference);
            }
            if ui
                .add_enabled(cross.has_reference, egui::Button::new("Clear reference"))
                .on_hover_text("Forget the stored reference balance")
                .clicked()
            {
                link.request(Request::ClearReference);
            }
            ui.add_space(8.0);
            dim(ui, "Tolerance");
            let mut tolerance = self.tolerance_edit.unwrap_or(cross.tolerance_lu);
            let response = ui
                .add(
                    egui::DragValue::new(&mut tolerance)
                        .range(0.1..=12.0)
                        .speed(0.02)
                        .fixed_decimals(1)
                        .suffix(" LU"),
                )
                .on_hover_text("Drift beyond this is highlighted and sent to the stem's Strip");
            if response.changed() {
                link.request(Request::SetTolerance(tolerance));
            }
            self.tolerance_edit = (response.dragged() || response.has_focus()).then_some(tolerance);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if cross.other_groups > 0 {
                    let n = cross.other_groups;
                    ui.label(
                        RichText::new(format!(
                            "{n} Strip{} of other groups",
                            if n == 1 { "" } else { "s" }
                        ))
                        .color(theme::DIM),
                    )
                    .on_hover_text(
                        "Live Strips bound to another Stem Master (or to none): not compared \
                         here. Pick this Master's group in a Strip's header to add it.",
                    );
                    ui.add_space(10.0);
                }
                let (text, aligned) = scale::alignment_short(cross.alignment.as_ref());
                ui.add(
                    egui::Label::new(RichText::new(text).color(if aligned {
                        theme::DIM
                    } else {
                        theme::METER_HOT
                    }))
                    .truncate(),
                )
                .on_hover_text(format!("Snapshots: {}", cross.alignment_text));
            });
        });
    }

    /// Spectra and heatmap on the left; warnings, severity and rules on the right.
    fn lower(&mut self, ui: &mut Ui, cross: &CrossStemView, focus: Option<Focus>) {
        let full = ui.available_size();
        let gap = ui.spacing().item_spacing.x;
        let right_width = (full.x * 0.37).clamp(RIGHT_WIDTH.0, RIGHT_WIDTH.1);
        let left_width = full.x - right_width - gap;
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(left_width);
                let heat_height = masking::heatmap_height(cross);
                let spectra_height =
                    (full.y - heat_height - GAP - 2.0 * ui.spacing().item_spacing.y)
                        .max(SPECTRA_MIN_HEIGHT);
                spectra::show(self, ui, cross, focus, spectra_height);
                ui.add_space(GAP);
                masking::heatmap(self, ui, cross, focus);
            });
            ui.vertical(|ui| {
                ui.set_width(right_width);
                let list_height = (full.y - self.right_tail_height - GAP).max(120.0);
                warnings::list(self, ui, cross, list_height);
                let top = ui.cursor().top();
                ui.add_space(GAP);
                masking::severity(ui, cross, focus);
                ui.add_space(GAP);
                warnings::rules(ui, cross);
                self.right_tail_height = ui.cursor().top() - top;
            });
        });
    }
}

/// The colour of a row's stem.
fn row_color(row: &StemRow) -> Color32 {
    theme::stem_color(row.color_rgb, row.role)
}

/// Whether a row is compared now (not greyed).
fn is_live(row: &StemRow) -> bool {
    row.state == RowState::Live
}

/// The colour of the stem `id` (dim when it has no row).
fn color_of(cross: &CrossStemView, id: u64) -> Color32 {
    cross
        .rows
        .iter()
        .find(|r| r.id == id)
        .map_or(theme::DIM, row_color)
}

/// A panel title: small, strong, dim capitals.
fn title(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).strong().size(12.0).color(theme::DIM));
}

fn dim(ui: &mut Ui, text: &str) -> egui::Response {
    ui.label(RichText::new(text).color(theme::DIM))
}

/// A framed message over the tab's width: a headline and dim lines under it.
fn message(ui: &mut Ui, headline: &str, lines: &[&str], color: Color32) {
    section_frame().inner_margin(16).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(headline).size(15.0).strong().color(color));
        ui.add_space(4.0);
        for line in lines {
            ui.label(RichText::new(*line).color(theme::DIM));
        }
    });
}

/// No stems yet: how to add them.
fn empty(ui: &mut Ui, cross: &CrossStemView, group: &str) {
    let short = &group[..4];
    let others = if cross.other_groups > 0 {
        format!(
            "{} Strip{} of other groups {} running: pick this Master (group {short}) in their \
             header to bring them here.",
            cross.other_groups,
            if cross.other_groups == 1 { "" } else { "s" },
            if cross.other_groups == 1 { "is" } else { "are" },
        )
    } else {
        String::new()
    };
    let bind = format!(
        "Insert Stem Strip on each stem bus; it binds to this Master automatically \
         (group {short}). With several Stem Masters running, pick group {short} in the \
         Strip's header."
    );
    let mut lines = vec![
        bind.as_str(),
        "Set each Strip's role (drums, bass, music, lead vocal…) and name: the masking rules \
         follow the roles.",
    ];
    if !others.is_empty() {
        lines.push(&others);
    }
    message(
        ui,
        "No Stem Strips linked yet",
        &lines,
        egui::Color32::LIGHT_GRAY,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::bands::NUM_BANDS;
    use shared_dsp::masking::{MaskingReport, RoleRules, WarningReport};
    use shared_dsp::role::StemRole;

    fn row(id: u64, name: &str, role: StemRole) -> StemRow {
        StemRow {
            id,
            slot: id as usize,
            name: name.to_owned(),
            role,
            color_rgb: None,
            state: RowState::Live,
            shortterm_lufs: Some(-20.0),
            relative_lu: Some(-5.0),
            drift_lu: None,
            drifting: false,
            gain_db: 0.0,
            priority: 50.0,
            priority_overridden: false,
            band_db: vec![-60.0; NUM_BANDS],
            warnings: 0,
        }
    }

    fn warning(kind: WarningKind, maskee_id: u64, masker_id: u64, first_band: u8) -> WarningReport {
        WarningReport {
            warning: MaskingWarning {
                kind,
                maskee_id,
                maskee_role: StemRole::Other,
                masker_id,
                masker_role: StemRole::Other,
                first_band,
                last_band: first_band + 2,
                lo_hz: 100.0,
                hi_hz: 200.0,
                short_db: 4.0,
                masked_share: 0.6,
                window_s: 10.0,
                ..MaskingWarning::default()
            },
            text: String::new(),
        }
    }

    fn view(warnings: Vec<WarningReport>) -> CrossStemView {
        CrossStemView {
            time_s: 10.0,
            alignment: None,
            alignment_text: String::new(),
            rows: vec![
                row(7, "Kick", StemRole::Drums),
                row(3, "Bass", StemRole::Bass),
                row(5, "Vox", StemRole::LeadVocal),
            ],
            other_groups: 0,
            mix_lufs: None,
            mix_estimated: true,
            sum_band_db: vec![-60.0; NUM_BANDS],
            band_centers_hz: vec![100.0; NUM_BANDS],
            masking: MaskingReport {
                time_s: 10.0,
                stems: Vec::new(),
                severity: Vec::new(),
                warnings,
            },
            rules: RoleRules::default(),
            has_reference: false,
            tolerance_lu: 1.0,
        }
    }

    #[test]
    fn a_collision_is_the_same_choice_whichever_stem_is_named_first() {
        let a = warning(WarningKind::Collision, 7, 3, 2).warning;
        let b = warning(WarningKind::Collision, 3, 7, 3).warning;
        assert_eq!(WarningKey::of(&a), WarningKey::of(&b));
        let m = warning(WarningKind::Masking, 7, 3, 2).warning;
        let n = warning(WarningKind::Masking, 3, 7, 2).warning;
        assert_ne!(WarningKey::of(&m), WarningKey::of(&n));
    }

    #[test]
    fn the_choice_follows_its_warning_and_is_dropped_when_it_clears() {
        let mut tab = StemsTab::default();
        let first = view(vec![warning(WarningKind::Collision, 7, 3, 2)]);
        tab.toggle_warning(&first, 0);
        assert!(tab.focus(&first).is_some());
        // The engine names the pair the other way round: still chosen.
        let swapped = view(vec![warning(WarningKind::Collision, 3, 7, 2)]);
        assert!(tab
            .focus(&swapped)
            .is_some_and(|f| f.involves(7) && f.involves(3)));
        // Cleared: the choice goes.
        assert_eq!(tab.focus(&view(Vec::new())), None);
        assert_eq!(tab.selected, None);
        // A second click on the same warning clears the choice.
        tab.toggle_warning(&first, 0);
        tab.toggle_warning(&first, 0);
        assert_eq!(tab.selected, None);
    }

    #[test]
    fn warnings_list_by_priority_then_row_whatever_the_engine_order() {
        let v = view(vec![
            warning(WarningKind::Masking, 5, 3, 30),
            warning(WarningKind::Masking, 3, 7, 4),
            warning(WarningKind::Masking, 5, 3, 20),
            warning(WarningKind::Masking, 7, 5, 1),
        ]);
        // Rows: Kick (7), Bass (3), Vox (5).
        assert_eq!(warnings::display_order(&v), vec![3, 1, 2, 0]);
        // A masked stem of higher priority lists first: the vocal's warnings on top.
        let mut v = v;
        v.rows[2].priority = 100.0;
        assert_eq!(warnings::display_order(&v), vec![2, 0, 3, 1]);
    }
}
