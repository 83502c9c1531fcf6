//! Stem Master's end of the Stem link: a thread of its own, about 20 times a second.
//!
//! * **Link thread** (one per Master instance, from `initialize()` until the plugin is
//!   dropped, whether the editor is open or not): registers with [`MasterHandle`] under the
//!   track name and the group saved in the state (drawing a random one the first time),
//!   heartbeats, re-registers after losing its slot, reads its group's Strips with a
//!   [`LinkReader`], runs [`CrossStem`] (alignment, masking, balance), writes each Strip's
//!   verdicts and gain requests, applies the editor's [`Request`]s and saves what the user
//!   set into the `stems` state field. When the editor has looked recently it also builds a
//!   [`StemsView`] and swaps it in.
//! * **Editor**: loads the latest [`StemsView`] wait-free ([`MasterLink::view`]) and sends
//!   [`Request`]s (a short queue under a mutex that only the editor and the link thread take).
//! * **Audio thread**: never touches the link.

use crate::params::MasterParams;
use arc_swap::ArcSwapOption;
use nice_plug::prelude::*;
use parking_lot::Mutex;
use shared_dsp::crossstem::{CrossStem, CrossStemState, CrossStemView};
use shared_dsp::link::{GroupId, InstanceInfo, LinkReader, MasterHandle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stem_plugin_common::link_thread::LinkThread;

/// Time between the link thread's updates.
pub const TICK: Duration = Duration::from_millis(50);
/// After a failed registration, try again this often.
const RETRY: Duration = Duration::from_secs(2);
/// Gain requests are re-sent this often (a Strip that restarted gets its gain back).
const GAIN_REFRESH: Duration = Duration::from_secs(1);
/// The view is built while the editor asked for it within this long.
const VIEW_WANTED: Duration = Duration::from_secs(1);

/// Where the Master stands on the link.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    /// Registered under this group.
    Registered(GroupId),
    /// The link cannot be used: the reason (from [`LinkError`](shared_dsp::link::LinkError));
    /// retried every 2 s. Audio is not affected.
    Unavailable(String),
}

/// What the editor shows: the link state and the cross-stem view.
#[derive(Debug, Clone)]
pub struct StemsView {
    /// The link state.
    pub state: LinkState,
    /// The cross-stem view as of the last update.
    pub cross: CrossStemView,
}

/// What the editor asks of the link thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Take the current balance as the reference.
    StoreReference,
    /// Forget the reference.
    ClearReference,
    /// Set the gain offset of the stem named so, dB (0 withdraws it).
    SetGain {
        /// The stem's name.
        name: String,
        /// The offset, dB.
        db: f32,
    },
    /// Override the priority of the stem named so (`None`: back to its role's default).
    SetPriority {
        /// The stem's name.
        name: String,
        /// The priority.
        priority: Option<f32>,
    },
    /// Set the drift tolerance, LU.
    SetTolerance(f32),
}

/// The Master's link: shared by the plugin, its link thread and the editor.
#[derive(Default)]
pub struct MasterLink {
    view: ArcSwapOption<StemsView>,
    /// Milliseconds since `epoch` when the editor last loaded the view.
    view_wanted_ms: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
    requests: Mutex<Vec<Request>>,
    track_name: Mutex<Option<String>>,
    thread: LinkThread,
}

impl MasterLink {
    fn epoch(&self) -> Instant {
        *self.epoch.get_or_init(Instant::now)
    }

    /// The latest view (wait-free); also tells the link thread the editor is looking.
    pub fn view(&self) -> Option<Arc<StemsView>> {
        let ms = self.epoch().elapsed().as_millis() as u64;
        self.view_wanted_ms.store(ms.max(1), Ordering::Relaxed);
        self.view.load_full()
    }

    /// Queues a request for the link thread (editor).
    pub fn request(&self, r: Request) {
        self.requests.lock().push(r);
    }

    /// The host's name for the Master's track (from its track info), shown to the Strips.
    pub fn set_track_name(&self, name: &str) {
        *self.track_name.lock() = Some(name.to_owned());
    }

    /// Starts the link thread unless it runs already (main thread).
    pub fn start_thread(self: &Arc<Self>, params: Arc<MasterParams>) {
        let link = self.clone();
        self.thread.start("stem-master-link", move || {
            Worker::new(&link, &params).run()
        });
    }

    /// Stops and joins the link thread (within one tick); the Master leaves the link.
    pub fn stop_thread(&self) {
        self.thread.stop();
        self.view.store(None);
    }
}

/// The link thread's state.
struct Worker<'a> {
    link: &'a MasterLink,
    params: &'a MasterParams,
    /// The registration and the reader (both on the same segment), when open.
    open: Option<(MasterHandle, LinkReader)>,
    state: LinkState,
    last_attempt: Option<Instant>,
    cross: CrossStem,
    /// The user state as last saved into (or loaded from) the params.
    saved: CrossStemState,
    track_name: String,
    all: Vec<InstanceInfo>,
    ours: Vec<InstanceInfo>,
    due: Vec<(u64, Vec<shared_dsp::link::Verdict>)>,
    /// Gain last sent per instance, and when.
    gains_sent: Vec<(u64, f32, Instant)>,
}

impl<'a> Worker<'a> {
    fn new(link: &'a MasterLink, params: &'a MasterParams) -> Self {
        Self {
            link,
            params,
            open: None,
            state: LinkState::Unavailable("not registered yet".to_owned()),
            last_attempt: None,
            cross: CrossStem::new(),
            saved: CrossStemState::default(),
            track_name: String::new(),
            all: Vec::with_capacity(shared_dsp::link::SLOT_COUNT),
            ours: Vec::with_capacity(shared_dsp::link::SLOT_COUNT),
            due: Vec::new(),
            gains_sent: Vec::new(),
        }
    }

    fn run(mut self) {
        let start = self.link.epoch();
        while !self.link.thread.stopping() {
            let now = Instant::now();
            self.tick(now, now.duration_since(start).as_secs_f64());
            std::thread::park_timeout(TICK.saturating_sub(now.elapsed()));
        }
        // Dropping the handle unregisters and withdraws this group's gain requests.
        self.open = None;
    }

    /// The group saved in the state, drawing (and saving) a random one the first time.
    fn group(&self) -> GroupId {
        let raw = *self.params.group.read();
        match GroupId::from_raw(raw) {
            Some(g) => g,
            None => {
                let g = GroupId::random();
                *self.params.group.write() = g.0;
                g
            }
        }
    }

    fn tick(&mut self, now: Instant, now_s: f64) {
        self.sync_state();
        if let Some(name) = self.link.track_name.lock().take() {
            self.track_name = name;
            if let Some((handle, _)) = &self.open {
                handle.set_track_name(&self.track_name);
            }
        }
        let group = self.group();
        // A state load can change the group; a silent spell can cost the slot.
        let reopen = self
            .open
            .as_ref()
            .is_some_and(|(h, _)| h.group() != group || !h.is_registered());
        if reopen {
            nice_warn!("Stem link: the Master re-registers (group changed or slot lost)");
            self.open = None;
            self.last_attempt = None;
        }
        if self.open.is_none()
            && self
                .last_attempt
                .is_none_or(|t| now.duration_since(t) >= RETRY)
        {
            self.last_attempt = Some(now);
            self.try_open(group);
        }
        let Some((handle, reader)) = &self.open else {
            self.publish_view(now);
            return;
        };
        handle.heartbeat();
        reader.instances(None, &mut self.all);
        self.ours.clear();
        let mut others = 0;
        for i in self.all.drain(..) {
            if i.group == Some(group) {
                self.ours.push(i);
            } else {
                others += 1;
            }
        }
        self.cross.update(now_s, &self.ours, others);
        self.cross.verdicts_due(&mut self.due);
        for (id, verdicts) in &self.due {
            handle.set_verdicts(*id, verdicts);
        }
        self.gains_sent
            .retain(|(id, _, _)| self.ours.iter().any(|i| i.instance_id == *id));
        for (id, db) in self.cross.gain_requests() {
            let sent = self.gains_sent.iter_mut().find(|(i, _, _)| *i == id);
            let send = match &sent {
                None => db != 0.0,
                Some((_, last, at)) => *last != db || now.duration_since(*at) >= GAIN_REFRESH,
            };
            if send && handle.set_gain_request(id, db) {
                match sent {
                    Some(entry) => *entry = (id, db, now),
                    None => self.gains_sent.push((id, db, now)),
                }
            }
        }
        self.publish_view(now);
    }

    fn try_open(&mut self, group: GroupId) {
        let opened = shared_dsp::link::segment_path().and_then(|path| {
            let handle = MasterHandle::open_at(&path, group, &self.track_name)?;
            let reader = LinkReader::open_at(&path)?;
            Ok((handle, reader))
        });
        match opened {
            Ok(pair) => {
                self.open = Some(pair);
                self.state = LinkState::Registered(group);
            }
            Err(err) => {
                let text = err.to_string();
                if self.state != LinkState::Unavailable(text.clone()) {
                    nice_warn!("Stem link unavailable (audio is not affected): {text}");
                }
                self.state = LinkState::Unavailable(text);
            }
        }
    }

    /// Applies the editor's requests and a state the host loaded; saves what changed.
    fn sync_state(&mut self) {
        let in_params = self.params.stems.read().clone();
        if in_params != self.saved {
            // Loaded by the host (a project or preset): take it.
            self.cross.set_state(in_params);
        }
        let requests = std::mem::take(&mut *self.link.requests.lock());
        for r in requests {
            let mut state = self.cross.state().clone();
            match r {
                Request::StoreReference => {
                    self.cross.store_reference();
                    continue;
                }
                Request::ClearReference => state.reference = None,
                Request::SetGain { name, db } => {
                    state.gains_db.insert(name, db);
                }
                Request::SetPriority { name, priority } => match priority {
                    Some(p) => {
                        state.priorities.insert(name, p);
                    }
                    None => {
                        state.priorities.remove(&name);
                    }
                },
                Request::SetTolerance(t) => state.tolerance_lu = t,
            }
            self.cross.set_state(state);
        }
        if *self.cross.state() != self.saved {
            self.saved = self.cross.state().clone();
            *self.params.stems.write() = self.saved.clone();
        }
    }

    fn publish_view(&mut self, _now: Instant) {
        let wanted = self.link.view_wanted_ms.load(Ordering::Relaxed);
        let now_ms = self.link.epoch().elapsed().as_millis() as u64;
        if wanted == 0 || now_ms.saturating_sub(wanted) > VIEW_WANTED.as_millis() as u64 {
            return;
        }
        self.link.view.store(Some(Arc::new(StemsView {
            state: self.state.clone(),
            cross: self.cross.view(),
        })));
    }
}
