"""The commands about routines: list, show, validate, new, shortcut."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TextIO

from voiceguide.app.programs import build_program, estimated_seconds
from voiceguide.errors import RoutineError, VoiceguideError
from voiceguide.format.loader import load_routine
from voiceguide.format.routine import Intensity, Reps, Routine
from voiceguide.userdata import catalog, paths
from voiceguide.userdata.config import Config


def minutes_text(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"


def list_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    found = catalog.entries(config.vocabulary().all_phrases())
    width = max((len(entry.id) for entry in found), default=10)
    for entry in found:
        origin = "built-in" if entry.builtin else "yours, played in place of the built-in" \
            if entry.shadows_builtin else "yours"
        if entry.loaded:
            routine = entry.loaded.routine
            length = minutes_text(estimated_seconds(build_program(routine, config), config))
            out.write(f"{entry.id:<{width}}  {routine.title}  ({len(routine.steps)} steps, ~{length}, "
                      f"for {routine.audience}, {origin})\n")
        else:
            first = entry.error.problems[0] if entry.error.problems else "invalid"
            out.write(f"{entry.id:<{width}}  [cannot be played: {first}]\n")
    return 0


def show_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    loaded = catalog.find(args.routine, config.vocabulary().all_phrases())
    routine = loaded.routine
    out.write(_describe(routine, config))
    for warning in loaded.warnings:
        err.write(f"voiceguide: warning: {warning}\n")
    return 0


def _describe(routine: Routine, config: Config) -> str:
    lines = [routine.title, "=" * len(routine.title), routine.description, "",
             f"For: {'yourself' if routine.audience == 'self' else 'a partner (narrated to the giver)'}",
             "Length: " + ", ".join(
                 f"~{minutes_text(estimated_seconds(build_program(routine, config.with_overrides(intensity=i)), config))} "
                 f"{i.value}" for i in Intensity), "", "Cautions (spoken before it starts):"]
    lines += [f"  - {caution}" for caution in routine.cautions] or ["  (none)"]
    lines += ["", "Steps:"]
    for number, step in enumerate(routine.steps, start=1):
        work = step.work
        if isinstance(work, Reps):
            what = f"{work.count.describe('times')} at {work.tempo or config.timing.tempo:g} s each"
            if work.phases:
                what += ", " + " then ".join(
                    f"{phase.name}" + (f" ({phase.count.describe()})" if phase.count else "") for phase in work.phases)
        else:
            what = f"{work.duration.describe('seconds')}" + (f", until {work.until}" if work.until else "")
        lines.append(f"  {number}. {step.name} [{step.id}]: {what}")
        if step.position:
            lines.append(f"     Position: {step.position}")
        lines.append(f"     {step.instruction}")
    if routine.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in routine.notes]
    return "\n".join(lines) + "\n"


def validate_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    phrases = config.vocabulary().all_phrases()
    failed = 0
    for name in args.files:
        try:
            path = Path(name)
            loaded = load_routine(path, phrases) if path.exists() or "/" in name or path.suffix else \
                catalog.find(name, phrases)
        except RoutineError as exc:
            failed += 1
            for problem in exc.problems:
                err.write(f"{problem}\n")
            continue
        except VoiceguideError as exc:
            failed += 1
            err.write(f"{name}: {exc}\n")
            continue
        for warning in loaded.warnings:
            err.write(f"{warning} (warning)\n")
        routine = loaded.routine
        out.write(f"ok: {name} ({routine.id}: {len(routine.steps)} steps)\n")
    return 1 if failed else 0


def new_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.app.authoring import new_routine
    
    path = new_routine(args.name)
    routine_id = path.stem
    run = invocation()
    out.write(f"wrote {path}\nEdit it, then: {run} validate {routine_id} && {run} play {routine_id}\n")
    return 0


def shortcut_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.app.shortcuts import current_platform, default_folders, write_shortcut
    
    loaded = catalog.find(args.routine, config.vocabulary().all_phrases())
    routine = loaded.routine
    given = Path(args.routine).expanduser()
    target = str(given.resolve()) if given.is_file() else routine.id  # a file is named by its full path
    platform = current_platform()
    on_desktop = False
    for folder in [args.folder] if args.folder else default_folders(platform):
        written = write_shortcut(folder, routine.id, target, routine.title, platform)
        out.write(f"wrote {written}\n")
        on_desktop = on_desktop or folder == paths.desktop_dir()
    if platform == "linux" and on_desktop:
        out.write("On GNOME, right-click the icon on the desktop once and choose 'Allow Launching'.\n")
    return 0


def invocation() -> str:
    """How to run voiceguide again, as this shell can: plain `voiceguide` only if that is the one
    on PATH (the install puts it in .venv/bin, which usually is not)."""
    typed = Path(sys.argv[0])
    command = typed if typed.name == "voiceguide" else Path(sys.executable).with_name("voiceguide")
    if not command.exists():
        return f"{sys.executable} -m voiceguide"
    on_path = shutil.which("voiceguide")
    if on_path and Path(on_path).resolve() == command.resolve():
        return "voiceguide"
    try:
        return str(command.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(command.absolute())
