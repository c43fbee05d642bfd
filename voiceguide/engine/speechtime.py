"""How long a sentence takes to say, estimated from its words and the speaking rate.

Text mode paces itself with this; the audio narrator replaces it with the measured length of
each rendered clip.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\d+|[A-Za-z']+")
_PAUSE = re.compile(r"[,;:.!?]\s")


def _words_in_number(digits: str) -> int:
    value = int(digits)
    if value < 20:
        return 1
    if value < 100:
        return 1 if value % 10 == 0 else 2
    return 2 + _words_in_number(str(value % 100)) if value % 100 else 2


def estimate_seconds(text: str, words_per_minute: float) -> float:
    """Seconds to speak `text`: words at the rate, plus a short pause at each punctuation mark."""
    words = sum(_words_in_number(t) if t.isdigit() else 1 for t in _TOKEN.findall(text))
    pauses = len(_PAUSE.findall(text + " "))
    return words * 60.0 / words_per_minute + 0.15 * pauses + 0.1
