"""Audio output: one sounddevice output stream playing clips at scheduled times.

The Mixer is pure numpy and knows nothing of devices. The PortAudio callback only asks it to
fill the block, given the monotonic time at which the block's first sample reaches the DAC, so
each clip starts on its exact sample; clearing takes effect in the very next block. This is the
only module that opens an output device.
"""

from __future__ import annotations

import collections
import queue
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from voiceguide.library_messages import quiet_alsa
from voiceguide.errors import VoiceguideError
from voiceguide.playback_record import PlaybackRecord

BLOCK_SECONDS = 0.02
"""Audio block length: the longest a pause waits before the output goes silent (plus the device's latency)."""
OUTPUT_LATENCY: float | str = 0.15
"""The latency asked of the device, in seconds (or PortAudio's "low"). Chosen by measurement
(benchmarks/output_latency.py, two CPU hogs on two cores, 3 x 20 s each): "low" (40 ms) had 48
underruns a minute, 80 ms 4, 100 ms 2, 150 ms none. A pause does not wait for the buffer to play
out: silence() discards it (see there)."""
SILENT_SECONDS = 2.5
"""An output that has not called back for this long has stopped. One rule for the session's
watchdog and for waiting on a question or a take to play out: a PulseAudio null sink (and some
Bluetooth outputs) goes quiet for up to 2 s when idle, and the 0.5 s the waits once allowed made
`record` and the pain question give up on a working device."""
LOAD_WITHIN_SECONDS = 5.0
"""How long starting PortAudio (it asks the sound server for its devices) or opening a stream may
take before the sound system counts as not answering."""
CLOSE_WITHIN_SECONDS = 1.0
"""How long closing a stream may take before it is left to finish on its own thread."""
STEADY_CALLBACKS = 6
"""Callbacks arriving at the real-time pace that show a stream is really playing (not pre-filling)."""


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


class Mixer:
    """Clips waiting to start and clips playing, mixed block by block.

    schedule() and clear() may be called from any thread; fill() runs in the audio callback and
    takes their requests from a queue, so nothing there ever waits on a lock.
    """

    def __init__(self, rate: int):
        self.rate = rate
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._waiting: list[tuple[float, np.ndarray]] = []
        self._playing: list[list] = []  # [samples, position, offset in the next block]
        self._requested = 0
        self._taken = 0

    def schedule(self, samples: np.ndarray, at: float) -> None:
        """Play `samples` (float32 mono) starting at monotonic time `at` (late clips start at once)."""
        self._requested += 1
        self._requests.put(("play", at, samples))

    def idle(self) -> bool:
        """Nothing scheduled, waiting or sounding."""
        return self._taken == self._requested and not self._waiting and not self._playing

    def clear(self) -> None:
        """Silence everything playing or waiting, from the next block."""
        self._requests.put(("clear",))

    def fill(self, out: np.ndarray, block_start: float) -> bool:
        """Mix into `out`, whose first sample is heard at monotonic `block_start`; True if any sound."""
        while True:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                break
            if request[0] == "clear":
                self._waiting.clear()
                self._playing.clear()
            else:
                self._taken += 1
                self._waiting.append((request[1], request[2]))
        out.fill(0.0)
        frames = len(out)
        block_end = block_start + frames / self.rate
        still_waiting = []
        for at, samples in self._waiting:
            if at < block_end:
                offset = max(0, int(round((at - block_start) * self.rate)))
                self._playing.append([samples, 0, min(offset, frames)])
            else:
                still_waiting.append((at, samples))
        self._waiting = still_waiting
        sounding = False
        for entry in self._playing:
            samples, position, offset = entry
            count = min(len(samples) - position, frames - offset)
            if count > 0:
                out[offset:offset + count] += samples[position:position + count]
                sounding = True
            entry[1], entry[2] = position + max(count, 0), 0
        self._playing = [entry for entry in self._playing if entry[1] < len(entry[0])]
        np.clip(out, -1.0, 1.0, out=out)
        return sounding


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


class AudioOut:
    """The output stream. Open it, schedule clips by monotonic time, silence it at once."""

    def __init__(self, device: str = "", block_seconds: float = BLOCK_SECONDS, latency: float | str | None = None):
        sd = load_sounddevice()
        self._index = resolve_device(device)
        try:
            info = sd.query_devices(self._index, "output")
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioUnavailable(f"no audio output device ({exc})") from None
        self.rate = int(info["default_samplerate"])
        self.device_name = info["name"]
        self.mixer = Mixer(self.rate)
        self.record: PlaybackRecord | None = None
        """Set to keep what is played, for the echo canceller."""
        self.underruns = 0
        self.reopened = 0
        self._block = block_seconds
        self._latency = OUTPUT_LATENCY if latency is None else latency
        self._called = threading.Event()
        self._flowing = threading.Event()
        self._stream = None
        self._holding = -1
        """The generation whose callbacks write silence while its buffer is being discarded."""
        self._restarting = False
        self._device_calls = threading.Lock()
        """PortAudio calls on one stream from two threads (a discard, a close) must not overlap."""
        self._generation = 0
        """Which stream is current: one closed after a stall may still call back, and must not play."""
        self._open()

    def _open(self) -> None:
        """Open and start a stream on the device, with a fresh clock; the mixer and its clips stay."""
        sd = load_sounddevice()
        self._clock = StreamClock(self.rate)
        self.failed = ""
        self._closing = False
        self._flowing.clear()
        self._recent = collections.deque(maxlen=STEADY_CALLBACKS)
        self._frames_done = 0
        self._generation += 1
        generation = self._generation
        try:
            self._stream = started_within(lambda: sd.OutputStream(
                samplerate=self.rate, channels=1, dtype="float32", device=self._index,
                blocksize=int(self.rate * self._block), latency=self._latency,
                callback=lambda *block: self._callback(generation, *block),
                finished_callback=lambda: self._finished(generation)), (sd.PortAudioError, ValueError))
        except (sd.PortAudioError, ValueError, TimeoutError) as exc:
            self._generation += 1  # a stream that opens after all must stay silent
            self.failed = f"cannot open the audio output '{self.device_name}': {exc}"
            raise AudioUnavailable(self.failed) from None
        self.latency = float(self._stream.latency)
        self.last_callback = time.monotonic()

    def reopen(self) -> bool:
        """Close the stream that stopped and open the device again (the sound server restarted, a
        headset came back). Clips scheduled meanwhile that are due play from where they are."""
        self._close_stream()
        try:
            self._open()
        except AudioUnavailable:
            return False
        self.reopened += 1
        return True

    def _callback(self, generation: int, out, frames, time_info, status) -> None:
        if generation != self._generation:
            out.fill(0)
            return
        now = time.monotonic()
        self.last_callback = now
        if not self._flowing.is_set():
            self._recent.append(now)
            span = self._recent[-1] - self._recent[0]
            if len(self._recent) == STEADY_CALLBACKS and span >= 0.5 * (STEADY_CALLBACKS - 1) * self._block:
                self._flowing.set()
        if status.output_underflow:
            self.underruns += 1
        dac_delay = time_info.outputBufferDacTime - time_info.currentTime
        if not 0 <= dac_delay < 1:  # some host APIs report no times: fall back on the stream's latency
            dac_delay = self.latency
        block_start = self._clock.block_time(self._frames_done, now + dac_delay)
        if self._holding == generation:
            out.fill(0.0)  # what the mixer has next waits for the discarded buffer's stream to restart
        else:
            self.mixer.fill(out[:, 0], block_start)
        if self.record is not None:
            self.record.write(out[:, 0], block_start)
        self._frames_done += frames
        self._called.set()

    def _finished(self, generation: int) -> None:
        if generation == self._generation and not self.failed and not self._closing and not self._restarting:
            self.failed = "the audio stream stopped"

    def play(self, samples: np.ndarray, at: float) -> None:
        self.mixer.schedule(samples, at)

    def silence(self) -> None:
        """Silence at once. The mixer drops what it has, and the device what it has buffered: the
        buffer is deep (OUTPUT_LATENCY) so that a busy machine does not starve it, and played out
        it would keep sounding that long after a pause. PortAudio's abort discards it (measured on
        PulseAudio: silent 3-4 ms after, against 200 ms letting it play); the stream restarts on a
        thread of its own, since a frozen device may never answer."""
        self.mixer.clear()
        stream, generation = self._stream, self._generation
        if stream is None:
            return
        self._holding = generation
        threading.Thread(target=self._discard_buffer, args=(stream, generation, time.monotonic()),
                         name="voiceguide-output-flush", daemon=True).start()

    def _discard_buffer(self, stream, generation: int, since: float) -> None:
        self._restarting = True
        try:
            with self._device_calls:
                stream.abort()
                if self.record is not None:
                    self.record.unplayed(since)
                stream.start()
        except Exception:  # noqa: BLE001 - a device gone (or closed) meanwhile: the watchdog reopens it
            pass
        finally:
            if generation == self._generation:
                self._holding = -1
                self._restarting = False

    def wait_until_flowing(self, timeout: float = 3.0) -> bool:
        """Wait until the device consumes audio at the real-time pace.

        Some outputs take in a burst of blocks and then nothing for a while as they start
        (PulseAudio's null sink sleeps up to 2 s when idle); clips scheduled meanwhile would all
        start late, on top of each other. The session starts only once this returns.
        """
        return self._flowing.wait(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait (on the device's own callbacks) until everything scheduled has played."""
        deadline = time.monotonic() + timeout
        while not self.mixer.idle():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.failed:
                return False
            self._called.clear()
            if not self._called.wait(min(remaining, SILENT_SECONDS)):
                return False  # the device stopped calling back
        return True

    def healthy(self, now: float) -> bool:
        """False once the device stops calling back (unplugged, server gone)."""
        return not self.failed and now - self.last_callback < SILENT_SECONDS

    def close(self) -> None:
        self._close_stream()

    def _close_stream(self) -> None:
        """Stop the stream off this thread: a frozen sound server can block PortAudio's abort for
        good, and the session's thread must never wait on a device."""
        self._closing = True
        stream, self._stream = self._stream, None
        if stream is None:
            return
        closer = threading.Thread(target=_abort_and_close, args=(stream, self._device_calls), name="close-output",
                                  daemon=True)
        closer.start()
        closer.join(CLOSE_WITHIN_SECONDS)


def _abort_and_close(stream, device_calls: threading.Lock) -> None:
    try:
        with device_calls:
            stream.abort()
            stream.close()
    except Exception:  # noqa: BLE001 - a vanished device may fail to close; nothing to keep
        pass
