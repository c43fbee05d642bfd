"""The package's layers, as docs/architecture.md draws them: each subpackage imports only from
the layers below it (and itself), and the session engine stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voiceguide"
LAYERS = {
    "__init__": 0, "errors": 0, "atomic": 0,
    "format": 1, "wording": 1,
    "engine": 2, "audio": 2,
    "userdata": 3,
    "speech": 4,
    "listening": 5,
    "app": 6,
    "__main__": 7,
}
"""Lower numbers are lower layers. Two packages on one layer know nothing of each other."""
ENGINE_MAY_USE = {"voiceguide.format.routine", "voiceguide.errors", "voiceguide.wording.english"}
"""Outside itself, the engine sees only the routine model (not the YAML loader), the errors, and the
wording (the sentences it says around the routine's own text)."""
NOT_IN_THE_ENGINE = {"numpy", "yaml", "sounddevice", "pyttsx3", "vosk", "pocketsphinx", "ctranslate2", "sqlite3"}


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at its top or inside a function, as full dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from voiceguide.speech import narrator` imports voiceguide.speech.narrator
                whole = f"{node.module}.{alias.name}"
                found.add(whole if (PACKAGE.parent / whole.replace(".", "/")).with_suffix(".py").exists() else node.module)
    return found


def layer_of(module: str) -> str:
    """'voiceguide.speech.output' -> 'speech'; 'voiceguide.errors' -> 'errors'; 'voiceguide' -> '__init__'."""
    return module.split(".")[1] if "." in module else "__init__"


def modules() -> list[tuple[str, Path]]:
    return sorted((".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts), path)
                  for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("module, path", modules(), ids=[name for name, _ in modules()])
def test_imports_run_down_the_layers(module, path):
    own = layer_of(module)
    against = [name for name in imports_of(path) if name.split(".")[0] == "voiceguide" and layer_of(name) != own
               and LAYERS[layer_of(name)] >= LAYERS[own]]
    assert not against, f"{module} ({own}, layer {LAYERS[own]}) imports from its own layer or above: {against}"


@pytest.mark.parametrize("module, path", [item for item in modules() if layer_of(item[0]) == "engine"],
                         ids=[name for name, _ in modules() if layer_of(name) == "engine"])
def test_the_engine_is_pure(module, path):
    names = imports_of(path)
    outside = {name for name in names if name.startswith("voiceguide.") and layer_of(name) != "engine"}
    assert outside <= ENGINE_MAY_USE, f"{module} imports {outside - ENGINE_MAY_USE}"
    libraries = {name.split(".")[0] for name in names} & NOT_IN_THE_ENGINE
    assert not libraries, f"{module} imports {libraries}"


def test_every_module_is_in_a_layer():
    assert {layer_of(name) for name, _ in modules()} <= set(LAYERS)


@pytest.mark.parametrize("path", sorted((PACKAGE.parent / "benchmarks").glob("*.py")), ids=lambda path: path.name)
def test_the_benchmarks_import_modules_that_exist(path):
    """Benchmarks import most of voiceguide inside functions and nothing runs them in CI: a module
    renamed under them would be found only when someone next measures."""
    import importlib.util

    missing = []
    for name in imports_of(path):
        if name.split(".")[0] == "voiceguide":
            try:
                found = importlib.util.find_spec(name) is not None
            except ModuleNotFoundError:  # a package on the way is missing
                found = False
            if not found:
                missing.append(name)
    assert not missing, f"{path.name} imports {missing}"
