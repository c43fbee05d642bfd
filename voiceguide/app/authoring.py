"""`voiceguide new`: a commented routine to start from, written where the player looks for it."""

from __future__ import annotations

import json
import re
import string
import unicodedata
from pathlib import Path

from voiceguide.errors import VoiceguideError
from voiceguide.userdata import paths

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "routine.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def routine_id_for(name: str) -> str:
    """The routine id a name gives: lower case, accents taken off the letters, words joined by
    dashes ("Evening Rub" -> evening-rub, "Ünïcode rub!" -> unicode-rub)."""
    letters = "".join(char for char in unicodedata.normalize("NFKD", name.casefold())
                      if not unicodedata.combining(char))
    return "-".join(re.findall(r"[a-z0-9]+", letters))


def new_routine(name: str, folder: Path | None = None) -> Path:
    """Write the template as routine `name` into the user's routines folder; never overwrites."""
    routine_id = routine_id_for(name)
    if not _ID.match(routine_id):
        raise VoiceguideError(f"'{name}' has no letters or digits to make a routine id from")
    builtin = paths.builtin_routines_dir() / f"{routine_id}.yaml"
    if folder is None and builtin.exists():
        raise VoiceguideError(f"'{routine_id}' is a built-in routine's id, and a routine of yours by that id "
                              f"would be played in its place; choose another name (to start from the "
                              f"built-in, copy {builtin})")
    folder = folder or paths.user_routines_dir()
    path = folder / f"{routine_id}.yaml"
    title = " ".join(name.split()) if routine_id != name else routine_id.replace("-", " ").capitalize()
    if re.search(r"""[:#\[\]{}&*!|>'"%@`,]""", title):
        title = json.dumps(title, ensure_ascii=False)  # a double-quoted YAML string
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(id=routine_id, title=title)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:  # "x": an existing routine is never replaced
            out.write(text)
    except FileExistsError:
        raise VoiceguideError(f"{path} already exists; edit it, or choose another name") from None
    except OSError as exc:
        raise VoiceguideError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
