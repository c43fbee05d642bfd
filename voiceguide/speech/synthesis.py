"""Speech synthesis with pyttsx3, kept in a worker process.

pyttsx3 has traps (its tracker: only the last of several queued save_to_file calls comes out in
2.99, the espeak driver plays through a blocking `aplay`, `runAndWait` hangs on some platforms
and on Linux can return before espeak's thread has written the file (issue 219, seen here too),
engines are tied to the thread that made them). So: one worker process owns the engine, renders
exactly one utterance per run to a file, and is killed and restarted if a render takes too long.
This is the only module that imports pyttsx3, and only inside the worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import wave
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from voiceguide.errors import VoiceguideError

RENDER_TIMEOUT = 10.0
"""Seconds one utterance may take before the worker is presumed hung."""
START_TIMEOUT = 20.0


class SynthesisError(VoiceguideError):
    """Speech could not be rendered (no engine, a bad voice, a hung or crashed worker)."""


class UnknownVoice(SynthesisError):
    """The voice asked for is not one the engine has."""


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    default: bool = False
    """The voice the engine speaks in when none is chosen."""


RATE_APPLIED_WITHIN = 0.05
"""Seconds espeak-ng takes at most, here, to apply a new rate (it applies settings on its own thread)."""


def _set_rate(engine, rate: int) -> None:
    """Set the speaking rate and wait until the engine reports it in force.

    espeak-ng applies settings on its own thread, and through pyttsx3 2.99 a new rate was lost
    outright about one render in eight when it changed (the utterance came out at the old rate and
    was cached as the new one). Setting it again until it reads back fixes that; an engine that
    reads back at once (SAPI, NSSpeech) costs nothing."""
    for _ in range(5):
        engine.setProperty("rate", rate)
        deadline = time.monotonic() + RATE_APPLIED_WITHIN
        while engine.getProperty("rate") != rate and time.monotonic() < deadline:
            time.sleep(0.002)  # a readiness poll in the worker process: nothing is timed by it
        if engine.getProperty("rate") == rate:
            return
    raise RuntimeError(f"the speech engine did not take the rate {rate}")


def _worker(conn: Connection) -> None:
    """Worker process: answers ('render', text, voice, rate, path) and ('voices',) requests."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends this worker
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # pyttsx3 prints "Audio saved"
        try:
            import pyttsx3

            engine = pyttsx3.init()
            engine_name = type(engine.proxy._driver).__module__.rsplit(".", 1)[-1]
            engine.runAndWait()  # a new engine holds settings back until its first loop: run it once
        except Exception as exc:  # noqa: BLE001 - any failure to start is reported, never raised
            conn.send(("error", f"cannot start the speech engine: {exc}"))
            return
        conn.send(("ready", engine_name))
        finished = threading.Event()  # the driver writes the file, then says the utterance finished
        engine.connect("finished-utterance", lambda **_: finished.set())
        known = {v.id for v in engine.getProperty("voices")} | {v.name for v in engine.getProperty("voices")}
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            try:
                if request[0] == "voices":
                    default = engine.getProperty("voice")
                    voices = [(v.id, v.name or v.id, tuple(str(lang) for lang in (v.languages or ())), v.id == default)
                              for v in engine.getProperty("voices")]
                    conn.send(("ok", voices))
                    continue
                _, text, voice, rate, path = request
                if voice and voice not in known:  # espeak would quietly use its default voice
                    conn.send(("error", f"unknown voice '{voice}' (see `voiceguide voices`)"))
                    continue
                if voice:
                    engine.setProperty("voice", voice)
                _set_rate(engine, rate)
                finished.clear()
                engine.save_to_file(text, path)
                engine.runAndWait()
                if finished.wait(RENDER_TIMEOUT):
                    conn.send(("ok", path))
                else:
                    conn.send(("error", "the speech engine never finished the utterance"))
            except Exception as exc:  # noqa: BLE001
                conn.send(("error", str(exc)))


class Synthesizer:
    """Renders utterances to WAV files through the worker; thread-safe, one request at a time."""

    def __init__(self, timeout: float = RENDER_TIMEOUT):
        self.timeout = timeout
        self.engine_name = ""
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def render(self, text: str, voice: str, rate: int, path: Path) -> Path:
        """Render `text` to a checked WAV file at `path`; retries once with a fresh worker."""
        with self._lock:
            try:
                return self._render_checked(text, voice, rate, path)
            except SynthesisError:
                self._stop()
                return self._render_checked(text, voice, rate, path)

    def _render_checked(self, text: str, voice: str, rate: int, path: Path) -> Path:
        self._ask(("render", text, voice, rate, str(path)))
        try:
            with wave.open(str(path), "rb") as rendered:
                frames = rendered.getnframes()
        except (wave.Error, EOFError, OSError) as exc:
            raise SynthesisError(f"the speech engine wrote no valid WAV for {text!r} ({exc})") from None
        if frames == 0:
            raise SynthesisError(f"the speech engine wrote an empty file for {text!r}")
        return path

    def voices(self) -> list[VoiceInfo]:
        with self._lock:
            return [VoiceInfo(i, n, tuple(langs), default) for i, n, langs, default in self._ask(("voices",))]

    def check_voice(self, voice: str) -> None:
        """Raise SynthesisError (one line, saying how to see the voices) unless `voice` is one the
        engine has: espeak would quietly speak nothing or its default, and a session silently."""
        if not voice:
            return
        try:
            known = self.voices()
        except SynthesisError:
            return  # no engine at all: that is said when it is asked to speak
        if not any(voice in (each.id, each.name) for each in known):
            raise UnknownVoice(f"no voice called '{voice}' on this machine; `voiceguide voices` lists them")

    def _ask(self, request: tuple):
        self._start()
        try:
            self._conn.send(request)
            if not self._conn.poll(self.timeout):
                self._stop()
                raise SynthesisError(f"the speech engine did not answer within {self.timeout:g} s")
            status, value = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._stop()
            raise SynthesisError("the speech engine stopped unexpectedly") from None
        if status != "ok":
            raise SynthesisError(value)
        return value

    def _start(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(target=_worker, args=(child,), daemon=True, name="voiceguide-speech")
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(START_TIMEOUT):
            self._stop()
            raise SynthesisError("the speech engine did not start")
        try:
            status, value = parent.recv()
        except EOFError:
            self._stop()
            raise SynthesisError("the speech engine could not start (is espeak-ng installed?)") from None
        if status != "ready":
            self._stop()
            raise SynthesisError(value)
        self.engine_name = value

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None

    def close(self) -> None:
        with self._lock:
            self._stop()
