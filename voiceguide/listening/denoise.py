"""Taking steady background noise out of the microphone signal before the engine hears it.

A fan, traffic or a heater under the user's voice makes the models hear the words less well, and
keeps pocketsphinx's end-of-speech detector from ever closing an utterance: pink noise at 10 dB
SNR took it from about half of the real recordings to none at all.

This is the classic single-channel suppressor, in numpy, streaming in 10 ms hops:
- A short-time spectrum (20 ms frames, square-root Hann windows, half overlap).
- A noise estimate per frequency that follows the quietest recent level and rises only slowly
  (Doblinger's tracker), so speech never counts as noise for long.
- A Wiener gain from the decision-directed a-priori SNR (Ephraim and Malah), floored at -14 dB.
  Deeper cuts leave "musical" noise that recognizers hear as speech.
- A noise that is already faint is left alone: none is taken below QUIET_ENOUGH_DBFS overall.

It is gentle on purpose: steady pink noise comes down by about 7 dB. Tuned to take it down 13 dB
(a longer smoothing and a noise estimate 2.5 times the tracked minimum), it lost words. At
10 dB SNR vosk got 23 of 38 instead of 25, and pocketsphinx 10 of 36 instead of 12. Recognizers
are trained on noisy speech and mind distortion more than noise.

Faint noise is left alone because taking it down hurt. In a long stream of the real recordings
with a steady white hiss under it, pocketsphinx (with its own endpointer, before endpointing.py)
heard, over 5 alignments (a scratch script on the benchmark's helpers):

| Hiss (dBFS) | Cut to -14 dB as before | No suppressor | Not below -60 dBFS (used) |
| --- | --- | --- | --- |
| -70 | 44% | 59% | 59% |
| -60 | 47% | 57% | 56% |
| -50 | 46% | 43% | 52% |

(62% with digital silence between the words, where the suppressor does nothing.) Per clip, one
fresh engine each, the hiss made no difference: the harm is in a session's long run of
near-silence between words, which likely drags the engine's running feature normalisation (live
CMN) away from what speech over a room's noise looks like.

The limit is on the noise's overall level, one gain floor for every frequency. Set per frequency
instead it left the weak high end of a pink noise untouched, and vosk at 20 dB SNR fell from 73%
to 60%. As it is, pink noise at 20 and 10 dB SNR gives the figures it gave without the limit
(pocketsphinx 40% and 25%, vosk 73% at 20 dB).

Measured with benchmarks/listening.py (per engine, with and without it). The output is the input
delayed by DELAY samples (20 ms), chunk for chunk: each chunk in gives a chunk of the same length
out, so the engine sees the stream it always did, only cleaner and a little later.
"""

from __future__ import annotations

import numpy as np

FRAME = 320
HOP = 160
"""Samples at 16 kHz: 20 ms frames, 10 ms apart. The delay is then two of the engines' own 10 ms
frames exactly, so clean speech gives them the very same features, only two frames later."""
GAIN_FLOOR_DB = -14.0
"""The most any frequency is turned down."""
QUIET_ENOUGH_DBFS = -60.0
"""A noise is never turned down below this overall level (RMS, full scale 1.0), and one already
under it is left as it is: a quiet room's hiss is what the models were trained with, and taking
it further down hurts (see above)."""
NOISE_RISE_DB_PER_SECOND = 3.0
"""How fast the noise estimate may climb: a noise that grows is followed within seconds; speech
(never steady for that long) is not taken for noise."""
SMOOTHING = 0.7
"""Per frame: how much of the smoothed spectrum the noise tracker sees is the past."""
NOISE_MARGIN = 1.5
"""The tracked minimum sits below the noise's mean; this brings it up to it."""
DECISION_DIRECTED = 0.98
"""Weight of the previous frame's clean-speech estimate in the a-priori SNR."""
DELAY = FRAME
"""Samples the output lags the input: the overlap of frames (a hop), and a hop kept ready so that
every chunk in gets as many out."""


class NoiseSuppressor:
    """Feed float samples in any amounts; get as many cleaned samples back, DELAY behind."""

    def __init__(self, rate: int = 16000):
        self._window = np.sqrt(np.hanning(FRAME + 1)[:-1])
        self._floor = 10 ** (GAIN_FLOOR_DB / 20)
        self._quiet_enough = 10 ** (QUIET_ENOUGH_DBFS / 10) * np.sum(self._window ** 2)  # as a bin's mean power
        self._rise = 10 ** (NOISE_RISE_DB_PER_SECOND / 10 * HOP / rate)
        self._history = np.zeros(FRAME - HOP)
        self._overlap = np.zeros(FRAME)
        self._pending = np.zeros(0)
        self._ready = np.zeros(HOP)  # with the hop the frames wait for: DELAY in all
        self._smoothed: np.ndarray | None = None
        self._noise = np.zeros(FRAME // 2 + 1)
        self._previous = np.ones(FRAME // 2 + 1)  # the previous frame's clean power over the noise

    def process(self, samples: np.ndarray) -> np.ndarray:
        self._ready = np.concatenate([self._ready, self._cleaned(samples)])
        out, self._ready = self._ready[:len(samples)], self._ready[len(samples):]
        return out

    def _cleaned(self, samples: np.ndarray) -> np.ndarray:
        self._pending = np.concatenate([self._pending, samples])
        out = []
        while len(self._pending) >= HOP:
            hop, self._pending = self._pending[:HOP], self._pending[HOP:]
            frame = np.concatenate([self._history, hop])
            self._history = frame[HOP:]
            spectrum = np.fft.rfft(frame * self._window)
            power = np.abs(spectrum) ** 2 + 1e-12
            if self._smoothed is None:
                self._smoothed, self._noise = power.copy(), power.copy()
            self._smoothed = SMOOTHING * self._smoothed + (1 - SMOOTHING) * power
            self._noise = np.minimum(self._smoothed, self._noise * self._rise)
            snr = power / (self._noise * NOISE_MARGIN)
            prior = DECISION_DIRECTED * self._previous + (1 - DECISION_DIRECTED) * np.maximum(snr - 1, 0)
            floor = np.sqrt(self._quiet_enough / np.mean(self._noise * NOISE_MARGIN))  # down to quiet enough
            gain = np.maximum(prior / (1 + prior), np.clip(floor, self._floor, 1.0))
            self._previous = gain * gain * snr
            self._overlap += np.fft.irfft(spectrum * gain, FRAME) * self._window
            out.append(self._overlap[:HOP].copy())
            self._overlap = np.concatenate([self._overlap[HOP:], np.zeros(HOP)])
        return np.concatenate(out) if out else np.zeros(0)
