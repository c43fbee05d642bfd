"""What the player hears: microphone, echo canceller, noise suppressor, endpointing, engines, and the
phrase decider that turns words into commands."""
