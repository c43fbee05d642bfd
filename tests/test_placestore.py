"""Crash-safe saved places, against real files."""

from __future__ import annotations

import json
import math
import time

from conftest import SIMPLE, program_for, routine_from
from voiceguide.userdata.config import load_config
from conftest import parse_routine
from voiceguide.userdata import paths
from voiceguide.engine.planner import Place
from voiceguide.userdata.placestore import PlaceStore


def test_save_and_load_round_trip(config):
    program = program_for(routine_from(SIMPLE), config)
    store = PlaceStore(paths.state_dir())
    store.save(program, Place(2, 4, 3), 1.15, {(2, 4): 6})
    saved = store.load(program)
    assert saved.place == Place(2, 4, 3) and saved.exact
    assert saved.tempo_factor == 1.15 and saved.targets == {(2, 4): 6}
    assert [p.name for p in (paths.state_dir() / "places").iterdir()] == ["simple.json"]  # no temp files left


def test_an_edited_routine_resumes_at_the_start_of_the_same_step(config):
    store = PlaceStore(paths.state_dir())
    store.save(program_for(routine_from(SIMPLE), config), Place(2, 4, 3), 1.0, {})
    edited = routine_from(SIMPLE.replace("  - id: push\n    name: Push", "  - id: warm\n    name: Warm\n"
                                         "    instruction: Rub.\n    timed: {duration: 30}\n  - id: push\n    name: Push"))
    saved = store.load(program_for(edited, config))
    assert saved.place == Place(3, 0, 0) and not saved.exact  # 'circle' moved from part 2 to part 3


def test_a_deleted_step_forgets_the_place(config):
    store = PlaceStore(paths.state_dir())
    store.save(program_for(routine_from(SIMPLE), config), Place(2, 4, 3), 1.0, {})
    edited = routine_from(SIMPLE.replace("id: circle", "id: circles"))
    assert store.load(program_for(edited, config)) is None


def test_a_corrupt_file_is_set_aside_not_deleted_and_each_copy_is_kept(config):
    program = program_for(routine_from(SIMPLE), config)
    place_file = paths.state_dir() / "places" / "simple.json"
    place_file.parent.mkdir(parents=True)
    store = PlaceStore(paths.state_dir())
    for damage in ('{"format": 1, "part": ', '\x00\x00garbage'):
        place_file.write_text(damage, encoding="utf-8")
        assert store.load(program) is None
        time.sleep(1.01)  # copies are named by the second they were set aside
    kept = sorted(place_file.parent.glob("simple.json.*.corrupt"))
    assert [path.read_text(encoding="utf-8") for path in kept] == ['{"format": 1, "part": ', "\x00\x00garbage"]
    assert len(store.problems) == 2 and all("the session starts from the beginning" in p for p in store.problems)
    assert kept[0].name in store.problems[0] and kept[1].name in store.problems[1]


def test_wrong_types_in_the_file_are_ignored(config):
    program = program_for(routine_from(SIMPLE), config)
    place_file = paths.state_dir() / "places" / "simple.json"
    place_file.parent.mkdir(parents=True)
    place_file.write_text(json.dumps({"format": 1, "part": "x", "segment": 0, "progress": 0, "anchor": "push"}))
    assert PlaceStore(paths.state_dir()).load(program) is None


def test_clear_and_session_counts():
    store = PlaceStore(paths.state_dir())
    assert store.sessions_played("simple") == 0
    store.record_finished("simple")
    store.record_finished("simple")
    assert store.sessions_played("simple") == 2
    store.clear("simple")  # nothing saved: harmless
    program = program_for(routine_from(SIMPLE), load_config())
    store.save(program, Place(1, 1, 2), 1.0, {})
    store.clear("simple")
    assert store.load(program) is None and store.sessions_played("simple") == 2


def test_the_exact_place_survives_a_comment_a_reworded_sentence_and_another_path(config):
    store = PlaceStore(paths.state_dir())
    store.save(program_for(routine_from(SIMPLE), config), Place(2, 4, 3), 1.0, {})
    edited = SIMPLE.replace("steps:", "# my notes\nsteps:").replace("Push down the spine.", "Push down along the spine.")
    moved = parse_routine(edited, "/elsewhere/simple.yaml").routine
    saved = store.load(program_for(moved, config))
    assert saved.exact and saved.place == Place(2, 4, 3)


def test_a_changed_count_is_no_longer_the_exact_place(config):
    store = PlaceStore(paths.state_dir())
    store.save(program_for(routine_from(SIMPLE), config), Place(1, 1, 3), 1.0, {})
    saved = store.load(program_for(routine_from(SIMPLE.replace("count: 10-20", "count: 10-30")), config))
    assert not saved.exact and saved.place == Place(1, 0, 0)


def test_impossible_numbers_in_the_file_are_not_played(config):
    """NaN, infinity and absurd targets are what a damaged or hand-edited file may hold: the place
    falls back to the step's start, the tempo to normal, and a target outside its range is dropped."""
    program = program_for(routine_from(SIMPLE), config)
    store = PlaceStore(paths.state_dir())
    store.save(program, Place(1, 1, 3), 1.2, {(1, 1): 15})
    place_file = paths.state_dir() / "places" / "simple.json"
    good = json.loads(place_file.read_text(encoding="utf-8"))
    for changes in ({"progress": math.nan}, {"progress": math.inf}, {"progress": -1}):
        place_file.write_text(json.dumps(dict(good, **changes)), encoding="utf-8")
        saved = store.load(program)
        assert saved.place == Place(1, 0, 0) and not saved.exact, changes
    for tempo in (math.inf, math.nan, 1e300, 0.0):
        place_file.write_text(json.dumps(dict(good, tempo_factor=tempo)), encoding="utf-8")
        assert store.load(program).tempo_factor == 1.0, tempo
    for target in (1e12, math.inf, math.nan, 5, 21):
        place_file.write_text(json.dumps(dict(good, targets=[[1, 1, target]])), encoding="utf-8")
        assert store.load(program).targets == {}, target
    place_file.write_text(json.dumps(dict(good, targets=[[1, 1, 18], [9, 9, 18], [0, 0, 18]])), encoding="utf-8")
    assert store.load(program).targets == {(1, 1): 18}
