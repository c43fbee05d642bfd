"""Every sentence the player says around a routine's own text, one module per language: the
session's feedback, status, help, the offer, counts and holds (english.py)."""
