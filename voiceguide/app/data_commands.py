"""The commands about the user's data and settings: history, model, config."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
from pathlib import Path
from typing import TextIO

from voiceguide.app.sound_commands import output_file
from voiceguide.errors import VoiceguideError
from voiceguide.listening import whisper_model
from voiceguide.userdata import paths
from voiceguide.userdata.config import Config
from voiceguide.userdata.history import default_path as history_path


def history_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.app.history_view import describe_history
    from voiceguide.userdata.history import History
    
    with contextlib.closing(History(history_path(), read_only=True)) as history:
        if args.csv:
            history.export_csv(out)
        else:
            recent = history.sessions(limit=max(1, args.last))
            if recent:
                out.write(describe_history(recent, history.streak(), history.by_routine()))
            else:
                out.write("No sessions yet. Play a routine and it will show here.\n")
            if args.chart:
                _chart(history.sessions(), args.chart, out)
        if history.damaged_rows:
            err.write(f"voiceguide: warning: {history.damaged_rows} damaged session(s) in {history.path} "
                      "could not be read and are left out (the file is left as it is)\n")
    return 0


def _chart(records, path: Path, out: TextIO) -> None:
    from voiceguide.app.history_chart import draw_chart

    target = output_file(path)
    try:
        draw_chart(records, target)
    except OSError as exc:
        raise VoiceguideError(f"cannot write {path}: {exc.strerror or exc}") from None
    out.write(f"drew {path}\n")


def model_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.listening.model_download import Unreachable

    try:
        return _download_model(args, config, out, err)
    except Unreachable as exc:
        folder = paths.data_dir() / "models"
        raise VoiceguideError(f"{exc}. Voice control works without it (in English with the Whisper model installed "
                              f"with voiceguide, else pocketsphinx); to install a model you have as a file, unzip "
                              f"it into {folder}") from None


def _download_model(args, config: Config, out: TextIO, err: TextIO) -> int:
    from voiceguide.listening.model_download import MODEL_LIST_URL, choose, download, download_whisper, fetch_list
    from voiceguide.listening.recognizers import is_english
    
    folder = paths.data_dir() / "models"
    whisper = args.name == whisper_model.NAME or (args.name is None and is_english(config.language))
    name = whisper_model.NAME if whisper else None
    entry = None
    if not whisper:
        entry = choose(fetch_list(args.list_url or MODEL_LIST_URL), args.name, config.language)
        name = entry.name
    if (folder / name).exists():
        out.write(f"{name} is already in {folder}\n")
        return 0
    size = sum(item.size for item in whisper_model.FILES) if whisper else entry.size
    err.write(f"downloading {name} ({size / 1e6:.1f} MB)\n")

    def progress(received: int, total: int) -> None:
        err.write(f"\r  {received / 1e6:6.1f} of {total / 1e6:.1f} MB ({100 * received // max(total, 1)}%)")
        err.flush()

    target = download_whisper(folder, progress, args.mirror) if whisper else download(entry, folder, progress)
    err.write("\n")
    out.write(f"installed {name} in {target}\n")
    return 0


def config_command(args, config: Config, out: TextIO, err: TextIO) -> int:
    import yaml
    
    def plain(value):
        if isinstance(value, enum.Enum):
            return value.value
        if dataclasses.is_dataclass(value):
            return plain(dataclasses.asdict(value))
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return value

    data = {field.name: plain(getattr(config, field.name)) for field in dataclasses.fields(config)}
    out.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return 0
