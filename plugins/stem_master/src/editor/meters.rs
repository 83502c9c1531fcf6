//! The meters column: input and output peak bars, the loudness readouts (momentary,
//! short-term, integrated and its distance from the target, loudness range, true peak, its
//! maximum against the ceiling, PLR), the glue compressor's and the limiter's gain
//! reduction, and the button that restarts the integrated figures and the history.

use crate::params::MasterParams;
use crate::Shared;
use egui::{self, Color32, RichText, Ui};
use shared_dsp::snapshot::FLOOR_DB;
use std::sync::atomic::Ordering;
use stem_plugin_common::meters::{
    bar, readout, readout_text, reduction_bar, text_db, Ballistics, METER_FLOOR_DB,
};
use stem_plugin_common::theme;
use stem_plugin_common::widgets::section_frame;

/// A section frame's margins and edge on each side, px.
const FRAME_EDGES: f32 = 14.0;
/// Width of one peak bar, px.
const BAR_WIDTH: f32 = 18.0;
/// Width of the peak bars' column, px.
const BARS_COLUMN: f32 = 62.0;
/// Distance from the target (LU) beyond which the integrated loudness is flagged.
const TARGET_TOLERANCE_LU: f32 = 1.0;
/// Scale of the gain-reduction bars, dB.
const REDUCTION_RANGE_DB: f32 = 12.0;
/// How far a shown gain reduction may fall in a frame, dB.
const REDUCTION_FALL_DB: f32 = 0.5;

/// Ballistics and holds the GUI keeps between frames.
pub struct MeterState {
    input: Ballistics,
    output: Ballistics,
    /// The output true peak, held so that it can be read.
    true_peak: Ballistics,
    /// Height of the loudness readouts in the last frame, px: the peak bars are at least
    /// as tall.
    readouts_height: f32,
    /// Height of what follows them (gain reduction, reset) in the last frame, px: the bars
    /// take the height it leaves.
    tail_height: f32,
    /// The glue compressor's and the limiter's gain reduction as shown, dB.
    reductions_db: [f32; 2],
}

impl Default for MeterState {
    fn default() -> Self {
        Self {
            input: Ballistics::at_floor(),
            output: Ballistics::at_floor(),
            true_peak: Ballistics::at_floor(),
            readouts_height: 0.0,
            tail_height: 0.0,
            reductions_db: [0.0; 2],
        }
    }
}

/// Whether a figure was measured (is above the floor); "—" stands for one that was not.
fn measured(v: f32) -> bool {
    v.is_finite() && v > FLOOR_DB + 1.0
}

impl MeterState {
    /// Takes this frame's levels and gain reductions (once a frame, before drawing).
    pub fn update(&mut self, params: &MasterParams, shared: &Shared) {
        let r = Ordering::Relaxed;
        self.input.update(shared.input_peak_db.load(r));
        self.output.update(shared.output_peak_db.load(r));
        self.true_peak.update(shared.true_peak_db.load(r));
        let glue = if params.glue.enabled.value() {
            shared.compressor_reduction_db.load(r)
        } else {
            0.0
        };
        let limiter = if params.limiter.enabled.value() {
            shared.limiter_reduction_db.load(r)
        } else {
            0.0
        };
        for (shown, now) in self.reductions_db.iter_mut().zip([glue, limiter]) {
            // Rise at once, fall at about 15 dB/s: a limiter's short grabs stay readable.
            let now = if now.is_finite() { now.max(0.0) } else { 0.0 };
            *shown = now.max(*shown - REDUCTION_FALL_DB);
        }
    }

    /// The glue compressor's and the limiter's gain reduction as shown, dB (≥ 0).
    pub fn reductions_db(&self) -> [f32; 2] {
        self.reductions_db
    }

    /// Draws the column `width` × `height` px.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        params: &MasterParams,
        shared: &Shared,
        width: f32,
        height: f32,
    ) {
        let r = Ordering::Relaxed;
        let (target_lufs, ceiling_db) = params.target();
        section_frame().show(ui, |ui| {
            ui.set_width(width - FRAME_EDGES);
            ui.set_min_height(height - FRAME_EDGES);
            let bars_height = (height - FRAME_EDGES - self.tail_height).max(self.readouts_height);
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(BARS_COLUMN);
                    self.bars(ui, bars_height);
                });
                ui.vertical(|ui| {
                    let top = ui.cursor().top();
                    self.readouts(ui, shared, target_lufs, ceiling_db);
                    self.readouts_height = ui.min_rect().bottom() - top;
                });
            });
            let tail_top = ui.cursor().top();
            ui.separator();
            heading(ui, "GAIN REDUCTION");
            let [glue, limiter] = self.reductions_db;
            reduction_bar(ui, "Glue", glue, REDUCTION_RANGE_DB);
            reduction_bar(ui, "Limiter", limiter, REDUCTION_RANGE_DB);
            ui.add_space(2.0);
            let reset = egui::Button::new(RichText::new("Reset").strong())
                .min_size(egui::vec2(ui.available_width(), 20.0));
            if ui
                .add(reset)
                .on_hover_text(
                    "Restart the integrated loudness, the loudness range, the maximum true \
                     peak and the history",
                )
                .clicked()
            {
                shared.reset_request.store(true, r);
            }
            self.tail_height = ui.cursor().top() - tail_top;
        });
    }

    /// The input and output peak bars, `height` px in all, with their held peaks below.
    fn bars(&self, ui: &mut Ui, height: f32) {
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 8.0;
                for label in ["IN", "OUT"] {
                    ui.add_sized(
                        [BAR_WIDTH + 4.0, 14.0],
                        egui::Label::new(
                            RichText::new(label).strong().size(11.0).color(theme::DIM),
                        ),
                    );
                }
            });
            let bar_height = (height - 44.0).max(60.0);
            ui.horizontal(|ui| {
                ui.add_space(2.0);
                ui.spacing_mut().item_spacing.x = 12.0;
                bar(ui, &self.input, BAR_WIDTH, bar_height);
                bar(ui, &self.output, BAR_WIDTH, bar_height);
            });
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 2.0;
                for b in [&self.input, &self.output] {
                    ui.add_sized(
                        [28.0, 12.0],
                        egui::Label::new(
                            RichText::new(text_db(b.hold_db())).monospace().size(10.0),
                        ),
                    );
                }
            });
        });
    }

    /// The loudness readouts.
    fn readouts(&self, ui: &mut Ui, shared: &Shared, target_lufs: f32, ceiling_db: f32) {
        let r = Ordering::Relaxed;
        heading(ui, "LOUDNESS");
        readout(ui, "Momentary", shared.momentary_lufs.load(r), "LUFS");
        readout(ui, "Short-term", shared.shortterm_lufs.load(r), "LUFS");
        let integrated = shared.integrated_lufs.load(r);
        readout(ui, "Integrated", integrated, "LUFS");
        let (text, color) = if measured(integrated) {
            let off = integrated - target_lufs;
            let color = if off.abs() > TARGET_TOLERANCE_LU {
                theme::WARN
            } else {
                theme::METER_OK
            };
            (format!("{:+.1}", off + 0.0), Some(color))
        } else {
            ("—".to_owned(), None)
        };
        readout_text(ui, "  to target", &text, "LU", color).on_hover_text(format!(
            "Integrated loudness minus the target ({target_lufs:.1} LUFS); flagged beyond \
             ±{TARGET_TOLERANCE_LU:.0} LU"
        ));
        readout(ui, "LRA", shared.loudness_range_lu.load(r), "LU")
            .on_hover_text("Loudness range (EBU Tech 3342)");
        ui.add_space(4.0);
        heading(ui, "PEAKS");
        // The held true peak; at the bar meters' floor, nothing was heard.
        let tp = match self.true_peak.hold_db() {
            db if db < METER_FLOOR_DB => FLOOR_DB,
            db => db,
        };
        readout_text(ui, "True peak", &text_db(tp), "dBTP", over(tp, ceiling_db));
        let max_tp = shared.max_true_peak_db.load(r);
        readout_text(
            ui,
            "TP max",
            &text_db(max_tp),
            "dBTP",
            over(max_tp, ceiling_db),
        )
        .on_hover_text(format!(
            "Highest true peak since the reset; red above the ceiling ({ceiling_db:.1} dBTP)"
        ));
        let plr = if measured(integrated) && measured(max_tp) {
            format!("{:.1}", shared.plr_db.load(r))
        } else {
            "—".to_owned()
        };
        readout_text(ui, "PLR", &plr, "dB", None)
            .on_hover_text("Peak to loudness ratio: TP max minus the integrated loudness");
    }
}

/// A section's title inside the column.
fn heading(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).strong().color(theme::DIM));
}

/// Red when a true peak is over the ceiling (by more than the display's rounding).
fn over(true_peak_db: f32, ceiling_db: f32) -> Option<Color32> {
    (measured(true_peak_db) && true_peak_db > ceiling_db + 0.05).then_some(theme::METER_OVER)
}
