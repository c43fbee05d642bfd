"""The wording modules: every sentence the player says around a routine comes from them, and a
Korean session says no English sentence."""

from __future__ import annotations

import re

import pytest

from conftest import program_for, routine_from, write_user_config
from test_listener import KOREAN
from voiceguide.app.programs import build_program
from voiceguide.app.textview import TextView
from voiceguide.engine.commands import Command, Inputs
from voiceguide.engine.runner import ScriptedInbox, run
from voiceguide.engine.session import Session
from voiceguide.engine.clock import VirtualClock
from voiceguide.userdata.config import load_config
from voiceguide.wording import LANGUAGES, words_for
from voiceguide.wording.english import English
from voiceguide.wording.korean import Korean

from conftest import Recording, speech_time
from test_textview import COLUMNS, ROWS, Terminal

KOREAN_ROUTINE = """
id: heori
title: 허리 풀기
cautions: [아프면 바로 멈추세요.]
steps:
  - id: nureugi
    name: 누르기
    position: 옆으로 누우세요.
    instruction: 엄지로 척추 옆을 누르세요.
    brief: 엄지로 누르기.
    reps: {count: 10-20, tempo: 1}
    tips: [{at: 5, say: 천천히 숨 쉬세요.}]
  - id: dolligi
    name: 돌리기
    instruction: 엄지로 원을 그리세요.
    reps: {count: 6, tempo: 1, phases: [시계 방향, 반대 방향]}
  - id: butjapgi
    name: 누르고 있기
    instruction: 한 곳을 누르고 계세요.
    timed: {duration: 60-120 s, until: 따뜻해질}
    rest: 5
"""
EVERY_COMMAND = [(5.0, Command.STATUS), (12.0, Command.HELP), (20.0, Command.PAUSE), (22.0, Command.PAUSE),
                 (24.0, Command.RESUME), (40.0, Command.SLOWER), (41.0, Command.FASTER), (42.0, Command.MORE),
                 (43.0, Command.MORE), (44.0, Command.MORE), (45.0, Command.UNDO), (60.0, Command.NEXT),
                 (61.0, Command.REPEAT), (70.0, Command.PREVIOUS), (80.0, Command.ENOUGH), (85.0, Command.NEXT),
                 (95.0, Command.MORE), (96.0, Command.SLOWER), (100.0, Command.STATUS), (110.0, Command.STOP),
                 (112.0, Command.RESUME), (150.0, Command.UNDO), (151.0, Command.UNDO), (200.0, Command.NEXT),
                 (230.0, Command.STOP), (232.0, Command.STOP)]
"""Every command, in counts, phases, holds and rests, so every kind of sentence is said."""
LATIN = re.compile(r"[A-Za-z]{2,}")


def test_every_language_words_every_sentence_of_its_own():
    """A sentence a language leaves out would be said in English in its sessions."""
    sentences = {name for name in vars(English) if not name.startswith("_") and name != "feedback"}
    for language in LANGUAGES.values():
        if language is not English:
            missing = sorted(name for name in sentences if name not in vars(language))
            assert not missing, f"{language.__name__} leaves these in English: {missing}"


def test_the_config_language_chooses_the_wording_and_english_is_the_fallback():
    assert isinstance(words_for("ko"), Korean) and type(words_for("en")) is English
    assert type(words_for("de")) is English


def _korean_session(tmp_path, inputs: Inputs) -> Recording:
    write_user_config(KOREAN)
    config = load_config()
    assert config.language == "ko"
    program = build_program(routine_from(KOREAN_ROUTINE), config, inputs=inputs)
    clock = VirtualClock()
    recording = Recording(clock=clock)
    session = Session(program, config.vocabulary(), speech_time, recording)
    session.inputs = inputs
    run(session, clock, ScriptedInbox(clock, EVERY_COMMAND))
    return recording


@pytest.mark.parametrize("inputs", [Inputs(voice=True), Inputs(voice=False, keys={Command.PAUSE: "space"}, typed=False),
                                    Inputs(voice=False, typed=True)], ids=["voice", "keys", "typed"])
def test_a_korean_session_says_no_english_sentence(tmp_path, inputs):
    said = _korean_session(tmp_path, inputs).said()
    english = [text for text in said if LATIN.search(text)]
    assert not english, english
    assert len(set(said)) > 30  # it said a good deal: openings, counts, holds, rests, feedback, status, help


def test_a_korean_view_shows_no_english_word(monkeypatch):
    """The live view's labels, tags and keys line come from the wording too."""
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    monkeypatch.setenv("LINES", str(ROWS))
    terminal = Terminal()
    write_user_config(KOREAN)
    config = load_config()
    program = build_program(routine_from(KOREAN_ROUTINE), config)
    view = TextView(terminal, live=True, words=program.settings.words)
    clock = VirtualClock()
    session = Session(program, config.vocabulary(), speech_time, view.cue)
    session.start(0.0)
    shown = []
    for at, command in ((20.0, None), (30.0, Command.PAUSE), (31.0, Command.RESUME), (100.0, None),
                        (200.0, Command.STOP)):
        clock.advance_to(at)
        session.advance(at)
        if command is not None:
            view.command(command, session.handle(command, at))
        view.draw(session.view(at))
        shown += terminal.lines()
    english = {line for line in shown if LATIN.search(line) and not re.search(r"\b(pause|resume|stop)\b:", line)}
    assert not english, english  # (the last command's name, "pause: 멈춤.", is the command's own id)
    assert any("멈춤" in line for line in shown) and any("단계 중" in line for line in shown)


def test_the_english_session_is_worded_as_before(config):
    """The move into english.py changed no English sentence (a few, as the tests elsewhere know them)."""
    program = program_for(routine_from(KOREAN_ROUTINE), config)
    opening = [text for text, _ in program.parts[0].segments[0].lines]
    assert opening[1] == "First, some safety points."
    assert opening[-1] == "You can say pause at any time, or say help to hear every command."
    assert [text for text, _ in program.parts[-1].segments[0].lines] == [
        "That completes the routine. Well done.", "Take a moment to rest, and drink some water."]
    phases = [text for segment in program.parts[2].segments if hasattr(segment, "lines") for text, _ in segment.lines]
    assert "시계 방향 first." in phases and "Now 반대 방향." in phases


def test_the_session_summary_is_worded_too():
    """The line printed when a session ends (or never starts) is in the session's language."""
    korean, english = Korean(), English()
    for words in (korean, english):
        assert "3" in words.steps_done(2, 3, ["Rub"], place_saved=True) and "Rub" in words.steps_done(2, 3, ["Rub"], True)
    assert not LATIN.search(korean.steps_done(2, 3, [], place_saved=True) + korean.not_started(9))
    assert english.steps_done(2, 2, [], place_saved=False) == "2 of 2 steps done."
