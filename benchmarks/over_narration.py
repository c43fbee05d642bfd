"""The listening benchmark's streams that the echo judge decides, alone: quicker for changes to it.

    .venv/bin/python benchmarks/over_narration.py

The real stop/no/back recordings said over a built-in routine played across a simulated room
(its echo 10 dB and 0 dB under the voice), and that routine alone through the room (false
accepts), each through the echo canceller and the judge exactly as `play` runs them, with
Whisper (benchmarks/listening.py builds the streams; see there). Prints accuracy, latency p50/p95
and the false accepts.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import listening  # noqa: E402


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    config = listening._config("whisper", folder)
    vocabulary = config.vocabulary()
    narration = listening.Narration(folder)

    def engine():
        return listening._engine("whisper", config, vocabulary, narration.texts)

    over = listening.Laid(listening.real(listening.COMMAND_WORDS, 1), lead=listening.NARRATION_LEAD_SECONDS)
    played, spoken = narration.looped(len(over.levelled))
    timer = listening._Timer()
    for below in listening.ECHO_BELOW_VOICE_DB:
        mic = over.levelled + listening._echo(played, listening._voiced_power(over.levelled), below)
        found = timer.run(listening._as_played, engine(), listening.PhraseDecider(vocabulary), mic, played, spoken)
        score = listening._score(found, over.windows)
        print(f"real commands over the narration, its echo {below:.0f} dB under the voice: "
              f"{score['accuracy']:.1%} of {score['clips']}, latency p50 {score['latency_p50_ms']} ms, "
              f"p95 {score['latency_p95_ms']} ms")
    alone = listening._echo(narration.samples, listening._voiced_power(narration.samples), 0.0)
    found = timer.run(listening._as_played, engine(), listening.PhraseDecider(vocabulary), alone, narration.samples,
                      narration.log)
    minutes = len(alone) / listening.RATE / 60
    print(f"false accepts over {minutes:.1f} min of the routine through the room: {len(found)} "
          f"{sorted({f.phrase for f in found})}")


if __name__ == "__main__":
    main()
