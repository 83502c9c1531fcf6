//! One masking update for 32 stems x 48 bands x 2 channels (issue 4: at most 1 ms on one
//! core), plus the balance update. The spectra overlap broadly so that most bands of most
//! stems are judged masked and attributed: the worst case for the engine.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shared_dsp::balance::BalanceEngine;
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::masking::{MaskingEngine, StemInput};
use shared_dsp::role::StemRole;

fn stems(n: usize, t: usize) -> Vec<StemInput<'static>> {
    (0..n)
        .map(|k| {
            let mut band_db = [[0.0; NUM_BANDS]; 2];
            for (c, ch) in band_db.iter_mut().enumerate() {
                for (b, v) in ch.iter_mut().enumerate() {
                    let wobble = ((b * 7 + k * 13 + c * 5 + t * 3) % 11) as f32;
                    *v = -40.0 + wobble - 0.3 * (b as f32 - (k * 3 % NUM_BANDS) as f32).abs();
                }
            }
            StemInput {
                id: 1000 + k as u64 * 31,
                role: StemRole::ALL[k % 7],
                priority: None,
                name: "stem",
                band_db,
                // Maskers present most of the time, a few dB under their mean at most.
                masking_db: band_db.map(|ch| ch.map(|v| v - (v * 7.0).rem_euclid(4.0))),
                shortterm_lufs: -20.0,
            }
        })
        .collect()
}

fn bench_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("masking_update");
    for &n in &[8usize, 32] {
        // Two inputs alternate so the smoothed state keeps moving.
        let inputs = [stems(n, 0), stems(n, 1)];
        let mut engine = MaskingEngine::new(n);
        for t in 0..100 {
            engine.update(&inputs[t % 2], 0.05);
        }
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new("stems_x48x2", n), &n, |b, _| {
            let mut t = 0;
            b.iter(|| {
                t += 1;
                engine.update(black_box(&inputs[t % 2]), black_box(0.05));
                black_box(engine.warnings().len())
            })
        });
        println!(
            "warnings in the {n}-stem scene: {}",
            engine.warnings().len()
        );
    }
    group.finish();

    let inputs = stems(32, 0);
    let mut balance = BalanceEngine::new(32, 600);
    c.bench_function("balance_update/32", |b| {
        b.iter(|| balance.update(black_box(&inputs), black_box(None), 0.05))
    });
}

criterion_group!(benches, bench_update);
criterion_main!(benches);
