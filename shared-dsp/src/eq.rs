//! The Stem Strip equaliser: high-pass, low shelf, three bells, high shelf, low-pass, in
//! that order, built from the matched biquads of [`crate::filter`]. Zero latency; no
//! allocation at all.

use crate::filter::cascade::{self, PairCoefs, PairState};
use crate::filter::{
    BiquadCoefs, BUTTERWORTH_Q_2, BUTTERWORTH_Q_4, BUTTERWORTH_Q_8, MAX_FREQ_RATIO,
};
use crate::frames::{self, Frame};

/// Slope of the high-pass and low-pass filters (Butterworth).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterSlope {
    /// 12 dB/oct: one second-order section.
    Db12,
    /// 24 dB/oct: two sections.
    Db24,
    /// 48 dB/oct: four sections.
    Db48,
}

impl FilterSlope {
    /// Butterworth Qs of the cascaded sections.
    pub fn qs(self) -> &'static [f32] {
        match self {
            Self::Db12 => &BUTTERWORTH_Q_2,
            Self::Db24 => &BUTTERWORTH_Q_4,
            Self::Db48 => &BUTTERWORTH_Q_8,
        }
    }
}

/// Settings of the high-pass or the low-pass filter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PassSettings {
    pub enabled: bool,
    /// Cutoff (-3 dB), Hz. A high-pass is clamped to 0.49 × the sample rate; a low-pass at
    /// or above it is off.
    pub freq_hz: f32,
    pub slope: FilterSlope,
}

/// Settings of a bell or a shelf.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandSettings {
    pub enabled: bool,
    /// Centre (bell) or midpoint (shelf) frequency, Hz.
    pub freq_hz: f32,
    /// Gain at the centre (bell) or of the whole shelf, dB.
    pub gain_db: f32,
    /// Quality factor (RBJ cookbook definition).
    pub q: f32,
}

/// Everything a user sets on the equaliser.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EqSettings {
    pub high_pass: PassSettings,
    pub low_shelf: BandSettings,
    pub bells: [BandSettings; 3],
    pub high_shelf: BandSettings,
    pub low_pass: PassSettings,
}

impl Default for EqSettings {
    /// Everything off: HP 30 Hz 24 dB/oct, LS 100 Hz 0 dB Q 0.707, bells 250/1000/4000 Hz
    /// 0 dB Q 1, HS 8 kHz 0 dB Q 0.707, LP 18 kHz 24 dB/oct.
    fn default() -> Self {
        let band = |freq_hz, q| BandSettings {
            enabled: false,
            freq_hz,
            gain_db: 0.0,
            q,
        };
        Self {
            high_pass: PassSettings {
                enabled: false,
                freq_hz: 30.0,
                slope: FilterSlope::Db24,
            },
            low_shelf: band(100.0, 0.707),
            bells: [band(250.0, 1.0), band(1000.0, 1.0), band(4000.0, 1.0)],
            high_shelf: band(8000.0, 0.707),
            low_pass: PassSettings {
                enabled: false,
                freq_hz: 18_000.0,
                slope: FilterSlope::Db24,
            },
        }
    }
}

/// Where a bell acts in a stereo image: on both channels, or (as mastering equalisers
/// offer) on the mid or the side signal only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Placement {
    /// Left and right alike.
    #[default]
    Stereo,
    /// The mid signal `(L + R) / 2` only.
    Mid,
    /// The side signal `(L - R) / 2` only.
    Side,
}

/// Number of second-order sections: 4 HP, LS, 3 bells, HS, 4 LP.
const NUM_SECTIONS: usize = 13;
const HP: usize = 0;
const LS: usize = 4;
const BELLS: usize = 5;
const HS: usize = 8;
const LP: usize = 9;

/// The equaliser. Create with [`Equalizer::new`], then [`Equalizer::set_sample_rate`] and
/// [`Equalizer::set_settings`]; nothing allocates.
#[derive(Clone)]
pub struct Equalizer {
    sample_rate_hz: f32,
    settings: EqSettings,
    /// Where each bell acts (see [`Equalizer::set_bell_placements`]).
    placements: [Placement; 3],
    coefs: [PairCoefs; NUM_SECTIONS],
    active: [bool; NUM_SECTIONS],
    states: [PairState; NUM_SECTIONS],
    /// Indices of the active sections, in processing order (first `num_active`).
    order: [u8; NUM_SECTIONS],
    num_active: usize,
}

impl Default for Equalizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Coefficients of one section, or `None` when it is bypassed (disabled, 0 dB, or a pass
/// filter's unused slot).
fn section_coefs(s: &EqSettings, sample_rate_hz: f32, index: usize) -> Option<BiquadCoefs> {
    let band = |b: &BandSettings, design: fn(f32, f32, f32, f32) -> BiquadCoefs| {
        (b.enabled && b.gain_db != 0.0).then(|| design(sample_rate_hz, b.freq_hz, b.gain_db, b.q))
    };
    let pass = |p: &PassSettings, i: usize, design: fn(f32, f32, f32) -> BiquadCoefs| {
        let qs = p.slope.qs();
        (p.enabled && i < qs.len()).then(|| design(sample_rate_hz, p.freq_hz, qs[i]))
    };
    match index {
        HP..=3 => pass(&s.high_pass, index - HP, BiquadCoefs::high_pass),
        LS => band(&s.low_shelf, BiquadCoefs::low_shelf),
        BELLS..=7 => band(&s.bells[index - BELLS], BiquadCoefs::bell),
        HS => band(&s.high_shelf, BiquadCoefs::high_shelf),
        // NOTE: a low-pass at or above MAX_FREQ_RATIO × the sample rate has next to nothing
        // left to cut, and its sections, clamped there and matched to the analog magnitude
        // at Nyquist each, would boost the passband (+7 dB at fs/8 at 24 dB/oct): off. This
        // is the case for the default 18 kHz at every rate below 36.7 kHz.
        _ => pass(&s.low_pass, index - LP, BiquadCoefs::low_pass)
            .filter(|_| s.low_pass.freq_hz < MAX_FREQ_RATIO * sample_rate_hz),
    }
}

/// Whether the settings that feed section `index` differ between `a` and `b`.
fn section_changed(a: &EqSettings, b: &EqSettings, index: usize) -> bool {
    match index {
        HP..=3 => a.high_pass != b.high_pass,
        LS => a.low_shelf != b.low_shelf,
        BELLS..=7 => a.bells[index - BELLS] != b.bells[index - BELLS],
        HS => a.high_shelf != b.high_shelf,
        _ => a.low_pass != b.low_pass,
    }
}

impl Equalizer {
    /// An equaliser at 48 kHz with [`EqSettings::default`] (everything off).
    pub fn new() -> Self {
        let mut eq = Self {
            sample_rate_hz: 48_000.0,
            settings: EqSettings::default(),
            placements: [Placement::Stereo; 3],
            coefs: [cascade::pair_coefs(&BiquadCoefs::identity()); NUM_SECTIONS],
            active: [false; NUM_SECTIONS],
            states: [PairState::default(); NUM_SECTIONS],
            order: [0; NUM_SECTIONS],
            num_active: 0,
        };
        eq.recompute(|_| true);
        eq
    }

    /// Sets the sample rate (Hz) and recomputes all coefficients.
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        self.recompute(|_| true);
    }

    /// The current settings.
    pub fn settings(&self) -> &EqSettings {
        &self.settings
    }

    /// Applies new settings, recomputing the coefficients only of the sections whose
    /// settings changed; a cheap no-op when nothing did. A section that comes back into
    /// use starts from a cleared state.
    pub fn set_settings(&mut self, s: &EqSettings) {
        if *s == self.settings {
            return;
        }
        let old = self.settings;
        self.settings = *s;
        self.recompute(|i| section_changed(&old, s, i));
    }

    /// Where the three bells act. With any bell on the mid or side, the caller feeds frames
    /// as `[mid, side]` (and converts back): lane 0 is then the mid signal, lane 1 the side,
    /// and a stereo section acts on both alike, which is the same as acting on left and
    /// right. A mono caller leaves its signal in lane 0, which a mid bell then shapes and a
    /// side bell leaves alone.
    pub fn set_bell_placements(&mut self, placements: [Placement; 3]) {
        if placements != self.placements {
            let old = self.placements;
            self.placements = placements;
            self.recompute(|i| {
                (BELLS..BELLS + 3).contains(&i) && old[i - BELLS] != placements[i - BELLS]
            });
        }
    }

    /// Whether any bell acts on the mid or side only (the caller then feeds mid/side frames).
    pub fn uses_mid_side(&self) -> bool {
        self.placements.iter().any(|&p| p != Placement::Stereo)
    }

    fn placement(&self, index: usize) -> Placement {
        if (BELLS..BELLS + 3).contains(&index) {
            self.placements[index - BELLS]
        } else {
            Placement::Stereo
        }
    }

    fn recompute(&mut self, changed: impl Fn(usize) -> bool) {
        for i in 0..NUM_SECTIONS {
            if !changed(i) {
                continue;
            }
            match section_coefs(&self.settings, self.sample_rate_hz, i) {
                Some(c) => {
                    if !self.active[i] {
                        self.states[i] = Default::default();
                    }
                    self.coefs[i] = match self.placement(i) {
                        Placement::Stereo => cascade::pair_coefs(&c),
                        Placement::Mid => cascade::lane0_coefs(&c),
                        Placement::Side => cascade::lane1_coefs(&c),
                    };
                    self.active[i] = true;
                }
                None => self.active[i] = false,
            }
        }
        self.num_active = 0;
        for i in 0..NUM_SECTIONS {
            if self.active[i] {
                self.order[self.num_active] = i as u8;
                self.num_active += 1;
            }
        }
    }

    /// Clears the signal history of every section.
    pub fn reset(&mut self) {
        self.states = [PairState::default(); NUM_SECTIONS];
    }

    /// Filters stereo frames (`[left, right]`; a mono caller leaves the right lane at 0) in
    /// place: the Strip's path. The input must be finite, and blocks should stay within a
    /// few hundred frames (tiny states are flushed to zero after each block, which keeps the
    /// filters free of denormals).
    #[inline]
    pub fn process_frames(&mut self, frames: &mut [Frame]) {
        if self.num_active > 0 {
            cascade::run(
                &self.coefs,
                &mut self.states,
                &self.order[..self.num_active],
                frames,
            );
        }
    }

    /// Filters a block in place: `left`, and `right` when given (over the common length).
    /// Any input gives finite output (see [`frames::process_planar`]). Same numbers as
    /// [`Equalizer::process_frames`].
    pub fn process(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        frames::process_planar(left, right, |f, _| self.process_frames(f));
    }

    /// Magnitude response of the whole equaliser with settings `s` at `freq_hz`, dB (for
    /// the GUI curve). Designs the sections on each call: cheap, but not for the audio
    /// thread.
    pub fn response_db(s: &EqSettings, sample_rate_hz: f32, freq_hz: f32) -> f32 {
        (0..NUM_SECTIONS)
            .filter_map(|i| section_coefs(s, sample_rate_hz, i))
            .map(|c| c.magnitude_db(sample_rate_hz, freq_hz))
            .sum()
    }

    /// [`Equalizer::response_db`] of the mid (`side == false`) or side signal when the bells
    /// are placed as `placements`: the sections that act on that signal.
    pub fn placed_response_db(
        s: &EqSettings,
        placements: [Placement; 3],
        side: bool,
        sample_rate_hz: f32,
        freq_hz: f32,
    ) -> f32 {
        let skipped = if side {
            Placement::Mid
        } else {
            Placement::Side
        };
        (0..NUM_SECTIONS)
            .filter(|&i| !(BELLS..BELLS + 3).contains(&i) || placements[i - BELLS] != skipped)
            .filter_map(|i| section_coefs(s, sample_rate_hz, i))
            .map(|c| c.magnitude_db(sample_rate_hz, freq_hz))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meters::sine_amplitude;
    use approx::assert_abs_diff_eq;
    use std::f64::consts::PI;

    fn sine(sr: f32, f: f32, n: usize, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (2.0 * PI * f as f64 * i as f64 / sr as f64).sin() as f32)
            .collect()
    }

    fn noise(n: usize) -> Vec<f32> {
        let mut state = 0x9e37_79b9u32;
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1 << 23) as f32 - 1.0
            })
            .collect()
    }

    fn busy() -> EqSettings {
        let mut s = EqSettings::default();
        s.high_pass.enabled = true;
        s.high_pass.slope = FilterSlope::Db48;
        s.low_shelf = BandSettings {
            enabled: true,
            freq_hz: 120.0,
            gain_db: 3.0,
            q: 0.707,
        };
        s.bells[0] = BandSettings {
            enabled: true,
            freq_hz: 400.0,
            gain_db: -4.0,
            q: 2.0,
        };
        s.bells[2] = BandSettings {
            enabled: true,
            freq_hz: 9000.0,
            gain_db: 5.0,
            q: 0.8,
        };
        s.high_shelf = BandSettings {
            enabled: true,
            freq_hz: 12_000.0,
            gain_db: -6.0,
            q: 1.0,
        };
        s.low_pass.enabled = true;
        s
    }

    #[test]
    fn default_settings_are_exact_identity() {
        let mut eq = Equalizer::new();
        eq.set_settings(&EqSettings::default());
        let input = noise(4096);
        let (mut l, mut r) = (input.clone(), input.clone());
        eq.process(&mut l, Some(&mut r));
        assert_eq!(l, input);
        assert_eq!(r, input);
        assert_eq!(
            Equalizer::response_db(&EqSettings::default(), 48_000.0, 1000.0),
            0.0
        );
    }

    #[test]
    fn block_and_frame_agree_and_reset_equals_fresh() {
        let input = noise(3000);
        let mut a = Equalizer::new();
        a.set_sample_rate(44_100.0);
        a.set_settings(&busy());
        let mut b = a.clone();
        let (mut l, mut r) = (
            input.clone(),
            input.iter().map(|x| -0.5 * x).collect::<Vec<_>>(),
        );
        a.process(&mut l, Some(&mut r));
        for i in 0..input.len() {
            let (mut fl, mut fr) = ([input[i]], [-0.5 * input[i]]);
            b.process(&mut fl, Some(&mut fr));
            assert_eq!([fl[0], fr[0]], [l[i], r[i]]);
        }
        let fresh = {
            let mut e = Equalizer::new();
            e.set_sample_rate(44_100.0);
            e.set_settings(&busy());
            let mut x = input.clone();
            e.process(&mut x, None);
            x
        };
        a.reset();
        let mut x = input.clone();
        a.process(&mut x, None);
        assert_eq!(x, fresh);
    }

    #[test]
    fn unchanged_settings_keep_coefficients() {
        let mut eq = Equalizer::new();
        eq.set_settings(&busy());
        let coefs = eq.coefs;
        let mut s = busy();
        s.bells[2].gain_db = 4.0;
        eq.set_settings(&s);
        for (i, (now, before)) in eq.coefs.iter().zip(&coefs).enumerate() {
            if i != BELLS + 2 {
                assert_eq!(now, before);
            }
        }
        assert_ne!(eq.coefs[BELLS + 2], coefs[BELLS + 2]);
    }

    #[test]
    fn response_db_matches_a_measured_sine() {
        let sr = 48_000.0;
        let mut eq = Equalizer::new();
        eq.set_settings(&busy());
        for f in [60.0f32, 400.0, 9000.0, 15_000.0] {
            eq.reset();
            let mut x = sine(sr, f, 48_000, 0.5);
            eq.process(&mut x, None);
            let measured = 20.0 * (sine_amplitude(&x[24_000..], sr, f) / 0.5).log10();
            assert_abs_diff_eq!(
                measured as f32,
                Equalizer::response_db(&busy(), sr, f),
                epsilon = 0.1
            );
        }
    }

    #[test]
    fn sample_rate_and_block_size_matrix() {
        let mut bell = EqSettings::default();
        bell.bells[1] = BandSettings {
            enabled: true,
            freq_hz: 1000.0,
            gain_db: 6.0,
            q: 1.0,
        };
        for sr in [
            22_050.0f32,
            44_100.0,
            48_000.0,
            96_000.0,
            192_000.0,
            384_000.0,
        ] {
            let n = (sr * 0.3) as usize;
            let window = (sr / 10.0) as usize;
            let input = sine(sr, 1000.0, n, 0.25);
            for block in [1usize, 17, 64, 512, 4096] {
                for (settings, expected_db) in [(EqSettings::default(), 0.0), (bell, 6.0)] {
                    let mut eq = Equalizer::new();
                    eq.set_sample_rate(sr);
                    eq.set_settings(&settings);
                    let mut l = input.clone();
                    let mut r = input.clone();
                    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                        eq.process(cl, Some(cr));
                    }
                    assert!(l.iter().chain(&r).all(|x| x.is_finite()));
                    if expected_db == 0.0 {
                        assert_eq!(l, input);
                    }
                    let gain = sine_amplitude(&l[n - window..], sr, 1000.0) / 0.25;
                    assert_abs_diff_eq!(20.0 * gain.log10(), expected_db, epsilon = 0.1);
                }
            }
        }
    }

    #[test]
    fn non_finite_and_denormal_input_recovers() {
        let mut eq = Equalizer::new();
        eq.set_settings(&busy());
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40, -1e-42] {
            let mut x = noise(256);
            x[100] = bad;
            let mut r = x.clone();
            eq.process(&mut x, Some(&mut r));
            assert!(x.iter().chain(&r).all(|v| v.is_finite()));
            let mut frame = [bad];
            let mut other = [f32::MAX];
            eq.process(&mut frame, Some(&mut other));
            assert!(frame.iter().chain(&other).all(|v| v.is_finite()));
            let mut clean = noise(512);
            eq.process(&mut clean, None);
            assert!(clean.iter().all(|v| v.is_finite() && v.abs() < 10.0));
        }
        let mut silent = vec![1e-39f32; 1024];
        eq.process(&mut silent, None);
        assert!(silent.iter().all(|v| *v == 0.0 || v.is_normal()));
    }

    /// A bell placed on the mid (side) acts on lane 0 (lane 1) of the frames only, which
    /// the caller fills with mid and side: a +12 dB bell lifts its own lane's sine by 12 dB
    /// and leaves the other lane exactly as it was.
    #[test]
    fn mid_and_side_bells_act_on_their_lane_only() {
        let sr = 48_000.0;
        let mut s = EqSettings::default();
        s.bells[0].enabled = true;
        s.bells[0].freq_hz = 1000.0;
        s.bells[0].gain_db = 12.0;
        let x = sine(sr, 1000.0, 24_000, 0.25);
        for (placement, lane) in [(Placement::Mid, 0), (Placement::Side, 1)] {
            let mut eq = Equalizer::new();
            eq.set_sample_rate(sr);
            eq.set_bell_placements([placement, Placement::Stereo, Placement::Stereo]);
            eq.set_settings(&s);
            let mut frames: Vec<Frame> = x.iter().map(|&v| [v as f64; 2]).collect();
            eq.process_frames(&mut frames);
            let lane_out = |k: usize| frames.iter().map(|f| f[k] as f32).collect::<Vec<_>>();
            let (bell, other) = (lane_out(lane), lane_out(1 - lane));
            let gain = 20.0 * (sine_amplitude(&bell[12_000..], sr, 1000.0) / 0.25).log10();
            assert_abs_diff_eq!(gain as f32, 12.0, epsilon = 0.1);
            assert_eq!(other, x, "{placement:?}: the other lane changed");
        }
    }
}
