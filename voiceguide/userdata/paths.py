"""Where the user's files live: the platform's own folders (platformdirs: the XDG base
directories on Linux, ~/Library on macOS, AppData on Windows), resolved at call time so tests can
move them.

voiceguide once used the XDG layout under the home folder on every system; on macOS and Windows
a folder left there is still used until the platform's own one exists, so nobody's routines,
places or history are lost by an upgrade.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "voiceguide"


def _folder(platform_folder: str, variable: str, fallback: str) -> Path:
    """The platform's folder, or the one an earlier voiceguide used ($variable, else ~/fallback)
    if only that one exists. On Linux the two are the same."""
    folder = Path(platform_folder)
    value = os.environ.get(variable, "")
    old = (Path(value) if value and Path(value).is_absolute() else Path.home() / fallback) / APP
    if folder != old and not folder.exists() and old.is_dir():
        return old
    return folder


def config_dir() -> Path:
    """Settings and the user's own routines."""
    return _folder(platformdirs.user_config_dir(APP, appauthor=False), "XDG_CONFIG_HOME", ".config")


def state_dir() -> Path:
    """The saved place of an unfinished session, and how many sessions each routine has had."""
    return _folder(platformdirs.user_state_dir(APP, appauthor=False), "XDG_STATE_HOME", ".local/state")


def cache_dir() -> Path:
    """Rendered speech clips: safe to delete, rebuilt on demand."""
    return _folder(platformdirs.user_cache_dir(APP, appauthor=False), "XDG_CACHE_HOME", ".cache")


def data_dir() -> Path:
    """Things the user keeps: downloaded speech-recognition models, the history."""
    return _folder(platformdirs.user_data_dir(APP, appauthor=False), "XDG_DATA_HOME", ".local/share")


def desktop_dir() -> Path:
    """The desktop folder, localized or moved as the user's desktop settings say."""
    return Path(platformdirs.user_desktop_dir())


def user_config_file() -> Path:
    return config_dir() / "config.yaml"


def user_routines_dir() -> Path:
    return config_dir() / "routines"


def builtin_routines_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "routines"


def default_config_file() -> Path:
    return Path(__file__).resolve().parent.parent / "config.yaml"
