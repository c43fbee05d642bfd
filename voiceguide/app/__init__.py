"""The `voiceguide` command: one module per command, the player's wiring, the pain check, the recorder
and the text view."""
