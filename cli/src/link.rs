//! `stems link ...`: diagnostics of the shared-memory link, and hidden helpers for tests.
//!
//! This file holds the commands and `status`, which reads the segment; the JSON document is
//! in [`json`], the text tables in [`table`] and the test helpers in [`publish`].

mod json;
mod publish;
mod table;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use shared_dsp::link::{segment_path, GroupId, LinkError, LinkReader, VerdictList};
use shared_dsp::role::StemRole;

use json::{master_json, InstanceJson, StatusJson, VerdictJson};
use publish::{master_test, publish_test};
use table::{print_table, sort_instances};

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
