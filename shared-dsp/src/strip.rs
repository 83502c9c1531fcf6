//! The whole Stem Strip chain, framework-free, so the plugin, the command-line tool, the tests
//! and the benchmarks run the same code:
//!
//! input sanitiser → trim and polarity → EQ → compressor → width → output gain (plus the
//! Master's gain request) → analysis of the output (loudness, true peak, RMS, correlation,
//! band spectrum), published as a [`StemSnapshot`] every [`SNAPSHOT_SECONDS`].
//!
//! It runs at any positive sample rate. The loudness meter runs from 8 kHz to 768 kHz only;
//! outside that range loudness reads `-inf` (the floor in snapshots), everything else works,
//! and [`Strip::loudness_status`] says why (see [`LoudnessStatus`]).
//!
//! Bypass ([`Strip::set_bypass`]) crossfades to the input over [`BYPASS_FADE_SECONDS`]
//! (equal-gain: the Strip has no latency). The processing keeps running underneath, so that switching back is
//! seamless, and the analysis always describes the output: while bypassed, that is the
//! input. The input meter still reads the input after trim; gain reduction reads 0 once the
//! fade is done (the compressor is not heard).
//!
//! Smoothing: every continuous setting ramps linearly over [`RAMP_SECONDS`] on a control grid
//! of [`CONTROL_INTERVAL`] samples (frequencies on a log2 scale, everything else as is). The
//! grid's phase persists across calls, so splitting audio into blocks of any size gives
//! bit-identical output. Filter coefficients are recomputed only on ticks where something is
//! still ramping, and then only for the sections whose settings moved. Gains (trim, output,
//! width) are interpolated per sample between ticks so they never zipper.

use crate::dynamics::Compressor;
use crate::eq::Equalizer;
use crate::frames::{finite_or_zero, max_finite, sanitize, Frame};
use crate::loudness::gain_to_db;
use crate::meters::StereoMeter;
use crate::role::StemRole;
use crate::snapshot::{clamp_db, StemName, StemSnapshot, TransportPosition};
use crate::spectrum::BandSpectrum;
use crate::width;
use bypass::BypassFade;
use levels::OutputLevels;
use settings::{from_vector, same_switches, to_vector, NUM_CONTINUOUS, OUTPUT, TRIM, WIDTH};

mod bypass;
mod levels;
pub(crate) mod settings;

pub use bypass::BYPASS_FADE_SECONDS;

pub use levels::{LoudnessStatus, LOUDNESS_MAX_RATE_HZ, LOUDNESS_MIN_RATE_HZ};
pub use settings::StripSettings;

/// Samples between control ticks.
pub const CONTROL_INTERVAL: usize = 32;
/// Duration of a setting's ramp, in seconds.
pub const RAMP_SECONDS: f32 = 0.02;
/// Time between published snapshots, in seconds (40 Hz).
pub const SNAPSHOT_SECONDS: f32 = 0.025;
pub use crate::frames::MAX_INPUT_MAGNITUDE;

/// Errors from setting up a [`Strip`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StripError {
    /// The channel count is not 1 or 2.
    UnsupportedChannels(usize),
    /// The sample rate is not a positive finite number of Hz.
    InvalidSampleRate(f32),
}

impl std::fmt::Display for StripError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StripError::UnsupportedChannels(n) => {
                write!(
                    f,
                    "{n} channels given to the Strip; it processes mono or stereo"
                )
            }
            StripError::InvalidSampleRate(rate) => {
                write!(
                    f,
                    "sample rate {rate} Hz given to the Strip; it needs a positive rate"
                )
            }
        }
    }
}

impl std::error::Error for StripError {}

/// Meter readings the GUI shows that the snapshot does not carry (the output's sample peak
/// and the compressor's gain reduction are in the snapshot: [`Strip::take_snapshot`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StripMeters {
    /// Largest input sample (after trim) since the last read, dBFS.
    pub input_peak_db: f32,
    /// Integrated loudness of the output since the last reset, LUFS (`-inf` while the
    /// loudness meters are off).
    pub integrated_lufs: f32,
}

/// The Stem Strip's processing and analysis.
pub struct Strip {
    sample_rate_hz: f32,
    num_channels: usize,
    target: StripSettings,
    target_vector: [f32; NUM_CONTINUOUS],
    current: [f32; NUM_CONTINUOUS],
    step: [f32; NUM_CONTINUOUS],
    ticks_left: usize,
    ramp_ticks: usize,
    /// Samples into the current control period.
    phase: usize,
    /// Per-sample gains at the start of this control period.
    gains_from: [f32; 3],
    /// Scratch: the current control period's frames.
    frames: [Frame; CONTROL_INTERVAL],
    eq: Equalizer,
    compressor: Compressor,
    /// Loudness (where the rate allows) and peaks of the output.
    levels: OutputLevels,
    /// The bypass crossfade and the current period's dry input.
    bypass: BypassFade,
    meter: StereoMeter,
    spectrum: BandSpectrum,
    snapshot_interval: usize,
    since_snapshot: usize,
    snapshot_due: bool,
    /// Whether the output is analysed (see [`Strip::set_analysis`]).
    analysis: bool,
    input_peak: f32,
    /// Largest compressor gain reduction heard since the last snapshot, dB (positive).
    gain_reduction_db: f32,
}

impl Strip {
    /// A Strip for `num_channels` (1 or 2) at `sample_rate_hz`, any positive rate (from
    /// 1 kHz to 768 kHz and fractional rates are tested); fails only for another channel
    /// count or a rate that is not positive. Where the loudness meter cannot run, the Strip
    /// runs without it (see [`Strip::loudness_status`]). Allocates; call from a plugin's
    /// `initialize()`.
    pub fn new(sample_rate_hz: f32, num_channels: usize) -> Result<Self, StripError> {
        if !(1..=2).contains(&num_channels) {
            return Err(StripError::UnsupportedChannels(num_channels));
        }
        if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
            return Err(StripError::InvalidSampleRate(sample_rate_hz));
        }
        let levels = OutputLevels::new(sample_rate_hz, num_channels);
        let target = StripSettings::default();
        let v = to_vector(&target);
        let mut eq = Equalizer::new();
        eq.set_sample_rate(sample_rate_hz);
        let mut compressor = Compressor::new();
        compressor.set_sample_rate(sample_rate_hz);
        let mut strip = Self {
            sample_rate_hz,
            num_channels,
            target,
            target_vector: v,
            current: v,
            step: [0.0; NUM_CONTINUOUS],
            ticks_left: 0,
            ramp_ticks: ((RAMP_SECONDS * sample_rate_hz) as usize / CONTROL_INTERVAL).max(1),
            phase: 0,
            gains_from: [v[TRIM], v[OUTPUT], v[WIDTH]],
            frames: [[0.0; 2]; CONTROL_INTERVAL],
            eq,
            compressor,
            levels,
            bypass: BypassFade::new(sample_rate_hz),
            meter: StereoMeter::new(sample_rate_hz),
            spectrum: BandSpectrum::new(sample_rate_hz),
            snapshot_interval: ((SNAPSHOT_SECONDS * sample_rate_hz) as usize).max(1),
            since_snapshot: 0,
            snapshot_due: false,
            analysis: true,
            input_peak: 0.0,
            gain_reduction_db: 0.0,
        };
        strip.apply_current();
        Ok(strip)
    }

    /// Sample rate in Hz.
    pub fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }

    /// Number of channels processed (1 or 2).
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Bypasses the Strip (`true`) or brings it back: the output crossfades between the
    /// processed signal and the input over [`BYPASS_FADE_SECONDS`]. Does not allocate.
    pub fn set_bypass(&mut self, bypassed: bool) {
        self.bypass.set(bypassed);
    }

    /// Whether the Strip is bypassed (or fading there).
    pub fn is_bypassed(&self) -> bool {
        self.bypass.is_bypassed()
    }

    /// Samples the bypass crossfade takes at this sample rate: that many samples after
    /// [`Strip::set_bypass`] the output is entirely the input (or the processed signal).
    pub fn bypass_fade_samples(&self) -> usize {
        bypass::fade_samples(self.sample_rate_hz) as usize
    }

    /// Whether the loudness meters run at this sample rate, and why not.
    pub fn loudness_status(&self) -> LoudnessStatus {
        self.levels.status()
    }

    /// Sets what the settings should become; continuous ones ramp there over
    /// [`RAMP_SECONDS`], switches change at once. Cheap when nothing changed. Does not allocate.
    pub fn set_target(&mut self, settings: &StripSettings) {
        if *settings == self.target {
            return;
        }
        let switches_changed = !same_switches(settings, &self.target);
        self.target = *settings;
        self.target_vector = to_vector(settings);
        let mut any = false;
        for i in 0..NUM_CONTINUOUS {
            let delta = self.target_vector[i] - self.current[i];
            self.step[i] = delta / self.ramp_ticks as f32;
            any |= delta != 0.0;
        }
        if any {
            self.ticks_left = self.ramp_ticks;
        }
        if switches_changed {
            self.apply_current();
        }
    }

    /// Jumps to the target at once, skipping the ramp and the bypass fade (for a host's
    /// state load while stopped).
    pub fn snap_to_target(&mut self) {
        self.bypass.snap();
        self.current = self.target_vector;
        self.ticks_left = 0;
        self.gains_from = [
            self.current[TRIM],
            self.current[OUTPUT],
            self.current[WIDTH],
        ];
        self.apply_current();
    }

    fn apply_current(&mut self) {
        let (eq, comp) = from_vector(&self.current, &self.target);
        self.eq.set_settings(&eq);
        self.compressor.set_settings(&comp);
    }

    /// Forgets all signal history (filters, detector, meters); settings jump to the target.
    /// Does not allocate.
    pub fn reset(&mut self) {
        self.phase = 0;
        self.snap_to_target();
        self.eq.reset();
        self.compressor.reset();
        self.levels.reset();
        self.meter.reset();
        self.spectrum.reset();
        self.since_snapshot = 0;
        self.snapshot_due = false;
        self.input_peak = 0.0;
        self.gain_reduction_db = 0.0;
    }

    /// Processes a block in place: `right` must be given for a stereo Strip and is ignored
    /// (may be `None`) for a mono one. Any input gives finite output. Does not allocate.
    pub fn process(&mut self, left: &mut [f32], mut right: Option<&mut [f32]>) {
        let stereo = self.num_channels == 2 && right.is_some();
        let len = match right.as_deref() {
            Some(r) if stereo => left.len().min(r.len()),
            _ => left.len(),
        };
        let mut start = 0;
        while start < len {
            let take = (CONTROL_INTERVAL - self.phase).min(len - start);
            let l = &mut left[start..start + take];
            let r = right
                .as_deref_mut()
                .filter(|_| stereo)
                .map(|r| &mut r[start..start + take]);
            self.process_chunk(l, r);
            start += take;
        }
        if self.analysis {
            let right = right.as_deref().filter(|_| stereo).map(|r| &r[..len]);
            self.analyse(&left[..len], right);
        }
    }

    /// Switches the analysis of the output (loudness, peaks, RMS, correlation, spectrum) on
    /// (the default) or off. Off, the audio is the same and the meters and snapshots stand
    /// still: for offline rendering, where nobody reads them (the analysis is more than half
    /// of the Strip's time). Does not allocate.
    pub fn set_analysis(&mut self, on: bool) {
        self.analysis = on;
    }

    /// Processes samples that lie within one control period: trim into stereo frames, then
    /// each section over all of them (see [`crate::frames`]), then width and output.
    fn process_chunk(&mut self, left: &mut [f32], mut right: Option<&mut [f32]>) {
        if self.phase == 0 {
            self.gains_from = [
                self.current[TRIM],
                self.current[OUTPUT],
                self.current[WIDTH],
            ];
            if self.ticks_left > 0 {
                self.ticks_left -= 1;
                if self.ticks_left == 0 {
                    self.current = self.target_vector;
                } else {
                    for i in 0..NUM_CONTINUOUS {
                        self.current[i] += self.step[i];
                    }
                }
                self.apply_current();
            }
        }
        let dry_needed = self.bypass.dry_needed();
        if dry_needed {
            self.bypass.capture(left, right.as_deref());
        }
        // While fully bypassed the compressor's gain reduction is not heard: not reported.
        let compressor_heard = !self.bypass.fully_bypassed();
        // Per-sample gains: a linear ramp across the control period, `from + (to - from) t`,
        // which is exactly `to` while nothing moves.
        let from = self.gains_from;
        let delta: [f32; 3] = std::array::from_fn(|k| self.current[k] - from[k]);
        let t0 = (self.phase + 1) as f32;
        let ramp =
            |k: usize, i: usize| from[k] + delta[k] * ((t0 + i as f32) / CONTROL_INTERVAL as f32);
        let frames = &mut self.frames[..left.len()];
        let mut peak = self.input_peak;
        match right.as_deref() {
            Some(r) => {
                for (i, (f, (&l, &r))) in frames.iter_mut().zip(left.iter().zip(r)).enumerate() {
                    let trim = ramp(TRIM, i);
                    let (l, r) = (sanitize(l) * trim, sanitize(r) * trim);
                    peak = max_finite(peak, max_finite(l.abs(), r.abs()));
                    *f = [l as f64, r as f64];
                }
            }
            None => {
                for (i, (f, &l)) in frames.iter_mut().zip(left.iter()).enumerate() {
                    let l = sanitize(l) * ramp(TRIM, i);
                    peak = max_finite(peak, l.abs());
                    *f = [l as f64, 0.0];
                }
            }
        }
        self.input_peak = peak;
        self.eq.process_frames(frames);
        if self.target.compressor.enabled {
            let channels = if right.is_some() { 2 } else { 1 };
            self.compressor.process_frames(frames, channels);
            let gr = self.compressor.take_max_gain_reduction_db();
            if compressor_heard {
                self.gain_reduction_db = self.gain_reduction_db.max(gr);
            }
        }
        match right.as_deref_mut() {
            Some(right) => {
                // Width as L' = a L + b R, R' = a R + b L (`width::direct_and_cross`); width 1
                // is then exact, so no branch is needed.
                for (i, (f, (l, r))) in frames.iter().zip(left.iter_mut().zip(right)).enumerate() {
                    let (out, w) = (ramp(OUTPUT, i), ramp(WIDTH, i));
                    let (direct, cross) = width::direct_and_cross(w);
                    let (fl, fr) = (f[0] as f32, f[1] as f32);
                    *l = finite_or_zero((direct * fl + cross * fr) * out);
                    *r = finite_or_zero((direct * fr + cross * fl) * out);
                }
            }
            None => {
                for (i, (f, l)) in frames.iter().zip(left.iter_mut()).enumerate() {
                    *l = finite_or_zero(f[0] as f32 * ramp(OUTPUT, i));
                }
            }
        }
        if dry_needed {
            self.bypass.apply(left, right);
        }
        self.phase = (self.phase + left.len()) % CONTROL_INTERVAL;
    }

    fn analyse(&mut self, left: &[f32], right: Option<&[f32]>) {
        self.levels.process(left, right);
        self.meter.process(left, right);
        self.spectrum.process(left, right);
        self.since_snapshot += left.len();
        if self.since_snapshot >= self.snapshot_interval {
            self.since_snapshot -= self.snapshot_interval;
            self.snapshot_due = true;
        }
    }

    /// Whether a snapshot period has passed since the last [`Strip::take_snapshot`].
    pub fn snapshot_due(&self) -> bool {
        self.snapshot_due
    }

    /// Fills `out` with the analysis of the output so far (peaks and the largest momentary
    /// loudness since the previous snapshot) and clears the due flag. Does not allocate.
    pub fn take_snapshot(
        &mut self,
        role: StemRole,
        name: StemName,
        transport: TransportPosition,
        out: &mut StemSnapshot,
    ) {
        self.snapshot_due = false;
        out.role = role;
        out.name = name;
        out.sample_rate_hz = self.sample_rate_hz;
        out.momentary_lufs = clamp_db(self.levels.take_momentary_lufs());
        out.shortterm_lufs = clamp_db(self.levels.shortterm_lufs());
        out.sample_peak_db = clamp_db(self.levels.take_sample_peak_db());
        out.true_peak_db = clamp_db(self.levels.take_true_peak_db());
        out.rms_db = clamp_db(self.meter.rms_db());
        out.correlation = self.meter.correlation();
        out.gain_reduction_db = clamp_db(std::mem::take(&mut self.gain_reduction_db));
        out.band_db = [self.spectrum.band_db(0), self.spectrum.band_db(1)];
        let moment = self.spectrum.take_moment();
        out.frame_db = moment.frame_db;
        out.masking_db = moment.masking_db;
        out.transport = transport;
    }

    /// Integrated loudness of the output since the start or the last reset, LUFS (`-inf`
    /// while silent or where loudness cannot be measured).
    pub fn integrated_lufs(&self) -> f32 {
        self.levels.integrated_lufs()
    }

    /// Loudness range of the output (EBU Tech 3342) since the start or the last reset, LU.
    pub fn loudness_range_lu(&self) -> f32 {
        self.levels.loudness_range_lu()
    }

    /// Meter readings for the GUI since the last call, then starts over. Does not allocate.
    pub fn take_meters(&mut self) -> StripMeters {
        StripMeters {
            input_peak_db: gain_to_db(std::mem::take(&mut self.input_peak)),
            integrated_lufs: self.levels.integrated_lufs(),
        }
    }
}

#[cfg(test)]
mod tests;
