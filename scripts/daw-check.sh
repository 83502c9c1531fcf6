#!/usr/bin/env bash
# Real-DAW check of the Stem Strip and Stem Master VST3 bundles in Ardour 7 (Debian
# bookworm's `ardour` package), driven headless by Ardour's Lua session tool `ardour7-lua` on
# its "None (Dummy)" backend, which runs in real time:
#
#   1. scans both bundles (a private copy, found by Ardour through VST3_PATH);
#   2. builds a session of four coloured audio tracks ("Drums", "Bass", "Keys Pad", "Lead
#      Vox"), each playing one of the `stems demo` stems through a Stem Strip with the
#      matching Role, and a Stem Master on the master bus (Ardour 7's Lua API cannot import
#      audio: the stems go into the session file, as Ardour records them);
#   3. rolls it in real time with the Master's Learn on while reading `stems link status
#      --json` from outside Ardour, on a private link segment (STEM_SUITE_LINK_DIR), until
#      the Strips show the track names and roles, the Master lists the four stems and warns
#      that the pad masks the lead vocal, and those still hold after DAW_CHECK_ROLL_MIN s
#      (the track colours on the link are reported too);
#   4. stops (the Master learns its gain: a snapshot "learned" keeps it), switches Learn
#      off (the gain must stay), moves one Strip parameter (the Keys Pad Strip's Output to
#      -2.5 dB), saves, exports the session range (32-bit float WAV) and closes; checks the
#      export is finite and its true peak within the Master's -1 dBTP ceiling (`stems
#      check`, the Stem Strip's BS.1770 4x meter);
#   5. reopens the session in a second ardour7-lua run and checks every setting came back:
#      each Strip's role, the moved parameter, the Master's learned gain and link group (in
#      the state Ardour saves again, on the link, and in a second export that must match the
#      first).
#
# Each check prints one line: PASS, FAIL or WARN with its figure; INFO lines add context.
# Exit status 0 when nothing failed, 1 when a check failed, 2 on a usage error. A crash of
# ardour7-lua (Ardour's own Lua teardown is known to crash now and then while saving or
# closing) after every result of its run is in is a WARN; before that it fails the run. A
# hang (a step past its time limit) always fails.
#
# Usage: scripts/daw-check.sh [--keep] [--help]
#   --keep              keep the work folder (session, logs, exports, link segment) and
#                       print its path (also DAW_CHECK_KEEP=1)
# Environment:
#   STEM_VST3_DIR       folder holding "Stem Strip.vst3" and "Stem Master.vst3" (default:
#                       target/bundled if it has both, else target/plugin-tests/bundled)
#   STEMS_BIN           the `stems` tool (default: target/release/stems, target/debug/stems,
#                       else `cargo build -p stems`)
#   DAW_CHECK_ROLL_MAX  seconds the first pass may roll waiting for the link results
#                       (default 28: the demo song is 30 s)
#   DAW_CHECK_ROLL_MIN  seconds it rolls at least, so the Learn pass hears more than the
#                       first notes (default 10: the demo song loops every 8 s); the link
#                       results must still hold when it stops
#   DAW_CHECK_STRICT_COLOUR=1  a Strip that does not publish its track's colour fails the
#                       run (default: a WARN line)
#   DAW_CHECK_TP_TOLERANCE  dB the export's true peak may read over the ceiling (default 0.1)
#   DAW_CHECK_WORK      parent folder of the work folder (default: $TMPDIR or /tmp)
#   DAW_CHECK_CRASH_AT=MODE:STEP  (testing this script) ardour7-lua crashes right after that
#                       step, e.g. play:exported (a WARN) or play:stopped (a FAIL)
# Installs `ardour` (and python3) with apt-get when missing. One run takes about a minute
# (most of it the real-time roll) once the bundles and `stems` are built.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
here=$repo/scripts/daw-check

keep=${DAW_CHECK_KEEP:-0}
for a in "$@"; do
    case "$a" in
        --keep) keep=1 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "daw-check: unknown argument '$a' (see --help)" >&2; exit 2 ;;
    esac
done
roll_max=${DAW_CHECK_ROLL_MAX:-28}
roll_min=${DAW_CHECK_ROLL_MIN:-10}
strict_colour=${DAW_CHECK_STRICT_COLOUR:-0}
tp_tolerance=${DAW_CHECK_TP_TOLERANCE:-0.1}
ceiling=-1.0   # the Master's Streaming target: -14 LUFS, -1 dBTP

# ------------------------------------------------------------------------------ reporting
failures=0
warnings=0
t_start=$(date +%s.%N)
report() { # KIND message
    printf '%-4s %s\n' "$1" "$2"
    case "$1" in FAIL) failures=$((failures + 1)) ;; WARN) warnings=$((warnings + 1)) ;; esac
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
step_t0=
step() { # name: starts a timed step
    step_name=$1
    step_t0=$(now)
    echo "---- $1"
}
step_end() { echo "     ($step_name: $(elapsed "$step_t0") s)"; timings+=("$step_name $(elapsed "$step_t0")"); }
timings=()

work=
ardour_pid=
cleanup() {
    if [ -n "$ardour_pid" ] && kill -0 "$ardour_pid" 2>/dev/null; then
        kill -TERM "$ardour_pid" 2>/dev/null
        sleep 2
        kill -KILL "$ardour_pid" 2>/dev/null
        wait "$ardour_pid" 2>/dev/null
    fi
    if [ -n "$work" ] && [ -d "$work" ]; then
        if [ "$keep" = 1 ]; then
            echo "INFO work folder kept: $work"
        else
            rm -rf "$work"
        fi
    fi
}
trap cleanup EXIT
trap 'echo "daw-check: interrupted" >&2; exit 130' INT TERM

finish() {
    echo "---- summary"
    for t in "${timings[@]}"; do echo "     $t s"; done
    echo "     total $(elapsed "$t_start") s"
    if [ "$failures" -gt 0 ]; then
        echo "daw-check: FAILED: $failures check(s) failed, $warnings warning(s)"
        exit 1
    fi
    echo "daw-check: passed ($warnings warning(s))"
    exit 0
}
abort() { # message: a failure that stops the run
    report FAIL "$1"
    finish
}

# ------------------------------------------------------------------------------ tools
step "tools"
need=()
command -v ardour7-lua >/dev/null 2>&1 || need+=(ardour)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
    echo "INFO installing ${need[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >/dev/null || abort "apt-get update failed"
    timeout 1200 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
        || abort "apt-get install ${need[*]} failed"
fi
command -v ardour7-lua >/dev/null 2>&1 || abort "ardour7-lua is missing after installing ardour"
scanner=/usr/lib/ardour7/ardour-vst3-scanner
[ -x "$scanner" ] || abort "Ardour's VST3 scanner $scanner is missing"
ardour_version=$(dpkg-query -W -f='${Version}' ardour 2>/dev/null || echo unknown)
echo "INFO Ardour $ardour_version"

# The bundles.
bundle_dir=
if [ -n "${STEM_VST3_DIR:-}" ]; then
    bundle_dir=$STEM_VST3_DIR
elif [ -d "target/bundled/Stem Strip.vst3" ] && [ -d "target/bundled/Stem Master.vst3" ]; then
    bundle_dir=target/bundled
else
    bundle_dir=target/plugin-tests/bundled
fi
for b in "Stem Strip" "Stem Master"; do
    so="$bundle_dir/$b.vst3/Contents/x86_64-linux/$b.so"
    [ -f "$so" ] || abort "no VST3 bundle '$b.vst3' in $bundle_dir (build it: cargo xtask bundle stem_strip stem_master --release, or set STEM_VST3_DIR)"
done
bundle_dir=$(cd "$bundle_dir" && pwd)
echo "INFO bundles: $bundle_dir ($(stat -c '%y' "$bundle_dir/Stem Strip.vst3/Contents/x86_64-linux/Stem Strip.so" | cut -d. -f1))"

# The stems tool.
stems=${STEMS_BIN:-}
if [ -z "$stems" ]; then
    for c in target/release/stems target/debug/stems; do
        if [ -x "$c" ]; then stems=$repo/$c; break; fi
    done
fi
if [ -z "$stems" ]; then
    echo "INFO building the stems tool (cargo build -p stems)"
    timeout 1800 cargo build -q -p stems || abort "cargo build -p stems failed"
    stems=$repo/target/debug/stems
fi
[ -x "$stems" ] || abort "the stems tool $stems is not executable"
echo "INFO stems: $stems"
step_end

# ------------------------------------------------------------------------------ work folder
work=$(mktemp -d "${DAW_CHECK_WORK:-${TMPDIR:-/tmp}}/daw-check.XXXXXX") || abort "cannot create a work folder"
mkdir -p "$work/home" "$work/config" "$work/cache" "$work/vst3" "$work/link" "$work/logs"
session_name=daw-check
session_dir=$work/session
lua=$here/session.lua
helper=(python3 "$here/helper.py")
# Everything Ardour and the plugins read: a private home, config and cache (so neither the
# user's Ardour settings nor ~/.vst3 count), the private bundles (VST3_PATH, honoured while
# Ardour's plugin-path-vst3 setting is the default "@default@", which a fresh config has), the
# export format, and the private link segment.
export STEM_SUITE_LINK_DIR=$work/link
ardour_env=(
    HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
    XDG_DATA_HOME="$work/home/.local/share" VST3_PATH="$work/vst3"
    ARDOUR_EXPORT_FORMATS_PATH="$here/export" STEM_SUITE_LINK_DIR="$work/link"
    DAW_CHECK_CRASH_AT="${DAW_CHECK_CRASH_AT:-}"
)

link_status() { # FILE: the link status as JSON into FILE
    timeout 20 "$stems" link status --json >"$1" 2>"$1.err"
}

# Runs ardour7-lua session.lua MODE in the background; its log in logs/MODE.log, its markers
# in ctl-MODE/.
start_ardour() { # MODE TIMEOUT [ARG]
    local mode=$1 limit=$2
    ctl=$work/ctl-$mode
    mkdir -p "$ctl"
    alog=$work/logs/$mode.log
    # In the work folder, without core dumps (a crash must not leave a core file behind).
    (cd "$work" && ulimit -c 0 && exec env "${ardour_env[@]}" timeout -k 10 "$limit" ardour7-lua \
        "$lua" "$mode" "$session_dir" "$session_name" "$ctl" "${3:-}") >"$alog" 2>&1 &
    ardour_pid=$!
}

# Waits for marker STEP of the running ardour7-lua: 0 when it appears, 1 when the process
# ended first, 2 after LIMIT seconds.
wait_marker() { # STEP LIMIT
    local deadline
    deadline=$(awk -v n="$(now)" -v l="$2" 'BEGIN { printf "%.0f", n + l }')
    while :; do
        [ -e "$ctl/marker-$1" ] && return 0
        [ -e "$ctl/marker-error" ] && return 1
        kill -0 "$ardour_pid" 2>/dev/null || { [ -e "$ctl/marker-$1" ] && return 0; return 1; }
        [ "$(date +%s)" -ge "$deadline" ] && return 2
        sleep 0.2
    done
}

# Waits for the running ardour7-lua to end and reports how: sets ardour_rc and ardour_how.
reap_ardour() { # LIMIT
    local deadline=$(( $(date +%s) + $1 )) killed=
    while kill -0 "$ardour_pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$ardour_pid" 2>/dev/null; then
        killed=1
        kill -TERM "$ardour_pid" 2>/dev/null; sleep 3; kill -KILL "$ardour_pid" 2>/dev/null
    fi
    # (braces: bash's own "Segmentation fault" job notice goes to /dev/null too)
    { wait "$ardour_pid"; } 2>/dev/null
    ardour_rc=$?
    ardour_pid=
    ardour_hung=
    case $ardour_rc in
        0) ardour_how="exited normally" ;;
        124|137) ardour_how="hung (killed after its time limit, exit $ardour_rc)" ;;
        134) ardour_how="crashed with SIGABRT (exit 134)" ;;
        135) ardour_how="crashed with SIGBUS (exit 135)" ;;
        136) ardour_how="crashed with SIGFPE (exit 136)" ;;
        139) ardour_how="crashed with SIGSEGV (exit 139)" ;;
        *) if [ "$ardour_rc" -gt 128 ]; then ardour_how="died of signal $((ardour_rc - 128)) (exit $ardour_rc)"
           else ardour_how="failed (exit $ardour_rc)"; fi ;;
    esac
    case $ardour_rc in 124|137) ardour_hung=1 ;; esac
    if [ -n "$killed" ]; then ardour_hung=1; ardour_how="hung (killed by daw-check after $1 s more)"; fi
}

last_marker() { # the last step ardour7-lua reported (steps in the order session.lua runs them)
    local m last=
    for m in created loaded rolling learned stopped saved exported closed done; do
        [ -e "$ctl/marker-$m" ] && last=$m
    done
    echo "$last"
}

show_log() { # the end of the ardour7-lua log, without the event-loop chatter
    echo "     --- last lines of $alog:"
    grep -v 'call-slot\|call slot\|encoder is not available\|Falling back to Reasonable Synth' "$alog" | tail -n "${1:-15}" | sed 's/^/     | /'
}

# Judges the end of an ardour7-lua run. RESULT_STEP: the marker after which every result of
# the run is in; a crash after it only warns.
judge_ardour() { # MODE RESULT_STEP
    local mode=$1 result=$2 last
    last=$(last_marker)
    if [ -e "$ctl/marker-error" ]; then
        report FAIL "ardour7-lua $mode: $(cat "$ctl/marker-error") (it $ardour_how)"
        show_log
        return 1
    fi
    if [ "$ardour_rc" = 0 ] && [ -e "$ctl/marker-done" ]; then
        report PASS "ardour7-lua $mode: every step done, $ardour_how"
        return 0
    fi
    # A hang fails even after the results: closing must end (a plugin that never lets go,
    # a link thread that does not join, would hang a DAW's close too).
    if [ -n "$ardour_hung" ]; then
        report FAIL "ardour7-lua $mode $ardour_how after its last step '${last:-start}'"
        show_log
        [ -e "$ctl/marker-$result" ] && return 0
        return 1
    fi
    if [ -e "$ctl/marker-$result" ]; then
        report WARN "ardour7-lua $mode $ardour_how after its last step '$last', every result already in (reported, not a failure; Ardour 7's Lua session teardown is known to crash now and then)"
        show_log 6
        return 0
    fi
    report FAIL "ardour7-lua $mode $ardour_how during the step after '${last:-start}' (before every result was in)"
    show_log
    return 1
}

lua_value() { # KEY: a `@@ value KEY VALUE` line of the current log
    grep -a "^@@ value $1 " "$alog" | tail -1 | cut -d' ' -f4-
}

declare -A played reloaded
load_summary() { # ARRAY FILE.ardour
    local -n arr=$1
    local k v
    while IFS=$'\t' read -r k v; do arr[$k]=$v; done < <("${helper[@]}" summary "$2")
}

# ------------------------------------------------------------------------------ 1. scan
step "scan"
cp -a "$bundle_dir/Stem Strip.vst3" "$bundle_dir/Stem Master.vst3" "$work/vst3/" || abort "cannot copy the bundles"
for b in "Stem Strip" "Stem Master"; do
    if ! env "${ardour_env[@]}" LD_LIBRARY_PATH=/usr/lib/ardour7 timeout 120 "$scanner" -f \
        "$work/vst3/$b.vst3" >"$work/logs/scan-$b.log" 2>&1; then
        report FAIL "scan: Ardour's VST3 scanner failed on '$b.vst3' (exit $?)"
        sed 's/^/     | /' "$work/logs/scan-$b.log" | tail -20
        abort "the bundles must scan"
    fi
done
cached=$(grep -l 'Stem Strip\|Stem Master' "$work/cache"/ardour7/vst/*.v3i 2>/dev/null | wc -l)
if [ "$cached" -eq 2 ]; then
    classes=$(grep -ho '<VST3Info [^>]*' "$work/cache"/ardour7/vst/*.v3i | grep -o 'name="[^"]*"\|n_inputs="[0-9]*"\|n_outputs="[0-9]*"' | paste -sd' ')
    report PASS "scan: both bundles indexed by ardour-vst3-scanner ($classes)"
else
    abort "scan: expected 2 VST3 cache files naming Stem Strip and Stem Master in $work/cache/ardour7/vst, found $cached"
fi
step_end

# ------------------------------------------------------------------------------ 2. session
step "stems"
timeout 300 "$stems" demo "$work/stems" --quiet >"$work/logs/demo.log" 2>&1 \
    || { sed 's/^/     | /' "$work/logs/demo.log" | tail; abort "stems demo failed"; }
for f in drums bass music_pad lead_vocal; do
    [ -f "$work/stems/$f.wav" ] || abort "stems demo wrote no $f.wav"
done
echo "INFO demo stems: $(ls "$work/stems" | grep '\.wav$' | paste -sd' ')"
step_end

step "setup"
start_ardour setup 180
wait_marker closed 175
reap_ardour 30
judge_ardour setup saved || abort "the session could not be made"
for t in Drums Bass "Keys Pad" "Lead Vox"; do
    echo "INFO setup: $t Strip Role = $(lua_value "setup.role.${t// /_}")"
done
"${helper[@]}" inject "$session_dir" "$session_name" \
    "Drums=$work/stems/drums.wav" "Bass=$work/stems/bass.wav" \
    "Keys Pad=$work/stems/music_pad.wav" "Lead Vox=$work/stems/lead_vocal.wav" \
    >"$work/logs/inject.log" 2>&1 || { cat "$work/logs/inject.log"; abort "putting the stems on the tracks failed"; }
echo "INFO $(cat "$work/logs/inject.log")"
step_end

# ------------------------------------------------------------------------------ 3. play
step "play"
expect=(Drums=drums Bass=bass "Keys Pad=music" "Lead Vox=lead_vocal")
colours=(--colour "Drums=#d9534f" --colour "Bass=#337ab7" --colour "Keys Pad=#5cb85c" --colour "Lead Vox=#f0ad4e")
warn_args=(--masked "Lead Vox" --masker "Keys Pad")
start_ardour play $((roll_max + 240)) $((roll_max + 20))
wait_marker rolling 120
case $? in
    0) ;;
    *) reap_ardour 20; judge_ardour play exported; abort "the first pass never rolled" ;;
esac
roll_t0=$(now)
echo "INFO rolling (Learn on); reading stems link status --json every 0.5 s for up to $roll_max s"
seen=
first_names= first_master=
while :; do
    link_status "$work/link-play.json"
    if "${helper[@]}" link "$work/link-play.json" "${expect[@]}" >"$work/link-play.txt" 2>&1; then
        seen=$(elapsed "$roll_t0")
        first_names=${first_names:-$seen} first_master=${first_master:-$seen}
        break
    fi
    if [ -z "$first_names" ] && grep -q '^PASS Strips carry the track names' "$work/link-play.txt"; then
        first_names=$(elapsed "$roll_t0")
    fi
    if [ -z "$first_master" ] && grep -q '^PASS the Master (group .*) lists 4 stems' "$work/link-play.txt"; then
        first_master=$(elapsed "$roll_t0")
    fi
    kill -0 "$ardour_pid" 2>/dev/null || break
    [ "$(elapsed "$roll_t0" | cut -d. -f1)" -ge "$roll_max" ] && break
    sleep 0.5
done
# The masking warning, with the rest; then on until DAW_CHECK_ROLL_MIN, where every result
# must still hold.
warned=
while [ -n "$seen" ]; do
    link_status "$work/link-play.json"
    if "${helper[@]}" link "$work/link-play.json" "${expect[@]}" "${warn_args[@]}" >"$work/link-play.txt" 2>&1; then
        [ -z "$warned" ] && warned=$(elapsed "$roll_t0")
        [ "$(elapsed "$roll_t0" | cut -d. -f1)" -ge "$roll_min" ] && { seen=$(elapsed "$roll_t0"); break; }
    fi
    kill -0 "$ardour_pid" 2>/dev/null || { seen=; break; }
    [ "$(elapsed "$roll_t0" | cut -d. -f1)" -ge "$roll_max" ] && { seen=; break; }
    sleep 0.5
done
echo "${seen:+every link result in}" >"$ctl/go-stop"
[ -n "$first_names" ] && echo "INFO the Strips showed their track names on the link by $first_names s after the roll started"
[ -n "$first_master" ] && echo "INFO the Master listed the four stems by $first_master s after the roll started"
[ -n "$warned" ] && echo "INFO the masking warning (the pad masks the lead vocal) first shown after $warned s"
if [ -n "$seen" ]; then
    echo "INFO every link result in, and still in after $seen s of rolling (the transport stops now)"
else
    echo "INFO not every link result in after $(elapsed "$roll_t0") s of rolling (DAW_CHECK_ROLL_MAX=$roll_max)"
fi
"${helper[@]}" link "$work/link-play.json" "${expect[@]}" "${warn_args[@]}" "${colours[@]}" >"$work/link-play.txt" 2>&1
while read -r kind rest; do
    case "$kind $rest" in
        "WARN Strip"*"track colour"*) [ "$strict_colour" = 1 ] && kind=FAIL ;;
    esac
    report "$kind" "link: $rest"
done <"$work/link-play.txt"
"${helper[@]}" link "$work/link-play.json" "${expect[@]}" --final 2>/dev/null | grep '^INFO' | sed 's/^INFO /INFO link: /'
group_played=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["masters"]; print(m[0]["group"] if len(m)==1 else "")' "$work/link-play.json" 2>/dev/null)

wait_marker exported 240
reap_ardour 60
judge_ardour play exported || abort "the first pass did not finish"
echo "INFO stop reason: $(lua_value stop_reason); export took $(lua_value export_seconds.export) s"
step_end

# ------------------------------------------------------------------------------ 4. what was saved and exported
step "export"
load_summary played "$session_dir/$session_name.ardour"
declare -A learned
load_summary learned "$session_dir/learned.ardour"
g_stop=${learned[master.learned_gain]:-}
gain=${played[master.learned_gain]:-}
# A gain at the ends of its ±30 dB range is a pass that measured (next to) nothing.
in_range() { awk -v g="$1" 'BEGIN { exit !(g == g + 0 && g != 0 && g > -29.99 && g < 29.99) }'; }
if [ -n "$g_stop" ] && in_range "$g_stop"; then
    report PASS "Learn: at the stop the Master learned $(printf '%+.2f' "$g_stop") dB (snapshot 'learned', saved 1.5 s after the stop)"
else
    report FAIL "Learn: at the stop the Master's learned gain is '${g_stop:-missing}' dB (snapshot 'learned'; expected a finite, non-zero gain inside ±30 dB)"
fi
if [ -n "$gain" ] && [ "$gain" = "$g_stop" ]; then
    report PASS "Learn: switching Learn off after the stop kept the learned gain ($(printf '%+.2f' "$gain") dB, saved with the session)"
else
    report FAIL "Learn: switching Learn off after the stop changed the learned gain from ${g_stop:-?} dB to ${gain:-?} dB (saved with the session; README: the gain is set when the transport stops or Learn goes off, and a pass that heard nothing changes nothing)"
fi
moved=${played[strip.Keys Pad.param.out]:-}
echo "INFO saved: Keys Pad Strip Output $moved dB, Master group ${played[master.group]:-?}, Strip groups $(for t in Drums Bass "Keys Pad" "Lead Vox"; do printf '%s ' "${played[strip.$t.group]:-?}"; done)"
if [ -n "$group_played" ] && [ "${played[master.group]:-}" != "$group_played" ]; then
    report FAIL "the Master's saved group ${played[master.group]:-none} is not the group it showed on the link ($group_played)"
fi
export_wav=$ctl/export.wav
if [ ! -s "$export_wav" ]; then
    report FAIL "export: no $export_wav"
else
    "${helper[@]}" wav "$export_wav" >"$work/export-info.json" 2>&1
    read -r frames secs nan inf fmt < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["frames"], "%.3f" % d["seconds"], d["nan_samples"], d["inf_samples"], "%s%d" % (d["format"], d["bits"]))' "$work/export-info.json")
    if [ "${nan:-x}" = 0 ] && [ "${inf:-x}" = 0 ]; then
        report PASS "export: finite: $frames frames ($secs s, $fmt), 0 NaN, 0 infinite samples (read in full)"
    else
        report FAIL "export: $frames frames, ${nan:-?} NaN and ${inf:-?} infinite samples"
    fi
    timeout 120 "$stems" check "$export_wav" --json "$work/export-check.json" >"$work/logs/check.log" 2>&1
    timeout 120 "$stems" analyze "$export_wav" --json "$work/export-analyze.json" --quiet >"$work/logs/analyze.log" 2>&1
    read -r tp sp lufs < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
s = c["stems"][0]
st = a["stems"][0]
print(s["true_peak_dbtp"], s["sample_peak_dbfs"], st.get("integrated_lufs"))' "$work/export-check.json" "$work/export-analyze.json" 2>>"$work/logs/check.log")
    if [ -n "${tp:-}" ] && awk -v t="$tp" -v c="$ceiling" -v tol="$tp_tolerance" 'BEGIN { exit !(t + 0 <= c + tol) }'; then
        report PASS "export: true peak $(printf '%.2f' "$tp") dBTP, within the Master's $ceiling dBTP ceiling (tolerance $tp_tolerance dB; stems check: the Stem Strip's BS.1770-5 4x meter); sample peak $(printf '%.2f' "$sp") dBFS, integrated $(printf '%.1f' "$lufs") LUFS"
    else
        report FAIL "export: true peak ${tp:-unreadable} dBTP over the $ceiling dBTP ceiling + $tp_tolerance dB (stems check)"
        tail -5 "$work/logs/check.log" | sed 's/^/     | /'
    fi
fi
step_end

# ------------------------------------------------------------------------------ 5. reload
step "reload"
start_ardour reload 240 15
wait_marker rolling 120
case $? in
    0) ;;
    *) reap_ardour 20; judge_ardour reload exported; abort "the reloaded session never rolled" ;;
esac
r_t0=$(now)
ok_link=
while :; do
    link_status "$work/link-reload.json"
    if "${helper[@]}" link "$work/link-reload.json" "${expect[@]}" >"$work/link-reload.txt" 2>&1; then
        g=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["masters"]; print(m[0]["group"] if len(m)==1 else "")' "$work/link-reload.json" 2>/dev/null)
        if [ -n "$g" ]; then ok_link=1; break; fi
    fi
    kill -0 "$ardour_pid" 2>/dev/null || break
    [ "$(elapsed "$r_t0" | cut -d. -f1)" -ge 12 ] && break
    sleep 0.5
done
echo stop >"$ctl/go-stop"
group_reloaded=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["masters"]; print(m[0]["group"] if len(m)==1 else "")' "$work/link-reload.json" 2>/dev/null)
wait_marker exported 240
reap_ardour 60
judge_ardour reload exported || abort "the reload pass did not finish"
step_end

step "restore"
alog=$work/logs/reload.log
# What the reloaded plugins report to Ardour (parameters), against what the first pass set.
alog_play=$work/logs/play.log
restored_as_saved() { # KEY LABEL: the value the play pass logged as played.KEY, reloaded.KEY
    local want got
    want=$(grep -a "^@@ value played.$1 " "$alog_play" | cut -d' ' -f4-)
    got=$(lua_value "reloaded.$1")
    if [ -n "$got" ] && [ "$got" = "$want" ]; then
        report PASS "restore: $2 $got (as saved)"
    else
        report FAIL "restore: $2 '${got:-missing}', saved as '${want:-missing}'"
    fi
}
for t in Drums Bass "Keys Pad" "Lead Vox"; do
    restored_as_saved "role.${t// /_}" "$t Strip Role parameter"
done
want=$(grep -a "^@@ value played.moved " "$alog_play" | cut -d' ' -f4-)
got=$(lua_value reloaded.moved)
if [ -n "$got" ] && awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-4 && d > -1e-4) }'; then
    report PASS "restore: the moved parameter (Keys Pad Strip Output) $got dB (as saved)"
else
    report FAIL "restore: the moved parameter (Keys Pad Strip Output) '${got:-missing}', saved as '${want:-missing}'"
fi
for k in target learn; do
    restored_as_saved "master.$k" "the Master's ${k^} parameter"
done
# What the reloaded plugins save again (their state: learned gain, group, name, every parameter).
snap=$session_dir/reloaded.ardour
if [ -f "$snap" ]; then
    load_summary reloaded "$snap"
    diffs=()
    for k in "${!played[@]}"; do
        [ "${reloaded[$k]:-<missing>}" = "${played[$k]}" ] || diffs+=("$k: saved '${played[$k]}', reloaded '${reloaded[$k]:-<missing>}'")
    done
    if [ "${#diffs[@]}" -eq 0 ]; then
        report PASS "restore: the reloaded plugins save the same state (${#played[@]} values: every parameter, the Strips' names and groups)"
    else
        report FAIL "restore: the reloaded plugins' saved state differs in ${#diffs[@]} value(s): $(printf '%s; ' "${diffs[@]}" | cut -c1-600)"
    fi
    g1=${played[master.learned_gain]:-x}; g2=${reloaded[master.learned_gain]:-y}
    if [ "$g1" = "$g2" ]; then
        report PASS "restore: the Master's learned gain $(printf '%+.4f' "$g2") dB (as saved)"
    else
        report FAIL "restore: the Master's learned gain ${g2} dB, saved as ${g1} dB"
    fi
    if [ -n "${reloaded[master.group]:-}" ] && [ "${reloaded[master.group]}" = "${played[master.group]:-}" ]; then
        report PASS "restore: the Master's link group ${reloaded[master.group]} (as saved)"
    else
        report FAIL "restore: the Master's link group '${reloaded[master.group]:-missing}', saved as '${played[master.group]:-missing}'"
    fi
else
    report FAIL "restore: the reload pass saved no snapshot $snap"
fi
# On the link.
if [ -n "$ok_link" ] && [ "$group_reloaded" = "$group_played" ]; then
    report PASS "restore: on the link the reloaded Master has its group $group_reloaded and lists the four Strips under their track names and roles"
else
    report FAIL "restore: on the link the reloaded Master shows group '${group_reloaded:-none}' (first pass: '${group_played:-none}')"
    sed 's/^/     | /' "$work/link-reload.txt"
fi
"${helper[@]}" link "$work/link-reload.json" "${expect[@]}" "${colours[@]}" --final 2>/dev/null \
    | grep 'track colour\|^INFO' | while read -r kind rest; do
        case $kind in WARN) [ "$strict_colour" = 1 ] && kind=FAIL ;; esac
        echo "$kind restore: link: $rest"
    done >"$work/link-reload-colours.txt"
while read -r kind rest; do
    case $kind in PASS) ;; *) report "$kind" "$rest" ;; esac
done <"$work/link-reload-colours.txt"
n_col=$(grep -c '^PASS' "$work/link-reload-colours.txt")
[ "$n_col" -gt 0 ] && report PASS "restore: link: $n_col Strips publish their track's colour after the reload"
# The second export must match the first: same settings, same audio.
export2=$ctl/export-reloaded.wav
if [ -s "$export2" ] && [ -s "$export_wav" ]; then
    timeout 120 "$stems" check "$export_wav" --mix "$export2" --json "$work/null.json" >"$work/logs/null.log" 2>&1
    read -r gdb res < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["mix"]; print(m["gain_db"], m["residual_db"])' "$work/null.json" 2>/dev/null)
    if [ -n "${gdb:-}" ] && awk -v g="$gdb" 'BEGIN { exit !(g < 0.05 && g > -0.05) }'; then
        report PASS "restore: the reloaded session's export matches the first: gain $(printf '%+.3f' "$gdb") dB, residual $(printf '%.1f' "$res") dB against it (stems check --mix)"
    else
        report FAIL "restore: the reloaded session's export differs from the first: gain ${gdb:-?} dB, residual ${res:-?} dB (stems check --mix)"
    fi
else
    report FAIL "restore: the reload pass exported no $export2"
fi
step_end
finish
