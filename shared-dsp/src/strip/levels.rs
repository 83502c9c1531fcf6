//! Loudness and peaks of the Strip's output, at any sample rate.
//!
//! The loudness meter ([`LoudnessMeter`], on `ebur128`) runs from [`LOUDNESS_MIN_RATE_HZ`]
//! to [`LOUDNESS_MAX_RATE_HZ`] only. Outside that range the Strip still runs: loudness
//! reads `-inf` (the published snapshot shows the floor), sample and true peak come from a
//! [`TruePeakMeter`] of their own, and [`LoudnessStatus`] says why loudness is off.

use crate::frames::peak_magnitude;
use crate::loudness::{gain_to_db, LoudnessError, LoudnessMeter};
use crate::truepeak::TruePeakMeter;

/// Lowest sample rate the loudness meter runs at, Hz (what [`LoudnessMeter::new`] accepts;
/// a test checks the two agree).
pub const LOUDNESS_MIN_RATE_HZ: u32 = 8_000;
/// Highest sample rate the loudness meter runs at, Hz.
pub const LOUDNESS_MAX_RATE_HZ: u32 = 768_000;

/// Whether a Strip's loudness meters (momentary, short-term, integrated) run at its sample
/// rate, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoudnessStatus {
    /// The loudness meters run.
    On,
    /// Off: the sample rate is below [`LOUDNESS_MIN_RATE_HZ`].
    RateTooLow,
    /// Off: the sample rate is above [`LOUDNESS_MAX_RATE_HZ`].
    RateTooHigh,
}

impl LoudnessStatus {
    /// Whether the loudness meters run.
    pub fn is_on(self) -> bool {
        self == LoudnessStatus::On
    }

    /// Why the loudness meters are off, for a GUI ("below 8 kHz"); `None` when they run.
    pub fn off_reason(self) -> Option<&'static str> {
        match self {
            LoudnessStatus::On => None,
            LoudnessStatus::RateTooLow => Some("below 8 kHz"),
            LoudnessStatus::RateTooHigh => Some("above 768 kHz"),
        }
    }

    /// The line a GUI shows when the meters are off at `sample_rate_hz`, for example
    /// "Loudness meters off: 2 kHz is below 8 kHz"; `None` when they run.
    pub fn off_text(self, sample_rate_hz: f32) -> Option<String> {
        let reason = self.off_reason()?;
        let khz = format!("{:.3}", sample_rate_hz / 1000.0);
        let khz = khz.trim_end_matches('0').trim_end_matches('.');
        Some(format!("Loudness meters off: {khz} kHz is {reason}"))
    }

    /// The status as a small integer, for an atomic shared with a GUI.
    pub fn to_u8(self) -> u8 {
        match self {
            LoudnessStatus::On => 0,
            LoudnessStatus::RateTooLow => 1,
            LoudnessStatus::RateTooHigh => 2,
        }
    }

    /// The status [`LoudnessStatus::to_u8`] gave (`On` for anything else).
    pub fn from_u8(code: u8) -> Self {
        match code {
            1 => LoudnessStatus::RateTooLow,
            2 => LoudnessStatus::RateTooHigh,
            _ => LoudnessStatus::On,
        }
    }
}

/// The output's loudness and peaks: the loudness meter where it runs, a true-peak meter of
/// its own where it does not.
pub(super) struct OutputLevels {
    loudness: Option<LoudnessMeter>,
    status: LoudnessStatus,
    /// Used only while `loudness` is `None` (the loudness meter has its own).
    true_peak: TruePeakMeter,
    /// Largest sample (linear) since the sample peak was last taken; only while `loudness`
    /// is `None`.
    sample_peak_gain: f32,
    /// Largest sample (linear) since the true peak was last taken: its floor; only while
    /// `loudness` is `None`.
    true_peak_floor: f32,
}

impl OutputLevels {
    /// Levels of `num_channels` (1 or 2) at `sample_rate_hz`, any positive rate. The
    /// loudness meter gets the rate rounded to whole Hz (it takes an integer rate; the
    /// K-weighting differs by far less than its tolerance). Allocates.
    pub(super) fn new(sample_rate_hz: f32, num_channels: usize) -> Self {
        let rate = sample_rate_hz.round() as u32;
        let (loudness, status) = match LoudnessMeter::new(rate, num_channels) {
            Ok(meter) => (Some(meter), LoudnessStatus::On),
            Err(LoudnessError::UnsupportedSampleRate(_)) if rate < LOUDNESS_MIN_RATE_HZ => {
                (None, LoudnessStatus::RateTooLow)
            }
            // The only other refusal is the channel count, which the Strip checks first.
            Err(_) => (None, LoudnessStatus::RateTooHigh),
        };
        Self {
            loudness,
            status,
            true_peak: TruePeakMeter::new(sample_rate_hz),
            sample_peak_gain: 0.0,
            true_peak_floor: 0.0,
        }
    }

    /// Whether loudness is measured, and why not.
    pub(super) fn status(&self) -> LoudnessStatus {
        self.status
    }

    /// Forgets everything measured. Does not allocate.
    pub(super) fn reset(&mut self) {
        if let Some(meter) = self.loudness.as_mut() {
            meter.reset();
        }
        self.true_peak.reset();
        self.sample_peak_gain = 0.0;
        self.true_peak_floor = 0.0;
    }

    /// Measures a block of finite samples (`right` for a stereo Strip). Does not allocate.
    pub(super) fn process(&mut self, left: &[f32], right: Option<&[f32]>) {
        match self.loudness.as_mut() {
            Some(meter) => meter.process(left, right),
            None => {
                self.true_peak.process(left, right);
                let peak = peak_magnitude(left).max(right.map_or(0.0, peak_magnitude));
                self.sample_peak_gain = self.sample_peak_gain.max(peak);
                self.true_peak_floor = self.true_peak_floor.max(peak);
            }
        }
    }

    /// The largest momentary loudness since the previous call, LUFS; `-inf` when off (see
    /// [`LoudnessMeter::take_recent_momentary_lufs`]).
    pub(super) fn take_momentary_lufs(&mut self) -> f32 {
        self.loudness
            .as_mut()
            .map_or(f32::NEG_INFINITY, LoudnessMeter::take_recent_momentary_lufs)
    }

    /// Short-term loudness, LUFS; `-inf` when off.
    pub(super) fn shortterm_lufs(&self) -> f32 {
        self.loudness
            .as_ref()
            .map_or(f32::NEG_INFINITY, LoudnessMeter::shortterm_lufs)
    }

    /// Integrated loudness, LUFS; `-inf` when off.
    pub(super) fn integrated_lufs(&self) -> f32 {
        self.loudness
            .as_ref()
            .map_or(f32::NEG_INFINITY, LoudnessMeter::integrated_lufs)
    }

    /// Loudness range (EBU Tech 3342), LU; 0 when off or before enough audio.
    pub(super) fn loudness_range_lu(&self) -> f32 {
        self.loudness
            .as_ref()
            .map_or(0.0, LoudnessMeter::loudness_range_lu)
    }

    /// Largest sample peak (dBFS) since the last call, then starts over.
    pub(super) fn take_sample_peak_db(&mut self) -> f32 {
        match self.loudness.as_mut() {
            Some(meter) => meter.take_sample_peak_db(),
            None => gain_to_db(std::mem::take(&mut self.sample_peak_gain)),
        }
    }

    /// Largest true peak (dBTP) since the last call, then starts over.
    pub(super) fn take_true_peak_db(&mut self) -> f32 {
        match self.loudness.as_mut() {
            Some(meter) => meter.take_true_peak_db(),
            None => gain_to_db(
                self.true_peak
                    .take_peak()
                    .max(std::mem::take(&mut self.true_peak_floor)),
            ),
        }
    }
}
