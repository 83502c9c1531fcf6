//! The Stem link: Strips and Masters find each other through a shared-memory segment, across
//! processes (a DAW that sandboxes each plugin in its own process included).
//!
//! # Roles and API
//!
//! * A Stem Strip holds a [`LinkWriter`]: it owns one slot of the table, publishes its
//!   [`StemSnapshot`] from the audio thread 20 to 50 times a
//!   second, and reads what a Master asks of it (a gain offset, verdicts).
//! * A Stem Master holds a [`MasterHandle`] (its presence, with heartbeat, in the Master
//!   table) and a [`LinkReader`] (the live Strips of its group, each with its latest
//!   consistent snapshot and age).
//! * `stems link status` uses a [`LinkReader`] too.
//!
//! # The segment file
//!
//! One file per user and layout version: `stem-suite-v3-<euid>` in `$STEM_SUITE_LINK_DIR` if
//! set, else the first directory of `/dev/shm`, `$XDG_RUNTIME_DIR`, `$TMPDIR`, `/tmp`. Putting
//! the version in the name lets builds with incompatible layouts coexist. A writer creates it
//! with `O_CREAT | O_EXCL | O_NOFOLLOW`, mode exactly 0600, sizes it and maps it shared.
//! Every attach (writer or reader) refuses, with a [`LinkError`] that says what to do:
//! something that is not a regular file or is a symlink, a file owned by another user, a file
//! writable by group or others, a header that is not complete after 1 s of waiting, a wrong
//! magic, version, size, count or offset, and a file shorter than the layout.
//!
//! # Layout (version 3, little-endian, every field an atomic word)
//!
//! ```text
//! offset  size     what
//! 0       256      header
//!   0  u64 magic "STEMLINK"      8 u32 layout version (3)   12 u32 init (0 none, 1 busy, 2 ready)
//!  16  u32 header size (256)    20 u32 slot size (2560)    24 u32 slot count (64)
//!  28  u32 master slot size (256)  32 u32 master count (16)
//!  36  u32 slots offset (256)   40 u32 masters offset (164096)  48 u64 total size (168192)
//!  56  u32 creator pid
//! 256     64 x 2560  Strip slots (cache-line aligned)
//!   0  u64 owner word: state (2 bits: 0 free, 1 live) | generation (22) | heartbeat ms (40)
//!   8  u32 record sequence (seqlock)
//!  16  u64 group id (0 = unbound), written by the Strip
//!  24  u64 gain request: target instance id   32 u32 gain request dB (f32 bits)
//!  64  327 u32 record, seqlock protected:
//!        generation, flags (bit 0: has snapshot), pid, pid namespace (2), instance id (2),
//!        published ms (2), role, name length, name (16 words, UTF-8), sample rate,
//!        momentary, short-term, sample peak, true peak, RMS, correlation, gain reduction,
//!        transport flags (bit 0 playing, bit 1 known), position (f64, 2 words),
//!        band dB left (48) and right (48), track colour (0 unknown, else 1 << 24 | RGB),
//!        masking level dB left (48) and right (48), the moment's band level dB left (48)
//!        and right (48)                                        (floats as f32 bits)
//! 1408 verdict area: u32 sequence; from byte 8, seqlock protected: target instance id (2),
//!        count, then from byte 64 up to 8 verdicts of 32 words (kind, other role, other
//!        instance id (2), other name length + 16 words, low Hz, high Hz, amount dB, share,
//!        suggested gain dB, up to 3 ranges as low Hz, high Hz (0, 0 unused))
//! 164096  16 x 256  Master slots: owner word (as above), u32 sequence at 8, record from 16:
//!        generation, pid, pid namespace (2), group (2), track name (len + 16 words),
//!        host process name (len + 16 words)
//! ```
//!
//! # Protocol
//!
//! * **Creation**: the creator (the `O_EXCL` winner) sizes the file, CASes `init` 0 → 1,
//!   writes the header and stores `init = 2` with release. Anyone else waits (up to 1 s) for
//!   `init = 2`, then validates every header field against its own constants.
//! * **Ownership and heartbeat in one word**: a slot's owner word holds its state, a
//!   generation and the heartbeat time (ms of `CLOCK_MONOTONIC`, which every process of the
//!   machine shares). Claiming is a CAS from `free | g | *` (or from a gone owner's
//!   `live | g | old`) to `live | g+1 | now`; so two claimers can never both win, and a
//!   claim can never be undone by a stale heartbeat. The owner beats its heartbeat by CAS on
//!   the same word; if the generation changed under it, its slot was taken over (it was
//!   silent too long) and the handle goes quiet for good ([`LinkStatus::Evicted`]).
//!   Dropping a handle stores `free` with the same generation.
//! * **Gone**: no heartbeat for [`STALE_MS`] (2 s), or a heartbeat more than 1 s in the
//!   future (corrupt). Shortcut: a slot quiet for 250 ms whose pid, *in the same pid
//!   namespace* (the inode of `/proc/self/ns/pid` is recorded), fails `kill(pid, 0)` with
//!   `ESRCH`. Pids alone are never trusted: they are reused, and differ across namespaces.
//!   Writers claim a free slot first, then a gone one; a slot in an invalid state is
//!   garbage and free to take. With all 64 held by live Strips, [`LinkError::TableFull`].
//! * **Publishing** (Strip, audio thread): beat (CAS), then seqlock: CAS the sequence from
//!   even `s` to `s + 1`, `fence(Release)`, store the 231 record words (relaxed atomics),
//!   store `s + 2` with release. The record carries the owner generation, so a reader never
//!   takes the previous owner's record for the new one's. Entering by CAS means a second
//!   writer skips instead of interleaving. A new owner of a slot whose previous writer died
//!   mid-write makes the sequence even again.
//! * **Reading**: owner word (live?), sequence (acquire; odd = retry), copy the words,
//!   `fence(Acquire)`, sequence again; a torn copy is retried up to 8 times and then skipped
//!   for this round; the owner word is read again and must show the same generation, and
//!   the record's generation must match it. Then everything is validated: role index, name
//!   length and UTF-8 (else the record is skipped), every float made finite and clamped
//!   (dB into `FLOOR_DB..=CEIL_DB`), the transport position dropped if not finite.
//! * **Master to Strip**: a gain request is `(target instance id, dB)`; the Master stores
//!   target 0, the dB, then the target; the Strip applies the dB only when the target is its
//!   own id, finite, clamped to ±24. Verdicts are a seqlocked area with the target id
//!   inside; Masters enter it by CAS (waiting a bounded time for a dead writer's odd
//!   sequence, then taking over). A dropped Master withdraws the gain requests of its group.
//! * **Groups**: a Master has a random nonzero [`GroupId`] (saved in its state); a Strip's
//!   group lives in its slot. [`LinkWriter::status`] binds an unbound Strip automatically
//!   when exactly one Master is live and reports [`LinkStatus::MultipleMasters`] when there
//!   are several ([`LinkWriter::masters`] lists them for a picker).
//!
//! # Trust
//!
//! Any process of the same user can write anything into the segment. No offset, count or
//! index is ever taken from it (all come from this module's constants; the header must equal
//! them), counts read from it are clamped, and every retry loop is bounded, so corrupt data
//! degrades what is shown but never crashes, hangs or writes out of bounds. One thing a
//! mapping cannot guard against: a process that *shrinks* the file after we mapped it makes
//! our next access fault (`SIGBUS`); only our own user can do that, and the file is never
//! resized by this code once created.
//!
//! # Testing helpers
//!
//! `stems link publish-test --role bass --name X --lufs -20 [--group HEX]` publishes a
//! synthetic snapshot at 30 Hz until killed (and prints `ready <slot> <instance id>` once
//! its slot is claimed); `stems link master-test --group HEX --name X` holds a Master.
//! Both honour `STEM_SUITE_LINK_DIR`.

mod error;
#[doc(hidden)]
pub mod fuzzing;
mod layout;
mod master;
mod reader;
mod segment;
mod seqlock;
mod text;
mod writer;

pub use error::LinkError;
pub use layout::{
    LAYOUT_VERSION, MASTER_SLOT_COUNT, MAX_VERDICTS, SEGMENT_SIZE, SLOT_COUNT, SLOT_SIZE,
};
pub use master::MasterHandle;
pub use reader::{LinkReader, MAX_GAIN_REQUEST_DB, STALE_MS};
pub use segment::{link_dir, segment_file_name, segment_path, LINK_DIR_ENV};
pub use writer::LinkWriter;

use crate::role::StemRole;
use crate::snapshot::{StemName, StemSnapshot};

/// A group of Strips and their Master (one project in one DAW): a random nonzero id that the
/// Master keeps in its saved state and a Strip binds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub u64);

impl GroupId {
    /// A new random, nonzero group id.
    pub fn random() -> GroupId {
        let mut bytes = [0u8; 8];
        loop {
            if getrandom::fill(&mut bytes).is_err() {
                // NOTE: no OS randomness (practically never): mix time and pid instead.
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                bytes = (t ^ ((std::process::id() as u64) << 32)).to_le_bytes();
            }
            let v = u64::from_le_bytes(bytes);
            if v != 0 {
                return GroupId(v);
            }
        }
    }

    /// `None` for 0 (no group).
    pub fn from_raw(raw: u64) -> Option<GroupId> {
        (raw != 0).then_some(GroupId(raw))
    }
}

impl std::fmt::Display for GroupId {
    /// Sixteen hex digits.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for GroupId {
    type Err = String;

    /// Parses the hex form of [`Display`](std::fmt::Display) (an optional `0x` allowed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s.trim().trim_start_matches("0x");
        match u64::from_str_radix(hex, 16) {
            Ok(0) => Err("a group id is never 0".to_owned()),
            Ok(v) => Ok(GroupId(v)),
            Err(e) => Err(format!("`{s}` is not a hexadecimal group id: {e}")),
        }
    }
}

/// What a verdict says about the Strip it is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerdictKind {
    /// This stem is masked by the other stem in the band.
    #[default]
    MaskedBy = 0,
    /// This stem masks the other stem in the band.
    Masking = 1,
    /// This stem is louder than its reference balance.
    TooLoud = 2,
    /// This stem is quieter than its reference balance.
    TooQuiet = 3,
}

impl VerdictKind {
    /// The kind with this stable index, `None` for an unknown one.
    pub fn from_index(index: u32) -> Option<VerdictKind> {
        [Self::MaskedBy, Self::Masking, Self::TooLoud, Self::TooQuiet]
            .get(index as usize)
            .copied()
    }
}

/// A Master's finding that concerns one Strip, e.g. "masked by Music, 1.2 to 3.4 kHz, 4 dB
/// short, 60% of the last 10 s; try -2 dB on Music there". Values read from the link are
/// finite and clamped.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Verdict {
    /// What the finding is.
    pub kind: VerdictKind,
    /// Role of the other stem involved (`Other` when none).
    pub other_role: StemRole,
    /// Instance id of the other stem involved (0 when none).
    pub other_instance: u64,
    /// Name of the other stem involved (empty when none).
    pub other_name: StemName,
    /// Lower edge of the band concerned, Hz (`low_hz <= high_hz`).
    pub low_hz: f32,
    /// Upper edge of the band concerned, Hz.
    pub high_hz: f32,
    /// How far off, dB (for masking: how many dB the stem is short of audible; ±200 max).
    pub amount_db: f32,
    /// Share of the recent window the finding held, 0..=1.
    pub share: f32,
    /// Suggested gain change, dB (±24): on this stem for `TooLoud`/`TooQuiet`/`Masking`; for
    /// `MaskedBy`, a cut (negative) is on the other stem and a boost (positive) on this one.
    pub suggested_gain_db: f32,
    /// The ranges of the finding, lowest first, `[low, high]` Hz each, when it has more
    /// than one (`low_hz..high_hz` then spans them all); unused entries are `[0, 0]`.
    pub ranges: [[f32; 2]; MAX_VERDICT_RANGES],
}

/// Most ranges a [`Verdict`] lists (as a masking warning does, one per pair and direction).
pub const MAX_VERDICT_RANGES: usize = 3;

impl Verdict {
    /// The ranges in use (empty when the finding has one range, `low_hz..high_hz`).
    pub fn ranges(&self) -> impl Iterator<Item = (f32, f32)> + '_ {
        self.ranges
            .iter()
            .filter(|r| r[1] > 0.0)
            .map(|r| (r[0], r[1]))
    }
}

/// A fixed-capacity list of verdicts (no allocation): what [`LinkWriter::verdicts`] fills.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VerdictList {
    items: [Verdict; MAX_VERDICTS],
    len: usize,
}

impl VerdictList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the list.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends `v`; `false` (and nothing changed) when the list is full.
    pub fn push(&mut self, v: Verdict) -> bool {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = v;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// The verdicts.
    pub fn as_slice(&self) -> &[Verdict] {
        &self.items[..self.len]
    }

    /// Number of verdicts.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A live Strip as a reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceInfo {
    /// Slot index in the table (0..[`SLOT_COUNT`]).
    pub slot: usize,
    /// The Strip's random instance id (address it with [`MasterHandle::set_gain_request`]).
    pub instance_id: u64,
    /// Its process id, in its own pid namespace (diagnostics only).
    pub pid: u32,
    /// The group it is bound to, if any.
    pub group: Option<GroupId>,
    /// Time since its last heartbeat, ms.
    pub age_ms: u64,
    /// Time since its snapshot was published, ms (`None` with no snapshot).
    pub snapshot_age_ms: Option<u64>,
    /// Its latest consistent snapshot, validated; `None` until it publishes one.
    pub snapshot: Option<StemSnapshot>,
    /// The gain offset currently requested of it by a Master, dB (0 when none).
    pub gain_request_db: f32,
}

/// A live Master as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterInfo {
    /// Slot index in the Master table.
    pub slot: usize,
    /// Its group.
    pub group: GroupId,
    /// The track it sits on (as its host named it), possibly empty.
    pub track_name: String,
    /// Short name of its host process (e.g. `reaper`), possibly empty.
    pub host_process: String,
    /// Its process id, in its own pid namespace.
    pub pid: u32,
    /// Time since its last heartbeat, ms.
    pub age_ms: u64,
}

/// A Strip's link state, for its GUI ([`LinkWriter::status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus {
    /// Bound to `group`, whose Master is live.
    Connected {
        /// The group.
        group: GroupId,
        /// Its Master.
        master: MasterInfo,
    },
    /// No live Master for this Strip: bound to a group whose Master is not running, or
    /// unbound with no Master live at all.
    NoMaster {
        /// The group bound to, if any.
        group: Option<GroupId>,
    },
    /// Unbound, and this many Masters are live: offer a picker ([`LinkWriter::masters`]).
    MultipleMasters(usize),
    /// The slot was taken over after this Strip was silent for longer than [`STALE_MS`]
    /// (its process was suspended); open a new [`LinkWriter`] to reconnect.
    Evicted,
}

impl std::fmt::Display for LinkStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkStatus::Connected { master, .. } if master.track_name.is_empty() => {
                write!(f, "connected to the Stem Master in {}", master.host_process)
            }
            LinkStatus::Connected { master, .. } => write!(
                f,
                "connected to the Stem Master on \"{}\" ({})",
                master.track_name, master.host_process
            ),
            LinkStatus::NoMaster { group: Some(g) } => {
                write!(f, "the Stem Master of group {g} is not running")
            }
            LinkStatus::NoMaster { group: None } => write!(f, "no Stem Master running yet"),
            LinkStatus::MultipleMasters(n) => write!(f, "{n} Stem Masters running: pick one"),
            LinkStatus::Evicted => {
                write!(
                    f,
                    "disconnected (this plugin was suspended too long); reopen to reconnect"
                )
            }
        }
    }
}
