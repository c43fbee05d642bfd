"""Changes of pace that keep the rhythm: slower, faster, and more of the current set or hold.

A mixin of Session's. Unlike the commands that move the place, these never restart anything: the
beat goes on, the next count comes at the new tempo, and only what has not been sent to the
outputs yet is re-planned.
"""

from __future__ import annotations

import math

from voiceguide.engine.cues import ACCEPT_GAP, Role, Say, Tone, ToneKind
from voiceguide.engine.planner import Place, plan
from voiceguide.engine.program import WORK_SEGMENTS, CountSegment, TimedSegment
from voiceguide.engine.view import Mode, Outcome

MAX_TEMPO_FACTOR = 2.0
MIN_TEMPO_FACTOR = 0.5


class PaceChanges:
    """The host (Session) has program, pace, mode, words, sink, tempo_change, _schedule,
    current_place(), advance() and the place helpers."""

    def _slower(self, now: float) -> Outcome:
        return self._change_tempo(now, 1 + self.tempo_change, slower=True)

    def _faster(self, now: float) -> Outcome:
        return self._change_tempo(now, 1 / (1 + self.tempo_change), slower=False)

    def _change_tempo(self, now: float, factor: float, slower: bool) -> Outcome:
        words = self.words
        new = min(max(self.pace.tempo_factor * factor, MIN_TEMPO_FACTOR), MAX_TEMPO_FACTOR)
        if math.isclose(new, self.pace.tempo_factor):
            return self._tell_briefly(now, words.SLOWEST if slower else words.FASTEST, accepted=False)
        self.pace.tempo_factor = new
        later = not isinstance(self._segment(self.current_place(now)), CountSegment)
        if later:  # a hold or a sentence has no beat: say what the change is for
            said = words.SLOWER_LATER if slower else words.FASTER_LATER
        else:
            said = words.SLOWER if slower else words.FASTER
        return self._carry_on(now, said, note=words.tempo_note(slower, new, later))

    def _more(self, now: float) -> Outcome:
        place = self.current_place(now)
        segment = self._segment(place)
        if not isinstance(segment, WORK_SEGMENTS):
            return self._tell_briefly(now, self.words.NOTHING_TO_EXTEND, accepted=False)
        current = self.pace.target(place.part, place.segment, segment)
        top = segment.span.high
        if current >= top:
            full = self.words.FULL_COUNT if isinstance(segment, CountSegment) else self.words.FULL_TIME
            return self._tell_briefly(now, full, accepted=False)
        step_size = max(1, round((segment.span.high - segment.span.low) / 2))
        new = min(top, current + step_size)
        self.pace.targets[(place.part, place.segment)] = new
        said = self.words.going_to(int(new)) if isinstance(segment, CountSegment) else self.words.up_to(new)
        return self._carry_on(now, said, note=said)

    def _carry_on(self, now: float, said: str, note: str) -> Outcome:
        """Apply a pace change without breaking the rhythm: the next beat comes at the new tempo."""
        self.sink(Tone(ToneKind.ACCEPT), now)
        if self.mode is not Mode.PLAYING:
            self.sink(Say(said, Role.FEEDBACK), now + ACCEPT_GAP)
            return Outcome(True, note)
        place = self.current_place(now)
        segment = self._segment(place)
        quiet_until = now + ACCEPT_GAP + self.pace.speech_time(said)
        self.sink(Say(said, Role.FEEDBACK), now + ACCEPT_GAP)
        if isinstance(segment, CountSegment):
            number, at = self._schedule.last_sent_count(place) or (int(place.progress), self._committed_at)
            if number >= self.pace.target(place.part, place.segment, segment):
                self._replan_after_segment(place)
            else:
                self._schedule.splice(plan(self.program, Place(place.part, place.segment, number + 1),
                                  max(now, at + self.pace.beat(segment)), self.pace, continuing=True,
                                  quiet_until=quiet_until))
        elif isinstance(segment, TimedSegment):
            self._schedule.splice(plan(self.program, place, now, self.pace, continuing=True))
        else:
            self._replan_after_segment(place)
        self.advance(now)
        return Outcome(True, note)
