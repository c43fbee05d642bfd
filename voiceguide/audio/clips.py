"""Audio clips as plain data: reading and checking WAV files, trimming silence, resampling.

Only numpy and the standard library: a clip is a float32 array at a known rate, so everything
here is tested with arrays made in code.
"""

from __future__ import annotations

import contextlib
import math
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.atomic import replacing
from voiceguide.errors import VoiceguideError

SILENCE_DB = -45.0
"""Level below which the start and end of a rendered clip count as silence."""
EDGE_MARGIN = 0.012
"""Seconds of the quiet edge kept when trimming, so consonants are not clipped."""


class BadClip(VoiceguideError):
    """A rendered or recorded file that is not usable audio."""


@dataclass(frozen=True)
class Clip:
    samples: np.ndarray
    """float32, mono, -1..1."""
    rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def read_wav(path: Path) -> Clip:
    """Read a PCM WAV file, checking its header and that it holds sound; raise BadClip otherwise."""
    rate, blocks = wav_blocks(path, seconds=None)
    samples = list(blocks)
    if not samples:
        raise BadClip(f"{path}: the WAV file holds no sound")
    return Clip(np.concatenate(samples), rate)


def wav_blocks(path: Path, seconds: float | None) -> tuple[int, Iterator[np.ndarray]]:
    """A PCM WAV file's rate and its sound as mono float blocks of `seconds` (None: one block),
    read as they are asked for, so an hour-long file never has to fit in memory. The header is
    checked at once (BadClip)."""
    try:
        source = wave.open(str(path), "rb")
    except (wave.Error, EOFError, OSError) as exc:
        raise BadClip(f"{path}: not a readable WAV file ({exc})") from None
    channels, width, rate, frames = (source.getnchannels(), source.getsampwidth(), source.getframerate(),
                                     source.getnframes())
    if width not in (1, 2, 4) or channels < 1 or rate < 8000:
        source.close()
        raise BadClip(f"{path}: unsupported WAV ({channels} channels, {8 * width}-bit, {rate} Hz)")
    if frames == 0:
        source.close()
        raise BadClip(f"{path}: the WAV file holds no sound")
    size = frames if seconds is None else max(1, int(seconds * rate))

    def blocks() -> Iterator[np.ndarray]:
        with source:
            while True:
                try:
                    data = source.readframes(size)
                except (wave.Error, EOFError, OSError) as exc:
                    raise BadClip(f"{path}: not a readable WAV file ({exc})") from None
                if not data:
                    return
                yield _mono(data, width, channels)

    return rate, blocks()


def _mono(data: bytes, width: int, channels: int) -> np.ndarray:
    if width == 1:
        samples = (np.frombuffer(data, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        samples = np.frombuffer(data, "<i2").astype(np.float32) / 32768
    else:
        samples = np.frombuffer(data, "<i4").astype(np.float32) / 2147483648
    samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels).mean(axis=1)
    return np.ascontiguousarray(samples, dtype=np.float32)


def pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples (-1..1) as 16-bit little-endian PCM, rounded and clipped."""
    return np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")


def from_pcm16(pcm: bytes) -> np.ndarray:
    """16-bit little-endian PCM bytes (microphone chunks, what engines take) as float64 samples."""
    return np.frombuffer(pcm, "<i2").astype(np.float64) / 32768


def quantized(clip: Clip) -> Clip:
    """The clip exactly as a 16-bit WAV file holds it, so memory and disk copies are identical."""
    return Clip(pcm16(clip.samples).astype(np.float32) / 32768, clip.rate)


def write_wav(path: Path, clip: Clip, make_folder: bool = True) -> None:
    """Write 16-bit mono PCM atomically (a half-written cache file is never read). `make_folder`:
    create the folder if need be (ours, never one the user named)."""
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    with wav_writer(path, clip.rate) as write:
        write(clip.samples)


@contextlib.contextmanager
def wav_writer(path: Path, rate: int) -> Iterator[Callable[[np.ndarray], None]]:
    """Write 16-bit mono PCM block by block, into a file beside `path` that replaces it only once
    complete: a long render never needs the whole sound in memory, and a failed one leaves no
    half file."""
    with replacing(path) as raw, wave.open(raw, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        yield lambda samples: out.writeframes(pcm16(samples).tobytes())


def trim_silence(clip: Clip, threshold_db: float = SILENCE_DB, margin: float = EDGE_MARGIN) -> Clip:
    """Cut the quiet start and end (relative to the clip's peak), keeping a small margin."""
    samples = clip.samples
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak == 0.0:
        raise BadClip("the clip is silent")
    loud = np.flatnonzero(np.abs(samples) >= peak * 10 ** (threshold_db / 20))
    keep = int(margin * clip.rate)
    start, end = max(0, loud[0] - keep), min(len(samples), loud[-1] + 1 + keep)
    return Clip(samples[start:end].copy(), clip.rate)


def resample(clip: Clip, rate: int) -> Clip:
    """Band-limited resampling through the spectrum.

    The padded length is a whole number of `unit`s (source samples that make a whole number of
    new ones: 441 at 22.05 kHz to 16 kHz), so the new samples fall exactly on the new rate's grid.
    A length rounded instead stretched the sound by up to half a sample over its length, which
    moved a 22.05 kHz file's high frequencies by ~5% of full scale against the same file resampled
    in blocks."""
    if clip.rate == rate:
        return clip
    count = len(clip.samples)
    new_count = max(1, int(round(count * rate / clip.rate)))
    unit = clip.rate // math.gcd(clip.rate, rate)
    pad = int(0.02 * clip.rate)  # zero padding keeps the circular FFT from wrapping the edges
    pad += -(count + pad) % unit
    padded = np.concatenate([clip.samples, np.zeros(pad, np.float32)])
    spectrum = np.fft.rfft(padded)
    padded_new = int(round(len(padded) * rate / clip.rate))
    bins = padded_new // 2 + 1
    if bins > len(spectrum):
        spectrum = np.concatenate([spectrum, np.zeros(bins - len(spectrum), spectrum.dtype)])
    else:
        spectrum = spectrum[:bins]
    result = np.fft.irfft(spectrum, n=padded_new) * (padded_new / len(padded))
    return Clip(result[:new_count].astype(np.float32), rate)


ATTACK_ENERGY = 0.10
"""A spoken number's beat falls where a tenth of its sound energy has gone by."""


def attack_time(clip: Clip) -> float:
    """Seconds from the clip's start to its perceived beat.

    A listener hears a spoken count's beat near its vowel, not at a soft first consonant:
    "six" has a hiss before it lands, "eight" lands at once. Aligning this point to the beat
    makes counts sound evenly spaced whatever the words. Measured on cumulative energy, so a
    small change in level moves it only a little (a level threshold would jump between a
    consonant and the vowel).
    """
    energy = np.cumsum(np.square(clip.samples, dtype=np.float64))
    if len(energy) == 0 or energy[-1] == 0:
        return 0.0
    return float(np.searchsorted(energy, ATTACK_ENERGY * energy[-1]) / clip.rate)


def level_db(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20 * np.log10(rms) if rms > 0 else -np.inf
