//! Every check of `stems check` ([`Check`]), its outcome ([`CheckResult`]) and how a report
//! is judged ([`evaluate`]). What each check compares, against which limit, and what it says
//! when a stem (or the sum, or the mix) fails it is in the file of its group: `format`,
//! `levels`, `channels`, `names` and `null_test`.

mod channels;
mod format;
mod levels;
mod names;
mod null_test;

use super::measure::linear_to_db;
use super::{Report, Stem};

pub use format::bit_depth;
pub(crate) use null_test::signed_db_text;

/// One check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Rate,
    BitDepth,
    Channels,
    Length,
    Tail,
    Silent,
    TruePeak,
    Clipping,
    FloatOvers,
    NonFinite,
    DcOffset,
    FakeStereo,
    OneChannelSilent,
    InvertedChannel,
    Role,
    DuplicateRole,
    SongName,
    MixRate,
    Offset,
    Polarity,
    Gain,
    Residual,
    Drift,
    SwappedChannels,
}

impl Check {
    /// Every check, in the order listed.
    pub const ALL: [Check; 24] = [
        Check::Rate,
        Check::BitDepth,
        Check::Channels,
        Check::Length,
        Check::Tail,
        Check::Silent,
        Check::TruePeak,
        Check::Clipping,
        Check::FloatOvers,
        Check::NonFinite,
        Check::DcOffset,
        Check::FakeStereo,
        Check::OneChannelSilent,
        Check::InvertedChannel,
        Check::Role,
        Check::DuplicateRole,
        Check::SongName,
        Check::MixRate,
        Check::Offset,
        Check::Polarity,
        Check::Gain,
        Check::Residual,
        Check::Drift,
        Check::SwappedChannels,
    ];

    /// Its name in the JSON and for `--ignore`.
    pub fn key(self) -> &'static str {
        match self {
            Check::Rate => "rate",
            Check::BitDepth => "bit_depth",
            Check::Channels => "channels",
            Check::Length => "length",
            Check::Tail => "tail",
            Check::Silent => "silent",
            Check::TruePeak => "true_peak",
            Check::Clipping => "clipping",
            Check::FloatOvers => "float_overs",
            Check::NonFinite => "non_finite",
            Check::DcOffset => "dc_offset",
            Check::FakeStereo => "fake_stereo",
            Check::OneChannelSilent => "one_channel_silent",
            Check::InvertedChannel => "inverted_channel",
            Check::Role => "role",
            Check::DuplicateRole => "duplicate_role",
            Check::SongName => "song_name",
            Check::MixRate => "mix_rate",
            Check::Offset => "offset",
            Check::Polarity => "polarity",
            Check::Gain => "gain",
            Check::Residual => "residual",
            Check::Drift => "drift",
            Check::SwappedChannels => "swapped_channels",
        }
    }

    /// The check named `key`.
    pub fn from_key(key: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Whether its failure fails the run, or only warns (a dual-mono stem, two stems of one
    /// role and names without a role are common in good deliveries: worth a look, not a
    /// rejection; `--strict` makes them fail too).
    pub fn warns_only(self) -> bool {
        matches!(
            self,
            Check::FakeStereo | Check::Role | Check::DuplicateRole | Check::SongName
        )
    }

    /// Its group: format, levels, channels, names or null test.
    pub fn group(self) -> &'static str {
        use Check::*;
        match self {
            Rate | BitDepth | Channels | Length | Tail => "format",
            Silent | TruePeak | Clipping | FloatOvers | NonFinite => "levels",
            DcOffset | FakeStereo | OneChannelSilent | InvertedChannel | SwappedChannels => {
                "channels"
            }
            Role | DuplicateRole | SongName => "names",
            MixRate | Offset | Polarity | Gain | Residual | Drift => "null test",
        }
    }
}

/// A check's outcome.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Which check.
    pub check: Check,
    /// What was found overall, e.g. "48000 Hz" or "-0.8 dBTP at most".
    pub summary: String,
    /// Each subject (a stem's name, "sum" or "mix") that failed, and why.
    pub failures: Vec<(String, String)>,
    /// Whether `--ignore` names it.
    pub ignored: bool,
    /// Whether a failure only warns (see [`Check::warns_only`]; not with `--strict`).
    pub warn_only: bool,
}

impl CheckResult {
    /// Whether nothing failed it.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Whether it passed, only warns or is ignored.
    pub fn counts_as_pass(&self) -> bool {
        self.passed() || self.ignored || self.warn_only
    }

    /// "pass", "FAIL", "warn" or "ignored".
    pub fn status(&self) -> &'static str {
        if self.passed() {
            "pass"
        } else if self.ignored {
            "ignored"
        } else if self.warn_only {
            "warn"
        } else {
            "FAIL"
        }
    }
}

/// The outcomes so far, in the order the checks ran, marked as `--ignore` and `--strict` say.
struct Outcomes<'a> {
    list: Vec<CheckResult>,
    ignore: &'a [Check],
    strict: bool,
}

impl Outcomes<'_> {
    /// Adds `check`'s outcome: what was found overall and each subject that failed, and why.
    fn push(&mut self, check: Check, summary: String, failures: Vec<(String, String)>) {
        self.list.push(CheckResult {
            check,
            summary,
            failures,
            ignored: self.ignore.contains(&check),
            warn_only: check.warns_only() && !self.strict,
        })
    }
}

/// Each of `stems` that `test` fails, with why.
fn each(stems: &[Stem], test: &dyn Fn(&Stem) -> Option<String>) -> Vec<(String, String)> {
    stems
        .iter()
        .filter_map(|s| test(s).map(|why| (s.name.clone(), why)))
        .collect()
}

/// A linear level in dB.
fn db(x: f64) -> f64 {
    linear_to_db(x)
}

/// Runs every check on `r`, group by group; `strict`: warnings fail too.
pub fn evaluate(r: &Report, ignore: &[Check], strict: bool) -> Vec<CheckResult> {
    let mut out = Outcomes {
        list: Vec::new(),
        ignore,
        strict,
    };
    format::evaluate(r, &mut out);
    levels::evaluate(r, &mut out);
    channels::evaluate(r, &mut out);
    names::evaluate(r, &mut out);
    null_test::evaluate(r, &mut out);
    out.list
}
