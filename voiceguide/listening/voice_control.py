"""Voice commands during `voiceguide play`: microphone, echo canceller, engine, decider, session.

It runs on its own thread and only ever hands the session a Command, the same as a key does.
The narrator's own voice is kept out twice over: the echo canceller takes what the speaker
played out of the microphone signal, and a phrase is obeyed only if it stood well above the echo
the canceller estimates it left and does not follow the narration (before the canceller has
learnt the room, in the first seconds of narration, the estimate is all of the echo: then only
phrases said in the narrator's pauses count). Anything that fails here turns voice control off
with one line; the session and the keys go on.
"""

from __future__ import annotations

import collections
import difflib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from voiceguide.audio.clips import from_pcm16, pcm16
from voiceguide.audio.devices import AudioUnavailable
from voiceguide.engine.commands import Command
from voiceguide.listening.echo import (
    MAX_DELAY_SECONDS,
    QUIET_REFERENCE,
    EchoCanceller,
    estimate_delay,
    follows_reference,
)
from voiceguide.listening.listener import Detection, PhraseDecider, detections
from voiceguide.listening.microphone import Microphone
from voiceguide.listening.playback_record import PlaybackRecord, SteadyTimeline
from voiceguide.listening.recognition import CHUNK_SECONDS, SAMPLE_RATE, Engine, Heard, RecognizerUnavailable
from voiceguide.listening.recognizers import ListeningSettings, make_engine
from voiceguide.speech.narrator import NUMBER_WORDS, SpokenLog

PHRASE_SECONDS = 1.5
"""How far back from where the phrase ended (from the decision, where the engine cannot tell) its
sound is looked for."""
SPEECH_WITHIN_DB = 10.0
"""Chunks this close to the phrase's loudest count as the phrase."""
ABOVE_ECHO_DB = 15.0
"""How far the phrase must stand above the echo left in it to be the user's. Leftovers of the
narration that the narration check let through stood at most 7 dB above the estimate in the
looped lab, and at most -4 dB over a rendered routine whose echo path jumps every 20 s as after
an underrun. A canceller that loses the echo for a while (as it did before it followed those
jumps) leaves the user's phrases less room: 20 dB then obeyed 10 in 20 said over the narration,
15 dB 13 (Korean model, the listening benchmark's stream)."""
UNSAID_ABOVE_ECHO_DB = 6.0
"""The same for a phrase the narrator did not say while it was heard, with an engine that
transcribes (Whisper hears the narration's leftovers as the narration's words: over 13.9 minutes
of a routine heard with no canceller at all, it decided no command). It must still stand out from
what the canceller left, as a voice speaking to the microphone does. Only where the echo has just
moved and what is left still follows the narration is it held to be the leftover whatever its
words: in the looped lab, what was left of "Press the points beside the spine" just after the echo
moved came out as "no", 30 dB above the estimate, and was obeyed; it carried both marks. Users'
phrases carry one at most: in a 5-minute looped-lab run 2 of 20 "no"s said over the narration
had the echo moved (refused when that alone counted), neither followed the narration; over the
listening benchmark's narration 0 of 128 had both (1 the first)."""
SPEECH_FLOOR_DB = -50.0
"""A phrase whose loudest part is below this (dBFS) is a leftover, not someone speaking to the
microphone."""
NARRATION_SHARE = 0.3
"""A phrase correlating this much with the narration (0-1) is taken for the narration's leftovers."""
MOVED_SAMPLES = 2.0
"""The echo in a phrase found this far from where the canceller's filter took it to be has moved
(an output underrun; in the lab each moved it 32 samples or more), and the filter has not followed
yet: what it left of the echo may be loud, and the leftover-echo estimate, made from the filter's
recent past, knows nothing of it. Over a routine whose echo jumped every 20 s, such leftovers stood
up to 46 dB above the estimate, and 2 in 23 passed the narration check. Closer than this, it may
be the estimate's own wobble."""
MOVED_CLARITY = 12.0
"""How clearly the echo's correlation peak must stand out (estimate_delay's min_clarity) for that.
Over the same routine, the leftovers of a moved echo stood out 18-97 times the spread of the rest;
the user's phrases, said where the narration was quiet or under it, at most 9.6 times (a stray
peak elsewhere, which 4, the delay search's own figure, took for a moved echo in 10 of 42)."""
RESTART_SETTLE_SECONDS = 1.5
"""For this long after the output discarded its buffer (every command silences the narration at
once), where the restarted stream's sound reaches the microphone is not known well: the reference is
placed by the first blocks' measured times, which can be off, and the canceller takes a second or
two to find the echo again (ERLE 11 dB a second after such a restart in the looped lab, 43 dB two
seconds after). A phrase heard then is held to the moved-echo rule: in the lab, the accept tone and
the first syllables said after it passed the levels check as the Korean commands "종료" and "이전",
0.2-0.7 s after the user's own command."""
NO_ECHO_DB = -120.0
"""The echo estimate of a chunk when the speaker has not played for longer than an echo lasts
(EchoCanceller.residual_echo 0): no echo, moved or not, can be in it."""
ALIKE_RATIO = 0.75
"""How alike in spelling (difflib's ratio) a word heard around a phrase must be to one the narrator
said to count as a leftover of it: "reading"/"breathing" 0.75, "for"/"four" 0.86; "so"/"no" 0.5."""
WITH_A_COMMAND = frozenset({"please", "now", "it"})
"""Words people put around a command said to a device ("stop it", "pause please"): part of the
command, not somebody saying something else ("no thanks", "oh no" are)."""
ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
"""A count heard as an ordinal ("18th" for the narrator's "18")."""
STOPS_WITHIN_SECONDS = 3.0
"""How long closing waits for the listener to finish what it is doing: a decode takes well under a
second even on a busy machine; a thread stuck in a frozen device's call is left behind."""
REPORT_SECONDS = 2.0
"""How often `play --trace` is told how far behind the microphone the listener is."""
HISTORY_CHUNKS = 100
REFERENCE_WAIT_SECONDS = 0.25
"""How long a microphone chunk may wait for the output to hand over what it played meanwhile: far
longer than the output's bursts (the lab's left up to 35 ms of each 50 ms chunk missing), and a
stalled output costs this once, not at every chunk."""


@dataclass(frozen=True)
class _Chunk:
    at: float
    mic: np.ndarray
    residual: np.ndarray
    reference: np.ndarray
    level_db: float
    echo_db: float
    """The canceller's estimate of the echo left in this chunk."""
    echo_at: float | None
    """Where the canceller's filter took the echo to be (EchoCanceller.echo_position)."""
    captured: float
    """Monotonic time of its first sample, on the playback record's clock."""


@dataclass(frozen=True)
class Verdict:
    obey: bool
    level_db: float
    """The phrase's loudest chunk (dBFS)."""
    above_echo_db: float
    """How far the phrase stood above the echo left in it."""
    follows_narration: bool
    echo_moved: bool
    """The echo in the phrase came from elsewhere than where the canceller's filter had it."""
    narrator_said: bool = True
    """The narrator said one of the phrase's words while it was heard (or nobody can tell)."""
    output_restarted: bool = False
    """The output restarted within RESTART_SETTLE_SECONDS before or while the phrase was heard."""


class EchoFilteredAudio:
    """Microphone chunks with the speaker's sound taken out, and how much of it may be left.

    The canceller never removes all of the echo, and a model without a rejection word turns
    whatever is left into some command. So each chunk's residual is compared with the echo the
    canceller estimates is left in it; a phrase is only trusted when it stood well above that,
    which the user's own voice does and the narrator's leftovers do not.
    """

    def __init__(self, record, canceller: EchoCanceller | None = None, *, spoken: SpokenLog | None = None,
                 transcribes: bool = False):
        """`record` gives what the speaker played (a PlaybackRecord); None: nothing to cancel.
        `spoken` tells what the narrator said when, and `transcribes` that the engine hears any
        words (Whisper): then a phrase whose words the narrator did not say cannot be its leftover."""
        self.record = record
        self.canceller = canceller or EchoCanceller()
        self.spoken, self.transcribes = spoken, transcribes
        self.captured = 0.0
        """Monotonic time of the latest chunk's first sample: how far behind the listener is."""
        self.at = 0.0
        """Stream time at the end of the latest chunk."""
        self._next = float("-inf")  # where the reference continues, on the monotonic clock
        self._timeline = SteadyTimeline()  # the microphone's times jump when it drops samples
        self._chunks: collections.deque[_Chunk] = collections.deque(maxlen=HISTORY_CHUNKS)

    def __call__(self, chunks: Iterable[tuple[bytes, float, float]]) -> Iterator[tuple[bytes, float]]:
        for pcm, at, captured in chunks:
            self.captured, self.at = captured, at
            if self.record is None:
                yield pcm, at
                continue
            mic = from_pcm16(pcm)
            if self._next == float("-inf"):
                self._next = captured
            self._next += self._timeline.jump(captured, self._next)  # else the reference stays continuous
            reference = self.record.span(self._next, len(mic), wait=REFERENCE_WAIT_SECONDS)
            residual = self.canceller.process(mic, reference)
            self._chunks.append(_Chunk(at, mic, residual, reference, _db(float(np.mean(residual * residual))),
                                       _db(self.canceller.residual_echo), self.canceller.echo_position, self._next))
            self._next += len(mic) / SAMPLE_RATE
            yield pcm16(residual).tobytes(), at

    def leftover_db(self) -> float:
        """The canceller's estimate of the narration left in the latest chunk (dBFS)."""
        return _db(self.canceller.residual_echo) if self.record is not None else -120.0

    def said_at(self, found: Detection) -> float:
        """When (monotonic) the phrase ended in the room, from where it ended in the stream."""
        end = found.audio_end if found.audio_end is not None else found.detected
        chunk_start = self.at - CHUNK_SECONDS
        return self.captured + (min(end, self.at) - chunk_start)

    def judge(self, found: Detection) -> Verdict:
        """Whether to obey a phrase, with the figures behind it; ask as each phrase is decided
        (only the last few seconds are kept)."""
        ended = min(found.detected, found.audio_end if found.audio_end is not None else found.detected)
        # up to the chunk that holds the phrase's end: what followed it (the narration starting
        # again while the phrase was being decided) is not the phrase
        chunks = [chunk for chunk in self._chunks
                  if ended - PHRASE_SECONDS - MAX_DELAY_SECONDS < chunk.at < ended + CHUNK_SECONDS]
        phrase = [chunk for chunk in chunks if chunk.at > ended - PHRASE_SECONDS]
        if not phrase:
            return Verdict(True, 0.0, float("inf"), False, False)
        loudest = max(chunk.level_db for chunk in phrase)
        before_phrase = len(chunks) - len(phrase)
        spoken = [index >= before_phrase and chunk.level_db >= loudest - SPEECH_WITHIN_DB
                  for index, chunk in enumerate(chunks)]
        above_echo = float(np.median([chunk.level_db - chunk.echo_db
                                      for chunk, said in zip(chunks, spoken, strict=True) if said]))
        references = np.concatenate([chunk.reference for chunk in chunks])
        narration = _follows_narration(chunks, before_phrase, references)
        moved = _echo_moved(chunks, spoken, references)
        phrase_chunks = [chunk for chunk, is_said in zip(chunks, spoken, strict=True) if is_said]
        said = self._narrator_said(found.phrase, phrase_chunks)
        restarted = self._restarted(phrase_chunks)
        # the phrase heard over and over ("no no no") is still the phrase, and so is "stop it"; a
        # lone letter is a fragment ("stop b": the release of its "p"), not someone else speaking
        own = set(found.phrase.split()) | WITH_A_COMMAND
        around = " ".join(word for part in (found.before, found.rest) for word in part.split()
                          if word not in own and not (len(word) == 1 and word.isalpha()))
        if around and not self._narrator_said_all(around, phrase_chunks):
            obey = False  # words around the phrase that are not the narration's: the user said something else
        elif said:
            obey = above_echo >= ABOVE_ECHO_DB and not narration and not moved and not restarted
        else:  # the narrator did not say it: a leftover only where the echo moved and still follows the narration
            obey = above_echo >= UNSAID_ABOVE_ECHO_DB and not (narration and moved) and not restarted
        return Verdict(bool(loudest >= SPEECH_FLOOR_DB and obey), float(loudest), above_echo, bool(narration),
                       bool(moved), said, restarted)

    def _restarted(self, spoken: list[_Chunk]) -> bool:
        """Whether the output restarted shortly before or while the phrase was heard."""
        start, end = spoken[0].captured, spoken[-1].captured + CHUNK_SECONDS
        return any(start - RESTART_SETTLE_SECONDS <= moment <= end for moment in self.record.restarts)

    def _narrator_said(self, phrase: str, spoken: list[_Chunk]) -> bool:
        """Whether the narrator said any of the phrase's words from an echo's reach before it until
        its end. Only an engine that transcribes can tell: one held to a grammar (vosk, pocketsphinx)
        hears some command in any leftover, whatever was said."""
        if not self.transcribes or self.spoken is None or self.record is None:
            return True
        return bool(set(phrase.split()) & self._narrated(spoken))

    def _narrator_said_all(self, words: str, spoken: list[_Chunk]) -> bool:
        """Whether every one of `words` was the narrator's, then (False if nobody can tell). What
        is left of the narration is heard a little wrong ("reading slow" for "breathing slow"), so
        a word close enough in spelling to one the narrator said counts as its."""
        if not self.transcribes or self.spoken is None or self.record is None:
            return False
        narrated = self._narrated(spoken, before=PHRASE_SECONDS, after=PHRASE_SECONDS)
        narrated |= {form for said in narrated for form in _numbers_heard_as(said)}
        return all(word in narrated or ORDINAL.sub(r"\1", word) in narrated or any(_alike(word, said) for said in narrated)
                   for word in words.split())

    def _narrated(self, spoken: list[_Chunk], before: float = 0.0, after: float = 0.0) -> set[str]:
        """Words the narrator said from an echo's reach and `before` more before the phrase until
        `after` past it (words heard around a phrase were said up to a phrase's length away: over
        a countdown, "five four stop" began two seconds before the stop)."""
        start = spoken[0].captured - MAX_DELAY_SECONDS - before
        end = spoken[-1].captured + CHUNK_SECONDS + after
        return self.spoken.words_between(start, end)


def _numbers_heard_as(said: str) -> set[str]:
    """How what is left of a number the narrator said comes out of Whisper: either half of "thirty
    four" ("30", "four"), "fifteen" as "50" and "fifty" as "15" (all seen in the looped lab)."""
    if not said.isdigit():
        return set()
    number = int(said)
    units = number % 10
    forms = {str(number - units), str(units), NUMBER_WORDS[units]} if number > 20 and units else set()
    if 13 <= number <= 19:
        forms.add(str((number - 10) * 10))
    elif number in range(30, 100, 10):
        forms.add(str(number // 10 + 10))
    return forms


def _alike(heard: str, said: str) -> bool:
    return difflib.SequenceMatcher(None, heard, said).ratio() >= ALIKE_RATIO


def _follows_narration(chunks: list[_Chunk], before_phrase: int, references: np.ndarray) -> bool:
    """Whether the phrase still follows what the speaker played just before and while it was said
    (the canceller has lost the room for a moment: a stall moved the echo), whatever the levels say."""
    if float(np.mean(references * references)) < QUIET_REFERENCE:
        return False
    residual = np.concatenate([np.zeros(sum(len(chunk.residual) for chunk in chunks[:before_phrase]))]
                              + [chunk.residual for chunk in chunks[before_phrase:]])
    return follows_reference(residual, references, int(MAX_DELAY_SECONDS * SAMPLE_RATE)) >= NARRATION_SHARE


def _echo_moved(chunks: list[_Chunk], spoken: list[bool], references: np.ndarray) -> bool:
    """Whether the echo in the spoken chunks came from elsewhere than where the canceller's filter
    had it then (only the phrase itself is searched: before it, the echo may not have moved yet)."""
    heard = np.concatenate([chunk.mic if said else np.zeros_like(chunk.mic)
                            for chunk, said in zip(chunks, spoken, strict=True)])
    echo_at = estimate_delay(heard, references, int(MAX_DELAY_SECONDS * SAMPLE_RATE), min_clarity=MOVED_CLARITY)
    return echo_at is not None and any(
        said and chunk.echo_at is not None and abs(echo_at - chunk.echo_at) >= MOVED_SAMPLES and chunk.echo_db > NO_ECHO_DB
        for chunk, said in zip(chunks, spoken, strict=True))


def _db(power: float) -> float:
    return 10 * np.log10(max(power, 1e-12))


class VoiceControl:
    """Listens on a thread and puts each command it hears into the session's inbox."""

    def __init__(self, settings: ListeningSettings, put: Callable[[Command, float], None], *, record: PlaybackRecord | None,
                 spoken: SpokenLog | None = None,
                 narration: Iterable[str], warn: Callable[[str], None],
                 notes: Callable[[str], None] = lambda note: None,
                 trace: Callable[[dict], None] | None = None):
        """Raises RecognizerUnavailable or AudioUnavailable (with the reason) if it cannot listen.

        `put` takes each command with when it was said (monotonic): the session decides what a
        late one still means. `trace` receives every phrase heard, obeyed or not, with why, and
        every few seconds how far behind the microphone the listener is (for `play --trace`).
        """
        self.put, self.warn, self.trace = put, warn, trace
        self.microphone = Microphone(settings.input_device)
        try:
            self.engine: Engine = make_engine(settings, other_words=narration, notes=notes)
        except RecognizerUnavailable:
            self.microphone.close()
            raise
        self.decider = PhraseDecider(settings.vocabulary, wake_word=settings.wake_word,
                                     leading=self.engine.transcribes and spoken is not None)
        self.audio = EchoFilteredAudio(record, spoken=spoken, transcribes=self.engine.transcribes)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="voiceguide-listener", daemon=True)

    @property
    def description(self) -> str:
        return f"{self.engine.description}; microphone: {self.microphone.name}"

    def start(self) -> None:
        self._thread.start()

    def _listen(self) -> None:
        try:
            for found in detections(self.engine, self.decider, self.audio(self._reported(self.microphone.timed_chunks(on_change=self._microphone_changed))),
                                    close_on_pause=True, on_heard=self._trace_words if self.trace else None,
                                    leftover_db=self.audio.leftover_db):
                if self._closing.is_set():
                    return
                verdict = self.audio.judge(found)
                said = self.audio.said_at(found)
                if verdict.obey:
                    self.put(found.meaning, said)
                if self.trace is not None:
                    canceller = self.audio.canceller
                    self.trace({"heard": found.phrase, "before": found.before, "rest": found.rest, "command": found.meaning.value, "obeyed": verdict.obey,
                                "level_db": round(verdict.level_db, 1), "above_echo_db": round(verdict.above_echo_db, 1),
                                "follows_narration": verdict.follows_narration, "echo_moved": verdict.echo_moved,
                                "narrator_said": verdict.narrator_said, "output_restarted": verdict.output_restarted,
                                "erle_db": round(canceller.erle_db, 1),
                                "echo_delay_s": round(canceller.delay / SAMPLE_RATE, 3),
                                "late_s": round(time.monotonic() - said, 3),
                                "behind_s": round(time.monotonic() - self.audio.captured, 3)})
        except AudioUnavailable as exc:
            if not self._closing.is_set():
                self.warn(f"{exc}; voice control is off, the keys still work")
        except Exception as exc:  # noqa: BLE001 - a fault in listening must not cost the user their session
            if not self._closing.is_set():
                self.warn(f"voice control stopped after an unexpected error ({type(exc).__name__}: {exc}); "
                          "the keys still work")

    def _microphone_changed(self, news: str) -> None:
        if not self._closing.is_set():
            self.warn(news + ("; voice control is on again" if news.endswith("back") else ""))

    def _trace_words(self, heard: list[Heard], level: float) -> None:
        """Every utterance's words for `play --trace`, commands or not: what the user said that was
        not understood shows there."""
        for item in heard:
            if item.final:
                self.trace({"words": item.text, "stream_s": round(item.at, 2)})

    def _reported(self, chunks: Iterable[tuple[bytes, float, float]]) -> Iterator[tuple[bytes, float, float]]:
        """The microphone's chunks, with a trace record every REPORT_SECONDS of how far behind the
        microphone the listener finished the chunk before: `behind_s` from when its sound was
        captured, `waited_s` from when the device handed it over (the listener's own lag, without
        the sound system's)."""
        report_at = 0.0
        for chunk in chunks:
            arrived = self.microphone.arrived
            yield chunk
            now = time.monotonic()
            if self.trace is not None and now >= report_at:
                report_at = now + REPORT_SECONDS
                self.trace({"listening": {"behind_s": round(now - chunk[2] - len(chunk[0]) / 2 / SAMPLE_RATE, 3),
                                          "waited_s": round(now - arrived, 3),
                                          "erle_db": round(self.audio.canceller.erle_db, 1),
                                          "echo_delay_s": round(self.audio.canceller.delay / SAMPLE_RATE, 3),
                                          "microphone_overflows": self.microphone.overflows}})

    def close(self) -> None:
        """Stop listening and wait (a little) for the listener to be done: the process may end
        next, and a Whisper decode still running while the interpreter winds down crashes it."""
        self._closing.set()
        self.microphone.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(STOPS_WITHIN_SECONDS)


class VoiceControlStarting:
    """Voice control made ready on its own thread while the session opens: loading the Whisper
    model and opening the microphone take 0.5-1 s, which the first words need not wait for (the
    title and safety points come first). `ready` hears the outcome: the running control, or None
    if it cannot listen (its reason already told by `build`)."""

    def __init__(self, build: Callable[[], VoiceControl | None],
                 ready: Callable[[VoiceControl | None], None] = lambda control: None):
        self.control: VoiceControl | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._start, args=(build, ready), name="voiceguide-listener-start",
                                        daemon=True)
        self._thread.start()

    def _start(self, build: Callable[[], VoiceControl | None], ready: Callable[[VoiceControl | None], None]) -> None:
        control = build()
        with self._lock:
            if control is not None and self._closed:
                control.close()  # the session ended while the model loaded
                return
            self.control = control
            if control is not None:
                control.start()
        ready(control)

    def close(self) -> None:
        """Stops listening, now or as soon as it is ready. A model still loading is waited for, a
        little (STOPS_WITHIN_SECONDS), for the same reason as VoiceControl.close."""
        with self._lock:
            self._closed = True
            control = self.control
        if control is not None:
            control.close()
        elif self._thread is not threading.current_thread():
            self._thread.join(STOPS_WITHIN_SECONDS)
