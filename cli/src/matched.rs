//! Stem files read and matched up for processing together: one sample rate and one length.
//!
//! `stems analyze`, `stems check` and `stems render` all play the stems in lockstep, as a
//! session would, so all match them up the same way here: resampled to the session rate
//! (the most common among the files) and padded with silence to the longest, with a notice
//! for everything done to them. [`read_matched`] also reads them, in parallel, and keeps
//! what each file held before that for the reports; `stems check` reads the files itself
//! (it measures them as delivered) and then matches them with [`session_rate`],
//! [`resample_notice`] and [`conform`].

use std::path::PathBuf;

use rayon::prelude::*;

use crate::audio::{self, Audio, InputError};
use crate::common::Failure;

/// Why stems could not be read and matched up.
pub enum ReadError {
    /// An input cannot be used.
    Input(InputError),
    /// Anything else (resampling).
    Other(anyhow::Error),
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Input(e) => Failure::from(e),
            ReadError::Other(e) => Failure::Output(e),
        }
    }
}

/// Converts every stem in `session` to `rate` (in parallel) and pads the shorter ones with
/// silence to the longest, noting each padding in `notices`; gives the frames they now have.
pub fn conform(
    session: &mut [Audio],
    rate: u32,
    notices: &mut Vec<String>,
) -> anyhow::Result<usize> {
    session.par_iter_mut().try_for_each(|a| {
        if a.sample_rate_hz != rate {
            *a = audio::resample(a, rate)?;
        }
        anyhow::Ok(())
    })?;
    let frames = session.iter().map(Audio::frames).max().unwrap_or(0);
    for a in session.iter_mut() {
        if a.frames() < frames {
            notices.push(format!(
                "{}: {:.2} s long, padded with silence to the longest stem's {:.2} s",
                a.path.display(),
                a.seconds(),
                frames as f64 / f64::from(rate)
            ));
            for c in &mut a.channels {
                c.resize(frames, 0.0);
            }
        }
    }
    Ok(frames)
}

/// The notice that `a` is resampled to the session's `rate`, if it is.
pub fn resample_notice(a: &Audio, rate: u32) -> Option<String> {
    (a.sample_rate_hz != rate).then(|| {
        format!(
            "{}: {} Hz resampled to the session's {} Hz",
            a.path.display(),
            a.sample_rate_hz,
            rate
        )
    })
}

/// The session's sample rate: the most common of `rates`, the highest among equals (48 kHz
/// for none).
pub fn session_rate(rates: impl Iterator<Item = u32>) -> u32 {
    let rates: Vec<u32> = rates.collect();
    rates
        .iter()
        .copied()
        .max_by_key(|r| (rates.iter().filter(|x| *x == r).count(), *r))
        .unwrap_or(48_000)
}

/// What a stem file held before it was matched to the session.
pub struct FileInfo {
    /// The file.
    pub path: PathBuf,
    /// Its sample rate, Hz.
    pub rate_hz: u32,
    /// How it stores samples.
    pub format: String,
    /// Its length, seconds.
    pub seconds: f64,
    /// Its channels.
    pub channels: usize,
}

/// Stems read and matched up: one sample rate, one length.
pub struct Matched {
    /// The session rate ([`session_rate`]), Hz.
    pub rate: u32,
    /// Frames of every stem (the longest file's).
    pub frames: usize,
    /// The stems at `rate`, `frames` long, in input order.
    pub audios: Vec<Audio>,
    /// What each file held.
    pub files: Vec<FileInfo>,
    /// What was done to them (resampling, padding, repaired samples), one line each.
    pub notices: Vec<String>,
}

/// Reads `files` in parallel (advancing `progress` by one per file), resamples them to the
/// session rate and pads them to one length.
pub fn read_matched(
    files: &[PathBuf],
    progress: &indicatif::ProgressBar,
) -> Result<Matched, ReadError> {
    progress.set_message("reading");
    let read: Vec<Result<Audio, InputError>> = files
        .par_iter()
        .map(|p| {
            let r = audio::read(p);
            progress.inc(1);
            r
        })
        .collect();
    let mut audios = Vec::with_capacity(read.len());
    for r in read {
        audios.push(r.map_err(ReadError::Input)?);
    }
    let mut notices = Vec::new();
    let rate = session_rate(audios.iter().map(|a| a.sample_rate_hz));
    for a in &audios {
        if a.non_finite_samples > 0 {
            notices.push(format!(
                "{}: {} NaN or infinite samples were replaced by silence",
                a.path.display(),
                a.non_finite_samples
            ));
        }
        notices.extend(resample_notice(a, rate));
    }
    // What the report says about each file, before the audio is converted in place.
    let infos: Vec<FileInfo> = audios
        .iter()
        .map(|a| FileInfo {
            path: a.path.clone(),
            rate_hz: a.sample_rate_hz,
            format: a.format.clone(),
            seconds: a.seconds(),
            channels: a.channels.len(),
        })
        .collect();
    let frames = conform(&mut audios, rate, &mut notices).map_err(ReadError::Other)?;
    Ok(Matched {
        rate,
        frames,
        audios,
        files: infos,
        notices,
    })
}
