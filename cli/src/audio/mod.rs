//! Reading stem files: WAV (16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE),
//! FLAC and AIFF through `symphonia`, mono or stereo, into planar `f32`; matching sample
//! rates with `rubato`; writing WAV (24-bit or float) through a temporary file and a rename, so no
//! half-written file is ever left behind.
//!
//! Bad input is refused with an [`InputError`] that names the file, says what is wrong and
//! what to do. A file is read whole: a data chunk shorter than its header says (a truncated
//! file, or a header that lies about its length) is refused rather than analysed in part.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

mod atomic;
mod read;
mod resample;
#[cfg(test)]
mod tests;
mod wav;

pub use atomic::{clean_up_on_interrupt, write_atomically};
pub use read::read;
pub use resample::resample;
pub use wav::{encode_wav_data, wav_header, write_wav, write_wav_as, WavFormat};

/// Extensions `stems analyze` picks up in a folder.
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "wave", "flac", "aif", "aiff", "aifc"];

/// Why a stem file cannot be used.
#[derive(Debug)]
pub enum InputError {
    /// The path does not exist.
    Missing(PathBuf),
    /// It exists but cannot be opened or read.
    Unreadable(PathBuf, std::io::Error),
    /// It is empty.
    Empty(PathBuf),
    /// It is not audio symphonia can read (or not the format its name says).
    NotAudio(PathBuf, String),
    /// It has fewer frames than its header declares.
    Truncated {
        /// The file.
        path: PathBuf,
        /// Frames the header declares.
        declared: u64,
        /// Frames actually present.
        found: u64,
    },
    /// More than two channels.
    TooManyChannels(PathBuf, usize),
    /// Decoding failed part-way.
    Corrupt(PathBuf, String),
    /// A folder without any audio file.
    NoAudioInFolder(PathBuf),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Missing(p) => write!(f, "{}: no such file or folder", p.display()),
            InputError::Unreadable(p, e) => write!(f, "{}: cannot read it ({e})", p.display()),
            InputError::Empty(p) => write!(f, "{}: the file is empty (0 bytes); export it again", p.display()),
            InputError::NotAudio(p, why) => write!(
                f,
                "{}: not a readable WAV, FLAC or AIFF file ({why}); check that it is audio and export it again",
                p.display()
            ),
            InputError::Truncated { path, declared, found } => write!(
                f,
                "{}: truncated: the header declares {declared} frames but only {found} are there; \
                 the file was cut short (an interrupted copy or export): export it again",
                path.display()
            ),
            InputError::TooManyChannels(p, n) => write!(
                f,
                "{}: {n} channels; stems must be mono or stereo: export a stereo stem (or fold it down) and try again",
                p.display()
            ),
            InputError::Corrupt(p, why) => write!(f, "{}: the audio data is damaged ({why}); export it again", p.display()),
            InputError::NoAudioInFolder(p) => write!(
                f,
                "{}: no audio files in this folder (looked for .wav, .flac, .aif, .aiff)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// A decoded stem: planar channels (one or two) at `sample_rate_hz`.
#[derive(Debug, Clone)]
pub struct Audio {
    /// The file it came from.
    pub path: PathBuf,
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// One or two channels of equal length.
    pub channels: Vec<Vec<f32>>,
    /// How the file stores its samples, e.g. "24-bit PCM" (for the report).
    pub format: String,
    /// Samples that were NaN or infinite and were replaced by silence.
    pub non_finite_samples: u64,
}

impl Audio {
    /// Frames per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Length, seconds.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate_hz.max(1))
    }
}

/// The audio files named by `inputs`: files as given, folders searched (not recursively)
/// for [`AUDIO_EXTENSIONS`], sorted by name.
pub fn collect_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => InputError::Missing(input.clone()),
            _ => InputError::Unreadable(input.clone(), e),
        })?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| InputError::Unreadable(input.clone(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_audio_name(p))
                .collect();
            if found.is_empty() {
                return Err(InputError::NoAudioInFolder(input.clone()));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn is_audio_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
