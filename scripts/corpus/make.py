#!/usr/bin/env python3
"""Makes the masking corpus: scenes of stems from real recorded material, for judging the
masking verdicts the way a mastering engineer would (issue: masking on real arrangements).

Instruments are sampled recordings (FluidR3 GM, played by fluidsynth from MIDI this script
writes), drums are a recorded acoustic kit (hydrogen-drumkits' Colombo kit), the voice is
espeak-ng. Nothing is committed: this script makes the audio from Debian's packages
(fluidsynth, fluid-soundfont-gm, hydrogen-drumkits, espeak-ng, sox).

Each scene is a folder of 48 kHz stereo float WAV stems named by role, with `scene.json`
saying each stem's loudness relative to the voice (LU, set by `run.py` with the suite's
own meter), the warnings an engineer would give (maskee, masker; `either_way` when two
parts collide and either may be named the masked one) and why.

Usage: scripts/corpus/make.py OUT_DIR
"""

import array
import json
import os
import struct
import subprocess
import sys
import tempfile

RATE = 48000
SECONDS = 16.0
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
KIT = "/usr/share/hydrogen/data/drumkits/ColomboAcousticDrumkit"


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read_float(path):
    """Any audio file as interleaved stereo float32 at RATE, through sox."""
    with tempfile.NamedTemporaryFile(suffix=".raw") as raw:
        run("sox", path, "-r", str(RATE), "-c", "2", "-e", "floating-point", "-b", "32",
            "-t", "raw", raw.name)
        data = array.array("f")
        with open(raw.name, "rb") as f:
            data.frombytes(f.read())
        return data


def write_wav(path, data):
    """Interleaved stereo float32 to a 32-bit float WAV, through sox."""
    with tempfile.NamedTemporaryFile(suffix=".raw") as raw:
        raw.write(data.tobytes())
        raw.flush()
        run("sox", "-r", str(RATE), "-c", "2", "-e", "floating-point", "-b", "32", "-t", "raw",
            raw.name, "-e", "floating-point", "-b", "32", path)


def silence():
    return array.array("f", bytes(4 * 2 * int(RATE * SECONDS)))


def place(out, clip, at_s, gain=1.0):
    """Adds `clip` into `out` from `at_s` seconds, cut at the end."""
    start = 2 * int(at_s * RATE)
    n = min(len(clip), len(out) - start)
    for i in range(max(0, n)):
        out[start + i] += gain * clip[i]


def midi_file(path, program, notes, channel=0):
    """A type-0 MIDI file: `notes` are (start_s, length_s, pitch, velocity) at 120 bpm."""
    tpq = 480  # ticks per quarter; 120 bpm: 960 ticks per second
    events = []
    for start, length, pitch, vel in notes:
        events.append((int(start * 960), 0x90 | channel, pitch, vel))
        events.append((int((start + length) * 960), 0x80 | channel, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1] & 0xF0 == 0x90))
    body = bytearray()
    body += b"\x00\xff\x51\x03\x07\xa1\x20"  # tempo 500000 us per quarter
    body += bytes([0, 0xC0 | channel, program])

    def vlq(v):
        out = [v & 0x7F]
        v >>= 7
        while v:
            out.insert(0, (v & 0x7F) | 0x80)
            v >>= 7
        return bytes(out)

    now = 0
    for tick, status, pitch, vel in events:
        body += vlq(tick - now) + bytes([status, pitch, vel])
        now = tick
    body += b"\x00\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq))
        f.write(b"MTrk" + struct.pack(">I", len(body)) + body)


def instrument(program, notes, tmp):
    """Sampled instrument `program` (General MIDI, 0-based) playing `notes`."""
    mid = os.path.join(tmp, f"p{program}-{len(notes)}-{notes[0][0]}.mid")
    wav = mid[:-4] + ".wav"
    midi_file(mid, program, notes)
    run("fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(RATE),
        "-F", wav, SF2, mid)
    out = silence()
    place(out, read_float(wav), 0.0)
    return out


def speech(text, tmp, pitch=50):
    """espeak-ng speaking `text` (US English), as a stereo float clip."""
    wav = os.path.join(tmp, f"voice-{abs(hash((text, pitch)))}.wav")
    run("espeak-ng", "-v", "en-us", "-s", "150", "-p", str(pitch), "-w", wav, text)
    return read_float(wav)


PHRASES = [
    "the morning light is falling on the river",
    "and every word I carry finds its way to you",
    "hold the line until the evening comes around",
    "we were singing in the rain along the open road",
]


def voice_phrases(tmp, starts, pitch=50):
    out = silence()
    for k, at in enumerate(starts):
        place(out, speech(PHRASES[k % len(PHRASES)], tmp, pitch), at)
    return out


def voice_throughout(tmp):
    return voice_phrases(tmp, [0.2, 4.2, 8.2, 12.2])


def kit_clip(name, cache):
    if name not in cache:
        cache[name] = read_float(os.path.join(KIT, name))
    return cache[name]


def drums(pattern, cache, ring=False):
    """A recorded kit: `pattern` maps a sample file to hit times (s). `ring` lengthens the
    kick with a low-passed reverb, as a booming kick that rings for most of a beat."""
    out = silence()
    for name, times in pattern.items():
        clip = kit_clip(name, cache)
        for t in times:
            place(out, clip, t)
    if ring:
        with tempfile.TemporaryDirectory() as d:
            dry, wet = os.path.join(d, "dry.wav"), os.path.join(d, "wet.wav")
            write_wav(dry, out)
            run("sox", dry, wet, "lowpass", "250", "reverb", "90", "20", "100", "100", "0",
                "gain", "-n", "-6")
            out = silence()
            place(out, read_float(wet), 0.0)
    return out


def beats(step, start=0.0, end=SECONDS - 0.5):
    t, out = start, []
    while t < end:
        out.append(round(t, 4))
        t += step
    return out


def chords(pitches_list, start=0.0, length=2.0, vel=70):
    notes = []
    t = start
    while t < SECONDS - length:
        for p in pitches_list[int(t / length) % len(pitches_list)]:
            notes.append((t, length * 0.95, p, vel))
        t += length
    return notes


def scenes(tmp):
    cache = {}
    kick = "bassdrum-4mics-br-stereo-normal3.flac"
    snare = "snare-opaque-normal-mic-normal_shot2.flac"
    hat = "hihat-closed-1.flac"
    ride = "crash20i__ride4.flac"
    crash = "crash16i__crash1.flac"
    mid_chords = [[60, 64, 67, 72], [57, 60, 64, 69], [62, 65, 69, 74], [55, 59, 62, 67]]
    low_chords = [[36, 43, 48], [33, 40, 45], [38, 45, 50], [31, 38, 43]]
    voice_starts = [0.2, 4.2, 8.2, 12.2]
    fill_notes_gap = []
    fill_notes_overlap = []
    for k, at in enumerate(voice_starts):
        run_ = [67, 69, 71, 72, 74, 76, 74, 72]
        for i, p in enumerate(run_):
            fill_notes_gap.append((at + 2.6 + i * 0.15, 0.14, p + (k % 2) * 2, 90))
            fill_notes_overlap.append((at + 0.4 + i * 0.35, 0.33, p + (k % 2) * 2, 90))
    bass_low = [(t, 0.45, 28 + [0, 0, 3, 5][int(t) % 4], 100) for t in beats(0.5)]
    bass_high = [(t, 0.45, 52 + [0, 0, 3, 5][int(t) % 4], 100) for t in beats(0.5)]
    yield "call_response_gap", {
        "lead_vocal": voice_phrases(tmp, voice_starts),
        "guitar": instrument(29, fill_notes_gap, tmp),
    }, {"guitar": 0.0}, [], (
        "The voice and the guitar alternate with silence between them: nothing sounds while "
        "the other does, so nothing is masked.")
    yield "call_response_overlap", {
        "lead_vocal": voice_phrases(tmp, voice_starts),
        "guitar": instrument(29, fill_notes_overlap, tmp),
    }, {"guitar": 3.0}, [("lead_vocal", "guitar")], (
        "The same guitar, louder than the voice, plays through most of each phrase in the "
        "voice's range: the voice is masked.")
    yield "quiet_accompaniment", {
        "lead_vocal": voice_throughout(tmp),
        "piano": instrument(0, chords(low_chords), tmp),
    }, {"piano": -10.0}, [], (
        "Low piano chords 10 LU under the voice: the voice is on top; its important bands "
        "(1 to 4 kHz) are clear.")
    yield "loud_accompaniment", {
        "lead_vocal": voice_throughout(tmp),
        "piano": instrument(0, chords(mid_chords, vel=100), tmp),
    }, {"piano": 6.0}, [("lead_vocal", "piano")], (
        "Piano chords in the voice's range, 6 LU over it: the voice is buried.")
    yield "strings_over_voice", {
        "lead_vocal": voice_throughout(tmp),
        "strings": instrument(48, chords(mid_chords, length=4.0, vel=100), tmp),
    }, {"strings": 4.0}, [("lead_vocal", "strings")], (
        "A sustained string section over the voice, louder, in its range: masked.")
    yield "choir_over_lead", {
        "lead_vocal": voice_throughout(tmp),
        "backing_vocals": instrument(52, chords(mid_chords, length=4.0, vel=100), tmp),
    }, {"backing_vocals": 4.0}, [("lead_vocal", "backing_vocals")], (
        "A choir louder than the lead, in its range, all the time: the lead is masked.")
    yield "hats_and_voice", {
        "lead_vocal": voice_throughout(tmp),
        "drums": drums({hat: beats(0.25), ride: beats(1.0, 0.5), crash: [0.0, 8.0]}, cache),
    }, {"drums": -6.0}, [], (
        "Hats, a ride and two crashes 6 LU under the voice: bright but short and above the "
        "voice's important range; an engineer would not act.")
    yield "kick_and_bass_same_register", {
        "drums": drums({kick: beats(0.5)}, cache),
        "bass": instrument(33, bass_low, tmp),
    }, {"bass": 0.0}, [("bass", "drums", "either")], (
        "Kick and a fingered bass on the same beats in the same octave (40 to 80 Hz): they "
        "fight for the low end (a collision: either may be named the masked one).")
    yield "kick_and_bass_apart", {
        "drums": drums({kick: beats(1.0), snare: beats(1.0, 0.5)}, cache),
        "bass": instrument(33, bass_high, tmp),
    }, {"bass": 0.0}, [], (
        "The bass two octaves up (160 to 330 Hz) between the kicks: each has its own range.")
    yield "ringing_kick_and_voice", {
        "lead_vocal": voice_throughout(tmp),
        "drums": drums({kick: beats(0.5)}, cache, ring=True),
    }, {"drums": 0.0}, [], (
        "A kick that rings for most of each beat, under 250 Hz, as loud as the voice: it "
        "touches only the voice's lowest, least important band; cutting the kick would be "
        "wrong.")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, stems, levels, expect, why in scenes(tmp):
            d = os.path.join(out_dir, name)
            os.makedirs(d, exist_ok=True)
            for stem, data in stems.items():
                write_wav(os.path.join(d, stem + ".wav"), data)
            reference = "lead_vocal" if "lead_vocal" in stems else next(
                s for s in stems if s not in levels)
            manifest = {
                "reference": reference,
                "levels_lu": levels,
                "expect_warnings": [
                    {"maskee": e[0], "masker": e[1], "either_way": len(e) > 2} for e in expect
                ],
                "why": why,
            }
            with open(os.path.join(d, "scene.json"), "w") as f:
                json.dump(manifest, f, indent=2)
            print(f"{name}: {', '.join(stems)}", flush=True)


if __name__ == "__main__":
    main()
