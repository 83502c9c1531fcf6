//! A Stem Strip's end of the link: [`LinkWriter`].

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::snapshot::StemSnapshot;

use super::error::LinkError;
use super::layout::*;
use super::reader::{
    age_ms, is_gone, read_slot, read_verdicts, scan_instances, scan_masters, Clock,
    MAX_GAIN_REQUEST_DB,
};
use super::segment::{now_ms, pid_ns, segment_path, Mem, Segment};
use super::{seqlock, GroupId, InstanceInfo, LinkStatus, MasterInfo, VerdictList};

/// How often `beat` retries a heartbeat CAS that lost to the owner's other thread.
const BEAT_RETRIES: usize = 4;

/// A Stem Strip's handle on the link: owns one slot of the table while it lives.
///
/// Create it off the audio thread ([`LinkWriter::open`]); then [`publish`](Self::publish),
/// [`heartbeat`](Self::heartbeat), [`gain_request_db`](Self::gain_request_db) and
/// [`verdicts`](Self::verdicts) are wait-free and make no allocation, lock or system call, so
/// they may run on the audio thread. `publish` must not run on two threads at once (a second
/// concurrent call is skipped, never interleaved); `heartbeat` may run on any thread.
pub struct LinkWriter {
    seg: Segment,
    slot: usize,
    generation: u32,
    instance_id: u64,
    pid: u32,
    pid_ns: u64,
    /// The bound group (0 = none); the source of truth, copied into the slot on each publish.
    group: AtomicU64,
    /// Set once another writer took the slot over (we were silent for longer than
    /// [`STALE_MS`](super::STALE_MS)); from then on this handle writes nothing.
    lost: AtomicBool,
}

impl LinkWriter {
    /// Attaches to (creating if needed) this user's segment and claims a slot. Off the audio
    /// thread: maps the file, validates the header, claims a free (or else a stale) slot by
    /// compare-and-swap, and writes the whole slot once so its pages are resident before the
    /// audio thread touches them. `group: None` binds later: [`status`](Self::status) binds
    /// automatically when exactly one Master is live.
    pub fn open(group: Option<GroupId>) -> Result<LinkWriter, LinkError> {
        Self::open_at(&segment_path()?, group)
    }

    /// [`open`](Self::open) on the segment file at `path` (tests use a private directory).
    pub fn open_at(path: &Path, group: Option<GroupId>) -> Result<LinkWriter, LinkError> {
        let seg = Segment::open_rw(path)?;
        let now = now_ms();
        let (slot, generation) = claim(seg.mem(), now).ok_or_else(|| LinkError::TableFull {
            path: path.to_owned(),
            slots: SLOT_COUNT,
        })?;
        let writer = LinkWriter {
            seg,
            slot,
            generation,
            instance_id: GroupId::random().0,
            pid: std::process::id(),
            pid_ns: pid_ns(),
            group: AtomicU64::new(group.map_or(0, |g| g.0)),
            lost: AtomicBool::new(false),
        };
        let m = writer.seg.mem();
        let base = slot_offset(slot);
        seqlock::reset(m, base + S_SEQ);
        seqlock::reset(m, base + S_VERDICTS + V_SEQ);
        m.u64(base + S_GAIN_TARGET).store(0, Ordering::Release);
        m.u32(base + S_GAIN_DB).store(0, Ordering::Relaxed);
        writer.write_record(&StemSnapshot::default(), 0, now);
        // Touch the verdict area too (the audio thread reads it).
        let mut verdicts = VerdictList::new();
        read_verdicts(m, slot, writer.instance_id, &mut verdicts);
        Ok(writer)
    }

    /// Publishes a snapshot and beats the heartbeat. Audio thread: atomics only, plus one read
    /// of `CLOCK_MONOTONIC` through the vDSO (no system call on Linux). Does nothing once the
    /// slot was lost.
    pub fn publish(&self, snap: &StemSnapshot) {
        let now = now_ms();
        if self.beat(now) {
            self.write_record(snap, FLAG_HAS_SNAPSHOT, now);
        }
    }

    /// Beats the heartbeat without a new snapshot (transport stopped, or a timer thread while
    /// the host does not call `process()`): a Strip not heard from for
    /// [`STALE_MS`](super::STALE_MS) is shown as gone. Any thread; atomics only.
    pub fn heartbeat(&self) {
        self.beat(now_ms());
    }

    /// Binds this Strip to `group` (from the GUI's picker or the saved state).
    pub fn set_group(&self, group: GroupId) {
        self.group.store(group.0, Ordering::Relaxed);
        if !self.is_lost() {
            self.mem()
                .u64(slot_offset(self.slot) + S_GROUP)
                .store(group.0, Ordering::Relaxed);
        }
    }

    /// The group this Strip is bound to, if any.
    pub fn group(&self) -> Option<GroupId> {
        GroupId::from_raw(self.group.load(Ordering::Relaxed))
    }

    /// This Strip's random 64-bit instance id (what Masters address it by).
    pub fn instance_id(&self) -> u64 {
        self.instance_id
    }

    /// The slot index this Strip holds (diagnostics).
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// The gain offset a Master requests for this Strip, in dB: 0 when none; always finite
    /// and within ±[`MAX_GAIN_REQUEST_DB`]. Apply it smoothed. Audio thread: atomics only.
    pub fn gain_request_db(&self) -> f32 {
        if self.is_lost() {
            return 0.0;
        }
        let base = slot_offset(self.slot);
        let m = self.mem();
        if m.u64(base + S_GAIN_TARGET).load(Ordering::Acquire) != self.instance_id {
            return 0.0;
        }
        let db = f32::from_bits(m.u32(base + S_GAIN_DB).load(Ordering::Relaxed));
        if db.is_finite() {
            db.clamp(-MAX_GAIN_REQUEST_DB, MAX_GAIN_REQUEST_DB)
        } else {
            0.0
        }
    }

    /// Replaces `out` with the (validated) verdicts a Master left for this Strip. No
    /// allocation; empty when none, when the area is being rewritten, or once the slot is lost.
    pub fn verdicts(&self, out: &mut VerdictList) {
        out.clear();
        if !self.is_lost() {
            read_verdicts(self.mem(), self.slot, self.instance_id, out);
        }
    }

    /// Withdraws what a Master left in this Strip's slot, its gain request and its verdicts.
    /// Call it when the Master of this Strip's group is gone: a Master that unregisters
    /// withdraws them itself, one that was killed cannot. Off the audio thread; writes only
    /// when something is there.
    pub fn clear_master_requests(&self) {
        if self.is_lost() {
            return;
        }
        let base = slot_offset(self.slot);
        let m = self.mem();
        let target = m.u64(base + S_GAIN_TARGET);
        // NOTE: a CAS, so a request a new Master makes meanwhile is not wiped.
        let _ = target.compare_exchange(self.instance_id, 0, Ordering::AcqRel, Ordering::Relaxed);
        let mut current = VerdictList::new();
        self.verdicts(&mut current);
        if !current.is_empty() {
            let mut words = [0u32; VERDICT_AREA_WORDS];
            words[V_TARGET_LO..=V_TARGET_HI].copy_from_slice(&split_u64(self.instance_id));
            let area = base + S_VERDICTS;
            seqlock::write_shared(m, area + V_SEQ, area + V_WORDS, &words);
        }
    }

    /// The link state for the GUI. Off the audio thread (allocates, may ask the kernel whether
    /// a quiet Master's process still exists). When unbound and exactly one Master is live,
    /// binds to its group (the automatic binding of the design).
    pub fn status(&self) -> LinkStatus {
        if self.is_lost() || !self.still_owner() {
            return LinkStatus::Evicted;
        }
        let mut masters = Vec::new();
        self.masters(&mut masters);
        match self.group() {
            Some(group) => match masters.into_iter().find(|m| m.group == group) {
                Some(m) => LinkStatus::Connected { group, master: m },
                None => LinkStatus::NoMaster { group: Some(group) },
            },
            None => match masters.len() {
                0 => LinkStatus::NoMaster { group: None },
                1 => {
                    let m = masters.pop().expect("one master");
                    self.set_group(m.group);
                    LinkStatus::Connected {
                        group: m.group,
                        master: m,
                    }
                }
                n => LinkStatus::MultipleMasters(n),
            },
        }
    }

    /// Replaces `out` with the other live Strips of this Strip's group (of every group while
    /// it is unbound), as [`LinkReader::instances`](super::LinkReader::instances) reads them.
    /// Off the audio thread.
    pub fn peers(&self, out: &mut Vec<InstanceInfo>) {
        out.clear();
        scan_instances(self.mem(), Clock::Live, self.group(), out);
        out.retain(|i| i.instance_id != self.instance_id);
    }

    /// Replaces `out` with the live Masters (for the group picker). Off the audio thread.
    pub fn masters(&self, out: &mut Vec<MasterInfo>) {
        out.clear();
        scan_masters(self.mem(), Clock::Live, out);
    }

    fn mem(&self) -> &Mem {
        self.seg.mem()
    }

    fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    fn still_owner(&self) -> bool {
        let w = self
            .mem()
            .u64(slot_offset(self.slot) + S_OWNER)
            .load(Ordering::Acquire);
        owner_state(w) == STATE_LIVE && owner_gen(w) == self.generation
    }

    /// Stores `now` as the heartbeat; `false` (and the handle marked lost) when the slot is no
    /// longer ours.
    fn beat(&self, now: u64) -> bool {
        if self.is_lost() {
            return false;
        }
        let owner = self.mem().u64(slot_offset(self.slot) + S_OWNER);
        for _ in 0..BEAT_RETRIES {
            let w = owner.load(Ordering::Relaxed);
            if owner_state(w) != STATE_LIVE || owner_gen(w) != self.generation {
                self.lost.store(true, Ordering::Relaxed);
                return false;
            }
            if owner_hb(w) == now {
                return true;
            }
            let beat = owner_word(STATE_LIVE, self.generation, now);
            if owner
                .compare_exchange(w, beat, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return true;
            }
        }
        // Only our own other thread beat us to it (a thief changes the generation, seen above).
        true
    }

    fn write_record(&self, snap: &StemSnapshot, flags: u32, now: u64) {
        let meta = RecordMeta {
            generation: self.generation,
            flags,
            pid: self.pid,
            pid_ns: self.pid_ns,
            instance_id: self.instance_id,
            published_ms: now,
        };
        let mut words = [0u32; RECORD_WORDS];
        encode_record(&meta, snap, &mut words);
        let m = self.mem();
        let base = slot_offset(self.slot);
        m.u64(base + S_GROUP)
            .store(self.group.load(Ordering::Relaxed), Ordering::Relaxed);
        seqlock::write_exclusive(m, base + S_SEQ, base + S_RECORD, &words);
    }
}

impl Drop for LinkWriter {
    /// Frees the slot (if it is still ours).
    fn drop(&mut self) {
        let owner = self.mem().u64(slot_offset(self.slot) + S_OWNER);
        release_owner(owner, self.generation, BEAT_RETRIES);
    }
}

/// Claims a Strip slot: a free one first, else one whose owner is gone (or whose state word
/// is garbage). Returns the slot and our generation.
fn claim(m: &Mem, now: u64) -> Option<(usize, u32)> {
    claim_in(m, now, SLOT_COUNT, slot_offset, |slot, owner| {
        let pid = read_slot(m, slot).map(|(_, words)| {
            let meta = decode_meta(&words);
            (meta.pid, meta.pid_ns)
        });
        is_gone(age_ms(owner_hb(owner), now), pid, Clock::Live)
    })
}

/// The claim protocol shared by Strip and Master tables: CAS the owner word of a free slot,
/// then of a reclaimable one, to `LIVE | next generation | now`.
pub(crate) fn claim_in(
    m: &Mem,
    now: u64,
    count: usize,
    offset: fn(usize) -> usize,
    gone: impl Fn(usize, u64) -> bool,
) -> Option<(usize, u32)> {
    for pass in 0..2 {
        for slot in 0..count {
            let owner = m.u64(offset(slot));
            let w = owner.load(Ordering::Acquire);
            let state = owner_state(w);
            let take = match (pass, state) {
                (0, STATE_FREE) => true,
                (0, _) | (1, STATE_FREE) => false,
                (_, STATE_LIVE) => gone(slot, w),
                _ => true, // an invalid state: garbage, take it
            };
            if !take {
                continue;
            }
            let generation = next_gen(owner_gen(w));
            let claimed = owner_word(STATE_LIVE, generation, now);
            if owner
                .compare_exchange(w, claimed, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return Some((slot, generation));
            }
        }
    }
    None
}
