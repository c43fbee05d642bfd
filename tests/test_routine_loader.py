"""Routine validation: every kind of bad file gets a clear message naming file, line and field."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide.errors import Problem, RoutineError
from voiceguide.format.routine import Reps, Span, Timed
from conftest import parse_routine
from voiceguide.format.loader import load_routine

GOOD = """\
id: demo
title: Demo
cautions: [Never press hard enough to hurt.]
steps:
  - id: push
    name: Push
    instruction: Push down the spine.
    reps:
      count: 30-50
      tempo: 1.5
  - id: hold
    name: Hold
    instruction: Press the point.
    timed:
      duration: 1-2 minutes
"""


def problems(text: str, name: str = "r.yaml") -> list[Problem]:
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, name)
    return caught.value.problems


def only(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return str(found[0])


def test_a_good_routine_loads_with_its_ranges():
    routine = parse_routine(GOOD).routine
    assert routine.steps[0].work == Reps(count=Span(30, 50), tempo=1.5)
    assert routine.steps[1].work == Timed(duration=Span(60, 120))
    assert routine.audience == "self"


@pytest.mark.parametrize("text, expected", [
    ("90", Span(90, 90)), ("90 s", Span(90, 90)), ("2 minutes", Span(120, 120)),
    ("1-2 minutes", Span(60, 120)), ("30 to 60 seconds", Span(30, 60)), ("1.5 min", Span(90, 90)),
])
def test_duration_forms(text, expected):
    routine = parse_routine(GOOD.replace("1-2 minutes", text)).routine
    assert routine.steps[1].work.duration == expected


def test_empty_file():
    assert only("") == "r.yaml: the file is empty; a routine needs some content"
    assert only("# just a comment\n\n") == "r.yaml: the file is empty; a routine needs some content"


def test_not_yaml_names_the_line():
    message = only("id: x\ntitle: [unclosed\nsteps: []\n")
    assert message.startswith("r.yaml:3: not valid YAML")


def test_tabs_are_refused_with_their_line():
    assert only(GOOD.replace("    name: Push", "\tname: Push")) == \
        "r.yaml:6: tab used for indentation; YAML needs spaces"


def test_top_level_must_be_a_mapping():
    assert only("- a\n- b\n") == "r.yaml:1: a routine must be a mapping of keys to values, not a list"


def test_misspelt_key_reports_both_the_near_miss_and_the_missing_field():
    found = [str(p) for p in problems(GOOD.replace("    instruction: Push down", "    instrucion: Push down"))]
    assert "r.yaml:7: steps[1].instrucion: unknown key; did you mean 'instruction'?" in found
    assert "r.yaml:5: steps[1].instruction: missing; it is required" in found


def test_wrong_types():
    found = [str(p) for p in problems(GOOD.replace("tempo: 1.5", "tempo: fast").replace("title: Demo", "title: 12"))]
    assert "r.yaml:2: title: must be text, not 12" in found
    assert "r.yaml:10: steps[1].reps.tempo: must be a number, not the text 'fast'" in found


@pytest.mark.parametrize("count, message", [
    ("0", "must be between 1 and 1000 (got 0)"),
    ("-5", "must be between 1 and 1000 (got -5)"),
    ("2.5", "must be a whole number, not 2.5"),
    ("50-30", "the range starts above where it ends (50 > 30); write it low-high"),
    ("lots", "must be a whole number or a range like '30-50', not 'lots'"),
])
def test_bad_counts(count, message):
    assert only(GOOD.replace("count: 30-50", f"count: {count}")) == f"r.yaml:9: steps[1].reps.count: {message}"


@pytest.mark.parametrize("value, named", [(".inf", "infinity"), ("-.inf", "minus infinity"),
                                          (".nan", "'not a number' (.nan)")])
def test_infinity_and_nan_are_one_line_errors_wherever_a_number_goes(value, named):
    assert only(GOOD.replace("count: 30-50", f"count: {value}")) == \
        f"r.yaml:9: steps[1].reps.count: must be a whole number, not {named}"
    assert only(GOOD.replace("tempo: 1.5", f"tempo: {value}")) == \
        f"r.yaml:10: steps[1].reps.tempo: must be a number, not {named}"
    assert only(GOOD.replace("duration: 1-2 minutes", f"duration: {value}")).endswith(f"must be a number, not {named}")


def test_tempo_out_of_range():
    assert only(GOOD.replace("tempo: 1.5", "tempo: 0.1")) == \
        "r.yaml:10: steps[1].reps.tempo: must be between 0.3 and 10 seconds per repetition (got 0.1)"


def test_reversed_duration_range():
    assert only(GOOD.replace("1-2 minutes", "2-1 minutes")) == \
        "r.yaml:15: steps[2].timed.duration: the range starts above where it ends (120 > 60); write it low-high"


def test_duplicate_step_ids():
    assert only(GOOD.replace("id: hold", "id: push")) == \
        "r.yaml:11: steps[2].id: step id 'push' is used twice (first on line 5); give each step its own id"


def test_duplicate_keys():
    assert only(GOOD.replace("title: Demo", "title: Demo\ntitle: Again")) == \
        "r.yaml:3: key 'title' appears twice (second time on line 3)"


def test_missing_text_and_missing_work():
    found = [str(p) for p in problems(GOOD.replace("    instruction: Press the point.\n", "").replace(
        "    timed:\n      duration: 1-2 minutes\n", ""))]
    assert "r.yaml:11: steps[2].instruction: missing; it is required" in found
    assert "r.yaml:11: steps[2]: needs its work: 'reps' (a count) or 'timed' (a duration)" in found


def test_empty_text_is_refused():
    assert only(GOOD.replace("name: Push", 'name: "  "')) == "r.yaml:6: steps[1].name: is empty; give some text"


def test_both_kinds_of_work_is_refused():
    assert only(GOOD.replace("    reps:\n", "    timed: {duration: 30}\n    reps:\n")) == \
        "r.yaml:8: steps[1].timed: a step has either 'reps' or 'timed', not both"


def test_unquoted_no_is_explained():
    message = only(GOOD.replace("cautions: [Never press hard enough to hurt.]", "cautions: [no]"))
    assert "put the word in quotes" in message


def test_tips_must_fall_within_the_work():
    text = GOOD.replace("      tempo: 1.5\n", "      tempo: 1.5\n    tips: [{at: 31, say: Even strokes.}]\n")
    assert only(text) == ("r.yaml:11: steps[1].tips[1].at: must be between 1 and 30 "
                          "(a repetition within the first set) (got 31)")


def test_every_problem_in_a_file_is_reported_at_once():
    text = GOOD.replace("count: 30-50", "count: 0").replace("tempo: 1.5", "tempo: 99").replace("id: hold", "id: push")
    assert len(problems(text)) == 3


def test_non_utf8_bytes(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(GOOD.replace("Push down the spine.", "Pousser le dos, tr\xe8s doucement.").encode("latin-1"))
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert str(caught.value) == f"{path}:7: not UTF-8 text (byte 0xe8); save the file as UTF-8"


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as out:
        out.truncate(50_000_000)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert str(caught.value) == f"{path}: file is too large (50.0 MB; a routine is at most 1 MB)"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RoutineError, match="no such file"):
        load_routine(tmp_path / "nope.yaml")
    with pytest.raises(RoutineError, match="is a folder, not a file"):
        load_routine(tmp_path)


def test_narration_that_says_a_command_is_a_warning_not_an_error():
    text = GOOD.replace("Push down the spine.", "Push down, then go back to the top and stop.")
    loaded = parse_routine(text, "r.yaml", command_phrases=["back", "go back", "stop", "next"])
    assert [str(w) for w in loaded.warnings] == [
        "r.yaml:5: steps[1].instruction: says the command words 'go back', 'stop'; "
        "the player ignores its own voice, but consider other wording"]


def test_a_title_that_says_a_command_is_a_warning_too():
    """The title is the first thing the narrator says."""
    loaded = parse_routine(GOOD.replace("title: Demo", "title: Stop the ache"), "r.yaml", command_phrases=["stop"])
    assert [str(w) for w in loaded.warnings] == [
        "r.yaml:2: title: says the command word 'stop'; the player ignores its own voice, but consider other wording"]


def test_a_phase_named_with_a_command_word_is_a_warning_too():
    """A phase without its own announcement is announced by its name ("Now back."), in any language."""
    text = GOOD.replace("      tempo: 1.5\n", "      tempo: 1.5\n      phases: [front, back]\n")
    assert text != GOOD
    loaded = parse_routine(text, "r.yaml", command_phrases=["back"])
    assert ["back" in str(w) and "phases[2].name" in str(w) for w in loaded.warnings] == [True]


def test_command_phrases_match_whole_words_only():
    loaded = parse_routine(GOOD.replace("Push down the spine.", "Push the backbone; nextly, stopper."),
                           command_phrases=["back", "next", "stop"])
    assert loaded.warnings == []


# -- property tests: nothing anyone can write makes the loader crash ---------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                     st.text(max_size=20), st.sampled_from(["30-50", "1-2 minutes", "50-30", "0", "no", ""]))
_keys = st.sampled_from(["id", "title", "steps", "name", "instruction", "reps", "timed", "count", "tempo",
                         "duration", "phases", "tips", "at", "say", "rest", "for", "intensity", "cautions",
                         "notes", "position", "brief", "until", "description", "stepz", "titel"])
_documents = st.recursive(_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=6)), max_leaves=30)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(document=st.dictionaries(_keys, _documents, max_size=8))
def test_structured_nonsense_never_crashes_the_loader(document):
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        loaded = parse_routine(text, "fuzz.yaml")
    except RoutineError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == "fuzz.yaml" and problem.message and "\n" not in str(problem)
    else:
        assert loaded.routine.steps


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=string.printable + "\t\x00é:-[]{}&*!|>'\"%@`", max_size=200))
def test_arbitrary_text_never_crashes_the_loader(text):
    try:
        parse_routine(text, "fuzz.yaml")
    except RoutineError as exc:
        assert all(p.message for p in exc.problems)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_loader(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "bytes.yaml"
    path.write_bytes(data)
    try:
        load_routine(path)
    except RoutineError as exc:
        assert all(p.message for p in exc.problems)


def test_every_field_checked_for_command_words_is_said_and_every_sentence_said_is_checked():
    """The loader's list of the routine's spoken fields and the planner's narration agree: each
    field is said (alone or inside a sentence), and each sentence said of the routine holds one."""
    from voiceguide.engine.cues import Role, Say
    from voiceguide.engine.planner import Pace, narration
    from voiceguide.engine.program import PlaySettings, Wording, expand
    from voiceguide.format.loader import narration as spoken_fields
    from voiceguide.userdata import paths
    from voiceguide.userdata.config import load_config
    from voiceguide.wording.english import ENGLISH
    from conftest import speech_time

    config = load_config(None)
    files = sorted(paths.builtin_routines_dir().glob("*.yaml"))
    assert files
    for path in files:
        routine = load_routine(path).routine
        said = []
        for wording in Wording:
            for full_cautions in (True, False):
                program = expand(routine, PlaySettings(intensity=config.intensity, tempo=1.5, rest=5, count_in=True,
                                                       wording=wording, full_cautions=full_cautions),
                                 config.vocabulary())
                said += [cue for cue, _ in narration(program, Pace(speech_time)) if isinstance(cue, Say)]
        fields = dict(spoken_fields(routine))
        unsaid = {field for field, text in fields.items() if not any(text in cue.text for cue in said)}
        assert not unsaid, f"{routine.id}: {unsaid}"
        own = {Role.TITLE, Role.CAUTION, Role.INSTRUCTION, Role.PHASE, Role.TIP, Role.STEP}
        unchecked = {cue.text for cue in said if cue.role in own and cue.text != ENGLISH.SHORT_CAUTION  # the wording's
                     and not any(text in cue.text for text in fields.values())}
        assert not unchecked, f"{routine.id}: {unchecked}"
