"""The `voiceguide` command line: its arguments, and the one place where errors become one clear
line each (the commands themselves: routine_commands.py, sound_commands.py, data_commands.py).

This is the edge where errors become one clear line each; nothing below prints a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from voiceguide import __version__
from voiceguide.app import data_commands, routine_commands, sound_commands
from voiceguide.errors import FileProblems, VoiceguideError
from voiceguide.format.routine import TEMPO_RANGE, Intensity
from voiceguide.listening import whisper_model
from voiceguide.userdata import paths
from voiceguide.userdata.config import Verbosity, load_config
from voiceguide.userdata.history import default_path as history_path

# The audio, speech and listening stacks (numpy, sounddevice, the recognizers) are imported by the
# commands that use them, so that list, show, validate and --help start at once.


SOUND_COMMANDS = {"play", "record", "listen", "render", "devices", "voices"}
"""Commands that load the sound and speech libraries, which write to standard error themselves."""
"""Sample rate of `render` output: the speech engine's own rate, so nothing is lost or padded."""


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


def _short_help() -> str:
    run = routine_commands.invocation()
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
        handler = {"list": routine_commands.list_command, "show": routine_commands.show_command,
                   "validate": routine_commands.validate_command, "new": routine_commands.new_command,
                   "shortcut": routine_commands.shortcut_command,
                   "play": sound_commands.play_command, "record": sound_commands.record_command,
                   "render": sound_commands.render_command, "listen": sound_commands.listen_command,
                   "devices": sound_commands.devices_command, "voices": sound_commands.voices_command,
                   "history": data_commands.history_command, "model": data_commands.model_command,
                   "config": data_commands.config_command}
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

