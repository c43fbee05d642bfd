"""Finding routines among the built-ins and the user's own folder."""

from __future__ import annotations

import pytest

from conftest import SIMPLE
from voiceguide.userdata import catalog
from voiceguide.userdata import paths
from voiceguide.errors import RoutineError, RoutineNotFound


def own(name: str, text: str):
    folder = paths.user_routines_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_builtins_are_listed():
    assert {e.id for e in catalog.entries()} == {"lower-back", "lower-back-and-leg", "partner-back",
                                                 "gentle-lower-back"}


def test_own_routines_are_found_by_id_and_shadow_builtins():
    own("mine.yaml", SIMPLE)
    own("lower-back.yaml", SIMPLE.replace("id: simple", "id: lower-back").replace("title: Simple", "title: Mine"))
    assert catalog.find("simple").routine.title == "Simple"
    assert catalog.find("lower-back").routine.title == "Mine"
    entry = next(e for e in catalog.entries() if e.id == "lower-back")
    assert not entry.builtin


def test_an_own_routine_with_a_builtins_id_in_a_file_of_another_name_is_the_one_played():
    """list, show and play agree: the user's routine wins, and list says it stands in for the built-in."""
    own("my-version.yaml", SIMPLE.replace("id: simple", "id: lower-back").replace("title: Simple", "title: Mine"))
    assert catalog.find("lower-back").routine.title == "Mine"
    entries = [e for e in catalog.entries() if e.id == "lower-back"]
    assert len(entries) == 1 and not entries[0].builtin and entries[0].shadows_builtin
    assert not next(e for e in catalog.entries() if e.id == "partner-back").shadows_builtin


def test_a_file_named_differently_is_found_by_its_id():
    own("my file.yaml", SIMPLE.replace("id: simple", "id: evening"))
    assert catalog.find("evening").routine.id == "evening"


def test_a_broken_own_routine_is_listed_with_its_problem_and_does_not_hide_others():
    own("broken.yaml", "id: broken\ntitle: [\n")
    entries = {e.id: e for e in catalog.entries()}
    assert entries["broken"].error is not None and "lower-back" in entries
    with pytest.raises(RoutineError, match="not valid YAML"):
        catalog.find("broken")


def test_by_path(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(SIMPLE, encoding="utf-8")
    assert catalog.find(str(path)).routine.id == "simple"
    with pytest.raises(RoutineNotFound, match="no such routine file"):
        catalog.find(str(tmp_path / "missing.yaml"))


def test_unknown_id_suggests_the_near_miss():
    with pytest.raises(RoutineNotFound, match="did you mean 'lower-back'"):
        catalog.find("lowerback")


def test_an_unreadable_folder_of_ones_own_still_leaves_the_builtins(monkeypatch):
    """chmod 000 on the routines folder (which root would not feel, hence the stand-in)."""
    own("mine.yaml", SIMPLE)
    real_iterdir = type(paths.user_routines_dir()).iterdir

    def refused(folder):
        if folder == paths.user_routines_dir():
            raise PermissionError(13, "Permission denied", str(folder))
        return real_iterdir(folder)

    monkeypatch.setattr(type(paths.user_routines_dir()), "iterdir", refused)
    assert "lower-back" in {e.id for e in catalog.entries()}
    assert catalog.find("lower-back").routine.id == "lower-back"
