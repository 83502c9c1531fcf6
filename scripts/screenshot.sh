#!/usr/bin/env bash
# Takes the README's screenshots of the Stem Strip and the Stem Master GUIs: builds each
# standalone app, runs it headless under Xvfb with its demo signal and preset, and captures
# its window.
# Needs: xvfb x11-utils imagemagick libgl1-mesa-dri (Debian packages).
# Usage: scripts/screenshot.sh [all|strip|master]   (default all)
#        scripts/screenshot.sh output.png           (the Strip only, into output.png)
# Outputs: STRIP_PNG (default docs/stem-strip.png), MASTER_PNG (default docs/stem-master.png).
# The Master's demo processes MASTER_HEAD_START seconds of programme (default 60) faster than
# real time as it starts, so its loudness history shows about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
strip_out=${STRIP_PNG:-docs/stem-strip.png}
master_out=${MASTER_PNG:-docs/stem-master.png}
case "$which" in
  *.png) strip_out=$which; which=strip ;;
  all|strip|master) ;;
  *) echo "usage: $0 [all|strip|master|output.png]" >&2; exit 2 ;;
esac
profile_dir=target/${PROFILE_DIR:-release}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# baseview's window has no title: print the first top-level window wider than 200 px.
cat > "$tmp/find-window.sh" <<'INNER'
xwininfo -root -children | awk '$1 ~ /^0x/ { split($0, a, /\)  /); split(a[2], g, /[x+]/); if (g[1] > 200) { print $1; exit } }'
INNER

shoot_strip() {
  cargo build ${PROFILE_FLAG---release} -p stem_strip --features standalone --bin stem_strip_standalone
  cargo build ${PROFILE_FLAG---release} -p stems
  local bin=$profile_dir/stem_strip_standalone stems=$profile_dir/stems
  cat > "$tmp/strip.sh" <<INNER
set -eu
# A stand-in Stem Master (the link's test master) so the Strip shows a live link, in a
# private link directory so a real session's segment is not touched.
export STEM_SUITE_LINK_DIR="$tmp/link"
mkdir -p "\$STEM_SUITE_LINK_DIR"
"$PWD/$stems" link master-test --name "Mix Bus" > "$tmp/master.log" 2>&1 &
master=\$!
sleep 1
"$PWD/$bin" --demo --backend dummy > "$tmp/strip.log" 2>&1 &
app=\$!
# Let the demo signal run long enough for loudness, meters and the spectrum to settle.
sleep ${SETTLE_SECONDS:-6}
id=\$(bash "$tmp/find-window.sh")
if [ -z "\$id" ]; then echo "no Stem Strip window found" >&2; cat "$tmp/strip.log" >&2; kill \$app \$master; exit 1; fi
import -window "\$id" "$tmp/strip.png"
kill \$app \$master
INNER
  xvfb-run -a -s "-screen 0 1400x900x24" bash "$tmp/strip.sh"
  mkdir -p "$(dirname "$strip_out")"
  mv "$tmp/strip.png" "$strip_out"
  echo "wrote $strip_out"
}

shoot_master() {
  cargo build ${PROFILE_FLAG---release} -p stem_master --features standalone --bin stem_master_standalone
  local bin=$profile_dir/stem_master_standalone
  cat > "$tmp/master.sh" <<INNER
set -eu
# A private link directory, so a real session's segment is never touched.
export STEM_SUITE_LINK_DIR="$tmp/link"
mkdir -p "\$STEM_SUITE_LINK_DIR"
# The demo's first ${MASTER_HEAD_START:-60} s of programme run at once as it starts (learn passes
# included); then it plays in real time while the meters' ballistics and holds settle.
STEM_DEMO_HEAD_START=${MASTER_HEAD_START:-60} "$PWD/$bin" --demo --backend dummy > "$tmp/master-app.log" 2>&1 &
app=\$!
sleep ${MASTER_SETTLE_SECONDS:-5}
id=\$(bash "$tmp/find-window.sh")
if [ -z "\$id" ]; then echo "no Stem Master window found" >&2; cat "$tmp/master-app.log" >&2; kill \$app; exit 1; fi
import -window "\$id" "$tmp/master.png"
kill \$app
INNER
  xvfb-run -a -s "-screen 0 1400x900x24" bash "$tmp/master.sh"
  mkdir -p "$(dirname "$master_out")"
  mv "$tmp/master.png" "$master_out"
  echo "wrote $master_out"
}

case "$which" in
  strip) shoot_strip ;;
  master) shoot_master ;;
  all) shoot_strip; shoot_master ;;
esac
