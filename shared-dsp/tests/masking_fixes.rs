//! Where a suggested fix acts (issue 11): a cut on the masker goes on the masker's own bands
//! whose spread makes the threshold in the masked range, and applying it to the masker's
//! band powers closes most of the deficit. Audio generated in code, measured with the FFT
//! band analyser of `masking_util.rs`.

mod masking_util;

use masking_util::*;
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::masking::{FixAction, MaskingEngine, MaskingWarning, StemInput};
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

/// The masker's band powers with the fix applied: every band whose centre lies in the
/// fix's range moved by its gain.
fn apply(masker: [f32; NUM_BANDS], w: &MaskingWarning) -> [f32; NUM_BANDS] {
    let layout = BandLayout::standard();
    let mut out = masker;
    for (b, v) in out.iter_mut().enumerate() {
        let hz = layout.centers_hz[b];
        if hz >= w.fix.lo_hz && hz < w.fix.hi_hz {
            *v += w.fix.gain_db;
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

/// Runs the scene, checks the cut lands where the masker has energy, applies it to the
/// masker and returns the deficit before and after.
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
        println!("{}  fix {:?}", engine.describe(w), w.fix);
    }
    let w = *engine
        .warnings()
        .iter()
        .find(|w| w.maskee_id == VOCAL && w.masker_id == MASKER)
        .expect("the voice is masked");
    assert_eq!(w.fix.action, FixAction::Cut, "{w:?}");
    assert_eq!(w.fix.stem_id, MASKER);
    assert!(w.fix.gain_db < 0.0);
    // The cut is centred where the masker has energy (within 10 dB of its strongest band).
    let layout = BandLayout::standard();
    let peak = masker.iter().fold(f32::MIN, |m, &x| m.max(x));
    let at_centre = masker[layout.band_of(w.fix.center_hz).unwrap()];
    assert!(
        at_centre > peak - 10.0,
        "{at_centre} vs {peak}: {:?}",
        w.fix
    );
    let before = deficit(&engine, &w);
    let after = deficit(&run(&scene(apply(masker, &w)), 3.0), &w);
    println!("deficit {before:.1} dB -> {after:.1} dB");
    (w, before, after)
}

#[test]
fn a_masker_above_6_khz_is_cut_where_it_has_energy_and_the_cut_closes_the_deficit() {
    let hiss = noise_above_voice(6000.0, 16000.0, 25.0, 7);
    let (w, before, after) = cut_and_rerun(hiss);
    // The masking reaches down below 6 kHz, the cut stays on the hiss.
    assert!(w.lo_hz < 6000.0, "{w:?}");
    assert!(
        w.fix.lo_hz >= 5500.0 && w.fix.center_hz > 6000.0,
        "{:?}",
        w.fix
    );
    assert!(before > 1.0 && after <= 0.5 * before, "{before} -> {after}");
}

#[test]
fn the_cut_on_a_pad_over_the_voice_closes_most_of_the_deficit() {
    let pad = noise_above_voice(200.0, 8000.0, 8.0, 2);
    let (w, before, after) = cut_and_rerun(pad);
    assert!(w.fix.lo_hz < 4000.0 && w.fix.hi_hz > 1000.0, "{:?}", w.fix);
    assert!(before > 1.0 && after <= 0.5 * before, "{before} -> {after}");
}
