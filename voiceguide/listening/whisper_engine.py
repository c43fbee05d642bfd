"""The Whisper engine: OpenAI's Whisper tiny.en run with CTranslate2, English commands from real voices.

The only module that imports ctranslate2 and tokenizers. Whisper transcribes whole utterances,
so this engine cuts them itself (voice_activity.py) and transcribes each one when it closes, on
its own or when the listener hears the speaker pause. On the real recordings in shared/speech it
understands about nine commands in ten where pocketsphinx understands six
(shared/recognizer-notes.md; benchmarks/listening.py measures it as `play` runs it). What made
the difference there, each measured:

- an 8 s window instead of Whisper's 30 s (an eighth of the work, the same words; at 3 s the
  decoder repeats itself), greedy decoding, int8 weights, one thread;
- no transcription of blips under MIN_SPEECH_SECONDS (clicks and breaths: most utterances in a
  quiet room, and most of the work, and never a command);
- a result that is not a phrase is held for HOLD_SECONDS, and if the speaker goes on within
  that time the two are transcribed again joined: the listener's pause rule cuts "sto-p" at the
  closure before the "p", and the first half alone is heard as "start";
- digits written as words ("5" is "five") and one phrase said over and over taken once;
- utterances are found in the noise-suppressed signal but transcribed from the microphone's as
  it was: Whisper, trained on noisy speech, hears words through steady noise better than through
  the suppressor's distortion (real commands at 10 dB SNR 87% -> 90%, 5 dB 86% -> 87%; over the
  narration no change), while the endpointer needs the noise out to find where speech ends.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voiceguide.audio.clips import from_pcm16
from voiceguide.engine.commands import Vocabulary, normalise
from voiceguide.listening.endpointing import WholeFrames
from voiceguide.listening.log_mel import log_mel
from voiceguide.listening.recognition import SAMPLE_RATE, Heard, RecognizerUnavailable
from voiceguide.listening.voice_activity import speech_endpointer
from voiceguide.listening.whisper_model import verify

WINDOW_SECONDS = 8.0
"""The encoder's window: an utterance is padded with silence to this length."""
MIN_SPEECH_SECONDS = 0.12
"""Utterances with less voiced audio than this are not transcribed."""
HOLD_SECONDS = 0.4
"""How long a result that is no phrase waits for the speaker to go on (then it is transcribed
again joined with what follows). 0.3 s lost two "stop"s in 33 in the notes' measurement."""
RETRY_SECONDS = 0.1
"""An utterance tried at the speaker's pause is tried again when it ends if it has gone on this
much longer since."""
MAX_UTTERANCE_SECONDS = 3.0
"""Only the last this many seconds of an utterance are kept: every phrase fits with room to
spare, and in steady noise, where the detector hears speech everywhere, the command is at the end."""
TOKENS_PER_PHRASE_TOKEN = 2
"""Transcripts are cut at this many times the longest phrase's tokens (and a few more): a longer
one is talk, not a phrase, and Whisper's decoder costs a step per token. (At a fixed 24 tokens,
the other words in shared/speech, which it often turns into a sentence, cost four times the
commands.) Twice leaves room for a phrase said over and over ("five five five")."""
DIGITS = {str(number): word for number, word in enumerate(
    "zero one two three four five six seven eight nine ten".split())}
"""Whisper writes numbers as digits; the vocabulary has them as words."""


def _runtime():
    try:
        import ctranslate2
        import tokenizers
    except ImportError as exc:
        raise RecognizerUnavailable(f"the Whisper runtime is not installed ({exc.name}; pip install ctranslate2 "
                                    "tokenizers)") from None
    return ctranslate2, tokenizers


def words_of(text: str) -> str:
    """A transcript as the vocabulary spells phrases: normalised, digits as words, and a phrase
    repeated back to back ("no no", "star star star") said once."""
    words = [DIGITS.get(word, word) for word in normalise(text.replace("-", " ")).split()]
    for size in range(1, len(words) // 2 + 1):
        if len(words) % size == 0 and words == words[:size] * (len(words) // size):
            return " ".join(words[:size])
    return " ".join(words)


@dataclass
class _Held:
    """A result that is not a phrase, waiting to be joined with what the speaker says next."""

    audio: bytes
    until: float
    """Engine time after which, if the speaker has not gone on, it is given up."""
    text: str
    end: float
    since: bytearray = field(default_factory=bytearray)
    """Every frame heard since, so the join is the stream as it was."""


class WhisperEngine:
    name = "whisper"
    transcribes = True

    def __init__(self, folder: Path, vocabulary: Vocabulary, extra_words: tuple[str, ...] = (), *,
                 pinned: bool = True):
        """`pinned`: the folder should hold the pinned tiny.en files (whisper_model.py), checked
        before loading; a folder the user named may hold another conversion."""
        ctranslate2, tokenizers = _runtime()
        if pinned:
            verify(folder)
        try:
            self._model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8",
                                                     intra_threads=1, inter_threads=1)
            self._tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise RecognizerUnavailable(f"cannot load the Whisper model in {folder} ({exc})") from None
        self._storage = ctranslate2.StorageView
        special = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
        if not self._model.is_multilingual:
            special = [special[0], special[-1]]
        self._prompt = [self._tokenizer.token_to_id(token) for token in special]
        self._end_of_text = self._tokenizer.token_to_id("<|endoftext|>")
        if None in self._prompt or self._end_of_text is None:
            raise RecognizerUnavailable(f"{folder} does not hold a Whisper tokenizer")
        self._vocabulary, self._wake = vocabulary, " ".join(extra_words)
        longest = max((len(self._tokenizer.encode(f" {self._wake} {phrase}?".replace("  ", " "),
                                                  add_special_tokens=False).ids)
                       for phrase in vocabulary.all_phrases()), default=4)
        self._max_tokens = len(self._prompt) + TOKENS_PER_PHRASE_TOKEN * longest + 4
        self._endpointer = speech_endpointer()
        self._frame_seconds = self._endpointer.frame_bytes / 2 / SAMPLE_RATE
        self._as_is_frames = WholeFrames(self._endpointer.frame_bytes)
        self._recent_as_is: collections.deque[bytes] = collections.deque(maxlen=self._endpointer.window_frames)
        self._time = 0.0  # engine time: the end of the last frame taken in
        self._utterance = bytearray()
        self._voiced_seconds = 0.0
        self._last_voiced = 0.0
        self._held: _Held | None = None
        self._tried_at: float | None = None  # engine time of the last try of this utterance
        self._rearmed = False  # the speaker went on after it
        self._text = ""  # what that try heard
        self.description = "Whisper tiny.en (CTranslate2), English" if pinned else f"Whisper, model {folder}"

    def accept(self, pcm: bytes, at: float, heard_as_is: bytes | None = None) -> list[Heard]:
        """Utterances are cut from `pcm` and transcribed from `heard_as_is` (from `pcm` without it)."""
        heard: list[Heard] = []
        frames = self._endpointer.whole_frames(pcm)
        as_is = self._as_is_frames.of(heard_as_is) if heard_as_is is not None else frames
        for frame, frame_as_is in zip(frames, as_is, strict=True):
            self._time += self._frame_seconds
            self._recent_as_is.append(frame_as_is)
            was_open = self._endpointer.in_speech
            opened = self._endpointer.process(frame)
            if self._held is not None:
                self._held.since += frame_as_is
                if len(self._held.since) > 2 * SAMPLE_RATE * (HOLD_SECONDS + MAX_UTTERANCE_SECONDS):
                    self._held = None  # the speaker went on far too long for one phrase
            if opened is None:
                continue
            audio = b"".join(list(self._recent_as_is)[-(len(opened) // len(frame)):])
            if not was_open:
                self._utterance, self._voiced_seconds, self._tried_at, self._text = bytearray(), 0.0, None, ""
                heard.append(Heard("…", final=False, at=at))  # words to come: the listener may close it
            self._keep(audio)
            if self._endpointer.voiced:
                self._voiced_seconds += self._frame_seconds
                self._last_voiced = self._time
                if self._tried_at is not None and not self._rearmed:
                    self._rearmed = True
                    heard.append(Heard(self._text or "…", final=False, at=at))  # speaking on: try again at the next pause
            if not self._endpointer.in_speech:
                heard += self._close(at)
        if self._held is not None and not self._endpointer.in_speech and self._time > self._held.until:
            heard.append(Heard(self._held.text, final=True, at=at, end=self._held.end))
            self._held = None
        return heard

    def finish(self, at: float) -> list[Heard]:
        """The speaker paused: try the utterance so far. A phrase ends it; anything else leaves it
        open, to be tried again at the next pause or when it ends. (The pause rule can cut a word
        at a stop consonant: "sto-p" tried at the closure was "start" where the whole was "stop";
        on shared/speech's real commands this took 88% to 94%.)"""
        if not self._endpointer.in_speech or self._tried_at == self._time:
            return []
        heard = self._try(at)
        if heard:
            self._endpointer.end()
        return heard

    def _close(self, at: float) -> list[Heard]:
        """The utterance has ended: a phrase in it, or its words held for the speaker going on."""
        heard = self._try(at) if self._tried_at is None or self._time - self._tried_at >= RETRY_SECONDS else []
        if not heard and self._text:
            self._held = _Held(bytes(self._utterance), self._last_voiced + HOLD_SECONDS, self._text, self._last_voiced)
        elif heard or self._voiced_seconds >= MIN_SPEECH_SECONDS:
            self._held = None  # joined once at most
        return heard

    def _try(self, at: float) -> list[Heard]:
        """The phrase the utterance holds, joined with a result held from just before or alone."""
        self._tried_at, self._rearmed = self._time, False
        if self._held is not None:  # even a blip: it may be the release of the "p" in "stop"
            joined = self.transcribe(self._held.audio + bytes(self._held.since))
            if self._is_phrase(joined):
                held, self._held = self._held, None
                return [Heard(joined, final=True, at=at, end=self._joined_end(held))]
        if self._voiced_seconds < MIN_SPEECH_SECONDS:
            return []
        self._text = self.transcribe(bytes(self._utterance))
        return [Heard(self._text, final=True, at=at, end=self._last_voiced)] if self._is_phrase(self._text) else []

    def _joined_end(self, held: _Held) -> float:
        """Where the phrase found in a joined decode ended: in what followed the held words if
        that is a blip (the "p" of "sto-p") or a phrase alone, else in the held words. Over the
        narration what follows can be seconds of its leftovers: ending the phrase there made a "no"
        decided 2.7 s after it was said look 0.5 s old, and its own sound fall out of the judge's
        window."""
        if self._voiced_seconds < MIN_SPEECH_SECONDS or self._is_phrase(self.transcribe(bytes(self._utterance))):
            return self._last_voiced
        return held.end

    def _keep(self, audio: bytes) -> None:
        self._utterance += audio
        excess = len(self._utterance) - int(MAX_UTTERANCE_SECONDS * SAMPLE_RATE) * 2
        if excess > 0:
            del self._utterance[:excess]

    def _is_phrase(self, text: str) -> bool:
        """Whether any run of the words means something to the vocabulary (after the wake word,
        if one is set): the listener decides what the words around a phrase mean. Over the
        narration a phrase comes with its leftovers before and after it ("reading slow stop");
        waiting for words that are a phrase alone kept it unheard until the narration ended."""
        if self._wake:
            if not text.startswith(self._wake + " "):
                return False
            text = text[len(self._wake) + 1:]
        words = text.split()
        return any(self._vocabulary.match(" ".join(words[start:end])) is not None
                   for start in range(len(words)) for end in range(start + 1, len(words) + 1))

    def transcribe(self, pcm: bytes) -> str:
        """The words in 16-bit PCM audio (its last WINDOW_SECONDS), as words_of spells them."""
        samples = from_pcm16(pcm)[-int(WINDOW_SECONDS * SAMPLE_RATE):]
        features = self._storage.from_array(np.ascontiguousarray(log_mel(samples, WINDOW_SECONDS)[None]))
        result = self._model.generate(features, [self._prompt], beam_size=1, max_length=self._max_tokens)[0]
        return words_of(self._tokenizer.decode([token for token in result.sequences_ids[0]
                                                if token < self._end_of_text]))
