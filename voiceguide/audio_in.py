"""The microphone: a sounddevice input stream at 16 kHz mono whose callback only copies blocks out.

Recognition runs on the reading side, never in the callback. The stream's own sample count is
the stream time the listener reports in; each block also carries the monotonic time it was
captured, on the same clock as the output's, so the echo canceller can line them up.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

from voiceguide.audio_out import AudioUnavailable, StreamClock, load_sounddevice, resolve_device
from voiceguide.listener import CHUNK_SECONDS
from voiceguide.recognition import SAMPLE_RATE

GAP_SECONDS = 1.0
"""No block for this long means the microphone is gone..."""
START_SECONDS = 5.0
"""... except at the start, which some devices take their time over."""


class Microphone:
    def __init__(self, device: str = "", rate: int = SAMPLE_RATE):
        """`rate`: 16 kHz for recognition; the recorder asks for more, for narration worth keeping."""
        sd = load_sounddevice()
        index = resolve_device(device, outputs=False)
        self.rate = rate
        self._blocks: queue.SimpleQueue[tuple[bytes, float, float]] = queue.SimpleQueue()
        self._clock = StreamClock(rate)
        self._frames = 0
        self.overflows = 0
        self.arrived = 0.0
        """Monotonic time the block last taken was handed over by the device."""
        try:
            self._stream = sd.RawInputStream(samplerate=rate, channels=1, dtype="int16", device=index,
                                             blocksize=int(CHUNK_SECONDS * rate), callback=self._callback)
            self.name = sd.query_devices(self._stream.device)["name"]
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioUnavailable(f"no usable microphone ({exc})") from None

    def _callback(self, data, frames, time_info, status) -> None:
        now = time.monotonic()
        if status.input_overflow:
            self.overflows += 1
        age = time_info.currentTime - time_info.inputBufferAdcTime
        if not 0 <= age < 1:  # some host APIs report no times: the block was captured just now
            age = frames / self.rate
        self._blocks.put((bytes(data), self._clock.block_time(self._frames, now - age), now))
        self._frames += frames

    def timed_chunks(self, seconds: float | None = None) -> Iterator[tuple[bytes, float, float]]:
        """Blocks as they come: (PCM, stream time at its end, monotonic time of its first sample)."""
        frames = 0
        while seconds is None or frames < seconds * self.rate:
            try:
                block, captured, self.arrived = self._blocks.get(timeout=GAP_SECONDS if frames else START_SECONDS)
            except queue.Empty:
                raise AudioUnavailable("the microphone stopped sending sound") from None
            frames += len(block) // 2
            yield block, frames / self.rate, captured

    def chunks(self, seconds: float | None = None) -> Iterator[tuple[bytes, float]]:
        """Blocks as they come, each with the stream time at its end; stops after `seconds`."""
        for block, at, _captured in self.timed_chunks(seconds):
            yield block, at

    def close(self) -> None:
        try:
            self._stream.abort()
            self._stream.close()
        except Exception:  # noqa: BLE001 - a vanished device may fail to close; nothing to keep
            pass
