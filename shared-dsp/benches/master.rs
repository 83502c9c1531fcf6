//! The Stem Master chain and each of its sections, 48 kHz stereo: the whole chain at 128,
//! 512 and 4096-frame blocks, and each section alone at 512.
//!
//! Every iteration processes one second of audio, and throughput is declared as one element
//! per iteration, so criterion's "elem/s" figure *is* the real-time factor: seconds of audio
//! processed per second of CPU. The input is the generated music-like programme pushed into
//! the limiter, so the limiter and the compressor work as they do on a loud master.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shared_dsp::demo::{programme, Stereo};
use shared_dsp::dynamics::Compressor;
use shared_dsp::eq::{Equalizer, FilterSlope, Placement};
use shared_dsp::frames::Frame;
use shared_dsp::limiter::{LimiterSettings, TruePeakLimiter};
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::master::{Dither, MasterChain, MasterSettings};
use shared_dsp::spectrum::BandSpectrum;

const RATE: f32 = 48_000.0;

/// Every section of the Master switched on, the programme driven 6 dB into the limiter.
fn everything_on() -> MasterSettings {
    let mut s = MasterSettings {
        input_db: 0.0,
        target_gain_db: 6.0,
        compressor_auto_release: true,
        output_db: -0.1,
        dither: Dither::Bits24,
        ..MasterSettings::default()
    };
    let e = &mut s.eq;
    e.high_pass.enabled = true;
    e.high_pass.slope = FilterSlope::Db24;
    e.low_pass.enabled = true;
    e.low_pass.freq_hz = 19_000.0;
    e.low_shelf.enabled = true;
    e.low_shelf.gain_db = 1.5;
    for b in &mut e.bells {
        b.enabled = true;
        b.gain_db = 2.0;
    }
    e.high_shelf.enabled = true;
    e.high_shelf.gain_db = 1.0;
    s.bell_placements = [Placement::Stereo, Placement::Mid, Placement::Side];
    s.compressor.enabled = true;
    s.compressor.threshold_db = -20.0;
    s.compressor.ratio = 2.0;
    s
}

fn input() -> Stereo {
    programme(RATE, 1.0, 1)
}

fn to_frames(x: &Stereo) -> Vec<Frame> {
    x.left
        .iter()
        .zip(&x.right)
        .map(|(&l, &r)| [l as f64, r as f64])
        .collect()
}

fn whole_chain(c: &mut Criterion) {
    let x = input();
    let mut group = c.benchmark_group("master_chain");
    group.throughput(Throughput::Elements(1));
    for block in [128usize, 512, 4096] {
        let mut chain = MasterChain::new(RATE, 2);
        chain.set_target(&everything_on());
        chain.snap_to_target();
        let (mut l, mut r) = (x.left.clone(), x.right.clone());
        group.bench_function(BenchmarkId::new("every_section_stereo", block), |b| {
            b.iter(|| {
                l.copy_from_slice(&x.left);
                r.copy_from_slice(&x.right);
                for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                    chain.process(black_box(cl), Some(cr));
                }
            })
        });
    }
    group.finish();
}

fn sections(c: &mut Criterion) {
    let x = input();
    let frames = to_frames(&x);
    let s = everything_on();
    let mut group = c.benchmark_group("master_section");
    group.throughput(Throughput::Elements(1));

    let mut eq = Equalizer::new();
    eq.set_sample_rate(RATE);
    eq.set_settings(&s.eq);
    eq.set_bell_placements(s.bell_placements);
    let mut buf = frames.clone();
    group.bench_function("eq_mid_side_bells", |b| {
        b.iter(|| {
            buf.copy_from_slice(&frames);
            for block in buf.chunks_mut(32) {
                for f in block.iter_mut() {
                    *f = [0.5 * (f[0] + f[1]), 0.5 * (f[0] - f[1])];
                }
                eq.process_frames(black_box(block));
                for f in block.iter_mut() {
                    *f = [f[0] + f[1], f[0] - f[1]];
                }
            }
        })
    });

    let mut comp = Compressor::new();
    comp.set_sample_rate(RATE);
    comp.set_settings(&s.compressor);
    comp.set_auto_release(true);
    group.bench_function("glue_compressor_auto_release", |b| {
        b.iter(|| {
            buf.copy_from_slice(&frames);
            for block in buf.chunks_mut(32) {
                comp.process_frames(black_box(block), 2);
            }
        })
    });

    let driven: Vec<Frame> = frames.iter().map(|f| [f[0] * 2.0, f[1] * 2.0]).collect();
    for factor in [4usize, 8] {
        let mut limiter = TruePeakLimiter::with_factor(RATE, factor);
        limiter.set_settings(&LimiterSettings::default());
        group.bench_function(BenchmarkId::new("limiter_oversampling", factor), |b| {
            b.iter(|| {
                buf.copy_from_slice(&driven);
                for block in buf.chunks_mut(32) {
                    limiter.process_frames(black_box(block), 2);
                }
            })
        });
    }

    let mut loudness = LoudnessMeter::new(RATE as u32, 2).unwrap();
    group.bench_function("meters_loudness_true_peak_range", |b| {
        b.iter(|| {
            for (l, r) in x.left.chunks(512).zip(x.right.chunks(512)) {
                loudness.process(black_box(l), Some(r));
            }
            black_box(loudness.loudness_range_lu());
        })
    });

    let mut spectrum = BandSpectrum::new(RATE);
    group.bench_function("meters_band_spectrum", |b| {
        b.iter(|| {
            for (l, r) in x.left.chunks(512).zip(x.right.chunks(512)) {
                spectrum.process(black_box(l), Some(r));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, whole_chain, sections);
criterion_main!(benches);
