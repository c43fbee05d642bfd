"""Allows ``python -m voiceguide``."""

from voiceguide.app.launch import main

if __name__ == "__main__":  # the speech worker is spawned and re-imports the main module: run only once
    raise SystemExit(main())
