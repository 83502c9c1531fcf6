#!/usr/bin/env bash
# Takes the README's screenshot of the Stem Strip GUI: builds the standalone app, runs it
# headless under Xvfb with the demo signal and preset, and captures its window.
# Needs: xvfb x11-utils imagemagick libgl1-mesa-dri (Debian packages).
# Usage: scripts/screenshot.sh [output.png]   (default docs/stem-strip.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/stem-strip.png}
cargo build --release -p stem_strip --features standalone --bin stem_strip_standalone
bin=target/release/stem_strip_standalone
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/capture.sh" <<INNER
set -eu
"$PWD/$bin" --demo --backend dummy > "$tmp/app.log" 2>&1 &
app=\$!
# Let the demo signal run long enough for loudness, meters and the spectrum to settle.
sleep ${SETTLE_SECONDS:-6}
id=\$(xwininfo -root -tree | grep -i 'stem strip' | head -n1 | awk '{print \$1}')
if [ -z "\$id" ]; then echo "no Stem Strip window found" >&2; cat "$tmp/app.log" >&2; kill \$app; exit 1; fi
import -window "\$id" "$tmp/shot.png"
kill \$app
INNER
xvfb-run -a -s "-screen 0 1400x900x24" bash "$tmp/capture.sh"
mkdir -p "$(dirname "$out")"
mv "$tmp/shot.png" "$out"
echo "wrote $out"
