//! The `--report` HTML file of `stems analyze`: one self-contained page (no network, no
//! scripts, no external fonts or styles; the plots are inline SVG) that a browser shows as
//! it is.
//!
//! The page, top to bottom: a header (files, duration, rate, the sum's loudness, notices),
//! the stems table, the masking warnings with their fixes beside the maskee-by-masker
//! severity matrix, the stems' spectra beside their short-term loudness over time, and the
//! stem-by-band masking heatmap over time. Every stem keeps one colour in every plot and
//! table ([`stem_colours`]). Text from files (names, notices) is escaped everywhere
//! ([`esc`]); long runs are decimated ([`svg::decimate`]) so the file stays small.

mod heatmap;
mod plots;
mod svg;
#[cfg(test)]
mod tests;

use std::fmt::Write;

use shared_dsp::masking::WarningKind;
use shared_dsp::role::StemRole;

use super::engine::RunWarning;
use super::Analysis;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// `self` mixed with `other` by `t` (0 gives `self`, 1 gives `other`).
    pub fn mix(self, other: Rgb, t: f32) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

// NOTE: the first stem of each role takes the colour the plugins' editors give that role
// (`StemRole::rgb`), so the report and the plugins agree; further stems of a role take the
// next unused colour of `EXTRA`, then evenly turned hues.
fn role_colour(role: StemRole) -> Rgb {
    let [r, g, b] = role.rgb();
    Rgb(r, g, b)
}

const EXTRA: [Rgb; 10] = [
    Rgb(0x64, 0xb5, 0xf6),
    Rgb(0xe5, 0x73, 0x73),
    Rgb(0xdc, 0xe7, 0x75),
    Rgb(0x95, 0x75, 0xcd),
    Rgb(0x4d, 0xd0, 0xe1),
    Rgb(0xff, 0xb7, 0x4d),
    Rgb(0xf0, 0x62, 0x92),
    Rgb(0x81, 0xc7, 0x84),
    Rgb(0xbc, 0xaa, 0xa4),
    Rgb(0x79, 0x86, 0xcb),
];

/// One colour per stem, in input order, the same in every plot and table.
pub fn stem_colours(roles: &[StemRole]) -> Vec<Rgb> {
    let mut used: Vec<Rgb> = Vec::with_capacity(roles.len());
    let mut extra = EXTRA.iter().copied();
    for (k, &role) in roles.iter().enumerate() {
        let own = role_colour(role);
        let c = if !used.contains(&own) {
            own
        } else if let Some(c) = extra.by_ref().find(|c| !used.contains(c)) {
            c
        } else {
            // Golden-angle hues at even lightness.
            hsl((k as f32 * 137.508) % 360.0, 0.6, 0.68)
        };
        used.push(c);
    }
    used
}

fn hsl(h: f32, s: f32, l: f32) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb(to(r), to(g), to(b))
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped, safe in text and in quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Below this a level counts as silence (the analysis floors at -150 dB).
pub(crate) const SILENT_DB: f32 = -120.0;

/// `v` with `digits` decimals, or `−∞` when silent or not finite.
fn level(v: f32, digits: usize) -> String {
    if v.is_finite() && v > SILENT_DB {
        format!("{v:.digits$}").replace('-', "−")
    } else {
        "−∞".into()
    }
}

/// Seconds as `m:ss` (`h:mm:ss` from an hour on).
pub fn mmss(t: f64) -> String {
    let s = t.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The report as one HTML document (no network, no external scripts).
pub fn html(a: &Analysis) -> String {
    let roles: Vec<StemRole> = a.stems.iter().map(|s| s.role).collect();
    let colours = stem_colours(&roles);
    let mut h = String::with_capacity(256 * 1024);
    let title = match a.stems.len() {
        1 => format!("Stem analysis: {}", a.stems[0].name),
        n => format!("Stem analysis: {n} stems"),
    };
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>",
        esc(&title),
        CSS
    );
    header(&mut h, a);
    stems_table(&mut h, a, &colours);
    // A matrix of many stems needs the page's width.
    let row = if a.stems.len() > 12 {
        "row single"
    } else {
        "row"
    };
    let _ = writeln!(
        h,
        "<div class=\"{row}\">\n<section class=\"panel\">\n<h2>Masking warnings</h2>"
    );
    warnings(&mut h, a, &colours);
    let _ = writeln!(
        h,
        "</section>\n<section class=\"panel\">\n<h2>Severity</h2>\n<p class=\"note\">Mean dB by \
         which each stem (row) falls short of being heard because of another (column), over \
         the run.</p>\n{}</section>\n</div>",
        plots::severity(a, &colours)
    );
    let legend = legend(a, &colours, false);
    let _ = writeln!(
        h,
        "<div class=\"row\">\n<section class=\"panel\">\n<h2>Spectrum</h2>\n<p class=\"note\">\
         Mean power per band (48 ERB bands) over the run.</p>\n{legend}{}</section>",
        plots::spectrum(a, &colours)
    );
    let _ = writeln!(
        h,
        "<section class=\"panel\">\n<h2>Short-term loudness</h2>\n<p class=\"note\">3 s \
         short-term loudness (EBU R 128), every second; the dashed line is the sum's integrated \
         loudness.</p>\n{}{}</section>\n</div>",
        legend_with_sum(a, &colours),
        plots::loudness(a, &colours)
    );
    let _ = writeln!(
        h,
        "<section class=\"panel\">\n<h2>Masking over time</h2>\n<p class=\"note\">For each stem, \
         the share of the masking engine's window during which each band was masked (time \
         across, frequency up). Masking the role rules accept, such as a pad under a vocal's \
         priority, shows here but raises no warning.</p>\n{}</section>",
        heatmap::heatmap(a, &colours)
    );
    let _ = writeln!(
        h,
        "<footer>stems {} · analysis of {} at {} Hz</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        mmss(a.seconds),
        a.sample_rate_hz
    );
    h
}

fn header(h: &mut String, a: &Analysis) {
    let files = a.stems.len();
    let _ = writeln!(
        h,
        "<header>\n<h1>Stem analysis</h1>\n<div class=\"cards\">\n\
         <div class=\"card\"><span>Files</span><b>{files}</b></div>\n\
         <div class=\"card\"><span>Duration</span><b>{}</b></div>\n\
         <div class=\"card\"><span>Sample rate</span><b>{} <small>Hz</small></b></div>\n\
         <div class=\"card\"><span>Sum, integrated</span><b>{} <small>LUFS</small></b></div>\n\
         <div class=\"card\"><span>Masking warnings</span><b class=\"{}\">{}</b></div>\n\
         </div>",
        mmss(a.seconds),
        a.sample_rate_hz,
        level(a.sum_integrated_lufs, 1),
        if a.cross.warnings.is_empty() {
            "ok"
        } else {
            "bad"
        },
        a.cross.warnings.len()
    );
    if !a.notices.is_empty() {
        let _ = writeln!(h, "<div class=\"notices\"><b>Notices</b>\n<ul>");
        for n in &a.notices {
            let _ = writeln!(h, "<li>{}</li>", esc(n));
        }
        let _ = writeln!(h, "</ul>\n</div>");
    }
    let _ = writeln!(h, "</header>");
}

fn swatch(c: Rgb) -> String {
    format!("<i class=\"sw\" style=\"background:{}\"></i>", c.hex())
}

/// A stem's name in its colour, with its swatch.
fn chip(a: &Analysis, colours: &[Rgb], k: usize) -> String {
    match a.stems.get(k) {
        Some(s) => format!(
            "<span class=\"chip\">{}<span style=\"color:{}\">{}</span></span>",
            swatch(colours[k]),
            colours[k].hex(),
            esc(&s.name)
        ),
        None => "<span class=\"chip\">?</span>".into(),
    }
}

fn stems_table(h: &mut String, a: &Analysis, colours: &[Rgb]) {
    let _ = writeln!(
        h,
        "<section class=\"panel\">\n<h2>Stems</h2>\n<div class=\"scroll\"><table>\n<thead><tr>\
         <th>Stem</th><th>Role</th><th class=\"n\">Integrated<small>LUFS</small></th>\
         <th class=\"n\">Range<small>LU</small></th><th class=\"n\">True peak<small>dBTP</small></th>\
         <th class=\"n\">vs sum<small>LU</small></th><th class=\"n\">Crest<small>dB</small></th>\
         <th class=\"n\">Correlation<small>L/R</small></th><th>Masked<small>share of the run under a warning</small></th>\
         </tr></thead>\n<tbody>"
    );
    let mut guessed = false;
    for (k, s) in a.stems.iter().enumerate() {
        let f = &s.figures;
        let rel = if f.integrated_lufs > SILENT_DB && a.sum_integrated_lufs > SILENT_DB {
            format!("{:+.1}", f.integrated_lufs - a.sum_integrated_lufs).replace('-', "−")
        } else {
            "–".into()
        };
        let share = a
            .cross
            .masked_share
            .get(k)
            .copied()
            .unwrap_or(0.0)
            .clamp(0.0, 1.0);
        guessed |= !s.role_given;
        let peak_class = if f.max_true_peak_db > -1.0 {
            " class=\"n bad\""
        } else {
            " class=\"n\""
        };
        let _ = writeln!(
            h,
            "<tr><td title=\"{}\">{}</td><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td>\
             <td{peak_class}>{}</td><td class=\"n\">{rel}</td><td class=\"n\">{:.1}</td>\
             <td class=\"n\">{}</td><td><span class=\"bar\"><i style=\"width:{:.1}%;background:{}\"></i></span>\
             <span class=\"pct\">{:.0}%</span></td></tr>",
            esc(&s.path.display().to_string()),
            chip(a, colours, k),
            esc(s.role.label()),
            if s.role_given { "" } else { "<sup>*</sup>" },
            level(f.integrated_lufs, 1),
            f.loudness_range_lu.max(0.0),
            level(f.max_true_peak_db, 1),
            f.crest_db.max(0.0),
            format!("{:.2}", f.correlation).replace('-', "−"),
            share * 100.0,
            colours[k].hex(),
            share * 100.0,
        );
    }
    let _ = writeln!(h, "</tbody>\n</table></div>");
    if guessed {
        let _ = writeln!(
            h,
            "<p class=\"note\"><sup>*</sup> role guessed from the file name; set it with \
             <code>--role FILE=ROLE</code>.</p>"
        );
    }
    let _ = writeln!(h, "</section>");
}

fn legend(a: &Analysis, colours: &[Rgb], sum: bool) -> String {
    let mut l = String::from("<div class=\"legend\">");
    for k in 0..a.stems.len() {
        l.push_str(&chip(a, colours, k));
    }
    if sum {
        l.push_str("<span class=\"chip\"><i class=\"sw sum\"></i>Sum</span>");
    }
    l.push_str("</div>\n");
    l
}

fn legend_with_sum(a: &Analysis, colours: &[Rgb]) -> String {
    legend(a, colours, true)
}

/// The warning's sentence split into what happens and the fix (`Fix: ...`).
fn split_fix(text: &str) -> (&str, Option<&str>) {
    match text.find(". Fix: ") {
        Some(i) => (&text[..i], Some(&text[i + 2..])),
        None => (text, None),
    }
}

fn warnings(h: &mut String, a: &Analysis, colours: &[Rgb]) {
    if a.cross.warnings.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"allclear\">No masking warnings: every stem can be heard where its role \
             needs it.</p>"
        );
        return;
    }
    let _ = writeln!(h, "<ol class=\"warnings\">");
    // The engine sorts them worst first (shortfall times duration); keep that order.
    for w in &a.cross.warnings {
        warning(h, a, colours, w);
    }
    let _ = writeln!(h, "</ol>");
}

/// A warning's ranges as text ("1.2–3.4 kHz and 6–8 kHz").
fn bands(w: &shared_dsp::masking::MaskingWarning) -> String {
    let list: Vec<String> = w
        .ranges
        .as_slice()
        .iter()
        .map(|r| shared_dsp::format::band(r.lo_hz, r.hi_hz))
        .collect();
    if list.is_empty() {
        shared_dsp::format::band(w.lo_hz, w.hi_hz)
    } else {
        list.join(" and ")
    }
}

fn warning(h: &mut String, a: &Analysis, colours: &[Rgb], w: &RunWarning) {
    let mw = &w.warning;
    let idx = |id: u64| (id as usize).wrapping_sub(1);
    let kind = match mw.kind {
        WarningKind::Masking => "masking",
        WarningKind::Collision => "collision",
    };
    let (_, fix) = split_fix(&w.text);
    let total = if a.cross.seconds > 0.0 {
        a.cross.seconds
    } else {
        a.seconds
    };
    let _ = writeln!(
        h,
        "<li class=\"warning\" title=\"{}\">\n<div class=\"who\"><span class=\"kind {kind}\">{kind}</span>\
         {} <span class=\"dim\">masked by</span> {}</div>\n\
         <div class=\"facts\"><span><b>{}</b></span><span><b>{:.1} dB</b> short</span>\
         <span>raised <b>{}</b> of {}, first at {}</span></div>",
        esc(&w.text),
        chip(a, colours, idx(mw.maskee_id)),
        chip(a, colours, idx(mw.masker_id)),
        esc(&bands(mw)),
        mw.short_db,
        mmss(w.active_s),
        mmss(total),
        mmss(w.first_s),
    );
    if let Some(fix) = fix {
        let _ = writeln!(h, "<div class=\"fix\"><strong>{}</strong></div>", esc(fix));
    }
    let _ = writeln!(h, "</li>");
}

const CSS: &str = "
:root{--bg:#16191f;--panel:#1f232b;--edge:#2c313b;--plot:#101217;--grid:#2a2f38;--dim:#8b93a1;
--text:#d8dde5;--accent:#4fc3f7;--warn:#ff8a65;--ok:#66bb6a}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--text);
font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans','DejaVu Sans',sans-serif}
body{margin:0}
main{max-width:1360px;margin:0 auto;padding:24px 28px 16px}
h1{font-size:22px;font-weight:600;margin:0 0 12px;color:var(--accent);letter-spacing:.02em}
h2{font-size:13px;font-weight:600;text-transform:uppercase;letter-spacing:.08em;color:var(--dim);margin:0 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:var(--panel);border:1px solid var(--edge);border-radius:8px;padding:8px 14px;min-width:130px}
.card span{display:block;font-size:12px;color:var(--dim)}
.card b{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.card small{font-size:12px;color:var(--dim);font-weight:400}
.card .bad{color:var(--warn)}.card .ok{color:var(--ok)}
.notices{margin-top:12px;background:#2b2320;border:1px solid #5a3a2e;border-left:4px solid var(--warn);
border-radius:6px;padding:8px 14px}
.notices b{color:var(--warn)}.notices ul{margin:4px 0 0;padding-left:20px}
.panel{background:var(--panel);border:1px solid var(--edge);border-radius:8px;padding:14px 16px;margin-top:16px;min-width:0}
.row{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.row>.panel{margin-top:16px}
.row.single{grid-template-columns:1fr}
.note{color:var(--dim);font-size:12px;margin:-4px 0 10px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th{font-size:12px;font-weight:600;color:var(--dim);text-align:left;padding:4px 10px;border-bottom:1px solid var(--edge);
vertical-align:bottom;white-space:nowrap}
th small{display:block;font-weight:400}
td{padding:5px 10px;border-bottom:1px solid #262a33;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
.n{text-align:right}
td.bad{color:var(--warn)}
.sw{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:7px;vertical-align:-1px}
.sw.sum{background:#eef1f5;height:3px;width:14px;vertical-align:3px}
.chip{white-space:nowrap;font-weight:500}
.bar{display:inline-block;width:90px;height:8px;background:var(--plot);border-radius:4px;overflow:hidden;vertical-align:0}
.bar i{display:block;height:100%}
.pct{display:inline-block;width:42px;text-align:right;font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 6px;font-size:13px}
svg{display:block;width:100%;height:auto;margin:0 auto}
svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans','DejaVu Sans',sans-serif;fill:var(--dim)}
.warnings{list-style:none;margin:0;padding:0;counter-reset:w}
.warning{border-left:3px solid var(--warn);background:#232830;border-radius:0 6px 6px 0;padding:8px 12px;margin-bottom:10px}
.who{font-size:15px}
.dim{color:var(--dim)}
.kind{font-size:11px;text-transform:uppercase;letter-spacing:.06em;border-radius:4px;padding:1px 6px;margin-right:10px;
vertical-align:1px}
.kind.masking{background:#4a2b25;color:var(--warn)}.kind.collision{background:#4a3f22;color:#ffca28}
.facts{display:flex;flex-wrap:wrap;gap:4px 18px;color:var(--dim);font-size:13px;margin-top:3px}
.facts b{color:var(--text);font-weight:600}
.fix{margin-top:4px;color:#eef1f5}
.allclear{color:var(--ok);font-size:15px}
code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px;color:var(--text)}
footer{color:var(--dim);font-size:12px;text-align:right;margin-top:14px}
";
