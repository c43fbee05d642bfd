"""What recognition engines share: audio in as plain 16 kHz chunks, words out as `Heard` events.

An engine only turns audio into words restricted to the command vocabulary; what the words mean,
and when to act on them, is decided by the listener (listener.py), the same for every engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voiceguide.errors import VoiceguideError

SAMPLE_RATE = 16000
"""Hertz, mono, 16-bit: what every engine is fed."""
CHUNK_SECONDS = 0.05
"""Audio fed to the engine at a time: the granularity of decisions."""


class RecognizerUnavailable(VoiceguideError):
    """An engine that cannot run here: not installed, no model, a broken or wrong-language model."""


@dataclass(frozen=True)
class Heard:
    """Words an engine has heard so far in the current utterance."""

    text: str
    final: bool
    """True once the engine has closed the utterance (after its end-of-speech silence)."""
    at: float
    """Seconds of audio fed when this was known: where in the stream the decision could be made."""
    end: float | None = None
    """Final results: where in the stream the last word ended."""


class Engine(Protocol):
    name: str
    description: str
    """Shown at start: the engine and the model in use."""
    transcribes: bool
    """It hears any words (Whisper), so what it makes of the narration's leftovers is the
    narration's own words; an engine held to the phrases (vosk's grammar, pocketsphinx's small
    language model) makes some phrase of any sound."""

    def accept(self, pcm: bytes, at: float, heard_as_is: bytes | None = None) -> list[Heard]:
        """Feed 16-bit mono PCM at SAMPLE_RATE with the room's steady noise taken out; `at` is the
        stream time at its end. `heard_as_is` is the same stretch before the noise suppressor, for
        an engine that understands words better through noise than through the suppressor."""

    def finish(self, at: float) -> list[Heard]:
        """The stream has ended: close any open utterance."""
