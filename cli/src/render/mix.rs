//! The render itself: every stem through its own Strip (`shared_dsp::strip::Strip`, the Stem
//! Strip's chain); their sum; the sum through the Stem Master's chain
//! (`shared_dsp::master::MasterChain`), in two passes when it learns: a first pass measures
//! what the plugin's Learn measures and sets the gain the same way, a second renders at that
//! gain.
//!
//! NOTE: the learned gain acts right before the limiter, so what comes before it (input
//! gain, EQ, glue compressor) is the same in both passes: the learn pass runs that half of
//! the chain once, on the sum in place, and the render pass runs only the rest (gain,
//! limiter, dither). The output differs from one whole chain's by the rounding of the half
//! way signal to `f32`, about -140 dB (`tests/tests/render_plugins.rs` checks the plugins
//! against this within -100 dB).
//!
//! Both passes run on the sum followed by the chain's latency in silence, and the output
//! drops the first `latency` frames, so the master lines up with the stems sample for sample
//! and is as long as they are.
//!
//! Both cores work throughout: the stems go through their Strips a chunk at a time, in
//! parallel, while the learn pass runs over the previous chunk of their sum; the render
//! pass runs while the previous chunk of its output is measured (BS.1770 loudness, loudness
//! range, true peak), encoded and written. Nobody reads the Strips' analysis or the chain's
//! own output meters here, so they are off (the audio is the same).

use std::io::Write;

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
    /// The output's loudness figures.
    pub figures: OutputFigures,
    /// The learn pass, when one ran.
    pub learned: Option<Learned>,
    /// The gain before the limiter the render used, dB.
    pub target_gain_db: f32,
}

/// What to render: the settings and the output's format.
pub struct Plan<'a> {
    /// Each stem's Strip settings, in the stems' order.
    pub strips: &'a [StripSettings],
    /// The stems' sample rate, Hz.
    pub rate: u32,
    /// The Master's settings.
    pub master: MasterSettings,
    /// A loudness target (LUFS) to learn the gain for in a first pass, as the plugin's Learn
    /// runs over a whole pass (from `master.target_gain_db`); `None` renders at that gain.
    pub learn_to: Option<f32>,
    /// The output file's format.
    pub format: WavFormat,
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
/// through a Strip with its settings, their sum through the Master, the output in
/// `plan.format`, its samples (no header) written to `file` as they are made. With a target
/// to learn, the learn pass runs the first half of the Master's chain
/// ([`MasterChain::process_front`]: EQ and glue compressor, up to the target gain) on the sum
/// in place, and the render pass only the second ([`MasterChain::process_back`]: learned
/// gain, limiter, dither), which is all the learned gain changes. `progress` advances by one
/// per frame of each stem and of each pass. Fails only when `file` cannot be written.
pub fn render(
    stems: &mut [Vec<Vec<f32>>],
    plan: &Plan,
    progress: &indicatif::ProgressBar,
    file: &mut (dyn Write + Send),
) -> std::io::Result<Mastered> {
    let (rate, format) = (plan.rate, plan.format);
    let frames = stems.first().map_or(0, |s| s[0].len());
    let mut settings = MasterSettings {
        dither: dither_for(format),
        ..plan.master
    };
    // The render pass's chain, made now: its latency sizes the sum's tail.
    let mut chain = master_chain(rate, &settings);
    let latency = chain.latency_samples();
    let mut strips: Vec<Strip> = stems
        .iter()
        .zip(plan.strips)
        .map(|(channels, s)| {
            let mut strip =
                Strip::new(rate as f32, channels.len()).expect("1 or 2 channels, positive rate");
            strip.set_target(s);
            strip.snap_to_target();
            strip.set_analysis(false);
            strip
        })
        .collect();
    let mut learner = plan.learn_to.map(|target| {
        let mut chain = master_chain(rate, &settings);
        chain.start_learn(target);
        chain
    });
    // The sum, then the chain's latency in silence (which closes each pass, as it follows
    // the programme in the output).
    let mut sum = [
        vec![0.0f32; frames + latency],
        vec![0.0f32; frames + latency],
    ];
    // The Strips, the sum and the learn pass over it, chunk by chunk on every core (see
    // `tasks`).
    let [sum_l, sum_r] = &mut sum;
    super::tasks::strips_sum_and_learn(
        stems,
        &mut strips,
        frames,
        CHUNK,
        [sum_l, sum_r],
        learner.as_mut(),
        |strip, piece| {
            let len = piece[0].len();
            for start in (0..len).step_by(BLOCK) {
                let block = start..(start + BLOCK).min(len);
                match piece.as_mut_slice() {
                    [l, r] => strip.process(&mut l[block.clone()], Some(&mut r[block])),
                    [l] => strip.process(&mut l[block], None),
                    _ => unreachable!("stems are mono or stereo"),
                }
            }
            progress.inc(len as u64);
        },
        add_stems,
        |chain, left, right| run_chain(chain, MasterChain::process_front, left, right, progress),
    );
    let learned = learner.and_then(|mut chain| {
        let [l, r] = &mut sum;
        run_chain(
            &mut chain,
            MasterChain::process_front,
            &mut l[frames..],
            &mut r[frames..],
            progress,
        );
        let target = plan.learn_to?;
        let pass = chain.finish_learn()?;
        let gain_db = learned_gain_db(settings.target_gain_db, target, settings.output_db, &pass);
        Some(Learned { pass, gain_db })
    });
    if let Some(l) = learned {
        settings.target_gain_db = l.gain_db;
        chain.set_target(&settings);
        chain.snap_to_target();
    }
    // After a learn pass the sum holds the front's output; else the sum itself.
    let process = if plan.learn_to.is_some() {
        MasterChain::process_back
    } else {
        MasterChain::process
    };
    let figures = render_pass(&mut sum, chain, process, rate, format, progress, file)?;
    for c in &mut sum {
        c.drain(..latency.min(c.len()));
    }
    Ok(Mastered {
        output: sum,
        figures,
        learned,
        target_gain_db: settings.target_gain_db,
    })
}

/// Writes the sum of `stems` (one chunk of each: one or two channels; a mono stem feeds
/// both), added in their order, into `left` and `right`.
fn add_stems(stems: &[&Vec<&mut [f32]>], left: &mut [f32], right: &mut [f32]) {
    // NOTE: block by block, every stem into a block of the sum that stays in the cache; and
    // the first stem's block written, not added (the sum's memory is never read before it
    // is written: reading a fresh page and then writing it faults twice). The same order of
    // additions as stem after stem over the whole chunk, so the same bits.
    const ADD_BLOCK: usize = 1024;
    for start in (0..left.len()).step_by(ADD_BLOCK) {
        let end = (start + ADD_BLOCK).min(left.len());
        let (l, r) = (&mut left[start..end], &mut right[start..end]);
        for (i, stem) in stems.iter().enumerate() {
            let sl = &stem[0][start..end];
            let sr = &stem.get(1).unwrap_or(&stem[0])[start..end];
            if i == 0 {
                l.iter_mut().zip(sl).for_each(|(o, x)| *o = 0.0 + *x);
                r.iter_mut().zip(sr).for_each(|(o, x)| *o = 0.0 + *x);
            } else {
                l.iter_mut().zip(sl).for_each(|(o, x)| *o += *x);
                r.iter_mut().zip(sr).for_each(|(o, x)| *o += *x);
            }
        }
    }
}

/// One of [`MasterChain`]'s ways to process a block: whole, its front or its back.
type ChainStage = fn(&mut MasterChain, &mut [f32], Option<&mut [f32]>);

/// `left` and `right` through `chain`'s `stage` in blocks, in place.
fn run_chain(
    chain: &mut MasterChain,
    stage: ChainStage,
    left: &mut [f32],
    right: &mut [f32],
    progress: &indicatif::ProgressBar,
) {
    for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
        stage(chain, l, Some(r));
    }
    progress.inc(left.len() as u64);
}

/// The render pass over `sum` (in place, `rate` Hz) through `stage` of `chain`, chunk by
/// chunk, with the previous chunk of the output (from the chain's latency on) measured,
/// encoded and written to `file` beside it.
fn render_pass(
    sum: &mut [Vec<f32>; 2],
    mut chain: MasterChain,
    stage: ChainStage,
    rate: u32,
    format: WavFormat,
    progress: &indicatif::ProgressBar,
    file: &mut (dyn Write + Send),
) -> std::io::Result<OutputFigures> {
    let latency = chain.latency_samples();
    let mut meter = LoudnessMeter::new(rate, 2).ok();
    let total = sum[0].len();
    let mut encoded = Vec::with_capacity(CHUNK * 2 * format.bytes());
    let mut clipped = 0u64;
    let mut written = Ok(());
    let num_chunks = total.div_ceil(CHUNK);
    let [left, right] = sum;
    for k in 0..=num_chunks {
        let start = (k * CHUNK).min(total);
        let (done_l, todo_l) = left.split_at_mut(start);
        let (done_r, todo_r) = right.split_at_mut(start);
        let n = todo_l.len().min(CHUNK);
        let previous = (k.saturating_sub(1) * CHUNK).max(latency).min(start)..start;
        rayon::join(
            || {
                run_chain(
                    &mut chain,
                    stage,
                    &mut todo_l[..n],
                    &mut todo_r[..n],
                    progress,
                )
            },
            || {
                if previous.is_empty() {
                    return;
                }
                let (l, r) = (&done_l[previous.clone()], &done_r[previous.clone()]);
                if let Some(m) = meter.as_mut() {
                    m.process(l, Some(r));
                }
                encoded.clear();
                clipped += audio::encode_wav_data(&[l, r], format, &mut encoded);
                written = file.write_all(&encoded);
            },
        );
        std::mem::replace(&mut written, Ok(()))?;
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
    Ok(figures)
}
