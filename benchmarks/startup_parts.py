"""Where the time before `play`'s first sound goes, part by part, on a PulseAudio null sink.

    .venv/bin/python benchmarks/startup_parts.py [--runs 5]

Each run is a fresh interpreter that does what `play` does first, timing each part: importing
the command line, importing the player (and with it numpy, the narrator and the listener), opening
the output (sounddevice, PortAudio, the stream), and waiting until the output plays at the
real-time pace; then the latency the output was opened with (the buffer the first sound waits
behind). benchmarks/narration.py --parts start measures the whole, to the first sound.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from audiolab import PulseLab  # noqa: E402

PARTS = ("import the command line", "import the player", "open the output", "until it flows", "output latency")
RUN = r'''
import time
t0 = time.monotonic()
import voiceguide.app.cli
t1 = time.monotonic()
import voiceguide.app.player
t2 = time.monotonic()
from voiceguide.speech.output import AudioOut
out = AudioOut("")
t3 = time.monotonic()
out.wait_until_flowing()
t4 = time.monotonic()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, out.latency)
out.close()
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lab = PulseLab().start()
    try:
        runs = []
        for _ in range(args.runs + 1):  # the first run warms the caches and is not counted
            done = subprocess.run([sys.executable, "-c", RUN], env=lab.env, capture_output=True, text=True, check=True)
            runs.append([float(value) * 1000 for value in done.stdout.split()])
    finally:
        lab.stop()
    for name, values in zip(PARTS, np.array(runs[1:]).T, strict=True):
        print(f"{name:<26} p50 {np.percentile(values, 50):6.0f} ms   p95 {np.percentile(values, 95):6.0f} ms")


if __name__ == "__main__":
    main()
