"""`voiceguide record`: the user records their own narration for a routine, hands-free.

For each sentence it shows and speaks the text, beeps, records until the user has been quiet for
1.5 s, trims and levels the take, plays it back and asks "keep" or "again" (by voice, or typed).
Only one thing happens at a time, so the microphone never has the narrator to contend with: it
is open only while the user records a take or answers. Every kept take is stored at once, and
sentences already recorded are passed over next time, so stopping (by voice, "stop"; Ctrl-C)
loses nothing and `record` again carries on where it stopped. When the sound goes (the sound
server restarted, a headset unplugged) it waits for it to come back and starts that sentence again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

import numpy as np

from voiceguide.app.asking import AnswerVocabulary, Prompter, TypedAnswers
from voiceguide.app.takes import TakeEnd, Utterance, polish
from voiceguide.audio.clips import Clip, from_pcm16
from voiceguide.audio.devices import AudioUnavailable
from voiceguide.engine.commands import Command, Vocabulary
from voiceguide.engine.cues import ToneKind
from voiceguide.engine.speechtime import estimate_seconds
from voiceguide.errors import VoiceguideError
from voiceguide.format.routine import Routine
from voiceguide.listening.microphone import Microphone
from voiceguide.listening.recognition import Engine, RecognizerUnavailable
from voiceguide.listening.recognizers import ListeningSettings, make_engine
from voiceguide.speech.narrator import Narrator
from voiceguide.speech.output import AudioOut
from voiceguide.speech.tones import tone
from voiceguide.userdata.config import SpeechSettings
from voiceguide.userdata.recordings import Recordings
from voiceguide.wording import words_for

RECORD_RATE = 48000
"""Takes are kept at full rate: they are narration, not just something to recognise."""
ANSWER_SECONDS = 15.0
"""How long an answer is waited for before the question is asked again..."""
ASKS = 3
"""... and how many times, before the session stops (everything kept so far stays kept)."""
EMPTY_TAKES = 3
"""Takes in a row with nobody speaking before the sentence is passed over."""
KEYS = {"k": Command.NEXT, "keep": Command.NEXT, "": Command.NEXT, "a": Command.REPEAT,
        "again": Command.REPEAT, "q": Command.STOP, "stop": Command.STOP}
"""Typed answers (then Enter): Enter alone or k keeps, a records again, q stops."""
REOPEN_RETRY_SECONDS = 1.0
"""How often the sound devices are tried again after they stopped."""


class RecordingStopped(VoiceguideError):
    """The user said stop, or nobody answered."""


def answer_vocabulary(listening: ListeningSettings) -> Vocabulary:
    """keep / again / stop, in the user's language: its phrases for next, repeat and stop, plus
    its wording's word for keep."""
    phrases = listening.vocabulary.phrases
    keep = (words_for(listening.language).KEEP,) + phrases.get(Command.NEXT, ())
    return AnswerVocabulary({Command.NEXT: tuple(dict.fromkeys(keep)), Command.REPEAT: phrases.get(Command.REPEAT, ()),
                             Command.STOP: phrases.get(Command.STOP, ())})


class Recorder:
    def __init__(self, listening: ListeningSettings, speech: SpeechSettings, routine: Routine, recordings: Recordings,
                 narrator: Narrator, out: AudioOut, *, show: Callable[[str], None], warn: Callable[[str], None],
                 keys: TextIO):
        """`listening` hears the answers (and names the microphone); `speech` gives the volume the
        prompts are played at and the rate the narrator reads, which sets how long a take may be."""
        self.speech, self.routine, self.recordings = speech, routine, recordings
        self.show, self.warn = show, warn
        self.words = words_for(listening.language)
        self.prompter = Prompter(narrator, out, volume=speech.volume, warn=warn, input_device=listening.input_device,
                                 wake_word=listening.wake_word)
        self.say, self.play = self.prompter.say, self.prompter.play
        self.vocabulary = answer_vocabulary(listening)
        self.typed = TypedAnswers(keys, KEYS)
        self.engine: Engine | None = None
        try:
            self.engine = make_engine(listening, vocabulary=self.vocabulary, answers=True)
        except RecognizerUnavailable as exc:
            warn(f"answers by voice are off ({exc}); type k (keep), a (again) or q (stop), then Enter")
        self._beep = tone(ToneKind.ACCEPT, out.rate)

    def run(self, chosen: list[Utterance]) -> int:
        """Record each of `chosen`; returns how many were kept. Raises RecordingStopped."""
        kept = 0
        keep, again, stop = (self.vocabulary.say(c) for c in (Command.NEXT, Command.REPEAT, Command.STOP))
        self.say(self.words.recording_intro(keep, again, stop))
        for number, utterance in enumerate(chosen, 1):
            self.show(f"[{number}/{len(chosen)}] {utterance.what}:\n    {utterance.text}")
            if self._record_one(utterance, keep, again):
                kept += 1
        return kept

    def _record_one(self, utterance: Utterance, keep: str, again: str) -> bool:
        while True:
            try:
                return self._takes_until_kept(utterance, keep, again)
            except AudioUnavailable as exc:
                self._wait_for_sound(str(exc))

    def _wait_for_sound(self, why: str) -> None:
        """Try the output and the microphone until both work again; only Ctrl-C ends the wait."""
        self.show(f"  {self.words.waiting_for_sound(why)}")
        retry = threading.Event()
        while not self._sound_works():
            retry.wait(REOPEN_RETRY_SECONDS)
        self.show(f"  {self.words.SOUND_BACK}")

    def _sound_works(self) -> bool:
        if not self.prompter.out.reopen():
            return False
        try:
            microphone = Microphone(self.prompter.input_device, rate=RECORD_RATE)
        except AudioUnavailable:
            return False
        try:
            next(microphone.chunks(), None)
            return True
        except AudioUnavailable:
            return False
        finally:
            microphone.close()

    def _takes_until_kept(self, utterance: Utterance, keep: str, again: str) -> bool:
        empty = 0
        while True:
            self.say(utterance.text)
            self.play(self._beep)
            clip = polish(self.take(utterance.text))
            if clip is None:
                empty += 1
                if empty >= EMPTY_TAKES:
                    self.show(f"  {self.words.NOTHING_HEARD_PASSING}")
                    return False
                self.say(self.words.HEARD_NOTHING)
                continue
            self.show(f"  {self.words.recorded(clip.duration)}")
            self.play(clip)
            answer = self.ask(self.words.keep_question(keep, again))
            if answer is Command.NEXT:
                try:
                    self.recordings.keep(utterance.text, clip)
                except OSError as exc:
                    raise VoiceguideError(f"cannot store the recording in {self.recordings.folder}: "
                                          f"{exc.strerror or exc}") from None
                self.show(f"  {self.words.KEPT}")
                return True
            self.show(f"  {self.words.AGAIN}")

    def take(self, text: str) -> Clip:
        """Record until the user has finished the sentence (or the length limit for it)."""
        limit = min(60.0, max(10.0, 3 * estimate_seconds(text, self.speech.rate) + 3))
        end = TakeEnd(RECORD_RATE, limit)
        parts = []
        microphone = Microphone(self.prompter.input_device, rate=RECORD_RATE)
        self.show(f"  {self.words.SPEAK_NOW}")
        try:
            for pcm, _at in microphone.chunks():
                samples = from_pcm16(pcm).astype(np.float32)
                parts.append(samples)
                if end.feed(samples):
                    break
        finally:
            microphone.close()
        return Clip(np.concatenate(parts) if parts else np.zeros(0, np.float32), RECORD_RATE)

    def ask(self, question: str) -> Command:
        """keep, again or stop, by voice or typed; asks again if no one answers."""
        for _ in range(ASKS):
            self.say(question)
            self.show(f"  {self.words.typed_answers(question)}")
            answer = self.prompter.listen(self.engine, self.vocabulary, ANSWER_SECONDS, self.typed)
            if answer is Command.STOP:
                raise RecordingStopped("stopped; everything kept so far is saved")
            if answer is not None:
                return answer
        raise RecordingStopped("no answer; everything kept so far is saved")
