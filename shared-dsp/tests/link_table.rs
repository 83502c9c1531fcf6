//! The table and groups: 64 Strips at once, the 65th refused; groups stay separate;
//! automatic binding and the picker case; the Master-to-Strip channel.

mod link_common;

use link_common::*;
use shared_dsp::link::{
    GroupId, LinkError, LinkReader, LinkStatus, LinkWriter, MasterHandle, Verdict, VerdictKind,
    VerdictList, MAX_VERDICTS, SLOT_COUNT,
};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::StemName;

#[test]
fn sixty_four_strips_appear_and_the_65th_is_told_the_table_is_full() {
    let dir = TempDir::new("full");
    let path = dir.segment();
    let writers: Vec<_> = (0..SLOT_COUNT)
        .map(|id| {
            let w = LinkWriter::open_at(&path, None).unwrap();
            w.publish(&invariant_snapshot(id as u32, id as u64));
            w
        })
        .collect();
    let reader = LinkReader::open_at(&path).unwrap();
    let mut out = Vec::new();
    reader.instances(None, &mut out);
    assert_eq!(out.len(), 64);
    let mut ids: Vec<u32> = out
        .iter()
        .map(|i| check_invariant(i.snapshot.as_ref().unwrap()).unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, (0..64).collect::<Vec<_>>());
    let mut slots: Vec<_> = writers.iter().map(|w| w.slot()).collect();
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), 64);

    match LinkWriter::open_at(&path, None) {
        Err(e @ LinkError::TableFull { slots: 64, .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("full") && msg.contains("64"), "{msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            println!("65th Strip: {msg}");
        }
        other => panic!("expected TableFull, got {:?}", other.map(|w| w.slot())),
    }
}

#[test]
fn two_groups_stay_separate() {
    let dir = TempDir::new("groups");
    let path = dir.segment();
    let (ga, gb) = (GroupId::random(), GroupId::random());
    assert_ne!(ga, gb);
    let ma = MasterHandle::open_at(&path, ga, "Project A master").unwrap();
    let mb = MasterHandle::open_at(&path, gb, "Project B master").unwrap();
    let a: Vec<_> = (0..3)
        .map(|_| LinkWriter::open_at(&path, Some(ga)).unwrap())
        .collect();
    let b: Vec<_> = (0..2)
        .map(|_| LinkWriter::open_at(&path, Some(gb)).unwrap())
        .collect();
    for (i, w) in a.iter().enumerate() {
        w.publish(&invariant_snapshot(100 + i as u32, 1));
    }
    for (i, w) in b.iter().enumerate() {
        w.publish(&invariant_snapshot(200 + i as u32, 1));
    }
    let reader = LinkReader::open_at(&path).unwrap();
    let mut out = Vec::new();
    reader.instances(Some(ga), &mut out);
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|i| i.group == Some(ga)
        && (100..103).contains(&check_invariant(i.snapshot.as_ref().unwrap()).unwrap())));
    reader.instances(Some(gb), &mut out);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|i| i.group == Some(gb)));
    reader.instances(None, &mut out);
    assert_eq!(out.len(), 5);

    // Each Strip reports its own Master.
    match a[0].status() {
        LinkStatus::Connected { group, master } => {
            assert_eq!(group, ga);
            assert_eq!(master.track_name, "Project A master");
        }
        s => panic!("{s:?}"),
    }
    match b[1].status() {
        LinkStatus::Connected { master, .. } => assert_eq!(master.group, gb),
        s => panic!("{s:?}"),
    }
    // An unbound Strip with two Masters live must be asked, not guessed.
    let unbound = LinkWriter::open_at(&path, None).unwrap();
    assert_eq!(unbound.status(), LinkStatus::MultipleMasters(2));
    let mut masters = Vec::new();
    unbound.masters(&mut masters);
    assert_eq!(masters.len(), 2);
    unbound.set_group(gb);
    assert!(matches!(unbound.status(), LinkStatus::Connected { group, .. } if group == gb));

    // A Master only reaches the Strips it addresses.
    assert!(ma.set_gain_request(a[1].instance_id(), -3.5));
    assert_eq!(a[1].gain_request_db(), -3.5);
    assert_eq!(a[0].gain_request_db(), 0.0);
    assert!(b.iter().all(|w| w.gain_request_db() == 0.0));
    drop(mb);
    assert_eq!(b[0].status(), LinkStatus::NoMaster { group: Some(gb) });
    assert!(matches!(a[2].status(), LinkStatus::Connected { .. }));
}

#[test]
fn a_lone_master_is_bound_automatically() {
    let dir = TempDir::new("auto");
    let path = dir.segment();
    let w = LinkWriter::open_at(&path, None).unwrap();
    assert_eq!(w.status(), LinkStatus::NoMaster { group: None });
    let g = GroupId::random();
    let _m = MasterHandle::open_at(&path, g, "Mix").unwrap();
    assert!(matches!(w.status(), LinkStatus::Connected { group, .. } if group == g));
    assert_eq!(w.group(), Some(g));
}

#[test]
fn gain_requests_and_verdicts_reach_their_strip() {
    let dir = TempDir::new("reverse");
    let path = dir.segment();
    let g = GroupId::random();
    let m = MasterHandle::open_at(&path, g, "Mix").unwrap();
    let vocal = LinkWriter::open_at(&path, Some(g)).unwrap();
    let music = LinkWriter::open_at(&path, Some(g)).unwrap();
    let v = Verdict {
        kind: VerdictKind::MaskedBy,
        other_role: StemRole::Music,
        other_instance: music.instance_id(),
        other_name: StemName::new("Keys & Pads"),
        low_hz: 1200.0,
        high_hz: 3400.0,
        amount_db: 4.0,
        share: 0.6,
        suggested_gain_db: -2.0,
        // Several ranges travel with the verdict.
        ranges: [[1200.0, 2000.0], [2600.0, 3400.0], [0.0; 2]],
    };
    let many = [v; MAX_VERDICTS + 3];
    assert!(m.set_verdicts(vocal.instance_id(), &many));
    let mut list = VerdictList::new();
    vocal.verdicts(&mut list);
    assert_eq!(list.len(), MAX_VERDICTS);
    assert!(list.as_slice().iter().all(|x| *x == v));
    music.verdicts(&mut list);
    assert!(list.is_empty());
    assert!(m.set_verdicts(vocal.instance_id(), &[]));
    vocal.verdicts(&mut list);
    assert!(list.is_empty());

    assert!(m.set_gain_request(music.instance_id(), 99.0));
    assert_eq!(music.gain_request_db(), 24.0);
    assert!(m.set_gain_request(music.instance_id(), f32::NAN));
    assert_eq!(music.gain_request_db(), 0.0);
    assert!(m.set_gain_request(music.instance_id(), 1.5));
    let reader = LinkReader::open_at(&path).unwrap();
    let mut out = Vec::new();
    reader.instances(Some(g), &mut out);
    let info = out
        .iter()
        .find(|i| i.instance_id == music.instance_id())
        .unwrap();
    assert_eq!(info.gain_request_db, 1.5);
    assert!(info.snapshot.is_none(), "nothing published yet");
    assert!(!m.set_gain_request(12345, 1.0), "unknown instance");
    // A Master that goes away withdraws its requests.
    drop(m);
    assert_eq!(music.gain_request_db(), 0.0);
}

#[test]
fn a_strip_withdraws_what_a_killed_master_left() {
    let dir = TempDir::new("killed");
    let path = dir.segment();
    let g = GroupId::random();
    let m = MasterHandle::open_at(&path, g, "Mix").unwrap();
    let bass = LinkWriter::open_at(&path, Some(g)).unwrap();
    let other = LinkWriter::open_at(&path, Some(g)).unwrap();
    assert!(m.set_gain_request(bass.instance_id(), -6.0));
    assert!(m.set_gain_request(other.instance_id(), 2.0));
    let v = Verdict {
        kind: VerdictKind::TooLoud,
        amount_db: 2.0,
        share: 1.0,
        suggested_gain_db: -2.0,
        ..Verdict::default()
    };
    assert!(m.set_verdicts(bass.instance_id(), &[v]));
    // A killed Master does not unregister: what it wrote stays until the Strip clears it.
    std::mem::forget(m);
    assert_eq!(bass.gain_request_db(), -6.0);
    bass.clear_master_requests();
    assert_eq!(bass.gain_request_db(), 0.0);
    let mut list = VerdictList::new();
    bass.verdicts(&mut list);
    assert!(list.is_empty());
    assert_eq!(
        other.gain_request_db(),
        2.0,
        "another Strip's slot is untouched"
    );
}
