//! The Master's meters of its output (loudness, true peak, PLR, band spectrum) and of its
//! input and gain reduction, and how a GUI or a render reads them: what
//! [`MasterChain::take_meters`] returns and the calls that read the loudness as it goes.
//! The processing in `master.rs` feeds the peaks and reductions; the output's loudness and
//! spectrum are measured here, after the rest of the chain.

use super::MasterChain;
use crate::bands::NUM_BANDS;
use crate::loudness::gain_to_db;

/// Lowest sample rate the loudness meters run at, Hz.
pub const LOUDNESS_MIN_RATE_HZ: f32 = 8_000.0;
/// Highest sample rate the loudness meters run at, Hz.
pub const LOUDNESS_MAX_RATE_HZ: f32 = 768_000.0;

/// Meter readings since the previous [`MasterChain::take_meters`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MasterMeters {
    /// Largest input sample (after the input gain), dBFS.
    pub input_peak_db: f32,
    /// Largest output sample, dBFS.
    pub output_peak_db: f32,
    /// Largest output true peak since the previous read, dBTP.
    pub true_peak_db: f32,
    /// Largest output true peak since the integration was last reset, dBTP.
    pub max_true_peak_db: f32,
    /// Momentary loudness (400 ms, updated every 10 ms), LUFS.
    pub momentary_lufs: f32,
    /// Largest momentary loudness since the integration was last reset, LUFS.
    pub max_momentary_lufs: f32,
    /// Short-term loudness (3 s, updated every 10 ms), LUFS.
    pub shortterm_lufs: f32,
    /// Largest short-term loudness since the integration was last reset, LUFS.
    pub max_shortterm_lufs: f32,
    /// Integrated loudness since the last reset, LUFS.
    pub integrated_lufs: f32,
    /// Loudness range since the last reset (EBU Tech 3342), LU.
    pub loudness_range_lu: f32,
    /// Peak to loudness ratio: maximum true peak minus integrated loudness, dB.
    pub plr_db: f32,
    /// Largest compressor gain reduction, dB (≥ 0).
    pub compressor_reduction_db: f32,
    /// Largest limiter gain reduction, dB (≥ 0).
    pub limiter_reduction_db: f32,
}

impl MasterChain {
    /// Why the loudness meters (and learn) are off at this sample rate, if they are.
    pub fn loudness_off_reason(&self) -> Option<String> {
        self.loudness.is_none().then(|| {
            format!(
                "loudness meters off: {:.0} Hz is outside the {:.0} Hz to {:.0} kHz they measure",
                self.sample_rate_hz,
                LOUDNESS_MIN_RATE_HZ,
                LOUDNESS_MAX_RATE_HZ / 1000.0
            )
        })
    }

    /// Whether the loudness meters run at this sample rate.
    pub fn loudness_available(&self) -> bool {
        self.loudness.is_some()
    }

    /// Measures a block of the output: its peak, its loudness and spectrum while the output
    /// meters are on, and what a running learn pass reads at the output.
    pub(super) fn measure_output(&mut self, left: &[f32], right: Option<&[f32]>) {
        let peak = crate::frames::peak_magnitude(left)
            .max(right.map_or(0.0, crate::frames::peak_magnitude));
        self.output_peak = self.output_peak.max(peak);
        if self.output_meters {
            if let Some(m) = self.loudness.as_mut() {
                m.process(left, right);
            }
            self.spectrum.process(left, right);
        }
        if let Some(l) = self.learner.as_mut().filter(|l| l.is_active()) {
            l.output(left, right);
        }
    }

    /// Switches the output's loudness meters and band spectrum on (the default) or off. Off,
    /// the audio and a learn pass are the same, and the loudness figures of
    /// [`MasterChain::take_meters`] and the spectrum stand still: for offline rendering,
    /// which measures the output elsewhere or not at all. Does not allocate.
    pub fn set_output_meters(&mut self, on: bool) {
        self.output_meters = on;
    }

    /// The output's band powers (dB, 400 ms smoothed) of the left (`ch` 0) or right channel.
    pub fn band_db(&self, ch: usize) -> [f32; NUM_BANDS] {
        self.spectrum.band_db(ch)
    }

    /// Number of 100 ms loudness blocks measured since the last reset (0 while the meters
    /// are off): a caller logging loudness history compares it with what it saw last.
    pub fn loudness_blocks(&self) -> u64 {
        self.loudness.as_ref().map_or(0, |m| m.blocks_finished())
    }

    /// Momentary and short-term loudness now, LUFS (`-inf` while off or silent).
    pub fn loudness_now(&self) -> (f32, f32) {
        self.loudness
            .as_ref()
            .map_or((f32::NEG_INFINITY, f32::NEG_INFINITY), |m| {
                (m.momentary_lufs(), m.shortterm_lufs())
            })
    }

    /// Meter readings since the last call, then starts the peaks over. Reads the loudness
    /// range's histogram: call at a display rate (a few tens of hertz). Does not allocate.
    pub fn take_meters(&mut self) -> MasterMeters {
        let off = f32::NEG_INFINITY;
        let (momentary, max_momentary, shortterm, max_shortterm, integrated, range, true_peak) =
            match self.loudness.as_mut() {
                Some(m) => (
                    m.momentary_lufs(),
                    m.max_momentary_lufs(),
                    m.shortterm_lufs(),
                    m.max_shortterm_lufs(),
                    m.integrated_lufs(),
                    m.loudness_range_lu(),
                    m.take_true_peak_db(),
                ),
                None => (off, off, off, off, off, 0.0, gain_to_db(self.output_peak)),
            };
        self.max_true_peak_db = self.max_true_peak_db.max(true_peak);
        MasterMeters {
            input_peak_db: gain_to_db(std::mem::take(&mut self.input_peak)),
            output_peak_db: gain_to_db(std::mem::take(&mut self.output_peak)),
            true_peak_db: true_peak,
            max_true_peak_db: self.max_true_peak_db,
            momentary_lufs: momentary,
            max_momentary_lufs: max_momentary,
            shortterm_lufs: shortterm,
            max_shortterm_lufs: max_shortterm,
            integrated_lufs: integrated,
            loudness_range_lu: range,
            plr_db: self.max_true_peak_db - integrated,
            compressor_reduction_db: std::mem::take(&mut self.compressor_reduction_db),
            limiter_reduction_db: std::mem::take(&mut self.limiter_reduction_db),
        }
    }
}
