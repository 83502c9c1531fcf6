//! A Stem Master's end of the link: [`MasterHandle`].

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::snapshot::StemName;

use super::error::LinkError;
use super::layout::*;
use super::reader::{age_ms, is_gone, read_master, read_slot, Clock};
use super::segment::{now_ms, pid_ns, process_name, segment_path, Mem, Segment};
use super::writer::claim_in;
use super::{seqlock, GroupId, Verdict};

/// A live Stem Master's registration: it makes the Master visible to Strips (so they can bind
/// to its group) and lets it write gain requests and verdicts into their slots. Dropping it
/// unregisters the Master and withdraws the gain requests of its group.
///
/// Call [`heartbeat`](Self::heartbeat) at least every few hundred ms (from `process()` or a
/// timer): a Master not heard from for [`STALE_MS`](super::STALE_MS) is gone.
pub struct MasterHandle {
    seg: Segment,
    slot: usize,
    generation: u32,
    group: GroupId,
    pid: u32,
    pid_ns: u64,
    host: StemName,
    lost: AtomicBool,
}

impl MasterHandle {
    /// Registers a Master of `group` (kept in the Master's saved state; make one with
    /// [`GroupId::random`]) under its track name, in this user's segment. Off the audio thread.
    pub fn open(group: GroupId, track_name: &str) -> Result<MasterHandle, LinkError> {
        Self::open_at(&segment_path()?, group, track_name)
    }

    /// [`open`](Self::open) on the segment file at `path`.
    pub fn open_at(
        path: &Path,
        group: GroupId,
        track_name: &str,
    ) -> Result<MasterHandle, LinkError> {
        let seg = Segment::open_rw(path)?;
        let now = now_ms();
        let m = seg.mem();
        let (slot, generation) =
            claim_in(m, now, MASTER_SLOT_COUNT, master_offset, |slot, owner| {
                let pid = read_master(m, slot).map(|(_, r)| (r.pid, r.pid_ns));
                is_gone(age_ms(owner_hb(owner), now), pid, Clock::Live)
            })
            .ok_or_else(|| LinkError::MasterTableFull {
                path: path.to_owned(),
                slots: MASTER_SLOT_COUNT,
            })?;
        let handle = MasterHandle {
            seg,
            slot,
            generation,
            group,
            pid: std::process::id(),
            pid_ns: pid_ns(),
            host: StemName::new(&process_name()),
            lost: AtomicBool::new(false),
        };
        seqlock::reset(handle.mem(), master_offset(slot) + M_SEQ);
        handle.set_track_name(track_name);
        Ok(handle)
    }

    /// This Master's group.
    pub fn group(&self) -> GroupId {
        self.group
    }

    /// Whether this Master still holds its slot (false after it was silent for longer than
    /// [`STALE_MS`](super::STALE_MS) and another Master took the slot).
    pub fn is_registered(&self) -> bool {
        !self.lost.load(Ordering::Relaxed)
    }

    /// Beats the heartbeat. Any thread; atomics only.
    pub fn heartbeat(&self) {
        let owner = self.mem().u64(master_offset(self.slot) + M_OWNER);
        let now = now_ms();
        for _ in 0..4 {
            let w = owner.load(Ordering::Relaxed);
            if owner_state(w) != STATE_LIVE || owner_gen(w) != self.generation {
                self.lost.store(true, Ordering::Relaxed);
                return;
            }
            if owner_hb(w) == now {
                return;
            }
            let beat = owner_word(STATE_LIVE, self.generation, now);
            if owner
                .compare_exchange(w, beat, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Changes the track name shown in the Strips' group picker. Off the audio thread.
    pub fn set_track_name(&self, track_name: &str) {
        if !self.is_registered() {
            return;
        }
        let record = MasterRecord {
            generation: self.generation,
            pid: self.pid,
            pid_ns: self.pid_ns,
            group: self.group,
            track: StemName::new(track_name),
            host: self.host,
        };
        let mut words = [0u32; MASTER_RECORD_WORDS];
        encode_master(&record, &mut words);
        let base = master_offset(self.slot);
        seqlock::write_shared(self.mem(), base + M_SEQ, base + M_RECORD, &words);
        self.heartbeat();
    }

    /// Asks the Strip `instance_id` to offset its gain by `db` (clamped to ±24 dB; 0 withdraws
    /// the request); the Strip applies it smoothly. `false` when no live Strip has that id.
    /// Off the audio thread (scans the table).
    pub fn set_gain_request(&self, instance_id: u64, db: f32) -> bool {
        self.heartbeat();
        let Some(slot) = self.find(instance_id) else {
            return false;
        };
        let db = if db.is_finite() {
            db.clamp(-24.0, 24.0)
        } else {
            0.0
        };
        let base = slot_offset(slot);
        let m = self.mem();
        m.u64(base + S_GAIN_TARGET).store(0, Ordering::Release);
        m.u32(base + S_GAIN_DB)
            .store(db.to_bits(), Ordering::Release);
        m.u64(base + S_GAIN_TARGET)
            .store(instance_id, Ordering::Release);
        true
    }

    /// Replaces the verdicts shown to the Strip `instance_id` (the first
    /// [`MAX_VERDICTS`] of `verdicts`; an empty slice clears them). `false` when no live
    /// Strip has that id. Off the audio thread.
    pub fn set_verdicts(&self, instance_id: u64, verdicts: &[Verdict]) -> bool {
        self.heartbeat();
        let Some(slot) = self.find(instance_id) else {
            return false;
        };
        let mut words = [0u32; VERDICT_AREA_WORDS];
        words[V_TARGET_LO..=V_TARGET_HI].copy_from_slice(&split_u64(instance_id));
        let count = verdicts.len().min(MAX_VERDICTS);
        words[V_COUNT] = count as u32;
        for (i, v) in verdicts.iter().take(count).enumerate() {
            let at = V_ITEMS + i * VERDICT_STRIDE_WORDS;
            encode_verdict(v, &mut words[at..at + VERDICT_STRIDE_WORDS]);
        }
        let area = slot_offset(slot) + S_VERDICTS;
        seqlock::write_shared(self.mem(), area + V_SEQ, area + V_WORDS, &words)
    }

    fn mem(&self) -> &Mem {
        self.seg.mem()
    }

    /// The slot of the live Strip `instance_id`.
    fn find(&self, instance_id: u64) -> Option<usize> {
        if instance_id == 0 {
            return None;
        }
        (0..SLOT_COUNT).find(|&slot| {
            read_slot(self.mem(), slot)
                .is_some_and(|(_, words)| decode_meta(&words).instance_id == instance_id)
        })
    }
}

impl Drop for MasterHandle {
    /// Withdraws the gain requests made to Strips of this group and frees the slot.
    fn drop(&mut self) {
        let m = self.mem();
        for slot in 0..SLOT_COUNT {
            let base = slot_offset(slot);
            if m.u64(base + S_GROUP).load(Ordering::Relaxed) == self.group.0 {
                m.u64(base + S_GAIN_TARGET).store(0, Ordering::Release);
            }
        }
        let owner = m.u64(master_offset(self.slot) + M_OWNER);
        release_owner(owner, self.generation, 4);
    }
}
