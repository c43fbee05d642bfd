"""Choosing a recognition engine and finding its model, from the config and what is installed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from voiceguide.engine.commands import Vocabulary
from voiceguide.listening import whisper_model
from voiceguide.listening.recognition import Engine, RecognizerUnavailable
from voiceguide.userdata import paths
from voiceguide.userdata.config import Config


@dataclass(frozen=True)
class ListeningSettings:
    """What choosing an engine and listening need of the user's settings, and no more."""

    engine: str
    """auto, whisper, vosk, pocketsphinx or none (recognizer.engine)."""
    model: str
    """A model folder named in the config; empty to search."""
    wake_word: str
    language: str
    vocabulary: Vocabulary
    input_device: str = ""

    @classmethod
    def of(cls, config: Config, microphone: str = "") -> ListeningSettings:
        """`microphone`: one named on the command line, in place of the config's."""
        return cls(config.recognizer.engine, config.recognizer.model, config.recognizer.wake_word, config.language,
                   config.vocabulary(), microphone or config.audio.input_device)


def model_folders() -> list[Path]:
    """Where vosk models are looked for, in order: the user's models folder, then the project's."""
    return [paths.data_dir() / "models", Path(__file__).resolve().parent.parent.parent / "models"]


def find_vosk_model(configured: str, explicit: Path | None = None) -> Path | None:
    """The model named on the command line or in the config (`configured`), else the first one found."""
    from voiceguide.listening.vosk_engine import installed_model_packages

    named = explicit or (Path(configured).expanduser() if configured else None)
    if named is not None:
        if not named.is_dir():
            raise RecognizerUnavailable(f"no vosk model folder at {named}")
        return named
    for folder in model_folders():
        if folder.is_dir():
            for candidate in sorted(folder.iterdir()):
                if (candidate / "am").is_dir():
                    return candidate
    packages = installed_model_packages()
    return packages[0] if packages else None


def make_engine(settings: ListeningSettings, model: Path | None = None, *, other_words: Iterable[str] = (),
                notes: Callable[[str], None] = lambda note: None, vocabulary: Vocabulary | None = None,
                answers: bool = False) -> Engine:
    """The engine the config asks for; raises RecognizerUnavailable saying why not.

    With `engine: auto`: a model named in the config (or `model`) is used; else for English the
    Whisper model, then a vosk model that knows the phrases, then the pocketsphinx model built
    into its wheel; `notes` hears why a choice was passed over. `other_words` (the narration's
    words) help pocketsphinx tell them from commands. `vocabulary` replaces the config's commands
    (the recorder listens for its own few words); `answers`: the engine hears answers to a
    question just asked, which pocketsphinx may expect more readily.
    """
    vocabulary = vocabulary or settings.vocabulary
    engine = settings.engine
    if engine == "none":
        raise RecognizerUnavailable("voice control is switched off (recognizer.engine: none)")
    wake = tuple(settings.wake_word.split())
    named = model or (Path(settings.model).expanduser() if settings.model else None)
    if engine == "pocketsphinx":
        return _pocketsphinx(vocabulary, wake, other_words, answers)
    if engine == "whisper":
        return _whisper(vocabulary, wake, named)
    if named is not None and whisper_model.is_whisper_folder(named) and engine == "auto":
        return _whisper(vocabulary, wake, named)
    if engine == "vosk" or named is not None:
        return _vosk(settings, vocabulary, named, wake, required=True)
    if is_english(settings.language):
        try:
            return _whisper(vocabulary, wake, None)
        except RecognizerUnavailable as problem:
            notes(f"{problem}; using another engine")
    try:
        found = _vosk(settings, vocabulary, None, wake, required=False)
    except RecognizerUnavailable as problem:
        notes(f"{problem}; using pocketsphinx instead")
        found = None
    return found or _pocketsphinx(vocabulary, wake, other_words, answers)


def is_english(language: str) -> bool:
    """Whisper tiny.en hears English only."""
    return language.lower() == "en" or language.lower().startswith("en-")


def _whisper(vocabulary: Vocabulary, wake: tuple[str, ...], named: Path | None) -> Engine:
    from voiceguide.listening.whisper_engine import WhisperEngine

    if named is not None:
        if not whisper_model.is_whisper_folder(named):
            raise RecognizerUnavailable(f"no Whisper model (model.bin and tokenizer.json) in {named}")
        return WhisperEngine(named, vocabulary, extra_words=wake, pinned=False)
    found = whisper_model.find_model()
    if found is None:
        raise RecognizerUnavailable("the Whisper model is not installed (`voiceguide model download` fetches it)")
    return WhisperEngine(found, vocabulary, extra_words=wake)


def _vosk(settings: ListeningSettings, vocabulary: Vocabulary, model: Path | None, wake: tuple[str, ...], *,
          required: bool) -> Engine | None:
    from voiceguide.listening.vosk_engine import VoskEngine

    found = find_vosk_model(settings.model, model)
    if found is None:
        if not required:
            return None
        raise RecognizerUnavailable("no vosk model found: put one in ~/.local/share/voiceguide/models/ "
                                    "or name it with recognizer.model (see models/README.md)")
    return VoskEngine(found, vocabulary, extra_words=wake)


def _pocketsphinx(vocabulary: Vocabulary, wake: tuple[str, ...], other_words: Iterable[str], answers: bool) -> Engine:
    from voiceguide.listening.pocketsphinx_engine import ANSWER_SHARE, COMMAND_SHARE, PocketsphinxEngine

    return PocketsphinxEngine(vocabulary, extra_words=wake, other_words=other_words,
                              share=ANSWER_SHARE if answers else COMMAND_SHARE)
