"""What the user hears: speech synthesis, clips and tones, the narrator, the output stream, rendering to a file."""
