//! The built Stem Master's true-peak limiter: pushed 12 dB into its -1 dBTP ceiling, the
//! output's true peak, read by a BS.1770 meter at 4x (`ebur128`) and by a 16x reference
//! interpolator, stays within 0.1 dB of the ceiling; the latency it reports is the delay of
//! an impulse at every lookahead, and the same at every lookahead (it depends on the rate
//! only), so a lookahead changed while running asks the host for nothing.

use shared_dsp::demo::{noise_bursts, programme, Stereo};
use shared_dsp::limiter::{lookahead_samples, DETECTOR_DELAY, MAX_LOOKAHEAD_MS};
use shared_dsp::truepeak::oversampled_peak;
use stem_tests::signal::all_finite;
use stem_tests::{master, Config, Plugin};

const BLOCK: usize = 512;

fn planar(x: &Stereo) -> Vec<Vec<f32>> {
    vec![x.left.clone(), x.right.clone()]
}

/// A tone at `ratio` × the rate with its peaks at `phase_deg`, 10 ms fades, 2 s.
fn tone(rate: f64, ratio: f64, phase_deg: f64) -> Stereo {
    let n = (2.0 * rate) as usize;
    let fade = (0.01 * rate) as usize;
    let mut x = Stereo::silence(n);
    for i in 0..n {
        let edge = i.min(n - 1 - i);
        let env = if edge < fade {
            0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / fade as f64).cos()
        } else {
            1.0
        };
        let v = env * (std::f64::consts::TAU * ratio * i as f64 + phase_deg.to_radians()).sin();
        x.left[i] = v as f32;
        x.right[i] = (0.7 * v) as f32;
    }
    x
}

/// Material that is hard on a true-peak limiter, at full scale.
fn materials(rate: f64) -> Vec<(&'static str, Stereo)> {
    vec![
        ("music-like programme", programme(rate as f32, 8.0, 11)),
        ("noise bursts", noise_bursts(rate as f32, 3.0, 12)),
        (
            "square-ish wave at fs/4, peaks between samples",
            tone(rate, 0.25, 45.0),
        ),
        ("square-ish wave at fs/6", tone(rate, 1.0 / 6.0, 60.0)),
        (
            "near fs/4, drifting phase",
            tone(rate, 0.25 - 31.0 / rate, 0.0),
        ),
    ]
}

/// True peak (dBTP) per BS.1770 at 4x, through `ebur128`'s meter.
fn true_peak_4x(x: &[Vec<f32>], rate: f64) -> f64 {
    let mut m = ebur128::EbuR128::new(2, rate as u32, ebur128::Mode::TRUE_PEAK).unwrap();
    m.add_frames_planar_f32(&[&x[0], &x[1]]).unwrap();
    let peak = (0..2).map(|c| m.true_peak(c).unwrap()).fold(0.0, f64::max);
    20.0 * peak.log10()
}

/// True peak (dBTP) read at 16x by the long reference interpolator.
fn true_peak_16x(x: &[Vec<f32>]) -> f64 {
    let peak = x
        .iter()
        .map(|c| oversampled_peak(c, 16))
        .fold(0.0f32, f32::max);
    20.0 * (peak as f64).log10()
}

#[test]
fn pushed_12_db_the_output_stays_under_the_ceiling() {
    for rate in [44_100.0, 48_000.0] {
        let mut plugin = master(Config::stereo(rate, BLOCK as u32));
        assert_eq!(plugin.text("tgt"), "Streaming (-14 LUFS)");
        plugin.set_text("in", "12 dB");
        for (name, x) in materials(rate) {
            let latency = plugin.latency() as usize;
            let input = planar(&x.padded(latency + BLOCK));
            let out = plugin.process(&input, BLOCK);
            assert!(out.iter().all(|c| all_finite(c)));
            let (tp4, tp16) = (true_peak_4x(&out, rate), true_peak_16x(&out));
            println!("{rate} Hz, {name}: {tp4:.3} dBTP (4x BS.1770), {tp16:.3} dBTP (16x)");
            assert!(tp4 <= -0.9, "{rate} Hz, {name}: {tp4:.3} dBTP at 4x");
            assert!(tp16 <= -0.9, "{rate} Hz, {name}: {tp16:.3} dBTP at 16x");
            // Limited to the ceiling, not far below it.
            assert!(tp16 > -2.0, "{rate} Hz, {name}: {tp16:.3} dBTP");
        }
        assert_eq!(plugin.errors_logged(), 0);
    }
}

/// Sends a unit impulse (under the ceiling) and returns where it comes out.
fn impulse_delay(plugin: &mut Plugin) -> usize {
    let n = 2 * BLOCK + plugin.latency() as usize;
    let mut x = vec![vec![0.0f32; n]; 2];
    x[0][7] = 0.5;
    x[1][7] = 0.5;
    let out = plugin.process(&x, BLOCK);
    out[0]
        .iter()
        .position(|&v| v != 0.0)
        .expect("the impulse comes out")
        - 7
}

#[test]
fn reported_latency_is_the_delay_of_an_impulse_at_every_lookahead() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let mut plugin = master(Config::stereo(rate, BLOCK as u32));
        // NOTE: nice-plug 0.4.2 applies the latency set in `activate` only after it marked
        // the plugin active, so an activation that changes the latency is followed by a
        // restart request (legal in CLAP; the next activation announces it). Only requests
        // after this one count here.
        plugin.take_restart_request();
        let latency = plugin.latency() as usize;
        // The detector's 36 samples and the largest lookahead, 5 ms.
        let largest = lookahead_samples(MAX_LOOKAHEAD_MS, rate as f32);
        assert_eq!(latency, DETECTOR_DELAY + largest, "{rate} Hz");
        let changes = plugin.latency_changes();
        for lookahead in [
            "0.10 ms", "0.50 ms", "1.50 ms", "2.70 ms", "5.00 ms", "0.20 ms",
        ] {
            // Changed while running: the next block takes it, and the host hears nothing.
            plugin.set_text("l_la", lookahead);
            plugin.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
            assert!(
                !plugin.take_restart_request(),
                "{rate} Hz, {lookahead}: a restart asked for"
            );
            assert_eq!(plugin.latency() as usize, latency, "{rate} Hz, {lookahead}");
            let delay = impulse_delay(&mut plugin);
            println!("{rate} Hz, lookahead {lookahead}: latency {latency}, impulse delay {delay}");
            assert_eq!(delay, latency, "{rate} Hz, lookahead {lookahead}");
        }
        assert_eq!(plugin.latency_changes(), changes, "{rate} Hz");
        // Bypassed, the latency stays and the audio is the input, delayed by it.
        plugin.set_text("byp", "On");
        plugin.process(&vec![vec![0.0; 4 * BLOCK]; 2], BLOCK);
        assert!(!plugin.take_restart_request());
        assert_eq!(plugin.latency() as usize, latency);
        assert_eq!(impulse_delay(&mut plugin), latency);
    }
}
