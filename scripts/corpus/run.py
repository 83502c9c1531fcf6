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
            for w in doc["warnings"]:
                print(f"      {w['text']} (short {w['short_db']:.1f} dB, "
                      f"{100 * w['masked_share']:.0f}%, {w['active_s']:.1f} s)")
    print(f"{wrong} verdicts differ from the engineer's")
    if known is None:
        sys.exit(1 if wrong else 0)
    for u in unexpected:
        print(f"unexpected: {u}")
    print(f"corpus: {len(unexpected)} unexpected against {len(known)} known disagreements")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
