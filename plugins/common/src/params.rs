//! Parameter helpers both plugins use: the ranges (functions, so editors use them too), the
//! value/text formatters, builders for dB, Hz, % and ms parameters, and the parameter groups
//! of the EQ's sections and of a compressor. A plugin nests these groups under its own id
//! prefixes (`#[nested(id_prefix = ...)]`); the ids inside a group are short and must never
//! change once released, because they key the host's automation and saved state.

use nice_plug::prelude::*;
use shared_dsp::dynamics::CompressorSettings;
use shared_dsp::eq::{BandSettings, EqSettings, FilterSlope, PassSettings};
use std::sync::Arc;

/// High- and low-pass slopes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeParam {
    #[id = "12"]
    #[name = "12 dB/oct"]
    Db12,
    #[id = "24"]
    #[name = "24 dB/oct"]
    Db24,
    #[id = "48"]
    #[name = "48 dB/oct"]
    Db48,
}

impl SlopeParam {
    /// The DSP crate's slope.
    pub fn slope(self) -> FilterSlope {
        match self {
            SlopeParam::Db12 => FilterSlope::Db12,
            SlopeParam::Db24 => FilterSlope::Db24,
            SlopeParam::Db48 => FilterSlope::Db48,
        }
    }
}

/// Range of every frequency control, Hz (logarithmic feel).
pub fn freq_range() -> FloatRange {
    FloatRange::Skewed {
        min: 20.0,
        max: 20_000.0,
        factor: FloatRange::skew_factor(-2.0),
    }
}

/// Range of every gain control in dB.
pub fn gain_range(limit_db: f32) -> FloatRange {
    FloatRange::Linear {
        min: -limit_db,
        max: limit_db,
    }
}

/// Range of a bell's or shelf's Q.
pub fn q_range() -> FloatRange {
    FloatRange::Skewed {
        min: 0.1,
        max: 10.0,
        factor: FloatRange::skew_factor(-1.5),
    }
}

/// Formats a parameter's plain value for display, as `FloatParam::with_value_to_string` takes it.
pub type ValueToString = Arc<dyn Fn(f32) -> String + Send + Sync>;

/// Parses typed text into a parameter's plain value (`None` rejects it), as
/// `FloatParam::with_string_to_value` takes it.
pub type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// Formats dB with a sign and one decimal ("+3.0 dB", "0.0 dB").
pub fn v2s_db() -> ValueToString {
    Arc::new(|v| {
        format!("{v:+.1} dB")
            .replace("+0.0", "0.0")
            .replace("-0.0", "0.0")
    })
}

/// Parses a number optionally followed by one of `units` (lower case, matched without regard
/// to case), for example "-3 dB" or "12ms".
pub fn s2v_number_with_unit(units: &'static [&'static str]) -> StringToValue {
    Arc::new(move |s| {
        let mut t = s.trim().to_ascii_lowercase();
        for u in units {
            if let Some(stripped) = t.strip_suffix(u) {
                t = stripped.trim().to_owned();
                break;
            }
        }
        t.parse::<f32>().ok().filter(|v| v.is_finite())
    })
}

/// Parses a frequency as people type it: "1.2k", "1.2 kHz", "1200", "1200 Hz" (any case);
/// anything else as nice-plug's Hz-then-kHz parser reads it (note names such as "A4").
// NOTE: nice-plug's parser alone reads "1.2k" as 1.2 Hz: it multiplies by 1000 only for a
// "kHz" suffix, and the user's guide promises that "1.2k" works.
pub fn s2v_hz() -> StringToValue {
    let fallback = formatters::s2v_f32_hz_then_khz();
    Arc::new(move |s| {
        let lower = s.trim().to_ascii_lowercase();
        let t = lower.strip_suffix("hz").unwrap_or(&lower).trim_end();
        let (number, scale) = match t.strip_suffix('k') {
            Some(n) => (n.trim_end(), 1000.0),
            None => (t, 1.0),
        };
        match number.parse::<f32>() {
            Ok(v) if v.is_finite() => Some(v * scale),
            _ => fallback(s),
        }
    })
}

/// Formats milliseconds: two decimals below 10 ms, none above.
pub fn v2s_ms() -> ValueToString {
    Arc::new(|v| {
        // NOTE: decided on the value as printed with two decimals, so 9.996 ms prints "10 ms"
        // (not "10.00 ms", which would read back as 10 and then print "10 ms").
        if (v * 100.0).round() < 1000.0 {
            format!("{v:.2} ms")
        } else {
            format!("{v:.0} ms")
        }
    })
}

/// Formats a Q with two decimals.
pub fn v2s_q() -> ValueToString {
    Arc::new(|v| format!("{v:.2}"))
}

/// Formats a compressor's side-chain high-pass: whole Hz, and "Off" at the bottom of its
/// range, 20 Hz, where the filter is out of the way. The value is rounded before the choice,
/// so everything that would print "20 Hz" prints "Off", which reads back as 20 Hz.
// NOTE: the compressor switches the filter off at 20 Hz and below exactly; between 20 and
// 20.5 Hz it runs, shown as "Off": a side-chain high-pass that low changes nothing audible.
pub fn v2s_sidechain_hp() -> ValueToString {
    Arc::new(|v| {
        let hz = v.round();
        if hz <= 20.0 {
            "Off".to_owned()
        } else {
            format!("{hz:.0} Hz")
        }
    })
}

/// Parses what [`v2s_sidechain_hp`] prints ("Off", "80 Hz", "80").
pub fn s2v_sidechain_hp() -> StringToValue {
    Arc::new(|s| {
        if s.trim().eq_ignore_ascii_case("off") {
            Some(20.0)
        } else {
            s.trim()
                .trim_end_matches(['H', 'h', 'z', 'Z', ' '])
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
        }
    })
}

/// A plain float parameter.
pub fn float(name: &str, default: f32, range: FloatRange) -> FloatParam {
    FloatParam::new(name, default, range)
}

/// A gain in dB: 0.1 dB steps, "+3.0 dB" text.
pub fn db_param(name: &str, default: f32, range: FloatRange) -> FloatParam {
    float(name, default, range)
        .with_step_size(0.1)
        .with_value_to_string(v2s_db())
        .with_string_to_value(s2v_number_with_unit(&["db"]))
}

/// A frequency over [`freq_range`], shown in Hz then kHz.
pub fn hz_param(name: &str, default: f32) -> FloatParam {
    float(name, default, freq_range())
        .with_value_to_string(formatters::v2s_f32_hz_then_khz(1))
        .with_string_to_value(s2v_hz())
}

/// A fraction from 0 to `max` (1.0 = 100 %), shown as a whole percentage.
pub fn percent_param(name: &str, default: f32, max: f32) -> FloatParam {
    float(name, default, FloatRange::Linear { min: 0.0, max })
        .with_unit("%")
        .with_value_to_string(formatters::v2s_f32_percentage(0))
        .with_string_to_value(formatters::s2v_f32_percentage())
}

/// A time in milliseconds from `min` to `max` (logarithmic feel).
pub fn ms_param(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    float(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(v2s_ms())
    .with_string_to_value(s2v_number_with_unit(&["ms"]))
}

/// A high- or low-pass filter.
#[derive(Params)]
pub struct PassParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "f"]
    pub freq: FloatParam,
    #[id = "s"]
    pub slope: EnumParam<SlopeParam>,
}

impl PassParams {
    /// A filter named after `label` ("HP On", "HP Freq", "HP Slope"), off, 24 dB/oct.
    pub fn new(label: &str, freq_hz: f32) -> Self {
        Self {
            enabled: BoolParam::new(format!("{label} On"), false),
            freq: hz_param(&format!("{label} Freq"), freq_hz),
            slope: EnumParam::new(format!("{label} Slope"), SlopeParam::Db24),
        }
    }

    /// The DSP settings the parameters describe. Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> PassSettings {
        PassSettings {
            enabled: self.enabled.value(),
            freq_hz: self.freq.value(),
            slope: self.slope.value().slope(),
        }
    }
}

/// A bell or shelf.
#[derive(Params)]
pub struct BandParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "f"]
    pub freq: FloatParam,
    #[id = "g"]
    pub gain: FloatParam,
    #[id = "q"]
    pub q: FloatParam,
}

impl BandParams {
    /// A band named after `label` ("Bell 1 On", "Bell 1 Freq", ...), off, 0 dB.
    pub fn new(label: &str, freq_hz: f32, q: f32) -> Self {
        Self {
            enabled: BoolParam::new(format!("{label} On"), false),
            freq: hz_param(&format!("{label} Freq"), freq_hz),
            gain: db_param(&format!("{label} Gain"), 0.0, gain_range(24.0)),
            q: float(&format!("{label} Q"), q, q_range())
                .with_value_to_string(v2s_q())
                .with_string_to_value(s2v_number_with_unit(&["q"])),
        }
    }

    /// The DSP settings the parameters describe. Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> BandSettings {
        BandSettings {
            enabled: self.enabled.value(),
            freq_hz: self.freq.value(),
            gain_db: self.gain.value(),
            q: self.q.value(),
        }
    }
}

/// The seven sections of an equaliser ([`EqSettings`]) as a plugin's parameters, borrowed
/// from wherever the plugin keeps them: what the EQ editor widgets draw and move.
#[derive(Clone, Copy)]
pub struct EqSections<'a> {
    /// The high-pass filter.
    pub high_pass: &'a PassParams,
    /// Low shelf, bells 1 to 3, high shelf, in that order.
    pub bands: [&'a BandParams; 5],
    /// The low-pass filter.
    pub low_pass: &'a PassParams,
}

impl EqSections<'_> {
    /// The DSP settings the parameters describe. Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> EqSettings {
        let [low_shelf, bell1, bell2, bell3, high_shelf] = self.bands;
        EqSettings {
            high_pass: self.high_pass.settings(),
            low_shelf: low_shelf.settings(),
            bells: [bell1.settings(), bell2.settings(), bell3.settings()],
            high_shelf: high_shelf.settings(),
            low_pass: self.low_pass.settings(),
        }
    }
}

/// A compressor.
#[derive(Params)]
pub struct CompParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "thr"]
    pub threshold: FloatParam,
    #[id = "rat"]
    pub ratio: FloatParam,
    #[id = "att"]
    pub attack: FloatParam,
    #[id = "rel"]
    pub release: FloatParam,
    #[id = "knee"]
    pub knee: FloatParam,
    #[id = "mk"]
    pub makeup: FloatParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "schp"]
    pub sidechain_hp: FloatParam,
    #[id = "link"]
    pub stereo_link: FloatParam,
}

impl CompParams {
    /// A compressor whose parameter names start with `prefix` ("Comp" gives "Comp On",
    /// "Comp Threshold", ...; the Stem Master's glue compressor uses "Glue"). Off, -18 dB,
    /// 2:1, 10/150 ms, 6 dB knee.
    pub fn new(prefix: &str) -> Self {
        let name = |what: &str| format!("{prefix} {what}");
        Self {
            enabled: BoolParam::new(name("On"), false),
            threshold: db_param(
                &name("Threshold"),
                -18.0,
                FloatRange::Linear {
                    min: -60.0,
                    max: 0.0,
                },
            ),
            ratio: float(
                &name("Ratio"),
                2.0,
                FloatRange::Skewed {
                    min: 1.0,
                    max: 20.0,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_value_to_string(formatters::v2s_compression_ratio(1))
            .with_string_to_value(formatters::s2v_compression_ratio()),
            attack: ms_param(&name("Attack"), 10.0, 0.1, 100.0),
            release: ms_param(&name("Release"), 150.0, 10.0, 2000.0),
            knee: db_param(
                &name("Knee"),
                6.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 24.0,
                },
            ),
            makeup: db_param(
                &name("Makeup"),
                0.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 24.0,
                },
            ),
            mix: percent_param(&name("Mix"), 1.0, 1.0),
            sidechain_hp: float(
                &name("SC High-Pass"),
                20.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 500.0,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_value_to_string(v2s_sidechain_hp())
            .with_string_to_value(s2v_sidechain_hp()),
            stereo_link: percent_param(&name("Stereo Link"), 1.0, 1.0),
        }
    }

    /// The DSP settings the parameters describe. Reads atomics only: safe on the audio thread.
    pub fn settings(&self) -> CompressorSettings {
        CompressorSettings {
            enabled: self.enabled.value(),
            threshold_db: self.threshold.value(),
            ratio: self.ratio.value(),
            attack_ms: self.attack.value(),
            release_ms: self.release.value(),
            knee_db: self.knee.value(),
            makeup_db: self.makeup.value(),
            mix: self.mix.value(),
            sidechain_hp_hz: self.sidechain_hp.value(),
            stereo_link: self.stereo_link.value(),
        }
    }
}
