"""A routine's program under the user's settings, and how long it takes.

Kept apart from the player so that `list` and `show` (which only need the lengths) start without
loading the audio, speech and listening stacks.
"""

from __future__ import annotations

from voiceguide.engine.commands import Inputs
from voiceguide.engine.planner import Pace, Place, plan
from voiceguide.engine.program import PlaySettings, Program, Wording, expand
from voiceguide.engine.speechtime import estimate_seconds
from voiceguide.format.routine import Routine
from voiceguide.userdata.config import Cautions, Config, Verbosity
from voiceguide.wording import words_for


def wording_for(config: Config, sessions_played: int) -> Wording:
    """Resolve 'auto' verbosity: full instructions for the first sessions, brief after."""
    if config.verbosity is Verbosity.AUTO:
        return Wording.FULL if sessions_played < config.full_sessions else Wording.BRIEF
    return Wording(config.verbosity.value)


def cautions_in_full(config: Config, sessions_played: int, cautions_heard: bool) -> bool:
    """Resolve 'auto' for the safety points: in full for the first sessions and whenever they
    changed since they were last heard in full, a short reminder after (they stay one 'help' away)."""
    if config.cautions is Cautions.AUTO:
        return sessions_played < config.full_sessions or not cautions_heard
    return config.cautions is Cautions.FULL


def build_program(routine: Routine, config: Config, sessions_played: int = 0,
                  inputs: Inputs | None = None, cautions_heard: bool = False) -> Program:
    settings = PlaySettings(intensity=routine.intensity or config.intensity, tempo=config.timing.tempo,
                            rest=config.timing.rest, count_in=config.timing.count_in,
                            wording=wording_for(config, sessions_played), inputs=inputs or Inputs(),
                            full_cautions=cautions_in_full(config, sessions_played, cautions_heard),
                            words=words_for(config.language))
    return expand(routine, settings, config.vocabulary())


def programs_heard(routine: Routine, config: Config) -> list[Program]:
    """The routine as its user may hear it over the sessions: as in the first ones (full wording
    and cautions, where the configuration leaves them to the player) and as later."""
    return [build_program(routine, config),
            build_program(routine, config, sessions_played=config.full_sessions, cautions_heard=True)]


def speech_timer(config: Config):
    """Seconds a sentence takes at the configured rate, estimated from its text."""
    rate = config.speech.rate
    return lambda text: estimate_seconds(text, rate)


def estimated_seconds(program: Program, config: Config) -> float:
    return plan(program, Place(0, 0, 0), 0.0, Pace(speech_timer(config)))[-1].at
