#!/usr/bin/env bash
# Whole-process speed of `stems check --mix` against ffmpeg decoding and summing the same
# files (issue #12): 8 stereo stems of 3 minutes at 48 kHz, 24-bit (the demo's four stems,
# and a copy of each under another name) and their plain sum as the mix (32-bit float, made
# once by ffmpeg's amix), measured side by side in one run:
#   stems check DIR --mix DIR/mix/mix8.wav --quiet        (every check and the null test)
#   ffmpeg -nostdin -i STEM1 ... -i STEM8 -filter_complex amix=inputs=8:normalize=0 -f null -
# Needs ffmpeg. Usage: scripts/bench-check.sh [DIR] (default target/bench-check)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/bench-check}
cargo build --release -p stems
stems=target/release/stems
if [ ! -f "$dir/mix/mix8.wav" ]; then
  rm -rf "$dir"
  "$stems" demo "$dir" --seconds 180 --quiet
  rm -f "$dir/analysis.json" "$dir/report.html"
  for f in "$dir"/*.wav; do cp "$f" "${f%.wav}_2.wav"; done
  inputs=()
  for f in "$dir"/*.wav; do inputs+=(-i "$f"); done
  ffmpeg -nostdin -hide_banner -loglevel error "${inputs[@]}" \
    -filter_complex amix=inputs=8:normalize=0 -c:a pcm_f32le "$dir/mix/mix8.wav"
fi
inputs=()
for f in "$dir"/*.wav; do inputs+=(-i "$f"); done
echo "stems: $(ls "$dir"/*.wav | wc -l), mix: $dir/mix/mix8.wav"
uptime
t0=$(date +%s.%N)
code=0
/usr/bin/time -f "  stems check CPU: %U s user, %S s system" \
  "$stems" check "$dir" --mix "$dir/mix/mix8.wav" --quiet || code=$?
t1=$(date +%s.%N)
/usr/bin/time -f "  ffmpeg CPU: %U s user, %S s system" \
  ffmpeg -nostdin -hide_banner -loglevel error "${inputs[@]}" \
  -filter_complex amix=inputs=8:normalize=0 -f null -
t2=$(date +%s.%N)
ours=$(echo "$t1 - $t0" | bc)
theirs=$(echo "$t2 - $t1" | bc)
echo "stems check --mix: ${ours} s (exit code $code)"
echo "ffmpeg amix (decode and sum): ${theirs} s"
echo "ratio: $(echo "scale=3; $ours / $theirs" | bc) (target: below 1)"
