#!/usr/bin/env bash
# Installs everything (as scripts/install.sh --test), checks the code with ruff, and runs the
# whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check --quiet voiceguide tests benchmarks
exec .venv/bin/python -m pytest "$@"
