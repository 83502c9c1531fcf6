//! Stem Strip: the plugin on each stem bus. Trim, EQ, compression, width and output gain,
//! and analysis of what it outputs. All DSP lives in `shared_dsp::strip`.
//!
//! The Strip also takes part in the Stem link (`shared_dsp::link`): see [`link`] for who
//! touches the [`LinkWriter`](shared_dsp::link::LinkWriter) on which thread.

use atomic_float::AtomicF32;
use nice_plug::prelude::*;
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::snapshot::{
    pack_rgb, unpack_rgb, AtomicStemName, StemName, StemSnapshot, TransportPosition, FLOOR_DB,
};
use shared_dsp::strip::{LoudnessStatus, Strip};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::Arc;

pub mod editor;
pub mod link;
pub mod params;

use params::StripParams;

/// What the audio thread shows the GUI: written at the snapshot rate (40 Hz) with relaxed
/// atomics, read by the editor on each frame. Wait-free both ways.
pub struct Shared {
    /// Sample rate in Hz (0 before activation).
    pub sample_rate_hz: AtomicF32,
    /// Whether the loudness meters run at this rate ([`LoudnessStatus::to_u8`]); set on
    /// activation.
    pub loudness_status: AtomicU8,
    /// Input peak after trim since the last snapshot, dBFS.
    pub input_peak_db: AtomicF32,
    /// Output sample peak since the last snapshot, dBFS.
    pub output_peak_db: AtomicF32,
    /// Output true peak since the last snapshot, dBTP.
    pub true_peak_db: AtomicF32,
    /// Compressor gain reduction since the last snapshot, dB.
    pub gain_reduction_db: AtomicF32,
    /// Momentary loudness, LUFS.
    pub momentary_lufs: AtomicF32,
    /// Short-term loudness, LUFS.
    pub shortterm_lufs: AtomicF32,
    /// Integrated loudness since playback started, LUFS.
    pub integrated_lufs: AtomicF32,
    /// Output RMS over 400 ms, dBFS.
    pub rms_db: AtomicF32,
    /// Output stereo correlation.
    pub correlation: AtomicF32,
    /// Output band powers (dB) for left and right.
    pub band_db: [[AtomicF32; NUM_BANDS]; 2],
    /// The stem's name for the audio thread (mirrors the persisted name).
    pub name: AtomicStemName,
    /// Set by the GUI when the persisted name changed, so the editor re-reads it.
    pub name_dirty: AtomicBool,
    /// The name published while `name` is empty ("Music 2"), left by the link thread
    /// (`link::fallback_number`).
    pub fallback_name: AtomicStemName,
    /// The gain offset a Stem Master requests of this Strip, dB (0 when none).
    pub gain_request_db: AtomicF32,
    /// The host's track colour ([`Shared::set_track_color`], as
    /// [`pack_rgb`](shared_dsp::snapshot::pack_rgb) packs it). Published on the link for the
    /// Master's view.
    pub track_color: AtomicU32,
}

/// A host's track colour (red, green, blue, alpha) as the Strip publishes it: `None` for no
/// colour or a transparent one (see [`Shared::set_host_track_color`]).
pub fn host_track_color(rgba: Option<[u8; 4]>) -> Option<[u8; 3]> {
    rgba.filter(|c| c[3] != 0).map(|[r, g, b, _]| [r, g, b])
}

impl Default for Shared {
    fn default() -> Self {
        let floor = || AtomicF32::new(FLOOR_DB);
        Self {
            sample_rate_hz: AtomicF32::new(0.0),
            loudness_status: AtomicU8::new(LoudnessStatus::On.to_u8()),
            input_peak_db: floor(),
            output_peak_db: floor(),
            true_peak_db: floor(),
            gain_reduction_db: AtomicF32::new(0.0),
            momentary_lufs: floor(),
            shortterm_lufs: floor(),
            integrated_lufs: floor(),
            rms_db: floor(),
            correlation: AtomicF32::new(1.0),
            band_db: std::array::from_fn(|_| std::array::from_fn(|_| floor())),
            name: AtomicStemName::new(),
            name_dirty: AtomicBool::new(true),
            fallback_name: AtomicStemName::new(),
            gain_request_db: AtomicF32::new(0.0),
            track_color: AtomicU32::new(0),
        }
    }
}

impl Shared {
    /// Records the track colour a host's track info gives, as red, green, blue and alpha:
    /// a colour with zero alpha is no colour (VST3 hosts such as Ardour send 0, transparent
    /// black, for a track with no colour; CLAP calls it `CLAP_COLOR_TRANSPARENT`), so the
    /// stem is drawn in its role's colour rather than black.
    pub fn set_host_track_color(&self, rgba: Option<[u8; 4]>) {
        self.set_track_color(host_track_color(rgba));
    }

    /// Records the host's track colour (from its track info), `None` when it has none.
    pub fn set_track_color(&self, rgb: Option<[u8; 3]>) {
        self.track_color.store(pack_rgb(rgb), Ordering::Relaxed);
    }

    /// The host's track colour, if known.
    pub fn track_color(&self) -> Option<[u8; 3]> {
        unpack_rgb(self.track_color.load(Ordering::Relaxed))
    }

    /// Whether the loudness meters run, and why not.
    pub fn loudness_status(&self) -> LoudnessStatus {
        LoudnessStatus::from_u8(self.loudness_status.load(Ordering::Relaxed))
    }

    fn publish(&self, snap: &StemSnapshot, input_peak_db: f32, integrated_lufs: f32) {
        let r = Ordering::Relaxed;
        self.input_peak_db.store(input_peak_db.max(FLOOR_DB), r);
        self.output_peak_db.store(snap.sample_peak_db, r);
        self.true_peak_db.store(snap.true_peak_db, r);
        self.gain_reduction_db
            .store(snap.gain_reduction_db.max(0.0), r);
        self.momentary_lufs.store(snap.momentary_lufs, r);
        self.shortterm_lufs.store(snap.shortterm_lufs, r);
        self.integrated_lufs.store(integrated_lufs.max(FLOOR_DB), r);
        self.rms_db.store(snap.rms_db, r);
        self.correlation.store(snap.correlation, r);
        for (ch, bands) in snap.band_db.iter().enumerate() {
            for (b, &v) in bands.iter().enumerate() {
                self.band_db[ch][b].store(v, r);
            }
        }
    }
}

/// The Stem Strip plugin.
pub struct StemStrip {
    params: Arc<StripParams>,
    shared: Arc<Shared>,
    /// Built in `activate()` for the host's sample rate and channel count.
    strip: Option<Strip>,
    snapshot: StemSnapshot,
    name: StemName,
    /// The link as the audio thread sees it (publish, gain request). Replaced only through
    /// `link_hub`'s mailboxes and never dropped on the audio thread (see [`link`]).
    link: link::AudioLink,
    /// The link's shared side: background thread, GUI view, mailboxes.
    link_hub: Arc<link::LinkHub>,
}

impl Default for StemStrip {
    fn default() -> Self {
        Self {
            params: Arc::new(StripParams::default()),
            shared: Arc::new(Shared::default()),
            strip: None,
            snapshot: StemSnapshot::default(),
            name: StemName::default(),
            link: link::AudioLink::default(),
            link_hub: Arc::new(link::LinkHub::default()),
        }
    }
}

impl Drop for StemStrip {
    fn drop(&mut self) {
        self.close_link();
    }
}

impl StemStrip {
    /// The parameters (shared with the editor and the host).
    pub fn params_handle(&self) -> Arc<StripParams> {
        self.params.clone()
    }

    /// The editor, independent of the plugin type a wrapper exports it as.
    pub fn create_editor(&self) -> Option<editor::StripEditor> {
        editor::create(
            self.params.clone(),
            self.shared.clone(),
            self.link_hub.clone(),
        )
    }

    /// The link's shared side (GUI view, group picker).
    pub fn link_hub(&self) -> Arc<link::LinkHub> {
        self.link_hub.clone()
    }

    /// Opens the link (if not open yet) and starts its heartbeat/status thread. Off the audio
    /// thread (called from `prepare()`). A failure is logged and shown in the GUI; audio runs
    /// on regardless.
    fn open_link(&mut self) {
        if self.link.is_none() {
            if let Some(writer) = self.link_hub.open(&self.params) {
                self.link.set(writer);
            }
        }
        self.link_hub
            .start_thread(self.params.clone(), self.shared.clone());
    }

    /// Stops the link thread and frees the slot (deactivation, drop). Not on the audio thread.
    fn close_link(&mut self) {
        self.link_hub.stop_thread();
        self.link.clear();
        self.link_hub.close();
        self.shared.gain_request_db.store(0.0, Ordering::Relaxed);
    }

    /// Builds the DSP for a sample rate and channel count (allocates; called from
    /// `activate()`). Runs at any positive rate: where the loudness meters cannot, they
    /// switch off and the GUI says so. Returns `false` only for a channel count other than 1
    /// or 2 or a rate that is not positive, which no layout of this plugin gives.
    pub fn prepare(&mut self, rate: f32, channels: usize) -> bool {
        let needs_new = self
            .strip
            .as_ref()
            .is_none_or(|s| s.sample_rate_hz() != rate || s.num_channels() != channels);
        if needs_new {
            match Strip::new(rate, channels) {
                Ok(strip) => self.strip = Some(strip),
                Err(err) => {
                    nice_error!("Stem Strip cannot run: {err}");
                    return false;
                }
            }
        }
        self.shared.sample_rate_hz.store(rate, Ordering::Relaxed);
        if let Some(strip) = self.strip.as_ref() {
            let status = strip.loudness_status();
            if let Some(text) = status.off_text(rate) {
                nice_log!("Stem Strip: {text}");
            }
            self.shared
                .loudness_status
                .store(status.to_u8(), Ordering::Relaxed);
        }
        let name = self.params.name.read().clone();
        self.name = StemName::new(&name);
        self.shared.name.store(self.name);
        if let Some(strip) = self.strip.as_mut() {
            strip.set_target(&self.params.settings());
            strip.set_bypass(self.params.bypass.value());
            strip.snap_to_target();
        }
        self.open_link();
        true
    }

    /// Deactivation: leaves the link (the slot is freed at once, so the Master stops showing
    /// this Strip). Not on the audio thread.
    pub fn release(&mut self) {
        self.close_link();
    }

    /// Clears all signal history (filters, detector, meters). Audio-thread safe.
    pub fn reset_dsp(&mut self) {
        let mut settings = self.params.settings();
        settings.gain_offset_db = self.link.gain_request_db();
        if let Some(strip) = self.strip.as_mut() {
            strip.set_target(&settings);
            strip.set_bypass(self.params.bypass.value());
            strip.reset();
        }
    }

    /// Processes one block in place (1 or 2 channels) and publishes the analysis when a
    /// snapshot is due. Audio-thread safe: no allocation, lock or syscall.
    pub fn process_audio(&mut self, channels: &mut [&mut [f32]], transport: TransportPosition) {
        self.link.poll(&self.link_hub);
        let Some(strip) = self.strip.as_mut() else {
            return;
        };
        let gain_request_db = self.link.gain_request_db();
        let mut settings = self.params.settings();
        settings.gain_offset_db = gain_request_db;
        strip.set_target(&settings);
        // Bypass crossfades inside the Strip, which keeps processing underneath and
        // analyses (and publishes) what it outputs: the input, while bypassed.
        strip.set_bypass(self.params.bypass.value());
        match channels {
            [left, right, ..] => strip.process(left, Some(right)),
            [mono] => strip.process(mono, None),
            [] => {}
        }
        if strip.snapshot_due() {
            if let Some(name) = self.shared.name.load() {
                self.name = name;
            }
            let name = if self.name.as_str().is_empty() {
                self.shared.fallback_name.load().unwrap_or(self.name)
            } else {
                self.name
            };
            let role = self.params.role.value().0;
            strip.take_snapshot(role, name, transport, &mut self.snapshot);
            self.snapshot.color_rgb = self.shared.track_color();
            let meters = strip.take_meters();
            self.shared
                .publish(&self.snapshot, meters.input_peak_db, meters.integrated_lufs);
            self.shared
                .gain_request_db
                .store(gain_request_db, Ordering::Relaxed);
            self.link.publish(&self.snapshot);
        }
    }
}

impl Plugin for StemStrip {
    const NAME: &'static str = "Stem Strip";
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

    type Editor = editor::StripEditor;
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
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = audio_io_layout
            .main_output_channels
            .map_or(2, |c| c.get() as usize)
            .min(2);
        self.prepare(buffer_config.sample_rate, channels)
    }

    fn deactivate(&mut self) {
        self.release();
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
        let t = context.transport();
        let position = t.pos_seconds();
        let transport = TransportPosition {
            playing: t.playing,
            known: position.is_some(),
            position_seconds: position.unwrap_or(0.0),
        };
        self.process_audio(buffer.as_slice(), transport);
        ProcessStatus::Normal
    }
}

impl ClapPlugin for StemStrip {
    const CLAP_ID: &'static str = "org.stem-suite.stem-strip";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Per-stem trim, EQ, compression, width and analysis for stem mastering");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(stem_plugin_common::MANUAL_URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = Some(stem_plugin_common::SUPPORT_URL);
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Equalizer,
        ClapFeature::Compressor,
        ClapFeature::Analyzer,
        ClapFeature::Mastering,
    ];
}

impl Vst3Plugin for StemStrip {
    const VST3_CLASS_ID: [u8; 16] = *b"StemSuiteStripV1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Eq,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Analyzer,
    ];
}

nice_export_clap!(StemStrip);
nice_export_vst3!(StemStrip);
