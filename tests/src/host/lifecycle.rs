//! A [`Plugin`]'s life: loading the bundle, instantiating and selecting the audio layout,
//! activating, reconfiguring and deactivating, the latency it reports and asks to change,
//! and the spec violations the host recorded, which its drop checks. Kept together because
//! these are the calls the CLAP spec orders (what may happen while active, inactive or
//! activating).

use super::handlers::{HostMain, HostShared, TestHost};
use super::log::{plugin_log, plugin_log_errors};
use super::{Config, Layout, ParamDesc, Plugin};
use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::audio_ports_config::{AudioPortsConfigBuffer, PluginAudioPortsConfig};
use clack_extensions::latency::PluginLatency;
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_extensions::state::PluginState;
use clack_host::prelude::*;
use std::cell::Cell;
use std::ffi::CString;
use std::path::Path;
use std::sync::atomic::Ordering;

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
