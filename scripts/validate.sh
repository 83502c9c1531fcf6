#!/usr/bin/env bash
# Runs the community's validators on the built bundles: clap-validator on both .clap
# bundles and Steinberg's VST3 validator in extensive mode (-e) on both .vst3 bundles, and
# prints one line per run with its counts. Exit status 0 when every run passed with no
# failure and no warning, 1 otherwise, 2 when a validator or bundle is missing.
#
# Neither validator is on crates.io or Debian, so they are built from their public sources
# (README, "Hosts and validators") and named here:
#   CLAP_VALIDATOR   the clap-validator binary (default: clap-validator on PATH)
#   VST3_VALIDATOR   the VST3 SDK's `validator` binary (default: vst3-validator on PATH)
# Usage: scripts/validate.sh [BUNDLE_DIR]   (default: target/bundled)
# Full outputs go to target/validate/.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/bundled}
clap=${CLAP_VALIDATOR:-$(command -v clap-validator)}
vst3=${VST3_VALIDATOR:-$(command -v vst3-validator)}
out=target/validate
mkdir -p "$out"
for tool in "$clap" "$vst3"; do
    if [ -z "$tool" ] || [ ! -x "$tool" ]; then
        echo "validate: a validator is missing (CLAP_VALIDATOR='$clap', VST3_VALIDATOR='$vst3');" \
            "build them as README's 'Hosts and validators' says and name them" >&2
        exit 2
    fi
done
bad=0
for name in "Stem Strip" "Stem Master"; do
    slug=$(echo "$name" | tr 'A-Z ' 'a-z-')
    if [ ! -f "$dir/$name.clap" ] || [ ! -d "$dir/$name.vst3" ]; then
        echo "validate: $dir/$name.clap or $dir/$name.vst3 is missing; build the bundles" \
            "(cargo xtask bundle stem_strip stem_master --release)" >&2
        exit 2
    fi
    # clap-validator: every test; its JSON says passed, failed, skipped and warnings.
    "$clap" -v quiet validate --json "$dir/$name.clap" > "$out/clap-$slug.json" 2> "$out/clap-$slug.log"
    clap_rc=$?
    summary=$(python3 - "$out/clap-$slug.json" <<'PY'
import json, sys
from collections import Counter
results = json.load(open(sys.argv[1]))["results"]
def name(r):
    kind, t = next(iter(r["test"].items()))
    return t["test"]
c = Counter(r["status"]["code"].lower() for r in results)
print(f'{len(results)} run, {c["success"]} passed, {c["failed"] + c["crashed"]} failed, '
      f'{c["warning"]} warnings, {c["skipped"]} skipped')
for r in results:
    if r["status"]["code"].lower() in ("failed", "crashed", "warning"):
        print(f'    {name(r)}: {r["status"]["code"]}: {r["status"].get("details") or ""}')
PY
)
    echo "CLAP $name: $summary"
    case "$summary" in *" 0 failed, 0 warnings"*) ;; *) bad=1 ;; esac
    [ "$clap_rc" -eq 0 ] || bad=1
    # The VST3 validator, extensive mode.
    "$vst3" -e "$dir/$name.vst3" > "$out/vst3-$slug.txt" 2>&1
    vst3_rc=$?
    echo "VST3 $name: $(grep -E '^Result:' "$out/vst3-$slug.txt" | tail -1) (exit $vst3_rc)"
    grep -E '\[Failed\]' "$out/vst3-$slug.txt" | sed 's/^/    /'
    [ "$vst3_rc" -eq 0 ] || bad=1
done
exit "$bad"
