"""The pocketsphinx engine: the English model inside the pocketsphinx wheel, so voice control works
right after install with nothing to download.

The only module that imports pocketsphinx. Restricting pocketsphinx to the commands alone (a JSGF
grammar) makes it hear a command in any sound, and its keyword spotter needs a threshold per
phrase that nobody can tune for a user's own phrases. So the engine decodes against a small
n-gram language model built here: an utterance is either one command phrase, or any run of
ordinary English words (the fillers, plus the narration's own words when given). The fillers
are the garbage model: "stock", "eight" and a sentence of the narration come out as themselves,
not as "stop", "wait" and "next". One number, COMMAND_SHARE, the prior that an utterance is a
command, sets the balance; it was chosen on the real recordings in shared/speech (see
benchmarks/listening.py and tests/test_pocketsphinx_engine.py).

Utterances are cut by endpointing.py from WebRTC's voice-activity detector (voice_activity.py); the listener
may close one sooner through `finish` when the speaker pauses.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from voiceguide.engine.commands import Vocabulary, named_words, normalise
from voiceguide.listening.recognition import Heard, RecognizerUnavailable
from voiceguide.listening.voice_activity import speech_endpointer

COMMAND_SHARE = 0.05
"""Prior probability that an utterance is a command rather than other words. Through the whole
listener on shared/speech, closing on the speaker's pause as `play` does, 0.05 recognises 62% of
the real "stop"/"no"/"back" clips and takes 2.1% of 699 other clips for a command. With
pocketsphinx's own endpointer (before endpointing.py) 0.1 gave 64% and 4.0%, 0.2 65% and 4.7%,
0.3 67% and 6.3%: each step up buys a few more commands with a much larger share of false ones;
decoded whole, with no endpointer, 0.5 kept 81% and took 14%, 0.005 kept 7%."""
ANSWER_SHARE = 0.3
"""The same prior when the user has just been asked a question (a pain rating, keep or again):
an answer is expected. On the 289 real digits in shared/speech, taken as pain ratings, 0.3
understood 57% on one try when it was chosen (benchmarks/ratings.py), 0.05 about 40% and 0.6
about 62%; but 0.6 took 14% of other single words for an answer, 0.3 took 8%, and no answer came
from 3.6 minutes of people talking. With endpointing.py and a microphone's hiss under the
answers, 0.3 understands 59% on a fresh engine (52% on one that has heard hundreds) and takes
5.3% of other words; 0.5 understands 64% (56%) but takes 11.4%."""
FRAMES_PER_SECOND = 100

FILLER_WORDS = """
a about after again against ah all also am an and any appear are around as ask at away bad be
because bed been before being best better between big bit both bring but buy by call came can
care case change child cold come could cut day dear did die do does doing done down during each
early eight eleven even every eye face fact fall far feel fine first five follow for four free
from get give go going gone good got great ground group had hand happen happy has have he head
hear hello her here hi high him his home hot house how i if in into is it its just keep kind
know large last late lead learn leave left let life light like little live long look lot love
low made make man many may me mean meet might mine money morning move much must my near need
never new nice night nine no not now number of off oh ok okay old on once one only open or
other our out over own part people place play point problem put reach read real really right
room run said same saw say see seem send serve set seven she shop short should show side sit
six small so some something soon sort sound speak spend stand start stay step still stock stone
story stuff such sure take talk tell ten than thank thanks that the their them then there these
they thing think third this those though three through time to today told too top tree try turn
twelve two uh um under understand until up us use very walk want warm was watch water way we
week well went were what when where which while who why will win wish with without woman word
work world would write yeah year yes yet you your zero
""".split()
"""Ordinary English words that compete with the commands (ours, not from any test set). Any of
them that is also a command word is left out when the model is built."""


def _pocketsphinx():
    try:
        import pocketsphinx
    except ImportError:
        raise RecognizerUnavailable("pocketsphinx is not installed (pip install pocketsphinx)") from None
    return pocketsphinx


def command_language_model(phrases: Iterable[str], fillers: Iterable[str], share: float = COMMAND_SHARE) -> str:
    """ARPA text of a bigram model: <s> PHRASE </s> with probability `share`, else filler words.

    Fillers share 1 - `share` at the start and loop freely through the unigram back-off; command
    words reached by back-off are as rare as any filler, so "stop" inside a sentence stays a
    filler-run, not a command. Every word is as likely as one of the built-in fillers, however
    many words are given: spreading the same mass over the narration's words too made every
    sentence less likely and tilted the balance towards the commands (on a rendered routine and
    shared/speech's sentences: 8 false commands against 2 this way, at the same accuracy).
    """
    phrases = [normalise(p).split() for p in phrases]
    command_words = sorted({word for words in phrases for word in words})
    filler_words = sorted(set(fillers) - set(command_words))
    every_word = command_words + filler_words
    unigram = math.log10(0.9 / len(set(FILLER_WORDS) | set(command_words)))
    follows: dict[str, dict[str, int]] = {}
    for words in phrases:
        path = ["<s>", *words, "</s>"]
        for before, after in itertools.pairwise(path):
            follows.setdefault(before, {}).setdefault(after, 0)
            follows[before][after] += 1
    lines = ["\\data\\", f"ngram 1={len(every_word) + 2}", f"ngram 2={sum(len(v) for v in follows.values())}",
             "", "\\1-grams:", f"{math.log10(0.1):.4f} </s> 0", f"-99 <s> {math.log10(1 - share):.4f}"]
    half = math.log10(0.5)
    lines += [f"{unigram:.4f} {word} {half if word in follows else 0.0:.4f}" for word in every_word]
    lines += ["", "\\2-grams:"]
    for before, afters in follows.items():
        mass = share if before == "<s>" else 0.5
        total = sum(afters.values())
        lines += [f"{math.log10(mass * count / total):.4f} {before} {after}" for after, count in afters.items()]
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


@functools.cache
def _pronunciations(path: str) -> dict[str, list[str]]:
    """The pronunciation dictionary's lines by word (alternates like "read(2)" under "read")."""
    lines: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                lines.setdefault(line.split(" ", 1)[0].split("(", 1)[0], []).append(line)
    return lines


class PocketsphinxEngine:
    name = "pocketsphinx"
    transcribes = False

    def __init__(self, vocabulary: Vocabulary, extra_words: tuple[str, ...] = (), other_words: Iterable[str] = (),
                 share: float = COMMAND_SHARE):
        """`extra_words` go before every phrase (a wake word); `other_words` join the fillers."""
        ps = _pocketsphinx()
        model = ps.get_model_path()
        known = _pronunciations(os.path.join(model, "en-us", "cmudict-en-us.dict"))
        wake = " ".join(extra_words)
        phrases = [f"{wake} {phrase}".strip() for phrase in vocabulary.all_phrases()]
        needed = {word for phrase in phrases for word in phrase.split()}
        missing = sorted(needed - known.keys())
        if missing:
            raise RecognizerUnavailable(
                f"the pocketsphinx English model does not know {named_words(missing)}: "
                "phrases in another language need a vosk model for it (see models/README.md)")
        fillers = (set(FILLER_WORDS) | set(" ".join(map(normalise, other_words)).split())) & known.keys()
        with tempfile.TemporaryDirectory(prefix="voiceguide-ps-") as folder:
            # Only the words in use: loading the whole 130k-word dictionary takes two seconds.
            language_model, dictionary = Path(folder, "commands.arpa"), Path(folder, "commands.dict")
            language_model.write_text(command_language_model(phrases, fillers, share), encoding="utf-8")
            dictionary.write_text("".join(line for word in sorted(needed | fillers) for line in known[word]),
                                  encoding="utf-8")
            try:
                self._decoder = ps.Decoder(hmm=os.path.join(model, "en-us", "en-us"), dict=str(dictionary),
                                           lm=str(language_model), logfn=os.devnull)
            except Exception as exc:  # noqa: BLE001 - the binding raises RuntimeError with no detail
                raise RecognizerUnavailable(f"cannot load the pocketsphinx English model ({exc})") from None
        self._endpointer = speech_endpointer()
        self._utterance_start: float | None = None
        self.description = "pocketsphinx, built-in US English model"

    def accept(self, pcm: bytes, at: float, heard_as_is: bytes | None = None) -> list[Heard]:
        heard: list[Heard] = []
        for frame in self._endpointer.whole_frames(pcm):
            speech = self._endpointer.process(frame)
            if speech is not None and self._utterance_start is None:
                self._utterance_start = self._endpointer.speech_start
                self._decoder.start_utt()
            if speech is not None:
                self._decoder.process_raw(speech)
            if self._utterance_start is not None and not self._endpointer.in_speech:
                heard += self._close(at)
        if self._utterance_start is not None:
            partial = self._decoder.hyp()
            if partial is not None and partial.hypstr:
                heard.append(Heard(partial.hypstr, final=False, at=at))
        return heard

    def finish(self, at: float) -> list[Heard]:
        if self._utterance_start is None:
            return []
        self._endpointer.end()
        return self._close(at)

    def _close(self, at: float) -> list[Heard]:
        self._decoder.end_utt()
        start, self._utterance_start = self._utterance_start, None
        hypothesis = self._decoder.hyp()
        if hypothesis is None or not hypothesis.hypstr:
            return []
        words = [seg for seg in self._decoder.seg() if not seg.word.startswith(("<", "["))]
        end = start + (words[-1].end_frame + 1) / FRAMES_PER_SECOND if words else None
        return [Heard(hypothesis.hypstr, final=True, at=at, end=end)]
