//! The Stem Master's cross-stem view: what the Master concludes from its group's Strips.
//!
//! [`CrossStem`] takes the live Strips of one group as the link reports them
//! ([`InstanceInfo`]), about 20 times a second, off the audio thread:
//!
//! * lines their snapshots up by the host transport ([`align`]),
//! * runs the [masking](crate::masking) and [balance](crate::balance) engines on them,
//! * keeps one row per stem (greyed for [`GONE_KEEP_S`] after its Strip went away),
//! * turns the warnings and the balance drift into each Strip's [`Verdict`]s, and
//! * builds, on demand, an owned [`CrossStemView`] for the GUI and for reports.
//!
//! It does no I/O: the plugin's link thread reads the segment and writes the verdicts and
//! gain requests, so the same logic runs in tests without a segment.
//!
//! What the user sets (the reference balance, per-stem priorities and gain offsets, the drift
//! tolerance) is a [`CrossStemState`], saved with the Master's state. Stems are matched to it
//! by name: instance ids are random per plugin instance and do not survive a session.

pub mod align;
#[cfg(test)]
mod tests;
mod verdicts;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::balance::{BalanceEngine, BalanceReference};
use crate::bands::{BandLayout, NUM_BANDS};
use crate::db::power_to_db;
use crate::link::{InstanceInfo, Verdict, SLOT_COUNT};
use crate::masking::{MaskingEngine, MaskingReport, RoleRules, StemInput};
use crate::role::StemRole;
use crate::snapshot::{StemName, FLOOR_DB};

pub use align::{Alignment, Excluded};

/// Most stems the view follows (the link's table size).
pub const MAX_STEMS: usize = SLOT_COUNT;
/// A row whose Strip went away stays (greyed) this long, seconds.
pub const GONE_KEEP_S: f64 = 10.0;
/// Balance history kept: 10 minutes at 20 updates a second.
const BALANCE_HISTORY: usize = 12_000;
/// Largest time step given to the engines, seconds (a stalled thread must not count as
/// evidence).
const MAX_STEP_S: f64 = 0.5;
/// Default drift tolerance, LU.
pub const DEFAULT_TOLERANCE_LU: f32 = 1.0;
/// Largest gain offset a stem row can request, dB (as the link allows).
pub const MAX_GAIN_DB: f32 = crate::link::MAX_GAIN_REQUEST_DB;

/// What the user set in the view; saved with the Master's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrossStemState {
    /// The stored reference balance, if any.
    pub reference: Option<BalanceReference>,
    /// Priority overrides by stem name (the role rules' scale; higher wins).
    pub priorities: BTreeMap<String, f32>,
    /// Gain offsets requested of the Strips, by stem name, dB.
    pub gains_db: BTreeMap<String, f32>,
    /// Drift beyond this is highlighted and sent to the Strip as a verdict, LU.
    pub tolerance_lu: f32,
}

impl Default for CrossStemState {
    fn default() -> Self {
        Self {
            reference: None,
            priorities: BTreeMap::new(),
            gains_db: BTreeMap::new(),
            tolerance_lu: DEFAULT_TOLERANCE_LU,
        }
    }
}

impl CrossStemState {
    /// The state with every non-finite value dropped and values clamped into range (a state
    /// loaded from a project file is not trusted).
    pub fn sanitized(mut self) -> Self {
        self.priorities
            .retain(|_, p| p.is_finite() && p.abs() <= 1000.0);
        self.gains_db.retain(|_, g| g.is_finite());
        for g in self.gains_db.values_mut() {
            *g = g.clamp(-MAX_GAIN_DB, MAX_GAIN_DB);
        }
        self.gains_db.retain(|_, g| *g != 0.0);
        if !(self.tolerance_lu.is_finite() && self.tolerance_lu > 0.0) {
            self.tolerance_lu = DEFAULT_TOLERANCE_LU;
        }
        self.tolerance_lu = self.tolerance_lu.clamp(0.1, 12.0);
        if let Some(r) = &mut self.reference {
            r.entries.retain(|e| e.relative_lu.is_finite());
        }
        self
    }

    /// The gain offset set for the stem `name`, dB (0 when none).
    pub fn gain_db(&self, name: &str) -> f32 {
        self.gains_db.get(name).copied().unwrap_or(0.0)
    }
}

/// Where a stem row stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RowState {
    /// Compared in the last update.
    Live,
    /// Linked, but left out of the last update.
    Excluded {
        /// Why.
        #[serde(skip)]
        why: Option<Excluded>,
    },
    /// Its Strip is gone (removed, crashed or in a closed project); the row is removed after
    /// [`GONE_KEEP_S`].
    Gone {
        /// Seconds since it was last seen.
        for_s: f32,
    },
}

/// One stem as the view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StemRow {
    /// The Strip's instance id (what gain requests and verdicts address).
    pub id: u64,
    /// Its slot in the link's table.
    pub slot: usize,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: StemRole,
    /// The host's track colour, when the Strip reported one.
    pub color_rgb: Option<[u8; 3]>,
    /// Where it stands.
    pub state: RowState,
    /// Short-term loudness, LUFS (`None` when silent or unknown).
    pub shortterm_lufs: Option<f32>,
    /// Level relative to the mix, LU.
    pub relative_lu: Option<f32>,
    /// Relative level minus the reference's, LU.
    pub drift_lu: Option<f32>,
    /// Whether the drift is beyond the tolerance.
    pub drifting: bool,
    /// The gain offset requested of it from the Master, dB.
    pub gain_db: f32,
    /// Its priority in effect (the override, else its role's default).
    pub priority: f32,
    /// Whether the priority is the user's override.
    pub priority_overridden: bool,
    /// Its spectrum: band powers, the mean of left and right, dB ([`NUM_BANDS`] values).
    pub band_db: Vec<f32>,
    /// Masking warnings in which it is the maskee or the masker.
    pub warnings: usize,
}

/// Everything the Master's view shows, owned (built on demand, off the audio thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossStemView {
    /// Engine time, seconds of compared audio.
    pub time_s: f64,
    /// How the last update was lined up.
    #[serde(skip)]
    pub alignment: Option<Alignment>,
    /// Text of `alignment`.
    pub alignment_text: String,
    /// Rows: by role, then name.
    pub rows: Vec<StemRow>,
    /// Live Strips of other groups, or of no group (not compared here).
    pub other_groups: usize,
    /// Mix short-term loudness the balance is relative to, LUFS.
    pub mix_lufs: Option<f32>,
    /// Whether it is estimated from the stems (power sum) rather than measured.
    pub mix_estimated: bool,
    /// The compared stems' summed spectrum (power sum of the rows' band powers), dB.
    pub sum_band_db: Vec<f32>,
    /// Band centres, Hz.
    pub band_centers_hz: Vec<f32>,
    /// The masking engine's report: per-stem bands (masked shares, history), the severity
    /// matrix, the warnings with their text and fix.
    pub masking: MaskingReport,
    /// The role rules in use.
    pub rules: RoleRules,
    /// Whether a reference balance is stored.
    pub has_reference: bool,
    /// Drift tolerance, LU.
    pub tolerance_lu: f32,
}

#[derive(Debug, Clone)]
struct Row {
    id: u64,
    slot: usize,
    name: StemName,
    role: StemRole,
    color_rgb: Option<[u8; 3]>,
    band_db: [f32; NUM_BANDS],
    last_seen_s: f64,
    present: bool,
    why: Option<Excluded>,
}

/// The cross-stem state of one Master. See the [module docs](self).
pub struct CrossStem {
    masking: MaskingEngine,
    balance: BalanceEngine,
    aligner: align::Aligner,
    state: CrossStemState,
    rows: Vec<Row>,
    picks: Vec<align::Pick>,
    inputs_snap: Vec<(u64, crate::snapshot::StemSnapshot)>,
    alignment: Alignment,
    last_update_s: Option<f64>,
    now_s: f64,
    other_groups: usize,
    verdicts: verdicts::VerdictBook,
}

impl Default for CrossStem {
    fn default() -> Self {
        Self::new()
    }
}

impl CrossStem {
    /// A view for up to [`MAX_STEMS`] stems with the default masking configuration and rules.
    pub fn new() -> Self {
        Self {
            masking: MaskingEngine::new(MAX_STEMS),
            balance: BalanceEngine::new(MAX_STEMS, BALANCE_HISTORY),
            aligner: align::Aligner::default(),
            state: CrossStemState::default(),
            rows: Vec::with_capacity(MAX_STEMS),
            picks: Vec::with_capacity(MAX_STEMS),
            inputs_snap: Vec::with_capacity(MAX_STEMS),
            alignment: Alignment::Waiting,
            last_update_s: None,
            now_s: 0.0,
            other_groups: 0,
            verdicts: verdicts::VerdictBook::default(),
        }
    }

    /// What the user set.
    pub fn state(&self) -> &CrossStemState {
        &self.state
    }

    /// Replaces what the user set (a loaded state, or the GUI's edit).
    pub fn set_state(&mut self, state: CrossStemState) {
        let state = state.sanitized();
        if state.reference != self.state.reference {
            self.balance.set_reference(state.reference.clone());
        }
        self.state = state;
    }

    /// Takes the current balance as the reference (also stored in [`state`](Self::state)).
    pub fn store_reference(&mut self) -> BalanceReference {
        let reference = self.balance.take_reference();
        self.balance.set_reference(Some(reference.clone()));
        self.state.reference = Some(reference.clone());
        reference
    }

    /// How the last update was lined up.
    pub fn alignment(&self) -> Alignment {
        self.alignment
    }

    /// The masking engine (its warnings, stem views and severity).
    pub fn masking(&self) -> &MaskingEngine {
        &self.masking
    }

    /// The balance engine.
    pub fn balance(&self) -> &BalanceEngine {
        &self.balance
    }

    /// One update at `now_s` (a monotonic clock, seconds) with the live Strips of the group
    /// (`instances`, as [`LinkReader::instances`](crate::link::LinkReader::instances) gives
    /// them) and the number of live Strips of other groups.
    pub fn update(&mut self, now_s: f64, instances: &[InstanceInfo], other_groups: usize) {
        self.now_s = now_s;
        self.other_groups = other_groups;
        let dt = self
            .last_update_s
            .map_or(0.0, |t| (now_s - t).clamp(0.0, MAX_STEP_S));
        self.last_update_s = Some(now_s);
        self.alignment = self.aligner.tick(instances, &mut self.picks);

        for row in &mut self.rows {
            row.present = false;
        }
        self.inputs_snap.clear();
        for (info, pick) in instances.iter().zip(&self.picks) {
            let k = match self.rows.iter().position(|r| r.id == info.instance_id) {
                Some(k) => k,
                None => {
                    self.rows.push(Row {
                        id: info.instance_id,
                        slot: info.slot,
                        name: StemName::default(),
                        role: StemRole::Other,
                        color_rgb: None,
                        band_db: [FLOOR_DB; NUM_BANDS],
                        last_seen_s: now_s,
                        present: true,
                        why: None,
                    });
                    self.rows.len() - 1
                }
            };
            let row = &mut self.rows[k];
            row.slot = info.slot;
            row.last_seen_s = now_s;
            row.present = true;
            if let Some(s) = &info.snapshot {
                row.name = s.name;
                row.role = s.role;
                row.color_rgb = s.color_rgb;
            }
            match pick {
                align::Pick::Use(s) => {
                    row.why = None;
                    row.band_db = mean_bands(&s.band_db);
                    self.inputs_snap.push((info.instance_id, *s));
                }
                align::Pick::Skip(why) => row.why = Some(*why),
            }
        }
        self.rows
            .retain(|r| r.present || now_s - r.last_seen_s <= GONE_KEEP_S);

        if self.alignment != Alignment::Holding {
            let state = &self.state;
            let inputs: Vec<StemInput> = self
                .inputs_snap
                .iter()
                .map(|(id, s)| StemInput {
                    priority: state.priorities.get(s.name.as_str()).copied(),
                    ..StemInput::from_snapshot(*id, s)
                })
                .collect();
            self.masking.update(&inputs, dt as f32);
            self.balance.update(&inputs, None, dt as f32);
        }
        self.verdicts.rebuild(
            &self.masking,
            &self.balance,
            self.state.tolerance_lu,
            self.rows
                .iter()
                .filter(|r| r.present)
                .map(|r| (r.id, r.slot, r.name, r.role)),
        );
    }

    /// The verdicts to write now: `(instance id, verdicts)` for each Strip whose list changed
    /// in substance (kind, other stem, range) or was last written more than half a second
    /// ago, and an empty list once for a Strip whose findings cleared. Marks them written.
    pub fn verdicts_due(&mut self, out: &mut Vec<(u64, Vec<Verdict>)>) {
        self.verdicts.due(self.now_s, out);
    }

    /// The verdicts for the Strip `id` as of the last update.
    pub fn verdicts_of(&self, id: u64) -> &[Verdict] {
        self.verdicts.of(id)
    }

    /// The gain offsets to request: `(instance id, dB)` for every present row.
    pub fn gain_requests(&self) -> impl Iterator<Item = (u64, f32)> + '_ {
        self.rows
            .iter()
            .filter(|r| r.present)
            .map(|r| (r.id, self.state.gain_db(r.name.as_str())))
    }

    /// The view as of the last update (allocates).
    pub fn view(&self) -> CrossStemView {
        let layout = BandLayout::standard();
        let rules = self.masking.rules().clone();
        let warnings = self.masking.warnings();
        let mut rows: Vec<StemRow> = self
            .rows
            .iter()
            .map(|r| {
                let bal = self.balance.stem(r.id);
                let drift = bal.and_then(|b| b.drift_lu);
                let name = r.name.as_str().to_owned();
                let default_priority = rules
                    .roles
                    .iter()
                    .find(|d| d.role == r.role)
                    .map_or(0.0, |d| d.priority);
                let priority = self.state.priorities.get(&name).copied();
                StemRow {
                    id: r.id,
                    slot: r.slot,
                    role: r.role,
                    color_rgb: r.color_rgb,
                    state: if !r.present {
                        RowState::Gone {
                            for_s: (self.now_s - r.last_seen_s) as f32,
                        }
                    } else if r.why.is_some() {
                        RowState::Excluded { why: r.why }
                    } else {
                        RowState::Live
                    },
                    shortterm_lufs: bal.and_then(|b| b.shortterm_lufs),
                    relative_lu: bal.and_then(|b| b.relative_lu),
                    drift_lu: drift,
                    drifting: drift.is_some_and(|d| d.abs() > self.state.tolerance_lu),
                    gain_db: self.state.gain_db(&name),
                    priority: priority.unwrap_or(default_priority),
                    priority_overridden: priority.is_some(),
                    band_db: r.band_db.to_vec(),
                    warnings: warnings
                        .iter()
                        .filter(|w| w.maskee_id == r.id || w.masker_id == r.id)
                        .count(),
                    name,
                }
            })
            .collect();
        rows.sort_by(|a, b| (a.role.index(), &a.name, a.id).cmp(&(b.role.index(), &b.name, b.id)));
        let mut sum = [0.0f64; NUM_BANDS];
        for r in rows.iter().filter(|r| r.state == RowState::Live) {
            for (s, db) in sum.iter_mut().zip(&r.band_db) {
                *s += 10f64.powf(f64::from(*db) / 10.0);
            }
        }
        CrossStemView {
            time_s: self.masking.time_s(),
            alignment: Some(self.alignment),
            alignment_text: self.alignment.to_string(),
            rows,
            other_groups: self.other_groups,
            mix_lufs: self.balance.mix_lufs(),
            // NOTE: the Master measures its output, after its own gain, compression and
            // limiting, so the balance is taken against the stems' power sum.
            mix_estimated: true,
            sum_band_db: sum.iter().map(|&p| power_to_db(p, FLOOR_DB)).collect(),
            band_centers_hz: layout.centers_hz.to_vec(),
            masking: self.masking.report(),
            rules,
            has_reference: self.state.reference.is_some(),
            tolerance_lu: self.state.tolerance_lu,
        }
    }
}

/// The mean power of left and right per band, dB.
fn mean_bands(band_db: &[[f32; NUM_BANDS]; 2]) -> [f32; NUM_BANDS] {
    std::array::from_fn(|b| {
        let p = 0.5
            * (10f64.powf(f64::from(band_db[0][b]) / 10.0)
                + 10f64.powf(f64::from(band_db[1][b]) / 10.0));
        power_to_db(p, FLOOR_DB)
    })
}
