//! The session file of `stems render` (`--session FILE.toml`): per-stem Strip settings, by
//! file name (`[stem.NAME]`) or by role (`[role.ROLE]`), and the Stem Master's settings
//! (`[master]`). The format is documented in `docs/cli.md` ("Session files").
//!
//! The keys are the plugins' settings lists (`shared_dsp::spec`), read and written by
//! [`table`]: a parameter's name as the plugin shows it, lower case, spaces and hyphens as
//! `_`, without the group's prefix inside its table ("Comp SC High-Pass" is `sc_high_pass`
//! in `[stem.NAME.compressor]`), in the unit the plugin shows (dB, Hz, ms, %, LUFS, dBTP),
//! and within the plugin's range. A key that is missing takes the plugin's default. An
//! unknown key, a value of the wrong type or out of range is an error that names the line.

pub mod table;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use shared_dsp::master::MasterSettings;
use shared_dsp::role::StemRole;
use shared_dsp::spec::{Choice, MasterSetup, StripSetup, Target, Value};
use shared_dsp::strip::StripSettings;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use table::{master_table, read_values, strip_table, write_table, Owner, Values};

/// A session file that cannot be used: the file, the line (when known) and what is wrong.
#[derive(Debug)]
pub struct SessionError {
    /// The session file.
    pub path: PathBuf,
    /// 1-based line of the offending key or value.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for SessionError {}

/// One stem's (or one role's) Strip settings.
pub type StemTable = Values<StripSetup>;

/// A whole session file.
#[derive(Debug, Default)]
pub struct Session {
    /// The Stem Master on the sum.
    pub master: Values<MasterSetup>,
    /// Strip settings for every stem of a role that has no `[stem.NAME]` table of its own.
    pub roles: BTreeMap<StemRole, StemTable>,
    /// Strip settings of one stem, keyed by its file name (with or without the extension),
    /// in the file's order.
    pub stems: Vec<(Spanned<String>, StemTable)>,
}

fn strip_owner() -> Owner<StripSetup> {
    Owner {
        plugin: "Stem Strip",
        tables: "[stem.NAME] or [role.ROLE]",
        table: strip_table(),
    }
}

fn master_owner() -> Owner<MasterSetup> {
    Owner {
        plugin: "Stem Master",
        tables: "[master]",
        table: master_table(),
    }
}

/// Byte span to a 1-based line number in `text`.
fn line_of(text: &str, span: &Range<usize>) -> usize {
    text[..span.start.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The table a key holds, or an error naming it.
fn sub_table<'a, 'i>(
    key: &Spanned<std::borrow::Cow<'i, str>>,
    value: &'a Spanned<DeValue<'i>>,
    what: &str,
) -> Result<&'a DeTable<'i>, table::TableError> {
    match value.get_ref() {
        DeValue::Table(t) => Ok(t),
        _ => Err((
            Some(key.span()),
            format!("`{}` must be a table: {what}", key.get_ref()),
        )),
    }
}

impl Session {
    /// Parses and checks session text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, SessionError> {
        let err = |(span, message): table::TableError| SessionError {
            path: path.to_owned(),
            line: span.map(|s| line_of(text, &s)),
            message,
        };
        let doc = DeTable::parse(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            err((e.span(), message))
        })?;
        let (strip, master) = (strip_owner(), master_owner());
        let mut session = Session::default();
        for (key, value) in doc.get_ref() {
            match key.get_ref().as_ref() {
                "master" => {
                    let t = sub_table(key, value, "[master]").map_err(err)?;
                    session.master = read_values(t, &master, &strip).map_err(err)?;
                }
                "role" => {
                    let roles = sub_table(key, value, "[role.ROLE]").map_err(err)?;
                    for (name, t) in roles {
                        let role = StemRole::parse(name.get_ref()).ok_or_else(|| {
                            let keys: Vec<String> =
                                StemRole::KEYS.iter().map(|k| k.to_string()).collect();
                            err((
                                Some(name.span()),
                                format!(
                                    "[role.{}]: not a role; give {}",
                                    name.get_ref(),
                                    table::one_of(&keys)
                                ),
                            ))
                        })?;
                        let t = sub_table(name, t, "[role.ROLE]").map_err(err)?;
                        let values = read_values(t, &strip, &master).map_err(err)?;
                        session.roles.insert(role, values);
                    }
                }
                "stem" => {
                    let stems = sub_table(key, value, "[stem.NAME]").map_err(err)?;
                    for (name, t) in stems {
                        let t = sub_table(name, t, "[stem.NAME]").map_err(err)?;
                        let values = read_values(t, &strip, &master).map_err(err)?;
                        let name = Spanned::new(name.span(), name.get_ref().to_string());
                        session.stems.push((name, values));
                    }
                }
                other => {
                    return Err(err((
                        Some(key.span()),
                        format!(
                            "unknown table `{other}`: a session has [master], [role.ROLE] and \
                             [stem.NAME]; see docs/cli.md, \"Session files\""
                        ),
                    )))
                }
            }
        }
        let m = &session.master;
        let custom = m.get("target") == Some(Value::Choice(Target::Custom.index()));
        if !custom && (m.get("custom_target").is_some() || m.get("custom_ceiling").is_some()) {
            return Err(err((
                None,
                "[master] custom_target and custom_ceiling need target = \"custom\"".into(),
            )));
        }
        Ok(session)
    }

    /// Checks that every `[stem.NAME]` names one of `files`; the error names the line.
    pub fn check_stems(
        &self,
        files: &[PathBuf],
        text_path: &Path,
        text: &str,
    ) -> Result<(), SessionError> {
        for (key, _) in &self.stems {
            if !files
                .iter()
                .any(|f| crate::roles::names_file(key.get_ref(), f))
            {
                let names: Vec<String> = files.iter().map(|f| crate::roles::stem_name(f)).collect();
                return Err(SessionError {
                    path: text_path.to_owned(),
                    line: Some(line_of(text, &key.span())),
                    message: format!(
                        "[stem.{}]: no input stem is named `{}`; the stems are {}",
                        toml_key(key.get_ref()),
                        key.get_ref(),
                        names.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// The table for the stem `file` of `role`: its own `[stem.NAME]`, else its role's,
    /// else none. Returns the table and where it came from (`stem.NAME`, `role.ROLE`).
    pub fn table_for(&self, file: &Path, role: StemRole) -> Option<(&StemTable, String)> {
        self.stems
            .iter()
            .find(|(k, _)| crate::roles::names_file(k.get_ref(), file))
            .map(|(k, t)| (t, format!("stem.{}", toml_key(k.get_ref()))))
            .or_else(|| {
                self.roles
                    .get(&role)
                    .map(|t| (t, format!("role.{}", role.key())))
            })
    }

    /// Everything the session sets on the Stem Master, over its defaults; learn is on
    /// unless the session says otherwise (`stems render` learns the gain in a first pass).
    pub fn master_setup(&self) -> MasterSetup {
        let mut s = MasterSetup {
            learn: true,
            ..MasterSetup::default()
        };
        self.master.apply(&mut s);
        s
    }

    /// The Stem Master's settings with the limiter at `ceiling_dbtp` (the target gain from
    /// `learned_gain`, dither off).
    pub fn master_settings(&self, ceiling_dbtp: f32) -> MasterSettings {
        let mut s = self.master_setup().settings;
        s.limiter.ceiling_db = ceiling_dbtp;
        s
    }

    /// The target (LUFS) and ceiling (dBTP) the session sets, and its name; the Stem
    /// Master's default (Streaming) when it sets none.
    pub fn target(&self) -> (f32, f32, Target) {
        let m = self.master_setup();
        let (t, c) = m.target_and_ceiling();
        (t, c, m.target)
    }

    /// Whether the Master learns the gain in a first pass (the default).
    pub fn learn(&self) -> bool {
        self.master_setup().learn
    }

    /// A session with every setting at the plugins' defaults and a `[stem.NAME]` table
    /// for each stem (`names` with their roles), as TOML text to edit.
    pub fn template(stems: &[(String, StemRole)]) -> String {
        let mut out = String::from(
            "# stems render session: Strip settings per stem ([stem.NAME], or [role.ROLE] for\n\
             # every stem of a role) and the Stem Master's ([master]). Names and units are the\n\
             # plugins' parameters'; a missing key takes the plugin's default. See docs/cli.md,\n\
             # \"Session files\".\n\n",
        );
        let master = Session::default().master_setup();
        // The custom target's figures count only with target = "custom".
        let commented = ["custom_target", "custom_ceiling"];
        write_table(&mut out, "master", master_table(), &master, &commented);
        for (name, role) in stems {
            let strip = StripSetup {
                role: *role,
                ..StripSetup::default()
            };
            out.push('\n');
            write_table(
                &mut out,
                &format!("stem.{}", toml_key(name)),
                strip_table(),
                &strip,
                &[],
            );
        }
        out
    }

    /// The docs' reference of every session key (`docs/cli.md`, "Session files").
    #[cfg(test)]
    pub fn reference() -> String {
        format!(
            "Stem Strip: `[stem.NAME]` and `[role.ROLE]`\n\n{}\nStem Master: `[master]`\n\n{}",
            table::reference(strip_table(), &StripSetup::default()),
            table::reference(master_table(), &Session::default().master_setup())
        )
    }
}

impl StemTable {
    /// The stem's role, if the table sets one.
    pub fn role(&self) -> Option<StemRole> {
        match self.get("role") {
            Some(Value::Choice(i)) => Some(StemRole::from_index(i as u32).unwrap_or_default()),
            _ => None,
        }
    }

    /// The Strip settings: the plugin's defaults, with what the table sets.
    pub fn settings(&self) -> StripSettings {
        let mut s = StripSetup::default();
        self.apply(&mut s);
        s.settings
    }
}

/// `name` as a TOML key: bare when it can be, else quoted.
pub fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::eq::{FilterSlope, Placement};
    use shared_dsp::spec::{Kind, Setting};

    fn parse(text: &str) -> Result<Session, SessionError> {
        Session::parse(text, Path::new("s.toml"))
    }

    #[test]
    fn an_empty_session_is_the_plugins_defaults() {
        let s = parse("").unwrap();
        assert_eq!(s.master_settings(-1.0), MasterSettings::default());
        assert_eq!(s.target(), (-14.0, -1.0, Target::Streaming));
        assert!(s.learn());
    }

    #[test]
    fn values_map_to_the_plugins_units() {
        let s = parse(
            r#"
[master]
target = "custom"
custom_target = -18
custom_ceiling = -2.0
output = -0.5

[master.bell_2]
on = true
gain = -2.5
placement = "side"

[master.glue]
on = true
auto_release = false

[stem.vox]
role = "lead_vocal"
trim = -3
width = 80
[stem.vox.compressor]
on = true
mix = 50
stereo_link = 25
ratio = 4
[stem.vox.high_pass]
on = true
freq = 120
slope = 48
"#,
        )
        .unwrap();
        assert_eq!(s.target(), (-18.0, -2.0, Target::Custom));
        let m = s.master_settings(-2.0);
        assert_eq!(m.output_db, -0.5);
        assert!(m.eq.bells[1].enabled);
        assert_eq!(m.eq.bells[1].gain_db, -2.5);
        assert_eq!(m.bell_placements[1], Placement::Side);
        assert!(m.compressor.enabled && !m.compressor_auto_release);
        assert_eq!(m.limiter.ceiling_db, -2.0);
        let (t, from) = s
            .table_for(Path::new("stems/vox.wav"), StemRole::Music)
            .unwrap();
        assert_eq!(from, "stem.vox");
        assert_eq!(t.role(), Some(StemRole::LeadVocal));
        let st = t.settings();
        assert_eq!(st.trim_db, -3.0);
        assert_eq!(st.width, 0.8);
        assert_eq!(st.compressor.mix, 0.5);
        assert_eq!(st.compressor.stereo_link, 0.25);
        assert_eq!(st.compressor.ratio, 4.0);
        assert_eq!(st.eq.high_pass.slope, FilterSlope::Db48);
        assert_eq!(st.eq.high_pass.freq_hz, 120.0);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("[master]\ninput = 1\n\n[stem.a]\ntirm = 2\n", 5, "tirm"),
            ("[stem.a]\ntrim = 40\n", 2, "40 dB is out of range"),
            ("[stem.a]\n[stem.a.high_pass]\nslope = 36\n", 3, "slope 36"),
            ("[master]\ntarget = \"loud\"\n", 2, "loud"),
            ("[role.drumz]\ntrim = 1\n", 1, "drumz"),
            ("[stem.a]\ntrim = \"loud\"\n", 2, "loud"),
            (
                "[stem.a.bell_1]\nplacement = \"mid\"\n",
                2,
                "the Stem Master's: put it in [master]",
            ),
            ("[stem.a.compressor]\nauto_release = true\n", 2, "glue"),
        ];
        for (text, line, what) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.to_string().contains(what), "{text}: {e}");
            assert!(
                e.to_string().starts_with(&format!("s.toml line {line}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn a_stem_that_is_not_there_is_named_with_its_line() {
        let text = "[stem.drums]\ntrim = 1\n\n[stem.\"lead vox\"]\ntrim = 2\n";
        let s = parse(text).unwrap();
        let files = [PathBuf::from("x/drums.wav"), PathBuf::from("x/bass.wav")];
        let e = s
            .check_stems(&files, Path::new("s.toml"), text)
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("`lead vox`"), "{e}");
        assert!(e.message.contains("drums, bass"), "{e}");
    }

    #[test]
    fn the_template_reads_back_as_the_defaults() {
        let text = Session::template(&[
            ("kick".into(), StemRole::Drums),
            ("lead vox".into(), StemRole::LeadVocal),
        ]);
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.master_settings(-1.0), MasterSettings::default());
        assert!(back.learn());
        let (table, _) = back
            .table_for(Path::new("lead vox.wav"), StemRole::Music)
            .unwrap();
        assert_eq!(table.settings(), StripSettings::default());
        assert_eq!(table.role(), Some(StemRole::LeadVocal));
        assert!(text.contains("[stem.\"lead vox\".compressor]"), "{text}");
        assert!(text.contains("q = 0.707"), "{text}");
    }

    /// Every setting moved off its default (switches flipped, numbers to 37 % of their
    /// range, choices to the next value).
    fn moved<S: Clone>(table: &[Setting<S>], defaults: &S) -> S {
        let mut s = defaults.clone();
        for setting in table {
            let v = match (setting.get(defaults), setting.kind) {
                (Value::Switch(b), _) => Value::Switch(!b),
                (Value::Number(_), Kind::Number(f)) => {
                    let (lo, hi) = f.range.bounds();
                    Value::Number(lo + 0.37 * (hi - lo))
                }
                (Value::Choice(i), Kind::Choice { keys, .. }) => {
                    Value::Choice((i + 1) % keys.len())
                }
                (v, _) => v,
            };
            setting.set(&mut s, v);
        }
        s
    }

    /// A parameter, its session key and its written value cannot drift apart: every
    /// setting of both plugins, moved off its default, written as `--write-session` writes
    /// it and read back, is the same.
    #[test]
    fn every_setting_round_trips_through_a_written_session() {
        let strip = moved(strip_table(), &StripSetup::default());
        let mut master = moved(master_table(), &Session::default().master_setup());
        master.target = Target::Custom;
        let mut text = String::new();
        table::write_table(&mut text, "master", master_table(), &master, &[]);
        text.push('\n');
        table::write_table(&mut text, "stem.a", strip_table(), &strip, &[]);
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let (t, _) = back.table_for(Path::new("a.wav"), StemRole::Music).unwrap();
        let mut strip_back = StripSetup::default();
        t.apply(&mut strip_back);
        assert_eq!(strip_back, strip, "{text}");
        assert_eq!(back.master_setup(), master, "{text}");
        for s in strip_table() {
            assert!(t.get(&s.key).is_some(), "{} not written", s.key);
        }
    }

    #[test]
    fn the_docs_list_every_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/cli.md");
        let docs = std::fs::read_to_string(&path).unwrap();
        let (begin, end) = ("<!-- session-keys -->\n", "<!-- /session-keys -->");
        let (Some(a), Some(b)) = (docs.find(begin), docs.find(end)) else {
            panic!("{}: no {begin:?} ... {end:?} section", path.display());
        };
        let table = Session::reference();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            let new = format!("{}{begin}{table}{}", &docs[..a], &docs[b..]);
            std::fs::write(&path, new).unwrap();
            return;
        }
        assert_eq!(
            docs[a + begin.len()..b],
            table,
            "{}: the session keys differ from the settings lists; rerun with UPDATE_SNAPSHOTS=1",
            path.display()
        );
    }

    #[test]
    fn roles_take_their_aliases_and_old_files_still_read() {
        let s = parse("[stem.v]\nrole = \"vox\"\n[stem.v.high_pass]\nslope = 12\n").unwrap();
        let (t, _) = s.table_for(Path::new("v.wav"), StemRole::Music).unwrap();
        assert_eq!(t.role(), Some(StemRole::LeadVocal));
        assert_eq!(t.settings().eq.high_pass.slope, FilterSlope::Db12);
        let s = parse("[role.vocal]\ntrim = 1\n").unwrap();
        assert!(s.roles.contains_key(&StemRole::LeadVocal));
    }
}
