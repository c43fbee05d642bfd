"""Crash-safe saved places, against real files."""

from __future__ import annotations

import json

from conftest import SIMPLE, program_for, routine_from
from voiceguide import paths
from voiceguide.planner import Place
from voiceguide.placestore import PlaceStore


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


def test_a_corrupt_file_is_set_aside_not_deleted(config):
    program = program_for(routine_from(SIMPLE), config)
    place_file = paths.state_dir() / "places" / "simple.json"
    place_file.parent.mkdir(parents=True)
    place_file.write_text('{"format": 1, "part": ', encoding="utf-8")
    assert PlaceStore(paths.state_dir()).load(program) is None
    assert (place_file.with_suffix(".corrupt")).read_text(encoding="utf-8") == '{"format": 1, "part": '


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
