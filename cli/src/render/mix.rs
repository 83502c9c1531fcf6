//! The render itself: every stem through its own Strip (`shared_dsp::strip::Strip`, the Stem
//! Strip's chain); their sum; the sum through the Stem Master's chain
//! (`shared_dsp::master::MasterChain`), twice when it learns: a first pass measures what the
//! plugin's Learn measures and sets the gain the same way, a second renders at that gain.
//!
//! Both passes run on the sum followed by the chain's latency in silence, and the output
//! drops the first `latency` frames, so the master lines up with the stems sample for sample
//! and is as long as they are.
//!
//! Both cores work throughout: the stems go through their Strips a chunk at a time, in
//! parallel, while the learn pass runs over the previous chunk of their sum; the render
//! pass runs while the previous chunk of its output is measured (BS.1770 loudness, loudness
//! range, true peak) and encoded. Nobody reads the Strips' analysis or the chain's own output
//! meters here, so they are off (the audio is the same).

use rayon::prelude::*;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::master::{learned_gain_db, Dither, LearnPass, MasterChain, MasterSettings};
use shared_dsp::strip::{Strip, StripSettings};

use crate::audio::{self, WavFormat};

/// Frames per chunk of the pipeline (about 1.4 s at 48 kHz).
const CHUNK: usize = 1 << 16;
/// Frames per call into a chain.
const BLOCK: usize = 4096;

/// What a learn pass found.
#[derive(Debug, Clone, Copy)]
pub struct Learned {
    /// What the pass measured.
    pub pass: LearnPass,
    /// The gain it set, dB.
    pub gain_db: f32,
}

/// The output's loudness figures, measured on what the file holds.
#[derive(Debug, Clone, Copy)]
pub struct OutputFigures {
    /// Integrated loudness, LUFS (`-inf` when silent).
    pub integrated_lufs: f32,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: f32,
    /// Largest true peak (BS.1770, 4x oversampled at 48 kHz), dBTP.
    pub true_peak_db: f32,
    /// Samples clipped in a 24-bit file (beyond full scale).
    pub clipped: u64,
}

/// A finished render.
pub struct Mastered {
    /// Left and right, as long as the stems.
    pub output: [Vec<f32>; 2],
    /// The output file's samples, encoded (see [`audio::encode_wav_data`]).
    pub encoded: Vec<u8>,
    /// The output's loudness figures.
    pub figures: OutputFigures,
    /// The learn pass, when one ran.
    pub learned: Option<Learned>,
    /// The gain before the limiter the render used, dB.
    pub target_gain_db: f32,
}

/// A Stem Master chain at `rate`, stereo, at `settings` from the first sample, its own
/// output meters off.
fn master_chain(rate: u32, settings: &MasterSettings) -> MasterChain {
    let mut chain = MasterChain::new(rate as f32, 2);
    chain.set_target(settings);
    chain.snap_to_target();
    chain.set_output_meters(false);
    chain
}

/// The Stem Master's dither for the output format: TPDF to 24 bits for a 24-bit file, none
/// for 32-bit float.
pub fn dither_for(format: WavFormat) -> Dither {
    match format {
        WavFormat::Int24 => Dither::Bits24,
        WavFormat::Float32 => Dither::Off,
    }
}

/// Frames of work a render does: the progress bar's length.
pub fn work_frames(num_stems: usize, frames: usize, learn: bool) -> u64 {
    (frames * (num_stems + if learn { 2 } else { 1 })) as u64
}

/// Renders: each of `stems` (one or two channels, processed in place, `frames` long)
/// through a Strip with its settings, their sum through the Master with `settings` (with
/// `learn_to` a target in LUFS: a learn pass first, from `settings.target_gain_db`, as the
/// plugin's Learn runs over a whole pass), the output in `format`. `progress` advances by
/// one per frame of each stem and of each pass.
pub fn render(
    stems: &mut [Vec<Vec<f32>>],
    strip_settings: &[StripSettings],
    rate: u32,
    settings: &MasterSettings,
    learn_to: Option<f32>,
    format: WavFormat,
    progress: &indicatif::ProgressBar,
) -> Mastered {
    let frames = stems.first().map_or(0, |s| s[0].len());
    let mut settings = MasterSettings {
        dither: dither_for(format),
        ..*settings
    };
    let latency = master_chain(rate, &settings).latency_samples();
    let mut strips: Vec<Strip> = stems
        .iter()
        .zip(strip_settings)
        .map(|(channels, s)| {
            let mut strip =
                Strip::new(rate as f32, channels.len()).expect("1 or 2 channels, positive rate");
            strip.set_target(s);
            strip.snap_to_target();
            strip.set_analysis(false);
            strip
        })
        .collect();
    // The learn pass needs no dither (it changes nothing it measures).
    let mut learner = learn_to.map(|target| {
        let mut chain = master_chain(
            rate,
            &MasterSettings {
                dither: Dither::Off,
                ..settings
            },
        );
        chain.start_learn(target);
        chain
    });
    let mut sum = [
        vec![0.0f32; frames + latency],
        vec![0.0f32; frames + latency],
    ];
    let num_chunks = frames.div_ceil(CHUNK);
    // Chunk k's Strips beside the learn pass over chunk k - 1 of the sum.
    for k in 0..=num_chunks {
        let strips_part = k < num_chunks;
        let range = k * CHUNK..((k + 1) * CHUNK).min(frames);
        let [sum_l, sum_r] = &mut sum;
        let (learn_l, next_l) = sum_l.split_at_mut(range.start.min(frames));
        let (learn_r, next_r) = sum_r.split_at_mut(range.start.min(frames));
        let previous = k.checked_sub(1).map(|p| p * CHUNK..range.start.min(frames));
        rayon::join(
            || {
                if strips_part {
                    run_strips(stems, &mut strips, range.clone(), progress);
                    add_chunk(stems, range.clone(), next_l, next_r);
                }
            },
            || {
                if let (Some(chain), Some(p)) = (learner.as_mut(), previous) {
                    let mut l = learn_l[p.clone()].to_vec();
                    let mut r = learn_r[p.clone()].to_vec();
                    run_chain(chain, &mut l, &mut r, progress);
                }
            },
        );
    }
    let learned = learner.and_then(|mut chain| {
        // The latency's silence closes the pass, as it follows the programme in the render.
        let mut l = vec![0.0f32; latency];
        let mut r = vec![0.0f32; latency];
        run_chain(&mut chain, &mut l, &mut r, progress);
        let target = learn_to?;
        let pass = chain.finish_learn()?;
        let gain_db = learned_gain_db(settings.target_gain_db, target, settings.output_db, &pass);
        Some(Learned { pass, gain_db })
    });
    if let Some(l) = learned {
        settings.target_gain_db = l.gain_db;
    }
    let (encoded, figures) = render_pass(&mut sum, rate, &settings, latency, format, progress);
    for c in &mut sum {
        c.drain(..latency.min(c.len()));
    }
    Mastered {
        output: sum,
        encoded,
        figures,
        learned,
        target_gain_db: settings.target_gain_db,
    }
}

/// Frames `range` of every stem through its Strip, the stems in parallel.
fn run_strips(
    stems: &mut [Vec<Vec<f32>>],
    strips: &mut [Strip],
    range: std::ops::Range<usize>,
    progress: &indicatif::ProgressBar,
) {
    stems
        .par_iter_mut()
        .zip(strips.par_iter_mut())
        .for_each(|(channels, strip)| {
            let (left, right) = match channels.as_mut_slice() {
                [l, r] => (&mut l[range.clone()], Some(&mut r[range.clone()])),
                [l] => (&mut l[range.clone()], None),
                _ => unreachable!("stems are mono or stereo"),
            };
            let mut right = right;
            for (k, l) in left.chunks_mut(BLOCK).enumerate() {
                let r = right
                    .as_deref_mut()
                    .map(|r| &mut r[k * BLOCK..k * BLOCK + l.len()]);
                strip.process(l, r);
            }
            progress.inc(range.len() as u64);
        });
}

/// Adds frames `range` of `stems`, in their order (a mono stem feeds both channels), into
/// `left` and `right` (which start at `range.start`).
fn add_chunk(
    stems: &[Vec<Vec<f32>>],
    range: std::ops::Range<usize>,
    left: &mut [f32],
    right: &mut [f32],
) {
    let n = range.len();
    for s in stems {
        let r = s.get(1).unwrap_or(&s[0]);
        for (o, x) in left[..n].iter_mut().zip(&s[0][range.clone()]) {
            *o += *x;
        }
        for (o, x) in right[..n].iter_mut().zip(&r[range.clone()]) {
            *o += *x;
        }
    }
}

/// `left` and `right` through `chain` in blocks, in place.
fn run_chain(
    chain: &mut MasterChain,
    left: &mut [f32],
    right: &mut [f32],
    progress: &indicatif::ProgressBar,
) {
    for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
        chain.process(l, Some(r));
    }
    progress.inc(left.len() as u64);
}

/// The render pass over `sum` (in place), chunk by chunk, with the previous chunk of the
/// output (from `latency` on) measured and encoded beside it.
fn render_pass(
    sum: &mut [Vec<f32>; 2],
    rate: u32,
    settings: &MasterSettings,
    latency: usize,
    format: WavFormat,
    progress: &indicatif::ProgressBar,
) -> (Vec<u8>, OutputFigures) {
    let mut chain = master_chain(rate, settings);
    let mut meter = LoudnessMeter::new(rate, 2).ok();
    let total = sum[0].len();
    let mut encoded = Vec::with_capacity(total.saturating_sub(latency) * 2 * format.bytes());
    let mut clipped = 0u64;
    let num_chunks = total.div_ceil(CHUNK);
    let [left, right] = sum;
    for k in 0..=num_chunks {
        let start = (k * CHUNK).min(total);
        let (done_l, todo_l) = left.split_at_mut(start);
        let (done_r, todo_r) = right.split_at_mut(start);
        let n = todo_l.len().min(CHUNK);
        let previous = (k.saturating_sub(1) * CHUNK).max(latency).min(start)..start;
        rayon::join(
            || run_chain(&mut chain, &mut todo_l[..n], &mut todo_r[..n], progress),
            || {
                if previous.is_empty() {
                    return;
                }
                let (l, r) = (&done_l[previous.clone()], &done_r[previous.clone()]);
                if let Some(m) = meter.as_mut() {
                    m.process(l, Some(r));
                }
                clipped += audio::encode_wav_data(&[l, r], format, &mut encoded);
            },
        );
    }
    let figures = match meter.as_mut() {
        Some(m) => OutputFigures {
            integrated_lufs: m.integrated_lufs(),
            loudness_range_lu: m.loudness_range_lu(),
            true_peak_db: m.take_true_peak_db(),
            clipped,
        },
        None => OutputFigures {
            integrated_lufs: f32::NEG_INFINITY,
            loudness_range_lu: 0.0,
            true_peak_db: f32::NEG_INFINITY,
            clipped,
        },
    };
    (encoded, figures)
}
