"""Pain ratings by voice: what counts as a rating, when it is a warning sign, and the whole
question-and-answer through PulseAudio's virtual microphone with real people's voices."""

from __future__ import annotations

import csv
import subprocess
import time

import numpy as np
import pytest

from conftest import shared_folder, with_own_folders, write_user_config
from test_cli import Live, voiceguide
from voiceguide.audio.clips import Clip, read_wav
from voiceguide.engine.commands import Command
from voiceguide.userdata.config import ConfigError, default_config, load_config
from voiceguide.listening.listener import PhraseDecider, chunks_of, detections
from voiceguide.app.pain import rating_vocabulary, warning
from voiceguide.wording.english import ENGLISH

SPEECH = shared_folder() / "speech"
needs_speech = pytest.mark.skipif(not (SPEECH / "manifest.csv").exists(), reason="needs shared/speech recordings")

ROUTINE = """\
id: tiny
title: A tiny routine.
cautions:
  - Stop if the pain shoots down a leg.
steps:
  - id: hold
    name: Holding
    instruction: Rest a warm hand on the lower back.
    timed: {duration: 3}
"""


@pytest.fixture
def vocabulary(config):
    return rating_vocabulary(config.ratings["en"], config.vocabulary())


def test_a_rating_is_pain_and_a_number_or_the_number_among_a_few_words(vocabulary):
    assert vocabulary.match("pain four") == 4
    assert vocabulary.match("Ten!") == 10
    assert vocabulary.match("zero") == 0
    assert vocabulary.match("I'd say seven") == 7
    assert vocabulary.match("skip") is Command.NEXT and vocabulary.match("continue") is Command.RESUME
    assert vocabulary.match("four or five") is None  # two answers are none
    assert vocabulary.match("we walked for about one hour today") is None  # someone else talking
    assert vocabulary.match("pause") is None


@pytest.mark.parametrize(("before", "after", "warned"), [
    (2, 5, "went from 2 to 5"), (5, 8, "went from 5 to 8"), (None, 8, "rated your pain 8"),
    (9, 8, "rated your pain 8"), (2, 4, None), (None, 7, None), (7, 6, None), (0, 2, None)])
def test_a_rating_of_8_or_a_rise_of_3_is_a_warning_sign(before, after, warned):
    reason = warning(before, after)
    assert (reason is None) if warned is None else (warned in reason)


def test_the_advice_says_stop_and_see_a_clinician_and_reads_the_cautions():
    text = ENGLISH.pain_advice("Your pain went from 2 to 6.", ("Stop if the pain shoots down a leg.",))
    assert text.startswith("Your pain went from 2 to 6.")
    assert "see a clinician" in text and text.endswith("Stop if the pain shoots down a leg.")


def test_asking_for_pain_needs_rating_words_for_the_language(tmp_path):
    from test_listener import KOREAN

    user = tmp_path / "c.yaml"
    user.write_text(KOREAN + "history:\n  ask_pain: true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="history.ask_pain: no pain rating words for language 'ko'"):
        load_config(user)
    user.write_text("ratings:\n  en:\n    pain: [pain]\n    numbers: [zero, one, two]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c.yaml:4: ratings.en.numbers: must list the words for 0 to 10"):
        load_config(user)


def real_recordings(word: str) -> list:
    with open(SPEECH / "manifest.csv", encoding="utf-8") as handle:
        return [SPEECH / row["file"] for row in csv.DictReader(handle) if row["word"] == word]


def understood(path, meaning, engine, vocabulary) -> bool:
    """Whether the engine takes this recording for `meaning` when heard on its own."""
    clip = read_wav(path)
    padded = np.concatenate([np.zeros(8000, np.float32), clip.samples, np.zeros(16000, np.float32)])
    found = list(detections(engine, PhraseDecider(vocabulary), chunks_of(Clip(padded, 16000))))
    return [f.meaning for f in found] == [meaning]


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """Real people saying three, seven, nine and stop: for each, recordings the built-in engine
    understands on their own, both fresh (as for the first answer of a session) and after other
    answers, so what the test sees is the lab's microphone and the player."""
    from voiceguide.listening.recognizers import ListeningSettings, make_engine

    config = default_config()  # no user file: the shipped settings
    config = config.with_overrides(**{"recognizer.engine": "pocketsphinx"})
    vocabulary = rating_vocabulary(config.ratings["en"], config.vocabulary())
    engine = make_engine(ListeningSettings.of(config), vocabulary=vocabulary, answers=True)
    chosen = {}
    for word, meaning in (("three", 3), ("seven", 7), ("nine", 9), ("stop", Command.STOP)):
        chosen[word] = [path for path in real_recordings(word) if understood(path, meaning, engine, vocabulary)
                        and understood(path, meaning, make_engine(ListeningSettings.of(config), vocabulary=vocabulary, answers=True),
                                       vocabulary)][:3]
        assert chosen[word], f"the engine understands none of the real '{word}' recordings"
    return chosen


def say_into_mic(lab, live: Live, recordings: list, expect: str) -> None:
    """Answer as a user would: once the player listens, say it; asked again, say it again (another voice)."""
    heard_before = live.output.count("Listening...")
    for tries, path in enumerate(recordings[:3], 1):
        live.wait_for(r"(?s)" + r"Listening\.\.\..*" * (heard_before + tries), timeout=60)
        time.sleep(0.3)  # the microphone opens just after the line is shown
        subprocess.run(["paplay", f"--device={lab.MICROPHONE}", str(path)], env=lab.env, check=True, timeout=30)
        try:
            live.wait_for(expect, timeout=12)
            return
        except AssertionError:
            continue
    raise AssertionError(f"never heard {expect!r}:\n{live.output}")


def asked_for_pain(lab, tmp_path) -> Live:
    """`play` of the tiny routine with pain ratings on, once it asks the first question."""
    write_user_config("history:\n  ask_pain: true\nrecognizer:\n  engine: pocketsphinx\n")
    routine = tmp_path / "tiny.yaml"
    routine.write_text(ROUTINE, encoding="utf-8")
    live = Live("play", str(routine), "--restart", env=with_own_folders(lab.env))
    live.wait_for(r"how is your pain, from zero to ten", timeout=90)
    return live


@needs_speech
def test_pain_before_and_after_by_voice_a_rise_of_4_brings_the_advice_and_history_keeps_both(
        lab, answers, tmp_path):
    live = asked_for_pain(lab, tmp_path)
    say_into_mic(lab, live, answers["three"], r"Pain 3, noted")
    live.wait_for(r"How is your pain now", timeout=90)
    say_into_mic(lab, live, answers["seven"], r"Pain 7, noted")
    live.wait_for(r"Stop if the pain shoots down a leg\.\s*$", timeout=60)
    assert live.finish(timeout=60) == 0, live.output
    assert "Your pain went from 3 to 7. That is a warning sign." in live.output
    assert "see a clinician" in live.output
    rows = list(csv.DictReader(voiceguide("history", "--csv").stdout.splitlines()))
    assert [(row["routine"], row["finished"], row["pain_before"], row["pain_after"]) for row in rows] == [
        ("tiny", "1", "3", "7")]


@needs_speech
def test_pain_at_9_before_the_session_is_advised_against_and_stop_means_it_never_starts(lab, answers, tmp_path):
    live = asked_for_pain(lab, tmp_path)
    say_into_mic(lab, live, answers["nine"], r"Pain 9, noted")
    live.wait_for(r"Say resume if you still want to go ahead, or stop\.", timeout=60)
    say_into_mic(lab, live, answers["stop"], r"All right\. Not today\.")
    assert live.finish(timeout=60) == 0, live.output
    assert "Not started, with pain at 9 of 10." in live.output
    assert "You rated your pain 9 out of 10. That is a warning sign." in live.output
    assert "Step 1 of 1" not in live.output  # the routine never began
    rows = list(csv.DictReader(voiceguide("history", "--csv").stdout.splitlines()))
    assert [(row["steps_completed"], row["pain_before"], row["pain_after"]) for row in rows] == [("0", "9", "")]


def test_without_sound_the_ratings_are_not_asked_and_the_session_plays(tmp_path):
    write_user_config("history:\n  ask_pain: true\n")
    routine = tmp_path / "tiny.yaml"
    routine.write_text(ROUTINE, encoding="utf-8")
    played = voiceguide("play", str(routine), "--text", "--restart", stdin="")
    assert played.returncode == 0, played.stderr
    assert played.stderr.count("pain ratings are asked and answered by voice, and this session has no sound") == 1
    assert "1 of 1 steps done." in played.stdout and "how is your pain" not in played.stdout
    rows = list(csv.DictReader(voiceguide("history", "--csv").stdout.splitlines()))
    assert [(row["pain_before"], row["pain_after"]) for row in rows] == [("", "")]
