"""Clips waiting to start and clips playing, mixed block by block: pure numpy, no device.

The output's callback asks the mixer to fill each block, given the monotonic time at which the
block's first sample reaches the DAC, so each clip starts on its exact sample.
"""

from __future__ import annotations

import queue

import numpy as np


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
