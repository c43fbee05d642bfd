"""Voice commands during `voiceguide play`: microphone, echo canceller, engine, decider, session.

It runs on its own thread and only ever hands the session a Command, the same as a key does.
The narrator's own voice is kept out twice over: the echo canceller takes what the speaker
played out of the microphone signal, and a phrase is obeyed only if it stood well above the echo
the canceller estimates it left (before it has learnt the room, in the first seconds of
narration, that is all of it: then only phrases said in the narrator's pauses count). Anything that fails here turns voice control off
with one line; the session and the keys go on.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from voiceguide.audio_in import Microphone
from voiceguide.audio_out import AudioUnavailable
from voiceguide.commands import Command
from voiceguide.config import Config
from voiceguide.echo import EchoCanceller
from voiceguide.listener import Detection, PhraseDecider, detections
from voiceguide.playback_record import PlaybackRecord
from voiceguide.recognition import Engine, RecognizerUnavailable
from voiceguide.recognizers import make_engine

PHRASE_SECONDS = 1.5
"""How far back from a decision the phrase that led to it is looked for."""
SPEECH_WITHIN_DB = 10.0
"""Chunks this close to the phrase's loudest count as the phrase."""
ABOVE_ECHO_DB = 10.0
"""How far the phrase must stand above the echo left in it to be the user's."""
HISTORY_CHUNKS = 100


class EchoFilteredAudio:
    """Microphone chunks with the speaker's sound taken out, and how much of it may be left.

    The canceller never removes all of the echo, and a model without a rejection word turns
    whatever is left into some command. So each chunk's residual is compared with the echo the
    canceller estimates is left in it; a phrase is only trusted when it stood well above that,
    which the user's own voice does and the narrator's leftovers do not.
    """

    def __init__(self, record, canceller: EchoCanceller | None = None):
        """`record` gives what the speaker played (a PlaybackRecord); None: nothing to cancel."""
        self.record = record
        self.canceller = canceller or EchoCanceller()
        self._levels: collections.deque[tuple[float, float, float]] = collections.deque(maxlen=HISTORY_CHUNKS)

    def __call__(self, chunks: Iterable[tuple[bytes, float, float]]) -> Iterator[tuple[bytes, float]]:
        for pcm, at, captured in chunks:
            if self.record is None:
                yield pcm, at
                continue
            mic = np.frombuffer(pcm, "<i2").astype(np.float64) / 32768
            residual = self.canceller.process(mic, self.record.span(captured, len(mic)))
            self._levels.append((at, _db(float(np.mean(residual * residual))), _db(self.canceller.residual_echo)))
            yield np.clip(np.round(residual * 32768), -32768, 32767).astype("<i2").tobytes(), at

    def trusted(self, found: Detection) -> bool:
        """Whether the phrase stood above what was left of the narrator's voice while it was said.

        Ask as each phrase is decided: only the last few seconds of levels are kept.
        """
        span = [(level, echo) for at, level, echo in self._levels if found.detected - PHRASE_SECONDS < at <= found.detected]
        if not span:
            return True
        loudest = max(level for level, _ in span)
        speech = [level - echo for level, echo in span if level >= loudest - SPEECH_WITHIN_DB]
        return float(np.median(speech)) >= ABOVE_ECHO_DB


def _db(power: float) -> float:
    return 10 * np.log10(max(power, 1e-12))


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
