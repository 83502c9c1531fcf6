//! Warnings, their text and the owned report.

use crate::masking::report::{
    BandReport, MaskedRange, MaskingReport, MaskingWarning, SeverityEntry, StemReport, WarningKind,
    WarningReport,
};

use super::{MaskingEngine, NB, NO_SLOT};

/// The dynamic range over which a band's audibility goes from none to full, dB: the
/// Speech Intelligibility Index's 30 dB (ANSI S3.5-1997, band audibility `(SNR + 15) / 30`).
pub(super) const SII_RANGE_DB: f32 = 30.0;

/// A range is warned about only when it takes at least this share of the stem's
/// importance-weighted audibility away: 2 %, about what a listener begins to notice as a
/// change in intelligibility (a 0.02 change of the SII).
pub(super) const MIN_AUDIBILITY_LOSS: f32 = 0.02;

/// A warning already up stays while its range takes this fraction of
/// [`MIN_AUDIBILITY_LOSS`], so that it does not blink at the edge.
pub(super) const HOLD_FRACTION: f32 = 0.8;

/// Sets a warning's extent and its figures over all its ranges (means over their bands).
fn summarise(w: &mut MaskingWarning) {
    let ranges = w.ranges.as_slice();
    let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
        return;
    };
    let (first_band, last_band, lo_hz, hi_hz) =
        (first.first_band, last.last_band, first.lo_hz, last.hi_hz);
    let (mut bands, mut short, mut share, mut loss) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for r in ranges {
        let n = f32::from(r.last_band - r.first_band + 1);
        bands += n;
        short += r.short_db * n;
        share += r.masked_share * n;
        loss += r.audibility_loss;
    }
    w.first_band = first_band;
    w.last_band = last_band;
    w.lo_hz = lo_hz;
    w.hi_hz = hi_hz;
    w.short_db = short / bands.max(1.0);
    w.masked_share = share / bands.max(1.0);
    w.audibility_loss = loss;
}

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
            // This maskee's warnings start here: one per masker, holding its ranges.
            let start = self.warnings.len();
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
                let m = masker as usize;
                let loss = self.audibility_loss(s, m, first, q);
                if loss < min {
                    self.warned[s][first..=q].fill(false);
                    q += 1;
                    continue;
                }
                self.warned[s][first..=q].fill(true);
                let range = self.make_range(s, m, first, q, loss);
                let collision = (first..=q).any(|b| {
                    self.warn_masker(s, b) == masker
                        && self.compiled.terms(self.slot_role[s], b).owns
                        && self.compiled.terms(self.slot_role[m], b).owns
                });
                let masker_id = self.slot_id[m];
                let room = self.warnings.len() < self.warnings.capacity();
                match self.warnings[start..]
                    .iter_mut()
                    .find(|w| w.masker_id == masker_id)
                {
                    Some(w) => {
                        w.ranges.push(range);
                        if collision {
                            w.kind = WarningKind::Collision;
                        }
                    }
                    None if room => {
                        let mut w = MaskingWarning {
                            kind: if collision {
                                WarningKind::Collision
                            } else {
                                WarningKind::Masking
                            },
                            maskee_id: self.slot_id[s],
                            maskee_role: self.slot_role[s],
                            masker_id,
                            masker_role: self.slot_role[m],
                            window_s: self.win_total_s[s],
                            ..MaskingWarning::default()
                        };
                        w.ranges.push(range);
                        self.warnings.push(w);
                    }
                    None => {}
                }
                q += 1;
            }
            for w in &mut self.warnings[start..] {
                summarise(w);
            }
        }
        // A collision is reported once per pair: keep the direction that takes more away.
        self.keep.clear();
        for a in 0..self.warnings.len() {
            let wa = &self.warnings[a];
            let mut keep = true;
            if wa.kind == WarningKind::Collision {
                for wb in self.warnings.iter() {
                    if wb.kind == WarningKind::Collision
                        && wb.maskee_id == wa.masker_id
                        && wb.masker_id == wa.maskee_id
                    {
                        let (ka, kb) = (wa.audibility_loss, wb.audibility_loss);
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

    /// The importance of every band that matters to `s` now, summed: the denominator of its
    /// audibility.
    pub(super) fn importance_total(&self, s: usize) -> f32 {
        let role = self.slot_role[s];
        (0..NB)
            .filter(|&q| self.matters[s][q])
            .map(|q| self.compiled.terms(role, q).importance)
            .sum()
    }

    /// The share of `s`'s audibility that the range `first..=last` masked by `m` takes
    /// away, in the manner of the Speech Intelligibility Index (ANSI S3.5-1997): each band's
    /// audibility falls by its deficit over a 30 dB dynamic range (at most all of it), weighted
    /// by the band's importance to the stem's role and divided by the importance of every
    /// band that matters to the stem now. 1 is everything lost.
    fn audibility_loss(&self, s: usize, m: usize, first: usize, last: usize) -> f32 {
        let role = self.slot_role[s];
        let total = self.importance_total(s);
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

    fn make_range(
        &mut self,
        s: usize,
        m: usize,
        first: usize,
        last: usize,
        audibility_loss: f32,
    ) -> MaskedRange {
        // Averages over the range's own bands, not over a bridged gap.
        let mut count = 0.0f32;
        let mut short = 0.0f32;
        let mut share = 0.0f32;
        for q in first..=last {
            if self.warn_masker(s, q) as usize != m {
                continue;
            }
            count += 1.0;
            short += self.mean_short_db[s][q];
            share += self.masked_share[s][q];
        }
        MaskedRange {
            first_band: first as u8,
            last_band: last as u8,
            lo_hz: self.layout.edges_hz[first],
            hi_hz: self.layout.edges_hz[last + 1],
            short_db: short / count.max(1.0),
            masked_share: share / count.max(1.0),
            audibility_loss,
            fix: self.cached_fix(s, m, first, last),
        }
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
        w.describe(|id| self.display_name(id), self.config.max_cut_db)
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

    /// Every warning's ranges as (masker, first band, last band), in frequency order.
    fn ranges(e: &MaskingEngine) -> Vec<(u64, u8, u8)> {
        let mut v: Vec<_> = e
            .warnings()
            .iter()
            .flat_map(|w| {
                w.ranges
                    .as_slice()
                    .iter()
                    .map(move |r| (w.masker_id, r.first_band, r.last_band))
            })
            .collect();
        v.sort_by_key(|r| r.1);
        v
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
        // One warning per pair and direction, listing its ranges.
        assert_eq!(e.warnings().len(), 2);
        let pad = e.warnings().iter().find(|w| w.masker_id == 2).unwrap();
        assert_eq!(pad.ranges.len(), 2);
        assert_eq!((pad.first_band, pad.last_band), (20, 24));
    }

    #[test]
    fn a_pair_lists_at_most_three_ranges_the_worst_kept() {
        let mut e = engine();
        flag(&mut e, 1, 2, &[10, 14, 18, 22, 26]);
        // Band 26's range takes the most audibility away, band 10's the least.
        let s = e.slot_of(1).unwrap();
        e.mean_short_db[s][10] = 2.0;
        e.build_warnings();
        assert_eq!(e.warnings().len(), 1);
        let kept: Vec<u8> = e.warnings()[0]
            .ranges
            .as_slice()
            .iter()
            .map(|r| r.first_band)
            .collect();
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert!(!kept.contains(&10), "{kept:?}");
    }
}
