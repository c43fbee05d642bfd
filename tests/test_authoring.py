"""`voiceguide new`: a template that validates and plays as it is, and never replaces a routine."""

from __future__ import annotations

from test_cli import voiceguide
from voiceguide.userdata import paths


def test_a_new_routine_validates_without_warnings_and_plays():
    made = voiceguide("new", "Evening: rub")
    assert made.returncode == 0, made.stderr
    path = paths.user_routines_dir() / "evening-rub.yaml"
    assert f"wrote {path}" in made.stdout
    checked = voiceguide("validate", "evening-rub")
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
    shown = voiceguide("show", "evening-rub")
    assert shown.stdout.startswith("Evening: rub\n")  # the name, colon and all, is its title
    played = voiceguide("play", "evening-rub", "--text", stdin="next\nstop\nstop\n")
    assert played.returncode == 0, played.stderr
    assert "of 2 steps done" in played.stdout
    assert "evening-rub" in voiceguide("list").stdout


def test_an_existing_routine_is_never_replaced():
    assert voiceguide("new", "evening rub").returncode == 0
    path = paths.user_routines_dir() / "evening-rub.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# my edits\n", encoding="utf-8")
    again = voiceguide("new", "Evening Rub")
    assert again.returncode == 2 and "already exists" in again.stderr and again.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8").endswith("# my edits\n")


def test_a_name_with_nothing_to_make_an_id_from_is_refused():
    refused = voiceguide("new", "!!!")
    assert refused.returncode == 2 and "no letters or digits" in refused.stderr
    assert not paths.user_routines_dir().exists() or not any(paths.user_routines_dir().iterdir())


def test_a_name_that_would_shadow_a_builtin_is_refused_and_accents_are_kept_as_letters():
    refused = voiceguide("new", "Lower back")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "'lower-back' is a built-in routine's id" in refused.stderr
    assert not (paths.user_routines_dir() / "lower-back.yaml").exists()
    made = voiceguide("new", "Ünïcode rub!")
    assert made.returncode == 0, made.stderr
    assert (paths.user_routines_dir() / "unicode-rub.yaml").exists()
    assert voiceguide("show", "unicode-rub").stdout.startswith("Ünïcode rub!\n")  # the title as written
    assert ".venv/bin/voiceguide validate unicode-rub" in made.stdout  # a command that works after install
