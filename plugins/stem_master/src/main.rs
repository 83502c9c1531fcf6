//! Stem Master as a standalone application, for looking at the GUI without a DAW and for the
//! README's and the guide's screenshots (`scripts/screenshot.sh` runs it headless under
//! Xvfb).
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
//! `--demo-stems drums,bass,music,vocal` (must come first, instead of `--demo`) runs the
//! same demo with the listed generated stems ([`shared_dsp::demo::stems`]) as its input:
//! each goes through a Stem Strip's DSP on a background thread and is published on the Stem
//! link, bound to this Master's group, as Stem Strips on a DAW's stem buses would be
//! ([`demo_stems`]); the Master plays their sum. The Stems tab then shows them, their
//! balance and masking. `STEM_DEMO_HEAD_START` gives those Strips the same head start; the
//! masking engine still needs a few seconds of wall-clock time for its evidence.
//! `STEM_MASTER_TAB=stems` opens the editor on the Stems tab.
//!
//! Every other argument goes to nice-plug's standalone wrapper (for example `--backend dummy`).

mod demo_stems;

use nice_plug::prelude::*;
use shared_dsp::demo::stems::DemoStem;
use shared_dsp::demo::{programme, Stereo};
use shared_dsp::link::GroupId;
use std::sync::{Arc, OnceLock};
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

/// The demo stems `--demo-stems` asked for (set before the wrapper makes the plugin).
static DEMO_STEMS: OnceLock<Vec<DemoStem>> = OnceLock::new();

/// The Master with a generated input signal, a preset and a scripted learn.
struct DemoMaster {
    inner: StemMaster,
    /// With `--demo-stems`: the stems, played by [`demo_stems::Fixture`] and summed here.
    stems: Option<Vec<DemoStem>>,
    /// The running stems fixture (started in `activate()`).
    fixture: Option<demo_stems::Fixture>,
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
        let stems = DEMO_STEMS.get().cloned();
        if stems.is_some() {
            // The fixture's Strips bind to this group: draw it now, before the link thread
            // (which would draw one itself) starts.
            let params = inner.params_handle();
            if GroupId::from_raw(*params.group.read()).is_none() {
                *params.group.write() = GroupId::random().0;
            }
        }
        Self {
            inner,
            stems,
            fixture: None,
            programme: Stereo::default(),
            position: 0,
            played: 0,
            sample_rate_hz: 48_000.0,
            head_start_seconds: demo_stems::head_start_from_env(),
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
            self.programme = match &self.stems {
                // The stems' sum, as the Strips play them (about -11.5 LUFS).
                Some(stems) => demo_stems::mix(stems, rate),
                None => {
                    let mut p = programme(rate, PROGRAMME_SECONDS, 7);
                    p.scale(10f32.powf(PROGRAMME_LEVEL_DB / 20.0));
                    p
                }
            };
            self.position = 0;
        }
        if let Some(stems) = &self.stems {
            if self.fixture.is_none() || self.sample_rate_hz != rate {
                // The old fixture (if any) stops and leaves the link first.
                self.fixture = None;
                let group = GroupId::from_raw(*self.inner.params_handle().group.read())
                    .unwrap_or_else(GroupId::random);
                self.fixture = Some(demo_stems::Fixture::start(
                    stems,
                    rate,
                    group,
                    demo_stems::head_start_from_env(),
                ));
            }
        }
        self.sample_rate_hz = rate;
        self.scratch = [vec![0.0; HEAD_START_BLOCK], vec![0.0; HEAD_START_BLOCK]];
        let channels = layout
            .main_output_channels
            .map_or(2, |c| c.get() as usize)
            .min(2);
        // NOTE: nice-plug's standalone wrapper takes no latency report, so none is made.
        self.inner.prepare(rate, channels);
        self.inner.start_link();
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
    match args.get(1).map(String::as_str) {
        Some("--demo") => {
            args.remove(1);
            nice_export_standalone_with_args::<DemoMaster, _>(args);
        }
        Some("--demo-stems") => {
            let list = args.get(2).cloned().unwrap_or_default();
            match demo_stems::parse_list(&list) {
                Ok(stems) => {
                    let _ = DEMO_STEMS.set(stems);
                    args.drain(1..3.min(args.len()));
                    nice_export_standalone_with_args::<DemoMaster, _>(args);
                }
                Err(err) => {
                    eprintln!("{err}");
                    std::process::exit(2);
                }
            }
        }
        _ => {
            nice_export_standalone_with_args::<StemMaster, _>(args);
        }
    }
}
