// Settings are built up field by field from the defaults, which reads best in tests.
#![allow(clippy::field_reassign_with_default)]

use super::*;
use crate::demo::{programme, Stereo};
use crate::eq::FilterSlope;
use crate::eq::Placement;
use crate::loudness::{db_to_gain, gain_to_db};
use crate::truepeak::oversampled_peak;

fn run(chain: &mut MasterChain, input: &Stereo, block: usize) -> Stereo {
    let mut out = input.clone();
    for (l, r) in out.left.chunks_mut(block).zip(out.right.chunks_mut(block)) {
        chain.process(l, Some(r));
    }
    out
}

fn integrated_lufs(x: &Stereo, rate: f32) -> f32 {
    let mut m = LoudnessMeter::new(rate as u32, 2).unwrap();
    m.process(&x.left, Some(&x.right));
    m.integrated_lufs()
}

/// A programme scaled to an integrated loudness.
fn programme_at(rate: f32, seconds: f32, lufs: f32, seed: u64) -> Stereo {
    let mut p = programme(rate, seconds, seed);
    let now = integrated_lufs(&p, rate);
    p.scale(db_to_gain(lufs - now));
    p
}

/// Every section on, with non-trivial settings.
fn everything_on() -> MasterSettings {
    let mut s = MasterSettings::default();
    s.input_db = 2.0;
    s.eq.high_pass.enabled = true;
    s.eq.high_pass.freq_hz = 25.0;
    s.eq.high_pass.slope = FilterSlope::Db24;
    s.eq.low_shelf.enabled = true;
    s.eq.low_shelf.gain_db = 1.5;
    for (i, b) in s.eq.bells.iter_mut().enumerate() {
        b.enabled = true;
        b.gain_db = [-2.0, 1.0, 2.0][i];
    }
    s.bell_placements = [Placement::Stereo, Placement::Mid, Placement::Side];
    s.eq.high_shelf.enabled = true;
    s.eq.high_shelf.gain_db = 1.0;
    s.compressor.enabled = true;
    s.compressor.threshold_db = -16.0;
    s.output_db = -0.3;
    s
}

/// The chain's reported latency is the delay of an impulse through it, and the same at every
/// lookahead: the largest lookahead's (nothing limited: the impulse stays under the ceiling).
#[test]
fn latency_is_the_delay_of_an_impulse() {
    for rate in [44_100.0f32, 48_000.0, 96_000.0] {
        let largest = crate::limiter::DETECTOR_DELAY
            + crate::limiter::lookahead_samples(MAX_LOOKAHEAD_MS, rate);
        assert_eq!(MasterChain::new(rate, 2).latency_samples(), largest);
        for lookahead_ms in [0.0f32, 1.0, 1.5, 3.3, 5.0] {
            let mut chain = MasterChain::new(rate, 2);
            let mut s = MasterSettings::default();
            s.limiter.lookahead_ms = lookahead_ms;
            chain.set_target(&s);
            chain.snap_to_target();
            let mut x = Stereo::silence(2048);
            x.left[100] = 0.5;
            x.right[100] = 0.5;
            let out = run(&mut chain, &x, 128);
            let latency = chain.latency_samples();
            assert_eq!(latency, largest, "{rate} Hz, lookahead {lookahead_ms} ms");
            let at = out.left.iter().position(|&v| v != 0.0).unwrap();
            assert_eq!(at, 100 + latency, "{rate} Hz, lookahead {lookahead_ms} ms");
            assert_eq!(out.left[at], 0.5);
        }
    }
}

/// The music-like programme pushed 12 dB over a -1 dBTP ceiling through the whole chain:
/// the output's true peak at 16x stays within 0.1 dB of the ceiling.
#[test]
fn ceiling_holds_through_the_whole_chain() {
    for rate in [44_100.0f32, 48_000.0] {
        let mut chain = MasterChain::new(rate, 2);
        let mut s = everything_on();
        s.input_db = 12.0;
        chain.set_target(&s);
        chain.snap_to_target();
        let input = programme(rate, 6.0, 9).padded(chain.latency_samples());
        let out = run(&mut chain, &input, 512);
        let tp = 20.0
            * oversampled_peak(&out.left, 16)
                .max(oversampled_peak(&out.right, 16))
                .log10();
        assert!(tp <= -0.9, "{rate} Hz: {tp:.3} dBTP");
        assert!(tp > -1.5, "{rate} Hz: limited too far ({tp:.3} dBTP)");
        let m = chain.take_meters();
        assert!(m.limiter_reduction_db > 3.0, "{m:?}");
        assert!(m.max_true_peak_db <= -0.9, "{m:?}");
    }
}

/// Learn on programmes at -30, -18 and -8 LUFS: after one learn pass, a second pass lands
/// within 0.5 LU of the -14 LUFS target.
#[test]
fn learn_lands_on_the_target() {
    let rate = 48_000.0;
    let target = -14.0;
    for level in [-30.0f32, -18.0, -8.0] {
        let input = programme_at(rate, 12.0, level, 4);
        let mut chain = MasterChain::new(rate, 2);
        let mut s = MasterSettings::default();
        chain.set_target(&s);
        chain.start_learn(target);
        assert!(chain.is_learning());
        run(&mut chain, &input, 512);
        let pass = chain.finish_learn().expect("a pass was measured");
        assert!((pass.input_lufs - level).abs() < 0.2, "{pass:?}");
        let learned = learned_gain_db(0.0, target, s.output_db, &pass);
        s.target_gain_db = learned;
        chain.set_target(&s);
        chain.reset();
        let out = run(&mut chain, &input, 512);
        let got = integrated_lufs(&out, rate);
        assert!(
            (got - target).abs() <= 0.5,
            "programme at {level} LUFS: learned {learned:.2} dB, landed at {got:.2} LUFS"
        );
    }
}

/// Any block size gives bit-identical output, with every section on and settings moving.
#[test]
fn block_size_does_not_matter() {
    let rate = 44_100.0;
    let input = programme_at(rate, 1.5, -10.0, 5);
    let render = |block: usize| {
        let mut chain = MasterChain::new(rate, 2);
        chain.set_target(&everything_on());
        chain.snap_to_target();
        let mut out = input.clone();
        let half = out.len() / 2;
        let mut moved = everything_on();
        moved.eq.bells[1].freq_hz = 2500.0;
        moved.limiter.ceiling_db = -2.0;
        moved.bell_placements[0] = Placement::Side;
        for (range, settings) in [(0..half, None), (half..out.len(), Some(moved))] {
            if let Some(s) = settings {
                chain.set_target(&s);
            }
            let (l, r) = (&mut out.left[range.clone()], &mut out.right[range]);
            for (l, r) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                chain.process(l, Some(r));
            }
        }
        out
    };
    let reference = render(4096);
    for block in [1, 31, 64, 480] {
        assert_eq!(
            render(block).first_difference(&reference),
            None,
            "block {block}"
        );
    }
}

/// A mid bell leaves a pure side signal alone and shapes a pure mid signal, and the other
/// way round; in mono the mid bell acts and the side bell does not.
#[test]
fn mid_and_side_bells_act_where_placed() {
    let rate = 48_000.0;
    let n = 9600;
    let tone = |sign: f32| {
        let mut x = Stereo::silence(n);
        for i in 0..n {
            let v = 0.1 * (std::f32::consts::TAU * 1000.0 * i as f32 / rate).sin();
            x.left[i] = v;
            x.right[i] = sign * v;
        }
        x
    };
    let level = |x: &Stereo| x.left[n / 2..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (placement, mid_gain_db, side_gain_db) in [
        (Placement::Mid, 6.0, 0.0),
        (Placement::Side, 0.0, 6.0),
        (Placement::Stereo, 6.0, 6.0),
    ] {
        let mut s = MasterSettings::default();
        s.limiter.enabled = false;
        s.eq.bells[1].enabled = true;
        s.eq.bells[1].gain_db = 6.0;
        s.bell_placements[1] = placement;
        for (sign, expected) in [(1.0, mid_gain_db), (-1.0, side_gain_db)] {
            let mut chain = MasterChain::new(rate, 2);
            chain.set_target(&s);
            chain.snap_to_target();
            let out = run(&mut chain, &tone(sign), 256);
            let gain_db = 20.0 * (level(&out) / 0.1).log10();
            assert!(
                (gain_db - expected).abs() < 0.1,
                "{placement:?}, sign {sign}: {gain_db:.2} dB"
            );
        }
    }
    for (placement, expected) in [(Placement::Mid, 6.0), (Placement::Side, 0.0)] {
        let mut s = MasterSettings::default();
        s.limiter.enabled = false;
        s.eq.bells[1].enabled = true;
        s.eq.bells[1].gain_db = 6.0;
        s.bell_placements[1] = placement;
        let mut chain = MasterChain::new(rate, 1);
        chain.set_target(&s);
        chain.snap_to_target();
        let mut x = tone(1.0).left;
        chain.process(&mut x, None);
        let peak = x[n / 2..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            (20.0 * (peak / 0.1).log10() - expected).abs() < 0.1,
            "mono {placement:?}"
        );
    }
}

/// Bypass crossfades to the input delayed by the latency (bit-exact once faded), keeps the
/// latency, and fades back.
#[test]
fn bypass_crossfades_to_the_delayed_input() {
    let rate = 48_000.0;
    let input = programme_at(rate, 1.0, -12.0, 6);
    let mut chain = MasterChain::new(rate, 2);
    let mut s = everything_on();
    chain.set_target(&s);
    chain.snap_to_target();
    let latency = chain.latency_samples();
    s.bypass = true;
    let mut out = input.clone();
    chain.process(&mut out.left[..4800], Some(&mut out.right[..4800]));
    chain.set_target(&s);
    chain.process(&mut out.left[4800..], Some(&mut out.right[4800..]));
    assert_eq!(chain.latency_samples(), latency);
    let fade = (BYPASS_FADE_SECONDS * rate) as usize;
    for i in 4800 + fade..input.len() {
        assert_eq!(out.left[i], input.left[i - latency], "sample {i}");
        assert_eq!(out.right[i], input.right[i - latency], "sample {i}");
    }
    // No jump during the fade larger than the signal's own steps allow.
    let max_step = |x: &[f32]| x.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
    let signal_step = max_step(&input.left).max(max_step(&out.left[..4800]));
    assert!(max_step(&out.left[4790..4800 + fade + 10]) <= signal_step * 1.1);
}

/// With dither on, every output sample sits on the word length's grid.
#[test]
fn dither_quantises_to_the_word_length() {
    let rate = 44_100.0;
    let input = programme_at(rate, 0.5, -20.0, 7);
    for (dither, bits) in [(Dither::Bits16, 16), (Dither::Bits24, 24)] {
        let mut chain = MasterChain::new(rate, 2);
        let mut s = MasterSettings::default();
        s.dither = dither;
        chain.set_target(&s);
        chain.snap_to_target();
        let out = run(&mut chain, &input, 512);
        let scale = 2f64.powi(bits - 1);
        for &v in out.left.iter().chain(&out.right) {
            let q = v as f64 * scale;
            assert!((q - q.round()).abs() < 1e-3, "{bits} bits: {v}");
        }
        // Dither is noise of about one step, not a change of level: against the input (the
        // limiter takes nothing from this programme), the error's RMS is half a step (TPDF
        // noise of ±1 step and the rounding: a variance of a sixth plus a twelfth of a step
        // squared) and it never exceeds one and a half steps.
        let step = 1.0 / scale;
        let latency = chain.latency_samples();
        let errors: Vec<f64> = [(&out.left, &input.left), (&out.right, &input.right)]
            .iter()
            .flat_map(|(o, i)| {
                o[latency..]
                    .iter()
                    .zip(i.iter())
                    .map(|(a, b)| (*a as f64 - *b as f64) / step)
            })
            .collect();
        let rms = (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt();
        let worst = errors.iter().fold(0.0f64, |m, e| m.max(e.abs()));
        assert!(
            (0.4..0.6).contains(&rms),
            "{bits} bits: error RMS {rms} steps"
        );
        assert!(
            worst <= 1.5 + 1e-6,
            "{bits} bits: error up to {worst} steps"
        );
    }
}

/// NaN, infinities, denormals and full-scale squares give finite output, and the next clean
/// block is processed normally; every odd rate activates and passes audio.
#[test]
fn bad_input_and_any_rate() {
    for rate in [
        1_000.0f32, 1_234.57, 8_000.0, 44_100.0, 705_600.0, 768_000.0,
    ] {
        let mut chain = MasterChain::new(rate, 2);
        assert_eq!(chain.loudness_available(), rate >= 8_000.0, "{rate}");
        assert_eq!(chain.loudness_off_reason().is_some(), rate < 8_000.0);
        chain.set_target(&everything_on());
        let n = 4096;
        let mut bad = Stereo::silence(n);
        for i in 0..n {
            bad.left[i] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40, 1.0, -1.0][i % 6];
            bad.right[i] = if i % 2 == 0 { 1e30 } else { -1e30 };
        }
        let out = run(&mut chain, &bad, 500);
        assert!(out.left.iter().chain(&out.right).all(|v| v.is_finite()));
        // Long enough to come out past the latency (3564 samples at 705.6 kHz).
        let latency = chain.latency_samples();
        let m = n + latency;
        let clean = programme(rate.max(8_000.0), m as f32 / rate.max(8_000.0), 1);
        let out = run(&mut chain, &clean, 500);
        assert!(out.left.iter().chain(&out.right).all(|v| v.is_finite()));
        let energy: f32 = out.left[latency + n / 2..].iter().map(|v| v * v).sum();
        assert!(energy > 1e-3, "{rate} Hz: no audio after bad input");
    }
}

/// `reset` gives what a fresh chain gives (dither included).
#[test]
fn reset_equals_fresh() {
    let rate = 48_000.0;
    let input = programme_at(rate, 1.0, -10.0, 8);
    let mut chain = MasterChain::new(rate, 2);
    chain.set_target(&MasterSettings {
        dither: Dither::Bits16,
        ..everything_on()
    });
    chain.snap_to_target();
    let first = run(&mut chain, &input, 512);
    chain.reset();
    assert_eq!(
        run(&mut chain, &input, 512).first_difference(&first),
        None,
        "after reset"
    );
}

/// EBU Tech 3341 cases 1, 2 and 9 and 12 and Tech 3342 case 1, read on the chain's output
/// meters with the chain neutral (the limiter is on but never reached).
#[test]
fn meters_meet_tech_3341_and_3342() {
    let rate = 48_000.0;
    let sine = |dbfs: f32, seconds: f32| {
        let n = (rate * seconds) as usize;
        let mut x = Stereo::silence(n);
        for i in 0..n {
            let v = db_to_gain(dbfs) * (std::f32::consts::TAU * 1000.0 * i as f32 / rate).sin();
            x.left[i] = v;
            x.right[i] = v;
        }
        x
    };
    let mut chain = MasterChain::new(rate, 2);
    run(&mut chain, &sine(-23.0, 20.0), 512);
    let m = chain.take_meters();
    for v in [m.momentary_lufs, m.shortterm_lufs, m.integrated_lufs] {
        assert!((v + 23.0).abs() <= 0.1, "{m:?}");
    }
    // A stereo sine's true peak and loudness are equal: PLR 0.
    assert!(m.plr_db.abs() < 0.2, "{m:?}");
    chain.reset();
    run(&mut chain, &sine(-20.0, 20.0), 1024);
    run(&mut chain, &sine(-30.0, 20.0), 1024);
    let m = chain.take_meters();
    assert!((m.loudness_range_lu - 10.0).abs() <= 1.0, "{m:?}");
    chain.reset_integration();
    let m = chain.take_meters();
    assert_eq!(m.integrated_lufs, f32::NEG_INFINITY);
    assert_eq!(m.loudness_range_lu, 0.0);
}

/// With the output meters off (an offline render) the audio and a learn pass are bit for
/// bit what they are with them on, and the loudness figures stand still.
#[test]
fn output_meters_off_change_neither_the_audio_nor_learn() {
    let rate = 48_000.0;
    let input = programme_at(rate, 3.0, -16.0, 9);
    let mut chains = [MasterChain::new(rate, 2), MasterChain::new(rate, 2)];
    for c in &mut chains {
        c.set_target(&MasterSettings {
            dither: Dither::Bits24,
            ..everything_on()
        });
        c.snap_to_target();
        c.start_learn(-14.0);
    }
    chains[1].set_output_meters(false);
    let [on, off] = &mut chains;
    assert_eq!(
        run(on, &input, 512).first_difference(&run(off, &input, 512)),
        None
    );
    assert_eq!(on.finish_learn(), off.finish_learn());
    assert!(on.take_meters().integrated_lufs.is_finite());
    assert_eq!(off.take_meters().integrated_lufs, f32::NEG_INFINITY);
}

/// An offline render's two passes, the front of one chain (with the learn pass) and the back
/// of another at the learned gain, give what one whole chain gives at that gain, within the
/// rounding of the front's output to `f32` (dither on, so also within a step of the 24-bit
/// grid where that rounding moves a sample across one); and the front's learn pass measures
/// what the whole chain's does, bit for bit.
#[test]
fn front_then_back_equals_the_whole_chain() {
    let rate = 48_000.0;
    let input = programme_at(rate, 4.0, -24.0, 11);
    let settings = |target_gain_db| MasterSettings {
        target_gain_db,
        dither: Dither::Bits24,
        ..everything_on()
    };
    let chain_at = |s: &MasterSettings| {
        let mut c = MasterChain::new(rate, 2);
        c.set_target(s);
        c.snap_to_target();
        c
    };
    let mut whole = chain_at(&settings(0.0));
    let mut front = chain_at(&settings(0.0));
    whole.start_learn(-14.0);
    front.start_learn(-14.0);
    run(&mut whole, &input, 512);
    let mut half = input.clone();
    for (l, r) in half.left.chunks_mut(512).zip(half.right.chunks_mut(512)) {
        front.process_front(l, Some(r));
    }
    let (a, b) = (whole.finish_learn().unwrap(), front.finish_learn().unwrap());
    assert_eq!(
        (a.input_lufs, a.limiter_loss_lu),
        (b.input_lufs, b.limiter_loss_lu)
    );
    assert_eq!(b.output_lufs, f32::NEG_INFINITY, "the front has no output");
    let gain = learned_gain_db(0.0, -14.0, settings(0.0).output_db, &a);
    assert!(gain > 6.0, "the limiter must work in this test: {gain} dB");

    let expected = run(&mut chain_at(&settings(gain)), &input, 512);
    let mut back = chain_at(&settings(gain));
    // Another block size: the back keeps its own control grid.
    for (l, r) in half.left.chunks_mut(700).zip(half.right.chunks_mut(700)) {
        back.process_back(l, Some(r));
    }
    assert!(back.take_meters().limiter_reduction_db > 1.0);
    let worst = [(&expected.left, &half.left), (&expected.right, &half.right)]
        .iter()
        .flat_map(|(e, h)| e.iter().zip(h.iter()).map(|(x, y)| (x - y).abs()))
        .fold(0.0f32, f32::max);
    assert!(
        gain_to_db(worst) < -120.0,
        "front then back differs from the whole chain by {} dB",
        gain_to_db(worst)
    );
}

/// The input and output gains act on both channels alike: +6 dB in and -2 dB out (nothing
/// else on, the limiter under its ceiling) gives the input delayed and 4 dB up, left and right.
#[test]
fn input_and_output_gains_act_on_both_channels() {
    let rate = 48_000.0;
    let mut input = programme_at(rate, 1.0, -30.0, 3);
    input.right.iter_mut().for_each(|v| *v *= 0.5);
    let mut chain = MasterChain::new(rate, 2);
    chain.set_target(&MasterSettings {
        input_db: 6.0,
        output_db: -2.0,
        ..MasterSettings::default()
    });
    chain.snap_to_target();
    let out = run(&mut chain, &input, 512);
    let latency = chain.latency_samples();
    let gain = db_to_gain(6.0) * db_to_gain(-2.0);
    for (o, i) in [(&out.left, &input.left), (&out.right, &input.right)] {
        let worst = o[latency..]
            .iter()
            .zip(i.iter())
            .map(|(a, b)| (a - b * gain).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "off by {worst}");
    }
}
