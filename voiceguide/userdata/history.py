"""Every session, kept in SQLite in the user's data folder: what was played, how far, and the pain.

A session is written when it starts and again when it ends, so one cut short by Ctrl-C or a
crash is still there (with no end time). Any database trouble (a corrupt or locked file, a full
disk) raises HistoryUnavailable with one clear line; the player then plays on without history,
and nothing in the file is ever deleted or rewritten behind the user's back.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from voiceguide.errors import VoiceguideError
from voiceguide.userdata import paths

SCHEMA_VERSION = 1
MAX_ROWS = 1_000_000
"""The most sessions ever read at once (a lifetime of daily sessions is some ten thousand)."""
LOCK_TIMEOUT_SECONDS = 2.0
"""How long to wait for another voiceguide holding the database before giving up on history."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    routine TEXT NOT NULL,
    title TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    finished INTEGER NOT NULL DEFAULT 0,
    steps_total INTEGER NOT NULL,
    steps_completed INTEGER NOT NULL DEFAULT 0,
    skipped TEXT NOT NULL DEFAULT '[]',
    commands TEXT NOT NULL DEFAULT '{}',
    pain_before INTEGER,
    pain_after INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started);
"""


class HistoryUnavailable(VoiceguideError):
    """The history database cannot be used (corrupt, locked, unwritable)."""


@dataclass(frozen=True)
class SessionRecord:
    id: int
    routine: str
    title: str
    started: dt.datetime
    ended: dt.datetime | None
    finished: bool
    steps_total: int
    steps_completed: int
    skipped: list[str]
    commands: dict[str, int]
    pain_before: int | None
    pain_after: int | None

    @property
    def pain_change(self) -> int | None:
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


@dataclass(frozen=True)
class RoutineSummary:
    routine: str
    sessions: int
    rated: int
    """Sessions with a rating before and after."""
    average_pain_change: float | None


def default_path() -> Path:
    return paths.data_dir() / "history.sqlite3"


class History:
    """The session history. Every method raises HistoryUnavailable, never sqlite3 errors."""

    def __init__(self, path: Path, now: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone(),
                 *, read_only: bool = False):
        """`read_only`: for looking at the history, which must work on a file that cannot be written."""
        self.path = path
        self.now = now
        self.read_only = read_only
        self.damaged_rows = 0
        """Rows left out of what sessions() returned because they could not be read."""
        self._connection: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = self._guard(self._open)
        return self._connection

    def _open(self) -> sqlite3.Connection:
        if self.read_only:
            if not self.path.exists():
                connection = sqlite3.connect(":memory:")
                connection.executescript(_SCHEMA)
                return connection
            return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_TIMEOUT_SECONDS)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryUnavailable(f"{self.path} was written by a newer voiceguide (format {version})")
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            connection.close()
            raise
        return connection

    def _guard(self, action):
        try:
            return action()
        except sqlite3.DatabaseError as exc:
            raise HistoryUnavailable(f"session history {self.path}: {_plain(exc)}") from None
        except OSError as exc:
            raise HistoryUnavailable(f"session history {self.path}: {exc.strerror or exc}") from None

    def start(self, routine: str, title: str, steps_total: int, pain_before: int | None = None) -> int:
        """Record a session as begun; returns its id for finish()."""
        db = self._db()
        cursor = self._guard(lambda: db.execute(
            "INSERT INTO sessions (routine, title, started, steps_total, pain_before) VALUES (?, ?, ?, ?, ?)",
            (routine, title, self.now().isoformat(timespec="seconds"), steps_total, pain_before)))
        return int(cursor.lastrowid)

    def finish(self, session_id: int, *, finished: bool, steps_completed: int, skipped: list[str],
               commands: Counter, pain_after: int | None = None) -> None:
        db = self._db()
        self._guard(lambda: db.execute(
            "UPDATE sessions SET ended = ?, finished = ?, steps_completed = ?, skipped = ?, commands = ?, "
            "pain_after = ? WHERE id = ?",
            (self.now().isoformat(timespec="seconds"), int(finished), steps_completed, json.dumps(skipped),
             json.dumps(dict(sorted(commands.items()))), pain_after, session_id)))

    def sessions(self, limit: int | None = None) -> list[SessionRecord]:
        """Newest first."""
        db = self._db()
        query = "SELECT * FROM sessions ORDER BY started DESC, id DESC" + (" LIMIT ?" if limit else "")
        rows = self._guard(lambda: db.execute(query, (min(limit, MAX_ROWS),) if limit else ()).fetchall())
        records = [_record(row) for row in rows]
        self.damaged_rows = records.count(None)
        return [record for record in records if record is not None]

    def streak(self) -> int:
        """Days in a row, up to today (or up to yesterday, if today has no session yet), with a session."""
        days = {record.started.date() for record in self.sessions()}
        day = self.now().date()
        if day not in days:
            day -= dt.timedelta(days=1)
        count = 0
        while day in days:
            count += 1
            day -= dt.timedelta(days=1)
        return count

    def by_routine(self) -> list[RoutineSummary]:
        grouped: dict[str, list[SessionRecord]] = {}
        for record in self.sessions():
            grouped.setdefault(record.routine, []).append(record)
        summaries = []
        for routine, records in sorted(grouped.items()):
            changes = [record.pain_change for record in records if record.pain_change is not None]
            summaries.append(RoutineSummary(routine, len(records), len(changes),
                                            sum(changes) / len(changes) if changes else None))
        return summaries

    def export_csv(self, out: TextIO) -> None:
        writer = csv.writer(out)
        writer.writerow(["started", "ended", "routine", "title", "finished", "steps_completed", "steps_total",
                         "skipped", "commands", "pain_before", "pain_after"])
        for record in reversed(self.sessions()):
            writer.writerow([record.started.isoformat(), record.ended.isoformat() if record.ended else "",
                             record.routine, record.title, int(record.finished), record.steps_completed,
                             record.steps_total, ";".join(record.skipped),
                             ";".join(f"{name}={count}" for name, count in record.commands.items()),
                             "" if record.pain_before is None else record.pain_before,
                             "" if record.pain_after is None else record.pain_after])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _record(row: tuple) -> SessionRecord | None:
    """The row as a record; None when it cannot be one (a damaged file, a hand-edited date)."""
    (id_, routine, title, started, ended, finished, total, completed, skipped, commands, before, after) = row
    try:
        record = SessionRecord(int(id_), str(routine), str(title), _local(dt.datetime.fromisoformat(started)),
                               _local(dt.datetime.fromisoformat(ended)) if ended else None, bool(finished),
                               int(total), int(completed), _json(skipped, list), _json(commands, dict),
                               _rating(before), _rating(after))
    except (TypeError, ValueError, OverflowError):
        return None
    return record


def _local(moment: dt.datetime) -> dt.datetime:
    """Dates written without a zone (by hand, by an older tool) are taken as local time, so that
    every record compares with every other."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def _json(text, kind: type):
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return kind()
    return value if isinstance(value, kind) else kind()


def _rating(value) -> int | None:
    return value if isinstance(value, int) and 0 <= value <= 10 else None


def _plain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return "the file is damaged (it is left as it is; move it away to start a new history)"
    if "locked" in text:
        return "another program is holding it (database is locked)"
    return text
