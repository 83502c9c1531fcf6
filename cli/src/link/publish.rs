//! The hidden test helpers `stems link publish-test` and `stems link master-test`: a
//! synthetic Stem Strip and a Stem Master registration, each a separate process, so the
//! link's tests (and a person trying `stems link status`) can populate a segment without a
//! DAW.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::link::{GroupId, LinkWriter, MasterHandle};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{clamp_db, StemName, StemSnapshot};

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
        frame_db: [[clamp_db(lufs - 10.0); NUM_BANDS]; 2],
        transport: shared_dsp::snapshot::TransportPosition {
            playing: true,
            known: true,
            position_seconds: elapsed_s,
        },
        color_rgb: None,
    }
}

/// `stems link publish-test`: claims a Strip slot, prints `ready <slot> <instance id>`,
/// then publishes [`synthetic_snapshot`] at `rate_hz` until `seconds` have passed, if given.
pub fn publish_test(
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

/// `stems link master-test`: registers a Master of `group` (else a random one), prints
/// `ready <group>`, then heartbeats until `seconds` have passed, if given.
pub fn master_test(group: Option<GroupId>, name: &str, seconds: Option<f64>) -> Result<ExitCode> {
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
