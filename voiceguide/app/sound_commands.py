"""The commands that make or take sound: play, record, render, listen, devices, voices.

Their heavy imports (numpy, sounddevice, the recognizers) are made inside each command, so
that the commands that need none of them start at once."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TextIO

from voiceguide.app.early_output import EarlyOutput
from voiceguide.app.programs import build_program, estimated_seconds, programs_heard, speech_timer
from voiceguide.app.routine_commands import minutes_text
from voiceguide.app.textview import clock_text
from voiceguide.errors import VoiceguideError
from voiceguide.format.routine import Intensity
from voiceguide.userdata import catalog, paths
from voiceguide.userdata.config import Config, Verbosity
from voiceguide.userdata.history import default_path as history_path

RENDER_RATE = 22050


def with_flags(config: Config, args) -> Config:
    """The settings in force once this command's flags are applied."""
    value = lambda name: getattr(args, name, None)  # noqa: E731 - not every command has every flag
    return config.with_overrides(**{
        "intensity": Intensity(value("intensity")) if value("intensity") else None,
        "verbosity": Verbosity(value("verbosity")) if value("verbosity") else None,
        "timing.tempo": value("tempo"), "speech.rate": int(value("rate")) if value("rate") else None,
        "speech.voice": value("voice"), "speech.volume": value("volume"),
        "audio.output_device": value("output_device"),
    })


def play_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    config = with_flags(config, args)
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
        output = None if args.text else stack.enter_context(EarlyOutput(config, loaded.routine))  # opens while the player loads
        from voiceguide.app.player import play
        from voiceguide.userdata.history import History
        from voiceguide.userdata.placestore import PlaceStore

        history = stack.enter_context(contextlib.closing(History(history_path()))) if config.history.keep else None
        result = play(loaded.routine, config, PlaceStore(paths.state_dir()), resume=resume, audio=not args.text,
                      voice=not (args.text or args.no_voice), input_device=args.input_device or "",
                      trace=trace, history=history, output=output, out=out, err=err)
    out.write(f"{result.summary}\n")
    return 0


def _close_quietly(file: TextIO) -> None:
    with contextlib.suppress(OSError):
        file.close()


def record_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.app.session_sound import make_narrator
    from voiceguide.app.recorder import Recorder, RecordingStopped
    from voiceguide.listening.recognizers import ListeningSettings
    from voiceguide.app.takes import utterances
    from voiceguide.speech.output import AudioOut
    from voiceguide.userdata.recordings import Recordings
    from voiceguide.engine.planner import Pace
    
    config = with_flags(config, args)
    routine = catalog.find(args.routine, config.vocabulary().all_phrases()).routine
    recordings = Recordings.for_routine(routine.id)
    every = utterances(programs_heard(routine, config), Pace(speech_timer(config)), max(0, min(args.numbers, 1000)))
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
        recorder = Recorder(ListeningSettings.of(config, args.input_device or ""), config.speech, routine, recordings,
                            make_narrator(config, sound.rate), sound, show=lambda text: (out.write(text + "\n"), out.flush()),
                            warn=lambda text: err.write(f"voiceguide: {text}\n"), keys=sys.stdin)
        kept = recorder.run(chosen)
    except RecordingStopped as exc:
        out.write(f"Recording {exc}. Run record again to carry on.\n")
        return 0
    finally:
        sound.close()
    out.write(f"Kept {kept} of {len(chosen)}." + (" The player now speaks these in your voice." if kept else "") + "\n")
    return 0


def render_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.app.session_sound import make_narrator
    from voiceguide.speech.rendering import render_to_wav
    
    config = with_flags(config, args)
    routine = catalog.find(args.routine, config.vocabulary().all_phrases()).routine
    target = output_file(args.output)
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
    out.write(f"wrote {args.output} ({minutes_text(seconds)}, {seconds:.0f} s)\n")
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


def output_file(path: Path) -> Path:
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


def listen_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.listening.listener import PhraseDecider, detections, wav_file_chunks
    from voiceguide.listening.microphone import Microphone
    from voiceguide.listening.recognizers import ListeningSettings, make_engine
    
    engine = make_engine(ListeningSettings.of(config), args.model)
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


def devices_command(args, config: Config, out: TextIO, err: TextIO) -> int:
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


def voices_command(args, config: Config, out: TextIO, err: TextIO) -> int:
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
