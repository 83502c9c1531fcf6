//! Reading the table: liveness, consistent records, and the read-only [`LinkReader`].

use std::path::Path;
use std::sync::atomic::Ordering;

use super::error::LinkError;
use super::layout::*;
use super::segment::{now_ms, pid_is_dead, pid_ns, segment_path, Mem, Segment};
use super::{seqlock, GroupId, InstanceInfo, MasterInfo, VerdictList};

/// A slot not heard from (no heartbeat) for longer than this is gone, in ms.
pub const STALE_MS: u64 = 2000;
/// A heartbeat further than this in the future is invalid (corrupt): the slot counts as gone.
const FUTURE_TOLERANCE_MS: u64 = 1000;
/// The dead-pid shortcut is only tried on slots quiet for at least this long, in ms, so a
/// scan of healthy Strips makes no system call.
const PID_CHECK_AFTER_MS: u64 = 250;

/// Which time a scan uses and whether it may ask the kernel about pids.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// `CLOCK_MONOTONIC`, with the dead-pid shortcut.
    Live,
    /// A fixed time, no pid checks (copies of a segment: dumps, tests, fuzzing).
    Fixed(u64),
}

impl Clock {
    pub fn now(self) -> u64 {
        match self {
            Clock::Live => now_ms(),
            Clock::Fixed(t) => t & HB_MASK,
        }
    }
}

/// Age of a heartbeat in ms, `None` when it lies in the future (corrupt).
pub(crate) fn age_ms(heartbeat_ms: u64, now: u64) -> Option<u64> {
    if heartbeat_ms > now + FUTURE_TOLERANCE_MS {
        None
    } else {
        Some(now.saturating_sub(heartbeat_ms))
    }
}

/// Whether an owner (Strip or Master) is gone: heartbeat too old or invalid, or (shortcut)
/// quiet for a while and its pid, in our pid namespace, no longer exists.
pub(crate) fn is_gone(age: Option<u64>, pid: Option<(u32, u64)>, clock: Clock) -> bool {
    match age {
        None => true,
        Some(a) if a > STALE_MS => true,
        Some(a) => {
            matches!(clock, Clock::Live)
                && a >= PID_CHECK_AFTER_MS
                && pid.is_some_and(|(pid, ns)| ns != 0 && ns == pid_ns() && pid_is_dead(pid))
        }
    }
}

/// A consistent copy of a live-state Strip slot: its owner word and record. `None` when the
/// slot is not live, its record is not yet (or not consistently) written, or it changed hands
/// during the read.
pub(crate) fn read_slot(mem: &Mem, slot: usize) -> Option<(u64, [u32; RECORD_WORDS])> {
    let base = slot_offset(slot);
    let owner = mem.u64(base + S_OWNER).load(Ordering::Acquire);
    if owner_state(owner) != STATE_LIVE {
        return None;
    }
    let mut words = [0u32; RECORD_WORDS];
    if !seqlock::read(mem, base + S_SEQ, base + S_RECORD, &mut words) {
        return None;
    }
    let again = mem.u64(base + S_OWNER).load(Ordering::Acquire);
    if owner_state(again) != STATE_LIVE || owner_gen(again) != owner_gen(owner) {
        return None;
    }
    if words[R_GEN] != owner_gen(owner) {
        return None;
    }
    Some((again, words))
}

/// Appends the live Strips (of `group`, or all) to `out`.
pub(crate) fn scan_instances(
    mem: &Mem,
    clock: Clock,
    group: Option<GroupId>,
    out: &mut Vec<InstanceInfo>,
) {
    let now = clock.now();
    for slot in 0..SLOT_COUNT {
        let Some((owner, words)) = read_slot(mem, slot) else {
            continue;
        };
        let meta = decode_meta(&words);
        let age = age_ms(owner_hb(owner), now);
        if is_gone(age, Some((meta.pid, meta.pid_ns)), clock) || meta.instance_id == 0 {
            continue;
        }
        let base = slot_offset(slot);
        let slot_group = mem.u64(base + S_GROUP).load(Ordering::Relaxed);
        let slot_group = (slot_group != 0).then_some(GroupId(slot_group));
        if group.is_some() && slot_group != group {
            continue;
        }
        let snapshot = if meta.flags & FLAG_HAS_SNAPSHOT != 0 {
            match decode_snapshot(&words) {
                Some(s) => Some(s),
                None => continue, // invalid role or name: a corrupt record
            }
        } else {
            None
        };
        let gain_target = mem.u64(base + S_GAIN_TARGET).load(Ordering::Acquire);
        let gain = f32::from_bits(mem.u32(base + S_GAIN_DB).load(Ordering::Relaxed));
        out.push(InstanceInfo {
            slot,
            instance_id: meta.instance_id,
            pid: meta.pid,
            group: slot_group,
            age_ms: age.unwrap_or(0),
            snapshot_age_ms: snapshot.map(|_| now.saturating_sub(meta.published_ms)),
            snapshot,
            gain_request_db: if gain_target == meta.instance_id {
                clamp_finite(gain, -MAX_GAIN_REQUEST_DB, MAX_GAIN_REQUEST_DB, 0.0)
            } else {
                0.0
            },
        });
    }
}

/// Largest gain offset a Master may request, in dB (either way).
pub const MAX_GAIN_REQUEST_DB: f32 = 24.0;

/// A consistent copy of a live Master slot: owner word and decoded record.
pub(crate) fn read_master(mem: &Mem, slot: usize) -> Option<(u64, MasterRecord)> {
    let base = master_offset(slot);
    let owner = mem.u64(base + M_OWNER).load(Ordering::Acquire);
    if owner_state(owner) != STATE_LIVE {
        return None;
    }
    let mut words = [0u32; MASTER_RECORD_WORDS];
    if !seqlock::read(mem, base + M_SEQ, base + M_RECORD, &mut words) {
        return None;
    }
    let again = mem.u64(base + M_OWNER).load(Ordering::Acquire);
    if owner_state(again) != STATE_LIVE || owner_gen(again) != owner_gen(owner) {
        return None;
    }
    let record = decode_master(&words)?;
    (record.generation == owner_gen(owner)).then_some((again, record))
}

/// Appends the live Masters to `out`.
pub(crate) fn scan_masters(mem: &Mem, clock: Clock, out: &mut Vec<MasterInfo>) {
    let now = clock.now();
    for slot in 0..MASTER_SLOT_COUNT {
        let Some((owner, r)) = read_master(mem, slot) else {
            continue;
        };
        let age = age_ms(owner_hb(owner), now);
        if is_gone(age, Some((r.pid, r.pid_ns)), clock) {
            continue;
        }
        out.push(MasterInfo {
            slot,
            group: r.group,
            track_name: r.track.as_str().to_owned(),
            host_process: r.host.as_str().to_owned(),
            pid: r.pid,
            age_ms: age.unwrap_or(0),
        });
    }
}

/// Reads the verdicts a Master left in `slot` for Strip `instance_id` into `out` (cleared
/// first). Nothing when the area is torn, for another instance, or corrupt.
pub(crate) fn read_verdicts(mem: &Mem, slot: usize, instance_id: u64, out: &mut VerdictList) {
    out.clear();
    if slot >= SLOT_COUNT {
        return;
    }
    let area = slot_offset(slot) + S_VERDICTS;
    let mut words = [0u32; VERDICT_AREA_WORDS];
    if !seqlock::read(mem, area + V_SEQ, area + V_WORDS, &mut words) {
        return;
    }
    if join_u64(&words[V_TARGET_LO..=V_TARGET_HI]) != instance_id || instance_id == 0 {
        return;
    }
    let count = (words[V_COUNT] as usize).min(MAX_VERDICTS);
    for i in 0..count {
        let at = V_ITEMS + i * VERDICT_STRIDE_WORDS;
        if let Some(v) = decode_verdict(&words[at..at + VERDICT_STRIDE_WORDS]) {
            out.push(v);
        }
    }
}

/// Read-only access to the link: what the Stem Master's timer, the GUI and `stems link
/// status` use. Never creates the segment and never writes to it.
pub struct LinkReader {
    seg: Segment,
    clock: Clock,
}

impl LinkReader {
    /// Attaches read-only to this user's segment (see [`segment_path`]).
    pub fn open() -> Result<LinkReader, LinkError> {
        Self::open_at(&segment_path()?)
    }

    /// Attaches read-only to the segment at `path`: [`LinkError::NotFound`] when there is none;
    /// refuses a file of another user, a writable-by-others file, and any header mismatch.
    pub fn open_at(path: &Path) -> Result<LinkReader, LinkError> {
        Ok(LinkReader {
            seg: Segment::open_ro(path)?,
            clock: Clock::Live,
        })
    }

    /// Reads a copy of segment bytes (a dump, a test or a fuzz input) as if the time were
    /// `now_ms` (on the `CLOCK_MONOTONIC` millisecond scale of the heartbeats), without pid
    /// checks. The header is validated as for a file; missing bytes past it read as zero.
    pub fn from_bytes(bytes: &[u8], now_ms: u64) -> Result<LinkReader, LinkError> {
        Ok(LinkReader {
            seg: Segment::from_bytes(bytes)?,
            clock: Clock::Fixed(now_ms),
        })
    }

    /// The segment file (`<memory>` for [`LinkReader::from_bytes`]).
    pub fn path(&self) -> &Path {
        self.seg.path()
    }

    /// Replaces `out` with the live Strips of `group` (or of every group, and unbound ones,
    /// for `None`), each with its latest consistent snapshot and its age. A record torn by a
    /// concurrent write is retried a few times, then skipped for this call; corrupt records
    /// are skipped, out-of-range values clamped. Reuses `out`'s capacity.
    pub fn instances(&self, group: Option<GroupId>, out: &mut Vec<InstanceInfo>) {
        out.clear();
        scan_instances(self.seg.mem(), self.clock, group, out);
    }

    /// Replaces `out` with the live Masters.
    pub fn masters(&self, out: &mut Vec<MasterInfo>) {
        out.clear();
        scan_masters(self.seg.mem(), self.clock, out);
    }

    /// The verdicts a Master left for the Strip `instance_id` found in `slot` (from
    /// [`InstanceInfo`]); `out` is cleared first.
    pub fn verdicts(&self, slot: usize, instance_id: u64, out: &mut VerdictList) {
        read_verdicts(self.seg.mem(), slot, instance_id, out);
    }
}
