"""Pain ratings by voice: how often the built-in engine understands a real person's rating.

Real people saying the digits zero to nine (shared/speech: Speech Commands v1 and v2, and the
Free Spoken Digit Dataset, which was recorded at 8 kHz), each decoded as the answer to "how is
your pain?", the way the player does it (the answer vocabulary, the engine's own end of
speech). An engine that has already heard earlier answers, and a fresh one, as for the first
answer of a session, for each English engine side by side (Whisper, the default, and
pocketsphinx, the fallback). Also how many answers come from things that are not ratings: the other
single words in shared/speech, and its minutes of people talking. Each answer comes with a quiet
room's hiss under it and around it, as from a real microphone (listening.py's).

    python benchmarks/ratings.py
"""

from __future__ import annotations

import collections
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import shared_folder  # noqa: E402
from listening import with_hiss  # noqa: E402
from voiceguide.audio.clips import Clip, read_wav, resample  # noqa: E402
from voiceguide.userdata.config import default_config  # noqa: E402
from voiceguide.listening.listener import PhraseDecider, chunks_of, detections  # noqa: E402
from voiceguide.app.pain import rating_vocabulary  # noqa: E402
from voiceguide.listening.recognizers import ListeningSettings, make_engine  # noqa: E402

SPEECH = shared_folder() / "speech"
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
NOT_ANSWERS = {"stop", "no", "go"}  # command words a user may well say to the question


def main() -> None:
    for name in ("whisper", "pocketsphinx"):
        print(f"== {name}")
        measure(name)


def measure(name: str) -> None:
    config = default_config().with_overrides(**{"recognizer.engine": name})
    vocabulary = rating_vocabulary(config.ratings["en"], config.vocabulary())

    def engine():
        return make_engine(ListeningSettings.of(config), vocabulary=vocabulary, answers=True)

    def answers(samples: np.ndarray, decoder) -> list:
        padded = with_hiss(np.concatenate([np.zeros(8000), samples, np.zeros(16000)]), seed=len(samples))
        return [found.meaning for found in detections(decoder, PhraseDecider(vocabulary),
                                                      chunks_of(Clip(padded.astype(np.float32), 16000)))]

    with open(SPEECH / "manifest.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if not row["file"].startswith("_")]
    warm = engine()
    right: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    others = other_answers = 0
    for row in rows:
        samples = resample(read_wav(SPEECH / row["file"]), 16000).samples
        if row["word"] in DIGITS:
            source = row["source"].split("-")[0]
            expected = [DIGITS.index(row["word"])]
            total[source] += 1
            right[(source, "warm")] += answers(samples, warm) == expected
            right[(source, "fresh")] += answers(samples, engine()) == expected
        elif row["word"] not in NOT_ANSWERS:
            others += 1
            other_answers += bool(answers(samples, warm))
    print("real digits understood as the rating said, on one try:")
    for source in sorted(total):
        print(f"  {source:5s} {total[source]:3d} clips: {right[(source, 'warm')] / total[source]:5.1%} "
              f"(a fresh engine: {right[(source, 'fresh')] / total[source]:5.1%})")
    everything = sum(total.values())
    print(f"  all   {everything:3d} clips: {sum(right[(s, 'warm')] for s in total) / everything:5.1%} "
          f"(a fresh engine: {sum(right[(s, 'fresh')] for s in total) / everything:5.1%})")
    print(f"other single words taken for an answer: {other_answers} of {others} ({other_answers / others:.1%})")
    minutes = heard = 0.0
    for path in sorted((SPEECH / "_background_speech").glob("*.wav")):
        clip = resample(read_wav(path), 16000)
        minutes += clip.duration / 60
        heard += len(answers(clip.samples, warm))
    print(f"people talking: {int(heard)} answers in {minutes:.1f} minutes")


if __name__ == "__main__":
    main()
