"""Where an utterance starts and ends, from a voice-activity detector's verdict on each frame.

pocketsphinx's own endpointer uses one rule both ways: an utterance opens when 90% of a 0.3 s
window is voiced, and closes when 90% of it is not. In noise a short word ("no", "stop") rarely
has nine voiced frames in ten, so it never opened; loosening that ratio also closed utterances
inside words, at the silent stop before the "p" of "stop". And it holds back its window, so the
decoder is always 0.3 s behind. This endpointer opens at the first voiced frame, hands over
the window of audio before it (the word's onset), then passes every frame on as it comes, and
closes once the window is mostly quiet. On the real "stop"/"no"/"back" recordings in shared/speech,
through the whole listener closing on the speaker's pause, as `play` does:
- one clip at a time: clean 58% -> 62%; pink noise 20 dB under the voice 43% -> 58%, 10 dB under
  30% -> 45%; other words taken for commands 2.4% -> 2.1% of 699;
- as a session hears them, all laid end to end over a microphone's hiss (-70 dBFS), averaged over
  five alignments of benchmarks/listening.py's stream: quiet room 59% -> 63% (p95 from the end of
  the word 270 -> 170 ms), a louder hiss (-50 dBFS) 52% -> 60%, pink noise at 20 dB SNR
  40% -> 57%, at 10 dB 25% -> 37%; other words taken for commands 21 -> 16 of 699.
Pain ratings (benchmarks/ratings.py, the engine's own end of speech): a fresh engine, as for a
session's first answer, 54% -> 59% of 289 digits; one that has heard hundreds of answers
56% -> 52%; other words taken for an answer 6.6% -> 5.3%.

It first landed before denoise.py left faint noise alone, and was taken out again: under the hiss
it did worse (44% -> 39%), as it fed the decoder more of the near-silence the suppressor made.

Pure logic: the detector is passed in, so this imports no audio library.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

WINDOW_SECONDS = 0.3
"""How much audio before the first voiced frame goes with the utterance, and how long a stretch
closing looks at."""
QUIET_SHARE = 0.9
"""An utterance closes when this share of the window's frames are not voiced."""


class WholeFrames:
    """Cuts a stream fed in any amounts into whole frames, keeping what is left over."""

    def __init__(self, frame_bytes: int):
        self.frame_bytes = frame_bytes
        self._pending = b""

    def of(self, pcm: bytes) -> list[bytes]:
        self._pending += pcm
        whole = len(self._pending) - len(self._pending) % self.frame_bytes
        frames, self._pending = self._pending[:whole], self._pending[whole:]
        return [frames[offset:offset + self.frame_bytes] for offset in range(0, whole, self.frame_bytes)]


class Endpointer:
    """Feed it whole frames; it says which audio belongs to an utterance, with no delay."""

    def __init__(self, is_speech: Callable[[bytes], bool], frame_bytes: int, frame_seconds: float):
        self.frame_bytes = frame_bytes
        self._is_speech = is_speech
        self._frame_seconds = frame_seconds
        self.window_frames = max(2, round(WINDOW_SECONDS / frame_seconds))
        """The most frames `process` hands over at once (on opening)."""
        self._window: collections.deque[tuple[bytes, bool]] = collections.deque(maxlen=self.window_frames)
        self._frames_seen = 0
        self._frames = WholeFrames(frame_bytes)
        self.in_speech = False
        self.voiced = False
        """The detector's verdict on the last frame."""
        self.speech_start: float | None = None
        """Seconds into the stream where the current (or last) utterance's audio begins."""

    def whole_frames(self, pcm: bytes) -> list[bytes]:
        """`pcm` as whole frames to `process`, keeping what is left over for the next call."""
        return self._frames.of(pcm)

    def process(self, frame: bytes) -> bytes | None:
        """The audio to decode for this frame: on opening, the window up to and including it;
        within an utterance, the frame itself (also the one that closes it); otherwise None."""
        voiced = self.voiced = self._is_speech(frame)
        self._window.append((frame, voiced))
        self._frames_seen += 1
        if not self.in_speech:
            if not voiced:
                return None
            self.in_speech = True
            self.speech_start = (self._frames_seen - len(self._window)) * self._frame_seconds
            return b"".join(audio for audio, _ in self._window)
        quiet = sum(not was_voiced for _, was_voiced in self._window)
        if len(self._window) == self.window_frames and quiet >= QUIET_SHARE * self.window_frames:
            self.end()
        return frame

    def end(self) -> None:
        """Close the utterance now (the listener heard the speaker pause); the next voiced frame
        opens another."""
        self.in_speech = False
        self._window.clear()
