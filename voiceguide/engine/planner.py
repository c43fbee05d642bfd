"""Turning a place in the program into a timed plan: every cue from there to the end, with its time.

Pure and cheap (a whole routine is about a thousand items), so the session simply re-plans
from its place whenever a command changes anything. Beats are computed as start + n * beat,
never accumulated, so there is no drift however long a set runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from voiceguide.engine.cues import Count, Cue, Role, Say, Tone, ToneKind
from voiceguide.engine.program import CountSegment, Program, RestSegment, Segment, SpeakSegment, TimedSegment, Wording
from voiceguide.format.routine import TEMPO_RANGE
from voiceguide.wording.english import English

SENTENCE_GAP = 0.3
"""Seconds of silence between two sentences."""
COUNT_IN_GAP = 0.35
"""Seconds from the end of the count-in to the first beat."""
VOICED_EVERY = (1, 2, 5, 10)
"""When numbers take longer to say than the beat allows, only every k-th is spoken."""


@dataclass(frozen=True, order=True)
class Place:
    """Where the user is: the segment, and progress in it.

    progress is the sentence being spoken (speech), the repetition being done (a counted set;
    resuming repeats it), or seconds elapsed (holds and rests).
    """

    part: int
    segment: int
    progress: float = 0


@dataclass(frozen=True)
class PlanItem:
    at: float
    cue: Cue | None
    place: Place | None = None
    """The place the session is at once this item is due."""
    ticking: bool = False
    """Elapsed time in the segment runs on from this item (holds and rests)."""


@dataclass
class Pace:
    """What commands have changed about how the program plays."""

    speech_time: Callable[[str], float]
    tempo_factor: float = 1.0
    targets: dict[tuple[int, int], float] = field(default_factory=dict)
    """Per-set targets changed by 'more' (keyed by part and segment)."""

    def beat(self, segment: CountSegment) -> float:
        return min(max(segment.tempo * self.tempo_factor, TEMPO_RANGE[0]), TEMPO_RANGE[1])

    def target(self, part: int, index: int, segment: CountSegment | TimedSegment) -> float:
        return self.targets.get((part, index), segment.target)


def finished_place(program: Program) -> Place:
    return Place(len(program.parts), 0, 0)


def narration(program: Program, pace: Pace, start: Place | None = None) -> Iterator[tuple[Say | Count, Place]]:
    """Everything the narrator says playing `program` from `start` (else the beginning) to the end
    with no command given, in order, each with the place it is said at: the one list of what it
    says, from which the player renders ahead and the recorder lists the takes."""
    place = start or Place(0, 0, 0)
    for item in plan(program, place, 0.0, pace, resuming=start is not None):
        place = item.place or place
        if isinstance(item.cue, (Say, Count)):
            yield item.cue, place


def plan(program: Program, place: Place, start: float, pace: Pace,
         preamble: tuple[str, ...] = (), resuming: bool = False, continuing: bool = False,
         quiet_until: float | None = None) -> list[PlanItem]:
    """Everything from `place` to the end, starting at `start`.

    `preamble` is spoken first (a confirmation, a status). `resuming` re-enters the current
    segment the way a person needs after a break: "from 12, ready, and" or "40 seconds to go".
    `continuing` carries on mid-set without any of that (after a tempo change the next beat
    lands at `start`); counts before `quiet_until` are tones, while feedback is being spoken.
    """
    builder = _Builder(program, pace, continuing, quiet_until)
    t = start
    for text in preamble:
        t = builder.say(t, text, Role.FEEDBACK)
    part_index, segment_index, progress = place.part, place.segment, place.progress
    first = True
    while part_index < len(program.parts):
        segments = program.parts[part_index].segments
        while segment_index < len(segments):
            here = Place(part_index, segment_index, progress if first else 0)
            t = builder.segment(segments[segment_index], here, t, resuming and first)
            first = False
            segment_index += 1
        part_index, segment_index = part_index + 1, 0
    builder.items.append(PlanItem(t, Tone(ToneKind.FINISHED), finished_place(program)))
    builder.items.sort(key=lambda item: item.at)
    return builder.items


class _Builder:
    def __init__(self, program: Program, pace: Pace, continuing: bool, quiet_until: float | None):
        self.program = program
        self.words = program.settings.words
        self.pace = pace
        self.continuing = continuing
        self.quiet_until = quiet_until
        self.items: list[PlanItem] = []

    def duration(self, text: str) -> float:
        return self.pace.speech_time(text)

    def say(self, t: float, text: str, role: Role, place: Place | None = None) -> float:
        self.items.append(PlanItem(t, Say(text, role), place))
        return t + self.duration(text) + SENTENCE_GAP

    def segment(self, segment: Segment, place: Place, t: float, resuming: bool) -> float:
        continuing, self.continuing = self.continuing, False
        if continuing and isinstance(segment, CountSegment):
            return self.count(segment, place, t, resuming, continuing=True)
        if continuing and isinstance(segment, TimedSegment):
            return self.timed(segment, place, t, resuming, continuing=True)
        if isinstance(segment, SpeakSegment):
            return self.speak(segment, place, t)
        if isinstance(segment, CountSegment):
            return self.count(segment, place, t, resuming)
        if isinstance(segment, TimedSegment):
            return self.timed(segment, place, t, resuming)
        return self.rest(segment, place, t)

    def speak(self, segment: SpeakSegment, place: Place, t: float) -> float:
        start = int(place.progress)
        if segment.tone is not None and start == 0:
            self.items.append(PlanItem(t, Tone(segment.tone), place))
        for index in range(start, len(segment.lines)):
            text, role = segment.lines[index]
            t = self.say(t, text, role, Place(place.part, place.segment, index))
        return t

    def count(self, segment: CountSegment, place: Place, t: float, resuming: bool,
              continuing: bool = False) -> float:
        beat = self.pace.beat(segment)
        target = int(self.pace.target(place.part, place.segment, segment))
        first = min(max(1, int(place.progress)), target)
        at_first = Place(place.part, place.segment, first)
        if resuming and first > 1 and not continuing:
            t = self.say(t, self.words.from_count(first), Role.FEEDBACK, at_first)
        if not continuing and (self.program.settings.count_in or (resuming and first > 1)):
            self.items.append(PlanItem(t, Say(self.words.COUNT_IN, Role.COUNT_IN), at_first))
            t += self.duration(self.words.COUNT_IN) + COUNT_IN_GAP
        every = self._voiced_every(first, target, beat)
        tips = {int(tip.at): tip.text for tip in segment.tips if tip.at >= first}
        tones_only = self.program.settings.wording is Wording.TONES
        busy_until = self.quiet_until if continuing and self.quiet_until else t
        for number in range(first, target + 1):
            at = t + (number - first) * beat
            voiced = (not tones_only and at >= busy_until
                      and (number % every == 0 or number == first))
            self.items.append(PlanItem(at, Count(number, target, voiced),
                                       Place(place.part, place.segment, number)))
            if number in tips:
                tip_at = at + (self.duration(str(number)) if voiced else 0.0) + 0.1
                self.items.append(PlanItem(tip_at, Say(tips[number], Role.TIP)))
                busy_until = tip_at + self.duration(tips[number])
        return t + (target - first + 1) * beat

    def _voiced_every(self, first: int, target: int, beat: float) -> int:
        longest = max((self.duration(str(n)) for n in range(first, target + 1)), default=0.0)
        for every in VOICED_EVERY:
            if longest <= every * beat * 0.9:
                return every
        return VOICED_EVERY[-1]

    def timed(self, segment: TimedSegment, place: Place, t: float, resuming: bool,
              continuing: bool = False) -> float:
        target = self.pace.target(place.part, place.segment, segment)
        elapsed = min(place.progress, target)
        if elapsed >= target:
            return t
        if continuing:
            opening = None
        elif resuming and elapsed > 0:
            opening = self.words.to_go(target - elapsed)
        else:
            opening = self.words.hold_begins(target, segment.until)
        if opening:
            t = self.say(t, opening, Role.ANNOUNCE, Place(place.part, place.segment, elapsed))
        origin = t - elapsed  # the instant at which elapsed would have been zero
        self.items.append(PlanItem(t, None, Place(place.part, place.segment, elapsed), ticking=True))
        marks: dict[float, str] = {}
        for at, text in _hold_announcements(target, self.words):
            if at > elapsed + 0.5:
                marks[at] = text
        for tip in segment.tips:
            if tip.at > elapsed:
                marks[tip.at] = tip.text
        for second in range(math.ceil(elapsed), int(target)):
            text = marks.pop(float(second), None)
            cue = Say(text, Role.ANNOUNCE) if text else None
            self.items.append(PlanItem(origin + second, cue, Place(place.part, place.segment, float(second)),
                                       ticking=True))
        for at, text in marks.items():  # tips between whole seconds
            self.items.append(PlanItem(origin + at, Say(text, Role.TIP)))
        end = origin + target
        self.items.append(PlanItem(end, Tone(ToneKind.HOLD_DONE), Place(place.part, place.segment, target)))
        return self.say(end, self.words.DONE, Role.ANNOUNCE)

    def rest(self, segment: RestSegment, place: Place, t: float) -> float:
        elapsed = min(place.progress, segment.seconds)
        remaining = segment.seconds - elapsed
        text = self.words.rest(remaining, started=elapsed > 0, upcoming=segment.upcoming)
        self.items.append(PlanItem(t, Say(text, Role.ANNOUNCE), Place(place.part, place.segment, elapsed),
                                   ticking=True))
        origin = t - elapsed
        for second in range(math.ceil(elapsed) or 1, int(segment.seconds)):
            self.items.append(PlanItem(origin + second, None, Place(place.part, place.segment, float(second)),
                                       ticking=True))
        return max(origin + segment.seconds, t + self.duration(text) + SENTENCE_GAP)


def _hold_announcements(target: float, words: English) -> list[tuple[float, str]]:
    """Halfway, one minute left, thirty seconds left, and a countdown over the last five seconds."""
    marks: list[tuple[float, str]] = []
    if target >= 100:
        marks.append((target - 60, words.ONE_MINUTE_LEFT))
    if target >= 50:
        marks.append((target - 30, words.THIRTY_SECONDS_LEFT))
    halfway = round(target / 2)
    if target >= 20 and all(abs(halfway - at) >= 8 for at, _ in marks):
        marks.append((float(halfway), words.HALFWAY))
    if target >= 10:
        marks.extend((target - k, str(k)) for k in range(5, 0, -1))
    return marks
