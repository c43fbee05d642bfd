"""The output `play` opens first, on a thread, while the player is still being imported.

Importing the player (numpy, the narrator, the listener) takes a few hundred milliseconds, and
opening the device another fifty, all before the session's first cue could go out and then wait
behind the device's buffer. Opened here, the device starts while the rest loads, and its first
block carries the start tone: the user hears that voiceguide has started within half a second of
asking. The routine's title follows the tone at once when its clip is already made (every session
after the first): the session, once ready, opens with it already under way instead of waiting
behind the buffer. Kept light: nothing heavy is imported until the thread runs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceguide.audio.devices import LOAD_WITHIN_SECONDS, AudioUnavailable
from voiceguide.engine.program import title_line
from voiceguide.format.routine import Routine
from voiceguide.userdata import paths
from voiceguide.userdata.config import Config

HEAD_START_SECONDS = 0.3
"""How long the command waits for the output before importing the player. Imports hold the GIL:
run beside the opening (numpy, PortAudio, the stream: about 0.15 s alone) they would halve its
pace and delay the start tone, while the words would come no sooner, since the work is the same.
A sound system slow to answer costs no more than this before the player carries on loading."""
TITLE_AFTER_TONE_SECONDS = 0.1
"""The pause between the start tone and the title said with it."""


@dataclass(frozen=True)
class EarlyWords:
    """Words that went out with the output's opening, before the session began."""

    text: str
    at: float
    """Monotonic time they start at the speaker."""
    duration: float

if TYPE_CHECKING:
    from voiceguide.speech.output import AudioOut


def output_with_start_tone(config: Config) -> AudioOut:
    """The configured output, opened, sounding the start tone at once (unless tones are off)."""
    from voiceguide.speech.output import AudioOut
    from voiceguide.speech.tones import start_tone

    volume = config.speech.volume
    return AudioOut(config.audio.output_device,
                    opening=(lambda rate: start_tone(rate, volume)) if config.audio.tones else None)


class EarlyOutput:
    """The output being opened on its own thread; `take` it once the player needs it. Used as a
    context manager, an output never taken (the command failed or was interrupted first) is closed."""

    def __init__(self, config: Config, routine: Routine | None = None):
        """`routine`: the one about to be played, whose title is said with the opening if its clip
        is ready (not when the session asks about pain first: the question comes first then)."""
        self._opened: list = []
        self._taken = False
        self.words: EarlyWords | None = None
        """The title, when it went out with the opening."""
        title = routine if routine is not None and not config.history.ask_pain else None
        self._thread = threading.Thread(target=self._open, args=(config, title), name="voiceguide-open-output",
                                        daemon=True)
        self._thread.start()
        self._thread.join(HEAD_START_SECONDS)

    def _open(self, config: Config, title: Routine | None) -> None:
        try:
            out = output_with_start_tone(config)
        except AudioUnavailable as exc:
            self._opened.append(exc)
            return
        self._opened.append(out)
        if title is not None:
            self.words = _say_title(out, config, title)

    def take(self) -> AudioOut:
        """The open output; raises AudioUnavailable (with the reason) when there is none."""
        self._thread.join(3 * LOAD_WITHIN_SECONDS)  # loading PortAudio and opening each have that deadline
        if not self._opened:
            raise AudioUnavailable("the sound system is not answering")
        if isinstance(self._opened[0], AudioUnavailable):
            raise self._opened[0]
        self._taken = True
        return self._opened[0]

    def __enter__(self) -> EarlyOutput:
        return self

    def __exit__(self, *exc) -> None:
        if not self._taken and self._opened and not isinstance(self._opened[0], AudioUnavailable):
            self._opened[0].close()


def _say_title(out: AudioOut, config: Config, routine: Routine) -> EarlyWords | None:
    """Play the routine's title right after the opening tone, if its clip is already made (the
    user's own recording, else the narrator's cache); None if it is not."""
    from voiceguide.speech.narrator import ClipStore
    from voiceguide.userdata.recordings import Recordings

    text = title_line(routine)
    store = ClipStore(paths.cache_dir() / "clips", voice=config.speech.voice, rate=config.speech.rate,
                      stream_rate=out.rate, recordings=Recordings.for_routine(routine.id))
    try:
        clip = store.find(text)
    except OSError:
        return None  # an unreadable cache or recording: the session says it as usual
    if clip is None:
        return None
    opening = out.first_block_at if out.first_block_at is not None else out.started + out.latency
    gap = TITLE_AFTER_TONE_SECONDS if out.opening_seconds else 0.0
    at = max(opening + out.opening_seconds + gap,
             out.started + config.audio.lead_in,  # a headset that wakes slowly swallows the tone, not words
             time.monotonic() + out.latency)  # never before it can be heard
    out.play(clip.samples * config.speech.volume, at)
    return EarlyWords(text, at, clip.duration)
