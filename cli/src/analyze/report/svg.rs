//! Small building blocks for the report's SVG plots: the plot area, linear and logarithmic
//! scales that clamp to their axis, tick steps, and decimation of long series.

use std::fmt::Write;

/// Plot background (the plugins' `PLOT`).
pub const PLOT: &str = "#101217";
/// Grid lines (the plugins' `GRID`).
pub const GRID: &str = "#2a2f38";
/// Fainter grid lines (minor ticks).
pub const GRID_MINOR: &str = "#1c2028";
/// Axis labels.
pub const LABEL: &str = "#8b93a1";
/// The sum's line.
pub const SUM: &str = "#eef1f5";

/// A mapping from data values to pixels; values outside the domain land on its edge, so
/// nothing is drawn off the chart (silent stems sit on the bottom axis).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
    log: bool,
}

impl Scale {
    /// Linear from `d0..d1` to `r0..r1` (pixels).
    pub fn linear(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        Self {
            d0,
            d1,
            r0,
            r1,
            log: false,
        }
    }

    /// Logarithmic (base 10) from `d0..d1` (both positive) to `r0..r1`.
    pub fn log(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        Self {
            d0: d0.log10(),
            d1: d1.log10(),
            r0,
            r1,
            log: true,
        }
    }

    /// The pixel of `v`, clamped to the range; NaN maps to the low end.
    pub fn at(&self, v: f64) -> f64 {
        let v = if self.log { v.max(1e-12).log10() } else { v };
        let t = ((v - self.d0) / (self.d1 - self.d0)).clamp(0.0, 1.0);
        let t = if t.is_nan() { 0.0 } else { t };
        self.r0 + t * (self.r1 - self.r0)
    }
}

/// The plot area of a chart, in pixels of its `viewBox`.
#[derive(Debug, Clone, Copy)]
pub struct Area {
    /// Left edge.
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
    /// Top edge.
    pub y0: f64,
    /// Bottom edge.
    pub y1: f64,
}

/// Opens an `<svg>` of `w` by `h` pixels (scaled to the page's width by the stylesheet).
pub fn open(out: &mut String, w: f64, h: f64, label: &str) {
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {w:.0} {h:.0}\" \
         style=\"max-width:{w:.0}px\" role=\"img\" aria-label=\"{}\">",
        super::esc(label)
    );
}

/// The plot area's background.
pub fn background(out: &mut String, a: Area) {
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{PLOT}\" rx=\"3\"/>",
        a.x0,
        a.y0,
        a.x1 - a.x0,
        a.y1 - a.y0
    );
}

/// A vertical grid line at `x` with an optional label under the area.
pub fn vline(out: &mut String, a: Area, x: f64, colour: &str, label: Option<&str>) {
    let _ = writeln!(
        out,
        "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{colour}\"/>",
        a.y0, a.y1
    );
    if let Some(l) = label {
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            a.y1 + 17.0,
            super::esc(l)
        );
    }
}

/// A horizontal grid line at `y` with a label left of the area.
pub fn hline(out: &mut String, a: Area, y: f64, label: &str) {
    let _ = writeln!(
        out,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
        a.x0,
        a.x1,
        a.x0 - 7.0,
        y + 4.0,
        super::esc(label)
    );
}

/// A unit or axis title at (`x`, `y`).
pub fn title(out: &mut String, x: f64, y: f64, anchor: &str, text: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"12\" text-anchor=\"{anchor}\" \
         font-weight=\"600\">{}</text>",
        super::esc(text)
    );
}

/// A polyline through `points` (already in pixels).
pub fn polyline(out: &mut String, points: &[(f64, f64)], colour: &str, width: f64, extra: &str) {
    if points.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" \
                         stroke-linejoin=\"round\" stroke-linecap=\"round\"{extra} points=\""
    );
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(out, "{}{x:.1},{y:.1}", if i == 0 { "" } else { " " });
    }
    out.push_str("\"/>\n");
}

/// `v` with at most two decimals and no trailing zeros (compact path data).
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// The smallest of `steps` that gives at most `max_ticks` ticks over `span`.
pub fn step(span: f64, max_ticks: usize, steps: &[f64]) -> f64 {
    steps
        .iter()
        .copied()
        .find(|s| span / s <= max_ticks as f64)
        .unwrap_or_else(|| steps.last().copied().unwrap_or(1.0))
}

/// Tick steps for a time axis, seconds.
pub const TIME_STEPS: [f64; 14] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
];

/// `series` averaged in buckets so that it has at most `max` points; returns the points and
/// how many input points each covers. Non-finite values count as the lowest finite one.
pub fn decimate(series: &[f32], max: usize) -> (Vec<f32>, usize) {
    let max = max.max(1);
    if series.len() <= max {
        return (series.to_vec(), 1);
    }
    let bucket = series.len().div_ceil(max);
    let out = series
        .chunks(bucket)
        .map(|c| {
            let finite: Vec<f32> = c.iter().copied().filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                f32::NEG_INFINITY
            } else {
                finite.iter().sum::<f32>() / finite.len() as f32
            }
        })
        .collect();
    (out, bucket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_clamp_to_their_axis() {
        let s = Scale::linear(-60.0, 0.0, 300.0, 10.0);
        assert_eq!(s.at(-150.0), 300.0);
        assert_eq!(s.at(f64::NEG_INFINITY), 300.0);
        assert_eq!(s.at(12.0), 10.0);
        assert_eq!(s.at(f64::NAN), 300.0);
        let l = Scale::log(20.0, 20_000.0, 0.0, 300.0);
        assert!((l.at(632.455_53) - 150.0).abs() < 1e-3);
        assert_eq!(l.at(0.0), 0.0);
    }

    #[test]
    fn decimation_keeps_at_most_max_points() {
        let long: Vec<f32> = (0..3601).map(|i| i as f32).collect();
        let (d, bucket) = decimate(&long, 600);
        assert!(d.len() <= 600, "{}", d.len());
        assert_eq!(bucket, 7);
        assert!((d[0] - 3.0).abs() < 1e-6);
        let short = [1.0, 2.0];
        assert_eq!(decimate(&short, 600), (short.to_vec(), 1));
    }
}
