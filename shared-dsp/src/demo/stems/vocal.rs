//! The lead vocal stem: a glottal pulse train (band-limited, -3 dB/octave, with a scoop into
//! each note and a delayed vibrato) through a cascade of four formant resonators that glide
//! from a consonant-like onset to each syllable's vowel (Klatt 1980, "Software for a
//! cascade/parallel formant synthesizer", JASA 67), then a fourth-order high-pass at 500 Hz,
//! a +8 dB presence bell at 2.8 kHz and a low-pass at 7 kHz. Syllables of an eighth to a
//! dotted quarter with short gaps, pitch 196 to 294 Hz, centred (the same in both channels).

use std::f64::consts::{PI, TAU};

use super::parts::{
    band_taper, gate, harmonic_limit_hz, noise, phased_harmonic_sum, schroeder_phases, transpose,
    Fourth, Grid, Section, STEPS, STEP_SECONDS,
};
use crate::filter::BiquadCoefs;

const G3: f64 = 196.0;
const A3: f64 = 220.0;
const B3: f64 = 246.94;
const C4: f64 = 261.63;
const D4: f64 = 293.66;

/// Vowels' first three formants, Hz (Peterson and Barney 1952, women's averages).
#[derive(Debug, Clone, Copy)]
enum Vowel {
    /// As in "father".
    A,
    /// As in "bed".
    E,
    /// As in "beet".
    I,
    /// As in "bought".
    O,
    /// As in "boot".
    U,
}

impl Vowel {
    /// Source gain that evens out the vowels' levels (an open vowel's high first formant
    /// lets more through the cascade), linear.
    fn gain(self) -> f64 {
        match self {
            Vowel::A => 0.7,
            Vowel::O => 0.85,
            Vowel::E | Vowel::I | Vowel::U => 1.0,
        }
    }

    fn formants_hz(self) -> [f64; 3] {
        match self {
            Vowel::A => [850.0, 1220.0, 2810.0],
            Vowel::E => [610.0, 2330.0, 2990.0],
            Vowel::I => [310.0, 2790.0, 3310.0],
            Vowel::O => [590.0, 920.0, 2710.0],
            Vowel::U => [370.0, 950.0, 2670.0],
        }
    }
}

/// Where the formants start in a syllable: loci of voiced consonants (l, n, m, d), Hz.
const ONSETS_HZ: [[f64; 3]; 4] = [
    [360.0, 1300.0, 2800.0],
    [300.0, 1700.0, 2700.0],
    [300.0, 1200.0, 2500.0],
    [350.0, 1800.0, 2700.0],
];
/// The fourth formant, fixed, Hz.
const F4_HZ: f64 = 3900.0;
/// Formant bandwidths, Hz.
const BANDWIDTHS_HZ: [f64; 4] = [90.0, 110.0, 170.0, 250.0];

/// A syllable: first step, length in steps, note (Hz), vowel.
type Syllable = (usize, usize, f64, Vowel);

const PHRASE: [Syllable; 16] = [
    (0, 3, A3, Vowel::A),
    (4, 2, C4, Vowel::E),
    (6, 2, D4, Vowel::I),
    (8, 6, C4, Vowel::O),
    (16, 3, A3, Vowel::A),
    (20, 2, G3, Vowel::U),
    (22, 2, A3, Vowel::E),
    (24, 6, C4, Vowel::A),
    (32, 3, C4, Vowel::E),
    (36, 2, D4, Vowel::I),
    (38, 2, C4, Vowel::A),
    (40, 6, B3, Vowel::O),
    (48, 3, A3, Vowel::U),
    (52, 2, G3, Vowel::A),
    (54, 2, B3, Vowel::E),
    (56, 5, A3, Vowel::A),
];
/// The longest syllable, in steps.
const LOOK_BACK: usize = 6;
/// The voice is silent this long before the next syllable's step, seconds.
const GAP_S: f64 = 0.06;
const RELEASE_S: f64 = 0.05;
/// Glottal harmonics above this are not generated, Hz.
const TOP_HZ: f64 = 6_000.0;
const MAX_HARMONICS: usize = 40;
const SEED_BREATH: u64 = 0x4252_4541;

/// One resonator of the cascade: `y = a x + b y1 + c y2`, unity gain at DC.
#[derive(Debug, Clone, Copy, Default)]
struct Resonator {
    y1: f64,
    y2: f64,
}

impl Resonator {
    #[inline]
    fn process(&mut self, x: f64, hz: f64, bandwidth_hz: f64, rate: f64) -> f64 {
        let r = (-PI * bandwidth_hz / rate).exp();
        let b = 2.0 * r * (TAU * hz / rate).cos();
        let c = -r * r;
        let y = (1.0 - b - c) * x + b * self.y1 + c * self.y2;
        self.y2 = self.y1;
        self.y1 = if y.abs() < 1e-30 { 0.0 } else { y };
        y
    }
}

/// The singer: the glottal phase of the current syllable and the resonators' state.
#[derive(Debug, Clone)]
pub(super) struct Vocal {
    grid: Grid,
    syllable_at: [Option<u8>; STEPS],
    /// The syllable sounding, if any, and the glottal phase in cycles.
    current: Option<u8>,
    phase: f64,
    limit_hz: f64,
    /// Schroeder's phases of the glottal harmonics, `[cos, sin]`.
    phases: [[f64; 2]; MAX_HARMONICS],
    resonators: [Resonator; 4],
    high_pass: Fourth,
    presence: Section,
    low_pass: Section,
}

impl Vocal {
    pub fn new(grid: Grid) -> Self {
        let mut syllable_at = [None; STEPS];
        for (i, s) in PHRASE.iter().enumerate() {
            syllable_at[s.0] = Some(i as u8);
        }
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let mut phases = [[0.0; 2]; MAX_HARMONICS];
        // For the harmonics a 220 Hz voice has below the limit.
        let n = ((harmonic_limit_hz(grid.rate, TOP_HZ) / A3) as usize).clamp(1, MAX_HARMONICS);
        schroeder_phases(&mut phases[..n], |k| source_amp(k).powi(2));
        Self {
            phases,
            grid,
            syllable_at,
            current: None,
            phase: 0.0,
            limit_hz: harmonic_limit_hz(grid.rate, TOP_HZ),
            resonators: [Resonator::default(); 4],
            high_pass: Fourth::high_pass(grid.rate, 500.0),
            presence: Section::from_coefs(BiquadCoefs::bell(
                grid.rate as f32,
                (2_800.0f64).min(0.4 * grid.rate) as f32,
                8.0,
                0.7,
            )),
            low_pass: Section::low_pass(grid.rate, 7_000.0, q),
        }
    }

    /// The frame at loop position `pos`, before the stem's gain.
    pub fn frame(&mut self, pos: u64) -> (f64, f64) {
        let g = self.grid;
        let sounding = g.recent(pos, LOOK_BACK).find_map(|(step, frames)| {
            let i = self.syllable_at[step]?;
            let gate_s = PHRASE[i as usize].1 as f64 * STEP_SECONDS - GAP_S - RELEASE_S;
            let t = g.seconds(frames);
            (t < gate_s + RELEASE_S).then_some((i, t, gate_s, frames == 0))
        });
        let (source, formants) = match sounding {
            Some((i, t, gate_s, starts)) => {
                let (_, _, note_hz, vowel) = PHRASE[i as usize];
                if starts || self.current != Some(i) {
                    self.current = Some(i);
                    self.phase = 0.0;
                }
                let env = gate(t, 0.03, gate_s, RELEASE_S);
                (
                    env * vowel.gain() * self.glottis(t, note_hz),
                    formants_at(i, vowel, t),
                )
            }
            None => {
                self.current = None;
                (0.0, formants_at(0, Vowel::A, 1.0))
            }
        };
        let breath = 0.008 * source.abs().sqrt() * noise(SEED_BREATH, 0, pos);
        let mut y = source + breath;
        for (r, (&hz, &bw)) in self
            .resonators
            .iter_mut()
            .zip(formants.iter().zip(&BANDWIDTHS_HZ))
        {
            // A formant above 0.42 of the rate is left out (at 8 kHz: the fourth).
            if hz < 0.42 * g.rate {
                y = r.process(y, hz, bw, g.rate);
            }
        }
        let out = self
            .low_pass
            .process(self.presence.process(self.high_pass.process(y)));
        (out, out)
    }

    /// The glottal source at `t` seconds into a note of `note_hz`: a scoop up from a
    /// semitone below over about 40 ms, then vibrato (5.4 Hz, 0.4 semitone) fading in
    /// from 120 to 350 ms. Advances the phase by one sample.
    fn glottis(&mut self, t: f64, note_hz: f64) -> f64 {
        let vibrato = 0.4 * ((t - 0.12) / 0.23).clamp(0.0, 1.0) * (TAU * 5.4 * t).sin();
        let hz = transpose(note_hz, vibrato - (-t / 0.04).exp());
        let n = ((self.limit_hz / hz) as usize).min(MAX_HARMONICS);
        let limit_hz = self.limit_hz;
        let phases = &self.phases;
        let s = phased_harmonic_sum(TAU * self.phase, n, |k| {
            let a = band_taper(k as f64 * hz, limit_hz) * source_amp(k);
            [a * phases[k - 1][0], a * phases[k - 1][1]]
        });
        self.phase = (self.phase + hz / self.grid.rate).fract();
        s
    }
}

/// Amplitude of the glottal source's `k`th harmonic: -3 dB an octave (brighter than the
/// -6 dB of a glottal flow derivative with lip radiation: a close-miked pop vocal).
fn source_amp(k: usize) -> f64 {
    1.0 / (k as f64).sqrt()
}

/// Formant frequencies `t` seconds into syllable `i`: from its onset's locus to its vowel's,
/// time constant 35 ms.
fn formants_at(i: u8, vowel: Vowel, t: f64) -> [f64; 4] {
    let onset = ONSETS_HZ[i as usize % ONSETS_HZ.len()];
    let target = vowel.formants_hz();
    let w = (-t / 0.035).exp();
    [
        target[0] + (onset[0] - target[0]) * w,
        target[1] + (onset[1] - target[1]) * w,
        target[2] + (onset[2] - target[2]) * w,
        F4_HZ,
    ]
}
