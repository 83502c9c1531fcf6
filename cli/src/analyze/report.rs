//! The `--report` HTML file of `stems analyze`: one self-contained page.

use super::Analysis;

/// The report as one HTML document (no network, no external scripts).
pub fn html(a: &Analysis) -> String {
    let text = super::text(a)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stem analysis</title></head>\
         <body><h1>Stem analysis</h1><pre>{text}</pre></body></html>\n"
    )
}
