use super::*;
use crate::meters::sine_amplitude;
use approx::assert_abs_diff_eq;

fn log_grid(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f32 / (n - 1) as f32))
        .collect()
}

/// Largest |digital - analog| over 20 Hz..20 kHz at 44.1 kHz, and where.
fn worst_deviation(protos: impl Iterator<Item = AnalogPrototype>) -> (f32, AnalogPrototype) {
    worst_deviation_at(44_100.0, protos)
}

/// Largest |digital - analog| over 20 Hz..20 kHz (or Nyquist) at `sr`, and where.
fn worst_deviation_at(
    sr: f32,
    protos: impl Iterator<Item = AnalogPrototype>,
) -> (f32, AnalogPrototype) {
    let freqs = log_grid(20.0, 20_000.0f32.min(0.49 * sr), 200);
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
const GAINS: [f32; 8] = [-24.0, -18.0, -12.0, -6.0, 6.0, 12.0, 18.0, 24.0];

fn bells(lo: f32, hi: f32, n: usize) -> impl Iterator<Item = AnalogPrototype> {
    log_grid(lo, hi, n).into_iter().flat_map(|freq_hz| {
        GAINS.into_iter().flat_map(move |gain_db| {
            QS.into_iter().map(move |q| AnalogPrototype::Bell {
                freq_hz,
                gain_db,
                q,
            })
        })
    })
}

/// The module's figure: every bell of 20 Hz..20 kHz, ±6..±24 dB, Q 0.3..10 stays within
/// 0.91 dB of its analog prototype up to 20 kHz at 44.1 kHz. Measured worst: 0.902 dB
/// (-24 dB, Q 1 at 16.8 kHz); without the Lawson rounds of the fit it fails (1.07 dB).
#[test]
fn bells_do_not_cramp() {
    let (worst, at) = worst_deviation(bells(20.0, 20_000.0, 40));
    eprintln!("worst bell deviation at 44.1 kHz: {worst} dB at {at:?}");
    assert!(worst <= BELL_BOUND_44K1_DB, "{worst} dB at {at:?}");
}

/// The module's figures at 44.1 kHz, dB (bells, shelves).
const BELL_BOUND_44K1_DB: f32 = 0.91;
const SHELF_BOUND_44K1_DB: f32 = 0.7;

/// Narrow low bells at high sample rates: their poles and zeros sit a hair apart, where the
/// least-squares fit used to lose them entirely (99 dB off for Q 10 at 40 Hz, 96 kHz); the
/// analytic peaking match below `LOW_DESIGN_MAX_RATIO` holds them within hundredths of a dB.
#[test]
fn narrow_low_bells_are_exact_at_every_rate() {
    for sr in [44_100.0, 96_000.0, 192_000.0, 384_000.0] {
        let (worst, at) = worst_deviation_at(sr, bells(20.0, 1000.0, 20));
        assert!(worst < 0.2, "{worst} dB at {at:?}, {sr} Hz");
    }
}

/// Above 44.1 kHz the whole audible band is far from Nyquist: every bell of 20 Hz..20 kHz
/// is within the module's 0.25 dB at 96, 192 and 384 kHz.
#[test]
fn bells_at_high_rates_are_close() {
    for sr in [96_000.0, 192_000.0, 384_000.0] {
        let (worst, at) = worst_deviation_at(sr, bells(20.0, 20_000.0, 25));
        assert!(worst < 0.25, "{worst} dB at {at:?}, {sr} Hz");
    }
}

#[test]
fn shelves_do_not_cramp() {
    let f0s = log_grid(20.0, 20_000.0, 25);
    for high in [false, true] {
        let protos = f0s.iter().flat_map(|&freq_hz| {
            GAINS.into_iter().flat_map(move |gain_db| {
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
        eprintln!("worst shelf deviation at 44.1 kHz (high {high}): {worst} dB at {at:?}");
        assert!(worst <= SHELF_BOUND_44K1_DB, "{worst} dB at {at:?}");
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
    // A finite input whose output overflows f32 (the state, in f64, does not) counts as
    // non-finite too: 0 and a reset, never an infinity.
    let loud = BiquadCoefs::bell(48_000.0, 1000.0, 24.0, 1.0);
    let mut st = BiquadState::default();
    for _ in 0..64 {
        let y = st.process(&loud, f32::MAX);
        assert!(y.is_finite(), "{y}");
    }
}

/// Shelves at high sample rates, low ones included (a Q 2 low shelf at 20 Hz, 384 kHz was
/// 55 dB off before the analytic match took the low range).
#[test]
fn shelves_at_high_rates_are_close() {
    for sr in [96_000.0, 192_000.0, 384_000.0] {
        let protos = log_grid(20.0, 20_000.0, 25)
            .into_iter()
            .flat_map(|freq_hz| {
                GAINS.into_iter().flat_map(move |gain_db| {
                    SHELF_QS.into_iter().flat_map(move |q| {
                        [
                            AnalogPrototype::LowShelf {
                                freq_hz,
                                gain_db,
                                q,
                            },
                            AnalogPrototype::HighShelf {
                                freq_hz,
                                gain_db,
                                q,
                            },
                        ]
                    })
                })
            });
        let (worst, at) = worst_deviation_at(sr, protos);
        assert!(worst < 0.1, "{worst} dB at {at:?}, {sr} Hz");
    }
}

/// The named constructors design what their names say: a +6 dB low shelf at 200 Hz lifts
/// 20 Hz by 6 dB and leaves 10 kHz alone, a high shelf the other way round, a bell reads
/// its gain at its frequency, a high-pass (low-pass) passes the top (bottom) and cuts the
/// other end; each equals its analog prototype's design.
#[test]
fn named_constructors_design_what_they_say() {
    let sr = 48_000.0;
    let q = std::f32::consts::FRAC_1_SQRT_2;
    let cases = [
        (
            BiquadCoefs::low_shelf(sr, 200.0, 6.0, q),
            AnalogPrototype::LowShelf {
                freq_hz: 200.0,
                gain_db: 6.0,
                q,
            },
            [(20.0, 6.0), (10_000.0, 0.0)],
        ),
        (
            BiquadCoefs::high_shelf(sr, 2000.0, 6.0, q),
            AnalogPrototype::HighShelf {
                freq_hz: 2000.0,
                gain_db: 6.0,
                q,
            },
            [(20.0, 0.0), (20_000.0, 6.0)],
        ),
        (
            BiquadCoefs::bell(sr, 1000.0, -9.0, 2.0),
            AnalogPrototype::Bell {
                freq_hz: 1000.0,
                gain_db: -9.0,
                q: 2.0,
            },
            [(1000.0, -9.0), (20.0, 0.0)],
        ),
        (
            BiquadCoefs::high_pass(sr, 1000.0, q),
            AnalogPrototype::HighPass { freq_hz: 1000.0, q },
            [(20.0, -68.0), (20_000.0, 0.0)],
        ),
        (
            BiquadCoefs::low_pass(sr, 1000.0, q),
            AnalogPrototype::LowPass { freq_hz: 1000.0, q },
            [(20.0, 0.0), (20_000.0, -55.0)],
        ),
    ];
    for (coefs, proto, points) in cases {
        assert_eq!(coefs, proto.design(sr), "{proto:?}");
        for (f, want) in points {
            let got = coefs.magnitude_db(sr, f);
            assert!((got - want).abs() < 2.0, "{proto:?} at {f} Hz: {got} dB");
        }
    }
}

/// The 0.91 dB bound holds between the points of `bells_do_not_cramp`'s grid too: bells of
/// 5 to 20 kHz, Q 2 to 10, measured densely (400 points) within an octave of their centre,
/// where a narrow bell's peak falls between the coarse grid's points. Measured worst:
/// 0.901 dB (-24 dB, Q 2 at 17.3 kHz); with the fit's extra points at the centre spread
/// over an octave whatever the Q, 1.004 dB.
#[test]
fn narrow_high_bells_keep_the_bound_between_grid_points() {
    let sr = 44_100.0;
    let mut worst = (0.0f32, None);
    for freq_hz in log_grid(5_000.0, 20_000.0, 30) {
        for q in [2.0f32, 4.0, 7.0, 10.0] {
            for gain_db in [-24.0f32, -12.0, 12.0, 24.0] {
                let p = AnalogPrototype::Bell {
                    freq_hz,
                    gain_db,
                    q,
                };
                let c = p.design(sr);
                for f in log_grid(freq_hz / 2.0, (freq_hz * 2.0).min(20_000.0), 400) {
                    let e = (c.magnitude_db(sr, f) - p.magnitude_db(f)).abs();
                    if e > worst.0 {
                        worst = (e, Some((p, f)));
                    }
                }
            }
        }
    }
    assert!(
        worst.0 <= BELL_BOUND_44K1_DB,
        "{} dB: {:?}",
        worst.0,
        worst.1
    );
}

/// The pass filters' analog prototypes (the references the digital designs are measured
/// against) read `20 log10(Q)` at their cutoff and fall at 40 dB a decade beyond it.
#[test]
fn pass_prototypes_read_their_q_at_the_cutoff() {
    for q in [0.5f32, std::f32::consts::FRAC_1_SQRT_2, 2.0] {
        let at_cutoff = 20.0 * q.log10();
        let hp = AnalogPrototype::HighPass { freq_hz: 1000.0, q };
        let lp = AnalogPrototype::LowPass { freq_hz: 1000.0, q };
        assert_abs_diff_eq!(hp.magnitude_db(1000.0), at_cutoff, epsilon = 1e-3);
        assert_abs_diff_eq!(lp.magnitude_db(1000.0), at_cutoff, epsilon = 1e-3);
        assert_abs_diff_eq!(hp.magnitude_db(10.0), -80.0, epsilon = 0.01);
        assert_abs_diff_eq!(lp.magnitude_db(100_000.0), -80.0, epsilon = 0.01);
    }
}

/// A sample rate that is no rate (zero, negative, infinite, NaN) designs as at 48 kHz
/// rather than giving non-finite coefficients.
#[test]
fn a_rate_that_is_no_rate_designs_as_48_khz() {
    let bell = AnalogPrototype::Bell {
        freq_hz: 1000.0,
        gain_db: 6.0,
        q: 1.0,
    };
    let at_48k = bell.design(48_000.0);
    for bad in [0.0, -44_100.0, f32::INFINITY, f32::NAN] {
        assert_eq!(bell.design(bad), at_48k, "rate {bad}");
    }
}
