"""Audio output: one sounddevice output stream playing clips at scheduled times.

The PortAudio callback only asks the Mixer (mixer.py) to fill the block, given the monotonic time
at which the block's first sample reaches the DAC, so each clip starts on its exact sample;
clearing takes effect in the very next block. This is the only module that opens an output device.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from voiceguide.audio.devices import (
    CLOSE_WITHIN_SECONDS,
    AudioUnavailable,
    StreamClock,
    load_sounddevice,
    resolve_device,
    started_within,
)
from voiceguide.speech.mixer import Mixer

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
STEADY_CALLBACKS = 6
"""Callbacks arriving at the real-time pace that show a stream is really playing (not pre-filling)."""


class OutputTap(Protocol):
    """Whatever wants to know exactly what the speaker played and when (the echo canceller's
    record of it, listening/playback_record.py): told each block as it goes out, and told when
    sound it was given was thrown away before it played (a pause discards the buffer)."""

    def write(self, block: np.ndarray, start: float) -> None: ...

    def unplayed(self, since: float) -> None: ...


class AudioOut:
    """The output stream. Open it, schedule clips by monotonic time, silence it at once."""

    def __init__(self, device: str = "", block_seconds: float = BLOCK_SECONDS, latency: float | str | None = None,
                 opening: Callable[[int], np.ndarray] | None = None):
        """`opening` makes a sound (given the device's rate) that goes out in the stream's very
        first block: heard as soon as the device plays, without waiting behind the buffer."""
        sd = load_sounddevice()
        self._index = resolve_device(device)
        try:
            info = sd.query_devices(self._index, "output")
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioUnavailable(f"no audio output device ({exc})") from None
        self.rate = int(info["default_samplerate"])
        self.device_name = info["name"]
        self.mixer = Mixer(self.rate)
        self.record: OutputTap | None = None
        """Set to keep what is played, for the echo canceller."""
        self.underruns = 0
        self.reopened = 0
        self._block = block_seconds
        self._latency = OUTPUT_LATENCY if latency is None else latency
        self._called = threading.Event()
        self._flowing = threading.Event()
        self._sounding_until = 0.0
        """Monotonic time the last sound mixed so far finishes at the DAC: the device's buffer
        still holds that much after the mixer is done with it."""
        self._stream = None
        self._holding = -1
        """The generation whose callbacks write silence while its buffer is being discarded."""
        self._restarting = False
        self._device_calls = threading.Lock()
        """PortAudio calls on one stream from two threads (a discard, a close) must not overlap."""
        self._generation = 0
        """Which stream is current: one closed after a stall may still call back, and must not play."""
        self.opening_seconds = 0.0
        """How long the opening sound lasts."""
        self.first_block_at: float | None = None
        """Monotonic time the stream's first block (and the opening sound with it) reaches the DAC."""
        if opening is not None:
            sound = opening(self.rate)
            self.opening_seconds = len(sound) / self.rate
            self.mixer.schedule(sound, 0.0)  # long due: the first block starts with it
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
        self.last_callback = self.started = time.monotonic()
        """When the stream started playing (silence, until clips come): a lead-in of its own."""

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
        if self.first_block_at is None:
            self.first_block_at = block_start
        if self._holding == generation:
            out.fill(0.0)  # what the mixer has next waits for the discarded buffer's stream to restart
        elif self.mixer.fill(out[:, 0], block_start):
            self._sounding_until = block_start + frames / self.rate
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
        self._sounding_until = 0.0
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
        """Wait (on the device's own callbacks) until everything scheduled has been heard: mixed,
        and out of the device's buffer too, so closing next cuts nothing (closing aborts, which
        throws the buffer away: the end of a session lost its last 0.2 s)."""
        deadline = time.monotonic() + timeout
        while not self.mixer.idle() or time.monotonic() < self._sounding_until:
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
