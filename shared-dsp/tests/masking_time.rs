//! Masking over time (issue 11), end to end: audio generated in code goes through the Stem
//! Strip's own analysis (`Strip::take_snapshot`, as the plugin publishes it), and the
//! snapshots, ten a second, through the masking engine as the Stem Master feeds it.
//!
//! A masker that is there only part of the time (a kick between its hits) must not be taken
//! for a steady one: the gaps are unmasked time. Each test that relies on the time model
//! also runs the same snapshots with it turned off (masking levels replaced by the smoothed
//! band powers), to show that the model, not the choice of signals, makes the difference.

mod masking_util;

use masking_util::*;
use shared_dsp::bands::BandLayout;
use shared_dsp::masking::{FixAction, MaskingEngine, MaskingWarning, StemInput};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};
use shared_dsp::strip::{Strip, StripSettings};

/// Length of the generated stems: 2^19 samples, 10.9 s at 48 kHz.
const LEN: usize = 1 << 19;
/// Time between engine updates (and snapshots), seconds.
const UPDATE_S: f32 = 0.1;

const VOICE: u64 = 1;
const KICK: u64 = 2;
const PAD: u64 = 3;
const BASS: u64 = 4;

/// Snapshots of a mono stem every [`UPDATE_S`], made by a Strip at its default (transparent)
/// settings. The Strip snapshots at its own rate (every 25 ms, 480-sample blocks), as in a
/// host; the engine samples one every [`UPDATE_S`], as the Master does.
fn snapshots(x: &[f32], role: StemRole, name: &str) -> Vec<StemSnapshot> {
    let mut strip = Strip::new(SR, 1).unwrap();
    strip.set_target(&StripSettings::default());
    strip.snap_to_target();
    let per_update = (UPDATE_S * SR) as usize;
    let mut out = Vec::new();
    let mut snap = StemSnapshot::default();
    for chunk in x.chunks_exact(per_update) {
        let mut buf = chunk.to_vec();
        for block in buf.chunks_mut(480) {
            strip.process(block, None);
            if strip.snapshot_due() {
                let transport = TransportPosition::default();
                strip.take_snapshot(role, StemName::new(name), transport, &mut snap);
            }
        }
        out.push(snap);
    }
    out
}

/// Whether the engine sees each moment (the time model: the moment's band levels and
/// forward-masking levels) or, as before it, only the band powers smoothed over 400 ms.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Model {
    Time,
    PowerOnly,
}

/// Runs the engine over the stems' snapshots in step.
fn run(stems: &[(u64, &[StemSnapshot])], model: Model) -> MaskingEngine {
    let mut engine = MaskingEngine::new(8);
    let updates = stems.iter().map(|s| s.1.len()).min().unwrap();
    for t in 0..updates {
        let inputs: Vec<StemInput> = stems
            .iter()
            .map(|(id, snaps)| {
                let mut input = StemInput::from_snapshot(*id, &snaps[t]);
                if model == Model::PowerOnly {
                    input.band_db = snaps[t].band_db;
                    input.masking_db = snaps[t].band_db;
                }
                input
            })
            .collect();
        engine.update(&inputs, UPDATE_S);
    }
    engine
}

fn print_warnings(label: &str, engine: &MaskingEngine) {
    for w in engine.warnings() {
        println!("{label}: {}", engine.describe(w));
    }
}

fn warnings_on(engine: &MaskingEngine, maskee: u64, masker: u64) -> Vec<MaskingWarning> {
    engine
        .warnings()
        .iter()
        .filter(|w| w.maskee_id == maskee && w.masker_id == masker)
        .copied()
        .collect()
}

/// The long-term spectrum of speech, roughly (ANSI S3.5-1997 table 3, normal effort, read
/// as a spectral density): flat from 100 to 500 Hz, falling 9 dB an octave above (6 dB an
/// octave in third-octave band levels), nothing below 80 Hz or above 10 kHz.
fn speech_shape(hz: f32) -> Option<f32> {
    match hz {
        f if !(80.0..=10_000.0).contains(&f) => None,
        f if f < 500.0 => Some(0.0),
        f => Some(-9.0 * (f / 500.0).log2()),
    }
}

/// A voice-like stem: speech-shaped noise in syllables, four a second (180 ms raised
/// cosines with 70 ms gaps at -20 dB), at `rms_db` dBFS.
fn voice(rms_db: f32) -> Vec<f32> {
    let mut x = shaped_noise(LEN, 11, 0.0, speech_shape);
    let period = (0.25 * SR) as usize;
    let on = (0.18 * SR) as usize;
    for (n, v) in x.iter_mut().enumerate() {
        let k = n % period;
        let env = if k < on {
            0.5 - 0.5 * (std::f32::consts::TAU * k as f32 / on as f32).cos()
        } else {
            0.0
        };
        *v *= 0.1 + 0.9 * env;
    }
    set_rms(&mut x, rms_db);
    x
}

/// A sustained pad: noise with the voice's spectral tilt from 200 Hz to 6 kHz, `over_db`
/// above the voice (a level of `rms_db + over_db` before the carve), with `carve(hz)` dB
/// added (0 for an uncarved pad).
fn pad(rms_db: f32, over_db: f32, carve: impl Fn(f32) -> f32) -> Vec<f32> {
    let shape = |hz: f32| speech_shape(hz).filter(|_| (200.0..6000.0).contains(&hz));
    let whole = shaped_noise_unscaled(LEN, 23, shape);
    let rms = (whole.iter().map(|s| s * s).sum::<f32>() / LEN as f32).sqrt();
    let gain = 10f32.powf((rms_db + over_db) / 20.0) / rms;
    // Same seed, same phases: the carve changes the carved bins only.
    let mut x = shaped_noise_unscaled(LEN, 23, |hz| shape(hz).map(|db| db + carve(hz)));
    x.iter_mut().for_each(|s| *s *= gain);
    x
}

/// A kick drum twice a second whose hits decay 30 dB in 150 ms, at the loudness `lufs`.
fn tight_kick(lufs: f32) -> Vec<StemSnapshot> {
    let tau = 0.15 / (30.0 / 8.686);
    let probe = snapshots(&kick_with_decay(LEN, -20.0, tau), StemRole::Drums, "Kick");
    let rms = -20.0 + lufs - loudness(&probe);
    snapshots(&kick_with_decay(LEN, rms, tau), StemRole::Drums, "Kick")
}

/// Short-term loudness at the end of a run of snapshots, LUFS.
fn loudness(snaps: &[StemSnapshot]) -> f32 {
    snaps.last().unwrap().shortterm_lufs
}

#[test]
fn a_kick_is_a_masker_only_while_it_sounds() {
    let kick = tight_kick(-18.0);
    let steady = snapshots(
        &band_noise(40.0, 120.0, LEN, 5, -18.0),
        StemRole::Music,
        "Drone",
    );
    let layout = BandLayout::standard();
    // Share of the moments (after the first 3 s) at which a band's masking level is within
    // 10 dB of its loudest: how much of the time it masks at full strength.
    let full_share = |snaps: &[StemSnapshot], b: usize| {
        let tail = &snaps[30..];
        let top = tail
            .iter()
            .map(|s| s.masking_db[0][b])
            .fold(f32::MIN, f32::max);
        tail.iter()
            .filter(|s| s.masking_db[0][b] >= top - 10.0)
            .count() as f32
            / tail.len() as f32
    };
    for b in layout.band_of(50.0).unwrap()..=layout.band_of(100.0).unwrap() {
        let (k, d) = (full_share(&kick, b), full_share(&steady, b));
        println!(
            "{:.0} Hz: masking at full strength {:.0}% of the time (kick), {:.0}% (drone)",
            layout.centers_hz[b],
            100.0 * k,
            100.0 * d
        );
        // A steady noise masks all the time; a kick twice a second whose hits decay in
        // 150 ms only during and just after its hits, under half the time.
        assert!(d > 0.9, "drone: {d:.2}");
        assert!(k < 0.5, "kick: {k:.2}");
    }
}

#[test]
fn a_kick_between_its_hits_does_not_mask_a_voice_below_300_hz() {
    let v = snapshots(&voice(-20.0), StemRole::LeadVocal, "Vox");
    let k = tight_kick(loudness(&v));
    let (lv, lk) = (loudness(&v), loudness(&k));
    println!("voice {lv:.1} LUFS, kick {lk:.1} LUFS");
    assert!(
        (lv - lk).abs() < 3.0,
        "similar loudness: {lv:.1} and {lk:.1}"
    );
    let stems = [(VOICE, &v[..]), (KICK, &k[..])];

    let timed = run(&stems, Model::Time);
    print_warnings("time model", &timed);
    for w in timed.warnings().iter().filter(|w| w.maskee_id == VOICE) {
        assert!(
            w.lo_hz >= 300.0,
            "voice warned below 300 Hz: {}",
            timed.describe(w)
        );
    }
    for w in timed.warnings() {
        for f in w.ranges.as_slice().iter().map(|r| r.fix) {
            let boost_low = f.stem_id == VOICE && f.action == FixAction::Boost;
            assert!(
                !(boost_low && f.lo_hz < 300.0),
                "a boost of the voice below 300 Hz: {}",
                timed.describe(w)
            );
        }
    }

    let low_share = max_masked_share(&timed, VOICE, 0.0..300.0);
    println!("voice below 300 Hz masked {low_share:.2} of the time it sounds");
    assert!(low_share < 0.5, "{low_share}");
}

#[test]
fn a_voice_under_a_sustained_pad_8_db_louder_is_masked_and_the_pad_must_come_down() {
    let v = snapshots(&voice(-20.0), StemRole::LeadVocal, "Vox");
    let p = snapshots(&pad(-20.0, 8.0, |_| 0.0), StemRole::Music, "Pad");
    let engine = run(&[(VOICE, &v[..]), (PAD, &p[..])], Model::Time);
    print_warnings("pad", &engine);
    let ws = warnings_on(&engine, VOICE, PAD);
    assert!(!ws.is_empty(), "voice masked by the pad");
    let presence = ws
        .iter()
        .find(|w| w.lo_hz < 4000.0 && w.hi_hz > 1000.0)
        .expect("a warning in the presence range");
    let fix = presence
        .ranges
        .as_slice()
        .iter()
        .find(|r| r.lo_hz < 4000.0 && r.hi_hz > 1000.0)
        .expect("a range in the presence range")
        .fix;
    // The pad is 8 dB over the voice across the voice's whole range: no bell within 12 dB
    // (6 dB over more than an octave) clears that, so the fix is to lower the pad by at
    // least its excess (or move a part), not a cut at the cap.
    let text = engine.describe(presence);
    assert_eq!(fix.stem_id, PAD);
    assert_eq!(fix.action, FixAction::Lower, "{text}");
    assert!((-20.0..=-8.0).contains(&fix.gain_db), "{text}");
    assert!(text.contains("lower Pad (Music) by about"), "{text}");
    // The pad is not warned about: the lead vocal outranks it.
    assert!(engine.warnings().iter().all(|w| w.maskee_id != PAD));
}

#[test]
fn a_sustained_bass_under_a_low_pad_is_masked() {
    let b = snapshots(&bass(LEN, -20.0), StemRole::Bass, "Bass");
    let p = snapshots(
        &band_noise(40.0, 300.0, LEN, 7, -12.0),
        StemRole::Music,
        "Low pad",
    );
    let engine = run(&[(BASS, &b[..]), (PAD, &p[..])], Model::Time);
    print_warnings("bass", &engine);
    let ws = warnings_on(&engine, BASS, PAD);
    assert!(
        ws.iter().any(|w| w.lo_hz < 120.0),
        "bass masked by the low pad"
    );
}

#[test]
fn carving_the_voice_out_of_the_pad_cuts_the_severity_by_more_than_half() {
    let v = snapshots(&voice(-20.0), StemRole::LeadVocal, "Vox");
    let whole = snapshots(&pad(-20.0, 8.0, |_| 0.0), StemRole::Music, "Pad");
    // A deep cut (24 dB) where the voice lives, from 700 Hz to the pad's top (6 kHz): the
    // pad keeps its low mids.
    let carve = |hz: f32| if hz >= 700.0 { -24.0 } else { 0.0 };
    let carved = snapshots(&pad(-20.0, 8.0, carve), StemRole::Music, "Pad");

    let before = run(&[(VOICE, &v[..]), (PAD, &whole[..])], Model::Time);
    let after = run(&[(VOICE, &v[..]), (PAD, &carved[..])], Model::Time);
    print_warnings("uncarved", &before);
    print_warnings("carved", &after);
    let (_, s_before) = before.severity(VOICE, PAD).unwrap();
    let (_, s_after) = after.severity(VOICE, PAD).unwrap();
    println!("severity {s_before:.2} dB uncarved, {s_after:.2} dB carved");
    assert!(s_before > 0.5, "the uncarved pad masks: {s_before:.2}");
    // The pad keeps its low mids, which still mask the voice's lower range.
    assert!(
        s_after <= s_before / 2.0,
        "severity {s_after:.2} is not under half of {s_before:.2}"
    );
    assert!(warnings_on(&after, VOICE, PAD).len() <= 1);
}

#[test]
fn the_time_model_never_adds_warnings_for_steady_stems() {
    // Steady stems: the masking level is the power within a dB, so both models agree on
    // who masks whom.
    let b = snapshots(&bass(LEN, -20.0), StemRole::Bass, "Bass");
    let p = snapshots(
        &band_noise(40.0, 300.0, LEN, 7, -12.0),
        StemRole::Music,
        "Low pad",
    );
    let stems = [(BASS, &b[..]), (PAD, &p[..])];
    let pairs = |e: &MaskingEngine| -> Vec<(u64, u64)> {
        let mut v: Vec<_> = e
            .warnings()
            .iter()
            .map(|w| (w.maskee_id, w.masker_id))
            .collect();
        v.dedup();
        v
    };
    let (timed, steady) = (run(&stems, Model::Time), run(&stems, Model::PowerOnly));
    assert_eq!(pairs(&timed), pairs(&steady));
}
