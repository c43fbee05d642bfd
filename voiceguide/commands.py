"""The commands a user can give, and the one place that decides what a spoken phrase means.

Keys, voice engines and tests all produce `Command` values; nothing else in the program looks
at recognised text.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence


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


_PUNCTUATION = re.compile(r"[^\w\s']+")


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces: how phrases are compared."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


class Vocabulary:
    """Phrases for each command in one language; a phrase means exactly one command."""

    def __init__(self, phrases: Mapping[Command, Sequence[str]]):
        self.phrases = {command: tuple(normalise(p) for p in items) for command, items in phrases.items()}
        self._by_phrase: dict[str, Command] = {}
        for command, items in self.phrases.items():
            for phrase in items:
                owner = self._by_phrase.setdefault(phrase, command)
                if owner is not command:
                    raise ValueError(f"the phrase {phrase!r} is given for both '{owner.value}' and '{command.value}'")

    def match(self, text: str) -> Command | None:
        """The command a whole utterance means, or None for anything else."""
        return self._by_phrase.get(normalise(text))

    def all_phrases(self) -> list[str]:
        return sorted(self._by_phrase)

    def say(self, command: Command) -> str:
        """The phrase to tell the user for a command (its first one)."""
        items = self.phrases.get(command) or (command.value,)
        return items[0]


def named_words(words: Sequence[str], most: int = 5) -> str:
    """Words for a message: the first few quoted, then how many more."""
    shown = ", ".join(repr(word) for word in words[:most])
    return shown + (f" and {len(words) - most} more" if len(words) > most else "")
