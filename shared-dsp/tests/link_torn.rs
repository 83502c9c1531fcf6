//! Torn reads never surface: writers (threads and a child process) publish flat out, every
//! snapshot carrying an invariant; a reader checks every snapshot it accepts.

mod link_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use link_common::*;
use shared_dsp::link::{LinkReader, LinkWriter};

const RUN: Duration = Duration::from_millis(1500);

/// Child body: publishes invariant snapshots flat out for `LINK_CHILD_SECONDS`.
#[test]
#[ignore = "run by torn_reads_never_surface as a child process"]
fn child_flat_out_writer() {
    if !is_child() {
        return;
    }
    let w = LinkWriter::open(None).unwrap();
    println!("ready {}", w.slot());
    let seconds: f64 = std::env::var("LINK_CHILD_SECONDS")
        .unwrap()
        .parse()
        .unwrap();
    let start = Instant::now();
    let mut k = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        w.publish(&invariant_snapshot(1000, k));
        k += 1;
    }
}

#[test]
fn torn_reads_never_surface() {
    let dir = TempDir::new("torn");
    let path = dir.segment();
    // Create the segment before anyone reads it.
    let first = LinkWriter::open_at(&path, None).unwrap();
    let (mut child, _) = spawn_child(
        "child_flat_out_writer",
        &dir.0,
        &[("LINK_CHILD_SECONDS", format!("{}", RUN.as_secs_f64() + 0.5))],
    );
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for id in 0..3u32 {
        let stop = stop.clone();
        let w = LinkWriter::open_at(&path, None).unwrap();
        writers.push(std::thread::spawn(move || {
            let mut k = 0u64;
            while !stop.load(Ordering::Relaxed) {
                w.publish(&invariant_snapshot(id, k));
                k += 1;
            }
            k
        }));
    }
    drop(first);

    let reader = LinkReader::open_at(&path).unwrap();
    let mut out = Vec::new();
    let (mut accepted, mut bad, mut from_child) = (0u64, Vec::new(), 0u64);
    let start = Instant::now();
    while start.elapsed() < RUN {
        reader.instances(None, &mut out);
        for i in &out {
            let Some(s) = &i.snapshot else { continue };
            accepted += 1;
            match check_invariant(s) {
                Ok(1000) => from_child += 1,
                Ok(_) => {}
                Err(e) => bad.push(e),
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let published: u64 = writers.into_iter().map(|h| h.join().unwrap()).sum();
    let _ = child.wait();
    println!("published {published} in threads, accepted {accepted} ({from_child} from the child)");
    assert!(
        bad.is_empty(),
        "{} inconsistent snapshots, first: {}",
        bad.len(),
        bad[0]
    );
    assert!(
        accepted > 1000,
        "the reader accepted only {accepted} snapshots"
    );
    assert!(
        from_child > 100,
        "only {from_child} snapshots from the child process"
    );
    assert!(published > 10_000);
}
