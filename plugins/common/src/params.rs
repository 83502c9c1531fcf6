//! The plugins' parameters, made from the settings lists of `shared_dsp::spec` (where every
//! setting is declared once): [`plugin_params!`](crate::plugin_params) turns a list into a
//! nice-plug parameter struct with its constructor and its conversion to the DSP settings;
//! [`float_param`] gives a number its range, steps and text by its unit; [`Choice`] makes a
//! `shared_dsp::spec::Choice` a nice-plug enum. The sections both plugins nest (filters,
//! bands, compressors, the limiter) are made here.

use nice_plug::prelude::*;
use shared_dsp::eq::EqSettings;
use shared_dsp::spec::{self, Choice as ChoiceList, Unit};
use std::sync::Arc;

/// A `shared_dsp::spec::Choice` as a nice-plug enum parameter's value: the names, ids and
/// order its table declares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice<T>(pub T);

impl<T: ChoiceList> Enum for Choice<T> {
    fn variants() -> &'static [&'static str] {
        T::NAMES
    }

    fn ids() -> Option<&'static [&'static str]> {
        Some(T::IDS)
    }

    fn to_index(self) -> usize {
        self.0.index()
    }

    fn from_index(index: usize) -> Self {
        Choice(T::from_index(index))
    }
}

/// The nice-plug parameter struct of a section's settings list.
pub trait PluginGroup {
    type Params: Params;
}

/// The name of a parameter `name` in a group labelled `label` ("" for none).
pub fn full_name(label: &str, name: &str) -> String {
    if label.is_empty() {
        name.to_owned()
    } else {
        format!("{label} {name}")
    }
}

/// A number's parameter: its spec's range, and the steps and text of its unit.
pub fn float_param(name: String, spec: &spec::Float, default: f32) -> FloatParam {
    let range = match spec.range {
        spec::Range::Linear { min, max } => FloatRange::Linear { min, max },
        spec::Range::Skewed { min, max, skew } => FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(skew),
        },
    };
    let p = FloatParam::new(name, default, range);
    let p = match spec.unit {
        Unit::Db => p
            .with_step_size(0.1)
            .with_value_to_string(v2s_db())
            .with_string_to_value(s2v_number_with_unit(&["db"])),
        Unit::Hz => p
            .with_value_to_string(formatters::v2s_f32_hz_then_khz(1))
            .with_string_to_value(s2v_hz()),
        Unit::Ms => p
            .with_value_to_string(v2s_ms())
            .with_string_to_value(s2v_number_with_unit(&["ms"])),
        Unit::Percent => p
            .with_unit("%")
            .with_value_to_string(formatters::v2s_f32_percentage(0))
            .with_string_to_value(formatters::s2v_f32_percentage()),
        Unit::Ratio => p
            .with_value_to_string(formatters::v2s_compression_ratio(1))
            .with_string_to_value(formatters::s2v_compression_ratio()),
        Unit::Q => p
            .with_value_to_string(v2s_q())
            .with_string_to_value(s2v_number_with_unit(&["q"])),
        Unit::SidechainHz => p
            .with_value_to_string(v2s_sidechain_hp())
            .with_string_to_value(s2v_sidechain_hp()),
        Unit::Lufs => p
            .with_step_size(0.1)
            .with_value_to_string(v2s_tenths("LUFS"))
            .with_string_to_value(s2v_number_with_unit(&["lufs", "lkfs"])),
        Unit::Dbtp => p
            .with_step_size(0.1)
            .with_value_to_string(v2s_tenths("dBTP"))
            .with_string_to_value(s2v_number_with_unit(&["dbtp", "db"])),
    };
    if spec.step > 0.0 {
        p.with_step_size(spec.step)
    } else {
        p
    }
}

/// Turns a settings list of `shared_dsp::spec` into a nice-plug parameter struct `$name`
/// (`#[derive(Params)]`, one field per entry, in the list's order) with
/// `new_in(label, &mut defaults)` and `apply(&self, &mut settings)`. Invoked by the lists:
/// `shared_dsp::pass_settings!(stem_plugin_common::plugin_params! { pub PassParams; })`.
#[macro_export]
macro_rules! plugin_params {
    ($(#[$meta:meta])* $vis:vis $name:ident; $settings:ty;
     $( [$($attr:tt)*] $field:ident : $kind:ident $(<$t:ty>)? ($spec:expr) => $lens:expr ),* $(,)?) => {
        $(#[$meta])*
        #[derive(::nice_plug::prelude::Params)]
        $vis struct $name {
            $( #[$($attr)*] pub $field: $crate::plugin_params!(@type $kind $(<$t>)?), )*
        }

        impl $name {
            /// The parameters, their names after `label` ("" for none), their defaults the
            /// values in `defaults`.
            #[allow(unused_variables)]
            pub fn new_in(label: &str, defaults: &mut $settings) -> Self {
                Self { $( $field: $crate::plugin_params!(@new $kind $(<$t>)?, label, $spec,
                    $crate::__private::lens::<$settings, _>($lens)(defaults)), )* }
            }

            /// Writes what the parameters say into `s`. Reads atomics only: safe on the
            /// audio thread.
            pub fn apply(&self, s: &mut $settings) {
                $( $crate::plugin_params!(@apply $kind $(<$t>)?, &self.$field,
                    $crate::__private::lens::<$settings, _>($lens)(s)); )*
            }
        }
    };
    (@type Switch) => { ::nice_plug::prelude::BoolParam };
    (@type Bypass) => { ::nice_plug::prelude::BoolParam };
    (@type Float) => { ::nice_plug::prelude::FloatParam };
    (@type Stored) => { ::std::sync::Arc<$crate::__private::AtomicF32> };
    (@type Choice<$c:ty>) => { ::nice_plug::prelude::EnumParam<$crate::params::Choice<$c>> };
    (@type Group<$g:ty>) => { <$g as $crate::params::PluginGroup>::Params };
    (@new Switch, $label:ident, $spec:expr, $d:expr) => {{
        let spec: $crate::__private::Switch = $spec;
        ::nice_plug::prelude::BoolParam::new($crate::params::full_name($label, spec.name), *$d)
    }};
    (@new Bypass, $label:ident, $spec:expr, $d:expr) => {{
        let spec: $crate::__private::Switch = $spec;
        ::nice_plug::prelude::BoolParam::new($crate::params::full_name($label, spec.name), *$d)
            .make_bypass()
    }};
    (@new Float, $label:ident, $spec:expr, $d:expr) => {{
        let spec: $crate::__private::Float = $spec;
        $crate::params::float_param($crate::params::full_name($label, spec.name), &spec, *$d)
    }};
    (@new Stored, $label:ident, $spec:expr, $d:expr) => {
        ::std::sync::Arc::new($crate::__private::AtomicF32::new(*$d))
    };
    (@new Choice<$c:ty>, $label:ident, $spec:expr, $d:expr) => {{
        let spec: $crate::__private::Pick = $spec;
        ::nice_plug::prelude::EnumParam::new(
            $crate::params::full_name($label, spec.name),
            $crate::params::Choice::<$c>(*$d),
        )
    }};
    (@new Group<$g:ty>, $label:ident, $spec:expr, $d:expr) => {{
        let spec: $crate::__private::Group = $spec;
        <$g as $crate::params::PluginGroup>::Params::new_in(
            &$crate::params::full_name($label, spec.label),
            $d,
        )
    }};
    (@apply Switch, $p:expr, $s:expr) => { *$s = $p.value() };
    (@apply Bypass, $p:expr, $s:expr) => { *$s = $p.value() };
    (@apply Float, $p:expr, $s:expr) => { *$s = $p.value() };
    (@apply Stored, $p:expr, $s:expr) => {{
        let v = $p.load(::std::sync::atomic::Ordering::Relaxed);
        *$s = if v.is_finite() { v } else { 0.0 };
    }};
    (@apply Choice<$c:ty>, $p:expr, $s:expr) => { *$s = $p.value().0 };
    (@apply Group<$g:ty>, $p:expr, $s:expr) => { $p.apply($s) };
}

shared_dsp::pass_settings!(crate::plugin_params! {
    /// A high- or low-pass filter.
    pub PassParams;
});
shared_dsp::band_settings!(crate::plugin_params! {
    /// A bell or shelf.
    pub BandParams;
});
shared_dsp::comp_settings!(crate::plugin_params! {
    /// A compressor.
    pub CompParams;
});
shared_dsp::limiter_settings!(crate::plugin_params! {
    /// The Stem Master's true-peak limiter.
    pub LimiterParams;
});

impl PluginGroup for spec::Pass {
    type Params = PassParams;
}
impl PluginGroup for spec::Band {
    type Params = BandParams;
}
impl PluginGroup for spec::Comp {
    type Params = CompParams;
}
impl PluginGroup for spec::Limiter {
    type Params = LimiterParams;
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
        let mut e = EqSettings::default();
        let [low_shelf, bell1, bell2, bell3, high_shelf] = self.bands;
        self.high_pass.apply(&mut e.high_pass);
        low_shelf.apply(&mut e.low_shelf);
        for (b, s) in [bell1, bell2, bell3].into_iter().zip(&mut e.bells) {
            b.apply(s);
        }
        high_shelf.apply(&mut e.high_shelf);
        self.low_pass.apply(&mut e.low_pass);
        e
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

/// Formats a value with one decimal and `unit`, never as "-0.0".
fn v2s_tenths(unit: &'static str) -> ValueToString {
    Arc::new(move |v| {
        // Adding +0.0 turns a -0.0 that rounding left into 0.0.
        let tenths = (v * 10.0).round() / 10.0 + 0.0;
        format!("{tenths:.1} {unit}")
    })
}
