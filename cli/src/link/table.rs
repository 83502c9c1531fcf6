//! The text output of `stems link status`: a table of the live Masters, a table of the live
//! Strips, then the warnings each Master left, fitted to fixed-width columns.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use shared_dsp::link::{GroupId, InstanceInfo, MasterInfo};
use shared_dsp::snapshot::FLOOR_DB;

use super::json::StatusJson;

/// Sorts Strips by group, role and name (then slot), the order both outputs list them in.
pub fn sort_instances(instances: &mut [InstanceInfo]) {
    instances.sort_by(|a, b| {
        let key = |i: &InstanceInfo| {
            (
                i.group,
                i.snapshot.map(|s| s.role),
                i.snapshot.map(|s| s.name.as_str().to_owned()),
            )
        };
        key(a).cmp(&key(b)).then(a.slot.cmp(&b.slot))
    });
}

/// A loudness for the table: one decimal, `-inf` at the floor (silence).
fn fmt_lufs(v: f32) -> String {
    if v <= FLOOR_DB {
        "-inf".to_owned()
    } else {
        format!("{v:.1}")
    }
}

/// `s` cut to `width` characters, its last one an ellipsis when cut.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Prints the status as text: the segment, the live Masters, the live Strips (of `group`
/// only, when given) and each Master's warnings.
pub fn print_table(
    out: &mut impl Write,
    path: &Path,
    report: &StatusJson,
    masters: &[MasterInfo],
    instances: &[InstanceInfo],
    group: Option<GroupId>,
) -> Result<()> {
    writeln!(out, "Stem link segment: {}", path.display())?;
    match report.state {
        "absent" => {
            writeln!(
                out,
                "No segment: no Stem Strip or Stem Master has run for this user since boot \
                 (or STEM_SUITE_LINK_DIR points elsewhere)."
            )?;
            return Ok(());
        }
        "unusable" => {
            writeln!(
                out,
                "The segment is unusable: {}",
                report.error.as_deref().unwrap_or("?")
            )?;
            return Ok(());
        }
        _ => {}
    }
    writeln!(out)?;
    if masters.is_empty() {
        writeln!(out, "Masters: none live")?;
    } else {
        writeln!(out, "Masters: {} live", masters.len())?;
        writeln!(
            out,
            "  {:<16}  {:<24}  {:<16}  {:>8}  {:>7}",
            "GROUP", "TRACK", "HOST", "PID", "AGE ms"
        )?;
        for m in masters {
            writeln!(
                out,
                "  {:<16}  {:<24}  {:<16}  {:>8}  {:>7}",
                m.group.to_string(),
                fit(&m.track_name, 24),
                fit(&m.host_process, 16),
                m.pid,
                m.age_ms
            )?;
        }
    }
    writeln!(out)?;
    let scope = group.map_or(String::new(), |g| format!(" in group {g}"));
    if instances.is_empty() {
        writeln!(out, "Strips: none live{scope}")?;
        return Ok(());
    }
    writeln!(out, "Strips: {} live{scope}", instances.len())?;
    writeln!(
        out,
        "  {:<16}  {:<14}  {:<24}  {:>7}  {:>10}  {:>10}  {:>8}",
        "GROUP", "ROLE", "NAME", "AGE ms", "SHORT LUFS", "MOM LUFS", "PID"
    )?;
    for i in instances {
        let group = i.group.map_or("(unbound)".to_owned(), |g| g.to_string());
        let (role, name, st, mom) = match &i.snapshot {
            Some(s) => (
                s.role.label().to_owned(),
                s.name.as_str().to_owned(),
                fmt_lufs(s.shortterm_lufs),
                fmt_lufs(s.momentary_lufs),
            ),
            None => (
                "-".into(),
                "(no snapshot yet)".into(),
                "-".into(),
                "-".into(),
            ),
        };
        writeln!(
            out,
            "  {:<16}  {:<14}  {:<24}  {:>7}  {:>10}  {:>10}  {:>8}",
            group,
            role,
            fit(&name, 24),
            i.age_ms,
            st,
            mom,
            i.pid
        )?;
    }
    for m in &report.masters {
        if m.warnings.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "Warnings of the Master of group {}:", m.group)?;
        for w in &m.warnings {
            writeln!(out, "  {}: {}", w.stem, w.verdict.text)?;
        }
    }
    Ok(())
}
