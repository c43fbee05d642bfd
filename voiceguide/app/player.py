"""Putting a session together for `voiceguide play`: settings, saved place, inputs and outputs.

The session engine stays pure; this module is where it meets the terminal, the place store,
the narrator and the audio device. Audio is optional at every point: without a device, or when
one vanishes mid-session, the same session carries on in text mode where it was.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from voiceguide.app.asking import Prompter
from voiceguide.app.early_output import EarlyOutput
from voiceguide.app.pain import PainCheck
from voiceguide.app.programs import build_program, speech_timer
from voiceguide.app.session_sound import CueOutputs, SessionSound
from voiceguide.app.textview import KEY_NAMES, KeyReader, LineReader, TextView, reads_single_keys
from voiceguide.app.trace import Trace
from voiceguide.audio import library_messages
from voiceguide.audio.devices import AudioUnavailable
from voiceguide.engine.clock import MonotonicClock
from voiceguide.engine.commands import Command, Inputs
from voiceguide.engine.program import Program
from voiceguide.engine.runner import CommandInbox, run
from voiceguide.engine.session import Session
from voiceguide.engine.view import Mode, Outcome
from voiceguide.format.routine import Routine
from voiceguide.listening.playback_record import PlaybackRecord
from voiceguide.listening.recognition import RecognizerUnavailable
from voiceguide.listening.recognizers import ListeningSettings, make_engine
from voiceguide.listening.voice_control import VoiceControl, VoiceControlStarting
from voiceguide.userdata.config import Config
from voiceguide.userdata.history import History, HistoryUnavailable
from voiceguide.userdata.placestore import PlaceStore

REFRESH_SECONDS = 0.1
"""How often the loop wakes for the live view and the audio watchdog."""
OUTPUT_REPORT_SECONDS = 2.0
"""How often `play --trace` is told how the audio output is doing (its underruns so far)."""
LOOKAHEAD = 0.35
"""Seconds ahead that cues go to the audio output, so each clip starts on its exact sample: more
than the output's latency and one block (0.2 s), with room for a late wake-up on a busy machine."""


@dataclass(frozen=True)
class PlayResult:
    finished: bool
    """True when the routine ran to its end (not stopped)."""
    completed: int
    skipped: list[str]
    summary: str


class _PlaceSaver:
    """Saves the place whenever it changes; a failing disk is reported once and never stops play."""

    def __init__(self, store: PlaceStore, session: Session, program: Program, warn):
        self.store, self.session, self.program, self.warn = store, session, program, warn
        self._last = None
        self._failed = False

    def __call__(self, _now: float) -> None:
        if self.session.mode in (Mode.OFFER, Mode.FINISHED) or self._failed:
            return
        state = (self.session.place, self.session.pace.tempo_factor, tuple(sorted(self.session.pace.targets.items())))
        if state == self._last:
            return
        try:
            self.store.save(self.program, self.session.place, self.session.pace.tempo_factor,
                            self.session.pace.targets)
            self._last = state
        except OSError as exc:
            self._failed = True
            self.warn(f"cannot save your place ({exc.strerror or exc}); the session goes on")


def play(routine: Routine, config: Config, store: PlaceStore, *, resume: bool | None, audio: bool = True,
         voice: bool = True, input_device: str = "", trace: TextIO | None = None, history: History | None = None,
         output: EarlyOutput | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> PlayResult:
    """Run a routine at the real pace until it ends, is stopped, or Ctrl-C.

    resume: True carries on from a saved place, False starts over, None asks (on a terminal).
    audio: speak through the output device (falls back to text mode if there is none).
    voice: listen for spoken commands (falls back to keys alone if it cannot).
    trace: where to write every cue and command as JSON lines, with monotonic times.
    history: where the session is recorded (if it cannot be, play goes on without).
    output: the audio output, already being opened (else it is opened here).
    """
    def warn(message: str) -> None:
        err.write(f"voiceguide: {message}\n")
        err.flush()

    tracer = Trace(trace, warn) if trace is not None else None

    interactive = reads_single_keys(sys.stdin)
    inputs = Inputs(voice=voice, keys=KEY_NAMES if interactive else {}, typed=not interactive)
    program = build_program(routine, config, store.sessions_played(routine.id), inputs, store.cautions_heard(routine))
    saved = store.load(program) if resume is not False else None
    for problem in store.problems:
        warn(problem)
    if saved and not saved.exact:
        warn(f"{routine.id} changed since last time; carrying on from the start of that step")
    sound = None
    if audio:
        try:
            sound = SessionSound(config, routine.id, warn, *((output.take(), output.words) if output else ()))
        except AudioUnavailable as exc:
            warn(f"{exc}; playing in text mode")
    clock = MonotonicClock()
    inbox = CommandInbox(clock)
    view = TextView(out, live=interactive and out.isatty(), words=program.settings.words)
    outputs = CueOutputs(view, tracer)
    session = Session(program, config.vocabulary(),
                      sound.narrator.known_duration if sound else speech_timer(config), outputs,
                      tempo_change=config.timing.tempo_change, lookahead=LOOKAHEAD if sound else 0.0,
                      resume_from=saved.place if saved else None, offer=resume is None and interactive)
    session.inputs = inputs
    if saved:
        session.pace.tempo_factor, session.pace.targets = saved.tempo_factor, dict(saved.targets)
    if sound:
        sound.prepare(session, saved.place if saved else None)
        if not sound.out.wait_until_flowing():
            warn(f"the audio output '{sound.out.device_name}' is slow to start; the first words may be late")
        outputs.audio = sound.sink

    pain = _pain_check(config, routine, sound if voice else None, input_device, warn, out) if config.history.ask_pain else None
    pain_before, go_ahead = pain.before() if pain else (None, True)
    if not go_ahead:
        _HistoryRecorder(history, program, warn, pain_before).finish(session)
        if sound:
            sound.close()
        return PlayResult(False, 0, [], program.settings.words.not_started(pain_before))

    heard = (lambda record: tracer.heard(record, clock.now())) if tracer is not None else None
    listener = None
    if voice and config.recognizer.engine != "none":
        def voice_ready(control: VoiceControl | None) -> None:
            if control is None:  # the prompts stop asking for a voice nobody listens to
                session.inputs = dataclasses.replace(session.inputs, voice=False)
        build = _voice_control_builder(config, inbox, sound, session, input_device, warn, err, heard)
        listener = VoiceControlStarting(build, voice_ready)
    else:
        session.inputs = dataclasses.replace(inputs, voice=False)
    saver = _PlaceSaver(store, session, program, warn)
    keys = KeyReader(inbox.put, lambda: session.mode is Mode.PLAYING)
    recorder = _HistoryRecorder(history, program, warn, pain_before)

    reported = [-math.inf]

    def on_tick(now: float) -> None:
        saver(now)
        if sound:
            sound.tick(session, outputs, now)
            if tracer is not None and now - reported[0] >= OUTPUT_REPORT_SECONDS:
                reported[0] = now
                tracer.output(now, sound.out.underruns, sound.out.reopened, library_messages.silenced)
        view.draw(session.view(now))

    def on_command(command: Command, outcome: Outcome) -> None:
        recorder.commands[command.value] += 1
        if tracer is not None:
            tracer.command(command, clock.now(), outcome)
        view.command(command, outcome)

    def run_session() -> None:
        run(session, clock, inbox, refresh=REFRESH_SECONDS, on_tick=on_tick, on_command=on_command,
            start_delay=sound.start_delay(session, clock.now()) if sound else 0.0)

    try:
        if interactive:
            with keys.running(sys.stdin):
                run_session()
        else:
            LineReader(inbox.put, config.vocabulary(), keys,
                       lambda text: warn(f"unknown command '{text}' "
                                         f"(try: {', '.join(config.vocabulary().all_phrases())})")).start(sys.stdin)
            run_session()
        if sound and outputs.audio is not None:
            sound.out.wait_idle(timeout=5.0)  # the session ends when its last cue is sent: let it play out
            if pain and session.place.part > 0:  # the routine was under way: finished, or stopped
                if listener:
                    listener.close()
                recorder.pain_after = pain.after(pain_before)
    except KeyboardInterrupt:
        saver(clock.now())  # the very last place, however the interrupt fell
        raise
    finally:
        view.close()
        recorder.finish(session)
        if listener:
            listener.close()
        if sound:
            sound.close()
    return _finish(session, program, store, warn)


class _HistoryRecorder:
    """The session's entry in the history: written as it starts and as it ends, however it ends.
    A history that cannot be written is reported once and never stops the session."""

    def __init__(self, history: History | None, program: Program, warn, pain_before: int | None = None):
        self.history, self.program, self.warn = history, program, warn
        self.commands: collections.Counter = collections.Counter()
        self.pain_after: int | None = None
        self._id = self._guard(lambda: history.start(program.routine.id, program.routine.title,
                                                     len(_steps(program)), pain_before)) if history else None

    def finish(self, session: Session) -> None:
        if self._id is None:
            return
        completed, skipped = _progress(session, self.program)
        self._guard(lambda: self.history.finish(
            self._id, finished=session.place.part >= len(self.program.parts), steps_completed=len(completed),
            skipped=skipped, commands=self.commands, pain_after=self.pain_after))
        self._id = None

    def _guard(self, action):
        try:
            return action()
        except HistoryUnavailable as exc:
            self.warn(f"{exc}; this session is not recorded")
            self.history = None
            return None


def _steps(program: Program) -> list:
    return [part for part in program.parts if part.step is not None]


def _progress(session: Session, program: Program) -> tuple[list, list[str]]:
    """The steps completed, and the labels of those skipped."""
    completed = [p for i, p in enumerate(program.parts) if i in session.completed and p.step is not None]
    skipped = [program.parts[i].label for i in sorted(session.skipped - session.completed)]
    return completed, skipped


def _pain_check(config: Config, routine: Routine, sound: SessionSound | None, device: str, warn,
                out: TextIO) -> PainCheck | None:
    """Pain ratings by voice, if they can be asked here; otherwise one line saying why."""
    if sound is None:
        warn("pain ratings are asked and answered by voice, and this session has no sound or no voice control; "
             "not asking")
        return None
    listening = ListeningSettings.of(config, device)
    prompter = Prompter(sound.narrator, sound.out, volume=config.speech.volume, warn=warn,
                        input_device=listening.input_device, wake_word=listening.wake_word)

    def show(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    try:
        return PainCheck(listening, config.ratings[config.language], routine, prompter, show=show, warn=warn,
                         engine_for=lambda vocabulary: make_engine(listening, vocabulary=vocabulary, answers=True))
    except RecognizerUnavailable as exc:
        warn(f"pain ratings need voice control ({exc}); not asking")
        return None


def _voice_control_builder(config: Config, inbox: CommandInbox, sound: SessionSound | None, session: Session,
                           device: str, warn, err: TextIO, heard) -> Callable[[], VoiceControl | None]:
    """What makes voice control on its own thread: the control if it can run here; otherwise one
    line saying why, and keys alone. What it needs of the session is taken now, on this thread."""
    record = None
    if sound is not None:
        record = sound.out.record = PlaybackRecord(sound.out.rate)
    narration = list(session.texts_ahead(None))

    def note(message: str) -> None:
        err.write(f"  ({message})\n")

    def build() -> VoiceControl | None:
        try:
            control = VoiceControl(ListeningSettings.of(config, device), inbox.put, record=record,
                                   spoken=sound.spoken if sound else None, narration=narration, warn=warn, notes=note,
                                   trace=heard)
        except (RecognizerUnavailable, AudioUnavailable) as exc:
            warn(f"voice control is off: {exc}; the keys still work")
            return None
        err.write(f"Listening with {control.description}\n")
        return control
    return build


def _finish(session: Session, program: Program, store: PlaceStore, warn) -> PlayResult:
    steps = _steps(program)
    completed, skipped = _progress(session, program)
    finished = session.place.part >= len(program.parts)
    if finished:
        try:
            store.clear(program.routine.id)
            store.record_finished(program.routine.id)
        except OSError as exc:
            warn(f"cannot note the finished session in {store.folder} ({exc.strerror or exc}); "
                 "the next session may offer to resume this one")
    if program.settings.full_cautions and session.place.part > 0:  # heard to the end
        try:
            store.record_cautions_heard(program.routine)
        except OSError:
            pass  # at worst they are read in full once more; the line above names the folder
    summary = program.settings.words.steps_done(len(completed), len(steps), skipped, place_saved=not finished)
    return PlayResult(finished, len(completed), skipped, summary)
