"""Expanding a routine into the program the session plays: parts made of segments.

A part is the opening (title and cautions), one step, or the closing. A segment is the unit the
player can restart: a run of sentences, one counted set, one timed hold, a rest. Picking
targets from ranges and choosing the wording for a verbosity happen here, once, in pure code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voiceguide.engine.commands import Command, Inputs, Vocabulary
from voiceguide.engine.cues import Role, ToneKind
from voiceguide.format.routine import TEMPO_RANGE, Intensity, Reps, Routine, Span, Step, Tip
from voiceguide.wording.english import English


class Wording(str, enum.Enum):
    """How much the narrator says (the config's verbosity once 'auto' is resolved)."""

    FULL = "full"
    BRIEF = "brief"
    TONES = "tones"


@dataclass(frozen=True)
class PlaySettings:
    intensity: Intensity
    tempo: float
    """Seconds per repetition where a step sets none."""
    rest: float
    """Seconds of rest after a step where the step sets none."""
    count_in: bool
    wording: Wording
    inputs: Inputs = Inputs()
    """How the user gives commands: the opening's hint names what works."""
    full_cautions: bool = True
    """The safety points in full at the start; otherwise a short reminder, and help reads them."""
    words: English = English()
    """The language of everything said around the routine's own text."""


@dataclass(frozen=True)
class SpeakSegment:
    lines: tuple[tuple[str, Role], ...]
    tone: ToneKind | None = None
    """A tone to mark the start (a phase change)."""


@dataclass(frozen=True)
class CountSegment:
    span: Span
    target: int
    tempo: float
    """Seconds per repetition before any slower/faster."""
    phase: str | None
    tips: tuple[Tip, ...] = ()


@dataclass(frozen=True)
class TimedSegment:
    span: Span
    target: float
    """Seconds."""
    until: str | None
    tips: tuple[Tip, ...] = ()


@dataclass(frozen=True)
class RestSegment:
    seconds: float
    upcoming: str | None


Segment = SpeakSegment | CountSegment | TimedSegment | RestSegment
WORK_SEGMENTS = (CountSegment, TimedSegment)


class PartKind(str, enum.Enum):
    OPENING = "opening"
    STEP = "step"
    CLOSING = "closing"


@dataclass(frozen=True)
class Part:
    kind: PartKind
    segments: tuple[Segment, ...]
    step: Step | None = None
    number: int = 0
    """1-based step number; 0 for the opening and closing."""
    heading: str = ""
    """The opening's and closing's name on screen (a step's is its name)."""

    @property
    def label(self) -> str:
        return self.step.name if self.step is not None else self.heading


@dataclass(frozen=True)
class Program:
    routine: Routine
    parts: tuple[Part, ...]
    settings: PlaySettings

    @property
    def step_count(self) -> int:
        return len(self.routine.steps)

    def segment_at(self, part: int, segment: int) -> Segment:
        return self.parts[part].segments[segment]

    def last_work(self, part: int) -> int | None:
        """The index of the part's last counted set or hold (None: it has no work)."""
        indices = [index for index, segment in enumerate(self.parts[part].segments)
                   if isinstance(segment, WORK_SEGMENTS)]
        return indices[-1] if indices else None


def expand(routine: Routine, settings: PlaySettings, vocabulary: Vocabulary) -> Program:
    steps = routine.steps
    parts = [_opening(routine, vocabulary, settings)]
    for index, step in enumerate(steps):
        upcoming = steps[index + 1].name if index + 1 < len(steps) else None
        parts.append(_step_part(step, index + 1, len(steps), settings, upcoming))
    words = settings.words
    parts.append(Part(PartKind.CLOSING, (SpeakSegment((
        (words.ROUTINE_DONE, Role.ANNOUNCE),
        (words.REST_AND_WATER, Role.ANNOUNCE),
    )),), heading=words.FINISH))
    return Program(routine, tuple(parts), settings)


def title_line(routine: Routine) -> str:
    """What a session says first, when it starts from the beginning."""
    return f"{routine.title}."


def _opening(routine: Routine, vocabulary: Vocabulary, settings: PlaySettings) -> Part:
    words = settings.words
    lines = [(title_line(routine), Role.TITLE)]
    short = bool(routine.cautions) and not settings.full_cautions
    if short:
        lines.append((words.SHORT_CAUTION, Role.CAUTION))
    elif routine.cautions:
        lines.append((words.SAFETY_INTRO, Role.ANNOUNCE))
        lines.extend((caution, Role.CAUTION) for caution in routine.cautions)
    pause, help_ = (settings.inputs.ways(command, vocabulary.say(command)) for command in (Command.PAUSE, Command.HELP))
    lines.append((words.hint(pause, help_, cautions_on_help=short), Role.FEEDBACK))
    return Part(PartKind.OPENING, (SpeakSegment(tuple(lines)),), heading=words.SAFETY_FIRST)


def pick_count(span: Span, intensity: Intensity) -> int:
    return int(span.pick(intensity) + 0.5)


def _step_part(step: Step, number: int, total: int, settings: PlaySettings, upcoming: str | None) -> Part:
    intensity = step.intensity or settings.intensity
    intro: list[tuple[str, Role]]
    if settings.wording is Wording.FULL:
        intro = [(settings.words.step_heading(number, total, step.name), Role.STEP)]
        if step.position:
            intro.append((step.position, Role.INSTRUCTION))
        intro.append((step.instruction, Role.INSTRUCTION))
    else:
        intro = [(settings.words.step_heading_brief(number, step.name), Role.STEP),
                 (step.brief or step.instruction, Role.INSTRUCTION)]
    segments: list = []
    work = step.work
    if isinstance(work, Reps):
        tempo = min(max(work.tempo or settings.tempo, TEMPO_RANGE[0]), TEMPO_RANGE[1])
        if not work.phases:
            target = pick_count(work.count, intensity)
            intro.append((settings.words.times(target), Role.ANNOUNCE))
            segments.append(SpeakSegment(tuple(intro)))
            segments.append(CountSegment(work.count, target, tempo, None, step.tips))
        else:
            segments.append(SpeakSegment(tuple(intro)))
            for index, phase in enumerate(work.phases):
                span = work.phase_count(phase)
                target = pick_count(span, intensity)
                segments.append(SpeakSegment(((phase.announce or settings.words.phase_starts(phase.name, index), Role.PHASE), (settings.words.times(target), Role.ANNOUNCE)),
                                             tone=ToneKind.PHASE if index else None))
                segments.append(CountSegment(span, target, tempo, phase.name, step.tips if index == 0 else ()))
    else:
        segments.append(SpeakSegment(tuple(intro)))
        # the hold's opening names what to keep going until, unless the instruction just said it
        said = " ".join(text for text, _ in intro).casefold()
        until = None if work.until and f"until {work.until}".casefold() in said else work.until
        segments.append(TimedSegment(work.duration, float(round(work.duration.pick(intensity))), until, step.tips))
    rest = settings.rest if step.rest is None else step.rest
    if rest > 0 and upcoming is not None:
        segments.append(RestSegment(rest, upcoming))
    return Part(PartKind.STEP, tuple(segments), step, number)
