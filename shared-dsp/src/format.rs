//! Frequencies as people read them: in the Master's masking warnings, the Strip's verdicts,
//! the editors, `stems analyze` and `stems link status` (text and the JSON `text` fields).
//! One style everywhere, so a band reads the same wherever it is named: whole Hz below
//! 1 kHz, kHz with one decimal from there on, like the plugins' frequency parameters
//! (which nice-plug's own formatter prints).

/// A frequency: "850 Hz", "2.3 kHz", "12.5 kHz".
pub fn hz(hz: f32) -> String {
    if hz >= 1000.0 {
        format!("{:.1} kHz", hz / 1000.0)
    } else {
        format!("{hz:.0} Hz")
    }
}

/// A band, the unit written once where both ends share it: "1.2–3.4 kHz", "200–450 Hz",
/// "450 Hz–1.2 kHz"; empty for no band (`high` not positive).
pub fn band(low: f32, high: f32) -> String {
    if high.is_nan() || high <= 0.0 {
        return String::new();
    }
    let (lo, hi) = (hz(low), hz(high));
    let unit = |s: &str| s.ends_with("kHz");
    if unit(&lo) == unit(&hi) {
        let num = lo.split(' ').next().unwrap_or(&lo);
        format!("{num}–{hi}")
    } else {
        format!("{lo}–{hi}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies() {
        assert_eq!(hz(850.0), "850 Hz");
        assert_eq!(hz(999.4), "999 Hz");
        assert_eq!(hz(1000.0), "1.0 kHz");
        assert_eq!(hz(2340.0), "2.3 kHz");
        assert_eq!(hz(12_500.0), "12.5 kHz");
        assert_eq!(hz(48_000.0), "48.0 kHz");
        assert_eq!(hz(44_100.0), "44.1 kHz");
    }

    #[test]
    fn bands() {
        assert_eq!(band(200.0, 450.0), "200–450 Hz");
        assert_eq!(band(450.0, 1200.0), "450 Hz–1.2 kHz");
        assert_eq!(band(2000.0, 16000.0), "2.0–16.0 kHz");
        assert_eq!(band(0.0, 0.0), "");
        assert_eq!(band(100.0, f32::NAN), "");
    }
}
