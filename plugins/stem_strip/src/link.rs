//! Stem Strip's end of the Stem link: who touches the [`LinkWriter`] on which thread.
//!
//! * **Activation** (`prepare()`, main thread): [`LinkHub::open`] opens a writer bound to the
//!   saved group (if any) and [`LinkHub::start_thread`] starts the link thread. A failure is
//!   logged and kept for the GUI; audio runs on without the link.
//! * **Audio thread**: [`AudioLink`] holds its own `Arc<LinkWriter>` and calls only
//!   `publish()` and `gain_request_db()` (atomics only). A replacement writer (after an
//!   eviction, or a late successful open) reaches it through a one-pointer mailbox, and the
//!   writer it replaces goes back through another: the audio thread never drops an `Arc`
//!   (which could free memory and unmap the segment).
//! * **Link thread** (one per instance, every 250 ms, parked in between): heartbeat (hosts may
//!   stop calling `process()` when the transport stops), `status()` (which binds an unbound
//!   Strip automatically when exactly one Master is live), persisting the bound group in the
//!   `group` state field, picking up a group loaded from state, reopening after
//!   [`LinkStatus::Evicted`] or a failed open, the fallback name of a Strip nobody named
//!   ([`fallback_number`]), and the [`LinkView`] for the GUI.
//! * **GUI**: reads the [`LinkView`] and binds to a group from the picker
//!   ([`LinkHub::pick_group`]). The `parking_lot` mutexes here are shared by the link thread
//!   and the GUI only; the audio thread never takes them.

use crate::params::StripParams;
use crate::Shared;
use nice_plug::prelude::*;
use parking_lot::Mutex;
use shared_dsp::link::{GroupId, InstanceInfo, LinkStatus, LinkWriter, MasterInfo, VerdictList};
use shared_dsp::snapshot::{StemName, StemSnapshot};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stem_plugin_common::link_thread::LinkThread;

/// How often the link thread beats the heartbeat and refreshes the status.
pub const TICK: Duration = Duration::from_millis(250);
/// After a failed open, the link thread tries again every this many ticks (5 s).
const RETRY_TICKS: u32 = 20;

/// The number `n` of a Strip's fallback name `"<label> <n>"` (`label`: its role's), for a
/// Strip that neither the host (CLAP hosts without track-info, such as Qtractor) nor the user
/// named. A Strip with no number yet (`saved` 0), or whose role just changed (`relabelled`),
/// takes the lowest number no other Strip shows with that label; otherwise it keeps `saved`,
/// unless another Strip with a lower instance id shows the same name (two Strips that
/// collide, say from a duplicated track whose state was copied, settle in one round: the
/// higher id moves). `peers`: the other live Strips' instance ids and published names.
pub fn fallback_number(
    label: &str,
    saved: u32,
    relabelled: bool,
    own_id: u64,
    peers: &[(u64, &str)],
) -> u32 {
    let shown_by = |n: u32, lower_only: bool| {
        let name = format!("{label} {n}");
        peers
            .iter()
            .any(|&(id, shown)| shown == name && (!lower_only || id < own_id))
    };
    if saved != 0 && !relabelled && !shown_by(saved, true) {
        return saved;
    }
    (1..).find(|&n| !shown_by(n, false)).expect("a free number")
}

/// The link state the GUI shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum LinkState {
    /// The plugin is not active (no link open).
    #[default]
    Inactive,
    /// The link could not be opened: the error's text (the link thread retries).
    Unavailable(String),
    /// Open; the latest status.
    Open(LinkStatus),
}

/// What the link thread leaves for the GUI (refreshed every [`TICK`]).
#[derive(Debug, Clone, Default)]
pub struct LinkView {
    /// The state.
    pub state: LinkState,
    /// The live Masters (for the picker).
    pub masters: Vec<MasterInfo>,
    /// The verdicts a Master left for this Strip.
    pub verdicts: VerdictList,
    /// The group this Strip is bound to.
    pub group: Option<GroupId>,
}

/// A single `Arc<LinkWriter>` handed from one thread to another with one atomic swap.
#[derive(Default)]
struct Mailbox(AtomicPtr<LinkWriter>);

impl Mailbox {
    /// Leaves `w`; returns what was there (for the caller to dispose of). Atomics only.
    fn put(&self, w: Arc<LinkWriter>) -> Option<Arc<LinkWriter>> {
        let prev = self.0.swap(Arc::into_raw(w).cast_mut(), Ordering::AcqRel);
        // SAFETY: every non-null pointer in the mailbox came from `Arc::into_raw` and is
        // taken out exactly once (by this swap or by `take`).
        (!prev.is_null()).then(|| unsafe { Arc::from_raw(prev) })
    }

    /// Takes what is there. Atomics only.
    fn take(&self) -> Option<Arc<LinkWriter>> {
        let p = self.0.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `put`.
        (!p.is_null()).then(|| unsafe { Arc::from_raw(p) })
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// The shared side of the link: mailboxes to and from the audio thread, the writer for the
/// link thread and the GUI, the view, and the link thread itself.
#[derive(Default)]
pub struct LinkHub {
    /// The current writer (link thread and GUI; never the audio thread).
    current: Mutex<Option<Arc<LinkWriter>>>,
    /// Link thread → audio thread: a new writer to publish through.
    incoming: Mailbox,
    /// Audio thread → link thread: the writer the audio thread stopped using, to be dropped
    /// off the audio thread.
    retired: Mailbox,
    view: Mutex<LinkView>,
    thread: LinkThread,
}

impl LinkHub {
    /// Opens a writer bound to the saved group (if any), makes it current and returns it.
    /// Logs and records a failure for the GUI. Off the audio thread.
    pub fn open(&self, params: &StripParams) -> Option<Arc<LinkWriter>> {
        let group = GroupId::from_raw(*params.group.read());
        match LinkWriter::open(group) {
            Ok(writer) => {
                let writer = Arc::new(writer);
                *self.current.lock() = Some(writer.clone());
                let mut view = self.view.lock();
                view.group = writer.group();
                if matches!(view.state, LinkState::Inactive | LinkState::Unavailable(_)) {
                    view.state = LinkState::Open(LinkStatus::NoMaster {
                        group: writer.group(),
                    });
                }
                Some(writer)
            }
            Err(err) => {
                let text = err.to_string();
                let mut view = self.view.lock();
                if view.state != LinkState::Unavailable(text.clone()) {
                    nice_warn!("Stem link unavailable (audio is not affected): {text}");
                }
                view.state = LinkState::Unavailable(text);
                None
            }
        }
    }

    /// Starts the link thread unless it runs already.
    pub fn start_thread(self: &Arc<Self>, params: Arc<StripParams>, shared: Arc<Shared>) {
        let hub = self.clone();
        self.thread
            .start("stem-strip-link", move || hub.run(&params, &shared));
    }

    /// Stops and joins the link thread (returns within one tick at most).
    pub fn stop_thread(&self) {
        self.thread.stop();
    }

    /// Drops every writer the hub holds (after the audio side let go of its own).
    pub fn close(&self) {
        drop(self.incoming.take());
        drop(self.retired.take());
        drop(self.current.lock().take());
        let mut view = self.view.lock();
        view.state = LinkState::Inactive;
        view.verdicts.clear();
        view.masters.clear();
    }

    /// A copy of the view for the GUI.
    pub fn view(&self) -> LinkView {
        self.view.lock().clone()
    }

    /// Binds this Strip to `group` (the GUI's picker) and saves it in the state.
    pub fn pick_group(&self, group: GroupId, params: &StripParams) {
        *params.group.write() = group.0;
        if let Some(w) = self.current.lock().as_ref() {
            w.set_group(group);
        }
        self.view.lock().group = Some(group);
    }

    fn run(&self, params: &StripParams, shared: &Shared) {
        let mut saved = *params.group.read();
        let mut failed_ticks = 0u32;
        let mut masters = Vec::new();
        let mut verdicts = VerdictList::new();
        let mut peers = Vec::new();
        let mut fallback = None;
        // `None`: the first tick stores the name whatever it is (a state may have been loaded
        // between activation and this thread's start).
        let mut name: Option<String> = None;
        while !self.thread.stopping() {
            // What the audio thread gave back is dropped here, off the audio thread.
            drop(self.retired.take());
            let writer = self.current.lock().clone();
            match writer {
                None => {
                    failed_ticks += 1;
                    if failed_ticks >= RETRY_TICKS {
                        failed_ticks = 0;
                        if let Some(w) = self.open(params) {
                            // Dispose of an untaken earlier one here, not on the audio thread.
                            drop(self.incoming.put(w));
                        }
                    }
                }
                Some(w) => {
                    w.heartbeat();
                    // A group from the GUI's picker or from a state load.
                    let in_state = *params.group.read();
                    if in_state != saved {
                        if let Some(g) = GroupId::from_raw(in_state) {
                            w.set_group(g);
                        }
                        saved = in_state;
                    }
                    let status = w.status();
                    // Automatic binding: save the group the link bound to.
                    let bound = w.group().map_or(0, |g| g.0);
                    if bound != saved {
                        // Only over the group this tick started from: a state load (a host
                        // may load it after activation, as Ardour and Qtractor do) or the
                        // picker may have set one since, and the next tick takes that one.
                        let mut in_state = params.group.write();
                        if *in_state == saved {
                            *in_state = bound;
                            saved = bound;
                        }
                    }
                    if status == LinkStatus::Evicted {
                        nice_warn!("Stem link: this Strip's slot was taken over; reconnecting");
                        drop(w);
                        drop(self.current.lock().take());
                        if let Some(new) = self.open(params) {
                            drop(self.incoming.put(new));
                        } else {
                            failed_ticks = 0;
                        }
                    } else {
                        if !matches!(status, LinkStatus::Connected { .. }) {
                            // The group's Master is gone (perhaps killed): undo its gain
                            // request and drop its verdicts.
                            w.clear_master_requests();
                        }
                        // The persisted name reaches what the audio thread publishes: typed
                        // in the editor, from the host's track info, or from a state load
                        // (Qtractor loads the state after activation). This thread is the
                        // one writer of `Shared::name` while the plugin is active.
                        let saved_name = params.name.read().clone();
                        if name.as_ref() != Some(&saved_name) {
                            shared.name.store(StemName::new(&saved_name));
                            name = Some(saved_name);
                        }
                        self.name_fallback(&w, params, shared, &mut peers, &mut fallback);
                        w.masters(&mut masters);
                        w.verdicts(&mut verdicts);
                        let mut view = self.view.lock();
                        view.state = LinkState::Open(status);
                        view.masters.clone_from(&masters);
                        view.verdicts = verdicts;
                        view.group = w.group();
                    }
                }
            }
            if self.current.lock().is_none() {
                shared.gain_request_db.store(0.0, Ordering::Relaxed);
            }
            std::thread::park_timeout(TICK);
        }
    }
}

impl LinkHub {
    /// While the Strip has no name (neither the host's nor typed), picks its fallback number
    /// ([`fallback_number`]), saves it, and leaves `"<role> <n>"` for the audio thread to
    /// publish. `last`: the label and number of the fallback left last time (a saved number
    /// other than that one came with a state load and is kept).
    fn name_fallback(
        &self,
        w: &LinkWriter,
        params: &StripParams,
        shared: &Shared,
        peers: &mut Vec<InstanceInfo>,
        last: &mut Option<(&'static str, u32)>,
    ) {
        if !params.name.read().trim().is_empty() {
            return;
        }
        w.peers(peers);
        let shown: Vec<(u64, &str)> = peers
            .iter()
            .filter_map(|p| {
                p.snapshot
                    .as_ref()
                    .map(|s| (p.instance_id, s.name.as_str()))
            })
            .collect();
        let label = params.role.value().0.label();
        let saved = *params.auto_number.read();
        let relabelled = last.is_some_and(|(l, n)| l != label && n == saved);
        let n = fallback_number(label, saved, relabelled, w.instance_id(), &shown);
        if n != saved {
            *params.auto_number.write() = n;
        }
        if *last != Some((label, n)) {
            shared
                .fallback_name
                .store(StemName::new(&format!("{label} {n}")));
            *last = Some((label, n));
        }
    }
}

/// The audio thread's side of the link.
#[derive(Default)]
pub struct AudioLink {
    writer: Option<Arc<LinkWriter>>,
    /// A writer that could not be handed back yet (the mailbox was full): kept, never dropped
    /// on the audio thread, handed back on a later block.
    overflow: Option<Arc<LinkWriter>>,
}

impl AudioLink {
    /// Whether no writer is held.
    pub fn is_none(&self) -> bool {
        self.writer.is_none()
    }

    /// Sets the writer (main thread, while not processing).
    pub fn set(&mut self, writer: Arc<LinkWriter>) {
        self.writer = Some(writer);
    }

    /// Drops the writers (main thread, while not processing).
    pub fn clear(&mut self) {
        self.writer = None;
        self.overflow = None;
    }

    /// Picks up a writer the link thread left, handing the previous one back. Audio thread:
    /// atomics only.
    pub fn poll(&mut self, hub: &LinkHub) {
        if let Some(old) = self.overflow.take() {
            self.overflow = hub.retired.put(old);
        }
        // With a writer still waiting to go back, a new one waits in its mailbox.
        if self.overflow.is_none() {
            if let Some(new) = hub.incoming.take() {
                if let Some(old) = self.writer.replace(new) {
                    self.overflow = hub.retired.put(old);
                }
            }
        }
    }

    /// Publishes a snapshot. Audio thread: atomics only.
    pub fn publish(&self, snap: &StemSnapshot) {
        if let Some(w) = &self.writer {
            w.publish(snap);
        }
    }

    /// The gain offset requested by a Master, dB (0 without a link). Audio thread: atomics.
    pub fn gain_request_db(&self) -> f32 {
        self.writer.as_ref().map_or(0.0, |w| w.gain_request_db())
    }
}

#[cfg(test)]
mod tests {
    use super::fallback_number;

    #[test]
    fn a_new_strip_takes_the_lowest_number_its_role_has_free() {
        assert_eq!(fallback_number("Music", 0, false, 5, &[]), 1);
        let peers = [
            (3, "Music 1"),
            (4, "Music 3"),
            (6, "Bass 2"),
            (7, "Lead Vox"),
        ];
        assert_eq!(fallback_number("Music", 0, false, 5, &peers), 2);
        assert_eq!(fallback_number("Bass", 0, false, 5, &peers), 1);
        // A host or user name that reads like a fallback counts as taken too.
        assert_eq!(fallback_number("Drums", 0, false, 5, &[(9, "Drums 1")]), 2);
    }

    #[test]
    fn a_saved_number_is_kept_unless_a_strip_with_a_lower_id_shows_it() {
        // Kept, whatever lower numbers are free.
        assert_eq!(fallback_number("Music", 4, false, 5, &[(3, "Music 1")]), 4);
        // A collision (a duplicated track): the higher id moves, the lower keeps its number.
        let peers = [(3, "Music 2"), (4, "Music 1")];
        assert_eq!(fallback_number("Music", 2, false, 5, &peers), 3);
        assert_eq!(fallback_number("Music", 2, false, 1, &peers), 2);
    }

    #[test]
    fn a_role_change_takes_the_new_roles_lowest_free_number() {
        // "Other 3" becomes "Bass 1", not "Bass 3".
        assert_eq!(fallback_number("Bass", 3, true, 5, &[(3, "Other 1")]), 1);
        // And moves on when its number is taken, whatever the ids.
        assert_eq!(fallback_number("Bass", 1, true, 1, &[(9, "Bass 1")]), 2);
    }
}
