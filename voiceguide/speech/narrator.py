"""The narrator: every utterance rendered once, cached on disk, and played from memory.

A clip is keyed by the text, voice, rate, engine and output rate, so a changed voice or rate can
never play a stale clip. Rendering happens ahead, on a background thread, in the order the
routine needs the clips; the session asks for a clip's length to schedule what follows it.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.metadata
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from voiceguide.audio.clips import BadClip, Clip, attack_time, quantized, read_wav, resample, trim_silence, write_wav
from voiceguide.engine.commands import normalise
from voiceguide.engine.cues import Count, Cue, Say, Silence, Tone, ToneKind
from voiceguide.engine.speechtime import estimate_seconds
from voiceguide.speech.synthesis import SynthesisError, Synthesizer
from voiceguide.speech.tones import tone
from voiceguide.userdata.recordings import Recordings

_DRIVERS = {"linux": "espeak", "darwin": "nsss", "win32": "sapi5"}


def engine_id() -> str:
    """What made the clips: the pyttsx3 version and the platform's driver."""
    try:
        version = importlib.metadata.version("pyttsx3")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"pyttsx3-{version}-{_DRIVERS.get(sys.platform, sys.platform)}"


class ClipStore:
    """Clips already made, found without rendering: the user's own recording of a text, else the
    disk cache. The narrator renders what is not here; `play` finds its first words here before
    the narrator (and the synthesizer behind it) is even loaded."""

    def __init__(self, cache_dir: Path, *, voice: str, rate: int, stream_rate: int,
                 recordings: Recordings | None = None):
        """`recordings`: the user's own voice for the routine, used wherever it says the text."""
        self.cache_dir = cache_dir
        self.recordings = recordings
        self.voice = voice
        self.rate = rate
        self.stream_rate = stream_rate
        self._engine = engine_id()

    def _path(self, text: str) -> Path:
        key = "\x1f".join([self._engine, self.voice, str(self.rate), str(self.stream_rate), text])
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.wav"

    def has(self, text: str) -> bool:
        return self._path(text).is_file() or self.recordings is not None and self.recordings.has(text)

    def find(self, text: str) -> Clip | None:
        """The user's recording of `text` at the output's rate, else the cached render, else None."""
        recorded = self.recordings.load(text) if self.recordings is not None else None
        if recorded is not None:
            return quantized(resample(recorded, self.stream_rate))
        path = self._path(text)
        if not path.is_file():
            return None
        try:
            return read_wav(path)
        except BadClip:
            path.unlink(missing_ok=True)  # a damaged cache entry is simply rendered again
            return None

    def keep(self, text: str, clip: Clip) -> None:
        try:
            write_wav(self._path(text), clip)
        except OSError:
            pass  # a full or read-only cache only costs a render next time


class Narrator:
    """Text to clips, through a memory cache, the clip store and the synthesizer."""

    def __init__(self, synthesizer: Synthesizer, cache_dir: Path, *, voice: str, rate: int, stream_rate: int,
                 recordings: Recordings | None = None):
        """`recordings`: the user's own voice for the routine, used wherever it says the text."""
        self.synthesizer = synthesizer
        self.store = ClipStore(cache_dir, voice=voice, rate=rate, stream_rate=stream_rate, recordings=recordings)
        self.voice = voice
        self.rate = rate
        self.stream_rate = stream_rate
        self._memory: dict[str, Clip] = {}
        self._lock = threading.Lock()
        self._failures: dict[str, str] = {}

    def cached(self, text: str) -> bool:
        return text in self._memory or self.store.has(text)

    def clip(self, text: str) -> Clip:
        """The clip for `text`, rendering it now if it is not cached; raises SynthesisError."""
        found = self._memory.get(text)
        if found is not None:
            return found
        with self._lock:
            found = self._memory.get(text) or self.store.find(text) or self._render(text)
            self._memory[text] = found
            return found

    def duration(self, text: str) -> float:
        """Seconds `text` takes; an estimate where it cannot be rendered, so play goes on."""
        try:
            return self.clip(text).duration
        except SynthesisError as exc:
            self._failures.setdefault(text, str(exc))
            return estimate_seconds(text, self.rate)

    def known_duration(self, text: str) -> float:
        """Like duration(), but never renders: an estimate until the clip exists."""
        clip = self._memory.get(text)
        if clip is None and self.store.has(text):
            return self.duration(text)
        return clip.duration if clip is not None else estimate_seconds(text, self.rate)

    def prerender(self, texts: Iterable[str], on_done: Callable[[], None] | None = None) -> threading.Thread:
        """Render `texts` in order on a background thread; `on_done` runs when all are ready."""
        pending = list(dict.fromkeys(texts))

        def work() -> None:
            for text in pending:
                self.duration(text)
            if on_done is not None:
                on_done()

        thread = threading.Thread(target=work, daemon=True, name="prerender")
        thread.start()
        return thread

    @property
    def failures(self) -> dict[str, str]:
        """Texts that could not be rendered, with why."""
        return dict(self._failures)

    def _render(self, text: str) -> Clip:
        # a worker killed mid-render may leave a file behind: never worth a failure of its own
        with tempfile.TemporaryDirectory(prefix="voiceguide-", ignore_cleanup_errors=True) as folder:
            raw = Path(folder) / "raw.wav"
            self.synthesizer.render(text, self.voice, self.rate, raw)
            try:
                clip = quantized(resample(trim_silence(read_wav(raw)), self.stream_rate))
            except BadClip as exc:
                raise SynthesisError(f"the speech engine gave no usable audio for {text!r}: {exc}") from None
        self.store.keep(text, clip)
        return clip


NUMBER_WORDS = "zero one two three four five six seven eight nine ten".split()
"""A count the narrator says as "5" may be written back as "five"."""


class SpokenLog:
    """What the narrator was set to say and when (monotonic times), for the last minute: the
    listener asks whether the narrator said a phrase's words while it was heard. Written by the
    session's thread, read by the listener's."""

    def __init__(self, keep_seconds: float = 60.0):
        """`keep_seconds`: how far back it remembers (a rendered file's log keeps all of it)."""
        self.keep_seconds = keep_seconds
        self._said: collections.deque[tuple[float, float, str]] = collections.deque()
        self._lock = threading.Lock()

    def add(self, start: float, end: float, text: str) -> None:
        with self._lock:
            self._said.append((start, end, text))
            while self._said and self._said[0][1] < end - self.keep_seconds:
                self._said.popleft()

    def entries(self) -> list[tuple[float, float, str]]:
        """(start, end, text) of everything remembered, oldest first."""
        with self._lock:
            return list(self._said)

    def words_between(self, start: float, end: float) -> set[str]:
        """Every word of whatever was to be said from `start` to `end` (a silenced clip counts too:
        erring towards having said it)."""
        with self._lock:
            spans = list(self._said)
        words = {word for begins, ends, text in spans if begins < end and ends > start for word in normalise(text).split()}
        return words | {NUMBER_WORDS[int(word)] for word in words if word.isdigit() and int(word) < len(NUMBER_WORDS)}


class AudioNarration:
    """A cue sink that plays: speech and counts as clips, tones made in code, silence at once."""

    def __init__(self, narrator: Narrator, play: Callable[[np.ndarray, float], None],
                 silence: Callable[[], None], *, volume: float, tones: bool, spoken: SpokenLog | None = None):
        """`spoken` is told every clip of speech as it is scheduled."""
        self.narrator = narrator
        self.spoken = spoken
        self._play = play
        self._silence = silence
        self.volume = volume
        self.tones = tones
        self._tones = {kind: tone(kind, narrator.stream_rate) for kind in ToneKind}
        self._attacks: dict[str, float] = {}
        self._playing_already: str | None = None

    def playing_already(self, text: str) -> None:
        """`text` is already playing, put out before the session began (`play` says the routine's
        title as the output opens): when the next cue says it, it is not played a second time."""
        self._playing_already = text

    def __call__(self, cue: Cue, at: float) -> None:
        if isinstance(cue, Silence):
            self._silence()
            return
        playing, self._playing_already = self._playing_already, None
        clip = self._clip(cue)
        if clip is None:
            return
        if isinstance(cue, Count) and cue.voiced:
            at -= self._attack(cue.text, clip)  # the number's beat, not its first breath, lands on time
        if self.spoken is not None and (isinstance(cue, Say) or isinstance(cue, Count) and cue.voiced):
            self.spoken.add(at, at + clip.duration, cue.text)
        if not (isinstance(cue, Say) and cue.text == playing):
            self._play(clip.samples * np.float32(self.volume), at)

    def _attack(self, text: str, clip: Clip) -> float:
        found = self._attacks.get(text)
        if found is None:
            found = self._attacks[text] = attack_time(clip)
        return found

    def _clip(self, cue: Cue) -> Clip | None:
        if isinstance(cue, Tone):
            return self._tones[cue.kind] if self.tones else None
        if isinstance(cue, Count) and not cue.voiced:
            return self._tones[ToneKind.BEAT]
        text = cue.text if isinstance(cue, (Say, Count)) else None
        try:
            return self.narrator.clip(text) if text else None
        except SynthesisError:
            return None  # the text view still shows it; the failure is reported once by the player
