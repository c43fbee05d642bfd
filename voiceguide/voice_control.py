"""Voice commands during `voiceguide play`: microphone, echo canceller, engine, decider, session.

It runs on its own thread and only ever hands the session a Command, the same as a key does.
The narrator's own voice is kept out twice over: the echo canceller takes what the speaker
played out of the microphone signal, and until the canceller has learnt the room, a phrase heard
while the speaker was playing is not obeyed (the first seconds of narration; the user can
always speak in the pauses, or use the keys). Anything that fails here turns voice control off
with one line; the session and the keys go on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from voiceguide.audio_in import Microphone
from voiceguide.audio_out import AudioUnavailable
from voiceguide.commands import Command
from voiceguide.config import Config
from voiceguide.echo import QUIET_REFERENCE, EchoCanceller
from voiceguide.listener import Detection, PhraseDecider, detections
from voiceguide.playback_record import PlaybackRecord
from voiceguide.recognition import Engine, RecognizerUnavailable
from voiceguide.recognizers import make_engine

UNTRUSTED_SECONDS = 2.5
"""How long after untrained-canceller playback a phrase may still contain the narrator's voice."""


class EchoFilteredAudio:
    """Microphone chunks with the speaker's sound taken out, and when that could not be trusted."""

    def __init__(self, record: PlaybackRecord | None, canceller: EchoCanceller | None = None):
        self.record = record
        self.canceller = canceller or EchoCanceller()
        self.untrusted_until = float("-inf")
        """Stream time until which the narrator may still be in what the engine hears."""

    def __call__(self, chunks: Iterable[tuple[bytes, float, float]]) -> Iterator[tuple[bytes, float]]:
        for pcm, at, captured in chunks:
            if self.record is None:
                yield pcm, at
                continue
            mic = np.frombuffer(pcm, "<i2").astype(np.float64) / 32768
            reference = self.record.span(captured, len(mic))
            residual = self.canceller.process(mic, reference)
            if float(np.mean(reference * reference)) >= QUIET_REFERENCE and not self.canceller.converged:
                self.untrusted_until = at + UNTRUSTED_SECONDS
            yield np.clip(np.round(residual * 32768), -32768, 32767).astype("<i2").tobytes(), at

    def trusted(self, found: Detection) -> bool:
        return found.detected >= self.untrusted_until


class VoiceControl:
    """Listens on a thread and puts each command it hears into the session's inbox."""

    def __init__(self, config: Config, put: Callable[[Command], None], *, record: PlaybackRecord | None,
                 narration: Iterable[str], warn: Callable[[str], None],
                 notes: Callable[[str], None] = lambda note: None, device: str = ""):
        """Raises RecognizerUnavailable or AudioUnavailable (with the reason) if it cannot listen."""
        self.put, self.warn = put, warn
        self.microphone = Microphone(device or config.audio.input_device)
        try:
            self.engine: Engine = make_engine(config, other_words=narration, notes=notes)
        except RecognizerUnavailable:
            self.microphone.close()
            raise
        self.decider = PhraseDecider(config.vocabulary(), wake_word=config.recognizer.wake_word)
        self.audio = EchoFilteredAudio(record)
        self.heard: list[Detection] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="voiceguide-listener", daemon=True)

    @property
    def description(self) -> str:
        return f"{self.engine.description}; microphone: {self.microphone.name}"

    def start(self) -> None:
        self._thread.start()

    def _listen(self) -> None:
        try:
            for found in detections(self.engine, self.decider, self.audio(self.microphone.timed_chunks()),
                                    close_on_pause=True):
                if self._closing.is_set():
                    return
                self.heard.append(found)
                if self.audio.trusted(found):
                    self.put(found.command)
        except AudioUnavailable as exc:
            if not self._closing.is_set():
                self.warn(f"{exc}; voice control is off, the keys still work")

    def close(self) -> None:
        self._closing.set()
        self.microphone.close()
