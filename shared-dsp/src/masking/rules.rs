//! Role rules as data: default priority and clarity margin per role, and frequency-range
//! rules (the lead vocal's presence range, the low end that kick and bass own). The engine
//! compiles them into a per-role, per-band table at set-up; no rule is a code path.

use serde::{Deserialize, Serialize};

use crate::bands::{BandLayout, NUM_BANDS};
use crate::role::StemRole;

use super::importance::{band_weights, default_importance, RoleImportance};

/// Defaults for one role.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoleDefaults {
    /// The role these defaults are for.
    pub role: StemRole,
    /// Priority (any scale; higher wins). A stem is not warned about masking by a stem of
    /// higher priority in the same band: that masking is by design (the pad sits under the
    /// vocal, not the other way round). A stem's input can override it.
    pub priority: f32,
    /// Target-to-mask ratio (dB) the stem needs in a band to be heard clearly, where no
    /// band rule says otherwise.
    pub required_tmr_db: f32,
}

/// A rule for a role in a frequency range. Where several rules of a role cover a band, the
/// last one in the list wins.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BandRule {
    /// The role the rule applies to.
    pub role: StemRole,
    /// Lower edge of the range, Hz. A band belongs to the range when its centre does.
    pub lo_hz: f32,
    /// Upper edge of the range, Hz.
    pub hi_hz: f32,
    /// Target-to-mask ratio (dB) the stem needs in this range.
    pub required_tmr_db: f32,
    /// Added to the stem's priority in this range.
    pub priority_boost: f32,
    /// The role owns this range: masking between two owners of a band is reported as a
    /// collision (for example kick against bass in the low end).
    pub owns: bool,
}

/// The complete rule set. Serialisable so that the command-line tool can load a custom one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRules {
    /// Per-role defaults; a role missing here gets priority 0 and `fallback_required_tmr_db`.
    pub roles: Vec<RoleDefaults>,
    /// Range rules.
    pub bands: Vec<BandRule>,
    /// Required TMR for a role without defaults, dB.
    pub fallback_required_tmr_db: f32,
    /// Band importance per role ([`RoleImportance`], see [`crate::masking::importance`]);
    /// a role without a curve weighs every band 1. Missing from a rules file, the defaults
    /// (the SII speech importance for lead and backing vocals) apply.
    #[serde(default = "default_importance")]
    pub importance: Vec<RoleImportance>,
}

impl Default for RoleRules {
    /// The shipped rules. Priorities: lead vocal 100, bass and drums 80, backing vocals 60,
    /// music 50, other 40, FX 30. Clarity margin 3 dB everywhere, raised to 8 dB in the
    /// lead vocal's presence range (1 to 5 kHz, where the speech intelligibility index of
    /// ANSI S3.5 puts most band importance) and in the low end below 120 Hz for drums and bass,
    /// which own it. Band importance: the SII speech curve for lead and backing vocals, flat
    /// for every other role.
    fn default() -> Self {
        let role = |role, priority| RoleDefaults {
            role,
            priority,
            required_tmr_db: 3.0,
        };
        let owned = |role, lo_hz, hi_hz, boost| BandRule {
            role,
            lo_hz,
            hi_hz,
            required_tmr_db: 8.0,
            priority_boost: boost,
            owns: true,
        };
        Self {
            roles: vec![
                role(StemRole::LeadVocal, 100.0),
                role(StemRole::Bass, 80.0),
                role(StemRole::Drums, 80.0),
                role(StemRole::BackingVocals, 60.0),
                role(StemRole::Music, 50.0),
                role(StemRole::Other, 40.0),
                role(StemRole::Fx, 30.0),
            ],
            bands: vec![
                owned(StemRole::LeadVocal, 1000.0, 5000.0, 20.0),
                owned(StemRole::Drums, 20.0, 120.0, 10.0),
                owned(StemRole::Bass, 20.0, 120.0, 10.0),
            ],
            fallback_required_tmr_db: 3.0,
            importance: default_importance(),
        }
    }
}

/// What the rules say about one role in one band.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct BandTerms {
    pub base_priority: f32,
    pub priority_boost: f32,
    pub required_tmr_db: f32,
    pub owns: bool,
    /// Band importance for the role, 0..1 (1 for a role without a curve).
    pub importance: f32,
}

/// The rules compiled for every role and band: `table[role index][band]`.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRules {
    pub table: [[BandTerms; NUM_BANDS]; StemRole::ALL.len()],
}

impl CompiledRules {
    pub fn new(rules: &RoleRules, layout: &BandLayout) -> Self {
        let fallback = if rules.fallback_required_tmr_db.is_finite() {
            rules.fallback_required_tmr_db
        } else {
            3.0
        };
        let mut table = [[BandTerms::default(); NUM_BANDS]; StemRole::ALL.len()];
        for role in StemRole::ALL {
            let defaults = rules.roles.iter().rev().find(|d| d.role == role);
            let priority = defaults.map_or(0.0, |d| finite_or(d.priority, 0.0));
            let required = defaults.map_or(fallback, |d| finite_or(d.required_tmr_db, fallback));
            let importance = band_weights(&rules.importance, role, layout);
            let row = &mut table[role.index() as usize];
            for (b, terms) in row.iter_mut().enumerate() {
                *terms = BandTerms {
                    base_priority: priority,
                    priority_boost: 0.0,
                    required_tmr_db: required,
                    owns: false,
                    importance: importance[b],
                };
                let hz = layout.centers_hz[b];
                for rule in rules.bands.iter().filter(|r| r.role == role) {
                    if hz >= rule.lo_hz && hz < rule.hi_hz {
                        terms.priority_boost = finite_or(rule.priority_boost, 0.0);
                        terms.required_tmr_db = finite_or(rule.required_tmr_db, required);
                        terms.owns = rule.owns;
                    }
                }
            }
        }
        Self { table }
    }

    pub fn terms(&self, role: StemRole, band: usize) -> &BandTerms {
        &self.table[role.index() as usize][band]
    }
}

fn finite_or(x: f32, fallback: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_protect_the_vocal_presence_and_give_the_low_end_to_kick_and_bass() {
        let layout = BandLayout::standard();
        let rules = CompiledRules::new(&RoleRules::default(), &layout);
        let b2k = layout.band_of(2000.0).unwrap();
        let b60 = layout.band_of(60.0).unwrap();
        let voc = rules.terms(StemRole::LeadVocal, b2k);
        let music = rules.terms(StemRole::Music, b2k);
        assert!(voc.base_priority + voc.priority_boost > music.base_priority);
        assert!(voc.required_tmr_db > music.required_tmr_db);
        assert!(rules.terms(StemRole::Drums, b60).owns && rules.terms(StemRole::Bass, b60).owns);
        assert!(!rules.terms(StemRole::Music, b60).owns);
    }

    #[test]
    fn non_finite_rule_values_fall_back() {
        let mut r = RoleRules::default();
        r.roles[0].priority = f32::NAN;
        r.bands[0].required_tmr_db = f32::INFINITY;
        let c = CompiledRules::new(&r, &BandLayout::standard());
        for row in c.table.iter() {
            for t in row {
                assert!(t.base_priority.is_finite() && t.required_tmr_db.is_finite());
            }
        }
    }
}
