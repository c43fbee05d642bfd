"""Tools for tests and benchmarks that listen to what voiceguide really played.

- `PulseLab`: a private PulseAudio server with null sinks (a "speaker" and a "microphone"), as in
  shared/design-notes.md, so real audio flows through sounddevice on machines with no sound card.
- `Recorder`: records a PulseAudio source (the speaker's monitor) through sounddevice, stamping
  every block with the monotonic time it was captured, so recordings line up with the player's
  own clock.
- `beats`, `silence_after`, `beat_run`: what tests measure in a recording.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PULSE_TOOLS = ("pulseaudio", "pactl", "pacat")


def pulse_missing() -> str | None:
    """Why PulseAudio cannot be used here, or None."""
    missing = [tool for tool in PULSE_TOOLS if shutil.which(tool) is None]
    return f"PulseAudio tools not installed: {', '.join(missing)}" if missing else None


class PulseLab:
    """A PulseAudio daemon of our own, in a temporary runtime folder, with two null sinks.

    Both sinks are kept clocked by silent low-latency clients: an idle null sink sleeps in 2-second
    blocks, so without them every new stream (and a recording of a sink's monitor) could stall
    for up to 2 s at its start, which no real device does.
    """

    SPEAKER = "vg_out"
    MICROPHONE = "vg_mic"

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="voiceguide-pulse-"))
        self.env = dict(os.environ, XDG_RUNTIME_DIR=str(self.folder), PULSE_RUNTIME_PATH=str(self.folder / "pulse"),
                        HOME=str(self.folder), PULSE_SINK=self.SPEAKER, PULSE_SOURCE=f"{self.MICROPHONE}.monitor")
        self.env.pop("PULSE_SERVER", None)
        self._keepalive: list[subprocess.Popen] = []

    def start(self) -> PulseLab:
        subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit",
                        "--log-target=stderr", "--log-level=error", "-n",
                        "--load=module-native-protocol-unix", "--load=module-always-sink"],
                       env=self.env, check=True, capture_output=True, timeout=30)
        for sink in (self.SPEAKER, self.MICROPHONE):
            self.pactl("load-module", "module-null-sink", f"sink_name={sink}", "rate=48000")
        self.pactl("set-default-sink", self.SPEAKER)
        self._keepalive = [subprocess.Popen(
            ["pacat", "--playback", f"--device={sink}", "--latency-msec=10", "--format=s16le",
             "--channels=1", "--rate=48000", "/dev/zero"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) for sink in (self.SPEAKER, self.MICROPHONE)]
        return self

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True, text=True,
                              timeout=30).stdout

    def apply(self) -> None:
        """Point this process (and children it starts) at the lab's server."""
        os.environ.update({key: self.env[key] for key in
                           ("XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "PULSE_SINK", "PULSE_SOURCE")})

    def kill(self) -> None:
        """The sound server goes away (as when it crashes or is restarted); start() brings it back."""
        for client in self._keepalive:
            client.kill()
            client.wait()
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["pulseaudio", "--check"], env=self.env).returncode == 0:
            time.sleep(0.05)  # waiting for another process to exit

    def freeze(self, frozen: bool = True) -> None:
        """The server stops answering (SIGSTOP, as when it hangs), or answers again (SIGCONT)."""
        pid = int((self.folder / "pulse" / "pid").read_text().split()[0])
        os.kill(pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    def stop(self) -> None:
        if (self.folder / "pulse" / "pid").exists():
            self.freeze(False)  # a frozen server could not be told to exit
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _spin() -> None:
    while True:
        pass


class CpuHogs:
    """Processes spinning on the CPU while a measurement runs: a user's laptop is busy."""

    def __init__(self, count: int):
        self.processes = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(count)]

    def __enter__(self) -> CpuHogs:
        for process in self.processes:
            process.start()
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
            process.join()


@dataclass
class Recording:
    rate: int
    samples: np.ndarray
    block_times: np.ndarray
    """Monotonic time at which each block's first sample was captured."""
    block: int

    @property
    def start(self) -> float:
        return float(self.block_times[0])

    def time_of(self, index: int) -> float:
        """Monotonic time of sample `index` (each block carries its own time stamp, so dropped or
        stretched blocks in the stream never shift the rest of the recording)."""
        block = min(int(index) // self.block, len(self.block_times) - 1)
        return float(self.block_times[block]) + (index - block * self.block) / self.rate

    def seconds_at(self, moment: float) -> float:
        """Position in the recording (seconds from its start) of monotonic time `moment`."""
        block = max(0, int(np.searchsorted(self.block_times, moment, side="right")) - 1)
        return (block * self.block) / self.rate + (moment - float(self.block_times[block]))


@dataclass
class Recorder:
    """Records a source through sounddevice; every block is time-stamped against time.monotonic."""

    source: str
    rate: int = 48000
    block: int = 480
    _blocks: list = field(default_factory=list)
    _times: list = field(default_factory=list)

    def __enter__(self) -> Recorder:
        import sounddevice as sd

        from voiceguide.audio.devices import StreamClock

        os.environ["PULSE_SOURCE"] = self.source
        self._ready = threading.Event()
        self._arrived = threading.Condition()
        self._clock, self._frames = StreamClock(self.rate), 0
        self._stream = sd.InputStream(samplerate=self.rate, channels=1, dtype="float32", blocksize=self.block,
                                      latency="low", callback=self._callback)
        self._stream.start()
        if not self._ready.wait(5):
            raise RuntimeError("the recorder received no audio")
        return self

    def _callback(self, data, frames, time_info, status) -> None:
        measured = time.monotonic() - (time_info.currentTime - time_info.inputBufferAdcTime)
        self._times.append(self._clock.block_time(self._frames, measured))
        self._frames += frames
        self._blocks.append(data[:, 0].copy())
        self._ready.set()
        with self._arrived:
            self._arrived.notify_all()

    def wait_until(self, moment: float, timeout: float = 5.0) -> None:
        """Wait until the recording covers the monotonic time `moment` (its blocks' own times)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._times and self._times[-1] >= moment, timeout):
                raise RuntimeError("the recorder stopped receiving audio")

    def __exit__(self, *exc) -> None:
        self._stream.stop()
        self._stream.close()

    def recording(self) -> Recording:
        return Recording(self.rate, np.concatenate(self._blocks), np.array(self._times), self.block)


def envelope_db(samples: np.ndarray, rate: int, window: float = 0.002) -> np.ndarray:
    """Level in dBFS over short windows, one value per window (hop = window)."""
    size = max(1, int(window * rate))
    count = len(samples) // size
    frames = samples[: count * size].reshape(count, size)
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-9))


def sounds(samples: np.ndarray, rate: int, threshold_db: float = -50.0, min_gap: float = 0.08
           ) -> list[tuple[int, int]]:
    """(start, end) sample ranges of sound separated by at least `min_gap` s below threshold_db."""
    window = 0.002
    size = int(window * rate)
    loud = envelope_db(samples, rate, window) > threshold_db
    ranges, start, quiet = [], None, 0
    for index, is_loud in enumerate(loud):
        if is_loud:
            if start is None:
                start = index
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet * window >= min_gap:
                ranges.append((start * size, (index - quiet + 1) * size))
                start, quiet = None, 0
    if start is not None:
        ranges.append((start * size, len(loud) * size))
    return ranges


def beats(samples: np.ndarray, rate: int, min_gap: float = 0.08) -> list[float]:
    """Seconds of each sound's beat (clips.attack_time: where a tenth of its energy has gone by)."""
    from voiceguide.audio.clips import Clip, attack_time

    return [(start + attack_time(Clip(samples[start:end], rate)) * rate) / rate
            for start, end in sounds(samples, rate, min_gap=min_gap)]


def silence_after(samples: np.ndarray, rate: int, start: float, threshold_db: float = -50.0,
                  hold: float = 0.2) -> float | None:
    """The first moment after `start` (s) from which the signal stays below threshold for `hold` seconds."""
    window = 0.001
    loud = envelope_db(samples, rate, window) > threshold_db
    first = int(start / window)
    need = int(hold / window)
    run = 0
    for index in range(first, len(loud)):
        run = 0 if loud[index] else run + 1
        if run >= need:
            return (index - need + 1) * window
    return None


def beat_run(times: list[float], interval: float, tolerance: float) -> list[float]:
    """The longest run of onsets spaced `interval` apart (within tolerance): a counted set."""
    best, run = [], times[:1]
    for previous, current in zip(times, times[1:], strict=False):
        if abs(current - previous - interval) <= tolerance:
            run.append(current)
        else:
            best, run = max(best, run, key=len), [current]
    return max(best, run, key=len)
