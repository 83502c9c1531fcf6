//! Text for people: frequencies, bands and verdicts as the Strip's GUI and `stems link
//! status` show them.

use super::{Verdict, VerdictKind};

/// A frequency for text: "450 Hz", "1.2 kHz", "12 kHz".
pub fn hz_text(hz: f32) -> String {
    if hz >= 10_000.0 {
        format!("{:.0} kHz", hz / 1000.0)
    } else if hz >= 1000.0 {
        format!("{:.1} kHz", hz / 1000.0)
    } else {
        format!("{hz:.0} Hz")
    }
}

/// A band for text: "1.2–3.4 kHz", "200–450 Hz", "450 Hz–1.2 kHz"; empty for no band.
pub fn band_text(low: f32, high: f32) -> String {
    if high.is_nan() || high <= 0.0 {
        return String::new();
    }
    let (lo, hi) = (hz_text(low), hz_text(high));
    let unit = |s: &str| s.ends_with("kHz");
    if unit(&lo) == unit(&hi) {
        let num = lo.split(' ').next().unwrap_or(&lo);
        format!("{num}–{hi}")
    } else {
        format!("{lo}–{hi}")
    }
}

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
        let band = band_text(v.low_hz, v.high_hz);
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

    #[test]
    fn bands_and_frequencies() {
        assert_eq!(band_text(200.0, 450.0), "200–450 Hz");
        assert_eq!(band_text(450.0, 1200.0), "450 Hz–1.2 kHz");
        assert_eq!(band_text(2000.0, 16000.0), "2.0–16 kHz");
        assert_eq!(band_text(0.0, 0.0), "");
        assert_eq!(hz_text(12_500.0), "12 kHz");
    }
}
