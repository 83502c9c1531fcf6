//! Balance: each stem's short-term loudness, its level relative to the mix in LU, over time,
//! and its drift against a stored reference balance.
//!
//! `relative_lu = stem short-term LUFS - mix short-term LUFS`. The mix loudness is the
//! Master's own measurement of the sum when given; otherwise it is estimated as the power sum
//! of the stems' loudness (`10 log10 sum 10^(L/10)`), which is exact for uncorrelated stems
//! and off by up to 3 LU for stems that share correlated content. A stem whose loudness is not
//! finite, or below the BS.1770 absolute gate (-70 LUFS), has no relative level.
//!
//! A [`BalanceReference`] is a snapshot of every stem's relative level, taken when the balance
//! is right or loaded from a previous session. Stems are matched to it by id, else by exact
//! name, else by role when both sides have exactly one stem of that role (ids are random per
//! plugin instance, so they rarely survive a session). `drift_lu = relative_lu - reference`.
//!
//! [`BalanceEngine::update`] does not allocate; taking or setting a reference and building
//! a report do.

use serde::{Deserialize, Serialize};

use crate::masking::StemInput;
use crate::role::StemRole;
use crate::snapshot::StemName;

/// Loudness below which a stem counts as silent, LUFS (the BS.1770 absolute gate).
pub const SILENCE_LUFS: f32 = -70.0;

/// One stem in a reference balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceEntry {
    /// The stem's id when the reference was taken.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: StemRole,
    /// Its level relative to the mix, LU.
    pub relative_lu: f32,
}

/// A stored balance to compare against.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BalanceReference {
    /// One entry per stem that had a level when the reference was taken.
    pub entries: Vec<ReferenceEntry>,
}

/// One stem's balance now.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StemBalance {
    /// The stem's id.
    pub id: u64,
    /// Its role.
    pub role: StemRole,
    /// Short-term loudness, LUFS (`None` when unknown or silent).
    pub shortterm_lufs: Option<f32>,
    /// Level relative to the mix, LU.
    pub relative_lu: Option<f32>,
    /// Relative level minus the reference's, LU (`None` without a matching reference entry).
    pub drift_lu: Option<f32>,
}

/// A stem in a [`BalanceReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StemBalanceReport {
    /// Its name.
    pub name: String,
    /// Its balance now.
    #[serde(flatten)]
    pub balance: StemBalance,
    /// Relative level over time, oldest first: (engine time in seconds, LU).
    pub history: Vec<(f64, f32)>,
}

/// Everything the balance engine knows, owned and serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceReport {
    /// Mix short-term loudness, LUFS.
    pub mix_lufs: Option<f32>,
    /// Whether the mix loudness was estimated from the stems rather than measured.
    pub mix_estimated: bool,
    /// Stems by ascending id.
    pub stems: Vec<StemBalanceReport>,
    /// The reference in use, if any.
    pub reference: Option<BalanceReference>,
}

/// Tracks stem loudness, balance relative to the mix and drift from a reference.
#[derive(Debug, Clone)]
pub struct BalanceEngine {
    max_stems: usize,
    history_len: usize,
    time_s: f64,
    mix_lufs: Option<f32>,
    mix_estimated: bool,
    slot_used: Vec<bool>,
    slot_present: Vec<bool>,
    slot_id: Vec<u64>,
    slot_role: Vec<StemRole>,
    slot_name: Vec<StemName>,
    slot_lufs: Vec<Option<f32>>,
    slot_relative: Vec<Option<f32>>,
    slot_reference: Vec<Option<usize>>,
    /// `history[slot * history_len + k]`, ring indexed by `head`.
    history: Vec<f32>,
    history_time: Vec<f64>,
    head: usize,
    filled: usize,
    order: Vec<usize>,
    reference: Option<BalanceReference>,
}

impl BalanceEngine {
    /// An engine for up to `max_stems` stems keeping the last `history_len` updates.
    pub fn new(max_stems: usize, history_len: usize) -> Self {
        let n = max_stems.clamp(1, 4096);
        let h = history_len.max(1);
        Self {
            max_stems: n,
            history_len: h,
            time_s: 0.0,
            mix_lufs: None,
            mix_estimated: false,
            slot_used: vec![false; n],
            slot_present: vec![false; n],
            slot_id: vec![0; n],
            slot_role: vec![StemRole::Other; n],
            slot_name: vec![StemName::default(); n],
            slot_lufs: vec![None; n],
            slot_relative: vec![None; n],
            slot_reference: vec![None; n],
            history: vec![f32::NAN; n * h],
            history_time: vec![0.0; h],
            head: 0,
            filled: 0,
            order: Vec::with_capacity(n),
            reference: None,
        }
    }

    /// One update. `mix_lufs` is the measured short-term loudness of the sum, if known.
    /// Stems missing from `stems` are forgotten. Does not allocate.
    pub fn update(&mut self, stems: &[StemInput], mix_lufs: Option<f32>, dt_seconds: f32) {
        if dt_seconds.is_finite() && dt_seconds > 0.0 {
            self.time_s += dt_seconds as f64;
        }
        crate::masking::engine::select_lowest_ids(stems, self.max_stems, &mut self.order);
        // Known ids keep their slots; slots of stems that are gone are freed; new ids take
        // free slots.
        self.slot_present.iter_mut().for_each(|p| *p = false);
        for &k in &self.order {
            if let Some(s) = self.slot_of(stems[k].id) {
                self.slot_present[s] = true;
            }
        }
        for s in 0..self.max_stems {
            if self.slot_used[s] && !self.slot_present[s] {
                self.slot_used[s] = false;
                self.slot_lufs[s] = None;
                self.slot_relative[s] = None;
            }
        }
        for &k in &self.order {
            let input = &stems[k];
            let slot = match self.slot_of(input.id) {
                Some(s) => s,
                None => {
                    let Some(s) = (0..self.max_stems).find(|&s| !self.slot_used[s]) else {
                        continue;
                    };
                    self.slot_used[s] = true;
                    self.slot_id[s] = input.id;
                    self.slot_name[s] = StemName::new(input.name);
                    self.slot_reference[s] = None;
                    self.history[s * self.history_len..(s + 1) * self.history_len].fill(f32::NAN);
                    s
                }
            };
            self.slot_present[slot] = true;
            self.slot_role[slot] = input.role;
            if self.slot_name[slot].as_str() != input.name {
                self.slot_name[slot] = StemName::new(input.name);
                self.slot_reference[slot] = None;
            }
            let l = input.shortterm_lufs;
            self.slot_lufs[slot] = (l.is_finite() && l >= SILENCE_LUFS).then_some(l);
        }
        // Mix loudness: measured, or the power sum in ascending id order.
        match mix_lufs.filter(|m| m.is_finite()) {
            Some(m) => {
                self.mix_lufs = Some(m);
                self.mix_estimated = false;
            }
            None => {
                let mut sum = 0.0f64;
                for &k in &self.order {
                    let l = stems[k].shortterm_lufs;
                    if l.is_finite() && l >= SILENCE_LUFS {
                        sum += 10f64.powf(l as f64 / 10.0);
                    }
                }
                self.mix_lufs = (sum > 0.0).then(|| (10.0 * sum.log10()) as f32);
                self.mix_estimated = true;
            }
        }
        self.head = (self.head + 1) % self.history_len;
        self.filled = (self.filled + 1).min(self.history_len);
        self.history_time[self.head] = self.time_s;
        for s in 0..self.max_stems {
            let rel = match (self.slot_used[s], self.slot_lufs[s], self.mix_lufs) {
                (true, Some(l), Some(m)) => Some(l - m),
                _ => None,
            };
            self.slot_relative[s] = rel;
            self.history[s * self.history_len + self.head] = rel.unwrap_or(f32::NAN);
            if self.slot_used[s] && self.slot_reference[s].is_none() {
                self.slot_reference[s] = self.match_reference(s);
            }
        }
    }

    fn slot_of(&self, id: u64) -> Option<usize> {
        (0..self.max_stems).find(|&s| self.slot_used[s] && self.slot_id[s] == id)
    }

    fn match_reference(&self, s: usize) -> Option<usize> {
        let r = self.reference.as_ref()?;
        if let Some(k) = r.entries.iter().position(|e| e.id == self.slot_id[s]) {
            return Some(k);
        }
        let name = self.slot_name[s].as_str();
        if !name.is_empty() {
            if let Some(k) = r.entries.iter().position(|e| e.name == name) {
                return Some(k);
            }
        }
        let role = self.slot_role[s];
        let same_role_here = (0..self.max_stems)
            .filter(|&o| self.slot_used[o] && self.slot_role[o] == role)
            .count();
        let mut same_role_there = r.entries.iter().enumerate().filter(|(_, e)| e.role == role);
        match (
            same_role_here,
            same_role_there.next(),
            same_role_there.next(),
        ) {
            (1, Some((k, _)), None) => Some(k),
            _ => None,
        }
    }

    /// The mix short-term loudness, LUFS.
    pub fn mix_lufs(&self) -> Option<f32> {
        self.mix_lufs
    }

    /// The balance of the stem with this id.
    pub fn stem(&self, id: u64) -> Option<StemBalance> {
        self.slot_of(id).map(|s| self.balance_of(s))
    }

    fn balance_of(&self, s: usize) -> StemBalance {
        let drift = match (
            self.slot_relative[s],
            self.slot_reference[s],
            &self.reference,
        ) {
            (Some(rel), Some(k), Some(r)) => r.entries.get(k).map(|e| rel - e.relative_lu),
            _ => None,
        };
        StemBalance {
            id: self.slot_id[s],
            role: self.slot_role[s],
            shortterm_lufs: self.slot_lufs[s],
            relative_lu: self.slot_relative[s],
            drift_lu: drift,
        }
    }

    /// The current balance as a reference (allocates).
    pub fn take_reference(&self) -> BalanceReference {
        let mut entries: Vec<ReferenceEntry> = (0..self.max_stems)
            .filter(|&s| self.slot_used[s])
            .filter_map(|s| {
                Some(ReferenceEntry {
                    id: self.slot_id[s],
                    name: self.slot_name[s].as_str().to_string(),
                    role: self.slot_role[s],
                    relative_lu: self.slot_relative[s]?,
                })
            })
            .collect();
        entries.sort_by_key(|e| e.id);
        BalanceReference { entries }
    }

    /// Compares against `reference` from now on (`None` to stop). Non-finite entries are
    /// dropped. Drift shows from this call on.
    pub fn set_reference(&mut self, reference: Option<BalanceReference>) {
        self.reference = reference.map(|mut r| {
            r.entries.retain(|e| e.relative_lu.is_finite());
            r
        });
        for s in 0..self.max_stems {
            self.slot_reference[s] = None;
        }
        for s in 0..self.max_stems {
            if self.slot_used[s] {
                self.slot_reference[s] = self.match_reference(s);
            }
        }
    }

    /// The reference in use.
    pub fn reference(&self) -> Option<&BalanceReference> {
        self.reference.as_ref()
    }

    /// Everything, as an owned serialisable report (allocates).
    pub fn report(&self) -> BalanceReport {
        let mut slots: Vec<usize> = (0..self.max_stems).filter(|&s| self.slot_used[s]).collect();
        slots.sort_by_key(|&s| self.slot_id[s]);
        let h = self.history_len;
        let stems = slots
            .iter()
            .map(|&s| {
                let history = (0..self.filled)
                    .rev()
                    .map(|age| (self.head + h - age) % h)
                    .filter_map(|k| {
                        let v = self.history[s * h + k];
                        v.is_finite().then_some((self.history_time[k], v))
                    })
                    .collect();
                StemBalanceReport {
                    name: self.slot_name[s].as_str().to_string(),
                    balance: self.balance_of(s),
                    history,
                }
            })
            .collect();
        BalanceReport {
            mix_lufs: self.mix_lufs,
            mix_estimated: self.mix_estimated,
            stems,
            reference: self.reference.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bands::NUM_BANDS;
    use approx::assert_abs_diff_eq;

    fn input(id: u64, role: StemRole, name: &str, lufs: f32) -> StemInput<'_> {
        StemInput {
            id,
            role,
            priority: None,
            name,
            band_db: [[-60.0; NUM_BANDS]; 2],
            masking_db: [[-60.0; NUM_BANDS]; 2],
            shortterm_lufs: lufs,
        }
    }

    #[test]
    fn relative_levels_against_a_measured_and_an_estimated_mix() {
        let mut b = BalanceEngine::new(8, 16);
        let stems = [
            input(1, StemRole::Drums, "Drums", -20.0),
            input(2, StemRole::Bass, "Bass", -20.0),
        ];
        b.update(&stems, Some(-16.0), 0.1);
        assert_abs_diff_eq!(
            b.stem(1).unwrap().relative_lu.unwrap(),
            -4.0,
            epsilon = 1e-5
        );
        b.update(&stems, None, 0.1);
        // Two equal uncorrelated stems sum 3.01 LU louder.
        assert_abs_diff_eq!(b.mix_lufs().unwrap(), -16.99, epsilon = 0.01);
        assert_abs_diff_eq!(
            b.stem(2).unwrap().relative_lu.unwrap(),
            -3.01,
            epsilon = 0.01
        );
    }

    #[test]
    fn drift_against_a_reference_matched_by_name_across_sessions() {
        let mut b = BalanceEngine::new(8, 16);
        let stems = [
            input(1, StemRole::LeadVocal, "Vox", -18.0),
            input(2, StemRole::Music, "Keys", -18.0),
        ];
        b.update(&stems, Some(-15.0), 0.1);
        let reference = b.take_reference();
        assert_eq!(reference.entries.len(), 2);
        // A new session: new ids, the vocal 2 LU down.
        let mut b = BalanceEngine::new(8, 16);
        b.set_reference(Some(reference));
        let stems = [
            input(7, StemRole::LeadVocal, "Vox", -20.0),
            input(9, StemRole::Music, "Keys", -18.0),
        ];
        b.update(&stems, Some(-15.0), 0.1);
        assert_abs_diff_eq!(b.stem(7).unwrap().drift_lu.unwrap(), -2.0, epsilon = 1e-5);
        assert_abs_diff_eq!(b.stem(9).unwrap().drift_lu.unwrap(), 0.0, epsilon = 1e-5);
        let report = b.report();
        assert_eq!(report.stems.len(), 2);
        assert_eq!(report.stems[0].history.len(), 1);
    }

    #[test]
    fn silent_and_nan_stems_have_no_level_and_do_not_poison_the_mix() {
        let mut b = BalanceEngine::new(8, 4);
        let stems = [
            input(1, StemRole::Drums, "Drums", -20.0),
            input(2, StemRole::Fx, "NaN", f32::NAN),
            input(3, StemRole::Fx, "Silent", f32::NEG_INFINITY),
        ];
        for _ in 0..10 {
            b.update(&stems, None, 0.1);
        }
        assert_abs_diff_eq!(b.mix_lufs().unwrap(), -20.0, epsilon = 1e-4);
        assert_eq!(b.stem(2).unwrap().relative_lu, None);
        assert_eq!(b.stem(3).unwrap().shortterm_lufs, None);
        assert_eq!(b.report().stems[0].history.len(), 4);
    }

    #[test]
    fn order_does_not_matter() {
        let stems = [
            input(5, StemRole::Drums, "a", -23.0),
            input(3, StemRole::Bass, "b", -17.5),
            input(9, StemRole::Music, "c", -30.25),
        ];
        let mut rev = stems;
        rev.reverse();
        let mut a = BalanceEngine::new(4, 4);
        let mut b = BalanceEngine::new(4, 4);
        a.update(&stems, None, 0.1);
        b.update(&rev, None, 0.1);
        assert_eq!(a.report(), b.report());
    }
}
