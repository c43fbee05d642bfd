"""What a routine is: plain frozen dataclasses, with no I/O.

The loader (format/loader.py) builds these from YAML; the engine (engine/program.py) expands them into the program it plays.
Counts and durations keep the range the sources give ("30-50 times", "1-2 minutes"); the
player picks from a range by intensity only when it plays.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

MAX_COUNT = 1000
TEMPO_RANGE = (0.3, 10.0)
"""Seconds per repetition: faster than 0.3 s cannot be counted aloud, slower than 10 s is a hold."""
MAX_DURATION = 3600.0
MAX_REST = 600.0
MAX_PHASES = 10


class Intensity(str, enum.Enum):
    """How much of a range to do: the low end, the middle, or the top."""

    GENTLE = "gentle"
    STANDARD = "standard"
    FULL = "full"


@dataclass(frozen=True)
class Span:
    """A count or a duration as the source gives it: exact (low == high) or a range."""

    low: float
    high: float

    @property
    def is_range(self) -> bool:
        return self.high > self.low

    def pick(self, intensity: Intensity) -> float:
        """The target for an intensity: gentle takes the low end, full the top, standard the middle."""
        if intensity is Intensity.GENTLE:
            return self.low
        if intensity is Intensity.FULL:
            return self.high
        return (self.low + self.high) / 2

    def describe(self, unit: str = "") -> str:
        unit_text = f" {unit}" if unit else ""
        if self.is_range:
            return f"{self.low:g} to {self.high:g}{unit_text}"
        return f"{self.low:g}{unit_text}"


@dataclass(frozen=True)
class Phase:
    """One part of a counted set: a direction or a side (`clockwise`, `left side`)."""

    name: str
    announce: str | None = None
    """What is said as the phase starts; None: the language's own ("Clockwise first.", "Now X.")."""
    count: Span | None = None
    """Overrides the step's count for this phase."""


@dataclass(frozen=True)
class Tip:
    """A short remark spoken mid-step: at a repetition (counted work) or a second (timed work)."""

    at: float
    text: str


@dataclass(frozen=True)
class Reps:
    """Counted work: `count` repetitions, `tempo` seconds each, in one or more phases."""

    count: Span
    tempo: float | None
    """Seconds per repetition; None takes the configured default."""
    phases: tuple[Phase, ...] = ()

    def phase_count(self, phase: Phase | None) -> Span:
        return phase.count if phase is not None and phase.count is not None else self.count


@dataclass(frozen=True)
class Timed:
    """A hold or continuous work for a duration in seconds, optionally 'until' a felt sign."""

    duration: Span
    until: str | None = None


Work = Reps | Timed


@dataclass(frozen=True)
class Step:
    """One technique."""

    id: str
    name: str
    position: str | None
    instruction: str
    work: Work
    brief: str | None = None
    """A one-line reminder used once the instruction is familiar."""
    tips: tuple[Tip, ...] = ()
    rest: float | None = None
    """Seconds of rest after the step; None takes the configured default."""
    intensity: Intensity | None = None
    line: int | None = None


@dataclass(frozen=True)
class Routine:
    id: str
    title: str
    description: str
    audience: str
    """'self' (narrated to the person being massaged) or 'partner' (to the person giving it)."""
    cautions: tuple[str, ...]
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    """Advice shown by `voiceguide show`, not spoken (rest, posture, strengthening)."""
    source: str = ""
    intensity: Intensity | None = None
