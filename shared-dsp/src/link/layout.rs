//! Byte offsets of the segment and the encoding of records into 32-bit words.
//!
//! Everything here is plain arithmetic on constants: no offset is ever read from the segment,
//! so corrupt data can change values but never where we read or write.

use crate::bands::NUM_BANDS;
use crate::role::StemRole;
use crate::snapshot::{
    clamp_db, pack_rgb, unpack_rgb, StemName, StemSnapshot, TransportPosition, NAME_CAPACITY,
};

use super::{GroupId, Verdict, VerdictKind};

/// `b"STEMLINK"` read as a little-endian `u64`.
pub const MAGIC: u64 = u64::from_le_bytes(*b"STEMLINK");
/// Layout version; also part of the file name, so incompatible builds use different files.
pub const LAYOUT_VERSION: u32 = 3;

/// Size of the header, in bytes.
pub const HEADER_SIZE: usize = 256;
/// Number of Strip slots.
pub const SLOT_COUNT: usize = 64;
/// Size of one Strip slot, in bytes (a multiple of the 64-byte cache line).
pub const SLOT_SIZE: usize = 2560;
/// Number of Master slots.
pub const MASTER_SLOT_COUNT: usize = 16;
/// Size of one Master slot, in bytes.
pub const MASTER_SLOT_SIZE: usize = 256;
/// Offset of the first Strip slot.
pub const SLOTS_OFFSET: usize = HEADER_SIZE;
/// Offset of the first Master slot.
pub const MASTERS_OFFSET: usize = SLOTS_OFFSET + SLOT_COUNT * SLOT_SIZE;
/// Total size of the segment, in bytes.
pub const SEGMENT_SIZE: usize = MASTERS_OFFSET + MASTER_SLOT_COUNT * MASTER_SLOT_SIZE;

// Header fields (offsets from the start of the segment).
pub(crate) const H_MAGIC: usize = 0; // u64
pub(crate) const H_VERSION: usize = 8;
pub(crate) const H_INIT: usize = 12;
pub(crate) const H_HEADER_SIZE: usize = 16;
pub(crate) const H_SLOT_SIZE: usize = 20;
pub(crate) const H_SLOT_COUNT: usize = 24;
pub(crate) const H_MASTER_SLOT_SIZE: usize = 28;
pub(crate) const H_MASTER_COUNT: usize = 32;
pub(crate) const H_SLOTS_OFFSET: usize = 36;
pub(crate) const H_MASTERS_OFFSET: usize = 40;
pub(crate) const H_TOTAL_SIZE: usize = 48; // u64
pub(crate) const H_CREATOR_PID: usize = 56;

/// `init` value of a fresh (all-zero) file.
pub(crate) const INIT_NONE: u32 = 0;
/// `init` while the creator writes the header.
pub(crate) const INIT_BUSY: u32 = 1;
/// `init` once the header is complete.
pub(crate) const INIT_READY: u32 = 2;

// Slot fields (offsets from the start of a Strip slot).
pub(crate) const S_OWNER: usize = 0; // u64 owner word
pub(crate) const S_SEQ: usize = 8; // u32 seqlock of the record
pub(crate) const S_GROUP: usize = 16; // u64, 0 = unbound
pub(crate) const S_GAIN_TARGET: usize = 24; // u64 instance id the request is for
pub(crate) const S_GAIN_DB: usize = 32; // f32 bits
pub(crate) const S_RECORD: usize = 64; // RECORD_WORDS u32 words
pub(crate) const S_VERDICTS: usize = 1408; // verdict area, below

// Verdict area (offsets from S_VERDICTS).
pub(crate) const V_SEQ: usize = 0; // u32 seqlock of the area
pub(crate) const V_WORDS: usize = 8; // first seqlock-protected word
/// Words of the verdict area after `V_WORDS`: target (2), count (1), padding to the items.
pub(crate) const V_TARGET_LO: usize = 0;
pub(crate) const V_TARGET_HI: usize = 1;
pub(crate) const V_COUNT: usize = 2;
pub(crate) const V_ITEMS: usize = 14; // (64 - 8) / 4: items start at byte 64 of the area
pub(crate) const VERDICT_STRIDE_WORDS: usize = 32;
/// How many verdicts a slot holds for its Strip.
pub const MAX_VERDICTS: usize = 8;
pub(crate) const VERDICT_AREA_WORDS: usize = V_ITEMS + MAX_VERDICTS * VERDICT_STRIDE_WORDS;

// Master slot fields.
pub(crate) const M_OWNER: usize = 0;
pub(crate) const M_SEQ: usize = 8;
pub(crate) const M_RECORD: usize = 16;

const _: () = {
    assert!(
        SLOT_SIZE.is_multiple_of(64)
            && MASTER_SLOT_SIZE.is_multiple_of(64)
            && HEADER_SIZE.is_multiple_of(64)
    );
    assert!(S_RECORD + RECORD_WORDS * 4 <= S_VERDICTS);
    assert!(VD_RANGES + 2 * super::MAX_VERDICT_RANGES <= VERDICT_STRIDE_WORDS);
    assert!(S_VERDICTS + V_WORDS + VERDICT_AREA_WORDS * 4 <= SLOT_SIZE);
    assert!(M_RECORD + MASTER_RECORD_WORDS * 4 <= MASTER_SLOT_SIZE);
    assert!(SEGMENT_SIZE.is_multiple_of(8));
    assert!(NAME_CAPACITY == NAME_WORDS * 4);
};

/// Byte offset of Strip slot `i` (`i < SLOT_COUNT`).
pub(crate) const fn slot_offset(i: usize) -> usize {
    SLOTS_OFFSET + i * SLOT_SIZE
}

/// Byte offset of Master slot `i` (`i < MASTER_SLOT_COUNT`).
pub(crate) const fn master_offset(i: usize) -> usize {
    MASTERS_OFFSET + i * MASTER_SLOT_SIZE
}

// Owner word: | state: 2 | generation: 22 | heartbeat ms: 40 |
pub(crate) const STATE_FREE: u64 = 0;
pub(crate) const STATE_LIVE: u64 = 1;
const HB_BITS: u32 = 40;
pub(crate) const HB_MASK: u64 = (1 << HB_BITS) - 1;
const GEN_MASK: u64 = (1 << 22) - 1;

pub(crate) fn owner_word(state: u64, generation: u32, heartbeat_ms: u64) -> u64 {
    (state << 62) | ((generation as u64 & GEN_MASK) << HB_BITS) | (heartbeat_ms & HB_MASK)
}
pub(crate) fn owner_state(word: u64) -> u64 {
    word >> 62
}
pub(crate) fn owner_gen(word: u64) -> u32 {
    ((word >> HB_BITS) & GEN_MASK) as u32
}
/// Frees an owner word we hold (live, our generation) by compare-and-swap, keeping its
/// heartbeat; gives up after `retries` lost races or when the word is no longer ours.
pub(crate) fn release_owner(owner: &std::sync::atomic::AtomicU64, generation: u32, retries: usize) {
    use std::sync::atomic::Ordering;
    for _ in 0..retries {
        let w = owner.load(Ordering::Relaxed);
        if owner_state(w) != STATE_LIVE || owner_gen(w) != generation {
            return;
        }
        let free = owner_word(STATE_FREE, generation, owner_hb(w));
        if owner
            .compare_exchange(w, free, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
    }
}

pub(crate) fn owner_hb(word: u64) -> u64 {
    word & HB_MASK
}
/// The generation after `generation`, within the 22 bits of the owner word.
pub(crate) fn next_gen(generation: u32) -> u32 {
    ((generation as u64 + 1) & GEN_MASK) as u32
}

// Strip record words (seqlock protected).
pub(crate) const R_GEN: usize = 0;
pub(crate) const R_FLAGS: usize = 1;
pub(crate) const R_PID: usize = 2;
pub(crate) const R_PID_NS: usize = 3; // 2 words
pub(crate) const R_INSTANCE: usize = 5; // 2 words
pub(crate) const R_PUBLISHED_MS: usize = 7; // 2 words
pub(crate) const R_ROLE: usize = 9;
pub(crate) const R_NAME_LEN: usize = 10;
pub(crate) const R_NAME: usize = 11; // NAME_WORDS words
pub(crate) const R_SAMPLE_RATE: usize = R_NAME + NAME_WORDS;
pub(crate) const R_MOMENTARY: usize = R_SAMPLE_RATE + 1;
pub(crate) const R_SHORTTERM: usize = R_SAMPLE_RATE + 2;
pub(crate) const R_SAMPLE_PEAK: usize = R_SAMPLE_RATE + 3;
pub(crate) const R_TRUE_PEAK: usize = R_SAMPLE_RATE + 4;
pub(crate) const R_RMS: usize = R_SAMPLE_RATE + 5;
pub(crate) const R_CORRELATION: usize = R_SAMPLE_RATE + 6;
pub(crate) const R_GAIN_REDUCTION: usize = R_SAMPLE_RATE + 7;
pub(crate) const R_TRANSPORT: usize = R_SAMPLE_RATE + 8;
pub(crate) const R_POSITION: usize = R_SAMPLE_RATE + 9; // 2 words (f64)
pub(crate) const R_BANDS: usize = R_SAMPLE_RATE + 11; // 2 * NUM_BANDS words
/// Track colour, as [`pack_rgb`] makes it (0 when unknown).
pub(crate) const R_COLOR: usize = R_BANDS + 2 * NUM_BANDS;
/// Masking level per band (since layout version 2; a forward-masking envelope since 3).
pub(crate) const R_MASKING: usize = R_COLOR + 1; // 2 * NUM_BANDS words
/// Band level over the snapshot interval, short frames (layout version 3).
pub(crate) const R_FRAME: usize = R_MASKING + 2 * NUM_BANDS; // 2 * NUM_BANDS words
/// Number of words in a Strip record.
pub(crate) const RECORD_WORDS: usize = R_FRAME + 2 * NUM_BANDS;
/// `R_FLAGS` bit: the record holds a real snapshot (not only the claim's placeholder).
pub(crate) const FLAG_HAS_SNAPSHOT: u32 = 1;

const NAME_WORDS: usize = 16;

// Master record words.
pub(crate) const MR_GEN: usize = 0;
pub(crate) const MR_PID: usize = 1;
pub(crate) const MR_PID_NS: usize = 2; // 2 words
pub(crate) const MR_GROUP: usize = 4; // 2 words
pub(crate) const MR_TRACK_LEN: usize = 6;
pub(crate) const MR_TRACK: usize = 7;
pub(crate) const MR_HOST_LEN: usize = MR_TRACK + NAME_WORDS;
pub(crate) const MR_HOST: usize = MR_HOST_LEN + 1;
pub(crate) const MASTER_RECORD_WORDS: usize = MR_HOST + NAME_WORDS;

// Verdict words (relative to the verdict's first word).
const VD_KIND: usize = 0;
const VD_ROLE: usize = 1;
const VD_OTHER: usize = 2; // 2 words
const VD_NAME_LEN: usize = 4;
const VD_NAME: usize = 5;
const VD_LOW: usize = VD_NAME + NAME_WORDS;
const VD_HIGH: usize = VD_LOW + 1;
const VD_AMOUNT: usize = VD_LOW + 2;
const VD_SHARE: usize = VD_LOW + 3;
const VD_SUGGEST: usize = VD_LOW + 4;
const VD_RANGES: usize = VD_LOW + 5; // 2 * MAX_VERDICT_RANGES words

pub(crate) fn split_u64(v: u64) -> [u32; 2] {
    [v as u32, (v >> 32) as u32]
}
pub(crate) fn join_u64(w: &[u32]) -> u64 {
    w[0] as u64 | ((w[1] as u64) << 32)
}

pub(crate) fn put_name(words: &mut [u32], len_at: usize, at: usize, name: &StemName) {
    let (bytes, len) = name.raw();
    words[len_at] = len as u32;
    for (i, chunk) in bytes.chunks_exact(4).enumerate() {
        words[at + i] = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
}

/// Decodes a name; `None` when the length is out of range or the bytes are not UTF-8.
pub(crate) fn get_name(words: &[u32], len_at: usize, at: usize) -> Option<StemName> {
    let mut bytes = [0u8; NAME_CAPACITY];
    for i in 0..NAME_WORDS {
        bytes[i * 4..i * 4 + 4].copy_from_slice(&words[at + i].to_le_bytes());
    }
    StemName::from_raw(bytes, words[len_at] as usize)
}

/// What a Strip record says about its writer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RecordMeta {
    pub generation: u32,
    pub flags: u32,
    pub pid: u32,
    pub pid_ns: u64,
    pub instance_id: u64,
    pub published_ms: u64,
}

pub(crate) fn encode_record(meta: &RecordMeta, snap: &StemSnapshot, w: &mut [u32; RECORD_WORDS]) {
    w[R_GEN] = meta.generation;
    w[R_FLAGS] = meta.flags;
    w[R_PID] = meta.pid;
    w[R_PID_NS..R_PID_NS + 2].copy_from_slice(&split_u64(meta.pid_ns));
    w[R_INSTANCE..R_INSTANCE + 2].copy_from_slice(&split_u64(meta.instance_id));
    w[R_PUBLISHED_MS..R_PUBLISHED_MS + 2].copy_from_slice(&split_u64(meta.published_ms));
    w[R_ROLE] = snap.role.index();
    put_name(w, R_NAME_LEN, R_NAME, &snap.name);
    w[R_SAMPLE_RATE] = snap.sample_rate_hz.to_bits();
    w[R_MOMENTARY] = snap.momentary_lufs.to_bits();
    w[R_SHORTTERM] = snap.shortterm_lufs.to_bits();
    w[R_SAMPLE_PEAK] = snap.sample_peak_db.to_bits();
    w[R_TRUE_PEAK] = snap.true_peak_db.to_bits();
    w[R_RMS] = snap.rms_db.to_bits();
    w[R_CORRELATION] = snap.correlation.to_bits();
    w[R_GAIN_REDUCTION] = snap.gain_reduction_db.to_bits();
    w[R_TRANSPORT] = snap.transport.playing as u32 | (snap.transport.known as u32) << 1;
    w[R_POSITION..R_POSITION + 2]
        .copy_from_slice(&split_u64(snap.transport.position_seconds.to_bits()));
    for ch in 0..2 {
        for b in 0..NUM_BANDS {
            w[R_BANDS + ch * NUM_BANDS + b] = snap.band_db[ch][b].to_bits();
            w[R_MASKING + ch * NUM_BANDS + b] = snap.masking_db[ch][b].to_bits();
            w[R_FRAME + ch * NUM_BANDS + b] = snap.frame_db[ch][b].to_bits();
        }
    }
    w[R_COLOR] = pack_rgb(snap.color_rgb);
}

pub(crate) fn decode_meta(w: &[u32; RECORD_WORDS]) -> RecordMeta {
    RecordMeta {
        generation: w[R_GEN],
        flags: w[R_FLAGS],
        pid: w[R_PID],
        pid_ns: join_u64(&w[R_PID_NS..]),
        instance_id: join_u64(&w[R_INSTANCE..]),
        published_ms: join_u64(&w[R_PUBLISHED_MS..]),
    }
}

fn f(w: u32) -> f32 {
    f32::from_bits(w)
}

/// A finite value clamped to `lo..=hi`; NaN becomes `nan_to`.
pub(crate) fn clamp_finite(v: f32, lo: f32, hi: f32, nan_to: f32) -> f32 {
    if v.is_nan() {
        nan_to
    } else {
        v.clamp(lo, hi)
    }
}

/// Decodes and validates the snapshot of a record. `None` when the role or name is invalid
/// (the record is corrupt); every float is made finite and clamped into its documented range.
pub(crate) fn decode_snapshot(w: &[u32; RECORD_WORDS]) -> Option<StemSnapshot> {
    let role = StemRole::from_index(w[R_ROLE])?;
    let name = get_name(w, R_NAME_LEN, R_NAME)?;
    let position = f64::from_bits(join_u64(&w[R_POSITION..]));
    let known = w[R_TRANSPORT] & 2 != 0 && position.is_finite();
    let bands = |at: usize| -> [[f32; NUM_BANDS]; 2] {
        std::array::from_fn(|ch| std::array::from_fn(|b| clamp_db(f(w[at + ch * NUM_BANDS + b]))))
    };
    Some(StemSnapshot {
        role,
        name,
        sample_rate_hz: clamp_finite(f(w[R_SAMPLE_RATE]), 0.0, 10_000_000.0, 0.0),
        momentary_lufs: clamp_db(f(w[R_MOMENTARY])),
        shortterm_lufs: clamp_db(f(w[R_SHORTTERM])),
        sample_peak_db: clamp_db(f(w[R_SAMPLE_PEAK])),
        true_peak_db: clamp_db(f(w[R_TRUE_PEAK])),
        rms_db: clamp_db(f(w[R_RMS])),
        correlation: clamp_finite(f(w[R_CORRELATION]), -1.0, 1.0, 0.0),
        gain_reduction_db: clamp_finite(f(w[R_GAIN_REDUCTION]), 0.0, 200.0, 0.0),
        band_db: bands(R_BANDS),
        masking_db: bands(R_MASKING),
        frame_db: bands(R_FRAME),
        transport: TransportPosition {
            playing: w[R_TRANSPORT] & 1 != 0,
            known,
            position_seconds: if known { position } else { 0.0 },
        },
        color_rgb: unpack_rgb(w[R_COLOR]),
    })
}

pub(crate) fn encode_verdict(v: &Verdict, w: &mut [u32]) {
    w[VD_KIND] = v.kind as u32;
    w[VD_ROLE] = v.other_role.index();
    w[VD_OTHER..VD_OTHER + 2].copy_from_slice(&split_u64(v.other_instance));
    put_name(w, VD_NAME_LEN, VD_NAME, &v.other_name);
    w[VD_LOW] = v.low_hz.to_bits();
    w[VD_HIGH] = v.high_hz.to_bits();
    w[VD_AMOUNT] = v.amount_db.to_bits();
    w[VD_SHARE] = v.share.to_bits();
    w[VD_SUGGEST] = v.suggested_gain_db.to_bits();
    for (i, r) in v.ranges.iter().enumerate() {
        w[VD_RANGES + 2 * i] = r[0].to_bits();
        w[VD_RANGES + 2 * i + 1] = r[1].to_bits();
    }
}

/// Decodes and validates one verdict: `None` when its kind is unknown or a frequency is not
/// finite and positive; other values are clamped, a bad role becomes `Other`, a bad name empty.
pub(crate) fn decode_verdict(w: &[u32]) -> Option<Verdict> {
    let kind = VerdictKind::from_index(w[VD_KIND])?;
    let low = f(w[VD_LOW]);
    let high = f(w[VD_HIGH]);
    let band_ok = |hz: f32| hz.is_finite() && (0.0..=1_000_000.0).contains(&hz);
    if !band_ok(low) || !band_ok(high) {
        return None;
    }
    Some(Verdict {
        kind,
        other_role: StemRole::from_index(w[VD_ROLE]).unwrap_or_default(),
        other_instance: join_u64(&w[VD_OTHER..]),
        other_name: get_name(w, VD_NAME_LEN, VD_NAME).unwrap_or_default(),
        low_hz: low.min(high),
        high_hz: low.max(high),
        amount_db: clamp_finite(f(w[VD_AMOUNT]), -200.0, 200.0, 0.0),
        share: clamp_finite(f(w[VD_SHARE]), 0.0, 1.0, 0.0),
        suggested_gain_db: clamp_finite(f(w[VD_SUGGEST]), -24.0, 24.0, 0.0),
        // A range that is not finite, positive and ordered is dropped (read as unused).
        ranges: std::array::from_fn(|i| {
            let (lo, hi) = (f(w[VD_RANGES + 2 * i]), f(w[VD_RANGES + 2 * i + 1]));
            if band_ok(lo) && band_ok(hi) && lo < hi {
                [lo, hi]
            } else {
                [0.0, 0.0]
            }
        }),
    })
}

/// What a Master record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MasterRecord {
    pub generation: u32,
    pub pid: u32,
    pub pid_ns: u64,
    pub group: GroupId,
    pub track: StemName,
    pub host: StemName,
}

pub(crate) fn encode_master(r: &MasterRecord, w: &mut [u32; MASTER_RECORD_WORDS]) {
    w[MR_GEN] = r.generation;
    w[MR_PID] = r.pid;
    w[MR_PID_NS..MR_PID_NS + 2].copy_from_slice(&split_u64(r.pid_ns));
    w[MR_GROUP..MR_GROUP + 2].copy_from_slice(&split_u64(r.group.0));
    put_name(w, MR_TRACK_LEN, MR_TRACK, &r.track);
    put_name(w, MR_HOST_LEN, MR_HOST, &r.host);
}

/// Decodes a Master record; `None` for group 0. Bad names become empty.
pub(crate) fn decode_master(w: &[u32; MASTER_RECORD_WORDS]) -> Option<MasterRecord> {
    let group = join_u64(&w[MR_GROUP..]);
    if group == 0 {
        return None;
    }
    Some(MasterRecord {
        generation: w[MR_GEN],
        pid: w[MR_PID],
        pid_ns: join_u64(&w[MR_PID_NS..]),
        group: GroupId(group),
        track: get_name(w, MR_TRACK_LEN, MR_TRACK).unwrap_or_default(),
        host: get_name(w, MR_HOST_LEN, MR_HOST).unwrap_or_default(),
    })
}
