"""Speech through the real pyttsx3 and espeak-ng: rendering, caching, and the cue-to-sound sink."""

from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pytest

from audiolab import beat_run, beats
from conftest import SIMPLE, program_for, routine_from
from voiceguide.userdata import paths
from voiceguide.audio.clips import attack_time, read_wav
from voiceguide.engine.cues import Count, Say, Silence, Tone, ToneKind
from voiceguide.speech.narrator import AudioNarration, Narrator, SpokenLog
from voiceguide.app import cli
from voiceguide.speech.rendering import StreamingMix, render_to_wav
from voiceguide.speech.synthesis import SynthesisError, Synthesizer

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (scripts/install.sh installs it)")
RATE = 48000


class CountingSynthesizer(Synthesizer):
    """The real synthesizer, counting how often it is asked to render."""

    def __init__(self):
        super().__init__()
        self.renders = 0

    def render(self, *args, **kwargs):
        self.renders += 1
        return super().render(*args, **kwargs)


@pytest.fixture
def synthesizer():
    synth = CountingSynthesizer()
    yield synth
    synth.close()


def narrator(synthesizer, voice="", rate=160):
    return Narrator(synthesizer, paths.cache_dir() / "clips", voice=voice, rate=rate, stream_rate=RATE)


def test_renders_real_speech_to_a_checked_file(synthesizer, tmp_path):
    path = synthesizer.render("Press and circle, thirty six times.", "", 160, tmp_path / "a.wav")
    clip = read_wav(path)
    assert clip.rate == 22050 and 1.0 < clip.duration < 4.0
    assert np.max(np.abs(clip.samples)) > 0.1
    assert synthesizer.engine_name == "espeak"


def test_several_utterances_in_a_row_all_come_out(synthesizer, tmp_path):
    """pyttsx3 2.99 can drop queued utterances; one per run, each checked, avoids it."""
    lengths = [read_wav(synthesizer.render(text, "", 200, tmp_path / f"{i}.wav")).duration
               for i, text in enumerate(["One.", "Two, three.", "Four five six seven."])]
    assert lengths[0] < lengths[1] < lengths[2]


def test_voices_are_listed(synthesizer):
    voices = synthesizer.voices()
    assert any("en" in voice.id for voice in voices)


def test_a_bad_voice_is_a_clear_error(synthesizer, tmp_path):
    with pytest.raises(SynthesisError, match="voice"):
        synthesizer.render("Hello.", "no-such-voice-xyz", 160, tmp_path / "x.wav")


def test_every_render_is_spoken_at_the_rate_asked_for(synthesizer, tmp_path):
    """espeak-ng applies a new rate on its own thread; through pyttsx3 it was lost about one render
    in eight when the rate changed, so 'slower' sometimes gave (and cached) the old speed."""
    lengths = {100: [], 200: []}
    for turn in range(16):
        rate = 100 if turn % 2 else 200
        path = synthesizer.render("Rub slowly up and down.", "", rate, tmp_path / f"{turn}.wav")
        lengths[rate].append(read_wav(path).duration)
    assert min(lengths[100]) > 1.5 * max(lengths[200])


def test_a_hung_render_times_out_and_is_retried_then_reported(tmp_path):
    impatient = Synthesizer(timeout=0.000001)
    try:
        with pytest.raises(SynthesisError, match="did not answer"):
            impatient.render("This will not be waited for.", "", 160, tmp_path / "x.wav")
    finally:
        impatient.close()


def test_clips_are_trimmed_resampled_and_cached_on_disk(synthesizer):
    first = narrator(synthesizer)
    clip = first.clip("Thirty seconds left.")
    assert clip.rate == RATE
    assert np.max(np.abs(clip.samples[:int(0.005 * RATE)])) < 0.05  # trimmed: starts near silence edge
    assert synthesizer.renders == 1
    again = narrator(synthesizer)  # a new process would start like this: nothing in memory
    assert np.array_equal(again.clip("Thirty seconds left.").samples, clip.samples)
    assert synthesizer.renders == 1


def test_a_changed_rate_or_voice_never_plays_a_stale_clip(synthesizer):
    normal = narrator(synthesizer).clip("Rub slowly up and down.")
    slow = narrator(synthesizer, rate=100).clip("Rub slowly up and down.")
    other = narrator(synthesizer, voice="gmw/en-gb-scotland").clip("Rub slowly up and down.")
    assert slow.duration > normal.duration * 1.3
    assert not np.array_equal(other.samples[:1000], normal.samples[:1000])
    assert synthesizer.renders == 3


def test_a_damaged_cache_file_is_rendered_again(synthesizer):
    voice = narrator(synthesizer)
    voice.clip("Halfway.")
    for file in (paths.cache_dir() / "clips").rglob("*.wav"):
        file.write_bytes(b"garbage")
    assert narrator(synthesizer).clip("Halfway.").duration > 0.2
    assert synthesizer.renders == 2


def test_prerender_renders_in_the_background(synthesizer):
    voice = narrator(synthesizer)
    texts = ["One.", "Two.", "Three."]
    assert voice.known_duration("Three.") > 0  # an estimate, rendering nothing
    assert synthesizer.renders == 0
    voice.prerender(texts).join(timeout=30)
    assert synthesizer.renders == 3 and all(voice.cached(t) for t in texts)


def test_the_sink_turns_cues_into_sound(synthesizer):
    played, silenced = [], []
    sink = AudioNarration(narrator(synthesizer), lambda samples, at: played.append((at, samples)),
                          lambda: silenced.append(True), volume=0.5, tones=True)
    sink(Say("Ready, and", None), 1.0)
    sink(Count(7, 10, voiced=True), 2.0)
    sink(Count(8, 10, voiced=False), 3.0)
    sink(Tone(ToneKind.PHASE), 4.0)
    sink(Silence(), 5.0)
    shift = attack_time(narrator(synthesizer).clip("7"))
    assert 0 < shift < 0.2  # "seven" is heard from its vowel: it starts that much before its beat
    assert [at for at, _ in played] == pytest.approx([1.0, 2.0 - shift, 3.0, 4.0]) and silenced == [True]
    beat = played[2][1]
    assert len(beat) < 0.05 * RATE  # an unvoiced count is a short beat tone
    assert np.max(np.abs(played[1][1])) <= 0.5 + 1e-6  # volume applied
    quiet = AudioNarration(narrator(synthesizer), lambda s, at: played.append(at), lambda: None,
                           volume=1.0, tones=False)
    quiet(Tone(ToneKind.ACCEPT), 6.0)
    assert played[-1][0] == 4.0  # tones switched off


def test_words_already_playing_are_logged_as_said_but_not_played_twice(synthesizer):
    """`play` says the title as the output opens; the session then opens with it. The sink must
    not play it again (heard twice, on top of itself), yet the listener must know it was said."""
    played = []
    spoken = SpokenLog()
    sink = AudioNarration(narrator(synthesizer), lambda samples, at: played.append(at), lambda: None,
                          volume=1.0, tones=True, spoken=spoken)
    sink.playing_already("Ready, and")
    sink(Say("Ready, and", None), 1.0)
    sink(Say("Ready, and", None), 5.0)  # said again later: played
    assert played == [5.0]
    assert [(start, text) for start, _, text in spoken.entries()] == [(1.0, "Ready, and"), (5.0, "Ready, and")]
    sink.playing_already("Ready, and")
    sink(Say("Carrying on.", None), 7.0)  # the session opened with something else: the mark is gone
    sink(Say("Ready, and", None), 9.0)
    assert played == [5.0, 7.0, 9.0]


def test_render_writes_the_whole_session_with_counts_on_the_beat(synthesizer, config, tmp_path):
    text = SIMPLE.replace("reps: {count: 10-20, tempo: 1}", "reps: {count: 12, tempo: 0.8}").replace(
        "    tips: [{at: 5, say: Keep the strokes long and even.}]\n", "")
    program = program_for(routine_from(text), config, rest=2)
    out = tmp_path / "session.wav"
    seconds = render_to_wav(program, config.vocabulary(), narrator(synthesizer, rate=220), out,
                            volume=1.0, tones=True)
    clip = read_wav(out)
    assert clip.duration == pytest.approx(seconds, abs=0.01) and seconds > 100
    counted = beat_run(beats(clip.samples, clip.rate), 0.8, tolerance=0.03)[-12:]
    assert len(counted) == 12
    assert max(abs(b - a - 0.8) for a, b in zip(counted, counted[1:], strict=False)) < 0.02


def test_the_streaming_mix_equals_the_whole_mix_and_holds_only_what_is_open():
    rng = np.random.default_rng(3)
    clips = [(int(start), rng.uniform(-0.6, 0.6, int(length)).astype(np.float32))
             for start, length in zip(np.sort(rng.integers(0, 200_000, 60)), rng.integers(100, 9000, 60), strict=True)]
    whole = np.zeros(220_000, np.float32)
    for start, samples in clips:
        whole[start:start + len(samples)] += samples
    written: list[np.ndarray] = []
    mix = StreamingMix(written.append)
    held = 0
    for start, samples in clips:
        mix.flush_to(start)  # the session's present: nothing more can land before it
        mix.add(start, samples)
        held = max(held, mix.end() - mix.written)
    mix.flush_to(220_000)
    streamed = np.concatenate(written)
    assert len(streamed) == 220_000
    assert np.allclose(streamed, np.clip(whole, -1, 1))
    assert held <= 9000 + 9000  # the clips still sounding, never the whole session


class TerminalBuffer(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_render_shows_a_progress_bar_on_a_terminal_only(tmp_path, terminal):
    """`render` of a 14-minute session once ran ~25 s with nothing on screen."""
    routine = tmp_path / "short.yaml"
    routine.write_text(SIMPLE)
    out, err = io.StringIO(), TerminalBuffer() if terminal else io.StringIO()
    assert cli.main(["render", str(routine), str(tmp_path / "out.wav")], out, err) == 0
    assert out.getvalue().startswith("wrote ")
    shown = [int(found) for found in re.findall(r"\] +(\d+)%", err.getvalue())]
    if terminal:
        assert len(shown) >= 10 and shown == sorted(shown), err.getvalue()
        assert shown[0] < 10 and shown[-1] >= 90, shown
        assert err.getvalue().endswith("\r\x1b[K")  # the bar is wiped before the result is printed
    else:
        assert shown == [] and "\r" not in err.getvalue()
