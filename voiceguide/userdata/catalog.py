"""Finding routines: by id among the built-ins and the user's own folder, or by path.

The user's own routine wins over a built-in with the same id, so a user can adapt one by
copying it. A broken file in the user's folder is listed with its problem and never stops the
others from being found.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import RoutineError, RoutineNotFound
from voiceguide.format.loader import LoadedRoutine, load_routine
from voiceguide.userdata import paths

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Entry:
    path: Path
    builtin: bool
    loaded: LoadedRoutine | None
    error: RoutineError | None
    shadows_builtin: bool = False
    """The user's routine has a built-in's id, and is played in its place."""

    @property
    def id(self) -> str:
        return self.loaded.routine.id if self.loaded else self.path.stem


def _files(folder: Path) -> list[Path]:
    """The routine files in `folder`; none if it cannot be read (a folder made unreadable must not
    cost the user the built-ins)."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    except OSError:
        return []


def entries(phrases: Iterable[str] = ()) -> list[Entry]:
    """Every routine the user can play: their own first, then built-ins they do not shadow. One
    rule everywhere (list, show, play): a routine of the user's with a built-in's id is the one."""
    phrases = list(phrases)
    found: dict[str, Entry] = {}
    for folder, builtin in ((paths.user_routines_dir(), False), (paths.builtin_routines_dir(), True)):
        for path in _files(folder):
            try:
                entry = Entry(path, builtin, load_routine(path, phrases), None)
            except RoutineError as exc:
                entry = Entry(path, builtin, None, exc)
            if entry.id not in found:
                found[entry.id] = entry
            elif builtin and not found[entry.id].builtin:
                found[entry.id] = dataclasses.replace(found[entry.id], shadows_builtin=True)
    return list(found.values())


def find(name: str, phrases: Iterable[str] = ()) -> LoadedRoutine:
    """Load the routine `name` names: a path to a file, or an id."""
    phrases = list(phrases)
    as_path = Path(name).expanduser()
    if as_path.suffix in SUFFIXES or "/" in name or as_path.is_file():
        if not as_path.exists():
            raise RoutineNotFound(f"{name}: no such routine file")
        return load_routine(as_path, phrases)
    for suffix in SUFFIXES:
        candidate = paths.user_routines_dir() / f"{name}{suffix}"
        if candidate.is_file():
            return load_routine(candidate, phrases)
    known = entries(phrases)
    for entry in known:
        if entry.id == name:
            if entry.error:
                raise entry.error
            return entry.loaded
    for suffix in SUFFIXES:  # a built-in's file name that is not its id
        candidate = paths.builtin_routines_dir() / f"{name}{suffix}"
        if candidate.is_file():
            return load_routine(candidate, phrases)
    ids = [entry.id for entry in known]
    hint = difflib.get_close_matches(name, ids, n=1, cutoff=0.5)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(ids)})"
    raise RoutineNotFound(f"no routine called '{name}'{suggestion} `voiceguide list` shows them all.")
