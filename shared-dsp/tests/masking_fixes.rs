//! Where a suggested fix acts (issue 11): a cut on the masker goes on the masker's own bands
//! whose spread makes the threshold in the masked range, and applying it to the masker's
//! band powers closes most of the deficit. Audio generated in code, measured with the FFT
//! band analyser of `masking_util.rs`.

mod masking_util;

use masking_util::*;
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::masking::{bell_power_gain, FixAction, MaskingEngine, MaskingWarning, StemInput};
use shared_dsp::role::StemRole;

const LEN: usize = 1 << 17; // 2.7 s at 48 kHz
const VOCAL: u64 = 11;
const MASKER: u64 = 22;

fn run(stems: &[StemInput], seconds: f32) -> MaskingEngine {
    let mut engine = MaskingEngine::new(32);
    for _ in 0..(seconds * 10.0) as usize {
        engine.update(stems, 0.1);
    }
    engine
}

/// Band-limited noise from `lo_hz` to `hi_hz` whose spectral density is `above_db` over
/// that of the voice (300 Hz to 6 kHz at -26 dBFS).
fn noise_above_voice(lo_hz: f32, hi_hz: f32, above_db: f32, seed: u64) -> [f32; NUM_BANDS] {
    let widen_db = 10.0 * ((hi_hz - lo_hz) / 5700.0).log10();
    band_db(&band_noise(
        lo_hz,
        hi_hz,
        LEN,
        seed,
        -26.0 + above_db + widen_db,
    ))
}

fn voice() -> [f32; NUM_BANDS] {
    band_db(&band_noise(300.0, 6000.0, LEN, 1, -26.0))
}

/// The masker's band powers with the warning's cuts applied: each range's bell (its centre,
/// Q and gain), evaluated at every band centre, as the Strip's bell would shape it.
fn apply(masker: [f32; NUM_BANDS], w: &MaskingWarning) -> [f32; NUM_BANDS] {
    let layout = BandLayout::standard();
    let mut out = masker;
    for f in w.ranges.as_slice().iter().map(|r| r.fix) {
        assert_eq!(f.action, FixAction::Cut, "{f:?}");
        for (b, v) in out.iter_mut().enumerate() {
            let g = bell_power_gain(layout.centers_hz[b], f.center_hz, f.q, f.gain_db);
            *v += 10.0 * g.log10();
        }
    }
    out
}

/// The vocal's deficit summed over the warning's bands.
fn deficit(engine: &MaskingEngine, w: &MaskingWarning) -> f32 {
    let v = engine.stem(VOCAL).unwrap();
    (w.first_band as usize..=w.last_band as usize)
        .map(|q| v.short_db[q])
        .sum()
}

fn pair(engine: &MaskingEngine) -> Option<MaskingWarning> {
    engine
        .warnings()
        .iter()
        .find(|w| w.maskee_id == VOCAL && w.masker_id == MASKER)
        .copied()
}

/// Runs the scene, checks the cut lands where the masker has energy and is sized within the
/// limits, applies it to the masker and runs the scene again: the warning is gone.
fn cut_and_rerun(masker: [f32; NUM_BANDS]) -> (MaskingWarning, f32, f32) {
    let v = voice();
    let scene = |m| {
        [
            stem(VOCAL, StemRole::LeadVocal, "Vox", v, v),
            stem(MASKER, StemRole::Music, "Masker", m, m),
        ]
    };
    let engine = run(&scene(masker), 3.0);
    for w in engine.warnings() {
        println!("{}", engine.describe(w));
    }
    let w = pair(&engine).expect("the voice is masked");
    let layout = BandLayout::standard();
    let peak = masker.iter().fold(f32::MIN, |m, &x| m.max(x));
    for f in w.ranges.as_slice().iter().map(|r| r.fix) {
        assert_eq!(f.action, FixAction::Cut, "{w:?}");
        assert_eq!(f.stem_id, MASKER);
        assert!(
            f.gain_db < 0.0 && f.gain_db * 2.0 == (f.gain_db * 2.0).round(),
            "{f:?}"
        );
        // No cut deeper than 12 dB, none deeper than 6 dB over more than an octave.
        let octaves = (f.hi_hz / f.lo_hz).log2();
        assert!(
            f.gain_db >= -12.0 && (octaves <= 1.0 || f.gain_db >= -6.0),
            "{f:?}"
        );
        // The cut is centred where the masker has energy (within 10 dB of its strongest band).
        let at_centre = masker[layout.band_of(f.center_hz).unwrap()];
        assert!(at_centre > peak - 10.0, "{at_centre} vs {peak}: {f:?}");
    }
    let before = deficit(&engine, &w);
    let again = run(&scene(apply(masker, &w)), 3.0);
    let after = deficit(&again, &w);
    println!("deficit {before:.1} dB -> {after:.1} dB");
    assert!(
        pair(&again).is_none(),
        "the fix clears the warning: {}",
        again.describe(&pair(&again).unwrap())
    );
    (w, before, after)
}

#[test]
fn a_masker_above_6_khz_is_cut_where_it_has_energy_and_the_cut_clears_the_warning() {
    let hiss = noise_above_voice(6000.0, 9000.0, 18.0, 7);
    let (w, before, after) = cut_and_rerun(hiss);
    // The masking reaches down below 6 kHz, the cut stays on the hiss.
    assert!(w.lo_hz < 6000.0, "{w:?}");
    let f = w.ranges[0].fix;
    // The bell is centred on the hiss, above the masked range's centre, and reaches no
    // lower than the masked range does.
    assert!(f.center_hz > 6000.0 && f.lo_hz > w.lo_hz, "{f:?}");
    assert!(before > 1.0 && after <= 0.5 * before, "{before} -> {after}");
}

#[test]
fn the_cut_on_a_synth_over_the_voices_presence_range_clears_the_warning() {
    let pad = noise_above_voice(1200.0, 2400.0, 3.0, 2);
    let (w, before, after) = cut_and_rerun(pad);
    assert!(
        w.ranges
            .as_slice()
            .iter()
            .any(|r| r.fix.lo_hz < 4000.0 && r.fix.hi_hz > 1000.0),
        "{w:?}"
    );
    assert!(before > 1.0 && after <= 0.5 * before, "{before} -> {after}");
}

#[test]
fn a_masker_no_cut_can_clear_is_told_to_go_quieter_or_move() {
    // A pad 25 dB over the voice across its whole range: no bell within 12 dB (6 dB over an
    // octave) clears it, so the fix says so instead of suggesting the cap.
    let pad = noise_above_voice(200.0, 8000.0, 25.0, 3);
    let v = voice();
    let engine = run(
        &[
            stem(VOCAL, StemRole::LeadVocal, "Vox", v, v),
            stem(MASKER, StemRole::Music, "Masker", pad, pad),
        ],
        3.0,
    );
    let w = pair(&engine).expect("the voice is masked");
    let text = engine.describe(&w);
    println!("{text}");
    for f in w.ranges.as_slice().iter().map(|r| r.fix) {
        assert!(
            matches!(f.action, FixAction::Lower | FixAction::Move),
            "{text}"
        );
    }
    assert!(text.contains("move one of the parts"), "{text}");
}
