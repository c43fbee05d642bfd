"""Putting a session together for `voiceguide play`: settings, saved place, inputs and outputs.

The session engine stays pure; this module is where it meets the terminal, the place store and
(later) the narrator and the listener.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from voiceguide.clock import MonotonicClock
from voiceguide.commands import Command
from voiceguide.config import Config, Verbosity
from voiceguide.placestore import PlaceStore
from voiceguide.planner import Pace, Place, plan
from voiceguide.routine import Routine
from voiceguide.runner import CommandInbox, run
from voiceguide.session import Mode, Outcome, Session
from voiceguide.speechtime import estimate_seconds
from voiceguide.textview import KeyReader, LineReader, TextView, stdin_is_terminal
from voiceguide.timeline import PlaySettings, Program, Wording, expand

REFRESH_SECONDS = 0.1
"""How often the live view is redrawn."""


@dataclass(frozen=True)
class PlayResult:
    finished: bool
    """True when the routine ran to its end (not stopped)."""
    completed: int
    skipped: list[str]
    summary: str


def wording_for(config: Config, sessions_played: int) -> Wording:
    """Resolve 'auto' verbosity: full instructions for the first sessions, brief after."""
    if config.verbosity is Verbosity.AUTO:
        return Wording.FULL if sessions_played < config.full_sessions else Wording.BRIEF
    return Wording(config.verbosity.value)


def build_program(routine: Routine, config: Config, sessions_played: int = 0) -> Program:
    settings = PlaySettings(intensity=routine.intensity or config.intensity, tempo=config.timing.tempo,
                            rest=config.timing.rest, count_in=config.timing.count_in,
                            wording=wording_for(config, sessions_played))
    return expand(routine, settings, config.vocabulary())


def speech_timer(config: Config):
    rate = config.speech.rate
    return lambda text: estimate_seconds(text, rate)


def estimated_seconds(program: Program, config: Config) -> float:
    return plan(program, Place(0, 0, 0), 0.0, Pace(speech_timer(config)))[-1].at


class _PlaceSaver:
    """Saves the place whenever it changes; a failing disk is reported once and never stops play."""

    def __init__(self, store: PlaceStore, session: Session, program: Program, warn):
        self.store, self.session, self.program, self.warn = store, session, program, warn
        self._last = None
        self._failed = False

    def __call__(self, _now: float) -> None:
        if self.session.mode in (Mode.OFFER, Mode.FINISHED) or self._failed:
            return
        state = (self.session.place, self.session.pace.tempo_factor, tuple(sorted(self.session.pace.targets.items())))
        if state == self._last:
            return
        try:
            self.store.save(self.program, self.session.place, self.session.pace.tempo_factor,
                            self.session.pace.targets)
            self._last = state
        except OSError as exc:
            self._failed = True
            self.warn(f"cannot save your place ({exc.strerror or exc}); the session goes on")


def play(routine: Routine, config: Config, store: PlaceStore, *, resume: bool | None,
         out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> PlayResult:
    """Run a routine in text mode at the real pace until it ends, is stopped, or Ctrl-C.

    resume: True carries on from a saved place, False starts over, None asks (on a terminal).
    """
    program = build_program(routine, config, store.sessions_played(routine.id))
    saved = store.load(program) if resume is not False else None
    interactive = stdin_is_terminal()
    if saved and not saved.exact:
        err.write(f"voiceguide: {routine.id} changed since last time; carrying on from the start of that step\n")
    clock = MonotonicClock()
    inbox = CommandInbox(clock)
    view = TextView(out, live=interactive and out.isatty())
    session = Session(program, config.vocabulary(), speech_timer(config), view.cue,
                      tempo_change=config.timing.tempo_change,
                      resume_from=saved.place if saved else None, offer=resume is None and interactive)
    if saved:
        session.pace.tempo_factor, session.pace.targets = saved.tempo_factor, dict(saved.targets)

    def warn(message: str) -> None:
        err.write(f"voiceguide: {message}\n")

    saver = _PlaceSaver(store, session, program, warn)
    keys = KeyReader(inbox.put, lambda: session.mode is Mode.PLAYING)

    def on_tick(now: float) -> None:
        saver(now)
        view.draw(session.view(now))

    def on_command(command: Command, outcome: Outcome) -> None:
        view.command(command, outcome)

    def run_session() -> None:
        run(session, clock, inbox, refresh=REFRESH_SECONDS, on_tick=on_tick, on_command=on_command)

    try:
        if interactive:
            with keys.running(sys.stdin):
                run_session()
        else:
            LineReader(inbox.put, config.vocabulary(), keys,
                       lambda text: warn(f"unknown command '{text}' "
                                         f"(try: {', '.join(config.vocabulary().all_phrases())})")).start(sys.stdin)
            run_session()
    except KeyboardInterrupt:
        saver(clock.now())  # the very last place, however the interrupt fell
        raise
    return _finish(session, program, store)


def _finish(session: Session, program: Program, store: PlaceStore) -> PlayResult:
    steps = [part for part in program.parts if part.step is not None]
    completed = [p for i, p in enumerate(program.parts) if i in session.completed]
    skipped = [program.parts[i].label for i in sorted(session.skipped - session.completed)]
    finished = session.place.part >= len(program.parts)
    if finished:
        store.clear(program.routine.id)
        store.record_finished(program.routine.id)
    summary = f"{len(completed)} of {len(steps)} steps done"
    if skipped:
        summary += f"; skipped: {', '.join(skipped)}"
    if not finished:
        summary += ". Your place is saved: play the routine again to carry on"
    return PlayResult(finished, len(completed), skipped, summary + ".")
