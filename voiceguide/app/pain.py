"""Pain ratings by voice before and after a session, and the advice they call for.

With `history.ask_pain` on, the player asks "how is your pain, from zero to ten?" before the
routine and again after it, and takes "pain four" (or "four", or "skip") through the same
engines as the commands. The ratings go into the history. A rating of HIGH or more, or a rise of
RISE or more over the session, is a warning sign for someone with chronic back pain: the player
says so plainly, advises stopping and seeing a clinician, and reads the routine's own cautions,
which say what to watch for. Before the session, a HIGH rating asks the user to confirm before
anything starts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from voiceguide.app.asking import AnswerVocabulary, Prompter
from voiceguide.audio.devices import AudioUnavailable
from voiceguide.engine.commands import Command, Vocabulary
from voiceguide.format.routine import Routine
from voiceguide.listening.recognition import Engine
from voiceguide.listening.recognizers import ListeningSettings
from voiceguide.userdata.config import RatingWords
from voiceguide.wording import words_for
from voiceguide.wording.english import ENGLISH, English

HIGH = 8
"""A rating this high advises against massaging."""
RISE = 3
"""A rise this large over one session advises stopping."""
ANSWER_SECONDS = 8.0
"""How long an answer is waited for; the question is asked three times at most."""
ASKS = 3
SKIP = Command.NEXT
"""Saying the phrase for next ("skip") answers without a rating."""


def rating_vocabulary(words: RatingWords, commands: Vocabulary) -> AnswerVocabulary:
    """Each rating as "pain four" and "four"; skip (the phrases for next), go on and stop."""
    meanings: dict[Hashable, list[str]] = {
        rating: [f"{pain} {number}" for pain in words.pain] + [number] for rating, number in enumerate(words.numbers)}
    for command in (SKIP, Command.RESUME, Command.STOP):
        meanings[command] = list(commands.phrases.get(command, ()))
    return AnswerVocabulary(meanings)


def warning(before: int | None, after: int, words: English = ENGLISH) -> str | None:
    """Why a rating is a warning sign, or None if it is not."""
    if before is not None and after - before >= RISE:
        return words.pain_rose(before, after)
    if after >= HIGH:
        return words.pain_rated(after)
    return None


class PainCheck:
    """Asks for the ratings and gives the advice; each question is spoken and shown."""

    def __init__(self, listening: ListeningSettings, ratings: RatingWords, routine: Routine, prompter: Prompter, *,
                 engine_for: Callable[[Vocabulary], Engine], show: Callable[[str], None], warn: Callable[[str], None]):
        """`engine_for` makes the recognition engine for the answers' vocabulary (it may raise
        RecognizerUnavailable)."""
        self.routine, self.prompter, self.show, self.warn = routine, prompter, show, warn
        self.words = words_for(listening.language)
        self._listening = True
        commands = listening.vocabulary
        self.vocabulary = rating_vocabulary(ratings, commands)
        self.engine = engine_for(self.vocabulary)
        self.skip, self.go_on, self.stop = (commands.say(c) for c in (SKIP, Command.RESUME, Command.STOP))

    def before(self) -> tuple[int | None, bool]:
        """The rating before the session, and whether to start it."""
        words = self.words
        rating = self._rating(words.pain_before(self.skip))
        if rating is None or rating < HIGH:
            return rating, True
        self._tell(words.pain_advice(words.pain_rated(rating), self.routine.cautions))
        answer = self._ask(words.go_ahead_question(self.go_on, self.stop),
                           lambda meaning: meaning in (Command.RESUME, Command.STOP))
        self._tell({Command.RESUME: words.GOING_AHEAD, Command.STOP: words.NOT_TODAY}.get(
            answer, words.NO_ANSWER_NOT_STARTED))
        return rating, answer is Command.RESUME

    def after(self, before: int | None) -> int | None:
        """The rating after the session, with the advice if it calls for it."""
        rating = self._rating(self.words.PAIN_NOW)
        if rating is not None:
            reason = warning(before, rating, self.words)
            if reason:
                self._tell(self.words.pain_advice(reason, self.routine.cautions))
        return rating

    def _rating(self, question: str) -> int | None:
        answer = self._ask(question, lambda meaning: isinstance(meaning, int) or meaning in (SKIP, Command.STOP))
        if isinstance(answer, int):
            self._tell(self.words.pain_noted(answer))
            return answer
        return None

    def _ask(self, question: str, answers: Callable[[Hashable], bool]) -> Hashable | None:
        for _ in range(ASKS if self._listening else 0):
            self._tell(question)
            if not self._listening:
                return None
            self.show(f"  {self.words.LISTENING}")
            try:
                heard = self.prompter.listen(self.engine, self.vocabulary, ANSWER_SECONDS)
            except AudioUnavailable as exc:
                self._give_up(str(exc))
                return None
            if heard is not None and answers(heard):
                return heard
        return None

    def _tell(self, text: str) -> None:
        """Show `text`, and say it while the sound works; a question nobody can hear is not asked."""
        self.show(text)
        if self._listening:
            try:
                self.prompter.say(text)
            except AudioUnavailable as exc:
                self._give_up(str(exc))

    def _give_up(self, why: str) -> None:
        self.warn(f"{why}; pain ratings are not asked")
        self._listening = False
