//! The format checks of `stems check`: every stem at the same sample rate, bit depth,
//! channel count and length, and none cut off at its end. Each stem is held against what most
//! of the stems have, so the odd one out is the one named.

use super::{db, each, Check, Outcomes, Report, Stem};

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

/// A channel count as the channels check names it.
fn channels_text(n: usize) -> &'static str {
    match n {
        1 => "mono",
        2 => "stereo",
        _ => "?",
    }
}

/// Adds the format checks' outcomes to `out`.
pub(super) fn evaluate(r: &Report, out: &mut Outcomes) {
    let l = &r.limits;
    let stems = &r.stems;
    out.push(
        Check::Rate,
        format!("{} Hz", r.rate_hz),
        each(stems, &|s| {
            (s.figures.rate_hz != r.rate_hz)
                .then(|| format!("{} Hz; the others {} Hz", s.figures.rate_hz, r.rate_hz))
        }),
    );
    let depths: Vec<String> = stems.iter().map(|s| bit_depth(&s.format)).collect();
    let depth = most_common(&depths, |d| d.clone()).unwrap_or_default();
    out.push(
        Check::BitDepth,
        depth.clone(),
        each(stems, &|s| {
            let d = bit_depth(&s.format);
            (d != depth).then(|| format!("{d}; the others {depth}"))
        }),
    );
    let counts: Vec<usize> = stems.iter().map(|s| s.figures.channels.len()).collect();
    let count = most_common(&counts, |c| *c).unwrap_or(2);
    out.push(
        Check::Channels,
        channels_text(count).to_owned(),
        each(stems, &|s| {
            let c = s.figures.channels.len();
            (c != count)
                .then(|| format!("{}; the others {}", channels_text(c), channels_text(count)))
        }),
    );
    // Lengths in session frames; a stem at the session rate must match to the frame, one at
    // another rate to within one session frame.
    let session_frames = |s: &Stem| {
        (s.figures.frames as f64 * f64::from(r.rate_hz) / f64::from(s.figures.rate_hz.max(1)))
            .round() as i64
    };
    let lengths: Vec<i64> = stems.iter().map(session_frames).collect();
    let length = most_common(&lengths, |l| *l).unwrap_or(0);
    let seconds = |frames: i64| frames as f64 / f64::from(r.rate_hz);
    out.push(
        Check::Length,
        format!("{:.3} s ({length} frames)", seconds(length)),
        each(stems, &|s| {
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
    out.push(
        Check::Tail,
        format!(
            "the last {} ms of each stem under {} dBFS",
            l.tail_ms, l.floor
        ),
        each(stems, &|s| {
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
}
