use super::*;
use read::read_as;

/// A band-limited pulse (a 1 kHz tone under a Gaussian envelope) centred at `at_s`.
fn pulse(rate: u32, seconds: f64, at_s: f64) -> Vec<f32> {
    let n = (seconds * f64::from(rate)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate) - at_s;
            ((-t * t / (2.0 * 0.002f64.powi(2))).exp() * (std::f64::consts::TAU * 1000.0 * t).cos())
                as f32
        })
        .collect()
}

fn peak_at(x: &[f32]) -> usize {
    (0..x.len())
        .max_by(|&a, &b| x[a].abs().total_cmp(&x[b].abs()))
        .unwrap()
}

/// Plain PCM read without symphonia's decoder gives its values bit for bit: 16, 24 and
/// 32-bit integer and 32-bit float, mono and stereo, full scale both ways included.
#[test]
fn plain_pcm_reads_as_the_decoder_does() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3000;
    // Every byte pattern the sign extension and scaling could get wrong: full scale both
    // ways, one step from zero both ways, and a sweep across the range.
    let value = |i: usize, ch: usize| -> f64 {
        match i {
            0 => -1.0,
            1 => 1.0,
            2 => 0.0,
            _ => ((i * 7919 + ch * 104_729) % 2001) as f64 / 1000.0 - 1.0,
        }
    };
    for channels in [1u16, 2] {
        for (bits, float) in [(16u16, false), (24, false), (32, false), (32, true)] {
            let path = dir.path().join(format!("{bits}{float}{channels}.wav"));
            let spec = hound::WavSpec {
                channels,
                sample_rate: 48_000,
                bits_per_sample: bits,
                sample_format: if float {
                    hound::SampleFormat::Float
                } else {
                    hound::SampleFormat::Int
                },
            };
            let mut w = hound::WavWriter::create(&path, spec).unwrap();
            let full = (1i64 << (bits - 1)) as f64;
            for i in 0..n {
                for ch in 0..channels as usize {
                    let v = value(i, ch);
                    if float {
                        w.write_sample(v as f32).unwrap();
                    } else {
                        let steps = match i {
                            3 => 1.0,
                            4 => -1.0,
                            _ => (v * full).clamp(-full, full - 1.0),
                        };
                        w.write_sample(steps as i32).unwrap();
                    }
                }
            }
            w.finalize().unwrap();
            let plain = read_as(&path, true).unwrap();
            let decoded = read_as(&path, false).unwrap();
            assert_eq!(plain.channels.len(), channels as usize);
            assert_eq!(plain.channels[0].len(), n, "{path:?}");
            assert_eq!(plain.channels, decoded.channels, "{path:?}");
            assert_eq!(plain.channels[0][0], -1.0, "{path:?}");
        }
    }
}

/// Resampling keeps the timing: a pulse at 0.5 s lands at 0.5 s, to the frame, either way.
#[test]
fn resampling_keeps_the_timing() {
    for (from, to) in [(44_100, 48_000), (48_000, 44_100), (48_000, 96_000)] {
        let a = Audio {
            path: PathBuf::from("pulse.wav"),
            sample_rate_hz: from,
            channels: vec![pulse(from, 1.0, 0.5)],
            format: String::new(),
            non_finite_samples: 0,
        };
        let r = resample(&a, to).unwrap();
        let expected = peak_at(&pulse(to, 1.0, 0.5));
        assert_eq!(r.frames(), to as usize);
        assert!(
            (peak_at(&r.channels[0]) as i64 - expected as i64).abs() <= 1,
            "{from} -> {to}: peak at {}, expected {expected}",
            peak_at(&r.channels[0])
        );
    }
}
