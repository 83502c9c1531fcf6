//! The drum stem: kick on 1 and 3 (and the "and" of 3 in bars 2 and 4), snare on 2 and 4,
//! closed hats on the eighths without a kick (offbeats accented), alternating a little left
//! and right.

use std::f64::consts::TAU;

use super::parts::{decay, noise, rise, step_mask, Fourth, Grid, Section};

const KICKS: u64 = step_mask(&[0, 8, 16, 24, 26, 32, 40, 48, 56, 58]);
const SNARES: u64 = step_mask(&[4, 12, 20, 28, 36, 44, 52, 60]);
/// Eighth notes, but not on the kicks.
const HATS: u64 = 0x5555_5555_5555_5555 & !KICKS;

const KICK_S: f64 = 1.0;
const SNARE_S: f64 = 0.5;
const HAT_S: f64 = 0.25;
/// Steps to look back for voices still sounding (the kick's 1 s is 8 steps).
const LOOK_BACK: usize = 8;

const SEED_CLICK: u64 = 0x4b49_434b;
const SEED_SNARE: u64 = 0x534e_4152;
const SEED_HAT: u64 = 0x4841_5453;
const SEED_HAT_SIDE: u64 = 0x5349_4445;

/// The drum kit's state: only the filters on its noise.
#[derive(Debug, Clone)]
pub(super) struct Drums {
    grid: Grid,
    click_lp: Fourth,
    snare_hp: Section,
    snare_lp: Fourth,
    hat_hp: [Fourth; 2],
    hat_lp: [Section; 2],
}

impl Drums {
    pub fn new(grid: Grid) -> Self {
        let rate = grid.rate;
        let hat_lp = Section::low_pass(rate, 16_000.0, std::f64::consts::FRAC_1_SQRT_2);
        Self {
            grid,
            click_lp: Fourth::low_pass(rate, 4_000.0),
            snare_hp: Section::high_pass(rate, 900.0, std::f64::consts::FRAC_1_SQRT_2),
            snare_lp: Fourth::low_pass(rate, 9_000.0),
            hat_hp: [Fourth::high_pass(rate, 7_000.0_f64.min(0.3 * rate)); 2],
            hat_lp: [hat_lp; 2],
        }
    }

    /// The frame at loop position `pos`, before the stem's gain.
    pub fn frame(&mut self, pos: u64) -> (f64, f64) {
        let g = self.grid;
        let (mut kicks, mut body, mut click, mut snare_noise) = (0.0, 0.0, 0.0, 0.0);
        let mut hat = [0.0; 2];
        for (step, frames) in g.recent(pos, LOOK_BACK) {
            let t = g.seconds(frames);
            let bit = 1u64 << step;
            if KICKS & bit != 0 && t < KICK_S {
                kicks += kick(t);
                click += 0.15 * noise(SEED_CLICK, step as u64, frames) * (-t / 0.0012).exp();
            }
            if SNARES & bit != 0 && t < SNARE_S {
                let tone = 0.6 * (TAU * 185.0 * t).sin();
                body += 0.25 * tone * decay(t, 0.04, SNARE_S) * rise(t / 0.001);
                snare_noise +=
                    0.22 * noise(SEED_SNARE, step as u64, frames) * decay(t, 0.08, SNARE_S);
            }
            if HATS & bit != 0 && t < HAT_S {
                // Offbeat eighths accented; hits alternate a little left and right.
                let accent = if step % 4 == 2 { 1.0 } else { 0.35 };
                let pan = if step % 8 < 4 {
                    [1.1, 0.85]
                } else {
                    [0.85, 1.1]
                };
                let env = 0.45 * accent * decay(t, 0.03, HAT_S);
                let common = noise(SEED_HAT, step as u64, frames);
                let side = noise(SEED_HAT_SIDE, step as u64, frames);
                hat[0] += env * pan[0] * (0.85 * common + 0.5 * side);
                hat[1] += env * pan[1] * (0.85 * common - 0.5 * side);
            }
        }
        let mono = saturate(kicks)
            + body
            + self.click_lp.process(click)
            + self.snare_lp.process(self.snare_hp.process(snare_noise));
        let side: [f64; 2] =
            std::array::from_fn(|c| self.hat_lp[c].process(self.hat_hp[c].process(hat[c])));
        (mono + side[0], mono + side[1])
    }
}

/// The kick's body at `t` seconds: a sine swept from 100 Hz down to 45 Hz (time constant
/// 30 ms), decaying with 250 ms.
fn kick(t: f64) -> f64 {
    const SWEEP_S: f64 = 0.03;
    let cycles = 45.0 * t + 55.0 * SWEEP_S * (1.0 - (-t / SWEEP_S).exp());
    (TAU * cycles).sin() * decay(t, 0.18, KICK_S)
}

/// The kick channel's saturation (tanh, unity gain for small signals' slope scaled so that
/// full scale stays full scale): a rounder, denser kick with a third harmonic and a lower
/// crest factor, and kicks that overlap cannot add up past full scale.
fn saturate(x: f64) -> f64 {
    const DRIVE: f64 = 1.5;
    (DRIVE * x).tanh() / DRIVE.tanh()
}
