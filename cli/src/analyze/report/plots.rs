//! The report's plots as inline SVG: spectra, short-term loudness over time and the
//! severity matrix (the masking heatmap is in `heatmap.rs`); the colour ramp they share.

use std::fmt::Write;

use shared_dsp::bands::{BandLayout, HIGH_EDGE_HZ, LOW_EDGE_HZ};

use super::svg::{self, Area, Scale};
use super::{esc, mmss, Analysis, Rgb, SILENT_DB};
use crate::analyze::engine::TIMELINE_SECONDS;

/// At most this many points per line and columns per heatmap strip.
pub const MAX_POINTS: usize = 600;

/// The masked-share colour ramp (0 = plot background, 1 = hot), also used for severity.
const RAMP: [Rgb; 5] = [
    Rgb(0x10, 0x12, 0x17),
    Rgb(0x1d, 0x3b, 0x5c),
    Rgb(0x7b, 0x3f, 0x8c),
    Rgb(0xe0, 0x60, 0x5a),
    Rgb(0xff, 0xd1, 0x66),
];

/// The ramp's colour at `t` (0..1).
pub fn ramp(t: f32) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (RAMP.len() - 1) as f32;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    RAMP[i].mix(RAMP[i + 1], x - i as f32)
}

/// Shortens `s` to `max` characters with an ellipsis.
pub(super) fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Round `v` down / up to a multiple of `step`.
/// Horizontal gridlines every `step` from the top of `range` (bottom, top) down, labelled with
/// their level (dB or LUFS) and a true minus sign.
fn level_grid(out: &mut String, area: Area, y: &Scale, range: (f32, f32), step: f32) {
    let (bottom, top) = range;
    let mut v = floor_to(top, step);
    while v >= bottom - 0.01 {
        svg::hline(
            out,
            area,
            y.at(f64::from(v)),
            &format!("{v:.0}").replace('-', "−"),
        );
        v -= step;
    }
}

fn floor_to(v: f32, step: f32) -> f32 {
    (v / step).floor() * step
}
fn ceil_to(v: f32, step: f32) -> f32 {
    (v / step).ceil() * step
}

/// The lowest and highest audible (finite, above silence) values, if any.
fn audible_range<'a>(values: impl Iterator<Item = &'a f32>) -> Option<(f32, f32)> {
    values
        .copied()
        .filter(|v| v.is_finite() && *v > SILENT_DB)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

pub(super) fn hz_label(hz: f64) -> String {
    if hz >= 1000.0 {
        format!("{}k", hz / 1000.0)
    } else {
        format!("{hz}")
    }
}

/// Each stem's long-term spectrum over a log frequency axis.
pub fn spectrum(a: &Analysis, colours: &[Rgb]) -> String {
    let (w, h) = (640.0, 360.0);
    let area = Area {
        x0: 46.0,
        x1: w - 14.0,
        y0: 26.0,
        y1: h - 34.0,
    };
    let layout = BandLayout::standard();
    let (lo, hi) = audible_range(a.stems.iter().flat_map(|s| s.figures.spectrum_db.iter()))
        .unwrap_or((-80.0, 0.0));
    let top = ceil_to(hi + 1.0, 10.0);
    let bottom = floor_to(lo, 10.0).clamp(top - 90.0, top - 40.0);
    let x = Scale::log(
        f64::from(LOW_EDGE_HZ),
        f64::from(HIGH_EDGE_HZ),
        area.x0,
        area.x1,
    );
    let y = Scale::linear(f64::from(bottom), f64::from(top), area.y1, area.y0);
    let mut out = String::new();
    svg::open(&mut out, w, h, "Spectrum of each stem");
    svg::background(&mut out, area);
    for decade in [10.0, 100.0, 1000.0, 10_000.0] {
        for m in 2..10 {
            let hz = decade * f64::from(m);
            if hz > 20.0 && hz < 20_000.0 && ![2, 5].contains(&m) {
                svg::vline(&mut out, area, x.at(hz), svg::GRID_MINOR, None);
            }
        }
    }
    for hz in [20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4] {
        svg::vline(&mut out, area, x.at(hz), svg::GRID, Some(&hz_label(hz)));
    }
    let step = if top - bottom > 60.0 { 20.0 } else { 10.0 };
    level_grid(&mut out, area, &y, (bottom, top), step);
    svg::title(&mut out, area.x1, h - 3.0, "end", "Hz");
    svg::title(&mut out, area.x0 - 7.0, area.y0 - 12.0, "end", "dB");
    // Light fills help a few stems; more of them would stack into grey.
    let fill = a.stems.len() <= 4;
    for (k, s) in a.stems.iter().enumerate() {
        let pts: Vec<(f64, f64)> = layout
            .centers_hz
            .iter()
            .zip(&s.figures.spectrum_db)
            .map(|(&hz, &db)| (x.at(f64::from(hz)), y.at(f64::from(db))))
            .collect();
        let colour = colours[k].hex();
        if fill {
            let mut area_pts = pts.clone();
            area_pts.push((pts[pts.len() - 1].0, area.y1));
            area_pts.push((pts[0].0, area.y1));
            let _ = write!(
                out,
                "<polygon fill=\"{colour}\" fill-opacity=\"0.06\" points=\""
            );
            for (i, (px, py)) in area_pts.iter().enumerate() {
                let _ = write!(out, "{}{px:.1},{py:.1}", if i == 0 { "" } else { " " });
            }
            out.push_str("\"/>\n");
        }
        svg::polyline(&mut out, &pts, &colour, 2.0, "");
    }
    out.push_str("</svg>\n");
    out
}

/// Short-term loudness over time per stem and for the sum.
pub fn loudness(a: &Analysis, colours: &[Rgb]) -> String {
    let (w, h) = (640.0, 360.0);
    let area = Area {
        x0: 46.0,
        x1: w - 14.0,
        y0: 26.0,
        y1: h - 34.0,
    };
    let series = a
        .stems
        .iter()
        .map(|s| s.figures.shortterm_timeline.as_slice())
        .chain(std::iter::once(a.sum_timeline.as_slice()));
    let (lo, hi) = audible_range(series.clone().flatten()).unwrap_or((-60.0, -12.0));
    let top = ceil_to(hi + 1.0, 6.0);
    let bottom = floor_to(lo - 1.0, 6.0).clamp(top - 60.0, top - 24.0);
    let seconds = a.seconds.max(TIMELINE_SECONDS);
    let x = Scale::linear(0.0, seconds, area.x0, area.x1);
    let y = Scale::linear(f64::from(bottom), f64::from(top), area.y1, area.y0);
    let mut out = String::new();
    svg::open(&mut out, w, h, "Short-term loudness over time");
    svg::background(&mut out, area);
    let tstep = svg::step(seconds, 8, &svg::TIME_STEPS);
    let mut t = 0.0;
    while t <= seconds + 1e-6 {
        // The last label would overlap the axis title; keep its line only.
        let label = (t + tstep * 0.4 <= seconds).then(|| mmss(t));
        svg::vline(&mut out, area, x.at(t), svg::GRID, label.as_deref());
        t += tstep;
    }
    let lstep = if top - bottom > 36.0 { 12.0 } else { 6.0 };
    level_grid(&mut out, area, &y, (bottom, top), lstep);
    svg::title(&mut out, area.x1, h - 3.0, "end", "m:ss");
    svg::title(&mut out, area.x0 - 7.0, area.y0 - 12.0, "end", "LUFS");
    let line = |out: &mut String, s: &[f32], colour: &str, width: f64| {
        let (d, bucket) = svg::decimate(s, MAX_POINTS);
        // Point i of the timeline is the short-term loudness at (i + 1) s.
        let pts: Vec<(f64, f64)> = d
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let t = ((i * bucket) as f64 + (bucket as f64 + 1.0) / 2.0) * TIMELINE_SECONDS;
                (x.at(t), y.at(f64::from(v)))
            })
            .collect();
        svg::polyline(out, &pts, colour, width, "");
    };
    for (k, s) in a.stems.iter().enumerate() {
        line(
            &mut out,
            &s.figures.shortterm_timeline,
            &colours[k].hex(),
            1.6,
        );
    }
    line(&mut out, &a.sum_timeline, svg::SUM, 2.6);
    if a.sum_integrated_lufs > SILENT_DB && a.sum_integrated_lufs.is_finite() {
        let yi = y.at(f64::from(a.sum_integrated_lufs));
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{yi:.1}\" x2=\"{:.1}\" y2=\"{yi:.1}\" stroke=\"{}\" \
             stroke-dasharray=\"5 4\" stroke-opacity=\"0.6\"/>",
            area.x0,
            area.x1,
            svg::SUM
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The maskee-by-masker matrix of mean severity, dB, each cell coloured and numbered.
pub fn severity(a: &Analysis, colours: &[Rgb]) -> String {
    let n = a.stems.len();
    if n < 2 {
        return "<p class=\"allclear\">One stem: nothing else can mask it.</p>\n".into();
    }
    let sev = |i: usize, j: usize| -> f32 {
        let v = a
            .cross
            .severity
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .unwrap_or(0.0);
        if v.is_finite() {
            v.max(0.0)
        } else {
            0.0
        }
    };
    let max = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|(i, j)| i != j)
        .map(|(i, j)| sev(i, j))
        .fold(0.0f32, f32::max);
    let full = ceil_to(max.max(6.0), 3.0);
    let cell = (520.0 / n.max(1) as f64).clamp(14.0, 80.0);
    let names = if n <= 16 { 16 } else { 12 };
    let label_w = 150.0;
    let head = if n <= 16 { 96.0 } else { 80.0 };
    let (x0, y0) = (label_w, head);
    let w = (x0 + n as f64 * cell + 16.0).max(560.0);
    let h = y0 + n as f64 * cell + 46.0;
    let font = (cell * 0.3).clamp(7.0, 14.0);
    let mut out = String::new();
    svg::open(&mut out, w, h, "Masking severity, maskee by masker");
    for (k, s) in a.stems.iter().enumerate() {
        let c = colours[k].hex();
        let cy = y0 + (k as f64 + 0.5) * cell;
        let cx = x0 + (k as f64 + 0.5) * cell;
        let fs = if n <= 16 { 12 } else { 10 };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{fs}\" text-anchor=\"end\" style=\"fill:{c}\">{}<title>{}</title></text>\n\
             <text transform=\"translate({:.1} {:.1}) rotate(-50)\" font-size=\"{fs}\" style=\"fill:{c}\">{}<title>{}</title></text>",
            x0 - 8.0,
            cy + 4.0,
            esc(&short(&s.name, names)),
            esc(&s.name),
            cx + 3.0,
            y0 - 8.0,
            esc(&short(&s.name, names)),
            esc(&s.name),
        );
    }
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (x0 + j as f64 * cell, y0 + i as f64 * cell);
            let v = sev(i, j);
            let (fill, text) = if i == j {
                ("#191c22".to_owned(), String::new())
            } else {
                let t = (v / full).clamp(0.0, 1.0);
                let label = if v >= 0.05 {
                    format!("{v:.1}")
                } else {
                    "0".into()
                };
                (ramp(0.08 + 0.92 * t).hex(), label)
            };
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"/>",
                cell - 1.0,
                cell - 1.0
            );
            if !text.is_empty() {
                let dark_text = v / full > 0.6;
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font:.1}\" text-anchor=\"middle\" \
                     style=\"fill:{}\">{text}</text>",
                    x + cell * 0.5 - 0.5,
                    y + cell * 0.5 + font * 0.35,
                    if dark_text { "#101217" } else { "#d8dde5" }
                );
            }
        }
    }
    let yb = y0 + n as f64 * cell;
    svg::title(
        &mut out,
        x0,
        yb + 18.0,
        "start",
        "row: masked stem · column: masking stem",
    );
    // Scale, bottom left.
    let steps = 6;
    for s in 0..=steps {
        let t = s as f32 / steps as f32;
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"18\" height=\"10\" fill=\"{}\"/>",
            x0 + s as f64 * 18.0,
            yb + 28.0,
            ramp(0.08 + 0.92 * t).hex()
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">0 to {full:.0} dB</text>",
        x0 + (steps + 1) as f64 * 18.0 + 6.0,
        yb + 37.0
    );
    out.push_str("</svg>\n");
    out
}
