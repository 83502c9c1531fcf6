//! A small CLAP host on `clack-host` 0.2: loads a bundle, instantiates a plugin, answers its
//! callbacks (log, params, state, audio ports, track info), activates it, processes planar
//! f32 audio in blocks with parameter events, and reads parameters and state back.
//!
//! Threads: the `PluginInstance` stays on the thread that made it (the plugin's main
//! thread). Audio runs on a separate scoped thread, as in a real host: nice-plug runs
//! main-thread work (GUI notifications of parameter changes) immediately when it is called on
//! the main thread, which inside `process()` would allocate and trip
//! `assert_process_allocs` for a reason no real host would cause. The started audio
//! processor moves to the audio thread for each [`Plugin::run`] and back.
//!
//! **The spec's threading and activation rules are checked.** The host records every
//! callback the CLAP spec forbids at the moment it arrives (a main-thread callback from
//! another thread, `latency.changed` outside `clap_plugin::activate`, a full parameter or
//! audio-port rescan while active) and [`Plugin`]'s drop fails the test on any
//! ([`Plugin::violations`]). It answers `thread-check`, so the plugin knows its main thread as
//! the host does.
//!
//! Parameter values: nice-plug exposes every parameter to CLAP as its normalised value
//! (0..1) times its step count (1 for continuous parameters), both in the params extension
//! and in `CLAP_EVENT_PARAM_VALUE` events; the CLAP id is nice-plug's hash of the string id
//! ([`param_hash`]). So a "plain" CLAP value is what the params extension reports; to set a
//! value in the parameter's own units the tests go through the plugin's `text_to_value`
//! ([`Plugin::parse`]), exactly as a host's "type a value" box does.

use clack_extensions::audio_ports::{
    AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl, PluginAudioPorts,
};
use clack_extensions::audio_ports_config::{AudioPortsConfigBuffer, PluginAudioPortsConfig};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_extensions::track_info::{HostTrackInfo, HostTrackInfoImpl, TrackInfo, TrackInfoWriter};
use clack_host::events::event_types::{ParamValueEvent, TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::prelude::*;
use clack_host::process::StartedPluginAudioProcessor;
use clack_host::utils::ClapId;
use clack_host::utils::{BeatTime, SecondsTime};
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::CString;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;

/// nice-plug's CLAP parameter id for a string parameter id (its `hash_param_id`: a 31-based
/// string hash with the top bit cleared).
pub fn param_hash(id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(byte as u32);
    }
    hash & !(1 << 31)
}

/// Callback state that any thread may touch.
pub struct HostShared {
    /// The thread that made the instance: the plugin's main thread.
    main_thread: ThreadId,
    /// Inside `clap_plugin::activate`.
    activating: AtomicBool,
    /// Between a successful `activate` and `deactivate`.
    active: AtomicBool,
    /// Callbacks the CLAP spec forbids at the moment they came, described.
    violations: Mutex<Vec<String>>,
    callback_requested: AtomicBool,
    restart_requested: AtomicBool,
    process_requested: AtomicBool,
    flush_requested: AtomicBool,
    /// Error and fatal messages the plugin logged through the host.
    errors_logged: AtomicU32,
}

impl HostShared {
    fn new() -> Self {
        Self {
            main_thread: std::thread::current().id(),
            activating: AtomicBool::new(false),
            active: AtomicBool::new(false),
            violations: Mutex::new(Vec::new()),
            callback_requested: AtomicBool::new(false),
            restart_requested: AtomicBool::new(false),
            process_requested: AtomicBool::new(false),
            flush_requested: AtomicBool::new(false),
            errors_logged: AtomicU32::new(0),
        }
    }

    fn violation(&self, what: String) {
        eprintln!("[host] CLAP rule broken: {what}");
        self.violations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(what);
    }

    /// Records `callback` as a violation unless it came on the main thread.
    fn on_main_thread(&self, callback: &str) {
        let here = std::thread::current();
        if here.id() != self.main_thread {
            self.violation(format!(
                "{callback} called on thread {:?} ({:?}), not the main thread",
                here.name(),
                here.id()
            ));
        }
    }
}

impl HostThreadCheckImpl for HostShared {
    fn is_main_thread(&self) -> bool {
        std::thread::current().id() == self.main_thread
    }
    fn is_audio_thread(&self) -> bool {
        // The audio thread is the one `Plugin::run` spawns: any thread but the main one.
        !self.is_main_thread()
    }
}

impl<'a> SharedHandler<'a> for HostShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {
        self.process_requested.store(true, Ordering::SeqCst);
    }
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for HostShared {
    fn log(&self, severity: LogSeverity, message: &str) {
        if matches!(
            severity,
            LogSeverity::Error
                | LogSeverity::Fatal
                | LogSeverity::HostMisbehaving
                | LogSeverity::PluginMisbehaving
        ) {
            self.errors_logged.fetch_add(1, Ordering::SeqCst);
        }
        // NOTE: only tests read this; printing from the audio thread is fine here.
        eprintln!("[plugin {severity}] {message}");
    }
}

impl HostParamsImplShared for HostShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Main-thread callback state.
pub struct HostMain<'a> {
    shared: &'a HostShared,
    track_name: Option<String>,
    track_color: Option<[u8; 4]>,
    state_dirty: Cell<bool>,
    param_rescans: Cell<u32>,
    /// Times the plugin said its latency changed.
    latency_changes: Cell<u32>,
}

impl<'a> MainThreadHandler<'a> for HostMain<'a> {}

impl HostParamsImplMainThread for HostMain<'_> {
    fn rescan(&self, flags: ParamRescanFlags) {
        self.shared.on_main_thread("params.rescan");
        // CLAP: "CLAP_PARAM_RESCAN_ALL ... the plugin must be deactivated".
        if flags.contains(ParamRescanFlags::ALL) && self.shared.active.load(Ordering::SeqCst) {
            self.shared
                .violation("params.rescan(CLAP_PARAM_RESCAN_ALL) while active".into());
        }
        // NOTE: only counted when the call was legal (a Cell on another thread would race).
        if self.shared.is_main_thread() {
            self.param_rescans.set(self.param_rescans.get() + 1);
        }
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {
        self.shared.on_main_thread("params.clear");
    }
}

impl HostLatencyImpl for HostMain<'_> {
    fn changed(&self) {
        self.shared.on_main_thread("latency.changed");
        // CLAP (latency.h): the latency may change, and be announced, only while the plugin
        // is being activated; an active plugin asks for a restart first.
        if !self.shared.activating.load(Ordering::SeqCst) {
            self.shared.violation(format!(
                "latency.changed outside clap_plugin::activate (plugin {})",
                if self.shared.active.load(Ordering::SeqCst) {
                    "active"
                } else {
                    "inactive"
                }
            ));
        }
        if self.shared.is_main_thread() {
            self.latency_changes.set(self.latency_changes.get() + 1);
        }
    }
}

impl HostStateImpl for HostMain<'_> {
    fn mark_dirty(&self) {
        self.shared.on_main_thread("state.mark_dirty");
        if self.shared.is_main_thread() {
            self.state_dirty.set(true);
        }
    }
}

impl HostAudioPortsImpl for HostMain<'_> {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        self.shared
            .on_main_thread("audio_ports.is_rescan_flag_supported");
        false
    }
    fn rescan(&self, flags: AudioPortRescanFlags) {
        self.shared.on_main_thread("audio_ports.rescan");
        // CLAP: every rescan but of the names needs the plugin deactivated.
        if flags != AudioPortRescanFlags::NAMES && self.shared.active.load(Ordering::SeqCst) {
            self.shared
                .violation(format!("audio_ports.rescan({flags:?}) while active"));
        }
    }
}

impl HostTrackInfoImpl for HostMain<'_> {
    fn get<'a>(&'a self, writer: &mut TrackInfoWriter<'_, 'a>) {
        self.shared.on_main_thread("track_info.get");
        let color = self
            .track_color
            .map(|[red, green, blue, alpha]| clack_host::utils::Color {
                alpha,
                red,
                green,
                blue,
            });
        if self.track_name.is_some() || color.is_some() {
            let name = self.track_name.as_deref().map(str::as_bytes);
            writer.set(&TrackInfo::new().with_name(name).with_color(color));
        }
    }
}

/// The host type `clack-host` is parameterised over.
pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = HostShared;
    type MainThread<'a> = HostMain<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostAudioPorts>()
            .register::<HostLatency>()
            .register::<HostThreadCheck>()
            .register::<HostTrackInfo>();
    }
}

/// Main input/output channel count of the layout to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 1 in, 1 out.
    Mono,
    /// 2 in, 2 out.
    Stereo,
}

impl Layout {
    /// Channels per port.
    pub fn channels(self) -> usize {
        match self {
            Layout::Mono => 1,
            Layout::Stereo => 2,
        }
    }
}

/// How to set a plugin up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// The largest block the host will pass, in frames.
    pub max_block: u32,
    /// The audio layout to select before activation.
    pub layout: Layout,
    /// The track name the host reports through track-info (`None`: no name).
    pub track_name: Option<String>,
    /// The track colour the host reports through track-info, red, green, blue and alpha
    /// (`None`: no colour).
    pub track_color: Option<[u8; 4]>,
    /// Send a playing transport with every block, at this many seconds for the first
    /// processed frame and counting on with the frames (`None`: no transport, as some hosts
    /// do offline).
    pub transport_from_s: Option<f64>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
            max_block: 4096,
            layout: Layout::Stereo,
            track_name: None,
            track_color: None,
            transport_from_s: None,
        }
    }
}

impl Config {
    /// Stereo at `sample_rate` with blocks of at most `max_block`.
    pub fn stereo(sample_rate: f64, max_block: u32) -> Self {
        Self {
            sample_rate,
            max_block,
            ..Self::default()
        }
    }

    /// Mono at `sample_rate` with blocks of at most `max_block`.
    pub fn mono(sample_rate: f64, max_block: u32) -> Self {
        Self {
            sample_rate,
            max_block,
            layout: Layout::Mono,
            ..Self::default()
        }
    }
}

/// What the params extension says about one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDesc {
    /// CLAP id (nice-plug: hash of the string id).
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Module path (nice-plug: the parameter group, e.g. "Bell 2").
    pub module: String,
    /// Lowest CLAP value.
    pub min: f64,
    /// Highest CLAP value (nice-plug: the step count, 1 for continuous parameters).
    pub max: f64,
    /// Default CLAP value.
    pub default: f64,
    /// Whether the parameter is stepped (bool, enum, int).
    pub stepped: bool,
    /// Whether it is the plugin's bypass (hosts wire it to their bypass button).
    pub bypass: bool,
}

/// One block to process: its length and the parameter events at its start.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Frames in this block (1 ..= max block).
    pub frames: usize,
    /// Parameter changes `(sample offset, CLAP id, CLAP value)`, sorted by offset.
    pub events: Vec<(u32, u32, f64)>,
}

/// A loaded, instantiated plugin, optionally active and processing.
pub struct Plugin {
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    instance: PluginInstance<TestHost>,
    params: PluginParams,
    state: PluginState,
    config: Config,
    infos: Vec<ParamDesc>,
    by_id: HashMap<u32, usize>,
    pending: Vec<(u32, u32, f64)>,
    steady_time: u64,
    /// See [`Plugin::defer_main_thread`].
    deferred: bool,
    _entry: PluginEntry,
}

impl Plugin {
    /// Loads `bundle`, creates the plugin `plugin_id`, selects `config.layout`; inactive.
    pub fn instantiate(bundle: &Path, plugin_id: &str, config: Config) -> Self {
        // Every plugin of the tests links through a private segment, never the user's, and
        // logs where the harness reads it.
        crate::link::test_link_dir();
        plugin_log();
        // SAFETY: loading a CLAP library runs its initialiser; the bundle is our own build.
        let entry = unsafe { PluginEntry::load(bundle) }
            .unwrap_or_else(|e| panic!("cannot load {}: {e}", bundle.display()));
        // NOTE: the library is never unloaded: the plugin's thread-local destructors (pthread
        // keys registered by Rust's std inside the .so) run when a thread that called into it
        // exits, and after a dlclose that crashes the test process. Real hosts keep plugin
        // libraries loaded too. Leaking one reference per process keeps it mapped.
        static PINNED: std::sync::Mutex<Vec<std::path::PathBuf>> =
            std::sync::Mutex::new(Vec::new());
        let mut pinned = PINNED.lock().unwrap_or_else(|e| e.into_inner());
        if !pinned.iter().any(|p| p == bundle) {
            pinned.push(bundle.to_path_buf());
            std::mem::forget(entry.clone());
        }
        drop(pinned);
        let host_info = HostInfo::new(
            "stem-tests",
            "Stem Suite",
            "https://example.invalid",
            "0.1.0",
        )
        .expect("valid host info");
        let id = CString::new(plugin_id).expect("plugin id without NUL");
        let track_name = config.track_name.clone();
        let track_color = config.track_color;
        let mut instance = PluginInstance::<TestHost>::new(
            |_| HostShared::new(),
            move |shared| HostMain {
                shared,
                track_name,
                track_color,
                state_dirty: Cell::new(false),
                param_rescans: Cell::new(0),
                latency_changes: Cell::new(0),
            },
            &entry,
            &id,
            &host_info,
        )
        .unwrap_or_else(|e| {
            panic!(
                "cannot instantiate {plugin_id} from {}: {e}",
                bundle.display()
            )
        });

        let handle = instance.plugin_handle();
        let params = handle
            .get_extension::<PluginParams>()
            .expect("the plugin implements the params extension");
        let state = handle
            .get_extension::<PluginState>()
            .expect("the plugin implements the state extension");

        let mut infos = Vec::new();
        let mut buffer = ParamInfoBuffer::new();
        for index in 0..params.count(&handle) {
            let info = params
                .get_info(&handle, index, &mut buffer)
                .unwrap_or_else(|| panic!("params.get_info({index}) failed"));
            infos.push(ParamDesc {
                id: info.id.get(),
                name: String::from_utf8_lossy(info.name).into_owned(),
                module: String::from_utf8_lossy(info.module).into_owned(),
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
                stepped: info.flags.contains(ParamInfoFlags::IS_STEPPED),
                bypass: info.flags.contains(ParamInfoFlags::IS_BYPASS),
            });
        }
        let by_id = infos.iter().enumerate().map(|(i, p)| (p.id, i)).collect();

        let mut plugin = Self {
            processor: None,
            instance,
            params,
            state,
            config,
            infos,
            by_id,
            pending: Vec::new(),
            steady_time: 0,
            deferred: false,
            _entry: entry,
        };
        plugin.select_layout();
        plugin
    }

    /// [`instantiate`](Self::instantiate), [`activate`](Self::activate).
    pub fn new(bundle: &Path, plugin_id: &str, config: Config) -> Self {
        let mut plugin = Self::instantiate(bundle, plugin_id, config);
        plugin.activate();
        plugin
    }

    fn select_layout(&mut self) {
        let want = self.config.layout.channels() as u32;
        let handle = self.instance.plugin_handle();
        let Some(configs) = handle.get_extension::<PluginAudioPortsConfig>() else {
            assert_eq!(
                self.config.layout,
                Layout::Stereo,
                "no audio-ports-config: only the default layout"
            );
            return;
        };
        let mut buffer = AudioPortsConfigBuffer::new();
        let mut names = Vec::new();
        for index in 0..configs.count(&handle) {
            let Some(c) = configs.get(&handle, index, &mut buffer) else {
                continue;
            };
            let ins = c.main_input.as_ref().map(|p| p.channel_count);
            let outs = c.main_output.as_ref().map(|p| p.channel_count);
            names.push(format!(
                "{} ({ins:?} in, {outs:?} out)",
                String::from_utf8_lossy(c.name)
            ));
            if ins == Some(want)
                && outs == Some(want)
                && c.input_port_count == 1
                && c.output_port_count == 1
            {
                let id = c.id;
                configs
                    .select(&handle, id)
                    .unwrap_or_else(|_| panic!("the plugin refused audio ports config {id:?}"));
                return;
            }
        }
        panic!("no audio ports config with {want} in / {want} out; the plugin offers {names:?}");
    }

    /// Channel counts of the audio ports the plugin reports now: (inputs, outputs).
    pub fn audio_ports(&mut self) -> (Vec<u32>, Vec<u32>) {
        let handle = self.instance.plugin_handle();
        let ports = handle
            .get_extension::<PluginAudioPorts>()
            .expect("the plugin implements audio-ports");
        let mut buffer = AudioPortInfoBuffer::new();
        let mut list = |is_input| {
            (0..ports.count(&handle, is_input))
                .map(|i| {
                    ports
                        .get(&handle, i, is_input, &mut buffer)
                        .map(|p| p.channel_count)
                        .unwrap_or(0)
                })
                .collect::<Vec<_>>()
        };
        let ins = list(true);
        let outs = list(false);
        (ins, outs)
    }

    /// Activates at the configured rate and block size and starts processing.
    pub fn activate(&mut self) {
        assert!(self.processor.is_none(), "already active");
        let configuration = PluginAudioConfiguration {
            sample_rate: self.config.sample_rate,
            min_frames_count: 1,
            max_frames_count: self.config.max_block,
        };
        self.instance
            .access_shared_handler(|s| s.activating.store(true, Ordering::SeqCst));
        let stopped = self.instance.activate(|_, _| (), configuration);
        self.instance.access_shared_handler(|s| {
            s.activating.store(false, Ordering::SeqCst);
            s.active.store(stopped.is_ok(), Ordering::SeqCst);
        });
        let stopped =
            stopped.unwrap_or_else(|e| panic!("activation at {configuration:?} failed: {e}"));
        let started = stopped
            .start_processing()
            .unwrap_or_else(|e| panic!("start_processing failed: {e}"));
        self.processor = Some(started);
        self.maybe_service_main_thread();
    }

    /// Deactivates, selects `layout` (through audio-ports-config, which a host may do only
    /// while the plugin is inactive) and activates again at `sample_rate`: the same instance,
    /// its parameters kept, as a host does when the project's rate or the track's channels
    /// change.
    pub fn reconfigure(&mut self, sample_rate: f64, layout: Layout) {
        self.deactivate();
        self.config.sample_rate = sample_rate;
        self.config.layout = layout;
        self.select_layout();
        self.activate();
    }

    /// Stops processing and deactivates (the processor goes before the instance).
    pub fn deactivate(&mut self) {
        if let Some(started) = self.processor.take() {
            let stopped = started.stop_processing();
            self.instance.deactivate(stopped);
            self.instance
                .access_shared_handler(|s| s.active.store(false, Ordering::SeqCst));
        }
    }

    /// Whether main-thread callbacks the plugin requested are answered right after each call
    /// into it (the default), or only when the test calls [`Plugin::service_main_thread`]:
    /// a real host's event loop may run them later, after it deactivated the plugin.
    pub fn defer_main_thread(&mut self, defer: bool) {
        self.deferred = defer;
    }

    /// Fails, listing them, when the plugin made any callback the CLAP spec forbids at that
    /// moment; `context` goes before the message.
    pub fn assert_no_violations(&self, context: &str) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "{context}the plugin broke CLAP's rules:\n{}",
            violations.join("\n")
        );
    }

    /// The callbacks the plugin made that the CLAP spec forbids at that moment, described.
    pub fn violations(&self) -> Vec<String> {
        self.instance.access_shared_handler(|s| {
            s.violations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        })
    }

    /// The latency the plugin reports now (the latency extension), samples.
    pub fn latency(&mut self) -> u32 {
        let handle = self.instance.plugin_handle();
        handle
            .get_extension::<PluginLatency>()
            .map_or(0, |latency| latency.get(&handle))
    }

    /// Whether the plugin asked the host to restart it (deactivate and activate, as it must
    /// to change its latency) since the last call.
    pub fn take_restart_request(&mut self) -> bool {
        self.instance
            .access_shared_handler(|s| s.restart_requested.swap(false, Ordering::SeqCst))
    }

    /// Times the plugin told the host its latency changed.
    pub fn latency_changes(&mut self) -> u32 {
        self.instance.access_handler(|h| h.latency_changes.get())
    }

    /// The configuration this plugin was set up with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every parameter the params extension lists.
    pub fn param_infos(&self) -> &[ParamDesc] {
        &self.infos
    }

    /// The parameter with string id `id` (nice-plug's id, e.g. `"b2_f"`). Panics, listing
    /// what the plugin has, when it does not exist.
    pub fn info(&self, id: &str) -> &ParamDesc {
        let hash = param_hash(id);
        match self.by_id.get(&hash) {
            Some(&i) => &self.infos[i],
            None => panic!(
                "parameter {id:?} (CLAP id {hash}) is not exposed; the plugin has: {:?}",
                self.infos
                    .iter()
                    .map(|p| (&p.module, &p.name))
                    .collect::<Vec<_>>()
            ),
        }
    }

    /// The CLAP value of parameter `id` now (through the params extension).
    pub fn value(&mut self, id: &str) -> f64 {
        let hash = self.info(id).id;
        self.value_by_hash(hash)
    }

    /// The CLAP value of the parameter with CLAP id `hash`.
    pub fn value_by_hash(&mut self, hash: u32) -> f64 {
        let handle = self.instance.plugin_handle();
        self.params
            .get_value(&handle, ClapId::new(hash))
            .unwrap_or_else(|| panic!("params.get_value({hash}) failed"))
    }

    /// The plugin's text for CLAP value `value` of parameter `id`.
    pub fn text_of(&mut self, id: &str, value: f64) -> String {
        let hash = self.info(id).id;
        self.text_by_hash(hash, value)
    }

    /// The plugin's text for CLAP value `value` of the parameter with CLAP id `hash`.
    pub fn text_by_hash(&mut self, hash: u32, value: f64) -> String {
        let handle = self.instance.plugin_handle();
        let mut buffer = [0u8; 256];
        let text = self
            .params
            .value_to_text(&handle, ClapId::new(hash), value, &mut buffer)
            .unwrap_or_else(|_| panic!("params.value_to_text({hash}, {value}) failed"));
        String::from_utf8_lossy(text).into_owned()
    }

    /// The plugin's text for the current value of parameter `id`.
    pub fn text(&mut self, id: &str) -> String {
        let value = self.value(id);
        self.text_of(id, value)
    }

    /// The CLAP value the plugin parses from `text` for parameter `id` (its text-to-value).
    pub fn parse(&mut self, id: &str, text: &str) -> f64 {
        let hash = self.info(id).id;
        self.parse_by_hash(hash, text)
            .unwrap_or_else(|| panic!("the plugin cannot parse {text:?} for {id:?}"))
    }

    /// The CLAP value the plugin parses from `text` for the parameter with CLAP id `hash`,
    /// `None` when it refuses the text.
    pub fn parse_by_hash(&mut self, hash: u32, text: &str) -> Option<f64> {
        let handle = self.instance.plugin_handle();
        let c_text = CString::new(text).expect("text without NUL");
        self.params
            .text_to_value(&handle, ClapId::new(hash), &c_text)
    }

    /// Queues a change of parameter `id` to CLAP value `value`, sent with the next block.
    pub fn set(&mut self, id: &str, value: f64) {
        let hash = self.info(id).id;
        self.pending.push((0, hash, value));
    }

    /// Sends a playing transport from `from_s` seconds on with the next blocks, or (`None`)
    /// none, as a host does when its transport stops.
    pub fn set_transport(&mut self, from_s: Option<f64>) {
        self.config.transport_from_s = from_s;
    }

    /// Queues a change of the parameter with CLAP id `hash` to CLAP value `value`.
    pub fn set_by_hash(&mut self, hash: u32, value: f64) {
        self.pending.push((0, hash, value));
    }

    /// Queues a change of parameter `id` to the value the plugin parses from `text`.
    pub fn set_text(&mut self, id: &str, text: &str) {
        let value = self.parse(id, text);
        self.set(id, value);
    }

    /// Sends the queued parameter changes through the params extension's flush (outside
    /// `process()`, the way a host updates a stopped plugin).
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut input = EventBuffer::with_capacity(self.pending.len());
        for &(time, hash, value) in &self.pending {
            input.push(&ParamValueEvent::new(
                time,
                ClapId::new(hash),
                Pckn::match_all(),
                value,
            ));
        }
        let mut output = EventBuffer::new();
        let params = self.params;
        match self.processor.as_mut() {
            Some(processor) => params.flush_active(
                &mut processor.plugin_handle(),
                &input.as_input(),
                &mut output.as_output(),
            ),
            None => {
                let mut handle = self
                    .instance
                    .inactive_plugin_handle()
                    .expect("an inactive plugin has an inactive handle");
                params.flush(&mut handle, &input.as_input(), &mut output.as_output());
            }
        }
        self.pending.clear();
        self.maybe_service_main_thread();
    }

    /// Saves the plugin's state.
    pub fn save_state(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let handle = self.instance.plugin_handle();
        self.state
            .save(&handle, &mut bytes)
            .unwrap_or_else(|e| panic!("state save failed: {e}"));
        bytes
    }

    /// The saved state as JSON (nice-plug's CLAP state is a little-endian u64 length, then
    /// the JSON).
    pub fn state_json(&mut self) -> serde_json::Value {
        let state = self.save_state();
        let json = state.get(8..).expect("a length, then JSON");
        serde_json::from_slice(json).expect("nice-plug's state is JSON")
    }

    /// Loads a state given as JSON (framed as [`state_json`](Self::state_json) reads it).
    pub fn load_state_json(&mut self, state: &serde_json::Value) {
        let json = serde_json::to_vec(state).expect("JSON");
        let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(&json);
        self.load_state(&bytes);
    }

    /// Loads a state saved by [`save_state`](Self::save_state).
    pub fn load_state(&mut self, bytes: &[u8]) {
        let handle = self.instance.plugin_handle();
        let mut reader = bytes;
        self.state
            .load(&handle, &mut reader)
            .unwrap_or_else(|e| panic!("state load failed: {e}"));
        self.maybe_service_main_thread();
    }

    /// Whether the plugin marked its state dirty since the last call.
    pub fn take_state_dirty(&mut self) -> bool {
        self.instance
            .access_handler(|h| h.state_dirty.replace(false))
    }

    /// Messages of error severity the plugin logged through the host so far, plus the error
    /// lines in this process' plugin log ([`plugin_log_errors`]: nice-plug logs through its
    /// own logger, not the host's).
    pub fn errors_logged(&self) -> u32 {
        let host = self
            .instance
            .access_shared_handler(|s| s.errors_logged.load(Ordering::SeqCst));
        host + plugin_log_errors().len() as u32
    }

    /// Processes `input` (one `Vec` per channel, all equally long) in blocks of `block`
    /// frames (the last one shorter) and returns the output, one `Vec` per channel.
    /// Queued parameter changes go with the first block.
    pub fn process(&mut self, input: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
        let frames = input.first().map_or(0, Vec::len);
        let sizes = crate::signal::blocks_cycling(frames, &[block]);
        self.process_sizes(input, &sizes)
    }

    /// Processes `input` in blocks of the given sizes (which must add up to its length).
    pub fn process_sizes(&mut self, input: &[Vec<f32>], sizes: &[usize]) -> Vec<Vec<f32>> {
        let blocks: Vec<Block> = sizes
            .iter()
            .map(|&frames| Block {
                frames,
                events: Vec::new(),
            })
            .collect();
        self.run(input, blocks)
    }

    /// Processes `input` block by block as `blocks` describes, with their parameter events
    /// (queued changes are added to the first block). Runs on a separate audio thread and
    /// answers the plugin's main-thread requests afterwards.
    pub fn run(&mut self, input: &[Vec<f32>], mut blocks: Vec<Block>) -> Vec<Vec<f32>> {
        let channels = self.config.layout.channels();
        assert_eq!(
            input.len(),
            channels,
            "input has {} channels, the layout {channels}",
            input.len()
        );
        let frames = input[0].len();
        assert!(
            input.iter().all(|c| c.len() == frames),
            "channels of different length"
        );
        let total: usize = blocks.iter().map(|b| b.frames).sum();
        assert_eq!(
            total, frames,
            "blocks cover {total} frames, the input has {frames}"
        );
        let max = self.config.max_block as usize;
        assert!(
            blocks.iter().all(|b| b.frames >= 1 && b.frames <= max),
            "every block must hold 1..={max} frames"
        );
        if !self.pending.is_empty() {
            if blocks.is_empty() {
                blocks.push(Block::default());
            }
            let mut events = std::mem::take(&mut self.pending);
            events.append(&mut blocks[0].events);
            events.sort_by_key(|e| e.0);
            blocks[0].events = events;
        }
        let mut processor = self.processor.take().expect("activate() before processing");
        let steady = self.steady_time;
        let rate = self.config.sample_rate;
        let transport = self.config.transport_from_s.map(|t0| (t0, rate));
        let (processor, output) = std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    let output =
                        process_blocks(&mut processor, input, &blocks, max, steady, transport);
                    (processor, output)
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        self.processor = Some(processor);
        self.steady_time += frames as u64;
        self.maybe_service_main_thread();
        output
    }

    fn maybe_service_main_thread(&mut self) {
        if !self.deferred {
            self.service_main_thread();
        }
    }

    /// Answers what the plugin asked the host for from other threads: runs its
    /// `on_main_thread` when it requested a callback.
    pub fn service_main_thread(&mut self) {
        let callback = self
            .instance
            .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst));
        if callback {
            self.instance.call_on_main_thread_callback();
        }
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        // The audio processor must go before the instance, or the plugin is leaked.
        self.deactivate();
        // Every test checks that the plugin broke no rule of the spec and logged no error
        // (unless it failed already).
        if !std::thread::panicking() {
            // What a host's event loop would still run.
            self.service_main_thread();
            self.assert_no_violations("");
            let errors = self.errors_logged();
            assert!(
                errors == 0,
                "the plugin logged {errors} error(s): through the host, or in {}:\n{}",
                plugin_log().display(),
                plugin_log_errors().join("\n")
            );
        }
    }
}

/// The environment variable nice-plug's logger (`nice-log`) reads: a file path makes it
/// append there.
const NICE_LOG_ENV: &str = "NICE_LOG";

/// The file the plugins of this test process log to: `plugins.log` in its link folder
/// ([`crate::link::test_link_dir`]), set as `NICE_LOG` before the first bundle loads (nice-plug
/// sets its logger up once, when the library loads). nice-plug logs through that logger, not
/// through the host's log extension, so this is where a plugin's `nice_error!` lands.
pub fn plugin_log() -> &'static Path {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = crate::link::test_link_dir().join("plugins.log");
        // SAFETY (edition 2021: safe fn): runs once, inside this OnceLock, before any plugin
        // of this process is loaded; the test threads read the environment only through std.
        std::env::set_var(NICE_LOG_ENV, &path);
        eprintln!("plugin log: {}", path.display());
        path
    })
}

/// The lines of error level in this process' plugin log so far.
pub fn plugin_log_errors() -> Vec<String> {
    std::fs::read_to_string(plugin_log())
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(" ERROR "))
        .map(str::to_owned)
        .collect()
}

/// The audio thread's part of [`Plugin::run`]: copies each block into the host's buffers,
/// A playing transport at `seconds` (seconds timeline only).
fn playing_at(seconds: f64) -> TransportEvent {
    TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags: TransportFlags::IS_PLAYING | TransportFlags::HAS_SECONDS_TIMELINE,
        song_pos_beats: BeatTime::from_int(0),
        song_pos_seconds: SecondsTime::from_float(seconds),
        tempo: 120.0,
        tempo_inc: 0.0,
        loop_start_beats: BeatTime::from_int(0),
        loop_end_beats: BeatTime::from_int(0),
        loop_start_seconds: SecondsTime::from_int(0),
        loop_end_seconds: SecondsTime::from_int(0),
        bar_start: BeatTime::from_int(0),
        bar_number: 0,
        time_signature_numerator: 4,
        time_signature_denominator: 4,
    }
}

/// calls `process()`, copies the output out. Output buffers are filled with NaN before each
/// call so output the plugin did not write shows up as non-finite.
fn process_blocks(
    processor: &mut StartedPluginAudioProcessor<TestHost>,
    input: &[Vec<f32>],
    blocks: &[Block],
    max: usize,
    mut steady: u64,
    transport: Option<(f64, f64)>,
) -> Vec<Vec<f32>> {
    let channels = input.len();
    let frames = input.first().map_or(0, Vec::len);
    let mut in_bufs = vec![vec![0.0f32; max]; channels];
    let mut out_bufs = vec![vec![0.0f32; max]; channels];
    // Exactly the channels and ports passed below: when clack-host 0.2's list has to grow,
    // it rebuilds the channel pointers of the second and later ports from the wrong range.
    let mut in_ports = AudioPorts::with_capacity(channels, 1);
    let mut out_ports = AudioPorts::with_capacity(channels, 1);
    let mut events_in = EventBuffer::with_capacity(64);
    let mut events_out = EventBuffer::with_capacity(64);
    let mut output: Vec<Vec<f32>> = (0..channels).map(|_| Vec::with_capacity(frames)).collect();

    let mut pos = 0;
    for block in blocks {
        let n = block.frames;
        for (buf, src) in in_bufs.iter_mut().zip(input) {
            buf[..n].copy_from_slice(&src[pos..pos + n]);
        }
        for buf in out_bufs.iter_mut() {
            buf[..n].fill(f32::NAN);
        }
        events_in.clear();
        events_out.clear();
        for &(time, hash, value) in &block.events {
            events_in.push(&ParamValueEvent::new(
                time.min(n as u32 - 1),
                ClapId::new(hash),
                Pckn::match_all(),
                value,
            ));
        }
        let audio_in = in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                in_bufs
                    .iter_mut()
                    .map(|b| InputChannel::variable(&mut b[..n])),
            ),
        }]);
        let mut audio_out = out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                out_bufs.iter_mut().map(|b| &mut b[..n]),
            ),
        }]);
        processor
            .process(
                &audio_in,
                &mut audio_out,
                &events_in.as_input(),
                &mut events_out.as_output(),
                Some(steady),
                transport
                    .map(|(t0, rate)| playing_at(t0 + steady as f64 / rate))
                    .as_ref(),
            )
            .unwrap_or_else(|e| panic!("process() failed at frame {pos} (block of {n}): {e}"));
        for (dst, buf) in output.iter_mut().zip(&out_bufs) {
            dst.extend_from_slice(&buf[..n]);
        }
        pos += n;
        steady += n as u64;
    }
    output
}
