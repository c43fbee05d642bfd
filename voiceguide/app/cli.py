"""The `voiceguide` command: list, show, validate, play, config.

This is the edge where errors become one clear line each; nothing below prints a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import enum
import json
import shutil
import sys
from pathlib import Path
from typing import TextIO

from voiceguide import __version__

from voiceguide.userdata import catalog

from voiceguide.userdata import paths

from voiceguide.listening import whisper_model
from voiceguide.userdata.config import Config, Verbosity, load_config
from voiceguide.errors import FileProblems, RoutineError, VoiceguideError
from voiceguide.userdata.history import default_path as history_path
from voiceguide.app.programs import build_program, estimated_seconds
from voiceguide.app.textview import clock_text
from voiceguide.format.routine import Intensity, Reps, Routine
from voiceguide.format.loader import load_routine
from voiceguide.format.routine import TEMPO_RANGE

# The audio, speech and listening stacks (numpy, sounddevice, the recognizers) are imported by the
# commands that use them, so that list, show, validate and --help start at once.


SOUND_COMMANDS = {"play", "record", "listen", "render", "devices", "voices"}
"""Commands that load the sound and speech libraries, which write to standard error themselves."""
RENDER_RATE = 22050
"""Sample rate of `render` output: the speech engine's own rate, so nothing is lost or padded."""


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voiceguide",
                                     description="Hands-free, voice-guided self-massage routines.")
    parser.add_argument("--version", action="version", version=f"voiceguide {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help=f"settings file to use instead of {paths.user_config_file()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("list", help="list the routines you can play",
                        description="List built-in routines and your own (in "
                                    f"{paths.user_routines_dir()}).")
    show = commands.add_parser("show", help="show a routine's steps, cautions and notes",
                               description="Show a routine: its steps, counts, durations, cautions and notes.")
    show.add_argument("routine", metavar="ROUTINE", help="a routine id (see `voiceguide list`) or a file path")

    validate = commands.add_parser("validate", help="check routine files",
                                   description="Check routine files strictly; every problem is reported "
                                               "with its file, line and field. Exit status 1 if any fails.")
    validate.add_argument("files", nargs="+", metavar="FILE", help="routine files (or ids)")

    play_parser = commands.add_parser("play", help="play a routine",
                                      description="Play a routine at the real pace with a live view. Keys: "
                                                  "space pause/resume, n next, p back, r repeat, + faster, "
                                                  "- slower, m more, e enough, u undo, s status, h help, "
                                                  "q stop (twice). Ctrl-C ends at once; your place is kept.")
    play_parser.add_argument("routine", nargs="?", metavar="ROUTINE",
                             help="a routine id or file (default: the 'routine' setting)")
    start = play_parser.add_mutually_exclusive_group()
    start.add_argument("--resume", action="store_true", help="carry on from where the last session stopped")
    start.add_argument("--restart", action="store_true", help="start from the beginning, ignoring a saved place")
    play_parser.add_argument("--intensity", choices=[i.value for i in Intensity],
                             help="how much of each range to do")
    play_parser.add_argument("--verbosity", choices=[v.value for v in Verbosity], help="how much is said")
    play_parser.add_argument("--tempo", type=_tempo, metavar="SECONDS",
                             help="seconds per repetition where a step sets none")
    _add_voice_flags(play_parser)
    play_parser.add_argument("--text", action="store_true", help="text mode: show the narration, play no sound")
    play_parser.add_argument("--no-voice", action="store_true", help="do not listen for spoken commands (keys only)")
    play_parser.add_argument("--input-device", metavar="DEVICE",
                             help="microphone number or name (see `voiceguide devices`)")
    play_parser.add_argument("--output-device", metavar="DEVICE",
                             help="output device number or name (see `voiceguide devices`)")
    play_parser.add_argument("--trace", type=Path, metavar="FILE",
                             help="write every cue and command, with its time, to FILE as JSON lines")

    render = commands.add_parser("render", help="write a whole session to a WAV file",
                                 description="Render a routine, start to finish, to a WAV file for "
                                             "listening offline.")
    render.add_argument("routine", metavar="ROUTINE", help="a routine id or file path")
    render.add_argument("output", metavar="OUT.wav", type=Path, help="the WAV file to write")
    render.add_argument("--intensity", choices=[i.value for i in Intensity], help="how much of each range")
    render.add_argument("--verbosity", choices=[v.value for v in Verbosity], help="how much is said")
    _add_voice_flags(render)

    listen = commands.add_parser("listen", help="try voice commands: the microphone, or a recording",
                                 description="Listen for voice commands and print one JSON line per command "
                                             "heard: command, phrase, where in the audio the phrase ended "
                                             "(audio_end_s) and where the pipeline decided (detected_s). From "
                                             "the microphone it shows the level and what it hears as it goes; "
                                             "with --wav it runs the identical pipeline on a file as fast as "
                                             "it can.")
    listen.add_argument("--wav", type=Path, metavar="FILE", help="listen to this recording instead")
    listen.add_argument("--seconds", type=_bounded(0.1, 86400, "seconds"), metavar="N",
                        help="stop after N seconds of microphone sound")
    listen.add_argument("--input-device", metavar="DEVICE", help="microphone number or name (`voiceguide devices`)")
    listen.add_argument("--model", type=Path, metavar="FOLDER", help="a vosk or Whisper model folder")

    model = commands.add_parser("model", help="speech-recognition models",
                                description="Manage speech-recognition models (see models/README.md).")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION")
    model_commands.required = True
    fetch = model_commands.add_parser("download", help="download a recognition model from its official source",
                                      description="Download a recognition model, check its size and checksum, "
                                                  f"and install it into {paths.data_dir() / 'models'}. Without "
                                                  "NAME: for English the Whisper model (whisper-tiny.en, from "
                                                  "Systran's repository at a pinned revision), for another "
                                                  "language the small vosk model from the official Vosk list.")
    fetch.add_argument("name", nargs="?", metavar="NAME",
                       help=f"{whisper_model.NAME}, or a vosk model name, e.g. vosk-model-small-en-us-0.15")
    fetch.add_argument("--list-url", metavar="URL",
                       help="where the vosk model list is (default: the official list)")
    fetch.add_argument("--mirror", metavar="URL",
                       help="a copy of the Whisper model's files to fetch instead of Hugging Face's")

    commands.add_parser("devices", help="list audio devices",
                        description="List the audio devices; use a number or name with --output-device "
                                    "or in the config's audio section.")
    voices = commands.add_parser("voices", help="list the speech voices on this machine",
                                 description="List the voices the speech engine has; put an id in the "
                                             "config's speech.voice.")
    voices.add_argument("--language", metavar="CODE", help="only voices for this language (e.g. en)")

    new = commands.add_parser("new", help="start a routine of your own from a commented template",
                              description="Write a commented routine template named NAME into "
                                          f"{paths.user_routines_dir()}, ready to edit; docs/routines.md "
                                          "explains every field. An existing routine is never replaced.")
    new.add_argument("name", metavar="NAME", help='a name for it, e.g. "evening rub" (its id: evening-rub)')

    record = commands.add_parser("record", help="record your own voice for a routine's narration",
                                 description="Record your own narration for ROUTINE, hands-free: each sentence "
                                             "is shown and spoken, then after a beep you read it; the take is "
                                             "trimmed, levelled and played back, and you say keep or again (or "
                                             "type k or a, then Enter). Sentences already recorded are passed "
                                             "over, so running it again carries on where you stopped. The player "
                                             "uses your recordings wherever they exist.")
    record.add_argument("routine", metavar="ROUTINE", help="a routine id or file path")
    record.add_argument("--step", action="append", metavar="ID", help="record (again) only this step's sentences")
    record.add_argument("--again", action="store_true", help="record every sentence again")
    record.add_argument("--numbers", type=int, default=0, metavar="N", help="also record the counts 1 to N")
    record.add_argument("--input-device", metavar="DEVICE", help="microphone number or name")
    record.add_argument("--output-device", metavar="DEVICE", help="output device number or name")

    shortcut = commands.add_parser("shortcut", help="make a desktop shortcut that starts a routine",
                                   description="Make a launcher that starts ROUTINE with one click: a .desktop "
                                               "file on Linux (in the applications menu, and on the desktop if "
                                               "there is one), a .command on macOS, a .bat on Windows.")
    shortcut.add_argument("routine", metavar="ROUTINE", help="a routine id or file path")
    shortcut.add_argument("--folder", type=Path, metavar="DIR", help="write it here instead")

    past = commands.add_parser("history", help="your past sessions, streak and pain",
                               description="Show recent sessions, the current streak of days with a session, "
                                           "and the average change in pain per routine (where rated). The "
                                           f"history is kept in {history_path()}.")
    past.add_argument("--csv", action="store_true", help="print every session as CSV instead")
    past.add_argument("--last", type=int, default=10, metavar="N", help="how many recent sessions to show (10)")
    past.add_argument("--chart", type=Path, metavar="FILE",
                      help="also draw sessions per week and pain before and after, per routine (.png or .svg)")

    commands.add_parser("config", help="print the settings in force",
                        description="Print the settings in force: the shipped defaults, your file, and flags.")
    return parser


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


def _short_help() -> str:
    run = invocation()
    return (f"voiceguide: hands-free, voice-guided self-massage routines.\n\n"
            f"  {run} play               play the default routine, with voice control\n"
            f"  {run} play ROUTINE       play another (an id from list, or a routine file)\n"
            f"  {run} list               the routines you can play\n"
            f"  {run} show ROUTINE       a routine's steps, cautions and notes\n"
            f"  {run} history            your past sessions\n"
            f"  {run} --help             every command\n\n"
            "While playing, say \"pause\", \"resume\", \"next\", \"how many left\", \"stop\" or \"help\";\n"
            "or press space, n, q, h in the terminal.\n")


def _bounded(low: float, high: float, what: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g} {what}")
        return value
    return parse


def _add_voice_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=_rate, metavar="WPM", help="speaking rate, words per minute")
    parser.add_argument("--voice", metavar="ID", help="narrator voice (see `voiceguide voices`)")
    parser.add_argument("--volume", type=_volume, metavar="0-1", help="narration volume")


_tempo = _bounded(*TEMPO_RANGE, "seconds")
_rate = _bounded(80, 400, "words per minute")
_volume = _bounded(0, 1, "")


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        (out or sys.stdout).write(_short_help())
        return 0
    if err is None and args.command in SOUND_COMMANDS:
        from voiceguide.audio.library_messages import capture_native_stderr

        capture_native_stderr()  # from the shell: the sound libraries' messages stay off the screen
    out, err = out or sys.stdout, err or sys.stderr
    try:
        config = load_config(args.config)
        handler = {"list": _list, "show": _show, "validate": _validate, "play": _play, "config": _config,
                   "render": _render, "devices": _devices, "voices": _voices, "listen": _listen,
                   "model": _model, "history": _history, "shortcut": _shortcut,
                   "new": _new, "record": _record}
        return handler[args.command](args, config, out, err)
    except FileProblems as exc:
        for problem in exc.problems:
            err.write(f"voiceguide: error: {problem}\n")
        return 2
    except VoiceguideError as exc:
        err.write(f"voiceguide: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        if args.command == "play":
            err.write("\nvoiceguide: interrupted. Your place is saved: play the routine again to carry on.\n")
        elif args.command == "record":
            err.write("\nvoiceguide: interrupted. Everything kept so far is saved: record again to carry on.\n")
        else:
            err.write("\nvoiceguide: interrupted.\n")
        return 130
    except BrokenPipeError:
        return 0


def _list(args, config: Config, out: TextIO, err: TextIO) -> int:
    found = catalog.entries(config.vocabulary().all_phrases())
    width = max((len(entry.id) for entry in found), default=10)
    for entry in found:
        origin = "built-in" if entry.builtin else "yours, played in place of the built-in" \
            if entry.shadows_builtin else "yours"
        if entry.loaded:
            routine = entry.loaded.routine
            length = _minutes(estimated_seconds(build_program(routine, config), config))
            out.write(f"{entry.id:<{width}}  {routine.title}  ({len(routine.steps)} steps, ~{length}, "
                      f"for {routine.audience}, {origin})\n")
        else:
            first = entry.error.problems[0] if entry.error.problems else "invalid"
            out.write(f"{entry.id:<{width}}  [cannot be played: {first}]\n")
    return 0


def _show(args, config: Config, out: TextIO, err: TextIO) -> int:
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
                 f"~{_minutes(estimated_seconds(build_program(routine, config.with_overrides(intensity=i)), config))} "
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


def _validate(args, config: Config, out: TextIO, err: TextIO) -> int:
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


def _with_flags(config: Config, args) -> Config:
    """The settings in force once this command's flags are applied."""
    value = lambda name: getattr(args, name, None)  # noqa: E731 - not every command has every flag
    return config.with_overrides(**{
        "intensity": Intensity(value("intensity")) if value("intensity") else None,
        "verbosity": Verbosity(value("verbosity")) if value("verbosity") else None,
        "timing.tempo": value("tempo"), "speech.rate": int(value("rate")) if value("rate") else None,
        "speech.voice": value("voice"), "speech.volume": value("volume"),
        "audio.output_device": value("output_device"),
    })


def _play(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.userdata.history import History
    from voiceguide.userdata.placestore import PlaceStore
    from voiceguide.app.player import play
    
    config = _with_flags(config, args)
    loaded = catalog.find(args.routine or config.routine, config.vocabulary().all_phrases())
    if config.speech.voice and not args.text:  # up front: not a session that is silent for want of a voice
        from voiceguide.speech.synthesis import Synthesizer

        synthesizer = Synthesizer()
        try:
            synthesizer.check_voice(config.speech.voice)
        finally:
            synthesizer.close()
    resume = True if args.resume else False if args.restart else None
    with contextlib.ExitStack() as stack:
        trace = None
        if args.trace:
            try:
                trace = args.trace.open("w", encoding="utf-8")
            except OSError as exc:
                raise VoiceguideError(f"cannot write the trace {args.trace}: {exc.strerror or exc}") from None
            stack.callback(_close_quietly, trace)  # what a full disk refused was reported during play
        history = stack.enter_context(contextlib.closing(History(history_path()))) if config.history.keep else None
        result = play(loaded.routine, config, PlaceStore(paths.state_dir()), resume=resume, audio=not args.text,
                      voice=not (args.text or args.no_voice), input_device=args.input_device or "",
                      trace=trace, history=history, out=out, err=err)
    out.write(f"{result.summary}\n")
    return 0


def _close_quietly(file: TextIO) -> None:
    with contextlib.suppress(OSError):
        file.close()


def _record(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.speech.output import AudioOut
    from voiceguide.app.player import make_narrator
    from voiceguide.app.recorder import Recorder, RecordingStopped
    from voiceguide.userdata.recordings import Recordings
    from voiceguide.app.takes import utterances
    from voiceguide.wording import words_for
    
    config = _with_flags(config, args)
    routine = catalog.find(args.routine, config.vocabulary().all_phrases()).routine
    recordings = Recordings.for_routine(routine.id)
    every = utterances(routine, max(0, min(args.numbers, 1000)), words_for(config.language))
    if args.step:
        known = {step.id for step in routine.steps}
        unknown = [step for step in args.step if step not in known]
        if unknown:
            raise VoiceguideError(f"{routine.id} has no step {', '.join(unknown)} (its steps: {', '.join(sorted(known))})")
        chosen = [u for u in every if u.step in args.step]
    else:
        chosen = [u for u in every if args.again or not recordings.has(u.text)]
    if not chosen:
        out.write(f"All {len(every)} sentences of {routine.id} are recorded. --step ID records a step again, "
                  "--again all of them.\n")
        return 0
    out.write(f"{len(chosen)} of {len(every)} sentences to record; they are kept in {recordings.folder}\n")
    sound = AudioOut(config.audio.output_device)
    try:
        recorder = Recorder(config, routine, recordings, make_narrator(config, sound.rate),
                            sound, show=lambda text: (out.write(text + "\n"), out.flush()),
                            warn=lambda text: err.write(f"voiceguide: {text}\n"), keys=sys.stdin,
                            input_device=args.input_device or "")
        kept = recorder.run(chosen)
    except RecordingStopped as exc:
        out.write(f"Recording {exc}. Run record again to carry on.\n")
        return 0
    finally:
        sound.close()
    out.write(f"Kept {kept} of {len(chosen)}." + (" The player now speaks these in your voice." if kept else "") + "\n")
    return 0


def _new(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.app.authoring import new_routine
    
    path = new_routine(args.name)
    routine_id = path.stem
    run = invocation()
    out.write(f"wrote {path}\nEdit it, then: {run} validate {routine_id} && {run} play {routine_id}\n")
    return 0


def _shortcut(args, config: Config, out: TextIO, err: TextIO) -> int:
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


def _history(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.userdata.history import History
    from voiceguide.app.history_view import describe_history
    
    with contextlib.closing(History(history_path(), read_only=True)) as history:
        if args.csv:
            history.export_csv(out)
        else:
            recent = history.sessions(limit=max(1, args.last))
            if recent:
                out.write(describe_history(recent, history.streak(), history.by_routine()))
            else:
                out.write("No sessions yet. Play a routine and it will show here.\n")
            if args.chart:
                _chart(history.sessions(), args.chart, out)
        if history.damaged_rows:
            err.write(f"voiceguide: warning: {history.damaged_rows} damaged session(s) in {history.path} "
                      "could not be read and are left out (the file is left as it is)\n")
    return 0


def _chart(records, path: Path, out: TextIO) -> None:
    from voiceguide.app.history_chart import draw_chart

    target = _output_file(path)
    try:
        draw_chart(records, target)
    except OSError as exc:
        raise VoiceguideError(f"cannot write {path}: {exc.strerror or exc}") from None
    out.write(f"drew {path}\n")


def _render(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.speech.rendering import render_to_wav
    from voiceguide.app.player import make_narrator
    
    config = _with_flags(config, args)
    routine = catalog.find(args.routine, config.vocabulary().all_phrases()).routine
    target = _output_file(args.output)
    narrator = make_narrator(config, RENDER_RATE, routine.id)
    program = build_program(routine, config)
    bar = _ProgressBar(err, "rendering", estimated_seconds(program, config))
    try:
        seconds = render_to_wav(program, config.vocabulary(), narrator, target,
                                volume=config.speech.volume, tones=config.audio.tones, progress=bar.show)
    except OSError as exc:
        raise VoiceguideError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    finally:
        bar.close()
        narrator.synthesizer.close()
    out.write(f"wrote {args.output} ({_minutes(seconds)}, {seconds:.0f} s)\n")
    return 0


class _ProgressBar:
    """A bar redrawn in place on a terminal, for work that takes a while (nothing on a pipe or a log)."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str, total_seconds: float):
        self.stream, self.label, self.total = stream, label, max(total_seconds, 1e-9)
        self.live = _is_terminal(stream)
        self._shown = -1

    def show(self, seconds: float) -> None:
        percent = min(100, int(100 * seconds / self.total))
        if not self.live or percent == self._shown:
            return
        self._shown = percent
        filled = self.WIDTH * percent // 100
        self.stream.write(f"\r  {self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%  "
                          f"{clock_text(seconds)} of {clock_text(self.total)}")
        self.stream.flush()

    def close(self) -> None:
        if self.live and self._shown >= 0:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _output_file(path: Path) -> Path:
    """Where a WAV may be written for the user: a new or regular file, in a folder that exists. The
    file is written beside and renamed into place, so a device, a pipe or a folder named by
    mistake must be refused first (renaming over /dev/full once replaced the device); a symlink is
    followed to the file it names."""
    target = path.resolve() if path.is_symlink() else path
    if target.exists() and not target.is_file():
        raise VoiceguideError(f"{path} is not a regular file (a folder, device or pipe); name a .wav file")
    if not target.parent.is_dir():
        raise VoiceguideError(f"the folder {target.parent} does not exist; create it first or choose another")
    return target


def _listen(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.listening.microphone import Microphone
    from voiceguide.listening.listener import PhraseDecider, detections, wav_file_chunks
    from voiceguide.listening.recognizers import make_engine
    
    engine = make_engine(config, args.model)
    err.write(f"voiceguide: listening with {engine.description}\n")
    decider = PhraseDecider(config.vocabulary(), wake_word=config.recognizer.wake_word)
    microphone, show = None, None
    if args.wav:
        audio = wav_file_chunks(args.wav)  # read as it is heard: an hour-long file fits in seconds' memory
    else:
        microphone = Microphone(args.input_device or config.audio.input_device)
        err.write(f"voiceguide: microphone: {microphone.name} (Ctrl-C to stop)\n")
        audio = microphone.chunks(args.seconds)
        if _is_terminal(err):
            show = _live_meter(err)
    try:
        for found in detections(engine, decider, audio, close_on_pause=True, on_heard=show):
            out.write(json.dumps({"command": found.meaning.value, "phrase": found.phrase,
                                  "audio_end_s": None if found.audio_end is None else round(found.audio_end, 3),
                                  "detected_s": round(found.detected, 3)}, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if microphone is not None:
            microphone.close()
    return 0


def _live_meter(err: TextIO):
    """A one-line display of the microphone level and the words being heard."""
    hearing = [""]

    def show(heard, level: float) -> None:
        if heard:
            hearing[0] = heard[-1].text + (" (done)" if heard[-1].final else "")
        bars = max(0, min(30, int((level + 60) / 2)))
        err.write(f"\r  {'#' * bars:<30} {level:6.1f} dB   hearing: {hearing[0]:<30}")
        err.flush()
    return show


def _model(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.listening.model_download import Unreachable

    try:
        return _download_model(args, config, out, err)
    except Unreachable as exc:
        folder = paths.data_dir() / "models"
        raise VoiceguideError(f"{exc}. Voice control works without it (in English with the Whisper model installed "
                              f"with voiceguide, else pocketsphinx); to install a model you have as a file, unzip "
                              f"it into {folder}") from None


def _download_model(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.listening.model_download import MODEL_LIST_URL, choose, download, download_whisper, fetch_list
    from voiceguide.listening.recognizers import is_english
    
    folder = paths.data_dir() / "models"
    whisper = args.name == whisper_model.NAME or (args.name is None and is_english(config.language))
    name = whisper_model.NAME if whisper else None
    entry = None
    if not whisper:
        entry = choose(fetch_list(args.list_url or MODEL_LIST_URL), args.name, config.language)
        name = entry.name
    if (folder / name).exists():
        out.write(f"{name} is already in {folder}\n")
        return 0
    size = sum(item.size for item in whisper_model.FILES) if whisper else entry.size
    err.write(f"downloading {name} ({size / 1e6:.1f} MB)\n")

    def progress(received: int, total: int) -> None:
        err.write(f"\r  {received / 1e6:6.1f} of {total / 1e6:.1f} MB ({100 * received // max(total, 1)}%)")
        err.flush()

    target = download_whisper(folder, progress, args.mirror) if whisper else download(entry, folder, progress)
    err.write("\n")
    out.write(f"installed {name} in {target}\n")
    return 0


def _devices(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.audio.devices import list_devices
    
    found = list_devices()
    if not found:
        raise VoiceguideError("no audio devices found: no sound card, or no sound server (PulseAudio or "
                              "PipeWire) running for this user; play runs in text mode without one")
    for device in found:
        marks = "".join([" (default output)" if device.is_default_output else "",
                         " (default input)" if device.is_default_input else ""])
        out.write(f"{device.index:>3}  {device.name}  [{device.host_api}: {device.outputs} out, "
                  f"{device.inputs} in, {device.default_rate:g} Hz]{marks}\n")
    return 0


def _voices(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.speech.synthesis import Synthesizer
    
    synthesizer = Synthesizer()
    try:
        found = synthesizer.voices()
    finally:
        synthesizer.close()
    for voice in found:
        if args.language and not any(lang.lower().startswith(args.language.lower()) for lang in voice.languages):
            continue
        languages = f"  ({', '.join(voice.languages)})" if voice.languages else ""
        out.write(f"{voice.id}  {voice.name}{languages}{'  (default)' if voice.default else ''}\n")
    return 0


def _config(args, config: Config, out: TextIO, err: TextIO) -> int:
    import yaml
    
    def plain(value):
        if isinstance(value, enum.Enum):
            return value.value
        if dataclasses.is_dataclass(value):
            return plain(dataclasses.asdict(value))
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return value

    data = {field.name: plain(getattr(config, field.name)) for field in dataclasses.fields(config)}
    out.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return 0
