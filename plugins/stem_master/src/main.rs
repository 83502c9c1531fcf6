//! Stem Master as a standalone application, for looking at the GUI without a DAW and for the
//! README's screenshot (`scripts/screenshot.sh` runs it headless under Xvfb).
//!
//! `--demo` (must come first) feeds the Master a generated programme
//! ([`shared_dsp::demo::programme`], 16 s looped, about 10 dB under what the target needs)
//! instead of the audio input, sets a demo preset (the Streaming target, a high-pass, a low
//! shelf, a mid bell, a side bell for air, the glue compressor, the limiter's defaults) and
//! learns the programme's gain the way a user would: Learn is on from the start, the
//! transport stops briefly at [`PASS_ENDS_SECONDS`] (each time a pass ends, its gain
//! applies, and the next pass measures at that gain), and Learn goes off at
//! [`LEARN_OFF_SECONDS`] (the last pass refines the gain). The history then shows the
//! programme brought up to the target and held there by the limiter.
//!
//! `STEM_DEMO_HEAD_START=<seconds>` makes the demo process that much programme at once when
//! it starts (faster than real time, with the same code as the live blocks), so the
//! loudness history already holds it when the window appears: the screenshot script uses it.
//!
//! Every other argument goes to nice-plug's standalone wrapper (for example `--backend dummy`).

use nice_plug::prelude::*;
use shared_dsp::demo::{programme, Stereo};
use std::sync::Arc;
use stem_master::editor::MasterEditor;
use stem_master::StemMaster;

/// Length of the generated programme, seconds: whole bars, bass lines and pad chords, so
/// the loop's seam falls where the music repeats anyway.
const PROGRAMME_SECONDS: f32 = 16.0;
/// Level of the programme against its full-scale peak, dB: quieter than the target wants,
/// so that learn has a gain to find.
const PROGRAMME_LEVEL_DB: f32 = -7.0;
/// When the transport stops for one block, each time ending a learn pass (and a new one
/// starts with the next block, at the gain just learned), seconds.
const PASS_ENDS_SECONDS: [f32; 2] = [6.0, 14.0];
/// When the demo switches Learn off, ending the last pass, seconds.
const LEARN_OFF_SECONDS: f32 = 24.0;
/// Block size of the head start, frames.
const HEAD_START_BLOCK: usize = 512;

/// The Master with a generated input signal, a preset and a scripted learn.
struct DemoMaster {
    inner: StemMaster,
    /// The programme at the session's rate (made in `activate()`).
    programme: Stereo,
    /// Next frame of the programme to play.
    position: usize,
    /// Frames played since activation.
    played: u64,
    sample_rate_hz: f32,
    /// Seconds still to process at once in the next `process()` call.
    head_start_seconds: f32,
    /// Buffers for the head start (allocated in `activate()`).
    scratch: [Vec<f32>; 2],
}

impl Default for DemoMaster {
    fn default() -> Self {
        let inner = StemMaster::default();
        apply_preset(&inner);
        let head_start_seconds = std::env::var("STEM_DEMO_HEAD_START")
            .ok()
            .and_then(|s| s.parse::<f32>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(0.0, |s| s.min(600.0));
        Self {
            inner,
            programme: Stereo::default(),
            position: 0,
            played: 0,
            sample_rate_hz: 48_000.0,
            head_start_seconds,
            scratch: [Vec::new(), Vec::new()],
        }
    }
}

/// Sets parameters by their text, the way a user types them.
fn apply_preset(master: &StemMaster) {
    let params = master.params_handle();
    let preset = [
        ("tgt", "Streaming (-14 LUFS)"),
        ("learn", "On"),
        ("hp_on", "On"),
        ("hp_f", "28"),
        ("ls_on", "On"),
        ("ls_f", "95"),
        ("ls_g", "1.5"),
        ("b2_on", "On"),
        ("b2_f", "2600"),
        ("b2_g", "-1.5"),
        ("b2_q", "1.2"),
        ("b2pl", "Mid"),
        ("b3_on", "On"),
        ("b3_f", "11000"),
        ("b3_g", "2"),
        ("b3_q", "0.6"),
        ("b3pl", "Side"),
        ("g_on", "On"),
        ("g_thr", "-10"),
        ("g_rat", "1.8"),
        ("g_att", "30"),
        ("g_rel", "200"),
        ("g_schp", "80"),
        ("dith", "24 bit"),
    ];
    let map = params.param_map();
    for (id, text) in preset {
        let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
            nice_warn!("demo preset: no parameter {id}");
            continue;
        };
        // SAFETY: `ptr` comes from `param_map()` of `params`, which outlives this call; the
        // plugin is not processing yet, so nothing else reads the value concurrently.
        unsafe {
            match ptr.string_to_normalized_value(text) {
                Some(normalized) => {
                    ptr._internal_set_normalized_value(normalized);
                }
                None => nice_warn!("demo preset: {id} does not take {text:?}"),
            }
        }
    }
}

impl DemoMaster {
    /// Plays the next `channels.len()` frames of the programme through the Master, and
    /// drives learn: the one-block transport stop and switching Learn off. Does not
    /// allocate.
    fn run_block(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        let (start, end) = (self.played, self.played + frames as u64);
        let at = |seconds: f32| (seconds * self.sample_rate_hz) as u64;
        let in_block = |t: u64| start <= t && t < end;
        let playing = !PASS_ENDS_SECONDS.iter().any(|&s| in_block(at(s)));
        if in_block(at(LEARN_OFF_SECONDS)) {
            let learn = self.inner.params_handle().learn.as_ptr();
            // SAFETY: the pointer is to a parameter of `self.inner`, alive for this call;
            // setting a parameter's value is atomic stores only.
            unsafe {
                learn._internal_set_normalized_value(0.0);
            }
        }
        let len = self.programme.len();
        for i in 0..frames {
            let frame = if len == 0 {
                [0.0; 2]
            } else {
                let f = [
                    self.programme.left[self.position],
                    self.programme.right[self.position],
                ];
                self.position = (self.position + 1) % len;
                f
            };
            for (ch, buf) in channels.iter_mut().enumerate() {
                buf[i] = frame[ch.min(1)];
            }
        }
        self.inner.process_audio(channels, playing);
        self.played = end;
    }

    /// Processes the head start, in blocks of [`HEAD_START_BLOCK`] frames.
    fn run_head_start(&mut self, num_channels: usize) {
        let total = (std::mem::take(&mut self.head_start_seconds) * self.sample_rate_hz) as usize;
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut done = 0;
        while done < total {
            let n = HEAD_START_BLOCK.min(total - done);
            let [left, right] = &mut scratch;
            let (left, right) = (&mut left[..n], &mut right[..n]);
            if num_channels >= 2 {
                self.run_block(&mut [left, right]);
            } else {
                self.run_block(&mut [left]);
            }
            done += n;
        }
        self.scratch = scratch;
    }
}

impl Plugin for DemoMaster {
    const NAME: &'static str = "Stem Master (demo)";
    const VENDOR: &'static str = StemMaster::VENDOR;
    const URL: &'static str = StemMaster::URL;
    const EMAIL: &'static str = StemMaster::EMAIL;
    const VERSION: &'static str = StemMaster::VERSION;
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = StemMaster::AUDIO_IO_LAYOUTS;

    type Editor = MasterEditor;
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
        let rate = config.sample_rate;
        if self.programme.is_empty() || self.sample_rate_hz != rate {
            self.programme = programme(rate, PROGRAMME_SECONDS, 7);
            self.programme.scale(10f32.powf(PROGRAMME_LEVEL_DB / 20.0));
            self.position = 0;
        }
        self.sample_rate_hz = rate;
        self.scratch = [vec![0.0; HEAD_START_BLOCK], vec![0.0; HEAD_START_BLOCK]];
        let channels = layout
            .main_output_channels
            .map_or(2, |c| c.get() as usize)
            .min(2);
        self.inner.prepare(rate, channels);
        true
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
        if self.head_start_seconds > 0.0 {
            self.run_head_start(channels.len());
        }
        self.run_block(channels);
        ProcessStatus::Normal
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--demo") {
        args.remove(1);
        nice_export_standalone_with_args::<DemoMaster, _>(args);
    } else {
        nice_export_standalone_with_args::<StemMaster, _>(args);
    }
}
