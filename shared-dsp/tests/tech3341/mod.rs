//! EBU Tech 3341 (v4, 2023) loudness cases made in code, shared by the Master's and the
//! Strip's meter tests: the signals, and cases 9 to 14 checked against readings of any
//! meter. The signals are 1 kHz sines, both channels alike and in phase, at the stated peak
//! level per channel (a stereo sine at X dBFS peak reads X LUFS), the phase running on
//! through level steps and silences. Expected values and tolerances are the document's
//! (±0.1 LU for cases 1 to 14).

use std::f64::consts::TAU;

/// Loudness tolerance of Tech 3341 cases 1 to 14, LU.
pub const LOUDNESS_TOLERANCE_LU: f32 = 0.1;

/// Part of a test signal: a 1 kHz sine at a peak level per channel (dBFS) for a time (s),
/// or silence for a time (s).
#[derive(Clone, Copy)]
pub enum Part {
    Tone(f32, f64),
    Silence(f64),
}

/// A test signal (one channel; both channels carry it) and where each segment starts.
pub struct Signal {
    pub samples: Vec<f32>,
    /// First frame of each segment, then the frame after the last.
    pub bounds: Vec<usize>,
}

/// Segments of parts, each part's end on the frame nearest its end in time.
pub fn sine_segments(rate: f32, segments: &[Vec<Part>]) -> Signal {
    let mut samples = Vec::new();
    let mut bounds = vec![0];
    let mut seconds = 0.0f64;
    for segment in segments {
        for &part in segment {
            let (gain, length) = match part {
                Part::Tone(dbfs, s) => (10f64.powf(dbfs as f64 / 20.0), s),
                Part::Silence(s) => (0.0, s),
            };
            seconds += length;
            let end = (seconds * rate as f64).round() as usize;
            while samples.len() < end {
                let t = samples.len() as f64 / rate as f64;
                samples.push((gain * (TAU * 1000.0 * t).sin()) as f32);
            }
        }
        bounds.push(samples.len());
    }
    Signal { samples, bounds }
}

/// One segment per part.
pub fn sine_steps(rate: f32, parts: &[Part]) -> Signal {
    let segments: Vec<Vec<Part>> = parts.iter().map(|&p| vec![p]).collect();
    sine_segments(rate, &segments)
}

/// A reading of a meter.
pub struct Reading<M> {
    /// Input frames whose output the meter had seen (frames fed minus any latency).
    pub input_end: isize,
    pub meters: M,
}

/// Largest `f` of the readings within each segment (the readings after the signal count
/// for the last segment).
pub fn max_per_segment<M>(
    readings: &[Reading<M>],
    bounds: &[usize],
    f: impl Fn(&M) -> f32,
) -> Vec<f32> {
    let segments = bounds.len() - 1;
    let mut max = vec![f32::NEG_INFINITY; segments];
    for r in readings {
        let Some(i) = (0..segments).find(|&i| {
            r.input_end > bounds[i] as isize
                && (r.input_end <= bounds[i + 1] as isize || i == segments - 1)
        }) else {
            continue;
        };
        max[i] = max[i].max(f(&r.meters));
    }
    max
}

pub fn assert_within(what: &str, got: f32, expected: f32, below: f32, above: f32) {
    assert!(
        got >= expected - below && got <= expected + above,
        "{what}: {got}, expected {expected} (-{below} / +{above})"
    );
}

/// The momentary and short-term loudness of a reading, LUFS.
pub struct Windows {
    pub momentary_lufs: f32,
    pub shortterm_lufs: f32,
}

/// Case 9: (1.34 s at -20, 1.66 s at -30) x 5: S = -23.0, constant after 3 s.
/// Case 12: (0.18 s at -20, 0.22 s at -30) x 25: M = -23.0, constant after 1 s.
/// `run` feeds a signal to a fresh meter and returns its readings; `per_second` is at least
/// how many readings it takes a second.
pub fn cases_9_and_12(rate: f32, per_second: f64, run: impl Fn(&[f32]) -> Vec<Reading<Windows>>) {
    use Part::Tone;
    for (case, first, second, repeats, settled) in
        [(9, 1.34, 1.66, 5, 3.0), (12, 0.18, 0.22, 25, 1.0)]
    {
        let period = [Tone(-20.0, first), Tone(-30.0, second)];
        let parts: Vec<Part> = period.iter().cycle().take(2 * repeats).copied().collect();
        let s = sine_steps(rate, &parts);
        let readings = run(&s.samples);
        let from = (settled * rate as f64).round() as isize;
        let to = s.samples.len() as isize;
        let values: Vec<f32> = readings
            .iter()
            .filter(|r| r.input_end >= from && r.input_end <= to)
            .map(|r| {
                if case == 9 {
                    r.meters.shortterm_lufs
                } else {
                    r.meters.momentary_lufs
                }
            })
            .collect();
        let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let window = if case == 9 { "S" } else { "M" };
        eprintln!(
            "3341 case {case} at {rate} Hz: {window} from {lo:.3} to {hi:.3} LUFS over {} \
             readings after {settled} s",
            values.len()
        );
        let seconds = repeats as f64 * (first + second);
        assert!(values.len() as f64 >= (seconds - settled) * per_second - 1.0);
        let tol = LOUDNESS_TOLERANCE_LU;
        assert_within(&format!("case {case} lowest"), lo, -23.0, tol, tol);
        assert_within(&format!("case {case} highest"), hi, -23.0, tol, tol);
    }
}

/// Case 10: for i in 0..20: i·0.15 s silence, 3 s at -23, 1 s silence; the largest S of
/// every segment is -23.0.
/// Case 11: for i in 0..20: i·0.15 s silence, 3 s at -38+i, (3 - i·0.15) s silence; the
/// largest S of segment i is -38+i.
pub fn cases_10_and_11(rate: f32, run: impl Fn(&[f32]) -> Vec<Reading<Windows>>) {
    use Part::{Silence, Tone};
    for case in [10, 11] {
        let segments: Vec<Vec<Part>> = (0..20)
            .map(|i| {
                let lead = i as f64 * 0.15;
                if case == 10 {
                    vec![Silence(lead), Tone(-23.0, 3.0), Silence(1.0)]
                } else {
                    let level = -38.0 + i as f32;
                    vec![Silence(lead), Tone(level, 3.0), Silence(3.0 - lead)]
                }
            })
            .collect();
        let s = sine_segments(rate, &segments);
        let readings = run(&s.samples);
        let max = max_per_segment(&readings, &s.bounds, |m| m.shortterm_lufs);
        eprintln!("3341 case {case} at {rate} Hz: max S per segment {max:.3?}");
        for (i, &got) in max.iter().enumerate() {
            let expected = if case == 10 { -23.0 } else { -38.0 + i as f32 };
            let tol = LOUDNESS_TOLERANCE_LU;
            assert_within(&format!("case {case} segment {i}"), got, expected, tol, tol);
        }
    }
}

/// Case 13: for i in 0..20: i·20 ms silence, 400 ms at -23, 1 s silence; the largest M of
/// every segment is -23.0.
/// Case 14: for i in 0..20: i·20 ms silence, 400 ms at -38+i, (400 - i·20) ms silence; the
/// largest M of segment i is -38+i.
/// Both need the momentary loudness sampled about every 10 ms (BS.1770-5). `cases` picks
/// which to run.
pub fn cases_13_and_14(rate: f32, cases: &[u32], run: impl Fn(&[f32]) -> Vec<Reading<Windows>>) {
    use Part::{Silence, Tone};
    for &case in cases {
        let segments: Vec<Vec<Part>> = (0..20)
            .map(|i| {
                let lead = i as f64 * 0.02;
                if case == 13 {
                    vec![Silence(lead), Tone(-23.0, 0.4), Silence(1.0)]
                } else {
                    let level = -38.0 + i as f32;
                    vec![Silence(lead), Tone(level, 0.4), Silence(0.4 - lead)]
                }
            })
            .collect();
        let s = sine_segments(rate, &segments);
        let readings = run(&s.samples);
        let max = max_per_segment(&readings, &s.bounds, |m| m.momentary_lufs);
        eprintln!("3341 case {case} at {rate} Hz: max M per segment {max:.3?}");
        for (i, &got) in max.iter().enumerate() {
            let expected = if case == 13 { -23.0 } else { -38.0 + i as f32 };
            let tol = LOUDNESS_TOLERANCE_LU;
            assert_within(&format!("case {case} segment {i}"), got, expected, tol, tol);
        }
    }
}
