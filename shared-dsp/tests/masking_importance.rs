//! Band importance per role (issue 11): a vocal's deficit counts by the Speech
//! Intelligibility Index band importance, so low-mid masking of a voice weighs little and
//! a fix never boosts a vocal where speech importance is low. Audio generated in code,
//! measured with the FFT band analyser of `masking_util.rs`.

mod masking_util;

use masking_util::*;
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::masking::{FixAction, MaskingEngine, StemInput};
use shared_dsp::role::StemRole;

const LEN: usize = 1 << 17; // 2.7 s at 48 kHz
const VOCAL: u64 = 11;

fn run(stems: &[StemInput], seconds: f32) -> MaskingEngine {
    let mut engine = MaskingEngine::new(32);
    for _ in 0..(seconds * 10.0) as usize {
        engine.update(stems, 0.1);
    }
    engine
}

/// A voice-like spectrum: noise from 120 Hz to 5 kHz at -24 dBFS.
fn voice() -> [f32; NUM_BANDS] {
    band_db(&band_noise(120.0, 5000.0, LEN, 1, -24.0))
}

#[test]
fn a_vocal_is_never_boosted_where_speech_importance_is_low() {
    let v = voice();
    // Two low maskers share the threshold under 400 Hz, so that neither alone can be cut
    // enough: the fix would have been a boost of the vocal's low mids.
    let low = band_db(&band_noise(100.0, 400.0, LEN, 3, -14.0));
    let low2 = band_db(&band_noise(100.0, 400.0, LEN, 4, -14.0));
    let stems = [
        stem(VOCAL, StemRole::LeadVocal, "Vox", v, v),
        stem(1, StemRole::Music, "Keys", low, low),
        stem(2, StemRole::Other, "Synth", low2, low2),
    ];
    let engine = run(&stems, 4.0);
    let layout = BandLayout::standard();
    for w in engine.warnings() {
        println!("{}", engine.describe(w));
        for f in w.ranges.as_slice().iter().map(|r| r.fix) {
            if f.action == FixAction::Boost {
                let b = layout.band_of(f.lo_hz * 1.001).unwrap();
                assert!(
                    layout.centers_hz[b] >= 300.0,
                    "boost in the low mids: {f:?}"
                );
            }
        }
    }
    // The same spectrum as a music stem (flat importance) is warned about more severely.
    let as_music = [
        stem(VOCAL, StemRole::Music, "Vox", v, v),
        stem(1, StemRole::Other, "Keys", low, low),
        stem(2, StemRole::Fx, "Synth", low2, low2),
    ];
    let music = run(&as_music, 4.0);
    let (sev_vocal, _) = engine.severity(VOCAL, 1).unwrap();
    let (sev_music, _) = music.severity(VOCAL, 1).unwrap();
    println!("severity as a vocal {sev_vocal:.2} dB, as music {sev_music:.2} dB");
    assert!(sev_vocal < sev_music, "{sev_vocal} {sev_music}");
}
