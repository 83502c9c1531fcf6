use super::*;
use approx::assert_abs_diff_eq;

fn log_grid(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f32 / (n - 1) as f32))
        .collect()
}

/// Largest |digital - analog| over 20 Hz..20 kHz at 44.1 kHz, and where.
fn worst_deviation(protos: impl Iterator<Item = AnalogPrototype>) -> (f32, AnalogPrototype) {
    let sr = 44_100.0;
    let freqs = log_grid(20.0, 20_000.0, 200);
    let mut worst = (
        0.0,
        AnalogPrototype::LowPass {
            freq_hz: 1.0,
            q: 1.0,
        },
    );
    for p in protos {
        let c = p.design(sr);
        for &f in &freqs {
            let e = (c.magnitude_db(sr, f) - p.magnitude_db(f)).abs();
            if e > worst.0 {
                worst = (e, p);
            }
        }
    }
    worst
}

const QS: [f32; 8] = [0.3, 0.5, 0.707, 1.0, 2.0, 4.0, 7.0, 10.0];
const SHELF_QS: [f32; 5] = [0.3, 0.5, 0.707, 1.0, 2.0];

fn gains(max: f32) -> Vec<f32> {
    [-24.0f32, -18.0, -12.0, -6.0, 6.0, 12.0, 18.0, 24.0]
        .into_iter()
        .filter(|g| g.abs() <= max)
        .collect()
}

#[test]
fn bells_do_not_cramp_up_to_18_db() {
    // NOTE: from 40 Hz up; below, see `low_bells_of_moderate_q_do_not_cramp`.
    let f0s = log_grid(40.0, 20_000.0, 25);
    let protos = f0s.iter().flat_map(|&freq_hz| {
        gains(18.0).into_iter().flat_map(move |gain_db| {
            QS.into_iter().map(move |q| AnalogPrototype::Bell {
                freq_hz,
                gain_db,
                q,
            })
        })
    });
    let (worst, at) = worst_deviation(protos);
    assert!(worst < 1.0, "{worst} dB at {at:?}");
}

#[test]
fn low_bells_of_moderate_q_do_not_cramp() {
    // NOTE: below 40 Hz only Q <= 2 holds 1 dB at 44.1 kHz: with f32 coefficients a
    // narrow low bell's numerator and denominator differ by less than f32 resolves.
    let f0s = log_grid(20.0, 40.0, 5);
    let protos = f0s.iter().flat_map(|&freq_hz| {
        gains(24.0).into_iter().flat_map(move |gain_db| {
            QS[..5].iter().map(move |&q| AnalogPrototype::Bell {
                freq_hz,
                gain_db,
                q,
            })
        })
    });
    let (worst, at) = worst_deviation(protos);
    assert!(worst < 1.0, "{worst} dB at {at:?}");
}

#[test]
fn bells_of_24_db_do_not_cramp_up_to_12_khz() {
    // NOTE: ±24 dB bells of Q 0.7..2 centred at 14..18 kHz reach 1.1 dB (see the report
    // in the module docs); up to 12 kHz they hold.
    let f0s = log_grid(40.0, 12_000.0, 20);
    let protos = f0s.iter().flat_map(|&freq_hz| {
        [-24.0f32, 24.0].into_iter().flat_map(move |gain_db| {
            QS.into_iter().map(move |q| AnalogPrototype::Bell {
                freq_hz,
                gain_db,
                q,
            })
        })
    });
    let (worst, at) = worst_deviation(protos);
    assert!(worst < 1.0, "{worst} dB at {at:?}");
}

#[test]
fn shelves_do_not_cramp() {
    let f0s = log_grid(20.0, 20_000.0, 25);
    for high in [false, true] {
        let protos = f0s.iter().flat_map(|&freq_hz| {
            gains(24.0).into_iter().flat_map(move |gain_db| {
                SHELF_QS.into_iter().map(move |q| {
                    if high {
                        AnalogPrototype::HighShelf {
                            freq_hz,
                            gain_db,
                            q,
                        }
                    } else {
                        AnalogPrototype::LowShelf {
                            freq_hz,
                            gain_db,
                            q,
                        }
                    }
                })
            })
        });
        let (worst, at) = worst_deviation(protos);
        assert!(worst < 1.0, "{worst} dB at {at:?}");
    }
}

#[test]
fn boost_and_cut_mirror() {
    for f in [100.0, 3000.0, 15_000.0] {
        let up = BiquadCoefs::bell(48_000.0, 2000.0, 9.0, 1.5);
        let down = BiquadCoefs::bell(48_000.0, 2000.0, -9.0, 1.5);
        assert_abs_diff_eq!(
            up.magnitude_db(48_000.0, f),
            -down.magnitude_db(48_000.0, f),
            epsilon = 1e-3
        );
    }
}

/// Amplitude of the `freq_hz` component of `x` (a whole number of periods long).
pub(crate) fn sine_amplitude(x: &[f32], sample_rate_hz: f32, freq_hz: f32) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for (n, &v) in x.iter().enumerate() {
        let ph = 2.0 * PI * freq_hz as f64 * n as f64 / sample_rate_hz as f64;
        s += v as f64 * ph.sin();
        c += v as f64 * ph.cos();
    }
    2.0 * (s * s + c * c).sqrt() / x.len() as f64
}

#[test]
fn sine_through_process_matches_magnitude_db() {
    let sr = 44_100.0;
    let cases = [
        BiquadCoefs::bell(sr, 15_000.0, 12.0, 2.0),
        BiquadCoefs::bell(sr, 15_000.0, -12.0, 2.0),
        BiquadCoefs::high_shelf(sr, 8000.0, 6.0, 0.707),
        BiquadCoefs::low_pass(sr, 5000.0, std::f32::consts::FRAC_1_SQRT_2),
    ];
    for c in cases {
        for f in [441.0f32, 4410.0, 11_025.0, 17_640.0] {
            let mut st = BiquadState::default();
            let x: Vec<f32> = (0..8820)
                .map(|n| (2.0 * PI * f as f64 * n as f64 / sr as f64).sin() as f32)
                .map(|v| st.process(&c, v))
                .collect();
            let measured = 20.0 * sine_amplitude(&x[4410..], sr, f).log10();
            assert_abs_diff_eq!(measured as f32, c.magnitude_db(sr, f), epsilon = 0.1);
        }
    }
}

#[test]
fn butterworth_cascades_are_3_db_down_at_cutoff() {
    for sr in [44_100.0f32, 96_000.0] {
        for qs in [
            &BUTTERWORTH_Q_2[..],
            &BUTTERWORTH_Q_4[..],
            &BUTTERWORTH_Q_8[..],
        ] {
            let hp: f32 = qs
                .iter()
                .map(|&q| BiquadCoefs::high_pass(sr, 80.0, q).magnitude_db(sr, 80.0))
                .sum();
            let lp: f32 = qs
                .iter()
                .map(|&q| BiquadCoefs::low_pass(sr, 5000.0, q).magnitude_db(sr, 5000.0))
                .sum();
            assert_abs_diff_eq!(hp, -3.01, epsilon = 0.05);
            assert_abs_diff_eq!(lp, -3.01, epsilon = 0.1);
            let dc: f32 = qs
                .iter()
                .map(|&q| BiquadCoefs::low_pass(sr, 5000.0, q).magnitude_db(sr, 1.0))
                .sum();
            assert_abs_diff_eq!(dc, 0.0, epsilon = 1e-3);
        }
    }
}

#[test]
fn low_pass_above_nyquist_is_clamped() {
    let sr = 22_050.0;
    let c = BiquadCoefs::low_pass(sr, 18_000.0, std::f32::consts::FRAC_1_SQRT_2);
    let at_limit = BiquadCoefs::low_pass(sr, MAX_FREQ_RATIO * sr, std::f32::consts::FRAC_1_SQRT_2);
    for f in [100.0, 5000.0, 10_000.0] {
        assert_abs_diff_eq!(
            c.magnitude_db(sr, f),
            at_limit.magnitude_db(sr, f),
            epsilon = 1e-3
        );
    }
    assert!(c.magnitude_db(sr, 100.0).abs() < 0.05);
    let mut st = BiquadState::default();
    for n in 0..1000 {
        assert!(st.process(&c, if n % 2 == 0 { 1.0 } else { -1.0 }).abs() < 2.0);
    }
}

#[test]
fn state_recovers_from_non_finite_input() {
    let c = BiquadCoefs::bell(48_000.0, 1000.0, 6.0, 1.0);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut st = BiquadState::default();
        st.process(&c, 0.5);
        assert_eq!(st.process(&c, bad), 0.0);
        assert_eq!(st, BiquadState::default());
        assert!(st.process(&c, 0.5).is_finite());
    }
    let mut st = BiquadState::default();
    let y = st.process(&c, 1e-40);
    assert_eq!(y, 0.0);
    assert_eq!(st, BiquadState::default());
}
