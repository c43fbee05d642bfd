"""Where the user's files live (XDG base directories), resolved at call time so tests can move them."""

from __future__ import annotations

import os
from pathlib import Path

APP = "voiceguide"


def _base(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


def config_dir() -> Path:
    """Settings and the user's own routines."""
    return _base("XDG_CONFIG_HOME", ".config") / APP


def state_dir() -> Path:
    """The saved place of an unfinished session, and how many sessions each routine has had."""
    return _base("XDG_STATE_HOME", ".local/state") / APP


def cache_dir() -> Path:
    """Rendered speech clips: safe to delete, rebuilt on demand."""
    return _base("XDG_CACHE_HOME", ".cache") / APP


def data_dir() -> Path:
    """Things the user keeps: downloaded speech-recognition models."""
    return _base("XDG_DATA_HOME", ".local/share") / APP


def user_config_file() -> Path:
    return config_dir() / "config.yaml"


def user_routines_dir() -> Path:
    return config_dir() / "routines"


def builtin_routines_dir() -> Path:
    return Path(__file__).parent / "routines"


def default_config_file() -> Path:
    return Path(__file__).parent / "config.yaml"
