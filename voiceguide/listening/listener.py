"""From heard words to commands: the one place that decides when a phrase is a command.

Engines give partial results as the words come and a final result after their own end-of-speech
silence (vosk's is 0.8 s or more after the word). Waiting for that is slow; acting on partials is
rash: they lag the audio and change (a short word can stand for half a second as the first
syllable of a longer one). Only final results become commands; each utterance gives at most one.

`close_on_pause` measures the speaker's pauses here and asks the engine to close the utterance
once the speaker has been quiet for QUIET_SECONDS, instead of waiting for its endpoint. `play`
and `listen` use it: in benchmarks/listening.py it decides in about a fifth of the time of the
engine's own final result on clean speech, at much the same accuracy. A pause counts when
either the microphone's own signal or what the engine hears (after the noise suppressor) shows
one: the first sees it 20 ms sooner in a quiet room, the second sees it at all in steady noise,
where the raw signal never seems to pause and decisions waited a second for the engine's endpoint.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.audio.clips import Clip, from_pcm16, pcm16, resample, wav_blocks
from voiceguide.engine.commands import Vocabulary, normalise
from voiceguide.listening.denoise import DELAY, NoiseSuppressor
from voiceguide.listening.recognition import CHUNK_SECONDS, SAMPLE_RATE, Engine, Heard

QUIET_SECONDS = 0.15
"""How long the speaker must pause before the listener closes the utterance."""
QUIET_BELOW_PEAK_DB = 20.0
QUIET_FLOOR_DB = -55.0
PEAK_DECAY_DB = 0.5
"""Per chunk: how fast the remembered speech peak fades, so a loud word does not mute the next."""


@dataclass(frozen=True)
class Decision:
    meaning: Hashable
    """What the vocabulary says the phrase means: a Command, for the player's vocabulary."""
    phrase: str
    detected: float
    """Stream time (s) at which the decision was made."""
    rest: str = ""
    """Words heard after the phrase in the same utterance (see PhraseDecider's `leading`)."""
    before: str = ""
    """Words heard before the phrase in the same utterance (see PhraseDecider's `leading`)."""


class PhraseDecider:
    """Turns an engine's final results into commands, or the vocabulary's other meanings (with the
    wake word, if one is set)."""

    def __init__(self, vocabulary: Vocabulary, *, wake_word: str = "", leading: bool = False):
        """`leading`: an utterance that holds a phrase among other words is decided as the phrase,
        with the words after it as its `rest` and those before it as `before`, for the caller to
        judge (only the narrator's words may stand around a command): over the narration, a user's
        "no" can run on into what the echo canceller left of it ("no 20", "no anything else to"),
        or follow it ("20 no"), when the two overlap. The earliest phrase is taken, the longest
        where phrases start at the same word."""
        self.vocabulary = vocabulary
        self.wake_word = normalise(wake_word)
        self.leading = leading

    def feed(self, heard: Heard) -> Decision | None:
        if not heard.final:
            return None
        phrase = normalise(heard.text)
        if self.wake_word:
            if not phrase.startswith(self.wake_word + " "):
                return None
            phrase = phrase[len(self.wake_word) + 1:]
        meaning = self.vocabulary.match(phrase)
        if meaning is not None:
            return Decision(meaning, phrase, heard.at)
        words = phrase.split()
        for start in range(len(words)) if self.leading else ():
            for end in range(len(words), start, -1):
                meaning = self.vocabulary.match(" ".join(words[start:end]))
                if meaning is not None and (start, end) != (0, len(words)):
                    return Decision(meaning, " ".join(words[start:end]), heard.at, " ".join(words[end:]),
                                    " ".join(words[:start]))
        return None


def chunks_of(clip: Clip, seconds: float = CHUNK_SECONDS) -> Iterator[tuple[bytes, float]]:
    """16 kHz 16-bit PCM chunks of a clip, each with the stream time at its end."""
    samples = resample(clip, SAMPLE_RATE).samples if clip.rate != SAMPLE_RATE else clip.samples
    pcm = pcm16(samples)
    size = int(seconds * SAMPLE_RATE)
    for start in range(0, len(pcm), size):
        piece = pcm[start:start + size]
        yield piece.tobytes(), (start + len(piece)) / SAMPLE_RATE


STREAM_BLOCK_SECONDS = 10.0
"""How much of a WAV file `listen --wav` reads and resamples at a time."""
RESAMPLE_MARGIN_SECONDS = 0.05
"""Sound on each side of a block resampled with it, so block edges leave no seam."""


def wav_file_chunks(path: Path, seconds: float = CHUNK_SECONDS) -> Iterator[tuple[bytes, float]]:
    """As chunks_of, for a WAV file read block by block: an hour of sound needs the memory of
    seconds. Each block is resampled with a margin of its neighbours' sound that is then cut
    off, so the result matches resampling the whole file."""
    rate, blocks = wav_blocks(path, STREAM_BLOCK_SECONDS)
    unit = rate // math.gcd(rate, SAMPLE_RATE)  # source samples that make a whole number of 16 kHz ones
    margin = unit * math.ceil(RESAMPLE_MARGIN_SECONDS * rate / unit)
    step = unit * max(1, int(STREAM_BLOCK_SECONDS * rate) // unit)
    out_margin = margin * SAMPLE_RATE // rate
    pending = np.zeros(margin, np.float32)  # silence before the start, as the margin of the first block
    size, done = int(seconds * SAMPLE_RATE), 0
    leftover = np.zeros(0, "<i2")
    source = iter(blocks)
    ended = False
    while not ended or len(pending) > 2 * margin:
        while not ended and len(pending) < step + 2 * margin:
            block = next(source, None)
            if block is None:
                ended = True
                pending = np.concatenate([pending, np.zeros(margin, np.float32)])
            else:
                pending = np.concatenate([pending, block])
        window = pending[:step + 2 * margin]
        taken = min(step, len(window) - 2 * margin)
        if rate == SAMPLE_RATE:
            converted = window[margin:margin + taken]
        else:
            converted = resample(Clip(window, rate), SAMPLE_RATE).samples[
                out_margin:out_margin + int(round(taken * SAMPLE_RATE / rate))]
        pending = pending[taken:]
        pcm = np.concatenate([leftover, pcm16(converted)])
        whole = len(pcm) - len(pcm) % size if (not ended or len(pending) > 2 * margin) else len(pcm)
        for start in range(0, whole, size):
            done += len(pcm[start:start + size])
            yield pcm[start:start + size].tobytes(), done / SAMPLE_RATE
        leftover = pcm[whole:]


class QuietMeter:
    """How long the speaker has been silent, relative to how loud they just were."""

    def __init__(self):
        self.peak = QUIET_FLOOR_DB
        self.quiet_for = 0.0
        self.level = -120.0
        """dBFS of the last chunk."""

    def update(self, samples: np.ndarray, floor_db: float = -120.0) -> float:
        """`samples` (float) just heard; returns how long the speaker has been quiet. Anything no
        louder than `floor_db` (dBFS; the narration's likely leftovers) counts as quiet too."""
        level = 10 * np.log10(max(float(np.mean(samples * samples)), 1e-12)) if len(samples) else -120.0
        self.level = level
        self.peak = max(level, self.peak - PEAK_DECAY_DB, QUIET_FLOOR_DB)
        if level < max(self.peak - QUIET_BELOW_PEAK_DB, QUIET_FLOOR_DB, floor_db):
            self.quiet_for += len(samples) / SAMPLE_RATE
        else:
            self.quiet_for = 0.0
        return self.quiet_for


@dataclass(frozen=True)
class Detection:
    meaning: Hashable
    phrase: str
    audio_end: float | None
    """Where in the audio the phrase ended (from the engine's word times), if known."""
    detected: float
    rest: str = ""
    """Words heard after the phrase in the same utterance (PhraseDecider's `leading`)."""
    before: str = ""
    """Words heard before it (PhraseDecider's `leading`)."""


def detections(engine: Engine, decider: PhraseDecider, audio: Iterable[tuple[bytes, float]], *,
               close_on_pause: bool = False, on_heard: Callable[[list[Heard], float], None] | None = None,
               leftover_db: Callable[[], float] | None = None) -> Iterator[Detection]:
    """Commands as they are decided, from a stream of chunks (a file or the microphone alike).

    The engine hears the chunks with the room's steady noise taken out (denoise.py), DELAY late,
    and the same chunks as they were, equally late (an engine may understand those better).
    `on_heard` sees every engine result with the microphone's level (for a live display).
    `leftover_db` gives the level of the narration the echo canceller likely left in the chunk
    just taken: no louder than that, the speaker has paused. (Without it, a user's "no" said over
    the narration ran on into its leftovers, "no anything no", and was not a command.)
    """
    meter, cleaned_meter = QuietMeter(), QuietMeter()
    suppressor = NoiseSuppressor()
    holding = False  # the engine has words in an open utterance
    closed = False  # ... and was asked to close it in this pause already
    at = 0.0
    as_is = np.zeros(DELAY)  # the chunk as it was, DELAY late like the cleaned one
    for pcm, at in audio:
        samples = from_pcm16(pcm)
        cleaned = suppressor.process(samples)
        as_is = np.concatenate([as_is[len(as_is) - DELAY:], samples])
        floor = leftover_db() if leftover_db is not None else -120.0
        quiet_for = max(meter.update(samples, floor), cleaned_meter.update(cleaned, floor))
        closed = closed and quiet_for > 0
        heard = engine.accept(pcm16(cleaned).tobytes(), at, heard_as_is=pcm16(as_is[:len(samples)]).tobytes())
        holding = any(not item.final for item in heard) or (holding and not heard)
        if close_on_pause and holding and not closed and quiet_for >= QUIET_SECONDS:
            heard += engine.finish(at)
            holding, closed = False, True
        if on_heard:
            on_heard(heard, meter.level)
        yield from _decide(heard, decider)
    yield from _decide(engine.finish(at), decider)


def listen(engine: Engine, decider: PhraseDecider, audio: Iterable[tuple[bytes, float]], *,
           close_on_pause: bool = False) -> list[Detection]:
    """Run the pipeline over a whole stream as fast as it goes."""
    return list(detections(engine, decider, audio, close_on_pause=close_on_pause))


def _decide(heard: list[Heard], decider: PhraseDecider) -> list[Detection]:
    decisions = []
    for item in heard:
        decision = decider.feed(item)
        if decision is not None:
            end = item.end - DELAY / SAMPLE_RATE if item.end is not None else None  # the engine hears late
            decisions.append(Detection(decision.meaning, decision.phrase, end, decision.detected, decision.rest,
                                       decision.before))
    return decisions
