//! Pure helpers of the Stems tab: colour scales, value texts, the band-range mapping and the
//! spectrum plot's range. No egui state; unit-tested below.

use egui::Color32;
use shared_dsp::crossstem::{Alignment, Excluded, RowState};
use stem_plugin_common::freq_axis;

/// The heatmap's and the severity matrix's colour ramp, from "nothing" (just above the plot
/// background) through dim amber to the warning colour. Stops at 0, 1/3, 2/3 and 1.
const RAMP: [[u8; 3]; 4] = [
    [0x1c, 0x20, 0x28],
    [0x4a, 0x40, 0x2a],
    [0xb3, 0x74, 0x30],
    [0xff, 0x70, 0x4c],
];
/// Severity (dB short) that takes the ramp's hottest colour.
pub const SEVERITY_FULL_DB: f32 = 8.0;
/// Shares and severities below these show as the ramp's floor (no cell noise).
const SHARE_FLOOR: f32 = 0.02;
const SEVERITY_FLOOR_DB: f32 = 0.1;

/// The ramp at `t` (0..1, clamped; NaN reads as 0).
pub fn ramp(t: f32) -> Color32 {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (RAMP.len() - 1) as f32;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f32;
    let mix = |k: usize| {
        let (a, b) = (f32::from(RAMP[i][k]), f32::from(RAMP[i + 1][k]));
        (a + (b - a) * f).round() as u8
    };
    Color32::from_rgb(mix(0), mix(1), mix(2))
}

/// Colour of a heatmap cell: the share (0..1) of the time a band was masked.
pub fn share_color(share: f32) -> Color32 {
    if share < SHARE_FLOOR || share.is_nan() {
        ramp(0.0)
    } else {
        ramp(share)
    }
}

/// Colour of a severity cell (dB short, see [`SEVERITY_FULL_DB`]).
pub fn severity_color(db: f32) -> Color32 {
    if db < SEVERITY_FLOOR_DB || db.is_nan() {
        ramp(0.0)
    } else {
        ramp(db / SEVERITY_FULL_DB)
    }
}

/// Text colour that reads on a ramp colour `c`: dark on the hot end, light elsewhere.
pub fn text_on(c: Color32) -> Color32 {
    let luma = 0.299 * f32::from(c.r()) + 0.587 * f32::from(c.g()) + 0.114 * f32::from(c.b());
    if luma > 140.0 {
        Color32::from_rgb(0x16, 0x19, 0x1f)
    } else {
        Color32::from_rgb(0xe6, 0xe8, 0xec)
    }
}

/// A severity cell's number: one decimal, none below the floor.
pub fn severity_text(db: f32) -> Option<String> {
    (db >= SEVERITY_FLOOR_DB && db.is_finite()).then(|| format!("{db:.1}"))
}

/// A loudness in LUFS with one decimal, or "—" when unknown.
pub fn lufs_text(lufs: Option<f32>) -> String {
    match lufs.filter(|v| v.is_finite()) {
        Some(v) => format!("{v:.1}"),
        None => "—".to_owned(),
    }
}

/// A level difference in LU with its sign and one decimal, or "—" when unknown.
pub fn lu_text(lu: Option<f32>) -> String {
    match lu.filter(|v| v.is_finite()) {
        // No "-0.0": a value that rounds to zero reads as "0.0".
        Some(v) if v.abs() < 0.05 => "0.0".to_owned(),
        Some(v) => format!("{v:+.1}"),
        None => "—".to_owned(),
    }
}

/// A gain offset: "0.0 dB" or "+1.5 dB".
pub fn gain_text(db: f32) -> String {
    if db.abs() < 0.05 {
        "0.0 dB".to_owned()
    } else {
        format!("{db:+.1} dB")
    }
}

/// Why a row is greyed, for its status cell and hover text (`None` for a live row).
pub fn row_state_text(state: &RowState) -> Option<String> {
    match state {
        RowState::Live => None,
        RowState::Excluded { why } => Some(match why {
            Some(Excluded::NoSignal) | None => "no analysis from its Strip".to_owned(),
            Some(Excluded::Stopped) => "its transport is stopped".to_owned(),
            Some(Excluded::OutOfStep(s)) => format!(
                "{:.1} s {} the other stems",
                s.abs(),
                if *s < 0.0 { "behind" } else { "ahead of" }
            ),
        }),
        RowState::Gone { for_s } => Some(format!("gone {:.0} s ago", for_s.max(0.0))),
    }
}

/// A warning's text split into the finding and its fix (the part after "Fix: "), so the
/// list can set the fix apart.
pub fn split_fix(text: &str) -> (&str, Option<&str>) {
    match text.find("Fix: ") {
        Some(i) => {
            let finding = text[..i].trim_end().trim_end_matches(['.', ';']);
            (finding, Some(text[i + 5..].trim()))
        }
        None => (text, None),
    }
}

/// The x range `lo_hz..hi_hz` covers on a plot from `left`, `width` px wide, on the shared
/// frequency axis, clamped to the plot (an empty range when it lies outside).
pub fn band_x_range(left: f32, width: f32, lo_hz: f32, hi_hz: f32) -> (f32, f32) {
    let (lo, hi) = if lo_hz <= hi_hz {
        (lo_hz, hi_hz)
    } else {
        (hi_hz, lo_hz)
    };
    let clamp = |x: f32| x.clamp(left, left + width);
    (
        clamp(freq_axis::x_of_hz(left, width, lo)),
        clamp(freq_axis::x_of_hz(left, width, hi)),
    )
}

/// Height of the spectrum plot's range, dB.
pub const SPECTRUM_SPAN_DB: f32 = 80.0;

/// The top of the spectrum plot, dB, given the last one and the loudest band now: whole
/// 10 dB steps, moving only when the loudest band comes within 3 dB of the top or falls
/// more than 30 dB under it, so the plot does not breathe with the music.
pub fn spectrum_top(previous: Option<f32>, max_db: f32) -> f32 {
    if !max_db.is_finite() {
        return previous.unwrap_or(0.0);
    }
    let fit = ((max_db + 5.0) / 10.0).ceil() * 10.0;
    let fit = fit.clamp(-60.0, 20.0);
    match previous {
        Some(top) if max_db <= top - 3.0 && max_db >= top - 30.0 => top,
        _ => fit,
    }
}

/// A short form of how the Strips were lined up, for the status line, and whether it is
/// the normal case (lined up); the full sentence goes in the hover text.
pub fn alignment_short(alignment: Option<&Alignment>) -> (String, bool) {
    match alignment {
        Some(Alignment::Aligned { stems, spread_ms }) => (
            format!("{stems} stems aligned by transport (±{spread_ms:.0} ms)"),
            true,
        ),
        Some(Alignment::Holding) => ("Transport stopped: holding".to_owned(), false),
        Some(Alignment::NotPossible { without_position }) => (
            format!(
                "Not aligned: {without_position} Strip{} without transport position",
                if *without_position == 1 { "" } else { "s" }
            ),
            false,
        ),
        Some(Alignment::Waiting) | None => ("Waiting for the Strips' analysis".to_owned(), false),
    }
}

/// A dB grid label: "0 dB", "-30 dB" (never "-0 dB").
pub fn db_label(db: f32) -> String {
    let db = db.round();
    if db == 0.0 {
        "0 dB".to_owned()
    } else {
        format!("{db:.0} dB")
    }
}

/// `name` cut to at most `max_chars` characters, with "…" when cut.
pub fn short_name(name: &str, max_chars: usize) -> String {
    if name.chars().count() <= max_chars {
        return name.to_owned();
    }
    let keep = max_chars.saturating_sub(1);
    let mut s: String = name.chars().take(keep).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_runs_from_the_floor_to_the_hot_end() {
        assert_eq!(ramp(0.0), Color32::from_rgb(0x1c, 0x20, 0x28));
        assert_eq!(ramp(1.0), Color32::from_rgb(0xff, 0x70, 0x4c));
        assert_eq!(ramp(2.0), ramp(1.0));
        assert_eq!(ramp(f32::NAN), ramp(0.0));
        // Gets warmer monotonically (red channel).
        let reds: Vec<u8> = (0..=10).map(|i| ramp(i as f32 / 10.0).r()).collect();
        assert!(reds.windows(2).all(|w| w[0] <= w[1]), "{reds:?}");
    }

    #[test]
    fn tiny_shares_and_severities_show_as_nothing() {
        assert_eq!(share_color(0.01), ramp(0.0));
        assert_ne!(share_color(0.5), ramp(0.0));
        assert_eq!(severity_color(0.05), ramp(0.0));
        assert_eq!(severity_color(SEVERITY_FULL_DB * 2.0), ramp(1.0));
        assert_eq!(severity_text(0.05), None);
        assert_eq!(severity_text(3.26).as_deref(), Some("3.3"));
    }

    #[test]
    fn text_reads_on_its_cell() {
        assert_eq!(text_on(ramp(0.0)), Color32::from_rgb(0xe6, 0xe8, 0xec));
        assert_eq!(text_on(ramp(1.0)), Color32::from_rgb(0x16, 0x19, 0x1f));
    }

    #[test]
    fn value_texts() {
        assert_eq!(lufs_text(Some(-18.24)), "-18.2");
        assert_eq!(lufs_text(None), "—");
        assert_eq!(lufs_text(Some(f32::NAN)), "—");
        assert_eq!(lu_text(Some(1.25)), "+1.2");
        assert_eq!(lu_text(Some(-0.04)), "0.0");
        assert_eq!(lu_text(Some(-3.0)), "-3.0");
        assert_eq!(gain_text(0.02), "0.0 dB");
        assert_eq!(gain_text(-6.0), "-6.0 dB");
    }

    #[test]
    fn row_states() {
        assert_eq!(row_state_text(&RowState::Live), None);
        assert_eq!(
            row_state_text(&RowState::Gone { for_s: 3.4 }).as_deref(),
            Some("gone 3 s ago")
        );
        let behind = RowState::Excluded {
            why: Some(Excluded::OutOfStep(-0.6)),
        };
        assert_eq!(
            row_state_text(&behind).as_deref(),
            Some("0.6 s behind the other stems")
        );
    }

    #[test]
    fn the_fix_is_split_off() {
        let text = "Lead Vox (Lead Vocal) masked by Pad (Music), 1.0 to 4.1 kHz, 6.5 dB short, \
                    80% of the last 10 s. Fix: cut Pad by 7.5 dB from 1.4 kHz to 2.8 kHz";
        let (finding, fix) = split_fix(text);
        assert!(finding.ends_with("of the last 10 s"), "{finding}");
        assert_eq!(fix, Some("cut Pad by 7.5 dB from 1.4 kHz to 2.8 kHz"));
        assert_eq!(split_fix("no fix here"), ("no fix here", None));
    }

    #[test]
    fn band_ranges_map_onto_the_axis_and_clamp() {
        let (a, b) = band_x_range(100.0, 600.0, 200.0, 2000.0);
        assert!(
            (a - 300.0).abs() < 0.01 && (b - 500.0).abs() < 0.01,
            "{a} {b}"
        );
        // Reversed input, and ranges past the axis ends.
        assert_eq!(
            band_x_range(0.0, 300.0, 2000.0, 200.0),
            band_x_range(0.0, 300.0, 200.0, 2000.0)
        );
        let (a, b) = band_x_range(0.0, 300.0, 5.0, 40_000.0);
        assert_eq!((a, b), (0.0, 300.0));
    }

    #[test]
    fn spectrum_top_moves_in_steps_with_hysteresis() {
        assert_eq!(spectrum_top(None, -23.0), -10.0);
        // Within the band of calm: stays.
        assert_eq!(spectrum_top(Some(-10.0), -14.0), -10.0);
        assert_eq!(spectrum_top(Some(-10.0), -38.0), -10.0);
        // Too close to the top, or far under it: moves.
        assert_eq!(spectrum_top(Some(-10.0), -11.0), 0.0);
        assert_eq!(spectrum_top(Some(-10.0), -45.0), -40.0);
        assert_eq!(spectrum_top(Some(-10.0), f32::NAN), -10.0);
        assert_eq!(spectrum_top(None, -300.0), -60.0);
    }

    #[test]
    fn alignment_and_grid_texts() {
        let aligned = Alignment::Aligned {
            stems: 4,
            spread_ms: 0.4,
        };
        assert_eq!(
            alignment_short(Some(&aligned)),
            ("4 stems aligned by transport (±0 ms)".to_owned(), true)
        );
        let (text, ok) = alignment_short(Some(&Alignment::NotPossible {
            without_position: 1,
        }));
        assert!(
            !ok && text.ends_with("1 Strip without transport position"),
            "{text}"
        );
        assert!(!alignment_short(None).1);
        assert_eq!(db_label(-0.0), "0 dB");
        assert_eq!(db_label(-30.0), "-30 dB");
    }

    #[test]
    fn names_are_cut_with_an_ellipsis() {
        assert_eq!(short_name("Pad", 6), "Pad");
        assert_eq!(short_name("Lead Vox", 6), "Lead …");
        assert_eq!(short_name("Größenwahn", 4), "Grö…");
    }
}
