//! The analysis snapshot a Stem Strip publishes about its output: plain `Copy` data with no
//! heap, so it can be built on the audio thread and written word by word into the link.

use crate::bands::NUM_BANDS;
use crate::role::StemRole;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

/// Level reported for silence, in dB (LUFS, dBFS). Every dB value in a snapshot is finite and
/// at least this, so readers never see `-inf`.
pub const FLOOR_DB: f32 = -150.0;
/// Highest level a snapshot reports, in dB; anything louder is clamped (and is broken input).
pub const CEIL_DB: f32 = 60.0;

/// Clamps a dB value into the snapshot range; NaN becomes [`FLOOR_DB`].
pub fn clamp_db(db: f32) -> f32 {
    if db.is_nan() {
        FLOOR_DB
    } else {
        db.clamp(FLOOR_DB, CEIL_DB)
    }
}

/// Capacity of [`StemName`] in UTF-8 bytes.
pub const NAME_CAPACITY: usize = 64;

/// A stem's name in a fixed buffer: UTF-8, at most [`NAME_CAPACITY`] bytes, cut at a
/// character boundary when longer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StemName {
    bytes: [u8; NAME_CAPACITY],
    len: u8,
}

impl StemName {
    /// The name, cut to [`NAME_CAPACITY`] bytes at a character boundary.
    pub fn new(name: &str) -> Self {
        let mut len = name.len().min(NAME_CAPACITY);
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; NAME_CAPACITY];
        bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
        Self {
            bytes,
            len: len as u8,
        }
    }

    /// Builds a name from untrusted bytes (for example read from the link): `None` unless
    /// `len` fits and the bytes are UTF-8.
    pub fn from_raw(bytes: [u8; NAME_CAPACITY], len: usize) -> Option<Self> {
        if len > NAME_CAPACITY {
            return None;
        }
        std::str::from_utf8(&bytes[..len]).ok()?;
        let mut clean = [0; NAME_CAPACITY];
        clean[..len].copy_from_slice(&bytes[..len]);
        Some(Self {
            bytes: clean,
            len: len as u8,
        })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // The constructors only admit valid UTF-8 cut at a character boundary.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// The raw buffer (zero-padded) and the length in bytes.
    pub fn raw(&self) -> (&[u8; NAME_CAPACITY], usize) {
        (&self.bytes, self.len as usize)
    }
}

impl Default for StemName {
    fn default() -> Self {
        Self::new("")
    }
}

impl std::fmt::Debug for StemName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// A [`StemName`] that one thread writes and another reads without a lock (a seqlock over
/// atomic words): the GUI thread sets the name, the audio thread copies it into snapshots.
pub struct AtomicStemName {
    seq: AtomicU32,
    len: AtomicU32,
    words: [AtomicU64; NAME_CAPACITY / 8],
}

impl AtomicStemName {
    /// An empty name.
    pub fn new() -> Self {
        Self {
            seq: AtomicU32::new(0),
            len: AtomicU32::new(0),
            words: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Stores a name. Meant for one writer at a time (the GUI or main thread).
    pub fn store(&self, name: StemName) {
        let (bytes, len) = name.raw();
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        for (i, w) in self.words.iter().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            w.store(u64::from_le_bytes(b), Ordering::Relaxed);
        }
        self.len.store(len as u32, Ordering::Relaxed);
        self.seq.store(s.wrapping_add(2), Ordering::Release);
    }

    /// Loads the name; wait-free for the reader: after a few torn attempts it returns `None`
    /// (the caller keeps its previous copy). Never allocates.
    pub fn load(&self) -> Option<StemName> {
        for _ in 0..4 {
            let s0 = self.seq.load(Ordering::Acquire);
            if s0 % 2 == 1 {
                continue;
            }
            let mut bytes = [0u8; NAME_CAPACITY];
            for (i, w) in self.words.iter().enumerate() {
                bytes[i * 8..i * 8 + 8].copy_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
            }
            let len = self.len.load(Ordering::Relaxed) as usize;
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == s0 {
                return StemName::from_raw(bytes, len);
            }
        }
        None
    }
}

impl Default for AtomicStemName {
    fn default() -> Self {
        Self::new()
    }
}

/// A track colour as one word, for atomics and the link: 0 when unknown, else
/// `1 << 24 | r << 16 | g << 8 | b`.
pub fn pack_rgb(rgb: Option<[u8; 3]>) -> u32 {
    rgb.map_or(0, |[r, g, b]| {
        1 << 24 | u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b)
    })
}

/// The colour of a [`pack_rgb`] word, `None` when it says unknown.
pub fn unpack_rgb(word: u32) -> Option<[u8; 3]> {
    (word & 1 << 24 != 0).then_some([(word >> 16) as u8, (word >> 8) as u8, word as u8])
}

/// What a Strip knows about the host's transport when the snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TransportPosition {
    /// Whether the host's transport is playing.
    pub playing: bool,
    /// Whether `position_seconds` is known (the host reported a position).
    pub known: bool,
    /// Project time of the end of the block the snapshot was taken in, in seconds.
    pub position_seconds: f64,
}

/// One analysis snapshot of a Strip's output. Every `f32` is finite; dB values lie in
/// [`FLOOR_DB`]..=[`CEIL_DB`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StemSnapshot {
    /// What the stem is.
    pub role: StemRole,
    /// The stem's name (the host's track name, or what the user typed).
    pub name: StemName,
    /// Sample rate of the analysed audio, in Hz.
    pub sample_rate_hz: f32,
    /// Momentary loudness (400 ms, BS.1770 K-weighted), LUFS: the largest of its 10 ms
    /// updates since the last snapshot, so a reader at 40 Hz misses no peak.
    pub momentary_lufs: f32,
    /// Short-term loudness (3 s), LUFS.
    pub shortterm_lufs: f32,
    /// Highest sample peak over both channels since the last snapshot, dBFS.
    pub sample_peak_db: f32,
    /// Highest true peak (4x oversampled, BS.1770) since the last snapshot, dBTP.
    pub true_peak_db: f32,
    /// RMS over both channels over the last 400 ms, dBFS.
    pub rms_db: f32,
    /// Stereo correlation of left and right over the last 400 ms, -1..=1 (1 for mono).
    pub correlation: f32,
    /// Compressor gain reduction, dB (0 or positive: how far the level was pulled down).
    pub gain_reduction_db: f32,
    /// Band powers (dB, about 400 ms smoothed) for left (`[0]`) and right (`[1]`) on the
    /// layout of [`crate::bands::BandLayout::standard`].
    pub band_db: [[f32; NUM_BANDS]; 2],
    /// Band level at this moment (dB), left and right: the mean power of the short analysis
    /// frames (21 ms at 48 kHz; the long frames for the narrow low bands) since the
    /// previous snapshot (see [`crate::spectrum`]). What the stem is masked at.
    pub frame_db: [[f32; NUM_BANDS]; 2],
    /// Masking level per band at this moment (dB), left and right: `frame_db` through a
    /// forward-masking envelope (instant rise, 500 dB/s fall), averaged over the snapshot
    /// interval. What the stem masks others at: equal to `frame_db` within a dB or so for a
    /// steady stem, above it just after a sound stops.
    pub masking_db: [[f32; NUM_BANDS]; 2],
    /// Host transport when the snapshot was made.
    pub transport: TransportPosition,
    /// The track's colour as the host reported it (red, green, blue), `None` when unknown.
    pub color_rgb: Option<[u8; 3]>,
}

impl Default for StemSnapshot {
    fn default() -> Self {
        Self {
            role: StemRole::Other,
            name: StemName::default(),
            sample_rate_hz: 48_000.0,
            momentary_lufs: FLOOR_DB,
            shortterm_lufs: FLOOR_DB,
            sample_peak_db: FLOOR_DB,
            true_peak_db: FLOOR_DB,
            rms_db: FLOOR_DB,
            correlation: 1.0,
            gain_reduction_db: 0.0,
            band_db: [[FLOOR_DB; NUM_BANDS]; 2],
            masking_db: [[FLOOR_DB; NUM_BANDS]; 2],
            frame_db: [[FLOOR_DB; NUM_BANDS]; 2],
            transport: TransportPosition::default(),
            color_rgb: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_at_char_boundaries() {
        let long = "é".repeat(40); // 80 bytes
        let n = StemName::new(&long);
        assert_eq!(n.as_str().len(), 64);
        assert_eq!(n.as_str(), "é".repeat(32));
        assert_eq!(StemName::new("Lead Vox").as_str(), "Lead Vox");
    }

    #[test]
    fn raw_names_are_validated() {
        let mut bytes = [0u8; NAME_CAPACITY];
        bytes[0] = 0xff;
        assert!(StemName::from_raw(bytes, 1).is_none());
        assert!(StemName::from_raw(bytes, 65).is_none());
        bytes[..3].copy_from_slice(b"Kik");
        assert_eq!(StemName::from_raw(bytes, 3).unwrap().as_str(), "Kik");
    }

    #[test]
    fn atomic_name_round_trips() {
        let n = AtomicStemName::new();
        assert_eq!(n.load().unwrap().as_str(), "");
        n.store(StemName::new("Backing Vox Ωmega"));
        assert_eq!(n.load().unwrap().as_str(), "Backing Vox Ωmega");
    }

    #[test]
    fn clamp_db_handles_non_finite() {
        assert_eq!(clamp_db(f32::NAN), FLOOR_DB);
        assert_eq!(clamp_db(f32::NEG_INFINITY), FLOOR_DB);
        assert_eq!(clamp_db(f32::INFINITY), CEIL_DB);
        assert_eq!(clamp_db(-12.5), -12.5);
    }
}
