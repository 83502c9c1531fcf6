//! A child process for the Stem Master's cross-process tests (tests/master_link.rs): hosts one
//! built plugin through the test harness' CLAP host and feeds it generated demo stems
//! (`shared_dsp::demo::stems`) in real time, on the link of `STEM_SUITE_LINK_DIR`, like one
//! plugin of a DAW that sandboxes each plugin in its own process.
//!
//! ```text
//! stem-link-child strip  --stem vocal --role "Lead Vocal" --name "Lead Vox" --epoch-ms N
//!                        [--group HEX] [--color RRGGBB] [--seconds 120]
//! stem-link-child master --name "Mix Bus" --epoch-ms N [--group HEX] [--gain "Bass DI=-6"]...
//!                        [--seconds 120]
//! ```
//!
//! Every child plays the same song from the same moment: `--epoch-ms` (Unix time, ms) is
//! song position 0, a child starting later starts that much into the song, and the host's
//! transport reports the song position with every block (so the Master can line the Strips
//! up). A Strip plays one stem; the Master plays the sum of all four (what its Strips'
//! outputs add up to). `--group` and `--gain` go into the plugin's saved state before
//! activation, as a host opening a project does.
//!
//! Prints `ready <pid>` once processing; a Strip then prints `gain <dB>` for every 0.5 s of
//! audio: its output level relative to its input over that time (both channels). Runs until
//! killed, until its parent is gone, or after `--seconds` (a safety net).

use shared_dsp::demo::stems::{DemoStem, StemGenerator};
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use stem_tests::{master_inactive, strip_inactive, Config, Plugin};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 480;
/// Audio made and processed per step (100 ms), in `BLOCK`s.
const CHUNK: usize = 4800;
/// A Strip reports its gain over this many frames (0.5 s).
const GAIN_WINDOW: usize = 24_000;

struct Args {
    mode: String,
    stem: Option<DemoStem>,
    role: String,
    name: String,
    epoch_ms: u64,
    group: Option<u64>,
    color: Option<[u8; 4]>,
    gains: Vec<(String, f32)>,
    seconds: f64,
}

fn parse() -> Args {
    let mut it = std::env::args().skip(1);
    let mode = it.next().expect("mode: strip or master");
    let mut a = Args {
        mode,
        stem: None,
        role: "Other".into(),
        name: String::new(),
        epoch_ms: 0,
        group: None,
        color: None,
        gains: Vec::new(),
        seconds: 120.0,
    };
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--stem" => a.stem = Some(DemoStem::from_name(&value).expect("a demo stem name")),
            "--role" => a.role = value,
            "--name" => a.name = value,
            "--epoch-ms" => a.epoch_ms = value.parse().expect("--epoch-ms in Unix ms"),
            "--group" => a.group = Some(u64::from_str_radix(&value, 16).expect("hex group")),
            "--color" => {
                let v = u32::from_str_radix(&value, 16).expect("RRGGBB");
                a.color = Some([(v >> 16) as u8, (v >> 8) as u8, v as u8, 255]);
            }
            "--gain" => {
                let (name, db) = value.rsplit_once('=').expect("--gain NAME=DB");
                a.gains.push((name.to_owned(), db.parse().expect("dB")));
            }
            "--seconds" => a.seconds = value.parse().expect("--seconds"),
            _ => panic!("unknown argument {flag}"),
        }
    }
    a
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Replaces persisted fields of the plugin's state (values are the fields' JSON text).
fn set_fields(plugin: &mut Plugin, fields: &[(&str, String)]) {
    let mut v = plugin.state_json();
    for (key, value) in fields {
        v["fields"][*key] = serde_json::Value::String(value.clone());
    }
    plugin.load_state_json(&v);
}

/// Generators for `stems`, each advanced to `start_frames` into the song.
fn generators(stems: &[DemoStem], start_frames: usize) -> Vec<StemGenerator> {
    let mut scratch = [vec![0.0f32; CHUNK], vec![0.0f32; CHUNK]];
    stems
        .iter()
        .map(|s| {
            let mut g = s.generator(RATE);
            let mut left = start_frames;
            while left > 0 {
                let n = left.min(CHUNK);
                let [l, r] = &mut scratch;
                g.fill(&mut l[..n], &mut r[..n]);
                left -= n;
            }
            g
        })
        .collect()
}

fn main() {
    let args = parse();
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };
    let start_ms = unix_ms().max(args.epoch_ms);
    let start_s = (start_ms - args.epoch_ms) as f64 / 1000.0;
    let start_frames = (start_s * RATE).round() as usize;
    let config = Config {
        track_name: (!args.name.is_empty()).then(|| args.name.clone()),
        track_color: args.color,
        transport_from_s: Some(start_frames as f64 / RATE),
        ..Config::stereo(RATE, BLOCK as u32)
    };
    let is_strip = args.mode == "strip";
    let mut plugin = if is_strip {
        strip_inactive(config)
    } else {
        assert_eq!(args.mode, "master", "mode: strip or master");
        master_inactive(config)
    };
    let mut fields = Vec::new();
    if let Some(g) = args.group {
        fields.push(("group", g.to_string()));
    }
    if !args.gains.is_empty() {
        let gains: serde_json::Map<String, serde_json::Value> = args
            .gains
            .iter()
            .map(|(n, db)| (n.clone(), serde_json::json!(db)))
            .collect();
        fields.push((
            "stems",
            serde_json::json!({ "gains_db": gains }).to_string(),
        ));
    }
    if !fields.is_empty() {
        set_fields(&mut plugin, &fields);
    }
    plugin.activate();
    if is_strip {
        plugin.set_text("role", &args.role);
    }
    let stems: Vec<DemoStem> = if is_strip {
        vec![args.stem.expect("--stem for a strip")]
    } else {
        DemoStem::ALL.to_vec()
    };
    let mut gens = generators(&stems, start_frames);

    let mut input = [vec![0.0f32; CHUNK], vec![0.0f32; CHUNK]];
    let mut part = [vec![0.0f32; CHUNK], vec![0.0f32; CHUNK]];
    let (mut in_power, mut out_power, mut window) = (0.0f64, 0.0f64, 0usize);
    let clock = Instant::now();
    let mut frames_done = 0usize;
    println!("ready {}", std::process::id());
    let _ = std::io::stdout().flush();
    loop {
        input.iter_mut().for_each(|c| c.fill(0.0));
        for g in &mut gens {
            let [l, r] = &mut part;
            g.fill(l, r);
            for (dst, src) in input.iter_mut().zip(&part) {
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
            }
        }
        let out = plugin.process(&input, BLOCK);
        frames_done += CHUNK;
        if is_strip {
            for ch in 0..2 {
                in_power += input[ch].iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
                out_power += out[ch].iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
            }
            window += CHUNK;
            if window >= GAIN_WINDOW {
                let db = 10.0 * (out_power.max(1e-30) / in_power.max(1e-30)).log10();
                println!("gain {db:.3}");
                let _ = std::io::stdout().flush();
                (in_power, out_power, window) = (0.0, 0.0, 0);
            }
        }
        let audio_s = frames_done as f64 / RATE;
        // SAFETY: as above.
        if audio_s >= args.seconds || unsafe { libc::getppid() } != parent {
            break;
        }
        let ahead = Duration::from_secs_f64(audio_s).saturating_sub(clock.elapsed());
        std::thread::sleep(ahead);
    }
}
