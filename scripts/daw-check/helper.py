#!/usr/bin/env python3
"""Helpers of scripts/daw-check.sh (standard library only).

  helper.py inject SESSION_DIR NAME TRACK=WAV...
      Puts each stereo WAV on the named track of an Ardour 7 session that is not open: splits
      it into the two mono files Ardour records (interchange/<session folder>/audiofiles/
      TRACK-1%L.wav, %R.wav), and adds the sources, a whole-file region, the region on the track's playlist
      and the session range to NAME.ardour. (Ardour 7's Lua session API cannot import audio.)

  helper.py state FILE.ardour
      Prints, as JSON, the saved state of every Stem Strip and Stem Master in a session file:
      per route, the plugin, its parameters (nice-plug ids and plain values) and its persisted
      fields (the Strip's name and group, the Master's learned gain and group), read from the
      VST3 state chunk Ardour saves.

  helper.py summary FILE.ardour
      The same as `key<TAB>value` lines (strip.TRACK.param.ID, strip.TRACK.group,
      master.learned_gain, master.group, ...), for the shell.

  helper.py link STATUS.json TRACK=ROLE... [--masked TRACK --masker TRACK]
                 [--colour TRACK=#rrggbb]... [--final]
      Reads `stems link status --json` and says what the Ardour session shows: one line per
      check (a colour that differs is a WARN line). Exit 0 when every check but the colours
      passes, 1 when one does not (yet), 2 on bad input.

  helper.py wav FILE.wav
      Prints, as JSON, the frame count, channels, rate, format and the count of NaN and
      infinite samples of a WAV file (PCM or IEEE float).
"""

import base64
import json
import math
import os
import struct
import sys
import xml.etree.ElementTree as ET

SUPERCLOCK_RATE = 282240000  # Ardour 7's superclock ticks per second


def die(msg, code=2):
    print(f"helper.py: {msg}", file=sys.stderr)
    sys.exit(code)


# --------------------------------------------------------------------------------- WAV I/O


def read_wav_header(path):
    """(fmt_tag, channels, rate, bits, data_offset, data_bytes) of a RIFF WAV file."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            die(f"{path}: not a RIFF/WAVE file")
        fmt = None
        while True:
            ch = f.read(8)
            if len(ch) < 8:
                die(f"{path}: no data chunk")
            cid, size = ch[:4], struct.unpack("<I", ch[4:])[0]
            if cid == b"fmt ":
                body = f.read(size)
                tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE
                    tag = struct.unpack("<H", body[24:26])[0]
                fmt = (tag, channels, rate, bits)
                if size % 2:
                    f.read(1)
            elif cid == b"data":
                if fmt is None:
                    die(f"{path}: data before fmt")
                return fmt + (f.tell(), size)
            else:
                f.seek(size + (size % 2), 1)


def wav_info(path):
    tag, channels, rate, bits, offset, size = read_wav_header(path)
    if tag == 3 and bits in (32, 64):
        code = "f" if bits == 32 else "d"
        width = bits // 8
    elif tag == 1:
        code = None
        width = bits // 8
    else:
        die(f"{path}: unsupported WAV format tag {tag}, {bits} bits")
    frames = size // (width * channels)
    nan = inf = 0
    if code:
        with open(path, "rb") as f:
            f.seek(offset)
            left = frames * channels
            chunk = 1 << 16
            while left > 0:
                n = min(chunk, left)
                data = f.read(n * width)
                n = len(data) // width
                if n == 0:
                    break
                for v in struct.unpack(f"<{n}{code}", data[: n * width]):
                    if v != v:
                        nan += 1
                    elif v in (math.inf, -math.inf):
                        inf += 1
                left -= n
    return {
        "file": path,
        "format": "float" if code else "pcm",
        "bits": bits,
        "channels": channels,
        "sample_rate_hz": rate,
        "frames": frames,
        "seconds": frames / rate if rate else 0.0,
        "nan_samples": nan,
        "inf_samples": inf,
    }


def write_mono_wav(path, tag, rate, bits, pcm):
    """A plain mono WAV (format tag 1, PCM, or 3, IEEE float) holding `pcm`."""
    width = bits // 8
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * width, width, bits)
    if tag == 3:
        fmt += struct.pack("<H", 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    if len(pcm) % 2:
        body += b"\0"
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def split_stereo(path, out_l, out_r):
    """Writes the channels of a stereo WAV (PCM or float) as two mono WAVs of the same sample
    format; returns (frames, rate)."""
    tag, channels, rate, bits, offset, size = read_wav_header(path)
    if channels != 2:
        die(f"{path}: expected a stereo file, got {channels} channels")
    if tag not in (1, 3) or bits % 8:
        die(f"{path}: unsupported WAV format tag {tag}, {bits} bits")
    width = bits // 8
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(size)
    frame = 2 * width
    frames = len(data) // frame
    data = data[: frames * frame]
    left = bytearray(frames * width)
    right = bytearray(frames * width)
    for b in range(width):
        left[b::width] = data[b::frame]
        right[b::width] = data[width + b :: frame]
    write_mono_wav(out_l, tag, rate, bits, bytes(left))
    write_mono_wav(out_r, tag, rate, bits, bytes(right))
    return frames, rate


# --------------------------------------------------------------------------------- inject


def cmd_inject(args):
    if len(args) < 3:
        die("usage: inject SESSION_DIR NAME TRACK=WAV...")
    session_dir, name, pairs = args[0], args[1], args[2:]
    path = os.path.join(session_dir, name + ".ardour")
    tree = ET.parse(path)
    root = tree.getroot()
    rate = int(root.get("sample-rate"))
    next_id = int(root.get("id-counter"))

    def new_id():
        nonlocal next_id
        next_id += 1
        return str(next_id - 1)

    # Ardour names the folder after the session folder (not the snapshot), and refuses a
    # session with more than one ("the interchange dir is tainted").
    inter = os.path.join(session_dir, "interchange")
    subs = [d for d in os.listdir(inter) if os.path.isdir(os.path.join(inter, d))] if os.path.isdir(inter) else []
    if len(subs) > 1:
        die(f"{inter}: more than one folder ({', '.join(subs)})")
    audio_dir = os.path.join(inter, subs[0] if subs else os.path.basename(os.path.abspath(session_dir)), "audiofiles")
    os.makedirs(audio_dir, exist_ok=True)
    sources = root.find("Sources")
    regions = root.find("Regions")
    playlists = root.find("Playlists")
    routes = root.find("Routes")
    if sources is None or regions is None or playlists is None or routes is None:
        die(f"{path}: no Sources, Regions, Playlists or Routes element")
    longest = 0
    for pair in pairs:
        track, _, wav = pair.partition("=")
        route = next((r for r in routes.findall("Route") if r.get("name") == track), None)
        if route is None:
            die(f"{path}: no track named {track!r}")
        pl_id = route.get("audio-playlist")
        playlist = next((p for p in playlists.findall("Playlist") if p.get("id") == pl_id), None)
        if playlist is None:
            die(f"{path}: the playlist {pl_id} of {track!r} is missing")
        base = f"{track}-1"
        files = [f"{base}%L.wav", f"{base}%R.wav"]
        frames, wav_rate = split_stereo(wav, *(os.path.join(audio_dir, f) for f in files))
        if wav_rate != rate:
            die(f"{wav}: {wav_rate} Hz, the session runs at {rate} Hz")
        longest = max(longest, frames)
        length = f"a{frames * SUPERCLOCK_RATE // rate}@a0"
        src_ids = []
        for f in files:
            sid = new_id()
            src_ids.append(sid)
            ET.SubElement(sources, "Source", {
                "name": f, "type": "audio", "flags": "", "id": sid, "natural-position": "a0",
                "channel": "0", "origin": "", "gain": "1",
            })
        common = {
            "muted": "0", "opaque": "1", "locked": "0", "video-locked": "0", "import": "0",
            "external": "0", "sync-marked": "0", "left-of-split": "0", "right-of-split": "0",
            "hidden": "0", "position-locked": "0", "valid-transients": "0", "start": "a0",
            "length": length, "sync-position": "a0", "ancestral-start": "a0",
            "ancestral-length": "a0@a0", "stretch": "1", "shift": "1", "layering-index": "0",
            "tags": "", "contents": "0", "envelope-active": "0", "default-fade-in": "0",
            "default-fade-out": "0", "fade-in-active": "1", "fade-out-active": "1",
            "scale-amplitude": "1", "type": "audio", "first-edit": "nothing",
            "source-0": src_ids[0], "source-1": src_ids[1],
            "master-source-0": src_ids[0], "master-source-1": src_ids[1], "channels": "2",
        }
        whole = ET.SubElement(regions, "Region", {"name": base, "automatic": "1", "whole-file": "1", "id": new_id(), **common})
        ET.SubElement(whole, "Envelope", {"default": "yes"})
        region = ET.SubElement(playlist, "Region", {"name": base + ".1", "automatic": "0", "whole-file": "0", "id": new_id(), **common})
        ET.SubElement(region, "Envelope", {"default": "yes"})
    locations = root.find("Locations")
    if locations is None:
        die(f"{path}: no Locations element")
    for loc in list(locations):
        if "IsSessionRange" in (loc.get("flags") or ""):
            locations.remove(loc)
    ET.SubElement(locations, "Location", {
        "id": new_id(), "name": "session", "start": "a0",
        "end": f"a{longest * SUPERCLOCK_RATE // rate}", "flags": "IsSessionRange",
        "locked": "0", "timestamp": "0", "cue": "0",
    })
    root.set("id-counter", str(next_id))
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    print(f"injected {len(pairs)} stems, {longest / rate:.3f} s, into {path}")


# --------------------------------------------------------------------------------- state


def plugin_json(chunk_b64):
    """The nice-plug state (JSON) inside Ardour's base64 VST3 state chunk, or None."""
    data = base64.b64decode(chunk_b64)
    start = data.find(b'{"version"')
    if start < 0:
        return None
    obj, _ = json.JSONDecoder().raw_decode(data[start:].decode("utf-8", "replace"))
    return obj


def session_states(path):
    """{route name: [plugin entries]} of the VST3 plugins saved in a session file."""
    root = ET.parse(path).getroot()
    out = {}
    for route in root.find("Routes").findall("Route"):
        for proc in route.iter("Processor"):
            if proc.get("type") != "vst3":
                continue
            plug = proc.find("vst3")
            chunk = plug.find("chunk") if plug is not None else None
            state = plugin_json(chunk.text) if chunk is not None and chunk.text else None
            entry = {"plugin": proc.get("name"), "active": proc.get("active"), "state": None}
            if state is not None:
                fields = {}
                for k, v in (state.get("fields") or {}).items():
                    try:
                        fields[k] = json.loads(v)
                    except (TypeError, ValueError):
                        fields[k] = v
                # nice-plug tags each value with its type: {"f32": 1.0}, {"bool": true}, ...
                params = {}
                for k, v in (state.get("params") or {}).items():
                    params[k] = next(iter(v.values())) if isinstance(v, dict) and len(v) == 1 else v
                entry["state"] = {"version": state.get("version"), "params": params, "fields": fields}
            out.setdefault(route.get("name"), []).append(entry)
    return out


def cmd_state(args):
    if len(args) != 1:
        die("usage: state FILE.ardour")
    json.dump(session_states(args[0]), sys.stdout, indent=1, sort_keys=True)
    print()


def cmd_summary(args):
    """`key<TAB>value` lines of what the check compares: per Strip (by track) its role, name,
    group and every parameter; the Master's learned gain, group and parameters. Groups as
    16 hex digits, as `stems link status` prints them."""
    if len(args) != 1:
        die("usage: summary FILE.ardour")
    for route, entries in sorted(session_states(args[0]).items()):
        for e in entries:
            who = "master" if e["plugin"] == "Stem Master" else "strip." + route
            st = e["state"]
            if st is None:
                print(f"{who}.state\tnone")
                continue
            print(f"{who}.plugin\t{e['plugin']}")
            for k, v in sorted((st.get("params") or {}).items()):
                print(f"{who}.param.{k}\t{v}")
            f = st.get("fields") or {}
            if isinstance(f.get("group"), int):
                print(f"{who}.group\t{f['group']:016x}")
            if "learned-gain" in f:
                print(f"{who}.learned_gain\t{f['learned-gain']}")
            if "name" in f:
                print(f"{who}.name\t{f['name']}")
            for k, v in sorted(f.items()):
                print(f"{who}.field.{k}\t{json.dumps(v, sort_keys=True)}")


# --------------------------------------------------------------------------------- link


def cmd_link(args):
    expect = {}
    colours = {}
    masked = masker = None
    final = False
    it = iter(args[1:])
    for a in it:
        if a == "--masked":
            masked = next(it)
        elif a == "--masker":
            masker = next(it)
        elif a == "--final":
            final = True
        elif a == "--colour":
            track, _, colour = next(it).partition("=")
            colours[track] = colour.lower()
        else:
            track, _, role = a.partition("=")
            expect[track] = role
    try:
        with open(args[0]) as f:
            status = json.load(f)
    except (OSError, ValueError, IndexError) as e:
        die(f"cannot read the link status: {e}")
    lines, ok = [], True

    def check(passed, what):
        nonlocal ok
        ok = ok and passed
        lines.append(("PASS " if passed else "FAIL ") + what)

    check(status.get("state") == "ok", f"link segment {status.get('segment')}: state {status.get('state')} {status.get('error') or ''}".rstrip())
    instances = status.get("instances") or []
    masters = status.get("masters") or []
    by_name = {}
    for i in instances:
        by_name.setdefault(i.get("name"), []).append(i)
    names = sorted(str(i.get("name")) for i in instances)
    check(all(t in by_name for t in expect), f"Strips carry the track names: {', '.join(repr(n) for n in names) or 'no Strip'} (expected {', '.join(repr(t) for t in expect)})")
    for track, role in expect.items():
        got = [i.get("role") for i in by_name.get(track, [])]
        check(got == [role], f"Strip {track!r}: role {got[0] if len(got) == 1 else got} (expected {role})")
    for track, colour in colours.items():
        got = [i.get("color") for i in by_name.get(track, [])]
        # Reported, but not a condition of the exit status (WARN, not FAIL).
        lines.append(("PASS " if got == [colour] else "WARN ") + f"Strip {track!r}: track colour {got[0] if len(got) == 1 else got} (Ardour's track colour {colour})")
    check(len(masters) == 1, f"one live Master: {len(masters)} ({', '.join(m.get('group', '?') + ' on ' + repr(m.get('track_name')) for m in masters)})")
    master = masters[0] if masters else {}
    stems = sorted(str(s.get("name")) for s in master.get("stems") or [])
    check(sorted(expect) == stems, f"the Master (group {master.get('group')}) lists {len(stems)} stems: {', '.join(stems) or 'none'}")
    if masked and masker:
        warnings = master.get("warnings") or []
        hit = [w for w in warnings if w.get("stem") == masked and w.get("kind") == "masked_by" and w.get("other_name") == masker]
        desc = "; ".join(f"{w.get('stem')}: {w.get('text')}" for w in warnings) or "none"
        if hit:
            w = hit[0]
            check(True, f"masking warning: {masker!r} masks {masked!r} from {w['low_hz']:.0f} to {w['high_hz']:.0f} Hz, {w['amount_db']:.1f} dB short, {100 * w['share']:.0f} % of the time (all warnings: {desc})")
        else:
            check(False, f"masking warning {masker!r} masks {masked!r}: not (yet) shown (warnings: {desc})")
    if final:
        for i in instances:
            lines.append(f"INFO Strip {i.get('name')!r}: group {i.get('group')}, role {i.get('role')}, colour {i.get('color')}, short-term {i.get('shortterm_lufs')} LUFS, transport {i.get('transport_seconds')} s, pid {i.get('pid')}")
        for m in masters:
            lines.append(f"INFO Master: group {m.get('group')}, track name {m.get('track_name')!r}, host process {m.get('host_process')!r}, pid {m.get('pid')}")
    print("\n".join(lines))
    sys.exit(0 if ok else 1)


def cmd_wav(args):
    if len(args) != 1:
        die("usage: wav FILE.wav")
    json.dump(wav_info(args[0]), sys.stdout)
    print()


def main():
    if len(sys.argv) < 2:
        die(__doc__.strip())
    cmd, args = sys.argv[1], sys.argv[2:]
    {"inject": cmd_inject, "state": cmd_state, "summary": cmd_summary, "link": cmd_link, "wav": cmd_wav}.get(cmd, lambda _: die(f"unknown command {cmd}"))(args)


if __name__ == "__main__":
    main()
