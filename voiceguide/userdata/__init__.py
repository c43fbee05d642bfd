"""The user's own files: where they live, settings, saved places, history, recorded narration."""
