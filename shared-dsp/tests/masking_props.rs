//! Property tests of the masking engine: monotonic in masker level and in band importance,
//! no self-masking, and independent of input order. Band spectra are random but smooth (a
//! random walk over bands), roughly like real stems.

use proptest::prelude::*;
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::masking::{
    ImportancePoint, MaskingConfig, MaskingEngine, RoleImportance, RoleRules, StemInput,
};
use shared_dsp::role::StemRole;

#[derive(Debug, Clone)]
struct Stem {
    id: u64,
    role: StemRole,
    bands: [[f32; NUM_BANDS]; 2],
}

fn spectrum() -> impl Strategy<Value = [f32; NUM_BANDS]> {
    (
        -60.0f32..-10.0,
        prop::collection::vec(-6.0f32..6.0, NUM_BANDS),
        0usize..NUM_BANDS,
        4usize..NUM_BANDS,
    )
        .prop_map(|(start, steps, lo, width)| {
            let mut out = [-150.0; NUM_BANDS];
            let mut level = start;
            for b in lo..(lo + width).min(NUM_BANDS) {
                level = (level + steps[b]).clamp(-100.0, 0.0);
                out[b] = level;
            }
            out
        })
}

fn stem_strategy(id: u64) -> impl Strategy<Value = Stem> {
    (0usize..7, spectrum(), -20.0f32..0.0).prop_map(move |(role, l, pan)| {
        let mut r = l;
        // Pan by lowering one side.
        let (l, r) = if id.is_multiple_of(2) {
            r.iter_mut().for_each(|v| *v = (*v + pan).max(-150.0));
            (l, r)
        } else {
            (r.map(|v| (v + pan).max(-150.0)), l)
        };
        Stem {
            id,
            role: StemRole::ALL[role],
            bands: [l, r],
        }
    })
}

fn stems_strategy() -> impl Strategy<Value = Vec<Stem>> {
    (2usize..6).prop_flat_map(|n| {
        (0..n as u64)
            .map(|k| stem_strategy(100 + 7 * k))
            .collect::<Vec<_>>()
    })
}

fn inputs(stems: &[Stem]) -> Vec<StemInput<'static>> {
    stems
        .iter()
        .map(|s| StemInput {
            id: s.id,
            role: s.role,
            priority: None,
            name: "",
            band_db: s.bands,
            masking_db: s.bands,
            shortterm_lufs: -20.0,
        })
        .collect()
}

fn engine_after(stems: &[Stem], updates: usize) -> MaskingEngine {
    let mut e = MaskingEngine::new(8);
    let input = inputs(stems);
    for _ in 0..updates {
        e.update(&input, 0.1);
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn raising_a_masker_never_lowers_the_severity_it_causes(
        stems in stems_strategy(), pick in 0usize..6, raise_db in 0.0f32..20.0
    ) {
        let j = pick % stems.len();
        let before = engine_after(&stems, 1);
        let mut louder = stems.clone();
        for c in 0..2 {
            for v in louder[j].bands[c].iter_mut() {
                if *v > -150.0 { *v += raise_db; }
            }
        }
        let after = engine_after(&louder, 1);
        let masker = stems[j].id;
        for s in &stems {
            if s.id == masker { continue; }
            let (b, _) = before.severity(s.id, masker).unwrap();
            let (a, _) = after.severity(s.id, masker).unwrap();
            prop_assert!(a >= b - 1e-4 * (1.0 + b), "{} by {}: {b} -> {a}", s.id, masker);
        }
    }

    #[test]
    fn a_stem_never_masks_itself(stems in stems_strategy()) {
        let e = engine_after(&stems, 40);
        for s in &stems {
            prop_assert_eq!(e.severity(s.id, s.id).unwrap(), (0.0, 0.0));
        }
        for w in e.warnings() {
            prop_assert!(w.maskee_id != w.masker_id);
        }
        // Alone, a stem is never warned about.
        for s in &stems {
            let alone = engine_after(std::slice::from_ref(s), 40);
            prop_assert!(alone.warnings().is_empty());
        }
    }

    #[test]
    fn results_do_not_depend_on_input_order(stems in stems_strategy(), rot in 0usize..6) {
        let mut shuffled = stems.clone();
        shuffled.reverse();
        let k = rot % shuffled.len();
        shuffled.rotate_left(k);
        let a = engine_after(&stems, 30);
        let b = engine_after(&shuffled, 30);
        prop_assert_eq!(a.warnings(), b.warnings());
        prop_assert_eq!(a.report(), b.report());
    }
}

/// Rules whose every role has an importance curve with one point at each band centre.
fn rules_with_importance(weights: &[f32]) -> RoleRules {
    let layout = BandLayout::standard();
    let points: Vec<ImportancePoint> = layout
        .centers_hz
        .iter()
        .zip(weights)
        .map(|(&hz, &weight)| ImportancePoint { hz, weight })
        .collect();
    RoleRules {
        importance: StemRole::ALL
            .iter()
            .map(|&role| RoleImportance {
                role,
                points: points.clone(),
            })
            .collect(),
        ..RoleRules::default()
    }
}

fn engine_with_rules(stems: &[Stem], rules: RoleRules, updates: usize) -> MaskingEngine {
    let mut e = MaskingEngine::with_config(8, MaskingConfig::default(), rules);
    let input = inputs(stems);
    for _ in 0..updates {
        e.update(&input, 0.1);
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn raising_the_importance_of_a_band_never_lowers_the_severity(
        stems in stems_strategy(),
        weights in prop::collection::vec(0.0f32..=1.0, NUM_BANDS),
        band in 0usize..NUM_BANDS,
        raise in 0.0f32..1.0,
    ) {
        let mut raised = weights.clone();
        raised[band] = (raised[band] + raise).min(1.0);
        let before = engine_with_rules(&stems, rules_with_importance(&weights), 1);
        let after = engine_with_rules(&stems, rules_with_importance(&raised), 1);
        for i in &stems {
            for j in &stems {
                let (b, _) = before.severity(i.id, j.id).unwrap();
                let (a, _) = after.severity(i.id, j.id).unwrap();
                prop_assert!(a >= b - 1e-4 * (1.0 + b), "{} by {}: {b} -> {a}", i.id, j.id);
            }
        }
        // Over time, a band raised in importance is flagged at least as often.
        let before = engine_with_rules(&stems, rules_with_importance(&weights), 30);
        let after = engine_with_rules(&stems, rules_with_importance(&raised), 30);
        for s in &stems {
            let (b, a) = (before.stem(s.id).unwrap(), after.stem(s.id).unwrap());
            prop_assert!(a.masked_share[band] >= b.masked_share[band] - 1e-6);
        }
    }
}

/// The properties above hold trivially where nothing is masked (every severity 0), so the
/// generated cases must include masking: of 64 cases drawn from `stems_strategy` (proptest's
/// deterministic runner), at least a quarter have a nonzero severity after one update and at
/// least one has a warning after 40.
#[test]
fn generated_cases_include_masking() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut masked, mut warned) = (0, 0);
    let cases = 64;
    for _ in 0..cases {
        let stems = stems_strategy().new_tree(&mut runner).unwrap().current();
        let e = engine_after(&stems, 1);
        let any_severity = stems.iter().any(|i| {
            stems
                .iter()
                .any(|j| e.severity(i.id, j.id).is_some_and(|(s, _)| s > 0.0))
        });
        masked += usize::from(any_severity);
        warned += usize::from(!engine_after(&stems, 40).warnings().is_empty());
    }
    eprintln!("{masked} of {cases} cases masked, {warned} with a warning");
    assert!(
        masked >= cases / 4,
        "only {masked} of {cases} generated cases are masked"
    );
    assert!(warned >= 1, "no generated case raises a warning");
}
