"""Loading and strictly validating routine files.

Every problem names the file, line and field; all problems in a file are reported together.
Warnings (valid but risky, such as narration that says a command word the listener will hear)
are returned beside the routine, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import Problem, RoutineError
from voiceguide.format.routine import (
    MAX_COUNT,
    MAX_DURATION,
    MAX_PHASES,
    MAX_REST,
    TEMPO_RANGE,
    Intensity,
    Phase,
    Reps,
    Routine,
    Span,
    Step,
    Timed,
    Tip,
    Work,
)
from voiceguide.format.schema import Checker, describe, join
from voiceguide.format.yamlsource import LineList, LineMap, YamlFileError, read_yaml_mapping

ROUTINE_KEYS = ("id", "title", "description", "for", "intensity", "cautions", "notes", "steps")
STEP_KEYS = ("id", "name", "position", "instruction", "brief", "reps", "timed", "tips", "rest", "intensity")
REPS_KEYS = ("count", "tempo", "phases")
TIMED_KEYS = ("duration", "until")
PHASE_KEYS = ("name", "say", "count")
TIP_KEYS = ("at", "say")
AUDIENCES = ("self", "partner")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*$")
_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*)?"
    r"(s|sec|secs|seconds?|m|min|mins|minutes?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class LoadedRoutine:
    routine: Routine
    warnings: list[Problem]


def load_routine(path: Path, command_phrases: Iterable[str] = ()) -> LoadedRoutine:
    """Read and validate a routine file; raise RoutineError listing every problem."""
    try:
        data = read_yaml_mapping(path, "routine")
    except YamlFileError as exc:
        raise RoutineError([exc.problem]) from None
    return build_routine(data, str(path), command_phrases)


def build_routine(data: LineMap, name: str, command_phrases: Iterable[str] = ()) -> LoadedRoutine:
    check = Checker(name)
    check.keys(data, "", ROUTINE_KEYS, required=("id", "title", "steps"))
    routine_id = check.text(data, "id", "")
    if routine_id and not _ID.match(routine_id):
        check.problem(check.line_of(data, "id"), "id",
                      "use lower-case letters, digits and dashes only (like 'lower-back')")
    title = check.text(data, "title", "")
    description = check.text(data, "description", "", required=False, default="")
    audience = check.choice(data, "for", "", AUDIENCES, default="self")
    intensity = _intensity(check, data, "")
    cautions = check.texts(data, "cautions", "")
    notes = check.texts(data, "notes", "")
    steps = _steps(check, data)
    if check.problems:
        raise RoutineError(check.problems)
    routine = Routine(id=routine_id, title=title, description=description, audience=audience,
                      cautions=tuple(cautions), steps=tuple(steps), notes=tuple(notes),
                      source=name, intensity=intensity)
    _warn_command_phrases(check, data, routine, command_phrases)
    return LoadedRoutine(routine, check.warnings)


def _intensity(check: Checker, mapping: LineMap, field: str) -> Intensity | None:
    word = check.choice(mapping, "intensity", field, [i.value for i in Intensity], default=None)
    return Intensity(word) if word else None


def _steps(check: Checker, data: LineMap) -> list[Step]:
    items = check.sequence(data, "steps", "", required=True)
    if items is None:
        return []
    if not items:
        check.problem(check.line_of(data, "steps"), "steps", "is an empty list; a routine needs at least one step")
    steps: list[Step] = []
    first_line: dict[str, int | None] = {}
    for index, item in enumerate(items):
        field = f"steps[{index + 1}]"
        if not isinstance(item, LineMap):
            check.problem(check.line_of(items, index), field, f"a step must be a mapping, not {describe(item)}")
            continue
        step_id = _raw_step_id(item)
        if step_id in first_line:
            check.problem(check.line_of(item, "id") or item.line, join(field, "id"),
                          f"step id '{step_id}' is used twice (first on line {first_line[step_id]}); "
                          "give each step its own id")
        elif step_id:
            first_line[step_id] = check.line_of(item, "id") or item.line
        step = _step(check, item, field)
        if step is not None:
            steps.append(step)
    return steps


def _raw_step_id(item: LineMap) -> str | None:
    """The id a step has or will get (from its name), before the step is validated."""
    given, name = item.get("id"), item.get("name")
    if isinstance(given, str) and given.strip():
        return given.strip()
    if isinstance(name, str) and name.strip():
        return _slug(name)
    return None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "step"


def _step(check: Checker, item: LineMap, field: str) -> Step | None:
    before = len(check.problems)
    check.keys(item, field, STEP_KEYS, required=("name", "instruction"))
    name = check.text(item, "name", field)
    step_id = check.text(item, "id", field, required=False, default=None)
    if step_id is None and name:
        step_id = _slug(name)
    elif step_id and not _ID.match(step_id):
        check.problem(check.line_of(item, "id"), join(field, "id"),
                      "use lower-case letters, digits and dashes only (like 'press-waist')")
    position = check.text(item, "position", field, required=False)
    instruction = check.text(item, "instruction", field)
    brief = check.text(item, "brief", field, required=False)
    rest = None
    if "rest" in item:
        rest = _duration_value(check, item, "rest", field, low=0.0, high=MAX_REST, single=True)
    intensity = _intensity(check, item, field)
    work = _work(check, item, field)
    tips = _tips(check, item, field, work)
    if len(check.problems) > before or work is None:
        return None
    return Step(id=step_id, name=name, position=position, instruction=instruction, work=work, brief=brief,
                tips=tuple(tips), rest=rest, intensity=intensity, line=item.line)


def _work(check: Checker, item: LineMap, field: str) -> Work | None:
    has_reps, has_timed = "reps" in item, "timed" in item
    if has_reps and has_timed:
        check.problem(check.line_of(item, "timed"), join(field, "timed"),
                      "a step has either 'reps' or 'timed', not both")
        return None
    if not (has_reps or has_timed):
        check.problem(item.line, field, "needs its work: 'reps' (a count) or 'timed' (a duration)")
        return None
    if has_reps:
        reps = check.mapping(item, "reps", field, required=True)
        return _reps(check, reps, join(field, "reps")) if reps is not None else None
    timed = check.mapping(item, "timed", field, required=True)
    return _timed(check, timed, join(field, "timed")) if timed is not None else None


def _reps(check: Checker, reps: LineMap, field: str) -> Reps | None:
    check.keys(reps, field, REPS_KEYS, required=("count",))
    count = _count_value(check, reps, "count", field) if "count" in reps else None
    tempo = check.number(reps, "tempo", field, low=TEMPO_RANGE[0], high=TEMPO_RANGE[1],
                         unit="seconds per repetition")
    phases = _phases(check, reps, field)
    if count is None:
        return None
    return Reps(count=count, tempo=tempo, phases=tuple(phases))


def _phases(check: Checker, reps: LineMap, field: str) -> list[Phase]:
    items = check.sequence(reps, "phases", field)
    if items is None:
        return []
    if len(items) > MAX_PHASES:
        check.problem(check.line_of(reps, "phases"), join(field, "phases"), f"at most {MAX_PHASES} phases")
    phases = []
    for index, item in enumerate(items):
        phase_field = f"{join(field, 'phases')}[{index + 1}]"
        if isinstance(item, str) and item.strip():
            name = " ".join(item.split())
            phases.append(Phase(name=name))
            continue
        if not isinstance(item, LineMap):
            check.problem(check.line_of(items, index), phase_field,
                          f"a phase is a name or a mapping with 'name', not {describe(item)}")
            continue
        check.keys(item, phase_field, PHASE_KEYS, required=("name",))
        name = check.text(item, "name", phase_field)
        announce = check.text(item, "say", phase_field, required=False)
        count = _count_value(check, item, "count", phase_field) if "count" in item else None
        if name:
            phases.append(Phase(name=name, announce=announce or None, count=count))
    return phases


def _timed(check: Checker, timed: LineMap, field: str) -> Timed | None:
    check.keys(timed, field, TIMED_KEYS, required=("duration",))
    duration = None
    if "duration" in timed:
        duration = _duration_value(check, timed, "duration", field, low=1.0, high=MAX_DURATION)
    until = check.text(timed, "until", field, required=False)
    if duration is None:
        return None
    return Timed(duration=duration if isinstance(duration, Span) else Span(duration, duration), until=until)


def _tips(check: Checker, item: LineMap, field: str, work: Work | None) -> list[Tip]:
    entries = check.sequence(item, "tips", field)
    tips = []
    for index, entry in enumerate(entries or []):
        tip_field = f"{join(field, 'tips')}[{index + 1}]"
        if not isinstance(entry, LineMap):
            check.problem(check.line_of(entries, index), tip_field, f"a tip is a mapping with 'at' and 'say', not {describe(entry)}")
            continue
        check.keys(entry, tip_field, TIP_KEYS, required=("at", "say"))
        text = check.text(entry, "say", tip_field)
        at = None
        if isinstance(work, Reps):
            first_count = work.phase_count(work.phases[0] if work.phases else None)
            at = check.number(entry, "at", tip_field, low=1, high=first_count.low, whole=True,
                              unit="(a repetition within the first set)") if "at" in entry else None
        elif isinstance(work, Timed):
            at = _duration_value(check, entry, "at", tip_field, low=0.0,
                                 high=work.duration.low, single=True) if "at" in entry else None
        if at is not None and text:
            tips.append(Tip(at=float(at.low if isinstance(at, Span) else at), text=text))
    return sorted(tips, key=lambda tip: tip.at)


def _count_value(check: Checker, mapping: LineMap, key: str, field: str) -> Span | None:
    """A repetition count: a whole number, or a range like '30-50'."""
    value, line, where = mapping.get(key), check.line_of(mapping, key), join(field, key)
    if isinstance(value, str):
        match = _RANGE.match(value)
        if not match:
            check.problem(line, where, f"must be a whole number or a range like '30-50', not {value!r}")
            return None
        low, high = (check.check_number(float(g), line, where, low=1, high=MAX_COUNT, whole=True)
                     for g in match.groups())
        return _ordered(check, line, where, low, high)
    number = check.check_number(value, line, where, low=1, high=MAX_COUNT, whole=True)
    return Span(number, number) if number is not None else None


def _duration_value(check: Checker, mapping: LineMap, key: str, field: str, *, low: float, high: float,
                    single: bool = False) -> Span | float | None:
    """Seconds as a number, or text like '90 s', '2 minutes', '1-2 minutes' (ranges unless `single`)."""
    value, line, where = mapping.get(key), check.line_of(mapping, key), join(field, key)
    unit = f"seconds ({high / 60:g} minutes)" if high >= 120 else "seconds"
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match or (single and match.group(2)):
            example = "'30 s' or '2 minutes'" if single else "'90 s', '2 minutes' or '1-2 minutes'"
            check.problem(line, where, f"must be seconds or a duration like {example}, not {value!r}")
            return None
        scale = 60.0 if match.group(3) and match.group(3).lower().startswith("m") else 1.0
        first = check.check_number(float(match.group(1)) * scale, line, where, low=low, high=high, unit=unit)
        if match.group(2) is None:
            return Span(first, first) if first is not None and not single else first
        second = check.check_number(float(match.group(2)) * scale, line, where, low=low, high=high, unit=unit)
        return _ordered(check, line, where, first, second)
    number = check.check_number(value, line, where, low=low, high=high, unit=unit)
    if number is None or single:
        return number
    return Span(number, number)


def _ordered(check: Checker, line: int | None, where: str, low: float | None, high: float | None) -> Span | None:
    if low is None or high is None:
        return None
    if low > high:
        check.problem(line, where, f"the range starts above where it ends ({low:g} > {high:g}); write it low-high")
        return None
    return Span(low, high)


def narration(routine: Routine) -> Iterator[tuple[str, str]]:
    """Every (field, text) of this routine the narrator says, alone or inside a sentence of its
    own ("Step 1 of 3: Rub."): each is checked for command words. What it says, sentence by
    sentence, is the planner's `narration`; tests/test_routine_loader.py keeps the two agreeing."""
    yield "title", routine.title
    for index, caution in enumerate(routine.cautions, start=1):
        yield f"cautions[{index}]", caution
    for number, step in enumerate(routine.steps, start=1):
        field = f"steps[{number}]"
        for key in ("name", "position", "instruction", "brief"):
            if getattr(step, key):
                yield join(field, key), getattr(step, key)
        if isinstance(step.work, Reps):
            for index, phase in enumerate(step.work.phases, start=1):  # said in the announcement either way
                yield (f"{field}.reps.phases[{index}].say", phase.announce) if phase.announce else \
                    (f"{field}.reps.phases[{index}].name", phase.name)
        if isinstance(step.work, Timed) and step.work.until:
            yield join(field, "timed.until"), step.work.until
        for index, tip in enumerate(step.tips, start=1):
            yield f"{field}.tips[{index}].say", tip.text


def _warn_command_phrases(check: Checker, data: LineMap, routine: Routine, phrases: Iterable[str]) -> None:
    patterns = [(p, re.compile(rf"\b{re.escape(p)}\b", re.IGNORECASE)) for p in set(phrases)]
    if not patterns:
        return
    lines = _step_lines(data)
    lines["title"] = data.key_lines.get("title")
    for field, text in narration(routine):
        found = sorted((match.start(), phrase) for phrase, pattern in patterns if (match := pattern.search(text)))
        heard = [phrase for _, phrase in found
                 if not any(other != phrase and re.search(rf"\b{re.escape(phrase)}\b", other) for _, other in found)]
        if heard:
            check.warn(lines.get(field.split(".")[0]), field,
                       f"says the command word{'s' if len(heard) > 1 else ''} {', '.join(repr(h) for h in heard)}; "
                       "the player ignores its own voice, but consider other wording")


def _step_lines(data: LineMap) -> dict[str, int | None]:
    lines: dict[str, int | None] = {}
    steps = data.get("steps")
    if isinstance(steps, LineList):
        for index, line in enumerate(steps.item_lines, start=1):
            lines[f"steps[{index}]"] = line
    cautions = data.get("cautions")
    if isinstance(cautions, LineList):
        for index, line in enumerate(cautions.item_lines, start=1):
            lines[f"cautions[{index}]"] = line
    return lines
