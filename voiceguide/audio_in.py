"""The microphone: a sounddevice input stream at 16 kHz mono whose callback only copies blocks out.

Recognition runs on the reading side, never in the callback. The stream's own sample count is
the stream time the listener reports in.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator

from voiceguide.audio_out import AudioUnavailable, load_sounddevice, resolve_device
from voiceguide.listener import CHUNK_SECONDS
from voiceguide.recognition import SAMPLE_RATE

GAP_SECONDS = 1.0
"""No block for this long means the microphone is gone..."""
START_SECONDS = 5.0
"""... except at the start, which some devices take their time over."""


class Microphone:
    def __init__(self, device: str = ""):
        sd = load_sounddevice()
        index = resolve_device(device, outputs=False)
        self._blocks: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.overflows = 0
        try:
            self._stream = sd.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16", device=index,
                                             blocksize=int(CHUNK_SECONDS * SAMPLE_RATE), callback=self._callback)
            self.name = sd.query_devices(self._stream.device)["name"]
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioUnavailable(f"no usable microphone ({exc})") from None

    def _callback(self, data, frames, time_info, status) -> None:
        if status.input_overflow:
            self.overflows += 1
        self._blocks.put(bytes(data))

    def chunks(self, seconds: float | None = None) -> Iterator[tuple[bytes, float]]:
        """Blocks as they come, each with the stream time at its end; stops after `seconds`."""
        frames = 0
        while seconds is None or frames < seconds * SAMPLE_RATE:
            try:
                block = self._blocks.get(timeout=GAP_SECONDS if frames else START_SECONDS)
            except queue.Empty:
                raise AudioUnavailable("the microphone stopped sending sound") from None
            frames += len(block) // 2
            yield block, frames / SAMPLE_RATE

    def close(self) -> None:
        try:
            self._stream.abort()
            self._stream.close()
        except Exception:  # noqa: BLE001 - a vanished device may fail to close; nothing to keep
            pass
