"""Asking the user one thing at a time, out loud, and taking the answer by voice (or typed).

The recorder ("keep or again?") and the player's pain ratings ("how is the pain, zero to ten?")
ask the same way: say the question, wait for it to finish playing, then open the microphone
until an answer from the question's own small vocabulary is heard. Nothing else plays while the
microphone is open, so no echo canceller is needed; a typed answer, where one can be typed,
counts as well.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from typing import TextIO

import numpy as np

from voiceguide.audio.clips import Clip, resample
from voiceguide.audio.devices import AudioUnavailable
from voiceguide.engine.commands import Vocabulary, normalise
from voiceguide.listening.listener import PhraseDecider, detections
from voiceguide.listening.microphone import Microphone
from voiceguide.listening.recognition import Engine
from voiceguide.speech.narrator import Narrator
from voiceguide.speech.output import AudioOut
from voiceguide.speech.synthesis import SynthesisError


class TypedAnswers:
    """Answers typed as lines, read on a thread so that voice and keys are waited on together."""

    def __init__(self, stream: TextIO, keys: Mapping[str, Hashable]):
        """`keys`: what each typed line (normalised) means."""
        self.answers: queue.SimpleQueue[Hashable] = queue.SimpleQueue()
        self.keys = keys
        threading.Thread(target=self._read, args=(stream,), daemon=True, name="typed-answers").start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            answer = self.keys.get(normalise(line))
            if answer is not None:
                self.answers.put(answer)

    def take(self, wait: float = 0.0) -> Hashable | None:
        """An answer typed already, or within `wait` seconds; None if there is none."""
        try:
            return self.answers.get(timeout=wait) if wait > 0 else self.answers.get_nowait()
        except queue.Empty:
            return None


class Prompter:
    """Says things through the output and listens for one answer at a time."""

    def __init__(self, narrator: Narrator, out: AudioOut, *, volume: float, warn: Callable[[str], None],
                 input_device: str = "", wake_word: str = ""):
        self.narrator, self.out, self.volume, self.warn = narrator, out, volume, warn
        self.input_device, self.wake_word = input_device, wake_word

    def say(self, text: str) -> None:
        """Speak `text` and wait until it has played."""
        try:
            self.play(self.narrator.clip(text))
        except SynthesisError as exc:
            self.warn(f"cannot speak {text!r} ({exc})")

    def play(self, clip: Clip) -> None:
        samples = resample(clip, self.out.rate).samples * np.float32(self.volume)
        self.out.play(samples, time.monotonic() + 0.05)
        if not self.out.wait_idle(timeout=clip.duration + 5.0):
            raise AudioUnavailable(f"the audio output stopped ({self.out.failed or 'no longer responding'})")

    def listen(self, engine: Engine | None, vocabulary: Vocabulary, seconds: float,
               typed: TypedAnswers | None = None) -> Hashable | None:
        """The first answer within `seconds`, spoken (if there is an engine) or typed; None if none.
        Raises AudioUnavailable if the microphone fails."""
        if engine is None:
            return typed.take(wait=seconds) if typed is not None else None
        typed_first: list[Hashable] = []
        microphone = Microphone(self.input_device)

        def sound_until_typed():
            for chunk in microphone.chunks(seconds):
                answer = typed.take() if typed is not None else None
                if answer is not None:
                    typed_first.append(answer)
                    return
                yield chunk

        try:
            decider = PhraseDecider(vocabulary, wake_word=self.wake_word)
            # the engine's own end of speech, not the listener's quicker guess: an answer has no
            # hurry, and real voices (shared/speech) were cut short mid-word by the quicker one
            for found in detections(engine, decider, sound_until_typed()):
                return found.meaning
        finally:
            microphone.close()
            engine.finish(0.0)  # an answer heard mid-utterance leaves nothing behind for the next
        return typed_first[0] if typed_first else None


ANSWER_WORDS = 3
"""The longest utterance an answer is looked for inside: longer ones are someone else talking."""


class AnswerVocabulary(Vocabulary):
    """The answers to a question. Asked something, people answer with more than the bare word
    ("I'd say four", "uh, keep it"): failing a whole phrase, the one answer said among a few
    other words counts; two different ones ("four or five") count as none. (Letting longer
    utterances count took 11 answers from 3.6 minutes of people talking in shared/speech.)"""

    def match(self, text: str) -> Hashable | None:
        whole = super().match(text)
        if whole is not None:
            return whole
        words = normalise(text).split()
        if len(words) > ANSWER_WORDS:
            return None
        found = {self.match(phrase) for phrase in self.all_phrases() if _contains(words, phrase.split())}
        return found.pop() if len(found) == 1 else None


def _contains(words: list[str], phrase: list[str]) -> bool:
    return any(words[start:start + len(phrase)] == phrase for start in range(len(words) - len(phrase) + 1))
