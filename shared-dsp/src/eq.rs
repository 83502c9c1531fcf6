//! The Stem Strip equaliser: high-pass, low shelf, three bells, high shelf, low-pass, in
//! that order, built from the matched biquads of [`crate::filter`]. Zero latency; no
//! allocation at all.

use crate::filter::{BiquadCoefs, BiquadState, BUTTERWORTH_Q_2, BUTTERWORTH_Q_4, BUTTERWORTH_Q_8};

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
    /// Cutoff (-3 dB), Hz. Clamped to 0.49 × the sample rate.
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

/// Channels the equaliser processes at most.
pub const MAX_CHANNELS: usize = 2;

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
    coefs: [BiquadCoefs; NUM_SECTIONS],
    active: [bool; NUM_SECTIONS],
    states: [[BiquadState; MAX_CHANNELS]; NUM_SECTIONS],
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
        _ => pass(&s.low_pass, index - LP, BiquadCoefs::low_pass),
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
            coefs: [BiquadCoefs::identity(); NUM_SECTIONS],
            active: [false; NUM_SECTIONS],
            states: [[BiquadState::default(); MAX_CHANNELS]; NUM_SECTIONS],
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
                    self.coefs[i] = c;
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
        self.states = [[BiquadState::default(); MAX_CHANNELS]; NUM_SECTIONS];
    }

    /// Filters one frame in place; `num_channels` (1 or 2, clamped) channels of it.
    #[inline]
    pub fn process_frame(&mut self, frame: &mut [f32; 2], num_channels: usize) {
        let n = num_channels.min(MAX_CHANNELS);
        for &i in &self.order[..self.num_active] {
            let i = i as usize;
            let c = &self.coefs[i];
            for (x, st) in frame[..n].iter_mut().zip(self.states[i].iter_mut()) {
                *x = st.process(c, *x);
            }
        }
    }

    /// Filters a block in place: `left`, and `right` when given (over the common length).
    /// Same math as [`Equalizer::process_frame`], section by section.
    pub fn process(&mut self, left: &mut [f32], mut right: Option<&mut [f32]>) {
        for &i in &self.order[..self.num_active] {
            let i = i as usize;
            let c = self.coefs[i];
            let [st_l, st_r] = &mut self.states[i];
            match right.as_deref_mut() {
                Some(r) => {
                    for (l, r) in left.iter_mut().zip(r.iter_mut()) {
                        *l = st_l.process(&c, *l);
                        *r = st_r.process(&c, *r);
                    }
                }
                None => {
                    for l in left.iter_mut() {
                        *l = st_l.process(&c, *l);
                    }
                }
            }
        }
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
}
