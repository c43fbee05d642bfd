"""The sound devices, as PortAudio (through sounddevice) sees them: loading it without hanging on a
frozen sound server, finding a device by a setting, opening a stream with a deadline, and the
clock of a stream's samples. The output and the microphone both build on this.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from voiceguide.audio.library_messages import quiet_alsa
from voiceguide.errors import VoiceguideError

LOAD_WITHIN_SECONDS = 5.0
"""How long starting PortAudio (it asks the sound server for its devices) or opening a stream may
take before the sound system counts as not answering."""
CLOSE_WITHIN_SECONDS = 1.0
"""How long closing a stream may take before it is left to finish on its own thread."""

class AudioUnavailable(VoiceguideError):
    """No usable output: PortAudio missing, no device, or a device that would not open."""



class StreamClock:
    """Maps a stream's sample counter to monotonic time, smoothing out callback jitter.

    Each callback measures when its block will be heard, but the measurement is late by however
    long the callback took to be scheduled (milliseconds, sometimes a block). The sample counter
    itself is exact, so the offset between the two is tracked with a slow filter, and reset when
    it jumps for real (a stall or an underrun).
    """

    def __init__(self, rate: int, smoothing: float = 0.05, reset_after: float = 0.04):
        self.rate = rate
        self.smoothing = smoothing
        self.reset_after = reset_after
        self.offset: float | None = None

    def block_time(self, frames_done: int, measured: float) -> float:
        """Monotonic time of sample `frames_done`, given a noisy measurement of it."""
        estimate = measured - frames_done / self.rate
        if self.offset is None or abs(estimate - self.offset) > self.reset_after:
            self.offset = estimate
        else:
            self.offset += self.smoothing * (estimate - self.offset)
        return self.offset + frames_done / self.rate



@dataclass(frozen=True)
class Device:
    index: int
    name: str
    host_api: str
    outputs: int
    inputs: int
    default_rate: float
    is_default_output: bool
    is_default_input: bool


def load_sounddevice():
    """The sounddevice module, or AudioUnavailable when the PortAudio library is missing or the
    sound system does not answer; ALSA's messages no longer reach the terminal.

    Importing sounddevice starts PortAudio, which asks the sound server for its devices: a frozen
    server never answers. So the import runs on a thread of its own and is given up after
    LOAD_WITHIN_SECONDS (for good: the import stays stuck, holding the module's import lock)."""
    global _unanswered
    if _unanswered:
        raise AudioUnavailable(_unanswered)
    if "sounddevice" in sys.modules:
        return sys.modules["sounddevice"]
    quiet_alsa()
    loaded: list = []

    def load() -> None:
        try:
            import sounddevice

            loaded.append(sounddevice)
        except OSError as exc:  # the PortAudio library itself is missing
            loaded.append(AudioUnavailable(f"PortAudio is not installed ({exc}); install libportaudio2"))

    loader = threading.Thread(target=load, name="voiceguide-load-portaudio", daemon=True)
    loader.start()
    loader.join(LOAD_WITHIN_SECONDS)
    if not loaded:
        _unanswered = f"the sound system is not answering (no reply in {LOAD_WITHIN_SECONDS:g} s)"
        raise AudioUnavailable(_unanswered)
    if isinstance(loaded[0], AudioUnavailable):
        raise loaded[0]
    return loaded[0]


_unanswered = ""
"""Why the sound system was given up on in this process, once it has been."""


def started_within(make_stream, errors: tuple[type[Exception], ...], seconds: float = LOAD_WITHIN_SECONDS):
    """A stream made and started on a thread with a deadline: a frozen sound server never answers,
    and no session's thread may wait on it. Raises what making it raised (of `errors`), or
    TimeoutError; a stream that opens after the deadline is left to its own thread."""
    done: list = []

    def start() -> None:
        try:
            stream = make_stream()
            stream.start()
            done.append(stream)
        except errors as exc:
            done.append(exc)

    starter = threading.Thread(target=start, name="voiceguide-open-stream", daemon=True)
    starter.start()
    starter.join(seconds)
    if not done:
        raise TimeoutError(f"the sound system gave no answer in {seconds:g} s")
    if isinstance(done[0], Exception):
        raise done[0]
    return done[0]


def list_devices() -> list[Device]:
    sd = load_sounddevice()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        raise AudioUnavailable(f"cannot list audio devices: {exc}") from None
    return [Device(i, d["name"], apis[d["hostapi"]]["name"], d["max_output_channels"], d["max_input_channels"],
                   d["default_samplerate"], i == default_out, i == default_in) for i, d in enumerate(devices)]


def resolve_device(setting: str, outputs: bool = True) -> int | None:
    """A device number from a config value: empty for the default, a number, or part of a name."""
    if not setting:
        return None
    devices = [d for d in list_devices() if (d.outputs if outputs else d.inputs) > 0]
    if setting.isdigit():
        if any(d.index == int(setting) for d in devices):
            return int(setting)
        raise AudioUnavailable(f"no {'output' if outputs else 'input'} device number {setting} "
                               "(see `voiceguide devices`)")
    matches = [d for d in devices if setting.lower() in d.name.lower()]
    if not matches:
        raise AudioUnavailable(f"no {'output' if outputs else 'input'} device named like '{setting}' "
                               "(see `voiceguide devices`)")
    return matches[0].index
