"""Text mode: what the narrator says, shown as a transcript, under a live status block, plus keys.

On a terminal the block (step k/N, technique, the count or time left, what comes next) is
redrawn in place; otherwise every cue is printed as a plain line, which is what logs and tests
read. Keys are read on their own thread and only ever turned into commands.

The block lives in the terminal's bottom rows, outside a scrolling region that holds the
transcript (as apt draws its progress bar). It is drawn at absolute rows, never by counting lines
up from the cursor, so a line some library prints into the terminal scrolls with the transcript
and cannot leave stale copies of the block behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterator
from typing import TextIO

from voiceguide.engine.commands import Command, Vocabulary
from voiceguide.engine.cues import Count, Cue, Say, Silence, Tone
from voiceguide.engine.view import Mode, Outcome, View
from voiceguide.wording.english import ENGLISH, English

KEYS = {
    "n": Command.NEXT, "p": Command.PREVIOUS, "b": Command.PREVIOUS, "r": Command.REPEAT,
    "q": Command.STOP, "+": Command.FASTER, "=": Command.FASTER, "-": Command.SLOWER,
    "m": Command.MORE, "e": Command.ENOUGH, "u": Command.UNDO, "s": Command.STATUS,
    "h": Command.HELP, "?": Command.HELP,
}
KEY_NAMES = {Command.PAUSE: "space", Command.RESUME: "space", Command.START_OVER: "n",
             **{command: key for key, command in reversed(KEYS.items())}}
"""The key for each command, as a prompt names it (the first of two keys for one command)."""
STATUS_LINES = 5
"""The block's rows above the keys: title, where, work, next, last command."""


def display_width(text: str) -> int:
    """Columns the text takes on a terminal: wide scripts (Korean, Chinese, Japanese) take two a
    character, combining marks none."""
    return sum(0 if unicodedata.combining(character) else
               2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def fit(text: str, columns: int) -> str:
    """The text cut to `columns` display columns."""
    width = 0
    for index, character in enumerate(text):
        width += display_width(character)
        if width > columns:
            return text[:index]
    return text


def key_lines(columns: int, words: English = ENGLISH) -> list[str]:
    """The keys, wrapped between items to fit the terminal's width."""
    first = f"  {words.KEYS_LABEL}  "
    indent = " " * display_width(first)
    lines, items = [], []
    for item in words.KEY_HELP:
        label = first if not lines else indent
        if items and display_width(label + " · ".join([*items, item])) > columns - 1:
            lines.append(label + " · ".join(items))
            items = []
        items.append(item)
    return [*lines, (first if not lines else indent) + " · ".join(items)]


def block_height(columns: int, words: English = ENGLISH) -> int:
    """Rows the live block takes on a terminal this wide."""
    return STATUS_LINES + len(key_lines(columns, words))


def clock_text(seconds: float) -> str:
    """Seconds as minutes and seconds: 2:05."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class TextView:
    """A cue sink and display. `live` redraws a status block in place (a terminal)."""

    def __init__(self, out: TextIO, live: bool, words: English = ENGLISH):
        self.out = out
        self.live = live
        self.words = words
        self._rows = 0
        """The terminal's height the block was placed for (0: not placed yet)."""
        self._height = 0
        """The block's rows, as placed."""
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
        columns, rows = shutil.get_terminal_size((100, 24))
        lines = [f"{view.title}", self._where(view), self._work(view), self._next(view),
                 f"  {self.words.LAST_COMMAND}  {self._note}" if self._note else "", *key_lines(columns, self.words)]
        if (rows, block_height(columns, self.words)) != (self._rows, self._height):
            self._place_block(rows, block_height(columns, self.words))
        first_row = rows - len(lines) + 1
        drawn = "".join(f"\x1b[{first_row + index};1H\x1b[2K{fit(line, max(1, columns - 1))}"
                        for index, line in enumerate(lines))
        self.out.write(f"\x1b7{drawn}\x1b8")  # save the transcript's cursor, draw, put it back
        self.out.flush()

    def close(self) -> None:
        """Give the terminal its whole height back, with the cursor below the last block drawn."""
        if self._rows:
            self.out.write(f"\x1b7\x1b[r\x1b8\x1b[{self._rows};1H\n")
            self.out.flush()
            self._rows = 0

    def _place_block(self, rows: int, height: int) -> None:
        """Keep the bottom rows for the block and let the transcript scroll above them."""
        reset = "\x1b7\x1b[r\x1b8\x1b[J" if self._rows else ""  # resized: clear the block drawn before
        room = "\n" * height + f"\x1b[{height}A"  # scrolls the transcript up if it reaches the bottom
        self.out.write(f"{reset}{room}\x1b7\x1b[1;{max(1, rows - height)}r\x1b8")
        self._rows, self._height = rows, height

    def _where(self, view: View) -> str:
        words = self.words
        tag = {Mode.PLAYING: "", Mode.PAUSED: words.PAUSED_TAG, Mode.CONFIRM_STOP: words.CONFIRM_STOP_TAG,
               Mode.OFFER: words.OFFER_TAG,
               Mode.FINISHED: words.STOPPED_TAG if view.stopped else words.FINISHED_TAG}[view.mode]
        mode = f"  {tag}" if tag else ""
        if view.step_number:
            return f"  {words.step_of(view.step_number, view.step_count, view.label)}{mode}"
        return f"  {view.label}{mode}"

    def _work(self, view: View) -> str:
        if view.count is not None:
            return f"  {self.words.count_line(view.count, view.target, view.phase, view.tempo, self._beat)}"
        if view.seconds_left is not None:
            return f"  {self.words.clock_line(view.resting, clock_text(view.seconds_left))}"
        return f"  » {self._last_said}"

    def _next(self, view: View) -> str:
        return f"  {self.words.next_line(view.upcoming, clock_text(view.remaining))}"

    def _log(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()


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


def reads_single_keys(stream: TextIO) -> bool:
    """True when keys can be read one at a time: a terminal on a system with termios. On Windows
    (no termios) and from a pipe, commands are typed as lines instead (LineReader)."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
