"""The output `play` opens first, on a thread, while the player is still being imported.

Importing the player (numpy, the narrator, the listener) takes a few hundred milliseconds, and
opening the device another fifty, all before the session's first cue could go out and then wait
behind the device's buffer. Opened here, the device starts while the rest loads, and its first
block carries the start tone: the user hears that voiceguide has started within half a second of
asking, and the first words come once the session is ready. Kept light: nothing heavy is imported
until the thread runs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from voiceguide.audio.devices import LOAD_WITHIN_SECONDS, AudioUnavailable
from voiceguide.userdata.config import Config

HEAD_START_SECONDS = 0.3
"""How long the command waits for the output before importing the player. Imports hold the GIL:
run beside the opening (numpy, PortAudio, the stream: about 0.15 s alone) they would halve its
pace and delay the start tone, while the words would come no sooner, since the work is the same.
A sound system slow to answer costs no more than this before the player carries on loading."""

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

    def __init__(self, config: Config):
        self._opened: list = []
        self._taken = False
        self._thread = threading.Thread(target=self._open, args=(config,), name="voiceguide-open-output", daemon=True)
        self._thread.start()
        self._thread.join(HEAD_START_SECONDS)

    def _open(self, config: Config) -> None:
        try:
            self._opened.append(output_with_start_tone(config))
        except AudioUnavailable as exc:
            self._opened.append(exc)

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
