"""Rendering a whole session to a WAV file: the same session and narration, in virtual time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiceguide.clips import Clip, write_wav
from voiceguide.clock import VirtualClock
from voiceguide.commands import Vocabulary
from voiceguide.narrator import AudioNarration, Narrator, SpokenLog
from voiceguide.runner import ScriptedInbox, run
from voiceguide.session import Session
from voiceguide.timeline import Program

TAIL_SECONDS = 0.5


def render_to_wav(program: Program, vocabulary: Vocabulary, narrator: Narrator, path: Path, *,
                  volume: float, tones: bool, spoken: SpokenLog | None = None) -> float:
    """Play `program` start to finish into `path`; returns its length in seconds. `spoken` is told
    what is said when (seconds from the start of the file)."""
    placed: list[tuple[float, np.ndarray]] = []
    sink = AudioNarration(narrator, lambda samples, at: placed.append((at, samples)), lambda: None,
                          volume=volume, tones=tones, spoken=spoken)
    clock = VirtualClock()
    session = Session(program, vocabulary, narrator.duration, sink)
    run(session, clock, ScriptedInbox(clock, []))
    rate = narrator.stream_rate
    end = max((at + len(samples) / rate for at, samples in placed), default=0.0) + TAIL_SECONDS
    mix = np.zeros(int(end * rate) + 1, np.float32)
    for at, samples in placed:
        start = int(round(at * rate))
        mix[start:start + len(samples)] += samples
    write_wav(path, Clip(np.clip(mix, -1, 1), rate), make_folder=False)
    return end
