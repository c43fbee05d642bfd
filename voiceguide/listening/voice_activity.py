"""Which audio frames hold speech: WebRTC's voice-activity detector, as the pocketsphinx wheel
carries it, behind the endpointer that cuts utterances (endpointing.py). Both the pocketsphinx and
the Whisper engines cut their utterances with it."""

from __future__ import annotations

from voiceguide.listening.endpointing import Endpointer
from voiceguide.listening.recognition import SAMPLE_RATE, RecognizerUnavailable


def speech_endpointer() -> Endpointer:
    """An endpointer on 30 ms frames, with the detector at its most permissive setting: a short word
    said softly in noise must still open an utterance (the engines sort out what is not speech)."""
    try:
        from pocketsphinx import Vad
    except ImportError:
        raise RecognizerUnavailable("pocketsphinx (which carries the voice-activity detector) is not installed") from None
    vad = Vad(Vad.LOOSE, SAMPLE_RATE)
    return Endpointer(vad.is_speech, vad.frame_bytes, vad.frame_length)
