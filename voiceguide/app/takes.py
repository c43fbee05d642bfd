"""What the recorder needs that is pure numpy: which sentences a routine says, when a take is over,
and making a take fit to play (trimmed, at a steady level).

Kept apart from the devices so tests can drive it with arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from voiceguide.audio.clips import Clip
from voiceguide.engine.cues import Role, Say
from voiceguide.engine.planner import Pace, narration
from voiceguide.engine.program import Program

FRAME_SECONDS = 0.02
END_SILENCE_SECONDS = 1.5
"""A take ends this long after the speaker falls quiet."""
WAIT_FOR_SPEECH_SECONDS = 8.0
"""Nobody speaking this long after the beep: the take is empty."""
NOISE_SECONDS = 0.3
"""The first part of a take (after the beep, before anyone speaks) measures the room's noise."""
SPEECH_ABOVE_NOISE_DB = 12.0
SPEECH_FLOOR_DB = -50.0
"""Frames quieter than this (dBFS) are never speech, however quiet the room..."""
SPEECH_CEILING_DB = -35.0
"""... and frames louder than this always are (a user who starts at the beep is no room noise)."""
TARGET_LEVEL_DB = -20.0
"""Loudness of the voiced part of a kept take (dBFS RMS): about what the synthesized narration has."""
PEAK_LIMIT_DB = -1.0
EDGE_SECONDS = 0.08
"""Kept before the first and after the last voiced frame, so soft consonants are not clipped."""


@dataclass(frozen=True)
class Utterance:
    text: str
    what: str
    """What it is, for the person recording ("caution 1", "Rub: instruction")."""
    step: str | None


def utterances(programs: Iterable[Program], pace: Pace, numbers: int = 0) -> list[Utterance]:
    """Every sentence the narrator says playing these programs (a routine as its user may hear it:
    in full and in brief, with the cautions in full or as a reminder), in the order it says them,
    and the counting numbers 1..`numbers` if asked. Feedback and "Ready, and" are left out: they
    answer the user, not the routine."""
    found: dict[str, Utterance] = {}
    for program in programs:
        for cue, place in narration(program, pace):
            if isinstance(cue, Say) and cue.role not in (Role.FEEDBACK, Role.COUNT_IN):
                part = program.parts[min(place.part, len(program.parts) - 1)]
                what = f"{part.label}: {cue.role.value}" if part.step is not None else cue.role.value
                found.setdefault(cue.text, Utterance(cue.text, what, part.step.id if part.step else None))
    for number in range(1, numbers + 1):
        found.setdefault(str(number), Utterance(str(number), f"count {number}", None))
    return list(found.values())


def _db(samples: np.ndarray) -> float:
    return 10 * np.log10(float(np.mean(samples.astype(np.float64) ** 2)) + 1e-12)


class TakeEnd:
    """Fed a take as it is recorded; says when it is over (1.5 s after the voice stops, or at
    the length limit) and whether anyone spoke at all. Speech is judged against the room's own
    noise, measured just after the beep (its quieter part, in case the user starts at once)."""

    def __init__(self, rate: int, max_seconds: float):
        self.rate = rate
        self.max_frames = int(max_seconds / FRAME_SECONDS)
        self._frame = int(FRAME_SECONDS * rate)
        self._pending = np.zeros(0, np.float32)
        self._frames = 0
        self._noise: list[float] = []
        self._threshold: float | None = None
        self._last_speech: int | None = None
        self.heard_speech = False

    def feed(self, samples: np.ndarray) -> bool:
        """True once the take is over."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        while len(self._pending) >= self._frame:
            frame, self._pending = self._pending[:self._frame], self._pending[self._frame:]
            self._frames += 1
            level = _db(frame)
            if self._threshold is None:
                self._noise.append(level)
                if self._frames * FRAME_SECONDS >= NOISE_SECONDS:
                    noise = float(np.percentile(self._noise, 20))
                    self._threshold = min(SPEECH_CEILING_DB, max(SPEECH_FLOOR_DB, noise + SPEECH_ABOVE_NOISE_DB))
                continue
            if level >= self._threshold:
                self._last_speech = self._frames
                self.heard_speech = True
            if self.over:
                return True
        return self.over

    @property
    def over(self) -> bool:
        if self._frames >= self.max_frames:
            return True
        if self._last_speech is None:
            return self._frames * FRAME_SECONDS >= WAIT_FOR_SPEECH_SECONDS
        return (self._frames - self._last_speech) * FRAME_SECONDS >= END_SILENCE_SECONDS


def polish(take: Clip) -> Clip | None:
    """The take trimmed to the voice (with a little air) at the narration's level; None if silent."""
    samples = take.samples.astype(np.float64)
    frame = int(FRAME_SECONDS * take.rate)
    count = len(samples) // frame
    if count == 0:
        return None
    levels = np.array([_db(samples[i * frame:(i + 1) * frame]) for i in range(count)])
    noise = float(np.percentile(levels, 10))
    voiced = np.flatnonzero(levels >= max(SPEECH_FLOOR_DB, noise + SPEECH_ABOVE_NOISE_DB))
    if len(voiced) == 0:
        return None
    edge = int(EDGE_SECONDS * take.rate)
    start, end = max(0, voiced[0] * frame - edge), min(len(samples), (voiced[-1] + 1) * frame + edge)
    kept = samples[start:end]
    voiced_samples = np.concatenate([samples[i * frame:(i + 1) * frame] for i in voiced])
    gain = 10 ** ((TARGET_LEVEL_DB - _db(voiced_samples)) / 20)
    peak = float(np.max(np.abs(kept))) * gain
    if peak > 10 ** (PEAK_LIMIT_DB / 20):
        gain *= 10 ** (PEAK_LIMIT_DB / 20) / peak
    fade = min(int(0.01 * take.rate), len(kept) // 2)
    ramp = np.linspace(0.0, 1.0, fade)
    kept = kept * gain
    kept[:fade] *= ramp
    kept[len(kept) - fade:] *= ramp[::-1]
    return Clip(kept.astype(np.float32), take.rate)
