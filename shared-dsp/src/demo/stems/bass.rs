//! The bass stem: a plucked, low-passed saw-like tone on the roots (A, F, C, G), its notes
//! starting with the kick.

use std::f64::consts::TAU;

use super::parts::{band_taper, gate, harmonic_limit_hz, harmonic_sum, Grid, STEP_SECONDS};

/// A note: first step, length in steps, fundamental in Hz.
type Note = (usize, usize, f64);

const A1: f64 = 55.0;
const C2: f64 = 65.406;
const D2: f64 = 73.416;
const F1: f64 = 43.654;
const G1: f64 = 48.999;

/// One note on every kick.
const NOTES: [Note; 10] = [
    (0, 8, A1),
    (8, 8, A1),
    (16, 8, F1),
    (24, 2, F1),
    (26, 6, C2),
    (32, 8, C2),
    (40, 8, C2),
    (48, 8, G1),
    (56, 2, G1),
    (58, 6, D2),
];
/// The longest note, in steps: how far back a sounding note can have started.
const LOOK_BACK: usize = 8;
/// Harmonics above this are not generated, Hz.
const TOP_HZ: f64 = 600.0;
const MAX_HARMONICS: usize = 20;

/// The bass line; it keeps no state but the grid (every note is a function of its age).
#[derive(Debug, Clone)]
pub(super) struct Bass {
    grid: Grid,
    /// The note starting at each step, if any.
    note_at: [Option<u8>; super::parts::STEPS],
    limit_hz: f64,
}

impl Bass {
    pub fn new(grid: Grid) -> Self {
        let mut note_at = [None; super::parts::STEPS];
        for (i, n) in NOTES.iter().enumerate() {
            note_at[n.0] = Some(i as u8);
        }
        Self {
            grid,
            note_at,
            limit_hz: harmonic_limit_hz(grid.rate, TOP_HZ),
        }
    }

    /// The frame at loop position `pos`, before the stem's gain.
    pub fn frame(&mut self, pos: u64) -> (f64, f64) {
        let g = self.grid;
        let mut out = 0.0;
        for (step, frames) in g.recent(pos, LOOK_BACK) {
            let Some(i) = self.note_at[step] else {
                continue;
            };
            let (_, len, hz) = NOTES[i as usize];
            let t = g.seconds(frames);
            // The gate closes 35 ms before the next note; the release takes 25 ms.
            let gate_s = len as f64 * STEP_SECONDS - 0.035;
            if t < gate_s + 0.025 {
                out +=
                    self.note(t, hz) * gate(t, 0.004, gate_s, 0.025) * duck(t) * (-t / 3.0).exp();
            }
        }
        (out, out)
    }

    /// A saw's harmonics through a low-pass whose corner falls from 600 Hz to 150 Hz over
    /// the note (a plucked filter envelope).
    fn note(&self, t: f64, hz: f64) -> f64 {
        let corner_hz = 90.0 + 160.0 * (-t / 0.05).exp();
        let phase = TAU * (hz * t).fract();
        let n = ((self.limit_hz / hz) as usize).min(MAX_HARMONICS);
        harmonic_sum(phase, n, |k| {
            let f = k as f64 * hz;
            let x = f / corner_hz;
            band_taper(f, self.limit_hz) / (k as f64 * (1.0 + x.powi(4)).sqrt())
        })
    }
}

/// The bass's gain `t` seconds after a kick (every note starts with one): ducked by up to
/// 6 dB and back over about 100 ms, the sidechain compression pop mixes use so that kick and
/// bass do not pile up into one peak. They still collide: both fill the low end.
fn duck(t: f64) -> f64 {
    1.0 - 0.5 * (-t / 0.1).exp()
}
