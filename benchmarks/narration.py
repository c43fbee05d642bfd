"""Narration benchmark: first audio, beat accuracy, and pause-to-silence latency, through real devices.

    .venv/bin/python benchmarks/narration.py [--runs 5] [--pauses 30] [--hog N] [--latency low 0.08 ...] [--parts start beat pause recover]

Starts its own PulseAudio server with null sinks (tests/audiolab.py), runs `voiceguide play` as a
user would, records the speaker's monitor through sounddevice, and lines the recording up with
the player's `--trace` (both on the monotonic clock). Prints medians and p95s, and the output's
underruns (each one a gap in the sound) and reopenings as the player itself counted them.
`--hog N` keeps N processes spinning on the CPU throughout: a user's laptop is busy. `recover`
kills the sound server mid-session, starts it again, and times the sound coming back. `--latency`
runs the counting and pausing parts once per output latency asked of the device (the player's
default otherwise), interleaved, and prints them side by side.

First audio is the first sound at the speaker (the start tone, sounded as the output opens);
first words the first sound longer than any tone (the routine's title).

Targets: first audio under 0.5 s with a warm cache (issue 14); beat error p95 <= 20 ms; pause to
silence p95 <= 50 ms (issue 3).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from audiolab import CpuHogs, PulseLab, Recorder, beats, envelope_db, pulse_missing, silence_after, sounds  # noqa: E402
from voiceguide.audio.clips import attack_time, resample  # noqa: E402
from voiceguide.speech.narrator import Narrator  # noqa: E402
from voiceguide.speech.synthesis import Synthesizer  # noqa: E402

SILENCE_DB = -50.0
RECOVERY_WAIT_SECONDS = 8.0
WORDS_SECONDS = 0.15
"""A sound longer than this is words: every tone is shorter (tones.py)."""
"""How long the speaker is listened to after the sound server comes back (a run that hears
nothing in that time counts as not recovered: nan)."""

COUNTING = """\
id: bench-counting
title: Counting benchmark.
steps:
""" + "".join(f"""  - id: set-{index}
    name: Set {index}
    instruction: Count along.
    reps: {{count: 40, tempo: {tempo}}}
    rest: 2
""" for index, tempo in enumerate((0.8, 1.0, 1.3), start=1))

TALKING = """\
id: bench-talking
title: Pause benchmark.
cautions:
  - This sentence is long on purpose, so that the narrator is always in the middle of speaking when the benchmark says pause, and it carries on for quite a few seconds before it ends.
steps:
  - id: hold
    name: Hold
    instruction: Hold still.
    timed: {duration: 5 minutes}
"""


def AudioOut_rate() -> int:  # noqa: N802 - the output rate the player used (the default device's)
    import sounddevice

    return int(sounddevice.query_devices(None, "output")["default_samplerate"])


def _locate(samples: np.ndarray, template: np.ndarray, around: int, window: int) -> int:
    """Index in `samples` where `template` starts, searched within +-window of `around`."""
    start = max(0, around - window)
    segment = samples[start: around + window + len(template)]
    size = 1 << int(np.ceil(np.log2(len(segment) + len(template))))
    correlation = np.fft.irfft(np.fft.rfft(segment, size) * np.conj(np.fft.rfft(template, size)), size)
    valid = correlation[: len(segment) - len(template) + 1]
    return start + int(np.argmax(valid))


def percentile(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def summary(name: str, values_ms: list[float], unit: str = "ms") -> str:
    return (f"{name:<44} n={len(values_ms):<4} p50 {percentile(values_ms, 50):7.1f} {unit}   "
            f"p95 {percentile(values_ms, 95):7.1f} {unit}   max {max(values_ms, default=float('nan')):7.1f} {unit}")


PLAYER_WITH_LATENCY = """\
import sys
import voiceguide.speech.output as output
latency = sys.argv.pop(1)
output.OUTPUT_LATENCY = latency if latency == "low" else float(latency)
from voiceguide.app.launch import main
sys.exit(main())
"""
"""Runs the player as `-m voiceguide` would, with the output latency its first argument names."""


class Bench:
    def __init__(self, lab: PulseLab, folder: Path, latency: str = ""):
        self.lab = lab
        self.folder = folder
        self.latency = latency

    def env(self, cache: Path, config: str | None = None) -> dict:
        home = Path(tempfile.mkdtemp(dir=self.folder))
        env = dict(self.lab.env, XDG_CACHE_HOME=str(cache), XDG_STATE_HOME=str(home / "state"),
                   XDG_CONFIG_HOME=str(home / "config"))
        if config:
            (home / "config" / "voiceguide").mkdir(parents=True)
            (home / "config" / "voiceguide" / "config.yaml").write_text(config)
        return env

    def routine(self, text: str) -> str:
        path = self.folder / f"{abs(hash(text))}.yaml"
        path.write_text(text)
        return str(path)

    def player(self, routine: str, env: dict, *args: str) -> subprocess.Popen:
        start = ["-c", PLAYER_WITH_LATENCY, self.latency] if self.latency else ["-m", "voiceguide"]
        return subprocess.Popen([sys.executable, *start, "play", routine, "--restart", *args],
                                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)

    def first_audio(self, cache: Path, runs: int) -> list[tuple[float, float]]:
        """Seconds from starting `voiceguide play` to the first sound at the speaker (the start
        tone), and to the first words (the first sound longer than any tone)."""
        found = []
        for _ in range(runs):
            with Recorder(f"{self.lab.SPEAKER}.monitor") as recorder:
                started = time.monotonic()
                process = self.player("lower-back", self.env(cache))
                time.sleep(3.5)
                process.send_signal(signal.SIGINT)
                process.communicate(timeout=30)
            recording = recorder.recording()
            loud = np.flatnonzero(envelope_db(recording.samples, recording.rate, 0.001) > SILENCE_DB)
            first = recording.time_of(int(loud[0] * 0.001 * recording.rate)) if len(loud) else float("nan")
            words = [start for start, end in sounds(recording.samples, recording.rate, SILENCE_DB, min_gap=0.03)
                     if end - start > WORDS_SECONDS * recording.rate]
            said = recording.time_of(words[0]) if words else float("nan")
            found.append((first - started, said - started))
        return found

    def recovery(self, runs: int) -> list[float]:
        """Seconds from the sound server being started again (killed mid-session a second before,
        as when it crashes or is restarted) to the player's sound at the new server's speaker."""
        found = []
        for _ in range(runs):
            process = self.player("lower-back", self.env(Path(tempfile.mkdtemp(dir=self.folder))))
            time.sleep(5.0)  # well into the opening: the narrator is speaking
            self.lab.kill()
            time.sleep(1.0)
            back = time.monotonic()  # from the restart's beginning: the player may reconnect before it returns
            self.lab.start()
            speaker = subprocess.Popen(["parec", f"--device={self.lab.SPEAKER}.monitor", "--format=s16le",
                                        "--channels=1", "--rate=48000", "--raw"], env=self.lab.env,
                                       stdout=subprocess.PIPE)
            listening = time.monotonic()
            time.sleep(RECOVERY_WAIT_SECONDS)
            speaker.terminate()
            heard = np.frombuffer(speaker.communicate()[0], dtype="<i2") / 32768.0
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=30)
            loud = np.flatnonzero(envelope_db(heard, 48000, 0.001) > SILENCE_DB)
            found.append(listening - back + loud[0] * 0.001 if len(loud) else float("nan"))
            # (the speaker is listened to only once the server is up: sound already back by then
            # counts from when listening began, so this is an upper bound)
        return found

    def beat_errors(self) -> dict:
        """Each spoken count against its scheduled beat (ms), measured two ways.

        placement: where the known clip of that number sits in the recording (cross-correlation),
        plus its attack: exactly what the scheduler did. attack: the beat as a detector hears it
        (clips.attack_time on each sound), which also carries the detector's own uncertainty.
        """
        trace = self.folder / f"counting{self.latency}.jsonl"
        cache = self.folder / "cache"
        with Recorder(f"{self.lab.SPEAKER}.monitor") as recorder:
            process = self.player(self.routine(COUNTING), self.env(cache), "--rate", "180",
                                  "--verbosity", "brief", "--trace", str(trace))
            _, errors = process.communicate(timeout=600)
        if process.returncode != 0 or not trace.exists():
            raise SystemExit(f"the player failed:\n{errors}")
        recording = recorder.recording()
        counts = [r for r in map(json.loads, trace.read_text().splitlines()) if r.get("cue") == "count" and r["voiced"]]
        narrator = Narrator(Synthesizer(), cache / "voiceguide" / "clips", voice="", rate=180,
                            stream_rate=AudioOut_rate())
        heard = np.array([recording.time_of(int(t * recording.rate)) for t in beats(recording.samples, recording.rate)])
        placement, attack = [], []
        for count in counts:
            clip = narrator.clip(str(count["number"]))
            lead = attack_time(clip)
            template = resample(clip, recording.rate).samples
            expected = recording.seconds_at(count["at"] - lead)
            found = _locate(recording.samples, template, int(expected * recording.rate), int(0.1 * recording.rate))
            placement.append((recording.time_of(found) + lead - count["at"]) * 1000)
            nearest = heard[np.argmin(np.abs(heard - count["at"]))]
            if abs(nearest - count["at"]) < 0.15:
                attack.append((nearest - count["at"]) * 1000)
        narrator.synthesizer.close()
        return {"placement": placement, "attack": attack, "scheduled": len(counts), "output": _output(trace)}

    def pause_latency(self, trials: int) -> tuple[list[float], list[float], int, dict]:
        """Seconds from sending "pause" (and from the player handling it) to silence at the speaker."""
        trace = self.folder / f"talking{self.latency}.jsonl"
        env = self.env(self.folder / "cache", config="audio:\n  tones: false\n")
        sent = []
        with Recorder(f"{self.lab.SPEAKER}.monitor") as recorder:
            process = self.player(self.routine(TALKING), env, "--trace", str(trace))
            while not trace.exists() or "caution" not in trace.read_text():
                time.sleep(0.05)
            for _ in range(trials):
                time.sleep(random.uniform(0.8, 2.5))
                sent.append(time.monotonic())
                process.stdin.write("pause\n")
                process.stdin.flush()
                time.sleep(0.8)
                process.stdin.write("resume\n")
                process.stdin.flush()
            process.stdin.write("stop\nstop\n")
            process.stdin.flush()
            process.communicate(timeout=60)
        recording = recorder.recording()
        records = [json.loads(line) for line in trace.read_text().splitlines()]
        handled = [r["at"] for r in records if r.get("command") == "pause"]
        feedback = [(r["at"], r["text"]) for r in records if r.get("cue") == "say" and r["text"].startswith("Paused.")]
        narrator = Narrator(Synthesizer(), self.folder / "cache" / "voiceguide" / "clips", voice="", rate=160,
                            stream_rate=AudioOut_rate())
        total, audio, skipped = [], [], 0
        for sent_at, handled_at in zip(sent, handled, strict=True):
            offset = recording.seconds_at(sent_at)
            before = recording.samples[int((offset - 0.1) * recording.rate):int(offset * recording.rate)]
            if np.max(envelope_db(before, recording.rate, 0.005)) < -40:
                skipped += 1  # a natural gap in the speech: nothing to silence
                continue
            # the narration stops where the sound goes silent or where "Paused." starts, whichever
            # is first: the feedback may follow the cut with no gap at all
            said_at, text = next((at, text) for at, text in feedback if at >= handled_at)
            template = resample(narrator.clip(text), recording.rate).samples
            spoken = _locate(recording.samples, template, int(recording.seconds_at(said_at) * recording.rate),
                             int(0.4 * recording.rate)) / recording.rate
            silent = silence_after(recording.samples, recording.rate, offset, threshold_db=SILENCE_DB, hold=0.03)
            stopped = min(spoken, silent if silent is not None else spoken)
            total.append((stopped - offset) * 1000)
            audio.append((stopped - recording.seconds_at(handled_at)) * 1000)
        narrator.synthesizer.close()
        return total, audio, skipped, _output(trace)


def _output(trace: Path) -> dict:
    """The player's last report on its output: underruns and reopenings so far."""
    reports = [r["output"] for r in map(json.loads, trace.read_text().splitlines()) if "output" in r]
    return reports[-1] if reports else {"underruns": 0, "reopened": 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups measured, cold and warm each")
    parser.add_argument("--pauses", type=int, default=30, help="pauses measured")
    parser.add_argument("--hog", type=int, default=0, metavar="N", help="processes spinning on the CPU throughout")
    parser.add_argument("--parts", nargs="+", choices=["start", "beat", "pause", "recover"],
                        default=["start", "beat", "pause", "recover"],
                        help="which measurements to run (all by default)")
    parser.add_argument("--latency", nargs="+", default=[""], metavar="SECONDS",
                        help='output latencies to compare ("low" or seconds); the player\'s own by default')
    args = parser.parse_args()
    if pulse_missing():
        print(f"cannot run: {pulse_missing()}")
        return 2
    lab = PulseLab().start()
    lab.apply()
    try:
        with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as folder, CpuHogs(args.hog):
            bench = Bench(lab, Path(folder))
            cold, warm = [], []
            if "start" in args.parts:
                cold = [bench.first_audio(Path(tempfile.mkdtemp(dir=folder)), 1)[0] for _ in range(args.runs)]
                cold, cold_words = [c[0] for c in cold], [c[1] for c in cold]
                warm_cache = Path(tempfile.mkdtemp(dir=folder))
                bench.first_audio(warm_cache, 1)
                warm, warm_words = zip(*bench.first_audio(warm_cache, args.runs), strict=True)
            settings = [Bench(lab, Path(folder), latency) for latency in args.latency]
            beat = {s.latency: s.beat_errors() for s in settings if "beat" in args.parts}
            pausing = {s.latency: s.pause_latency(args.pauses) for s in settings if "pause" in args.parts}
            recovered = bench.recovery(args.runs) if "recover" in args.parts else []
    finally:
        lab.stop()
    print(f"voiceguide narration benchmark (PulseAudio null sink, recorded at its monitor; {args.hog} CPU hogs)")
    if cold:
        print(summary("first audio after `play`, cold cache", [s * 1000 for s in cold]))
        print(summary("first audio after `play`, warm cache", [s * 1000 for s in warm]))
        print(summary("first words after `play`, cold cache", [s * 1000 for s in cold_words]))
        print(summary("first words after `play`, warm cache", [s * 1000 for s in warm_words]))
        print(f"{'':<44} (includes the configured lead-in)")
    if recovered:
        print(summary("sound back after the server restarted", [s * 1000 for s in recovered]))
        print(f"{'':<44} ({sum(np.isnan(recovered))} of {len(recovered)} runs heard nothing in "
              f"{RECOVERY_WAIT_SECONDS:g} s)")
    for latency in args.latency:
        print(f"output latency asked: {latency or 'the player default'}")
        if latency in beat:
            placement, attack = beat[latency]["placement"], beat[latency]["attack"]
            print(summary(f"  beat error, clip placement ({len(placement)} counts)", [abs(e) for e in placement]))
            print(f"{'':<44} (signed mean {np.mean(placement):+.1f} ms: where the device really plays vs. where "
                  "PortAudio says it will)")
            print(summary("  beat error, as an onset detector hears it", [abs(e) for e in attack]))
            print(f"{'  output gaps (underruns), counting run':<44} {beat[latency]['output']['underruns']}   "
                  f"reopened {beat[latency]['output']['reopened']}")
        if latency in pausing:
            total, audio, skipped, paused_output = pausing[latency]
            print(summary("  pause to silence, from the command sent", total))
            print(summary("  pause to silence, from the command handled", audio))
            if skipped:
                print(f"{'':<44} ({skipped} pauses fell in a gap between words and were not counted)")
            print(f"{'  output gaps (underruns), pausing run':<44} {paused_output['underruns']}   "
                  f"reopened {paused_output['reopened']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
