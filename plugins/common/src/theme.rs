//! Colours and visuals of both plugins' editors: a dark, low-glare theme for long sessions.

use egui::{self, Color32};

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
