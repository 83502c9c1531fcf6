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
//!
//! This file holds the [`Plugin`] type and the parameter id hash; the rest is split by
//! concern so each part can be read on its own:
//! - `handlers`: the host's callback state and the CLAP host extensions it answers;
//! - `config`: how a plugin is set up ([`Config`], [`Layout`]) and the plain data the host
//!   hands out ([`ParamDesc`], [`Block`]);
//! - `lifecycle`: loading, instantiating, activating, reconfiguring and dropping a plugin,
//!   its latency and the spec violations it made;
//! - `params`: reading, formatting, parsing and setting parameters;
//! - `state`: saving and loading the plugin's state;
//! - `processing`: running audio through the plugin on an audio thread, with transport and
//!   the main-thread callbacks it requests;
//! - `log`: the plugin's log file and the errors it logged.

mod config;
mod handlers;
mod lifecycle;
mod log;
mod params;
mod processing;
mod state;

pub use config::{Block, Config, Layout, ParamDesc};
pub use handlers::{HostMain, HostShared, TestHost};
pub use log::{plugin_log, plugin_log_errors};

use clack_extensions::params::PluginParams;
use clack_extensions::state::PluginState;
use clack_host::prelude::*;
use clack_host::process::StartedPluginAudioProcessor;
use std::collections::HashMap;

/// nice-plug's CLAP parameter id for a string parameter id (its `hash_param_id`: a 31-based
/// string hash with the top bit cleared).
pub fn param_hash(id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(byte as u32);
    }
    hash & !(1 << 31)
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
