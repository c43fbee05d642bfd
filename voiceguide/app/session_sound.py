"""A session's sound: the output device, the narrator speaking into it, what is rendered ahead,
and the watchdog that carries on in text mode when the device stops and brings the sound back
when it returns. Also where each cue goes (text view, sound, trace).
"""

from __future__ import annotations

import threading

from voiceguide.app.early_output import EarlyWords, output_with_start_tone
from voiceguide.app.textview import TextView
from voiceguide.app.trace import Trace
from voiceguide.engine.cues import Cue
from voiceguide.engine.planner import Place, narration
from voiceguide.engine.session import Session
from voiceguide.speech.narrator import AudioNarration, Narrator, SpokenLog
from voiceguide.speech.output import AudioOut
from voiceguide.speech.synthesis import SynthesisError, Synthesizer, UnknownVoice
from voiceguide.userdata import paths
from voiceguide.userdata.config import Config
from voiceguide.userdata.recordings import Recordings

REOPEN_RETRY_SECONDS = 1.0
"""How often a stopped output is tried again (and how long a reopened one has to start playing)."""
AFTER_EARLY_WORDS_SECONDS = 0.4
"""The pause after the title said with the opening, before a session that does not begin with it
(one resuming a saved place) says its first words."""


def make_narrator(config: Config, stream_rate: int, routine_id: str | None = None) -> Narrator:
    """The narrator, speaking in the user's own recordings for `routine_id` where there are any.
    Raises UnknownVoice for a voice the engine does not have."""
    synthesizer = Synthesizer()
    try:
        synthesizer.check_voice(config.speech.voice)
    except UnknownVoice:
        synthesizer.close()
        raise
    return Narrator(synthesizer, paths.cache_dir() / "clips", voice=config.speech.voice,
                    rate=config.speech.rate, stream_rate=stream_rate,
                    recordings=Recordings.for_routine(routine_id) if routine_id else None)


class CueOutputs:
    """Where cues go: the text view always, the audio narration while the device works, a trace."""

    def __init__(self, view: TextView, trace: Trace | None):
        self.view = view
        self.trace = trace
        self.audio: AudioNarration | None = None

    def __call__(self, cue: Cue, at: float) -> None:
        if self.trace is not None:
            self.trace.cue(cue, at)
        self.view.cue(cue, at)
        if self.audio is not None:
            self.audio(cue, at)


class SessionSound:
    """The audio side of a session: device, narrator, rendering ahead, and the watchdog."""

    def __init__(self, config: Config, routine_id: str, warn, out: AudioOut | None = None,
                 early: EarlyWords | None = None):
        """`out`: the output already opened (EarlyOutput); else it is opened here. It is this
        session's from now on, closed with it. `early`: what it said as it opened."""
        self.warn = warn
        self.lead_in = config.audio.lead_in
        self.early = early
        self.out = out or output_with_start_tone(config)
        try:
            self.narrator = make_narrator(config, self.out.rate, routine_id)
        except UnknownVoice:
            self.out.close()
            raise
        self.spoken = SpokenLog()
        self.sink = AudioNarration(self.narrator, self.out.play, self.out.silence,
                                   volume=config.speech.volume, tones=config.audio.tones, spoken=self.spoken)
        self.rendered = threading.Event()
        self._reconnected = threading.Event()
        self._closed = threading.Event()
        self._timing_refreshed = False
        self._reported_failures = False

    def prepare(self, session: Session, start: Place | None) -> None:
        """Render what is said first now, the rest in the background."""
        texts = session.texts_ahead(start)
        first = start or Place(0, 0, 0)  # what is said in the first segment is rendered before the rest
        opening = [cue.text for cue, place in narration(session.program, session.pace, start)
                   if (place.part, place.segment) == (first.part, first.segment)]
        try:
            for text in opening:
                self.narrator.clip(text)
        except SynthesisError as exc:
            self.warn(f"speech synthesis failed ({exc}); the narration is shown as text")
            self._reported_failures = True
        self.narrator.prerender(texts, on_done=self.rendered.set)

    def start_delay(self, session: Session, now: float) -> float:
        """Seconds from `now` to the session's start. With the title said as the output opened and
        still playing, a session that opens with it starts when it began (in the past: what follows
        is timed from the title as heard, and the title is not played again); one that does not
        waits for it to end. Otherwise the lead-in, less the silence the output has played since it
        started (waking a Bluetooth headset is what it is for)."""
        early = self.early
        if early is None:
            return max(0.0, self.lead_in - (now - self.out.started))
        if session.opens_from_the_beginning and now < early.at + early.duration:
            self.sink.playing_already(early.text)
            return early.at - now
        return max(0.0, early.at + early.duration + AFTER_EARLY_WORDS_SECONDS - now)

    def tick(self, session: Session, outputs: CueOutputs, now: float) -> None:
        if self.rendered.is_set() and not self._timing_refreshed:
            self._timing_refreshed = session.refresh_timing(now)
        if self.narrator.failures and not self._reported_failures:
            self._reported_failures = True
            text, why = next(iter(self.narrator.failures.items()))
            self.warn(f"could not render speech for {text!r} ({why}); it is shown as text")
        if outputs.audio is None and self._reconnected.is_set():
            self._reconnected.clear()
            outputs.audio = self.sink
            self.warn("the sound is back")
        elif outputs.audio is not None and not self.out.healthy(now):
            outputs.audio = None
            self.warn(f"the audio output stopped ({self.out.failed or 'no longer responding'}); "
                      "carrying on in text mode where you are, and trying to get the sound back")
            threading.Thread(target=self._reconnect, name="reopen-output", daemon=True).start()

    def _reconnect(self) -> None:
        """Reopen the output until it plays again (the sound server restarted, the headset is back)
        or the session ends; the session's thread never waits on it."""
        while not self._closed.is_set():
            if self.out.reopen() and self.out.wait_until_flowing(REOPEN_RETRY_SECONDS):
                self._reconnected.set()
                return
            self._closed.wait(REOPEN_RETRY_SECONDS)

    def close(self) -> None:
        self._closed.set()
        self.out.close()
        self.narrator.synthesizer.close()
