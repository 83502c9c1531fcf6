//! A child process for the multi-process link test: hosts one Stem Strip (the bundle named
//! by `STEM_STRIP_CLAP`) through the test harness' CLAP host and feeds it a 1 kHz stereo sine
//! in real time, so the Strip publishes on the link of `STEM_SUITE_LINK_DIR` like a Strip in
//! a sandboxing DAW would.
//!
//! ```text
//! strip-link-child --role "Lead Vocal" --name "Lead Vox" --level -32 --settle 4 [--seconds 120]
//! ```
//!
//! Prints `ready <pid>` once processing and `settled <seconds of audio>` after `--settle`
//! seconds of audio; then runs on until killed, until its parent process is gone, or after
//! `--seconds` (a safety net: 120 s by default).

use std::io::Write;
use std::time::{Duration, Instant};
use stem_tests::{strip_inactive, Config};

fn main() {
    let mut role = String::from("Other");
    let mut name = String::new();
    let mut level = -20.0f64;
    let mut settle = 4.0f64;
    let mut limit = 120.0f64;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--role" => role = value,
            "--name" => name = value,
            "--level" => level = value.parse().expect("--level in dBFS"),
            "--settle" => settle = value.parse().expect("--settle in seconds"),
            "--seconds" => limit = value.parse().expect("--seconds"),
            _ => panic!("unknown argument {flag}"),
        }
    }
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };

    let rate = 48_000.0;
    let block = 480;
    let config = Config {
        track_name: (!name.is_empty()).then(|| name.clone()),
        ..Config::stereo(rate, block as u32)
    };
    let mut plugin = strip_inactive(config);
    plugin.activate();
    plugin.set_text("role", &role);

    // One second of 1 kHz is exactly 1000 periods: it loops seamlessly.
    let amplitude = 10f64.powf(level / 20.0) as f32;
    let period = stem_tests::signal::sine(1000.0, rate, rate as usize, amplitude, 0.0);
    // Chunks of 100 ms, processed in 10 ms blocks, paced to real time.
    let chunk = 4800;
    let start = Instant::now();
    let mut frames_done = 0usize;
    let mut offset = 0usize;
    let mut settled = false;
    println!("ready {}", std::process::id());
    let _ = std::io::stdout().flush();
    loop {
        let mono: Vec<f32> = (0..chunk)
            .map(|i| period[(offset + i) % period.len()])
            .collect();
        offset = (offset + chunk) % period.len();
        plugin.process(&[mono.clone(), mono], block);
        frames_done += chunk;
        let audio_s = frames_done as f64 / rate;
        if !settled && audio_s >= settle {
            settled = true;
            println!("settled {audio_s:.2}");
            let _ = std::io::stdout().flush();
        }
        // SAFETY: as above.
        if audio_s >= limit || unsafe { libc::getppid() } != parent {
            break;
        }
        let ahead = Duration::from_secs_f64(audio_s).saturating_sub(start.elapsed());
        std::thread::sleep(ahead);
    }
}
