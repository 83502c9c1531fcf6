//! The Stem Master's loudness and true-peak meters against EBU Tech 3341 (v4, 2023) and
//! EBU Tech 3342, through the whole chain: `MasterChain::new(rate, 2)` with its default
//! settings (EQ and compressor off, the limiter on at -1 dBTP, which no loudness case
//! reaches), read through `MasterChain::take_meters()` after every 10 ms block, at 48 kHz
//! and 44.1 kHz.
//!
//! The signals are made in code as the two documents describe them: 1 kHz sines, both
//! channels alike and in phase, at the stated peak level per channel (a stereo sine at
//! X dBFS peak reads X LUFS), the phase running on through level steps and silences. The
//! true-peak cases 15 to 19 are 1 s sines at fs/4, fs/6 and fs/8 of the given amplitude and
//! starting phase with 10 ms linear fades in and out, run with the limiter off (case 19
//! would be limited). Expected values and tolerances are the documents': ±0.1 LU for
//! Tech 3341 cases 1 to 14, +0.2 / -0.4 dB for 15 to 19, ±1 LU for Tech 3342.
//!
//! Not here: Tech 3341 case 6 (5.0 channels; the chain is mono or stereo), cases 7 and 8
//! and 20 to 23 (they need the EBU's own files).
//!
//! The chain delays its output by its latency, so a reading taken after `E` frames in
//! measures the input up to frame `E - latency`; segments are told apart in input frames.
//! For "the largest value within each segment" the test keeps the maximum of the 10 ms
//! readings itself. Every case prints its measured values (`--nocapture` shows them).

mod tech3341;

use shared_dsp::limiter::LimiterSettings;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::master::{MasterChain, MasterMeters, MasterSettings};
use std::alloc::{GlobalAlloc, Layout, System};
use std::f64::consts::TAU;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use tech3341::*;

/// The two sample rates every case runs at.
const RATES: [f32; 2] = [48_000.0, 44_100.0];

/// Runs `signal` on both channels through a fresh chain with `settings` in 10 ms blocks,
/// then one more 10 ms block of silence so the last input leaves the chain, reading the
/// meters after every block.
fn run(rate: f32, settings: &MasterSettings, signal: &[f32]) -> Vec<Reading<MasterMeters>> {
    let mut chain = MasterChain::new(rate, 2);
    chain.set_target(settings);
    chain.snap_to_target();
    assert!(chain.loudness_available());
    let block = (rate / 100.0).round() as usize;
    let latency = chain.latency_samples();
    assert!(latency <= block, "latency {latency} frames");
    let mut padded = signal.to_vec();
    padded.resize(signal.len() + block, 0.0);
    let mut readings = Vec::with_capacity(padded.len() / block + 1);
    let mut fed = 0;
    for chunk in padded.chunks(block) {
        let mut l = chunk.to_vec();
        let mut r = chunk.to_vec();
        chain.process(&mut l, Some(&mut r));
        fed += chunk.len();
        readings.push(Reading {
            input_end: fed as isize - latency as isize,
            meters: chain.take_meters(),
        });
    }
    readings
}

/// [`run`] with the default settings.
fn run_default(rate: f32, signal: &[f32]) -> Vec<Reading<MasterMeters>> {
    run(rate, &MasterSettings::default(), signal)
}

/// The last reading that saw no more than the signal (before the silence [`run`] adds).
fn at_end(readings: &[Reading<MasterMeters>], len: usize) -> &MasterMeters {
    &readings
        .iter()
        .rev()
        .find(|r| r.input_end <= len as isize)
        .unwrap()
        .meters
}

/// Tech 3341 cases 1 and 2: 20 s at -23 and -33 dBFS read M, S and I = -23.0 and -33.0.
#[test]
fn tech_3341_cases_1_and_2() {
    for rate in RATES {
        for (case, dbfs) in [(1, -23.0), (2, -33.0)] {
            let s = sine_steps(rate, &[Part::Tone(dbfs, 20.0)]);
            let readings = run_default(rate, &s.samples);
            let end = at_end(&readings, s.samples.len());
            let last = &readings.last().unwrap().meters;
            eprintln!(
                "3341 case {case} at {rate} Hz: M {:.3}, S {:.3}, I {:.3} LUFS",
                end.momentary_lufs, end.shortterm_lufs, last.integrated_lufs
            );
            let tol = LOUDNESS_TOLERANCE_LU;
            assert_within("M", end.momentary_lufs, dbfs, tol, tol);
            assert_within("S", end.shortterm_lufs, dbfs, tol, tol);
            assert_within("I", last.integrated_lufs, dbfs, tol, tol);
        }
    }
}

/// Tech 3341 cases 3, 4 and 5: level steps that the gates must remove; I = -23.0.
#[test]
fn tech_3341_cases_3_to_5() {
    use Part::Tone;
    let cases: [(u32, &[Part]); 3] = [
        (
            3,
            &[Tone(-36.0, 10.0), Tone(-23.0, 60.0), Tone(-36.0, 10.0)],
        ),
        (
            4,
            &[
                Tone(-72.0, 10.0),
                Tone(-36.0, 10.0),
                Tone(-23.0, 60.0),
                Tone(-36.0, 10.0),
                Tone(-72.0, 10.0),
            ],
        ),
        (
            5,
            &[Tone(-26.0, 20.0), Tone(-20.0, 20.1), Tone(-26.0, 20.0)],
        ),
    ];
    for rate in RATES {
        for (case, parts) in cases {
            let s = sine_steps(rate, parts);
            let readings = run_default(rate, &s.samples);
            let i = readings.last().unwrap().meters.integrated_lufs;
            eprintln!("3341 case {case} at {rate} Hz: I {i:.3} LUFS");
            let tol = LOUDNESS_TOLERANCE_LU;
            assert_within(&format!("case {case} I"), i, -23.0, tol, tol);
        }
    }
}

/// Tech 3341 cases 9 and 12: momentary and short-term constant over alternating levels.
#[test]
fn tech_3341_cases_9_and_12_constant_windows() {
    for rate in RATES {
        cases_9_and_12(rate, 100.0, |signal| windows(run_default(rate, signal)));
    }
}

/// Tech 3341 cases 10 and 11: the largest short-term value of each segment.
#[test]
fn tech_3341_cases_10_and_11_max_shortterm() {
    for rate in RATES {
        cases_10_and_11(rate, |signal| windows(run_default(rate, signal)));
    }
}

/// Tech 3341 cases 13 and 14: the largest momentary value of each segment (the meters are
/// read every 10 ms, as BS.1770-5 asks).
#[test]
fn tech_3341_cases_13_and_14_max_momentary() {
    for rate in RATES {
        cases_13_and_14(rate, &[13, 14], |signal| windows(run_default(rate, signal)));
    }
}

/// The momentary and short-term values of the chain's readings.
fn windows(readings: Vec<Reading<MasterMeters>>) -> Vec<Reading<Windows>> {
    readings
        .into_iter()
        .map(|r| Reading {
            input_end: r.input_end,
            meters: Windows {
                momentary_lufs: r.meters.momentary_lufs,
                shortterm_lufs: r.meters.shortterm_lufs,
            },
        })
        .collect()
}

/// A 1 s sine at `rate / divisor` of amplitude `amplitude` starting at `phase_deg`, with
/// 10 ms linear fades in and out.
fn true_peak_signal(rate: f32, divisor: f64, amplitude: f64, phase_deg: f64) -> Vec<f32> {
    let n = rate as usize;
    let fade = (0.01 * rate as f64).round() as usize;
    (0..n)
        .map(|k| {
            let ramp = (k.min(n - 1 - k) as f64 / fade as f64).min(1.0);
            let phase = TAU * k as f64 / divisor + phase_deg.to_radians();
            (ramp * amplitude * phase.sin()) as f32
        })
        .collect()
}

/// Tech 3341 cases 15 to 19, through the chain with its limiter off: the largest true peak
/// reads -6.0 dBTP (cases 15 to 18) and +3.0 dBTP (case 19), +0.2 / -0.4 dB, both as the
/// largest per-read true peak and as the maximum the chain keeps.
#[test]
fn tech_3341_cases_15_to_19_true_peak() {
    let settings = MasterSettings {
        limiter: LimiterSettings {
            enabled: false,
            ..LimiterSettings::default()
        },
        ..MasterSettings::default()
    };
    for rate in RATES {
        for (case, divisor, amplitude, phase_deg, expected) in [
            (15, 4.0, 0.5, 0.0, -6.0),
            (16, 4.0, 0.5, 45.0, -6.0),
            (17, 6.0, 0.5, 60.0, -6.0),
            (18, 8.0, 0.5, 67.5, -6.0),
            (19, 4.0, 1.41, 45.0, 3.0),
        ] {
            let signal = true_peak_signal(rate, divisor, amplitude, phase_deg);
            let readings = run(rate, &settings, &signal);
            let per_read = readings
                .iter()
                .map(|r| r.meters.true_peak_db)
                .fold(f32::NEG_INFINITY, f32::max);
            let kept = readings.last().unwrap().meters.max_true_peak_db;
            let sample_peak = readings
                .iter()
                .map(|r| r.meters.output_peak_db)
                .fold(f32::NEG_INFINITY, f32::max);
            eprintln!(
                "3341 case {case} at {rate} Hz: true peak {per_read:.3} dBTP (kept {kept:.3}), \
                 sample peak {sample_peak:.3} dBFS"
            );
            assert_within(&format!("case {case}"), per_read, expected, 0.4, 0.2);
            assert_eq!(kept, per_read, "case {case}");
        }
    }
}

/// Tech 3342 cases 1 to 4: loudness range of level steps, 20 s each, ±1 LU.
#[test]
fn tech_3342_cases_1_to_4() {
    let cases: [(u32, &[f32], f32); 4] = [
        (1, &[-20.0, -30.0], 10.0),
        (2, &[-20.0, -15.0], 5.0),
        (3, &[-40.0, -20.0], 20.0),
        (4, &[-50.0, -35.0, -20.0, -35.0, -50.0], 15.0),
    ];
    for rate in RATES {
        for (case, levels, expected) in cases {
            let parts: Vec<Part> = levels.iter().map(|&l| Part::Tone(l, 20.0)).collect();
            let s = sine_steps(rate, &parts);
            let readings = run_default(rate, &s.samples);
            let lra = readings.last().unwrap().meters.loudness_range_lu;
            eprintln!("3342 case {case} at {rate} Hz: LRA {lra:.3} LU");
            assert_within(&format!("3342 case {case}"), lra, expected, 1.0, 1.0);
        }
    }
}

struct Counting;

thread_local! {
    // Only the test's own thread is counted: libtest's other threads may allocate meanwhile.
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The meters never allocate once made: `LoudnessMeter::process`, its readings and resets
/// (at rates with sub-blocks of one and of two lengths, odd block sizes), and the chain's
/// `process` and `take_meters`.
#[test]
fn meters_never_allocate_after_construction() {
    let l: Vec<f32> = (0..8192).map(|i| (i as f32 * 0.07).sin() * 0.3).collect();
    let r: Vec<f32> = l.iter().map(|x| -0.5 * x).collect();
    for rate in [48_000, 44_100, 22_050, 11_025] {
        let mut meter = LoudnessMeter::new(rate, 2).unwrap();
        let mut chain = MasterChain::new(rate as f32, 2);
        let (mut cl, mut cr) = (l.clone(), r.clone());
        COUNTING.with(|c| c.set(true));
        for step in 0..600usize {
            let n = [1, 37, 441, 480, 512, 4096, 8192][step % 7];
            meter.process(&l[..n], Some(&r[..n]));
            black_box((meter.momentary_lufs(), meter.shortterm_lufs()));
            black_box((meter.max_momentary_lufs(), meter.max_shortterm_lufs()));
            black_box((meter.integrated_lufs(), meter.loudness_range_lu()));
            black_box(meter.take_true_peak_db());
            if step % 97 == 0 {
                meter.reset_integration();
            }
            if step == 300 {
                meter.reset();
            }
            chain.process(&mut cl[..n], Some(&mut cr[..n]));
            black_box(chain.take_meters());
        }
        COUNTING.with(|c| c.set(false));
        assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 0, "{rate} Hz");
    }
}
