"""What the speaker played and when: the echo canceller's reference, on the microphone's clock.

The output callback hands over each block with the monotonic time its first sample reaches the
DAC (`write`, a queue put and nothing else). The listener's thread then asks for the reference over
any span of monotonic time at 16 kHz (`span`), so a microphone block is compared with exactly
what was playing when it was captured; what the devices add on top is the echo canceller's
bulk delay. Time never played (before the output started, stalls) reads as silence.

The output's callbacks come in bursts (PulseAudio's ALSA plugin hands over several blocks at
once), so the listener can ask for a span whose end the output has not handed over yet. Read
then, the missing part would be silence for good: the canceller's reference gets holes at every
chunk, the echo in them is never taken out, and the recognizer hears it. So `span` waits (on the
queue, briefly) until the output has handed over the whole span.
"""

from __future__ import annotations

import collections
import queue
import time

import numpy as np

HISTORY_SECONDS = 30.0
"""How far back the record goes: longer than the listener ever falls behind (it can, while speech
is being rendered on a small machine)."""
LOWPASS_TAPS = 63
RESYNC_SECONDS = 0.25
"""A block time this far from where the blocks before it lead is a real jump (a stall), not jitter
or drift. Measured times drift (about 1 ms a second for PulseAudio through ALSA, measured) while
the samples themselves stay continuous, so only a jump this large moves the record."""
RESTARTS_KEPT = 8
EARLY_STEP_SECONDS = 0.05
"""A block time this much earlier than where the blocks before it lead is the first times having
been wrong, not a stall (a stall only makes blocks later): beyond the 40 ms a StreamClock smooths
over, it moves the record at once. On a machine starved as `play` started (three test processes
on two cores), the output's first measured times sat 0.16-0.18 s late; followed as drift, the
reference stayed that late for good, the echo came before it where no canceller looks, and no
command said over the narration was heard for the whole session (2 of 3 runs)."""
DRIFT_FOLLOWING = 0.01
"""Share of each block's deviation that the followed drift takes in (a time constant of 100
blocks: seconds, against drift that takes minutes to add up)."""


class SteadyTimeline:
    """Tells a real jump in a stream's measured block times from their drift.

    Blocks are laid end to end, as their samples are; their measured times wobble and drift
    against the monotonic clock. Only a jump of more than RESYNC_SECONDS beyond the drift is
    real. Compared with the end-to-end time alone, the drift added up to a false jump: in the
    looped lab the microphone's times had drifted 0.25 s after five minutes, the reference was
    moved by that much, the echo then came 40 ms before its reference, where no canceller looks,
    and nothing of it was cancelled for the rest of the session.
    """

    def __init__(self):
        self._drift = 0.0

    def jump(self, measured: float, expected: float) -> float:
        """Seconds by which a block measured at `measured`, expected at `expected` by the blocks
        before it, jumped (0.0 when it did not): the drift is kept out of it."""
        deviation = measured - expected - self._drift
        if deviation > RESYNC_SECONDS or deviation < -EARLY_STEP_SECONDS:
            return deviation
        self._drift += DRIFT_FOLLOWING * deviation
        return 0.0


def _lowpass(cutoff: float) -> np.ndarray:
    """Windowed-sinc FIR keeping frequencies below `cutoff` (a fraction of the sample rate)."""
    n = np.arange(LOWPASS_TAPS) - (LOWPASS_TAPS - 1) / 2
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(LOWPASS_TAPS)
    return taps / taps.sum()


class PlaybackRecord:
    """A ring of what was played, at the output's rate, with one anchor in monotonic time.

    Each block's time is a smoothed measurement that wobbles by a sample or so; placing every
    block by its own time would tear the reference into slips and repeats that no echo canceller
    can follow. So blocks are laid end to end, and their times only move the record when they
    jump (SteadyTimeline: an underrun, a stall), the gap then read as silence.
    """

    def __init__(self, output_rate: int, rate: int = 16000):
        self.output_rate = output_rate
        self.rate = rate
        self._incoming: queue.SimpleQueue[tuple[float, np.ndarray | None]] = queue.SimpleQueue()
        self._size = int(HISTORY_SECONDS * output_rate)
        self._ring = np.zeros(self._size, np.float32)
        self._written = 0  # samples written since the start, at the output rate
        self._anchor: tuple[float, int] | None = None  # (monotonic time, sample index) of one sample
        self._taps = _lowpass(0.45 * rate / output_rate) if output_rate > rate else None
        self._tail = np.zeros(LOWPASS_TAPS - 1, np.float32)
        self._starved = False  # the last wait ran out and nothing has been handed over since
        self._timeline = SteadyTimeline()
        self._resync = False
        """The next block is placed by its own time: the output discarded its buffer and restarted."""
        self.restarts: collections.deque[float] = collections.deque(maxlen=RESTARTS_KEPT)
        """Monotonic times at which the output discarded its buffer and started again, latest last
        (known once `span` has read past them): the echo path is not known for a moment after."""

    def write(self, samples: np.ndarray, at: float) -> None:
        """From the output callback: `samples` (copied here) start playing at monotonic `at`."""
        self._incoming.put((at, samples.copy()))

    def unplayed(self, since: float) -> None:
        """What was handed over to play from monotonic `since` on never sounded (the output threw
        its buffer away): it reads as silence, or the canceller would take out an echo that never
        came and leave its negative for the recognizer to hear."""
        self._incoming.put((since, None))

    def span(self, start: float, count: int, wait: float = 0.0) -> np.ndarray:
        """`count` reference samples at 16 kHz from monotonic time `start`, waiting up to `wait`
        seconds for the output to hand over the end of it.

        A wait that runs out (the output stalled or stopped) is not waited again until the output
        hands over something, so a listener never falls behind waiting on a dead stream.
        """
        self._take_incoming()
        self._wait_for(start + count / self.rate, wait)
        out = np.zeros(count, np.float32)
        if self._anchor is None:
            return out
        positions = self._position(start) + np.arange(count) * (self.output_rate / self.rate)
        known = (positions >= max(0, self._written - self._size + 1)) & (positions <= self._written - 2)
        if known.any():
            where = positions[known]
            below = np.floor(where).astype(np.int64)
            fraction = where - below
            left, right = self._ring[below % self._size], self._ring[(below + 1) % self._size]
            out[known] = left + fraction * (right - left)
        return out

    def _position(self, moment: float) -> float:
        """Where monotonic `moment` falls in the record (a fractional sample index at the output rate)."""
        anchor_time, anchor_index = self._anchor
        return anchor_index + (moment - anchor_time) * self.output_rate

    def _holds(self, moment: float) -> bool:
        """The output has handed over what plays at monotonic `moment`."""
        return self._anchor is not None and self._position(moment) <= self._written - 2

    def _wait_for(self, moment: float, wait: float) -> None:
        deadline = time.monotonic() + wait
        while not self._starved and not self._holds(moment):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._starved = wait > 0
                return
            try:
                at, samples = self._incoming.get(timeout=remaining)
            except queue.Empty:
                self._starved = True
                return
            self._store(at, samples)

    def _take_incoming(self) -> None:
        while True:
            try:
                at, samples = self._incoming.get_nowait()
            except queue.Empty:
                return
            self._store(at, samples)

    def _store(self, at: float, samples: np.ndarray | None) -> None:
        if samples is None:
            self._forget_from(at)
            return
        self._starved = False
        if self._taps is not None:
            # filtered with the previous block's tail, so the low-pass runs on one continuous signal
            joined = np.concatenate([self._tail, samples])
            self._tail = joined[-(LOWPASS_TAPS - 1):]
            samples = np.convolve(joined, self._taps, "valid").astype(np.float32)
            at -= (LOWPASS_TAPS - 1) / 2 / self.output_rate  # the filter's own delay
        if self._anchor is None:
            self._anchor = (at, self._written)
        expected = self._anchor[0] + (self._written - self._anchor[1]) / self.output_rate
        jump = self._timeline.jump(at, expected) if not self._resync else at - expected
        self._resync = False
        if jump > 0:  # the output stalled: what was not played reads as silence
            self._append(np.zeros(min(int(round(jump * self.output_rate)), self._size), np.float32))
        elif jump < 0:
            self._anchor = (expected + jump, self._written)
        self._append(samples)

    def _forget_from(self, moment: float) -> None:
        """Take back what was to play from `moment` on, and place the next block by its own time.

        The blocks after a discarded buffer come from a restarted stream, a buffer's length
        (0.1-0.2 s) later than end to end would put them: less than a jump (RESYNC_SECONDS), so
        laid end to end they would sit that far early for good, the canceller would look for
        the echo where it is not, and the narrator's voice would reach the recognizer."""
        if self._anchor is None:
            return
        self.restarts.append(moment)
        first = min(max(int(np.ceil(self._position(moment))), self._written - self._size, 0), self._written)
        self._written = first
        self._tail[:] = 0.0
        self._resync = True

    def _append(self, samples: np.ndarray) -> None:
        indices = (self._written + np.arange(len(samples))) % self._size
        self._ring[indices] = samples
        self._written += len(samples)
