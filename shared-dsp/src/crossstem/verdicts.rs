//! Turning warnings and drift into each Strip's verdicts, and deciding when to write them.
//!
//! A masking warning becomes two verdicts: [`VerdictKind::MaskedBy`] on the maskee and
//! [`VerdictKind::Masking`] on the masker, both with the range, the deficit and the share of
//! the window (the masker's verdict carries the range of its own bands the fix cuts, which
//! can differ from the masked range: masking spreads). The suggested gain follows the
//! warning's fix: a cut on the masker is shown on both (on the maskee as "try -x dB on
//! <masker>"); a boost of the maskee is shown on the maskee only (positive). Drift beyond the tolerance against the reference
//! balance becomes [`VerdictKind::TooLoud`] or [`VerdictKind::TooQuiet`] with the opposite
//! gain as the suggestion. A Strip's list holds its worst findings first, at most
//! [`MAX_VERDICTS`](crate::link::MAX_VERDICTS).

use crate::balance::BalanceEngine;
use crate::link::{Verdict, VerdictKind, MAX_VERDICTS};
use crate::masking::{FixAction, MaskingEngine};
use crate::role::StemRole;
use crate::snapshot::StemName;

/// A list is rewritten at least this often while it is not empty, seconds (its figures move).
const REFRESH_S: f64 = 0.5;

#[derive(Debug, Clone, Default)]
struct Entry {
    id: u64,
    /// The verdicts as of the last update, worst first.
    current: Vec<Verdict>,
    /// What was last written, and when (`None`: never written).
    written: Option<(Vec<Verdict>, f64)>,
    present: bool,
}

/// Every present Strip's verdicts, and what was last written to each.
#[derive(Debug, Clone, Default)]
pub(super) struct VerdictBook {
    entries: Vec<Entry>,
}

impl VerdictBook {
    /// Recomputes every present Strip's verdicts. `stems` lists them: (id, slot, name, role).
    pub fn rebuild(
        &mut self,
        masking: &MaskingEngine,
        balance: &BalanceEngine,
        tolerance_lu: f32,
        stems: impl Iterator<Item = (u64, usize, StemName, StemRole)>,
    ) {
        for e in &mut self.entries {
            e.present = false;
            e.current.clear();
        }
        let names: Vec<(u64, StemName, StemRole)> =
            stems.map(|(id, _, name, role)| (id, name, role)).collect();
        for &(id, _, _) in &names {
            match self.entries.iter_mut().find(|e| e.id == id) {
                Some(e) => e.present = true,
                None => self.entries.push(Entry {
                    id,
                    present: true,
                    ..Entry::default()
                }),
            }
        }
        self.entries.retain(|e| e.present);
        let name_of = |id: u64| {
            names
                .iter()
                .find(|(i, _, _)| *i == id)
                .map(|(_, n, r)| (*n, *r))
        };
        // (verdict, weight for ordering) per Strip.
        let mut found: Vec<(u64, Verdict, f32)> = Vec::new();
        for w in masking.warnings() {
            let weight = w.short_db * w.masked_share;
            let cut_on_masker = w.fix.action == FixAction::Cut && w.fix.stem_id == w.masker_id;
            let boost_maskee = w.fix.action == FixAction::Boost && w.fix.stem_id == w.maskee_id;
            let (masker_name, masker_role) =
                name_of(w.masker_id).unwrap_or((StemName::default(), w.masker_role));
            let (maskee_name, maskee_role) =
                name_of(w.maskee_id).unwrap_or((StemName::default(), w.maskee_role));
            let base = Verdict {
                low_hz: w.lo_hz,
                high_hz: w.hi_hz,
                amount_db: w.short_db,
                share: w.masked_share,
                ..Verdict::default()
            };
            found.push((
                w.maskee_id,
                Verdict {
                    kind: VerdictKind::MaskedBy,
                    other_role: masker_role,
                    other_instance: w.masker_id,
                    other_name: masker_name,
                    suggested_gain_db: if cut_on_masker || boost_maskee {
                        w.fix.gain_db
                    } else {
                        0.0
                    },
                    ..base
                },
                weight,
            ));
            found.push((
                w.masker_id,
                Verdict {
                    kind: VerdictKind::Masking,
                    other_role: maskee_role,
                    other_instance: w.maskee_id,
                    other_name: maskee_name,
                    suggested_gain_db: if cut_on_masker { w.fix.gain_db } else { 0.0 },
                    // The masker is told where to cut: its own bands that cause the masking.
                    low_hz: if cut_on_masker { w.fix.lo_hz } else { w.lo_hz },
                    high_hz: if cut_on_masker { w.fix.hi_hz } else { w.hi_hz },
                    ..base
                },
                weight,
            ));
        }
        for &(id, _, _) in &names {
            let Some(drift) = balance.stem(id).and_then(|b| b.drift_lu) else {
                continue;
            };
            if drift.abs() > tolerance_lu {
                found.push((
                    id,
                    Verdict {
                        kind: if drift > 0.0 {
                            VerdictKind::TooLoud
                        } else {
                            VerdictKind::TooQuiet
                        },
                        amount_db: drift,
                        share: 1.0,
                        suggested_gain_db: -drift,
                        ..Verdict::default()
                    },
                    drift.abs(),
                ));
            }
        }
        found.sort_by(|a, b| b.2.total_cmp(&a.2));
        for (id, v, _) in found {
            if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
                if e.current.len() < MAX_VERDICTS {
                    e.current.push(v);
                }
            }
        }
    }

    /// The lists to write now (see [`CrossStem::verdicts_due`](super::CrossStem::verdicts_due)).
    pub fn due(&mut self, now_s: f64, out: &mut Vec<(u64, Vec<Verdict>)>) {
        out.clear();
        for e in &mut self.entries {
            let write = match &e.written {
                None => true,
                Some((last, at)) => {
                    !same_findings(last, &e.current)
                        || (!e.current.is_empty() && now_s - at >= REFRESH_S)
                }
            };
            if write {
                e.written = Some((e.current.clone(), now_s));
                out.push((e.id, e.current.clone()));
            }
        }
    }

    /// The current verdicts of Strip `id`.
    pub fn of(&self, id: u64) -> &[Verdict] {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .map_or(&[], |e| e.current.as_slice())
    }
}

/// Whether two lists report the same findings (kinds, other stems and ranges), whatever
/// their figures.
fn same_findings(a: &[Verdict], b: &[Verdict]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.kind == y.kind
                && x.other_instance == y.other_instance
                && x.low_hz == y.low_hz
                && x.high_hz == y.high_hz
        })
}
