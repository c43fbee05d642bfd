"""Choosing a recognition engine and finding its model, from the config and what is installed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from voiceguide import paths
from voiceguide.commands import Vocabulary
from voiceguide.config import Config
from voiceguide.recognition import Engine, RecognizerUnavailable


def model_folders() -> list[Path]:
    """Where vosk models are looked for, in order: the user's models folder, then the project's."""
    return [paths.data_dir() / "models", Path(__file__).resolve().parent.parent / "models"]


def find_vosk_model(config: Config, explicit: Path | None = None) -> Path | None:
    """The model named on the command line or in the config, else the first one found."""
    from voiceguide.vosk_engine import installed_model_packages

    named = explicit or (Path(config.recognizer.model).expanduser() if config.recognizer.model else None)
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


def make_engine(config: Config, model: Path | None = None, *, other_words: Iterable[str] = (),
                notes: Callable[[str], None] = lambda note: None, vocabulary: Vocabulary | None = None,
                answers: bool = False) -> Engine:
    """The engine the config asks for; raises RecognizerUnavailable saying why not.

    With `engine: auto` a vosk model that is found is used, else (or if it fails to load) the
    pocketsphinx model built into its wheel; `notes` hears why a choice was passed over.
    `other_words` (the narration's words) help an engine tell them from commands. `vocabulary`
    replaces the config's commands (the recorder listens for its own few words); `answers`: the
    engine hears answers to a question just asked, which an engine may expect more readily.
    """
    vocabulary = vocabulary or config.vocabulary()
    engine = config.recognizer.engine
    if engine == "none":
        raise RecognizerUnavailable("voice control is switched off (recognizer.engine: none)")
    wake = tuple(config.recognizer.wake_word.split()) if config.recognizer.wake_word else ()
    if engine == "pocketsphinx":
        return _pocketsphinx(vocabulary, wake, other_words, answers)
    if engine == "vosk" or model is not None:
        return _vosk(config, vocabulary, model, wake, required=True)
    try:
        found = _vosk(config, vocabulary, model, wake, required=False)
    except RecognizerUnavailable as problem:
        notes(f"{problem}; using pocketsphinx instead")
        found = None
    return found or _pocketsphinx(vocabulary, wake, other_words, answers)


def _vosk(config: Config, vocabulary: Vocabulary, model: Path | None, wake: tuple[str, ...], *,
          required: bool) -> Engine | None:
    from voiceguide.vosk_engine import VoskEngine

    found = find_vosk_model(config, model)
    if found is None:
        if not required:
            return None
        raise RecognizerUnavailable("no vosk model found: put one in ~/.local/share/voiceguide/models/ "
                                    "or name it with recognizer.model (see models/README.md)")
    return VoskEngine(found, vocabulary, extra_words=wake)


def _pocketsphinx(vocabulary: Vocabulary, wake: tuple[str, ...], other_words: Iterable[str], answers: bool) -> Engine:
    from voiceguide.pocketsphinx_engine import ANSWER_SHARE, COMMAND_SHARE, PocketsphinxEngine

    return PocketsphinxEngine(vocabulary, extra_words=wake, other_words=other_words,
                              share=ANSWER_SHARE if answers else COMMAND_SHARE)
