//! A stem is judged only while it sounds: its pauses and decays are neither masked time nor
//! clear time, and adding silence between its phrases never makes it more masked.

mod masking_util;

use masking_util::*;
use proptest::prelude::*;
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Silence between the vocal's phrases never raises its masked share, for any pad from
    /// well under to well over it and any pattern of phrases and rests.
    #[test]
    fn silence_added_to_the_maskee_never_raises_its_masked_share(
        above in -10.0f32..10.0,
        sung in 2usize..40,
        rest in 1usize..30,
    ) {
        let v = vocal_bands();
        let silent = [-140.0f32; NUM_BANDS];
        let pad = pad_bands(above);
        let steady = vocal_share(&run(20.0, pad, |_| v));
        let gapped = vocal_share(&run(20.0, pad, |step| {
            if step % (sung + rest) < sung {
                v
            } else {
                silent
            }
        }));
        prop_assert!(
            gapped <= steady + 0.02,
            "pad {above:+} dB, {sung}/{rest} steps: {gapped:.3} with silences, {steady:.3} without"
        );
    }

    /// Call and response: a pad however loud that sounds only while the vocal rests (parts
    /// that alternate, each moment judged on what sounds at it) never masks the vocal.
    #[test]
    fn a_part_that_only_sounds_in_the_others_rests_never_masks_it(
        above in -10.0f32..30.0,
        sung in 2usize..40,
        rest in 2usize..40,
    ) {
        let v = vocal_bands();
        let silent = [-140.0f32; NUM_BANDS];
        let pad = pad_bands(above);
        let mut engine = MaskingEngine::new(8);
        for step in 0..300 {
            let singing = step % (sung + rest) < sung;
            let (vb, pb) = if singing { (v, silent) } else { (silent, pad) };
            let stems = [
                stem(VOCAL, StemRole::LeadVocal, "Vox", vb, vb),
                stem(PAD, StemRole::Music, "Pad", pb, pb),
            ];
            engine.update(&stems, 0.1);
            prop_assert!(engine.warnings().iter().all(|w| w.maskee_id != VOCAL));
        }
        prop_assert!(vocal_share(&engine) < 0.01, "{}", vocal_share(&engine));
    }
}
