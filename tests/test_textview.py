"""The live view as a user sees it, on a terminal emulated by pyte."""

from __future__ import annotations

import dataclasses
import io
import os
import sys

import pyte
import pytest

from voiceguide.engine.commands import Command
from voiceguide.engine.cues import Role, Say
from voiceguide.engine.view import Mode, Outcome, View
from voiceguide.app.textview import TextView, block_height, display_width, reads_single_keys
from voiceguide.engine.program import PartKind

COLUMNS, ROWS = 100, 24
BLOCK_LINES = block_height(COLUMNS)


class Terminal(io.StringIO):
    """What is written goes to an emulated screen as well (a newline returns the carriage, as a
    terminal's line discipline makes it)."""

    def __init__(self, columns: int = COLUMNS):
        super().__init__()
        self.screen = pyte.Screen(columns, ROWS)
        self.stream = pyte.Stream(self.screen)

    def write(self, text: str) -> int:
        self.stream.feed(text.replace("\n", "\r\n"))
        return super().write(text)

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]


def view_at(count: int, mode: Mode = Mode.PLAYING, stopped: bool = False) -> View:
    return View(stopped=stopped, mode=mode, title="Lower back", part_kind=PartKind.STEP, step_number=2, step_count=5,
                label="Thumb circles", phase=None, count=count, target=20, seconds_left=None, resting=False,
                upcoming="Knuckle rub", tempo=1.5, remaining=300 - count)


@pytest.fixture
def terminal(monkeypatch) -> Terminal:
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    monkeypatch.setenv("LINES", str(ROWS))
    return Terminal()


def test_stray_lines_from_other_programs_never_leave_copies_of_the_block(terminal):
    """ALSA, PortAudio or espeak may print into the terminal between two redraws: the block stays
    one block at the bottom, and the stray lines scroll away with the transcript above it."""
    view = TextView(terminal, live=True)
    for count in range(1, 60):
        view.cue(Say(f"Sentence {count}.", Role.INSTRUCTION), float(count))
        if count % 3 == 0:
            terminal.write(f"ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred {count}\n")
        view.draw(view_at(count))
    screen = terminal.lines()
    assert sum(line == "Lower back" for line in screen) == 1, "\n".join(screen)
    assert screen[ROWS - BLOCK_LINES:ROWS - BLOCK_LINES + 3] == [
        "Lower back", "  Step 2 of 5 · Thumb circles", "  Count 59 of 20 · 1.5 s each · beat"], "\n".join(screen)
    transcript = screen[:ROWS - BLOCK_LINES]
    assert transcript[-1] == "" and transcript[-2] == "  Sentence 59.", "\n".join(screen)
    assert "underrun occurred 57" in transcript[-4], "\n".join(screen)


def test_the_last_command_shows_and_the_summary_follows_the_block(terminal):
    view = TextView(terminal, live=True)
    view.cue(Say("Begin.", Role.INSTRUCTION), 0.0)
    view.draw(view_at(1))
    view.command(Command.PAUSE, Outcome(accepted=True, note="paused"))
    view.draw(view_at(1, Mode.PAUSED))
    view.close()
    terminal.write("Session ended at step 2.\n")
    screen = terminal.lines()
    assert screen[-9:] == ["Lower back", "  Step 2 of 5 · Thumb circles  [PAUSED]",
                           "  Count 1 of 20 · 1.5 s each · beat", "  Next: Knuckle rub · about 4:59 to the end",
                           "  last command  pause: paused", screen[-4], screen[-3], "Session ended at step 2.", ""], \
        "\n".join(screen)
    assert screen[-4].startswith("  keys  space pause/resume") and screen[-3].endswith("q stop")


def test_a_resized_terminal_gets_one_block_at_its_new_bottom(terminal, monkeypatch):
    view = TextView(terminal, live=True)
    view.cue(Say("Begin.", Role.INSTRUCTION), 0.0)
    view.draw(view_at(1))
    monkeypatch.setenv("LINES", "20")
    view.draw(view_at(2))
    screen = terminal.lines()
    assert sum(line == "Lower back" for line in screen) == 1, "\n".join(screen)
    assert screen[20 - BLOCK_LINES] == "Lower back", "\n".join(screen)


def test_the_block_says_stopped_or_finished(terminal):
    view = TextView(terminal, live=True)
    view.draw(view_at(3, Mode.FINISHED, stopped=True))
    assert "  Step 2 of 5 · Thumb circles  [stopped]" in terminal.lines()
    view.draw(view_at(20, Mode.FINISHED))
    assert "  Step 2 of 5 · Thumb circles  [finished]" in terminal.lines()


def test_keys_wrap_on_a_narrow_terminal_and_every_key_shows(monkeypatch):
    """At 80 columns the keys once ended at "u undo": q stop, h help and s status were cut off."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", str(ROWS))
    terminal = Terminal(columns=80)
    view = TextView(terminal, live=True)
    for count in range(1, 30):
        view.cue(Say(f"Sentence {count}.", Role.INSTRUCTION), float(count))
        view.draw(view_at(count))
    screen = terminal.lines()
    keys = screen[-2:]
    assert keys[0].startswith("  keys  space pause/resume") and keys[1].startswith("        "), "\n".join(screen)
    for item in ("q stop", "h help", "s status", "u undo"):
        assert item in " ".join(keys), "\n".join(screen)
    assert all(len(line) < 80 for line in screen)
    assert sum(line == "Lower back" for line in screen) == 1, "\n".join(screen)
    assert screen[ROWS - block_height(80) - 2] == "  Sentence 29.", "\n".join(screen)


def test_wide_characters_are_measured_by_the_columns_they_take(terminal):
    """A Korean technique name takes two columns a character: cut by characters, it would wrap
    onto the next row and push the block out of step."""
    view = TextView(terminal, live=True)
    long_name = "엄지로 원을 그리며 허리 아래쪽 근육을 천천히 풀어 주는 동작" * 3
    wide = dataclasses.replace(view_at(3), label=long_name, title="허리 아래쪽")
    for _ in range(3):
        view.draw(wide)
    screen = terminal.lines()
    assert screen[ROWS - BLOCK_LINES] == "허리 아래쪽", "\n".join(screen)
    assert screen[ROWS - BLOCK_LINES + 1].startswith("  Step 2 of 5 · 엄지로"), "\n".join(screen)
    assert screen[ROWS - BLOCK_LINES + 2].startswith("  Count 3 of 20"), "\n".join(screen)
    assert display_width(screen[ROWS - BLOCK_LINES + 1]) <= COLUMNS - 1


def test_single_keys_only_from_a_terminal_with_termios(monkeypatch):
    """Windows has no termios: play must read typed lines there instead of crashing."""
    main, other = os.openpty()
    with os.fdopen(other, "r") as terminal_input:
        assert reads_single_keys(terminal_input)
        monkeypatch.setitem(sys.modules, "termios", None)  # as on Windows: import fails
        assert not reads_single_keys(terminal_input)
    os.close(main)
    read, write = os.pipe()
    with os.fdopen(read) as piped, os.fdopen(write, "w"):
        monkeypatch.delitem(sys.modules, "termios")
        assert not reads_single_keys(piped)
