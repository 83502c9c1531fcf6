//! Output types of the masking engine: warnings with their suggested fixes, and the full
//! serialisable report that the Stem Master's GUI and the command-line tool's JSON use.

use serde::{Deserialize, Serialize};

use crate::format;
use crate::role::StemRole;

/// Most ranges one warning lists (a pair's worst, by the audibility they take away).
pub const MAX_RANGES: usize = 3;

/// What a suggested fix does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixAction {
    /// Cut the stem with a bell on the range (an EQ or dynamic-EQ dip).
    #[default]
    Cut,
    /// Boost the stem with a bell on the range.
    Boost,
    /// No cut within the limits clears the warning: lower the whole stem by about
    /// `gain_db`, or move one of the parts.
    Lower,
    /// Nothing within reach of an EQ move or a level change clears the warning (other stems
    /// hold the threshold too, or the deficit is too deep): move one of the parts (another
    /// register, another moment, another place in the stereo image).
    Move,
}

/// A suggested move: which stem, which range, about how many dB, and the bell that does it.
///
/// The range is in the bands of the stem to change. For a cut that is the masker's own
/// bands whose spread makes the threshold in the masked range, which need not be the
/// masked range: a pad with energy only above 6 kHz that masks a vocal's 5 kHz region from
/// above is cut above 6 kHz, where it has energy. For a boost it is the part of the masked
/// range where the maskee's role gives the bands importance. For [`FixAction::Lower`] and
/// [`FixAction::Move`] it is the whole audio range.
///
/// A cut or boost is a bell (RBJ cookbook peaking EQ, as the Strip's bells) at `center_hz`
/// with `q`: its half-gain points (in dB) are `lo_hz` and `hi_hz`, so `gain_db` is reached
/// at the centre and half of it at the edges. The engine sized it with that shape.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SuggestedFix {
    /// Id of the stem to change.
    pub stem_id: u64,
    /// What to do.
    pub action: FixAction,
    /// Lower edge of the range to change, Hz (edge of a band of the standard layout).
    pub lo_hz: f32,
    /// Upper edge of the range to change, Hz.
    pub hi_hz: f32,
    /// Geometric centre of the range to change, Hz (where to put a bell).
    pub center_hz: f32,
    /// The bell's Q (RBJ cookbook) for the range; 0 for a level change.
    #[serde(default)]
    pub q: f32,
    /// Gain change in dB, in 0.5 dB steps: negative for a cut or a lower level, positive
    /// for a boost, 0 for [`FixAction::Move`].
    pub gain_db: f32,
}

/// Kind of a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// One stem hides another.
    #[default]
    Masking,
    /// Two stems that both own the range (by the role rules) mask each other, such as kick
    /// and bass in the low end. Reported once per pair.
    Collision,
}

/// One range of a [`MaskingWarning`]: adjacent masked bands of the maskee named for the
/// warning's masker, with the fix for them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MaskedRange {
    /// First band of the range (index into the standard layout).
    pub first_band: u8,
    /// Last band of the range, inclusive.
    pub last_band: u8,
    /// Lower edge of the first band, Hz.
    pub lo_hz: f32,
    /// Upper edge of the last band, Hz.
    pub hi_hz: f32,
    /// How far the maskee's better-ear target-to-mask ratio falls short of what it needs
    /// there, in dB, averaged over the masked moments of the window and the range.
    pub short_db: f32,
    /// Share (0..1) of the time the range sounded in the window that it was masked.
    pub masked_share: f32,
    /// Share (0..1) of the maskee's importance-weighted audibility the range takes away
    /// (see the module docs, step 10).
    #[serde(default)]
    pub audibility_loss: f32,
    /// The fix for this range.
    pub fix: SuggestedFix,
}

/// The ranges of a warning, lowest first: a fixed array, so that warnings stay `Copy` and
/// the engine builds them without allocating. Serialised as a list.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ranges {
    items: [MaskedRange; MAX_RANGES],
    len: u8,
}

impl Ranges {
    /// The ranges in use.
    pub fn as_slice(&self) -> &[MaskedRange] {
        &self.items[..self.len as usize]
    }

    /// Number of ranges.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a range, keeping them in frequency order. When all [`MAX_RANGES`] are taken,
    /// the range that takes the least audibility away (the new one included) is dropped.
    pub fn push(&mut self, r: MaskedRange) {
        let n = self.len as usize;
        if n < MAX_RANGES {
            self.items[n] = r;
            self.len += 1;
        } else {
            let weakest = (0..n)
                .min_by(|&a, &b| {
                    self.items[a]
                        .audibility_loss
                        .total_cmp(&self.items[b].audibility_loss)
                })
                .unwrap_or(0);
            if self.items[weakest].audibility_loss >= r.audibility_loss {
                return;
            }
            self.items[weakest] = r;
        }
        let n = self.len as usize;
        self.items[..n].sort_by_key(|r| r.first_band);
    }
}

impl std::ops::Index<usize> for Ranges {
    type Output = MaskedRange;
    fn index(&self, i: usize) -> &MaskedRange {
        &self.as_slice()[i]
    }
}

impl Serialize for Ranges {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.as_slice())
    }
}

impl<'de> Deserialize<'de> for Ranges {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<MaskedRange>::deserialize(d)?;
        if v.len() > MAX_RANGES {
            return Err(serde::de::Error::invalid_length(
                v.len(),
                &"at most 3 ranges",
            ));
        }
        let mut r = Ranges::default();
        for x in v {
            r.push(x);
        }
        Ok(r)
    }
}

/// One masking warning per pair and direction: "`maskee` masked by `masker`" in one or more
/// ranges, each with its deficit, its share of the time and its fix.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MaskingWarning {
    /// Masking or collision (a collision when any range lies where both stems own the band).
    pub kind: WarningKind,
    /// Id of the stem that is hidden.
    pub maskee_id: u64,
    /// Its role.
    pub maskee_role: StemRole,
    /// Id of the stem that holds most of the threshold in the ranges.
    pub masker_id: u64,
    /// Its role.
    pub masker_role: StemRole,
    /// First band of the lowest range (index into the standard layout).
    pub first_band: u8,
    /// Last band of the highest range, inclusive.
    pub last_band: u8,
    /// Lower edge of the lowest range, Hz.
    pub lo_hz: f32,
    /// Upper edge of the highest range, Hz.
    pub hi_hz: f32,
    /// The ranges' deficit, dB, averaged over their bands.
    pub short_db: f32,
    /// The ranges' masked share (0..1), averaged over their bands.
    pub masked_share: f32,
    /// Share (0..1) of the maskee's importance-weighted audibility the ranges take away.
    #[serde(default)]
    pub audibility_loss: f32,
    /// Seconds of the window actually observed (at most the configured window).
    pub window_s: f32,
    /// The ranges, lowest first.
    pub ranges: Ranges,
}

impl SuggestedFix {
    /// The fix as a phrase ("cut Pad (Music) by 4.5 dB from 1.2 to 3.0 kHz (a bell at 1.9
    /// kHz, Q 1.0)"), `stem` naming the stem it changes and `max_cut_db` the deepest cut the
    /// engine suggests.
    pub fn describe(&self, stem: &str, max_cut_db: f32) -> String {
        let (lo, hi) = (format::hz(self.lo_hz), format::hz(self.hi_hz));
        let at = if lo == hi {
            format!("around {}", format::hz(self.center_hz))
        } else {
            format!("from {lo} to {hi}")
        };
        let bell = format!(
            "(a bell at {}, Q {:.1})",
            format::hz(self.center_hz),
            self.q
        );
        let gain = self.gain_db.abs();
        match self.action {
            FixAction::Cut => format!("cut {stem} by {gain:.1} dB {at} {bell}"),
            FixAction::Boost => format!("boost {stem} by {gain:.1} dB {at} {bell}"),
            FixAction::Lower => format!(
                "lower {stem} by about {gain:.1} dB, or move one of the parts (no cut of at \
                 most {max_cut_db:.0} dB, {:.0} dB over more than an octave, clears it)",
                crate::masking::engine::MAX_WIDE_CUT_DB.min(max_cut_db)
            ),
            FixAction::Move => format!(
                "move one of the parts: another register, moment or place in the stereo \
                 image (no EQ move or level change of {stem} within reach clears it)"
            ),
        }
    }
}

impl MaskingWarning {
    /// The warning and its fixes as text, `name` giving each stem's display name:
    /// "Lead (Lead Vocal) masked by Pad (Music), 1.0 to 4.1 kHz, 6.5 dB short, 80% of the
    /// time it sounds (last 10 s). Fix: cut Pad (Music) by ...". Ranges are listed in
    /// frequency order, their fixes likewise (a fix shared by several ranges once).
    pub fn describe(&self, name: impl Fn(u64) -> String, max_cut_db: f32) -> String {
        let maskee = name(self.maskee_id);
        let masker = name(self.masker_id);
        let head = match self.kind {
            WarningKind::Collision if self.hi_hz <= 300.0 => {
                format!("Low-end collision: {maskee} masked by {masker}")
            }
            WarningKind::Collision => format!("Collision: {maskee} masked by {masker}"),
            WarningKind::Masking => format!("{maskee} masked by {masker}"),
        };
        let ranges = self.ranges.as_slice();
        let list: Vec<String> = ranges
            .iter()
            .map(|r| {
                format!(
                    "{} to {}, {:.1} dB short, {:.0}%",
                    format::hz(r.lo_hz),
                    format::hz(r.hi_hz),
                    r.short_db,
                    r.masked_share * 100.0
                )
            })
            .collect();
        // Cuts and boosts per range; a level change acts on every range at once, so the
        // ranges that need one share a single phrase, with the largest change.
        let mut fixes: Vec<String> = Vec::new();
        let mut level: Option<SuggestedFix> = None;
        for r in ranges {
            match r.fix.action {
                FixAction::Cut | FixAction::Boost => {
                    let f = r.fix.describe(&name(r.fix.stem_id), max_cut_db);
                    if !fixes.contains(&f) {
                        fixes.push(f);
                    }
                }
                FixAction::Lower | FixAction::Move => {
                    let deeper = |a: &SuggestedFix| match (a.action, r.fix.action) {
                        (FixAction::Move, _) => false,
                        (_, FixAction::Move) => true,
                        _ => r.fix.gain_db < a.gain_db,
                    };
                    if level.as_ref().is_none_or(deeper) {
                        level = Some(r.fix);
                    }
                }
            }
        }
        if let Some(f) = level {
            fixes.push(f.describe(&name(f.stem_id), max_cut_db));
        }
        let where_ = if ranges.len() > 1 {
            format!(" in {} ranges: {}", ranges.len(), list.join("; "))
        } else {
            format!(", {}", list.join(""))
        };
        format!(
            "{head}{where_} of the time it sounds (last {:.0} s). Fix: {}",
            self.window_s,
            fixes.join("; ")
        )
    }
}

/// Per-band state of one stem in a [`MaskingReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandReport {
    /// Band centre, Hz.
    pub center_hz: f32,
    /// Whether the band matters to the stem now (real energy there).
    pub matters: bool,
    /// Better-ear target-to-mask ratio now, dB.
    pub tmr_db: f32,
    /// dB short of the required TMR now (0 when fine or when the band does not matter).
    pub short_db: f32,
    /// Share of the window the band was masked (0..1).
    pub masked_share: f32,
    /// Share of all observed time the band was masked (0..1): the masking history.
    pub history_share: f32,
    /// Whether the band is currently flagged (after hysteresis).
    pub flagged: bool,
}

/// One stem in a [`MaskingReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StemReport {
    /// The stem's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: StemRole,
    /// The user's priority override, if any.
    pub priority_override: Option<f32>,
    /// False when the last input had non-finite band values (the stem is then treated as
    /// silent).
    pub valid: bool,
    /// Whether the stem took part in the last update.
    pub present: bool,
    /// Seconds of observation behind `history_share`.
    pub history_s: f32,
    /// Per-band state, lowest band first.
    pub bands: Vec<BandReport>,
}

/// One cell of the maskee-by-masker severity matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeverityEntry {
    /// The hidden stem.
    pub maskee_id: u64,
    /// The stem hiding it.
    pub masker_id: u64,
    /// Severity now: dB short summed over the maskee's bands that matter, each weighted by
    /// the masker's share of the threshold, divided by the number of bands that matter.
    pub severity_db: f32,
    /// The same, exponentially smoothed over about a quarter of the window.
    pub smoothed_db: f32,
}

/// A warning with its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningReport {
    /// The warning.
    #[serde(flatten)]
    pub warning: MaskingWarning,
    /// Human-readable text, e.g. "Lead Vox (Lead Vocal) masked by Pad (Music), 1.0 to 4.1
    /// kHz, 6.5 dB short, 80% of the last 10 s. Fix: cut Pad by 7.5 dB around 2.0 kHz".
    pub text: String,
}

/// Everything the engine knows, owned and serialisable (built off the real-time path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaskingReport {
    /// Engine time of the last update, seconds since the engine was made or reset.
    pub time_s: f64,
    /// Stems, by ascending id.
    pub stems: Vec<StemReport>,
    /// Non-zero cells of the severity matrix.
    pub severity: Vec<SeverityEntry>,
    /// Current warnings.
    pub warnings: Vec<WarningReport>,
}
