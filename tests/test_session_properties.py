"""Any sequence of commands at any instants: no crash, no counting while paused, never stuck."""

from __future__ import annotations


from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SIMPLE, program_for, routine_from, speech_time
from voiceguide.engine.clock import VirtualClock
from voiceguide.engine.commands import Command
from voiceguide.userdata.config import default_config
from voiceguide.engine.cues import Count, Role, Say
from voiceguide.engine.planner import Place
from voiceguide.engine.runner import INTERRUPTED_SECONDS, ScriptedInbox, run
from voiceguide.engine.session import Session
from voiceguide.engine.view import Mode
from voiceguide.engine.program import PartKind

CONFIG = default_config()
_script = st.lists(st.tuples(st.floats(0, 200, allow_nan=False), st.sampled_from(list(Command))), max_size=25)


@settings(max_examples=150, deadline=None)
@given(script=_script, resume_at=st.sampled_from([None, Place(1, 1, 7), Place(3, 1, 30.5), Place(2, 5, 2)]),
       offer=st.booleans())
def test_any_commands_at_any_time(script, resume_at, offer):
    config = CONFIG
    program = program_for(routine_from(SIMPLE), config, rest=5)
    clock = VirtualClock()
    emitted = []
    session = Session(program, config.vocabulary(), speech_time,
                      lambda cue, at: emitted.append((session.mode, cue)), resume_from=resume_at, offer=offer)
    # afterwards keep saying "resume" (which also cancels a pending stop), then "enough" until the
    # routine ends: it finishes each set and hold, so it skips nothing
    tail = [(201 + 50 * i, Command.RESUME) for i in range(3)] + [(400 + 10 * i, Command.ENOUGH) for i in range(40)]
    run(session, clock, ScriptedInbox(clock, list(script) + tail))
    assert session.mode is Mode.FINISHED
    for mode, cue in emitted:
        if isinstance(cue, Count):
            assert mode is Mode.PLAYING
            assert 1 <= cue.number <= cue.target
    # every step after the place it started from was either done or skipped by a "next"
    steps = {index for index, part in enumerate(program.parts) if part.kind is PartKind.STEP}
    assert session.completed <= steps and session.skipped <= steps
    if session.place.part >= len(program.parts):  # played to the end, not stopped
        after_start = {index for index in steps if index > (resume_at.part if resume_at else 0)}
        assert after_start <= session.completed | session.skipped
    if not any(command is Command.NEXT for _, command in script):
        assert not session.skipped


def _of_the_routine(cue) -> bool:
    return isinstance(cue, Count) or (isinstance(cue, Say) and cue.role is not Role.FEEDBACK)


class _StallingInbox(ScriptedInbox):
    """Scripted commands, and stalls: at chosen instants nothing runs for a while (the process
    stopped, the machine asleep, a device call that froze)."""

    def __init__(self, clock, script, stalls):
        super().__init__(clock, script)
        self.stalls = sorted(stalls)

    def wait(self, deadline):
        if self.stalls and deadline is not None and self.stalls[0][0] <= deadline and (
                not self.script or self.stalls[0][0] <= self.script[0][0]):
            at, seconds = self.stalls.pop(0)
            self.clock.advance_to(max(at, self.clock.now()) + seconds)
            return None
        return super().wait(deadline)


@settings(max_examples=60, deadline=None)
@given(script=_script, stalls=st.lists(st.tuples(st.floats(0, 300, allow_nan=False), st.floats(0.01, 120)),
                                       max_size=4))
def test_any_stalls_never_fire_what_fell_due_during_them(script, stalls):
    """Whenever the process stops and for however long, nothing of the routine (counts, its
    sentences) is sent more than a moment after it was due, and the session still ends. (A
    confirmation due during a second stall may come late: it is the session's own remark.)"""
    config = CONFIG
    program = program_for(routine_from(SIMPLE), config, rest=5)
    clock = VirtualClock()
    late = []
    session = Session(program, config.vocabulary(), speech_time,
                      lambda cue, at: late.append(clock.now() - at) if _of_the_routine(cue) else None)
    tail = [(500 + 50 * i, Command.RESUME) for i in range(6)] + [(800 + 10 * i, Command.NEXT) for i in range(12)]
    run(session, clock, _StallingInbox(clock, list(script) + tail, stalls), refresh=0.1)
    assert session.mode is Mode.FINISHED
    assert max(late, default=0.0) <= INTERRUPTED_SECONDS + 0.1
