"""voiceguide: a hands-free, voice-guided self-massage routine player."""

__version__ = "0.1.0"
