#!/usr/bin/env bash
# Takes the README's screenshot of the Stem Strip GUI: builds the standalone app, runs it
# headless under Xvfb with the demo signal and preset, and captures its window.
# Needs: xvfb x11-utils imagemagick libgl1-mesa-dri (Debian packages).
# Usage: scripts/screenshot.sh [output.png]   (default docs/stem-strip.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/stem-strip.png}
cargo build ${PROFILE_FLAG---release} -p stem_strip --features standalone --bin stem_strip_standalone
cargo build ${PROFILE_FLAG---release} -p stems
bin=target/${PROFILE_DIR:-release}/stem_strip_standalone
stems=target/${PROFILE_DIR:-release}/stems
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/capture.sh" <<INNER
set -eu
# A stand-in Stem Master (the plugin does not exist yet) so the Strip shows a live link, in a
# private link directory so a real session's segment is not touched.
export STEM_SUITE_LINK_DIR="$tmp/link"
mkdir -p "\$STEM_SUITE_LINK_DIR"
"$PWD/$stems" link master-test --name "Mix Bus" > "$tmp/master.log" 2>&1 &
master=\$!
sleep 1
"$PWD/$bin" --demo --backend dummy > "$tmp/app.log" 2>&1 &
app=\$!
# Let the demo signal run long enough for loudness, meters and the spectrum to settle.
sleep ${SETTLE_SECONDS:-6}
# baseview's window has no title: take the first top-level window wider than 200 px.
id=\$(xwininfo -root -children | awk '\$1 ~ /^0x/ { split(\$0, a, /\)  /); split(a[2], g, /[x+]/); if (g[1] > 200) { print \$1; exit } }')
if [ -z "\$id" ]; then echo "no Stem Strip window found" >&2; cat "$tmp/app.log" >&2; kill \$app \$master; exit 1; fi
import -window "\$id" "$tmp/shot.png"
kill \$app \$master
INNER
xvfb-run -a -s "-screen 0 1400x900x24" bash "$tmp/capture.sh"
mkdir -p "$(dirname "$out")"
mv "$tmp/shot.png" "$out"
echo "wrote $out"
