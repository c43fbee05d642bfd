#!/usr/bin/env bash
# Installs everything voiceguide needs on Debian or Ubuntu: system packages, a virtual
# environment in .venv, and the package itself. Safe to run again; --test adds test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install.sh: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi

# espeak-ng speaks for pyttsx3; PortAudio (libportaudio2) reaches the sound server through ALSA's
# pulse plugin (libasound2-plugins), which PulseAudio and PipeWire desktops both answer.
packages=(python3 python3-venv python3-pip espeak-ng libportaudio2 libasound2-plugins)
# The audio tests start a PulseAudio server of their own, and desktop-file-validate checks the
# shortcuts voiceguide makes. Only for --test: on a PipeWire desktop,
# installing the pulseaudio package would replace pipewire-pulse and change the user's sound setup.
[ -n "$extras" ] && packages+=(pulseaudio pulseaudio-utils desktop-file-utils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install.sh: installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
[ -n "$python" ] || { echo "install.sh: voiceguide needs Python 3.11 or newer" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check --editable ".${extras}"
# An editable install leaves our modules uncompiled, and where bytecode is not written (a read-only
# checkout, PYTHONDONTWRITEBYTECODE) every start compiles them again: 0.1-0.2 s before the first sound.
.venv/bin/python -m compileall -q voiceguide >/dev/null
echo "install.sh: ready. Try: .venv/bin/voiceguide list"
