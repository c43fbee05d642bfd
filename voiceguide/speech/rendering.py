"""Rendering a whole session to a WAV file: the same session and narration, in virtual time.

The sound is mixed and written as the session goes: a clip is placed at or after the session's
present, so everything before the present is final and goes to the file. An hour of session
needs the memory of its longest clip, not of the hour.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from voiceguide.audio.clips import wav_writer
from voiceguide.engine.clock import VirtualClock
from voiceguide.engine.commands import Vocabulary
from voiceguide.engine.program import Program
from voiceguide.engine.runner import ScriptedInbox, run
from voiceguide.engine.session import Session
from voiceguide.speech.narrator import AudioNarration, Narrator, SpokenLog

TAIL_SECONDS = 0.5


class StreamingMix:
    """Sums clips placed at sample positions and hands on each stretch once nothing more can land in it."""

    def __init__(self, write: Callable[[np.ndarray], None]):
        self.write = write
        self.written = 0
        """Samples handed on: everything before this position is final."""
        self._pending = np.zeros(0, np.float32)
        """The mix from `written` on."""

    def add(self, start: int, samples: np.ndarray) -> None:
        offset = start - self.written
        if offset < 0:  # a clip reaching back before what is final: keep the part still open
            samples, offset = samples[-offset:], 0
        end = offset + len(samples)
        if end > len(self._pending):
            self._pending = np.concatenate([self._pending, np.zeros(end - len(self._pending), np.float32)])
        self._pending[offset:end] += samples

    def flush_to(self, position: int) -> None:
        """Hand on everything before `position` (silence where nothing was placed)."""
        count = position - self.written
        if count <= 0:
            return
        if count > len(self._pending):
            self._pending = np.concatenate([self._pending, np.zeros(count - len(self._pending), np.float32)])
        self.write(np.clip(self._pending[:count], -1, 1))
        self._pending = self._pending[count:].copy()
        self.written = position

    def end(self) -> int:
        """The position just after the last sound placed."""
        return self.written + len(self._pending)


def render_to_wav(program: Program, vocabulary: Vocabulary, narrator: Narrator, path: Path, *,
                  volume: float, tones: bool, spoken: SpokenLog | None = None,
                  progress: Callable[[float], None] | None = None) -> float:
    """Play `program` start to finish into `path`; returns its length in seconds. `spoken` is told
    what is said when (seconds from the start of the file); `progress` how far the session has got
    (seconds)."""
    rate = narrator.stream_rate
    clock = VirtualClock()
    with wav_writer(path, rate) as write:
        mix = StreamingMix(write)
        sink = AudioNarration(narrator, lambda samples, at: mix.add(int(round(at * rate)), samples), lambda: None,
                              volume=volume, tones=tones, spoken=spoken)
        session = Session(program, vocabulary, narrator.duration, sink)

        def on_tick(now: float) -> None:
            mix.flush_to(int(now * rate))
            if progress is not None:
                progress(now)

        run(session, clock, ScriptedInbox(clock, []), on_tick=on_tick)
        end = mix.end() + int(TAIL_SECONDS * rate)
        mix.flush_to(end)
    return end / rate
