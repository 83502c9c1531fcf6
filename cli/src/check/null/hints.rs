//! The null test's plain-language hints at a cause: no match, a drift, inverted polarity, a
//! constant gain offset, swapped channels, a part missing in a section (and which stem it
//! is), bus processing the stems lack (a residual throughout that follows the mix's
//! loudness), or a difference throughout.

use super::offset::RELIABLE_CORRELATION;
use super::{Hint, HintKind, NullSettings, NullTest, Residual, BLOCK_S};

fn push(hints: &mut Vec<Hint>, kind: HintKind, text: String) {
    hints.push(Hint { kind, text });
}

/// Pearson correlation of two series.
pub(super) fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    }
}

/// The hints, most telling first, from the test `t` and its residual `res` (`stems`, with
/// their `names`: the summed stems).
pub(super) fn hints(
    t: &NullTest,
    res: &Residual,
    stems: &[&[Vec<f32>]],
    names: &[&str],
    settings: &NullSettings,
) -> Vec<Hint> {
    let Residual {
        aligned: al,
        gain,
        energies,
        floor,
        rate,
    } = res;
    let (gain, floor, rate) = (*gain, *floor, *rate);
    let mut hints = Vec::new();
    if !t.matched {
        push(
            &mut hints,
            HintKind::NoMatch,
            format!(
                "no match: the mix does not correlate with the stems' sum at any offset within \
                 ±{:.1} s (another song, version or edit? a larger --max-offset?)",
                settings.max_offset_s
            ),
        );
        return hints;
    }
    if let Some(d) = &t.drift {
        let text = if d.steady {
            format!(
                "different sample rate or drift: the offset changes steadily from {:+} frames \
                 at {:.1} s to {:+} at {:.1} s ({:+.0} ppm): the mix or the stems were \
                 rendered or converted at another rate",
                d.first.1, d.first.0, d.last.1, d.last.0, d.ppm
            )
        } else {
            format!(
                "drift: the offset changes over the song, from {:+} frames at {:.1} s to {:+} \
                 at {:.1} s, in steps (an edit or a sync problem in the mix or the stems)",
                d.first.1, d.first.0, d.last.1, d.last.0
            )
        };
        push(&mut hints, HintKind::Drift, text);
    }
    if t.inverted {
        push(
            &mut hints,
            HintKind::Polarity,
            "polarity: the mix is inverted against the stems' sum".to_owned(),
        );
    }
    if (t.gain_db).abs() > settings.gain_tolerance_db {
        push(
            &mut hints,
            HintKind::GainOffset,
            format!(
                "constant gain offset: the mix is {:.2} dB {} than the stems' sum (a master \
                 fader, bus gain or normalisation the stems do not carry)",
                t.gain_db.abs(),
                if t.gain_db > 0.0 { "louder" } else { "quieter" }
            ),
        );
    }
    if t.swapped_mix {
        push(
            &mut hints,
            HintKind::Swapped,
            "swapped channels: the stems' sum matches the mix far better with left and right \
             swapped"
                .to_owned(),
        );
    }
    for &k in &t.swapped_stems {
        push(
            &mut hints,
            HintKind::Swapped,
            format!(
                "swapped channels: the sum matches the mix far better with {}'s left and right \
                 swapped",
                names.get(k).copied().unwrap_or("?")
            ),
        );
    }
    if t.residual_db <= settings.residual_max_db {
        if hints.is_empty() {
            push(
                &mut hints,
                HintKind::Nulls,
                if t.residual_db <= super::RESIDUAL_FLOOR_DB {
                    "the stems null against the mix exactly".to_owned()
                } else {
                    format!(
                        "the stems null against the mix: the residual is {:.1} dB below it",
                        -t.residual_db
                    )
                },
            );
        }
        return hints;
    }
    // Where the residual is: in a few sections, or throughout.
    let audible = energies
        .iter()
        .filter(|e| e.1 > floor || e.0 > floor)
        .count()
        .max(1);
    let block_s = BLOCK_S;
    let covered: f64 = t.sections.iter().map(|s| s.end_s - s.start_s).sum::<f64>() / block_s;
    if let Some(w) = t
        .worst
        .filter(|_| covered < 0.5 * audible as f64 && !t.sections.is_empty())
    {
        let (a, b) = ((w.start_s * rate) as usize, (w.end_s * rate) as usize);
        let best = stems
            .iter()
            .enumerate()
            .map(|(k, s)| (k, al.residual_correlation(gain, s, a, b)))
            .max_by(|x, y| x.1.abs().total_cmp(&y.1.abs()));
        let span = format!("from {:.2} s to {:.2} s", w.start_s, w.end_s);
        let what = match best {
            Some((k, c)) if c <= -RELIABLE_CORRELATION => format!(
                "the difference there is {}: the mix lacks it (muted in the mix, or added to the \
                 stem after the mix was made)",
                names.get(k).copied().unwrap_or("?")
            ),
            Some((k, c)) if c >= RELIABLE_CORRELATION => format!(
                "the difference there is more of {} in the mix than in the stem",
                names.get(k).copied().unwrap_or("?")
            ),
            _ => "the mix holds something there the stems' sum does not, or the other way round \
                  (a part muted or missing in the stems?)"
                .to_owned(),
        };
        let more = if t.sections.len() > 1 {
            format!(" ({} stretches over the limit in all)", t.sections.len())
        } else {
            String::new()
        };
        push(
            &mut hints,
            HintKind::PartMissing,
            format!(
                "part missing: {span} the residual rises to {:.1} dB against the mix; {what}{more}",
                w.residual_db
            ),
        );
        return hints;
    }
    // Throughout: does the residual follow the mix's loudness?
    let blocks_per_second = (1.0 / block_s).round() as usize;
    let (mut res, mut mix) = (Vec::new(), Vec::new());
    for c in energies.chunks(blocks_per_second) {
        let (r, m) = c.iter().fold((0.0, 0.0), |(r, m), e| (r + e.0, m + e.1));
        if m > floor * c.len() as f64 && r > 0.0 {
            res.push(10.0 * r.log10());
            mix.push(10.0 * m.log10());
        }
    }
    if pearson(&res, &mix) > 0.6 {
        push(
            &mut hints,
            HintKind::BusProcessing,
            format!(
                "bus processing the stems lack: the residual ({:.1} dB against the mix) is there \
                 throughout and follows the mix's loudness (compression, limiting, saturation or \
                 EQ on the mix bus?)",
                t.residual_db
            ),
        );
    } else if t.drift.is_none() {
        push(
            &mut hints,
            HintKind::Different,
            format!(
                "the stems do not add up to the mix anywhere ({:.1} dB against it): a different \
                 version, or processing on the stems or the mix?",
                t.residual_db
            ),
        );
    }
    hints
}
