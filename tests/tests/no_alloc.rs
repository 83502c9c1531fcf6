//! A long run of the debug build with `assert_process_allocs` (any allocation inside
//! `process()` aborts this test binary), with block sizes from 1 to 4096 and parameter
//! automation of every kind: gains and frequencies, sections toggled, slopes switched,
//! compressor settings, width, role, state loads in the middle; at 44.1, 48 and 96 kHz.
//!
//! If the plugin allocates while processing, nice-plug aborts the process
//! ("memory allocation of N bytes failed" and a backtrace on stderr) and `cargo test`
//! reports this binary as failed. With `STEM_STRIP_CLAP` set (another build, without the
//! check) every test here fails and says why, so a green run means the check ran.

use stem_tests::host::Block;
use stem_tests::signal::{all_finite, noise, sine, Noise};
use stem_tests::{require_alloc_checked_strip, strip, strip_bundle, Config, Plugin};

/// Every automatable parameter the run moves.
const AUTOMATED: &[&str] = &[
    "role", "trim", "inv", "hp_on", "hp_f", "hp_s", "ls_on", "ls_f", "ls_g", "ls_q", "b1_on",
    "b1_f", "b1_g", "b1_q", "b2_on", "b2_f", "b2_g", "b2_q", "b3_on", "b3_f", "b3_g", "b3_q",
    "hs_on", "hs_f", "hs_g", "hs_q", "lp_on", "lp_f", "lp_s", "c_on", "c_thr", "c_rat", "c_att",
    "c_rel", "c_knee", "c_mk", "c_mix", "c_schp", "c_link", "width", "out",
];

/// A block size: mostly ordinary sizes, often tiny ones, sometimes the maximum.
fn block_size(rng: &mut Noise, max: usize) -> usize {
    match rng.range(0, 9) {
        0 => 1,
        1 => rng.range(2, 32),
        2 => max,
        3..=5 => rng.range(33, 1024),
        _ => rng.range(1, max),
    }
}

/// A random legal CLAP value for the parameter: an integer step for stepped ones.
fn random_value(plugin: &Plugin, id: &str, rng: &mut Noise) -> (u32, f64) {
    let info = plugin.info(id);
    let value = if info.stepped {
        rng.range(info.min as usize, info.max as usize) as f64
    } else {
        info.min + rng.next_f64() * (info.max - info.min)
    };
    (info.id, value)
}

/// `seconds` of noise plus tones through `plugin` in random blocks, with 0 to 4 random
/// parameter changes per block (some mid-block) and every section switched on at the start.
fn long_run(plugin: &mut Plugin, seconds: f64, seed: u64) {
    let rate = plugin.config().sample_rate;
    let max = plugin.config().max_block as usize;
    let channels = plugin.config().layout.channels();
    let frames = (seconds * rate) as usize;
    let mut input = noise(channels, frames, 0.3, seed);
    for (c, ch) in input.iter_mut().enumerate() {
        for (x, t) in ch
            .iter_mut()
            .zip(sine(97.0 * (c + 2) as f64, rate, frames, 0.4, 0.0))
        {
            *x += t;
        }
    }
    for id in [
        "hp_on", "ls_on", "b1_on", "b2_on", "b3_on", "hs_on", "lp_on", "c_on",
    ] {
        plugin.set(id, 1.0);
    }

    let mut rng = Noise::new(seed ^ 0xA11C);
    let mut blocks = Vec::new();
    let mut left = frames;
    while left > 0 {
        let n = block_size(&mut rng, max).min(left);
        let mut events = Vec::new();
        for _ in 0..rng.range(0, 4) {
            let id = AUTOMATED[rng.range(0, AUTOMATED.len() - 1)];
            let (hash, value) = random_value(plugin, id, &mut rng);
            events.push((rng.range(0, n - 1) as u32, hash, value));
        }
        events.sort_by_key(|e| e.0);
        blocks.push(Block { frames: n, events });
        left -= n;
    }
    let num_blocks = blocks.len();

    // Process in chunks of about a second so the host answers main-thread requests between
    // them, and load a saved state between two chunks (as a host loading a preset does).
    let mut start = 0;
    let mut chunk = Vec::new();
    let mut chunk_frames = 0;
    let mut chunks = 0;
    let mut blocks = blocks.into_iter().peekable();
    while let Some(block) = blocks.next() {
        chunk_frames += block.frames;
        chunk.push(block);
        if chunk_frames >= rate as usize || blocks.peek().is_none() {
            let slice: Vec<Vec<f32>> = input
                .iter()
                .map(|c| c[start..start + chunk_frames].to_vec())
                .collect();
            let out = plugin.run(&slice, std::mem::take(&mut chunk));
            for (c, ch) in out.iter().enumerate() {
                assert!(
                    all_finite(ch),
                    "non-finite output on channel {c} near frame {start}"
                );
            }
            start += chunk_frames;
            chunk_frames = 0;
            chunks += 1;
            if chunks == 3 {
                let state = plugin.save_state();
                plugin.load_state(&state);
            }
        }
    }
    println!("{seconds} s at {rate} Hz: {num_blocks} blocks, {chunks} chunks");
}

#[test]
fn bundle_is_a_debug_build_with_allocation_checks() {
    require_alloc_checked_strip();
    let path = strip_bundle();
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    // The message nice-assert-no-alloc logs before aborting; only compiled in when
    // nice-plug's `assert_process_allocs` is on in a debug build.
    let marker = b"Memory allocation of ";
    assert!(
        bytes.windows(marker.len()).any(|w| w == marker),
        "{} was built without assert_process_allocs: the no-allocation run would prove nothing",
        path.display()
    );
}

#[test]
fn thirty_seconds_of_automation_at_48k_without_allocating() {
    require_alloc_checked_strip();
    let mut plugin = strip(Config::stereo(48_000.0, 4096));
    long_run(&mut plugin, 30.0, 1);
}

#[test]
fn automation_at_44k1_and_96k_and_mono_without_allocating() {
    require_alloc_checked_strip();
    let mut plugin = strip(Config::stereo(44_100.0, 4096));
    long_run(&mut plugin, 8.0, 2);
    let mut plugin = strip(Config::stereo(96_000.0, 4096));
    long_run(&mut plugin, 8.0, 3);
    let mut plugin = strip(Config::mono(48_000.0, 4096));
    long_run(&mut plugin, 5.0, 4);
}
