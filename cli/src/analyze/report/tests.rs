//! Tests of the HTML report on analyses made in code: structure (every element we open is
//! closed), no network references, escaping, edge cases (one stem, silent stems, no
//! warnings, 64 stems, long runs), size, and a render in headless Chromium when installed.

use std::path::PathBuf;

use shared_dsp::bands::NUM_BANDS;
use shared_dsp::masking::{MaskingWarning, WarningKind};
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::FLOOR_DB;

use super::*;
use crate::analyze::engine::{CrossFigures, RunWarning, StemFigures};
use crate::analyze::Stem;

/// A deterministic pseudo-random sequence in 0..1 (xorshift).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn figures(seconds: usize, k: usize, silent: bool) -> StemFigures {
    let tl = (0..seconds)
        .map(|i| {
            if silent {
                FLOOR_DB
            } else {
                -20.0 - k as f32 + 3.0 * ((i as f32) * 0.3).sin()
            }
        })
        .collect();
    StemFigures {
        integrated_lufs: if silent {
            f32::NEG_INFINITY
        } else {
            -20.0 - k as f32
        },
        loudness_range_lu: if silent { 0.0 } else { 2.5 },
        max_true_peak_db: if silent { FLOOR_DB } else { -3.0 },
        sample_peak_db: if silent { FLOOR_DB } else { -3.2 },
        rms_db: if silent { FLOOR_DB } else { -18.0 },
        crest_db: if silent { 0.0 } else { 15.0 },
        correlation: if silent { 0.0 } else { 0.8 },
        spectrum_db: std::array::from_fn(|b| {
            if silent {
                FLOOR_DB
            } else {
                -30.0 - b as f32 * 0.8 - k as f32
            }
        }),
        shortterm_timeline: tl,
        snapshots: Vec::new(),
    }
}

fn warning(maskee: usize, masker: usize, text: &str) -> RunWarning {
    RunWarning {
        warning: MaskingWarning {
            kind: WarningKind::Masking,
            maskee_id: maskee as u64 + 1,
            maskee_role: StemRole::LeadVocal,
            masker_id: masker as u64 + 1,
            masker_role: StemRole::Music,
            first_band: 20,
            last_band: 26,
            lo_hz: 1326.0,
            hi_hz: 2724.0,
            short_db: 12.5,
            masked_share: 0.8,
            window_s: 10.0,
            ..MaskingWarning::default()
        },
        peak_loss: 0.05,
        text: text.to_owned(),
        active_s: 20.0,
        first_s: 2.5,
    }
}

/// An analysis of `names` over `seconds`; stems listed in `silent` are silent; the
/// heatmap is smooth unless `noisy`.
fn analysis(names: &[&str], seconds: usize, silent: &[usize], noisy: bool) -> Analysis {
    let n = names.len();
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let stems = names
        .iter()
        .enumerate()
        .map(|(k, name)| Stem {
            name: (*name).to_owned(),
            path: PathBuf::from(format!("/stems/{name}.wav")),
            role: StemRole::ALL[k % StemRole::ALL.len()],
            role_given: k % 2 == 0,
            channels: 2,
            file_rate_hz: 48_000,
            format: "PCM 24-bit".into(),
            file_seconds: seconds as f64,
            figures: figures(seconds, k, silent.contains(&k)),
        })
        .collect();
    let heatmap = (0..n)
        .map(|k| {
            (0..seconds)
                .map(|t| {
                    (0..NUM_BANDS)
                        .map(|b| {
                            if noisy {
                                noise.next()
                            } else if (18..28).contains(&b) && k % 2 == 1 {
                                (((t as f32) * 0.1).sin() * 0.5 + 0.5).clamp(0.0, 1.0)
                            } else {
                                0.0
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    Analysis {
        sample_rate_hz: 48_000,
        seconds: seconds as f64,
        stems,
        sum_integrated_lufs: -14.0,
        sum_timeline: (0..seconds)
            .map(|i| -14.0 + ((i as f32) * 0.2).sin())
            .collect(),
        cross: CrossFigures {
            warnings: Vec::new(),
            band_history: vec![vec![0.1; NUM_BANDS]; n],
            masked_share: (0..n).map(|k| (k % 3) as f32 * 0.4).collect(),
            heatmap,
            severity: (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| {
                            if i == j {
                                0.0
                            } else {
                                ((i * 7 + j * 3) % 15) as f32
                            }
                        })
                        .collect()
                })
                .collect(),
            seconds: seconds as f64,
        },
        notices: Vec::new(),
    }
}

const VOID: [&str; 7] = ["meta", "br", "hr", "img", "input", "link", "col"];

/// Checks that every element opened is closed in order; returns the first problem.
fn check_balanced(html: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            return Err(format!("stray `<` before `{}`", &tag[..tag.len().min(20)]));
        }
        if tag.contains(" src=") || tag.contains(" href=") {
            return Err(format!("<{name}> loads a resource"));
        }
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            // CSS holds no `<`: skip to its end tag.
            let close = rest.find("</style>").ok_or("unclosed <style>")?;
            rest = &rest[close + "</style>".len()..];
            continue;
        }
        stack.push(name);
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

fn count(h: &str, s: &str) -> usize {
    h.matches(s).count()
}

fn check_common(h: &str) {
    check_balanced(h).unwrap();
    assert_eq!(count(h, "<svg"), count(h, "</svg>"));
    // Spectrum, loudness, heatmap, and the severity matrix when there are two stems or more.
    assert!(
        (3..=4).contains(&count(h, "<svg")),
        "{} plots",
        count(h, "<svg")
    );
    for banned in [
        "http://", "https://", "<script", "<link", "<iframe", "@import", "url(",
    ] {
        assert!(!h.contains(banned), "report holds `{banned}`");
    }
    assert!(
        !h.contains("NaN") && !h.contains("inf<"),
        "unformatted numbers"
    );
}

#[test]
fn report_is_balanced_offline_and_names_every_stem_and_warning() {
    let mut a = analysis(&["kick", "bass", "pad", "lead_vox"], 30, &[], false);
    a.cross.warnings = vec![
        warning(3, 2, "lead_vox (Lead Vocal) masked by pad (Music), 1.3 kHz to 2.7 kHz, 12.5 dB short, 80% of the last 10 s. Fix: cut pad (Music) by 9.0 dB around 1.9 kHz"),
        warning(1, 0, "Low-end collision: bass (Bass) masked by kick (Drums), 20 Hz to 202 Hz, 6.0 dB short, 82% of the last 10 s. Fix: cut kick (Drums) by 7.0 dB around 64 Hz"),
    ];
    a.notices = vec!["pad.wav: 44100 Hz resampled to the session's 48000 Hz".into()];
    let h = html(&a);
    check_common(&h);
    for s in &a.stems {
        assert!(h.contains(&s.name), "{}", s.name);
    }
    for w in &a.cross.warnings {
        // The whole sentence (as the card's tooltip), and its fix in bold.
        assert!(h.contains(&format!("title=\"{}\"", esc(&w.text))));
        let fix = &w.text[w.text.find("Fix: ").unwrap()..];
        assert!(
            h.contains(&format!("<strong>{}</strong>", esc(fix))),
            "{fix}"
        );
    }
    assert!(h.contains("resampled to the session"));
    // Worst first: in the engine's order.
    assert!(h.find("lead_vox (Lead Vocal) masked").unwrap() < h.find("Low-end collision").unwrap());
}

#[test]
fn names_and_notices_are_escaped() {
    let mut a = analysis(&["<b>kick</b> & \"co\"", "bass's"], 10, &[], false);
    a.notices = vec!["<img src=x>: padded".into()];
    let h = html(&a);
    check_common(&h);
    assert!(!h.contains("<b>kick"));
    assert!(!h.contains("<img"));
    assert!(h.contains("&lt;b&gt;kick&lt;/b&gt; &amp; &quot;co&quot;"));
    assert!(h.contains("bass&#39;s"));
    assert!(h.contains("&lt;img src=x&gt;: padded"));
}

#[test]
fn no_warnings_says_so() {
    let h = html(&analysis(&["a", "b"], 10, &[], false));
    check_common(&h);
    assert_eq!(count(&h, "<svg"), 4);
    assert!(h.contains("No masking warnings"));
}

#[test]
fn one_stem_and_silent_stems_stay_on_the_chart() {
    let h = html(&analysis(&["solo"], 5, &[], false));
    check_common(&h);
    assert!(h.contains("solo"));
    assert!(h.contains("nothing else can mask it"));
    let mut a = analysis(&["quiet", "loud", "empty"], 20, &[0, 2], false);
    a.sum_integrated_lufs = f32::NEG_INFINITY;
    let h = html(&a);
    check_common(&h);
    assert!(h.contains("−∞"), "silent levels shown as −∞");
    // Every plotted y coordinate lies inside its chart: no point beyond the viewBox.
    for points in h.split("points=\"").skip(1) {
        let list = &points[..points.find('"').unwrap()];
        for p in list.split(' ') {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!(
                (0.0..=640.0).contains(&x) && (0.0..=360.0).contains(&y),
                "{p}"
            );
        }
    }
    // All silent: still a page.
    let h = html(&analysis(&["x"], 3, &[0], false));
    check_common(&h);
}

#[test]
fn sixty_four_stems_and_an_hour_stay_small() {
    let names: Vec<String> = (0..64).map(|k| format!("stem_{k:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let h = html(&analysis(&refs, 3600, &[5], false));
    check_common(&h);
    for n in &names {
        assert!(h.contains(n.as_str()));
    }
    assert!(h.len() < 3_000_000, "{} bytes", h.len());
    // Distinct colours for all 64.
    let roles: Vec<StemRole> = (0..64).map(|k| StemRole::ALL[k % 7]).collect();
    let c = stem_colours(&roles);
    for i in 0..64 {
        for j in 0..i {
            assert_ne!(c[i], c[j], "stems {i} and {j}");
        }
    }
}

#[test]
fn eight_stems_of_three_minutes_stay_under_two_megabytes() {
    let names = ["kick", "snare", "oh", "bass", "keys", "gtr", "vox", "bgv"];
    // Worst case for size: a heatmap of noise (nothing merges).
    let h = html(&analysis(&names, 180, &[], true));
    check_common(&h);
    assert!(h.len() < 2_000_000, "{} bytes", h.len());
    let h = html(&analysis(&names, 180, &[], false));
    assert!(h.len() < 300_000, "{} bytes", h.len());
}

#[test]
fn times_read_as_minutes_and_seconds() {
    assert_eq!(mmss(0.0), "0:00");
    assert_eq!(mmss(65.4), "1:05");
    assert_eq!(mmss(3725.0), "1:02:05");
}

/// Renders a report in headless Chromium (when installed) and checks that the page laid
/// out with its plots and painted a non-trivial picture.
#[test]
fn renders_in_headless_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!(
            "note: chromium not installed; skipping the headless render (apt-get install chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut a = analysis(&["kick", "bass & sub", "pad", "lead_vox"], 30, &[], false);
    a.cross.warnings = vec![warning(
        3,
        2,
        "lead_vox masked by pad. Fix: cut pad by 9.0 dB around 1.9 kHz",
    )];
    let page = dir.path().join("report.html");
    std::fs::write(&page, html(&a)).unwrap();
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
    ];
    let profile = format!("--user-data-dir={}", dir.path().join("profile").display());
    let dom = std::process::Command::new(chromium)
        .args(common)
        .arg(&profile)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("bass &amp; sub"),
        "DOM: {}",
        &dom[..dom.len().min(400)]
    );
    assert_eq!(dom.matches("<svg").count(), 4);
    let png = dir.path().join("shot.png");
    let status = std::process::Command::new(chromium)
        .args(common)
        .arg(&profile)
        .arg(format!("--screenshot={}", png.display()))
        .args(["--window-size=1400,1800", &url])
        .output()
        .unwrap();
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&status.stderr)
        )
    });
    assert_eq!(&bytes[1..4], b"PNG");
    // A blank or error page compresses to a few kB; plots, tables and text do not.
    assert!(
        bytes.len() > 60_000,
        "screenshot only {} bytes",
        bytes.len()
    );
}
