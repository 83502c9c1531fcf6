//! Stem Strip in a real host: at default settings the output equals the input, and a
//! +6 dB bell at 1 kHz raises a 1 kHz sine by 6 dB.

use stem_tests::signal::{db, max_abs_diff, noise, rms, sine};
use stem_tests::{strip, Config, Plugin};

/// The null test's bound: every output sample within this of the input sample.
const NULL_LIMIT_DBFS: f64 = -120.0;

fn null_depth_dbfs(input: &[Vec<f32>], output: &[Vec<f32>]) -> f64 {
    let worst = input
        .iter()
        .zip(output)
        .map(|(i, o)| max_abs_diff(i, o))
        .fold(0.0f64, f64::max);
    db(worst)
}

#[test]
fn default_settings_null_with_stereo_noise_in_several_block_sizes() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let mut plugin = strip(Config::stereo(rate, 4096));
        for (i, &block) in [1usize, 17, 64, 512, 4096].iter().enumerate() {
            // Block size 1 is slow in a debug build; a fifth of a second is plenty there.
            let frames = if block == 1 {
                rate as usize / 5
            } else {
                rate as usize
            };
            let input = noise(2, frames, 0.5, 10 + i as u64);
            let output = plugin.process(&input, block);
            let depth = null_depth_dbfs(&input, &output);
            println!("{rate} Hz, block {block}: null depth {depth:.1} dBFS");
            assert!(
                depth < NULL_LIMIT_DBFS,
                "{rate} Hz, block {block}: output differs from input by {depth:.1} dBFS \
                 (limit {NULL_LIMIT_DBFS} dBFS)"
            );
        }
        // Irregular sizes, as hosts do around loop points and automation.
        let input = noise(2, 20_000, 0.9, 99);
        let sizes = stem_tests::signal::blocks_cycling(20_000, &[3, 4096, 1, 700, 33, 2048, 129]);
        let output = plugin.process_sizes(&input, &sizes);
        let depth = null_depth_dbfs(&input, &output);
        assert!(
            depth < NULL_LIMIT_DBFS,
            "{rate} Hz, irregular blocks: {depth:.1} dBFS"
        );
    }
}

/// The null measurement resolves small changes: a 0.1 dB trim must not pass it. Keeps
/// the test above honest (a harness that compared the input with itself would pass it).
#[test]
fn null_measurement_detects_a_tenth_of_a_db() {
    let mut plugin = strip(Config::stereo(48_000.0, 512));
    plugin.set_text("trim", "0.1 dB");
    let input = noise(2, 48_000, 0.5, 3);
    let output = plugin.process(&input, 512);
    // After the smoothing, the difference is 0.5 * (10^(0.1/20) - 1), about -45 dBFS.
    let tail: Vec<Vec<f32>> = input.iter().map(|c| c[24_000..].to_vec()).collect();
    let out_tail: Vec<Vec<f32>> = output.iter().map(|c| c[24_000..].to_vec()).collect();
    let depth = null_depth_dbfs(&tail, &out_tail);
    println!("trim +0.1 dB: difference {depth:.1} dBFS");
    assert!(
        depth > -60.0,
        "a +0.1 dB trim left only {depth:.1} dBFS of difference"
    );
    let gain = db(rms(&out_tail[0]) / rms(&tail[0]));
    approx::assert_abs_diff_eq!(gain, 0.1, epsilon = 0.01);
}

/// Sets bell 2 to +6 dB at 1 kHz, Q 1 (values in the parameters' own units, through the
/// plugin's text-to-value) and checks the plugin reports them back.
fn bell_at_1k(plugin: &mut Plugin) {
    plugin.set("b2_on", 1.0);
    plugin.set_text("b2_f", "1000 Hz");
    plugin.set_text("b2_g", "6 dB");
    plugin.set_text("b2_q", "1");
}

/// Gain in dB of the plugin at `freq_hz` for each channel, measured with a -12 dBFS sine
/// over the last half second of two seconds (after parameter smoothing and filter settling).
fn sine_gain_db(plugin: &mut Plugin, freq_hz: f64) -> Vec<f64> {
    let rate = plugin.config().sample_rate;
    let channels = plugin.config().layout.channels();
    let frames = 2 * rate as usize;
    let input: Vec<Vec<f32>> = (0..channels)
        .map(|c| sine(freq_hz, rate, frames, 0.25, 0.3 * c as f64))
        .collect();
    let output = plugin.process(&input, 512);
    let from = frames - rate as usize / 2;
    input
        .iter()
        .zip(&output)
        .map(|(i, o)| db(rms(&o[from..]) / rms(&i[from..])))
        .collect()
}

#[test]
fn bell_plus_6_db_at_1_khz_raises_a_1_khz_sine_by_6_db() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let mut plugin = strip(Config::stereo(rate, 1024));
        bell_at_1k(&mut plugin);
        let gains = sine_gain_db(&mut plugin, 1000.0);

        // The plugin took the values (read back through the params extension).
        assert_eq!(plugin.value("b2_on"), 1.0);
        assert_eq!(plugin.text("b2_f"), "1.0 kHz");
        assert_eq!(plugin.text("b2_g"), "+6.0 dB");
        assert_eq!(plugin.text("b2_q"), "1.00");

        for (ch, gain) in gains.iter().enumerate() {
            println!("{rate} Hz: 1 kHz gain, channel {ch}: {gain:+.4} dB");
            assert!(
                (gain - 6.0).abs() <= 0.1,
                "{rate} Hz, channel {ch}: a +6 dB bell at 1 kHz gave {gain:+.3} dB at 1 kHz"
            );
        }
        // A bell, not a broadband gain: a decade away it leaves the signal nearly alone.
        for freq in [100.0, 10_000.0] {
            let gains = sine_gain_db(&mut plugin, freq);
            println!("{rate} Hz: gain at {freq} Hz: {:+.3} dB", gains[0]);
            assert!(
                gains.iter().all(|g| g.abs() < 0.5),
                "{rate} Hz: the 1 kHz bell changes {freq} Hz by {gains:?} dB"
            );
        }
    }
}
