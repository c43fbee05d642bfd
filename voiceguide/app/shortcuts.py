"""One-click launchers for a routine: a .desktop file (Linux), a .command (macOS), a .bat (Windows).

Each runs the helper in scripts/ with this installation's Python, so the shortcut keeps working
whatever the shell's PATH is when a desktop starts it, and leaves the window open after a problem
so its message can be read.
"""

from __future__ import annotations

import re
import shlex
import stat
import sys
from pathlib import Path

import platformdirs

from voiceguide.errors import VoiceguideError
from voiceguide.userdata import paths

SCRIPTS = Path(__file__).resolve().parent.parent.parent / "scripts"
_RESERVED = re.compile(r"""[\s"'\\><~|&;$*?#()`]""")


def current_platform() -> str:
    """The system a shortcut is made for: always this one, since it names this installation's
    Python and helper (a launcher for another machine would point at paths that are not there)."""
    return {"darwin": "macos", "win32": "windows"}.get(sys.platform, "linux")


def _desktop_exec_argument(text: str) -> str:
    """One Exec argument, quoted as the Desktop Entry spec asks (then escaped as a string value)."""
    if _RESERVED.search(text):
        text = '"' + re.sub(r'(["`$\\])', r"\\\1", text) + '"'
    return text.replace("\\", "\\\\").replace("%", "%%")


def _desktop_string(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\")


def desktop_entry(routine: str, title: str, python: str, helper: Path) -> str:
    command = " ".join(_desktop_exec_argument(part) for part in (str(helper), python, routine))
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.0",
        f"Name={_desktop_string(f'voiceguide: {title}')}",
        f"Comment={_desktop_string(f'Start the routine {title}, guided by voice, hands-free')}",
        f"Exec={command}",
        "Terminal=true",
        "Icon=audio-headphones",
        "Categories=Utility;",
        "Keywords=massage;back;pain;voice;",
        "",
    ])


def mac_command(routine: str, python: str, helper: Path) -> str:
    return ("#!/bin/sh\n# voiceguide: double-click to start this routine in Terminal.\n"
            f"exec {shlex.quote(str(helper))} {shlex.quote(python)} {shlex.quote(routine)}\n")


def windows_batch(routine: str, python: str, helper: Path) -> str:
    if any(character in routine + python + str(helper) for character in '"%^&|<>'):
        raise VoiceguideError("cannot make a Windows shortcut for a path with \" % ^ & | < or > in it")
    return ("@echo off\r\nrem voiceguide: double-click to start this routine.\r\n"
            f'call "{helper}" "{python}" "{routine}"\r\n')


def file_name(routine_id: str, platform: str) -> str:
    suffix = {"linux": ".desktop", "macos": ".command", "windows": ".bat"}[platform]
    return f"voiceguide-{re.sub(r'[^A-Za-z0-9_-]+', '-', routine_id)}{suffix}"


def write_shortcut(folder: Path, routine_id: str, routine: str, title: str, platform: str,
                   python: str = sys.executable) -> Path:
    """Write the launcher for `platform` into `folder`; `routine` is what `play` is given (an id or
    an absolute path). Returns the file written."""
    if platform == "windows":
        content = windows_batch(routine, python, SCRIPTS / "voiceguide-launch.cmd")
    elif platform == "macos":
        content = mac_command(routine, python, SCRIPTS / "voiceguide-launch")
    else:
        content = desktop_entry(routine, title, python, SCRIPTS / "voiceguide-launch")
    path = folder / file_name(routine_id, platform)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as exc:
        raise VoiceguideError(f"cannot write the shortcut {path}: {exc.strerror or exc}") from None
    return path


def default_folders(platform: str) -> list[Path]:
    """Where a shortcut goes: the desktop, and on Linux the applications menu too."""
    desktop = paths.desktop_dir()
    if platform != "linux":
        return [desktop]
    folders = [Path(platformdirs.user_data_dir()) / "applications"]
    if desktop.is_dir():
        folders.append(desktop)
    return folders
