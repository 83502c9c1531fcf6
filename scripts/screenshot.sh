#!/usr/bin/env bash
# Takes the README's screenshots of the Stem Strip and the Stem Master GUIs: builds each
# standalone app, runs it headless under Xvfb with its demo signal and preset, and captures
# its window.
# Needs: xvfb x11-utils imagemagick libgl1-mesa-dri (Debian packages).
# Usage: scripts/screenshot.sh [all|strip|master|strip-verdict|master-stems]   (default all)
#        scripts/screenshot.sh output.png           (the Strip only, into output.png)
#   strip:  the Strip's demo (STRIP_PNG), then the Strip verdict shot (VERDICT_PNG)
#   master: the Master tab (MASTER_PNG), then the Stems tab (STEMS_PNG)
# Outputs: STRIP_PNG (default docs/stem-strip.png), MASTER_PNG (default docs/stem-master.png),
# STEMS_PNG (default docs/stem-master-stems.png), VERDICT_PNG (default
# docs/stem-strip-verdict.png).
# The Master's demo processes MASTER_HEAD_START seconds of programme (default 60) faster than
# real time as it starts, so its loudness history shows about a minute.
# The Stems shot runs the Master with `--demo-stems drums,bass,music,vocal` (four generated
# stems, each through a Strip's DSP, published on the link) and waits STEMS_SETTLE_SECONDS
# (default 12) so the masking engine has a few seconds of evidence. The verdict shot runs
# that fixture with drums, bass and music, and a Strip standalone playing the lead vocal
# (`--demo-stem vocal`) in its own process: the Master's verdict reaches it over the link.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
strip_out=${STRIP_PNG:-docs/stem-strip.png}
master_out=${MASTER_PNG:-docs/stem-master.png}
stems_out=${STEMS_PNG:-docs/stem-master-stems.png}
verdict_out=${VERDICT_PNG:-docs/stem-strip-verdict.png}
case "$which" in
  *.png) strip_out=$which; which=strip-only ;;
  all|strip|master|strip-verdict|master-stems) ;;
  *) echo "usage: $0 [all|strip|master|strip-verdict|master-stems|output.png]" >&2; exit 2 ;;
esac
profile_dir=target/${PROFILE_DIR:-release}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# baseview's window has no title: print the first top-level window wider than 200 px.
cat > "$tmp/find-window.sh" <<'INNER'
xwininfo -root -children | awk '$1 ~ /^0x/ { split($0, a, /\)  /); split(a[2], g, /[x+]/); if (g[1] > 200) { print $1; exit } }'
INNER
# Every such window, one a line (to tell a second app's window from the first's).
cat > "$tmp/list-windows.sh" <<'INNER'
xwininfo -root -children | awk '$1 ~ /^0x/ { split($0, a, /\)  /); split(a[2], g, /[x+]/); if (g[1] > 200) print $1 }'
INNER
# The Stems and verdict shots use a screen larger than the window: the pointer starts at the
# screen's centre, outside the window, so no hover readout shows.
big_screen="-screen 0 2600x1800x24"

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

shoot_master_stems() {
  cargo build ${PROFILE_FLAG---release} -p stem_master --features standalone --bin stem_master_standalone
  local bin=$profile_dir/stem_master_standalone
  cat > "$tmp/stems.sh" <<INNER
set -eu
export STEM_SUITE_LINK_DIR="$tmp/link-stems"
mkdir -p "\$STEM_SUITE_LINK_DIR"
STEM_MASTER_TAB=stems STEM_DEMO_HEAD_START=${STEMS_HEAD_START:-15} "$PWD/$bin" --demo-stems drums,bass,music,vocal --backend dummy > "$tmp/stems-app.log" 2>&1 &
app=\$!
sleep ${STEMS_SETTLE_SECONDS:-12}
id=\$(bash "$tmp/find-window.sh")
if [ -z "\$id" ]; then echo "no Stem Master window found" >&2; cat "$tmp/stems-app.log" >&2; kill \$app; exit 1; fi
import -window "\$id" "$tmp/stems.png"
kill \$app
INNER
  xvfb-run -a -s "$big_screen" bash "$tmp/stems.sh"
  mkdir -p "$(dirname "$stems_out")"
  mv "$tmp/stems.png" "$stems_out"
  echo "wrote $stems_out"
}

shoot_strip_verdict() {
  cargo build ${PROFILE_FLAG---release} -p stem_master -p stem_strip --features stem_master/standalone,stem_strip/standalone --bin stem_master_standalone --bin stem_strip_standalone
  local master_bin=$profile_dir/stem_master_standalone strip_bin=$profile_dir/stem_strip_standalone
  cat > "$tmp/verdict.sh" <<INNER
set -eu
export STEM_SUITE_LINK_DIR="$tmp/link-verdict"
mkdir -p "\$STEM_SUITE_LINK_DIR"
# The Master with drums, bass and the pad as its linked stems.
STEM_DEMO_HEAD_START=${STEMS_HEAD_START:-15} "$PWD/$master_bin" --demo-stems drums,bass,music --backend dummy > "$tmp/verdict-master.log" 2>&1 &
master=\$!
sleep 2
before=\$(bash "$tmp/list-windows.sh")
# The lead vocal's Strip in a process of its own: it binds to the only Master running.
"$PWD/$strip_bin" --demo-stem vocal --backend dummy > "$tmp/verdict-strip.log" 2>&1 &
strip=\$!
sleep ${STEMS_SETTLE_SECONDS:-12}
id=\$(for w in \$(bash "$tmp/list-windows.sh"); do echo "\$before" | grep -qx "\$w" || echo "\$w"; done | head -n 1)
if [ -z "\$id" ]; then echo "no Stem Strip window found" >&2; cat "$tmp/verdict-strip.log" >&2; kill \$strip \$master; exit 1; fi
import -window "\$id" "$tmp/verdict.png"
kill \$strip \$master
INNER
  xvfb-run -a -s "$big_screen" bash "$tmp/verdict.sh"
  mkdir -p "$(dirname "$verdict_out")"
  mv "$tmp/verdict.png" "$verdict_out"
  echo "wrote $verdict_out"
}

case "$which" in
  strip-only) shoot_strip ;;
  strip) shoot_strip; shoot_strip_verdict ;;
  master) shoot_master; shoot_master_stems ;;
  strip-verdict) shoot_strip_verdict ;;
  master-stems) shoot_master_stems ;;
  all) shoot_strip; shoot_strip_verdict; shoot_master; shoot_master_stems ;;
esac
