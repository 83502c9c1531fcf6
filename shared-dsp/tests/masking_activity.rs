//! A stem is judged only while it sounds: its pauses and decays are neither masked time nor
//! clear time, and adding silence between its phrases never makes it more masked.

mod masking_util;

use masking_util::*;
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::masking::{MaskingEngine, StemInput};
use shared_dsp::role::StemRole;

const VOCAL: u64 = 11;
const PAD: u64 = 22;

/// Runs `seconds` at 10 Hz; the vocal's bands at each step come from `vocal_at(step)`.
fn run(
    seconds: f32,
    pad: [f32; NUM_BANDS],
    vocal_at: impl Fn(usize) -> [f32; NUM_BANDS],
) -> MaskingEngine {
    let mut engine = MaskingEngine::new(8);
    for step in 0..(seconds * 10.0) as usize {
        let v = vocal_at(step);
        let stems: [StemInput; 2] = [
            stem(VOCAL, StemRole::LeadVocal, "Vox", v, v),
            stem(PAD, StemRole::Music, "Pad", pad, pad),
        ];
        engine.update(&stems, 0.1);
    }
    engine
}

/// The vocal's largest masked share over its bands 1 to 4 kHz.
fn vocal_share(engine: &MaskingEngine) -> f32 {
    max_masked_share(engine, VOCAL, 1200.0..3500.0)
}

/// Phrases of 1.6 s, each followed by 2.4 s of its decay 20 dB down: a pad 10 dB under
/// the sung level leaves the phrases clear and would mask only the decay, which is not the
/// vocal sounding.
#[test]
fn a_voice_is_not_masked_in_its_decays() {
    let v = vocal_bands();
    let decayed = v.map(|x| x - 20.0);
    let engine = run(20.0, pad_bands(-10.0), |step| {
        if step % 40 < 16 {
            v
        } else {
            decayed
        }
    });
    let share = vocal_share(&engine);
    println!("masked share of the vocal's sounding time: {share:.2}");
    assert!(share < 0.1, "masked share {share}");
    assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
    // Sung all the time at the decay's level, the same pad masks it: the decay was
    // excluded because it is a decay, not because the pad cannot mask that level.
    let engine = run(20.0, pad_bands(-10.0), |_| decayed);
    assert!(vocal_share(&engine) > 0.5, "{}", vocal_share(&engine));
}

/// Silence between the vocal's phrases never raises its masked share, for pads from well
/// under to well over it and several phrase lengths.
#[test]
fn silence_added_to_the_maskee_never_raises_its_masked_share() {
    let v = vocal_bands();
    let silent = [-140.0f32; NUM_BANDS];
    for above in [-10.0, -4.0, 0.0, 3.0, 6.0, 10.0] {
        let pad = pad_bands(above);
        let steady = vocal_share(&run(20.0, pad, |_| v));
        for (sung, rest) in [(10, 10), (20, 5), (30, 20), (5, 15)] {
            let gapped = vocal_share(&run(20.0, pad, |step| {
                if step % (sung + rest) < sung {
                    v
                } else {
                    silent
                }
            }));
            assert!(
                gapped <= steady + 0.02,
                "pad {above:+} dB, {sung}/{rest} steps: {gapped:.3} with silences, {steady:.3} without"
            );
        }
    }
}
