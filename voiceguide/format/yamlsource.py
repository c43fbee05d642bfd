"""Reading YAML files people write by hand, keeping line numbers for every key.

PyYAML alone loses where a value came from and silently keeps the last of two equal keys; a
person fixing a routine needs "line 12: steps[3].reps.count" instead. Everything that can go
wrong before validation (size, encoding, tabs, syntax) becomes a `Problem` here.
"""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from voiceguide.errors import Problem

MAX_FILE_BYTES = 1_000_000
"""Bytes: a hand-written routine or config is a few kilobytes; anything this big is a mistake."""


class LineMap(dict):
    """A mapping that remembers the line of the mapping and of each of its keys."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A sequence that remembers its own line and that of each item."""

    line: int = 0
    item_lines: list


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds LineMap / LineList and refuses duplicate keys."""


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key: object, line: int):
        super().__init__(f"key {key!r} appears twice (second time on line {line})")
        self.line = line


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
        if key in result:
            raise DuplicateKey(key, line)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_CONTROLS = {code: None for code in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)]}
"""Control characters, newline and tab apart: an escape sequence in a routine ("\\e[2J") would
otherwise reach the terminal raw, clearing it or retitling the window."""


def _construct_text(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    """Text as written, without control characters. A surrogate pair ("\\ud83d\\udc86", as JSON tools write an emoji) is the
    character it stands for; a lone surrogate is no character at all, and nothing could print it."""
    text = loader.construct_scalar(node).translate(_CONTROLS)
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise yaml.constructor.ConstructorError(
            None, None, "a broken character: a lone UTF-16 surrogate (\\ud800-\\udfff)", node.start_mark) from None


_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_text)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlFileError(Exception):
    """The file could not be read as a YAML mapping; `problem` says where and why."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def read_yaml_mapping(path: Path, what: str, max_bytes: int = MAX_FILE_BYTES) -> LineMap:
    """Read `path` as a YAML mapping, or raise YamlFileError naming the file and line.

    `what` ("routine", "config") words the messages.
    """
    name = str(path)
    too_large = f"file is too large (a {what} is at most {max_bytes / 1e6:.0f} MB)"
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(status.st_mode):  # a device reads forever, a pipe may never open
            raise _fail(name, None, "is not a regular file (a device, pipe or socket); give a file")
        if status.st_size > max_bytes:
            raise _fail(name, None, f"file is too large ({status.st_size / 1e6:.1f} MB; a {what} is at most "
                                    f"{max_bytes / 1e6:.0f} MB)")
        with path.open("rb") as source:
            raw = source.read(max_bytes + 1)  # the file may grow after it was looked at
        if len(raw) > max_bytes:
            raise _fail(name, None, too_large)
    except IsADirectoryError:
        raise _fail(name, None, "is a folder, not a file") from None
    except FileNotFoundError:
        raise _fail(name, None, "no such file") from None
    except PermissionError:
        raise _fail(name, None, "permission denied") from None
    except OSError as exc:
        raise _fail(name, None, f"cannot read it ({exc.strerror or exc})") from None
    return parse_yaml_mapping(raw, name, what)


def parse_yaml_mapping(raw: bytes, name: str, what: str) -> LineMap:
    """Parse bytes already read; see read_yaml_mapping."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(name, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        raise _fail(name, None, f"the file is empty; a {what} needs some content")
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise _fail(name, number, "tab used for indentation; YAML needs spaces")
    if "\x00" in text:
        raise _fail(name, text[: text.index("\x00")].count("\n") + 1, "contains a NUL character; not a text file")
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except DuplicateKey as exc:
        raise _fail(name, exc.line, str(exc)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "syntax error"
        raise _fail(name, line, f"not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise _fail(name, None, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise _fail(name, None, "not valid YAML: nested too deeply") from None
    if not isinstance(data, LineMap):
        raise _fail(name, 1, f"a {what} must be a mapping of keys to values, not {_kind(data)}")
    return data


def _fail(name: str, line: int | None, message: str) -> YamlFileError:
    return YamlFileError(Problem(name, line, "", message))


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "plain text"
    return f"a {type(value).__name__}"
