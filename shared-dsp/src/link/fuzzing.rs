//! The reader's fuzz harness, shared by the `cargo fuzz` target in `fuzz/` and the corpus
//! replay test, so both run exactly the same checks.
//!
//! Input format (compact, so a committed corpus stays small): 8 bytes `now_ms` (little
//! endian, the clock the reader pretends it is), 1 flag byte (bit 0: hand the image to the
//! reader cut after the last chunk, which exercises the truncation checks), then chunks
//! `offset: u32 LE, len: u16 LE, bytes` patched onto a zeroed segment image; a chunk that
//! runs past the image or the input is cut.

use super::layout::SEGMENT_SIZE;
use super::{LinkReader, VerdictList};

/// Builds the segment image an input describes: `(now_ms, image)`. The image is
/// [`SEGMENT_SIZE`] long, or shorter when flag bit 0 is set.
pub fn decode_input(input: &[u8]) -> (u64, Vec<u8>) {
    let mut now = [0u8; 8];
    let n = input.len().min(8);
    now[..n].copy_from_slice(&input[..n]);
    let flags = input.get(8).copied().unwrap_or(0);
    let mut image = vec![0u8; SEGMENT_SIZE];
    let mut end = 0;
    let mut rest = input.get(9..).unwrap_or(&[]);
    while rest.len() >= 6 {
        let offset = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let len = u16::from_le_bytes([rest[4], rest[5]]) as usize;
        let data = &rest[6..];
        let len = len.min(data.len());
        if offset < SEGMENT_SIZE {
            let take = len.min(SEGMENT_SIZE - offset);
            image[offset..offset + take].copy_from_slice(&data[..take]);
            end = end.max(offset + take);
        }
        rest = &data[len..];
    }
    if flags & 1 == 1 {
        image.truncate(end);
    }
    (u64::from_le_bytes(now), image)
}

/// Encodes a segment image (for example a copy of a real segment file) as a fuzz input:
/// only the nonzero runs are kept.
pub fn encode_input(now_ms: u64, image: &[u8], truncate: bool) -> Vec<u8> {
    let mut out = now_ms.to_le_bytes().to_vec();
    out.push(truncate as u8);
    let mut i = 0;
    while i < image.len() {
        if image[i] == 0 {
            i += 1;
            continue;
        }
        // A run ends at 16 zero bytes in a row (or the chunk limit).
        let start = i;
        let mut zeros = 0;
        while i < image.len() && i - start < u16::MAX as usize && zeros < 16 {
            zeros = if image[i] == 0 { zeros + 1 } else { 0 };
            i += 1;
        }
        let end = i - zeros;
        out.extend_from_slice(&(start as u32).to_le_bytes());
        out.extend_from_slice(&((end - start) as u16).to_le_bytes());
        out.extend_from_slice(&image[start..end]);
    }
    out
}

/// Runs the reader over the segment image an input describes and checks what it returns:
/// every value finite and in its documented range, no more entries than slots. Panics (the
/// fuzzer's finding) on a violation; returns how many Strips and Masters it accepted.
pub fn run_reader(input: &[u8]) -> (usize, usize) {
    let (now, image) = decode_input(input);
    check_image(&image, now)
}

/// [`run_reader`] on a segment image directly.
pub fn check_image(image: &[u8], now_ms: u64) -> (usize, usize) {
    use crate::snapshot::{CEIL_DB, FLOOR_DB};
    let Ok(reader) = LinkReader::from_bytes(image, now_ms) else {
        return (0, 0);
    };
    let mut instances = Vec::new();
    let mut masters = Vec::new();
    reader.instances(None, &mut instances);
    reader.masters(&mut masters);
    assert!(instances.len() <= super::SLOT_COUNT);
    assert!(masters.len() <= super::MASTER_SLOT_COUNT);
    let db_ok = |v: f32| v.is_finite() && (FLOOR_DB..=CEIL_DB).contains(&v);
    let mut verdicts = VerdictList::new();
    for i in &instances {
        assert!(i.age_ms <= super::STALE_MS);
        assert!(i.gain_request_db.is_finite() && i.gain_request_db.abs() <= 24.0);
        if let Some(s) = &i.snapshot {
            assert!(std::str::from_utf8(s.name.as_str().as_bytes()).is_ok());
            for v in [
                s.momentary_lufs,
                s.shortterm_lufs,
                s.sample_peak_db,
                s.true_peak_db,
                s.rms_db,
            ] {
                assert!(db_ok(v), "{v}");
            }
            assert!(s
                .band_db
                .iter()
                .chain(&s.masking_db)
                .chain(&s.frame_db)
                .flatten()
                .all(|&v| db_ok(v)));
            assert!(s.sample_rate_hz.is_finite() && s.sample_rate_hz >= 0.0);
            assert!(s.correlation.is_finite() && s.correlation.abs() <= 1.0);
            assert!(s.gain_reduction_db.is_finite());
            assert!(s.transport.position_seconds.is_finite());
        }
        reader.verdicts(i.slot, i.instance_id, &mut verdicts);
        for v in verdicts.as_slice() {
            assert!(v
                .ranges()
                .all(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo < hi));
            assert!(v.low_hz.is_finite() && v.high_hz.is_finite() && v.low_hz <= v.high_hz);
            assert!(
                v.amount_db.is_finite() && v.share.is_finite() && v.suggested_gain_db.is_finite()
            );
            assert!((0.0..=1.0).contains(&v.share));
        }
    }
    // Out-of-range slots are ignored, never indexed.
    reader.verdicts(usize::MAX, 1, &mut verdicts);
    assert!(verdicts.is_empty());
    for m in &masters {
        assert!(m.group.0 != 0 && m.age_ms <= super::STALE_MS);
    }
    (instances.len(), masters.len())
}

/// The link's clock (ms of `CLOCK_MONOTONIC`, as in heartbeats), for building inputs.
pub fn clock_ms() -> u64 {
    super::segment::now_ms()
}
