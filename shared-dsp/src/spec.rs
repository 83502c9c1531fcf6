//! Every setting of the two plugins, declared once.
//!
//! Each plugin's settings are one list (`strip_settings!`, `master_settings!` and the lists
//! of the sections they nest: `pass_settings!`, `band_settings!`, `comp_settings!`,
//! `limiter_settings!`). An entry says everything about one setting: its parameter id and
//! group, its field name, its kind, its name, session-file key, unit, range and description
//! ([`Float`], [`Switch`], [`Pick`], [`Group`]), and the field of the DSP settings it feeds
//! (a lens, `|s| &mut s.settings.trim_db`); the default is that field's value in the DSP
//! settings' `Default`. Each list is a macro that hands the entries to a consumer macro:
//!
//! - here, [`spec_table!`] turns a list into a [`SettingGroup`]: a flat table of
//!   [`Setting`]s (dotted session key, plugin name, kind, getter and setter), which the
//!   command line's session files, `--write-session` and the docs' settings table are
//!   derived from;
//! - in `stem_plugin_common`, `plugin_params!` turns the same list into the nice-plug
//!   parameter struct, its constructor and its conversion to the DSP settings.
//!
//! How to add a setting: `docs/design.md`, "Adding a setting".

mod choices;
mod lists;

pub use choices::Choice;
pub use lists::{Band, Comp, Limiter, Master, MasterSetup, Pass, Strip, StripSetup, Target};

/// What a number means: how the plugins print and parse it, and its unit and scale in
/// session files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Decibels ("+3.0 dB"), 0.1 dB steps.
    Db,
    /// A frequency ("250 Hz", "1.2 kHz").
    Hz,
    /// A time ("35 ms").
    Ms,
    /// A fraction shown as a percentage ("80 %"); session files write the percentage.
    Percent,
    /// A compression ratio ("4.0:1"); session files write the first number.
    Ratio,
    /// A filter's Q ("0.71").
    Q,
    /// A side-chain high-pass frequency, "Off" at the bottom of its range.
    SidechainHz,
    /// Integrated loudness ("-14.0 LUFS").
    Lufs,
    /// A true-peak level ("-1.0 dBTP").
    Dbtp,
}

impl Unit {
    /// The unit as session files and the docs write it ("" for a plain number).
    pub fn session_unit(self) -> &'static str {
        match self {
            Unit::Db => "dB",
            Unit::Hz | Unit::SidechainHz => "Hz",
            Unit::Ms => "ms",
            Unit::Percent => "%",
            Unit::Ratio | Unit::Q => "",
            Unit::Lufs => "LUFS",
            Unit::Dbtp => "dBTP",
        }
    }

    /// Session value = settings value × this.
    pub fn session_scale(self) -> f64 {
        match self {
            Unit::Percent => 100.0,
            _ => 1.0,
        }
    }
}

/// A parameter's range, as nice-plug's `FloatRange` takes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// Evenly spread from `min` to `max`.
    Linear { min: f32, max: f32 },
    /// Skewed: `skew` is the exponent nice-plug's `FloatRange::skew_factor` takes (negative
    /// gives more of the control's travel to the low end).
    Skewed { min: f32, max: f32, skew: f32 },
}

impl Range {
    /// The lowest and highest value.
    pub const fn bounds(self) -> (f32, f32) {
        match self {
            Range::Linear { min, max } | Range::Skewed { min, max, .. } => (min, max),
        }
    }
}

/// The range of every frequency setting: 20 Hz to 20 kHz, skewed to feel logarithmic.
pub const FREQ_RANGE: Range = Range::Skewed {
    min: 20.0,
    max: 20_000.0,
    skew: -2.0,
};

/// A continuous setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Float {
    /// The name the plugin shows (after its group's label, if any).
    pub name: &'static str,
    /// The key in session files ("" = not in session files).
    pub key: &'static str,
    pub unit: Unit,
    pub range: Range,
    /// The plugin's step, if finer or coarser than the unit's own (0 = the unit's).
    pub step: f32,
    /// What it does, for the docs.
    pub doc: &'static str,
}

impl Float {
    pub const fn new(
        name: &'static str,
        key: &'static str,
        unit: Unit,
        range: Range,
        doc: &'static str,
    ) -> Self {
        Self {
            name,
            key,
            unit,
            range,
            step: 0.0,
            doc,
        }
    }

    /// The same with the plugin stepping by `step`.
    pub const fn step(self, step: f32) -> Self {
        Self { step, ..self }
    }
}

/// An on/off setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switch {
    pub name: &'static str,
    /// The key in session files ("" = not in session files).
    pub key: &'static str,
    pub doc: &'static str,
}

impl Switch {
    pub const fn new(name: &'static str, key: &'static str, doc: &'static str) -> Self {
        Self { name, key, doc }
    }
}

/// A choice among the values of a [`Choice`] type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    pub name: &'static str,
    /// The key in session files ("" = not in session files).
    pub key: &'static str,
    pub doc: &'static str,
}

impl Pick {
    pub const fn new(name: &'static str, key: &'static str, doc: &'static str) -> Self {
        Self { name, key, doc }
    }
}

/// A section nested in a plugin's settings (a filter, a band, a compressor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// The prefix of its parameters' names ("Bell 1" gives "Bell 1 Gain").
    pub label: &'static str,
    /// Its table in session files (`bell_1`).
    pub key: &'static str,
}

impl Group {
    pub const fn new(label: &'static str, key: &'static str) -> Self {
        Self { label, key }
    }
}

/// `f`, typed: lets a closure `|s| &mut s.field` become a lens from `S` to the field.
pub fn lens<S, T: ?Sized>(f: fn(&mut S) -> &mut T) -> fn(&mut S) -> &mut T {
    f
}

/// A setting's value, whatever its kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Switch(bool),
    /// In the settings' own unit (a fraction for [`Unit::Percent`]).
    Number(f32),
    /// The index of the choice in its type's [`Choice::ALL`].
    Choice(usize),
}

/// What kind of value a [`Setting`] takes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Switch,
    Number(Float),
    Choice {
        /// Keys in session files, in [`Choice::ALL`]'s order.
        keys: &'static [&'static str],
        /// Names the plugins show, same order.
        names: &'static [&'static str],
        /// Whether session files write it as a number (`slope = 24`).
        numeric: bool,
        /// Parses a key, name or alias to an index.
        parse: fn(&str) -> Option<usize>,
    },
}

type Get<S> = Box<dyn Fn(&S) -> Value + Send + Sync>;
type Set<S> = Box<dyn Fn(&mut S, Value) + Send + Sync>;

/// One setting of a flat table: what session files, `--write-session` and the docs use.
pub struct Setting<S> {
    /// Dotted session key, relative to the plugin's table (`compressor.mix`).
    pub key: String,
    /// The plugin parameter's name ("Comp Mix").
    pub name: String,
    pub kind: Kind,
    pub doc: &'static str,
    get: Get<S>,
    set: Set<S>,
}

impl<S> Setting<S> {
    /// The setting's value in `s`.
    pub fn get(&self, s: &S) -> Value {
        (self.get)(s)
    }

    /// Sets the setting in `s` (a value of another kind is ignored).
    pub fn set(&self, s: &mut S, v: Value) {
        (self.set)(s, v)
    }
}

impl<S: Clone + 'static> Setting<S> {
    /// The entry of a field of type `T`, reached through `lens`: `to` wraps its value,
    /// `from` unwraps a value of its kind (others are ignored on set).
    fn new<T: 'static>(
        key: &str,
        name: &str,
        kind: Kind,
        doc: &'static str,
        lens: fn(&mut S) -> &mut T,
        to: fn(&T) -> Value,
        from: fn(Value) -> Option<T>,
    ) -> Self {
        Self {
            key: key.to_owned(),
            name: name.to_owned(),
            kind,
            doc,
            get: Box::new(move |s: &S| to(lens(&mut s.clone()))),
            set: Box::new(move |s: &mut S, v| {
                if let Some(x) = from(v) {
                    *lens(s) = x;
                }
            }),
        }
    }

    /// The same setting inside a bigger struct `O`, reached through `lens`, with its key and
    /// name under the group's (a setting without a session key stays without one).
    fn nest<O: Clone + 'static>(self, group: Group, lens: fn(&mut O) -> &mut S) -> Setting<O> {
        let Setting {
            key,
            name,
            kind,
            doc,
            get,
            set,
        } = self;
        Setting {
            key: if key.is_empty() {
                key
            } else {
                format!("{}.{key}", group.key)
            },
            name: format!("{} {name}", group.label),
            kind,
            doc,
            get: Box::new(move |o: &O| get(lens(&mut o.clone()))),
            set: Box::new(move |o: &mut O, v| set(lens(o), v)),
        }
    }
}

/// A switch's entry of a table.
pub fn switch_setting<S: Clone + 'static>(
    spec: Switch,
    lens: fn(&mut S) -> &mut bool,
) -> Setting<S> {
    let from = |v| match v {
        Value::Switch(b) => Some(b),
        _ => None,
    };
    Setting::new(
        spec.key,
        spec.name,
        Kind::Switch,
        spec.doc,
        lens,
        |b| Value::Switch(*b),
        from,
    )
}

/// A number's entry of a table.
pub fn float_setting<S: Clone + 'static>(spec: Float, lens: fn(&mut S) -> &mut f32) -> Setting<S> {
    let from = |v| match v {
        Value::Number(x) => Some(x),
        _ => None,
    };
    let kind = Kind::Number(spec);
    Setting::new(
        spec.key,
        spec.name,
        kind,
        spec.doc,
        lens,
        |x| Value::Number(*x),
        from,
    )
}

/// A choice's entry of a table.
pub fn choice_setting<S: Clone + 'static, C: Choice>(
    spec: Pick,
    lens: fn(&mut S) -> &mut C,
) -> Setting<S> {
    let kind = Kind::Choice {
        keys: C::KEYS,
        names: C::NAMES,
        numeric: C::NUMERIC,
        parse: |t| C::parse(t).map(Choice::index),
    };
    let from = |v| match v {
        Value::Choice(i) => Some(C::from_index(i)),
        _ => None,
    };
    Setting::new(
        spec.key,
        spec.name,
        kind,
        spec.doc,
        lens,
        |c| Value::Choice(c.index()),
        from,
    )
}

/// A nested group's entries in a table.
pub fn group_settings<S: Clone + 'static, G: SettingGroup>(
    spec: Group,
    lens: fn(&mut S) -> &mut G::Settings,
) -> impl Iterator<Item = Setting<S>>
where
    G::Settings: Clone + 'static,
{
    G::table().into_iter().map(move |s| s.nest(spec, lens))
}

/// A list of settings as a flat table.
pub trait SettingGroup {
    /// The struct the settings are fields of.
    type Settings;
    /// Every setting that session files know, in the list's order.
    fn table() -> Vec<Setting<Self::Settings>>;
}

/// Implements [`SettingGroup`] for the marker `$marker` from a settings list: the consumer
/// the lists are given to in this crate (`strip_settings!(spec_table! { Strip })`).
#[macro_export]
macro_rules! spec_table {
    ($marker:ty; $settings:ty;
     $( [$($attr:tt)*] $field:ident : $kind:ident $(<$t:ty>)? ($spec:expr) => $lens:expr ),* $(,)?) => {
        impl $crate::spec::SettingGroup for $marker {
            type Settings = $settings;
            #[allow(clippy::vec_init_then_push)]
            fn table() -> Vec<$crate::spec::Setting<$settings>> {
                let mut table = Vec::new();
                $( $crate::spec_table!(@entry table, $settings, $kind $(<$t>)?, $spec, $lens); )*
                table.retain(|s: &$crate::spec::Setting<$settings>| !s.key.is_empty());
                table
            }
        }
    };
    (@entry $t:ident, $s:ty, Switch, $spec:expr, $lens:expr) => {
        $t.push($crate::spec::switch_setting::<$s>($spec, $lens))
    };
    (@entry $t:ident, $s:ty, Bypass, $spec:expr, $lens:expr) => {
        $t.push($crate::spec::switch_setting::<$s>($spec, $lens))
    };
    (@entry $t:ident, $s:ty, Float, $spec:expr, $lens:expr) => {
        $t.push($crate::spec::float_setting::<$s>($spec, $lens))
    };
    (@entry $t:ident, $s:ty, Stored, $spec:expr, $lens:expr) => {
        $t.push($crate::spec::float_setting::<$s>($spec, $lens))
    };
    (@entry $t:ident, $s:ty, Choice<$c:ty>, $spec:expr, $lens:expr) => {
        $t.push($crate::spec::choice_setting::<$s, $c>($spec, $lens))
    };
    (@entry $t:ident, $s:ty, Group<$g:ty>, $spec:expr, $lens:expr) => {
        $t.extend($crate::spec::group_settings::<$s, $g>($spec, $lens))
    };
}

#[cfg(test)]
mod tests;
