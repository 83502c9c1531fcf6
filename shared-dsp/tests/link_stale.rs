//! Staleness: a `kill -9`ed Strip process is shown gone within 3 s and its slot is reused; a
//! Strip that goes silent (pid alive) is gone after the heartbeat timeout and loses its slot
//! for good; dropped handles free their slots.

mod link_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use link_common::*;
use shared_dsp::link::{LinkError, LinkReader, LinkStatus, LinkWriter, SLOT_COUNT, STALE_MS};

/// Child body: publishes at 30 Hz until killed.
#[test]
#[ignore = "run by the staleness tests as a child process"]
fn child_strip() {
    if !is_child() {
        return;
    }
    let w = LinkWriter::open(None).unwrap();
    println!("ready {} {}", w.slot(), w.instance_id());
    for k in 0.. {
        w.publish(&invariant_snapshot(7, k));
        std::thread::sleep(Duration::from_millis(33));
    }
}

#[test]
fn killed_strip_is_gone_within_3_s_and_its_slot_is_reused() {
    let dir = TempDir::new("kill");
    let path = dir.segment();
    let others: Arc<Vec<_>> = Arc::new(
        (0..SLOT_COUNT - 1)
            .map(|k| {
                let w = LinkWriter::open_at(&path, None).unwrap();
                w.publish(&invariant_snapshot(1, k as u64));
                w
            })
            .collect(),
    );
    // Keep the others alive throughout, as live Strips would be.
    let stop = Arc::new(AtomicBool::new(false));
    let beater = {
        let (others, stop) = (others.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                others.iter().for_each(|w| w.heartbeat());
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let (mut child, ready) = spawn_child("child_strip", &dir.0, &[]);
    let mut parts = ready.split_whitespace();
    let child_slot: usize = parts.next().unwrap().parse().unwrap();
    let child_id: u64 = parts.next().unwrap().parse().unwrap();

    let reader = LinkReader::open_at(&path).unwrap();
    let mut out = Vec::new();
    let seen = wait_until(Duration::from_secs(5), || {
        reader.instances(None, &mut out);
        out.iter()
            .any(|i| i.instance_id == child_id && i.snapshot.is_some())
    });
    assert!(seen.is_some(), "the child's snapshots never appeared");
    assert_eq!(out.len(), SLOT_COUNT);
    assert!(matches!(
        LinkWriter::open_at(&path, None),
        Err(LinkError::TableFull { .. })
    ));

    child.kill().unwrap(); // SIGKILL
    let killed = Instant::now();
    child.wait().unwrap();
    let gone = wait_until(Duration::from_secs(3), || {
        reader.instances(None, &mut out);
        !out.iter().any(|i| i.instance_id == child_id)
    });
    let gone = gone.expect("the killed Strip was still shown after 3 s");
    println!("killed Strip shown gone after {:?}", killed.elapsed());
    assert!(gone < Duration::from_secs(3));
    assert_eq!(out.len(), SLOT_COUNT - 1);

    // The table is otherwise full, so a new Strip must get the dead one's slot.
    let newcomer = LinkWriter::open_at(&path, None).unwrap();
    assert_eq!(newcomer.slot(), child_slot);
    newcomer.publish(&invariant_snapshot(2, 5));
    reader.instances(None, &mut out);
    assert_eq!(out.len(), SLOT_COUNT);
    stop.store(true, Ordering::Relaxed);
    beater.join().unwrap();
}

#[test]
fn silent_strip_goes_stale_and_loses_its_slot() {
    let dir = TempDir::new("silent");
    let path = dir.segment();
    let silent = LinkWriter::open_at(&path, None).unwrap();
    silent.publish(&invariant_snapshot(3, 1));
    let others: Vec<_> = (0..SLOT_COUNT - 1)
        .map(|_| LinkWriter::open_at(&path, None).unwrap())
        .collect();
    let reader = LinkReader::open_at(&path).unwrap();
    let mut out = Vec::new();
    reader.instances(None, &mut out);
    assert!(out.iter().any(|i| i.instance_id == silent.instance_id()));

    // Our pid is alive, so only the heartbeat can tell.
    let start = Instant::now();
    let gone = wait_until(Duration::from_millis(STALE_MS + 1000), || {
        others.iter().for_each(|w| w.heartbeat());
        reader.instances(None, &mut out);
        !out.iter().any(|i| i.instance_id == silent.instance_id())
    })
    .expect("a silent Strip stayed visible");
    assert!(
        start.elapsed() >= Duration::from_millis(STALE_MS - 100),
        "gone too early: {gone:?}"
    );

    let thief = LinkWriter::open_at(&path, None).unwrap();
    assert_eq!(thief.slot(), silent.slot());
    thief.publish(&invariant_snapshot(4, 2));
    // The old handle finds out and goes quiet instead of fighting over the slot.
    silent.publish(&invariant_snapshot(3, 3));
    silent.heartbeat();
    assert_eq!(silent.status(), LinkStatus::Evicted);
    reader.instances(None, &mut out);
    let slot = out.iter().find(|i| i.slot == thief.slot()).unwrap();
    assert_eq!(slot.instance_id, thief.instance_id());
    assert_eq!(check_invariant(slot.snapshot.as_ref().unwrap()), Ok(4));
    drop(silent); // must not free the thief's slot
    reader.instances(None, &mut out);
    assert!(out.iter().any(|i| i.instance_id == thief.instance_id()));
}

#[test]
fn dropped_writers_free_their_slots() {
    let dir = TempDir::new("drop");
    let path = dir.segment();
    for round in 0..3 {
        let all: Vec<_> = (0..SLOT_COUNT)
            .map(|_| LinkWriter::open_at(&path, None).expect("slots leaked"))
            .collect();
        assert!(matches!(
            LinkWriter::open_at(&path, None),
            Err(LinkError::TableFull { .. })
        ));
        let reader = LinkReader::open_at(&path).unwrap();
        let mut out = Vec::new();
        reader.instances(None, &mut out);
        assert_eq!(out.len(), SLOT_COUNT, "round {round}");
        drop(all);
        reader.instances(None, &mut out);
        assert!(out.is_empty());
    }
}
