//! What `stems render` tells when it is done: the text summary and the `--json` document
//! (schema `stem-suite/render`, version 1; see `docs/render-json.md`).

use std::path::PathBuf;

use serde::Serialize;
use shared_dsp::role::StemRole;
use shared_dsp::spec::{Choice, Target};

use super::{mix, StemPlan};
use crate::analyze;
use crate::audio::WavFormat;

/// What a render did, for the text and the JSON.
pub(super) struct Summary<'a> {
    pub output: PathBuf,
    pub format: WavFormat,
    pub rate: u32,
    pub seconds: f64,
    pub target_lufs: f32,
    pub ceiling_dbtp: f32,
    pub target_name: Target,
    pub target_gain_db: f32,
    pub mastered: &'a mix::Mastered,
    pub plans: &'a [StemPlan],
}

fn db_text(v: f32, unit: &str) -> String {
    if v.is_finite() && v > -150.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("-inf {unit}")
    }
}

impl Summary<'_> {
    /// The output's format as the text and the JSON say it.
    fn format_label(&self) -> &'static str {
        match self.format {
            WavFormat::Int24 => "24-bit PCM, TPDF dither",
            WavFormat::Float32 => "32-bit float",
        }
    }

    pub fn text(&self) -> String {
        use std::fmt::Write;
        let m = &self.mastered.figures;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Rendered {} stems ({:.1} s, {} Hz) to {} ({})",
            self.plans.len(),
            self.seconds,
            self.rate,
            self.output.display(),
            self.format_label()
        );
        for p in self.plans {
            let _ = writeln!(
                s,
                "  {:<20} {:<15} {}",
                p.name,
                p.role.label(),
                p.settings_from
            );
        }
        let _ = writeln!(
            s,
            "Target:          {:.1} LUFS, ceiling {:.1} dBTP ({})",
            self.target_lufs,
            self.ceiling_dbtp,
            self.target_name.key()
        );
        match self.mastered.learned {
            Some(l) => {
                let _ = writeln!(
                    s,
                    "Learned gain:    {:+.2} dB (first pass: {} at the limiter, the limiter takes {:.2} LU)",
                    l.gain_db,
                    db_text(l.pass.input_lufs, "LUFS"),
                    l.pass.limiter_loss_lu.max(0.0)
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "Target gain:     {:+.2} dB (no learn pass)",
                    self.target_gain_db
                );
            }
        }
        let _ = writeln!(s, "Integrated:      {}", db_text(m.integrated_lufs, "LUFS"));
        let _ = writeln!(s, "True peak:       {}", db_text(m.true_peak_db, "dBTP"));
        let _ = writeln!(s, "Loudness range:  {:.1} LU", m.loudness_range_lu);
        s
    }

    pub fn json(
        &self,
        master: &analyze::engine::StemFigures,
        analysis: analyze::json::Document,
    ) -> RenderJson {
        let m = &self.mastered.figures;
        let finite = |v: f32| (v.is_finite() && v > -150.0).then_some(v);
        RenderJson {
            schema: "stem-suite/render",
            version: 1,
            tool: format!("stems {}", env!("CARGO_PKG_VERSION")),
            output: self.output.display().to_string(),
            format: self.format_label(),
            sample_rate_hz: self.rate,
            seconds: self.seconds,
            target: self.target_name.key(),
            target_lufs: self.target_lufs,
            ceiling_dbtp: self.ceiling_dbtp,
            target_gain_db: self.target_gain_db,
            learn: self.mastered.learned.map(|l| LearnJson {
                input_lufs: finite(l.pass.input_lufs),
                limiter_loss_lu: l.pass.limiter_loss_lu.max(0.0),
                gain_db: l.gain_db,
            }),
            integrated_lufs: finite(m.integrated_lufs),
            max_true_peak_dbtp: m.true_peak_db,
            loudness_range_lu: m.loudness_range_lu,
            plr_db: m.true_peak_db - m.integrated_lufs,
            stems: self
                .plans
                .iter()
                .map(|p| StemPlanJson {
                    name: p.name.clone(),
                    role: p.role,
                    settings_from: p.settings_from.clone(),
                })
                .collect(),
            master: MasterJson {
                integrated_lufs: finite(master.integrated_lufs),
                loudness_range_lu: master.loudness_range_lu,
                max_true_peak_dbtp: master.max_true_peak_db,
                sample_peak_dbfs: master.sample_peak_db,
                rms_dbfs: master.rms_db,
                crest_db: master.crest_db,
                correlation: master.correlation,
                spectrum_db: master.spectrum_db.to_vec(),
                shortterm_lufs: master
                    .shortterm_timeline
                    .iter()
                    .map(|&v| finite(v))
                    .collect(),
            },
            analysis,
        }
    }
}

/// The `--json` document of `stems render` (schema `stem-suite/render`, version 1; see
/// `docs/render-json.md`).
#[derive(Serialize)]
pub(super) struct RenderJson {
    schema: &'static str,
    version: u32,
    tool: String,
    output: String,
    format: &'static str,
    sample_rate_hz: u32,
    seconds: f64,
    target: &'static str,
    target_lufs: f32,
    ceiling_dbtp: f32,
    target_gain_db: f32,
    learn: Option<LearnJson>,
    integrated_lufs: Option<f32>,
    max_true_peak_dbtp: f32,
    loudness_range_lu: f32,
    plr_db: f32,
    stems: Vec<StemPlanJson>,
    master: MasterJson,
    analysis: analyze::json::Document,
}

#[derive(Serialize)]
struct LearnJson {
    input_lufs: Option<f32>,
    limiter_loss_lu: f32,
    gain_db: f32,
}

#[derive(Serialize)]
struct StemPlanJson {
    name: String,
    role: StemRole,
    settings_from: String,
}

#[derive(Serialize)]
struct MasterJson {
    integrated_lufs: Option<f32>,
    loudness_range_lu: f32,
    max_true_peak_dbtp: f32,
    sample_peak_dbfs: f32,
    rms_dbfs: f32,
    crest_db: f32,
    correlation: f32,
    spectrum_db: Vec<f32>,
    shortterm_lufs: Vec<Option<f32>>,
}
