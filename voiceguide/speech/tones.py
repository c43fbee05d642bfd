"""Short tones made in code: command accepted, beat, phase change, hold finished, routine finished."""

from __future__ import annotations

import numpy as np

from voiceguide.audio.clips import Clip
from voiceguide.engine.cues import ToneKind

# (frequency Hz, seconds) notes, and a level in dBFS for each kind
_NOTES: dict[ToneKind, tuple[list[tuple[float, float]], float]] = {
    ToneKind.ACCEPT: ([(1320.0, 0.07)], -14.0),
    ToneKind.BEAT: ([(1000.0, 0.03)], -20.0),
    ToneKind.PHASE: ([(660.0, 0.09), (880.0, 0.12)], -14.0),
    ToneKind.HOLD_DONE: ([(880.0, 0.12), (660.0, 0.16)], -12.0),
    ToneKind.FINISHED: ([(523.25, 0.14), (659.25, 0.14), (783.99, 0.3)], -12.0),
}
RAMP = 0.005
"""Seconds of raised-cosine fade at each end of a note, so tones never click."""


def tone(kind: ToneKind, rate: int) -> Clip:
    notes, level = _NOTES[kind]
    amplitude = 10 ** (level / 20)
    parts = []
    for frequency, seconds in notes:
        t = np.arange(int(seconds * rate)) / rate
        note = np.sin(2 * np.pi * frequency * t) * amplitude
        ramp = min(int(RAMP * rate), len(note) // 2)
        fade = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp))
        note[:ramp] *= fade
        note[len(note) - ramp:] *= fade[::-1]
        parts.append(note)
    return Clip(np.concatenate(parts).astype(np.float32), rate)


def start_tone(rate: int, volume: float) -> np.ndarray:
    """The tone `play` sounds the moment its output opens: voiceguide has started, before a word is
    ready (the accept tone, at the narration's volume)."""
    return tone(ToneKind.ACCEPT, rate).samples * np.float32(volume)
