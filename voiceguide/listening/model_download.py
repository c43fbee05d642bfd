"""Downloading recognition models, checked and installed atomically: a vosk model from the
official Vosk model list, or the Whisper model from Systran's repository at the pinned revision.

Every file streams to a temporary folder beside the destination while its checksum is computed
(the list's MD5 for vosk, the pinned SHA-256 for Whisper); its size and checksum must match; a
vosk archive is unpacked and checked to be a model; only then is the folder renamed into place.
An interrupted or corrupt download leaves nothing behind, and a model already there is never
touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import VoiceguideError
from voiceguide.listening import whisper_model

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"
TIMEOUT = 30.0
BLOCK = 1 << 16


class DownloadError(VoiceguideError):
    """The model list or a model could not be fetched, checked or unpacked."""


class Unreachable(DownloadError):
    """The source could not be reached at all (offline, no name service, a refused connection)."""


@dataclass(frozen=True)
class ModelEntry:
    name: str
    lang: str
    url: str
    size: int
    md5: str
    kind: str
    obsolete: bool


MAX_LIST_BYTES = 5_000_000
"""The official list is about 30 kB; a list far bigger is the wrong address (or /dev/zero)."""


def fetch_list(url: str = MODEL_LIST_URL) -> list[ModelEntry]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            raw = response.read(MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES:
            raise DownloadError(f"the model list at {url} is too large (over {MAX_LIST_BYTES // 1_000_000} MB); "
                                "is it the right address?")
        data = json.loads(raw.decode("utf-8"))
        return [ModelEntry(str(e["name"]), str(e["lang"]), str(e["url"]), int(e["size"]), str(e["md5"]),
                           str(e.get("type", "")), str(e.get("obsolete", "false")).lower() == "true")
                for e in data]
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"cannot fetch the model list from {url} ({getattr(exc, 'reason', exc)})") from None
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
    with _work_folder(folder, entry.name) as work:
        archive = work / "model.zip"
        _fetch(entry.url, archive, entry.size, hashlib.md5(usedforsecurity=False), entry.md5, entry.name,
               _counted(progress, 0, entry.size))
        unpacked = work / "unpacked"
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


def download_whisper(folder: Path, progress: Callable[[int, int], None] | None = None,
                     mirror: str | None = None) -> Path:
    """Fetch the pinned Whisper files into `folder`/whisper-tiny.en; returns that folder. `mirror`:
    a copy of Systran's repository folder at the pinned revision, instead of Hugging Face."""
    target = folder / whisper_model.NAME
    if target.exists():
        return target
    total, done = sum(item.size for item in whisper_model.FILES), 0
    with _work_folder(folder, whisper_model.NAME) as work:
        fetched = work / whisper_model.NAME
        fetched.mkdir()
        for item in whisper_model.FILES:
            url = f"{mirror.rstrip('/')}/{item.name}" if mirror else item.url
            _fetch(url, fetched / item.name, item.size, hashlib.sha256(), item.sha256,
                   f"{whisper_model.NAME} {item.name}", _counted(progress, done, total))
            done += item.size
        fetched.replace(target)
    return target


@contextlib.contextmanager
def _work_folder(folder: Path, name: str) -> Iterator[Path]:
    """A temporary folder beside the destination (so the final rename stays on one disk), after
    clearing what a run killed mid-download left."""
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(f".{name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{name}.") as work:
        yield Path(work)


def _counted(progress: Callable[[int, int], None] | None, before: int, total: int):
    """A file's progress as part of the whole download's."""
    return None if progress is None else (lambda received: progress(before + received, total))


def _fetch(url: str, destination: Path, size: int, digest, expected: str, label: str,
           progress: Callable[[int], None] | None) -> None:
    """Stream `url` to `destination`; its size and `digest` must match, else DownloadError."""
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, destination.open("wb") as out:
            while block := response.read(BLOCK):
                out.write(block)
                digest.update(block)
                received += len(block)
                if progress:
                    progress(received)
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"{label}: download failed ({getattr(exc, 'reason', exc)})") from None
    if received != size:
        raise DownloadError(f"{label}: got {received} bytes, expected {size}; not installed")
    if digest.hexdigest() != expected.lower():
        raise DownloadError(f"{label}: the checksum does not match; not installed")


def _model_folder(unpacked: Path) -> Path | None:
    """The unpacked model: the archive's single top folder, or the archive's root."""
    def is_model(path: Path) -> bool:
        return (path / "am").is_dir() or (path / "conf").is_dir()

    if is_model(unpacked):
        return unpacked
    tops = [p for p in unpacked.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 and is_model(tops[0]) else None
