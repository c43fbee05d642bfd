"""Every sentence the player says in a session, in Korean (`language: ko`): the same sentences as
english.py, each one overridden, so a Korean session says no English sentence.

Korean particles follow the word before them: '계속'이라고 but '멈춰'라고, 단계를 but 시간을.
`_final` tells which, from the last syllable's final consonant (or the Korean reading of a digit).
"""

from __future__ import annotations

from collections.abc import Sequence

from voiceguide.wording.english import English, Way

_DIGITS_WITH_FINAL = set("013678")
"""영, 일, 삼, 육, 칠, 팔 end in a consonant; 이, 사, 오, 구 do not."""
_KEY_NAMES = {"space": "스페이스"}


def _final(word: str) -> bool:
    """Whether the word ends in a consonant as Korean reads it (a Hangul final, or a digit's)."""
    last = word.strip(" '\".")[-1:]
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    return last in _DIGITS_WITH_FINAL


def _quoted_as(phrase: str) -> str:
    """'계속'이라고 / '멈춰'라고: a phrase as it is said."""
    return f"'{phrase}'{'이라고' if _final(phrase) else '라고'}"


def _is(word: str) -> str:
    """X이에요 / X예요."""
    return f"{word}{'이에요' if _final(word) else '예요'}"


class Korean(English):
    CODE = "ko"

    # -- the opening and the closing ----------------------------------------------------------
    SAFETY_FIRST = "안전 수칙"
    FINISH = "마무리"
    SAFETY_INTRO = "먼저 안전 수칙을 알려 드릴게요."
    SHORT_CAUTION = "아프면 바로 멈추세요."
    ROUTINE_DONE = "이것으로 루틴을 모두 마쳤어요. 수고하셨어요."
    REST_AND_WATER = "잠시 쉬면서 물을 한 잔 드세요."

    def hint(self, pause: Sequence[Way], help_: Sequence[Way], cautions_on_help: bool) -> str:
        hears = "모든 명령과 안전 수칙을" if cautions_on_help else "모든 명령을"
        return f"언제든 {self._how(pause, '면')} 잠시 멈추고, {self._how(help_, '면')} {hears} 들을 수 있어요."

    # -- steps, counts and holds --------------------------------------------------------------
    COUNT_IN = "준비, 시작"
    DONE = "됐어요."
    HALFWAY = "절반 지났어요."
    ONE_MINUTE_LEFT = "1분 남았어요."
    THIRTY_SECONDS_LEFT = "30초 남았어요."

    def step_heading(self, number: int, total: int, name: str) -> str:
        return f"{total}단계 중 {number}단계: {name}."

    def step_heading_brief(self, number: int, name: str) -> str:
        return f"{number}단계: {name}."

    def times(self, count: int) -> str:
        return f"{count}번 할게요."

    def phase_starts(self, name: str, index: int) -> str:
        return f"먼저 {name}." if index == 0 else f"이제 {name}."

    def from_count(self, number: int) -> str:
        return f"{number}부터 이어서 할게요."

    def hold_begins(self, seconds: float, until: str | None) -> str:
        if until:
            return f"{until} 때까지, 길게는 {self.duration(seconds)} 동안 계속하세요. 시작."
        return f"{self.duration(seconds)} 동안 해요. 시작."

    def to_go(self, seconds: float) -> str:
        return f"{self.duration(seconds)} 남았어요."

    def rest(self, seconds: float, started: bool, upcoming: str | None) -> str:
        text = f"쉬는 중이에요. {self.duration(seconds)} 남았어요." if started else f"{self.duration(seconds)} 쉬세요."
        return f"{text} 다음은 {_is(upcoming)}." if upcoming else text

    def duration(self, seconds: float) -> str:
        minutes, secs = divmod(max(1, int(round(seconds))), 60)
        return " ".join(part for part in (f"{minutes}분" if minutes else "", f"{secs}초" if secs else "") if part)

    # -- feedback on commands -----------------------------------------------------------------
    CARRYING_ON = "계속할게요."
    RESUMING_SAVED = "지난번에 멈춘 곳부터 이어서 할게요."
    NO_ANSWER_CARRYING_ON = "대답이 없어서 지난번에 멈춘 곳부터 이어서 할게요."
    STARTING_OVER = "처음부터 시작할게요."
    UNDONE = "되돌렸어요."
    NOTHING_TO_UNDO = "되돌릴 것이 없어요."
    TOO_LATE = "너무 늦게 들었어요. 아직 원하시면 다시 말해 주세요."
    SLOWER = "조금 느리게 할게요."
    FASTER = "조금 빠르게 할게요."
    SLOWER_LATER = "다음 세트부터 조금 느리게 셀게요."
    FASTER_LATER = "다음 세트부터 조금 빠르게 셀게요."
    SLOWEST = "지금이 가장 느린 속도예요."
    FASTEST = "지금이 가장 빠른 속도예요."
    NOTHING_TO_EXTEND = "지금은 늘릴 것이 없어요."
    FULL_COUNT = "이미 가장 많은 횟수예요."
    FULL_TIME = "이미 가장 긴 시간이에요."
    ENDED = "세션을 마쳤어요. 지금 위치는 저장했어요."

    def going_to(self, count: int) -> str:
        return f"{count}까지 할게요."

    def up_to(self, seconds: float) -> str:
        return f"{self.duration(seconds)}까지 할게요."

    def paused(self, resume: Sequence[Way]) -> str:
        return f"잠시 멈췄어요. 준비되면 {self._how(resume, '세요')}."

    def interrupted(self, where: str, resume: Sequence[Way]) -> str:
        return f"중간에 끊겼어요. {where}에서 멈췄어요. 준비되면 {self._how(resume, '세요')}."

    def stop_question(self, stop: Sequence[Way]) -> str:
        return f"세션을 끝낼까요? 끝내려면 {self._how(stop, '세요')}. 다른 말을 하면 계속해요."

    def offer(self, where: str, resume: Sequence[Way], start_over: Sequence[Way]) -> str:
        return (f"다시 오셨네요. 지난번에는 {where}에서 멈췄어요. 이어서 하려면 {self._how(resume, '세요')}. "
                f"처음부터 하려면 {self._how(start_over, '세요')}.")

    # -- where the session is -----------------------------------------------------------------
    AT_SAFETY_POINTS = "안전 수칙"
    AT_THE_END = "마지막"
    AT_THE_VERY_END = "맨 마지막"
    AT_REST = "다음 단계 전 휴식"

    def at_count(self, count: int, target: int) -> str:
        return f"{target}번 중 {count}번째"

    def at_time_left(self, seconds: float, step: str) -> str:
        return f"{step}, {self.duration(seconds)} 남은 곳"

    def at_start_of(self, step: str) -> str:
        return f"{step}의 처음"

    def at_step(self, number: int, name: str, count: int | None = None, seconds_left: float | None = None) -> str:
        where = f"{number}단계 {name}"
        if count is not None:
            return f"{where}, {count}번째"
        if seconds_left is not None:
            return f"{where}, {self.duration(seconds_left)} 남은 곳"
        return where

    # -- status and help ----------------------------------------------------------------------
    STILL_ON_SAFETY_POINTS = "아직 안전 수칙을 듣고 있어요."
    LAST_STEP_DONE = "방금이 마지막 단계였어요."
    LAST_OF_SET = "이번 세트의 마지막 번이에요."
    RESTING = "쉬는 중이에요."
    SAFETY_POINTS = "안전 수칙."

    def left_in_set(self, left: int, later_phases: Sequence[str]) -> str:
        text = f"이번 세트에 {left}번 남았어요." if left else self.LAST_OF_SET
        return f"{text} 그다음: {', '.join(later_phases)}." if later_phases else text

    def resting_before(self, upcoming: str | None) -> str:
        return f"쉬는 중이에요. 다음은 {_is(upcoming)}." if upcoming else self.RESTING

    def time_left(self, seconds: float) -> str:
        return f"{self.duration(seconds)} 남았어요."

    def on_step(self, number: int, name: str) -> str:
        return f"{number}단계, {name}."

    def status(self, here: str, steps_after: int, minutes: int, opening: bool) -> str:
        if opening:
            return f"{here} 그다음 {steps_after}단계가 있고, 모두 약 {minutes}분 걸려요."
        if not steps_after:
            return f"{here} 마지막 단계예요. 약 {minutes}분 남았어요."
        return f"{here} 이 단계 다음에 {steps_after}단계가 더 있고, 모두 약 {minutes}분 남았어요."

    def commands(self, verb: str, items: Sequence[tuple[str, str | None]]) -> str:
        words = [f"{_KEY_NAMES.get(key, key)} {phrase}" if key else f"'{phrase}'" for phrase, key in items]
        # not "이렇게 ...": its first syllables were heard as 이전 ("previous") by the Korean model
        doing = {"say": "명령은 이렇게 말하면 돼요", "type": "명령은 이렇게 입력하면 돼요",
                 "press": "명령은 이 키로 할 수 있어요"}[verb]
        return f"{doing}: {', '.join(words)}."

    # -- on screen ----------------------------------------------------------------------------
    SESSION_HAS_ENDED = "세션이 끝났어요."
    ALREADY_PAUSED = "이미 멈춰 있어요."
    ALREADY_PLAYING = "이미 진행 중이에요."
    SESSION_ENDED_NOTE = "세션 종료, 위치 저장됨."
    OFFERING = "이어서 할지 묻는 중."
    OFFERING_AGAIN = "이어서 할지 다시 묻는 중."
    WAITING_FOR_ANSWER = "계속할지 처음부터 할지 기다리는 중."
    CARRYING_ON_SAVED = "저장된 위치부터 계속."
    INTERRUPTED_NOTE = "중단됨: 그 자리에서 멈춤."
    PAUSED_NOTE = "멈춤."
    RESUMED = "계속."
    NEXT_POINT = "다음 항목."
    NEXT_STEP = "다음 단계."
    PREVIOUS_POINT = "이전 항목."
    PREVIOUS_STEP = "이전 단계."
    STEP_RESTARTED = "단계를 처음부터."
    REPEATING = "반복."
    REPEATING_SET = "설명을 다시 하고 세트를 처음부터."
    MOVING_ON = "다음으로."
    FINISHED = "끝."

    def stop_again(self, stop: Sequence[Way]) -> str:
        return f"끝내려면 한 번 더 {self._how(stop, '세요')}."

    def tempo_note(self, slower: bool, factor: float, later: bool) -> str:
        return f"속도 {'느리게' if slower else '빠르게'} (x{factor:.2f}){', 다음 세트부터' if later else ''}."

    # -- how a command is given ---------------------------------------------------------------
    def how(self, ways: Sequence[Way], starts: bool = False) -> str:
        return self._how(ways, "세요")

    def _how(self, ways: Sequence[Way], ending: str) -> str:
        """"'계속'이라고 말하거나 스페이스 키를 누르세요": each way as a verb stem, the last with `ending`."""
        stems = [{"say": lambda thing: f"{_quoted_as(thing)} 말하",
                  "press": lambda thing: f"{_KEY_NAMES.get(thing, thing)} 키를 누르",
                  "type": lambda thing: f"'{thing}'{'을' if _final(thing) else '를'} 입력하"}[verb](thing)
                 for verb, thing in ways]
        return "거나 ".join(stems) + ending

    # -- the pain ratings ---------------------------------------------------------------------
    GOING_AHEAD = "시작할게요. 통증이 심해지면 바로 멈추세요."
    NOT_TODAY = "알겠어요. 오늘은 쉬어요."
    NO_ANSWER_NOT_STARTED = "대답이 없어서 시작하지 않을게요."
    PAIN_NOW = "지금 통증은 0에서 10 중 몇인가요?"
    LISTENING = "듣는 중..."

    def pain_before(self, skip: str) -> str:
        return (f"시작하기 전에, 지금 통증은 0에서 10 중 몇인가요? 통증과 숫자를 말하거나, "
                f"건너뛰려면 {_quoted_as(skip)} 말하세요.")

    def pain_rose(self, before: int, after: int) -> str:
        return f"통증이 {before}에서 {after}까지 올랐어요."

    def pain_rated(self, rating: int) -> str:
        return f"통증 점수는 10점 중 {rating}점이에요."

    def not_started(self, rating: int) -> str:
        return f"통증이 10점 중 {rating}점이라 시작하지 않았어요. 쉬고, 전문의와 상담하세요."

    def steps_done(self, done: int, total: int, skipped: Sequence[str], place_saved: bool) -> str:
        text = f"{total}단계 중 {done}단계를 마쳤어요"
        if skipped:
            text += f". 건너뛴 단계: {', '.join(skipped)}"
        if place_saved:
            text += ". 위치를 저장했어요. 루틴을 다시 재생하면 이어서 할 수 있어요"
        return text + "."

    def pain_advice(self, reason: str, cautions: Sequence[str]) -> str:
        text = (f"{reason} 위험 신호예요. 오늘은 마사지를 멈추고 편한 자세로 쉬세요. 통증이 계속되거나 퍼지거나 "
                "저림이 함께 있으면 꼭 의사와 상의하세요.")
        return text + (" 이 루틴의 안전 수칙: " + " ".join(cautions) if cautions else "")

    def go_ahead_question(self, go_on: str, stop: str) -> str:
        return f"그래도 하시려면 '{go_on}', 아니면 {_quoted_as(stop)} 말하세요."

    def pain_noted(self, rating: int) -> str:
        return f"통증 {rating}점, 기록했어요."

    # -- recording one's own narration --------------------------------------------------------
    KEEP = "저장"
    HEARD_NOTHING = "아무 소리도 못 들었어요. 다시 해 볼게요."
    NOTHING_HEARD_PASSING = "아무 소리도 없어서 이 문장은 건너뛰어요 (나중에 --step으로 녹음하세요)."
    KEPT = "저장했어요."
    AGAIN = "다시."
    SPEAK_NOW = "지금 말하세요."
    SOUND_BACK = "소리가 돌아왔어요. 이 문장을 다시 할게요."

    def recording_intro(self, keep: str, again: str, stop: str) -> str:
        return (f"녹음을 시작할게요. 삐 소리가 나면 문장을 읽으세요. 그다음 '{keep}' 또는 {_quoted_as(again)} "
                f"말하고, 끝내려면 {_quoted_as(stop)} 말하세요.")

    def recorded(self, seconds: float) -> str:
        return f"{seconds:.1f}초 녹음했어요. 들려 드릴게요."

    def keep_question(self, keep: str, again: str) -> str:
        return f"저장할까요? '{keep}' 또는 {_quoted_as(again)} 말하세요."

    def typed_answers(self, question: str) -> str:
        return f"{question} (또는 k / a / q 입력 후 Enter)"

    def waiting_for_sound(self, why: str) -> str:
        return f"{why}. 소리가 돌아오기를 기다려요. 저장한 것은 그대로 있어요 (Ctrl-C로 끝내기)."

    # -- the live view ------------------------------------------------------------------------
    KEYS_LABEL = "키"
    KEY_HELP = ("스페이스 멈춤/계속", "n 다음", "p 이전", "r 반복", "+/- 속도", "m 더", "e 그만",
                "u 되돌리기", "s 상태", "h 도움말", "q 끝내기")
    PAUSED_TAG = "[멈춤]"
    CONFIRM_STOP_TAG = "[끝낼까요? q를 한 번 더]"
    OFFER_TAG = "[이어서? 스페이스: 계속, n: 처음부터]"
    STOPPED_TAG = "[중단됨]"
    FINISHED_TAG = "[완료]"
    LAST_COMMAND = "마지막 명령"
    LAST_STEP = "마지막 단계"

    def step_of(self, number: int, total: int, label: str) -> str:
        return f"{total}단계 중 {number}단계 · {label}"

    def count_line(self, count: int, target: int, phase: str | None, tempo: float, beat: str) -> str:
        return f"{target}번 중 {count}번{f' ({phase})' if phase else ''} · 한 번에 {tempo:.1f}초 · 박자 {beat}"

    def clock_line(self, resting: bool, clock: str) -> str:
        return f"{'휴식' if resting else '남은 시간'} {clock}"

    def next_line(self, upcoming: str | None, clock: str) -> str:
        return f"{f'다음: {upcoming}' if upcoming else self.LAST_STEP} · 끝까지 약 {clock}"
