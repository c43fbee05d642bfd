"""Start-up benchmark: how long the everyday commands take, from launch to exit.

    .venv/bin/python benchmarks/startup.py [--runs 15] [--hog N]

Runs `voiceguide --help`, `list`, `show lower-back` and `validate` on the built-in routines as a
user would (a new process each time, the installed entry point) and prints medians and p95s, with
no load and with N processes spinning on the CPU, side by side. Target (issue 14): under 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from audiolab import CpuHogs  # noqa: E402

ENTRY_POINT = Path(sys.executable).parent / "voiceguide"
ROUTINES = sorted(str(path) for path in (ROOT / "voiceguide" / "routines").glob("*.yaml"))
COMMANDS = {"--help": ["--help"], "list": ["list"], "show lower-back": ["show", "lower-back"],
            "validate (built-ins)": ["validate", *ROUTINES]}


def seconds_taken(arguments: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([str(ENTRY_POINT), *arguments], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(runs: int, env: dict) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, arguments in COMMANDS.items():
            times[name].append(seconds_taken(arguments, env))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="launches of each command, each condition")
    parser.add_argument("--hog", type=int, default=1, metavar="N", help="processes spinning in the loaded condition")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voiceguide-startup-") as home:
        env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_STATE_HOME=f"{home}/state",
                   XDG_DATA_HOME=f"{home}/data", XDG_CACHE_HOME=f"{home}/cache")
        seconds_taken(["list"], env)  # warm the file cache, as a user's second launch is
        idle = measure(args.runs, env)
        with CpuHogs(args.hog):
            loaded = measure(args.runs, env)
    print(f"voiceguide start-up, {args.runs} launches each (ms): idle | with {args.hog} CPU hog(s)")
    for name in COMMANDS:
        figures = [f"p50 {np.median(times) * 1000:6.0f}  p95 {np.percentile(times, 95) * 1000:6.0f}"
                   for times in (idle[name], loaded[name])]
        print(f"  {name:<22} {figures[0]}   |   {figures[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
