//! Fixes sized to the problem: the smallest move that clears a warning when the engine's own
//! model re-runs with it.
//!
//! For a masked range of stem `s` named for masker `m`, the fix is, in this order of
//! preference:
//!
//! 1. **a cut on the masker**: a bell (the Strip's bell, RBJ cookbook peaking EQ) on the
//!    narrowest run of the masker's bands that clears the warning, grown from the band that
//!    adds most to the threshold in the range towards its larger neighbour; the smallest
//!    depth in 0.5 dB steps that clears it, at most [`MaskingConfig::max_cut_db`] = 12 dB
//!    when the bell spans an octave or less, at most [`MAX_WIDE_CUT_DB`] = 6 dB when it is
//!    wider (a 12 dB cut over two octaves is not a move anyone makes), and never wider than
//!    [`MAX_BELL_OCTAVES`];
//! 2. **a boost of the maskee** on the part of the range its role gives importance, at most
//!    [`MaskingConfig::max_boost_db`] = 6 dB, when that clears it;
//! 3. **a lower level** for the whole masker, at most [`MAX_LOWER_DB`], said as "lower the
//!    masker by about N dB, or move one of the parts";
//! 4. otherwise **move one of the parts**: no EQ move or level change within reach clears it.
//!
//! "Clears" means a fresh run would raise no warning for the range (step 10 of the module
//! docs): the move changes each band's better-ear target-to-mask ratio by some dB, computed
//! on the stems' smoothed masking powers, thresholds and energies with the bell's response
//! at each band centre; every sounding moment of the window, kept as a histogram of
//! deficits in 2 dB steps, is that much less short; the band stays masked while the
//! moments still short enough to count fill the share at which a flagged band keeps its
//! flag (30 % of its sounding time), and the range's loss of
//! audibility is taken on what they keep. A band short by 20 dB a third of the time and by
//! 2 dB the rest needs more than its 8 dB mean deficit.
//!
//! [`MaskingConfig::max_cut_db`]: crate::masking::MaskingConfig::max_cut_db
//! [`MaskingConfig::max_boost_db`]: crate::masking::MaskingConfig::max_boost_db

use crate::bands::{HIGH_EDGE_HZ, LOW_EDGE_HZ};
use crate::db::power_to_db;
use crate::masking::importance::LOW_IMPORTANCE;
use crate::masking::model::{db_to_power, FLOOR_DB};
use crate::masking::report::{FixAction, SuggestedFix};

use super::warnings::{MIN_AUDIBILITY_LOSS, SII_RANGE_DB};
use super::{deficit_of_bin, MaskingEngine, NB};

/// Deepest cut suggested on a bell wider than [`WIDE_OCTAVES`], dB.
pub const MAX_WIDE_CUT_DB: f32 = 6.0;
/// A bell wider than this (octaves between its half-gain points) is "wide".
pub const WIDE_OCTAVES: f32 = 1.0;
/// Widest bell suggested, octaves: beyond it a cut is a level change, suggested as one.
pub const MAX_BELL_OCTAVES: f32 = 3.0;
/// A move clears a range when the range would take less than this fraction of the
/// audibility a warning needs: the effect of a move is estimated on smoothed levels and 2 dB
/// deficit steps, and a fix that leaves the warning at its edge is no fix (the corpus,
/// `scripts/corpus/run.py`, applies every fix to the audio and runs the engine again).
pub const CLEAR_MARGIN: f32 = 0.3;
/// Largest level change suggested for the whole masker, dB.
pub const MAX_LOWER_DB: f32 = 20.0;

/// The RBJ cookbook Q of a bell whose half-gain points are `lo_hz` and `hi_hz`
/// (`1/Q = 2 sinh(ln 2 / 2 * BW)`, BW in octaves), within the Strip's 0.1 to 10.
pub fn bell_q(lo_hz: f32, hi_hz: f32) -> f32 {
    let bw = (hi_hz / lo_hz).log2().max(1e-3);
    (1.0 / (2.0 * (std::f32::consts::LN_2 * 0.5 * bw).sinh())).clamp(0.1, 10.0)
}

/// Power gain at `hz` of an analog RBJ peaking bell at `f0_hz` with `q` and `gain_db`:
/// `|H(jw)|^2` of `H(s) = (s^2 + s A/Q + 1) / (s^2 + s/(A Q) + 1)`, `A = 10^(gain/40)`.
pub fn bell_power_gain(hz: f32, f0_hz: f32, q: f32, gain_db: f32) -> f32 {
    bell_power_gain_a(hz, f0_hz, q, 10f32.powf(gain_db / 40.0))
}

/// [`bell_power_gain`] with `A = 10^(gain/40)` given.
#[inline]
fn bell_power_gain_a(hz: f32, f0_hz: f32, q: f32, a: f32) -> f32 {
    let w = hz / f0_hz;
    let d = (1.0 - w * w) * (1.0 - w * w);
    let num = d + (w * a / q) * (w * a / q);
    let den = d + (w / (a * q)) * (w / (a * q));
    if den > 0.0 {
        num / den
    } else {
        1.0
    }
}

/// How long a sized fix is kept before it is sized again while its range and masker stay
/// the same, seconds: the levels it is sized on are smoothed over a quarter of the window
/// (2.5 s), so a fix a few updates old is as good, and sizing every range at every update
/// would cost more than the rest of the update.
pub(super) const FIX_REFRESH_S: f64 = 0.5;

/// A fix sized for a range, and for which range and masker, and when.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CachedFix {
    valid: bool,
    masker: usize,
    last: usize,
    at_s: f64,
    fix: SuggestedFix,
}

impl MaskingEngine {
    /// The fix for the range `first..=last` of `s` named for `m`: sized again when the range
    /// or its masker changed, or when it is [`FIX_REFRESH_S`] old (the refreshes of a stem's
    /// ranges are staggered over the updates by their first band), else the one sized last.
    pub(super) fn cached_fix(
        &mut self,
        s: usize,
        m: usize,
        first: usize,
        last: usize,
    ) -> SuggestedFix {
        let c = self.fix_cache[s][first];
        if c.valid && c.masker == m && c.last == last && self.time_s - c.at_s < FIX_REFRESH_S {
            return c.fix;
        }
        let fix = self.size_fix(s, m, first, last);
        // Staggered: ranges starting at different bands fall due at different updates.
        let stagger = (first % 8) as f64 / 8.0 * FIX_REFRESH_S;
        let at_s = if c.valid {
            self.time_s
        } else {
            self.time_s - stagger
        };
        self.fix_cache[s][first] = CachedFix {
            valid: true,
            masker: m,
            last,
            at_s,
            fix,
        };
        fix
    }

    /// The importance-weighted audibility of `s` that the bands of `first..=last` named for
    /// `m` would take away with the masker's masking powers scaled by `masker_gain[b]`
    /// (power) and the maskee's energy raised by `maskee_gain_db[q]`, as a fresh run of the
    /// engine would judge it, before dividing by the importance of every band that matters
    /// (the caller does that once). Per band, the move changes the better-ear target-to-mask
    /// ratio on the smoothed model by some dB; every sounding moment of the window (the
    /// deficit histogram) is then that much less short: the band stays masked while the
    /// moments still short enough to count fill the hysteresis' lower share of its sounding
    /// time, and its loss is taken on the deficit they keep.
    fn loss_with(
        &self,
        s: usize,
        m: usize,
        first: usize,
        last: usize,
        masker_gain: &[f32; NB],
        maskee_gain_db: &[f32; NB],
    ) -> f32 {
        let spread = &self.kernels.spread;
        let pm = &self.slot_mask_power[m];
        let ts = &self.slot_threshold[s];
        let es = &self.slot_energy[s];
        let role = self.slot_role[s];
        let cfg = &self.config;
        // Only the masker bands the move changes (a bell leaves the far bands alone).
        let mut moved = [0u8; NB];
        let mut num_moved = 0;
        for (b, g) in masker_gain.iter().enumerate() {
            if *g < 0.999 {
                moved[num_moved] = b as u8;
                num_moved += 1;
            }
        }
        let moved = &moved[..num_moved];
        let mut loss = 0.0f32;
        for q in first..=last {
            if self.warn_masker(s, q) as usize != m {
                continue;
            }
            let (mut ratio, mut ratio_after) = (0.0f32, 0.0f32);
            for c in 0..2 {
                let removed: f32 = moved
                    .iter()
                    .map(|&b| {
                        let b = b as usize;
                        (1.0 - masker_gain[b]) * pm[c][b] * spread[b * NB + q]
                    })
                    .sum();
                let t_after = (ts[c][q] - removed).max(self.kernels.quiet_power[q]);
                ratio = ratio.max(es[c][q] / ts[c][q]);
                ratio_after = ratio_after.max(es[c][q] / t_after);
            }
            let gained = (power_to_db(ratio_after, FLOOR_DB) - power_to_db(ratio, FLOOR_DB)
                + maskee_gain_db[q])
                .max(0.0);
            let importance = self.compiled.terms(role, q).importance;
            let (mut masked_s, mut short_s) = (0.0f32, 0.0f32);
            for (bin, &t) in self.win_hist_s[s][q].iter().enumerate().skip(1) {
                let short = deficit_of_bin(bin) - gained;
                if short * importance >= cfg.masked_when_short_db {
                    masked_s += t;
                    short_s += t * short;
                }
            }
            // Still masked while the moments still short fill the share a flagged band keeps
            // its flag at (the hysteresis' lower share): a band left at the edge is not
            // cleared.
            let share = masked_s / self.win_active_s[s][q].max(cfg.min_evidence_s);
            if share >= cfg.off_share && masked_s > 0.0 {
                loss += importance * (short_s / masked_s / SII_RANGE_DB).clamp(0.0, 1.0);
            }
        }
        loss
    }

    /// The fix for the range `first..=last` of `s` masked by `m` (see the module docs).
    /// Does not allocate.
    pub(super) fn size_fix(&self, s: usize, m: usize, first: usize, last: usize) -> SuggestedFix {
        let edges = &self.layout.edges_hz;
        let centers = &self.layout.centers_hz;
        let none_db = [0.0f32; NB];
        let unity = [1.0f32; NB];
        // A move clears the range when it would take less than the audibility a warning needs,
        // with [`CLEAR_MARGIN`] to spare (`loss_with` before its division by `total`).
        let total = self.importance_total(s);
        let clears = |loss: f32| total <= 0.0 || loss < MIN_AUDIBILITY_LOSS * CLEAR_MARGIN * total;
        let bell = |stem: usize, action, lo: usize, hi: usize, gain_db: f32| {
            let (lo_hz, hi_hz) = (edges[lo], edges[hi + 1]);
            SuggestedFix {
                stem_id: self.slot_id[stem],
                action,
                lo_hz,
                hi_hz,
                center_hz: (lo_hz * hi_hz).sqrt(),
                q: bell_q(lo_hz, hi_hz),
                gain_db,
            }
        };
        // Smallest multiple of 0.5 dB in 0.5..=limit for which `ok` holds (it is monotonic).
        let smallest = |limit: f32, ok: &dyn Fn(f32) -> bool| -> Option<f32> {
            let steps = (limit * 2.0).floor() as u32;
            if steps == 0 || !ok(steps as f32 * 0.5) {
                return None;
            }
            let (mut lo, mut hi) = (0u32, steps); // ok(hi), !ok(lo) (lo = 0 is no change)
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if ok(mid as f32 * 0.5) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            Some(hi as f32 * 0.5)
        };

        // 1. A bell cut on the masker's bands, narrowest first.
        let contrib = self.masker_contribution(s, m, first, last);
        if contrib.iter().sum::<f32>() > 0.0 {
            let mut lo = (0..NB).fold(
                0,
                |best, b| if contrib[b] > contrib[best] { b } else { best },
            );
            let mut hi = lo;
            loop {
                let (lo_hz, hi_hz) = (edges[lo], edges[hi + 1]);
                let octaves = (hi_hz / lo_hz).log2();
                if octaves > MAX_BELL_OCTAVES {
                    break;
                }
                let limit = if octaves <= WIDE_OCTAVES {
                    self.config.max_cut_db
                } else {
                    MAX_WIDE_CUT_DB.min(self.config.max_cut_db)
                };
                let (f0, q) = ((lo_hz * hi_hz).sqrt(), bell_q(lo_hz, hi_hz));
                let with_cut = |cut: f32| {
                    let a = 10f32.powf(-cut / 40.0);
                    let mut g = [1.0f32; NB];
                    for (b, x) in g.iter_mut().enumerate() {
                        *x = bell_power_gain_a(centers[b], f0, q, a);
                    }
                    clears(self.loss_with(s, m, first, last, &g, &none_db))
                };
                if let Some(cut) = smallest(limit, &with_cut) {
                    return bell(m, FixAction::Cut, lo, hi, -cut);
                }
                if lo == 0 && hi == NB - 1 {
                    break;
                }
                let below = if lo > 0 { contrib[lo - 1] } else { -1.0 };
                let above = if hi + 1 < NB { contrib[hi + 1] } else { -1.0 };
                if above >= below {
                    hi += 1;
                } else {
                    lo -= 1;
                }
            }
        }

        // 2. A boost of the maskee where its role gives the bands importance.
        let important = |q: usize| {
            self.warn_masker(s, q) as usize == m
                && self.compiled.terms(self.slot_role[s], q).importance >= LOW_IMPORTANCE
        };
        if let Some(lo) = (first..=last).find(|&q| important(q)) {
            let hi = (first..=last).rev().find(|&q| important(q)).unwrap_or(lo);
            let (lo_hz, hi_hz) = (edges[lo], edges[hi + 1]);
            let (f0, q) = ((lo_hz * hi_hz).sqrt(), bell_q(lo_hz, hi_hz));
            let with_boost = |boost: f32| {
                let mut g = [0.0f32; NB];
                for (k, x) in g.iter_mut().enumerate() {
                    *x = power_to_db(bell_power_gain(centers[k], f0, q, boost), FLOOR_DB);
                }
                clears(self.loss_with(s, m, first, last, &unity, &g))
            };
            if let Some(boost) = smallest(self.config.max_boost_db, &with_boost) {
                return bell(s, FixAction::Boost, lo, hi, boost);
            }
        }

        // 3. The whole masker quieter.
        let with_lower = |cut: f32| {
            let g = [db_to_power(-cut); NB];
            clears(self.loss_with(s, m, first, last, &g, &none_db))
        };
        let whole = |action, gain_db| SuggestedFix {
            stem_id: self.slot_id[m],
            action,
            lo_hz: LOW_EDGE_HZ,
            hi_hz: HIGH_EDGE_HZ,
            center_hz: (LOW_EDGE_HZ * HIGH_EDGE_HZ).sqrt(),
            q: 0.0,
            gain_db,
        };
        match smallest(MAX_LOWER_DB, &with_lower) {
            Some(cut) => whole(FixAction::Lower, -cut),
            // 4. Nothing within reach.
            None => whole(FixAction::Move, 0.0),
        }
    }

    /// Per masker band `b`, its part of the threshold of `s` over the bands of
    /// `first..=last` named for `m`, each weighted by its mean deficit: where a cut on the
    /// masker acts on the range. All zero when the masker adds nothing there now.
    fn masker_contribution(&self, s: usize, m: usize, first: usize, last: usize) -> [f32; NB] {
        let spread = &self.kernels.spread;
        let pm = &self.slot_mask_power[m];
        let ts = &self.slot_threshold[s];
        let mut contrib = [0.0f32; NB];
        for q in first..=last {
            if self.warn_masker(s, q) as usize != m {
                continue;
            }
            let w = self.mean_short_db[s][q].max(0.0);
            for c in 0..2 {
                let inv = w / ts[c][q];
                for (b, x) in contrib.iter_mut().enumerate() {
                    *x += pm[c][b] * spread[b * NB + q] * inv;
                }
            }
        }
        if contrib.iter().all(|x| x.is_finite()) {
            contrib
        } else {
            [0.0; NB]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bell_reaches_its_gain_at_the_centre_and_half_at_the_edges() {
        let (lo, hi) = (1000.0f32, 4000.0f32);
        let (f0, q) = ((lo * hi).sqrt(), bell_q(lo, hi));
        let db = |f: f32| 10.0 * bell_power_gain(f, f0, q, -6.0).log10();
        assert!((db(f0) + 6.0).abs() < 1e-3, "{}", db(f0));
        assert!((db(lo) + 3.0).abs() < 0.05, "{}", db(lo));
        assert!((db(hi) + 3.0).abs() < 0.05, "{}", db(hi));
        assert!(db(100.0) > -0.2 && db(20_000.0) > -0.2);
        // One octave is Q 1.41 (the cookbook's figure).
        assert!((bell_q(1000.0, 2000.0) - 1.414).abs() < 0.01);
    }
}
