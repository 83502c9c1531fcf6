//! Stem Master: the plugin on the sum of the stems. Input gain driven by a loudness target,
//! master EQ (bells on both channels, mid or side), glue compressor, true-peak limiter with
//! lookahead, output gain and dither, and the meters of what it outputs. All DSP lives in
//! `shared_dsp::master`.
//!
//! The cross-stem view (the Stem link, masking and balance) is the editor's second tab,
//! built on `shared_dsp::link`, `shared_dsp::masking` and `shared_dsp::balance`.

use atomic_float::AtomicF32;
use nice_plug::prelude::*;
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::master::{learned_gain_db, MasterChain, MasterMeters};
use shared_dsp::snapshot::FLOOR_DB;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

pub mod editor;
pub mod link;
pub mod params;

use params::MasterParams;

/// Loudness history kept for the graph: 100 ms entries.
pub const HISTORY_LEN: usize = 6000;
/// Seconds between history entries.
pub const HISTORY_SECONDS: f32 = 0.1;
/// Seconds between meter updates for the GUI.
const METER_SECONDS: f64 = 1.0 / 30.0;

/// One 100 ms entry of the loudness history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryEntry {
    /// Momentary loudness, LUFS (floor when silent or off).
    pub momentary_lufs: f32,
    /// Short-term loudness, LUFS.
    pub shortterm_lufs: f32,
    /// Largest limiter gain reduction in the 100 ms, dB (≥ 0).
    pub limiter_reduction_db: f32,
}

/// The loudness history: a ring of [`HISTORY_LEN`] entries, written by the audio thread,
/// read by the editor; wait-free both ways (a reader may see an entry being written, which
/// only misdraws one point for one frame).
pub struct History {
    entries: Vec<[AtomicU32; 3]>,
    /// Entries written since the start (the next one goes to `written % HISTORY_LEN`).
    written: AtomicU64,
}

impl Default for History {
    fn default() -> Self {
        Self {
            entries: (0..HISTORY_LEN)
                .map(|_| std::array::from_fn(|_| AtomicU32::new(0)))
                .collect(),
            written: AtomicU64::new(0),
        }
    }
}

impl History {
    fn push(&self, e: HistoryEntry) {
        let n = self.written.load(Ordering::Relaxed);
        let slot = &self.entries[(n % HISTORY_LEN as u64) as usize];
        let r = Ordering::Relaxed;
        slot[0].store(e.momentary_lufs.to_bits(), r);
        slot[1].store(e.shortterm_lufs.to_bits(), r);
        slot[2].store(e.limiter_reduction_db.to_bits(), r);
        self.written.store(n + 1, Ordering::Release);
    }

    /// Clears the history (the editor's reset).
    pub fn clear(&self) {
        self.written.store(0, Ordering::Release);
    }

    /// Number of entries available (at most [`HISTORY_LEN`]).
    pub fn len(&self) -> usize {
        (self.written.load(Ordering::Acquire) as usize).min(HISTORY_LEN)
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `age`-th newest entry (0 = newest), if recorded.
    pub fn get(&self, age: usize) -> Option<HistoryEntry> {
        let n = self.written.load(Ordering::Acquire);
        if age as u64 >= n.min(HISTORY_LEN as u64) {
            return None;
        }
        let slot = &self.entries[((n - 1 - age as u64) % HISTORY_LEN as u64) as usize];
        let r = Ordering::Relaxed;
        Some(HistoryEntry {
            momentary_lufs: f32::from_bits(slot[0].load(r)),
            shortterm_lufs: f32::from_bits(slot[1].load(r)),
            limiter_reduction_db: f32::from_bits(slot[2].load(r)),
        })
    }
}

/// What the audio thread shows the GUI: written about 30 times a second with relaxed
/// atomics, read by the editor on each frame. Wait-free both ways.
pub struct Shared {
    /// Sample rate in Hz (0 before activation).
    pub sample_rate_hz: AtomicF32,
    /// Latency reported to the host, samples.
    pub latency_samples: AtomicU32,
    /// Whether the loudness meters (and learn) run at this sample rate.
    pub loudness_available: AtomicBool,
    /// Input peak after the input gain, dBFS (since the last update).
    pub input_peak_db: AtomicF32,
    /// Output sample peak, dBFS.
    pub output_peak_db: AtomicF32,
    /// Output true peak, dBTP.
    pub true_peak_db: AtomicF32,
    /// Largest output true peak since the last reset, dBTP.
    pub max_true_peak_db: AtomicF32,
    /// Momentary loudness, LUFS.
    pub momentary_lufs: AtomicF32,
    /// Short-term loudness, LUFS.
    pub shortterm_lufs: AtomicF32,
    /// Largest momentary loudness since the last reset, LUFS.
    pub max_momentary_lufs: AtomicF32,
    /// Largest short-term loudness since the last reset, LUFS.
    pub max_shortterm_lufs: AtomicF32,
    /// Integrated loudness since the last reset, LUFS.
    pub integrated_lufs: AtomicF32,
    /// Loudness range since the last reset, LU.
    pub loudness_range_lu: AtomicF32,
    /// Peak to loudness ratio, dB.
    pub plr_db: AtomicF32,
    /// Glue compressor gain reduction, dB.
    pub compressor_reduction_db: AtomicF32,
    /// Limiter gain reduction, dB.
    pub limiter_reduction_db: AtomicF32,
    /// Output band powers (dB) for left and right.
    pub band_db: [[AtomicF32; NUM_BANDS]; 2],
    /// Whether a learn pass is running.
    pub learning: AtomicBool,
    /// The running learn pass's integrated loudness at the limiter's input, LUFS.
    pub learn_input_lufs: AtomicF32,
    /// The last finished learn pass: what it measured at the limiter's input (LUFS).
    pub last_learn_input_lufs: AtomicF32,
    /// The last finished learn pass: the loudness the limiter will take (LU).
    pub last_learn_loss_lu: AtomicF32,
    /// The last finished learn pass: its output's distance from the target, LU (how far
    /// that pass landed; the next one lands on the target).
    pub last_learn_landed_lu: AtomicF32,
    /// Set by the editor: reset the integrated figures and the history.
    pub reset_request: AtomicBool,
    /// The loudness history.
    pub history: History,
}

impl Default for Shared {
    fn default() -> Self {
        let floor = || AtomicF32::new(FLOOR_DB);
        Self {
            sample_rate_hz: AtomicF32::new(0.0),
            latency_samples: AtomicU32::new(0),
            loudness_available: AtomicBool::new(true),
            input_peak_db: floor(),
            output_peak_db: floor(),
            true_peak_db: floor(),
            max_true_peak_db: floor(),
            momentary_lufs: floor(),
            shortterm_lufs: floor(),
            max_momentary_lufs: floor(),
            max_shortterm_lufs: floor(),
            integrated_lufs: floor(),
            loudness_range_lu: AtomicF32::new(0.0),
            plr_db: AtomicF32::new(0.0),
            compressor_reduction_db: AtomicF32::new(0.0),
            limiter_reduction_db: AtomicF32::new(0.0),
            band_db: std::array::from_fn(|_| std::array::from_fn(|_| floor())),
            learning: AtomicBool::new(false),
            learn_input_lufs: floor(),
            last_learn_input_lufs: AtomicF32::new(f32::NAN),
            last_learn_loss_lu: AtomicF32::new(f32::NAN),
            last_learn_landed_lu: AtomicF32::new(f32::NAN),
            reset_request: AtomicBool::new(false),
            history: History::default(),
        }
    }
}

/// A finite value, or the display floor.
fn shown(v: f32) -> f32 {
    if v.is_finite() {
        v.max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

impl Shared {
    fn publish(&self, m: &MasterMeters, chain: &MasterChain) {
        let r = Ordering::Relaxed;
        self.input_peak_db.store(shown(m.input_peak_db), r);
        self.output_peak_db.store(shown(m.output_peak_db), r);
        self.true_peak_db.store(shown(m.true_peak_db), r);
        self.max_true_peak_db.store(shown(m.max_true_peak_db), r);
        self.momentary_lufs.store(shown(m.momentary_lufs), r);
        self.shortterm_lufs.store(shown(m.shortterm_lufs), r);
        self.max_momentary_lufs
            .store(shown(m.max_momentary_lufs), r);
        self.max_shortterm_lufs
            .store(shown(m.max_shortterm_lufs), r);
        self.integrated_lufs.store(shown(m.integrated_lufs), r);
        self.loudness_range_lu.store(m.loudness_range_lu, r);
        self.plr_db
            .store(if m.plr_db.is_finite() { m.plr_db } else { 0.0 }, r);
        self.compressor_reduction_db
            .store(m.compressor_reduction_db, r);
        self.limiter_reduction_db.store(m.limiter_reduction_db, r);
        for (ch, bands) in self.band_db.iter().enumerate() {
            for (b, v) in chain.band_db(ch).iter().enumerate() {
                bands[b].store(shown(*v), r);
            }
        }
        let progress = chain.learn_progress();
        self.learning.store(progress.is_some(), r);
        if let Some(p) = progress {
            self.learn_input_lufs.store(shown(p.input_lufs), r);
        }
    }
}

/// The Stem Master plugin.
pub struct StemMaster {
    params: Arc<MasterParams>,
    shared: Arc<Shared>,
    /// Built in `initialize()` for the host's sample rate and channel count.
    chain: Option<MasterChain>,
    /// Frames until the next meter update and history entry.
    until_meters: f64,
    until_history: f64,
    /// Largest limiter reduction since the last history entry, dB.
    history_reduction_db: f32,
    /// Whether the host's transport was playing in the previous block.
    was_playing: bool,
    /// Whether the host has ever said its transport plays (then a learn pass waits for it to
    /// play; a host that never reports a transport learns whatever it is sent).
    host_has_transport: bool,
    /// The Stem link (its own thread; the audio thread never touches it).
    link: Arc<link::MasterLink>,
}

impl Default for StemMaster {
    fn default() -> Self {
        Self {
            params: Arc::new(MasterParams::default()),
            shared: Arc::new(Shared::default()),
            chain: None,
            until_meters: 0.0,
            until_history: 0.0,
            history_reduction_db: 0.0,
            was_playing: false,
            host_has_transport: false,
            link: Arc::new(link::MasterLink::default()),
        }
    }
}

impl StemMaster {
    /// The parameters (shared with the editor and the host).
    pub fn params_handle(&self) -> Arc<MasterParams> {
        self.params.clone()
    }

    /// The Master's end of the Stem link (its view and requests).
    pub fn link_handle(&self) -> Arc<link::MasterLink> {
        self.link.clone()
    }

    /// Starts the link thread (main thread; from `activate()`). It runs until the plugin is
    /// dropped, editor open or not.
    pub fn start_link(&self) {
        self.link.start_thread(self.params.clone());
    }

    /// The values the audio thread shows the editor.
    pub fn shared_handle(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// The editor, independent of the plugin type a wrapper exports it as.
    pub fn create_editor(&self) -> Option<editor::MasterEditor> {
        editor::create(self.params.clone(), self.shared.clone(), self.link.clone())
    }

    /// Builds the chain for a sample rate and channel count (allocates; from `activate()`)
    /// and returns the latency to report. Any rate works: meters that cannot run say so.
    pub fn prepare(&mut self, rate: f32, channels: usize) -> u32 {
        let needs_new = self
            .chain
            .as_ref()
            .is_none_or(|c| c.sample_rate_hz() != rate || c.num_channels() != channels);
        if needs_new {
            let chain = MasterChain::new(rate, channels);
            if let Some(reason) = chain.loudness_off_reason() {
                nice_warn!("Stem Master: {reason}");
            }
            self.chain = Some(chain);
        }
        let chain = self.chain.as_mut().expect("built above");
        chain.set_target(&self.params.settings());
        chain.snap_to_target();
        self.shared.sample_rate_hz.store(rate, Ordering::Relaxed);
        self.shared
            .loudness_available
            .store(chain.loudness_available(), Ordering::Relaxed);
        let latency = chain.latency_samples() as u32;
        self.shared
            .latency_samples
            .store(latency, Ordering::Relaxed);
        latency
    }

    /// Clears all signal history (filters, detectors, delay lines, meters). Audio-thread
    /// safe.
    pub fn reset_dsp(&mut self) {
        if let Some(chain) = self.chain.as_mut() {
            chain.set_target(&self.params.settings());
            chain.reset();
        }
        self.was_playing = false;
    }

    /// Processes one block in place (1 or 2 channels). The latency stays what
    /// [`StemMaster::prepare`] returned (it depends on the sample rate only), so nothing here
    /// tells the host anything. Audio-thread safe: no allocation, lock or syscall.
    pub fn process_audio(&mut self, channels: &mut [&mut [f32]], playing: bool) {
        // Learn first: a pass that ends here sets the gain this block already uses.
        self.run_learn(playing);
        let Some(chain) = self.chain.as_mut() else {
            return;
        };
        chain.set_target(&self.params.settings());
        if self.shared.reset_request.swap(false, Ordering::Relaxed) {
            chain.reset_integration();
            self.shared.history.clear();
        }
        let frames = channels.first().map_or(0, |c| c.len());
        match channels {
            [left, right, ..] => chain.process(left, Some(right)),
            [mono] => chain.process(mono, None),
            [] => {}
        }
        self.update_meters(frames);
    }

    /// The learn switch and the transport: a pass runs while Learn is on and the transport
    /// plays (in a host that reports no transport, while Learn is on); it ends, and the
    /// learned gain is set, when Learn goes off or the transport stops (a new pass starts
    /// when it plays again while Learn stays on).
    fn run_learn(&mut self, playing: bool) {
        let Some(chain) = self.chain.as_mut() else {
            return;
        };
        let armed = self.params.learn.value();
        let stopped = self.was_playing && !playing;
        self.was_playing = playing;
        self.host_has_transport |= playing;
        let (target_lufs, _) = self.params.target();
        if chain.is_learning() && (!armed || stopped) {
            if let Some(pass) = chain.finish_learn() {
                let previous = self.params.learned_gain_db.load(Ordering::Relaxed);
                let output_db = self.params.output.value();
                let gain = learned_gain_db(previous, target_lufs, output_db, &pass);
                self.params.learned_gain_db.store(gain, Ordering::Relaxed);
                let r = Ordering::Relaxed;
                self.shared.last_learn_input_lufs.store(pass.input_lufs, r);
                self.shared
                    .last_learn_loss_lu
                    .store(pass.limiter_loss_lu.max(0.0), r);
                self.shared
                    .last_learn_landed_lu
                    .store(pass.output_lufs - target_lufs, r);
            }
        }
        // NOTE: with a transport, a pass runs only while it plays. A pass begun while stopped
        // would measure whatever the host sends then (silence, a reverb's tail) and, ended by
        // Learn going off, set the gain from it: +30 dB for a tail at -60 LUFS.
        let may_start = playing || !self.host_has_transport;
        if armed && !chain.is_learning() && !stopped && may_start {
            chain.start_learn(target_lufs);
        }
    }

    fn update_meters(&mut self, frames: usize) {
        let Some(chain) = self.chain.as_mut() else {
            return;
        };
        let rate = chain.sample_rate_hz() as f64;
        // Periods counted in frames, the remainder carried, so entries keep their spacing
        // whatever the block size.
        self.until_meters -= frames as f64;
        if self.until_meters <= 0.0 {
            self.until_meters = (self.until_meters + METER_SECONDS * rate).max(1.0);
            let m = chain.take_meters();
            self.history_reduction_db = self.history_reduction_db.max(m.limiter_reduction_db);
            self.shared.publish(&m, chain);
        }
        self.until_history -= frames as f64;
        if self.until_history <= 0.0 {
            self.until_history = (self.until_history + HISTORY_SECONDS as f64 * rate).max(1.0);
            // The newest limiter reduction too (the meters may not have been read since).
            let m = chain.take_meters();
            self.history_reduction_db = self.history_reduction_db.max(m.limiter_reduction_db);
            self.shared.publish(&m, chain);
            let (momentary, shortterm) = chain.loudness_now();
            self.shared.history.push(HistoryEntry {
                momentary_lufs: shown(momentary),
                shortterm_lufs: shown(shortterm),
                limiter_reduction_db: std::mem::take(&mut self.history_reduction_db),
            });
        }
    }
}

impl Plugin for StemMaster {
    const NAME: &'static str = "Stem Master";
    const VENDOR: &'static str = stem_plugin_common::VENDOR;
    const URL: &'static str = stem_plugin_common::URL;
    const EMAIL: &'static str = stem_plugin_common::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = false;

    type Editor = editor::MasterEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        self.create_editor()
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = audio_io_layout
            .main_output_channels
            .map_or(2, |c| c.get() as usize)
            .min(2);
        let latency = self.prepare(buffer_config.sample_rate, channels);
        context.set_latency_samples(latency);
        self.start_link();
        true
    }

    fn reset(&mut self) {
        self.reset_dsp();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let playing = context.transport().playing;
        self.process_audio(buffer.as_slice(), playing);
        ProcessStatus::Normal
    }
}

impl Drop for StemMaster {
    /// Leaves the Stem link (the Strips' gain requests from this Master are withdrawn).
    fn drop(&mut self) {
        self.link.stop_thread();
    }
}

impl ClapPlugin for StemMaster {
    const CLAP_ID: &'static str = "org.stem-suite.stem-master";
    const CLAP_DESCRIPTION: Option<&'static str> = Some(
        "Master EQ, glue compression and true-peak limiting to a loudness target, for stem mastering",
    );
    const CLAP_MANUAL_URL: Option<&'static str> = Some(stem_plugin_common::MANUAL_URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = Some(stem_plugin_common::SUPPORT_URL);
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Mastering,
        ClapFeature::Equalizer,
        ClapFeature::Compressor,
        ClapFeature::Limiter,
        ClapFeature::Analyzer,
    ];
}

impl Vst3Plugin for StemMaster {
    const VST3_CLASS_ID: [u8; 16] = *b"StemSuiteMastrV1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Mastering,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Eq,
        Vst3SubCategory::Analyzer,
    ];
}

nice_export_clap!(StemMaster);
nice_export_vst3!(StemMaster);
