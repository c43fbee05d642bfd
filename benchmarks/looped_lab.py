"""The looped lab: `voiceguide play` through real (virtual) devices, its speaker heard by its microphone,
real people's voices said into the microphone over the narration and in its pauses, optionally on a
busy computer.

    .venv/bin/python benchmarks/looped_lab.py [--minutes M] [--echo-db 0] [--hog N] [--routine ID]

A private PulseAudio server (tests/audiolab.py) gives a virtual speaker and microphone; PulseAudio's
module-loopback plays the speaker into the microphone, `--echo-db` relative to the user's voice (the
narration's and the recordings' voiced levels are matched first). Every 7-12 s one of the real
"no" recordings in shared/speech is played into the microphone (an "undo": "There is nothing to
undo"), and every third time a real "stop" followed 3 s later by a "no" (end the session? no). The
microphone's and the speaker's sound are recorded with their monotonic times, so each phrase is
found exactly where it was said and known to have been said over the narration or in a pause.

Printed: phrases obeyed over the narration and in its pauses; latency from the end of the word to
the command reaching the session (p50, p95); how far behind the microphone the listener was (the
trace's behind_s, every 2 s: p50, p95, max); commands obeyed that nobody said (the narration heard
as a command); the output's underruns. `--hog N` keeps N processes spinning for the whole run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from audiolab import CpuHogs, PulseLab, Recorder, envelope_db  # noqa: E402
from conftest import shared_folder  # noqa: E402
from voiceguide.audio.clips import read_wav, resample, write_wav, Clip  # noqa: E402

SPEECH = shared_folder() / "speech"
RATE = 48000
WINDOW_SECONDS = 3.0
"""A command obeyed within this long after the word's end counts as the answer to it."""
NARRATION_DB = -45.0
"""The speaker louder than this (dBFS) while the word was said: said over the narration."""


def voiced_rms(samples: np.ndarray) -> float:
    voiced = samples[np.abs(samples) > 0.01 * np.max(np.abs(samples))]
    return float(np.sqrt(np.mean(voiced * voiced)))


class Player:
    """`voiceguide play` in the lab, its output read on a thread."""

    def __init__(self, routine: str, trace: Path, env: dict):
        self.process = subprocess.Popen([sys.executable, "-m", "voiceguide", "play", routine, "--restart",
                                         "--trace", str(trace)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        self.output = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in iter(self.process.stdout.readline, b""):
            self.output += line.decode("utf-8", "replace")

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"never saw {text!r}:\n{self.output}")
            time.sleep(0.1)

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write(b"stop\nstop\n")
            self.process.stdin.flush()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to play (default 5)")
    parser.add_argument("--echo-db", type=float, default=0.0, help="the speaker at the microphone, dB "
                        "relative to the user's voice (default 0)")
    parser.add_argument("--hog", type=int, default=0, metavar="N", help="processes spinning on the CPU")
    parser.add_argument("--routine", default="lower-back")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = args.work = Path(tempfile.mkdtemp(prefix="voiceguide-lab-"))
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(work / name.lower())

    narration = work / "narration.wav"
    subprocess.run([sys.executable, "-m", "voiceguide", "render", args.routine, str(narration)], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    target = voiced_rms(read_wav(narration).samples)
    clips = {}
    for word in ("no", "stop"):
        for path in sorted((SPEECH / word).glob("*.wav")):
            samples = resample(read_wav(path), RATE).samples
            samples = np.clip(samples * (target / voiced_rms(samples)), -1, 1).astype(np.float32)
            clips.setdefault(word, []).append((path.name, samples))
            write_wav(work / f"{word}-{path.stem}.wav", Clip(samples, RATE))

    lab = PulseLab().start()
    lab.pactl("load-module", "module-loopback", f"source={lab.SPEAKER}.monitor", f"sink={lab.MICROPHONE}",
              "latency_msec=40", "adjust_time=0")
    loopback = [line.split("\t")[0] for line in lab.pactl("list", "short", "sink-inputs").splitlines()
                if line.split("\t")[3] == "module-loopback.c"]
    lab.pactl("set-sink-input-volume", loopback[0], f"{args.echo_db:+.1f}dB")
    lab.apply()
    env.update({key: lab.env[key] for key in ("XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "PULSE_SINK", "PULSE_SOURCE")})
    rng = np.random.default_rng(args.seed)
    said: list[tuple[str, str, float]] = []  # word, file, monotonic start of paplay
    trace = work / "trace.jsonl"
    try:
        with Recorder(f"{lab.MICROPHONE}.monitor") as heard, Recorder(f"{lab.SPEAKER}.monitor") as played, \
                CpuHogs(args.hog):
            player = Player(args.routine, trace, env)
            player.wait_for("Listening with", timeout=120)
            ends = time.monotonic() + args.minutes * 60
            turn = 0
            while time.monotonic() < ends and player.process.poll() is None:
                time.sleep(float(rng.uniform(7, 12)))
                turn += 1
                words = ["stop", "no"] if turn % 3 == 0 else ["no"]
                for index, word in enumerate(words):
                    name, _ = clips[word][int(rng.integers(len(clips[word])))]
                    if index:
                        time.sleep(3.0)
                    said.append((word, name, time.monotonic()))
                    subprocess.run(["paplay", f"--device={lab.MICROPHONE}", "--latency-msec=20",
                                    str(work / f"{word}-{Path(name).stem}.wav")], env=lab.env, check=True)
            time.sleep(2.0)  # the last phrase said has time to be decided before the session is ended
            player.end()
            mic, speaker = heard.recording(), played.recording()
            (work / "said.json").write_text(json.dumps(said))
            np.savez_compressed(work / "recordings.npz", mic=mic.samples, mic_times=mic.block_times,
                                speaker=speaker.samples, speaker_times=speaker.block_times)
    finally:
        lab.stop()
    report(said, clips, mic, speaker, [json.loads(line) for line in trace.read_text().splitlines()], player.output,
           args)


def report(said, clips, mic, speaker, records: list[dict], output: str, args) -> None:
    phrases = [r for r in records if "heard" in r]
    listening = [r["listening"] for r in records if "listening" in r]
    outputs = [r["output"] for r in records if "output" in r]
    by_name = {(word, name): samples for word, items in clips.items() for name, samples in items}
    expected = {"no": "undo", "stop": "stop"}
    rows, claimed = [], set()
    for word, name, started in said:
        samples = by_name[(word, name)]
        onset = _onset(mic, samples, started)
        loud = np.flatnonzero(np.abs(samples) > 0.02 * np.max(np.abs(samples)))
        begin, end = onset + loud[0] / RATE, onset + (loud[-1] + 1) / RATE
        a, b = (int(speaker.seconds_at(t) * RATE) for t in (begin, end))
        speaker_db = float(np.max(envelope_db(speaker.samples[a:b], RATE, 0.02), initial=-120))
        over = speaker_db > NARRATION_DB
        mine = [r for r in phrases if r["obeyed"] and end - 0.5 < r["at"] <= end + WINDOW_SECONDS]
        claimed.update(id(r) for r in mine)
        right = [r["command"] for r in mine] == [expected[word]]
        rows.append({"word": word, "file": name, "speaker_db": round(speaker_db), "over": over, "right": right, "end": end - said[0][2],
                     "latency": mine[0]["at"] - end if right else None,
                     "heard": [(r["heard"], r["obeyed"]) for r in phrases if end - 0.5 < r["at"] <= end + WINDOW_SECONDS],
                     "words": [r["words"] for r in records if "words" in r and end - 0.5 < r["at"] <= end + WINDOW_SECONDS]})
    stray = [r for r in phrases if r["obeyed"] and id(r) not in claimed]

    def share(selected):
        return f"{sum(r['right'] for r in selected)}/{len(selected)}" if selected else "-"

    latencies = [r["latency"] for r in rows if r["latency"] is not None]
    behind = [r["behind_s"] for r in listening]
    print(f"looped lab: {args.routine}, {args.minutes:g} min, speaker {args.echo_db:+g} dB against the voice, "
          f"{args.hog} processes spinning (trace and recordings in {args.work})")
    print(f"  obeyed over the narration: {share([r for r in rows if r['over']])}; in its pauses: "
          f"{share([r for r in rows if not r['over']])}")
    if latencies:
        print(f"  latency from the end of the word: p50 {np.percentile(latencies, 50) * 1000:.0f} ms, "
              f"p95 {np.percentile(latencies, 95) * 1000:.0f} ms")
    for label, values in (("behind the microphone (from capture)", behind),
                          ("behind the device (from hand-over)", [r["waited_s"] for r in listening])):
        if values:
            print(f"  listener {label}: p50 {np.percentile(values, 50) * 1000:.0f} ms, "
                  f"p95 {np.percentile(values, 95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
                  f"({len(values)} samples)")
    print(f"  commands nobody said: {len(stray)} {[(r['heard'], round(r['at'] - said[0][2], 1)) for r in stray]}")
    if outputs:
        print(f"  output underruns: {outputs[-1].get('underruns')}")
    for row in rows:
        if not row["right"]:
            print(f"  missed {row['word']} ({row['file']}) at {row['end']:.1f} s (speaker {row['speaker_db']} dBFS): "
                  f"decided {row['heard']}, words {row['words']}")
    problems = [line for line in output.splitlines() if "voice control" in line or "audio output" in line]
    for line in problems[:5]:
        print(f"  player said: {line.strip()}")


def _onset(mic, samples: np.ndarray, started: float) -> float:
    """Monotonic time the clip began in the microphone's recording: where it correlates best with
    the clip within a second of paplay starting."""
    first = int(mic.seconds_at(started) * RATE)
    piece = mic.samples[first:first + RATE + len(samples)]
    if len(piece) < len(samples):
        return started
    size = 1 << int(np.ceil(np.log2(len(piece) + len(samples))))
    correlation = np.fft.irfft(np.fft.rfft(piece, size) * np.conj(np.fft.rfft(samples, size)), size)
    return mic.time_of(first + int(np.argmax(np.abs(correlation[:len(piece) - len(samples) + 1]))))


if __name__ == "__main__":
    main()
