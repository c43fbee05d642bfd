"""The command's entry point, kept tiny so the signals are set before anything heavy is imported.

Ctrl-C, SIGTERM (a logout, `kill`) and SIGHUP (the terminal closed) all end voiceguide the same
way at any moment, start-up included: one line, the place saved, the history row closed, the
terminal restored. Ctrl-C works even when the shell that started voiceguide ignores it (`nohup`,
a background job), since a process inherits an ignored signal.
"""

from __future__ import annotations

import os
import signal
import sys


INTERRUPTED = 130
"""The exit status of a command ended by Ctrl-C (or SIGTERM, SIGHUP), as shells expect."""


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):  # not on Windows
            signal.signal(getattr(signal, name), _interrupt)
    try:
        from voiceguide.app.cli import main as command

        code = command()
    except KeyboardInterrupt:  # before the command could say what was kept (nothing is open yet)
        try:
            sys.stderr.write("\nvoiceguide: interrupted.\n")
        except OSError:  # the terminal is gone
            pass
        code = INTERRUPTED
    if code == INTERRUPTED:
        _end_now(code)
    return code


def _end_now(code: int) -> None:
    """Exit at once, once what was written is out. An interrupt that fell inside an import can
    surface again as the interpreter winds down, and the process would die of SIGINT instead of
    exiting 130 (seen after the command had already said what it kept)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # the terminal is gone
            pass
    os._exit(code)
