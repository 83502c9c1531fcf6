//! A corrupt segment never crashes, hangs or writes out of bounds, on either side, and a
//! refused one is refused with a clear message. Offsets below follow the layout table in
//! the `link` module docs.

mod link_common;

use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use link_common::*;
use shared_dsp::link::{
    GroupId, LinkError, LinkReader, LinkWriter, MasterHandle, VerdictList, LAYOUT_VERSION,
    SEGMENT_SIZE, SLOT_SIZE,
};
use shared_dsp::snapshot::{CEIL_DB, FLOOR_DB};

const HEADER: u64 = 256;
const RECORD: u64 = 64;
const VERDICTS: u64 = 1024;

fn slot_base(slot: usize) -> u64 {
    HEADER + (slot * SLOT_SIZE) as u64
}

fn write_file(path: &Path, bytes: &[u8]) {
    let _ = std::fs::remove_file(path);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    f.write_all_at(bytes, 0).unwrap();
}

fn poke(path: &Path, offset: u64, bytes: &[u8]) {
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(bytes, offset).unwrap();
}

fn valid_image() -> Vec<u8> {
    let dir = TempDir::new("image");
    drop(LinkWriter::open_at(&dir.segment(), None).unwrap());
    std::fs::read(dir.segment()).unwrap()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Both sides refuse `bytes` with an error `check` accepts, quickly, without changing it.
fn assert_refused(tag: &str, bytes: &[u8], check: impl Fn(&LinkError) -> bool) {
    let dir = TempDir::new(tag);
    let path = dir.segment();
    write_file(&path, bytes);
    let start = Instant::now();
    let w = LinkWriter::open_at(&path, None)
        .err()
        .expect("writer attached to a bad segment");
    let r = LinkReader::open_at(&path)
        .err()
        .expect("reader attached to a bad segment");
    let m = MasterHandle::open_at(&path, GroupId(1), "M")
        .err()
        .expect("master attached");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{tag}: took {:?}",
        start.elapsed()
    );
    for e in [&w, &r, &m] {
        assert!(check(e), "{tag}: unexpected error {e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(&path.display().to_string()),
            "{tag}: no path in {msg}"
        );
        assert!(
            msg.contains("delete") || msg.contains("update"),
            "{tag}: no advice in {msg}"
        );
    }
    println!("{tag}: {w}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "{tag}: a refused file was modified"
    );
}

#[test]
fn bad_headers_are_refused_clearly() {
    let good = valid_image();
    assert_eq!(good.len(), SEGMENT_SIZE);

    let mut b = good.clone();
    b[0..8].copy_from_slice(b"NOTSTEMS");
    assert_refused("magic", &b, |e| matches!(e, LinkError::BadMagic { .. }));

    let mut b = good.clone();
    b[8..12].copy_from_slice(&(LAYOUT_VERSION + 1).to_le_bytes());
    assert_refused("version", &b, |e| {
        matches!(
            e,
            LinkError::VersionMismatch { found, expected, .. }
                if *found == LAYOUT_VERSION + 1 && *expected == LAYOUT_VERSION
        )
    });

    for (off, field) in [
        (24, "slot count"),
        (20, "slot size"),
        (32, "master count"),
        (36, "slots offset"),
    ] {
        let mut b = good.clone();
        b[off..off + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_refused(
            field,
            &b,
            |e| matches!(e, LinkError::LayoutMismatch { field: f, found, .. } if *f == field && *found == u32::MAX as u64),
        );
    }
    let mut b = good.clone();
    b[48..56].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_refused("total", &b, |e| {
        matches!(e, LinkError::LayoutMismatch { .. })
    });

    assert_refused("truncated", &good[..1000], |e| {
        matches!(e, LinkError::Truncated { len: 1000, .. })
    });
    assert_refused("tiny", &good[..100], |e| {
        matches!(e, LinkError::Truncated { len: 100, .. })
    });
    assert_refused("empty", &[], |e| {
        matches!(e, LinkError::Truncated { len: 0, .. })
    });

    let mut b = good.clone();
    b[12..16].copy_from_slice(&1u32.to_le_bytes()); // creator died while writing the header
    assert_refused("init", &b, |e| {
        matches!(e, LinkError::NotInitialized { .. })
    });

    let mut rng = Rng(0x9e3779b97f4a7c15);
    for round in 0..4 {
        let b: Vec<u8> = (0..SEGMENT_SIZE).map(|_| rng.next() as u8).collect();
        assert_refused(&format!("random{round}"), &b, |e| {
            matches!(e, LinkError::BadMagic { .. })
        });
    }
}

fn check_reader(path: &Path) -> usize {
    let reader = LinkReader::open_at(path).unwrap();
    let mut out = Vec::new();
    let start = Instant::now();
    reader.instances(None, &mut out);
    let mut masters = Vec::new();
    reader.masters(&mut masters);
    assert!(start.elapsed() < Duration::from_millis(500));
    for i in &out {
        assert!(i.gain_request_db.is_finite() && i.gain_request_db.abs() <= 24.0);
        if let Some(s) = &i.snapshot {
            let all = [
                s.momentary_lufs,
                s.shortterm_lufs,
                s.sample_peak_db,
                s.true_peak_db,
                s.rms_db,
            ];
            assert!(all
                .iter()
                .chain(s.band_db.iter().flatten())
                .chain(s.masking_db.iter().flatten())
                .all(|v| (FLOOR_DB..=CEIL_DB).contains(v)));
            assert!(s.correlation.abs() <= 1.0 && s.sample_rate_hz.is_finite());
            assert!(s.gain_reduction_db.is_finite() && s.transport.position_seconds.is_finite());
        }
    }
    out.len()
}

#[test]
fn garbage_slots_never_break_readers_or_writers() {
    let good = valid_image();
    let mut rng = Rng(12345);
    for round in 0..6 {
        let mut b = good.clone();
        for byte in b[HEADER as usize..].iter_mut() {
            *byte = rng.next() as u8;
        }
        let dir = TempDir::new("garbage");
        let path = dir.segment();
        write_file(&path, &b);
        check_reader(&path);
        let start = Instant::now();
        // Random owner words are free, garbage or stale: a writer always finds a slot.
        let w = LinkWriter::open_at(&path, Some(GroupId(7))).expect("no slot in a garbage table");
        let m = MasterHandle::open_at(&path, GroupId(7), "M").expect("no master slot");
        w.publish(&invariant_snapshot(1, round));
        let mut v = VerdictList::new();
        w.verdicts(&mut v);
        assert!(w.gain_request_db().is_finite());
        let _ = w.status();
        assert!(start.elapsed() < Duration::from_secs(1));
        let reader = LinkReader::open_at(&path).unwrap();
        let mut out = Vec::new();
        reader.instances(Some(GroupId(7)), &mut out);
        let me = out
            .iter()
            .find(|i| i.instance_id == w.instance_id())
            .expect("own slot not shown");
        assert_eq!(check_invariant(me.snapshot.as_ref().unwrap()), Ok(1));
        check_reader(&path);
        drop(m);
    }
}

#[test]
fn nan_and_huge_values_in_every_float_are_made_safe() {
    let dir = TempDir::new("floats");
    let path = dir.segment();
    let g = GroupId::random();
    let w = LinkWriter::open_at(&path, Some(g)).unwrap();
    let m = MasterHandle::open_at(&path, g, "Mix").unwrap();
    w.publish(&invariant_snapshot(1, 3));
    let rec = slot_base(w.slot()) + RECORD;
    let floats: Vec<u64> = (27..35).chain(38..134).collect(); // sample rate .. gain reduction, bands
    let specials = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -1e30,
        f32::MAX,
        f32::MIN_POSITIVE / 4.0,
    ];
    for value in specials {
        w.publish(&invariant_snapshot(1, 3));
        for &i in &floats {
            poke(&path, rec + 4 * i, &value.to_bits().to_le_bytes());
        }
        poke(&path, rec + 4 * 36, &f64::NAN.to_bits().to_le_bytes());
        assert_eq!(check_reader(&path), 1, "value {value}");

        // Reverse channel: gain request and verdicts.
        assert!(m.set_gain_request(w.instance_id(), 3.0));
        poke(
            &path,
            slot_base(w.slot()) + 32,
            &value.to_bits().to_le_bytes(),
        );
        let gain = w.gain_request_db();
        assert!(gain.is_finite() && gain.abs() <= 24.0, "{value} -> {gain}");
        let area = slot_base(w.slot()) + VERDICTS;
        poke(&path, area + 8, &w.instance_id().to_le_bytes());
        poke(&path, area + 16, &u32::MAX.to_le_bytes()); // absurd count
        for item in 0..8u64 {
            let base = area + 64 + item * 128;
            poke(&path, base, &(item as u32 % 5).to_le_bytes()); // kinds 0..4, 4 invalid
            poke(&path, base + 4, &(item as u32 * 3).to_le_bytes()); // roles, some invalid
            poke(&path, base + 16, &(item as u32 * 40).to_le_bytes()); // name lengths
            for word in 21..26u64 {
                let v = if item % 2 == 0 { value } else { 1000.0 };
                poke(&path, base + 4 * word, &v.to_bits().to_le_bytes());
            }
        }
        let mut list = VerdictList::new();
        w.verdicts(&mut list);
        for v in list.as_slice() {
            assert!(v.low_hz <= v.high_hz && v.low_hz.is_finite() && v.share <= 1.0);
            assert!(v.amount_db.is_finite() && v.suggested_gain_db.abs() <= 24.0);
        }
    }

    // An invalid role, an over-long name, broken UTF-8: the record is skipped, not shown.
    for (word, value) in [(9u64, 99u32), (10, 200), (10, 65)] {
        w.publish(&invariant_snapshot(1, 3));
        poke(&path, rec + 4 * word, &value.to_le_bytes());
        assert_eq!(check_reader(&path), 0, "word {word} = {value}");
    }
    w.publish(&invariant_snapshot(1, 3));
    poke(&path, rec + 4 * 11, &[0xff, 0xfe, 0xfd, 0xfc]);
    assert_eq!(check_reader(&path), 0);

    // A heartbeat far in the future hides the slot until the writer beats again.
    let owner = slot_base(w.slot());
    let far = (1u64 << 62) | ((1u64 << 40) - 1);
    poke(&path, owner, &far.to_le_bytes());
    assert_eq!(check_reader(&path), 0);
    // ... which it can't: the generation bits changed too, so it counts the slot as lost.
    w.publish(&invariant_snapshot(1, 4));
    // A stuck odd sequence: readers give up after bounded retries, they don't spin.
    poke(&path, owner + 8, &1u32.to_le_bytes());
    let start = Instant::now();
    check_reader(&path);
    assert!(start.elapsed() < Duration::from_millis(100));
    // A new writer takes the broken slot over and recovers it.
    drop(m);
    let fresh: Vec<_> = (0..64)
        .filter_map(|_| LinkWriter::open_at(&path, Some(g)).ok())
        .collect();
    assert_eq!(
        fresh.len(),
        64,
        "every slot, the broken one included, is claimable"
    );
    for (k, f) in fresh.iter().enumerate() {
        f.publish(&invariant_snapshot(9, k as u64));
    }
    assert_eq!(check_reader(&path), 64);
}
