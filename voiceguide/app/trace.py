"""A JSON-lines trace of a session: every cue with its due time, every command with when it came.

Times are on the monotonic clock, so a trace lines up with recordings made by other processes
on the same machine (the narration benchmark does exactly that).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from voiceguide.engine.commands import Command
from voiceguide.engine.cues import Count, Cue, Say, Tone
from voiceguide.engine.view import Outcome


class Trace:
    def __init__(self, out: TextIO, warn: Callable[[str], None] = lambda message: None):
        """`warn` is told once if the trace cannot be written (a full disk): the session goes on."""
        self.out, self.warn = out, warn
        self._failed = False

    def cue(self, cue: Cue, at: float) -> None:
        record = {"at": round(at, 6), "cue": type(cue).__name__.lower()}
        if isinstance(cue, Say):
            record.update(text=cue.text, role=cue.role.value)
        elif isinstance(cue, Count):
            record.update(number=cue.number, target=cue.target, voiced=cue.voiced)
        elif isinstance(cue, Tone):
            record.update(kind=cue.kind.value)
        self._write(record)

    def command(self, command: Command, now: float, outcome: Outcome) -> None:
        self._write({"at": round(now, 6), "command": command.value, "accepted": outcome.accepted,
                     "note": outcome.note})

    def heard(self, record: dict, now: float) -> None:
        """A phrase the listener heard, obeyed or not (the record says which, and why)."""
        self._write({"at": round(now, 6), **record})

    def output(self, now: float, underruns: int, reopened: int, library_messages: int) -> None:
        """How the audio output is doing (the player writes this every few seconds): underruns,
        times the device was reopened, ALSA messages kept off the screen."""
        self._write({"at": round(now, 6), "output": {"underruns": underruns, "reopened": reopened,
                                                     "library_messages": library_messages}})

    def _write(self, record: dict) -> None:
        if self._failed:
            return
        try:
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.out.flush()
        except OSError as exc:
            self._failed = True
            self.warn(f"cannot write the trace ({exc.strerror or exc}); the session goes on without it")
