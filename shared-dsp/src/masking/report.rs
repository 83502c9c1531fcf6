//! Output types of the masking engine: warnings with their suggested fixes, and the full
//! serialisable report that the Stem Master's GUI and the command-line tool's JSON use.

use serde::{Deserialize, Serialize};

use crate::role::StemRole;

/// What a suggested fix does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixAction {
    /// Cut the stem in the range (a bell or dynamic EQ dip).
    Cut,
    /// Boost the stem in the range.
    Boost,
}

/// A suggested EQ move: which stem, which range, about how many dB.
///
/// The range is in the bands of the stem to change. For a cut that is the masker's own
/// bands whose spread makes the threshold in the masked range, which need not be the
/// masked range: a pad with energy only above 6 kHz that masks a vocal's 5 kHz region from
/// above is cut above 6 kHz, where it has energy. For a boost it is the part of the masked
/// range where the maskee's role gives the bands importance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SuggestedFix {
    /// Id of the stem to change.
    pub stem_id: u64,
    /// Cut or boost.
    pub action: FixAction,
    /// Lower edge of the range to change, Hz (edge of a band of the standard layout).
    pub lo_hz: f32,
    /// Upper edge of the range to change, Hz.
    pub hi_hz: f32,
    /// Geometric centre of the range to change, Hz (where to put a bell).
    pub center_hz: f32,
    /// Gain change in dB, rounded to 0.5 dB: negative for a cut, positive for a boost.
    pub gain_db: f32,
}

/// Kind of a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// One stem hides another.
    Masking,
    /// Two stems that both own the range (by the role rules) mask each other, such as kick
    /// and bass in the low end. Reported once per pair and range.
    Collision,
}

/// One masking warning: "`maskee` masked by `masker`, `lo_hz` to `hi_hz`, `short_db` dB
/// short, `masked_share` of the last `window_s` seconds".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaskingWarning {
    /// Masking or collision.
    pub kind: WarningKind,
    /// Id of the stem that is hidden.
    pub maskee_id: u64,
    /// Its role.
    pub maskee_role: StemRole,
    /// Id of the stem that holds most of the threshold in the range.
    pub masker_id: u64,
    /// Its role.
    pub masker_role: StemRole,
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
    /// Share (0..1) of the window during which the range was masked.
    pub masked_share: f32,
    /// Seconds of the window actually observed (at most the configured window).
    pub window_s: f32,
    /// Suggested fix.
    pub fix: SuggestedFix,
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
