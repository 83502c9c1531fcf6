//! The stem-by-band masking heatmap over time: for each stem a strip (time across, band
//! up) coloured by the share of the masking engine's window each band was masked.

use std::fmt::Write;

use shared_dsp::bands::{hz_to_erb_rate, HIGH_EDGE_HZ, LOW_EDGE_HZ, NUM_BANDS};

use super::plots::{hz_label, ramp, short, MAX_POINTS};
use super::svg::{self, Scale};
use super::{esc, mmss, Analysis, Rgb};
use crate::analyze::engine::TIMELINE_SECONDS;

/// At most this many heatmap cells over all strips (64 stems get ~130 columns each).
const MAX_HEATMAP_CELLS: usize = 400_000;

/// The heatmap's columns: each stem's per-second band shares, decimated to a shared count.
/// Returns the columns, how many seconds each covers and the longest strip's seconds.
fn heatmap_columns(a: &Analysis) -> (Vec<Vec<[f32; NUM_BANDS]>>, usize, usize) {
    let n = a.stems.len().max(1);
    let longest = a.cross.heatmap.iter().map(Vec::len).max().unwrap_or(0);
    let max_cols = MAX_POINTS.min(MAX_HEATMAP_CELLS / (n * NUM_BANDS)).max(16);
    let bucket = longest.div_ceil(max_cols).max(1);
    let cols = a
        .cross
        .heatmap
        .iter()
        .map(|strip| {
            strip
                .chunks(bucket)
                .map(|c| {
                    std::array::from_fn(|b| {
                        let sum: f32 = c.iter().map(|col| col.get(b).copied().unwrap_or(0.0)).sum();
                        sum / c.len() as f32
                    })
                })
                .collect()
        })
        .collect();
    (cols, bucket, longest)
}

/// Masked-share colour levels drawn (values below half a level are not drawn).
const LEVELS: usize = 10;

/// For each stem a strip (time across, band up) coloured by the share of the masking
/// engine's window each band was masked, with a colour legend.
pub fn heatmap(a: &Analysis, colours: &[Rgb]) -> String {
    let n = a.stems.len();
    let (cols, bucket, longest) = heatmap_columns(a);
    let w = 1300.0;
    let band_px: f64 = if n <= 4 {
        2.0
    } else if n <= 12 {
        1.5
    } else {
        1.0
    };
    let strip_h = band_px * NUM_BANDS as f64;
    let gap = if n <= 12 { 16.0 } else { 8.0 };
    let (x0, x1, top) = (210.0, w - 14.0, 40.0);
    let h = top + n as f64 * (strip_h + gap) - gap + 34.0;
    let mut out = String::new();
    svg::open(&mut out, w, h, "Masking heatmap over time");
    // Legend: the colour levels, top right.
    let lw = 22.0;
    let lx = x1 - lw * (LEVELS + 1) as f64;
    svg::title(
        &mut out,
        lx - 10.0,
        16.0,
        "end",
        "masked share of the window",
    );
    for l in 0..=LEVELS {
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"4\" width=\"{lw}\" height=\"14\" fill=\"{}\"/>",
            lx + l as f64 * lw,
            ramp(l as f32 / LEVELS as f32).hex()
        );
    }
    for (l, label) in [(0, "0%"), (LEVELS / 2, "50%"), (LEVELS, "100%")] {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"32\" font-size=\"11\" text-anchor=\"middle\">{label}</text>",
            lx + (l as f64 + 0.5) * lw
        );
    }
    let seconds = (longest as f64 * TIMELINE_SECONDS).max(TIMELINE_SECONDS);
    let xs = Scale::linear(0.0, seconds, x0, x1);
    let erb_lo = hz_to_erb_rate(LOW_EDGE_HZ);
    let erb_step = (hz_to_erb_rate(HIGH_EDGE_HZ) - erb_lo) / NUM_BANDS as f32;
    let tstep = svg::step(seconds, 12, &svg::TIME_STEPS);
    for (k, (stem, colour)) in a.stems.iter().zip(colours).enumerate() {
        let y0 = top + k as f64 * (strip_h + gap);
        let y1 = y0 + strip_h;
        let name = &stem.name;
        let share = a.cross.masked_share.get(k).copied().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "<rect x=\"{x0}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{strip_h:.1}\" fill=\"{}\"/>\n\
             <rect x=\"4\" y=\"{:.1}\" width=\"4\" height=\"{:.1}\" rx=\"2\" fill=\"{}\"/>\n\
             <text x=\"16\" y=\"{:.1}\" font-size=\"{}\" style=\"fill:{}\" font-weight=\"600\">{}<title>{}</title></text>",
            x1 - x0,
            svg::PLOT,
            y0,
            strip_h,
            colour.hex(),
            y0 + if n <= 12 { 14.0 } else { strip_h * 0.5 + 4.0 },
            if n <= 12 { 13 } else { 11 },
            colour.hex(),
            esc(&short(name, 20)),
            esc(name),
        );
        if n <= 12 {
            let _ = writeln!(
                out,
                "<text x=\"16\" y=\"{:.1}\" font-size=\"11\">under a warning {:.0}% of the run</text>",
                y0 + 30.0,
                share * 100.0
            );
        }
        // Frequency ticks on each strip (fewer when strips are thin).
        let ticks: &[f64] = if strip_h >= 70.0 {
            &[100.0, 1e3, 1e4]
        } else {
            &[1e3]
        };
        for &hz in ticks {
            let band = f64::from((hz_to_erb_rate(hz as f32) - erb_lo) / erb_step);
            let y = y1 - band * band_px;
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{x0}\" y2=\"{y:.1}\" stroke=\"{}\"/>\n\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
                x0 - 4.0,
                svg::LABEL,
                x0 - 7.0,
                y + 4.0,
                hz_label(hz)
            );
        }
        let Some(strip) = cols.get(k) else { continue };
        // One path per colour level, drawn in cell units (column, band row) and scaled: each
        // run of equal level is a horizontal stroke one band tall.
        let mut paths: Vec<String> = vec![String::new(); LEVELS + 1];
        for b in 0..NUM_BANDS {
            let row = (NUM_BANDS - 1 - b) as f64 + 0.5;
            let mut c = 0;
            while c < strip.len() {
                let level = (strip[c][b] * LEVELS as f32)
                    .round()
                    .clamp(0.0, LEVELS as f32) as usize;
                let mut end = c + 1;
                while end < strip.len()
                    && (strip[end][b] * LEVELS as f32)
                        .round()
                        .clamp(0.0, LEVELS as f32) as usize
                        == level
                {
                    end += 1;
                }
                if level > 0 {
                    // The last column may cover less than a full bucket.
                    let stop = ((end * bucket).min(longest) as f64 / bucket as f64).max(c as f64);
                    let _ = write!(paths[level], "M{c} {row}h{}", svg::num(stop - c as f64));
                }
                c = end;
            }
        }
        let sx = (x1 - x0) * bucket as f64 / longest.max(1) as f64;
        let _ = writeln!(
            out,
            "<g transform=\"translate({x0} {y0:.1}) scale({sx:.4} {band_px})\" fill=\"none\" \
             shape-rendering=\"crispEdges\">"
        );
        for (level, d) in paths.iter().enumerate() {
            if !d.is_empty() {
                let _ = writeln!(
                    out,
                    "<path stroke=\"{}\" d=\"{d}\"/>",
                    ramp(level as f32 / LEVELS as f32).hex()
                );
            }
        }
        out.push_str("</g>\n");
        // Time grid over the strip.
        let mut t = tstep;
        while t < seconds - tstep * 0.3 {
            let x = xs.at(t);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{y0:.1}\" x2=\"{x:.1}\" y2=\"{y1:.1}\" stroke=\"#ffffff\" \
                 stroke-opacity=\"0.08\"/>"
            );
            t += tstep;
        }
    }
    let yb = top + n as f64 * (strip_h + gap) - gap;
    let mut t = 0.0;
    while t <= seconds + 1e-6 {
        if t + tstep * 0.4 <= seconds {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                xs.at(t),
                yb + 17.0,
                mmss(t)
            );
        }
        t += tstep;
    }
    svg::title(&mut out, x1, h - 3.0, "end", "m:ss");
    svg::title(&mut out, x0 - 7.0, top - 6.0, "end", "Hz");
    out.push_str("</svg>\n");
    out
}
