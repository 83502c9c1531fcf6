//! Turning warnings and drift into each Strip's verdicts, and deciding when to write them.
//!
//! A masking warning (one per pair and direction) becomes two verdicts:
//! [`VerdictKind::MaskedBy`] on the maskee and [`VerdictKind::Masking`] on the masker, both
//! with the warning's ranges, the deficit and the share of the time (the masker's verdict
//! carries the ranges of its own bands the fixes cut, which can differ from the masked
//! ranges: masking spreads). The suggested gain follows the fixes: the deepest cut or level
//! change on the masker is shown on both (on the maskee as "try -x dB on <masker>"); a
//! boost of the maskee is shown on the maskee only (positive). Drift beyond the tolerance against the reference
//! balance becomes [`VerdictKind::TooLoud`] or [`VerdictKind::TooQuiet`] with the opposite
//! gain as the suggestion. A Strip's list holds its worst findings first, at most
//! [`MAX_VERDICTS`](crate::link::MAX_VERDICTS).

use crate::balance::BalanceEngine;
use crate::link::{Verdict, VerdictKind, MAX_VERDICTS, MAX_VERDICT_RANGES};
use crate::masking::{FixAction, MaskedRange, MaskingEngine};
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
            let weight = w.audibility_loss * 100.0;
            let ranges = w.ranges.as_slice();
            // The deepest move on the masker (a cut, or a lower level) and the largest boost
            // of the maskee among the ranges' fixes.
            let on_masker = |r: &&MaskedRange| {
                matches!(r.fix.action, FixAction::Cut | FixAction::Lower)
                    && r.fix.stem_id == w.masker_id
            };
            let masker_gain = ranges
                .iter()
                .filter(on_masker)
                .map(|r| r.fix.gain_db)
                .fold(0.0f32, f32::min);
            let maskee_boost = ranges
                .iter()
                .filter(|r| r.fix.action == FixAction::Boost && r.fix.stem_id == w.maskee_id)
                .map(|r| r.fix.gain_db)
                .fold(0.0f32, f32::max);
            let (masker_name, masker_role) =
                name_of(w.masker_id).unwrap_or((StemName::default(), w.masker_role));
            let (maskee_name, maskee_role) =
                name_of(w.maskee_id).unwrap_or((StemName::default(), w.maskee_role));
            let base = Verdict {
                low_hz: w.lo_hz,
                high_hz: w.hi_hz,
                amount_db: w.short_db,
                share: w.masked_share,
                ranges: listed(ranges.iter().map(|r| (r.lo_hz, r.hi_hz))),
                ..Verdict::default()
            };
            found.push((
                w.maskee_id,
                Verdict {
                    kind: VerdictKind::MaskedBy,
                    other_role: masker_role,
                    other_instance: w.masker_id,
                    other_name: masker_name,
                    suggested_gain_db: if masker_gain < 0.0 {
                        masker_gain
                    } else {
                        maskee_boost
                    },
                    ..base
                },
                weight,
            ));
            // The masker is told where to cut: its own bands that cause the masking.
            let cuts: Vec<(f32, f32)> = ranges
                .iter()
                .filter(|r| r.fix.action == FixAction::Cut && r.fix.stem_id == w.masker_id)
                .map(|r| (r.fix.lo_hz, r.fix.hi_hz))
                .collect();
            let masker_view = if cuts.len() == ranges.len() {
                Verdict {
                    low_hz: cuts.iter().map(|c| c.0).fold(f32::MAX, f32::min),
                    high_hz: cuts.iter().map(|c| c.1).fold(0.0, f32::max),
                    ranges: listed(cuts.iter().copied()),
                    ..base
                }
            } else {
                base
            };
            found.push((
                w.masker_id,
                Verdict {
                    kind: VerdictKind::Masking,
                    other_role: maskee_role,
                    other_instance: w.maskee_id,
                    other_name: maskee_name,
                    suggested_gain_db: masker_gain,
                    ..masker_view
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

/// The ranges a verdict lists: none for a single range (the verdict's own band says it),
/// else each, merged where they overlap (two cuts may share bands), at most
/// [`MAX_VERDICT_RANGES`].
fn listed(ranges: impl Iterator<Item = (f32, f32)>) -> [[f32; 2]; MAX_VERDICT_RANGES] {
    let mut v: Vec<(f32, f32)> = ranges.collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f32, f32)> = Vec::new();
    for (lo, hi) in v {
        match merged.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    let mut out = [[0.0; 2]; MAX_VERDICT_RANGES];
    if merged.len() > 1 {
        for (o, (lo, hi)) in out.iter_mut().zip(merged) {
            *o = [lo, hi];
        }
    }
    out
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
