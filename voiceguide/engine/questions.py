"""The two questions a session asks and waits on: whether to carry on from a saved place (the
offer, at the start), and whether to end (after "stop"). A mixin of Session's: while either is
open, every command is first an answer to it.
"""

from __future__ import annotations

from voiceguide.engine.commands import Command
from voiceguide.engine.cues import Role, Say, Silence
from voiceguide.engine.view import Mode, Outcome

OFFER_WAIT_SECONDS = 20.0
"""The offer to carry on is asked again after this long without an answer, and after a second
wait the session carries on from the saved place (as `play --resume` does): a user lying face down
may not have heard it, and must not be left in silence."""
OFFER_ASKS = 2


class Questions:
    """The host (Session) has mode, place, words, sink, _schedule, and the commands' own methods."""

    def _ask_offer(self, now: float) -> None:
        self.mode = Mode.OFFER
        self._offer_asked = 1
        self._offer_until = now + OFFER_WAIT_SECONDS
        self._say_only(now, self._offer_text(), self.words.OFFERING)

    def _ask_stop(self, now: float) -> Outcome:
        self._hold_still(now)
        self._before_stop = self.mode
        self.mode = Mode.CONFIRM_STOP
        return self._say_only(now, self._stop_question(), self.words.stop_again(self._ways(Command.STOP)))

    def _answer_stop(self, command: Command, now: float, said: float) -> Outcome:
        if command is Command.STOP:
            self.mode = Mode.FINISHED
            self._schedule.clear()
            self.sink(Silence(), now)
            self.sink(Say(self.words.ENDED, Role.FEEDBACK), now)
            return Outcome(True, self.words.SESSION_ENDED_NOTE)
        before, self.mode = self._before_stop, Mode.PAUSED
        if before is Mode.OFFER:
            self.mode = Mode.OFFER
            self._offer_asked, self._offer_until = 0, now + OFFER_WAIT_SECONDS
            return self._answer_offer(command, now)
        if command is Command.RESUME:
            return self._resume(now, preamble=(self.words.CARRYING_ON,))
        if command is Command.UNDO:  # "no": do not end the session
            return self._resume(now, preamble=(self.words.CARRYING_ON,)) if before is Mode.PLAYING else self._pause(now)
        if command is Command.PAUSE:
            return self._pause(now)
        if before is Mode.PLAYING:
            if command in (Command.SLOWER, Command.FASTER, Command.MORE):
                self._resume(now)  # these adjust a running plan
            else:
                self.mode = Mode.PLAYING  # every other command re-plans from the place itself
        return self._dispatch(command, now, said)

    def _offer_unanswered(self, now: float) -> None:
        if self._offer_asked < OFFER_ASKS:
            self._offer_asked += 1
            self._offer_until = now + OFFER_WAIT_SECONDS
            self._say_only(now, self._offer_text(), self.words.OFFERING_AGAIN)
        else:
            self._play(self.place, now, preamble=(self.words.NO_ANSWER_CARRYING_ON, *self._reminder(self.place)),
                       resuming=True)

    def _answer_offer(self, command: Command, now: float) -> Outcome:
        if command is Command.RESUME:
            return self._play(self.place, now, preamble=self._reminder(self.place), resuming=True,
                              note=self.words.CARRYING_ON_SAVED)
        if command in (Command.START_OVER, Command.NEXT):  # the key n, and "next" as once asked for
            return self._start_over(now)
        if command is Command.STOP:
            return self._ask_stop(now)
        return self._say_only(now, self._offer_text(), self.words.WAITING_FOR_ANSWER)

