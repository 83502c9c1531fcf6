#!/usr/bin/env bash
# Whole-process speed of `stems render` (issue #13): 8 stereo stems of 3 minutes at 48 kHz
# (the demo's four stems, and a copy of each under another name), every section of every
# Strip and of the Master switched on (scripts/bench-render.toml), 24-bit output with dither,
# both passes (learn, then render). Prints the wall time and the real-time factor: seconds
# of song per second of wall time (target: at least 100).
# Usage: scripts/bench-render.sh [DIR] (default target/bench-render)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/bench-render}
cargo build --release -p stems
stems=target/release/stems
if [ ! -f "$dir/stems/lead_vocal_2.wav" ]; then
  rm -rf "$dir"
  "$stems" demo "$dir/stems" --seconds 180 --quiet
  rm -rf "$dir/stems/analysis.json" "$dir/stems/report.html" "$dir/stems/mix"
  for f in "$dir"/stems/*.wav; do cp "$f" "${f%.wav}_2.wav"; done
fi
echo "files: $(ls "$dir"/stems/*.wav | wc -l), cores: $(nproc)"
load=$(cut -d' ' -f1 /proc/loadavg)
runs=${RUNS:-5}
walls=()
for run in $(seq "$runs"); do
  t0=$(date +%s.%N)
  "$stems" render "$dir/stems" -o "$dir/master.wav" --session scripts/bench-render.toml --force --quiet
  t1=$(date +%s.%N)
  wall=$(echo "$t1 - $t0" | bc)
  walls+=("$wall")
  echo "run $run: ${wall} s wall, $(echo "scale=1; 180 / $wall" | bc)x real time (target: 100x)"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "median of $runs: ${median} s wall, $(echo "scale=1; 180 / $median" | bc)x real time (load average before: $load)"
"$stems" render "$dir/stems" -o "$dir/master.wav" --session scripts/bench-render.toml --force | tail -4
