//! One plugin's table in a session file, read and written through its settings list
//! (`shared_dsp::spec`): every key, its type, range and unit come from the list, so a
//! setting added there is a session key, checked, written by `--write-session` and listed in
//! the docs without a line here.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::OnceLock;

use shared_dsp::spec::{
    Kind, Master, MasterSetup, Setting, SettingGroup, Strip, StripSetup, Value,
};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The Stem Strip's settings list as a flat table.
pub fn strip_table() -> &'static [Setting<StripSetup>] {
    static TABLE: OnceLock<Vec<Setting<StripSetup>>> = OnceLock::new();
    TABLE.get_or_init(Strip::table)
}

/// The Stem Master's settings list as a flat table.
pub fn master_table() -> &'static [Setting<MasterSetup>] {
    static TABLE: OnceLock<Vec<Setting<MasterSetup>>> = OnceLock::new();
    TABLE.get_or_init(Master::table)
}

/// What went wrong reading a table: where (a byte range of the file) and what to do.
pub type TableError = (Option<Range<usize>>, String);

/// The settings a table sets, in the order written.
pub struct Values<S: 'static> {
    entries: Vec<(&'static Setting<S>, Value)>,
}

impl<S> Default for Values<S> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<S> std::fmt::Debug for Values<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(s, v)| (&s.key, v)))
            .finish()
    }
}

impl<S> Values<S> {
    /// Writes every value set into `s`.
    pub fn apply(&self, s: &mut S) {
        for (setting, value) in &self.entries {
            setting.set(s, *value);
        }
    }

    /// The value set for `key`, if any.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.entries
            .iter()
            .find(|(s, _)| s.key == key)
            .map(|(_, v)| *v)
    }
}

/// Who a table belongs to, for messages: "Stem Strip" or "Stem Master".
pub struct Owner<S: 'static> {
    pub plugin: &'static str,
    /// The tables of a session file that hold its settings.
    pub tables: &'static str,
    pub table: &'static [Setting<S>],
}

/// Reads one plugin's table (`[master]`, `[stem.NAME]`, `[role.ROLE]`) and the tables
/// under it. `other` is the other plugin's list, to say where a key belongs when it is not
/// this one's.
pub fn read_values<S, O>(
    table: &DeTable<'_>,
    owner: &Owner<S>,
    other: &Owner<O>,
) -> Result<Values<S>, TableError> {
    let mut values = Values::default();
    walk(table, "", owner, other, &mut values)?;
    Ok(values)
}

fn walk<S, O>(
    table: &DeTable<'_>,
    prefix: &str,
    owner: &Owner<S>,
    other: &Owner<O>,
    values: &mut Values<S>,
) -> Result<(), TableError> {
    for (key, value) in table {
        let path = format!("{prefix}{}", key.get_ref());
        if let DeValue::Table(inner) = value.get_ref() {
            let under = format!("{path}.");
            if owner.table.iter().any(|s| s.key.starts_with(&under)) {
                walk(inner, &under, owner, other, values)?;
                continue;
            }
        }
        let Some(setting) = owner.table.iter().find(|s| s.key == path) else {
            return Err((Some(key.span()), unknown_key(&path, owner, other)));
        };
        let v = read_value(setting, value)?;
        values.entries.push((setting, v));
    }
    Ok(())
}

/// The message for a key the plugin does not have: where it belongs if it is the other
/// plugin's, else the keys with the same last word.
fn unknown_key<S, O>(path: &str, owner: &Owner<S>, other: &Owner<O>) -> String {
    let mut m = format!("unknown key `{path}`: not a {} setting", owner.plugin);
    if other.table.iter().any(|s| s.key == path) {
        write!(
            m,
            "; it is the {}'s: put it in {}",
            other.plugin, other.tables
        )
        .unwrap();
    } else {
        let last = path.rsplit('.').next().unwrap_or(path);
        let like = |keys: Vec<&str>| -> Vec<String> {
            keys.into_iter()
                .filter(|k| k.rsplit('.').next() == Some(last))
                .map(|k| format!("`{k}`"))
                .collect()
        };
        let here = like(owner.table.iter().map(|s| s.key.as_str()).collect());
        let there = like(other.table.iter().map(|s| s.key.as_str()).collect());
        if !here.is_empty() {
            write!(m, "; the {} has {}", owner.plugin, here.join(", ")).unwrap();
        }
        if !there.is_empty() {
            write!(m, "; the {} has {}", other.plugin, there.join(", ")).unwrap();
        }
    }
    m + "; see docs/cli.md, \"Session files\", for every key"
}

/// A TOML value as the user wrote it, for messages.
fn shown(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("\"{s}\""),
        DeValue::Integer(i) => i.as_str().to_owned(),
        DeValue::Float(f) => f.as_str().to_owned(),
        DeValue::Boolean(b) => b.to_string(),
        other => other.type_str().to_owned(),
    }
}

/// A TOML number as f64 (integers in any radix, `_` separators allowed).
fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .map(|v| v as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}

/// `items` as "a, b or c".
pub fn one_of(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn read_value<S>(setting: &Setting<S>, value: &Spanned<DeValue<'_>>) -> Result<Value, TableError> {
    let span = Some(value.span());
    let key = setting.key.rsplit('.').next().unwrap_or(&setting.key);
    let v = value.get_ref();
    match setting.kind {
        Kind::Switch => match v {
            DeValue::Boolean(b) => Ok(Value::Switch(*b)),
            _ => Err((span, format!("{key} = {}: give true or false", shown(v)))),
        },
        Kind::Number(f) => {
            let unit = f.unit.session_unit();
            let spaced = if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            };
            let scale = f.unit.session_scale();
            let (lo, hi) = f.range.bounds();
            let (lo, hi) = (f64::from(lo) * scale, f64::from(hi) * scale);
            let Some(x) = number(v) else {
                let what = if unit.is_empty() {
                    String::new()
                } else {
                    format!(" in {unit}")
                };
                return Err((span, format!("{key} = {}: give a number{what}", shown(v))));
            };
            if !(lo..=hi).contains(&x) {
                return Err((
                    span,
                    format!(
                        "{x}{spaced} is out of range: give {lo} to {hi}{spaced}, as on the plugin"
                    ),
                ));
            }
            Ok(Value::Number((x * (1.0 / scale)) as f32))
        }
        Kind::Choice {
            keys,
            numeric,
            parse,
            ..
        } => {
            let text = match v {
                DeValue::String(s) => Some(s.to_string()),
                DeValue::Integer(i) if numeric => Some(i.as_str().to_owned()),
                _ => None,
            };
            let quote = |k: &&str| {
                if numeric {
                    k.to_string()
                } else {
                    format!("\"{k}\"")
                }
            };
            text.as_deref()
                .and_then(parse)
                .map(Value::Choice)
                .ok_or_else(|| {
                    let keys: Vec<String> = keys.iter().map(quote).collect();
                    (span, format!("{key} {}: give {}", shown(v), one_of(&keys)))
                })
        }
    }
}

/// `f` as the shortest decimal that reads back as the same `f32` (0.707, not
/// 0.7070000171661377), written as a TOML float.
fn short(f: f32) -> String {
    let v: f64 = format!("{f}").parse().unwrap_or(f64::from(f));
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// A value as a session file writes it.
pub fn toml_value<S>(setting: &Setting<S>, value: Value) -> String {
    match (value, setting.kind) {
        (Value::Switch(b), _) => b.to_string(),
        (Value::Number(x), Kind::Number(f)) => short(x * f.unit.session_scale() as f32),
        (Value::Choice(i), Kind::Choice { keys, numeric, .. }) => {
            if numeric {
                keys[i].to_owned()
            } else {
                format!("\"{}\"", keys[i])
            }
        }
        (v, _) => format!("{v:?}"),
    }
}

/// Writes the table `header` (`master`, `stem."lead vox"`) with every setting of `table`
/// at its value in `s`: the plain keys, then each sub-table in the list's order. Keys in
/// `commented` are written as comments.
pub fn write_table<S>(
    out: &mut String,
    header: &str,
    table: &[Setting<S>],
    s: &S,
    commented: &[&str],
) {
    let mut groups: Vec<&str> = Vec::new();
    for setting in table {
        if let Some((group, _)) = setting.key.split_once('.') {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    let line = |out: &mut String, setting: &Setting<S>, key: &str| {
        let hash = if commented.contains(&setting.key.as_str()) {
            "# "
        } else {
            ""
        };
        writeln!(out, "{hash}{key} = {}", toml_value(setting, setting.get(s))).unwrap();
    };
    writeln!(out, "[{header}]").unwrap();
    for setting in table.iter().filter(|t| !t.key.contains('.')) {
        line(out, setting, &setting.key);
    }
    for group in groups {
        writeln!(out, "\n[{header}.{group}]").unwrap();
        for setting in table {
            if let Some(key) = setting
                .key
                .strip_prefix(group)
                .and_then(|k| k.strip_prefix('.'))
            {
                line(out, setting, key);
            }
        }
    }
}

/// The docs' reference of one plugin's keys: a Markdown table of key, the plugin's
/// parameter, the values it takes, its default (in `defaults`) and what it does.
#[cfg(test)]
pub fn reference<S>(table: &[Setting<S>], defaults: &S) -> String {
    let mut out = String::from("| key | parameter | values | default | what it does |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for s in table {
        let values = match s.kind {
            Kind::Switch => "`true`, `false`".to_owned(),
            Kind::Number(f) => {
                let (lo, hi) = f.range.bounds();
                let scale = f.unit.session_scale() as f32;
                let unit = f.unit.session_unit();
                let unit = if unit.is_empty() {
                    String::new()
                } else {
                    format!(" {unit}")
                };
                format!("{} to {}{unit}", lo * scale, hi * scale)
            }
            Kind::Choice { keys, numeric, .. } => keys
                .iter()
                .map(|k| {
                    if numeric {
                        format!("`{k}`")
                    } else {
                        format!("`\"{k}\"`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let default = toml_value(s, s.get(defaults));
        writeln!(
            out,
            "| `{}` | {} | {values} | `{default}` | {} |",
            s.key, s.name, s.doc
        )
        .unwrap();
    }
    out
}
