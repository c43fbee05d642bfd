"""Clips, tones and the mixer, on arrays made in code."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from voiceguide.speech.mixer import Mixer
from voiceguide.audio.clips import BadClip, Clip, level_db, read_wav, resample, trim_silence, write_wav
from voiceguide.engine.cues import ToneKind
from voiceguide.speech.tones import tone

RATE = 48000


def sine(frequency: float, seconds: float, rate: int = RATE, level: float = 0.5) -> np.ndarray:
    return (level * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def test_wav_round_trip(tmp_path):
    clip = Clip(sine(440, 0.5), RATE)
    write_wav(tmp_path / "a.wav", clip)
    back = read_wav(tmp_path / "a.wav")
    assert back.rate == RATE and len(back.samples) == len(clip.samples)
    assert np.max(np.abs(back.samples - clip.samples)) < 1e-4
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]  # no temp file left behind


@pytest.mark.parametrize("content, message", [
    (b"", "not a readable WAV"), (b"RIFF\x00\x00\x00\x00WAVEjunk", "not a readable WAV"),
])
def test_bad_wav_files(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(BadClip, match=message):
        read_wav(path)


def test_empty_wav(tmp_path):
    path = tmp_path / "empty.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
    with pytest.raises(BadClip, match="holds no sound"):
        read_wav(path)


def test_stereo_is_mixed_to_mono(tmp_path):
    path = tmp_path / "stereo.wav"
    left, right = sine(440, 0.1, 22050), np.zeros(2205, np.float32)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes((np.stack([left, right], axis=1) * 32767).astype("<i2").tobytes())
    clip = read_wav(path)
    assert clip.rate == 22050 and np.max(np.abs(clip.samples - left / 2)) < 1e-3


def test_trim_keeps_the_sound_and_a_small_margin():
    signal = np.concatenate([np.zeros(RATE // 2), sine(300, 0.2), np.zeros(RATE)]).astype(np.float32)
    trimmed = trim_silence(Clip(signal, RATE))
    margin = int(0.012 * RATE)
    assert abs(len(trimmed.samples) - (int(0.2 * RATE) + 2 * margin)) <= 2
    with pytest.raises(BadClip, match="silent"):
        trim_silence(Clip(np.zeros(100, np.float32), RATE))


def test_resampling_keeps_pitch_length_and_level():
    clip = Clip(sine(1000, 1.0, 22050), 22050)
    up = resample(clip, RATE)
    assert len(up.samples) == RATE
    spectrum = np.abs(np.fft.rfft(up.samples))
    assert np.argmax(spectrum) * RATE / len(up.samples) == pytest.approx(1000, abs=1)
    assert level_db(up.samples[1000:-1000]) == pytest.approx(level_db(clip.samples[500:-500]), abs=0.1)


def test_tones_are_short_click_free_and_distinct():
    clips = {kind: tone(kind, RATE) for kind in ToneKind}
    for clip in clips.values():
        assert 0.02 < clip.duration < 0.7
        assert abs(clip.samples[0]) < 1e-3 and abs(clip.samples[-1]) < 1e-3  # faded: no click
    assert len({len(c.samples) for c in clips.values()}) == len(clips)


def test_mixer_starts_each_clip_on_its_exact_sample():
    mixer = Mixer(RATE)
    click = np.ones(10, np.float32)
    mixer.schedule(click, at=1.0 + 123 / RATE)
    mixer.schedule(click * 0.5, at=1.0 + 600 / RATE)  # in the second block
    blocks = []
    for index in range(3):
        out = np.zeros(480, np.float32)
        mixer.fill(out, block_start=1.0 + index * 480 / RATE)
        blocks.append(out)
    audio = np.concatenate(blocks)
    assert np.flatnonzero(audio == 1.0).tolist() == list(range(123, 133))
    assert np.flatnonzero(audio == 0.5).tolist() == list(range(600, 610))
    assert mixer.idle()


def test_a_clip_spanning_blocks_plays_whole_and_overlaps_mix():
    mixer = Mixer(RATE)
    long = np.full(1000, 0.25, np.float32)
    mixer.schedule(long, at=0.0)
    mixer.schedule(long, at=500 / RATE)
    audio = np.concatenate([_fill(mixer, i * 480 / RATE) for i in range(4)])
    assert np.allclose(audio[:500], 0.25) and np.allclose(audio[500:1000], 0.5)
    assert np.allclose(audio[1000:1500], 0.25) and np.allclose(audio[1500:], 0.0)


def test_clear_silences_from_the_next_block():
    mixer = Mixer(RATE)
    mixer.schedule(np.full(RATE, 0.3, np.float32), at=0.0)
    mixer.schedule(np.full(100, 0.3, np.float32), at=0.5)
    assert np.allclose(_fill(mixer, 0.0), 0.3)
    mixer.clear()
    assert np.allclose(_fill(mixer, 480 / RATE), 0.0)
    assert mixer.idle() and np.allclose(_fill(mixer, 0.5), 0.0)


def test_late_clips_start_at_once_and_output_is_limited():
    mixer = Mixer(RATE)
    mixer.schedule(np.full(10, 0.8, np.float32), at=-5.0)
    mixer.schedule(np.full(10, 0.8, np.float32), at=-5.0)
    out = _fill(mixer, 0.0)
    assert np.allclose(out[:10], 1.0) and np.allclose(out[10:], 0.0)


def _fill(mixer: Mixer, block_start: float) -> np.ndarray:
    out = np.zeros(480, np.float32)
    mixer.fill(out, block_start)
    return out


@pytest.mark.parametrize("rate", [48000, 44100, 22050, 16000])
def test_a_wav_file_read_block_by_block_is_heard_as_the_whole_file_would_be(tmp_path, rate):
    from voiceguide.listening.listener import chunks_of, wav_file_chunks

    rng = np.random.default_rng(rate)
    times = np.arange(int(rate * 23.4)) / rate  # more than two blocks, not a whole number of chunks
    # speech-band sound: tones and noise under 4 kHz (noise up to the source's own Nyquist would be
    # cut at 8 kHz differently by any two band-limited resamplers)
    noise = np.convolve(rng.standard_normal(len(times)), np.hanning(int(rate / 2000)), "same")
    samples = sum(0.1 * np.sin(2 * np.pi * f * times + rng.uniform(0, 6)) for f in (300, 1200, 3100))
    samples = (samples + 0.02 * noise / noise.std()).astype(np.float32)
    path = tmp_path / "long.wav"
    write_wav(path, Clip(samples, rate))
    whole, streamed = list(chunks_of(read_wav(path))), list(wav_file_chunks(path))
    assert [at for _, at in streamed] == [at for _, at in whole]
    heard = [np.frombuffer(b"".join(pcm for pcm, _ in chunks), "<i2").astype(float) for chunks in (whole, streamed)]
    assert np.max(np.abs(heard[0] - heard[1])) <= 40  # block seams: within -58 dB of full scale


def test_an_hour_of_sound_is_read_for_listening_in_bounded_memory(tmp_path):
    import tracemalloc

    from voiceguide.audio.clips import wav_writer
    from voiceguide.listening.listener import wav_file_chunks

    path = tmp_path / "hour.wav"
    minute = (0.1 * np.sin(np.arange(48000 * 60) / 20)).astype(np.float32)
    with wav_writer(path, 48000) as write:
        for _ in range(20):  # 20 minutes at 48 kHz: 115 MB on disk, 230 MB as floats
            write(minute)
    tracemalloc.start()
    ends = [at for _, at in wav_file_chunks(path)]
    seconds = ends[-1]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds == pytest.approx(1200, abs=0.05)
    assert peak < 30e6, f"{peak / 1e6:.0f} MB"
