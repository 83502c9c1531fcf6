//! The level checks of `stems check`: no silent stem, and on each stem and on their sum no
//! true peak over the limit, no clipped run, no float sample over full scale and no sample
//! that is not a number.

use super::{db, each, Check, Outcomes, Report};
use crate::check::measure::Figures;

/// Seconds into the file of `frame`.
fn time(frame: usize, f: &Figures) -> f64 {
    frame as f64 / f64::from(f.rate_hz.max(1))
}

/// Adds the level checks' outcomes to `out`.
pub(super) fn evaluate(r: &Report, out: &mut Outcomes) {
    let l = &r.limits;
    let stems = &r.stems;
    out.push(
        Check::Silent,
        format!("every stem reaches {} dBFS", l.floor),
        each(stems, &|s| {
            s.figures
                .is_silent()
                .then(|| format!("nothing reaches {} dBFS", l.floor))
        }),
    );
    let level_subjects: Vec<(&str, &Figures)> = stems
        .iter()
        .map(|s| (s.name.as_str(), &s.figures))
        .chain(std::iter::once(("sum", &r.sum)))
        .collect();
    let over_subjects = |test: &dyn Fn(&Figures) -> Option<String>| -> Vec<(String, String)> {
        level_subjects
            .iter()
            .filter_map(|(n, f)| test(f).map(|why| ((*n).to_owned(), why)))
            .collect()
    };
    let loudest_tp = level_subjects
        .iter()
        .map(|(_, f)| db(f64::from(f.true_peak)))
        .fold(f64::NEG_INFINITY, f64::max);
    out.push(
        Check::TruePeak,
        format!(
            "{loudest_tp:.1} dBTP at most (limit {:.1})",
            l.true_peak_max
        ),
        over_subjects(&|f| {
            let tp = db(f64::from(f.true_peak));
            (tp > l.true_peak_max).then(|| format!("{tp:+.2} dBTP (limit {:+.1})", l.true_peak_max))
        }),
    );
    out.push(
        Check::Clipping,
        format!("no run of {} full-scale samples", l.clip_run),
        over_subjects(&|f| {
            (f.clip_runs > 0).then(|| {
                format!(
                    "{} run{} of {} or more full-scale samples ({} samples), the first at {:.3} s",
                    f.clip_runs,
                    if f.clip_runs == 1 { "" } else { "s" },
                    l.clip_run,
                    f.clipped_samples,
                    time(f.first_clip.unwrap_or(0), f)
                )
            })
        }),
    );
    out.push(
        Check::FloatOvers,
        "nothing over 0 dBFS".to_owned(),
        over_subjects(&|f| {
            (f.overs > 0).then(|| {
                format!(
                    "{} samples over 0 dBFS (peak {:+.2} dBFS), the first at {:.3} s",
                    f.overs,
                    db(f64::from(f.sample_peak)),
                    time(f.first_over.unwrap_or(0), f)
                )
            })
        }),
    );
    out.push(
        Check::NonFinite,
        "every sample a number".to_owned(),
        each(stems, &|s| {
            (s.non_finite > 0)
                .then(|| format!("{} NaN or infinite samples (read as silence)", s.non_finite))
        }),
    );
}
