"""`voiceguide history` as text: recent sessions, the streak, and pain per routine."""

from __future__ import annotations

from voiceguide.userdata.history import RoutineSummary, SessionRecord


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _when(record: SessionRecord) -> str:
    start = record.started.strftime("%a %d %b %H:%M")
    if record.ended is None:
        return f"{start}, cut short"
    minutes = max(1, round((record.ended - record.started).total_seconds() / 60))
    return f"{start}, {minutes} min"


def _pain(record: SessionRecord) -> str:
    if record.pain_before is None and record.pain_after is None:
        return ""
    shown = lambda rating: "?" if rating is None else str(rating)  # noqa: E731
    return f"; pain {shown(record.pain_before)} -> {shown(record.pain_after)}"


def describe_history(recent: list[SessionRecord], streak: int, routines: list[RoutineSummary]) -> str:
    lines = ["Recent sessions:"]
    for record in recent:
        done = "finished" if record.finished else "stopped"
        lines.append(f"  {_when(record)}  {record.routine}: {record.steps_completed} of {record.steps_total} "
                     f"steps, {done}{_pain(record)}")
    lines += ["", f"Streak: {_count(streak, 'day')} in a row.", "", "By routine:"]
    for summary in routines:
        if summary.average_pain_change is None:
            pain = "no pain ratings"
        else:
            pain = f"pain {summary.average_pain_change:+.1f} on average over {_count(summary.rated, 'rated session')}"
        lines.append(f"  {summary.routine}: {_count(summary.sessions, 'session')}, {pain}")
    return "\n".join(lines) + "\n"
