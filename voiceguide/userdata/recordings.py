"""The user's own narration: one WAV per sentence of a routine, kept in the user's data folder.

A recording is found by the exact text it says, so the player uses it wherever that sentence is
spoken and falls back to synthesis for every sentence not (or no longer) recorded: an edited
instruction is synthesized until it is recorded again. Each clip is written atomically the
moment it is kept, so an interrupted recording session loses nothing already kept, and nothing
here ever deletes a recording.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from voiceguide.audio.clips import BadClip, Clip, read_wav, write_wav
from voiceguide.userdata import paths
from voiceguide.userdata.placestore import atomic_write_json

INDEX = "index.json"
"""Which file says what, for people browsing the folder (the player itself needs only the names)."""


def recordings_dir(routine_id: str) -> Path:
    return paths.data_dir() / "recordings" / routine_id


class Recordings:
    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def for_routine(cls, routine_id: str) -> Recordings:
        return cls(recordings_dir(routine_id))

    def path(self, text: str) -> Path:
        return self.folder / f"{hashlib.sha256(text.strip().encode('utf-8')).hexdigest()[:24]}.wav"

    def has(self, text: str) -> bool:
        return self.path(text).is_file()

    def load(self, text: str) -> Clip | None:
        """The recording of `text`, or None (a damaged file is left for the user, never removed)."""
        try:
            return read_wav(self.path(text)) if self.has(text) else None
        except BadClip:
            return None

    def keep(self, text: str, clip: Clip) -> Path:
        """Store a recording of `text`, replacing an earlier one; raises OSError if the disk fails."""
        path = self.path(text)
        write_wav(path, clip)
        index_path = self.folder / INDEX
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        index[path.name] = text.strip()
        atomic_write_json(index_path, index)
        return path
