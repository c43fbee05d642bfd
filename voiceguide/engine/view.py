"""What the session shows: its mode, what a command did, and a snapshot of everything a display
needs at one instant."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voiceguide.engine.program import PartKind


class Mode(str, enum.Enum):
    OFFER = "offer"
    """Asking whether to carry on from a saved place."""
    PLAYING = "playing"
    PAUSED = "paused"
    CONFIRM_STOP = "confirm-stop"
    FINISHED = "finished"


@dataclass(frozen=True)
class Outcome:
    """What a command did, for the screen and the logs."""

    accepted: bool
    note: str


@dataclass(frozen=True)
class View:
    """Everything a display shows, taken at one instant."""

    mode: Mode
    title: str
    part_kind: PartKind
    step_number: int
    step_count: int
    label: str
    phase: str | None
    count: int | None
    target: int | None
    seconds_left: float | None
    resting: bool
    upcoming: str | None
    tempo: float | None
    remaining: float
    stopped: bool = False
    """Ended before the routine's end (by stop), not finished."""
