//! The JSON document of `stems link status --json`: the segment's state, each live Master
//! with its group's Strips and the warnings it left on them, and each live Strip with its
//! latest snapshot and verdicts. Instance ids and groups are hex strings (a u64 does not
//! survive a JavaScript number); values a Strip has not published yet are null.

use serde::Serialize;
use shared_dsp::link::{InstanceInfo, MasterInfo, Verdict, VerdictKind};
use shared_dsp::role::StemRole;

/// The whole `stems link status --json` document: the segment, its state and what is live
/// in it.
#[derive(Serialize)]
pub struct StatusJson {
    pub segment: String,
    /// "ok", "absent" or "unusable".
    pub state: &'static str,
    pub error: Option<String>,
    pub masters: Vec<MasterJson>,
    pub instances: Vec<InstanceJson>,
}

/// A live Stem Master.
#[derive(Serialize)]
pub struct MasterJson {
    pub slot: usize,
    pub group: String,
    pub track_name: String,
    pub host_process: String,
    pub pid: u32,
    pub age_ms: u64,
    /// The live Strips of its group.
    pub stems: Vec<MasterStemJson>,
    /// What it concluded: every verdict it left on its Strips, except the masker's side of
    /// a masking warning (listed once, on the masked stem).
    pub warnings: Vec<WarningJson>,
}

/// A live Strip of a Master's group, as the Master sees it.
#[derive(Serialize)]
pub struct MasterStemJson {
    pub instance_id: String,
    pub name: Option<String>,
    pub role: Option<StemRole>,
    pub shortterm_lufs: Option<f32>,
    pub gain_request_db: f32,
}

/// A verdict a Master left on one of its Strips.
#[derive(Serialize)]
pub struct WarningJson {
    /// The stem the verdict was left on.
    pub stem: String,
    pub instance_id: String,
    #[serde(flatten)]
    pub verdict: VerdictJson,
}

/// A verdict a Master left for a Strip.
#[derive(Serialize, Clone)]
pub struct VerdictJson {
    /// masked_by, masking, too_loud or too_quiet.
    pub kind: &'static str,
    pub other_name: String,
    pub other_role: StemRole,
    pub other_instance_id: String,
    pub low_hz: f32,
    pub high_hz: f32,
    pub amount_db: f32,
    pub share: f32,
    pub suggested_gain_db: f32,
    /// The verdict as the Strip shows it.
    pub text: String,
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

/// A live Stem Strip and its latest snapshot.
#[derive(Serialize)]
pub struct InstanceJson {
    pub slot: usize,
    /// Hex, like groups (a u64 does not survive a JavaScript number).
    pub instance_id: String,
    pub group: Option<String>,
    pub pid: u32,
    pub age_ms: u64,
    pub has_snapshot: bool,
    pub snapshot_age_ms: Option<u64>,
    pub role: Option<StemRole>,
    pub role_label: Option<&'static str>,
    pub name: Option<String>,
    pub momentary_lufs: Option<f32>,
    pub shortterm_lufs: Option<f32>,
    pub sample_peak_db: Option<f32>,
    pub true_peak_db: Option<f32>,
    pub rms_db: Option<f32>,
    pub correlation: Option<f32>,
    pub gain_reduction_db: Option<f32>,
    pub sample_rate_hz: Option<f32>,
    pub transport_playing: Option<bool>,
    pub transport_seconds: Option<f64>,
    pub gain_request_db: f32,
    /// The host's track colour, `#rrggbb`, when the Strip reported one.
    pub color: Option<String>,
    /// The verdicts a Master left for it.
    pub verdicts: Vec<VerdictJson>,
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

/// A Master with its group's Strips and the warnings it left on them.
pub fn master_json(
    m: &MasterInfo,
    instances: &[InstanceInfo],
    json: &[InstanceJson],
) -> MasterJson {
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
