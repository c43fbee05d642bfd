"""Settings: shipped defaults, the user's file over them, flags over both; strict like routines."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, write_user_config
from voiceguide.userdata import paths
from voiceguide.engine.commands import Command
from voiceguide.userdata.config import Config, Verbosity, load_config
from voiceguide.errors import ConfigError
from voiceguide.format.routine import Intensity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_top_level_config_is_the_shipped_defaults_file():
    assert (ROOT / "config.yaml").resolve() == paths.default_config_file().resolve()


def test_shipped_file_documents_every_setting(config):
    text = paths.default_config_file().read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for field in dataclasses.fields(Config):
        assert field.name in data
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            assert set(data[field.name]) == {f.name for f in dataclasses.fields(value)}
    assert set(data["commands"]["en"]) == {c.value for c in Command}


def test_defaults(config):
    assert config.intensity is Intensity.STANDARD
    assert config.verbosity is Verbosity.AUTO
    assert config.vocabulary().match("Hold on!") is Command.PAUSE
    assert config.vocabulary().match("how many left") is Command.STATUS
    assert config.vocabulary().match("no") is Command.UNDO


def test_user_file_overrides_only_what_it_names():
    user = write_user_config("speech:\n  rate: 140\ncommands:\n  en:\n    pause: [pause, halt]\n")
    config = load_config(user)
    assert config.speech.rate == 140 and config.speech.volume == 0.9
    assert config.vocabulary().match("halt") is Command.PAUSE
    assert config.vocabulary().match("wait") is None
    assert config.vocabulary().match("next") is Command.NEXT


def test_user_file_is_found_in_the_xdg_folder():
    write_user_config("intensity: gentle\n")
    assert load_config().intensity is Intensity.GENTLE


def test_flags_override_the_files():
    write_user_config("intensity: gentle\n")
    config = load_config().with_overrides(intensity=Intensity.FULL, **{"timing.tempo": 2.0, "speech.rate": None})
    assert config.intensity is Intensity.FULL and config.timing.tempo == 2.0 and config.speech.rate == 160


def test_infinity_in_the_config_is_a_one_line_error(tmp_path):
    user = write(tmp_path / "c.yaml", "speech:\n  rate: .inf\nfull_sessions: -.inf\ntiming:\n  rest: .nan\n")
    with pytest.raises(ConfigError) as caught:
        load_config(user)
    assert [str(p) for p in caught.value.problems] == [
        f"{user}:2: speech.rate: must be a whole number, not infinity",
        f"{user}:3: full_sessions: must be a whole number, not minus infinity",
        f"{user}:5: timing.rest: must be a number, not 'not a number' (.nan)",
    ]


def test_every_problem_is_reported_with_line_and_suggestion(tmp_path):
    user = write(tmp_path / "c.yaml", "speech:\n  rate: 500\n  volum: 1\nintensity: ful\n"
                                      "commands:\n  en:\n    pause: [next]\n    stopp: [halt]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(user)
    assert [str(p) for p in caught.value.problems] == [
        f"{user}:2: speech.rate: must be between 80 and 400 words per minute (got 500)",
        f"{user}:3: speech.volum: unknown key; did you mean 'volume'?",
        f"{user}:4: intensity: must be one of gentle, standard, full (got 'ful'); did you mean 'full'?",
        f"{user}:6: commands.en: the phrase 'next' is given for both 'pause' and 'next'",
        f"{user}:8: commands.en.stopp: unknown key; did you mean 'stop'?",
    ]


def test_a_new_language_needs_every_command(tmp_path):
    user = write(tmp_path / "c.yaml", "language: ko\ncommands:\n  ko:\n    pause: [멈춰]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(user)
    assert f"{user}:4: commands.ko.resume: missing; it is required" in [str(p) for p in caught.value.problems]


def test_language_without_phrases(tmp_path):
    with pytest.raises(ConfigError, match="no command phrases for language 'fr'"):
        load_config(write(tmp_path / "c.yaml", "language: fr\n"))


def test_broken_user_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"c.yaml:3: not valid YAML"):
        load_config(write(tmp_path / "c.yaml", "speech:\n  rate: [1\n"))
    with pytest.raises(ConfigError, match=r"c.yaml:1: a config must be a mapping"):
        load_config(write(tmp_path / "c.yaml", "just text\n"))
