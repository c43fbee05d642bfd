"""Every sentence the player says or shows around a routine's own text, one module per language:
the session's feedback, status, help, the offer, counts and holds, the pain questions, the
recorder's prompts and the live view (english.py, korean.py)."""

from voiceguide.wording.english import English
from voiceguide.wording.korean import Korean

LANGUAGES: dict[str, type[English]] = {"en": English, "ko": Korean}


def words_for(language: str) -> English:
    """The wording for the config's `language:`; English where a language has none of its own."""
    return LANGUAGES.get(language, English)()
