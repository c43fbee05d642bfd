"""Whisper's input: the log-mel spectrogram of 16 kHz audio, in numpy.

The same computation as OpenAI's `whisper.audio.log_mel_spectrogram` (a 25 ms Hann window every
10 ms, the power spectrum through 80 Slaney-normalised mel filters, log10, floored 8 below the
peak and scaled to about -1..1), so the model sees what it was trained on. Written here because
the packages that carry it (faster-whisper with PyAV, or torch) would add over 100 MB for these
few lines. The audio is padded with silence to a fixed window; Whisper's own 30 s window costs
about eight times an 8 s one and transcribes a short command no better (shared/recognizer-notes.md).
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
FRAMES_PER_SECOND = SAMPLE_RATE // HOP


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default, which Whisper's filters use): linear to 1 kHz, then log."""
    linear = hz / (200.0 / 3)
    logarithmic = 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, logarithmic, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))


@functools.cache
def mel_filters(n_mels: int = N_MELS) -> np.ndarray:
    """Triangular filters, [n_mels, N_FFT // 2 + 1], each normalised to unit area (Slaney)."""
    bins = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE / 2.0)), n_mels + 2))
    widths = np.diff(edges)
    distance = edges[:, None] - bins[None, :]
    rising = -distance[:-2] / widths[:-1, None]
    falling = distance[2:] / widths[1:, None]
    filters = np.maximum(0.0, np.minimum(rising, falling))
    filters *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return filters.astype(np.float32)


@functools.cache
def _window() -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann


def log_mel(samples: np.ndarray, seconds: float, n_mels: int = N_MELS) -> np.ndarray:
    """[n_mels, seconds * 100] float32 features of `samples` (float, -1..1, 16 kHz), cut or padded
    with silence to `seconds`."""
    length = int(round(seconds * SAMPLE_RATE))
    audio = np.zeros(length, np.float32)
    audio[:min(length, len(samples))] = samples[:length]
    padded = np.pad(audio, N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:-1]  # as torch.stft(center=True)[..., :-1]
    power = np.abs(np.fft.rfft(frames * _window(), axis=1)) ** 2
    mel = np.log10(np.maximum(mel_filters(n_mels) @ power.T, 1e-10))
    mel = np.maximum(mel, mel.max() - 8.0)
    return ((mel + 4.0) / 4.0).astype(np.float32)
