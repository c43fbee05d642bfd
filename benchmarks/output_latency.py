"""Output buffer benchmark: which latency and block size keep the sound whole on a busy machine.

    .venv/bin/python benchmarks/output_latency.py [--seconds 20] [--rounds 3] [--hog 2]

Plays narration-like sound without a break through voiceguide's own output stream on the lab's
PulseAudio null sink, for each latency and block size in turn (the settings interleaved, round after
round, so a noisy moment on a shared machine falls on all of them), with N processes spinning on
the CPU, and prints the underruns per minute (each one a gap) and the longest a pause can take to
silence under that setting (the device's latency plus one block). Issue 14: no gap with a hog on every core, pause to
silence p95 100 ms or less.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from audiolab import CpuHogs, PulseLab, pulse_missing  # noqa: E402
from voiceguide.speech.output import AudioOut  # noqa: E402

SETTINGS = [("low", 0.02), (0.06, 0.02), (0.08, 0.01), (0.08, 0.02), (0.09, 0.01), (0.1, 0.01), (0.1, 0.02),
            (0.15, 0.02)]


def sound(rate: int, seconds: float) -> np.ndarray:
    """A steady tone under a syllable-rate envelope, never silent: any gap is the output's."""
    times = np.arange(int(rate * seconds)) / rate
    return (0.2 * np.sin(2 * np.pi * 220 * times) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * times))).astype(np.float32)


def measure(latency, block: float, seconds: float) -> tuple[int, float]:
    out = AudioOut(block_seconds=block, latency=latency)
    try:
        out.wait_until_flowing()
        before = out.underruns
        out.play(sound(out.rate, seconds), time.monotonic() + 0.1)
        out.wait_idle(timeout=seconds + 5)
        return out.underruns - before, out.latency
    finally:
        out.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="sound played per setting and round")
    parser.add_argument("--rounds", type=int, default=3, help="times each setting is played")
    parser.add_argument("--hog", type=int, default=2, metavar="N", help="processes spinning on the CPU")
    args = parser.parse_args()
    if pulse_missing():
        print(f"cannot run: {pulse_missing()}")
        return 2
    lab = PulseLab().start()
    lab.apply()
    try:
        with CpuHogs(args.hog):
            rounds = [[measure(latency, block, args.seconds) for latency, block in SETTINGS] for _ in range(args.rounds)]
    finally:
        lab.stop()
    print(f"output settings, {args.rounds} x {args.seconds:g} s of sound each, {args.hog} CPU hogs")
    for index, (latency, block) in enumerate(SETTINGS):
        underruns = [found[index][0] for found in rounds]
        reported = max(found[index][1] for found in rounds)
        print(f"  latency {latency!s:>5}  block {block * 1000:3.0f} ms   underruns per minute "
              f"{60 * sum(underruns) / (args.rounds * args.seconds):5.1f} (rounds: {underruns})   "
              f"device latency {reported * 1000:5.1f} ms   pause to silence <= {(reported + block) * 1000:5.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
