//! `stems link ...`: diagnostics of the shared-memory link, and hidden helpers for tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Subcommand;
use serde::Serialize;
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::link::{
    segment_path, GroupId, InstanceInfo, LinkError, LinkReader, LinkWriter, MasterHandle,
    MasterInfo, Verdict, VerdictKind, VerdictList,
};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{clamp_db, StemName, StemSnapshot, FLOOR_DB};

/// Exit status when the segment exists but cannot be used.
const EXIT_UNUSABLE: u8 = 2;

#[derive(Subcommand)]
pub enum LinkCommand {
    /// List the live Stem Strips (group, role, name, age, loudness, pid) and Stem Masters.
    ///
    /// Loudness values are LUFS; -150 means silence. Exit status 0 when the segment is fine
    /// or absent, 2 when it exists but is unusable (the message says why and what to do).
    Status {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
        /// Only Strips of this group (16 hex digits, as printed).
        #[arg(long)]
        group: Option<GroupId>,
        /// Segment file to read (default: this user's, honouring STEM_SUITE_LINK_DIR).
        #[arg(long)]
        segment: Option<PathBuf>,
    },
    /// Test helper: publish a synthetic Strip snapshot at `--rate-hz` until killed (or for
    /// `--seconds`). Prints `ready <slot> <instance id>` once its slot is claimed.
    #[command(hide = true)]
    PublishTest {
        /// Role: drums, bass, music, lead_vocal, backing_vocals, fx, other.
        #[arg(long, value_parser = parse_role)]
        role: StemRole,
        /// Stem name.
        #[arg(long)]
        name: String,
        /// Momentary and short-term loudness to publish, LUFS.
        #[arg(long, allow_hyphen_values = true)]
        lufs: f32,
        /// Group to bind to (default: bind automatically to the only live Master).
        #[arg(long)]
        group: Option<GroupId>,
        /// Snapshots per second.
        #[arg(long, default_value_t = 30.0)]
        rate_hz: f64,
        /// Stop after this many seconds (default: run until killed).
        #[arg(long)]
        seconds: Option<f64>,
    },
    /// Test helper: hold a Stem Master registration until killed (or for `--seconds`). Prints
    /// `ready <group>` once registered.
    #[command(hide = true)]
    MasterTest {
        /// Group (default: a new random one).
        #[arg(long)]
        group: Option<GroupId>,
        /// Track name shown to Strips.
        #[arg(long, default_value = "Master")]
        name: String,
        /// Stop after this many seconds (default: run until killed).
        #[arg(long)]
        seconds: Option<f64>,
    },
}

pub fn run(cmd: LinkCommand) -> ExitCode {
    let result = match cmd {
        LinkCommand::Status {
            json,
            group,
            segment,
        } => status(json, group, segment),
        LinkCommand::PublishTest {
            role,
            name,
            lufs,
            group,
            rate_hz,
            seconds,
        } => publish_test(role, &name, lufs, group, rate_hz, seconds),
        LinkCommand::MasterTest {
            group,
            name,
            seconds,
        } => master_test(group, &name, seconds),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_role(s: &str) -> Result<StemRole, String> {
    StemRole::parse(s).ok_or_else(|| {
            format!(
                "unknown role `{s}`; use one of drums, bass, music, lead_vocal, backing_vocals, fx, other"
            )
        })
}

#[derive(Serialize)]
struct StatusJson {
    segment: String,
    /// "ok", "absent" or "unusable".
    state: &'static str,
    error: Option<String>,
    masters: Vec<MasterJson>,
    instances: Vec<InstanceJson>,
}

#[derive(Serialize)]
struct MasterJson {
    slot: usize,
    group: String,
    track_name: String,
    host_process: String,
    pid: u32,
    age_ms: u64,
    /// The live Strips of its group.
    stems: Vec<MasterStemJson>,
    /// What it concluded: every verdict it left on its Strips, except the masker's side of
    /// a masking warning (listed once, on the masked stem).
    warnings: Vec<WarningJson>,
}

#[derive(Serialize)]
struct MasterStemJson {
    instance_id: String,
    name: Option<String>,
    role: Option<StemRole>,
    shortterm_lufs: Option<f32>,
    gain_request_db: f32,
}

#[derive(Serialize)]
struct WarningJson {
    /// The stem the verdict was left on.
    stem: String,
    instance_id: String,
    #[serde(flatten)]
    verdict: VerdictJson,
}

#[derive(Serialize, Clone)]
struct VerdictJson {
    /// masked_by, masking, too_loud or too_quiet.
    kind: &'static str,
    other_name: String,
    other_role: StemRole,
    other_instance_id: String,
    low_hz: f32,
    high_hz: f32,
    amount_db: f32,
    share: f32,
    suggested_gain_db: f32,
    /// The verdict as the Strip shows it.
    text: String,
}

impl From<&Verdict> for VerdictJson {
    fn from(v: &Verdict) -> Self {
        VerdictJson {
            kind: match v.kind {
                VerdictKind::MaskedBy => "masked_by",
                VerdictKind::Masking => "masking",
                VerdictKind::TooLoud => "too_loud",
                VerdictKind::TooQuiet => "too_quiet",
            },
            other_name: v.other_name.as_str().to_owned(),
            other_role: v.other_role,
            other_instance_id: format!("{:016x}", v.other_instance),
            low_hz: v.low_hz,
            high_hz: v.high_hz,
            amount_db: v.amount_db,
            share: v.share,
            suggested_gain_db: v.suggested_gain_db,
            text: v.to_string(),
        }
    }
}

#[derive(Serialize)]
struct InstanceJson {
    slot: usize,
    /// Hex, like groups (a u64 does not survive a JavaScript number).
    instance_id: String,
    group: Option<String>,
    pid: u32,
    age_ms: u64,
    has_snapshot: bool,
    snapshot_age_ms: Option<u64>,
    role: Option<StemRole>,
    role_label: Option<&'static str>,
    name: Option<String>,
    momentary_lufs: Option<f32>,
    shortterm_lufs: Option<f32>,
    sample_peak_db: Option<f32>,
    true_peak_db: Option<f32>,
    rms_db: Option<f32>,
    correlation: Option<f32>,
    gain_reduction_db: Option<f32>,
    sample_rate_hz: Option<f32>,
    transport_playing: Option<bool>,
    transport_seconds: Option<f64>,
    gain_request_db: f32,
    /// The host's track colour, `#rrggbb`, when the Strip reported one.
    color: Option<String>,
    /// The verdicts a Master left for it.
    verdicts: Vec<VerdictJson>,
}

impl From<&MasterInfo> for MasterJson {
    fn from(m: &MasterInfo) -> Self {
        MasterJson {
            slot: m.slot,
            group: m.group.to_string(),
            track_name: m.track_name.clone(),
            host_process: m.host_process.clone(),
            pid: m.pid,
            age_ms: m.age_ms,
            stems: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl From<&InstanceInfo> for InstanceJson {
    fn from(i: &InstanceInfo) -> Self {
        let s = i.snapshot.as_ref();
        InstanceJson {
            slot: i.slot,
            instance_id: format!("{:016x}", i.instance_id),
            group: i.group.map(|g| g.to_string()),
            pid: i.pid,
            age_ms: i.age_ms,
            has_snapshot: s.is_some(),
            snapshot_age_ms: i.snapshot_age_ms,
            role: s.map(|s| s.role),
            role_label: s.map(|s| s.role.label()),
            name: s.map(|s| s.name.as_str().to_owned()),
            momentary_lufs: s.map(|s| s.momentary_lufs),
            shortterm_lufs: s.map(|s| s.shortterm_lufs),
            sample_peak_db: s.map(|s| s.sample_peak_db),
            true_peak_db: s.map(|s| s.true_peak_db),
            rms_db: s.map(|s| s.rms_db),
            correlation: s.map(|s| s.correlation),
            gain_reduction_db: s.map(|s| s.gain_reduction_db),
            sample_rate_hz: s.map(|s| s.sample_rate_hz),
            transport_playing: s.map(|s| s.transport.playing),
            transport_seconds: s
                .filter(|s| s.transport.known)
                .map(|s| s.transport.position_seconds),
            gain_request_db: i.gain_request_db,
            color: s
                .and_then(|s| s.color_rgb)
                .map(|[r, g, b]| format!("#{r:02x}{g:02x}{b:02x}")),
            verdicts: Vec::new(),
        }
    }
}

fn status(json: bool, group: Option<GroupId>, segment: Option<PathBuf>) -> Result<ExitCode> {
    let path = match segment {
        Some(p) => p,
        None => segment_path().context("finding the link segment")?,
    };
    let mut report = StatusJson {
        segment: path.display().to_string(),
        state: "ok",
        error: None,
        masters: Vec::new(),
        instances: Vec::new(),
    };
    let mut instances = Vec::new();
    let mut masters = Vec::new();
    let mut code = ExitCode::SUCCESS;
    match LinkReader::open_at(&path) {
        Ok(reader) => {
            reader.masters(&mut masters);
            reader.instances(group, &mut instances);
            sort_instances(&mut instances);
            report.instances = instances
                .iter()
                .map(|i| {
                    let mut list = VerdictList::new();
                    reader.verdicts(i.slot, i.instance_id, &mut list);
                    InstanceJson {
                        verdicts: list.as_slice().iter().map(VerdictJson::from).collect(),
                        ..InstanceJson::from(i)
                    }
                })
                .collect();
            report.masters = masters
                .iter()
                .map(|m| master_json(m, &instances, &report.instances))
                .collect();
        }
        Err(LinkError::NotFound { .. }) => report.state = "absent",
        Err(e) => {
            report.state = "unusable";
            report.error = Some(e.to_string());
            code = ExitCode::from(EXIT_UNUSABLE);
        }
    }
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &path, &report, &masters, &instances, group)?;
    }
    Ok(code)
}

/// A Master with its group's Strips and the warnings it left on them.
fn master_json(m: &MasterInfo, instances: &[InstanceInfo], json: &[InstanceJson]) -> MasterJson {
    let mut out = MasterJson::from(m);
    for (i, j) in instances.iter().zip(json) {
        if i.group != Some(m.group) {
            continue;
        }
        let name = j.name.clone();
        out.stems.push(MasterStemJson {
            instance_id: j.instance_id.clone(),
            name: name.clone(),
            role: j.role,
            shortterm_lufs: j.shortterm_lufs,
            gain_request_db: j.gain_request_db,
        });
        for v in j.verdicts.iter().filter(|v| v.kind != "masking") {
            out.warnings.push(WarningJson {
                stem: name.clone().unwrap_or_default(),
                instance_id: j.instance_id.clone(),
                verdict: v.clone(),
            });
        }
    }
    out
}

fn sort_instances(instances: &mut [InstanceInfo]) {
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

fn fmt_lufs(v: f32) -> String {
    if v <= FLOOR_DB {
        "-inf".to_owned()
    } else {
        format!("{v:.1}")
    }
}

fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn print_table(
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

/// The synthetic snapshot of `publish-test`: every level at `lufs` (peaks 10 dB above), a
/// flat spectrum, transport playing at the elapsed time.
fn synthetic_snapshot(role: StemRole, name: &str, lufs: f32, elapsed_s: f64) -> StemSnapshot {
    let lufs = clamp_db(lufs);
    StemSnapshot {
        role,
        name: StemName::new(name),
        sample_rate_hz: 48_000.0,
        momentary_lufs: lufs,
        shortterm_lufs: lufs,
        sample_peak_db: clamp_db(lufs + 10.0),
        true_peak_db: clamp_db(lufs + 10.5),
        rms_db: lufs,
        correlation: 1.0,
        gain_reduction_db: 0.0,
        band_db: [[clamp_db(lufs - 10.0); NUM_BANDS]; 2],
        masking_db: [[clamp_db(lufs - 10.0); NUM_BANDS]; 2],
        transport: shared_dsp::snapshot::TransportPosition {
            playing: true,
            known: true,
            position_seconds: elapsed_s,
        },
        color_rgb: None,
    }
}

fn publish_test(
    role: StemRole,
    name: &str,
    lufs: f32,
    group: Option<GroupId>,
    rate_hz: f64,
    seconds: Option<f64>,
) -> Result<ExitCode> {
    let writer = LinkWriter::open(group).context("claiming a link slot")?;
    println!("ready {} {:016x}", writer.slot(), writer.instance_id());
    std::io::stdout().flush()?;
    let period = Duration::from_secs_f64(1.0 / rate_hz.clamp(0.1, 1000.0));
    let start = Instant::now();
    let mut last_status = start;
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        if seconds.is_some_and(|s| elapsed >= s) {
            return Ok(ExitCode::SUCCESS);
        }
        writer.publish(&synthetic_snapshot(role, name, lufs, elapsed));
        if writer.group().is_none() && last_status.elapsed() >= Duration::from_millis(250) {
            // Binds to the only live Master, as a Strip's GUI timer does.
            writer.status();
            last_status = Instant::now();
        }
        std::thread::sleep(period);
    }
}

fn master_test(group: Option<GroupId>, name: &str, seconds: Option<f64>) -> Result<ExitCode> {
    let group = group.unwrap_or_else(GroupId::random);
    let master = MasterHandle::open(group, name).context("registering a Master")?;
    println!("ready {group}");
    std::io::stdout().flush()?;
    let start = Instant::now();
    while !seconds.is_some_and(|s| start.elapsed().as_secs_f64() >= s) {
        master.heartbeat();
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(ExitCode::SUCCESS)
}
