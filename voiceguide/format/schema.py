"""Reading typed values out of a hand-written YAML tree, collecting every problem at once.

Routines and the config share this, so both give the same kind of message: file, line, the
field's full path (``steps[3].reps.count``) and what is wrong, with "did you mean" for a
misspelt key. Readers return None for a bad value and carry on, so one run reports everything.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

from voiceguide.errors import Problem
from voiceguide.format.yamlsource import LineList, LineMap

_MISSING = object()


class Checker:
    """Collects problems for one file while values are read out of it."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, line: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field, message))

    def warn(self, line: int | None, field: str, message: str) -> None:
        self.warnings.append(Problem(self.path, line, field, message))

    @staticmethod
    def line_of(container: Any, key: Any = None) -> int | None:
        """Line of `key` inside `container` (or of the container), if known."""
        if isinstance(container, LineMap):
            if key is not None and key in getattr(container, "key_lines", {}):
                return container.key_lines[key]
            return container.line or None
        if isinstance(container, LineList):
            if isinstance(key, int) and 0 <= key < len(container.item_lines):
                return container.item_lines[key]
            return container.line or None
        return None

    def keys(self, mapping: LineMap, field: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        """Report unknown keys (suggesting the near miss) and missing required ones."""
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else f" (known keys: {', '.join(allowed)})"
                self.problem(self.line_of(mapping, key), join(field, str(key)), f"unknown key{suggestion}")
        for key in required:
            if key not in mapping:
                self.problem(self.line_of(mapping), join(field, key), "missing; it is required")

    def get(self, mapping: LineMap, key: str, field: str, required: bool) -> Any:
        value = mapping.get(key, _MISSING) if isinstance(mapping, dict) else _MISSING
        if value is _MISSING:
            return _MISSING
        if value is None and required:
            self.problem(self.line_of(mapping, key), join(field, key), "is empty; give a value")
            return None
        return value

    def text(self, mapping: LineMap, key: str, field: str, *, required: bool = True,
             default: str | None = None) -> str | None:
        """A non-empty string (numbers are refused, so a stray value is caught)."""
        value = self.get(mapping, key, field, required)
        if value is _MISSING:
            return default
        if value is None:
            return None if required else default
        if not isinstance(value, str):
            self.problem(self.line_of(mapping, key), join(field, key), f"must be text, not {describe(value)}")
            return None
        if not value.strip():
            self.problem(self.line_of(mapping, key), join(field, key), "is empty; give some text")
            return None
        return " ".join(value.split())

    def number(self, mapping: LineMap, key: str, field: str, *, low: float, high: float,
               default: float | None = None, unit: str = "", whole: bool = False) -> float | None:
        """A number within [low, high]; `whole` demands an integer."""
        value = self.get(mapping, key, field, default is None)
        if value is _MISSING or value is None:
            return default
        return self.check_number(value, self.line_of(mapping, key), join(field, key),
                                 low=low, high=high, unit=unit, whole=whole)

    def check_number(self, value: Any, line: int | None, field: str, *, low: float, high: float,
                     unit: str = "", whole: bool = False) -> float | None:
        kind = "a whole number" if whole else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.problem(line, field, f"must be {kind}, not {describe(value)}")
            return None
        if whole and value != int(value):
            self.problem(line, field, f"must be {kind}, not {value}")
            return None
        if not low <= value <= high:
            unit_text = f" {unit}" if unit else ""
            self.problem(line, field, f"must be between {fmt(low)} and {fmt(high)}{unit_text} (got {fmt(value)})")
            return None
        return int(value) if whole else float(value)

    def choice(self, mapping: LineMap, key: str, field: str, choices: Iterable[str], *,
               default: str | None = None) -> str | None:
        """One of a fixed set of words, with a suggestion for a near miss."""
        choices = list(choices)
        value = self.get(mapping, key, field, default is None)
        if value is _MISSING or value is None:
            return default
        if value not in choices:
            hint = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            self.problem(self.line_of(mapping, key), join(field, key),
                         f"must be one of {', '.join(choices)} (got {value!r}){suggestion}")
            return None
        return value

    def boolean(self, mapping: LineMap, key: str, field: str, *, default: bool) -> bool:
        value = self.get(mapping, key, field, False)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.problem(self.line_of(mapping, key), join(field, key), f"must be true or false, not {describe(value)}")
            return default
        return value

    def mapping(self, mapping: LineMap, key: str, field: str, *, required: bool = False) -> LineMap | None:
        value = self.get(mapping, key, field, required)
        if value is _MISSING:
            if required:
                self.problem(self.line_of(mapping), join(field, key), "missing; it is required")
            return None
        if not isinstance(value, LineMap):
            if value is not None:
                self.problem(self.line_of(mapping, key), join(field, key),
                             f"must be a mapping of keys to values, not {describe(value)}")
            return None
        return value

    def sequence(self, mapping: LineMap, key: str, field: str, *, required: bool = False) -> LineList | None:
        value = self.get(mapping, key, field, required)
        if value is _MISSING:
            if required:
                self.problem(self.line_of(mapping), join(field, key), "missing; it is required")
            return None
        if not isinstance(value, LineList):
            if value is not None:
                self.problem(self.line_of(mapping, key), join(field, key), f"must be a list, not {describe(value)}")
            return None
        return value

    def texts(self, mapping: LineMap, key: str, field: str, *, required: bool = False) -> list[str]:
        """A list of non-empty strings (a single string is taken as a list of one)."""
        raw = mapping.get(key) if isinstance(mapping, dict) else None
        if isinstance(raw, str):
            single = self.text(mapping, key, field)
            return [single] if single else []
        items = self.sequence(mapping, key, field, required=required)
        result = []
        for index, item in enumerate(items or []):
            item_field = f"{join(field, key)}[{index + 1}]"
            if not isinstance(item, str) or not item.strip():
                self.problem(self.line_of(items, index), item_field, f"must be text, not {describe(item)}")
            else:
                result.append(" ".join(item.split()))
        if required and items is not None and not items:
            self.problem(self.line_of(mapping, key), join(field, key), "is an empty list; give at least one")
        return result


def join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def fmt(value: float) -> str:
    return f"{value:g}"


def describe(value: Any) -> str:
    """How a wrongly typed value is named in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (YAML reads yes/no/on/off as true/false: put the word in quotes)"
    if isinstance(value, (list, LineList)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return "infinity" if value > 0 else "minus infinity" if value < 0 else "'not a number' (.nan)"
    return repr(value)
