//! A generated multitrack: four stems of one short song, for the Stem Master's demo and
//! screenshots, tests that run a Stem Strip per stem (in other processes too) and the
//! command-line tool's demo.
//!
//! The song is a 4-bar loop at 120 bpm (8 s) in A minor (Am, F, C, G), made so that the
//! masking engine has something real to find:
//!
//! - [`DemoStem::Drums`]: kick (a sine swept from 100 Hz to 45 Hz, saturated, with a short
//!   click) on 1 and 3 and the "and" of 3 in bars 2 and 4, snare (noise and a 185 Hz body)
//!   on 2 and 4, closed hats on the other eighths, spread a little left and right.
//! - [`DemoStem::Bass`]: a plucked, low-passed saw on the roots (44 to 73 Hz), every note
//!   starting with a kick (and ducked under it for about 100 ms), so kick and bass collide
//!   below about 150 Hz.
//! - [`DemoStem::Music`]: a pad of detuned saws, one sustained chord a bar, wide, with a
//!   gentle low-pass near 6 kHz and a lift around 2.5 kHz: louder than the voice from 1 to
//!   4 kHz, so it masks the lead vocal's presence range.
//! - [`DemoStem::LeadVocal`]: a sung line (196 to 294 Hz, with scoops and vibrato) of a
//!   glottal pulse train through formant resonators, a vowel per syllable, centred. It is
//!   high-passed at 500 Hz (fourth order), as a vocal in a dense mix is: in the masking
//!   model a kick at these levels covers everything below about 450 Hz, so a fuller voice
//!   would draw a low-end warning even without the pad.
//!
//! Levels (measured with [`crate::loudness::LoudnessMeter`] over 20 s at 48 kHz; the
//! `demo_stems` tests check them): drums -17.1 LUFS integrated, bass -19.0, pad -18.0, lead
//! vocal -22.7; the sum -12.9 LUFS with its sample peak just under -1 dBFS. The stems are
//! unmastered: their sum has a peak-to-loudness ratio of about 12 dB, so it cannot be much
//! louder with that headroom; the Stem Master's limiter is what brings it up.
//!
//! Every stem is a pure function of the position in the loop except for a few filters with
//! millisecond memories, so the output is deterministic, the same for any block size, and
//! periodic: the first loop already sounds like every later one (notes late in the loop ring
//! on into its start), so one loop rendered to a file repeats without a seam. Tones are
//! sums of harmonics that stop below 0.45 x the sample rate (peak factors kept low with
//! Schroeder's phases where the waveform's shape does not matter) and noise is low-passed
//! with bilinear filters, so nothing is generated above 0.45 x the rate; the tests cover
//! 8, 44.1, 48 and 96 kHz.
//!
//! ```
//! use shared_dsp::demo::stems::{render_all, DemoStem};
//!
//! // Streaming, as a plugin's or a test host's audio callback would (no allocation):
//! let mut vocal = DemoStem::LeadVocal.generator(48_000.0);
//! let (mut left, mut right) = (vec![0.0f32; 512], vec![0.0f32; 512]);
//! vocal.fill(&mut left, &mut right);
//! assert_eq!(left, right); // centred
//!
//! // Or all four stems at once:
//! for (stem, audio) in render_all(44_100.0, 0.5) {
//!     println!("{}.wav: {} frames", stem.file_stem(), audio.len());
//! }
//! ```

mod bass;
mod drums;
mod pad;
mod parts;
mod vocal;

use super::Stereo;
use crate::role::StemRole;
use parts::Grid;

/// Length of the loop, seconds (4 bars of 4/4).
pub const LOOP_SECONDS: f64 = 8.0;
/// Tempo of the song, beats per minute.
pub const TEMPO_BPM: f64 = 120.0;

/// One of the demo song's stems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemoStem {
    Drums,
    Bass,
    Music,
    LeadVocal,
}

impl DemoStem {
    /// Every stem, in the order of the mix's tracks.
    pub const ALL: [DemoStem; 4] = [
        DemoStem::Drums,
        DemoStem::Bass,
        DemoStem::Music,
        DemoStem::LeadVocal,
    ];

    /// The stem's role.
    pub fn role(self) -> StemRole {
        match self {
            DemoStem::Drums => StemRole::Drums,
            DemoStem::Bass => StemRole::Bass,
            DemoStem::Music => StemRole::Music,
            DemoStem::LeadVocal => StemRole::LeadVocal,
        }
    }

    /// Track name, as a host would show it.
    pub fn name(self) -> &'static str {
        match self {
            DemoStem::Drums => "Drums",
            DemoStem::Bass => "Bass",
            DemoStem::Music => "Pad",
            DemoStem::LeadVocal => "Lead Vox",
        }
    }

    /// File name without extension, one a tool can guess the role from.
    pub fn file_stem(self) -> &'static str {
        match self {
            DemoStem::Drums => "drums",
            DemoStem::Bass => "bass",
            DemoStem::Music => "music_pad",
            DemoStem::LeadVocal => "lead_vocal",
        }
    }

    /// The stem named `s` (case-insensitive, spaces around ignored): "drums", "bass", "music"
    /// or "pad", "vocal", "lead", "voice" or "vox", or its [`DemoStem::name`] or
    /// [`DemoStem::file_stem`]; `None` for anything else.
    pub fn from_name(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "drums" | "drum" => Some(DemoStem::Drums),
            "bass" => Some(DemoStem::Bass),
            "music" | "pad" | "music_pad" => Some(DemoStem::Music),
            "vocal" | "lead" | "voice" | "vox" | "lead_vocal" | "lead vox" | "lead vocal" => {
                Some(DemoStem::LeadVocal)
            }
            _ => None,
        }
    }

    /// A generator of this stem at `sample_rate_hz`, at the start of the loop. Allocates
    /// (the pad's harmonic tables); [`StemGenerator::fill`] does not.
    ///
    /// # Panics
    ///
    /// If `sample_rate_hz` is not a finite rate of at least 1 kHz (8 kHz to 192 kHz is
    /// what the tests cover).
    pub fn generator(self, sample_rate_hz: f64) -> StemGenerator {
        assert!(
            sample_rate_hz.is_finite() && sample_rate_hz >= 1000.0,
            "demo stems need a sample rate of at least 1 kHz, got {sample_rate_hz} Hz"
        );
        let grid = Grid::new(sample_rate_hz);
        let (voice, gain) = match self {
            DemoStem::Drums => (Voice::Drums(Box::new(drums::Drums::new(grid))), DRUMS_GAIN),
            DemoStem::Bass => (Voice::Bass(bass::Bass::new(grid)), BASS_GAIN),
            DemoStem::Music => (Voice::Pad(pad::Pad::new(grid)), PAD_GAIN),
            DemoStem::LeadVocal => (Voice::Vocal(Box::new(vocal::Vocal::new(grid))), VOCAL_GAIN),
        };
        StemGenerator {
            stem: self,
            grid,
            pos: 0,
            gain,
            voice,
        }
    }
}

impl std::fmt::Display for DemoStem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// Output gains, set so the stems measure the levels the module docs give.
const DRUMS_GAIN: f64 = 0.4623;
const BASS_GAIN: f64 = 0.2189;
const PAD_GAIN: f64 = 0.04029;
const VOCAL_GAIN: f64 = 0.01545;

#[derive(Debug, Clone)]
enum Voice {
    Drums(Box<drums::Drums>),
    Bass(bass::Bass),
    Pad(pad::Pad),
    Vocal(Box<vocal::Vocal>),
}

/// A stem being played: streams the loop, over and over, from its start.
#[derive(Debug, Clone)]
pub struct StemGenerator {
    stem: DemoStem,
    grid: Grid,
    /// Frames into the loop.
    pos: u64,
    gain: f64,
    voice: Voice,
}

impl StemGenerator {
    /// The stem this plays.
    pub fn stem(&self) -> DemoStem {
        self.stem
    }

    /// Sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.grid.rate
    }

    /// Frames in one loop (8 s, rounded to whole frames).
    pub fn loop_frames(&self) -> u64 {
        self.grid.loop_frames
    }

    /// Writes the next `left.len().min(right.len())` frames. Deterministic and
    /// independent of how the audio is split into blocks; does not allocate.
    pub fn fill(&mut self, left: &mut [f32], right: &mut [f32]) {
        let gain = self.gain;
        let loop_frames = self.grid.loop_frames;
        let mut pos = self.pos;
        macro_rules! stream {
            ($v:expr) => {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let (a, b) = $v.frame(pos);
                    *l = (a * gain) as f32;
                    *r = (b * gain) as f32;
                    pos = (pos + 1) % loop_frames;
                }
            };
        }
        match &mut self.voice {
            Voice::Drums(v) => stream!(v),
            Voice::Bass(v) => stream!(v),
            Voice::Pad(v) => stream!(v),
            Voice::Vocal(v) => stream!(v),
        }
        self.pos = pos;
    }

    /// The next `seconds` of the stem (rounded to whole frames) as a new buffer.
    pub fn render(mut self, seconds: f64) -> Stereo {
        let frames = (seconds.max(0.0) * self.grid.rate).round() as usize;
        let mut out = Stereo::silence(frames);
        self.fill(&mut out.left, &mut out.right);
        out
    }
}

/// Every stem, `seconds` long from the start of the loop, at `sample_rate_hz`, in the order
/// of [`DemoStem::ALL`]. Allocates.
pub fn render_all(sample_rate_hz: f64, seconds: f64) -> Vec<(DemoStem, Stereo)> {
    DemoStem::ALL
        .iter()
        .map(|&s| (s, s.generator(sample_rate_hz).render(seconds)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in DemoStem::ALL {
            assert_eq!(DemoStem::from_name(s.file_stem()), Some(s));
            assert_eq!(DemoStem::from_name(&s.name().to_uppercase()), Some(s));
        }
        assert_eq!(DemoStem::from_name("Pad"), Some(DemoStem::Music));
        assert_eq!(DemoStem::from_name(" voice "), Some(DemoStem::LeadVocal));
        assert_eq!(DemoStem::from_name("lead"), Some(DemoStem::LeadVocal));
        assert_eq!(DemoStem::from_name("guitar"), None);
        assert_eq!(DemoStem::Music.role(), StemRole::Music);
    }
}
