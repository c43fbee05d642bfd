"""Keeping ALSA's messages off the user's screen.

ALSA prints its complaints ("ALSA lib pcm.c:...: underrun occurred", unknown cards while PortAudio
looks for devices) straight to the terminal, where each one throws the live view out of step. ALSA
lets a program replace the function that prints them: ours counts them instead (the underruns
themselves reach `play --trace` from the output stream). Elsewhere than Linux, or without
libasound, there is nothing to quiet.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
_installed = None  # the handler must outlive every call ALSA makes to it
silenced = 0
"""How many ALSA messages were kept off the screen."""


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
