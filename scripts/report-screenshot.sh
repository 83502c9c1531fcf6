#!/usr/bin/env bash
# Takes the README's picture of the `stems analyze` HTML report: runs `stems demo` (four
# generated stems, analysed with --report) into a temporary folder, renders its report.html
# in headless Chromium as a browser shows it, and trims the page's empty margin.
# Needs: chromium imagemagick (Debian packages).
# Usage: scripts/report-screenshot.sh [output.png]   (default docs/stem-report.png)
# Environment: PROFILE_FLAG (default --release; set it empty for the debug build),
#              WIDTH (browser window width in CSS pixels, default 1400).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/stem-report.png}
width=${WIDTH:-1400}
flag=${PROFILE_FLAG---release}
profile_dir=target/$([ -n "$flag" ] && echo release || echo debug)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "no chromium found: apt-get install -y chromium" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build $flag -p stems
"$profile_dir/stems" demo "$tmp/demo" --quiet
# A window taller than the page; the empty space below it is trimmed afterwards.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$tmp/profile" --window-size="$width,4000" \
    --screenshot="$tmp/full.png" "file://$tmp/demo/report.html" 2>"$tmp/chromium.log" || {
    cat "$tmp/chromium.log" >&2
    exit 1
}
# Trim the uniform page background on every side, then give back an even margin.
background='#16191f'
convert "$tmp/full.png" -bordercolor "$background" -border 1 -fuzz 1% -trim +repage \
    -bordercolor "$background" -border 20 -strip "$tmp/trimmed.png"
mkdir -p "$(dirname "$out")"
mv "$tmp/trimmed.png" "$out"
echo "wrote $out ($(identify -format '%wx%h' "$out"), $(du -h "$out" | cut -f1))"
