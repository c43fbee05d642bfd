"""What the session tells the user about itself: where it is, how to resume or stop, the status,
help and the offer to carry on, worded by the program's language (wording/).

A mixin of Session's, kept apart from how the session moves: it only reads the session's state.
"""

from __future__ import annotations

import math

from voiceguide.engine.commands import Command
from voiceguide.engine.planner import Place
from voiceguide.engine.program import CountSegment, PartKind, TimedSegment
from voiceguide.format.routine import Reps


class Telling:
    """Sentences about the session's state; the host (Session) has program, place, words, inputs,
    vocabulary, view(), current_place() and _segment_length()."""

    def _place_words(self, now: float) -> str:
        """Where the session is, in a few words: "count 4", "20 seconds into the hold"."""
        view = self.view(now)
        part = self.program.parts[self.current_place(now).part]
        if part.kind is PartKind.OPENING:
            return self.words.AT_SAFETY_POINTS
        if part.kind is PartKind.CLOSING:
            return self.words.AT_THE_END
        if view.count is not None:
            return self.words.at_count(view.count, view.target)
        if view.resting:
            return self.words.AT_REST
        if view.seconds_left is not None:
            return self.words.at_time_left(view.seconds_left, part.step.name)
        return self.words.at_start_of(part.step.name)

    def _reminder(self, place: Place) -> tuple[str, ...]:
        """Coming back to a saved place inside a step's work, days later maybe: which technique it
        is, and its instruction in brief, before "From 22. Ready, and"."""
        part = self.program.parts[min(place.part, len(self.program.parts) - 1)]
        if part.kind is not PartKind.STEP or place.segment == 0:
            return ()  # the step's own introduction is what plays next
        return (self.words.step_heading(part.number, self.program.step_count, part.step.name),
                part.step.brief or part.step.instruction)

    def _paused_text(self) -> str:
        return self.words.paused(self._ways(Command.RESUME))

    def _stop_question(self) -> str:
        return self.words.stop_question(self._ways(Command.STOP))

    def _ways(self, command: Command) -> list[tuple[str, str]]:
        """How `command` can be given right now (voice, keys, typed), for the wording to name."""
        return self.inputs.ways(command, self.vocabulary.say(command))

    def _status_text(self, now: float) -> str:
        words, view = self.words, self.view(now)
        part = self.program.parts[self.current_place(now).part]
        if part.kind is PartKind.OPENING:
            here = words.STILL_ON_SAFETY_POINTS
        elif part.kind is PartKind.CLOSING:
            return words.LAST_STEP_DONE
        elif view.count is not None:
            later: list[str] = []
            if isinstance(part.step.work, Reps) and view.phase:
                names = [ph.name for ph in part.step.work.phases]
                later = names[names.index(view.phase) + 1:] if view.phase in names else []
            here = words.left_in_set(view.target - view.count, later)
        elif view.resting:
            here = words.resting_before(view.upcoming)
        elif view.seconds_left is not None:
            here = words.time_left(view.seconds_left)
        else:
            here = words.on_step(view.step_number, view.label)
        minutes = max(1, math.ceil(view.remaining / 60))
        if part.kind is PartKind.OPENING:
            return words.status(here, self.program.step_count, minutes, opening=True)
        return words.status(here, self.program.step_count - part.number, minutes, opening=False)

    def _help_text(self) -> str:
        """Every command; and the safety points in full when the opening gave only a reminder."""
        listed = [c for c in Command if c is not Command.HELP and (c in self.vocabulary.phrases or c in self.inputs.keys)]
        if self.inputs.voice or not self.inputs.keys:
            verb = "say" if self.inputs.voice or not self.inputs.typed else "type"
            items = [(self.vocabulary.say(c), None) for c in listed]
        else:  # keys only: name the key for each
            verb = "press"
            items = [(self.vocabulary.say(c), self.inputs.keys[c]) for c in listed if c in self.inputs.keys]
        commands = self.words.commands(verb, items)
        cautions = self.program.routine.cautions
        if cautions and not self.program.settings.full_cautions:
            return " ".join((self.words.SAFETY_POINTS, *cautions, commands))
        return commands

    def _offer_text(self) -> str:
        place, words = self.place, self.words
        part = self.program.parts[min(place.part, len(self.program.parts) - 1)]
        segment = part.segments[min(place.segment, len(part.segments) - 1)]
        if part.kind is PartKind.STEP:
            count = int(place.progress) if isinstance(segment, CountSegment) and place.progress > 1 else None
            left = (self._segment_length(place, segment) - place.progress
                    if isinstance(segment, TimedSegment) and place.progress > 0 else None)
            where = words.at_step(part.number, part.label, count, left)
        else:
            where = words.AT_SAFETY_POINTS if part.kind is PartKind.OPENING else words.AT_THE_VERY_END
        return words.offer(where, self._ways(Command.RESUME), self._start_over_ways())

    def _start_over_ways(self) -> list[tuple[str, str]]:
        """How to answer "start over": its phrase, or "next" in a language without one."""
        return self._ways(Command.START_OVER if Command.START_OVER in self.vocabulary.phrases else Command.NEXT)
