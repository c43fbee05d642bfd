"""The built-in routines: valid, free of command words, and faithful to the sources' numbers."""

from __future__ import annotations

import re

import pytest

from conftest import BUILTIN, shared_folder
from voiceguide.engine.cues import Say
from voiceguide.format.routine import Span, Timed
from voiceguide.engine.program import Wording
from voiceguide.format.loader import load_routine

SEEDS = shared_folder() / "seeds"


def load(name, config):
    return load_routine(BUILTIN / f"{name}.yaml", config.vocabulary().all_phrases())


@pytest.mark.parametrize("name", ["lower-back", "lower-back-and-leg", "partner-back", "gentle-lower-back"])
def test_builtin_is_valid_and_says_no_command_word(name, config):
    loaded = load(name, config)
    assert loaded.warnings == []
    routine = loaded.routine
    assert routine.id == name
    text = " ".join(routine.cautions).lower()
    assert "diagnos" in text  # get a diagnosis first
    assert "skin" in text and "spin" in text  # not with severe spine disease or skin conditions
    assert "never" in text and ("hurt" in text or "pain" in text)  # pressure never causes pain
    assert "if pain grows" in text or "pain grows" in text  # stop if pain grows


def work(routine, step_id):
    return next(step.work for step in routine.steps if step.id == step_id)


def test_ten_techniques_keep_every_count_and_duration(config):
    routine = load("lower-back", config).routine
    assert len(routine.steps) == 10
    assert work(routine, "push").count == Span(30, 50)
    press = work(routine, "press-circles")
    assert press.count == Span(36, 36) and [p.name for p in press.phases] == ["clockwise", "counterclockwise"]
    assert work(routine, "pinch").count == Span(15, 20)
    assert work(routine, "tap").count == Span(30, 30)
    assert work(routine, "scratch").count == Span(36, 36)
    assert work(routine, "shake").count == Span(15, 20)
    assert work(routine, "renzhong").duration == Span(60, 120)
    assert work(routine, "weizhong").duration == Span(60, 120)
    assert isinstance(work(routine, "rub"), Timed) and "warm" in work(routine, "rub").until
    assert isinstance(work(routine, "roll"), Timed)
    notes = " ".join(routine.notes).lower()
    assert "posture" in notes and "rest" in notes and "strengthen" in notes  # seed 001's advice


def test_lower_back_and_leg_counts(config):
    routine = load("lower-back-and-leg", config).routine
    assert [s.id for s in routine.steps][:2] == ["mingmen", "shenshu"]
    lunge = work(routine, "lunge-push")
    assert lunge.count == Span(4, 10) and len(lunge.phases) == 2  # 4-10 times a side
    assert work(routine, "bend-pinch").count == Span(5, 10)
    pound = work(routine, "pound")
    assert len(pound.phases) == 2 and pound.count == Span(10, 15)  # 20 to 30 in all, top down then bottom up


def test_partner_routine_is_narrated_to_the_giver(config):
    routine = load("partner-back", config).routine
    assert routine.audience == "partner"
    text = " ".join(s.position or "" for s in routine.steps)
    for point in ("BL23", "BL40", "GV4"):
        assert point in text


def test_gentle_session_has_warm_up_and_aftercare(config):
    ids = [s.id for s in load("gentle-lower-back", config).routine.steps]
    assert ids[0] == "warm-up" and ids[1] == "oil" and ids[-2:] == ["stretch", "rest"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seeds are not beside this checkout")
def test_no_sentence_is_copied_from_the_sources(config):
    """Facts come from the seeds, but every sentence must be our own: no 8-word run is shared."""
    def runs(text):
        words = [w.strip(".,;:()!?").lower() for w in text.split()]
        return {" ".join(words[i:i + 8]) for i in range(len(words) - 7)}

    source = set().union(*(runs(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")))
    for path in BUILTIN.glob("*.yaml"):
        shared = runs(path.read_text(encoding="utf-8")) & source
        assert not shared, f"{path.name} copies: {sorted(shared)[:3]}"


@pytest.mark.parametrize("name", ["lower-back", "lower-back-and-leg", "partner-back", "gentle-lower-back"])
@pytest.mark.parametrize("wording", list(Wording))
def test_nothing_is_said_twice_in_a_row(name, wording, config):
    """"Keep going until the area feels warm." came once from the instruction and again, at once,
    from the hold's opening: an instruction that names what to keep going until is not repeated."""
    from conftest import program_for
    from voiceguide.engine.planner import Pace, Place, plan
    from voiceguide.app.programs import speech_timer

    program = program_for(load(name, config).routine, config, wording=wording)
    said = [item.cue.text for item in plan(program, Place(0, 0, 0), 0.0, Pace(speech_timer(config)))
            if isinstance(item.cue, Say)]
    for before, after in zip(said, said[1:], strict=False):
        clause = re.search(r"until ([^,.]+)", before)
        assert not (clause and f"until {clause.group(1)}" in after), (before, after)
        assert before != after
