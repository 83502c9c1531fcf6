#!/usr/bin/env python3
"""Runs the masking corpus (made by make.py) through `stems analyze` (each stem through the
Strip's analysis, the masking engine as the Stem Master feeds it) and compares the warnings
with the verdict a mastering engineer would give (scene.json).

Each scene is levelled first with the suite's own loudness meter: the reference stem to
-18 LUFS, every other to its `levels_lu` relative to it; then run again 20 dB quieter
(verdicts must not depend on the playback level).

Usage: scripts/corpus/run.py CORPUS_DIR [STEMS_BINARY] [--known FILE]
(default binary target/release/stems). Prints one line per scene and level, and every
warning the engine gave; exits 1 when a verdict differs from the engineer's.

Every fix a warning suggests is then applied to the stem's audio (a cut or boost as the
bell it names, with sox's `equalizer`, the same RBJ cookbook peaking filter as the Strip's
bells; a lower level as a gain change) and the scene is analysed again: the warning must be
gone, unless the fix itself says no move within reach clears it ("move one of the parts").

With `--known FILE` (scripts/corpus/known-disagreements.txt: one scene name a line, `#`
comments), the scenes listed there are expected to differ, and the run fails when any other
scene differs, or when a listed one agrees (then take it off the list): what CI runs, so no
verdict that is right today goes wrong unnoticed.
"""

import json
import os
import subprocess
import sys


def analyze(stems, folder):
    out = subprocess.run([stems, "analyze", folder, "--json", "-", "--quiet"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def level(stems, scene_dir, out_dir, offset_db):
    manifest = json.load(open(os.path.join(scene_dir, "scene.json")))
    measured = {s["name"]: s["integrated_lufs"] for s in analyze(stems, scene_dir)["stems"]}
    os.makedirs(out_dir, exist_ok=True)
    ref = manifest["reference"]
    for name, lufs in measured.items():
        target = -18.0 + manifest["levels_lu"].get(name, 0.0) + offset_db
        gain = target - lufs
        subprocess.run(["sox", os.path.join(scene_dir, name + ".wav"),
                        os.path.join(out_dir, name + ".wav"), "gain", f"{gain:.3f}"],
                       check=True, stderr=subprocess.DEVNULL)
    assert ref in measured
    return manifest


def apply_fixes(stems, folder, out_dir, warning):
    """Copies the scene with the warning's fixes applied to the stems they name; returns the
    scene folder, or None when the fix says nothing within reach clears it."""
    if any(r["fix"]["action"] == "move" for r in warning["ranges"]):
        return None
    os.makedirs(out_dir, exist_ok=True)
    effects = {}
    for r in warning["ranges"]:
        f = r["fix"]
        if f["action"] in ("cut", "boost"):
            effects.setdefault(f["stem"], []).append(
                ["equalizer", f"{f['center_hz']:.2f}", f"{f['q']:.4f}q", f"{f['gain_db']:.2f}"])
        else:  # lower: one level change covers every range; the largest one
            effects.setdefault(f["stem"], []).append(["gain", f"{f['gain_db']:.2f}"])
    for name in os.listdir(folder):
        if not name.endswith(".wav"):
            continue
        stem = name[:-4]
        chain = [x for e in effects.get(stem, []) for x in e]
        if chain and chain.count("gain") > 1:
            gains = [float(e[1]) for e in effects[stem] if e[0] == "gain"]
            chain = [x for e in effects[stem] if e[0] != "gain" for x in e]
            chain += ["gain", f"{min(gains):.2f}"]
        subprocess.run(["sox", os.path.join(folder, name), os.path.join(out_dir, name)] + chain,
                       check=True, stderr=subprocess.DEVNULL)
    return out_dir


def main():
    args = sys.argv[1:]
    known = None
    if "--known" in args:
        i = args.index("--known")
        with open(args[i + 1]) as f:
            known = {l.split("#")[0].strip() for l in f} - {""}
        del args[i:i + 2]
    if len(args) not in (1, 2):
        sys.exit(__doc__)
    corpus = args[0]
    stems = args[1] if len(args) == 2 else "target/release/stems"
    wrong = 0
    unexpected = []
    unfixed = []
    for scene in sorted(os.listdir(corpus)):
        scene_dir = os.path.join(corpus, scene)
        if not os.path.isfile(os.path.join(scene_dir, "scene.json")):
            continue
        for offset in (0.0, -20.0):
            out_dir = os.path.join(corpus, "levelled", f"{scene}{int(offset)}")
            manifest = level(stems, scene_dir, out_dir, offset)
            doc = analyze(stems, out_dir)
            lufs = {s["name"]: s["integrated_lufs"] for s in doc["stems"]}
            got = sorted({(w["maskee"], w["masker"]) for w in doc["warnings"]})
            want = sorted((e["maskee"], e["masker"]) for e in manifest["expect_warnings"])
            # A collision may be named either way round.
            flip = {(e["masker"], e["maskee"]): (e["maskee"], e["masker"])
                    for e in manifest["expect_warnings"] if e["either_way"]}
            ok = sorted({flip.get(g, g) for g in got}) == want
            wrong += not ok
            if known is not None and ok == (scene in known):
                unexpected.append(f"{scene} ({offset:+.0f} dB): "
                                  + ("agrees now: take it off the list" if ok else "differs"))
            levels = ", ".join(f"{k} {v:.1f}" for k, v in sorted(lufs.items()))
            print(f"{'ok  ' if ok else 'WRONG'} {scene} ({offset:+.0f} dB; LUFS {levels}): "
                  f"expected {want or 'no warning'}, got {got or 'no warning'}")
            if not ok:
                print(f"      engineer: {manifest['why']}")
            for k, w in enumerate(doc["warnings"]):
                print(f"      {w['text']} (short {w['short_db']:.1f} dB, "
                      f"{100 * w['masked_share']:.0f}%, {w['active_s']:.1f} s)")
                fixed = apply_fixes(stems, out_dir,
                                    os.path.join(corpus, "fixed", f"{scene}{int(offset)}-{k}"), w)
                if fixed is None:
                    print("      fix: reported as not enough (move one of the parts)")
                    continue
                again = analyze(stems, fixed)
                left = [x for x in again["warnings"]
                        if (x["maskee"], x["masker"]) == (w["maskee"], w["masker"])]
                if left:
                    unfixed.append(f"{scene} ({offset:+.0f} dB): {left[0]['text']}")
                print(f"      fix applied to the audio: "
                      f"{'STILL WARNED: ' + left[0]['text'] if left else 'the warning is gone'}")
    print(f"{wrong} verdicts differ from the engineer's")
    for u in unfixed:
        print(f"a fix did not clear its warning: {u}")
    print(f"fixes: {len(unfixed)} applied to the audio left their warning up")
    if known is None:
        sys.exit(1 if wrong or unfixed else 0)
    for u in unexpected:
        print(f"unexpected: {u}")
    print(f"corpus: {len(unexpected)} unexpected against {len(known)} known disagreements")
    sys.exit(1 if unexpected or unfixed else 0)


if __name__ == "__main__":
    main()
