"""Crash-safe memory of where an unfinished session was, and how many sessions each routine has had.

Each save replaces a small JSON file atomically (write, fsync, rename), so a crash or power cut
leaves either the old place or the new one, never a torn file. Places are stored by step id,
not index, so an edited routine still resumes at the right technique (from its start, if the
routine changed).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from voiceguide.atomic import replacing
from voiceguide.engine.planner import Place
from voiceguide.engine.program import PartKind, Program
from voiceguide.engine.pace_changes import MAX_TEMPO_FACTOR, MIN_TEMPO_FACTOR
from voiceguide.format.routine import Routine

FORMAT = 1
SESSIONS_COUNTED_AGAIN = "sessions are counted afresh (the full instructions may come back for a while)"
CAUTIONS_READ_AGAIN = "the safety points will be read in full again"


@dataclass(frozen=True)
class SavedSession:
    place: Place
    tempo_factor: float
    targets: dict[tuple[int, int], float]
    exact: bool
    """False when the routine changed since: the place is then the start of the same step."""


def fingerprint(routine: Routine) -> str:
    """What the user does, step by step (ids, counts, phases, durations, rests), and nothing of
    where the text sits: a comment added, a sentence reworded or the same file played by another
    path keeps the exact place."""
    doing = [(step.id, step.work, step.rest, step.intensity) for step in routine.steps]
    return hashlib.sha256(repr((doing, routine.intensity)).encode("utf-8")).hexdigest()[:16]


def cautions_fingerprint(routine: Routine) -> str:
    """The safety points as worded: any change to them means they are read in full again."""
    return hashlib.sha256(repr(routine.cautions).encode("utf-8")).hexdigest()[:16]


def atomic_write_json(path: Path, data: dict) -> None:
    """Replace `path` with `data` as JSON so that a crash leaves the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path, "w", sync=True) as out:
        json.dump(data, out)


def _read(path: Path, set_aside: list[str], consequence: str) -> dict | None:
    """The file's JSON object. A corrupt file is set aside under a name of its own (each one kept,
    never deleted) and `set_aside` told what became of it and what follows."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        kept = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.{os.getpid()}.corrupt")
        try:
            path.replace(kept)
            set_aside.append(f"{path} could not be read ({_reason(exc)}); it is kept as {kept.name}, "
                             f"and {consequence}")
        except OSError as failed:
            set_aside.append(f"{path} could not be read ({_reason(exc)}) nor set aside ({_reason(failed)}), "
                             f"and {consequence}")
        return None
    return data if isinstance(data, dict) else None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValueError):
        return "damaged: not valid JSON"
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__


def _finite_within(value: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low <= value <= high


class PlaceStore:
    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[str] = []
        """What went wrong reading the saved files (one line each), for the player to say."""

    def _place_file(self, routine_id: str) -> Path:
        return self.folder / "places" / f"{routine_id}.json"

    def save(self, program: Program, place: Place, tempo_factor: float,
             targets: dict[tuple[int, int], float]) -> None:
        part = program.parts[min(place.part, len(program.parts) - 1)]
        anchor = part.step.id if part.step else part.kind.value
        atomic_write_json(self._place_file(program.routine.id), {
            "format": FORMAT, "routine": program.routine.id, "fingerprint": fingerprint(program.routine),
            "anchor": anchor, "part": place.part, "segment": place.segment, "progress": place.progress,
            "tempo_factor": tempo_factor, "targets": [[p, s, v] for (p, s), v in targets.items()],
            "saved_at": time.time(),
        })

    def load(self, program: Program) -> SavedSession | None:
        data = _read(self._place_file(program.routine.id), self.problems, "the session starts from the beginning")
        if not data or data.get("format") != FORMAT:
            return None
        try:
            place = Place(int(data["part"]), int(data["segment"]), float(data["progress"]))
            anchor = str(data["anchor"])
            tempo = float(data.get("tempo_factor", 1.0))
            targets = {(int(p), int(s)): float(v) for p, s, v in data.get("targets", [])}
        except (KeyError, TypeError, ValueError, OverflowError):
            return None
        if not _finite_within(tempo, MIN_TEMPO_FACTOR, MAX_TEMPO_FACTOR):
            tempo = 1.0
        if (data.get("fingerprint") == fingerprint(program.routine) and self._valid(program, place)
                and _finite_within(place.progress, 0.0, math.inf)):
            return SavedSession(place, tempo, self._sane_targets(program, targets), exact=True)
        for index, part in enumerate(program.parts):
            if (part.step and part.step.id == anchor) or (part.step is None and part.kind.value == anchor
                                                          and part.kind is not PartKind.CLOSING):
                return SavedSession(Place(index, 0, 0), tempo, {}, exact=False)
        return None

    def _sane_targets(self, program: Program, targets: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
        """Targets the user set with "more" or "enough", where they still fit their segment's range."""
        kept = {}
        for (part, segment), value in targets.items():
            span = getattr(program.parts[part].segments[segment], "span", None) \
                if self._valid(program, Place(part, segment, 0)) else None
            if span is not None and _finite_within(value, span.low, span.high):
                kept[(part, segment)] = value
        return kept

    @staticmethod
    def _valid(program: Program, place: Place) -> bool:
        return 0 <= place.part < len(program.parts) and 0 <= place.segment < len(program.parts[place.part].segments)

    def clear(self, routine_id: str) -> None:
        self._place_file(routine_id).unlink(missing_ok=True)

    def _counts_file(self) -> Path:
        return self.folder / "sessions.json"

    def sessions_played(self, routine_id: str) -> int:
        value = (_read(self._counts_file(), self.problems, SESSIONS_COUNTED_AGAIN) or {}).get(routine_id, 0)
        return value if isinstance(value, int) else 0

    def _cautions_file(self) -> Path:
        return self.folder / "cautions.json"

    def cautions_heard(self, routine: Routine) -> bool:
        """Whether the routine's safety points, as they are now, were read in full in a finished session."""
        heard = (_read(self._cautions_file(), self.problems, CAUTIONS_READ_AGAIN) or {}).get(routine.id)
        return heard == cautions_fingerprint(routine)

    def record_cautions_heard(self, routine: Routine) -> None:
        heard = _read(self._cautions_file(), self.problems, CAUTIONS_READ_AGAIN) or {}
        heard[routine.id] = cautions_fingerprint(routine)
        atomic_write_json(self._cautions_file(), heard)

    def record_finished(self, routine_id: str) -> None:
        counts = _read(self._counts_file(), self.problems, SESSIONS_COUNTED_AGAIN) or {}
        previous = counts.get(routine_id)
        counts[routine_id] = (previous if isinstance(previous, int) else 0) + 1
        atomic_write_json(self._counts_file(), counts)
