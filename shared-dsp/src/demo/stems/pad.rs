//! The pad (music) stem: sustained chords (Am, F, C, G, one a bar) of detuned saws, wide,
//! with a high-pass at 150 Hz, a gentle low-pass near 6 kHz and a lift at 2.5 kHz so that it
//! holds strong energy from 1 to 4 kHz, where it covers the lead vocal's presence range.
//! Chords cross-fade over 400 ms around each bar line.

use std::f64::consts::{PI, TAU};

use super::parts::{
    band_taper, gate, harmonic_limit_hz, noise, phased_harmonic_sum, schroeder_phases, Grid,
    STEPS_PER_BAR, STEP_SECONDS,
};

/// One chord a bar, four notes each (Hz).
const CHORDS: [[f64; 4]; 4] = [
    [220.0, 261.63, 329.63, 440.0],  // A minor
    [174.61, 220.0, 261.63, 349.23], // F major
    [196.0, 261.63, 329.63, 392.0],  // C major over G
    [196.0, 246.94, 293.66, 392.0],  // G major
];
/// Each note is two saws detuned by these many cents, and sent to left and right with these
/// gains: mostly one saw per side, so the sides beat against each other (a wide,
/// decorrelated pad) while each side keeps the moderate crest factor of four tones.
const VOICES: [(f64, [f64; 2]); 2] = [(-9.0, [1.0, 0.15]), (8.0, [0.15, 1.0])];
const MAX_HARMONICS: usize = 64;
const TOP_HZ: f64 = 10_000.0;
const ATTACK_S: f64 = 0.3;
const RELEASE_S: f64 = 0.4;

/// One saw of one note: its harmonics' sine and cosine amplitudes, worked out once. The
/// harmonics have Schroeder's phases for their power spectrum (see `parts::schroeder_phases`)
/// rather than a saw's: the same spectrum, sustained, sounds much the same, and the pad's
/// peak-to-loudness ratio drops from about 11.5 dB to 8.5 dB (measured at 48 kHz).
#[derive(Debug, Clone)]
struct Saw {
    hz: f64,
    gains: [f64; 2],
    amps: [[f64; 2]; MAX_HARMONICS],
    num_harmonics: usize,
}

/// The pad; it keeps no state but the grid.
#[derive(Debug, Clone)]
pub(super) struct Pad {
    grid: Grid,
    /// `CHORDS.len()` chords of `4 * VOICES.len()` saws.
    saws: Vec<Saw>,
}

impl Pad {
    /// Allocates the saws' harmonic tables.
    pub fn new(grid: Grid) -> Self {
        let limit_hz = harmonic_limit_hz(grid.rate, TOP_HZ);
        let mut saws = Vec::with_capacity(CHORDS.len() * 4 * VOICES.len());
        for (c, chord) in CHORDS.iter().enumerate() {
            for (n, &note) in chord.iter().enumerate() {
                for (v, &(cents, gains)) in VOICES.iter().enumerate() {
                    let hz = note * (cents / 1200.0).exp2();
                    let num_harmonics = ((limit_hz / hz) as usize).min(MAX_HARMONICS);
                    let amp = |k: usize| {
                        let f = k as f64 * hz;
                        shape(f) * band_taper(f, limit_hz) / k as f64
                    };
                    let mut phases = [[0.0; 2]; MAX_HARMONICS];
                    schroeder_phases(&mut phases[..num_harmonics], |k| amp(k).powi(2));
                    // Turned by an offset per saw, so that the saws' phases differ too.
                    let offset = PI * (noise(0x0050_4144, (c * 16 + n * 4 + v) as u64, 0) + 1.0);
                    let (so, co) = offset.sin_cos();
                    let mut amps = [[0.0; 2]; MAX_HARMONICS];
                    for (k, (a, p)) in amps.iter_mut().zip(&phases).take(num_harmonics).enumerate()
                    {
                        let a_k = amp(k + 1);
                        *a = [a_k * (p[0] * co - p[1] * so), a_k * (p[1] * co + p[0] * so)];
                    }
                    saws.push(Saw {
                        hz,
                        gains,
                        amps,
                        num_harmonics,
                    });
                }
            }
        }
        Self { grid, saws }
    }

    /// The frame at loop position `pos`, before the stem's gain.
    pub fn frame(&mut self, pos: u64) -> (f64, f64) {
        let g = self.grid;
        let bar_s = STEPS_PER_BAR as f64 * STEP_SECONDS;
        let per_chord = 4 * VOICES.len();
        let (mut left, mut right) = (0.0, 0.0);
        for (c, saws) in self.saws.chunks_exact(per_chord).enumerate() {
            let t = g.seconds(g.frames_since(pos, c * STEPS_PER_BAR));
            // Each chord starts to fade 150 ms before the next one comes in.
            let gate_s = bar_s - 0.15;
            if t >= gate_s + RELEASE_S {
                continue;
            }
            let env = gate(t, ATTACK_S, gate_s, RELEASE_S);
            for saw in saws {
                let phase = TAU * (saw.hz * t).fract();
                let amps = &saw.amps;
                let s = env * phased_harmonic_sum(phase, saw.num_harmonics, |k| amps[k - 1]);
                left += s * saw.gains[0];
                right += s * saw.gains[1];
            }
        }
        (left, right)
    }
}

/// The pad's tone colour at `hz`, linear: a second-order high-pass at 150 Hz, a gentle
/// second-order low-pass at 6 kHz and a broad +8 dB lift centred on 2.5 kHz.
fn shape(hz: f64) -> f64 {
    let hp = {
        let x = (hz / 150.0).powi(2);
        x / (1.0 + x * x).sqrt()
    };
    let lp = 1.0 / (1.0 + (hz / 6_000.0).powi(4)).sqrt();
    let octaves = (hz / 2_500.0).log2();
    let lift_db = 8.0 * (-0.5 * (octaves / 0.9).powi(2)).exp();
    hp * lp * 10f64.powf(lift_db / 20.0)
}
