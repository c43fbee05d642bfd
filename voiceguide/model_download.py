"""Downloading a vosk model from the official Vosk model list, checked and unpacked atomically.

The download streams to a partial file while its MD5 is computed; its size and checksum must
match the list; it is unpacked into a temporary folder beside the destination, checked to be a
model, and only then renamed into place. An interrupted or corrupt download leaves nothing
behind, and a model already there is never touched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import VoiceguideError

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"
TIMEOUT = 30.0
BLOCK = 1 << 16


class DownloadError(VoiceguideError):
    """The model list or a model could not be fetched, checked or unpacked."""


@dataclass(frozen=True)
class ModelEntry:
    name: str
    lang: str
    url: str
    size: int
    md5: str
    kind: str
    obsolete: bool


def fetch_list(url: str = MODEL_LIST_URL) -> list[ModelEntry]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            data = json.loads(response.read().decode("utf-8"))
        return [ModelEntry(str(e["name"]), str(e["lang"]), str(e["url"]), int(e["size"]), str(e["md5"]),
                           str(e.get("type", "")), str(e.get("obsolete", "false")).lower() == "true")
                for e in data]
    except (urllib.error.URLError, OSError) as exc:
        raise DownloadError(f"cannot fetch the model list from {url} ({getattr(exc, 'reason', exc)})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DownloadError(f"the model list at {url} is not in the expected form ({exc})") from None


def choose(entries: list[ModelEntry], name: str | None, language: str) -> ModelEntry:
    """The model called `name`, or the small current model for `language` ('en' finds 'en-us')."""
    if name:
        for entry in entries:
            if entry.name == name:
                return entry
        raise DownloadError(f"no model called {name!r} in the model list")
    candidates = [e for e in entries if not e.obsolete and e.kind == "small"
                  and (e.lang == language or e.lang.startswith(language + "-"))]
    if not candidates:
        raise DownloadError(f"no small model for language {language!r} in the model list; name one")
    return sorted(candidates, key=lambda e: (e.lang != f"{language}-us", e.size))[0]


def download(entry: ModelEntry, folder: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Fetch, check and unpack `entry` into `folder`; returns the model's folder."""
    target = folder / entry.name
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(f".{entry.name}.*"):  # from a run that was killed mid-download
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{entry.name}.") as work:
        archive = Path(work) / "model.zip"
        _fetch(entry, archive, progress)
        unpacked = Path(work) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as zipped:
                for member in zipped.namelist():
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise DownloadError(f"{entry.name}: the archive has an unsafe path {member!r}")
                zipped.extractall(unpacked)
        except zipfile.BadZipFile:
            raise DownloadError(f"{entry.name}: the download is not a zip archive") from None
        model = _model_folder(unpacked)
        if model is None:
            raise DownloadError(f"{entry.name}: the archive holds no vosk model")
        model.replace(target)
    return target


def _fetch(entry: ModelEntry, archive: Path, progress: Callable[[int, int], None] | None) -> None:
    digest, received = hashlib.md5(usedforsecurity=False), 0
    try:
        with urllib.request.urlopen(entry.url, timeout=TIMEOUT) as response, archive.open("wb") as out:
            while block := response.read(BLOCK):
                out.write(block)
                digest.update(block)
                received += len(block)
                if progress:
                    progress(received, entry.size)
    except (urllib.error.URLError, OSError) as exc:
        raise DownloadError(f"{entry.name}: download failed ({getattr(exc, 'reason', exc)})") from None
    if received != entry.size:
        raise DownloadError(f"{entry.name}: got {received} bytes, the list says {entry.size}; not installed")
    if digest.hexdigest() != entry.md5.lower():
        raise DownloadError(f"{entry.name}: the checksum does not match the list; not installed")


def _model_folder(unpacked: Path) -> Path | None:
    """The unpacked model: the archive's single top folder, or the archive's root."""
    def is_model(path: Path) -> bool:
        return (path / "am").is_dir() or (path / "conf").is_dir()

    if is_model(unpacked):
        return unpacked
    tops = [p for p in unpacked.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 and is_model(tops[0]) else None
