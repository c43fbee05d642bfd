"""Typed settings: the shipped config.yaml, then the user's file, then command-line flags.

The shipped file is the only place defaults are written, so it cannot drift from the code: it
is read with every key required, and the user's file with every key optional on top of it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from voiceguide.engine.commands import OPTIONAL_COMMANDS, Command, Vocabulary, normalise
from voiceguide.errors import ConfigError
from voiceguide.format.routine import TEMPO_RANGE, Intensity
from voiceguide.format.schema import Checker, join
from voiceguide.format.yamlsource import LineMap, YamlFileError, read_yaml_mapping
from voiceguide.userdata import paths


class Verbosity(str, enum.Enum):
    AUTO = "auto"
    FULL = "full"
    BRIEF = "brief"
    TONES = "tones"


class Cautions(str, enum.Enum):
    """How the safety points are read at the start."""

    AUTO = "auto"
    """In full for the first `full_sessions` sessions and whenever they change, then a short reminder."""
    FULL = "full"
    SHORT = "short"


ENGINES = ("auto", "whisper", "vosk", "pocketsphinx", "none")


@dataclass(frozen=True)
class SpeechSettings:
    voice: str
    """Voice id or name; empty for the system default."""
    rate: int
    """Words per minute."""
    volume: float
    """0.0 to 1.0."""


@dataclass(frozen=True)
class TimingSettings:
    tempo: float
    """Seconds per repetition where a step sets none."""
    tempo_change: float
    """Fraction by which slower / faster change the tempo."""
    rest: float
    """Seconds of rest after a step where the step sets none."""
    count_in: bool


@dataclass(frozen=True)
class RecognizerSettings:
    engine: str
    model: str
    """Folder of a vosk or Whisper (CTranslate2) model; empty to search the models folders."""
    wake_word: str


@dataclass(frozen=True)
class AudioSettings:
    output_device: str
    input_device: str
    lead_in: float
    """Seconds of silence before the first sound after a quiet spell."""
    tones: bool


@dataclass(frozen=True)
class HistorySettings:
    keep: bool
    """Record every session (`voiceguide history`)."""
    ask_pain: bool
    """Ask for a pain rating by voice before and after each session."""


@dataclass(frozen=True)
class RatingWords:
    """How a pain rating is said in one language: "pain four", or just "four"."""

    pain: tuple[str, ...]
    numbers: tuple[str, ...]
    """The words for 0 to 10, in order."""


@dataclass(frozen=True)
class Config:
    routine: str
    intensity: Intensity
    verbosity: Verbosity
    full_sessions: int
    cautions: Cautions
    speech: SpeechSettings
    timing: TimingSettings
    language: str
    commands: dict[str, dict[Command, tuple[str, ...]]]
    ratings: dict[str, RatingWords]
    recognizer: RecognizerSettings
    audio: AudioSettings
    history: HistorySettings

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.commands.get(self.language, {}))

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with top-level or dotted ('speech.rate') settings changed; None leaves one alone."""
        result = self
        for dotted, value in changes.items():
            if value is None:
                continue
            section, _, name = dotted.partition(".")
            if name:
                result = replace(result, **{section: replace(getattr(result, section), **{name: value})})
            else:
                result = replace(result, **{section: value})
        return result


TOP_KEYS = ("routine", "intensity", "verbosity", "full_sessions", "cautions", "speech", "timing", "language",
            "commands", "ratings", "recognizer", "audio", "history")
RATINGS = 11
"""Pain is rated 0 to 10."""


def default_config() -> Config:
    """The shipped defaults alone, whatever the user's file says."""
    return _read_file(paths.default_config_file(), None)


def load_config(user_file: Path | None = None) -> Config:
    """Shipped defaults overlaid with the user's file (default location if None and it exists)."""
    defaults = default_config()
    if user_file is None:  # the usual place, which need not exist; a file named on purpose must
        user_file = paths.user_config_file()
        if not user_file.exists():
            return defaults
    return _read_file(user_file, defaults)


def _read_file(path: Path, base: Config | None) -> Config:
    try:
        data = read_yaml_mapping(path, "config")
    except YamlFileError as exc:
        raise ConfigError([exc.problem]) from None
    check = Checker(str(path))
    config = read_config(check, data, base)
    if check.problems:
        raise ConfigError(check.problems)
    return config


def read_config(check: Checker, data: LineMap, base: Config | None) -> Config | None:
    """Read settings; with `base` every key is optional and falls back to it."""
    check.keys(data, "", TOP_KEYS, required=TOP_KEYS if base is None else ())

    def section(name: str, keys: tuple[str, ...]) -> LineMap:
        found = check.mapping(data, name, "", required=base is None)
        if found is None:
            return LineMap()
        check.keys(found, name, keys, required=keys if base is None else ())
        return found

    def default(name: str, fallback_section: str | None = None) -> Any:
        if base is None:
            return None
        holder = getattr(base, fallback_section) if fallback_section else base
        value = getattr(holder, name)
        return value.value if isinstance(value, enum.Enum) else value

    speech = section("speech", ("voice", "rate", "volume"))
    timing = section("timing", ("tempo", "tempo_change", "rest", "count_in"))
    recognizer = section("recognizer", ("engine", "model", "wake_word"))
    audio = section("audio", ("output_device", "input_device", "lead_in", "tones"))
    history = section("history", ("keep", "ask_pain"))

    routine = _plain(check, data, "routine", "", default("routine"))
    intensity = check.choice(data, "intensity", "", [i.value for i in Intensity], default=default("intensity"))
    verbosity = check.choice(data, "verbosity", "", [v.value for v in Verbosity], default=default("verbosity"))
    full_sessions = check.number(data, "full_sessions", "", low=0, high=1000, whole=True,
                                 default=default("full_sessions"))
    cautions = check.choice(data, "cautions", "", [c.value for c in Cautions], default=default("cautions"))
    language = _plain(check, data, "language", "", default("language"))
    speech_settings = SpeechSettings(
        voice=_plain(check, speech, "voice", "speech", default("voice", "speech"), allow_empty=True),
        rate=check.number(speech, "rate", "speech", low=80, high=400, whole=True, unit="words per minute",
                          default=default("rate", "speech")),
        volume=check.number(speech, "volume", "speech", low=0.0, high=1.0, default=default("volume", "speech")),
    )
    timing_settings = TimingSettings(
        tempo=check.number(timing, "tempo", "timing", low=TEMPO_RANGE[0], high=TEMPO_RANGE[1],
                           unit="seconds per repetition", default=default("tempo", "timing")),
        tempo_change=check.number(timing, "tempo_change", "timing", low=0.05, high=0.5,
                                  default=default("tempo_change", "timing")),
        rest=check.number(timing, "rest", "timing", low=0, high=600, unit="seconds", default=default("rest", "timing")),
        count_in=check.boolean(timing, "count_in", "timing", default=default("count_in", "timing")),
    )
    recognizer_settings = RecognizerSettings(
        engine=check.choice(recognizer, "engine", "recognizer", ENGINES, default=default("engine", "recognizer")),
        model=_plain(check, recognizer, "model", "recognizer", default("model", "recognizer"), allow_empty=True),
        wake_word=_plain(check, recognizer, "wake_word", "recognizer", default("wake_word", "recognizer"),
                         allow_empty=True),
    )
    audio_settings = AudioSettings(
        output_device=_plain(check, audio, "output_device", "audio", default("output_device", "audio"),
                             allow_empty=True),
        input_device=_plain(check, audio, "input_device", "audio", default("input_device", "audio"),
                            allow_empty=True),
        lead_in=check.number(audio, "lead_in", "audio", low=0, high=2, unit="seconds",
                             default=default("lead_in", "audio")),
        tones=check.boolean(audio, "tones", "audio", default=default("tones", "audio")),
    )
    history_settings = HistorySettings(
        keep=check.boolean(history, "keep", "history", default=default("keep", "history")),
        ask_pain=check.boolean(history, "ask_pain", "history", default=default("ask_pain", "history")),
    )
    commands = _commands(check, data, base)
    ratings = _ratings(check, data, base)
    if check.problems:
        return None
    if language not in commands:
        check.problem(check.line_of(data, "language"), "language",
                      f"no command phrases for language '{language}' (have: {', '.join(sorted(commands))})")
        return None
    if history_settings.ask_pain and language not in ratings:
        check.problem(check.line_of(history, "ask_pain"), "history.ask_pain",
                      f"no pain rating words for language '{language}': add them under ratings")
        return None
    return Config(routine=routine, intensity=Intensity(intensity), verbosity=Verbosity(verbosity),
                  full_sessions=full_sessions, cautions=Cautions(cautions), speech=speech_settings, timing=timing_settings,
                  language=language, commands=commands, ratings=ratings, recognizer=recognizer_settings,
                  audio=audio_settings,
                  history=history_settings)


def _plain(check: Checker, mapping: LineMap, key: str, field: str, default: str | None,
           allow_empty: bool = False) -> str | None:
    """A text setting; empty text is allowed where it means 'the default'."""
    value = mapping.get(key)
    if allow_empty and key in mapping and (value == "" or value is None):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and allow_empty:
        return str(value)  # a device number
    return check.text(mapping, key, field, required=key in mapping, default=default)


def _commands(check: Checker, data: LineMap, base: Config | None) -> dict[str, dict[Command, tuple[str, ...]]]:
    result = {lang: dict(phrases) for lang, phrases in (base.commands.items() if base else ())}
    languages = check.mapping(data, "commands", "", required=base is None)
    if languages is None:
        return result
    names = [c.value for c in Command]
    for language, table in languages.items():
        field = join("commands", str(language))
        if not isinstance(table, LineMap):
            check.problem(check.line_of(languages, language), field, "must map command names to lists of phrases")
            continue
        required = [c.value for c in Command if c not in OPTIONAL_COMMANDS]
        check.keys(table, field, names, required=required if base is None or language not in result else ())
        merged = dict(result.get(language, {}))
        for name in table:
            if name in names:
                phrases = check.texts(table, name, field, required=True)
                merged[Command(name)] = tuple(normalise(p) for p in phrases)
        try:
            Vocabulary(merged)
        except ValueError as exc:
            check.problem(check.line_of(languages, language), field, str(exc))
        result[str(language)] = merged
    return result


def _ratings(check: Checker, data: LineMap, base: Config | None) -> dict[str, RatingWords]:
    result = dict(base.ratings) if base else {}
    languages = check.mapping(data, "ratings", "", required=base is None)
    for language, table in (languages or {}).items():
        field = join("ratings", str(language))
        if not isinstance(table, LineMap):
            check.problem(check.line_of(languages, language), field, "must give pain and numbers")
            continue
        check.keys(table, field, ("pain", "numbers"), required=("pain", "numbers"))
        pain = tuple(normalise(p) for p in check.texts(table, "pain", field, required=True))
        numbers = tuple(normalise(n) for n in check.texts(table, "numbers", field, required=True))
        if len(numbers) != RATINGS:
            check.problem(check.line_of(table, "numbers"), join(field, "numbers"),
                          f"must list the words for 0 to 10 in order ({RATINGS} of them), not {len(numbers)}")
        elif len(set(numbers)) != RATINGS:
            check.problem(check.line_of(table, "numbers"), join(field, "numbers"), "has a word twice")
        else:
            result[str(language)] = RatingWords(pain, numbers)
    return result
