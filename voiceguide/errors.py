"""The project's exception tree.

Adapters and loaders raise these; only the CLI turns them into text for the user, one line per
problem, so no traceback ever reaches someone lying face down on a mat.
"""

from __future__ import annotations

from dataclasses import dataclass


class VoiceguideError(Exception):
    """Base of every error the CLI reports as a clear message."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is and what is wrong."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class FileProblems(VoiceguideError):
    """A routine or config file that cannot be used; carries every problem found at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


class RoutineError(FileProblems):
    """A routine file that is missing, unreadable or invalid."""


class ConfigError(FileProblems):
    """A configuration file or command-line setting that is invalid."""


class RoutineNotFound(VoiceguideError):
    """No routine with that id or path."""
