//! The analysis itself: each stem through the Stem Strip's own analysis (`shared_dsp::strip`,
//! as the plugin publishes it), then every stem's snapshots, in lockstep as if the stems
//! played together, through the Stem Master's cross-stem engines (`shared_dsp::crossstem`:
//! masking and balance), collecting what happened over the whole run.

use std::collections::BTreeMap;

use shared_dsp::bands::NUM_BANDS;
use shared_dsp::crossstem::CrossStem;
use shared_dsp::db::power_to_db;
use shared_dsp::link::InstanceInfo;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::masking::{FixAction, MaskingWarning, WarningKind};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition, FLOOR_DB};
use shared_dsp::strip::{Strip, StripSettings};

/// Frames per processing block.
const BLOCK: usize = 1024;
/// The engines are updated this often, seconds (the Stem Master's link thread rate).
pub const UPDATE_SECONDS: f64 = 0.05;
/// Loudness and masking over time are sampled this often, seconds.
pub const TIMELINE_SECONDS: f64 = 1.0;

/// One stem's own figures and its snapshots.
#[derive(Debug, Clone)]
pub struct StemFigures {
    /// Integrated loudness, LUFS (`-inf` when silent).
    pub integrated_lufs: f32,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: f32,
    /// Largest true peak, dBTP.
    pub max_true_peak_db: f32,
    /// Largest sample peak, dBFS.
    pub sample_peak_db: f32,
    /// RMS over the whole stem, dBFS.
    pub rms_db: f32,
    /// Peak to RMS, dB.
    pub crest_db: f32,
    /// Correlation of left and right over the whole stem (1 for mono).
    pub correlation: f32,
    /// Long-term spectrum: mean band power over the stem (both channels), dB.
    pub spectrum_db: [f32; NUM_BANDS],
    /// Short-term loudness every [`TIMELINE_SECONDS`], LUFS.
    pub shortterm_timeline: Vec<f32>,
    /// Snapshots every [`UPDATE_SECONDS`] (as the Master would sample them).
    pub snapshots: Vec<StemSnapshot>,
}

/// Runs one stem (1 or 2 channels, already at the session's length) through the Strip's
/// analysis at its default, transparent settings.
pub fn analyse_stem(channels: &[Vec<f32>], rate: u32, role: StemRole, name: &str) -> StemFigures {
    let n_ch = channels.len().clamp(1, 2);
    let mut strip = Strip::new(rate as f32, n_ch).expect("1 or 2 channels, positive rate");
    strip.set_target(&StripSettings::default());
    strip.snap_to_target();
    let frames = channels[0].len();
    let stem_name = StemName::new(name);
    let mut snap = StemSnapshot::default();
    let mut snapshots =
        Vec::with_capacity((frames as f64 / rate as f64 / UPDATE_SECONDS) as usize + 2);
    let mut timeline = Vec::new();
    let mut max_tp = FLOOR_DB;
    let (mut peak, mut sum_sq, mut sum_lr, mut sum_ll, mut sum_rr) =
        (0.0f32, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut band_power = [0.0f64; NUM_BANDS];
    let mut band_count = 0u64;
    let update_frames = (UPDATE_SECONDS * rate as f64).round() as usize;
    let timeline_frames = (TIMELINE_SECONDS * rate as f64).round() as usize;
    let (mut next_update, mut next_timeline) = (update_frames, timeline_frames);
    let mut l = vec![0.0f32; BLOCK];
    let mut r = vec![0.0f32; BLOCK];
    let mut pos = 0;
    while pos < frames {
        // Stop at the next sampling point so snapshots land on the update grid.
        let end = (pos + BLOCK)
            .min(frames)
            .min(next_update.min(next_timeline).max(pos + 1));
        let n = end - pos;
        l[..n].copy_from_slice(&channels[0][pos..end]);
        let right = if n_ch == 2 {
            r[..n].copy_from_slice(&channels[1][pos..end]);
            Some(&mut r[..n])
        } else {
            None
        };
        for (i, &x) in l[..n].iter().enumerate() {
            let y = if n_ch == 2 { channels[1][pos + i] } else { x };
            peak = peak.max(x.abs()).max(y.abs());
            sum_sq += f64::from(x) * f64::from(x) + f64::from(y) * f64::from(y);
            sum_lr += f64::from(x) * f64::from(y);
            sum_ll += f64::from(x) * f64::from(x);
            sum_rr += f64::from(y) * f64::from(y);
        }
        strip.process(&mut l[..n], right);
        pos = end;
        if strip.snapshot_due() || pos >= next_update {
            let t = pos as f64 / rate as f64;
            let transport = TransportPosition {
                playing: true,
                known: true,
                position_seconds: t,
            };
            strip.take_snapshot(role, stem_name, transport, &mut snap);
            max_tp = max_tp.max(snap.true_peak_db);
            if pos >= next_update {
                for (b, power) in band_power.iter_mut().enumerate() {
                    *power += 0.5
                        * (10f64.powf(f64::from(snap.band_db[0][b]) / 10.0)
                            + 10f64.powf(f64::from(snap.band_db[1][b]) / 10.0));
                }
                band_count += 1;
                snapshots.push(snap);
                next_update += update_frames;
            }
        }
        if pos >= next_timeline {
            // The timeline's points lie on the update grid: `snap` was taken just now.
            timeline.push(shown(snap.shortterm_lufs));
            next_timeline += timeline_frames;
        }
    }
    let total = (frames * 2).max(1) as f64;
    let rms = (sum_sq / total).sqrt() as f32;
    let rms_db = gain_db(rms);
    let sample_peak_db = gain_db(peak);
    let correlation = if n_ch == 1 {
        1.0
    } else if sum_ll > 0.0 && sum_rr > 0.0 {
        (sum_lr / (sum_ll * sum_rr).sqrt()) as f32
    } else {
        0.0
    };
    StemFigures {
        integrated_lufs: strip.integrated_lufs(),
        loudness_range_lu: strip.loudness_range_lu(),
        max_true_peak_db: max_tp,
        sample_peak_db,
        rms_db,
        crest_db: if rms > 0.0 {
            sample_peak_db - rms_db
        } else {
            0.0
        },
        correlation,
        spectrum_db: std::array::from_fn(|b| {
            power_to_db(band_power[b] / band_count.max(1) as f64, FLOOR_DB)
        }),
        shortterm_timeline: timeline,
        snapshots,
    }
}

/// Short-term loudness of the sum of `stems` every [`TIMELINE_SECONDS`], and its integrated
/// loudness.
pub fn sum_loudness(stems: &[&[Vec<f32>]], rate: u32) -> (Vec<f32>, f32) {
    let frames = stems.iter().map(|s| s[0].len()).max().unwrap_or(0);
    let Ok(mut meter) = LoudnessMeter::new(rate, 2) else {
        return (Vec::new(), f32::NEG_INFINITY);
    };
    let step = (TIMELINE_SECONDS * rate as f64).round() as usize;
    let mut timeline = Vec::with_capacity(frames / step.max(1) + 1);
    let mut l = vec![0.0f32; step];
    let mut r = vec![0.0f32; step];
    let mut pos = 0;
    while pos < frames {
        let end = (pos + step).min(frames);
        let n = end - pos;
        l[..n].fill(0.0);
        r[..n].fill(0.0);
        for s in stems {
            let right = s.get(1).unwrap_or(&s[0]);
            for i in 0..n {
                l[i] += s[0][pos + i];
                r[i] += right[pos + i];
            }
        }
        meter.process(&l[..n], Some(&r[..n]));
        pos = end;
        if n == step {
            timeline.push(shown(meter.shortterm_lufs()));
        }
    }
    (timeline, meter.integrated_lufs())
}

/// One warning as collected over the run.
#[derive(Debug, Clone)]
pub struct RunWarning {
    /// The warning at the moment whose fix asks most (see `cross_analysis`).
    pub warning: MaskingWarning,
    /// The largest share of the maskee's audibility it took away at any moment (ranks the
    /// warnings).
    pub peak_loss: f32,
    /// Its text at that moment (with the fix).
    pub text: String,
    /// Seconds during which it was raised.
    pub active_s: f64,
    /// When it was first raised, seconds into the stems.
    pub first_s: f64,
}

/// What the cross-stem engines concluded over the whole run.
#[derive(Debug, Clone, Default)]
pub struct CrossFigures {
    /// Warnings, worst first.
    pub warnings: Vec<RunWarning>,
    /// Per stem (by index): per band, share of the run the band lay in a warning's range
    /// with the stem as maskee.
    pub band_history: Vec<Vec<f32>>,
    /// Per stem: share of the run during which it was the maskee of a warning.
    pub masked_share: Vec<f32>,
    /// Per stem, every [`TIMELINE_SECONDS`]: per band, the share of the engine's window the
    /// band was masked (the heatmap over time).
    pub heatmap: Vec<Vec<Vec<f32>>>,
    /// Mean severity over the run, `[maskee][masker]`, dB.
    pub severity: Vec<Vec<f32>>,
    /// Seconds analysed.
    pub seconds: f64,
}

/// How much a warning's fixes ask, to compare two moments of one warning: moving a part asks
/// more than any level change, a level change more than any EQ move, a deeper or wider EQ
/// move more than a shallower or narrower one.
fn fix_demand(w: &MaskingWarning) -> f32 {
    w.ranges
        .as_slice()
        .iter()
        .map(|r| {
            let f = r.fix;
            match f.action {
                FixAction::Move => 10_000.0,
                FixAction::Lower => 1_000.0 + f.gain_db.abs(),
                FixAction::Cut | FixAction::Boost => {
                    f.gain_db.abs() * (f.hi_hz / f.lo_hz).log2().max(1.0)
                }
            }
        })
        .sum()
}

/// Feeds the stems' snapshots, update by update, to the cross-stem engines.
pub fn cross_analysis(stems: &[(StemRole, &str, &[StemSnapshot])]) -> CrossFigures {
    let n = stems.len();
    let updates = stems.iter().map(|s| s.2.len()).min().unwrap_or(0);
    let mut cross = CrossStem::new();
    let mut out = CrossFigures {
        band_history: vec![vec![0.0; NUM_BANDS]; n],
        masked_share: vec![0.0; n],
        heatmap: vec![Vec::new(); n],
        severity: vec![vec![0.0; n]; n],
        ..CrossFigures::default()
    };
    let id = |k: usize| k as u64 + 1;
    let mut instances: Vec<InstanceInfo> = (0..n)
        .map(|k| InstanceInfo {
            slot: k,
            instance_id: id(k),
            pid: 0,
            group: None,
            age_ms: 0,
            snapshot_age_ms: Some(0),
            snapshot: None,
            gain_request_db: 0.0,
        })
        .collect();
    let mut found: BTreeMap<(u64, u64), RunWarning> = BTreeMap::new();
    let mut masked_time = vec![0.0f64; n];
    let mut band_time = vec![[0.0f64; NUM_BANDS]; n];
    let timeline_every = (TIMELINE_SECONDS / UPDATE_SECONDS).round() as usize;
    for u in 0..updates {
        for (k, inst) in instances.iter_mut().enumerate() {
            inst.snapshot = Some(stems[k].2[u]);
        }
        let t = (u + 1) as f64 * UPDATE_SECONDS;
        cross.update(t, &instances, 0);
        let masking = cross.masking();
        for w in masking.warnings() {
            let key = (w.maskee_id, w.masker_id);
            let e = found.entry(key).or_insert_with(|| RunWarning {
                warning: *w,
                peak_loss: 0.0,
                text: masking.describe(w),
                active_s: 0.0,
                first_s: t,
            });
            e.active_s += UPDATE_SECONDS;
            e.peak_loss = e.peak_loss.max(w.audibility_loss);
            // The moment kept is the one whose fix asks most (a fix that clears the most
            // demanding moment clears the others); among equal fixes, the worst masking.
            let (now, kept) = (fix_demand(w), fix_demand(&e.warning));
            if now > kept || (now == kept && w.audibility_loss > e.warning.audibility_loss) {
                e.warning = *w;
                e.text = masking.describe(w);
            }
        }
        // A stem counts as masked while it is the maskee of a warning, in the warning's bands
        // (masking the role rules accept, such as a pad under the vocal's priority, is not).
        let mut masked_now = vec![false; n];
        for w in masking.warnings() {
            let k = (w.maskee_id - 1) as usize;
            if k < n {
                masked_now[k] = true;
                for r in w.ranges.as_slice() {
                    for b in r.first_band..=r.last_band {
                        band_time[k][b as usize] += UPDATE_SECONDS;
                    }
                }
            }
        }
        for k in 0..n {
            if masked_now[k] {
                masked_time[k] += UPDATE_SECONDS;
            }
            if let Some(v) = masking.stem(id(k)) {
                if (u + 1) % timeline_every == 0 {
                    out.heatmap[k].push(v.masked_share.to_vec());
                }
            }
            for j in 0..n {
                if let Some((now, _)) = masking.severity(id(k), id(j)) {
                    out.severity[k][j] += now / updates as f32;
                }
            }
        }
    }
    let seconds = updates as f64 * UPDATE_SECONDS;
    for k in 0..n {
        out.band_history[k] = band_time[k]
            .iter()
            .map(|t| (t / seconds.max(1e-9)) as f32)
            .collect();
        out.masked_share[k] = (masked_time[k] / seconds.max(1e-9)) as f32;
    }
    let mut warnings: Vec<RunWarning> = found.into_values().collect();
    // One finding per pair and direction; a collision once per pair, whichever way round:
    // the direction raised longest is kept.
    warnings.sort_by(|a, b| b.active_s.total_cmp(&a.active_s));
    let mut kept: Vec<RunWarning> = Vec::new();
    for w in warnings {
        let mirrored = w.warning.kind == WarningKind::Collision
            && kept.iter().any(|k| {
                k.warning.kind == WarningKind::Collision
                    && k.warning.maskee_id == w.warning.masker_id
                    && k.warning.masker_id == w.warning.maskee_id
            });
        // Flickers shorter than a second are not findings.
        if !mirrored && w.active_s >= 1.0 {
            kept.push(w);
        }
    }
    kept.sort_by(|a, b| {
        let score = |w: &RunWarning| w.peak_loss * w.active_s as f32;
        score(b).total_cmp(&score(a))
    });
    out.warnings = kept;
    out.seconds = seconds;
    out
}

fn gain_db(g: f32) -> f32 {
    if g > 0.0 {
        (20.0 * g.log10()).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

fn shown(v: f32) -> f32 {
    if v.is_finite() {
        v.max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}
