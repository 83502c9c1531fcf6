use super::*;
use crate::link::VerdictKind;
use crate::snapshot::{StemSnapshot, TransportPosition};

const VOCAL: u64 = 0x11;
const PAD: u64 = 0x22;
const KICK: u64 = 0x33;

/// A snapshot with `level_db` in the bands whose centres lie in `lo..hi` Hz, -100 elsewhere.
fn snap(role: StemRole, name: &str, lo: f32, hi: f32, level_db: f32, lufs: f32) -> StemSnapshot {
    let layout = BandLayout::standard();
    let bands: [f32; NUM_BANDS] = std::array::from_fn(|b| {
        let c = layout.centers_hz[b];
        if (lo..hi).contains(&c) {
            level_db
        } else {
            -100.0
        }
    });
    StemSnapshot {
        role,
        name: StemName::new(name),
        shortterm_lufs: lufs,
        momentary_lufs: lufs,
        band_db: [bands, bands],
        masking_db: [bands, bands],
        frame_db: [bands, bands],
        ..StemSnapshot::default()
    }
}

fn vocal() -> StemSnapshot {
    snap(StemRole::LeadVocal, "Lead Vox", 300.0, 4000.0, -32.0, -22.0)
}

fn pad() -> StemSnapshot {
    snap(StemRole::Music, "Pad", 200.0, 6000.0, -24.0, -16.0)
}

fn kick() -> StemSnapshot {
    snap(StemRole::Drums, "Kick", 30.0, 120.0, -20.0, -18.0)
}

fn info(id: u64, slot: usize, s: StemSnapshot, age_ms: u64) -> InstanceInfo {
    InstanceInfo {
        slot,
        instance_id: id,
        pid: 1,
        group: None,
        age_ms,
        snapshot_age_ms: Some(age_ms),
        snapshot: Some(s),
        gain_request_db: 0.0,
    }
}

fn at(mut s: StemSnapshot, position: f64, playing: bool) -> StemSnapshot {
    s.transport = TransportPosition {
        playing,
        known: true,
        position_seconds: position,
    };
    s
}

/// Runs `seconds` of 20 Hz updates from `t0` with what `make(t)` returns; the last time.
fn run(
    x: &mut CrossStem,
    t0: f64,
    seconds: f64,
    mut make: impl FnMut(f64) -> Vec<InstanceInfo>,
) -> f64 {
    let mut t = t0;
    while t < t0 + seconds {
        t += 0.05;
        x.update(t, &make(t), 0);
    }
    t
}

fn playing_trio(t: f64) -> Vec<InstanceInfo> {
    vec![
        info(VOCAL, 0, at(vocal(), t, true), 10),
        info(PAD, 1, at(pad(), t, true), 20),
        info(KICK, 2, at(kick(), t, true), 5),
    ]
}

#[test]
fn a_vocal_under_a_louder_pad_gets_a_verdict_naming_it_and_the_pad_is_told_too() {
    let mut x = CrossStem::new();
    run(&mut x, 0.0, 6.0, playing_trio);
    assert!(matches!(x.alignment(), Alignment::Aligned { stems: 3, .. }));
    let v = x.verdicts_of(VOCAL);
    let masked = v
        .iter()
        .find(|v| v.kind == VerdictKind::MaskedBy)
        .expect("the vocal is masked");
    assert_eq!(masked.other_instance, PAD);
    assert_eq!(masked.other_name.as_str(), "Pad");
    assert_eq!(masked.other_role, StemRole::Music);
    assert!(
        masked.low_hz < 4000.0 && masked.high_hz > 1000.0,
        "{masked:?}"
    );
    assert!(masked.amount_db >= 1.0 && masked.share > 0.5, "{masked:?}");
    assert!(
        masked.suggested_gain_db < 0.0,
        "a cut on the pad: {masked:?}"
    );
    let on_pad = x.verdicts_of(PAD);
    assert!(on_pad
        .iter()
        .any(|v| v.kind == VerdictKind::Masking && v.other_instance == VOCAL));
    // The kick's range does not overlap: nothing for it.
    assert!(x.verdicts_of(KICK).is_empty(), "{:?}", x.verdicts_of(KICK));

    let view = x.view();
    let names: Vec<&str> = view.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["Kick", "Pad", "Lead Vox"],
        "rows by role: drums, music, vocal"
    );
    assert!(view.rows.iter().all(|r| r.state == RowState::Live));
    assert!(!view.masking.warnings.is_empty());
    let vocal_row = &view.rows[2];
    assert_eq!(vocal_row.warnings, 1);
    assert_eq!(vocal_row.priority, 100.0);
    // The sum's spectrum is at least each stem's in every band.
    for r in &view.rows {
        for (s, b) in view.sum_band_db.iter().zip(&r.band_db) {
            assert!(*s >= *b - 1e-3);
        }
    }
}

#[test]
fn a_masker_that_goes_away_clears_the_warning_and_its_row_after_a_while() {
    let mut x = CrossStem::new();
    let t = run(&mut x, 0.0, 6.0, playing_trio);
    assert!(!x.verdicts_of(VOCAL).is_empty());
    // The pad's process dies: it is no longer listed.
    let duo = |t: f64| {
        vec![
            info(VOCAL, 0, at(vocal(), t, true), 10),
            info(KICK, 2, at(kick(), t, true), 5),
        ]
    };
    let t = run(&mut x, t, 1.0, duo);
    let pad_row = x.view().rows.into_iter().find(|r| r.id == PAD).unwrap();
    assert!(
        matches!(pad_row.state, RowState::Gone { .. }),
        "{pad_row:?}"
    );
    // Within the engine's window the warning clears.
    let t = run(&mut x, t, 10.0, duo);
    assert!(
        x.verdicts_of(VOCAL).is_empty(),
        "{:?}",
        x.verdicts_of(VOCAL)
    );
    assert!(x.masking().warnings().is_empty());
    // Gone rows are removed after GONE_KEEP_S.
    run(&mut x, t, 1.0, duo);
    assert!(x.view().rows.iter().all(|r| r.id != PAD));
}

#[test]
fn a_lagging_or_stopped_strip_is_left_out_and_the_rest_are_lined_up() {
    let mut x = CrossStem::new();
    let lagging = |t: f64| {
        vec![
            info(VOCAL, 0, at(vocal(), t, true), 10),
            info(PAD, 1, at(pad(), t - 1.5, true), 10),
            info(KICK, 2, at(kick(), t, true), 30),
        ]
    };
    run(&mut x, 0.0, 3.0, lagging);
    assert!(
        matches!(x.alignment(), Alignment::Aligned { stems: 2, spread_ms } if spread_ms <= 50.0),
        "{:?}",
        x.alignment()
    );
    let pad_row = x.view().rows.into_iter().find(|r| r.id == PAD).unwrap();
    match pad_row.state {
        RowState::Excluded {
            why: Some(Excluded::OutOfStep(off)),
        } => assert!((off + 1.5).abs() < 0.1, "{off}"),
        s => panic!("{s:?}"),
    }
    // Compared without the pad: no masking of the vocal.
    assert!(x.verdicts_of(VOCAL).is_empty());

    // One Strip stopped while the others play.
    let stopped = |t: f64| {
        vec![
            info(VOCAL, 0, at(vocal(), t, true), 10),
            info(PAD, 1, at(pad(), 12.0, false), 10),
        ]
    };
    run(&mut x, 3.0, 1.0, stopped);
    let pad_row = x.view().rows.into_iter().find(|r| r.id == PAD).unwrap();
    assert_eq!(
        pad_row.state,
        RowState::Excluded {
            why: Some(Excluded::Stopped)
        }
    );
}

#[test]
fn strips_read_at_different_moments_are_compared_at_the_same_position() {
    // The vocal's Strip runs 80 ms ahead of the pad's. Its latest snapshot is 80 ms from
    // the pad's, but an older one of its ring lies within one read period (50 ms) of it:
    // that one is compared.
    let mut x = CrossStem::new();
    let make = |t: f64| {
        let ahead = t + 0.08;
        vec![
            info(VOCAL, 0, at(vocal(), ahead, true), 0),
            info(PAD, 1, at(pad(), t, true), 0),
        ]
    };
    run(&mut x, 0.0, 2.0, make);
    match x.alignment() {
        Alignment::Aligned {
            stems: 2,
            spread_ms,
        } => assert!(spread_ms <= 30.0, "{spread_ms}"),
        a => panic!("{a:?}"),
    }
}

#[test]
fn all_stopped_holds_and_no_position_says_alignment_is_not_possible() {
    let mut x = CrossStem::new();
    run(&mut x, 0.0, 2.0, playing_trio);
    let time = x.masking().time_s();
    run(&mut x, 2.0, 2.0, |_| {
        vec![
            info(VOCAL, 0, at(vocal(), 2.0, false), 10),
            info(PAD, 1, at(pad(), 2.0, false), 10),
        ]
    });
    assert_eq!(x.alignment(), Alignment::Holding);
    assert_eq!(x.masking().time_s(), time, "stopped time is no evidence");
    assert!(x.view().alignment_text.contains("stopped"));

    run(&mut x, 4.0, 1.0, |t| {
        vec![
            info(VOCAL, 0, at(vocal(), t, true), 10),
            info(PAD, 1, pad(), 10), // no transport position
        ]
    });
    assert_eq!(
        x.alignment(),
        Alignment::NotPossible {
            without_position: 1
        }
    );
    assert!(x.masking().time_s() > time);
    assert!(x.view().alignment_text.contains("no transport position"));
}

#[test]
fn a_stale_snapshot_means_no_signal() {
    let mut x = CrossStem::new();
    x.update(1.0, &[info(VOCAL, 0, at(vocal(), 1.0, true), 2000)], 3);
    assert_eq!(x.alignment(), Alignment::Waiting);
    let view = x.view();
    assert_eq!(view.other_groups, 3);
    assert_eq!(
        view.rows[0].state,
        RowState::Excluded {
            why: Some(Excluded::NoSignal)
        }
    );
}

#[test]
fn drift_from_the_stored_reference_becomes_a_verdict_with_the_opposite_gain() {
    let mut x = CrossStem::new();
    let t = run(&mut x, 0.0, 4.0, |t| {
        vec![
            info(KICK, 2, at(kick(), t, true), 5),
            info(PAD, 1, at(pad(), t, true), 5),
        ]
    });
    let reference = x.store_reference();
    assert_eq!(reference.entries.len(), 2);
    assert_eq!(x.state().reference.as_ref(), Some(&reference));
    // The kick comes up 3 LU.
    run(&mut x, t, 2.0, |t| {
        let mut k = kick();
        k.shortterm_lufs += 3.0;
        vec![
            info(KICK, 2, at(k, t, true), 5),
            info(PAD, 1, at(pad(), t, true), 5),
        ]
    });
    let v = x.verdicts_of(KICK);
    let loud = v
        .iter()
        .find(|v| v.kind == VerdictKind::TooLoud)
        .expect("too loud");
    // Relative to the power sum, +3 LU on one of two stems moves it by less than 3.
    assert!(loud.amount_db > 1.0 && loud.amount_db < 3.0, "{loud:?}");
    assert!((loud.suggested_gain_db + loud.amount_db).abs() < 1e-6);
    assert!(x
        .verdicts_of(PAD)
        .iter()
        .any(|v| v.kind == VerdictKind::TooQuiet));
    let view = x.view();
    assert!(view.has_reference);
    assert!(view.rows.iter().all(|r| r.drifting));

    // A wider tolerance silences them.
    x.set_state(CrossStemState {
        tolerance_lu: 6.0,
        ..x.state().clone()
    });
    run(&mut x, t + 2.0, 0.2, |t| {
        let mut k = kick();
        k.shortterm_lufs += 3.0;
        vec![
            info(KICK, 2, at(k, t, true), 5),
            info(PAD, 1, at(pad(), t, true), 5),
        ]
    });
    assert!(x.verdicts_of(KICK).is_empty());
}

#[test]
fn verdicts_are_written_when_they_change_refreshed_and_cleared_once() {
    let mut x = CrossStem::new();
    let mut due = Vec::new();
    x.update(0.05, &playing_trio(0.05), 0);
    x.verdicts_due(&mut due);
    assert_eq!(
        due.len(),
        3,
        "first time: every Strip, empty lists included"
    );
    x.update(0.10, &playing_trio(0.10), 0);
    x.verdicts_due(&mut due);
    assert!(due.is_empty(), "nothing changed: {due:?}");
    let t = run(&mut x, 0.10, 6.0, playing_trio);
    x.verdicts_due(&mut due);
    assert!(due.iter().any(|(id, v)| *id == VOCAL && !v.is_empty()));
    // Non-empty lists are refreshed every half second.
    x.update(t + 0.6, &playing_trio(t + 0.6), 0);
    x.verdicts_due(&mut due);
    assert!(due.iter().any(|(id, _)| *id == VOCAL));
    // Empty lists are not rewritten.
    assert!(due.iter().all(|(id, _)| *id != KICK));
}

#[test]
fn priorities_and_gains_follow_the_stem_name_and_bad_state_values_are_dropped() {
    let mut x = CrossStem::new();
    let mut state = CrossStemState::default();
    // The pad raised above the vocal: its masking is by design, no warning.
    state.priorities.insert("Pad".into(), 200.0);
    state.gains_db.insert("Lead Vox".into(), 2.5);
    state.gains_db.insert("Pad".into(), f32::NAN);
    state.gains_db.insert("Kick".into(), 99.0);
    state.tolerance_lu = f32::INFINITY;
    x.set_state(state);
    assert_eq!(x.state().tolerance_lu, DEFAULT_TOLERANCE_LU);
    assert!(!x.state().gains_db.contains_key("Pad"));
    assert_eq!(x.state().gain_db("Kick"), MAX_GAIN_DB);
    run(&mut x, 0.0, 6.0, playing_trio);
    assert!(
        x.verdicts_of(VOCAL).is_empty(),
        "{:?}",
        x.verdicts_of(VOCAL)
    );
    let gains: Vec<(u64, f32)> = x.gain_requests().collect();
    assert!(gains.contains(&(VOCAL, 2.5)));
    assert!(gains.contains(&(PAD, 0.0)));
    let view = x.view();
    let pad = view.rows.iter().find(|r| r.id == PAD).unwrap();
    assert!(pad.priority_overridden && pad.priority == 200.0);

    // The state survives a JSON round trip, and a partial one takes defaults.
    let json = serde_json::to_string(x.state()).unwrap();
    let back: CrossStemState = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, x.state());
    let partial: CrossStemState = serde_json::from_str("{\"gains_db\":{\"Bass\":-1.5}}").unwrap();
    assert_eq!(partial.tolerance_lu, DEFAULT_TOLERANCE_LU);
    assert_eq!(partial.gain_db("Bass"), -1.5);
}
