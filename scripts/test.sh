#!/usr/bin/env bash
# Installs everything (as scripts/install.sh --test) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
exec .venv/bin/python -m pytest "$@"
