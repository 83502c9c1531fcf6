//! Stem Strip as a standalone application, for looking at the GUI without a DAW and for the
//! README's and the guide's screenshots (`scripts/screenshot.sh` runs it headless under
//! Xvfb).
//!
//! `--demo` (must come first) feeds the Strip a generated drum-bus-like signal instead of the
//! audio input and sets a demo preset, so the spectrum, the meters and the EQ curve show
//! something.
//!
//! `--demo-stem vocal` (must come first, instead of `--demo`; also `drums`, `bass`, `music`)
//! plays one of the generated demo stems ([`shared_dsp::demo::stems`]) through a Strip with
//! default settings, its role and name set from the stem (the vocal is "Lead Vox", Lead
//! Vocal): with a Stem Master running `--demo-stems drums,bass,music` on the same link, the
//! Strip shows the verdict the Master sends it (the pad masks the vocal's presence range).
//! It reports no transport position, so the Master compares the latest analysis of each.
//!
//! Every other argument goes to nice-plug's standalone wrapper.

use nice_plug::prelude::*;
use shared_dsp::demo::stems::{DemoStem, StemGenerator};
use shared_dsp::snapshot::TransportPosition;
use std::sync::{Arc, OnceLock};
use stem_strip::editor::StripEditor;
use stem_strip::StemStrip;

/// The demo stem `--demo-stem` asked for (set before the wrapper makes the plugin).
static DEMO_STEM: OnceLock<DemoStem> = OnceLock::new();

/// The Strip with a generated input signal and a preset.
struct DemoStrip {
    inner: StemStrip,
    signal: DemoSignal,
    /// With `--demo-stem`: the stem played instead of `signal` (made in `activate()`).
    stem: Option<(DemoStem, Option<StemGenerator>)>,
}

impl Default for DemoStrip {
    fn default() -> Self {
        let inner = StemStrip::default();
        let stem = DEMO_STEM.get().copied();
        match stem {
            Some(stem) => apply_stem(&inner, stem),
            None => apply_preset(&inner),
        }
        Self {
            inner,
            signal: DemoSignal::new(48_000.0),
            stem: stem.map(|s| (s, None)),
        }
    }
}

/// Names the Strip after a demo stem and gives it the stem's role; default processing.
fn apply_stem(strip: &StemStrip, stem: DemoStem) {
    let params = strip.params_handle();
    *params.name.write() = stem.name().to_owned();
    let role = stem.role().label();
    let map = params.param_map();
    if let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == "role") {
        // SAFETY: `ptr` comes from `param_map()` of `params`, which outlives this call; the
        // plugin is not processing yet, so nothing else reads the value concurrently.
        unsafe {
            if let Some(normalized) = ptr.string_to_normalized_value(role) {
                ptr._internal_set_normalized_value(normalized);
            }
        }
    }
}

/// Sets parameters by their text, the way a user types them.
fn apply_preset(strip: &StemStrip) {
    let params = strip.params_handle();
    *params.name.write() = "Drum Bus".to_owned();
    let preset = [
        ("role", "Drums"),
        ("trim", "1.5"),
        ("hp_on", "On"),
        ("hp_f", "32"),
        ("ls_on", "On"),
        ("ls_f", "90"),
        ("ls_g", "2.5"),
        ("b1_on", "On"),
        ("b1_f", "380"),
        ("b1_g", "-3.5"),
        ("b1_q", "1.6"),
        ("b2_on", "On"),
        ("b2_f", "2400"),
        ("b2_g", "2"),
        ("b3_on", "On"),
        ("b3_f", "6500"),
        ("b3_g", "-2"),
        ("b3_q", "3"),
        ("hs_on", "On"),
        ("hs_f", "11000"),
        ("hs_g", "3"),
        ("c_on", "On"),
        ("c_thr", "-22"),
        ("c_rat", "3"),
        ("c_att", "12"),
        ("c_rel", "120"),
        ("c_mix", "70"),
        ("c_schp", "90"),
        ("width", "110"),
        ("out", "-1"),
    ];
    let map = params.param_map();
    for (id, text) in preset {
        if let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) {
            // SAFETY: `ptr` comes from `param_map()` of `params`, which outlives this call; the
            // plugin is not processing yet, so nothing else reads the value concurrently.
            unsafe {
                if let Some(normalized) = ptr.string_to_normalized_value(text) {
                    ptr._internal_set_normalized_value(normalized);
                }
            }
        }
    }
}

/// A drum-bus-like test signal: kick, snare-ish noise bursts and a hi-hat over a quiet
/// pink-noise bed. Deterministic.
struct DemoSignal {
    rate: f32,
    n: u64,
    seed: u32,
    pink: [[f32; 3]; 2],
    hat_hp: f32,
}

impl DemoSignal {
    fn new(rate: f32) -> Self {
        Self {
            rate,
            n: 0,
            seed: 0x1234_5678,
            pink: [[0.0; 3]; 2],
            hat_hp: 0.0,
        }
    }

    fn white(&mut self) -> f32 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        self.seed as f32 / u32::MAX as f32 * 2.0 - 1.0
    }

    fn next(&mut self) -> (f32, f32) {
        let t = self.n as f32 / self.rate;
        self.n += 1;
        let beat = 0.5; // 120 bpm
        let tb = t % beat;
        let kick_freq = 48.0 + 90.0 * (-tb * 30.0).exp();
        let kick = (std::f32::consts::TAU * kick_freq * tb).sin() * (-tb * 7.0).exp() * 0.4;
        let snare_t = (t + beat) % (2.0 * beat);
        let w = self.white();
        let snare = if snare_t < 0.25 {
            w * (-snare_t * 18.0).exp() * 0.3
        } else {
            0.0
        };
        let hat_t = t % (beat / 2.0);
        let hp = w - self.hat_hp;
        self.hat_hp = w;
        let hat = hp * (-hat_t * 60.0).exp() * 0.08;
        // Paul Kellet's economy pink-noise filter, independent per side (room ambience).
        let mut pink = [0.0; 2];
        for (side, out) in pink.iter_mut().enumerate() {
            let white = self.white();
            let p = &mut self.pink[side];
            p[0] = 0.99765 * p[0] + white * 0.099_046;
            p[1] = 0.963 * p[1] + white * 0.296_516_4;
            p[2] = 0.57 * p[2] + white * 1.052_691_3;
            *out = (p[0] + p[1] + p[2] + white * 0.1848) * 0.02;
        }
        let mono = kick + snare;
        // About -4 dBFS peaks: a healthy bus level, not clipping.
        let level = 0.6;
        (
            level * (mono + pink[0] + hat * 0.6),
            level * (mono + pink[1] + hat),
        )
    }
}

impl Plugin for DemoStrip {
    const NAME: &'static str = "Stem Strip (demo)";
    const VENDOR: &'static str = StemStrip::VENDOR;
    const URL: &'static str = StemStrip::URL;
    const EMAIL: &'static str = StemStrip::EMAIL;
    const VERSION: &'static str = StemStrip::VERSION;
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = StemStrip::AUDIO_IO_LAYOUTS;

    type Editor = StripEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.inner.params_handle()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        self.inner.create_editor()
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.signal = DemoSignal::new(config.sample_rate);
        if let Some((stem, generator)) = &mut self.stem {
            *generator = Some(stem.generator(f64::from(config.sample_rate)));
        }
        let channels = layout
            .main_output_channels
            .map_or(2, |c| c.get() as usize)
            .min(2);
        self.inner.prepare(config.sample_rate, channels)
    }

    fn reset(&mut self) {
        self.inner.reset_dsp();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let channels = buffer.as_slice();
        if let Some((_, Some(generator))) = &mut self.stem {
            match channels {
                [left, right, ..] => generator.fill(left, right),
                // Mono bus: the left channel (the demo vocal is centred anyway).
                [mono] => fill_mono(generator, mono),
                [] => {}
            }
            // Playing, with no position known: the Master compares the latest analysis.
            let transport = TransportPosition {
                playing: true,
                ..TransportPosition::default()
            };
            self.inner.process_audio(channels, transport);
            return ProcessStatus::Normal;
        }
        let frames = channels.first().map_or(0, |c| c.len());
        for i in 0..frames {
            let (l, r) = self.signal.next();
            for (ch, buf) in channels.iter_mut().enumerate() {
                buf[i] = if ch == 0 { l } else { r };
            }
        }
        self.inner
            .process_audio(channels, TransportPosition::default());
        ProcessStatus::Normal
    }
}

/// Fills a mono buffer with a demo stem's left channel, a block at a time (no allocation).
fn fill_mono(generator: &mut StemGenerator, out: &mut [f32]) {
    let mut right = [0.0f32; 256];
    for chunk in out.chunks_mut(right.len()) {
        let n = chunk.len();
        generator.fill(chunk, &mut right[..n]);
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--demo") => {
            args.remove(1);
            nice_export_standalone_with_args::<DemoStrip, _>(args);
        }
        Some("--demo-stem") => {
            let name = args.get(2).cloned().unwrap_or_default();
            let Some(stem) = DemoStem::from_name(&name) else {
                eprintln!("--demo-stem: no demo stem {name:?} (use drums, bass, music or vocal)");
                std::process::exit(2);
            };
            let _ = DEMO_STEM.set(stem);
            args.drain(1..3);
            nice_export_standalone_with_args::<DemoStrip, _>(args);
        }
        _ => {
            nice_export_standalone_with_args::<StemStrip, _>(args);
        }
    }
}
