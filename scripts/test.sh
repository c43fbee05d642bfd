#!/usr/bin/env bash
# Installs everything (as scripts/install.sh --test), checks the code with ruff, and runs the
# whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check --quiet voiceguide tests benchmarks
# Three workers on any machine: most tests wait on real time rather than use the CPU. The tests on
# the sound lab's devices run one after another on one of them (tests/conftest.py: LAB_GROUP).
exec .venv/bin/python -m pytest --numprocesses 3 --dist loadgroup "$@"
