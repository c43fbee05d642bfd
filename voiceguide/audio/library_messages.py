"""Keeping the sound libraries' messages off the user's screen.

ALSA, PortAudio and espeak-ng print their complaints straight to the process's standard error
("ALSA lib pcm.c:...: underrun occurred", "Expression '...' failed in pa_linux_alsa.c" when the
sound server goes), in the middle of the live view. ALSA lets a program replace the function that
prints them: ours counts them (the underruns themselves reach `play --trace` from the output
stream). PortAudio as Debian builds it and espeak-ng have no such hook, so for a command run from
the shell the process's standard error descriptor is moved onto a pipe that a thread empties,
counting the lines and keeping the last few for `--trace`; voiceguide's own messages go to the
terminal as before, through a copy of the original descriptor.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import io
import os
import sys
import threading

_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
_installed = None  # the handler must outlive every call ALSA makes to it
silenced = 0
"""How many library messages were kept off the screen."""
recent: collections.deque[str] = collections.deque(maxlen=20)
"""The last lines the libraries wrote to standard error (ALSA's are only counted)."""
_capturing = False


def _count(file, line, function, error, fmt) -> None:
    global silenced
    silenced += 1


def quiet_alsa() -> None:
    """Route ALSA's messages away from the terminal, once per process."""
    global _installed
    if _installed is not None:
        return
    name = ctypes.util.find_library("asound")
    if name is None:
        return
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return
    _installed = _HANDLER_TYPE(_count)
    library.snd_lib_error_set_handler(_installed)


def capture_native_stderr() -> None:
    """Send what C libraries write to file descriptor 2 to a thread that counts it, and Python's
    own standard error to the terminal. For the command line only: once per process."""
    global _capturing
    if _capturing:
        return
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
        reading, writing = os.pipe()
        os.dup2(writing, 2)
        os.close(writing)
    except OSError:
        return
    sys.stderr = io.TextIOWrapper(io.FileIO(terminal, "w"), encoding=sys.stderr.encoding or "utf-8",
                                  errors="backslashreplace", line_buffering=True)
    threading.Thread(target=_drain, args=(reading,), name="voiceguide-library-messages", daemon=True).start()
    _capturing = True


def _drain(reading: int) -> None:
    """Empty the pipe for good: a full pipe would block the library writing to it."""
    global silenced
    pending = b""
    while chunk := os.read(reading, 4096):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            silenced += 1
            recent.append(line.decode("utf-8", "replace"))
