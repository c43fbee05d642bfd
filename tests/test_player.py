"""The player's wiring, in this process: what `play` does while voice control gets ready."""

from __future__ import annotations

import io
import threading
import time

from conftest import DATA
from voiceguide.app import player
from voiceguide.engine.commands import Command
from voiceguide.userdata.config import default_config
from voiceguide.userdata.placestore import PlaceStore
from voiceguide.format.loader import load_routine

MODEL_LOAD_LIMIT_SECONDS = 10.0
"""How long the stand-in for voice control waits for the first words before giving up."""


class _Screen(io.StringIO):
    """The player's output, telling the test when the routine's title is on it."""

    def __init__(self):
        super().__init__()
        self.title_shown = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "Tiny test routine" in self.getvalue():
            self.title_shown.set()
        return written


def test_the_first_words_do_not_wait_for_voice_control_to_load(tmp_path, monkeypatch):
    """Voice control loads a model (0.5-1 s for Whisper) while the title is already being said;
    once ready it is obeyed (here: "stop", twice, ends the session)."""
    screen = _Screen()
    loaded_before_title = []

    class SlowToLoadVoiceControl:
        description = "a voice control that loads only once the title is said"

        def __init__(self, config, put, **_):
            loaded_before_title.append(not screen.title_shown.wait(MODEL_LOAD_LIMIT_SECONDS))
            self.put = put

        def start(self):
            for _ in range(2):  # stop, and yes: stop
                self.put(Command.STOP, time.monotonic())
                time.sleep(0.3)

        def close(self):
            pass

    monkeypatch.setattr(player, "VoiceControl", SlowToLoadVoiceControl)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    config = default_config()
    routine = load_routine(DATA / "tiny.yaml", config.vocabulary().all_phrases()).routine
    errors = io.StringIO()
    result = player.play(routine, config, PlaceStore(tmp_path), resume=False, audio=False, voice=True,
                         out=screen, err=errors)
    assert loaded_before_title == [False], "the session waited for voice control before its first words"
    assert "Listening with a voice control that loads only once the title is said" in errors.getvalue()
    assert not result.finished and result.completed == 0, screen.getvalue()
