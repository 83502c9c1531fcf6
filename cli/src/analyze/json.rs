//! The `--json` document of `stems analyze`: schema `stem-suite/analyze`, version 1,
//! documented field by field in `docs/analyze-json.md`. Fields are only ever added within a
//! version; a change of meaning or a removal bumps `version`.

use serde::Serialize;
use shared_dsp::bands::BandLayout;
use shared_dsp::masking::{FixAction, WarningKind};
use shared_dsp::role::StemRole;

use super::engine::{TIMELINE_SECONDS, UPDATE_SECONDS};
use super::{name_of, Analysis};

/// The schema's name.
pub const SCHEMA: &str = "stem-suite/analyze";
/// The schema's version.
pub const VERSION: u32 = 2;

/// The whole document.
#[derive(Serialize)]
pub struct Document {
    pub schema: &'static str,
    pub version: u32,
    pub tool: String,
    pub sample_rate_hz: u32,
    pub seconds: f64,
    pub notices: Vec<String>,
    pub band_centers_hz: Vec<f32>,
    pub band_edges_hz: Vec<f32>,
    pub timeline_step_s: f64,
    pub engine_update_s: f64,
    pub sum: SumJson,
    pub stems: Vec<StemJson>,
    pub warnings: Vec<WarningJson>,
    pub severity: SeverityJson,
}

#[derive(Serialize)]
pub struct SumJson {
    pub integrated_lufs: Option<f32>,
    pub shortterm_lufs: Vec<Option<f32>>,
}

#[derive(Serialize)]
pub struct StemJson {
    pub name: String,
    pub file: String,
    pub role: StemRole,
    pub role_source: &'static str,
    pub channels: usize,
    pub file_sample_rate_hz: u32,
    pub file_seconds: f64,
    pub format: String,
    pub integrated_lufs: Option<f32>,
    pub loudness_range_lu: f32,
    pub max_true_peak_dbtp: f32,
    pub sample_peak_dbfs: f32,
    pub rms_dbfs: f32,
    pub crest_db: f32,
    pub correlation: f32,
    pub relative_to_sum_lu: Option<f32>,
    pub spectrum_db: Vec<f32>,
    pub shortterm_lufs: Vec<Option<f32>>,
    pub masked_share: f32,
    pub band_masked_share: Vec<f32>,
    pub worst_range: Option<RangeJson>,
    pub masked_share_timeline: Vec<Vec<f32>>,
}

#[derive(Serialize)]
pub struct RangeJson {
    pub lo_hz: f32,
    pub hi_hz: f32,
    pub share: f32,
}

#[derive(Serialize)]
pub struct WarningJson {
    pub kind: WarningKind,
    pub maskee: String,
    pub masker: String,
    pub lo_hz: f32,
    pub hi_hz: f32,
    pub short_db: f32,
    pub masked_share: f32,
    pub audibility_loss: f32,
    pub active_s: f64,
    pub first_s: f64,
    pub ranges: Vec<RangeWarningJson>,
    pub text: String,
}

#[derive(Serialize)]
pub struct RangeWarningJson {
    pub lo_hz: f32,
    pub hi_hz: f32,
    pub short_db: f32,
    pub masked_share: f32,
    pub audibility_loss: f32,
    pub fix: FixJson,
}

#[derive(Serialize)]
pub struct FixJson {
    pub stem: String,
    pub action: FixAction,
    pub lo_hz: f32,
    pub hi_hz: f32,
    pub center_hz: f32,
    pub q: f32,
    pub gain_db: f32,
}

#[derive(Serialize)]
pub struct SeverityJson {
    pub stems: Vec<String>,
    pub mean_db: Vec<Vec<f32>>,
}

fn finite(v: f32) -> Option<f32> {
    (v.is_finite() && v > -150.0).then_some(v)
}

/// The contiguous band range around a stem's most masked band whose bands were masked at
/// least half as often: `(lo Hz, hi Hz, share of the most masked band)`; `None` when never
/// masked.
pub fn worst_range(history: &[f32]) -> Option<(f32, f32, f32)> {
    let (peak_band, &peak) = history
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    if peak <= 0.0 {
        return None;
    }
    let mut lo = peak_band;
    while lo > 0 && history[lo - 1] >= peak * 0.5 {
        lo -= 1;
    }
    let mut hi = peak_band;
    while hi + 1 < history.len() && history[hi + 1] >= peak * 0.5 {
        hi += 1;
    }
    let layout = BandLayout::standard();
    Some((layout.edges_hz[lo], layout.edges_hz[hi + 1], peak))
}

/// Builds the document.
pub fn document(a: &Analysis) -> Document {
    let layout = BandLayout::standard();
    let stems = a
        .stems
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let f = &s.figures;
            let history = &a.cross.band_history[k];
            StemJson {
                name: s.name.clone(),
                file: s.path.display().to_string(),
                role: s.role,
                role_source: if s.role_given { "--role" } else { "file name" },
                channels: s.channels,
                file_sample_rate_hz: s.file_rate_hz,
                file_seconds: s.file_seconds,
                format: s.format.clone(),
                integrated_lufs: finite(f.integrated_lufs),
                loudness_range_lu: f.loudness_range_lu,
                max_true_peak_dbtp: f.max_true_peak_db,
                sample_peak_dbfs: f.sample_peak_db,
                rms_dbfs: f.rms_db,
                crest_db: f.crest_db,
                correlation: f.correlation,
                relative_to_sum_lu: finite(f.integrated_lufs)
                    .zip(finite(a.sum_integrated_lufs))
                    .map(|(x, s)| x - s),
                spectrum_db: f.spectrum_db.to_vec(),
                shortterm_lufs: f.shortterm_timeline.iter().map(|&v| finite(v)).collect(),
                masked_share: a.cross.masked_share[k],
                band_masked_share: history.clone(),
                worst_range: worst_range(history).map(|(lo_hz, hi_hz, share)| RangeJson {
                    lo_hz,
                    hi_hz,
                    share,
                }),
                masked_share_timeline: a.cross.heatmap[k].clone(),
            }
        })
        .collect();
    let warnings = a
        .cross
        .warnings
        .iter()
        .map(|r| {
            let w = &r.warning;
            WarningJson {
                kind: w.kind,
                maskee: name_of(a, w.maskee_id).to_owned(),
                masker: name_of(a, w.masker_id).to_owned(),
                lo_hz: w.lo_hz,
                hi_hz: w.hi_hz,
                short_db: w.short_db,
                masked_share: w.masked_share,
                audibility_loss: w.audibility_loss,
                active_s: r.active_s,
                first_s: r.first_s,
                ranges: w
                    .ranges
                    .as_slice()
                    .iter()
                    .map(|g| RangeWarningJson {
                        lo_hz: g.lo_hz,
                        hi_hz: g.hi_hz,
                        short_db: g.short_db,
                        masked_share: g.masked_share,
                        audibility_loss: g.audibility_loss,
                        fix: FixJson {
                            stem: name_of(a, g.fix.stem_id).to_owned(),
                            action: g.fix.action,
                            lo_hz: g.fix.lo_hz,
                            hi_hz: g.fix.hi_hz,
                            center_hz: g.fix.center_hz,
                            q: g.fix.q,
                            gain_db: g.fix.gain_db,
                        },
                    })
                    .collect(),
                text: r.text.clone(),
            }
        })
        .collect();
    Document {
        schema: SCHEMA,
        version: VERSION,
        tool: format!("stems {}", env!("CARGO_PKG_VERSION")),
        sample_rate_hz: a.sample_rate_hz,
        seconds: a.seconds,
        notices: a.notices.clone(),
        band_centers_hz: layout.centers_hz.to_vec(),
        band_edges_hz: layout.edges_hz.to_vec(),
        timeline_step_s: TIMELINE_SECONDS,
        engine_update_s: UPDATE_SECONDS,
        sum: SumJson {
            integrated_lufs: finite(a.sum_integrated_lufs),
            shortterm_lufs: a.sum_timeline.iter().map(|&v| finite(v)).collect(),
        },
        stems,
        warnings,
        severity: SeverityJson {
            stems: a.stems.iter().map(|s| s.name.clone()).collect(),
            mean_db: a.cross.severity.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::bands::NUM_BANDS;

    #[test]
    fn the_worst_range_spreads_to_bands_masked_at_least_half_as_often() {
        let mut h = vec![0.0; NUM_BANDS];
        assert!(worst_range(&h).is_none());
        h[30] = 0.8;
        h[31] = 0.5;
        h[29] = 0.3;
        h[10] = 0.45;
        let layout = BandLayout::standard();
        let (lo, hi, peak) = worst_range(&h).unwrap();
        assert_eq!(
            (lo, hi, peak),
            (layout.edges_hz[30], layout.edges_hz[32], 0.8)
        );
    }
}
