//! Warnings, their text and the owned report.

use crate::format;
use crate::masking::importance::LOW_IMPORTANCE;
use crate::masking::model::cut_needed_db;
use crate::masking::report::{
    BandReport, FixAction, MaskingReport, MaskingWarning, SeverityEntry, StemReport, SuggestedFix,
    WarningKind, WarningReport,
};

use super::{MaskingEngine, NB, NO_SLOT};

/// The dynamic range over which a band's audibility goes from none to full, dB: the
/// Speech Intelligibility Index's 30 dB (ANSI S3.5-1997, band audibility `(SNR + 15) / 30`).
const SII_RANGE_DB: f32 = 30.0;

/// A range is warned about only when it takes at least this share of the stem's
/// importance-weighted audibility away: 2 %, about what a listener begins to notice as a
/// change in intelligibility (a 0.02 change of the SII).
const MIN_AUDIBILITY_LOSS: f32 = 0.02;

/// A warning already up stays while its range takes this fraction of
/// [`MIN_AUDIBILITY_LOSS`], so that it does not blink at the edge.
const HOLD_FRACTION: f32 = 0.8;

impl MaskingEngine {
    pub(super) fn build_warnings(&mut self) {
        self.warnings.clear();
        self.slot_order.clear();
        for s in 0..self.max_stems {
            if self.slot_used[s] {
                self.slot_order.push(s);
            }
        }
        let ids = &self.slot_id;
        self.slot_order.sort_unstable_by_key(|&s| ids[s]);
        for k in 0..self.slot_order.len() {
            let s = self.slot_order[k];
            let mut q = 0;
            while q < NB {
                let masker = self.warn_masker(s, q);
                if masker == NO_SLOT {
                    self.warned[s][q] = false;
                    q += 1;
                    continue;
                }
                let first = q;
                // NOTE: a range runs on across a gap of one band where no warning is due
                // (953 Hz to 1.1 kHz and 1.2 to 1.3 kHz are one finding to a user); a band
                // named for another masker ends it.
                loop {
                    if q + 1 < NB && self.warn_masker(s, q + 1) == masker {
                        q += 1;
                    } else if q + 2 < NB
                        && self.warn_masker(s, q + 1) == NO_SLOT
                        && self.warn_masker(s, q + 2) == masker
                    {
                        q += 2;
                    } else {
                        break;
                    }
                }
                // A warning means a listener would notice: the range must take enough of
                // the stem's importance-weighted audibility away (after the SII); a little
                // less keeps a warning that is already up, so it does not blink.
                let held = self.warned[s][first..=q].iter().any(|&w| w);
                let min = if held {
                    MIN_AUDIBILITY_LOSS * HOLD_FRACTION
                } else {
                    MIN_AUDIBILITY_LOSS
                };
                if self.audibility_loss(s, masker as usize, first, q) < min {
                    self.warned[s][first..=q].fill(false);
                    q += 1;
                    continue;
                }
                self.warned[s][first..=q].fill(true);
                let w = self.make_warning(s, masker as usize, first, q);
                if self.warnings.len() < self.warnings.capacity() {
                    self.warnings.push(w);
                }
                q += 1;
            }
        }
        // A collision is reported once: keep the direction with the larger deficit.
        self.keep.clear();
        for a in 0..self.warnings.len() {
            let wa = &self.warnings[a];
            let mut keep = true;
            if wa.kind == WarningKind::Collision {
                for wb in self.warnings.iter() {
                    if wb.kind == WarningKind::Collision
                        && wb.maskee_id == wa.masker_id
                        && wb.masker_id == wa.maskee_id
                        && wb.first_band <= wa.last_band
                        && wa.first_band <= wb.last_band
                    {
                        let (ka, kb) =
                            (wa.short_db * wa.masked_share, wb.short_db * wb.masked_share);
                        if kb > ka || (kb == ka && wb.maskee_id < wa.maskee_id) {
                            keep = false;
                        }
                    }
                }
            }
            self.keep.push(keep);
        }
        let keep = &self.keep;
        let mut idx = 0;
        self.warnings.retain(|_| {
            idx += 1;
            keep[idx - 1]
        });
    }

    /// The share of `s`'s audibility that the range `first..=last` masked by `m` takes
    /// away, in the manner of the Speech Intelligibility Index (ANSI S3.5-1997): each band's
    /// audibility falls by its deficit over a 30 dB dynamic range (at most all of it), weighted
    /// by the band's importance to the stem's role and divided by the importance of every
    /// band that matters to the stem now. 1 is everything lost.
    fn audibility_loss(&self, s: usize, m: usize, first: usize, last: usize) -> f32 {
        let role = self.slot_role[s];
        let mut total = 0.0f32;
        for q in 0..NB {
            if self.matters[s][q] {
                total += self.compiled.terms(role, q).importance;
            }
        }
        let mut loss = 0.0f32;
        for q in first..=last {
            if self.warn_masker(s, q) as usize == m {
                let audibility = (self.mean_short_db[s][q] / SII_RANGE_DB).clamp(0.0, 1.0);
                loss += self.compiled.terms(role, q).importance * audibility;
            }
        }
        if total > 0.0 {
            loss / total
        } else {
            0.0
        }
    }

    /// The masker a warning for `s` in band `q` names, or `NO_SLOT` for no warning there.
    pub(super) fn warn_masker(&self, s: usize, q: usize) -> u16 {
        let d = self.dominant[s][q];
        if !self.flagged[s][q] || d == NO_SLOT || !self.slot_used[d as usize] {
            return NO_SLOT;
        }
        if self.priority(s, q) < self.priority(d as usize, q) {
            return NO_SLOT;
        }
        d
    }

    fn make_warning(&self, s: usize, m: usize, first: usize, last: usize) -> MaskingWarning {
        let n = self.max_stems;
        // Averages over the range's own bands, not over a bridged gap.
        let mut count = 0.0f32;
        let mut short = 0.0f32;
        let mut share = 0.0f32;
        let mut att = 0.0f32;
        let mut short_ema = 0.0f32;
        let mut collision = false;
        for q in first..=last {
            if self.warn_masker(s, q) as usize != m {
                continue;
            }
            count += 1.0;
            short += self.mean_short_db[s][q];
            share += self.masked_share[s][q];
            att += self.pair_ema[s * n + m][q];
            short_ema += self.short_ema[s][q];
            collision |= self.compiled.terms(self.slot_role[s], q).owns
                && self.compiled.terms(self.slot_role[m], q).owns;
        }
        short /= count.max(1.0);
        share /= count.max(1.0);
        let lo_hz = self.layout.edges_hz[first];
        let hi_hz = self.layout.edges_hz[last + 1];
        let masker_share = if short_ema > 0.0 {
            (att / short_ema).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let fix = self.suggest_fix(s, m, first, last, short, masker_share);
        let window_s = self.win_total_s[s];
        MaskingWarning {
            kind: if collision {
                WarningKind::Collision
            } else {
                WarningKind::Masking
            },
            maskee_id: self.slot_id[s],
            maskee_role: self.slot_role[s],
            masker_id: self.slot_id[m],
            masker_role: self.slot_role[m],
            first_band: first as u8,
            last_band: last as u8,
            lo_hz,
            hi_hz,
            short_db: short,
            masked_share: share,
            window_s,
            fix,
        }
    }

    /// The fix for the warning of `s` masked by `m` in `first..=last` (deficit `short_db`,
    /// `m` holding `masker_share` of the threshold there). The masker never outranks the
    /// maskee here (then there is no warning), so the first choice is a cut on the masker,
    /// placed on the masker bands whose spread makes the threshold in the range
    /// ([`Self::plan_cut`]) and kept only when the engine's model, re-run with the cut
    /// applied to the masker's band powers, shows the deficit shrinking. When no cut of
    /// those bands alone can close the gap (the masker holds too little of the threshold),
    /// boost the maskee by the deficit, at most `max_boost_db`, over the part of the range
    /// where its role's importance is at least [`LOW_IMPORTANCE`]; with no such part, cut
    /// the masker by `max_cut_db`.
    fn suggest_fix(
        &self,
        s: usize,
        m: usize,
        first: usize,
        last: usize,
        short_db: f32,
        masker_share: f32,
    ) -> SuggestedFix {
        let round = |x: f32| (x * 2.0).round() / 2.0;
        let fix = |stem: usize, action, lo: usize, hi: usize, gain_db: f32| {
            let (lo_hz, hi_hz) = (self.layout.edges_hz[lo], self.layout.edges_hz[hi + 1]);
            SuggestedFix {
                stem_id: self.slot_id[stem],
                action,
                lo_hz,
                hi_hz,
                center_hz: (lo_hz * hi_hz).sqrt(),
                gain_db,
            }
        };
        // The masker holds enough of the threshold for a cut of it alone to close the gap.
        if let Some(c) = cut_needed_db(short_db, masker_share) {
            let max_cut = self.config.max_cut_db;
            match self.plan_cut(s, m, first, last, short_db, masker_share) {
                Some(plan) => {
                    let c =
                        cut_needed_db(short_db, masker_share * plan.coverage).unwrap_or(max_cut);
                    let cut = round(c.clamp(0.5, max_cut));
                    let (before, after) = self.deficit_with_cut(s, m, first, last, &plan, cut);
                    if after < before || before <= 0.0 {
                        return fix(m, FixAction::Cut, plan.first, plan.last, -cut);
                    }
                }
                // The masker adds nothing to the threshold now (it went quiet or away):
                // nothing to place the cut on, so it goes where the masking was.
                None => {
                    return fix(
                        m,
                        FixAction::Cut,
                        first,
                        last,
                        -round(c.clamp(0.5, max_cut)),
                    )
                }
            }
        }
        // Boost the maskee, but only over the part of the range its role gives importance
        // (a boost never lands where the role's importance is low).
        let important = |q: usize| {
            self.warn_masker(s, q) as usize == m
                && self.compiled.terms(self.slot_role[s], q).importance >= LOW_IMPORTANCE
        };
        if let Some(lo) = (first..=last).find(|&q| important(q)) {
            let hi = (first..=last).rev().find(|&q| important(q)).unwrap_or(lo);
            let (mut sum, mut count) = (0.0f32, 0.0f32);
            for q in (lo..=hi).filter(|&q| important(q)) {
                sum += self.mean_short_db[s][q];
                count += 1.0;
            }
            let short = sum / count.max(1.0);
            return fix(
                s,
                FixAction::Boost,
                lo,
                hi,
                round(short.min(self.config.max_boost_db).max(0.5)),
            );
        }
        // Nothing worth boosting: the deepest cut a fix suggests, on the masker bands that
        // act on the range.
        let plan = self.plan_cut(s, m, first, last, short_db, masker_share);
        let (lo, hi) = plan.map_or((first, last), |p| (p.first, p.last));
        fix(m, FixAction::Cut, lo, hi, -self.config.max_cut_db)
    }

    /// The display name of a stem: its name, or its role when it has none.
    fn display_name(&self, id: u64) -> String {
        match self.slot_of(id) {
            Some(s) if !self.slot_name[s].as_str().is_empty() => {
                format!("{} ({})", self.slot_name[s].as_str(), self.slot_role[s])
            }
            Some(s) => self.slot_role[s].to_string(),
            None => format!("stem {id}"),
        }
    }

    /// Human-readable text of a warning (allocates).
    pub fn describe(&self, w: &MaskingWarning) -> String {
        let maskee = self.display_name(w.maskee_id);
        let masker = self.display_name(w.masker_id);
        let head = match w.kind {
            WarningKind::Collision if w.hi_hz <= 300.0 => {
                format!("Low-end collision: {maskee} masked by {masker}")
            }
            WarningKind::Collision => format!("Collision: {maskee} masked by {masker}"),
            WarningKind::Masking => format!("{maskee} masked by {masker}"),
        };
        let fix_stem = self.display_name(w.fix.stem_id);
        let verb = match w.fix.action {
            FixAction::Cut => "cut",
            FixAction::Boost => "boost",
        };
        // Where the fix acts: the masker's own bands for a cut, which may lie outside the
        // masked range (a pad above 6 kHz masking a voice at 5 kHz is cut above 6 kHz).
        let (fix_lo, fix_hi) = (format::hz(w.fix.lo_hz), format::hz(w.fix.hi_hz));
        let fix_at = if fix_lo == fix_hi {
            format!("around {}", format::hz(w.fix.center_hz))
        } else {
            format!("from {fix_lo} to {fix_hi}")
        };
        format!(
            "{head}, {} to {}, {:.1} dB short, {:.0}% of the last {:.0} s. Fix: {verb} {fix_stem} by {:.1} dB {fix_at}",
            format::hz(w.lo_hz),
            format::hz(w.hi_hz),
            w.short_db,
            w.masked_share * 100.0,
            w.window_s,
            w.fix.gain_db.abs(),
        )
    }

    /// Everything, as an owned serialisable report (allocates; call off the real-time path).
    pub fn report(&self) -> MaskingReport {
        let n = self.max_stems;
        let mut slots: Vec<usize> = (0..n).filter(|&s| self.slot_used[s]).collect();
        slots.sort_by_key(|&s| self.slot_id[s]);
        let stems = slots
            .iter()
            .map(|&s| StemReport {
                id: self.slot_id[s],
                name: self.slot_name[s].as_str().to_string(),
                role: self.slot_role[s],
                priority_override: self.slot_priority[s],
                valid: self.slot_valid[s],
                present: self.slot_present[s],
                history_s: self.slot_history_s[s],
                bands: (0..NB)
                    .map(|q| BandReport {
                        center_hz: self.layout.centers_hz[q],
                        matters: self.matters[s][q],
                        tmr_db: self.tmr_db[s][q],
                        short_db: self.short_db[s][q],
                        masked_share: self.masked_share[s][q],
                        history_share: if self.slot_history_s[s] > 0.0 {
                            (self.history_masked_s[s][q] / self.slot_history_s[s]).min(1.0)
                        } else {
                            0.0
                        },
                        flagged: self.flagged[s][q],
                    })
                    .collect(),
            })
            .collect();
        let mut severity = Vec::new();
        for &i in &slots {
            for &j in &slots {
                let cell = i * n + j;
                if i != j && (self.severity[cell] > 0.0 || self.severity_ema[cell] > 1e-6) {
                    severity.push(SeverityEntry {
                        maskee_id: self.slot_id[i],
                        masker_id: self.slot_id[j],
                        severity_db: self.severity[cell],
                        smoothed_db: self.severity_ema[cell],
                    });
                }
            }
        }
        let warnings = self
            .warnings
            .iter()
            .map(|w| WarningReport {
                warning: *w,
                text: self.describe(w),
            })
            .collect();
        MaskingReport {
            time_s: self.time_s,
            stems,
            severity,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::masking::StemInput;
    use crate::role::StemRole;

    /// An engine holding a lead vocal (id 1), a pad (2) and a guitar (3), with every flag
    /// cleared, so that a test can set the flagged bands and their maskers by hand.
    fn engine() -> MaskingEngine {
        let band_db = [[-30.0; NB]; 2];
        let stem = |id, role| StemInput {
            id,
            role,
            priority: None,
            name: "",
            band_db,
            masking_db: band_db,
            shortterm_lufs: -20.0,
        };
        let mut e = MaskingEngine::new(4);
        e.update(
            &[
                stem(1, StemRole::LeadVocal),
                stem(2, StemRole::Music),
                stem(3, StemRole::Music),
            ],
            0.1,
        );
        for s in 0..e.max_stems {
            e.flagged[s] = [false; NB];
            e.dominant[s] = [NO_SLOT; NB];
        }
        e
    }

    fn flag(e: &mut MaskingEngine, maskee: u64, masker: u64, bands: &[usize]) {
        let (s, m) = (e.slot_of(maskee).unwrap(), e.slot_of(masker).unwrap());
        for &q in bands {
            e.flagged[s][q] = true;
            e.dominant[s][q] = m as u16;
            // Far short, so that each range takes enough audibility to be warned about.
            e.mean_short_db[s][q] = 30.0;
        }
    }

    fn ranges(e: &MaskingEngine) -> Vec<(u64, u8, u8)> {
        e.warnings()
            .iter()
            .map(|w| (w.masker_id, w.first_band, w.last_band))
            .collect()
    }

    #[test]
    fn ranges_of_one_masker_merge_across_a_gap_of_one_band() {
        let mut e = engine();
        flag(&mut e, 1, 2, &[20, 21, 23, 24]);
        e.build_warnings();
        assert_eq!(ranges(&e), vec![(2, 20, 24)]);
        let w = e.warnings()[0];
        assert_eq!(w.lo_hz, e.layout.edges_hz[20]);
        assert_eq!(w.hi_hz, e.layout.edges_hz[25]);
        // Chains of one-band gaps merge too.
        flag(&mut e, 1, 2, &[26, 28]);
        e.build_warnings();
        assert_eq!(ranges(&e), vec![(2, 20, 28)]);
    }

    #[test]
    fn a_gap_of_two_bands_or_another_masker_keeps_ranges_apart() {
        let mut e = engine();
        flag(&mut e, 1, 2, &[20, 21, 24, 25]);
        e.build_warnings();
        assert_eq!(ranges(&e), vec![(2, 20, 21), (2, 24, 25)]);
        let mut e = engine();
        flag(&mut e, 1, 2, &[20, 21, 23, 24]);
        flag(&mut e, 1, 3, &[22]);
        e.build_warnings();
        assert_eq!(ranges(&e), vec![(2, 20, 21), (3, 22, 22), (2, 23, 24)]);
    }
}
