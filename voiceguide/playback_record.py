"""What the speaker played and when: the echo canceller's reference, on the microphone's clock.

The output callback hands over each block with the monotonic time its first sample reaches the
DAC (`write`, a queue put and nothing else). The listener's thread then asks for the reference over
any span of monotonic time at 16 kHz (`span`), so a microphone block is compared with exactly
what was playing when it was captured; what the devices add on top is the echo canceller's
bulk delay. Time never played (before the output started, gaps) reads as silence.
"""

from __future__ import annotations

import queue

import numpy as np

HISTORY_SECONDS = 4.0
"""How far back the record goes: longer than any microphone lag behind the output."""
LOWPASS_TAPS = 63


def _lowpass(cutoff: float) -> np.ndarray:
    """Windowed-sinc FIR keeping frequencies below `cutoff` (a fraction of the sample rate)."""
    n = np.arange(LOWPASS_TAPS) - (LOWPASS_TAPS - 1) / 2
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(LOWPASS_TAPS)
    return taps / taps.sum()


class PlaybackRecord:
    def __init__(self, output_rate: int, rate: int = 16000):
        self.output_rate = output_rate
        self.rate = rate
        self._incoming: queue.SimpleQueue[tuple[float, np.ndarray]] = queue.SimpleQueue()
        self._size = int(HISTORY_SECONDS * rate)
        self._ring = np.zeros(self._size, np.float32)
        self._newest = -1  # absolute 16 kHz sample index of the newest sample written
        self._taps = _lowpass(0.45 * rate / output_rate) if output_rate > rate else None
        self._tail = np.zeros(LOWPASS_TAPS - 1, np.float32)

    def write(self, samples: np.ndarray, at: float) -> None:
        """From the output callback: `samples` (copied here) start playing at monotonic `at`."""
        self._incoming.put((at, samples.copy()))

    def span(self, start: float, count: int) -> np.ndarray:
        """`count` reference samples at 16 kHz from monotonic time `start`."""
        self._take_incoming()
        first = int(round(start * self.rate))
        indices = np.arange(first, first + count)
        known = (indices <= self._newest) & (indices > self._newest - self._size)
        out = np.zeros(count, np.float32)
        out[known] = self._ring[indices[known] % self._size]
        return out

    def _take_incoming(self) -> None:
        while True:
            try:
                at, samples = self._incoming.get_nowait()
            except queue.Empty:
                return
            self._store(at, samples)

    def _store(self, at: float, samples: np.ndarray) -> None:
        if self._taps is not None:
            # filtered with the previous block's tail, so the low-pass runs on one continuous signal
            joined = np.concatenate([self._tail, samples])
            self._tail = joined[-(LOWPASS_TAPS - 1):]
            samples = np.convolve(joined, self._taps, "valid").astype(np.float32)
            at -= (LOWPASS_TAPS - 1) / 2 / self.output_rate  # the filter's own delay
        first = int(np.ceil(at * self.rate))
        last = int(np.floor((at + (len(samples) - 1) / self.output_rate) * self.rate))
        if last < first:
            return
        indices = np.arange(first, last + 1)
        values = np.interp(indices / self.rate, at + np.arange(len(samples)) / self.output_rate, samples)
        if first > self._newest + 1:  # a gap: it was silent
            gap = np.arange(max(self._newest + 1, last - self._size), first)
            self._ring[gap % self._size] = 0.0
        self._ring[indices % self._size] = values
        self._newest = max(self._newest, last)
