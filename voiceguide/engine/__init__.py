"""The session engine: commands, cues, the program, the planner, the state machine and its loop.

Pure: no audio library, no numpy, no YAML loader."""
