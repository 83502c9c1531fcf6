//! The Stem Master's cross-stem work per link-thread tick, with 16, 32 and 64 linked Strips:
//! read the group's slots, line the snapshots up, run the masking and balance engines, write
//! the verdicts that are due and the gain requests (what the Master's link thread does 20
//! times a second with the editor closed), and, separately, build the editor's view (done
//! only while the editor is open). Issue #9's budget: 2 % of one core with 16 Strips at 20
//! updates a second, i.e. 1 ms per tick.
//!
//! The Strips are real [`LinkWriter`]s on a private segment publishing varied spectra (a
//! band-limited noise-like shape each, overlapping, so warnings form), with the transport
//! advancing 50 ms per tick. Reported as time per tick; `% of a core = time × 20 / 1 s`.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::crossstem::CrossStem;
use shared_dsp::link::{segment_file_name, GroupId, LinkReader, LinkWriter, MasterHandle};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};

/// Strip `k`'s snapshot at song position `t`: a spectrum centred somewhere between 60 Hz
/// and 8 kHz, its level wobbling over time.
fn snapshot(k: usize, t: f64) -> StemSnapshot {
    let layout = BandLayout::standard();
    let centre = 60.0 * (8000.0f32 / 60.0).powf((k * 7 % 16) as f32 / 15.0);
    let level = -24.0 - (k % 5) as f32 * 2.0 + 3.0 * ((t * 0.7 + k as f64).sin() as f32);
    let bands: [f32; NUM_BANDS] = std::array::from_fn(|b| {
        let octaves = (layout.centers_hz[b] / centre).log2();
        level - 9.0 * octaves * octaves
    });
    StemSnapshot {
        role: StemRole::ALL[k % StemRole::ALL.len()],
        name: StemName::new(&format!("Stem {k}")),
        shortterm_lufs: level + 6.0,
        momentary_lufs: level + 6.0,
        band_db: [bands, bands.map(|x| x - 1.0)],
        masking_db: [bands.map(|x| x - 0.5), bands.map(|x| x - 1.5)],
        frame_db: [bands.map(|x| x - 1.0), bands.map(|x| x - 2.0)],
        transport: TransportPosition {
            playing: true,
            known: true,
            position_seconds: t,
        },
        ..StemSnapshot::default()
    }
}

fn bench_crossstem(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("stem-crossstem-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(segment_file_name());
    let group = GroupId::random();
    let master = MasterHandle::open_at(&path, group, "Bench Bus").unwrap();
    let reader = LinkReader::open_at(&path).unwrap();
    let mut g = c.benchmark_group("crossstem_tick");
    g.measurement_time(Duration::from_secs(4));
    for n in [16usize, 32, 64] {
        let writers: Arc<Vec<LinkWriter>> = Arc::new(
            (0..n)
                .map(|_| LinkWriter::open_at(&path, Some(group)).unwrap())
                .collect(),
        );
        // The Strips publish 50 times a second in their own threads, as they would.
        let stop = Arc::new(AtomicBool::new(false));
        let publisher = {
            let (writers, stop) = (writers.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut t = 0.0;
                while !stop.load(Ordering::Relaxed) {
                    for (k, w) in writers.iter().enumerate() {
                        w.publish(&snapshot(k, t));
                    }
                    t += 0.02;
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        let mut cross = CrossStem::new();
        let mut now = 0.0f64;
        let mut instances = Vec::with_capacity(64);
        let mut due = Vec::new();
        // Evidence first, so warnings and verdicts exist while measuring.
        for _ in 0..100 {
            now += 0.05;
            reader.instances(Some(group), &mut instances);
            cross.update(now, &instances, 0);
        }
        g.bench_with_input(BenchmarkId::new("link_thread", n), &n, |b, _| {
            b.iter(|| {
                now += 0.05;
                reader.instances(Some(group), &mut instances);
                cross.update(now, black_box(&instances), 0);
                cross.verdicts_due(&mut due);
                for (id, v) in &due {
                    master.set_verdicts(*id, v);
                }
                for (id, db) in cross.gain_requests() {
                    if db != 0.0 {
                        master.set_gain_request(id, db);
                    }
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("editor_view", n), &n, |b, _| {
            b.iter(|| black_box(cross.view()))
        });
        println!(
            "crossstem with {n} Strips: {} warnings",
            cross.masking().warnings().len()
        );
        stop.store(true, Ordering::Relaxed);
        publisher.join().unwrap();
    }
    g.finish();
    drop(master);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_crossstem);
criterion_main!(benches);
