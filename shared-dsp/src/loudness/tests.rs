use super::*;
use approx::assert_abs_diff_eq;
use std::f32::consts::TAU;

fn sine(sample_rate: u32, freq: f32, amplitude: f32, seconds: f32) -> Vec<f32> {
    let n = (sample_rate as f32 * seconds) as usize;
    (0..n)
        .map(|i| amplitude * (TAU * freq * i as f32 / sample_rate as f32).sin())
        .collect()
}

fn feed_in_blocks(meter: &mut LoudnessMeter, l: &[f32], r: &[f32], block: usize) {
    for (cl, cr) in l.chunks(block).zip(r.chunks(block)) {
        meter.process(cl, Some(cr));
    }
}

/// EBU Tech 3341 case 1 and 2: a 1 kHz stereo sine at -23 dBFS (and -33 dBFS) per channel
/// reads -23.0 (-33.0) LUFS momentary, short-term and integrated, ±0.1 LU.
#[test]
fn tech_3341_cases_1_and_2() {
    for (dbfs, rate) in [(-23.0, 48_000), (-33.0, 44_100), (-23.0, 96_000)] {
        let amp = db_to_gain(dbfs);
        let s = sine(rate, 1000.0, amp, 20.0);
        let mut m = LoudnessMeter::new(rate, 2).unwrap();
        feed_in_blocks(&mut m, &s, &s, 512);
        assert_abs_diff_eq!(m.momentary_lufs(), dbfs, epsilon = 0.1);
        assert_abs_diff_eq!(m.shortterm_lufs(), dbfs, epsilon = 0.1);
        assert_abs_diff_eq!(m.integrated_lufs(), dbfs, epsilon = 0.1);
    }
}

/// Tech 3341 case 4-like: short-term follows a level step (-36, -23) within its 3 s window.
#[test]
fn running_means_match_ebur128_windows() {
    let rate = 48_000;
    let mut signal = sine(rate, 1000.0, db_to_gain(-36.0), 5.0);
    signal.extend(sine(rate, 1000.0, db_to_gain(-23.0), 1.3));
    let mut ours = LoudnessMeter::new(rate, 2).unwrap();
    let mut reference = EbuR128::new(2, rate, Mode::S | Mode::HISTOGRAM).unwrap();
    // Feed up to an exact 100 ms boundary so both look at the same window.
    let n = signal.len() / 4800 * 4800;
    feed_in_blocks(&mut ours, &signal[..n], &signal[..n], 333);
    reference
        .add_frames_planar_f32(&[&signal[..n], &signal[..n]])
        .unwrap();
    let st = reference.loudness_shortterm().unwrap() as f32;
    let mo = reference.loudness_momentary().unwrap() as f32;
    assert_abs_diff_eq!(ours.shortterm_lufs(), st, epsilon = 0.01);
    assert_abs_diff_eq!(ours.momentary_lufs(), mo, epsilon = 0.01);
}

/// EBU Tech 3341 cases 3, 4 and 5: level changes around -23 LUFS that the two gates
/// must remove; integrated -23.0 ±0.1 LU.
#[test]
fn tech_3341_gated_cases_3_to_5() {
    let rate = 48_000;
    let cases: [&[(f32, f32)]; 3] = [
        &[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],
        &[
            (-72.0, 10.0),
            (-36.0, 10.0),
            (-23.0, 60.0),
            (-36.0, 10.0),
            (-72.0, 10.0),
        ],
        &[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut m = LoudnessMeter::new(rate, 2).unwrap();
        for &(dbfs, seconds) in case.iter() {
            let s = sine(rate, 1000.0, db_to_gain(dbfs), seconds);
            feed_in_blocks(&mut m, &s, &s, 480);
        }
        let got = m.integrated_lufs();
        assert!((got + 23.0).abs() <= 0.1, "case {}: {got} LUFS", i + 3);
    }
}

/// EBU Tech 3342 cases 1 to 4 (loudness range of level steps of a 1 kHz stereo sine),
/// ±1 LU, at 48 and 44.1 kHz; and `ebur128`'s own loudness range agrees within 0.3 LU.
#[test]
fn tech_3342_loudness_range_cases_1_to_4() {
    let cases: [(&[f32], f32); 4] = [
        (&[-20.0, -30.0], 10.0),
        (&[-20.0, -15.0], 5.0),
        (&[-40.0, -20.0], 20.0),
        (&[-50.0, -35.0, -20.0, -35.0, -50.0], 15.0),
    ];
    for rate in [48_000, 44_100] {
        for (i, (levels, expected)) in cases.iter().enumerate() {
            let mut m = LoudnessMeter::new(rate, 2).unwrap();
            let mut reference = EbuR128::new(2, rate, Mode::LRA | Mode::HISTOGRAM).unwrap();
            for &dbfs in levels.iter() {
                let s = sine(rate, 1000.0, db_to_gain(dbfs), 20.0);
                feed_in_blocks(&mut m, &s, &s, 1024);
                reference.add_frames_planar_f32(&[&s, &s]).unwrap();
            }
            let got = m.loudness_range_lu();
            assert!(
                (got - expected).abs() <= 1.0,
                "case {} at {rate} Hz: LRA {got}, expected {expected}",
                i + 1
            );
            let theirs = reference.loudness_range().unwrap() as f32;
            assert!(
                (got - theirs).abs() <= 0.3,
                "case {}: ours {got}, ebur128 {theirs}",
                i + 1
            );
            m.reset_integration();
            assert_eq!(m.loudness_range_lu(), 0.0);
            assert_eq!(m.integrated_lufs(), f32::NEG_INFINITY);
        }
    }
}

/// The integrated loudness equals `ebur128`'s own `Mode::I` on program-like material
/// (noise with level steps, silence and a quiet tail).
#[test]
fn integrated_matches_ebur128() {
    let rate = 44_100;
    let mut state = 0x1234_5678u32;
    let mut noise = |amp: f32| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        amp * (state as f32 / u32::MAX as f32 - 0.5)
    };
    let mut l = Vec::new();
    let mut r = Vec::new();
    for (amp, seconds) in [(0.3, 4.0), (0.0, 1.0), (0.05, 3.0), (0.6, 2.5), (0.01, 5.0)] {
        for _ in 0..(rate as f32 * seconds) as usize {
            l.push(noise(amp));
            r.push(noise(amp * 0.7));
        }
    }
    let mut ours = LoudnessMeter::new(rate, 2).unwrap();
    feed_in_blocks(&mut ours, &l, &r, 1000);
    let mut reference = EbuR128::new(2, rate, Mode::I).unwrap();
    reference.add_frames_planar_f32(&[&l, &r]).unwrap();
    let expected = reference.loudness_global().unwrap() as f32;
    assert!(
        (ours.integrated_lufs() - expected).abs() < 0.02,
        "{} LUFS, ebur128 {expected}",
        ours.integrated_lufs()
    );
}

#[test]
fn block_size_does_not_change_results() {
    let rate = 44_100;
    let s = sine(rate, 440.0, 0.3, 3.7);
    let mut a = LoudnessMeter::new(rate, 2).unwrap();
    let mut b = LoudnessMeter::new(rate, 2).unwrap();
    feed_in_blocks(&mut a, &s, &s, 1);
    feed_in_blocks(&mut b, &s, &s, 4096);
    assert_eq!(a.shortterm_lufs(), b.shortterm_lufs());
    assert_eq!(a.momentary_lufs(), b.momentary_lufs());
    assert_eq!(a.integrated_lufs(), b.integrated_lufs());
    assert!(a.integrated_lufs().is_finite());
    assert_eq!(a.take_true_peak_db(), b.take_true_peak_db());
}

/// Tech 3341 cases 15 to 19 style: a 0 dBFS sine at fs/4 sampled at 45 degrees has
/// samples at -3.01 dBFS but a true peak of 0 dBTP (within the ±0.2/-0.4 dB of 3341).
#[test]
fn true_peak_finds_inter_sample_peak() {
    let rate = 48_000;
    let n = rate as usize;
    let s: Vec<f32> = (0..n)
        .map(|i| (TAU * 0.25 * (i % 4) as f32 + TAU / 8.0).sin())
        .collect();
    let mut m = LoudnessMeter::new(rate, 1).unwrap();
    m.process(&s, None);
    let tp = m.take_true_peak_db();
    let sp = m.take_sample_peak_db();
    assert!((sp + 3.01).abs() < 0.05, "sample peak {sp}, true peak {tp}");
    assert!((-0.4..=0.2).contains(&tp), "true peak {tp} dBTP");
    // Taking resets.
    assert_eq!(m.take_true_peak_db(), f32::NEG_INFINITY);
}

#[test]
fn reset_equals_fresh() {
    let rate = 48_000;
    let s = sine(rate, 100.0, 0.5, 2.0);
    let mut used = LoudnessMeter::new(rate, 2).unwrap();
    feed_in_blocks(&mut used, &s, &s, 256);
    used.reset();
    let mut fresh = LoudnessMeter::new(rate, 2).unwrap();
    let t = sine(rate, 1000.0, 0.1, 3.1);
    feed_in_blocks(&mut used, &t, &t, 256);
    feed_in_blocks(&mut fresh, &t, &t, 256);
    assert_eq!(used.shortterm_lufs(), fresh.shortterm_lufs());
    assert_eq!(used.integrated_lufs(), fresh.integrated_lufs());
}

#[test]
fn bad_setup_is_refused_clearly() {
    let err = LoudnessMeter::new(48_000, 3).err().unwrap();
    assert!(err.to_string().contains("3 channels"));
    let err = LoudnessMeter::new(100, 2).err().unwrap();
    assert!(err.to_string().contains("100 Hz"));
}

/// Noise with level steps and a quiet gap, deterministic.
fn stepped_noise(rate: u32) -> (Vec<f32>, Vec<f32>) {
    let mut state = 0x9E37_79B9u32;
    let mut noise = |amp: f32| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        amp * (state as f32 / u32::MAX as f32 - 0.5)
    };
    let (mut l, mut r) = (Vec::new(), Vec::new());
    for (amp, seconds) in [(0.2, 3.3), (0.0, 0.7), (0.5, 1.1), (0.05, 2.9), (0.3, 0.45)] {
        for _ in 0..(rate as f32 * seconds) as usize {
            l.push(noise(amp));
            r.push(noise(amp * 0.6));
        }
    }
    (l, r)
}

/// At rates that are not a multiple of 100 Hz (sub-blocks of two lengths) momentary and
/// short-term loudness, read on every 10 ms boundary, equal `ebur128`'s own 400 ms and
/// 3 s windows ending there; and the integrated loudness equals `ebur128`'s `Mode::I`.
/// Tolerances: 0.02 LU for windows above -70 LUFS (a sub-block one frame longer than
/// `loudness_window(10)` reads is read without its first frame: on this white noise the
/// worst difference measured 0.009 LU at 22 050 Hz, 0.012 LU at 11 025 Hz; in the
/// K-filter's ringing below -70 LUFS, where one frame can outweigh the rest, it grows to
/// about 1 LU). For the integrated loudness 0.02 LU as at 44.1 kHz (measured within
/// 0.001 LU, though at 11 025 Hz `ebur128` steps its gating blocks by 1103 frames and the
/// meter by 1102 or 1103, the nearest frames to each 100 ms).
#[test]
fn odd_rates_match_ebur128_windows() {
    for rate in [22_050, 11_025, 123_457] {
        let (l, r) = stepped_noise(rate);
        let mut ours = LoudnessMeter::new(rate, 2).unwrap();
        let mut reference = EbuR128::new(2, rate, Mode::S).unwrap();
        let mut integrated = EbuR128::new(2, rate, Mode::I).unwrap();
        let mut fed = 0;
        let mut worst = [0.0f32; 2];
        for k in 1.. {
            let boundary = ((k * rate as u64 + 50) / 100) as usize;
            if boundary > l.len() {
                break;
            }
            // Uneven chunks, so the meter cuts at its own boundaries.
            for (cl, cr) in l[fed..boundary]
                .chunks(333)
                .zip(r[fed..boundary].chunks(333))
            {
                ours.process(cl, Some(cr));
            }
            reference
                .add_frames_planar_f32(&[&l[fed..boundary], &r[fed..boundary]])
                .unwrap();
            fed = boundary;
            if k >= 300 && reference.loudness_window(400).unwrap() > -70.0 {
                let mo = reference.loudness_window(400).unwrap() as f32;
                let st = reference.loudness_window(3000).unwrap() as f32;
                worst[0] = worst[0].max((ours.momentary_lufs() - mo).abs());
                worst[1] = worst[1].max((ours.shortterm_lufs() - st).abs());
            }
        }
        assert!(
            worst[0] <= 0.02 && worst[1] <= 0.02,
            "{rate} Hz: worst momentary, short-term differences {worst:?} LU"
        );
        integrated.add_frames_planar_f32(&[&l, &r]).unwrap();
        let expected = integrated.loudness_global().unwrap() as f32;
        let got = ours.integrated_lufs();
        assert!(
            (got - expected).abs() <= 0.02,
            "{rate} Hz: integrated {got} LUFS, ebur128 {expected}"
        );
    }
}

/// EBU Tech 3341 cases 13 and 14 in essence: a 400 ms burst at -23 LUFS at any offset
/// (gaps growing by 7 ms put the bursts at many offsets to the 10 ms grid) reads a largest momentary loudness of -23.0 ±0.1 LU,
/// because the momentary loudness moves every 10 ms (with 100 ms hops, a burst 50 ms off
/// their grid reads 10 log10(350 / 400) = -0.58 LU low). At 48, 44.1, 22.05 and 11.025 kHz.
#[test]
fn max_momentary_catches_a_burst_at_any_offset() {
    for rate in [48_000, 44_100, 22_050, 11_025] {
        let burst = sine(rate, 1000.0, db_to_gain(-23.0), 0.4);
        let mut m = LoudnessMeter::new(rate, 2).unwrap();
        for offset_ms in (0..100).step_by(7) {
            let gap = vec![0.0; (rate as usize * (500 + offset_ms)) / 1000];
            feed_in_blocks(&mut m, &gap, &gap, 256);
            m.reset_integration();
            assert_eq!(m.max_momentary_lufs(), f32::NEG_INFINITY);
            feed_in_blocks(&mut m, &burst, &burst, 256);
            feed_in_blocks(&mut m, &gap, &gap, 256);
            let max = m.max_momentary_lufs();
            assert!(
                (max + 23.0).abs() <= 0.1,
                "{rate} Hz, offset {offset_ms} ms: max momentary {max} LUFS"
            );
        }
    }
}

/// Momentary and short-term loudness move every 10 ms; the largest values stay until
/// `reset_integration`, which also forgets them.
#[test]
fn updates_every_10_ms_and_keeps_the_largest() {
    let rate = 48_000;
    let loud = sine(rate, 1000.0, db_to_gain(-20.0), 3.5);
    let quiet = sine(rate, 1000.0, db_to_gain(-40.0), 0.5);
    let mut m = LoudnessMeter::new(rate, 2).unwrap();
    assert_eq!(m.max_momentary_lufs(), f32::NEG_INFINITY);
    m.process(&loud[..479], Some(&loud[..479]));
    assert_eq!(m.momentary_lufs(), f32::NEG_INFINITY);
    m.process(&loud[479..480], Some(&loud[479..480]));
    let first = m.momentary_lufs();
    assert!(first.is_finite() && m.blocks_finished() == 0);
    m.process(&loud[480..960], Some(&loud[480..960]));
    assert!(m.momentary_lufs() > first);
    feed_in_blocks(&mut m, &loud[960..], &loud[960..], 512);
    feed_in_blocks(&mut m, &quiet, &quiet, 512);
    assert_abs_diff_eq!(m.max_momentary_lufs(), -20.0, epsilon = 0.05);
    assert_abs_diff_eq!(m.max_shortterm_lufs(), -20.0, epsilon = 0.05);
    // Now 400 ms at -40 and 3 s of which 0.5 s at -40, 2.5 s at -20 (-20.78 LUFS).
    assert_abs_diff_eq!(m.momentary_lufs(), -40.0, epsilon = 0.05);
    assert_abs_diff_eq!(m.shortterm_lufs(), -20.78, epsilon = 0.05);
    m.reset_integration();
    assert_eq!(m.max_momentary_lufs(), f32::NEG_INFINITY);
    assert_eq!(m.max_shortterm_lufs(), f32::NEG_INFINITY);
    feed_in_blocks(&mut m, &quiet[..480], &quiet[..480], 480);
    assert_eq!(m.max_momentary_lufs(), m.momentary_lufs());
    assert_eq!(m.max_shortterm_lufs(), m.shortterm_lufs());
    m.reset();
    assert_eq!(m.max_momentary_lufs(), f32::NEG_INFINITY);
}

/// `blocks_finished` counts 100 ms blocks (the nearest frames to each 100 ms) at any
/// rate, not 10 ms sub-blocks.
#[test]
fn blocks_finished_counts_100_ms() {
    for rate in [8_000, 11_025, 22_050, 44_100, 48_000, 123_457, 705_600] {
        let mut m = LoudnessMeter::new(rate, 1).unwrap();
        let two_seconds = vec![0.1; 2 * rate as usize];
        let one_block = (rate as usize + 5) / 10;
        m.process(&two_seconds[..one_block - 1], None);
        assert_eq!(m.blocks_finished(), 0, "{rate} Hz");
        m.process(&two_seconds[one_block - 1..], None);
        assert_eq!(m.blocks_finished(), 20, "{rate} Hz");
    }
}

/// A loudness-only meter reads the same loudness, bit for bit, and its peak is the sample
/// peak: a sine at a quarter of the rate, sampled 45 degrees off its crests, peaks 3 dB over
/// its samples, which the full meter sees and the loudness-only one does not.
#[test]
fn loudness_only_meters_the_same_loudness_without_the_true_peak() {
    let rate = 48_000;
    let x: Vec<f32> = (0..rate as usize * 5)
        .map(|i| {
            let phase = std::f64::consts::FRAC_PI_2 * (i % 4) as f64 + std::f64::consts::FRAC_PI_4;
            (0.5 * phase.sin()) as f32
        })
        .collect();
    let mut full = LoudnessMeter::new(rate, 2).unwrap();
    let mut only = LoudnessMeter::loudness_only(rate, 2).unwrap();
    feed_in_blocks(&mut full, &x, &x, 480);
    feed_in_blocks(&mut only, &x, &x, 480);
    assert_eq!(full.integrated_lufs(), only.integrated_lufs());
    assert_eq!(full.momentary_lufs(), only.momentary_lufs());
    assert_eq!(full.loudness_range_lu(), only.loudness_range_lu());
    let sample_peak_db = gain_to_db(0.5 * std::f32::consts::FRAC_1_SQRT_2);
    assert_abs_diff_eq!(only.take_true_peak_db(), sample_peak_db, epsilon = 0.01);
    // (The interpolator reads 0.11 dB over this crest at 12 kHz: a quarter of the rate is
    // near its band edge.)
    assert_abs_diff_eq!(full.take_true_peak_db(), gain_to_db(0.5), epsilon = 0.2);
}

/// A stereo meter's peaks include the right channel: a tone in the right channel only reads
/// its own peak, sample and true.
#[test]
fn stereo_peaks_read_the_right_channel_too() {
    let rate = 48_000;
    let right = sine(rate, 997.0, 0.5, 1.0);
    let left = vec![0.0; right.len()];
    for mut m in [
        LoudnessMeter::new(rate, 2).unwrap(),
        LoudnessMeter::loudness_only(rate, 2).unwrap(),
    ] {
        feed_in_blocks(&mut m, &left, &right, 512);
        assert_abs_diff_eq!(m.take_sample_peak_db(), gain_to_db(0.5), epsilon = 0.01);
        assert_abs_diff_eq!(m.take_true_peak_db(), gain_to_db(0.5), epsilon = 0.05);
    }
}

/// A meter says how many channels it measures, and refuses what it cannot.
#[test]
fn a_meter_knows_its_channels() {
    assert_eq!(LoudnessMeter::new(48_000, 1).unwrap().num_channels(), 1);
    assert_eq!(LoudnessMeter::new(48_000, 2).unwrap().num_channels(), 2);
    assert_eq!(
        LoudnessMeter::loudness_only(44_100, 2)
            .unwrap()
            .num_channels(),
        2
    );
    assert!(LoudnessMeter::new(48_000, 3).is_err());
    assert!(LoudnessMeter::new(4_000, 2).is_err());
}
