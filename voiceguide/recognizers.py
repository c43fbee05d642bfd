"""Choosing a recognition engine and finding its model, from the config and what is installed."""

from __future__ import annotations

from pathlib import Path

from voiceguide import paths
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


def make_engine(config: Config, model: Path | None = None) -> Engine:
    """The engine the config asks for; raises RecognizerUnavailable saying why not."""
    from voiceguide.vosk_engine import VoskEngine

    engine = config.recognizer.engine
    if engine == "none":
        raise RecognizerUnavailable("voice control is switched off (recognizer.engine: none)")
    if engine == "pocketsphinx":
        raise RecognizerUnavailable("the pocketsphinx engine is not available yet; use vosk with a model")
    found = find_vosk_model(config, model)
    if found is None:
        raise RecognizerUnavailable("no vosk model found: put one in ~/.local/share/voiceguide/models/ "
                                    "or name it with recognizer.model (see models/README.md)")
    wake = tuple(config.recognizer.wake_word.split()) if config.recognizer.wake_word else ()
    return VoskEngine(found, config.vocabulary(), extra_words=wake)
