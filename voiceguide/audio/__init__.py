"""Sound at its lowest level, shared by what the user hears and what the player hears: clips as plain
data, the sound devices, and keeping the sound libraries quiet."""
