//! The generated demo stems (`shared_dsp::demo::stems`) do what they are for: run through the
//! analysis a Stem Strip publishes and the Stem Master's masking engine, the pad masks the
//! lead vocal's presence range and kick and bass collide in the low end (and without the pad
//! the vocal is clear); generation is deterministic, block-size independent, loops without
//! a seam, and stays finite and below full scale from 8 kHz to 96 kHz.
//!
//! `cargo test -p shared-dsp --test demo_stems -- --nocapture` prints the levels and the
//! warnings.

use std::sync::OnceLock;

use shared_dsp::demo::stems::{render_all, DemoStem, LOOP_SECONDS};
use shared_dsp::demo::Stereo;
use shared_dsp::loudness::{gain_to_db, LoudnessMeter};
use shared_dsp::masking::{FixAction, MaskingEngine, MaskingWarning, StemInput, WarningKind};
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};
use shared_dsp::strip::Strip;

const RATE: f64 = 48_000.0;
/// Long enough for the engine's 10 s window to fill and its hysteresis to settle.
const MASKING_SECONDS: f64 = 20.0;

/// The four stems, 20 s at 48 kHz, rendered once for all the tests here.
fn stems() -> &'static [(DemoStem, Stereo)] {
    static STEMS: OnceLock<Vec<(DemoStem, Stereo)>> = OnceLock::new();
    STEMS.get_or_init(|| render_all(RATE, MASKING_SECONDS))
}

fn id(stem: DemoStem) -> u64 {
    DemoStem::ALL.iter().position(|&s| s == stem).unwrap() as u64 + 1
}

/// Runs every stem through its own Strip in lockstep, 256-frame blocks, and feeds each round
/// of snapshots to a masking engine, as the Stem Master's link thread would. Returns the
/// engine and every warning raised once its window is full (the last 10 s), the latest of
/// each pair and direction: the engine judges moments, so a warning near its threshold
/// can be down at any one instant.
fn masking_run(stems: &[&(DemoStem, Stereo)]) -> (MaskingEngine, Vec<MaskingWarning>) {
    let mut strips: Vec<Strip> = stems
        .iter()
        .map(|_| Strip::new(RATE as f32, 2).unwrap())
        .collect();
    let mut snapshots = vec![StemSnapshot::default(); stems.len()];
    let mut engine = MaskingEngine::new(8);
    let frames = stems[0].1.len();
    let (mut left, mut right) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let mut since_update = 0usize;
    let mut seen: Vec<MaskingWarning> = Vec::new();
    for start in (0..frames).step_by(256) {
        let end = (start + 256).min(frames);
        let n = end - start;
        for ((_, audio), strip) in stems.iter().zip(&mut strips) {
            left[..n].copy_from_slice(&audio.left[start..end]);
            right[..n].copy_from_slice(&audio.right[start..end]);
            strip.process(&mut left[..n], Some(&mut right[..n]));
        }
        since_update += n;
        if strips[0].snapshot_due() {
            for (((stem, _), strip), snapshot) in stems.iter().zip(&mut strips).zip(&mut snapshots)
            {
                assert!(strip.snapshot_due(), "the Strips run in lockstep");
                let name = StemName::new(stem.name());
                strip.take_snapshot(stem.role(), name, TransportPosition::default(), snapshot);
            }
            let inputs: Vec<StemInput> = stems
                .iter()
                .zip(&snapshots)
                .map(|((stem, _), s)| StemInput::from_snapshot(id(*stem), s))
                .collect();
            engine.update(&inputs, (since_update as f64 / RATE) as f32);
            since_update = 0;
            if engine.time_s() >= MASKING_SECONDS - 10.0 {
                for w in engine.warnings() {
                    seen.retain(|x: &MaskingWarning| {
                        (x.maskee_id, x.masker_id) != (w.maskee_id, w.masker_id)
                    });
                    seen.push(*w);
                }
            }
        }
    }
    println!("{} stems, {:.0} s:", stems.len(), engine.time_s());
    for w in &seen {
        println!("  {}", engine.describe(w));
    }
    (engine, seen)
}

fn warnings_about(seen: &[MaskingWarning], maskee: DemoStem) -> Vec<MaskingWarning> {
    seen.iter()
        .filter(|w| w.maskee_id == id(maskee))
        .copied()
        .collect()
}

#[test]
fn the_pad_masks_the_lead_vocals_presence_range() {
    let all: Vec<_> = stems().iter().collect();
    let (_, seen) = masking_run(&all);
    let w = warnings_about(&seen, DemoStem::LeadVocal)
        .into_iter()
        .find(|w| w.masker_id == id(DemoStem::Music) && w.lo_hz < 4000.0 && w.hi_hz > 1000.0)
        .expect("a warning: lead vocal masked by the pad, overlapping 1 to 4 kHz");
    assert_eq!(w.kind, WarningKind::Masking);
    for r in w.ranges.as_slice() {
        let f = r.fix;
        let fix_ok = match f.action {
            FixAction::Cut | FixAction::Lower => f.stem_id == id(DemoStem::Music),
            FixAction::Boost => f.stem_id == id(DemoStem::LeadVocal),
            FixAction::Move => true,
        };
        assert!(
            fix_ok && (f.gain_db != 0.0 || f.action == FixAction::Move),
            "fix: {f:?}"
        );
    }
}

#[test]
fn kick_and_bass_collide_in_the_low_end() {
    let all: Vec<_> = stems().iter().collect();
    let (_, seen) = masking_run(&all);
    let pair = [id(DemoStem::Drums), id(DemoStem::Bass)];
    let w = seen
        .iter()
        .find(|w| {
            w.kind == WarningKind::Collision
                && pair.contains(&w.maskee_id)
                && pair.contains(&w.masker_id)
        })
        .expect("a collision between drums and bass");
    assert!(w.lo_hz < 150.0, "{w:?}");
}

#[test]
fn without_the_pad_the_lead_vocal_is_not_masked() {
    let no_pad: Vec<_> = stems()
        .iter()
        .filter(|(s, _)| *s != DemoStem::Music)
        .collect();
    let (_, seen) = masking_run(&no_pad);
    let ws = warnings_about(&seen, DemoStem::LeadVocal);
    assert!(ws.is_empty(), "{ws:?}");
}

/// Integrated and largest short-term loudness, LUFS, and sample peak, dBFS.
fn levels(x: &Stereo) -> (f32, f32, f32) {
    let mut meter = LoudnessMeter::new(RATE as u32, 2).unwrap();
    meter.process(&x.left, Some(&x.right));
    (
        meter.integrated_lufs(),
        meter.max_shortterm_lufs(),
        gain_to_db(x.sample_peak()),
    )
}

#[test]
fn levels_are_as_documented() {
    let mut sum = Stereo::silence(stems()[0].1.len());
    let mut off_target = Vec::new();
    for (stem, audio) in stems() {
        for (s, x) in sum.left.iter_mut().zip(&audio.left) {
            *s += x;
        }
        for (s, x) in sum.right.iter_mut().zip(&audio.right) {
            *s += x;
        }
        let (integrated, shortterm, peak) = levels(audio);
        println!(
            "{:>9}: {integrated:6.1} LUFS integrated, {shortterm:6.1} LUFS max short-term, peak {peak:5.1} dBFS",
            stem.name()
        );
        // The levels the module docs give.
        let target = match stem {
            DemoStem::Drums => -17.1,
            DemoStem::Bass => -19.0,
            DemoStem::Music => -18.0,
            DemoStem::LeadVocal => -22.7,
        };
        if (integrated - target).abs() > 0.3 || peak >= -3.0 {
            off_target.push((stem, integrated, peak));
        }
    }
    let (integrated, shortterm, peak) = levels(&sum);
    println!("      sum: {integrated:6.1} LUFS integrated, {shortterm:6.1} LUFS max short-term, peak {peak:5.1} dBFS");
    assert!(off_target.is_empty(), "{off_target:?}");
    assert!((-13.3..=-12.5).contains(&integrated), "{integrated}");
    assert!(peak < -1.0, "{peak}");
}

/// Largest step between neighbouring samples of either channel in `range`.
fn largest_step(x: &Stereo, range: std::ops::Range<usize>) -> f32 {
    [&x.left, &x.right]
        .iter()
        .flat_map(|ch| ch[range.clone()].windows(2).map(|w| (w[1] - w[0]).abs()))
        .fold(0.0, f32::max)
}

/// Checks one rendered stem: finite, peaks below -3 dBFS, and (when it is longer than a
/// loop) periodic and without a step at the loop's end larger than the loop's own.
fn check_render(stem: DemoStem, rate: f64, x: &Stereo) {
    assert!(
        x.left.iter().chain(&x.right).all(|v| v.is_finite()),
        "{stem} at {rate} Hz"
    );
    let peak_db = gain_to_db(x.sample_peak());
    assert!(
        peak_db < -3.0,
        "{stem} at {rate} Hz peaks at {peak_db} dBFS"
    );
    let loop_frames = stem.generator(rate).loop_frames() as usize;
    assert_eq!(loop_frames, (LOOP_SECONDS * rate) as usize);
    if x.len() <= loop_frames + 64 {
        return;
    }
    // Periodic: the second loop starts as the first did (the first loop already has the
    // ring-out of the loop's last notes), so one loop repeats without a seam.
    let seam = (0..x.len() - loop_frames)
        .map(|i| {
            let l = (x.left[i + loop_frames] - x.left[i]).abs();
            l.max((x.right[i + loop_frames] - x.right[i]).abs())
        })
        .fold(0.0f32, f32::max);
    assert!(seam < 1e-4, "{stem} at {rate} Hz: loops differ by {seam}");
    // And the step across the loop's end is an ordinary one.
    let across = largest_step(x, loop_frames - 64..loop_frames + 64);
    let elsewhere = largest_step(x, 0..loop_frames);
    assert!(
        across <= elsewhere,
        "{stem} at {rate} Hz: {across} > {elsewhere}"
    );
}

#[test]
fn generation_is_deterministic_periodic_and_below_full_scale_at_any_rate() {
    // 48 kHz: the 20 s the masking tests use.
    for (stem, x) in stems() {
        check_render(*stem, RATE, x);
    }
    // A loop and a bit at 44.1 and 8 kHz (periodicity does not depend on the rate: every
    // event is timed on the same grid); 2 s at 96 kHz, to keep the debug build quick.
    for (rate, seconds) in [
        (44_100.0, LOOP_SECONDS + 0.2),
        (8_000.0, LOOP_SECONDS + 0.2),
        (96_000.0, 2.0),
    ] {
        for stem in DemoStem::ALL {
            let x = stem.generator(rate).render(seconds);
            let again = stem.generator(rate).render(0.5);
            assert!(
                again.left[..] == x.left[..again.len()],
                "{stem} at {rate} Hz"
            );
            assert!(
                again.right[..] == x.right[..again.len()],
                "{stem} at {rate} Hz"
            );
            check_render(stem, rate, &x);
        }
    }
}

#[test]
fn filling_in_blocks_of_any_size_equals_one_render() {
    let rate = 44_100.0;
    for stem in DemoStem::ALL {
        let whole = stem.generator(rate).render(3.0);
        let mut generator = stem.generator(rate);
        let mut pieces = Stereo::silence(whole.len());
        let sizes = [1, 7, 64, 333, 4096, 2];
        let mut start = 0;
        for size in sizes.iter().cycle() {
            if start == whole.len() {
                break;
            }
            let end = (start + size).min(whole.len());
            generator.fill(&mut pieces.left[start..end], &mut pieces.right[start..end]);
            start = end;
        }
        assert_eq!(pieces.first_difference(&whole), None, "{stem}");
    }
}
