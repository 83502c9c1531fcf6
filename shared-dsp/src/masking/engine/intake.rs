//! Intake of an update: the sliding window, input validation and slot assignment.

use crate::masking::model::db_to_power;
use crate::masking::StemInput;
use crate::snapshot::{StemName, CEIL_DB, FLOOR_DB};

use super::{select_lowest_ids, MaskingEngine, DEFICIT_BINS, FLOOR_POWER, NB, SEGMENTS};

impl MaskingEngine {
    /// Moves the sliding window on by `dt`, clearing segments that fall out of it.
    pub(super) fn advance_window(&mut self, dt: f32) {
        let seg_len = self.config.window_s / SEGMENTS as f32;
        self.segment_elapsed_s += dt;
        let mut steps = 0;
        while self.segment_elapsed_s >= seg_len && steps <= SEGMENTS {
            self.segment_elapsed_s -= seg_len;
            self.segment = (self.segment + 1) % SEGMENTS;
            steps += 1;
            for s in 0..self.max_stems {
                let at = s * SEGMENTS + self.segment;
                self.seg_total_s[at] = 0.0;
                self.seg_masked_s[at] = [0.0; NB];
                self.seg_short_s[at] = [0.0; NB];
                self.seg_active_s[at] = [0.0; NB];
                self.seg_hist_s[at] = [[0.0; DEFICIT_BINS]; NB];
            }
        }
        if self.segment_elapsed_s >= seg_len {
            self.segment_elapsed_s = 0.0;
        }
        if steps > 0 {
            // Exact sums again, so that running sums never drift.
            for s in 0..self.max_stems {
                let segs = s * SEGMENTS..(s + 1) * SEGMENTS;
                self.win_total_s[s] = self.seg_total_s[segs.clone()].iter().sum();
                let mut masked = [0.0f32; NB];
                let mut short = [0.0f32; NB];
                let mut sounding = [0.0f32; NB];
                let mut hist = [[0.0f32; DEFICIT_BINS]; NB];
                for g in segs {
                    for q in 0..NB {
                        masked[q] += self.seg_masked_s[g][q];
                        short[q] += self.seg_short_s[g][q];
                        sounding[q] += self.seg_active_s[g][q];
                        for (h, x) in hist[q].iter_mut().zip(self.seg_hist_s[g][q]) {
                            *h += x;
                        }
                    }
                }
                self.win_hist_s[s] = hist;
                self.win_masked_s[s] = masked;
                self.win_short_s[s] = short;
                self.win_active_s[s] = sounding;
            }
        }
    }

    /// Sorts the input by id, maps it to slots, validates it and converts it to powers.
    /// Returns the number of stems taken.
    pub(super) fn gather(&mut self, stems: &[StemInput], dt: f32) -> usize {
        select_lowest_ids(stems, self.max_stems, &mut self.order);
        // Drop duplicate ids: a caller error; keep the first in sorted order.
        let mut w = 0;
        for r in 0..self.order.len() {
            if w == 0 || stems[self.order[r]].id != stems[self.order[w - 1]].id {
                self.order[w] = self.order[r];
                w += 1;
            }
        }
        self.order.truncate(w);
        let num = self.order.len();

        for p in self.slot_present.iter_mut() {
            *p = false;
        }
        // Known ids first, so that a new id never evicts a stem of this same update.
        for r in 0..num {
            let slot = self.slot_of(stems[self.order[r]].id);
            self.rank_slot[r] = slot.unwrap_or(usize::MAX);
            if let Some(s) = slot {
                self.slot_present[s] = true;
            }
        }
        for r in 0..num {
            if self.rank_slot[r] == usize::MAX {
                let slot = self.claim_slot(stems[self.order[r]].id);
                self.rank_slot[r] = slot;
                self.slot_present[slot] = true;
            }
        }
        for r in 0..num {
            let input = &stems[self.order[r]];
            let slot = self.rank_slot[r];
            self.slot_absent_s[slot] = 0.0;
            self.slot_role[slot] = input.role;
            self.slot_priority[slot] = input.priority.filter(|p| p.is_finite());
            if self.slot_name[slot].as_str() != input.name {
                self.slot_name[slot] = StemName::new(input.name);
            }
            let valid = input
                .band_db
                .iter()
                .chain(&input.masking_db)
                .flatten()
                .all(|x| !x.is_nan() && *x != f32::INFINITY);
            self.slot_valid[slot] = valid;
            let gated = input.shortterm_lufs.is_finite()
                && input.shortterm_lufs < self.config.silence_lufs
                || input.shortterm_lufs == f32::NEG_INFINITY;
            self.rank_active[r] = valid && !gated;
            for c in 0..2 {
                for (out, db) in [
                    (&mut self.power[2 * r + c], &input.band_db[c]),
                    (&mut self.mask_power[2 * r + c], &input.masking_db[c]),
                ] {
                    *out = if valid { powers(db) } else { [0.0; NB] };
                }
            }
            self.slot_history_s[slot] += dt;
            self.seg_total_s[slot * SEGMENTS + self.segment] += dt;
            self.win_total_s[slot] += dt;
        }
        for s in 0..self.max_stems {
            if self.slot_used[s] && !self.slot_present[s] {
                self.slot_absent_s[s] += dt;
                if self.slot_absent_s[s] > self.config.forget_after_s {
                    self.free_slot(s);
                }
            }
        }
        num
    }

    /// A slot for a new id: a free one, else the one absent longest.
    fn claim_slot(&mut self, id: u64) -> usize {
        let slot = match (0..self.max_stems).find(|&s| !self.slot_used[s]) {
            Some(s) => s,
            None => {
                let mut best = 0;
                let mut best_absent = -1.0;
                for s in 0..self.max_stems {
                    if !self.slot_present[s] && self.slot_absent_s[s] > best_absent {
                        best = s;
                        best_absent = self.slot_absent_s[s];
                    }
                }
                self.free_slot(best);
                best
            }
        };
        self.slot_used[slot] = true;
        self.slot_id[slot] = id;
        slot
    }
}

/// Band levels in dBFS as powers; at or below [`FLOOR_DB`] (and `-inf`) is [`FLOOR_POWER`].
fn powers(db: &[f32; NB]) -> [f32; NB] {
    db.map(|db| {
        let db = db.clamp(FLOOR_DB, CEIL_DB);
        if db <= FLOOR_DB {
            FLOOR_POWER
        } else {
            db_to_power(db)
        }
    })
}
