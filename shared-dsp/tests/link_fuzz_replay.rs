//! The reader fuzz target without nightly: replays the committed corpus
//! (`fuzz/corpus/link_reader/`) and a few thousand random and mutated segments through the
//! same harness (`shared_dsp::link::fuzzing`), in seconds.
//!
//! Regenerate the corpus with
//! `cargo test -p shared-dsp --test link_fuzz_replay -- --ignored regenerate_corpus`.

mod link_common;

use std::path::PathBuf;
use std::time::Instant;

use link_common::*;
use shared_dsp::link::fuzzing::{check_image, clock_ms, decode_input, encode_input, run_reader};
use shared_dsp::link::{GroupId, LinkWriter, MasterHandle, Verdict, SEGMENT_SIZE, SLOT_SIZE};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/link_reader")
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("fuzz/corpus/link_reader is missing")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn corpus_replays_cleanly() {
    let files = corpus();
    assert!(files.len() >= 24, "only {} corpus files", files.len());
    let mut accepted = 0;
    for (name, bytes) in &files {
        let (strips, masters) = run_reader(bytes);
        if name.starts_with("valid") {
            assert!(
                strips > 0 || masters > 0,
                "{name}: nothing accepted from a valid segment"
            );
        }
        accepted += strips;
    }
    assert!(accepted > 50);
}

#[test]
fn random_and_mutated_segments_are_harmless() {
    let start = Instant::now();
    let bases: Vec<(u64, Vec<u8>)> = corpus()
        .iter()
        .filter(|(n, _)| n.starts_with("valid"))
        .map(|(_, b)| decode_input(b))
        .collect();
    assert!(!bases.is_empty());
    let mut rng = Rng(0x2545F4914F6CDD1D);
    // Random inputs in the fuzz format.
    for _ in 0..500 {
        let len = rng.below(600);
        let input: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        run_reader(&input);
    }
    let specials: [u32; 8] = [
        f32::NAN.to_bits(),
        f32::INFINITY.to_bits(),
        f32::NEG_INFINITY.to_bits(),
        f32::MAX.to_bits(),
        u32::MAX,
        0x8000_0000,
        1,
        0x7fc0_0001,
    ];
    let mut accepted = 0;
    for _ in 0..3000 {
        let (now, base) = &bases[rng.below(bases.len())];
        let mut image = base.clone();
        // Mostly hit the used slots and the first Master slot, sometimes anywhere.
        let region = match rng.below(4) {
            0 => 0..SEGMENT_SIZE,
            1 => 0..256,
            2 => SEGMENT_SIZE - 16 * 256..SEGMENT_SIZE - 14 * 256,
            _ => 256..256 + 4 * SLOT_SIZE,
        };
        for _ in 0..1 + rng.below(8) {
            let at = (region.start + rng.below(region.len())) & !3;
            let word = match rng.below(3) {
                0 => specials[rng.below(specials.len())],
                1 => rng.next() as u32,
                _ => (rng.next() % 300) as u32, // small: counts, lengths, roles, states
            };
            if at + 4 <= image.len() {
                image[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
        }
        if rng.below(20) == 0 {
            image.truncate(rng.below(SEGMENT_SIZE));
        }
        let now = if rng.below(10) == 0 { rng.next() } else { *now };
        accepted += check_image(&image, now).0;
    }
    println!(
        "mutations: {accepted} Strips accepted, {:?}",
        start.elapsed()
    );
    assert!(
        accepted > 1000,
        "mutations too destructive to test decoding ({accepted})"
    );
}

/// Writes `fuzz/corpus/link_reader/`: real segments made by writers and Masters, and
/// hand-broken variants of them.
#[test]
#[ignore = "regenerates the committed corpus"]
fn regenerate_corpus() {
    let out = corpus_dir();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let mut n = 0;
    let mut save = |name: &str, bytes: Vec<u8>| {
        std::fs::write(out.join(format!("{name}-{n:02}")), bytes).unwrap();
        n += 1;
    };
    let mut valid = Vec::new();
    for strips in [1usize, 3, 8, 64] {
        let dir = TempDir::new("corpus");
        let g = GroupId(0x1234_5678_9abc_def0 + strips as u64);
        let m = MasterHandle::open_at(&dir.segment(), g, &format!("Master of {strips}")).unwrap();
        let ws: Vec<_> = (0..strips)
            .map(|k| {
                let w = LinkWriter::open_at(&dir.segment(), (k % 2 == 0).then_some(g)).unwrap();
                w.publish(&invariant_snapshot(k as u32, k as u64 * 7));
                w
            })
            .collect();
        m.set_gain_request(ws[0].instance_id(), -2.5);
        m.set_verdicts(
            ws[0].instance_id(),
            &[Verdict {
                low_hz: 1200.0,
                high_hz: 3400.0,
                amount_db: 4.0,
                share: 0.6,
                ranges: [[1200.0, 2000.0], [2600.0, 3400.0], [0.0; 2]],
                ..Default::default()
            }; 3],
        );
        let now = clock_ms() + 5;
        let image = std::fs::read(dir.segment()).unwrap();
        save("valid", encode_input(now, &image, false));
        valid.push((now, image));
        drop(ws);
    }
    let (now, img) = valid[1].clone();
    let slot0 = 256;
    let rec = slot0 + 64;
    let patch = |off: usize, bytes: &[u8]| {
        let mut b = img.clone();
        b[off..off + bytes.len()].copy_from_slice(bytes);
        encode_input(now, &b, false)
    };
    save("valid-nan-bands", {
        let mut b = img.clone();
        for i in 27..134 {
            b[rec + 4 * i..rec + 4 * i + 4].copy_from_slice(&f32::NAN.to_bits().to_le_bytes());
        }
        encode_input(now, &b, false)
    });
    save("valid-huge", {
        let mut b = img.clone();
        for i in 27..134 {
            b[rec + 4 * i..rec + 4 * i + 4].copy_from_slice(&f32::MAX.to_bits().to_le_bytes());
        }
        encode_input(now, &b, false)
    });
    save("bad-role", patch(rec + 36, &99u32.to_le_bytes()));
    save("bad-name-len", patch(rec + 40, &1000u32.to_le_bytes()));
    save("bad-utf8", patch(rec + 44, &[0xff, 0xfe, 0xc0, 0x80]));
    save("odd-seq", patch(slot0 + 8, &7u32.to_le_bytes()));
    save(
        "future-heartbeat",
        patch(slot0, &((1u64 << 62) | ((1 << 40) - 1)).to_le_bytes()),
    );
    save("garbage-state", patch(slot0, &u64::MAX.to_le_bytes()));
    save("gen-mismatch", patch(rec, &0xdead_beefu32.to_le_bytes()));
    save(
        "gain-nan",
        patch(slot0 + 32, &f32::NAN.to_bits().to_le_bytes()),
    );
    save(
        "verdict-count",
        patch(slot0 + 1024 + 16, &u32::MAX.to_le_bytes()),
    );
    save(
        "verdict-kind",
        patch(slot0 + 1024 + 64, &77u32.to_le_bytes()),
    );
    save(
        "master-group-zero",
        patch(256 + 64 * SLOT_SIZE + 16 + 16, &[0; 8]),
    );
    save(
        "master-name-len",
        patch(256 + 64 * SLOT_SIZE + 16 + 24, &500u32.to_le_bytes()),
    );
    save("magic", patch(0, b"NOTSTEMS"));
    save("version", patch(8, &9u32.to_le_bytes()));
    save("slot-count", patch(24, &1_000_000u32.to_le_bytes()));
    save("total-size", patch(48, &u64::MAX.to_le_bytes()));
    save("init-busy", patch(12, &1u32.to_le_bytes()));
    save("truncated", encode_input(now, &img[..5000], true));
    save("header-only", encode_input(now, &img[..256], true));
    save("empty", Vec::new());
    save("clock-zero", encode_input(0, &img, false));
    save("clock-max", encode_input(u64::MAX, &img, false));
    let mut rng = Rng(99);
    for k in 0..6 {
        let mut b = img.clone();
        for _ in 0..40 {
            let at = 256 + rng.below(4 * SLOT_SIZE);
            b[at] = rng.next() as u8;
        }
        save(&format!("flipped{k}"), encode_input(now, &b, false));
    }
}
