//! Where a fix acts: the masker bands whose spread makes the threshold in a masked range,
//! the cut they need, and a check of that cut against the engine's own model.

use crate::db::power_to_db;
use crate::masking::model::{cut_needed_db, db_to_power, FLOOR_DB};

use super::{MaskingEngine, NB};

/// A cut range covers at least this share of what the masker adds to the threshold in the
/// masked range (weighted by the deficit there), and grows further while a cut of at most
/// `max_cut_db` would not close the deficit, up to [`MAX_COVERAGE`].
const MIN_COVERAGE: f32 = 0.8;
/// A cut range stops growing at this coverage even when the deficit is too large for any
/// cut of at most `max_cut_db` to close it: the rest of the masker's part is its far skirts,
/// and a cut there would be a broadband level change, not an EQ move.
const MAX_COVERAGE: f32 = 0.9;

/// A cut on the masker's own bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CutPlan {
    /// First and last masker band to cut (inclusive).
    pub first: usize,
    pub last: usize,
    /// Share (0..1) of the masker's part of the threshold in the masked range that the
    /// bands `first..=last` hold.
    pub coverage: f32,
}

impl MaskingEngine {
    /// The masker bands of slot `m` whose spread makes most of the threshold of slot `s` in
    /// the bands `first..=last` named for `m` (a deficit of `short_db` there, `m` holding
    /// `masker_share` of the threshold). `None` when the masker adds nothing there now
    /// (silent or gone).
    pub(super) fn plan_cut(
        &self,
        s: usize,
        m: usize,
        first: usize,
        last: usize,
        short_db: f32,
        masker_share: f32,
    ) -> Option<CutPlan> {
        let spread = &self.kernels.spread;
        let pm = &self.slot_mask_power[m];
        let ts = &self.slot_threshold[s];
        // contrib[b]: masker band b's part of the threshold over the range, each maskee band
        // weighted by its mean deficit.
        let mut contrib = [0.0f32; NB];
        for q in first..=last {
            if self.warn_masker(s, q) as usize != m {
                continue;
            }
            let w = self.mean_short_db[s][q].max(0.0);
            for c in 0..2 {
                let inv = w / ts[c][q];
                for (b, x) in contrib.iter_mut().enumerate() {
                    *x += pm[c][b] * spread[b * NB + q] * inv;
                }
            }
        }
        let total: f32 = contrib.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return None;
        }
        let mut lo = (0..NB).fold(
            0,
            |best, b| if contrib[b] > contrib[best] { b } else { best },
        );
        let mut hi = lo;
        let mut acc = contrib[lo];
        let max_cut = self.config.max_cut_db;
        loop {
            let coverage = (acc / total).min(1.0);
            let closes =
                cut_needed_db(short_db, masker_share * coverage).is_some_and(|c| c <= max_cut);
            let enough = coverage >= MIN_COVERAGE && (closes || coverage >= MAX_COVERAGE);
            if enough || (lo == 0 && hi == NB - 1) {
                return Some(CutPlan {
                    first: lo,
                    last: hi,
                    coverage,
                });
            }
            // Grow towards the neighbour that adds more.
            let below = if lo > 0 { contrib[lo - 1] } else { -1.0 };
            let above = if hi + 1 < NB { contrib[hi + 1] } else { -1.0 };
            if above >= below {
                hi += 1;
                acc += contrib[hi];
            } else {
                lo -= 1;
                acc += contrib[lo];
            }
        }
    }

    /// The deficit (dB, summed over the bands of `first..=last` named for `m`) of slot `s`
    /// now, and what it would be with the masker's bands `plan.first..=plan.last` cut by
    /// `cut_db`: the engine's own model re-run on the smoothed powers and thresholds with the
    /// cut applied to the masker's masking levels.
    pub(super) fn deficit_with_cut(
        &self,
        s: usize,
        m: usize,
        first: usize,
        last: usize,
        plan: &CutPlan,
        cut_db: f32,
    ) -> (f32, f32) {
        let spread = &self.kernels.spread;
        let pm = &self.slot_mask_power[m];
        let ts = &self.slot_threshold[s];
        let es = &self.slot_energy[s];
        let removed_gain = 1.0 - db_to_power(-cut_db);
        let (mut before, mut after) = (0.0f32, 0.0f32);
        for q in first..=last {
            if self.warn_masker(s, q) as usize != m || !self.matters[s][q] {
                continue;
            }
            let mut ratio = 0.0f32;
            let mut ratio_cut = 0.0f32;
            for c in 0..2 {
                let part: f32 = (plan.first..=plan.last)
                    .map(|b| pm[c][b] * spread[b * NB + q])
                    .sum();
                let t_cut = (ts[c][q] - removed_gain * part).max(self.kernels.quiet_power[q]);
                ratio = ratio.max(es[c][q] / ts[c][q]);
                ratio_cut = ratio_cut.max(es[c][q] / t_cut);
            }
            let required = self.required_tmr_db(s, q);
            before += (required - power_to_db(ratio, FLOOR_DB)).max(0.0);
            after += (required - power_to_db(ratio_cut, FLOOR_DB)).max(0.0);
        }
        (before, after)
    }
}
