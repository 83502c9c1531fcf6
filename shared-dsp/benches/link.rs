//! Link costs: publishing one full snapshot (audio thread, target <= 1 us) and reading all 64
//! slots (Master timer, target <= 50 us). Runs on a private segment directory.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::link::{
    segment_file_name, GroupId, LinkReader, LinkWriter, VerdictList, SLOT_COUNT,
};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};

fn snapshot(k: usize) -> StemSnapshot {
    let mut band_db = [[-60.0; NUM_BANDS]; 2];
    band_db[0][k % NUM_BANDS] = -20.0;
    StemSnapshot {
        role: StemRole::Bass,
        name: StemName::new("Bass DI (a fairly long track name)"),
        sample_rate_hz: 48_000.0,
        momentary_lufs: -18.0,
        shortterm_lufs: -19.0,
        sample_peak_db: -3.0,
        true_peak_db: -2.5,
        rms_db: -21.0,
        correlation: 0.8,
        gain_reduction_db: 2.0,
        masking_db: band_db,
        frame_db: band_db,
        band_db,
        transport: TransportPosition {
            playing: true,
            known: true,
            position_seconds: k as f64,
        },
        color_rgb: None,
    }
}

fn bench_link(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("stem-link-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(segment_file_name());
    let group = GroupId::random();
    let writers: Arc<Vec<_>> = Arc::new(
        (0..SLOT_COUNT)
            .map(|_| LinkWriter::open_at(&path, Some(group)).unwrap())
            .collect(),
    );
    // Keep every Strip live (heartbeat) while the benchmarks run for many seconds.
    let stop = Arc::new(AtomicBool::new(false));
    let beater = {
        let (writers, stop) = (writers.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                writers.iter().for_each(|w| w.heartbeat());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        })
    };
    for (k, w) in writers.iter().enumerate() {
        w.publish(&snapshot(k));
    }
    let reader = LinkReader::open_at(&path).unwrap();

    let mut g = c.benchmark_group("link");
    let snap = snapshot(3);
    g.bench_function("publish_one_snapshot", |b| {
        b.iter(|| writers[0].publish(black_box(&snap)))
    });
    g.bench_function("strip_reads_gain_and_verdicts", |b| {
        let mut v = VerdictList::new();
        b.iter(|| {
            writers[0].verdicts(&mut v);
            black_box(writers[0].gain_request_db())
        })
    });
    let mut out = Vec::with_capacity(SLOT_COUNT);
    g.bench_function("read_all_64_slots", |b| {
        b.iter(|| {
            reader.instances(black_box(None), &mut out);
            debug_assert_eq!(out.len(), SLOT_COUNT);
        })
    });
    g.finish();
    assert_eq!(
        out.len(),
        SLOT_COUNT,
        "some Strips were not live during the read benchmark"
    );
    stop.store(true, Ordering::Relaxed);
    beater.join().unwrap();
    drop(writers);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_link);
criterion_main!(benches);
