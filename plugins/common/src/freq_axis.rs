//! The frequency axis every spectrum and curve in both editors is drawn on: logarithmic,
//! 20 Hz to 20 kHz across the plot, with the same grid lines and labels everywhere, so a
//! band sits at the same place in the Strip's EQ view and in the Master's stem views.

/// Left end of the axis, Hz.
pub const MIN_HZ: f32 = 20.0;
/// Right end of the axis, Hz.
pub const MAX_HZ: f32 = 20_000.0;
/// Frequencies that get a grid line and a label, Hz.
pub const GRID_HZ: [f32; 10] = [
    20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0,
];

/// The x coordinate of `hz` on an axis from `left` that is `width` px wide (frequencies
/// outside 20 Hz..20 kHz land outside it; 0 Hz and below are taken as 1 Hz).
pub fn x_of_hz(left: f32, width: f32, hz: f32) -> f32 {
    let t = (hz.max(1.0) / MIN_HZ).ln() / (MAX_HZ / MIN_HZ).ln();
    left + t * width
}

/// The frequency at `x` on an axis from `left` that is `width` px wide, Hz (clamped to the
/// axis).
pub fn hz_of_x(left: f32, width: f32, x: f32) -> f32 {
    let t = ((x - left) / width).clamp(0.0, 1.0);
    MIN_HZ * (MAX_HZ / MIN_HZ).powf(t)
}

/// The grid label of a frequency: "50", "500", "2k", "20k".
pub fn grid_label(hz: f32) -> String {
    if hz >= 1000.0 {
        format!("{}k", hz / 1000.0)
    } else {
        format!("{hz}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_decades_fall_where_expected() {
        assert!((x_of_hz(10.0, 300.0, MIN_HZ) - 10.0).abs() < 1e-4);
        assert!((x_of_hz(10.0, 300.0, MAX_HZ) - 310.0).abs() < 1e-3);
        // Three decades: each takes a third of the width.
        assert!((x_of_hz(0.0, 300.0, 200.0) - 100.0).abs() < 1e-3);
        assert!((x_of_hz(0.0, 300.0, 2000.0) - 200.0).abs() < 1e-3);
    }

    #[test]
    fn hz_of_x_inverts_x_of_hz() {
        for hz in [25.0, 80.0, 440.0, 3150.0, 17_000.0] {
            let x = x_of_hz(40.0, 512.0, hz);
            assert!((hz_of_x(40.0, 512.0, x) / hz - 1.0).abs() < 1e-4, "{hz}");
        }
        assert_eq!(hz_of_x(0.0, 100.0, -5.0), MIN_HZ);
    }

    #[test]
    fn labels() {
        assert_eq!(grid_label(50.0), "50");
        assert_eq!(grid_label(2000.0), "2k");
        assert_eq!(grid_label(20_000.0), "20k");
    }
}
