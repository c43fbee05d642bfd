"""Every sentence the player says in a session, in English: the opening and closing, each step's
introduction, counts and holds, feedback on commands, status, help and the offer to carry on.

Routine text (titles, instructions, cautions) comes from the routine; everything around it comes
from here. A language is a subclass that overrides every sentence (korean.py); the tests check
that none is left in English.

`Way` values say how a command can be given ("say" a phrase, "press" a key, "type" a phrase):
each language words them its own way, as the start of a sentence or inside one.
"""

from __future__ import annotations

from collections.abc import Sequence

Way = tuple[str, str]
"""("say", phrase), ("press", key name) or ("type", phrase)."""


class English:
    CODE = "en"

    def feedback(self) -> list[str]:
        """The fixed feedback sentences, for the narrator to render ahead."""
        return [self.CARRYING_ON, self.RESUMING_SAVED, self.NO_ANSWER_CARRYING_ON, self.STARTING_OVER, self.UNDONE,
                self.NOTHING_TO_UNDO, self.TOO_LATE, self.SLOWER, self.FASTER, self.SLOWER_LATER, self.FASTER_LATER,
                self.ENDED]

    # -- the opening and the closing ----------------------------------------------------------
    SAFETY_FIRST = "Safety first"
    """The opening's name on screen."""
    FINISH = "Finish"
    """The closing's name on screen."""
    SAFETY_INTRO = "First, some safety points."
    SHORT_CAUTION = "Stop if anything hurts."
    ROUTINE_DONE = "That completes the routine. Well done."
    REST_AND_WATER = "Take a moment to rest, and drink some water."

    def hint(self, pause: Sequence[Way], help_: Sequence[Way], cautions_on_help: bool) -> str:
        hears = "every command and the safety points" if cautions_on_help else "every command"
        return f"You can {self.how(pause)} at any time, or {self.how(help_)} to hear {hears}."

    # -- steps, counts and holds --------------------------------------------------------------
    COUNT_IN = "Ready, and"
    DONE = "Done."
    HALFWAY = "Halfway."
    ONE_MINUTE_LEFT = "One minute left."
    THIRTY_SECONDS_LEFT = "Thirty seconds left."

    def step_heading(self, number: int, total: int, name: str) -> str:
        return f"Step {number} of {total}: {name}."

    def step_heading_brief(self, number: int, name: str) -> str:
        return f"Step {number}: {name}."

    def times(self, count: int) -> str:
        return f"{count} times."

    def phase_starts(self, name: str, index: int) -> str:
        """A phase of a counted set begins (where the routine does not say what to say)."""
        return f"{name.capitalize()} first." if index == 0 else f"Now {name}."

    def from_count(self, number: int) -> str:
        return f"From {number}."

    def hold_begins(self, seconds: float, until: str | None) -> str:
        if until:
            return f"Keep going until {until}, up to {self.duration(seconds)}. Begin."
        return f"{self.duration(seconds)}. Begin."

    def to_go(self, seconds: float) -> str:
        return f"{self.duration(seconds)} to go."

    def rest(self, seconds: float, started: bool, upcoming: str | None) -> str:
        text = f"Resting, {self.duration(seconds)} to go." if started else f"Rest for {self.duration(seconds)}."
        return f"{text} Coming up: {upcoming}." if upcoming else text

    def duration(self, seconds: float) -> str:
        """'1 minute 30 seconds', '45 seconds', '2 minutes'."""
        total = max(1, int(round(seconds)))
        minutes, secs = divmod(total, 60)
        parts = []
        if minutes:
            parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        if secs:
            parts.append(f"{secs} second{'s' if secs != 1 else ''}")
        return " ".join(parts)

    # -- feedback on commands -----------------------------------------------------------------
    CARRYING_ON = "Carrying on."
    RESUMING_SAVED = "Carrying on from where you stopped."
    NO_ANSWER_CARRYING_ON = "No answer, so carrying on from where you stopped."
    STARTING_OVER = "Starting from the beginning."
    UNDONE = "Undone."
    NOTHING_TO_UNDO = "There is nothing to undo."
    TOO_LATE = "I heard that too late. Say it again if you still want it."
    SLOWER = "A little slower."
    FASTER = "A little faster."
    SLOWER_LATER = "The next counts will be a little slower."
    FASTER_LATER = "The next counts will be a little faster."
    SLOWEST = "That is the slowest pace."
    FASTEST = "That is the fastest pace."
    NOTHING_TO_EXTEND = "There is nothing to extend right now."
    FULL_COUNT = "This is already the full count."
    FULL_TIME = "This is already the full time."
    ENDED = "Session ended. Your place is saved."

    def going_to(self, count: int) -> str:
        return f"Going to {count}."

    def up_to(self, seconds: float) -> str:
        return f"Up to {self.duration(seconds)}."

    def paused(self, resume: Sequence[Way]) -> str:
        return f"Paused. {self.how(resume, starts=True)} when you are ready."

    def interrupted(self, where: str, resume: Sequence[Way]) -> str:
        return f"We were interrupted. Paused at {where}. {self.how(resume, starts=True)} when you are ready."

    def stop_question(self, stop: Sequence[Way]) -> str:
        return f"Do you want to end the session? {self.how(stop, starts=True)} to end it, or anything else to carry on."

    def offer(self, where: str, resume: Sequence[Way], start_over: Sequence[Way]) -> str:
        return (f"Welcome back. Last time you stopped at {where}. {self.how(resume, starts=True)} to carry on "
                f"from there, or {self.how(start_over)} to start from the beginning.")

    # -- where the session is -----------------------------------------------------------------
    AT_SAFETY_POINTS = "the safety points"
    AT_THE_END = "the end"
    AT_THE_VERY_END = "the very end"
    AT_REST = "the rest before the next step"

    def at_count(self, count: int, target: int) -> str:
        return f"count {count} of {target}"

    def at_time_left(self, seconds: float, step: str) -> str:
        return f"{self.duration(seconds)} left of {step}"

    def at_start_of(self, step: str) -> str:
        return f"the start of {step}"

    def at_step(self, number: int, name: str, count: int | None = None, seconds_left: float | None = None) -> str:
        where = f"step {number}, {name}"
        if count is not None:
            return f"{where}, at count {count}"
        if seconds_left is not None:
            return f"{where}, with {self.duration(seconds_left)} to go"
        return where

    # -- status and help ----------------------------------------------------------------------
    STILL_ON_SAFETY_POINTS = "We are still on the safety points."
    LAST_STEP_DONE = "That was the last step."
    LAST_OF_SET = "This is the last one of this set."
    RESTING = "Resting."
    SAFETY_POINTS = "Safety points."

    def left_in_set(self, left: int, later_phases: Sequence[str]) -> str:
        text = f"{left} left in this set." if left else self.LAST_OF_SET
        return f"{text} Then {' and '.join(later_phases)}." if later_phases else text

    def resting_before(self, upcoming: str | None) -> str:
        return f"Resting. Coming up: {upcoming}." if upcoming else self.RESTING

    def time_left(self, seconds: float) -> str:
        return f"{self.duration(seconds)} left."

    def on_step(self, number: int, name: str) -> str:
        return f"Step {number}, {name}."

    def status(self, here: str, steps_after: int, minutes: int, opening: bool) -> str:
        time_left = f"about {minutes} minute{'s' if minutes != 1 else ''}"
        if opening:
            return f"{here} Then {self._steps(steps_after)}, {time_left} in all."
        if not steps_after:
            return f"{here} This is the last step, {time_left} to go."
        return f"{here} {self._steps(steps_after, 'more ')} after this one, {time_left} in all."

    def commands(self, verb: str, items: Sequence[tuple[str, str | None]]) -> str:
        """Help: every command ("You can say: pause, resume, ..., or help."). `verb` is say, type or
        press; `items` are (phrase, key), the key given only for press."""
        words = [f"{key} for {phrase}" if key else phrase for phrase, key in items]
        return f"You can {verb}: {', '.join(words[:-1])}, or {words[-1]}."

    # -- on screen ----------------------------------------------------------------------------
    SESSION_HAS_ENDED = "The session has ended."
    ALREADY_PAUSED = "Already paused."
    ALREADY_PLAYING = "Already playing."
    SESSION_ENDED_NOTE = "Session ended; your place is saved."
    OFFERING = "Offering to carry on."
    OFFERING_AGAIN = "Offering to carry on, again."
    WAITING_FOR_ANSWER = "Waiting for resume or start over."
    CARRYING_ON_SAVED = "Carrying on from the saved place."
    INTERRUPTED_NOTE = "Interrupted: paused where it was."
    PAUSED_NOTE = "Paused."
    RESUMED = "Resumed."
    NEXT_POINT = "Next point."
    NEXT_STEP = "Next step."
    PREVIOUS_POINT = "Previous point."
    PREVIOUS_STEP = "Previous step."
    STEP_RESTARTED = "Step restarted."
    REPEATING = "Repeating."
    REPEATING_SET = "Repeating the instruction and restarting the set."
    MOVING_ON = "Moving on."
    FINISHED = "Finished."

    def stop_again(self, stop: Sequence[Way]) -> str:
        return f"{self.how(stop, starts=True)} again to end."

    def tempo_note(self, slower: bool, factor: float, later: bool) -> str:
        return f"Tempo {'slower' if slower else 'faster'} (x{factor:.2f}){' from the next counts' if later else ''}."

    # -- how a command is given ---------------------------------------------------------------
    def how(self, ways: Sequence[Way], starts: bool = False) -> str:
        """"say resume or press space"; `starts`: as a sentence starts ("Say resume ...")."""
        text = " or ".join(f"{verb} {thing}" for verb, thing in ways)
        return text[:1].upper() + text[1:] if starts else text

    def _steps(self, count: int, adjective: str = "") -> str:
        return f"{count} {adjective}step{'s' if count != 1 else ''}"

    # -- the pain ratings (app/pain.py) -------------------------------------------------------
    GOING_AHEAD = "Going ahead. Stop at once if the pain gets worse."
    NOT_TODAY = "All right. Not today."
    NO_ANSWER_NOT_STARTED = "No answer, so the routine does not start."
    PAIN_NOW = "How is your pain now, from zero to ten?"
    LISTENING = "Listening..."

    def pain_before(self, skip: str) -> str:
        return f"Before we start: how is your pain, from zero to ten? Say pain and a number, or {skip} to leave it out."

    def pain_rose(self, before: int, after: int) -> str:
        return f"Your pain went from {before} to {after}."

    def pain_rated(self, rating: int) -> str:
        return f"You rated your pain {rating} out of 10."

    def not_started(self, rating: int) -> str:
        """The summary when the pain was too high to start."""
        return f"Not started, with pain at {rating} of 10. Rest, and see a clinician."

    def steps_done(self, done: int, total: int, skipped: Sequence[str], place_saved: bool) -> str:
        """The summary printed when the session ends."""
        text = f"{done} of {total} steps done"
        if skipped:
            text += f"; skipped: {', '.join(skipped)}"
        if place_saved:
            text += ". Your place is saved: play the routine again to carry on"
        return text + "."

    def pain_advice(self, reason: str, cautions: Sequence[str]) -> str:
        text = (f"{reason} That is a warning sign. Stop the massage for today, rest in a comfortable position, "
                "and see a clinician, especially if the pain stays, spreads, or comes with numbness.")
        return text + (" This routine's safety points: " + " ".join(cautions) if cautions else "")

    def go_ahead_question(self, go_on: str, stop: str) -> str:
        return f"Say {go_on} if you still want to go ahead, or {stop}."

    def pain_noted(self, rating: int) -> str:
        return f"Pain {rating}, noted."

    # -- recording one's own narration (app/recorder.py) --------------------------------------
    KEEP = "keep"
    """The answer that keeps a take, besides the phrases for next."""
    HEARD_NOTHING = "I heard nothing. Let's try again."
    NOTHING_HEARD_PASSING = "Nothing heard; passing over this one (record it later with --step)."
    KEPT = "Kept."
    AGAIN = "Again."
    SPEAK_NOW = "Speak now."
    SOUND_BACK = "The sound is back. This sentence again."

    def recording_intro(self, keep: str, again: str, stop: str) -> str:
        return f"Let's record. After each beep, read the sentence. Then say {keep} or {again}; say {stop} to end."

    def recorded(self, seconds: float) -> str:
        return f"Recorded {seconds:.1f} s. Playing it back."

    def keep_question(self, keep: str, again: str) -> str:
        return f"Keep it? Say {keep}, or {again}."

    def typed_answers(self, question: str) -> str:
        return f"{question} (or type k / a / q and Enter)"

    def waiting_for_sound(self, why: str) -> str:
        return f"{why[:1].upper()}{why[1:]}. Waiting for the sound to come back; everything kept is saved (Ctrl-C ends)."

    # -- the live view (app/textview.py) ------------------------------------------------------
    KEYS_LABEL = "keys"
    KEY_HELP = ("space pause/resume", "n next", "p back", "r repeat", "+/- tempo", "m more", "e enough",
                "u undo", "s status", "h help", "q stop")
    PAUSED_TAG = "[PAUSED]"
    CONFIRM_STOP_TAG = "[STOP? press q again]"
    OFFER_TAG = "[resume? space: carry on, n: start over]"
    STOPPED_TAG = "[stopped]"
    FINISHED_TAG = "[finished]"
    LAST_COMMAND = "last command"
    LAST_STEP = "Last step"

    def step_of(self, number: int, total: int, label: str) -> str:
        return f"Step {number} of {total} · {label}"

    def count_line(self, count: int, target: int, phase: str | None, tempo: float, beat: str) -> str:
        return f"Count {count} of {target}{f' ({phase})' if phase else ''} · {tempo:.1f} s each · beat {beat}"

    def clock_line(self, resting: bool, clock: str) -> str:
        return f"{'Rest' if resting else 'Time left'} {clock}"

    def next_line(self, upcoming: str | None, clock: str) -> str:
        return f"{f'Next: {upcoming}' if upcoming else self.LAST_STEP} · about {clock} to the end"


ENGLISH = English()
