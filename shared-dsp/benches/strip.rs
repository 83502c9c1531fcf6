//! The Stem Strip chain and each of its sections, 48 kHz, 512-frame blocks, mono and stereo.
//!
//! Every iteration processes one second of audio, and throughput is declared as one element
//! per iteration, so criterion's "elem/s" figure *is* the real-time factor: seconds of audio
//! processed per second of CPU.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shared_dsp::dynamics::{Compressor, CompressorSettings};
use shared_dsp::eq::{EqSettings, Equalizer, FilterSlope};
use shared_dsp::filter::cascade::{self, PairState};
use shared_dsp::filter::BiquadCoefs;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::meters::StereoMeter;
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};
use shared_dsp::spectrum::BandSpectrum;
use shared_dsp::strip::{Strip, StripSettings};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;

fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 0.5
        })
        .collect()
}

/// Every section of the Strip switched on.
fn everything_on() -> StripSettings {
    StripSettings {
        trim_db: 2.0,
        eq: all_bands(),
        compressor: compressor_on(),
        width: 1.2,
        output_db: -1.0,
        ..Default::default()
    }
}

fn all_bands() -> EqSettings {
    let mut e = EqSettings::default();
    e.high_pass.enabled = true;
    e.high_pass.slope = FilterSlope::Db24;
    e.low_pass.enabled = true;
    e.low_pass.slope = FilterSlope::Db24;
    e.low_shelf.enabled = true;
    e.low_shelf.gain_db = 2.0;
    for b in &mut e.bells {
        b.enabled = true;
        b.gain_db = 3.0;
    }
    e.high_shelf.enabled = true;
    e.high_shelf.gain_db = -2.0;
    e
}

/// [`everything_on`] with five sections moving: at block `k`, the bells' frequencies and
/// gains and the shelves' gains follow slow sweeps (periods of 1 to 3 s), a new target every
/// block.
fn automated(k: usize) -> StripSettings {
    let mut s = everything_on();
    let t = k as f32 * BLOCK as f32 / RATE;
    let sweep = |period_s: f32| (std::f32::consts::TAU * t / period_s).sin();
    for (i, b) in s.eq.bells.iter_mut().enumerate() {
        let centre = [250.0, 1000.0, 4000.0][i];
        b.freq_hz = centre * 2f32.powf(sweep(1.0 + i as f32));
        b.gain_db = 6.0 * sweep(1.5 + i as f32);
    }
    s.eq.low_shelf.gain_db = 4.0 * sweep(2.0);
    s.eq.high_shelf.gain_db = 4.0 * sweep(3.0);
    s
}

fn compressor_on() -> CompressorSettings {
    CompressorSettings {
        enabled: true,
        threshold_db: -20.0,
        ratio: 3.0,
        mix: 0.7,
        sidechain_hp_hz: 80.0,
        ..Default::default()
    }
}

fn second(
    c: &mut Criterion,
    name: &str,
    channels: usize,
    f: impl FnMut(&mut [f32], Option<&mut [f32]>),
) {
    let (l, r) = (noise(RATE as usize, 1), noise(RATE as usize, 2));
    second_of(c, name, channels, &l, &r, f);
}

/// [`second`] on the given second of audio.
fn second_of(
    c: &mut Criterion,
    name: &str,
    channels: usize,
    l: &[f32],
    r: &[f32],
    mut f: impl FnMut(&mut [f32], Option<&mut [f32]>),
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    let mut bl = l.to_vec();
    let mut br = r.to_vec();
    group.bench_function(BenchmarkId::new(format!("{channels}ch"), BLOCK), |b| {
        b.iter(|| {
            bl.copy_from_slice(l);
            br.copy_from_slice(r);
            for (cl, cr) in bl.chunks_mut(BLOCK).zip(br.chunks_mut(BLOCK)) {
                if channels == 2 {
                    f(black_box(cl), Some(black_box(cr)));
                } else {
                    f(black_box(cl), None);
                }
            }
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    for channels in [2, 1] {
        let mut strip = Strip::new(RATE, channels).unwrap();
        strip.set_target(&everything_on());
        strip.snap_to_target();
        let mut snap = StemSnapshot::default();
        second(c, "strip_all_sections", channels, |l, r| {
            strip.process(l, r);
            if strip.snapshot_due() {
                strip.take_snapshot(
                    StemRole::Drums,
                    StemName::new("Drums"),
                    TransportPosition::default(),
                    &mut snap,
                );
            }
        });
    }
    // Every section on, and five of them automated at once (the three bells' frequencies and
    // gains, both shelves' gains), moved a little every block as a host's automation does:
    // they ramp all the time, so the coefficients of those five sections are redesigned on
    // every 32-frame control tick, which `strip_all_sections` (settings snapped, nothing
    // ramping) never times.
    let mut strip = Strip::new(RATE, 2).unwrap();
    strip.set_target(&everything_on());
    strip.snap_to_target();
    let mut block_index = 0usize;
    second(c, "strip_five_sections_automated", 2, |l, r| {
        strip.set_target(&automated(block_index));
        block_index += 1;
        strip.process(l, r);
    });

    subnormal_input(c);

    let mut strip = Strip::new(RATE, 2).unwrap();
    second(c, "strip_all_off", 2, |l, r| strip.process(l, r));

    let mut eq = Equalizer::new();
    eq.set_sample_rate(RATE);
    eq.set_settings(&all_bands());
    second(c, "section_eq_all_bands", 2, |l, r| eq.process(l, r));

    let mut comp = Compressor::new();
    comp.set_sample_rate(RATE);
    comp.set_settings(&compressor_on());
    second(c, "section_compressor", 2, |l, r| comp.process(l, r));

    let mut loudness = LoudnessMeter::new(RATE as u32, 2).unwrap();
    second(c, "section_loudness_true_peak", 2, |l, r| {
        loudness.process(l, r.as_deref())
    });

    // Variants of the loudness section: what the meter asks of ebur128 (momentary mode: the
    // K-weighting and 100 ms sums), what integrated loudness costs inside ebur128 (the meter
    // gates its own blocks instead), and what ebur128's own true peak would cost.
    for (label, mode) in [
        ("variant_ebur128_mode_m_as_used", ebur128::Mode::M),
        (
            "variant_ebur128_mode_i",
            ebur128::Mode::I | ebur128::Mode::HISTOGRAM,
        ),
        (
            "variant_ebur128_mode_m_with_true_peak",
            ebur128::Mode::M | ebur128::Mode::TRUE_PEAK,
        ),
    ] {
        let mut m = ebur128::EbuR128::new(2, RATE as u32, mode).unwrap();
        second(c, label, 2, |l, r| {
            let r = r.unwrap();
            let _ = m.add_frames_planar_f32(&[l, r]);
        });
    }

    let mut meter = StereoMeter::new(RATE);
    second(c, "section_rms_correlation", 2, |l, r| {
        meter.process(l, r.as_deref())
    });

    let mut spectrum = BandSpectrum::new(RATE);
    second(c, "section_band_spectrum", 2, |l, r| {
        spectrum.process(l, r.as_deref())
    });

    eq_grouping(c);
}

/// Sets the x86 flush-to-zero flag (results that would be subnormal become zero) as plugin
/// hosts and nice-plug's wrapper do around `process()`, and restores the flags on drop.
/// Subnormal *inputs* still reach the arithmetic: that is what the Strip's input guards.
struct FlushToZero(#[allow(dead_code)] u32);

impl FlushToZero {
    fn on() -> Self {
        #[cfg(target_arch = "x86_64")]
        #[allow(deprecated)]
        {
            use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
            // SAFETY: reads and writes this thread's SSE control register; the FTZ bit (15)
            // changes only how underflowing results round.
            unsafe {
                let old = _mm_getcsr();
                _mm_setcsr(old | 0x8000);
                return FlushToZero(old);
            }
        }
        #[allow(unreachable_code)]
        FlushToZero(0)
    }
}

impl Drop for FlushToZero {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        #[allow(deprecated)]
        // SAFETY: restores the control register saved in `on`.
        unsafe {
            std::arch::x86_64::_mm_setcsr(self.0)
        };
    }
}

/// Subnormal input (below -760 dBFS, what clap-validator's `process-audio-denormals` feeds)
/// under flush-to-zero, as a host runs the Strip, against the same noise at a normal level:
/// `strip_ftz/subnormal_input` runs as fast as `strip_ftz/normal_input` because the Strip
/// silences subnormal samples at its input before any arithmetic. `operand_ftz/*` times one
/// multiply per sample on either input: what each unguarded operation on a subnormal sample
/// costs on the machine that runs the benchmark.
fn subnormal_input(c: &mut Criterion) {
    let _ftz = FlushToZero::on();
    let (l, r) = (noise(RATE as usize, 1), noise(RATE as usize, 2));
    let tiny = |x: &[f32]| -> Vec<f32> { x.iter().map(|v| v * 1e-38).collect() };
    let (tl, tr) = (tiny(&l), tiny(&r));
    assert!(tl.iter().all(|v| *v == 0.0 || v.is_subnormal()));
    for (name, (l, r)) in [("normal_input", (&l, &r)), ("subnormal_input", (&tl, &tr))] {
        let mut strip = Strip::new(RATE, 2).unwrap();
        strip.set_target(&everything_on());
        strip.snap_to_target();
        second_of(c, &format!("strip_ftz/{name}"), 2, l, r, |l, r| {
            strip.process(l, r)
        });
    }
    for (name, (l, r)) in [("normal", (&l, &r)), ("subnormal", (&tl, &tr))] {
        let gain = black_box(0.7f32);
        second_of(c, &format!("operand_ftz/{name}"), 2, l, r, |l, r| {
            for v in l.iter_mut().chain(r.unwrap().iter_mut()) {
                *v = black_box(*v * gain);
            }
        });
    }
}

/// The EQ's nine sections with 1 to 4 sections interleaved per pass (what picked
/// `cascade::GROUP`), in control periods of 32 frames as the Strip runs them.
fn eq_grouping(c: &mut Criterion) {
    let sr = RATE;
    let coefs = [
        BiquadCoefs::high_pass(sr, 30.0, 0.54),
        BiquadCoefs::high_pass(sr, 30.0, 1.31),
        BiquadCoefs::low_shelf(sr, 100.0, 2.0, 0.7),
        BiquadCoefs::bell(sr, 250.0, 3.0, 1.0),
        BiquadCoefs::bell(sr, 1000.0, 3.0, 1.0),
        BiquadCoefs::bell(sr, 4000.0, 3.0, 1.0),
        BiquadCoefs::high_shelf(sr, 8000.0, -2.0, 0.7),
        BiquadCoefs::low_pass(sr, 18_000.0, 0.54),
        BiquadCoefs::low_pass(sr, 18_000.0, 1.31),
    ];
    let coefs: Vec<cascade::PairCoefs> = coefs.iter().map(cascade::pair_coefs).collect();
    let order: Vec<u8> = (0..coefs.len() as u8).collect();
    let l = noise(RATE as usize, 1);
    let r = noise(RATE as usize, 2);
    let input: Vec<[f64; 2]> = l
        .iter()
        .zip(&r)
        .map(|(&a, &b)| [a as f64, b as f64])
        .collect();
    let mut group = c.benchmark_group("eq_grouping");
    group.throughput(Throughput::Elements(1));
    type Run = fn(&[cascade::PairCoefs], &mut [PairState], &[u8], &mut [[f64; 2]]);
    let runs: [(usize, Run); 4] = [
        (1, cascade::run_grouped::<1>),
        (2, cascade::run_grouped::<2>),
        (3, cascade::run_grouped::<3>),
        (4, cascade::run_grouped::<4>),
    ];
    for (g, run) in runs {
        let mut states = vec![PairState::default(); coefs.len()];
        let mut frames = input.clone();
        group.bench_function(BenchmarkId::new("sections_per_pass", g), |b| {
            b.iter(|| {
                frames.copy_from_slice(&input);
                for block in frames.chunks_mut(32) {
                    run(&coefs, &mut states, &order, black_box(block));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
