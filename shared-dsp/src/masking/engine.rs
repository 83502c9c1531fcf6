//! The masking engine: struct-of-arrays state sized at set-up, updated without allocation.

use crate::bands::{BandLayout, NUM_BANDS};
use crate::role::StemRole;
use crate::snapshot::{StemName, CEIL_DB, FLOOR_DB};

use super::model::{cut_needed_db, db_to_power, power_to_db, Kernels};
use super::report::{
    format_hz, BandReport, FixAction, MaskingReport, MaskingWarning, SeverityEntry, StemReport,
    SuggestedFix, WarningKind, WarningReport,
};
use super::rules::{CompiledRules, RoleRules};
use super::{MaskingConfig, StemInput};

const NB: usize = NUM_BANDS;
/// Number of segments the sliding window is cut into.
const SEGMENTS: usize = 10;
const NO_SLOT: u16 = u16::MAX;
/// Power used for silence (FLOOR_DB).
const FLOOR_POWER: f32 = 1e-15;

/// A read-only view of one stem's current masking state.
#[derive(Debug, Clone, Copy)]
pub struct StemView<'a> {
    /// The stem's id.
    pub id: u64,
    /// Its role.
    pub role: StemRole,
    /// Its name.
    pub name: &'a str,
    /// False when its last input had non-finite band values.
    pub valid: bool,
    /// Whether it took part in the last update.
    pub present: bool,
    /// Whether each band matters to it.
    pub matters: &'a [bool; NB],
    /// Better-ear target-to-mask ratio per band, dB.
    pub tmr_db: &'a [f32; NB],
    /// dB short of the required TMR per band (0 where fine or not mattering): the masked-band
    /// map.
    pub short_db: &'a [f32; NB],
    /// Share of the window each band was masked (0..1).
    pub masked_share: &'a [f32; NB],
    /// Seconds each band was masked since the stem appeared (the masking history).
    pub history_masked_s: &'a [f32; NB],
    /// Seconds the stem has been observed.
    pub history_s: f32,
    /// Whether each band is flagged after hysteresis.
    pub flagged: &'a [bool; NB],
}

/// The masking engine. See the [module docs](crate::masking) for the model.
///
/// State is kept per *slot*; a stem takes a slot the first time its id appears and keeps it
/// while it appears at least every `forget_after_s`. Inside an update, stems are processed in
/// ascending id order, so the input order never changes a result.
#[derive(Debug, Clone)]
pub struct MaskingEngine {
    max_stems: usize,
    layout: BandLayout,
    config: MaskingConfig,
    rules: RoleRules,
    compiled: CompiledRules,
    kernels: Kernels,
    /// `matters_range_db` and `matters_floor_db` as powers.
    matters_range_gain: f32,
    matters_floor_power: f32,

    time_s: f64,
    segment: usize,
    segment_elapsed_s: f32,

    // Per slot.
    slot_used: Vec<bool>,
    slot_present: Vec<bool>,
    slot_id: Vec<u64>,
    slot_absent_s: Vec<f32>,
    slot_role: Vec<StemRole>,
    slot_priority: Vec<Option<f32>>,
    slot_name: Vec<StemName>,
    slot_valid: Vec<bool>,
    slot_history_s: Vec<f32>,
    seg_total_s: Vec<f32>,
    // Per slot and band.
    matters: Vec<[bool; NB]>,
    tmr_db: Vec<[f32; NB]>,
    short_db: Vec<[f32; NB]>,
    masked_share: Vec<[f32; NB]>,
    mean_short_db: Vec<[f32; NB]>,
    flagged: Vec<[bool; NB]>,
    dominant: Vec<[u16; NB]>,
    short_ema: Vec<[f32; NB]>,
    history_masked_s: Vec<[f32; NB]>,
    seg_masked_s: Vec<[f32; NB]>,
    seg_short_s: Vec<[f32; NB]>,
    /// Sums over the window's segments (kept running, recomputed when a segment ends).
    win_total_s: Vec<f32>,
    win_masked_s: Vec<[f32; NB]>,
    win_short_s: Vec<[f32; NB]>,
    // Per pair of slots (maskee-major).
    pair_ema: Vec<[f32; NB]>,
    severity: Vec<f32>,
    severity_ema: Vec<f32>,

    // Scratch per rank (position in the id-sorted input).
    order: Vec<usize>,
    rank_slot: Vec<usize>,
    rank_active: Vec<bool>,
    power: Vec<[f32; NB]>,
    spread: Vec<[f32; NB]>,
    band_energy: Vec<[f32; NB]>,
    threshold: Vec<[f32; NB]>,
    attribution: Vec<[f32; NB]>,
    slot_order: Vec<usize>,
    keep: Vec<bool>,

    warnings: Vec<MaskingWarning>,
}

impl MaskingEngine {
    /// An engine for up to `max_stems` stems (at least 1, at most 4096) with the default
    /// configuration and role rules. Allocates everything it will ever use.
    pub fn new(max_stems: usize) -> Self {
        Self::with_config(max_stems, MaskingConfig::default(), RoleRules::default())
    }

    /// An engine with a given configuration and rule set.
    pub fn with_config(max_stems: usize, config: MaskingConfig, rules: RoleRules) -> Self {
        let n = max_stems.clamp(1, 4096);
        let config = config.sanitized();
        let layout = BandLayout::standard();
        let kernels = Kernels::new(&layout, config.masking_offset_db, config.full_scale_db_spl);
        let compiled = CompiledRules::new(&rules, &layout);
        Self {
            max_stems: n,
            layout,
            config,
            rules,
            compiled,
            kernels,
            matters_range_gain: db_to_power(-config.matters_range_db),
            matters_floor_power: db_to_power(config.matters_floor_db),
            time_s: 0.0,
            segment: 0,
            segment_elapsed_s: 0.0,
            slot_used: vec![false; n],
            slot_present: vec![false; n],
            slot_id: vec![0; n],
            slot_absent_s: vec![0.0; n],
            slot_role: vec![StemRole::Other; n],
            slot_priority: vec![None; n],
            slot_name: vec![StemName::default(); n],
            slot_valid: vec![true; n],
            slot_history_s: vec![0.0; n],
            seg_total_s: vec![0.0; n * SEGMENTS],
            matters: vec![[false; NB]; n],
            tmr_db: vec![[0.0; NB]; n],
            short_db: vec![[0.0; NB]; n],
            masked_share: vec![[0.0; NB]; n],
            mean_short_db: vec![[0.0; NB]; n],
            flagged: vec![[false; NB]; n],
            dominant: vec![[NO_SLOT; NB]; n],
            short_ema: vec![[0.0; NB]; n],
            history_masked_s: vec![[0.0; NB]; n],
            seg_masked_s: vec![[0.0; NB]; n * SEGMENTS],
            seg_short_s: vec![[0.0; NB]; n * SEGMENTS],
            win_total_s: vec![0.0; n],
            win_masked_s: vec![[0.0; NB]; n],
            win_short_s: vec![[0.0; NB]; n],
            pair_ema: vec![[0.0; NB]; n * n],
            severity: vec![0.0; n * n],
            severity_ema: vec![0.0; n * n],
            order: Vec::with_capacity(n),
            rank_slot: vec![0; n],
            rank_active: vec![false; n],
            power: vec![[0.0; NB]; 2 * n],
            spread: vec![[0.0; NB]; 2 * n],
            band_energy: vec![[0.0; NB]; 2 * n],
            threshold: vec![[0.0; NB]; 2 * n],
            attribution: vec![[0.0; NB]; n],
            slot_order: Vec::with_capacity(n),
            keep: Vec::with_capacity(n * NB),
            warnings: Vec::with_capacity(n * NB),
        }
    }

    /// The most stems one update handles; further stems (by ascending id) are ignored.
    pub fn max_stems(&self) -> usize {
        self.max_stems
    }

    /// The configuration in use (after sanitising).
    pub fn config(&self) -> &MaskingConfig {
        &self.config
    }

    /// The role rules in use.
    pub fn rules(&self) -> &RoleRules {
        &self.rules
    }

    /// Replaces the role rules (allocates; call off the real-time path).
    pub fn set_rules(&mut self, rules: RoleRules) {
        self.compiled = CompiledRules::new(&rules, &self.layout);
        self.rules = rules;
    }

    /// The band layout (the standard one).
    pub fn layout(&self) -> &BandLayout {
        &self.layout
    }

    /// Seconds of input seen since the engine was made or reset.
    pub fn time_s(&self) -> f64 {
        self.time_s
    }

    /// Forgets every stem and all history. Does not allocate.
    pub fn reset(&mut self) {
        for s in 0..self.max_stems {
            self.free_slot(s);
        }
        self.time_s = 0.0;
        self.segment = 0;
        self.segment_elapsed_s = 0.0;
        self.warnings.clear();
    }

    /// Current warnings, by ascending maskee id, then by frequency.
    pub fn warnings(&self) -> &[MaskingWarning] {
        &self.warnings
    }

    /// The view of the stem with this id, if the engine holds it.
    pub fn stem(&self, id: u64) -> Option<StemView<'_>> {
        self.slot_of(id).map(|s| self.view(s))
    }

    /// Views of every stem the engine holds, in slot order (not sorted).
    pub fn stems(&self) -> impl Iterator<Item = StemView<'_>> {
        (0..self.max_stems)
            .filter(|&s| self.slot_used[s])
            .map(|s| self.view(s))
    }

    /// Severity (dB, see [`SeverityEntry::severity_db`]) of the masking of `maskee_id` by
    /// `masker_id` in the last update, and its smoothed value.
    pub fn severity(&self, maskee_id: u64, masker_id: u64) -> Option<(f32, f32)> {
        let i = self.slot_of(maskee_id)?;
        let j = self.slot_of(masker_id)?;
        let cell = i * self.max_stems + j;
        Some((self.severity[cell], self.severity_ema[cell]))
    }

    fn slot_of(&self, id: u64) -> Option<usize> {
        (0..self.max_stems).find(|&s| self.slot_used[s] && self.slot_id[s] == id)
    }

    fn view(&self, s: usize) -> StemView<'_> {
        StemView {
            id: self.slot_id[s],
            role: self.slot_role[s],
            name: self.slot_name[s].as_str(),
            valid: self.slot_valid[s],
            present: self.slot_present[s],
            matters: &self.matters[s],
            tmr_db: &self.tmr_db[s],
            short_db: &self.short_db[s],
            masked_share: &self.masked_share[s],
            history_masked_s: &self.history_masked_s[s],
            history_s: self.slot_history_s[s],
            flagged: &self.flagged[s],
        }
    }

    fn free_slot(&mut self, s: usize) {
        let n = self.max_stems;
        self.slot_used[s] = false;
        self.slot_present[s] = false;
        self.slot_absent_s[s] = 0.0;
        self.slot_priority[s] = None;
        self.slot_valid[s] = true;
        self.slot_history_s[s] = 0.0;
        self.seg_total_s[s * SEGMENTS..(s + 1) * SEGMENTS].fill(0.0);
        self.seg_masked_s[s * SEGMENTS..(s + 1) * SEGMENTS].fill([0.0; NB]);
        self.seg_short_s[s * SEGMENTS..(s + 1) * SEGMENTS].fill([0.0; NB]);
        self.win_total_s[s] = 0.0;
        self.win_masked_s[s] = [0.0; NB];
        self.win_short_s[s] = [0.0; NB];
        self.matters[s] = [false; NB];
        self.tmr_db[s] = [0.0; NB];
        self.short_db[s] = [0.0; NB];
        self.masked_share[s] = [0.0; NB];
        self.mean_short_db[s] = [0.0; NB];
        self.flagged[s] = [false; NB];
        self.dominant[s] = [NO_SLOT; NB];
        self.short_ema[s] = [0.0; NB];
        self.history_masked_s[s] = [0.0; NB];
        for other in 0..n {
            self.pair_ema[s * n + other] = [0.0; NB];
            self.pair_ema[other * n + s] = [0.0; NB];
            self.severity[s * n + other] = 0.0;
            self.severity[other * n + s] = 0.0;
            self.severity_ema[s * n + other] = 0.0;
            self.severity_ema[other * n + s] = 0.0;
        }
        for d in self.dominant.iter_mut() {
            for x in d.iter_mut() {
                if *x as usize == s {
                    *x = NO_SLOT;
                }
            }
        }
    }

    fn priority(&self, s: usize, band: usize) -> f32 {
        let t = self.compiled.terms(self.slot_role[s], band);
        self.slot_priority[s].unwrap_or(t.base_priority) + t.priority_boost
    }

    /// One analysis update: `stems` is everything known now (any order), `dt_seconds` the
    /// time since the previous update (non-finite or negative counts as 0, more than the
    /// window as the window). Does not allocate.
    pub fn update(&mut self, stems: &[StemInput], dt_seconds: f32) {
        let dt = if dt_seconds.is_finite() && dt_seconds > 0.0 {
            dt_seconds.min(self.config.window_s)
        } else {
            0.0
        };
        self.time_s += dt as f64;
        self.advance_window(dt);
        let num = self.gather(stems, dt);
        self.spread_and_integrate(num);
        self.thresholds(num);
        self.judge(num, dt);
        self.build_warnings();
    }

    /// Moves the sliding window on by `dt`, clearing segments that fall out of it.
    fn advance_window(&mut self, dt: f32) {
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
                for g in segs {
                    for q in 0..NB {
                        masked[q] += self.seg_masked_s[g][q];
                        short[q] += self.seg_short_s[g][q];
                    }
                }
                self.win_masked_s[s] = masked;
                self.win_short_s[s] = short;
            }
        }
    }

    /// Sorts the input by id, maps it to slots, validates it and converts it to powers.
    /// Returns the number of stems taken.
    fn gather(&mut self, stems: &[StemInput], dt: f32) -> usize {
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
                .flatten()
                .all(|x| !x.is_nan() && *x != f32::INFINITY);
            self.slot_valid[slot] = valid;
            let gated = input.shortterm_lufs.is_finite()
                && input.shortterm_lufs < self.config.silence_lufs
                || input.shortterm_lufs == f32::NEG_INFINITY;
            self.rank_active[r] = valid && !gated;
            for c in 0..2 {
                let out = &mut self.power[2 * r + c];
                if valid {
                    for (p, &db) in out.iter_mut().zip(input.band_db[c].iter()) {
                        let db = db.clamp(FLOOR_DB, CEIL_DB);
                        *p = if db <= FLOOR_DB {
                            FLOOR_POWER
                        } else {
                            db_to_power(db)
                        };
                    }
                } else {
                    *out = [0.0; NB];
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

    /// Spread thresholds (masking offset included) and critical-band energies per rank and
    /// channel.
    fn spread_and_integrate(&mut self, num: usize) {
        let k = &self.kernels;
        for rc in 0..2 * num {
            let p = &self.power[rc];
            let s = &mut self.spread[rc];
            *s = [0.0; NB];
            for b in 0..NB {
                let pb = p[b];
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
            for q in 0..NB {
                let (lo, hi) = k.critical_band[q];
                e[q] = p[lo as usize..hi as usize].iter().sum();
            }
        }
    }

    /// `threshold[2r + c]`: threshold in quiet plus every other stem's spread threshold, as
    /// prefix and suffix sums (no cancellation, same order for any input order).
    fn thresholds(&mut self, num: usize) {
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
    fn judge(&mut self, num: usize, dt: f32) {
        let cfg = self.config;
        let n = self.max_stems;
        let alpha = if dt > 0.0 {
            1.0 - (-dt / cfg.smoothing_s()).exp()
        } else {
            0.0
        };
        for r in 0..num {
            let s = self.rank_slot[r];
            let active = self.rank_active[r];
            // The stem's strongest band over both channels, for the band-matters rule
            // (compared as powers: no logarithm per band).
            let mut raw = [0.0f32; NB];
            let mut peak = 0.0f32;
            for q in 0..NB {
                raw[q] = self.power[2 * r][q].max(self.power[2 * r + 1][q]);
                peak = peak.max(raw[q]);
            }
            let matters_min = (peak * self.matters_range_gain).max(self.matters_floor_power);
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
                let tmr = power_to_db(ratio);
                let matters =
                    active && raw[q] >= matters_min && raw[q] > self.kernels.quiet_power[q];
                num_matter += matters as usize;
                let required = self.compiled.terms(self.slot_role[s], q).required_tmr_db;
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
            // Severity matrix row, pair smoothing and the leading masker per band.
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
                        sum += x;
                        ema[q] += alpha * (x - ema[q]);
                    }
                } else {
                    for q in 0..NB {
                        ema[q] -= alpha * ema[q];
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
            let denom_s = self.win_total_s[s].max(cfg.min_evidence_s);
            for q in 0..NB {
                let short = self.short_db[s][q];
                self.short_ema[s][q] += alpha * (short - self.short_ema[s][q]);
                if short >= cfg.masked_when_short_db && dt > 0.0 {
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

    fn build_warnings(&mut self) {
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
                    q += 1;
                    continue;
                }
                let first = q;
                while q + 1 < NB && self.warn_masker(s, q + 1) == masker {
                    q += 1;
                }
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

    /// The masker a warning for `s` in band `q` names, or `NO_SLOT` for no warning there.
    fn warn_masker(&self, s: usize, q: usize) -> u16 {
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
        let count = (last - first + 1) as f32;
        let mut short = 0.0f32;
        let mut share = 0.0f32;
        let mut att = 0.0f32;
        let mut short_ema = 0.0f32;
        let mut collision = false;
        for q in first..=last {
            short += self.mean_short_db[s][q];
            share += self.masked_share[s][q];
            att += self.pair_ema[s * n + m][q];
            short_ema += self.short_ema[s][q];
            collision |= self.compiled.terms(self.slot_role[s], q).owns
                && self.compiled.terms(self.slot_role[m], q).owns;
        }
        short /= count;
        share /= count;
        let lo_hz = self.layout.edges_hz[first];
        let hi_hz = self.layout.edges_hz[last + 1];
        let center_hz = (lo_hz * hi_hz).sqrt();
        let masker_share = if short_ema > 0.0 {
            (att / short_ema).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let round = |x: f32| (x * 2.0).round() / 2.0;
        // Cut the masker (it never outranks the maskee here: then there is no warning), as
        // far as needed and at most `max_cut_db`; boost the maskee when no cut of this
        // masker alone can close the gap (it holds too little of the threshold).
        let fix = match cut_needed_db(short, masker_share) {
            Some(c) => SuggestedFix {
                stem_id: self.slot_id[m],
                action: FixAction::Cut,
                lo_hz,
                hi_hz,
                center_hz,
                gain_db: -round(c.clamp(0.5, self.config.max_cut_db)),
            },
            _ => SuggestedFix {
                stem_id: self.slot_id[s],
                action: FixAction::Boost,
                lo_hz,
                hi_hz,
                center_hz,
                gain_db: round(short.min(self.config.max_boost_db).max(0.5)),
            },
        };
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
        format!(
            "{head}, {} to {}, {:.1} dB short, {:.0}% of the last {:.0} s. Fix: {verb} {fix_stem} by {:.1} dB around {}",
            format_hz(w.lo_hz),
            format_hz(w.hi_hz),
            w.short_db,
            w.masked_share * 100.0,
            w.window_s,
            w.fix.gain_db.abs(),
            format_hz(w.fix.center_hz),
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

/// Fills `order` with the indices of `stems` sorted by id. When there are more stems than
/// `max`, only the `max` lowest ids are kept, whatever the input order. Does not allocate
/// while `order` has capacity for `max`. Shared by the masking and balance engines.
pub(crate) fn select_lowest_ids(stems: &[StemInput], max: usize, order: &mut Vec<usize>) {
    order.clear();
    if stems.len() <= max {
        order.extend(0..stems.len());
    } else {
        let mut last: Option<u64> = None;
        while order.len() < max {
            let next = stems
                .iter()
                .enumerate()
                .filter(|(_, st)| last.is_none_or(|l| st.id > l))
                .min_by_key(|(_, st)| st.id);
            let Some((k, st)) = next else { break };
            order.push(k);
            last = Some(st.id);
        }
    }
    order.sort_unstable_by_key(|&k| stems[k].id);
}
