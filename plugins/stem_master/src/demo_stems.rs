//! The standalone's `--demo-stems` fixture: generated stems ([`shared_dsp::demo::stems`])
//! each run through a Stem Strip's DSP ([`Strip`], default settings) on a thread of their
//! own, paced to real time, each publishing its snapshots through its own [`LinkWriter`]
//! bound to the Master's group, as Stem Strips on the stem buses of a DAW would. The Master
//! itself plays the stems' sum (see `main.rs`), so its meters match what the Strips report.
//!
//! The Strips honour the Master's gain requests (its stem faders), and all of them report
//! the same transport position (they run in step), so the Master lines them up.

use shared_dsp::demo::stems::DemoStem;
use shared_dsp::demo::Stereo;
use shared_dsp::link::{GroupId, LinkWriter};
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};
use shared_dsp::strip::{Strip, StripSettings};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Block the Strips process, seconds.
const BLOCK_SECONDS: f64 = 0.01;
/// Longest head start taken, seconds.
const MAX_HEAD_START_S: f32 = 600.0;

/// Parses a `--demo-stems` list ("drums,bass,music,vocal"); `Err` names the first word that
/// is not a demo stem.
pub fn parse_list(list: &str) -> Result<Vec<DemoStem>, String> {
    let mut stems = Vec::new();
    for word in list.split(',').filter(|w| !w.trim().is_empty()) {
        let stem = DemoStem::from_name(word).ok_or_else(|| {
            format!("--demo-stems: no demo stem {word:?} (use drums, bass, music, vocal)")
        })?;
        if !stems.contains(&stem) {
            stems.push(stem);
        }
    }
    if stems.is_empty() {
        return Err("--demo-stems: name at least one stem (drums, bass, music, vocal)".into());
    }
    Ok(stems)
}

/// The track colour the fixture gives a stem (as a host would from its mixer).
pub fn track_color(stem: DemoStem) -> [u8; 3] {
    match stem {
        DemoStem::Drums => [0xf2, 0xa6, 0x3b],
        DemoStem::Bass => [0x8c, 0x74, 0xe6],
        DemoStem::Music => [0x3c, 0xbf, 0x9c],
        DemoStem::LeadVocal => [0xee, 0x5f, 0x93],
    }
}

/// The stems' sum over one loop at `rate`: what the Master plays in this mode. Allocates.
pub fn mix(stems: &[DemoStem], rate: f32) -> Stereo {
    let loop_frames = DemoStem::Drums.generator(f64::from(rate)).loop_frames() as usize;
    let mut sum = Stereo::silence(loop_frames);
    for stem in stems {
        let part = stem
            .generator(f64::from(rate))
            .render(loop_frames as f64 / f64::from(rate));
        for (s, p) in sum.left.iter_mut().zip(&part.left) {
            *s += p;
        }
        for (s, p) in sum.right.iter_mut().zip(&part.right) {
            *s += p;
        }
    }
    sum
}

/// The head start from `STEM_DEMO_HEAD_START` (seconds), 0 when unset or invalid.
pub fn head_start_from_env() -> f32 {
    std::env::var("STEM_DEMO_HEAD_START")
        .ok()
        .and_then(|s| s.parse::<f32>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(0.0, |s| s.min(MAX_HEAD_START_S))
}

/// The running fixture; stops (and its Strips leave the link) when dropped.
pub struct Fixture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Fixture {
    /// Starts the Strips of `stems` at `rate`, bound to `group`, with `head_start_s` seconds
    /// processed at once before they play in real time.
    pub fn start(stems: &[DemoStem], rate: f32, group: GroupId, head_start_s: f32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let players: Vec<Player> = stems
            .iter()
            .filter_map(|&stem| Player::new(stem, rate, group))
            .collect();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("demo-stems".into())
            .spawn(move || run(players, rate, head_start_s, &flag))
            .map_err(|err| eprintln!("demo stems: cannot start the thread: {err}"))
            .ok();
        Self { stop, thread }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One demo stem and its Strip.
struct Player {
    stem: DemoStem,
    generator: shared_dsp::demo::stems::StemGenerator,
    strip: Strip,
    writer: LinkWriter,
    name: StemName,
    snapshot: StemSnapshot,
}

impl Player {
    fn new(stem: DemoStem, rate: f32, group: GroupId) -> Option<Self> {
        let strip = Strip::new(rate, 2)
            .map_err(|err| eprintln!("demo stems: no Strip for {}: {err}", stem.name()))
            .ok()?;
        let writer = LinkWriter::open(Some(group))
            .map_err(|err| eprintln!("demo stems: {} cannot join the link: {err}", stem.name()))
            .ok()?;
        Some(Self {
            stem,
            generator: stem.generator(f64::from(rate)),
            strip,
            writer,
            name: StemName::new(stem.name()),
            snapshot: StemSnapshot::default(),
        })
    }

    /// Generates and processes one block ending at `position_seconds`; publishes a snapshot
    /// when one is due.
    fn block(&mut self, left: &mut [f32], right: &mut [f32], position_seconds: f64) {
        self.generator.fill(left, right);
        let settings = StripSettings {
            gain_offset_db: self.writer.gain_request_db(),
            ..StripSettings::default()
        };
        self.strip.set_target(&settings);
        self.strip.process(left, Some(right));
        if self.strip.snapshot_due() {
            let transport = TransportPosition {
                playing: true,
                known: true,
                position_seconds,
            };
            self.strip
                .take_snapshot(self.stem.role(), self.name, transport, &mut self.snapshot);
            self.snapshot.color_rgb = Some(track_color(self.stem));
            self.strip.take_meters();
            self.writer.publish(&self.snapshot);
        }
    }
}

/// The fixture's thread: the head start at once, then blocks as real time passes.
fn run(mut players: Vec<Player>, rate: f32, head_start_s: f32, stop: &AtomicBool) {
    let rate = f64::from(rate);
    let block = ((rate * BLOCK_SECONDS) as usize).max(1);
    let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
    let head = (f64::from(head_start_s) * rate) as u64;
    let start = Instant::now();
    let mut frames: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let due = head + (start.elapsed().as_secs_f64() * rate) as u64;
        while frames + block as u64 <= due && !stop.load(Ordering::Relaxed) {
            frames += block as u64;
            let position = frames as f64 / rate;
            for p in &mut players {
                p.block(&mut left, &mut right, position);
            }
        }
        for p in &players {
            p.writer.heartbeat();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_say_what_is_wrong() {
        assert_eq!(
            parse_list("drums,bass,music,vocal").unwrap(),
            DemoStem::ALL.to_vec()
        );
        assert_eq!(
            parse_list("vox, pad,vox").unwrap(),
            vec![DemoStem::LeadVocal, DemoStem::Music]
        );
        assert!(parse_list("drums,kazoo").unwrap_err().contains("kazoo"));
        assert!(parse_list(",").is_err());
    }

    #[test]
    fn the_mix_is_the_sum_of_the_stems() {
        let rate = 8000.0;
        let both = mix(&[DemoStem::Bass, DemoStem::LeadVocal], rate);
        let bass = mix(&[DemoStem::Bass], rate);
        let vocal = mix(&[DemoStem::LeadVocal], rate);
        for i in (0..both.len()).step_by(97) {
            assert!((both.left[i] - bass.left[i] - vocal.left[i]).abs() < 1e-6);
        }
    }
}
