//! The render itself: every stem through its own Strip (`shared_dsp::strip::Strip`, the Stem
//! Strip's chain), in parallel; their sum; the sum through the Stem Master's chain
//! (`shared_dsp::master::MasterChain`), twice when it learns: a first pass measures what the
//! plugin's Learn measures and sets the gain the same way, a second renders at that gain.
//!
//! Both passes run on the sum followed by the chain's latency in silence, and the output
//! drops the first `latency` frames, so the master lines up with the stems sample for sample
//! and is as long as they are.

use shared_dsp::master::{
    learned_gain_db, Dither, LearnPass, MasterChain, MasterMeters, MasterSettings,
};
use shared_dsp::strip::{Strip, StripSettings};

/// Frames per processing block.
const BLOCK: usize = 4096;

/// Runs each stem (one or two channels, processed in place) through a Strip with its
/// settings, in parallel; `progress` advances by one per frame of each stem.
pub fn run_strips(
    stems: &mut [Vec<Vec<f32>>],
    settings: &[StripSettings],
    rate: u32,
    progress: &indicatif::ProgressBar,
) {
    use rayon::prelude::*;
    stems
        .par_iter_mut()
        .zip(settings)
        .for_each(|(channels, settings)| {
            let mut strip =
                Strip::new(rate as f32, channels.len()).expect("1 or 2 channels, positive rate");
            strip.set_target(settings);
            strip.snap_to_target();
            let (left, right) = match channels.as_mut_slice() {
                [l, r] => (l, Some(r)),
                [l] => (l, None),
                _ => unreachable!("stems are mono or stereo"),
            };
            let mut right = right.map(|r| r.as_mut_slice());
            for (k, l) in left.chunks_mut(BLOCK).enumerate() {
                let r = right
                    .as_deref_mut()
                    .map(|r| &mut r[k * BLOCK..k * BLOCK + l.len()]);
                strip.process(l, r);
                progress.inc(l.len() as u64);
            }
        });
}

/// The stereo sum of `stems`, in their order (a mono stem feeds both channels), followed
/// by `tail` frames of silence.
pub fn sum(stems: &[Vec<Vec<f32>>], frames: usize, tail: usize) -> [Vec<f32>; 2] {
    let mut out = [vec![0.0f32; frames + tail], vec![0.0f32; frames + tail]];
    for s in stems {
        let right = s.get(1).unwrap_or(&s[0]);
        for (o, x) in out[0].iter_mut().zip(&s[0]) {
            *o += *x;
        }
        for (o, x) in out[1].iter_mut().zip(right) {
            *o += *x;
        }
    }
    out
}

/// What a learn pass found.
#[derive(Debug, Clone, Copy)]
pub struct Learned {
    /// What the pass measured.
    pub pass: LearnPass,
    /// The gain it set, dB.
    pub gain_db: f32,
}

/// The master: the rendered output (as long as the stems) and what was measured.
pub struct Mastered {
    /// Left and right.
    pub output: [Vec<f32>; 2],
    /// The chain's meters over the render pass.
    pub meters: MasterMeters,
    /// The learn pass, when one ran.
    pub learned: Option<Learned>,
}

/// A Stem Master chain at `rate`, stereo, at `settings` from the first sample.
pub fn master_chain(rate: u32, settings: &MasterSettings) -> MasterChain {
    let mut chain = MasterChain::new(rate as f32, 2);
    chain.set_target(settings);
    chain.snap_to_target();
    chain
}

/// Latency of the Stem Master chain with `settings` at `rate`, frames.
pub fn latency(rate: u32, settings: &MasterSettings) -> usize {
    master_chain(rate, settings).latency_samples()
}

/// Masters `sum` (the stems' sum followed by [`latency`] frames of silence, consumed):
/// with `learn_to` a target (LUFS), a learn pass first, from `settings.target_gain_db`, as
/// the plugin's Learn runs over a whole pass; then the render pass at the gain found.
/// `progress` advances by one per frame of each pass.
pub fn master(
    mut sum: [Vec<f32>; 2],
    rate: u32,
    settings: &MasterSettings,
    learn_to: Option<f32>,
    progress: &indicatif::ProgressBar,
) -> Mastered {
    let mut settings = *settings;
    let learned = learn_to.and_then(|target| {
        let mut chain = master_chain(rate, &settings);
        chain.start_learn(target);
        let mut l = vec![0.0f32; BLOCK];
        let mut r = vec![0.0f32; BLOCK];
        for (sl, sr) in sum[0].chunks(BLOCK).zip(sum[1].chunks(BLOCK)) {
            let n = sl.len();
            l[..n].copy_from_slice(sl);
            r[..n].copy_from_slice(sr);
            chain.process(&mut l[..n], Some(&mut r[..n]));
            progress.inc(n as u64);
        }
        let pass = chain.finish_learn()?;
        let gain_db = learned_gain_db(settings.target_gain_db, target, settings.output_db, &pass);
        settings.target_gain_db = gain_db;
        Some(Learned { pass, gain_db })
    });
    let mut chain = master_chain(rate, &settings);
    let latency = chain.latency_samples();
    let [left, right] = &mut sum;
    for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
        chain.process(l, Some(r));
        progress.inc(l.len() as u64);
    }
    let meters = chain.take_meters();
    for c in &mut sum {
        c.drain(..latency.min(c.len()));
    }
    Mastered {
        output: sum,
        meters,
        learned,
    }
}

/// The Stem Master's dither for the output format: TPDF to 24 bits for a 24-bit file, none
/// for 32-bit float.
pub fn dither_for(float: bool) -> Dither {
    if float {
        Dither::Off
    } else {
        Dither::Bits24
    }
}
