"""The microphone: a sounddevice input stream at 16 kHz mono whose callback only copies blocks out.

Recognition runs on the reading side, never in the callback. The stream's own sample count is
the stream time the listener reports in; each block also carries the monotonic time it was
captured, on the same clock as the output's, so the echo canceller can line them up.

A microphone that stops (the sound server restarted, a USB headset unplugged) can be reopened
while it is being read: the reader waits, tries again every REOPEN_RETRY_SECONDS, and carries on
when sound comes again. Blocks from a stream given up are never mixed in.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator

from voiceguide.audio.devices import AudioUnavailable, StreamClock, load_sounddevice, resolve_device, started_within
from voiceguide.listening.recognition import CHUNK_SECONDS, SAMPLE_RATE

GAP_SECONDS = 1.0
"""No block for this long means the microphone is gone..."""
START_SECONDS = 5.0
"""... except at the start, which some devices take their time over."""
REOPEN_RETRY_SECONDS = 1.0
"""How often a microphone that stopped is tried again."""


class Microphone:
    def __init__(self, device: str = "", rate: int = SAMPLE_RATE):
        """`rate`: 16 kHz for recognition; the recorder asks for more, for narration worth keeping."""
        self._sd = load_sounddevice()
        self._index = resolve_device(device, outputs=False)
        self.rate = rate
        self._blocks: queue.SimpleQueue[tuple[int, bytes, float, float]] = queue.SimpleQueue()
        self._clock = StreamClock(rate)
        self._frames = 0
        self._generation = 0
        """Which stream's blocks count: one given up may still call back."""
        self._closed = threading.Event()
        self.overflows = 0
        self.reopened = 0
        self.arrived = 0.0
        """Monotonic time the block last taken was handed over by the device."""
        self._stream = self._open()

    def _open(self):
        sd, generation = self._sd, self._generation
        try:
            stream = started_within(lambda: sd.RawInputStream(
                samplerate=self.rate, channels=1, dtype="int16", device=self._index,
                blocksize=int(CHUNK_SECONDS * self.rate), callback=lambda *args: self._callback(generation, *args)),
                (sd.PortAudioError, ValueError))
            self.name = sd.query_devices(stream.device)["name"]
        except (sd.PortAudioError, ValueError, TimeoutError) as exc:
            self._generation += 1  # a stream that opens after all is not listened to
            raise AudioUnavailable(f"no usable microphone ({exc})") from None
        return stream

    def _callback(self, generation: int, data, frames, time_info, status) -> None:
        if generation != self._generation:
            return
        now = time.monotonic()
        if status.input_overflow:
            self.overflows += 1
        age = time_info.currentTime - time_info.inputBufferAdcTime
        if not 0 <= age < 1:  # some host APIs report no times: the block was captured just now
            age = frames / self.rate
        self._blocks.put((generation, bytes(data), self._clock.block_time(self._frames, now - age), now))
        self._frames += frames

    def timed_chunks(self, seconds: float | None = None, *, on_change: Callable[[str], None] | None = None
                     ) -> Iterator[tuple[bytes, float, float]]:
        """Blocks as they come: (PCM, stream time at its end, monotonic time of its first sample).

        Without `on_change` a microphone that stops raises AudioUnavailable. With it, the stream is
        reopened until sound comes again; `on_change` is told once when it stops and once when it
        is back (stream time carries on from where it was)."""
        frames = 0
        while seconds is None or frames < seconds * self.rate:
            try:
                generation, block, captured, arrived = self._blocks.get(
                    timeout=GAP_SECONDS if frames else START_SECONDS)
            except queue.Empty:
                if on_change is None or self._closed.is_set():
                    raise AudioUnavailable("the microphone stopped sending sound") from None
                on_change("the microphone stopped sending sound; trying to reopen it")
                if not self._reopen_until_back():
                    return
                on_change("the microphone is back")
                continue
            if self._closed.is_set():
                return
            if generation != self._generation:
                continue
            self.arrived = arrived
            frames += len(block) // 2
            yield block, frames / self.rate, captured

    def _reopen_until_back(self) -> bool:
        """Reopen the stream until it sends sound; False once the microphone is closed."""
        while not self._closed.is_set():
            self._give_up_stream()
            try:
                self._stream = self._open()
            except AudioUnavailable:
                self._closed.wait(REOPEN_RETRY_SECONDS)
                continue
            try:
                generation, *_ = self._blocks.get(timeout=START_SECONDS)
            except queue.Empty:
                continue
            if generation == self._generation:
                self.reopened += 1
                return True
        return False

    def _give_up_stream(self) -> None:
        """Stop counting the stream's blocks and close it on a thread of its own: a frozen device
        may never answer."""
        self._generation += 1
        stream = self._stream
        threading.Thread(target=_close_quietly, args=(stream,), name="voiceguide-mic-close", daemon=True).start()

    def chunks(self, seconds: float | None = None) -> Iterator[tuple[bytes, float]]:
        """Blocks as they come, each with the stream time at its end; stops after `seconds`."""
        for block, at, _captured in self.timed_chunks(seconds):
            yield block, at

    def close(self) -> None:
        """Close the stream; a reader waiting for the next block ends at once."""
        self._closed.set()
        self._blocks.put((-1, b"", 0.0, 0.0))
        _close_quietly(self._stream)


def _close_quietly(stream) -> None:
    try:
        stream.abort()
        stream.close()
    except Exception:  # noqa: BLE001 - a vanished device may fail to close; nothing to keep
        pass
