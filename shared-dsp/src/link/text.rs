//! A verdict as text, as the Strip's GUI and `stems link status` show it.

use super::{Verdict, VerdictKind};
use crate::format;

/// A verdict as one line, e.g. "Masked by Music 1.2–3.4 kHz, 4 dB (60% of the time; try
/// -2.0 dB on Music)".
impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self;
        let other = if v.other_name.as_str().is_empty() {
            v.other_role.label().to_owned()
        } else {
            v.other_name.as_str().to_owned()
        };
        // A finding with several ranges lists them all.
        let band = if v.ranges().count() > 1 {
            v.ranges()
                .map(|(lo, hi)| format::band(lo, hi))
                .collect::<Vec<_>>()
                .join(" and ")
        } else {
            format::band(v.low_hz, v.high_hz)
        };
        let band = if band.is_empty() {
            band
        } else {
            format!(" {band}")
        };
        let amount = v.amount_db.abs();
        let mut text = match v.kind {
            VerdictKind::MaskedBy => format!("Masked by {other}{band}, {amount:.0} dB"),
            VerdictKind::Masking => format!("Masking {other}{band}, {amount:.0} dB"),
            VerdictKind::TooLoud => format!("{amount:.1} dB louder than the balance{band}"),
            VerdictKind::TooQuiet => format!("{amount:.1} dB quieter than the balance{band}"),
        };
        let mut notes = Vec::new();
        if v.share > 0.0 && v.share < 0.995 {
            notes.push(format!("{:.0}% of the time", v.share * 100.0));
        }
        if v.suggested_gain_db.abs() >= 0.05 {
            // A cut suggested to a masked stem is on its masker; a boost is on the stem itself.
            let on = if v.kind == VerdictKind::MaskedBy && v.suggested_gain_db < 0.0 {
                format!(" on {other}")
            } else {
                String::new()
            };
            notes.push(format!("try {:+.1} dB{on}", v.suggested_gain_db));
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::StemRole;
    use crate::snapshot::StemName;

    #[test]
    fn verdicts_read_naturally() {
        let v = Verdict {
            kind: VerdictKind::MaskedBy,
            other_role: StemRole::Music,
            low_hz: 1200.0,
            high_hz: 3400.0,
            amount_db: 4.0,
            share: 1.0,
            ..Verdict::default()
        };
        assert_eq!(v.to_string(), "Masked by Music 1.2–3.4 kHz, 4 dB");
        let v = Verdict {
            other_name: StemName::new("Gtr L"),
            share: 0.6,
            suggested_gain_db: -2.0,
            ..v
        };
        assert_eq!(
            v.to_string(),
            "Masked by Gtr L 1.2–3.4 kHz, 4 dB (60% of the time; try -2.0 dB on Gtr L)"
        );
        // A finding in several ranges lists each.
        let v = Verdict {
            ranges: [[1200.0, 2000.0], [2600.0, 3400.0], [0.0; 2]],
            ..v
        };
        assert_eq!(
            v.to_string(),
            "Masked by Gtr L 1.2–2.0 kHz and 2.6–3.4 kHz, 4 dB (60% of the time; try -2.0 dB on Gtr L)"
        );
        let v = Verdict {
            kind: VerdictKind::TooLoud,
            amount_db: 2.5,
            share: 1.0,
            suggested_gain_db: -2.5,
            low_hz: 0.0,
            high_hz: 0.0,
            ..Verdict::default()
        };
        assert_eq!(
            v.to_string(),
            "2.5 dB louder than the balance (try -2.5 dB)"
        );
    }
}
