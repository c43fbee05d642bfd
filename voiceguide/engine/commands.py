"""The commands a user can give, and the one place that decides what a spoken phrase means.

Keys, voice engines and tests all produce `Command` values; nothing else in the program looks
at recognised text. A Vocabulary can also give other meanings to its phrases (a pain rating
answered by voice is a number).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field


class Command(str, enum.Enum):
    PAUSE = "pause"
    RESUME = "resume"
    NEXT = "next"
    PREVIOUS = "previous"
    REPEAT = "repeat"
    STOP = "stop"
    SLOWER = "slower"
    FASTER = "faster"
    MORE = "more"
    ENOUGH = "enough"
    UNDO = "undo"
    STATUS = "status"
    HELP = "help"
    START_OVER = "start_over"
    """From the very beginning of the routine: the answer to "welcome back", or any time."""


OPTIONAL_COMMANDS = frozenset({Command.START_OVER})
"""Commands a language's phrases may leave out (added after configs with their own languages
were written): without phrases, its key still works and the offer asks for "next" instead."""


@dataclass(frozen=True)
class Order:
    """A command on its way to the session: a key's at once, a spoken one with when it was said
    (on the session's clock), since recognising it takes time and the session may have moved on."""

    command: Command
    said: float | None = None


_PUNCTUATION = re.compile(r"[^\w\s']+")


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces: how phrases are compared."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


class Vocabulary:
    """Phrases for each meaning (a Command, mostly) in one language; a phrase means exactly one thing."""

    def __init__(self, phrases: Mapping[Hashable, Sequence[str]]):
        self.phrases = {meaning: tuple(normalise(p) for p in items) for meaning, items in phrases.items()}
        self._by_phrase: dict[str, Hashable] = {}
        for meaning, items in self.phrases.items():
            for phrase in items:
                owner = self._by_phrase.setdefault(phrase, meaning)
                if owner != meaning:
                    raise ValueError(f"the phrase {phrase!r} is given for both '{_label(owner)}' and '{_label(meaning)}'")

    def match(self, text: str) -> Hashable | None:
        """What a whole utterance means, or None for anything else."""
        return self._by_phrase.get(normalise(text))

    def all_phrases(self) -> list[str]:
        return sorted(self._by_phrase)

    def say(self, meaning: Hashable) -> str:
        """The phrase to tell the user for a meaning (its first one)."""
        items = self.phrases.get(meaning) or (_label(meaning),)
        return items[0]


def _label(meaning: Hashable) -> str:
    return meaning.value if isinstance(meaning, Command) else str(meaning)


def named_words(words: Sequence[str], most: int = 5) -> str:
    """Words for a message: the first few quoted, then how many more."""
    shown = ", ".join(repr(word) for word in words[:most])
    return shown + (f" and {len(words) - most} more" if len(words) > most else "")


@dataclass(frozen=True)
class Inputs:
    """How the user can answer, so that prompts name what works: "say resume", "press space",
    "type resume", or two of them. A prompt never asks for a voice nobody is listening to."""

    voice: bool = True
    keys: Mapping[Command, str] = field(default_factory=dict)
    """The key for a command, where the terminal's keys are read."""
    typed: bool = False
    """Commands typed as lines (input that is not a terminal)."""

    def ways(self, command: Command, phrase: str) -> list[tuple[str, str]]:
        """How `command` can be given, for a language's wording to name: ("say", phrase),
        ("press", key), ("type", phrase)."""
        ways = [("say", phrase)] if self.voice else []
        if command in self.keys:
            ways.append(("press", self.keys[command]))
        elif self.typed and not self.voice:  # lines on a pipe are for scripts: named only when nothing else works
            ways.append(("type", phrase))
        return ways or [("say", phrase)]
