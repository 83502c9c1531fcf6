//! Every check of `stems check`: what it compares, against which limit, and what it says
//! when a stem (or the sum, or the mix) fails it.

use shared_dsp::role::StemRole;

use super::measure::{linear_to_db, Figures};
use super::names::RoleSource;
use super::{Limits, Report};

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

/// The bit depth a format string gives: "24-bit", "32-bit float".
pub fn bit_depth(format: &str) -> String {
    let bits = format
        .split("-bit")
        .next()
        .filter(|b| b.parse::<u32>().is_ok());
    let float = format.contains("F32") || format.contains("F64");
    match (bits, float) {
        (Some(b), true) => format!("{b}-bit float"),
        (Some(b), false) => format!("{b}-bit"),
        (None, _) => format.to_owned(),
    }
}

/// The most common of `values`; ties go to the one `prefer` ranks highest.
fn most_common<T: PartialEq + Clone, K: Ord>(values: &[T], prefer: impl Fn(&T) -> K) -> Option<T> {
    values
        .iter()
        .max_by_key(|v| (values.iter().filter(|x| x == v).count(), prefer(v)))
        .cloned()
}

fn db(x: f64) -> f64 {
    linear_to_db(x)
}

fn time(frame: usize, f: &Figures) -> f64 {
    frame as f64 / f64::from(f.rate_hz.max(1))
}

/// Runs every check on `r`; `strict`: warnings fail too.
pub fn evaluate(r: &Report, ignore: &[Check], strict: bool) -> Vec<CheckResult> {
    let l: &Limits = &r.limits;
    let mut out = Vec::new();
    let mut push = |check: Check, summary: String, failures: Vec<(String, String)>| {
        out.push(CheckResult {
            check,
            summary,
            failures,
            ignored: ignore.contains(&check),
            warn_only: check.warns_only() && !strict,
        })
    };
    let stems = &r.stems;
    let each = |test: &dyn Fn(&super::Stem) -> Option<String>| -> Vec<(String, String)> {
        stems
            .iter()
            .filter_map(|s| test(s).map(|why| (s.name.clone(), why)))
            .collect()
    };

    // Format.
    push(
        Check::Rate,
        format!("{} Hz", r.rate_hz),
        each(&|s| {
            (s.figures.rate_hz != r.rate_hz)
                .then(|| format!("{} Hz; the others {} Hz", s.figures.rate_hz, r.rate_hz))
        }),
    );
    let depths: Vec<String> = stems.iter().map(|s| bit_depth(&s.format)).collect();
    let depth = most_common(&depths, |d| d.clone()).unwrap_or_default();
    push(
        Check::BitDepth,
        depth.clone(),
        each(&|s| {
            let d = bit_depth(&s.format);
            (d != depth).then(|| format!("{d}; the others {depth}"))
        }),
    );
    let counts: Vec<usize> = stems.iter().map(|s| s.figures.channels.len()).collect();
    let count = most_common(&counts, |c| *c).unwrap_or(2);
    push(
        Check::Channels,
        channels_text(count).to_owned(),
        each(&|s| {
            let c = s.figures.channels.len();
            (c != count)
                .then(|| format!("{}; the others {}", channels_text(c), channels_text(count)))
        }),
    );
    // Lengths in session frames; a stem at the session rate must match to the frame, one at
    // another rate to within one session frame.
    let session_frames = |s: &super::Stem| {
        (s.figures.frames as f64 * f64::from(r.rate_hz) / f64::from(s.figures.rate_hz.max(1)))
            .round() as i64
    };
    let lengths: Vec<i64> = stems.iter().map(session_frames).collect();
    let length = most_common(&lengths, |l| *l).unwrap_or(0);
    let seconds = |frames: i64| frames as f64 / f64::from(r.rate_hz);
    push(
        Check::Length,
        format!("{:.3} s ({length} frames)", seconds(length)),
        each(&|s| {
            let n = session_frames(s);
            let slack = i64::from(s.figures.rate_hz != r.rate_hz);
            ((n - length).abs() > slack).then(|| {
                let diff = seconds(n - length) * 1000.0;
                format!(
                    "{:.3} s, {:.1} ms {} than the others' {:.3} s",
                    s.figures.seconds(),
                    diff.abs(),
                    if diff < 0.0 { "shorter" } else { "longer" },
                    seconds(length)
                )
            })
        }),
    );
    push(
        Check::Tail,
        format!(
            "the last {} ms of each stem under {} dBFS",
            l.tail_ms, l.floor
        ),
        each(&|s| {
            let f = &s.figures;
            (!f.is_silent() && db(f64::from(f.tail_peak)) >= l.floor).then(|| {
                format!(
                    "cut off: audio at {:.1} dBFS in its last {} ms",
                    db(f64::from(f.tail_peak)),
                    l.tail_ms
                )
            })
        }),
    );

    // Levels.
    push(
        Check::Silent,
        format!("every stem reaches {} dBFS", l.floor),
        each(&|s| {
            s.figures
                .is_silent()
                .then(|| format!("nothing reaches {} dBFS", l.floor))
        }),
    );
    let level_subjects: Vec<(&str, &Figures)> = stems
        .iter()
        .map(|s| (s.name.as_str(), &s.figures))
        .chain(std::iter::once(("sum", &r.sum)))
        .collect();
    let over_subjects = |test: &dyn Fn(&Figures) -> Option<String>| -> Vec<(String, String)> {
        level_subjects
            .iter()
            .filter_map(|(n, f)| test(f).map(|why| ((*n).to_owned(), why)))
            .collect()
    };
    let loudest_tp = level_subjects
        .iter()
        .map(|(_, f)| db(f64::from(f.true_peak)))
        .fold(f64::NEG_INFINITY, f64::max);
    push(
        Check::TruePeak,
        format!(
            "{loudest_tp:.1} dBTP at most (limit {:.1})",
            l.true_peak_max
        ),
        over_subjects(&|f| {
            let tp = db(f64::from(f.true_peak));
            (tp > l.true_peak_max).then(|| format!("{tp:+.2} dBTP (limit {:+.1})", l.true_peak_max))
        }),
    );
    push(
        Check::Clipping,
        format!("no run of {} full-scale samples", l.clip_run),
        over_subjects(&|f| {
            (f.clip_runs > 0).then(|| {
                format!(
                    "{} run{} of {} or more full-scale samples ({} samples), the first at {:.3} s",
                    f.clip_runs,
                    if f.clip_runs == 1 { "" } else { "s" },
                    l.clip_run,
                    f.clipped_samples,
                    time(f.first_clip.unwrap_or(0), f)
                )
            })
        }),
    );
    push(
        Check::FloatOvers,
        "nothing over 0 dBFS".to_owned(),
        over_subjects(&|f| {
            (f.overs > 0).then(|| {
                format!(
                    "{} samples over 0 dBFS (peak {:+.2} dBFS), the first at {:.3} s",
                    f.overs,
                    db(f64::from(f.sample_peak)),
                    time(f.first_over.unwrap_or(0), f)
                )
            })
        }),
    );
    push(
        Check::NonFinite,
        "every sample a number".to_owned(),
        each(&|s| {
            (s.non_finite > 0)
                .then(|| format!("{} NaN or infinite samples (read as silence)", s.non_finite))
        }),
    );

    // Channels.
    push(
        Check::DcOffset,
        format!("under {} dBFS", l.dc_max),
        each(&|s| {
            let (k, dc) = s
                .figures
                .channels
                .iter()
                .enumerate()
                .map(|(k, c)| (k, db(c.mean)))
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            (dc > l.dc_max).then(|| {
                format!(
                    "{dc:.1} dBFS on the {}",
                    channel_name(k, s.figures.channels.len())
                )
            })
        }),
    );
    push(
        Check::FakeStereo,
        "no stereo stem with identical channels".to_owned(),
        each(&|s| {
            let side = s.figures.side_to_mid_db?;
            (side <= l.fake_stereo).then(|| {
                if side <= -300.0 {
                    "left and right identical: a mono stem in a stereo file".to_owned()
                } else {
                    format!(
                        "left and right the same to {:.0} dB: a mono stem in a stereo file",
                        -side
                    )
                }
            })
        }),
    );
    let floor_lin = super::measure::db_to_linear(l.floor) as f32;
    push(
        Check::OneChannelSilent,
        "both channels of every stereo stem audible".to_owned(),
        each(&|s| {
            let f = &s.figures;
            let [a, b] = f.channels.as_slice() else {
                return None;
            };
            (!f.is_silent() && (a.peak < floor_lin || b.peak < floor_lin)).then(|| {
                let k = usize::from(b.peak < floor_lin);
                format!("the {} channel is silent", channel_name(k, 2))
            })
        }),
    );
    push(
        Check::InvertedChannel,
        "no channel polarity-inverted against the other".to_owned(),
        each(&|s| {
            let c = s.figures.correlation?;
            (c <= l.inverted_corr).then(|| {
                format!("left and right correlate at {c:.2}: one of them is polarity-inverted")
            })
        }),
    );

    // Names.
    let roles = &r.naming.roles;
    push(
        Check::Role,
        "a role in every name (or --role)".to_owned(),
        stems
            .iter()
            .zip(roles)
            .filter(|(_, (_, src))| *src == RoleSource::Unknown)
            .map(|(s, _)| {
                (
                    s.name.clone(),
                    "no role in the name (taken as music); rename it or give --role FILE=ROLE"
                        .to_owned(),
                )
            })
            .collect(),
    );
    push(
        Check::DuplicateRole,
        "each role once".to_owned(),
        stems
            .iter()
            .zip(roles)
            .filter_map(|(s, (role, _))| {
                let others: Vec<&str> = stems
                    .iter()
                    .zip(roles)
                    .filter(|(o, (x, _))| x == role && o.name != s.name)
                    .map(|(o, _)| o.name.as_str())
                    .collect();
                (!others.is_empty()).then(|| {
                    (
                        s.name.clone(),
                        format!("{} as {}", role_text(*role), others.join(", ")),
                    )
                })
            })
            .collect(),
    );
    push(
        Check::SongName,
        match &r.naming.song {
            Some(s) => format!("song name `{s}`"),
            None => "no song name shared by the names".to_owned(),
        },
        r.naming
            .outsiders
            .iter()
            .map(|&k| {
                (
                    stems[k].name.clone(),
                    format!(
                        "lacks the song name `{}` the other stems start with: from another song or version?",
                        r.naming.song.as_deref().unwrap_or("")
                    ),
                )
            })
            .collect(),
    );

    // The null test.
    if let Some((mix, t)) = &r.mix {
        let mix_failure = |fails: bool, why: String| -> Vec<(String, String)> {
            if fails {
                vec![("mix".to_owned(), why)]
            } else {
                Vec::new()
            }
        };
        push(
            Check::MixRate,
            format!("{} Hz", mix.figures.rate_hz),
            mix_failure(
                mix.figures.rate_hz != r.rate_hz,
                format!("{} Hz; the stems {} Hz", mix.figures.rate_hz, r.rate_hz),
            ),
        );
        let ms = t.offset as f64 * 1000.0 / f64::from(r.rate_hz);
        let offset_text = format!(
            "{:+} frames ({ms:+.3} ms){}",
            t.offset,
            match t.offset.signum() {
                1 => ": the mix is late",
                -1 => ": the mix is early",
                _ => "",
            }
        );
        push(
            Check::Offset,
            offset_text.clone(),
            mix_failure(t.offset.unsigned_abs() > l.offset_max, offset_text),
        );
        push(
            Check::Polarity,
            if t.inverted { "inverted" } else { "normal" }.to_owned(),
            mix_failure(
                t.inverted,
                "the mix is inverted against the stems' sum".to_owned(),
            ),
        );
        let gain_text = signed_db_text(t.gain_db);
        push(
            Check::Gain,
            gain_text.clone(),
            mix_failure(
                t.gain_db.abs() > l.gain_tolerance,
                format!("{gain_text} (tolerance ±{:.2} dB)", l.gain_tolerance),
            ),
        );
        let residual_text = format!("{:.1} dB against the mix", t.residual_db);
        push(
            Check::Residual,
            format!("{residual_text} (limit {:.1})", l.residual_max),
            mix_failure(
                t.residual_db > l.residual_max,
                format!(
                    "{residual_text} after alignment (limit {:.1})",
                    l.residual_max
                ),
            ),
        );
        push(
            Check::Drift,
            match &t.drift {
                Some(d) => format!("{:+} to {:+} frames", d.first.1, d.last.1),
                None => "none".to_owned(),
            },
            mix_failure(
                t.drift.is_some(),
                t.drift
                    .map(|d| {
                        format!(
                            "the offset goes from {:+} frames at {:.1} s to {:+} at {:.1} s",
                            d.first.1, d.first.0, d.last.1, d.last.0
                        )
                    })
                    .unwrap_or_default(),
            ),
        );
        let mut swapped = mix_failure(
            t.swapped_mix,
            "the sum matches far better with left and right swapped".to_owned(),
        );
        swapped.extend(t.swapped_stems.iter().map(|&k| {
            (
                stems[k].name.clone(),
                "the sum matches the mix far better with its left and right swapped".to_owned(),
            )
        }));
        push(Check::SwappedChannels, "none".to_owned(), swapped);
    }
    out
}

fn channels_text(n: usize) -> &'static str {
    match n {
        1 => "mono",
        2 => "stereo",
        _ => "?",
    }
}

fn channel_name(k: usize, of: usize) -> &'static str {
    match (k, of) {
        (_, 1) => "channel",
        (0, _) => "left",
        _ => "right",
    }
}

fn role_text(role: StemRole) -> String {
    role.label().to_lowercase()
}

/// A gain in dB to two decimals with its sign, "+0.00 dB" for what rounds to zero (not
/// "-0.00 dB" for a hair under it).
pub(crate) fn signed_db_text(db: f64) -> String {
    let rounded = (db * 100.0).round() / 100.0;
    format!("{:+.2} dB", if rounded == 0.0 { 0.0 } else { rounded })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gain_that_rounds_to_zero_reads_plus_zero() {
        assert_eq!(signed_db_text(-0.0004), "+0.00 dB");
        assert_eq!(signed_db_text(-0.0), "+0.00 dB");
        assert_eq!(signed_db_text(0.004), "+0.00 dB");
        assert_eq!(signed_db_text(-0.006), "-0.01 dB");
        assert_eq!(signed_db_text(3.0), "+3.00 dB");
    }
}
