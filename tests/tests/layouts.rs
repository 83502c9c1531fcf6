//! Mono (1 in / 1 out) and stereo (2 in / 2 out) both work.

use stem_tests::signal::{db, max_abs_diff, noise, rms, sine};
use stem_tests::{strip, Config, Layout, Plugin};

fn bell_at_1k(plugin: &mut Plugin) {
    plugin.set_text("b2_on", "On");
    plugin.set_text("b2_f", "1000 Hz");
    plugin.set_text("b2_g", "6 dB");
}

#[test]
fn mono_reports_one_channel_nulls_at_default_and_takes_the_bell() {
    let rate = 48_000.0;
    let mut plugin = strip(Config::mono(rate, 1024));
    assert_eq!(plugin.config().layout, Layout::Mono);
    assert_eq!(
        plugin.audio_ports(),
        (vec![1], vec![1]),
        "mono layout ports"
    );

    let input = noise(1, rate as usize, 0.5, 5);
    let output = plugin.process(&input, 256);
    assert_eq!(output.len(), 1);
    let depth = db(max_abs_diff(&input[0], &output[0]));
    println!("mono null depth {depth:.1} dBFS");
    assert!(
        depth < -120.0,
        "mono at default settings: {depth:.1} dBFS from the input"
    );

    bell_at_1k(&mut plugin);
    let tone = vec![sine(1000.0, rate, 2 * rate as usize, 0.25, 0.0)];
    let out = plugin.process(&tone, 256);
    let from = rate as usize;
    let gain = db(rms(&out[0][from..]) / rms(&tone[0][from..]));
    println!("mono 1 kHz bell gain {gain:+.4} dB");
    assert!((gain - 6.0).abs() <= 0.1, "mono bell gain {gain:+.3} dB");
}

#[test]
fn stereo_reports_two_channels_and_keeps_them_apart() {
    let rate = 48_000.0;
    let mut plugin = strip(Config::stereo(rate, 1024));
    assert_eq!(
        plugin.audio_ports(),
        (vec![2], vec![2]),
        "stereo layout ports"
    );
    bell_at_1k(&mut plugin);

    // Left only: the right output stays silent and the left one gets the bell.
    let frames = 2 * rate as usize;
    let tone = sine(1000.0, rate, frames, 0.25, 0.0);
    let input = vec![tone.clone(), vec![0.0; frames]];
    let out = plugin.process(&input, 512);
    let from = rate as usize;
    let left = db(rms(&out[0][from..]) / rms(&tone[from..]));
    let right_peak = db(stem_tests::signal::peak(&out[1]));
    println!("stereo, left only: left gain {left:+.4} dB, right peak {right_peak:.1} dBFS");
    assert!((left - 6.0).abs() <= 0.1, "left gain {left:+.3} dB");
    assert!(
        right_peak < -120.0,
        "a silent right input came out at {right_peak:.1} dBFS"
    );

    // Right only, mirrored, in a fresh instance (the first one's left filters are still
    // ringing from the tone).
    let mut plugin = strip(Config::stereo(rate, 1024));
    bell_at_1k(&mut plugin);
    let input = vec![vec![0.0; frames], tone.clone()];
    let out = plugin.process(&input, 512);
    let right = db(rms(&out[1][from..]) / rms(&tone[from..]));
    let left_peak = db(stem_tests::signal::peak(&out[0]));
    println!("stereo, right only: right gain {right:+.4} dB, left peak {left_peak:.1} dBFS");
    assert!((right - 6.0).abs() <= 0.1, "right gain {right:+.3} dB");
    assert!(
        left_peak < -120.0,
        "a silent left input came out at {left_peak:.1} dBFS"
    );
}

#[test]
fn width_is_a_stereo_effect_only() {
    // Width 0% folds stereo to mono: identical channels. In mono it changes nothing.
    let rate = 48_000.0;
    let mut stereo = strip(Config::stereo(rate, 512));
    stereo.set_text("width", "0%");
    let input = noise(2, rate as usize, 0.5, 8);
    let out = stereo.process(&input, 512);
    let from = rate as usize / 2;
    let spread = db(max_abs_diff(&out[0][from..], &out[1][from..]));
    assert!(
        spread < -100.0,
        "width 0% leaves {spread:.1} dBFS between the channels"
    );

    let mut mono = strip(Config::mono(rate, 512));
    mono.set_text("width", "0%");
    let input = noise(1, rate as usize, 0.5, 9);
    let out = mono.process(&input, 512);
    let depth = db(max_abs_diff(&input[0], &out[0]));
    assert!(
        depth < -120.0,
        "width 0% changes a mono signal by {depth:.1} dBFS"
    );
}

/// Gain (dB) at 1 kHz of each channel, from a -12 dBFS sine over the last half of a second
/// (after the parameter ramps and the filter's settling), in blocks of `block`.
fn gain_at_1k(plugin: &mut Plugin, block: usize) -> Vec<f64> {
    let rate = plugin.config().sample_rate;
    let channels = plugin.config().layout.channels();
    let frames = rate as usize;
    let tone = sine(1000.0, rate, frames, 0.25, 0.0);
    let input = vec![tone.clone(); channels];
    let out = plugin.process(&input, block);
    let from = frames / 2;
    out.iter()
        .map(|o| db(rms(&o[from..]) / rms(&tone[from..])))
        .collect()
}

/// One instance, reactivated again and again at another rate and layout (as a host does when
/// the project's rate or the track's channels change), with a +6 dB bell at 1 kHz on: after
/// each activation it reports the layout's ports and every channel gets the bell's +6 dB at
/// 1 kHz (a stale sample rate would move the bell: 44.1 kHz coefficients at 96 kHz put it at
/// 2.2 kHz). Then a plain deactivate/activate (a host changing its buffer size).
#[test]
fn reactivation_switches_one_instance_between_mono_and_stereo_and_rates() {
    let mut plugin = strip(Config::stereo(44_100.0, 2048));
    bell_at_1k(&mut plugin);
    for (layout, rate) in [
        (Layout::Stereo, 44_100.0),
        (Layout::Mono, 96_000.0),
        (Layout::Stereo, 96_000.0),
        (Layout::Mono, 44_100.0),
        (Layout::Stereo, 22_050.0),
        (Layout::Stereo, 44_100.0),
    ] {
        plugin.reconfigure(rate, layout);
        let n = layout.channels() as u32;
        assert_eq!(
            plugin.audio_ports(),
            (vec![n], vec![n]),
            "{layout:?} at {rate} Hz"
        );
        let gains = gain_at_1k(&mut plugin, 2048);
        println!("{layout:?} at {rate} Hz: 1 kHz bell gain {gains:+.4?} dB");
        assert_eq!(gains.len(), layout.channels());
        for (c, gain) in gains.iter().enumerate() {
            assert!(
                (gain - 6.0).abs() <= 0.1,
                "{layout:?} at {rate} Hz, channel {c}: the +6 dB bell gave {gain:+.3} dB"
            );
        }
    }
    // Deactivate and activate again with nothing changed, then smaller blocks.
    plugin.deactivate();
    plugin.activate();
    for (c, gain) in gain_at_1k(&mut plugin, 100).iter().enumerate() {
        assert!(
            (gain - 6.0).abs() <= 0.1,
            "after reactivation, channel {c}: {gain:+.3} dB"
        );
    }
}
