//! The Strip at any sample rate a host may ask for, and the loudness meter's limits.

use super::*;

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
    // The messages name the value given and what the Strip takes.
    assert_eq!(
        StripError::UnsupportedChannels(3).to_string(),
        "3 channels given to the Strip; it processes mono or stereo"
    );
    assert_eq!(
        Strip::new(-1.0, 2).err().map(|e| e.to_string()).as_deref(),
        Some("sample rate -1 Hz given to the Strip; it needs a positive rate")
    );
    // What was accepted is what the Strip reports.
    for (rate, channels) in [(44_100.0, 1), (96_000.0, 2)] {
        let strip = Strip::new(rate, channels).unwrap();
        assert_eq!(strip.sample_rate_hz(), rate);
        assert_eq!(strip.num_channels(), channels);
    }
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
            snapshot(&mut strip);
            let (mut l, mut r) = (clean.clone(), clean.clone());
            assert!(run_channels(&mut strip, &mut l, &mut r), "{what}: neutral");
            let snap = snapshot(&mut strip);
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
