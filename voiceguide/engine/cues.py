"""What the session engine asks its outputs to do: small typed values, each with a due time.

The text view prints them, the audio narrator (later) plays them at exact sample times; the
engine neither knows nor cares which.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


ACCEPT_GAP = 0.12
"""Seconds between the accept tone and what is said after it, so the two never overlap."""


class Role(str, enum.Enum):
    """Why a sentence is spoken; outputs may style or filter by it."""

    TITLE = "title"
    CAUTION = "caution"
    STEP = "step"
    INSTRUCTION = "instruction"
    PHASE = "phase"
    COUNT_IN = "count-in"
    TIP = "tip"
    ANNOUNCE = "announce"
    FEEDBACK = "feedback"


class ToneKind(str, enum.Enum):
    ACCEPT = "accept"
    BEAT = "beat"
    PHASE = "phase"
    HOLD_DONE = "hold-done"
    FINISHED = "finished"


@dataclass(frozen=True)
class Say:
    text: str
    role: Role


@dataclass(frozen=True)
class Count:
    """One repetition's beat: `number` of `target`; unvoiced beats are marked by a tone only."""

    number: int
    target: int
    voiced: bool

    @property
    def text(self) -> str:
        return str(self.number)


@dataclass(frozen=True)
class Tone:
    kind: ToneKind


@dataclass(frozen=True)
class Silence:
    """Stop whatever is playing or scheduled, now (pause, skip, interruption)."""


Cue = Say | Count | Tone | Silence
