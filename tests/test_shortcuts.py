"""Desktop shortcuts: valid per desktop-file-validate, and what they run really starts the routine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from test_cli import voiceguide
from voiceguide.userdata import paths
from voiceguide.app.shortcuts import write_shortcut

ROUTINE = """\
id: mums-back
title: Mum's "evening" back rub
for: partner
steps:
  - id: rub
    name: Rub
    instruction: Rub the lower back slowly with flat hands.
    timed: {duration: 20}
"""


def exec_argv(entry: str) -> list[str]:
    """The command a desktop environment runs for an entry's Exec key, unquoted as the spec says."""
    line = next(line for line in entry.splitlines() if line.startswith("Exec="))[len("Exec="):]
    value = line.replace("\\\\", "\\")  # the string-value escape first
    argv, current, quoted, escaped, started = [], "", False, False, False
    for character in value:
        if escaped:
            current, escaped = current + character, False
        elif quoted and character == "\\":
            escaped = True
        elif character == '"':
            quoted, started = not quoted, True
        elif character == " " and not quoted:
            if current or started:
                argv.append(current)
            current, started = "", False
        else:
            current += character
    argv.append(current)
    assert "%" not in "".join(argv).replace("%%", "")  # no field codes
    return argv


@pytest.fixture
def own_routine(tmp_path):
    folder = tmp_path / "my routines"
    folder.mkdir()
    path = folder / "mum's back.yaml"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


def test_a_linux_shortcut_is_a_valid_desktop_entry_that_starts_the_routine(tmp_path, own_routine):
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is missing: scripts/install.sh --test installs desktop-file-utils")
    made = voiceguide("shortcut", str(own_routine), "--folder", str(tmp_path / "out"))
    assert made.returncode == 0, made.stderr
    (entry,) = (tmp_path / "out").iterdir()
    checked = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout
    argv = exec_argv(entry.read_text(encoding="utf-8"))
    assert argv[2] == str(own_routine)  # spaces and quotes survive the Exec quoting
    started = subprocess.run(argv, input="stop\nstop\n", capture_output=True, text=True, timeout=60,
                             env={k: v for k, v in os.environ.items() if not k.startswith("PULSE")})
    assert started.returncode == 0, started.stdout + started.stderr
    assert "0 of 1 steps done" in started.stdout and "Traceback" not in started.stderr  # this routine ran


def test_the_default_places_are_the_menu_and_the_desktop(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Desktop").mkdir()
    made = voiceguide("shortcut", "lower-back")
    assert made.returncode == 0, made.stderr
    menu = paths.data_dir().parent / "applications" / "voiceguide-lower-back.desktop"
    desktop = tmp_path / "Desktop" / "voiceguide-lower-back.desktop"
    assert menu.is_file() and desktop.is_file() and os.access(desktop, os.X_OK)
    assert f"wrote {desktop}" in made.stdout and "On GNOME, right-click the icon on the desktop" in made.stdout


def test_a_localized_desktop_is_found_where_the_desktop_settings_say(tmp_path, monkeypatch):
    """The desktop folder is named in user-dirs.dirs (XDG_DESKTOP_DIR is not an environment
    variable), so a German desktop is ~/Schreibtisch."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Schreibtisch").mkdir()
    (tmp_path / "Desktop").mkdir()  # a leftover folder that is not the desktop
    settings = tmp_path / "config" / "user-dirs.dirs"
    settings.parent.mkdir(exist_ok=True)
    settings.write_text('XDG_DESKTOP_DIR="$HOME/Schreibtisch"\n')
    made = voiceguide("shortcut", "lower-back")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "Schreibtisch" / "voiceguide-lower-back.desktop").is_file()
    assert not any((tmp_path / "Desktop").iterdir())
    assert "On GNOME, right-click the icon on the desktop" in made.stdout


def test_files_in_the_folders_an_earlier_voiceguide_used_are_still_found(tmp_path, monkeypatch):
    """On macOS and Windows voiceguide once kept everything in the XDG folders (~/.config,
    ~/.local): they are used until the platform's own folder exists."""
    monkeypatch.setenv("HOME", str(tmp_path))
    own = tmp_path / "Library" / "Application Support" / "voiceguide"
    monkeypatch.setattr(paths.platformdirs, "user_config_dir", lambda *args, **kwargs: str(own))
    old = paths.Path(os.environ["XDG_CONFIG_HOME"]) / "voiceguide"
    old.mkdir(parents=True)
    assert paths.config_dir() == old
    own.mkdir(parents=True)
    assert paths.config_dir() == own


def test_no_desktop_no_word_about_a_desktop_icon(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # and no Desktop folder in it
    made = voiceguide("shortcut", "lower-back")
    assert made.returncode == 0 and made.stdout.count("wrote ") == 1, made.stderr
    assert "On GNOME" not in made.stdout


def test_a_macos_command_file_runs_the_routine(tmp_path, own_routine):
    """The launcher a Mac would get (`shortcut` writes the one for the system it runs on)."""
    command = write_shortcut(tmp_path, "mums-back", str(own_routine), "Mum's back rub", "macos")
    assert command == tmp_path / "voiceguide-mums-back.command"
    assert os.access(command, os.X_OK)
    started = subprocess.run([str(command)], input="stop\nstop\n", capture_output=True, text=True, timeout=60,
                             env={k: v for k, v in os.environ.items() if not k.startswith("PULSE")})
    assert started.returncode == 0, started.stdout + started.stderr
    assert "0 of 1 steps done" in started.stdout


def test_a_windows_batch_file_calls_the_helper_with_this_python(tmp_path):
    write_shortcut(tmp_path, "lower-back", "lower-back", "Lower back", "windows")
    text = (tmp_path / "voiceguide-lower-back.bat").read_bytes().decode()
    assert text.startswith("@echo off\r\n") and "\n" not in text.replace("\r\n", "")
    call = text.splitlines()[-1]
    assert call == f'call "{ROOT / "scripts" / "voiceguide-launch.cmd"}" "{sys.executable}" "lower-back"'
    assert (ROOT / "scripts" / "voiceguide-launch.cmd").is_file()


def test_no_shortcut_for_another_system(tmp_path):
    """A launcher written here names this machine's paths: it would not work on another one."""
    made = voiceguide("shortcut", "lower-back", "--platform", "windows", "--folder", str(tmp_path))
    assert made.returncode == 2 and "--platform" in made.stderr
    assert not any(tmp_path.iterdir())


def test_an_unknown_routine_makes_no_shortcut(tmp_path):
    made = voiceguide("shortcut", "lower-bak", "--folder", str(tmp_path))
    assert made.returncode == 2 and "did you mean 'lower-back'" in made.stderr
    assert not any(tmp_path.iterdir())
