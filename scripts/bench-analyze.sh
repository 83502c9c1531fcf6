#!/usr/bin/env bash
# Whole-process speed of `stems analyze` against ffmpeg on the same files (issue #10):
# 8 stereo stems of 3 minutes at 48 kHz (the demo's four stems, and a copy of each under
# another name), ours on both cores (`stems analyze DIR --quiet`), ffmpeg's loudness with
# true peak and spectral statistics two files at a time, which does less (no masking):
#   ffmpeg -nostdin -filter_threads 1 -i STEM -af ebur128=peak=true,aspectralstats -f null -
# Needs ffmpeg. Usage: scripts/bench-analyze.sh [DIR] (default target/bench-analyze)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/bench-analyze}
cargo build --release -p stems
stems=target/release/stems
if [ ! -f "$dir/lead_vocal_2.wav" ]; then
  rm -rf "$dir"
  "$stems" demo "$dir" --seconds 180 --quiet
  rm -f "$dir/analysis.json" "$dir/report.html"
  for f in "$dir"/*.wav; do cp "$f" "${f%.wav}_2.wav"; done
fi
ls "$dir"/*.wav | wc -l | xargs echo "files:"
t0=$(date +%s.%N)
"$stems" analyze "$dir" --quiet
t1=$(date +%s.%N)
ls "$dir"/*.wav | xargs -P2 -I{} ffmpeg -nostdin -hide_banner -loglevel error -filter_threads 1 \
  -i {} -af ebur128=peak=true,aspectralstats -f null -
t2=$(date +%s.%N)
ours=$(echo "$t1 - $t0" | bc)
theirs=$(echo "$t2 - $t1" | bc)
echo "stems analyze: ${ours} s"
echo "ffmpeg (2 at a time): ${theirs} s"
echo "ratio: $(echo "scale=3; $ours / $theirs" | bc) (target: at most 0.333)"
