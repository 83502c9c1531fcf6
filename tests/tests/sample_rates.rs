//! The Strip activates at any sample rate a host may ask for (1 kHz to 768 kHz, fractional
//! too), mono and stereo, and audio passes: at default settings it nulls, and with every
//! section on the output is finite and audible. Below 8 kHz the loudness meters switch off
//! (the unit tests in `shared-dsp` check what is published then).

use stem_tests::signal::{all_finite, db, max_abs_diff, noise, rms, sine};
use stem_tests::{strip, Config, Layout};

const RATES: [f64; 6] = [1_000.0, 1_234.57, 8_000.0, 44_100.0, 705_600.0, 768_000.0];

/// Every section on, set to change the sound (`Plugin::set_text` units).
const ALL_ON: &[(&str, &str)] = &[
    ("trim", "3 dB"),
    ("hp_on", "On"),
    ("hp_f", "30 Hz"),
    ("ls_on", "On"),
    ("ls_g", "3 dB"),
    ("b1_on", "On"),
    ("b1_g", "-4 dB"),
    ("b2_on", "On"),
    ("b2_g", "4 dB"),
    ("b3_on", "On"),
    ("b3_g", "3 dB"),
    ("hs_on", "On"),
    ("hs_g", "-2 dB"),
    ("lp_on", "On"),
    ("c_on", "On"),
    ("c_thr", "-30 dB"),
    ("c_rat", "4"),
    ("c_schp", "60 Hz"),
    ("width", "120%"),
    ("out", "-3 dB"),
];

#[test]
fn activates_and_passes_audio_at_any_rate_mono_and_stereo() {
    for rate in RATES {
        for layout in [Layout::Mono, Layout::Stereo] {
            let what = format!("{layout:?} at {rate} Hz");
            let config = Config {
                layout,
                ..Config::stereo(rate, 1024)
            };
            // `strip()` panics when activation fails.
            let mut plugin = strip(config);
            let channels = layout.channels();
            let frames = (rate as usize / 2).max(4096);

            // Default settings: the input comes back unchanged.
            let input = noise(channels, frames, 0.5, 21);
            let out = plugin.process(&input, 1024);
            for c in 0..channels {
                let depth = db(max_abs_diff(&input[c], &out[c]));
                assert!(
                    depth < -120.0,
                    "{what}: default settings, channel {c} {depth:.1} dBFS from the input"
                );
            }

            // Every section on: finite, and a sine inside the band comes through.
            for (id, text) in ALL_ON {
                plugin.set_text(id, text);
            }
            let f = (rate / 8.0).min(1000.0);
            let tone = sine(f, rate, frames, 0.25, 0.0);
            let input = vec![tone.clone(); channels];
            let out = plugin.process(&input, 1000);
            let from = frames / 2;
            for (c, o) in out.iter().enumerate() {
                assert!(all_finite(o), "{what}: channel {c} not finite");
                let gain = db(rms(&o[from..]) / rms(&tone[from..]));
                println!("{what}: everything on, {f:.1} Hz sine, channel {c}: {gain:+.2} dB");
                assert!(
                    gain > -20.0 && gain < 20.0,
                    "{what}: everything on, channel {c} {gain:+.2} dB"
                );
            }
            // Reactivation at the same rate (a host changing its buffer size) works too.
            plugin.deactivate();
            plugin.activate();
            let out = plugin.process(&input, 333);
            assert!(
                out.iter().all(|o| all_finite(o)),
                "{what}: after reactivation"
            );
        }
    }
}
