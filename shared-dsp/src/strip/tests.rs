// Settings are built up field by field from the defaults, which reads best in tests.
#![allow(clippy::field_reassign_with_default)]

use super::*;
use crate::bands::BandLayout;
use crate::eq::FilterSlope;
use approx::assert_abs_diff_eq;

const RATES: [f32; 6] = [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0];
const BLOCKS: [usize; 5] = [1, 17, 64, 512, 4096];

fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 0.5
        })
        .collect()
}

fn sine(rate: f32, f: f32, amp: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (std::f64::consts::TAU * f as f64 * i as f64 / rate as f64).sin() as f32)
        .collect()
}

/// Every section on, with non-trivial settings.
pub(crate) fn everything_on() -> StripSettings {
    let mut s = StripSettings::default();
    s.trim_db = 3.0;
    s.eq.high_pass.enabled = true;
    s.eq.high_pass.freq_hz = 40.0;
    s.eq.high_pass.slope = FilterSlope::Db24;
    s.eq.low_pass.enabled = true;
    s.eq.low_pass.freq_hz = 16_000.0;
    s.eq.low_pass.slope = FilterSlope::Db24;
    s.eq.low_shelf.enabled = true;
    s.eq.low_shelf.gain_db = 2.0;
    for (i, b) in s.eq.bells.iter_mut().enumerate() {
        b.enabled = true;
        b.gain_db = [-3.0, 4.0, 2.0][i];
    }
    s.eq.high_shelf.enabled = true;
    s.eq.high_shelf.gain_db = -2.0;
    s.compressor.enabled = true;
    s.compressor.threshold_db = -24.0;
    s.compressor.ratio = 4.0;
    s.compressor.mix = 0.8;
    s.width = 1.3;
    s.output_db = -1.5;
    s
}

fn run(strip: &mut Strip, l: &[f32], r: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (l.to_vec(), r.to_vec());
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        strip.process(cl, Some(cr));
    }
    (l, r)
}

#[test]
fn default_settings_are_an_exact_null() {
    for rate in RATES {
        let l = noise(20_000, 1);
        let r = noise(20_000, 2);
        let mut strip = Strip::new(rate, 2).unwrap();
        let (ol, or) = run(&mut strip, &l, &r, 512);
        assert_eq!(ol, l);
        assert_eq!(or, r);
    }
}

#[test]
fn block_and_per_sample_processing_agree_while_settings_move() {
    let rate = 48_000.0;
    let l = noise(30_000, 3);
    let r = noise(30_000, 4);
    let mut a = Strip::new(rate, 2).unwrap();
    let mut b = Strip::new(rate, 2).unwrap();
    let mut outputs = Vec::new();
    for (strip, block) in [(&mut a, 1usize), (&mut b, 4096)] {
        strip.set_target(&everything_on());
        let (mut ol, mut or) = run(strip, &l[..10_000], &r[..10_000], block);
        let mut moved = everything_on();
        moved.eq.bells[1].freq_hz = 3000.0;
        moved.trim_db = -4.0;
        strip.set_target(&moved);
        let (l2, r2) = run(strip, &l[10_000..], &r[10_000..], block);
        ol.extend(l2);
        or.extend(r2);
        outputs.push((ol, or));
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn reset_equals_fresh() {
    let rate = 44_100.0;
    let l = noise(20_000, 5);
    let r = noise(20_000, 6);
    let mut used = Strip::new(rate, 2).unwrap();
    used.set_target(&everything_on());
    run(&mut used, &r, &l, 333);
    used.reset();
    let mut fresh = Strip::new(rate, 2).unwrap();
    fresh.set_target(&everything_on());
    fresh.snap_to_target();
    assert_eq!(run(&mut used, &l, &r, 512), run(&mut fresh, &l, &r, 512));
}

#[test]
fn matrix_of_rates_and_block_sizes_everything_on() {
    for rate in RATES {
        for block in BLOCKS {
            let n = (rate as usize / 10).max(8192);
            let l = noise(n, 7);
            let r = noise(n, 8);
            let mut strip = Strip::new(rate, 2).unwrap();
            strip.set_target(&everything_on());
            let (ol, or) = run(&mut strip, &l, &r, block);
            assert!(
                ol.iter().chain(&or).all(|x| x.is_finite()),
                "rate {rate} block {block}"
            );
            let energy: f32 = ol.iter().map(|x| x * x).sum();
            assert!(
                energy > 1.0,
                "rate {rate} block {block}: output should not be silent"
            );
        }
    }
}

#[test]
fn mono_strip_processes_one_channel() {
    let mut strip = Strip::new(48_000.0, 1).unwrap();
    let mut s = everything_on();
    s.width = 2.0; // width has no meaning in mono and must not matter
    strip.set_target(&s);
    let mut l = noise(10_000, 9);
    strip.process(&mut l, None);
    assert!(l.iter().all(|x| x.is_finite()));
    let mut snap = StemSnapshot::default();
    strip.take_snapshot(
        StemRole::Bass,
        StemName::new("Bass"),
        TransportPosition::default(),
        &mut snap,
    );
    assert_eq!(snap.band_db[0], snap.band_db[1]);
}

#[test]
fn bad_input_gives_finite_output_and_recovers() {
    let rate = 48_000.0;
    for bad in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-40,
        f32::MAX,
        1.0,
    ] {
        let mut strip = Strip::new(rate, 2).unwrap();
        strip.set_target(&everything_on());
        let mut l = vec![bad; 4096];
        let mut r = vec![-bad; 4096];
        strip.process(&mut l, Some(&mut r));
        assert!(l.iter().chain(&r).all(|x| x.is_finite()), "input {bad}");
        // The next clean block is clean and alive: compare with a fresh strip after the
        // transient dies out.
        let clean = sine(rate, 1000.0, 0.25, 48_000);
        let (ol, _) = run(&mut strip, &clean, &clean, 512);
        assert!(ol.iter().all(|x| x.is_finite()));
        let tail_rms = (ol[40_000..].iter().map(|x| x * x).sum::<f32>() / 8000.0).sqrt();
        assert!(
            tail_rms > 0.05,
            "input {bad}: output after recovery is {tail_rms}"
        );
        let mut snap = StemSnapshot::default();
        strip.take_snapshot(
            StemRole::Other,
            StemName::default(),
            TransportPosition::default(),
            &mut snap,
        );
        assert!(snap.shortterm_lufs.is_finite() && snap.true_peak_db.is_finite());
    }
}

#[test]
fn snapshot_reports_what_the_output_measures() {
    let rate = 48_000.0;
    let mut strip = Strip::new(rate, 2).unwrap();
    let s = sine(rate, 1000.0, 10f32.powf(-20.0 / 20.0), 4 * 48_000);
    let (_, _) = run(&mut strip, &s, &s, 480);
    assert!(strip.snapshot_due());
    let mut snap = StemSnapshot::default();
    let transport = TransportPosition {
        playing: true,
        known: true,
        position_seconds: 4.0,
    };
    strip.take_snapshot(
        StemRole::LeadVocal,
        StemName::new("Vox"),
        transport,
        &mut snap,
    );
    assert!(!strip.snapshot_due());
    assert_eq!(snap.role, StemRole::LeadVocal);
    assert_eq!(snap.name.as_str(), "Vox");
    assert_eq!(snap.transport, transport);
    // EBU Tech 3341: a 1 kHz stereo sine at -20 dBFS reads -20 LUFS.
    assert_abs_diff_eq!(snap.shortterm_lufs, -20.0, epsilon = 0.1);
    assert_abs_diff_eq!(snap.momentary_lufs, -20.0, epsilon = 0.1);
    assert_abs_diff_eq!(snap.sample_peak_db, -20.0, epsilon = 0.05);
    assert_abs_diff_eq!(snap.rms_db, -23.01, epsilon = 0.05);
    assert_abs_diff_eq!(snap.correlation, 1.0, epsilon = 1e-3);
    let b = BandLayout::standard().band_of(1000.0).unwrap();
    assert!(snap.band_db[0][b] > -21.0 && snap.band_db[0][b] < -19.5);
}

#[test]
fn trim_output_and_polarity_do_what_they_say() {
    let rate = 48_000.0;
    let s = sine(rate, 1000.0, 0.1, 9600);
    let mut strip = Strip::new(rate, 2).unwrap();
    let mut set = StripSettings::default();
    set.trim_db = 6.0;
    set.output_db = -12.0;
    set.gain_offset_db = 3.0;
    set.invert_polarity = true;
    strip.set_target(&set);
    let (ol, _) = run(&mut strip, &s, &s, 256);
    // After the 20 ms ramp: gain -3 dB and inverted.
    let g = -db_to_gain(-3.0);
    for i in 2000..9600 {
        assert_abs_diff_eq!(ol[i], s[i] * g, epsilon = 1e-6);
    }
}

/// Rates a host may ask for beyond the usual ones: below and at the loudness meter's lowest
/// rate, fractional, and the highest.
const ANY_RATES: [f32; 5] = [1_000.0, 1_234.57, 8_000.0, 705_600.0, 768_000.0];

/// Every section on, set so that a sine well inside the band passes unchanged: pass filters
/// at the ends of their ranges, bells and shelves at 0 dB, the compressor at 1:1.
fn everything_on_neutral() -> StripSettings {
    let mut s = StripSettings::default();
    s.eq.high_pass.enabled = true;
    s.eq.high_pass.freq_hz = 20.0;
    s.eq.low_pass.enabled = true;
    s.eq.low_pass.freq_hz = 20_000.0;
    s.eq.low_shelf.enabled = true;
    s.eq.high_shelf.enabled = true;
    for b in &mut s.eq.bells {
        b.enabled = true;
    }
    s.compressor.enabled = true;
    s.compressor.ratio = 1.0;
    s
}

/// Processes `l` (and `r` for stereo) in blocks of 512 through `strip`, in place, and
/// returns whether every output sample of the Strip's channels is finite.
fn run_channels(strip: &mut Strip, l: &mut [f32], r: &mut [f32]) -> bool {
    let stereo = strip.num_channels() == 2;
    for (cl, cr) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
        strip.process(cl, if stereo { Some(cr) } else { None });
    }
    let r: &[f32] = if stereo { r } else { &[] };
    l.iter().chain(r).all(|x| x.is_finite())
}

fn energy(x: &[f32]) -> f64 {
    x.iter().map(|&v| v as f64 * v as f64).sum()
}

#[test]
fn loudness_limits_match_what_the_meter_accepts() {
    use crate::loudness::LoudnessMeter;
    assert!(LoudnessMeter::new(LOUDNESS_MIN_RATE_HZ - 1, 2).is_err());
    assert!(LoudnessMeter::new(LOUDNESS_MIN_RATE_HZ, 2).is_ok());
    assert!(LoudnessMeter::new(LOUDNESS_MAX_RATE_HZ, 2).is_ok());
    assert!(LoudnessMeter::new(LOUDNESS_MAX_RATE_HZ + 1, 2).is_err());
    // Fractional rates round to the nearest Hz for the loudness meter.
    let status = |rate: f32| Strip::new(rate, 1).unwrap().loudness_status();
    assert_eq!(status(7_999.4), LoudnessStatus::RateTooLow);
    assert_eq!(status(7_999.6), LoudnessStatus::On);
    assert_eq!(status(768_000.4), LoudnessStatus::On);
    assert_eq!(status(768_000.6), LoudnessStatus::RateTooHigh);
    assert_eq!(status(2_822_400.0), LoudnessStatus::RateTooHigh);
    assert_eq!(
        LoudnessStatus::RateTooLow.off_text(2_000.0).as_deref(),
        Some("Loudness meters off: 2 kHz is below 8 kHz")
    );
    assert_eq!(
        LoudnessStatus::RateTooLow.off_text(1_234.57).as_deref(),
        Some("Loudness meters off: 1.235 kHz is below 8 kHz")
    );
    assert_eq!(LoudnessStatus::On.off_text(48_000.0), None);
    for status in [
        LoudnessStatus::On,
        LoudnessStatus::RateTooLow,
        LoudnessStatus::RateTooHigh,
    ] {
        assert_eq!(LoudnessStatus::from_u8(status.to_u8()), status);
    }
}

#[test]
fn only_channel_counts_and_rates_that_are_no_rates_are_refused() {
    assert_eq!(
        Strip::new(48_000.0, 3).err(),
        Some(StripError::UnsupportedChannels(3))
    );
    assert!(Strip::new(48_000.0, 0).is_err());
    assert!(Strip::new(0.0, 2).is_err());
    assert!(Strip::new(f32::NAN, 2).is_err());
}

/// At every rate a host may ask for, mono and stereo, with every section on: bad input
/// (NaN, infinities, denormals, f32::MAX, full-scale squares) gives finite output, a clean
/// signal comes through afterwards, and with the sections set neutral a sine passes at its
/// level; peaks are measured, and loudness where the meter runs (the floor where not).
#[test]
fn every_section_runs_at_any_sample_rate() {
    for rate in ANY_RATES {
        for channels in [1, 2] {
            let what = format!("{rate} Hz, {channels} channel(s)");
            let mut strip = Strip::new(rate, channels).unwrap();
            let expected = if rate < 8_000.0 {
                LoudnessStatus::RateTooLow
            } else {
                LoudnessStatus::On
            };
            assert_eq!(strip.loudness_status(), expected, "{what}");
            strip.set_target(&everything_on());
            strip.snap_to_target();

            let n = 4096;
            let square: Vec<f32> = (0..n)
                .map(|i| if (i / 8) % 2 == 0 { 1.0 } else { -1.0 })
                .collect();
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40, f32::MAX] {
                let (mut l, mut r) = (vec![bad; n], vec![-bad; n]);
                assert!(run_channels(&mut strip, &mut l, &mut r), "{what}: {bad}");
            }
            let (mut l, mut r) = (square.clone(), square.clone());
            assert!(run_channels(&mut strip, &mut l, &mut r), "{what}: square");

            // A clean sine after all that comes out, finite and audible.
            let f = (rate / 8.0).min(1000.0);
            let len = (rate as usize / 2).max(8192);
            let clean = sine(rate, f, 0.25, len);
            let (mut l, mut r) = (clean.clone(), clean.clone());
            assert!(run_channels(&mut strip, &mut l, &mut r), "{what}: clean");
            let tail = len / 2..;
            assert!(
                energy(&l[tail.clone()]) > 0.01 * energy(&clean[tail.clone()]),
                "{what}: everything on, the sine did not come through"
            );

            // Neutral settings: the sine passes at its level (after the first quarter,
            // where the filters settle).
            strip.set_target(&everything_on_neutral());
            strip.reset();
            let (mut l, mut r) = (clean.clone(), clean.clone());
            assert!(run_channels(&mut strip, &mut l, &mut r), "{what}: neutral");
            let from = len / 4;
            for (c, out) in [&l, &r][..channels].iter().enumerate() {
                let ratio_db = 10.0 * (energy(&out[from..]) / energy(&clean[from..])).log10();
                assert!(
                    ratio_db.abs() < 0.1,
                    "{what}: neutral sections change a {f} Hz sine on channel {c} by {ratio_db:.3} dB"
                );
            }

            // Peaks of the settled sine: the filters' onset may overshoot, so measure a
            // second pass.
            let mut snap = StemSnapshot::default();
            let take = |strip: &mut Strip, snap: &mut StemSnapshot| {
                strip.take_snapshot(
                    StemRole::Other,
                    StemName::default(),
                    TransportPosition::default(),
                    snap,
                )
            };
            take(&mut strip, &mut snap);
            let (mut l, mut r) = (clean.clone(), clean.clone());
            assert!(run_channels(&mut strip, &mut l, &mut r), "{what}: neutral");
            take(&mut strip, &mut snap);
            // A 0.25 sine is at -12.04 dBFS; at fs/8 its samples may miss the crest by up to
            // 22.5° (-0.69 dB), the 4x true-peak interpolator by 5.6° (-0.04 dB).
            let (sample_peak, true_peak) = (snap.sample_peak_db, snap.true_peak_db);
            assert!(
                (-12.8..-11.95).contains(&sample_peak),
                "{what}: sample peak {sample_peak} dBFS"
            );
            assert!(
                true_peak >= sample_peak && (-12.15..-11.95).contains(&true_peak),
                "{what}: true peak {true_peak} dBTP, sample peak {sample_peak} dBFS"
            );
            let meters = strip.take_meters();
            if expected.is_on() {
                assert!(snap.momentary_lufs > -20.0, "{what}: {snap:?}");
                assert!(meters.integrated_lufs > -20.0, "{what}: {meters:?}");
            } else {
                assert_eq!(snap.momentary_lufs, crate::snapshot::FLOOR_DB, "{what}");
                assert_eq!(snap.shortterm_lufs, crate::snapshot::FLOOR_DB, "{what}");
                assert_eq!(meters.integrated_lufs, f32::NEG_INFINITY, "{what}");
            }
            assert!(
                snap.rms_db.is_finite() && snap.correlation.is_finite(),
                "{what}"
            );
            assert!(
                snap.band_db.iter().flatten().all(|v| v.is_finite()),
                "{what}: band powers {:?}",
                snap.band_db
            );
        }
    }
}

/// A low-pass at or above 0.49 × the sample rate is off (the default 18 kHz below
/// 36.7 kHz): the Strip nulls as with the low-pass switched off, at every slope.
#[test]
fn low_pass_above_the_band_is_off() {
    for rate in [22_050.0, 32_000.0] {
        for slope in [FilterSlope::Db12, FilterSlope::Db24, FilterSlope::Db48] {
            let mut s = StripSettings::default();
            s.eq.low_pass.enabled = true;
            s.eq.low_pass.slope = slope;
            s.eq.low_pass.freq_hz = 18_000.0;
            let mut strip = Strip::new(rate, 2).unwrap();
            strip.set_target(&s);
            strip.snap_to_target();
            let (l, r) = (noise(8192, 10), noise(8192, 11));
            assert_eq!(run(&mut strip, &l, &r, 512), (l, r), "{rate} Hz, {slope:?}");
        }
    }
}

/// The largest difference between neighbouring samples of `x`.
fn max_jump(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Bypass on: after the fade the output is the input, bit for bit, and the analysis
/// describes it; the fade has no jump beyond what the two signals and the fade's own step
/// make; bypass off: after the fade the output is exactly what a Strip never bypassed
/// gives (the processing ran on underneath).
#[test]
fn bypass_fades_to_the_exact_input_and_back() {
    for rate in [1_000.0, 48_000.0] {
        let n = (rate as usize / 5).max(2048);
        let l = sine(rate, rate / 20.0, 0.3, 3 * n);
        let r = sine(rate, rate / 16.0, 0.3, 3 * n);
        let mut reference = Strip::new(rate, 2).unwrap();
        let mut strip = Strip::new(rate, 2).unwrap();
        for s in [&mut reference, &mut strip] {
            s.set_target(&everything_on());
            s.snap_to_target();
        }
        let (wet_l, wet_r) = run(&mut reference, &l, &r, 100);
        let fade = strip.bypass_fade_samples();
        assert_eq!(fade, (0.01 * rate).ceil() as usize);

        let mut out_l = Vec::new();
        let mut out_r = Vec::new();
        for (part, bypass) in [false, true, false].into_iter().enumerate() {
            strip.set_bypass(bypass);
            assert_eq!(strip.is_bypassed(), bypass);
            // Meters are read once the fade and the control period it ends in are over.
            let split = part * n + fade + CONTROL_INTERVAL;
            for range in [part * n..split, split..(part + 1) * n] {
                strip.take_meters();
                let (ol, or) = run(&mut strip, &l[range.clone()], &r[range.clone()], 100);
                out_l.extend(ol);
                out_r.extend(or);
            }
            if bypass {
                // The compressor works on underneath but is not heard: no gain reduction.
                assert_eq!(strip.take_meters().gain_reduction_db, 0.0, "{rate} Hz");
            } else {
                assert!(strip.take_meters().gain_reduction_db > 1.0, "{rate} Hz");
            }
        }
        let pairs = [(&out_l, &l, &wet_l), (&out_r, &r, &wet_r)];
        for (c, (out, dry, wet)) in pairs.into_iter().enumerate() {
            let what = format!("{rate} Hz, channel {c}");
            assert_eq!(out[..n], wet[..n], "{what}: before the bypass");
            assert_ne!(
                out[n..n + fade - 1],
                dry[n..n + fade - 1],
                "{what}: no fade"
            );
            assert_eq!(
                out[n + fade - 1..2 * n],
                dry[n + fade - 1..2 * n],
                "{what}: bypassed"
            );
            assert_eq!(
                out[2 * n + fade - 1..],
                wet[2 * n + fade - 1..],
                "{what}: back"
            );
            // Neither fade jumps more than the signals themselves and the fade's step
            // allow: |Δ out| ≤ max(|Δ wet|, |Δ dry|) + |wet - dry| / fade.
            for start in [n, 2 * n] {
                let span = start - 1..start + fade + 1;
                let gap = span
                    .clone()
                    .map(|i| (wet[i] - dry[i]).abs())
                    .fold(0.0, f32::max);
                let allowed = max_jump(&wet[span.clone()]).max(max_jump(&dry[span.clone()]))
                    + gap / fade as f32
                    + 1e-6;
                let jump = max_jump(&out[span]);
                assert!(
                    jump <= allowed,
                    "{what}: a jump of {jump} in the fade at {start}, {allowed} allowed"
                );
            }
        }
    }
}

/// While bypassed the snapshot describes the output, which is the input: a -10.46 dBFS
/// (0.3) sine through a Strip whose processing would change its level.
#[test]
fn bypassed_strip_publishes_what_it_outputs() {
    let rate = 48_000.0;
    let s = sine(rate, 1000.0, 0.3, 48_000);
    let mut strip = Strip::new(rate, 2).unwrap();
    let mut settings = everything_on();
    settings.output_db = -12.0;
    strip.set_target(&settings);
    strip.set_bypass(true);
    strip.snap_to_target();
    let (ol, or) = run(&mut strip, &s, &s, 480);
    assert_eq!((&ol, &or), (&s, &s));
    let mut snap = StemSnapshot::default();
    strip.take_snapshot(
        StemRole::Other,
        StemName::default(),
        TransportPosition::default(),
        &mut snap,
    );
    let level_db = 20.0 * 0.3f32.log10();
    assert_abs_diff_eq!(snap.sample_peak_db, level_db, epsilon = 0.01);
    assert_abs_diff_eq!(snap.rms_db, level_db - 3.01, epsilon = 0.05);
    assert_eq!(snap.gain_reduction_db, 0.0);
}

/// Bypass switched at the same sample gives the same output whatever the block size, and
/// bad input stays finite while bypassed.
#[test]
fn bypass_is_block_size_independent_and_finite() {
    let rate = 44_100.0;
    let l = noise(12_000, 12);
    let r = noise(12_000, 13);
    let mut outputs = Vec::new();
    for block in [1, 64, 4096] {
        let mut strip = Strip::new(rate, 2).unwrap();
        strip.set_target(&everything_on());
        strip.snap_to_target();
        let (mut ol, mut or) = run(&mut strip, &l[..3000], &r[..3000], block);
        strip.set_bypass(true);
        let (l2, r2) = run(&mut strip, &l[3000..7000], &r[3000..7000], block);
        strip.set_bypass(false);
        let (l3, r3) = run(&mut strip, &l[7000..], &r[7000..], block);
        ol.extend(l2.into_iter().chain(l3));
        or.extend(r2.into_iter().chain(r3));
        outputs.push((ol, or));
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);

    let mut strip = Strip::new(rate, 2).unwrap();
    strip.set_bypass(true);
    strip.snap_to_target();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX] {
        let (ol, or) = run(&mut strip, &[bad; 256], &[-bad; 256], 64);
        assert!(ol.iter().chain(&or).all(|x| x.is_finite()), "{bad}");
    }
}
