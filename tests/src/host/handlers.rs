//! The host side of the CLAP callbacks: [`HostShared`] (state any thread may touch),
//! [`HostMain`] (main-thread state) and [`TestHost`], the handler type `clack-host` is
//! parameterised over, with the host extensions they answer (log, params, state, audio
//! ports, latency, thread-check, track info). They are kept apart from [`Plugin`](super::Plugin)
//! because this is where the plugin calls in: every callback is checked here against the
//! spec's threading and activation rules, and what it asks for is recorded for the tests.

use clack_extensions::audio_ports::{AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl};
use clack_extensions::latency::{HostLatency, HostLatencyImpl};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamRescanFlags,
};
use clack_extensions::state::{HostState, HostStateImpl};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_extensions::track_info::{HostTrackInfo, HostTrackInfoImpl, TrackInfo, TrackInfoWriter};
use clack_host::prelude::*;
use clack_host::utils::ClapId;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;

/// Callback state that any thread may touch.
pub struct HostShared {
    /// The thread that made the instance: the plugin's main thread.
    main_thread: ThreadId,
    /// Inside `clap_plugin::activate`.
    pub(super) activating: AtomicBool,
    /// Between a successful `activate` and `deactivate`.
    pub(super) active: AtomicBool,
    /// Callbacks the CLAP spec forbids at the moment they came, described.
    pub(super) violations: Mutex<Vec<String>>,
    pub(super) callback_requested: AtomicBool,
    pub(super) restart_requested: AtomicBool,
    process_requested: AtomicBool,
    flush_requested: AtomicBool,
    /// Error and fatal messages the plugin logged through the host.
    pub(super) errors_logged: AtomicU32,
}

impl HostShared {
    pub(super) fn new() -> Self {
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
    pub(super) shared: &'a HostShared,
    pub(super) track_name: Option<String>,
    pub(super) track_color: Option<[u8; 4]>,
    pub(super) state_dirty: Cell<bool>,
    pub(super) param_rescans: Cell<u32>,
    /// Times the plugin said its latency changed.
    pub(super) latency_changes: Cell<u32>,
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
