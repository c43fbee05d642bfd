"""The session engine: an explicit state machine over the program, driven by commands and time.

Pure logic: it is given the time (`now`) with every call, sends cues to a sink, and imports no
audio, speech or recognition library, so tests run whole routines in virtual time. What every
command does in every state is documented in docs/commands.md; the rule that holds throughout
is that nothing loses the user's place: a pause mid-count resumes at the same count, a pause
mid-sentence restarts that sentence, a pause mid-hold keeps the time already held, and "undo"
puts back the place before the last command.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from voiceguide.engine.commands import Command, Inputs, Vocabulary
from voiceguide.engine.cues import ACCEPT_GAP, Cue, Role, Say, Silence, Tone, ToneKind
from voiceguide.engine.planner import Pace, Place, PlanItem, finished_place, narration, plan
from voiceguide.engine.schedule import Schedule
from voiceguide.engine.program import (
    WORK_SEGMENTS,
    CountSegment,
    PartKind,
    Program,
    RestSegment,
    SpeakSegment,
    TimedSegment,
    Wording,
)
from voiceguide.engine.pace_changes import PaceChanges
from voiceguide.engine.questions import Questions
from voiceguide.engine.telling import Telling
from voiceguide.engine.view import Mode, Outcome, View

LATE_SECONDS = 1.0
"""A spoken command decided this long after it was said is late: if the player has moved on
meanwhile (into another set, hold, rest, run of sentences or step), one that acts on the place
(LATE_DROPPED) would act on the wrong one, so it is not obeyed and the user is asked to say it
again."""
LATE_DROPPED = frozenset({Command.NEXT, Command.PREVIOUS, Command.REPEAT, Command.MORE, Command.ENOUGH})
"""Pause, resume, stop, the pace, status and help mean the same late as at once; undo has its own
window (UNDO_SECONDS)."""
UNDO_SECONDS = 10.0
"""Undo takes back only a command given this recently before it was said: it is for a command
misheard or mis-said just now, never for one from minutes ago (a cough taken for "no" must not
undo the step the user chose long before)."""
CueSink = Callable[[Cue, float], None]


@dataclass(frozen=True)
class _Snapshot:
    place: Place
    tempo_factor: float
    targets: dict
    at: float
    """When the command it was taken before was obeyed."""


class Session(Telling, Questions, PaceChanges):
    """Plays a Program: call start(), then handle() commands and advance() time.

    Here: the state machine and the commands that move the place. Its mixins hold the rest: what
    it tells the user (Telling), the offer and the stop question (Questions), slower/faster/more
    (PaceChanges); the plan it plays is a Schedule."""

    def __init__(self, program: Program, vocabulary: Vocabulary, speech_time: Callable[[str], float],
                 sink: CueSink, *, tempo_change: float = 0.15, lookahead: float = 0.0,
                 resume_from: Place | None = None, offer: bool = False):
        self.program = program
        self.words = program.settings.words
        self.vocabulary = vocabulary
        self.pace = Pace(speech_time)
        self.sink = sink
        self.tempo_change = tempo_change
        self.lookahead = lookahead
        self.resume_from = resume_from
        self.offer = offer  # ask before carrying on from resume_from (else carry on at once)
        self._offer_asked, self._offer_until = 0, math.inf
        """How often the offer to carry on was asked, and when it is next due an answer."""
        self.inputs = Inputs()
        """How the user can answer; the player sets it, and changes it if voice control stops."""
        self.mode = Mode.PLAYING
        self.place = Place(0, 0, 0)
        self.completed: set[int] = set()  # parts whose work was done to the end (or ended by 'enough')
        self.skipped: set[int] = set()
        self._committed_at = 0.0
        self._moved_at = -math.inf  # when the place last entered a new sentence, set, hold or step
        self._ticking = False
        self._schedule = Schedule()
        self._history: list[_Snapshot] = []
        self._before_stop = Mode.PLAYING

    # -- driving ------------------------------------------------------------------------------

    @property
    def opens_from_the_beginning(self) -> bool:
        """Whether start() plays from the very beginning (it says the title first), not from a
        saved place."""
        return self.resume_from is None or self.resume_from == Place(0, 0, 0)

    def start(self, now: float) -> None:
        """Begin at `now` (which may have passed: the title may be under way already)."""
        saved = self.resume_from
        if self.opens_from_the_beginning:
            self._play(Place(0, 0, 0), now, opening=True)
        elif self.offer:
            self.place = saved
            self._ask_offer(now)
        else:
            self._play(saved, now, preamble=(self.words.RESUMING_SAVED, *self._reminder(saved)), resuming=True,
                       opening=True)

    @property
    def finished(self) -> bool:
        return self.mode is Mode.FINISHED

    def next_deadline(self) -> float | None:
        """When advance() next has something to do; None while only a command can change anything."""
        times = [self._offer_until] if self.mode is Mode.OFFER else []
        due = self._schedule.next_due(self.lookahead)
        if due is not None:
            times.append(due)
        return min(times) if times else None

    def advance(self, now: float) -> None:
        """Move the place along and send every cue due by `now` (plus lookahead).

        The place moves first, so whoever saves it never lags behind what the user has heard.
        """
        if self.mode is Mode.OFFER and now >= self._offer_until:
            self._offer_unanswered(now)
        for item in self._schedule.reach(now):
            if item.place is not None and self.mode is Mode.PLAYING:
                self._note_completion(self.place, item.place)
                self._move_to(item.place, item.at, item.ticking)
        for item in self._schedule.send(now, self.lookahead):
            if item.cue is not None:
                self.sink(item.cue, item.at)

    def handle(self, command: Command, now: float, said: float | None = None) -> Outcome:
        """Act on a command at once; returns what was done. `said`: when a spoken command was said,
        if it was decided later (LATE_SECONDS)."""
        self.advance(now)
        if self.mode is Mode.FINISHED:
            return Outcome(False, self.words.SESSION_HAS_ENDED)
        said = now if said is None else min(said, now)
        if command in LATE_DROPPED and now - said > LATE_SECONDS and self._moved_at > said:
            return self._tell_briefly(now, self.words.TOO_LATE, accepted=False)
        if self.mode is Mode.CONFIRM_STOP:
            return self._answer_stop(command, now, said)
        if self.mode is Mode.OFFER:
            return self._answer_offer(command, now)
        return self._dispatch(command, now, said)

    def interrupted(self, since: float, now: float) -> Outcome | None:
        """Nothing ran from `since` to `now` (the process was stopped, the machine slept, a device
        call froze): what fell due meanwhile was never heard. Rather than fast-forward through it,
        pause at the place reached at `since` and say so. None when nothing was missed."""
        if self.mode is not Mode.PLAYING:
            return None
        self.advance(since)
        if self.mode is not Mode.PLAYING:
            return None
        self._hold_still(since)
        self.mode = Mode.PAUSED
        return self._say_only(now, self.words.interrupted(self._place_words(since), self._ways(Command.RESUME)),
                              self.words.INTERRUPTED_NOTE)

    # -- what the user is told -----------------------------------------------------------------

    def current_place(self, now: float) -> Place:
        """The place right now: holds and rests count the seconds since the last tick."""
        place = self.place
        if self._ticking and self.mode is Mode.PLAYING:
            segment = self._segment(place)
            limit = self._segment_length(place, segment)
            progress = min(place.progress + max(0.0, now - self._committed_at), limit)
            return Place(place.part, place.segment, progress)
        return place

    def view(self, now: float) -> View:
        place = self.current_place(now)
        if place.part >= len(self.program.parts):
            place = Place(len(self.program.parts) - 1, 0, 0)
        part = self.program.parts[place.part]
        segment = part.segments[place.segment]
        count = target = seconds_left = tempo = None
        phase = None
        if isinstance(segment, CountSegment):
            target = int(self.pace.target(place.part, place.segment, segment))
            count = min(max(1, int(place.progress)), target)
            tempo = self.pace.beat(segment)
            phase = segment.phase
        elif isinstance(segment, (TimedSegment, RestSegment)):
            seconds_left = self._segment_length(place, segment) - place.progress
        upcoming = next((p.label for p in self.program.parts[place.part + 1:] if p.kind is PartKind.STEP), None)
        return View(mode=self.mode, title=self.program.routine.title, part_kind=part.kind,
                    step_number=part.number, step_count=self.program.step_count, label=part.label, phase=phase,
                    count=count, target=target, seconds_left=seconds_left,
                    resting=isinstance(segment, RestSegment), upcoming=upcoming, tempo=tempo,
                    remaining=self._remaining(place, now),
                    stopped=self.mode is Mode.FINISHED and self.place.part < len(self.program.parts))

    # -- commands by state ---------------------------------------------------------------------

    def _dispatch(self, command: Command, now: float, said: float) -> Outcome:
        playing = self.mode is Mode.PLAYING
        if command is Command.PAUSE:
            return self._pause(now) if playing else Outcome(False, self.words.ALREADY_PAUSED)
        if command is Command.RESUME:
            return self._resume(now) if not playing else Outcome(False, self.words.ALREADY_PLAYING)
        if command is Command.STOP:
            return self._ask_stop(now)
        if command is Command.STATUS:
            return self._tell(now, self._status_text(now))
        if command is Command.HELP:
            return self._tell(now, self._help_text())
        if command is Command.UNDO:
            return self._undo(now, said)
        handler = {Command.NEXT: self._next, Command.PREVIOUS: self._previous, Command.REPEAT: self._repeat,
                   Command.SLOWER: self._slower, Command.FASTER: self._faster, Command.MORE: self._more,
                   Command.ENOUGH: self._enough, Command.START_OVER: self._start_over}[command]
        snapshot = _Snapshot(self.current_place(now), self.pace.tempo_factor, dict(self.pace.targets), now)
        outcome = handler(now)
        if outcome.accepted:
            self._history.append(snapshot)
        return outcome

    # -- the commands --------------------------------------------------------------------------

    def _start_over(self, now: float) -> Outcome:
        self.pace.targets.clear()
        return self._play(Place(0, 0, 0), now, preamble=(self.words.STARTING_OVER,), note=self.words.STARTING_OVER)

    def _pause(self, now: float) -> Outcome:
        self._hold_still(now)
        self.mode = Mode.PAUSED
        return self._say_only(now, self._paused_text(), self.words.PAUSED_NOTE)

    def _resume(self, now: float, preamble: tuple[str, ...] = ()) -> Outcome:
        return self._play(self.place, now, preamble=preamble, resuming=True, note=self.words.RESUMED)

    def _next(self, now: float) -> Outcome:
        place = self.current_place(now)
        part = self.program.parts[place.part]
        if part.kind is PartKind.OPENING:
            lines = part.segments[0].lines
            if place.progress + 1 < len(lines):
                return self._play(Place(place.part, 0, place.progress + 1), now, note=self.words.NEXT_POINT)
        if part.kind is PartKind.STEP and place.part not in self.completed:
            self.skipped.add(place.part)
        if part.kind is PartKind.CLOSING:
            return self._end_now(now)
        return self._play(Place(place.part + 1, 0, 0), now, note=self.words.NEXT_STEP)

    def _previous(self, now: float) -> Outcome:
        place = self.current_place(now)
        part = self.program.parts[place.part]
        if part.kind is PartKind.OPENING:
            return self._play(Place(place.part, 0, max(0, place.progress - 1)), now, note=self.words.PREVIOUS_POINT)
        first_step = 1
        target = max(first_step, place.part - 1)
        return self._play(Place(target, 0, 0), now, note=self.words.PREVIOUS_STEP if target < place.part else self.words.STEP_RESTARTED)

    def _repeat(self, now: float) -> Outcome:
        place = self.current_place(now)
        part = self.program.parts[place.part]
        segment = part.segments[place.segment]
        if part.step is None or isinstance(segment, SpeakSegment):
            return self._play(Place(place.part, place.segment, 0 if part.step else place.progress), now,
                              note=self.words.REPEATING)
        work_index = max(i for i in range(place.segment + 1) if isinstance(part.segments[i], WORK_SEGMENTS))
        instruction = part.step.instruction if self.program.settings.wording is Wording.FULL else (
            part.step.brief or part.step.instruction)
        return self._play(Place(place.part, work_index, 0), now, preamble=(instruction,), resuming=True,
                          note=self.words.REPEATING_SET)

    def _enough(self, now: float) -> Outcome:
        place = self.current_place(now)
        part = self.program.parts[place.part]
        if isinstance(self._segment(place), WORK_SEGMENTS) and place.segment == self.program.last_work(place.part):
            self.completed.add(place.part)
        if place.segment + 1 < len(part.segments):
            return self._play(Place(place.part, place.segment + 1, 0), now, note=self.words.MOVING_ON)
        if part.kind is PartKind.CLOSING:
            return self._end_now(now)
        return self._play(Place(place.part + 1, 0, 0), now, note=self.words.MOVING_ON)

    def _undo(self, now: float, said: float) -> Outcome:
        if not self._history or said - self._history[-1].at > UNDO_SECONDS:
            return self._tell_briefly(now, self.words.NOTHING_TO_UNDO, accepted=False)
        snapshot = self._history.pop()
        self.pace.tempo_factor = snapshot.tempo_factor
        self.pace.targets = dict(snapshot.targets)
        self.skipped.discard(snapshot.place.part)
        return self._play(snapshot.place, now, preamble=(self.words.UNDONE,), resuming=True, note=self.words.UNDONE)

    def _end_now(self, now: float) -> Outcome:
        self.sink(Silence(), now)
        self.sink(Tone(ToneKind.FINISHED), now)
        self._schedule.clear()
        self._move_to(finished_place(self.program), now, ticking=False)
        return Outcome(True, self.words.FINISHED)

    # -- mechanics -----------------------------------------------------------------------------

    def _play(self, place: Place, now: float, preamble: tuple[str, ...] = (), resuming: bool = False,
              note: str = "", opening: bool = False) -> Outcome:
        """Silence what was playing and play from `place`: after the accept tone, or at once when
        the session opens (the player sounds its start tone as soon as the output opens, well
        before the session is ready, and may have its title under way: a tone here would only
        repeat it, a silence cut the title short)."""
        if not opening:
            self.sink(Silence(), now)
            self.sink(Tone(ToneKind.ACCEPT), now)
        self.mode = Mode.PLAYING
        self._move_to(place, now, ticking=False)
        self._set_plan(plan(self.program, place, now if opening else now + ACCEPT_GAP, self.pace, preamble=preamble,
                            resuming=resuming), now)
        return Outcome(True, note)

    def refresh_timing(self, now: float) -> bool:
        """Re-plan what follows the current segment (clip lengths became known); False: try later."""
        if self.mode is not Mode.PLAYING:
            return True
        return self._replan_after_segment(self.current_place(now))

    def _replan_after_segment(self, place: Place) -> bool:
        """Keep the current segment as planned; re-plan what follows it (new tempo, targets, lengths)."""
        return self._schedule.replan_after(place, lambda start, at: plan(self.program, start, at, self.pace))

    def _tell(self, now: float, text: str) -> Outcome:
        """Speak `text`; while playing, the place is kept and play resumes right after it."""
        if self.mode is Mode.PLAYING:
            return self._play(self.current_place(now), now, preamble=(text,), resuming=True, note=text)
        return self._say_only(now, text, text)

    def _tell_briefly(self, now: float, text: str, accepted: bool) -> Outcome:
        """A short remark that does not interrupt the beat."""
        self.sink(Say(text, Role.FEEDBACK), now)
        return Outcome(accepted, text)

    def _say_only(self, now: float, text: str, note: str) -> Outcome:
        """Silence everything and say one thing, without moving (paused, asking)."""
        self.sink(Silence(), now)
        self.sink(Tone(ToneKind.ACCEPT), now)
        self._set_plan([PlanItem(now + ACCEPT_GAP, Say(text, Role.FEEDBACK))], now)
        return Outcome(True, note)

    def _set_plan(self, items: list[PlanItem], now: float) -> None:
        self._schedule.replace(items)
        self.advance(now)

    def _hold_still(self, now: float) -> None:
        """Fix the place at this instant; a hold's clock stops until play goes on."""
        self._move_to(self.current_place(now), now, ticking=False)

    def _move_to(self, place: Place, at: float, ticking: bool) -> None:
        if (place.part, place.segment) != (self.place.part, self.place.segment):
            self._moved_at = at
        self.place, self._committed_at, self._ticking = place, at, ticking
        if place == finished_place(self.program):
            self.mode = Mode.FINISHED

    def _note_completion(self, old: Place, new: Place) -> None:
        """Playing on past the end of a step's last work segment completes that step."""
        if old.part >= len(self.program.parts) or self.program.parts[old.part].kind is not PartKind.STEP:
            return
        last_work = self.program.last_work(old.part)
        if last_work is not None and old.segment <= last_work and (new.part > old.part or new.segment > last_work):
            self.completed.add(old.part)

    def _segment(self, place: Place):
        return self.program.segment_at(place.part, place.segment)

    def _segment_length(self, place: Place, segment) -> float:
        if isinstance(segment, TimedSegment):
            return self.pace.target(place.part, place.segment, segment)
        if isinstance(segment, RestSegment):
            return segment.seconds
        return math.inf

    def _remaining(self, place: Place, now: float) -> float:
        if self.mode is Mode.PLAYING and self._schedule.ends is not None:
            return max(0.0, self._schedule.ends - now)
        if place.part >= len(self.program.parts):
            return 0.0
        items = plan(self.program, place, 0.0, self.pace, resuming=True)
        return items[-1].at

    def texts_ahead(self, place: Place | None = None) -> list[str]:
        """Everything the narrator will say from `place` on, in order, then fixed feedback: to render ahead."""
        texts = [cue.text for cue, _ in narration(self.program, self.pace, place)]
        return list(dict.fromkeys(texts + self.words.feedback() + [self._paused_text(), self._stop_question(),
                                                         self._help_text()]))
