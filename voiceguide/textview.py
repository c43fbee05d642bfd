"""Text mode: what the narrator says, shown as a transcript, under a live status block, plus keys.

On a terminal the block (step k/N, technique, the count or time left, what comes next) is
redrawn in place; otherwise every cue is printed as a plain line, which is what logs and tests
read. Keys are read on their own thread and only ever turned into commands.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

from voiceguide.commands import Command, Vocabulary
from voiceguide.cues import Count, Cue, Say, Silence, Tone
from voiceguide.session import Mode, Outcome, View

KEYS = {
    "n": Command.NEXT, "p": Command.PREVIOUS, "b": Command.PREVIOUS, "r": Command.REPEAT,
    "q": Command.STOP, "+": Command.FASTER, "=": Command.FASTER, "-": Command.SLOWER,
    "m": Command.MORE, "e": Command.ENOUGH, "u": Command.UNDO, "s": Command.STATUS,
    "h": Command.HELP, "?": Command.HELP,
}
KEY_HELP = ("space pause/resume · n next · p back · r repeat · +/- tempo · m more · e enough · "
            "u undo · s status · h help · q stop")


def _clock_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class TextView:
    """A cue sink and display. `live` redraws a status block in place (a terminal)."""

    def __init__(self, out: TextIO, live: bool):
        self.out = out
        self.live = live
        self._block_lines = 0
        self._last_said = ""
        self._note = ""
        self._beat = ""

    def cue(self, cue: Cue, at: float) -> None:
        if isinstance(cue, Say):
            self._last_said = cue.text
            self._log(f"  {cue.text}")
        elif isinstance(cue, Count):
            self._beat = f"{cue.number}" if cue.voiced else f"({cue.number})"
            if not self.live:
                self._log(f"  {self._beat}")
        elif isinstance(cue, Tone) and not self.live:
            self._log(f"  [{cue.kind.value} tone]")
        elif isinstance(cue, Silence) and not self.live:
            self._log("  [silence]")

    def command(self, command: Command, outcome: Outcome) -> None:
        self._note = f"{command.value}: {outcome.note}" if outcome.note else command.value
        if not self.live:
            self._log(f"> {self._note}")

    def draw(self, view: View) -> None:
        if not self.live:
            return
        self._erase_block()
        width = max(40, shutil.get_terminal_size((100, 20)).columns) - 1
        lines = [f"{view.title}", self._where(view), self._work(view), self._next(view)]
        if self._note:
            lines.append(f"  last command  {self._note}")
        lines.append(f"  keys  {KEY_HELP}")
        text = [line[:width] for line in lines]
        self.out.write("\n".join(text) + "\n")
        self.out.flush()
        self._block_lines = len(text)

    def _where(self, view: View) -> str:
        mode = {Mode.PLAYING: "", Mode.PAUSED: "  [PAUSED]", Mode.CONFIRM_STOP: "  [STOP? press q again]",
                Mode.OFFER: "  [resume? space: carry on, n: start over]", Mode.FINISHED: "  [finished]"}[view.mode]
        if view.step_number:
            return f"  Step {view.step_number} of {view.step_count} · {view.label}{mode}"
        return f"  {view.label}{mode}"

    def _work(self, view: View) -> str:
        if view.count is not None:
            phase = f" ({view.phase})" if view.phase else ""
            return f"  Count {view.count} of {view.target}{phase} · {view.tempo:.1f} s each · beat {self._beat}"
        if view.seconds_left is not None:
            kind = "Rest" if view.resting else "Time left"
            return f"  {kind} {_clock_text(view.seconds_left)}"
        return f"  » {self._last_said}"

    def _next(self, view: View) -> str:
        upcoming = f"Next: {view.upcoming}" if view.upcoming else "Last step"
        return f"  {upcoming} · about {_clock_text(view.remaining)} to the end"

    def _log(self, line: str) -> None:
        self._erase_block()
        self.out.write(line + "\n")
        self.out.flush()

    def _erase_block(self) -> None:
        if self.live and self._block_lines:
            self.out.write(f"\x1b[{self._block_lines}F\x1b[J")
            self._block_lines = 0


class KeyReader:
    """Reads single keys from a terminal (cbreak: no echo, Ctrl-C still interrupts) on a thread."""

    def __init__(self, submit: Callable[[Command], None], is_playing: Callable[[], bool]):
        self.submit = submit
        self.is_playing = is_playing

    def handle_key(self, key: str) -> None:
        if key in (" ", "\n", "\r"):
            self.submit(Command.PAUSE if self.is_playing() else Command.RESUME)
        elif key.lower() in KEYS:
            self.submit(KEYS[key.lower()])

    @contextlib.contextmanager
    def running(self, stream: TextIO) -> Iterator[None]:
        import termios
        import tty

        descriptor = stream.fileno()
        saved = termios.tcgetattr(descriptor)
        tty.setcbreak(descriptor)
        thread = threading.Thread(target=self._read, args=(descriptor,), daemon=True, name="keys")
        thread.start()
        try:
            yield
        finally:
            termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)

    def _read(self, descriptor: int) -> None:
        while True:
            try:
                data = os.read(descriptor, 1)
            except OSError:
                return
            if not data:
                return
            self.handle_key(data.decode("utf-8", "replace"))


class LineReader:
    """Commands typed as lines on a non-terminal stdin ('pause', 'n', 'how many left')."""

    def __init__(self, submit: Callable[[Command], None], vocabulary: Vocabulary, keys: KeyReader,
                 unknown: Callable[[str], None]):
        self.submit = submit
        self.vocabulary = vocabulary
        self.keys = keys
        self.unknown = unknown

    def start(self, stream: TextIO) -> None:
        threading.Thread(target=self._read, args=(stream,), daemon=True, name="lines").start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            text = line.strip()
            command = self.vocabulary.match(text)
            if command is not None:
                self.submit(command)
            elif len(text) == 1:
                self.keys.handle_key(text)
            elif text:
                self.unknown(text)


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
