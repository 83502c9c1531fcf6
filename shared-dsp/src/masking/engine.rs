//! The masking engine: struct-of-arrays state sized at set-up, updated without allocation.

mod fix;
pub use fix::{
    bell_power_gain, bell_q, MAX_BELL_OCTAVES, MAX_LOWER_DB, MAX_WIDE_CUT_DB, WIDE_OCTAVES,
};
mod intake;
mod judge;
mod warnings;

use crate::bands::{BandLayout, NUM_BANDS};
use crate::role::StemRole;
use crate::snapshot::StemName;

use super::model::{db_to_power, Kernels};
use super::report::MaskingWarning;
use super::rules::{CompiledRules, RoleRules};
use super::{MaskingConfig, StemInput};

const NB: usize = NUM_BANDS;
/// A band of a stem sounds while its power is within this many dB of its recent peak; a
/// stem is judged (masked or clear) in a band only while it sounds there, so its pauses and
/// decays are neither masked time nor clear time.
pub(crate) const ACTIVE_RANGE_DB: f32 = 10.0;
/// How fast a band's recent peak falls, dB per second: slow enough to span a pause between
/// phrases, fast enough that a part that settles quieter for good counts as sounding again
/// within seconds.
pub(crate) const PEAK_RELEASE_DB_PER_S: f32 = 3.0;

/// Bins of the deficit histogram kept per stem and band: bin 0 holds the clear moments, bin
/// `k` in 1..16 deficits from `2(k-1)` to `2k` dB, bin 16 deficits of 30 dB and more. A fix
/// is checked on it (see `fix.rs`): how much masked time and deficit a move of `x` dB
/// leaves, moment by moment, not only on the mean.
pub(crate) const DEFICIT_BINS: usize = 17;
/// Width of a deficit bin, dB.
pub(crate) const DEFICIT_BIN_DB: f32 = 2.0;

/// The histogram bin of a deficit (dB, 0 or more).
#[inline]
pub(crate) fn deficit_bin(short_db: f32) -> usize {
    if short_db > 0.0 {
        (1 + (short_db / DEFICIT_BIN_DB) as usize).min(DEFICIT_BINS - 1)
    } else {
        0
    }
}

/// The deficit a bin stands for, dB (its middle; the last bin 33 dB).
#[inline]
pub(crate) fn deficit_of_bin(bin: usize) -> f32 {
    if bin == 0 {
        0.0
    } else {
        (bin as f32 - 0.5) * DEFICIT_BIN_DB
    }
}

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
    /// Bands in a warning after the last update (the audibility rule's hysteresis).
    warned: Vec<[bool; NB]>,
    dominant: Vec<[u16; NB]>,
    history_masked_s: Vec<[f32; NB]>,
    seg_masked_s: Vec<[f32; NB]>,
    seg_short_s: Vec<[f32; NB]>,
    /// Seconds each band sounded (see [`ACTIVE_RANGE_DB`]), per segment.
    seg_active_s: Vec<[f32; NB]>,
    /// Seconds each band sounded at each deficit ([`DEFICIT_BINS`]), per segment, and over
    /// the window.
    seg_hist_s: Vec<[[f32; DEFICIT_BINS]; NB]>,
    win_hist_s: Vec<[[f32; DEFICIT_BINS]; NB]>,
    /// Per slot and band: the recent peak of the band power (louder channel), falling by
    /// [`PEAK_RELEASE_DB_PER_S`]; a band sounds while within [`ACTIVE_RANGE_DB`] of it.
    recent_peak: Vec<[f32; NB]>,
    /// Per slot and first band of a range: the fix last sized for it (see
    /// `fix.rs`, `cached_fix`).
    fix_cache: Vec<[fix::CachedFix; NB]>,
    /// Sums over the window's segments (kept running, recomputed when a segment ends).
    win_total_s: Vec<f32>,
    win_masked_s: Vec<[f32; NB]>,
    win_short_s: Vec<[f32; NB]>,
    win_active_s: Vec<[f32; NB]>,
    /// Per slot and channel, smoothed over the stem's updates (time constant a quarter of
    /// the window): masking powers (the levels it masks others at), the threshold from
    /// every other stem and the critical-band energy. The fix is placed and checked on them.
    slot_mask_power: Vec<[[f32; NB]; 2]>,
    slot_threshold: Vec<[[f32; NB]; 2]>,
    slot_energy: Vec<[[f32; NB]; 2]>,
    // Per pair of slots (maskee-major).
    pair_ema: Vec<[f32; NB]>,
    severity: Vec<f32>,
    severity_ema: Vec<f32>,

    // Scratch per rank (position in the id-sorted input).
    order: Vec<usize>,
    rank_slot: Vec<usize>,
    rank_active: Vec<bool>,
    /// Band powers (as a maskee) and masking powers (as a masker) per rank and channel.
    power: Vec<[f32; NB]>,
    mask_power: Vec<[f32; NB]>,
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
            warned: vec![[false; NB]; n],
            dominant: vec![[NO_SLOT; NB]; n],
            history_masked_s: vec![[0.0; NB]; n],
            seg_masked_s: vec![[0.0; NB]; n * SEGMENTS],
            seg_short_s: vec![[0.0; NB]; n * SEGMENTS],
            seg_active_s: vec![[0.0; NB]; n * SEGMENTS],
            seg_hist_s: vec![[[0.0; DEFICIT_BINS]; NB]; n * SEGMENTS],
            win_hist_s: vec![[[0.0; DEFICIT_BINS]; NB]; n],
            recent_peak: vec![[0.0; NB]; n],
            fix_cache: vec![[fix::CachedFix::default(); NB]; n],
            win_total_s: vec![0.0; n],
            win_masked_s: vec![[0.0; NB]; n],
            win_short_s: vec![[0.0; NB]; n],
            win_active_s: vec![[0.0; NB]; n],
            slot_mask_power: vec![[[0.0; NB]; 2]; n],
            slot_threshold: vec![[[1.0; NB]; 2]; n],
            slot_energy: vec![[[0.0; NB]; 2]; n],
            pair_ema: vec![[0.0; NB]; n * n],
            severity: vec![0.0; n * n],
            severity_ema: vec![0.0; n * n],
            order: Vec::with_capacity(n),
            rank_slot: vec![0; n],
            rank_active: vec![false; n],
            power: vec![[0.0; NB]; 2 * n],
            mask_power: vec![[0.0; NB]; 2 * n],
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

    /// Severity (dB, see [`SeverityEntry::severity_db`](super::SeverityEntry::severity_db))
    /// of the masking of `maskee_id` by `masker_id` in the last update, and its smoothed
    /// value.
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
        self.seg_active_s[s * SEGMENTS..(s + 1) * SEGMENTS].fill([0.0; NB]);
        self.seg_hist_s[s * SEGMENTS..(s + 1) * SEGMENTS].fill([[0.0; DEFICIT_BINS]; NB]);
        self.win_hist_s[s] = [[0.0; DEFICIT_BINS]; NB];
        self.recent_peak[s] = [0.0; NB];
        self.win_active_s[s] = [0.0; NB];
        self.win_total_s[s] = 0.0;
        self.fix_cache[s] = [fix::CachedFix::default(); NB];
        self.win_masked_s[s] = [0.0; NB];
        self.win_short_s[s] = [0.0; NB];
        self.matters[s] = [false; NB];
        self.tmr_db[s] = [0.0; NB];
        self.short_db[s] = [0.0; NB];
        self.masked_share[s] = [0.0; NB];
        self.mean_short_db[s] = [0.0; NB];
        self.flagged[s] = [false; NB];
        self.warned[s] = [false; NB];
        self.dominant[s] = [NO_SLOT; NB];
        self.history_masked_s[s] = [0.0; NB];
        self.slot_mask_power[s] = [[0.0; NB]; 2];
        self.slot_threshold[s] = [[1.0; NB]; 2];
        self.slot_energy[s] = [[0.0; NB]; 2];
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

    /// The target-to-mask ratio slot `s` needs in `band`, dB.
    fn required_tmr_db(&self, s: usize, band: usize) -> f32 {
        self.compiled.terms(self.slot_role[s], band).required_tmr_db
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
