//! The per-band computation of an update: spreading, thresholds, TMR, attribution, history
//! and hysteresis.

use crate::db::power_to_db;
use crate::masking::model::{db_to_power, FLOOR_DB};

use super::{
    deficit_bin, MaskingEngine, ACTIVE_RANGE_DB, FLOOR_POWER, NB, NO_SLOT, PEAK_RELEASE_DB_PER_S,
    SEGMENTS,
};

impl MaskingEngine {
    /// Spread thresholds (masking offset included) and critical-band energies per rank and
    /// channel.
    pub(super) fn spread_and_integrate(&mut self, num: usize) {
        let k = &self.kernels;
        for rc in 0..2 * num {
            // A stem masks others at its masking powers and is masked at its band powers.
            let p = &self.power[rc];
            let s = &mut self.spread[rc];
            *s = [0.0; NB];
            for (b, &pb) in self.mask_power[rc].iter().enumerate() {
                if pb <= FLOOR_POWER {
                    continue;
                }
                let (lo, hi) = k.spread_range[b];
                let row = &k.spread[b * NB..(b + 1) * NB];
                for q in lo as usize..hi as usize {
                    s[q] += pb * row[q];
                }
            }
            let e = &mut self.band_energy[rc];
            for (eq, &(lo, hi)) in e.iter_mut().zip(&k.critical_band) {
                *eq = p[lo as usize..hi as usize].iter().sum();
            }
        }
    }

    /// `threshold[2r + c]`: threshold in quiet plus every other stem's spread threshold, as
    /// prefix and suffix sums (no cancellation, same order for any input order).
    pub(super) fn thresholds(&mut self, num: usize) {
        for c in 0..2 {
            let mut acc = [0.0f32; NB];
            for r in 0..num {
                self.threshold[2 * r + c] = acc;
                let s = &self.spread[2 * r + c];
                for q in 0..NB {
                    acc[q] += s[q];
                }
            }
            let mut acc = [0.0f32; NB];
            for r in (0..num).rev() {
                let t = &mut self.threshold[2 * r + c];
                let s = &self.spread[2 * r + c];
                for q in 0..NB {
                    t[q] += acc[q] + self.kernels.quiet_power[q];
                    acc[q] += s[q];
                }
            }
        }
    }

    /// TMR, better ear, band-matters rule, attribution, history and hysteresis.
    pub(super) fn judge(&mut self, num: usize, dt: f32) {
        let cfg = self.config;
        let n = self.max_stems;
        let alpha = if dt > 0.0 {
            1.0 - (-dt / cfg.smoothing_s()).exp()
        } else {
            0.0
        };
        // How far each band's recent peak falls this update, and how far under it the band
        // still sounds.
        let fall = db_to_power(-PEAK_RELEASE_DB_PER_S * dt);
        let active_gain = db_to_power(-ACTIVE_RANGE_DB);
        for r in 0..num {
            let s = self.rank_slot[r];
            let active = self.rank_active[r];
            // The stem's strongest band over both channels, for the band-matters rule
            // (compared as powers: no logarithm per band).
            let mut raw = [0.0f32; NB];
            let mut peak = 0.0f32;
            for (q, rq) in raw.iter_mut().enumerate() {
                *rq = self.power[2 * r][q].max(self.power[2 * r + 1][q]);
                peak = peak.max(*rq);
            }
            let matters_min = (peak * self.matters_range_gain).max(self.matters_floor_power);
            // What the fix is placed and checked on, smoothed like the attributions so that
            // it does not follow each update (a kick's masking level moves with its hits).
            let first = self.slot_history_s[s] <= dt;
            for (kept, now) in [
                (&mut self.slot_mask_power[s], &self.mask_power),
                (&mut self.slot_threshold[s], &self.threshold),
                (&mut self.slot_energy[s], &self.band_energy),
            ] {
                for (c, kept) in kept.iter_mut().enumerate() {
                    let now = &now[2 * r + c];
                    if first {
                        *kept = *now;
                    } else {
                        for (k, x) in kept.iter_mut().zip(now) {
                            *k += alpha * (x - *k);
                        }
                    }
                }
            }
            let role = self.slot_role[s];
            let importance: [f32; NB] =
                std::array::from_fn(|q| self.compiled.terms(role, q).importance);
            let mut num_matter = 0usize;
            let mut any_short = false;
            let mut inv_tl = [0.0f32; NB];
            let mut inv_tr = [0.0f32; NB];
            let mut masker_frac = [0.0f32; NB];
            for q in 0..NB {
                let (tl, tr) = (self.threshold[2 * r][q], self.threshold[2 * r + 1][q]);
                inv_tl[q] = 1.0 / tl;
                inv_tr[q] = 1.0 / tr;
                // Better ear: the larger of the two ratios, one logarithm.
                let ratio = (self.band_energy[2 * r][q] * inv_tl[q])
                    .max(self.band_energy[2 * r + 1][q] * inv_tr[q]);
                let tmr = power_to_db(ratio, FLOOR_DB);
                let matters =
                    active && raw[q] >= matters_min && raw[q] > self.kernels.quiet_power[q];
                num_matter += matters as usize;
                let required = self.required_tmr_db(s, q);
                let short = if matters {
                    (required - tmr).max(0.0)
                } else {
                    0.0
                };
                any_short |= short > 0.0;
                self.tmr_db[s][q] = tmr.clamp(-300.0, 300.0);
                self.matters[s][q] = matters;
                self.short_db[s][q] = short;
                let quiet = self.kernels.quiet_power[q];
                masker_frac[q] = (1.0 - quiet * inv_tl[q])
                    .min(1.0 - quiet * inv_tr[q])
                    .max(0.0);
            }
            // Attribution: each masker's share of the threshold, taken on the ear where it
            // is smallest (a masker only gets the blame it has on both ears), normalised
            // over maskers and scaled by the part not due to the threshold in quiet.
            let mut scale = [0.0f32; NB];
            if any_short {
                let mut total = [0.0f32; NB];
                for j in 0..num {
                    let att = &mut self.attribution[j];
                    if j == r {
                        *att = [0.0; NB];
                        continue;
                    }
                    let (sl, sr) = (&self.spread[2 * j], &self.spread[2 * j + 1]);
                    for q in 0..NB {
                        let m = (sl[q] * inv_tl[q]).min(sr[q] * inv_tr[q]);
                        att[q] = m;
                        total[q] += m;
                    }
                }
                for q in 0..NB {
                    let short = self.short_db[s][q];
                    if short > 0.0 && total[q] > 0.0 {
                        scale[q] = short * masker_frac[q] / total[q];
                    }
                }
            }
            // Severity matrix row (each band weighted by its importance to the maskee's
            // role), pair smoothing and the leading masker per band.
            let denom = num_matter.max(1) as f32;
            let mut best = [NO_SLOT; NB];
            let mut best_v = [0.0f32; NB];
            for j in 0..num {
                let sj = self.rank_slot[j];
                let cell = s * n + sj;
                let ema = &mut self.pair_ema[cell];
                let mut sum = 0.0f32;
                if any_short {
                    let att = &self.attribution[j];
                    for q in 0..NB {
                        let x = att[q] * scale[q];
                        sum += x * importance[q];
                        ema[q] += alpha * (x - ema[q]);
                    }
                } else {
                    for e in ema.iter_mut() {
                        *e -= alpha * *e;
                    }
                }
                if sj != s {
                    for q in 0..NB {
                        if ema[q] > best_v[q] {
                            best_v[q] = ema[q];
                            best[q] = sj as u16;
                        }
                    }
                }
                self.severity[cell] = sum / denom;
                self.severity_ema[cell] += alpha * (self.severity[cell] - self.severity_ema[cell]);
            }
            // History, window shares, hysteresis.
            let seg = s * SEGMENTS + self.segment;
            for q in 0..NB {
                let short = self.short_db[s][q];
                // The band sounds while near its own recent peak: only then is the stem
                // judged there, masked or clear.
                let peak = &mut self.recent_peak[s][q];
                *peak = (*peak * fall).max(raw[q]);
                let sounding = active && raw[q] > FLOOR_POWER && raw[q] >= *peak * active_gain;
                if sounding && dt > 0.0 {
                    self.seg_active_s[seg][q] += dt;
                    self.win_active_s[s][q] += dt;
                    let bin = deficit_bin(short);
                    self.seg_hist_s[seg][q][bin] += dt;
                    self.win_hist_s[s][q][bin] += dt;
                }
                let denom_s = self.win_active_s[s][q].max(cfg.min_evidence_s);
                // A band is masked when it sounds and its deficit, weighted by its
                // importance, reaches the threshold: an unimportant band must be far short
                // to count.
                if sounding && short * importance[q] >= cfg.masked_when_short_db && dt > 0.0 {
                    self.seg_masked_s[seg][q] += dt;
                    self.seg_short_s[seg][q] += dt * short;
                    self.win_masked_s[s][q] += dt;
                    self.win_short_s[s][q] += dt * short;
                    self.history_masked_s[s][q] += dt;
                }
                let masked_s = self.win_masked_s[s][q];
                let share = (masked_s / denom_s).clamp(0.0, 1.0);
                self.masked_share[s][q] = share;
                self.mean_short_db[s][q] = if masked_s > 0.0 {
                    self.win_short_s[s][q] / masked_s
                } else {
                    0.0
                };
                let on = &mut self.flagged[s][q];
                if !active {
                    *on = false;
                } else if *on {
                    *on = share >= cfg.off_share;
                } else {
                    *on = share >= cfg.on_share;
                }
                // The named masker changes only when another clearly leads.
                let cur = self.dominant[s][q];
                let cur_v = if cur != NO_SLOT && self.slot_present[cur as usize] {
                    self.pair_ema[s * n + cur as usize][q]
                } else {
                    0.0
                };
                if cur_v <= 0.0 || best_v[q] > cfg.dominant_switch_ratio * cur_v {
                    self.dominant[s][q] = best[q];
                }
            }
        }
    }
}
