//! The null test's checks of `stems check`, when a mix is given: its rate, and how the
//! stems' sum lines up with it (offset, polarity, gain, drift, swapped channels) and what is
//! left after (the residual).

use super::{Check, Outcomes, Report};

/// A gain in dB to two decimals with its sign, "+0.00 dB" for what rounds to zero (not
/// "-0.00 dB" for a hair under it).
pub(crate) fn signed_db_text(db: f64) -> String {
    let rounded = (db * 100.0).round() / 100.0;
    format!("{:+.2} dB", if rounded == 0.0 { 0.0 } else { rounded })
}

/// Adds the null test's outcomes to `out`; none without a mix.
pub(super) fn evaluate(r: &Report, out: &mut Outcomes) {
    let l = &r.limits;
    let stems = &r.stems;
    if let Some((mix, t)) = &r.mix {
        let mix_failure = |fails: bool, why: String| -> Vec<(String, String)> {
            if fails {
                vec![("mix".to_owned(), why)]
            } else {
                Vec::new()
            }
        };
        out.push(
            Check::MixRate,
            format!("{} Hz", mix.figures.rate_hz),
            mix_failure(
                mix.figures.rate_hz != r.rate_hz,
                format!("{} Hz; the stems {} Hz", mix.figures.rate_hz, r.rate_hz),
            ),
        );
        let ms = t.offset as f64 * 1000.0 / f64::from(r.rate_hz);
        let offset_text = format!(
            "{:+} frames ({ms:+.3} ms){}",
            t.offset,
            match t.offset.signum() {
                1 => ": the mix is late",
                -1 => ": the mix is early",
                _ => "",
            }
        );
        out.push(
            Check::Offset,
            offset_text.clone(),
            mix_failure(t.offset.unsigned_abs() > l.offset_max, offset_text),
        );
        out.push(
            Check::Polarity,
            if t.inverted { "inverted" } else { "normal" }.to_owned(),
            mix_failure(
                t.inverted,
                "the mix is inverted against the stems' sum".to_owned(),
            ),
        );
        let gain_text = signed_db_text(t.gain_db);
        out.push(
            Check::Gain,
            gain_text.clone(),
            mix_failure(
                t.gain_db.abs() > l.gain_tolerance,
                format!("{gain_text} (tolerance ±{:.2} dB)", l.gain_tolerance),
            ),
        );
        let residual_text = format!("{:.1} dB against the mix", t.residual_db);
        out.push(
            Check::Residual,
            format!("{residual_text} (limit {:.1})", l.residual_max),
            mix_failure(
                t.residual_db > l.residual_max,
                format!(
                    "{residual_text} after alignment (limit {:.1})",
                    l.residual_max
                ),
            ),
        );
        out.push(
            Check::Drift,
            match &t.drift {
                Some(d) => format!("{:+} to {:+} frames", d.first.1, d.last.1),
                None => "none".to_owned(),
            },
            mix_failure(
                t.drift.is_some(),
                t.drift
                    .map(|d| {
                        format!(
                            "the offset goes from {:+} frames at {:.1} s to {:+} at {:.1} s",
                            d.first.1, d.first.0, d.last.1, d.last.0
                        )
                    })
                    .unwrap_or_default(),
            ),
        );
        let mut swapped = mix_failure(
            t.swapped_mix,
            "the sum matches far better with left and right swapped".to_owned(),
        );
        swapped.extend(t.swapped_stems.iter().map(|&k| {
            (
                stems[k].name.clone(),
                "the sum matches the mix far better with its left and right swapped".to_owned(),
            )
        }));
        out.push(Check::SwappedChannels, "none".to_owned(), swapped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gain_that_rounds_to_zero_reads_plus_zero() {
        assert_eq!(signed_db_text(-0.0004), "+0.00 dB");
        assert_eq!(signed_db_text(-0.0), "+0.00 dB");
        assert_eq!(signed_db_text(0.004), "+0.00 dB");
        assert_eq!(signed_db_text(-0.006), "-0.01 dB");
        assert_eq!(signed_db_text(3.0), "+3.00 dB");
    }
}
