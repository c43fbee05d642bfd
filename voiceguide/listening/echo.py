"""Taking the narrator's own voice out of the microphone signal before anyone listens to it.

The microphone hears the speaker. Since the player knows exactly what it played and when, that
signal (the reference) is subtracted from the microphone after passing through an adaptive
estimate of the path from speaker to microphone: room, device latency, gain. What is left (the
residual) is the user, which the recognizer then hears. This is acoustic echo cancellation as in
speexdsp's MDF or WebRTC's AEC: a partitioned-block frequency-domain NLMS filter, here in numpy.

The filter is short, so it trains in a few seconds of narration; the bulk delay before it (device
latencies, easily 50-300 ms) is found first by cross-correlating what was played with what was
heard (phase transform, as in GCC-PHAT), and looked for again after every half second of
playing, to a fraction of a sample. When the echo moves while the room stays the same (an output
underrun delays everything after it), the filter is moved with it at once rather than trained
again.

Two filters, as in speexdsp's MDF: one learns on every block, the one in use copies it once it
is clearly better. The user talking over the narration throws the learning one off (it is then
reset from the one in use), never the one taking the echo out; and when the room changes (the
user moves) the learning one finds the new path within seconds and is adopted.

Pure numpy, no audio devices: tests and the listening benchmark run it on files.
"""

from __future__ import annotations

import collections

import numpy as np

BLOCK = 160
"""Samples per filter block at 16 kHz (10 ms); the listener's chunks are whole blocks."""
MAX_DELAY_SECONDS = 0.5
"""Longest speaker-to-microphone delay looked for (device latencies, a loopback, a far speaker)."""
FILTER_SECONDS = 0.2
"""Echo tail the adaptive filter covers after the bulk delay: room reflections and device filters."""
DELAY_WINDOW_SECONDS = 0.5
"""Playing audio compared at a time to find the echo. Replaying two lab recordings with the echo
moving under load, the share of playing chunks with under 10 dB of reduction was 12% and 8% with
half a second, 16% and 11% with a second."""
DELAY_MARGIN = 2
"""Blocks of the filter kept before the found delay, so an early estimate still covers the echo."""
BETTER = 0.5
"""A filter moved after the echo must leave at most this share of what the one in use left over
the window it was found in: one window in a few dozen finds a stray peak, some standing out 60
times the rest (the user's voice over the narration in the listening benchmark)..."""
PEAK_AGREEMENT = 4.0
"""... and the echo found while the filter cancels must lie within this many samples of its
strongest tap to be taken for where the filter has it (in the lab, within a sample, but for one
stray 166 samples off)."""
MIN_SHIFT = 0.25
"""Samples an echo the filter has lost must have moved by for the filter to be moved after it.
Replaying a lab recording, a filter moved by the exact shift cancelled 28 dB at once, a quarter
sample off 18 dB, a whole sample off 7 dB: the delay must be known to a fraction of a sample."""
STEP = 0.4
"""NLMS step size (0-1): faster convergence against more noise in the estimate."""
CONVERGED_ERLE_DB = 10.0
"""Echo reduction beyond which the filter counts as trained (and double talk can be judged)."""
CANCELLING = 10 ** (CONVERGED_ERLE_DB / 10)
"""The same as a ratio of energies: the microphone's over what the filter left of it."""
DOUBLE_TALK_RATIO = 0.3
"""Both filters, once trained, leaving more than this share of the microphone's energy: the user
is talking too (such blocks neither count towards the echo reduction nor move the delay)."""
ADOPT_RATIO = 0.7
"""The learning filter's recent error below this share of the one in use's: it is adopted."""
ABANDON_RATIO = 4.0
"""The learning filter's recent error above this many times the one in use's: it was thrown off
(the user talking over the speaker) and starts again from the one in use."""
RELEARN_SECONDS = 2.0
"""Double talk lasting longer than this means the room changed: judge the echo reduction again."""
STATISTICS_BLOCKS = 500
"""Blocks of playing (5 s) over which the room's gain and the echo reduction are judged."""
LOUD_SHARE = 0.1
"""Blocks within 10 dB of the loudest recent playing count towards the room's gain and reduction."""
FRACTIONS = 16
"""Steps per sample at which the delay is refined..."""
SINC_REACH = 32
"""... from this many correlation samples on each side of the peak."""
QUIET_REFERENCE = 1e-7
"""Mean square below which the speaker is silent (nothing to learn from, nothing to cancel)."""


class EchoCanceller:
    """Feed microphone and reference blocks of equal length, aligned in time; get the residual."""

    def __init__(self, rate: int = 16000, block: int = BLOCK, filter_seconds: float = FILTER_SECONDS,
                 step: float = STEP):
        self.block = block
        self.step = step
        partitions = max(1, int(np.ceil(filter_seconds * rate / block)))
        bins = block + 1
        self._weights = np.zeros((partitions, bins), np.complex128)
        """The filter in use: its estimate of the echo is what is taken out."""
        self._learning = np.zeros((partitions, bins), np.complex128)
        """The filter that learns; the one in use copies it when it does better."""
        self._error_average = 1e-10
        self._learning_average = 1e-10
        self._spectra = np.zeros((partitions, bins), np.complex128)
        self._previous = np.zeros(block)
        self.rate = rate
        self.delay = 0
        """Bulk delay (samples, whole blocks) between the reference and its echo in the microphone."""
        self._max_delay = int(MAX_DELAY_SECONDS * rate) // block * block
        self._window = int(DELAY_WINDOW_SECONDS * rate)
        self._history = np.zeros(self._max_delay + (partitions + 2) * block + self._window)  # reference, newest last
        self._seen_mic: list[np.ndarray] = []
        self._seen_ref: list[np.ndarray] = []
        self._seen = 0
        self._seen_left = 0.0  # energy the filter in use left of what was seen
        self._echo_power = 1e-10
        self._residual_power = 1e-10
        self._double_talk_blocks = 0
        self._relearn_blocks = int(RELEARN_SECONDS * rate / block)
        self.erle_db = 0.0
        """Smoothed echo reduction so far (dB), over blocks where the speaker was playing."""
        self.trained = False
        """The filter has reached CONVERGED_ERLE_DB since the delay was last set."""
        self._last_found: float | None = None
        """The echo's place found in the window before (estimate_delay's lag)."""
        self._aligned_to: float | None = None
        """Where the echo was (estimate_delay's lag) when the filter last cancelled it..."""
        self._aligned = self._weights.copy()
        """... that filter, kept (while the echo is lost, the learning filter does better than the
        one in use at times and is adopted, so the one in use is no model of the room then)..."""
        self._aligned_delay = 0
        """... and the bulk delay it had."""
        self._followed_to = 0.0
        """Where the echo was last found when the filters were moved to it (or cancelled it)."""
        self._quiet_blocks = 1 << 30
        self._echo_reach = (self._max_delay + partitions * block) // block
        self._recent_reference: collections.deque[float] = collections.deque([0.0], maxlen=self._echo_reach)
        self._gains: collections.deque[float] = collections.deque(maxlen=STATISTICS_BLOCKS)
        self._reductions: collections.deque[float] = collections.deque(maxlen=STATISTICS_BLOCKS)
        self.residual_echo = 0.0
        """Mean square of the echo likely left in the last residual returned (an estimate that
        holds whether or not the filter manages to learn the room: with no reduction, it is all
        of the echo)."""
        self._leak: list[float] = []
        self._typical = 0.0

    @property
    def _echo_possible(self) -> bool:
        """The speaker played recently enough for its sound to be reaching the microphone now."""
        return self._quiet_blocks <= self._echo_reach

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """Residual for `mic` (float samples), given what the speaker played over the same span.

        Whole blocks are cancelled; a shorter tail (only ever the last chunk of a file) passes
        through as it is.
        """
        mic = np.asarray(mic, np.float64)
        reference = np.asarray(reference, np.float64)
        residual = mic.copy()
        self._leak = []
        self._typical = self._typical_gain()  # medians over seconds: once a chunk is often enough
        for start in range(0, len(mic) - self.block + 1, self.block):
            end = start + self.block
            self._history = np.concatenate([self._history[self.block:], reference[start:end]])
            power = float(np.mean(reference[start:end] ** 2))
            self._recent_reference.append(power)
            playing = power >= QUIET_REFERENCE
            self._quiet_blocks = 0 if playing else self._quiet_blocks + 1
            delayed = self._history[len(self._history) - self.block - self.delay:][:self.block]
            residual[start:end] = self._block(mic[start:end], delayed)
            self._look_for_delay(mic[start:end], reference[start:end], residual[start:end])
        self.residual_echo = float(np.mean(self._leak)) if self._leak else 0.0
        return residual

    def _look_for_delay(self, mic: np.ndarray, reference: np.ndarray, residual: np.ndarray) -> None:
        """Collect playing audio; every DELAY_WINDOW_SECONDS of it, find where the echo is again.

        Once the filter has learnt the room, an echo that moves (each output underrun delays it:
        in the looped lab, under load, by 2-70 ms at a time, 0.2 s over four minutes) is
        followed by moving the filter with it, to a fraction of a sample, instead of learning
        the same room again for seconds, if the moved filter would have cancelled the window
        better. A filter still cancelling is left where it is unless
        the echo has left the first half of its reach. Whether it cancels is judged over the
        same window, not by erle_db, which stands still while the user seems to talk: an echo
        the filter has lost looks just so.

        Before the filter has learnt, a new delay is taken only when two estimates in a row agree
        on it: one window with the user talking over the speaker, or counts on a steady beat
        (whose correlation peaks repeat at the beat), must not throw a filter away.
        """
        if float(np.mean(reference * reference)) < QUIET_REFERENCE and not self._seen:
            return
        self._seen_mic.append(mic)
        self._seen_ref.append(reference)
        self._seen_left += float(np.sum(residual * residual))
        self._seen += len(mic)
        if self._seen < self._window:
            return
        heard = np.concatenate(self._seen_mic)
        found = estimate_delay(heard, np.concatenate(self._seen_ref), self._max_delay)
        left = self._seen_left
        cancelling = self.trained and float(np.sum(heard * heard)) >= CANCELLING * left
        self._seen_mic, self._seen_ref, self._seen, self._seen_left = [], [], 0, 0.0
        if found is None:
            return
        last, self._last_found = self._last_found, found
        if cancelling:
            if abs(found - self.delay - self._peak()) <= PEAK_AGREEMENT:  # else a stray peak
                self._aligned[:] = self._weights
                self._aligned_delay, self._aligned_to, self._followed_to = self.delay, found, found
                if found > self.delay + len(self._weights) * self.block // 2:
                    self._follow(found)  # the same echo, recentred in the filter
            return
        if self.trained and self._aligned_to is not None:
            if abs(found - self._followed_to) >= MIN_SHIFT:
                self._follow(found, heard, left)
            return
        delay = self._delay_for(found)
        agreed = last is not None and abs(delay - self._delay_for(last)) <= self.block
        if abs(delay - self.delay) > DELAY_MARGIN * self.block and (agreed or not self.trained):
            self.delay = delay
            self._weights[:] = 0
            self._learning[:] = 0
            self._reductions.clear()  # the filter that achieved them is gone
            self._see_reference_from_delay()
            self.erle_db = 0.0
            self.trained = False
            self._aligned_to = None

    @property
    def echo_position(self) -> float | None:
        """Where the filter takes the echo to be (estimate_delay's lag), None until it has
        cancelled it."""
        return self._followed_to if self.trained and self._aligned_to is not None else None

    def _peak(self) -> int:
        """The filter in use's strongest tap: where, past the bulk delay, it takes the echo to be."""
        taps = np.fft.irfft(self._weights, axis=1)[:, :self.block].reshape(-1)
        return int(np.argmax(np.abs(taps)))

    def _delay_for(self, found: float) -> int:
        """The bulk delay (whole blocks) that puts an echo `found` samples late DELAY_MARGIN blocks
        into the filter."""
        return int(max(0, found // self.block - DELAY_MARGIN)) * self.block

    def _follow(self, found: float, heard: np.ndarray | None = None, left: float = 0.0) -> None:
        """Both filters become the last one that cancelled, moved with the echo from where it was
        then to `found` samples late: the room is the same, only the echo's place changed. Always
        from that filter as it was, so a stray estimate followed costs a window, not the room.
        Given the window `heard` and what the filter in use `left` of it, only a move that would
        have left less than BETTER of that is made."""
        delay = self._delay_for(found)
        moved_by = found - self._aligned_to
        moved = shifted_filter(self._aligned, moved_by - (delay - self._aligned_delay))
        if heard is not None and self._would_leave(moved, delay, heard) >= BETTER * left:
            return
        self._weights[:] = moved
        self._learning[:] = moved
        self.delay = delay
        self._followed_to = found
        self._see_reference_from_delay()
        if moved_by:
            self._reductions.clear()  # achieved with the echo where it was

    def _would_leave(self, weights: np.ndarray, delay: int, heard: np.ndarray) -> float:
        """Energy a filter `weights` at bulk `delay` would have left of `heard`, the microphone over
        the window just seen (the reference over it is the newest in the history)."""
        taps = np.fft.irfft(weights, axis=1)[:, :self.block].reshape(-1)
        end = len(self._history) - delay
        played = self._history[end - len(heard) - len(taps) + 1:end]
        size = 1 << int(np.ceil(np.log2(len(played) + len(taps))))
        echo = np.fft.irfft(np.fft.rfft(played, size) * np.fft.rfft(taps, size), size)[len(taps) - 1:len(played)]
        return float(np.sum((heard - echo) ** 2))

    def _see_reference_from_delay(self) -> None:
        """The filter's recent reference spectra, rebuilt from the history at the current delay, so
        the echo is estimated from the next block on rather than after a filter's length of them."""
        n = self.block
        end = len(self._history) - self.delay
        for partition in range(len(self._spectra)):
            self._spectra[partition] = np.fft.rfft(self._history[end - (partition + 2) * n:end - partition * n])
        self._previous = self._history[end - n:end]

    def _likely_leak(self) -> float:
        """Mean square of the echo likely left in this block: the loudest reference still echoing,
        through the room's typical gain, over the typical reduction (medians over recent playing,
        so a user talking now and then moves neither). Blocks that seem talked over count too:
        left out, the ones where the filter had lost the echo went with them (they look alike),
        the estimate fell 30 dB short and a leftover of the narration was obeyed."""
        if not self._echo_possible or not self._gains:
            return 0.0
        return max(self._recent_reference) * self._typical

    def _typical_gain(self) -> float:
        """The room's typical gain over the filter's typical reduction, recently (see _likely_leak)."""
        if not self._gains:
            return 0.0
        reduction = float(np.median(self._reductions)) if self._reductions else 1.0  # a new filter: none yet
        return float(np.median(self._gains)) / max(1.0, reduction)

    def _block(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        n = self.block
        spectrum = np.fft.rfft(np.concatenate([self._previous, reference]))
        self._previous = reference
        self._spectra = np.roll(self._spectra, 1, axis=0)
        self._spectra[0] = spectrum
        residual = mic - self._echo(self._weights)
        self._leak.append(self._likely_leak())
        reference_power = float(np.mean(reference * reference))
        if reference_power < QUIET_REFERENCE:
            return residual
        learning = mic - self._echo(self._learning)
        mic_power = float(np.mean(mic * mic)) + 1e-12
        error_power = float(np.mean(residual * residual)) + 1e-12
        learning_power = float(np.mean(learning * learning)) + 1e-12
        if reference_power >= LOUD_SHARE * max(self._recent_reference):
            # judged on the louder parts only: in the soft ones the microphone's own noise, not the
            # filter, limits how far the echo seems to come down
            self._gains.append(mic_power / reference_power)
            self._reductions.append(mic_power / error_power)
        self._compare(error_power, learning_power)
        error_spectrum = np.fft.rfft(np.concatenate([np.zeros(n), learning]))
        norm = (np.abs(self._spectra) ** 2).sum(axis=0) + 1e-6 * n
        gradient = np.fft.irfft(np.conj(self._spectra) * error_spectrum / norm, axis=1)[:, :n]
        self._learning += self.step * np.fft.rfft(np.concatenate([gradient, np.zeros_like(gradient)], axis=1), axis=1)
        talking = self.trained and min(error_power, learning_power) > DOUBLE_TALK_RATIO * mic_power
        self._double_talk_blocks = self._double_talk_blocks + 1 if talking else 0
        if talking and self._double_talk_blocks < self._relearn_blocks:
            return residual  # not counted in the echo reduction
        self._echo_power = 0.9 * self._echo_power + 0.1 * mic_power
        self._residual_power = 0.9 * self._residual_power + 0.1 * error_power
        self.erle_db = 10 * np.log10(self._echo_power / max(self._residual_power, 1e-12))
        self.trained = self.trained or self.erle_db >= CONVERGED_ERLE_DB
        return residual

    def _echo(self, weights: np.ndarray) -> np.ndarray:
        return np.fft.irfft((weights * self._spectra).sum(axis=0))[self.block:]

    def _compare(self, error_power: float, learning_power: float) -> None:
        """Two filters, as in speexdsp's MDF: the learning one adapts on every block and the one
        in use takes its weights once it is clearly better (the room or the delay changed); a
        learning filter thrown off by the user talking starts again from the one in use."""
        self._error_average = 0.9 * self._error_average + 0.1 * error_power
        self._learning_average = 0.9 * self._learning_average + 0.1 * learning_power
        if self._learning_average < ADOPT_RATIO * self._error_average:
            self._weights[:] = self._learning
            self._error_average = self._learning_average
        elif self._learning_average > ABANDON_RATIO * self._error_average:
            self._learning[:] = self._weights
            self._learning_average = self._error_average

def estimate_delay(mic: np.ndarray, reference: np.ndarray, max_delay: int, min_clarity: float = 4.0) -> float | None:
    """Samples by which `mic` lags `reference`, to 1/16 of a sample, or None without a clear
    single peak.

    Cross-correlation with each frequency weighted equally (the phase transform), so speech's
    strong low frequencies and a room's resonances do not smear the peak. The whole-sample peak
    is then refined by interpolating the correlation between samples: on a lab recording,
    successive one-second windows agreed to 1/16 of a sample.
    """
    size = 1 << int(np.ceil(np.log2(len(mic) + len(reference))))
    cross = np.fft.rfft(mic, size) * np.conj(np.fft.rfft(reference, size))
    circular = np.fft.irfft(cross / (np.abs(cross) + 1e-12), size)
    correlation = circular[:max_delay + 1]
    peak = int(np.argmax(correlation))
    rest = np.delete(correlation, np.arange(max(0, peak - 40), min(peak + 41, len(correlation))))
    spread = float(np.std(rest)) if len(rest) else 0.0
    if spread == 0.0 or correlation[peak] < min_clarity * spread:
        return None
    near = peak + np.arange(-SINC_REACH, SINC_REACH + 1)
    lags = peak + np.arange(-FRACTIONS, FRACTIONS + 1) / FRACTIONS
    between = np.sinc(lags[:, None] - near[None, :]) @ circular[near % size]  # band-limited interpolation
    return float(np.clip(lags[int(np.argmax(between))], 0, max_delay))


def shifted_filter(weights: np.ndarray, shift: float) -> np.ndarray:
    """A partitioned filter (frequency-domain partitions of `block` taps each) whose impulse
    response comes `shift` samples later (earlier if negative; fractions by a linear phase).
    What moves beyond either end of the filter is dropped."""
    partitions, bins = weights.shape
    block = bins - 1
    taps = np.fft.irfft(weights, axis=1)[:, :block].reshape(-1)
    size = 2 * len(taps)
    spectrum = np.fft.rfft(taps, size) * np.exp(-2j * np.pi * np.arange(size // 2 + 1) * shift / size)
    moved = np.fft.irfft(spectrum, size)[:len(taps)].reshape(partitions, block)
    return np.fft.rfft(np.concatenate([moved, np.zeros_like(moved)], axis=1), axis=1)


def follows_reference(signal: np.ndarray, reference: np.ndarray, max_delay: int) -> float:
    """How much of `signal` is `reference` at some delay up to `max_delay`: the peak correlation
    coefficient, 0 (unrelated) to 1 (a delayed copy). Unweighted, so a faint leftover of the echo
    under a loud voice scores low, where the phase transform would still find it."""
    size = 1 << int(np.ceil(np.log2(len(signal) + len(reference))))
    correlation = np.fft.irfft(np.fft.rfft(signal, size) * np.conj(np.fft.rfft(reference, size)), size)[:max_delay + 1]
    energy = float(np.sqrt(np.sum(signal * signal) * np.sum(reference * reference)))
    return float(np.max(np.abs(correlation))) / energy if energy > 0 else 0.0
