"""Shared fixtures: isolated user folders, the shipped config, and virtual-time session runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from voiceguide.userdata import paths
from voiceguide.engine.clock import VirtualClock
from voiceguide.engine.commands import Command
from voiceguide.userdata.config import Config, default_config
from voiceguide.engine.cues import Count, Cue, Say, Silence, Tone
from voiceguide.format.loader import build_routine, load_routine
from voiceguide.errors import RoutineError
from voiceguide.format.yamlsource import YamlFileError, parse_yaml_mapping
from voiceguide.engine.runner import ScriptedInbox, run
from voiceguide.engine.session import Session
from voiceguide.engine.program import PlaySettings, Program, Wording, expand

from audiolab import PulseLab, pulse_missing

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ROOT / "voiceguide" / "routines"
DATA = Path(__file__).resolve().parent / "data"


FAST_MODULES = {"test_authoring", "test_builtin_routines", "test_catalog", "test_config", "test_history",
                "test_placestore", "test_routine_loader", "test_session", "test_session_properties",
                "test_speechtime", "test_textview", "test_shortcuts", "test_model_download", "test_endpointing",
                "test_player", "test_layers"}
"""The pure and command-line tests: no sound server, no speech models (`pytest -m fast`, for
everyday work; CI runs everything)."""


LAB_MODULES = {"test_audio_devices", "test_voice_play", "test_pain", "test_recording"}
"""The modules whose tests play and record through a PulseAudio lab (tests/audiolab.py)."""
LAB_GROUP = "pulseaudio-lab"
"""Tests on the PulseAudio lab's real (virtual) devices run one at a time on one worker when the
suite runs in parallel (scripts/test.sh): what they measure is timing, and two sessions sharing
the CPU with each other would measure each other. The rest run beside them on the other workers."""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups off the items
def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.module.__name__ in FAST_MODULES:
            item.add_marker(pytest.mark.fast)
        if item.module.__name__ in LAB_MODULES or "lab" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(LAB_GROUP))


def shared_folder() -> Path:
    """The project's shared material (seeds, recordings): $VOICEGUIDE_SHARED, beside the checkout,
    or the workplace's copy (a clean clone elsewhere still finds it)."""
    candidates = [Path(os.environ["VOICEGUIDE_SHARED"])] if os.environ.get("VOICEGUIDE_SHARED") else []
    candidates += [ROOT.parent / "shared", Path("/work/shared")]
    return next((folder for folder in candidates if folder.is_dir()), candidates[0])


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own config and state folders, so no test sees the developer's files."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def write_user_config(text: str) -> Path:
    """The user's own config file (in this test's isolated config folder), with `text` in it."""
    path = paths.user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def with_own_folders(env: dict) -> dict:
    """`env` (say, a PulseAudio lab's) plus this test's isolated XDG folders, for a subprocess."""
    own = {k: v for k, v in os.environ.items() if k.startswith("XDG_") and k != "XDG_RUNTIME_DIR"}
    return dict(env, **own)


@pytest.fixture(scope="module")
def lab():
    """A private PulseAudio server with a virtual speaker and microphone, one per test module."""
    missing = pulse_missing()
    if missing:
        pytest.skip(missing)
    lab = PulseLab().start()
    yield lab
    lab.stop()


@pytest.fixture
def config() -> Config:
    return default_config()


def narration_of(routine_id: str, config: Config) -> list[str]:
    """Every sentence the narrator may say in a built-in routine: what `play` gives the engine."""
    from voiceguide.userdata import catalog
    from voiceguide.app.programs import build_program, speech_timer

    routine = catalog.find(routine_id, config.vocabulary().all_phrases()).routine
    session = Session(build_program(routine, config), config.vocabulary(), speech_timer(config), lambda cue, at: None)
    return session.texts_ahead(None)


def speech_time(text: str) -> float:
    """Deterministic stand-in for clip lengths: 50 ms a character plus 100 ms."""
    return 0.05 * len(text) + 0.1


@dataclass
class Recording:
    """Everything a session sent to its sink, with due times."""

    cues: list[tuple[float, Cue]] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    """When each cue was handed over (on the clock below, if one is set)."""
    clock: VirtualClock | None = None

    def __call__(self, cue: Cue, at: float) -> None:
        self.cues.append((at, cue))
        if self.clock is not None:
            self.sent.append(self.clock.now())

    def said(self, after: float = float("-inf")) -> list[str]:
        return [c.text for at, c in self.cues if isinstance(c, Say) and at >= after]

    def counts(self, after: float = float("-inf"), before: float = float("inf")) -> list[tuple[float, Count]]:
        return [(at, c) for at, c in self.cues if isinstance(c, Count) and after <= at < before]

    def tones(self) -> list[tuple[float, Tone]]:
        return [(at, c) for at, c in self.cues if isinstance(c, Tone)]

    def silences(self) -> list[float]:
        return [at for at, c in self.cues if isinstance(c, Silence)]

    def first_said_at(self, text: str, after: float = float("-inf")) -> float:
        return next(at for at, c in self.cues if isinstance(c, Say) and c.text == text and at >= after)


def program_for(routine, config: Config, wording: Wording = Wording.FULL, count_in: bool = True,
                rest: float | None = None) -> Program:
    settings = PlaySettings(intensity=routine.intensity or config.intensity, tempo=config.timing.tempo,
                            rest=config.timing.rest if rest is None else rest, count_in=count_in, wording=wording)
    return expand(routine, settings, config.vocabulary())


@dataclass
class Run:
    session: Session
    recording: Recording
    clock: VirtualClock


def play_script(program: Program, config: Config, script: list[tuple[float, Command]] = (), *,
                resume_from=None, offer: bool = False, until: float | None = None,
                lookahead: float = 0.0, speech=speech_time) -> Run:
    """Run `program` in virtual time with commands at chosen instants; returns what happened."""
    clock = VirtualClock()
    recording = Recording(clock=clock)
    session = Session(program, config.vocabulary(), speech, recording, tempo_change=config.timing.tempo_change,
                      resume_from=resume_from, offer=offer, lookahead=lookahead)
    if until is not None:
        script = list(script)
        inbox = _StopAt(clock, script, until)
    else:
        inbox = ScriptedInbox(clock, script)
    run(session, clock, inbox)
    return Run(session, recording, clock)


class _StopAt(ScriptedInbox):
    """A scripted inbox that ends the run at a given virtual instant."""

    def __init__(self, clock, script, until):
        super().__init__(clock, script)
        self.until = until

    def wait(self, deadline):
        from voiceguide.engine.runner import InboxExhausted

        if deadline is None or deadline > self.until:
            if not self.script or self.script[0][0] > self.until:
                self.clock.advance_to(self.until)
                raise InboxExhausted
        return super().wait(deadline)


@pytest.fixture
def lower_back(config):
    return load_routine(BUILTIN / "lower-back.yaml", config.vocabulary().all_phrases()).routine


def parse_routine(text: str, name: str = "<routine>", command_phrases=()):
    """A routine given as text, validated as load_routine validates a file."""
    try:
        data = parse_yaml_mapping(text.encode("utf-8"), name, "routine")
    except YamlFileError as exc:
        raise RoutineError([exc.problem]) from None
    return build_routine(data, name, command_phrases)


def routine_from(text: str):
    return parse_routine(text).routine


SIMPLE = """
id: simple
title: Simple
cautions: [Never press hard enough to hurt.]
steps:
  - id: push
    name: Push
    position: Sit.
    instruction: Push down the spine.
    brief: Push down.
    reps: {count: 10-20, tempo: 1}
    tips: [{at: 5, say: Keep the strokes long and even.}]
  - id: circle
    name: Circle
    instruction: Circle with the thumbs.
    reps:
      count: 6
      tempo: 1
      phases: [clockwise, counterclockwise]
  - id: hold
    name: Hold
    instruction: Press and hold the point.
    timed: {duration: 60-120 s}
    rest: 0
"""


@pytest.fixture
def simple(config) -> Program:
    return program_for(routine_from(SIMPLE), config, rest=5)
