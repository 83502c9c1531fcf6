//! What `stems check` prints (a table of the stems' figures, every check with its result,
//! the null test) and writes with `--json` (schema `stem-suite/check`, documented in
//! `docs/check-json.md`).

use std::fmt::Write;

use serde_json::{json, Value};

use super::measure::{linear_to_db, Figures};
use super::null::{NullTest, RESIDUAL_FLOOR_DB};
use super::rules::{bit_depth, CheckResult};
use super::{Report, Stem};

/// Version of the JSON schema (see `docs/check-json.md`).
pub const JSON_VERSION: u32 = 1;

fn db_text(linear: f32) -> String {
    let v = linear_to_db(f64::from(linear));
    if v.is_finite() {
        format!("{v:.1}")
    } else {
        "-inf".to_owned()
    }
}

fn at(frame: Option<usize>, f: &Figures) -> String {
    frame.map_or("-".to_owned(), |n| {
        format!("{:.3}", n as f64 / f64::from(f.rate_hz.max(1)))
    })
}

/// The text printed to standard output.
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    let song = r
        .naming
        .song
        .as_ref()
        .map_or(String::new(), |n| format!("; song `{n}`"));
    let _ = writeln!(
        s,
        "{} stems, summed at {} Hz{song}",
        r.stems.len(),
        r.rate_hz
    );
    let _ = writeln!(s);
    let width = r
        .stems
        .iter()
        .map(|x| x.name.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4);
    let _ = writeln!(
        s,
        "{:<width$}  {:<14}  {:>6}  {:<12}  {:<6}  {:>9}  {:>7}  {:>9}  {:>6}  {:>6}  {:>5}",
        "STEM",
        "ROLE",
        "RATE",
        "FORMAT",
        "CH",
        "LENGTH s",
        "START s",
        "END s",
        "PEAK",
        "TP",
        "CORR"
    );
    let row = |s: &mut String, name: &str, role: &str, format: &str, f: &Figures| {
        let _ = writeln!(
            s,
            "{:<width$}  {:<14}  {:>6}  {:<12}  {:<6}  {:>9.3}  {:>7}  {:>9}  {:>6}  {:>6}  {:>5}",
            name,
            role,
            f.rate_hz,
            format,
            match f.channels.len() {
                1 => "mono",
                _ => "stereo",
            },
            f.seconds(),
            at(f.start, f),
            at(f.end, f),
            db_text(f.sample_peak),
            db_text(f.true_peak),
            f.correlation.map_or("-".to_owned(), |c| format!("{c:.2}")),
        );
    };
    for (x, (role, src)) in r.stems.iter().zip(&r.naming.roles) {
        let role = format!(
            "{}{}",
            role.label(),
            match src {
                super::names::RoleSource::Given => "",
                super::names::RoleSource::Name => "*",
                super::names::RoleSource::Unknown => "?",
            }
        );
        row(&mut s, &x.name, &role, &bit_depth(&x.format), &x.figures);
    }
    row(&mut s, "sum", "", "", &r.sum);
    if let Some((mix, _)) = &r.mix {
        row(&mut s, "mix", "", &bit_depth(&mix.format), &mix.figures);
    }
    let _ = writeln!(
        s,
        "(peaks in dBFS and dBTP; * role from the file name, ? no role in the name)"
    );
    let _ = writeln!(s);
    let cw = r
        .checks
        .iter()
        .map(|c| c.check.key().len())
        .max()
        .unwrap_or(5);
    let _ = writeln!(s, "{:<cw$}  {:<7}  DETAIL", "CHECK", "RESULT");
    for c in &r.checks {
        if c.passed() {
            let _ = writeln!(
                s,
                "{:<cw$}  {:<7}  {}",
                c.check.key(),
                c.status(),
                c.summary
            );
        }
        for (k, (subject, why)) in c.failures.iter().enumerate() {
            let (name, status) = if k == 0 {
                (c.check.key(), c.status())
            } else {
                ("", "")
            };
            let _ = writeln!(s, "{name:<cw$}  {status:<7}  {subject}: {why}");
        }
    }
    if let Some((mix, t)) = &r.mix {
        null_text(&mut s, mix, t);
    }
    let failed = r.checks.iter().filter(|c| !c.counts_as_pass()).count();
    let warned: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.status() == "warn")
        .map(|c| c.check.key())
        .collect();
    let warned = if warned.is_empty() {
        String::new()
    } else {
        format!(" Warnings: {}.", warned.join(", "))
    };
    let _ = writeln!(s);
    if failed == 0 {
        let _ = writeln!(s, "Passed: no check failed.{warned}");
    } else {
        let _ = writeln!(
            s,
            "FAILED: {failed} of {} checks: {}.{warned}",
            r.checks.len(),
            r.checks
                .iter()
                .filter(|c| !c.counts_as_pass())
                .map(|c| c.check.key())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s
}

fn null_text(s: &mut String, mix: &Stem, t: &NullTest) {
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Null test: the stems' sum against {}",
        mix.path.display()
    );
    let agree = t
        .windows
        .iter()
        .filter(|w| w.reliable && w.offset == t.offset)
        .count();
    let _ = writeln!(
        s,
        "  offset    {:+} frames; {agree} of {} correlation windows agree",
        t.offset,
        t.windows.len()
    );
    let _ = writeln!(
        s,
        "  polarity  {}",
        if t.inverted { "inverted" } else { "normal" }
    );
    let _ = writeln!(
        s,
        "  gain      {} (the mix against the sum)",
        super::rules::signed_db_text(t.gain_db)
    );
    if t.residual_db <= RESIDUAL_FLOOR_DB {
        let _ = writeln!(
            s,
            "  residual  none: the aligned sum is the mix, sample for sample"
        );
    } else {
        let _ = writeln!(
            s,
            "  residual  {:.1} dB against the mix, after alignment",
            t.residual_db
        );
    }
    match (&t.worst, t.sections.is_empty()) {
        (Some(w), false) => {
            let _ = writeln!(
                s,
                "  worst     {:.2} s to {:.2} s: {:.1} dB ({} stretch{} over the limit)",
                w.start_s,
                w.end_s,
                w.residual_db,
                t.sections.len(),
                if t.sections.len() == 1 { "" } else { "es" }
            );
        }
        (Some(w), true) if w.residual_db > RESIDUAL_FLOOR_DB => {
            let _ = writeln!(
                s,
                "  worst     {:.2} s to {:.2} s: {:.1} dB (nothing over the limit)",
                w.start_s, w.end_s, w.residual_db
            );
        }
        _ => {}
    }
    let _ = writeln!(s, "  residual per second, dB against the mix:");
    for (row, chunk) in t.timeline_db.chunks(10).enumerate() {
        let values: Vec<String> = chunk
            .iter()
            .map(|v| v.map_or("   -".to_owned(), |v| format!("{:>4.0}", v.max(-999.0))))
            .collect();
        let _ = writeln!(s, "    {:>5} s  {}", row * 10, values.join(" "));
    }
    for h in &t.hints {
        let _ = writeln!(s, "  Hint: {}", h.text);
    }
}

fn num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

fn db_json(linear: f32) -> Value {
    num(linear_to_db(f64::from(linear)))
}

fn seconds_json(frame: Option<usize>, f: &Figures) -> Value {
    frame.map_or(Value::Null, |n| {
        json!(n as f64 / f64::from(f.rate_hz.max(1)))
    })
}

/// The levels and channel figures of one signal.
fn figures_json(f: &Figures) -> Value {
    json!({
        "sample_rate_hz": f.rate_hz,
        "channels": f.channels.len(),
        "frames": f.frames,
        "seconds": f.seconds(),
        "start_s": seconds_json(f.start, f),
        "end_s": seconds_json(f.end, f),
        "tail_peak_dbfs": db_json(f.tail_peak),
        "sample_peak_dbfs": db_json(f.sample_peak),
        "true_peak_dbtp": db_json(f.true_peak),
        "clipped_runs": f.clip_runs,
        "clipped_samples": f.clipped_samples,
        "first_clip_s": seconds_json(f.first_clip, f),
        "overs": f.overs,
        "first_over_s": seconds_json(f.first_over, f),
        "dc_offset_dbfs": f.channels.iter().map(|c| num(linear_to_db(c.mean))).collect::<Vec<_>>(),
        "channel_peak_dbfs": f.channels.iter().map(|c| db_json(c.peak)).collect::<Vec<_>>(),
        "correlation": f.correlation.map_or(Value::Null, num),
        "side_to_mid_db": f.side_to_mid_db.map_or(Value::Null, num),
    })
}

fn failed_checks(r: &Report, subject: &str) -> Vec<&'static str> {
    r.checks
        .iter()
        .filter(|c| c.failures.iter().any(|(s, _)| s == subject))
        .map(|c| c.check.key())
        .collect()
}

fn check_json(c: &CheckResult) -> Value {
    json!({
        "check": c.check.key(),
        "group": c.check.group(),
        "status": c.status().to_lowercase(),
        "pass": c.passed(),
        "ignored": c.ignored,
        "warn_only": c.warn_only,
        "summary": c.summary,
        "failures": c.failures.iter().map(|(s, why)| json!({"subject": s, "detail": why})).collect::<Vec<_>>(),
    })
}

fn null_json(mix: &Stem, t: &NullTest, r: &Report) -> Value {
    let section = |s: &super::null::Section| json!({"start_s": s.start_s, "end_s": s.end_s, "residual_db": s.residual_db});
    let mut figures = figures_json(&mix.figures);
    if let Value::Object(map) = &mut figures {
        map.insert("file".into(), json!(mix.path.display().to_string()));
        map.insert("format".into(), json!(mix.format));
        map.insert("bit_depth".into(), json!(bit_depth(&mix.format)));
        map.insert("offset_frames".into(), json!(t.offset));
        map.insert(
            "offset_ms".into(),
            json!(t.offset as f64 * 1000.0 / f64::from(r.rate_hz)),
        );
        map.insert(
            "polarity".into(),
            json!(if t.inverted { "inverted" } else { "normal" }),
        );
        map.insert("gain_db".into(), num(t.gain_db));
        map.insert("residual_db".into(), num(t.residual_db));
        map.insert("residual_step_s".into(), json!(1.0));
        map.insert(
            "residual_timeline_db".into(),
            json!(t
                .timeline_db
                .iter()
                .map(|v| v.map_or(Value::Null, num))
                .collect::<Vec<_>>()),
        );
        map.insert(
            "worst_section".into(),
            t.worst.as_ref().map_or(Value::Null, section),
        );
        map.insert(
            "sections".into(),
            json!(t.sections.iter().map(section).collect::<Vec<_>>()),
        );
        map.insert(
            "windows".into(),
            json!(t
                .windows
                .iter()
                .map(|w| json!({"at_s": w.at_s, "offset_frames": w.offset, "correlation": w.correlation, "reliable": w.reliable}))
                .collect::<Vec<_>>()),
        );
        map.insert(
            "drift".into(),
            t.drift.map_or(Value::Null, |d| {
                json!({
                    "first": {"at_s": d.first.0, "offset_frames": d.first.1},
                    "last": {"at_s": d.last.0, "offset_frames": d.last.1},
                    "ppm": d.ppm,
                    "steady": d.steady,
                })
            }),
        );
        map.insert("swapped".into(), json!(t.swapped_mix));
        map.insert(
            "swapped_stems".into(),
            json!(t
                .swapped_stems
                .iter()
                .map(|&k| r.stems[k].name.clone())
                .collect::<Vec<_>>()),
        );
        map.insert(
            "hints".into(),
            json!(t
                .hints
                .iter()
                .map(|h| json!({"kind": h.kind.key(), "text": h.text}))
                .collect::<Vec<_>>()),
        );
        map.insert("failed_checks".into(), json!(failed_checks(r, "mix")));
    }
    figures
}

/// The JSON document (`--json`).
pub fn json(r: &Report) -> Value {
    let stems: Vec<Value> = r
        .stems
        .iter()
        .zip(&r.naming.roles)
        .map(|(s, (role, src))| {
            let mut v = figures_json(&s.figures);
            if let Value::Object(map) = &mut v {
                map.insert("name".into(), json!(s.name));
                map.insert("file".into(), json!(s.path.display().to_string()));
                map.insert(
                    "role".into(),
                    json!(role.label().to_lowercase().replace(' ', "_")),
                );
                map.insert("role_source".into(), json!(src.key()));
                map.insert("format".into(), json!(s.format));
                map.insert("bit_depth".into(), json!(bit_depth(&s.format)));
                map.insert("non_finite_samples".into(), json!(s.non_finite));
                map.insert("failed_checks".into(), json!(failed_checks(r, &s.name)));
            }
            v
        })
        .collect();
    let mut sum = figures_json(&r.sum);
    if let Value::Object(map) = &mut sum {
        map.insert("failed_checks".into(), json!(failed_checks(r, "sum")));
    }
    let l = &r.limits;
    json!({
        "schema": "stem-suite/check",
        "version": JSON_VERSION,
        "tool": format!("stems {}", env!("CARGO_PKG_VERSION")),
        "pass": r.passed(),
        "failed": r.checks.iter().filter(|c| !c.counts_as_pass()).map(|c| c.check.key()).collect::<Vec<_>>(),
        "sample_rate_hz": r.rate_hz,
        "song_name": r.naming.song,
        "notices": r.notices,
        "limits": {
            "residual_max_db": l.residual_max,
            "gain_tolerance_db": l.gain_tolerance,
            "offset_max_frames": l.offset_max,
            "max_offset_s": l.max_offset,
            "true_peak_max_dbtp": l.true_peak_max,
            "floor_dbfs": l.floor,
            "tail_ms": l.tail_ms,
            "clip_run": l.clip_run,
            "dc_max_dbfs": l.dc_max,
            "fake_stereo_db": l.fake_stereo,
            "inverted_corr": l.inverted_corr,
        },
        "checks": r.checks.iter().map(check_json).collect::<Vec<_>>(),
        "stems": stems,
        "sum": sum,
        "mix": r.mix.as_ref().map_or(Value::Null, |(m, t)| null_json(m, t, r)),
    })
}
