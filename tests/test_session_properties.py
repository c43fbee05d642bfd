"""Any sequence of commands at any instants: no crash, no counting while paused, never stuck."""

from __future__ import annotations


from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SIMPLE, program_for, routine_from, speech_time
from voiceguide.clock import VirtualClock
from voiceguide.commands import Command
from voiceguide.config import default_config
from voiceguide.cues import Count
from voiceguide.planner import Place
from voiceguide.runner import ScriptedInbox, run
from voiceguide.session import Mode, Session

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
    # afterwards keep saying "resume" (which also cancels a pending stop) until the routine ends
    tail = [(201 + 50 * i, Command.RESUME) for i in range(3)] + [(400 + 10 * i, Command.NEXT) for i in range(12)]
    run(session, clock, ScriptedInbox(clock, list(script) + tail))
    assert session.mode is Mode.FINISHED
    for mode, cue in emitted:
        if isinstance(cue, Count):
            assert mode is Mode.PLAYING
            assert 1 <= cue.number <= cue.target
    assert not session.completed & (session.skipped - session.completed)
