//! Colours and visuals of both plugins' editors: a dark, low-glare theme for long sessions.

use egui::{self, Color32};
use shared_dsp::role::StemRole;

/// Window background.
pub const BACKGROUND: Color32 = Color32::from_rgb(0x16, 0x19, 0x1f);
/// Section panels.
pub const PANEL: Color32 = Color32::from_rgb(0x1f, 0x23, 0x2b);
/// Panel borders.
pub const PANEL_EDGE: Color32 = Color32::from_rgb(0x2c, 0x31, 0x3b);
/// Plot background.
pub const PLOT: Color32 = Color32::from_rgb(0x10, 0x12, 0x17);
/// Grid lines.
pub const GRID: Color32 = Color32::from_rgb(0x2a, 0x2f, 0x38);
/// Secondary text.
pub const DIM: Color32 = Color32::from_rgb(0x8b, 0x93, 0xa1);
/// Main accent (the EQ curve, titles).
pub const ACCENT: Color32 = Color32::from_rgb(0x4f, 0xc3, 0xf7);
/// Warnings and clipping.
pub const WARN: Color32 = Color32::from_rgb(0xff, 0x8a, 0x65);
/// Meter green (level fine).
pub const METER_OK: Color32 = Color32::from_rgb(0x66, 0xbb, 0x6a);
/// Meter yellow (level hot).
pub const METER_HOT: Color32 = Color32::from_rgb(0xff, 0xca, 0x28);
/// Meter red (over).
pub const METER_OVER: Color32 = Color32::from_rgb(0xef, 0x53, 0x50);

const BANDS: [Color32; 7] = [
    Color32::from_rgb(0x90, 0xa4, 0xae),
    Color32::from_rgb(0xff, 0xb7, 0x4d),
    Color32::from_rgb(0xf0, 0x62, 0x92),
    Color32::from_rgb(0xba, 0x68, 0xc8),
    Color32::from_rgb(0x4d, 0xd0, 0xe1),
    Color32::from_rgb(0xae, 0xd5, 0x81),
    Color32::from_rgb(0x90, 0xa4, 0xae),
];

/// The colour of EQ section `i` (0 high-pass, 1 low shelf, 2..=4 bells, 5 high shelf,
/// 6 low-pass).
pub fn band_color(i: usize) -> Color32 {
    BANDS[i.min(BANDS.len() - 1)]
}

/// The colour of a stem of `role` when its host gives no track colour
/// ([`StemRole::rgb`]: distinct hues of even brightness, none of them the accent or the
/// warning colour).
pub fn role_color(role: StemRole) -> Color32 {
    let [r, g, b] = role.rgb();
    Color32::from_rgb(r, g, b)
}

/// A stem's colour: the host's track colour when known (lifted until it reads on the dark
/// background), else its role's.
pub fn stem_color(color_rgb: Option<[u8; 3]>, role: StemRole) -> Color32 {
    match color_rgb {
        Some([r, g, b]) => legible(Color32::from_rgb(r, g, b)),
        None => role_color(role),
    }
}

/// `c` mixed towards white until its brightest channel reaches about 60% (a dark track
/// colour would vanish on the plots' background); brighter colours are returned as they are.
pub fn legible(c: Color32) -> Color32 {
    const MIN_MAX: f32 = 150.0;
    let max = f32::from(c.r().max(c.g()).max(c.b()));
    if max >= MIN_MAX {
        return c;
    }
    // Mix with white by t so that the brightest channel reaches MIN_MAX.
    let t = (MIN_MAX - max) / (255.0 - max);
    let lift = |v: u8| (f32::from(v) + t * (255.0 - f32::from(v))).round() as u8;
    Color32::from_rgb(lift(c.r()), lift(c.g()), lift(c.b()))
}

/// Applies the theme to an egui context.
pub fn apply(ctx: &egui::Context) {
    let mut visuals = egui::Visuals::dark();
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = PLOT;
    visuals.selection.bg_fill = Color32::from_rgb(0x1e, 0x4d, 0x66);
    visuals.widgets.inactive.bg_fill = Color32::from_rgb(0x2a, 0x2f, 0x38);
    visuals.widgets.inactive.weak_bg_fill = Color32::from_rgb(0x2a, 0x2f, 0x38);
    ctx.set_visuals(visuals);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legible_lifts_dark_colours_and_keeps_bright_ones() {
        let bright = Color32::from_rgb(0xf4, 0x20, 0x10);
        assert_eq!(legible(bright), bright);
        let lifted = legible(Color32::from_rgb(0x20, 0x00, 0x00));
        assert_eq!(lifted.r(), 150);
        // Still reddest: the hue survives.
        assert!(lifted.r() > lifted.g() && lifted.g() == lifted.b());
        assert_eq!(legible(Color32::BLACK).r(), 150);
    }

    #[test]
    fn every_role_has_its_own_colour() {
        for (i, a) in StemRole::ALL.iter().enumerate() {
            for b in &StemRole::ALL[i + 1..] {
                assert_ne!(role_color(*a), role_color(*b), "{a} and {b}");
            }
        }
        assert_eq!(stem_color(None, StemRole::Bass), role_color(StemRole::Bass));
    }
}
